//! HTTPS: the counting server with `tls`, and reqwest over rustls. A new connection costs a TLS
//! handshake on top of TCP's — a full one (key exchange, the certificate) unless the client
//! resumes a session — and ALPN may pick HTTP/2, where dropping a body resets a stream, not the
//! connection. Every count here is exact: the scenarios run on the paused current-thread runtime,
//! and the server reads each handshake's kind from rustls (`ServerConnection::handshake_kind`).
//!
//! reqwest's rustls is compiled without a crypto provider, and each scenario client gets ring in
//! its own configuration. A plain `reqwest::Client` in such a build needs a process-wide
//! provider, which this test binary — ours, not a user's — installs for the one test that builds
//! one.

use keepalive_probe::scenario::{self, Observed};
use keepalive_probe::{Ending, Handshake, Handshakes, Report, Server, TlsSettings};
use pretty_assertions::assert_eq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::client;
use crate::support::expect::{assert_connections, assert_outcome};
use crate::support::settle::SETTLE;

/// Bodies read to the end: one connection, one full handshake for all five requests.
#[test]
fn https_full_read_pays_one_full_handshake() {
    assert_connections(
        scenario::families::https_full_read_pays_one_full_handshake(),
        [5],
    );
}

/// 1 MiB bodies dropped unread: hyper closes each connection (`poll_drain_or_close_read`), so
/// five connections, each reset by the client; the first handshake is full, and the client's
/// rustls session cache (`Resumption::default()`) resumes the other four — the server's
/// `ServerSessionMemoryCache` holds the session.
#[test]
fn https_dropped_large_body_resumes_each_new_connection() {
    assert_connections(
        scenario::families::https_dropped_large_body_resumes_each_new_connection(),
        [1, 1, 1, 1, 1],
    );
}

/// A new `reqwest::Client` per request: five pools, five rustls configurations, so five
/// connections and five full handshakes. (Since rustls 0.23.24 a client resumes only with the
/// configuration that holds the session.)
#[test]
fn https_new_client_per_request_pays_a_full_handshake_each() {
    assert_connections(
        scenario::families::https_new_client_per_request_pays_a_full_handshake_each(),
        [1, 1, 1, 1, 1],
    );
}

/// A clone shares the original's pool and rustls configuration: its connections resume the
/// session the original's first handshake left.
#[test]
fn https_cloned_client_resumes_the_original_session() {
    assert_connections(
        scenario::families::https_cloned_client_resumes_the_original_session(),
        [1, 1, 1, 1, 1],
    );
}

/// ALPN h2: reqwest's pool holds one HTTP/2 connection, and a dropped body resets its stream
/// (h2's `RecvStream` drop sends RST_STREAM), so the connection carries all five.
#[test]
fn https_h2_dropped_large_body_keeps_one_connection() {
    assert_connections(
        scenario::families::https_h2_dropped_large_body_keeps_one_connection(),
        [5],
    );
}

/// Five first requests at once to a server offering h2: hyper-util's pool does not know yet that
/// the connection will be shared, so each request connects and handshakes (five full); the first
/// to negotiate h2 carries all five, and the four spares are dropped
/// ("ALPN upgraded to HTTP/2"), with the server's session tickets unread, so they reset.
#[test]
fn https_h2_concurrent_first_requests_handshake_once_each() {
    assert_connections(
        scenario::families::https_h2_concurrent_first_requests_handshake_once_each(),
        [5, 0, 0, 0, 0],
    );
}

/// No session cache on the server: nothing to resume, five full handshakes.
#[test]
fn https_server_without_session_cache_pays_full_handshakes() {
    assert_connections(
        scenario::families::https_server_without_session_cache_pays_full_handshakes(),
        [1, 1, 1, 1, 1],
    );
}

/// `localhost` and `127.0.0.1`: two pool keys and two server names, so two connections and two
/// full handshakes.
#[test]
fn https_localhost_and_its_address_are_two_pools() {
    assert_connections(
        scenario::families::https_localhost_and_its_address_are_two_pools(),
        [2, 2],
    );
}

/// A client that trusts nothing: five sockets, five failed handshakes, five failed requests.
#[test]
fn https_untrusted_certificate_fails_every_handshake() {
    assert_outcome(
        scenario::families::https_untrusted_certificate_fails_every_handshake(),
        [0, 0, 0, 0, 0],
        5,
    );
}

/// Plain HTTP sent to the TLS port: rustls refuses the bytes, the handshake fails and is on the
/// books, and the server goes on serving HTTPS.
#[tokio::test(flavor = "current_thread")]
async fn plain_http_to_the_tls_port_is_a_failed_handshake_and_harms_nothing() {
    client::install_ring();
    let server = Server::builder()
        .tls(TlsSettings::new())
        .start()
        .await
        .expect("binds");
    let mut plain = TcpStream::connect(server.addr()).await.expect("connects");
    plain
        .write_all(b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .expect("sent");
    let mut reply = Vec::new();
    let _ = plain.read_to_end(&mut reply).await;
    drop(plain);

    let ca = reqwest::Certificate::from_der(
        server
            .ca_certificate()
            .expect("an HTTPS server has a CA")
            .der(),
    )
    .expect("a DER certificate");
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .build()
        .expect("a client");
    let body = client
        .get(server.url())
        .send()
        .await
        .expect("served over HTTPS")
        .text()
        .await
        .expect("a body");
    assert_eq!(body, "ok");
    drop(client);

    let snapshot = server.snapshot_within(SETTLE).await.unwrap();
    let handshakes: Vec<Option<Handshake>> = snapshot
        .connections
        .iter()
        .map(|c| c.tls.as_ref().map(|tls| tls.handshake))
        .collect();
    assert_eq!(handshakes, [Some(Handshake::Failed), Some(Handshake::Full)]);
    assert_eq!(
        snapshot.report,
        Report::closed([0, 1])
            .ended_each([Ending::ServerClosed, Ending::ClientClosed])
            .with_handshakes(Handshakes::new(1, 0, 1))
    );
}

/// The client's view over HTTPS: the tracker still tells connections and reuse, and agrees with
/// the server on which connection served each response.
#[test]
fn the_tracker_sees_https_connections_and_reuse() {
    let reused = scenario::families::https_full_read_pays_one_full_handshake()
        .run_observed()
        .expect("runs");
    assert_eq!(
        (reused.tracked.len(), reuse_flags(&reused)),
        (1, vec![false, true, true, true, true])
    );
    let leaked = scenario::families::https_dropped_large_body_resumes_each_new_connection()
        .run_observed()
        .expect("runs");
    assert_eq!(
        (leaked.tracked.len(), reuse_flags(&leaked)),
        (5, vec![false; 5])
    );
    for observed in [&reused, &leaked] {
        for seen in &observed.responses {
            assert_eq!(
                seen.server_named.map(|id| id.get()),
                Some(seen.served.connection.get())
            );
        }
    }
}

fn reuse_flags(observed: &Observed) -> Vec<bool> {
    observed.responses.iter().map(|r| r.served.reused).collect()
}

/// The timeline marks each lane's handshake at its start: one full, then four resumed.
#[test]
fn the_timeline_marks_each_lanes_handshake() {
    let observed = scenario::families::https_dropped_large_body_resumes_each_new_connection()
        .run_observed()
        .expect("runs");
    let picture = keepalive_probe::timeline::svg("https", &observed.snapshot);
    assert_eq!(
        (
            picture.matches(r#"data-handshake="full""#).count(),
            picture.matches(r#"data-handshake="resumed""#).count(),
            picture.contains("resumed TLS session"),
        ),
        (1, 4, true)
    );
}
