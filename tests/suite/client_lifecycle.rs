//! The pool belongs to the `reqwest::Client`: it lives and dies with the client, and no other
//! client sees it. `reqwest::blocking` wraps the same pool and follows the same rules.

use keepalive_probe::{Consume, Ending, Report, Server, StartError, scenario};
use pretty_assertions::assert_eq;

use crate::support::expect::assert_connections;
use crate::support::settle::SETTLE;

/// While the client lives its idle connections stay open; dropping it drops the pool, each idle
/// connection's `SendRequest` goes with it, the connection task sees its request channel closed
/// and shuts the socket down — and the server sees every close.
#[tokio::test(flavor = "current_thread")]
async fn dropping_the_client_closes_its_idle_connections() -> Result<(), StartError> {
    let server = Server::start().await?;
    let client = crate::support::client::reqwest_builder()
        .build()
        .expect("a plain-HTTP client builds");
    let get = || async {
        let response = client.get(server.url()).send().await?;
        Consume::ToEnd.response(response).await
    };
    let (first, second, third) = tokio::join!(get(), get(), get());
    for consumed in [first, second, third] {
        consumed.expect("the counting server answers");
    }
    assert_eq!(
        server.report(),
        Report::closed([1, 1, 1]).ended_by(Ending::Open)
    );

    drop(client);
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        Report::closed([1, 1, 1]).ended_by(Ending::ClientClosed)
    );
    Ok(())
}

/// Two clients, both alive, two requests each: two connections, never one. A pool is shared only
/// by clones of one `Client`.
#[test]
fn two_clients_never_share_connections() {
    assert_connections(
        scenario::families::two_clients_never_share_connections(),
        [2, 2],
    );
}

/// `reqwest::blocking::Client` drives an async client on a runtime thread of its own; a body
/// read to the end returns the connection to the pool before the read returns, so one connection
/// carries every request.
#[test]
fn blocking_client_full_read_reuses_one_connection() {
    assert_connections(
        scenario::families::blocking_client_full_read_reuses_one_connection(),
        [5],
    );
}

/// Dropping a blocking response, unread or after one `read` (the first frame hyper delivered),
/// drops the async body underneath: the leak is the same.
#[test]
fn blocking_client_dropped_large_body_forces_new_connection() {
    for consume in [Consume::Unread, Consume::FirstChunk] {
        assert_connections(
            scenario::families::blocking_client_dropped_large_body_forces_new_connection(consume),
            [1, 1, 1, 1, 1],
        );
    }
}

/// `Connection: close` on a blocking request: the blocking runner sends the same request head as
/// the async one (it used to leave the header out and count `[5]`), and hyper's
/// `Conn::encode_head` disables keep-alive on writing it. Five connections.
#[test]
fn blocking_client_request_connection_close_opens_a_connection_per_request() {
    assert_connections(
        scenario::families::blocking_client_request_connection_close_opens_a_connection_per_request(
        ),
        [1, 1, 1, 1, 1],
    );
}

/// HTTP/1.0 from the blocking client: no keep-alive unless asked for, so each exchange ends with
/// its connection. Five connections.
#[test]
fn blocking_client_http_1_0_request_opens_a_connection_per_request() {
    assert_connections(
        scenario::families::blocking_client_http_1_0_request_opens_a_connection_per_request(),
        [1, 1, 1, 1, 1],
    );
}
