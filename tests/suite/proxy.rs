//! The counting forward proxy, with a counting server behind it: the client's connections to the
//! proxy, the tunnels opened on them, and the target's own connections are all on books, and
//! must agree.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use keepalive_probe::scenario::{self, Expected, Scenario};
use keepalive_probe::{Handshakes, Report, Server, TlsSettings};
use pretty_assertions::assert_eq;

use crate::support::client::reqwest_builder;
use crate::support::expect::assert_connections;
use crate::support::settle::SETTLE;

/// Runs a scenario through proxies and asserts its exact outcome (see [`assert_connections`]),
/// after checking that the table expects these requests per connection on the server and on each
/// proxy.
fn assert_through_proxies(scenario: Scenario, server: &[usize], proxies: &[&[usize]]) {
    let Expected::Exactly(expected) = &scenario.expected else {
        panic!("{} has an exact expectation", scenario.title());
    };
    let per_proxy: Vec<&[usize]> = expected
        .proxies
        .iter()
        .map(|report| report.requests_per_connection.as_slice())
        .collect();
    assert_eq!(
        per_proxy,
        proxies,
        "the table expects otherwise for {}",
        scenario.title()
    );
    assert_connections(scenario, server);
}

/// Five HTTPS GETs read to the end: the server's one connection carries all five; the proxy's
/// one connection carries the one `CONNECT`.
#[test]
fn proxy_https_requests_share_one_tunnel() {
    assert_through_proxies(
        scenario::families::proxy_https_requests_share_one_tunnel(),
        &[5],
        &[&[1]],
    );
}

/// Five plain GETs: five absolute-form requests on one connection to the proxy, passed on over
/// one connection to the server.
#[test]
fn proxy_plain_requests_share_one_connection_to_the_proxy() {
    assert_through_proxies(
        scenario::families::proxy_plain_requests_share_one_connection_to_the_proxy(),
        &[5],
        &[&[5]],
    );
}

/// 1 MiB bodies dropped unread through a tunnel: each costs a tunnel, and the client's reset
/// reaches the server through the proxy, so both books say reset.
#[test]
fn proxy_dropped_bodies_cost_a_tunnel_each() {
    assert_through_proxies(
        scenario::families::proxy_dropped_bodies_cost_a_tunnel_each(),
        &[1; 5],
        &[&[1; 5]],
    );
}

/// Two names of the server, alternated: two tunnels, each carrying its own target's requests.
#[test]
fn proxy_two_targets_never_share_a_tunnel() {
    assert_through_proxies(
        scenario::families::proxy_two_targets_never_share_a_tunnel(),
        &[2, 2],
        &[&[1, 1]],
    );
}

/// reqwest #2098: two proxies named in turn; the second is never used.
#[test]
fn proxy_named_in_turn_is_asked_only_for_new_connections() {
    assert_through_proxies(
        scenario::families::proxy_named_in_turn_is_asked_only_for_new_connections(),
        &[5],
        &[&[1], &[]],
    );
}

/// reqwest #2098 with credentials: the first user's tunnel serves every request (the tunnel's
/// user is checked in `alternating_two_users_on_one_client_tunnels_as_the_first_only`).
#[test]
fn proxy_credentials_in_turn_stay_the_first_users() {
    assert_through_proxies(
        scenario::families::proxy_credentials_in_turn_stay_the_first_users(),
        &[5],
        &[&[1]],
    );
}

/// A forward proxy.
async fn proxy() -> Server {
    Server::builder().forward_proxy().start().await.unwrap()
}

/// An HTTPS counting server with a `body_bytes` body.
async fn https_origin(body_bytes: usize) -> Server {
    Server::builder()
        .tls(TlsSettings::new())
        .body_bytes(body_bytes)
        .start()
        .await
        .unwrap()
}

/// A client that trusts `origins`' certificate authorities and reaches them through `proxy`.
fn through(proxy: reqwest::Proxy, origins: &[&Server]) -> reqwest::Client {
    let authorities = origins.iter().map(|origin| {
        let ca = origin.ca_certificate().expect("an HTTPS server has a CA");
        reqwest::Certificate::from_der(ca.der()).unwrap()
    });
    reqwest_builder()
        .proxy(proxy)
        .tls_certs_only(authorities)
        .build()
        .unwrap()
}

/// `n` GETs of `url` on `client`, each body read to the end.
async fn read(client: &reqwest::Client, url: &str, n: usize) {
    for _ in 0..n {
        let response = client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
    }
}

/// The targets of the tunnels on each of `proxy`'s connections, and their users.
fn tunnels(proxy: &Server) -> Vec<Vec<(String, Option<String>)>> {
    proxy
        .connections()
        .into_iter()
        .map(|connection| {
            connection
                .tunnels
                .into_iter()
                .map(|tunnel| (tunnel.target, tunnel.user))
                .collect()
        })
        .collect()
}

/// Three HTTPS GETs through the proxy: one `CONNECT`, so one connection to the proxy carrying one
/// request (the `CONNECT`; what the tunnel carries is TLS), one tunnel, one full handshake read
/// from the tunnel's hellos; behind it, one connection carrying the three requests.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn three_https_gets_through_a_proxy_open_one_tunnel() {
    let origin = https_origin(64 * 1024).await;
    let proxy = proxy().await;
    let client = through(reqwest::Proxy::all(proxy.url()).unwrap(), &[&origin]);
    read(&client, &origin.url(), 3).await;
    drop(client);
    let one_full = Handshakes::new(1, 0, 0);
    assert_eq!(
        proxy.report_within(SETTLE).await.unwrap(),
        Report::closed([1])
            .with_tunnels(1)
            .with_handshakes(one_full)
    );
    assert_eq!(
        origin.report_within(SETTLE).await.unwrap(),
        Report::closed([3]).with_handshakes(one_full)
    );
    let target = format!("localhost:{}", origin.addr().port());
    assert_eq!(tunnels(&proxy), [vec![(target.clone(), None)]]);
    let connect = &proxy.requests()[0];
    assert_eq!(
        (connect.method.as_str(), connect.path.as_str()),
        ("CONNECT", target.as_str())
    );
    // The tunnel's own connection is the one the target accepted.
    let upstream = proxy.connections()[0].tunnels[0].upstream;
    assert_eq!(origin.connections()[0].peer, upstream);
}

/// Three plain HTTP GETs through the proxy: absolute-form requests, no tunnel; the proxy passes
/// them on over one connection of its own, so the target sees the client's reuse as it is.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn three_plain_gets_through_a_proxy_are_one_connection_on_each_side() {
    let origin = Server::builder()
        .body_bytes(64 * 1024)
        .start()
        .await
        .unwrap();
    let proxy = proxy().await;
    let client = reqwest_builder()
        .proxy(reqwest::Proxy::all(proxy.url()).unwrap())
        .build()
        .unwrap();
    read(&client, &origin.url_for("/?n=1"), 3).await;
    drop(client);
    assert_eq!(
        proxy.report_within(SETTLE).await.unwrap(),
        Report::closed([3])
    );
    assert_eq!(
        origin.report_within(SETTLE).await.unwrap(),
        Report::closed([3])
    );
    let absolute = format!("http://{}/?n=1", origin.addr());
    assert_eq!(proxy.requests()[0].path, absolute);
    assert_eq!(origin.requests()[0].path, "/?n=1");
    assert_eq!(tunnels(&proxy), [Vec::new()]);
}

/// Two HTTPS targets in turn through one proxy: a tunnel reaches one target, so each target has a
/// tunnel, and a connection to the proxy, of its own, and each reuses it.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn two_targets_never_share_a_tunnel() {
    let first = https_origin(2).await;
    let second = https_origin(2).await;
    let proxy = proxy().await;
    let client = through(
        reqwest::Proxy::all(proxy.url()).unwrap(),
        &[&first, &second],
    );
    for _ in 0..2 {
        read(&client, &first.url(), 1).await;
        read(&client, &second.url(), 1).await;
    }
    drop(client);
    assert_eq!(
        proxy.report_within(SETTLE).await.unwrap(),
        Report::closed([1, 1])
            .with_tunnels(2)
            .with_handshakes(Handshakes::new(2, 0, 0))
    );
    for origin in [&first, &second] {
        assert_eq!(
            origin.report_within(SETTLE).await.unwrap(),
            Report::closed([2]).with_handshakes(Handshakes::new(1, 0, 0))
        );
    }
    let target = |origin: &Server| (format!("localhost:{}", origin.addr().port()), None);
    assert_eq!(
        tunnels(&proxy),
        [vec![target(&first)], vec![target(&second)]]
    );
}

/// A `Proxy::custom` that alternates between `urls`, request by request.
fn alternating(urls: [String; 2]) -> reqwest::Proxy {
    let asked = Arc::new(AtomicUsize::new(0));
    reqwest::Proxy::custom(move |_| {
        let n = asked.fetch_add(1, Ordering::Relaxed);
        Some(urls[n % 2].clone())
    })
}

/// reqwest #2098 with credentials: one proxy, its URL alternating between two users. The tunnel
/// the first user opened carries every request, so the proxy never sees the second user.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn alternating_two_users_on_one_client_tunnels_as_the_first_only() {
    let origin = https_origin(2).await;
    let proxy = proxy().await;
    let as_user = |user: &str| format!("http://{user}:s3cret@{}", proxy.addr());
    let client = through(alternating([as_user("alice"), as_user("bob")]), &[&origin]);
    read(&client, &origin.url(), 4).await;
    drop(client);
    assert_eq!(
        proxy.report_within(SETTLE).await.unwrap(),
        Report::closed([1])
            .with_tunnels(1)
            .with_handshakes(Handshakes::new(1, 0, 0))
    );
    let target = format!("localhost:{}", origin.addr().port());
    assert_eq!(tunnels(&proxy), [vec![(target, Some("alice".to_owned()))]]);
}

/// A proxy that asks for credentials: without them the `CONNECT` gets a `407` and no tunnel
/// (reqwest fails the request); with them, the tunnel opens and names its user. Each client
/// has a connection of its own.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_proxy_that_asks_for_credentials_tunnels_only_with_them() {
    let origin = https_origin(2).await;
    let proxy = Server::builder()
        .proxy_credentials("alice", "s3cret")
        .start()
        .await
        .unwrap();
    let anonymous = through(reqwest::Proxy::all(proxy.url()).unwrap(), &[&origin]);
    let refused = anonymous.get(origin.url()).send().await.unwrap_err();
    assert!(refused.is_connect(), "{refused:?}");
    drop(anonymous);
    let with_credentials = reqwest::Proxy::all(proxy.url())
        .unwrap()
        .basic_auth("alice", "s3cret");
    let alice = through(with_credentials, &[&origin]);
    read(&alice, &origin.url(), 2).await;
    drop(alice);
    let report = proxy.report_within(SETTLE).await.unwrap();
    assert_eq!((report.accepted, report.tunnels), (2, 1));
    let target = format!("localhost:{}", origin.addr().port());
    assert_eq!(tunnels(&proxy)[1], [(target, Some("alice".to_owned()))]);
    assert_eq!(
        origin.report_within(SETTLE).await.unwrap(),
        Report::closed([2]).with_handshakes(Handshakes::new(1, 0, 0))
    );
}

/// A target nobody listens on: the proxy answers `502 Bad Gateway`, counts the request and opens
/// no tunnel.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_unreachable_target_is_a_bad_gateway() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let nobody = closed.local_addr().unwrap();
    drop(closed);
    let proxy = proxy().await;
    let client = reqwest_builder()
        .proxy(reqwest::Proxy::all(proxy.url()).unwrap())
        .build()
        .unwrap();
    let response = client
        .get(format!("http://{nobody}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    response.bytes().await.unwrap();
    drop(client);
    assert_eq!(
        proxy.report_within(SETTLE).await.unwrap(),
        Report::closed([1])
    );
}
