//! The forward proxy against bytes written by hand: what it answers that a client library would
//! rarely ask, and what it passes on.

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use keepalive_probe::{Report, Server};
use pretty_assertions::assert_eq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::raw_tcp::{exchange, send};
use crate::support::settle::SETTLE;

/// A proxy that asks for `alice:s3cret`.
async fn proxy_with_credentials() -> Server {
    Server::builder()
        .proxy_credentials("alice", "s3cret")
        .start()
        .await
        .unwrap()
}

/// `alice:s3cret`, as Basic credentials.
const ALICE: &str = "Basic YWxpY2U6czNjcmV0";

/// An origin whose `/headers` answers with the names of the headers it received, one per line.
async fn header_echo() -> Server {
    let names = |headers: HeaderMap| async move {
        let mut names: Vec<&str> = headers.keys().map(|name| name.as_str()).collect();
        names.sort_unstable();
        names.join("\n")
    };
    Server::builder()
        .router(Router::new().route("/headers", get(names)))
        .start()
        .await
        .unwrap()
}

/// A plain request without credentials gets `407` with the realm to answer; with them it is
/// passed on, and the target never sees `Proxy-Authorization` or `Proxy-Connection`.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn credentials_are_checked_and_never_passed_on() {
    let origin = header_echo().await;
    let proxy = proxy_with_credentials().await;
    let target = origin.url_for("/headers");
    let anonymous = format!("GET {target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    let refused = exchange(&proxy, anonymous.as_bytes()).await;
    assert!(refused.starts_with("HTTP/1.1 407 "), "{refused}");
    assert!(
        refused.contains("proxy-authenticate: Basic realm=\"keepalive-probe\""),
        "{refused}"
    );
    let alice = format!(
        "GET {target} HTTP/1.1\r\nhost: x\r\nproxy-authorization: {ALICE}\r\n\
         proxy-connection: keep-alive\r\nconnection: close\r\n\r\n"
    );
    let answered = exchange(&proxy, alice.as_bytes()).await;
    assert!(answered.starts_with("HTTP/1.1 200 "), "{answered}");
    let body = answered.split("\r\n\r\n").nth(1).unwrap_or_default();
    assert!(!body.contains("proxy-"), "the target saw: {body}");
    assert!(body.contains("host"), "{body}");
    assert_eq!(proxy.report_within(SETTLE).await.unwrap().requests, 2);
}

/// What a forward proxy does not serve: an origin-form request (`400`), `https://` without a
/// tunnel (`400`), and a switch of protocols (`501`). Each is counted, and nothing is passed on.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn requests_a_proxy_does_not_serve_are_refused_and_counted() {
    let origin = Server::start().await.unwrap();
    let proxy = Server::builder().forward_proxy().start().await.unwrap();
    let https = format!("https://{}/", origin.addr());
    let upgrade = format!(
        "GET {} HTTP/1.1\r\nhost: x\r\nconnection: upgrade, close\r\nupgrade: websocket\r\n\r\n",
        origin.url()
    );
    for (request, status) in [
        (
            "GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".to_owned(),
            400,
        ),
        (
            format!("GET {https} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"),
            400,
        ),
        (upgrade, 501),
    ] {
        let answer = exchange(&proxy, request.as_bytes()).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{answer}"
        );
    }
    let report = proxy.report_within(SETTLE).await.unwrap();
    assert_eq!((report.requests, report.tunnels), (3, 0));
    assert_eq!(origin.report().accepted, 0);
}

/// A client that sends its first bytes right after its `CONNECT`, without waiting for the `200`:
/// hyper has read them with the `CONNECT`, and the proxy passes them on first.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn bytes_sent_with_the_connect_reach_the_target() {
    let origin = Server::start().await.unwrap();
    let proxy = Server::builder().forward_proxy().start().await.unwrap();
    let target = origin.addr();
    let eager = format!(
        "CONNECT {target} HTTP/1.1\r\nhost: {target}\r\n\r\n\
         GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    );
    let mut client = send(&proxy, eager.as_bytes()).await;
    let mut answers = Vec::new();
    client.read_to_end(&mut answers).await.unwrap();
    let answers = String::from_utf8_lossy(&answers);
    assert!(answers.starts_with("HTTP/1.1 200 "), "{answers}");
    assert_eq!(answers.matches("HTTP/1.1 200 ").count(), 2, "{answers}");
    client.shutdown().await.unwrap();
    drop(client);
    // The CONNECT, then the request the proxy read inside the tunnel.
    assert_eq!(
        proxy.report_within(SETTLE).await.unwrap(),
        Report::closed([2])
            .ended_each([keepalive_probe::Ending::ServerClosed])
            .with_tunnels(1)
    );
    assert_eq!(
        origin.report_within(SETTLE).await.unwrap(),
        Report::closed([1]).ended_each([keepalive_probe::Ending::ServerClosed])
    );
}
