//! Keep-alive switched off on purpose: every request opens its own TCP connection, and every
//! connection is closed once the client is dropped. Four ways to switch it off, and HTTP/1.0,
//! which never had it switched on.
//!
//! Each way ends in the same place in hyper: the connection's keep-alive state becomes
//! `KA::Disabled`, so after the response `State::try_keep_alive`
//! ([`proto/h1/conn.rs`](https://github.com/hyperium/hyper/blob/v1.12.0/src/proto/h1/conn.rs#L1100))
//! closes the connection instead of making it idle, and nothing goes back to the pool. Who closes
//! first differs, and the report's endings say so: the client when its pool is off, the server
//! when either side said `Connection: close`.
//!
//! `cargo test --test disabled -- --list` is the lesson's outline.

#[path = "support/client.rs"]
mod client;
#[path = "support/seed.rs"]
mod seed;
#[path = "support/settle.rs"]
mod settle;

use client::reqwest_builder;
use keepalive_probe::scenario::families;
use keepalive_probe::{Ending, Report, Server};
use pretty_assertions::assert_eq;
use reqwest::Version;
use reqwest::header::CONNECTION;
use rstest::rstest;
use seed::matrix_agrees;
use settle::SETTLE;

/// `pool_max_idle_per_host(0)` disables hyper-util's pool (`pool::Config::is_enabled` is false):
/// each request connects, and the dispatcher closes the connection once the response body ends,
/// because its sender is gone. The client closes each one.
#[rstest]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn client_pool_disabled_opens_a_connection_per_request(#[values(1, 5)] requests: usize) {
    let server = Server::start().await.unwrap();
    let client = reqwest_builder().pool_max_idle_per_host(0).build().unwrap();
    for _ in 0..requests {
        let response = client.get(server.url()).send().await.unwrap();
        response.bytes().await.unwrap();
    }
    drop(client);

    let expected = Report::closed(vec![1; requests]);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::client_pool_disabled_opens_a_connection_per_request(requests),
        &expected,
    );
}

/// `Connection: close` on each request: hyper's `Conn::encode_head` disables keep-alive when it
/// writes such a head, and the server closes after answering.
#[rstest]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn request_connection_close_opens_a_connection_per_request(#[values(1, 5)] requests: usize) {
    let server = Server::start().await.unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..requests {
        let request = client.get(server.url()).header(CONNECTION, "close");
        request.send().await.unwrap().bytes().await.unwrap();
    }
    drop(client);

    let expected = Report::closed(vec![1; requests]).ended_by(Ending::ServerClosed);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::request_connection_close_opens_a_connection_per_request(requests),
        &expected,
    );
}

/// Keep-alive off on the server (hyper's `http1().keep_alive(false)`, Go's
/// `SetKeepAlivesEnabled(false)`): it answers `Connection: close` and closes after the response,
/// and the client may not reuse.
#[rstest]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn server_keep_alive_disabled_opens_a_connection_per_request(
    #[values(1, 5)] requests: usize,
) {
    let server = Server::builder().keep_alive(false).start().await.unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..requests {
        let response = client.get(server.url()).send().await.unwrap();
        response.bytes().await.unwrap();
    }
    drop(client);

    let expected = Report::closed(vec![1; requests]).ended_by(Ending::ServerClosed);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::server_keep_alive_disabled_opens_a_connection_per_request(requests),
        &expected,
    );
}

/// A handler that answers `Connection: close` itself: the client parses it
/// (`proto/h1/role.rs`), `keep_alive &= msg.keep_alive` turns keep-alive off, and the server
/// closes first.
#[rstest]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn server_connection_close_header_opens_a_connection_per_request(
    #[values(1, 5)] requests: usize,
) {
    let server = Server::builder()
        .connection_close(true)
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..requests {
        let response = client.get(server.url()).send().await.unwrap();
        response.bytes().await.unwrap();
    }
    drop(client);

    let expected = Report::closed(vec![1; requests]).ended_by(Ending::ServerClosed);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::server_connection_close_header_opens_a_connection_per_request(requests),
        &expected,
    );
}

/// An HTTP/1.0 request without `Connection: keep-alive`: HTTP/1.0 has no keep-alive unless asked
/// for, so the server ends the exchange with the response.
#[rstest]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn http_1_0_request_opens_a_connection_per_request(#[values(1, 5)] requests: usize) {
    let server = Server::start().await.unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..requests {
        let request = client.get(server.url()).version(Version::HTTP_10);
        request.send().await.unwrap().bytes().await.unwrap();
    }
    drop(client);

    let expected = Report::closed(vec![1; requests]).ended_by(Ending::ServerClosed);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::http_1_0_request_opens_a_connection_per_request(requests),
        &expected,
    );
}
