//! The counting relay in front of a server the test did not write: every client connection is
//! passed on over one upstream connection of its own, byte for byte, and counted on the relay's
//! ledger. Here the upstream is a second counting server, so both sides of the relay are on
//! books, and the two must agree: the relay adds no connection, merges none, and passes on how
//! each ended.

use std::hash::{DefaultHasher, Hasher};

use keepalive_probe::{Ending, Handshakes, Report, Server, TlsSettings};
use pretty_assertions::assert_eq;
use rstest::rstest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::client::{self, reqwest_builder};
use crate::support::settle::SETTLE;

const MIB: usize = 1024 * 1024;

/// `n` GETs of `url` on `client`, each body read to the end.
async fn read(client: &reqwest::Client, url: &str, n: usize) {
    for _ in 0..n {
        let response = client.get(url).send().await.unwrap();
        response.bytes().await.unwrap();
    }
}

/// A relay in front of `upstream`.
async fn relay_to(upstream: &Server) -> Server {
    Server::builder()
        .relay_to(upstream.addr())
        .start()
        .await
        .unwrap()
}

/// An upstream with a `body_bytes` body, and a relay in front of it.
async fn relayed(body_bytes: usize) -> (Server, Server) {
    let upstream = Server::builder()
        .body_bytes(body_bytes)
        .start()
        .await
        .unwrap();
    let relay = relay_to(&upstream).await;
    (upstream, relay)
}

/// Five GETs read to the end through the relay: one connection on each side, five requests,
/// each answered, closed by the client (the relay passes the client's FIN on).
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn five_reads_through_the_relay_are_one_connection_on_both_sides() {
    let (upstream, relay) = relayed(64 * 1024).await;
    let client = reqwest_builder().build().unwrap();
    read(&client, &relay.url(), 5).await;
    drop(client);
    assert_eq!(
        relay.report_within(SETTLE).await.unwrap(),
        Report::closed([5])
    );
    assert_eq!(
        upstream.report_within(SETTLE).await.unwrap(),
        Report::closed([5])
    );
}

/// Five 1 MiB bodies dropped unread through the relay: five connections, each reset by the
/// client, and the relay passes each reset on, so the upstream sees five resets too.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn bodies_dropped_through_the_relay_reset_both_sides() {
    let (upstream, relay) = relayed(MIB).await;
    let client = reqwest_builder().build().unwrap();
    for _ in 0..5 {
        drop(client.get(relay.url()).send().await.unwrap());
    }
    drop(client);
    let reset = Report::closed([1; 5]).ended_by(Ending::ClientReset);
    // Whether all of a 1 MiB response got past the relay before the client's reset depends on
    // the socket buffers between them: the unanswered count is taken as it came.
    let report = relay.report_within(SETTLE).await.unwrap();
    assert_eq!(report, reset.clone().with_unanswered(report.unanswered, 0));
    assert_eq!(
        upstream.report_within(SETTLE).await.unwrap().ended,
        reset.ended
    );
}

/// The upstream says `Connection: close`: it closes first, and the relay passes its FIN on, so
/// on the relay's books the server (the relay's side) closed each connection.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_upstream_that_closes_first_is_the_server_closing_on_the_relays_books() {
    let upstream = Server::builder()
        .connection_close(true)
        .start()
        .await
        .unwrap();
    let relay = relay_to(&upstream).await;
    let client = reqwest_builder().build().unwrap();
    read(&client, &relay.url(), 3).await;
    drop(client);
    let closed_by_server = Report::closed([1, 1, 1]).ended_by(Ending::ServerClosed);
    assert_eq!(relay.report_within(SETTLE).await.unwrap(), closed_by_server);
    assert_eq!(
        upstream.report_within(SETTLE).await.unwrap(),
        closed_by_server
    );
}

/// The upstream restarts between two requests: the pooled connection through the relay is
/// closed under the client, which connects anew; no request rides a connection to the old
/// instance.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_upstream_restart_costs_a_new_connection_through_the_relay() {
    let (upstream, relay) = relayed(2).await;
    let client = reqwest_builder().build().unwrap();
    read(&client, &relay.url(), 1).await;
    upstream.restart().await;
    tokio::task::yield_now().await;
    read(&client, &relay.url(), 1).await;
    drop(client);
    let expected = Report::closed([1, 1]).ended_each([Ending::ServerClosed, Ending::ClientClosed]);
    assert_eq!(relay.report_within(SETTLE).await.unwrap(), expected);
    assert_eq!(upstream.report_within(SETTLE).await.unwrap(), expected);
}

/// What passes through the relay is what was sent: a 16 MiB body arrives whole, byte for byte.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_large_body_passes_through_unchanged() {
    let (_upstream, relay) = relayed(2).await;
    let client = reqwest_builder().build().unwrap();
    let size = 16 * MIB;
    let body = client
        .get(relay.url_for(&format!("/bytes/{size}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), size);
    assert!(body.chunks(2).all(|pair| pair == b"ok"));
    drop(client);
    assert_eq!(
        relay.report_within(SETTLE).await.unwrap(),
        Report::closed([1])
    );
}

/// HTTPS through the relay, which holds no key: it tells full from resumed handshakes from the
/// cleartext hellos (TLS 1.3: a `pre_shared_key` in the ServerHello; TLS 1.2: the session id
/// the client offered, echoed) and reads the ALPN protocols the client offered (reqwest with its
/// `http2` feature: `h2`, then `http/1.1`). Five requests with `Connection: close`: five
/// connections, one full handshake and four resumed, on the relay's books as on the upstream's.
#[rstest]
#[case::tls_1_3(reqwest::tls::Version::TLS_1_3, "TLSv1.3")]
#[case::tls_1_2(reqwest::tls::Version::TLS_1_2, "TLSv1.2")]
#[tokio::test(flavor = "current_thread")]
async fn the_relay_tells_full_from_resumed_handshakes_as_the_upstream_does(
    #[case] version: reqwest::tls::Version,
    #[case] named: &str,
) {
    client::install_ring();
    let upstream = Server::builder()
        .tls(TlsSettings::new())
        .start()
        .await
        .unwrap();
    let relay = relay_to(&upstream).await;
    let ca = upstream.ca_certificate().expect("an HTTPS server has a CA");
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_der(ca.der()).unwrap()])
        .tls_version_min(version)
        .tls_version_max(version)
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/", relay.addr().port());
    for _ in 0..5 {
        let response = client.get(&url).header("connection", "close").send();
        response.await.unwrap().bytes().await.unwrap();
    }
    drop(client);
    let relayed = relay.snapshot_within(SETTLE).await.unwrap();
    let upstream = upstream.report_within(SETTLE).await.unwrap();
    let handshakes = Handshakes::new(1, 4, 0);
    assert_eq!((relayed.report.tls, upstream.tls), (handshakes, handshakes));
    assert_eq!(
        relayed.report.requests, 0,
        "requests inside TLS are not read"
    );
    let tls = relayed.connections[0].tls.as_ref().expect("a handshake");
    assert_eq!(
        (tls.version.as_deref(), tls.alpn_offered.clone()),
        (Some(named), vec!["h2".to_owned(), "http/1.1".to_owned()])
    );
}

/// A client that half-closes after its request, then reads: the relay passes the FIN on as a
/// half-close, not a reset, and every byte of a 1 MiB answer still arrives. (The upstream here
/// is a few lines of raw TCP that answer after the client's FIN: hyper's server does not keep a
/// half-closed connection.)
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_half_closed_client_still_gets_the_whole_answer() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        socket.read_to_end(&mut request).await.unwrap();
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {MIB}\r\n\r\n");
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(&vec![b'x'; MIB]).await.unwrap();
        socket.shutdown().await.unwrap();
    });
    let relay = Server::builder().relay_to(upstream).start().await.unwrap();
    let mut client = TcpStream::connect(relay.addr()).await.unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nhost: upstream\r\n\r\n")
        .await
        .unwrap();
    client.shutdown().await.unwrap();
    let mut reply = Vec::new();
    client.read_to_end(&mut reply).await.unwrap();
    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {MIB}\r\n\r\n");
    assert_eq!(reply.len(), head.len() + MIB);
    drop(client);
    assert_eq!(
        relay.report_within(SETTLE).await.unwrap(),
        Report::closed([1])
    );
}

/// What passes through the relay the other way is what was sent too: a 16 MiB upload of varied
/// bytes reaches the upstream whole, checked by a digest the upstream computes.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_large_upload_passes_through_unchanged() {
    // std's hasher and `repeat` are optimized even in a debug build: 16 MiB costs little.
    let digest = |bytes: &[u8]| {
        let mut hasher = DefaultHasher::new();
        hasher.write(bytes);
        hasher.finish()
    };
    // axum's 2 MB default limit on a body would refuse the upload (and the upstream's reset
    // would reach the client through the relay, as it should).
    let router = keepalive_probe::axum::Router::new()
        .route(
            "/upload",
            keepalive_probe::axum::routing::post(
                move |body: keepalive_probe::axum::body::Bytes| async move {
                    format!("{} {}", body.len(), digest(&body))
                },
            ),
        )
        .layer(keepalive_probe::axum::extract::DefaultBodyLimit::disable());
    let upstream = Server::builder().router(router).start().await.unwrap();
    let relay = relay_to(&upstream).await;
    let pattern: Vec<u8> = (0..=250).collect();
    let mut upload = pattern.repeat(16 * MIB / pattern.len() + 1);
    upload.truncate(16 * MIB);
    let expected = format!("{} {}", upload.len(), digest(&upload));
    let client = reqwest_builder().build().unwrap();
    let answer = client
        .post(relay.url_for("/upload"))
        .body(upload)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(answer, expected);
    drop(client);
    assert_eq!(
        relay.report_within(SETTLE).await.unwrap(),
        Report::closed([1])
    );
}

/// h2c through the relay: 10 requests at once on one connection, against an upstream that
/// allows 2 streams. The relay reads the frames as they pass, as the upstream does, so both
/// books have the same streams: 10 requests queued on one connection, at most 2 at once.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_relay_reads_http_2_streams_as_the_upstream_does() {
    let upstream = Server::builder().h2_max_streams(2).start().await.unwrap();
    let relay = relay_to(&upstream).await;
    let client = reqwest_builder().http2_prior_knowledge().build().unwrap();
    let url = relay.url();
    read(&client, &url, 1).await;
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (client, url) = (client.clone(), url.clone());
        burst.spawn(async move { read(&client, &url, 1).await });
    }
    while let Some(done) = burst.join_next().await {
        done.unwrap();
    }
    drop(client);
    let relayed = relay.snapshot_within(SETTLE).await.unwrap();
    let served = upstream.snapshot_within(SETTLE).await.unwrap();
    let streams = |snapshot: &keepalive_probe::Snapshot| {
        let seen = snapshot.connections[0].http2.clone().expect("HTTP/2");
        (
            seen.streams,
            seen.peak_streams,
            seen.refused,
            snapshot.report.streams,
        )
    };
    assert_eq!(streams(&relayed), (11, 2, 0, 11));
    assert_eq!(streams(&relayed), streams(&served));
}
