//! Reuse gone wrong: the server closes, resets, hints or restarts under the client's pool. The
//! keep-alive bug users report most is a client reusing a connection the server has already
//! closed; a fault ties that close to the k-th request on a connection, or to the paused clock,
//! so it happens the same way on every run.
//!
//! Every request the scenario runner sends carries its number as `x-request-id`, so the report's
//! `resent` would count a request sent again; reqwest sends none again (the family file names the
//! function that decides).

use std::time::Duration;

use keepalive_probe::scenario::{self, Method};
use keepalive_probe::{
    AfterTruncation, CloseBy, Ending, Fault, IdleEnd, Leak, REQUEST_ID_HEADER, Report, Server,
};
use pretty_assertions::assert_eq;
use rstest::rstest;

use crate::support::client::reqwest_builder;
use crate::support::expect::{assert_connections, assert_outcome, run_agreeing};
use crate::support::settle::SETTLE;

/// The server reads the second request on the pooled connection, then closes it unanswered, by
/// FIN or by RST, for a GET and for a POST. reqwest fails that request and sends it nowhere else:
/// hyper-util's `Client::send_request` retries only a request hyper hands back unwritten. The
/// third request opens a second connection. The error says which close it met: "connection
/// closed before message completed" after a FIN, a reset after a RST.
#[rstest]
#[case::by_fin(CloseBy::Fin, "connection closed before message completed")]
#[case::by_rst(CloseBy::Rst, "reset")]
fn server_close_on_reuse_fails_the_request_and_reqwest_does_not_resend(
    #[case] by: CloseBy,
    #[case] error: &str,
    #[values(Method::Get, Method::Post)] method: Method,
) {
    let scenario =
        scenario::families::server_close_on_reuse_fails_the_request_and_reqwest_does_not_resend(
            by, method,
        );
    assert_outcome(scenario.clone(), [2, 1], 1);
    let observed = run_agreeing(&scenario).expect("runs");
    assert_eq!(observed.request_errors.len(), 1);
    assert!(
        observed.request_errors[0].contains(error),
        "{:?}",
        observed.request_errors
    );
}

/// The server ends the idle pooled connection at 5 s, by FIN, RST or an unsolicited 408; the
/// client's next request comes at 10 s. The connection's task in the pool has read the end
/// (`poll_read_keep_alive`), so the checkout skips it: a new connection, no error.
#[rstest]
#[case::by_fin(IdleEnd::Fin)]
#[case::by_rst(IdleEnd::Rst)]
#[case::by_408(IdleEnd::RequestTimeout)]
fn server_idle_close_by_fault_before_reuse_costs_a_new_connection(#[case] by: IdleEnd) {
    assert_connections(
        scenario::families::server_idle_close_by_fault_before_reuse_costs_a_new_connection(by),
        [1, 1],
    );
}

/// `Connection: close` on the third response: three requests on the first connection, two on
/// the second, none failed.
#[test]
fn server_connection_close_on_the_third_response_splits_the_requests() {
    assert_connections(
        scenario::families::server_connection_close_on_the_third_response_splits_the_requests(),
        [3, 2],
    );
}

/// `Keep-Alive: timeout=1` and a 5 s pause: hyper never reads the hint, so the connection is
/// reused.
#[test]
fn keep_alive_timeout_hint_is_ignored_by_reqwest() {
    assert_connections(
        scenario::families::keep_alive_timeout_hint_is_ignored_by_reqwest(),
        [2],
    );
}

/// The second response stops after 1 KiB of its 64 KiB body and the server closes: the body read
/// fails, the request is unanswered, and the third request opens a new connection.
#[test]
fn truncated_response_fails_the_body_read_and_costs_the_connection() {
    assert_outcome(
        scenario::families::truncated_response_fails_the_body_read_and_costs_the_connection(),
        [2, 1],
        1,
    );
}

/// A restart on the second request: the request in flight fails, the next one connects to the
/// listener bound again on the same port.
#[test]
fn server_restart_fails_the_request_in_flight_then_reconnects() {
    assert_outcome(
        scenario::families::server_restart_fails_the_request_in_flight_then_reconnects(),
        [2, 1],
        1,
    );
}

/// A 5 s maximum age and a 10 s pause: the idle connection was closed at 5 s.
#[test]
fn server_max_connection_age_closes_the_idle_connection() {
    assert_connections(
        scenario::families::server_max_connection_age_closes_the_idle_connection(),
        [1, 1],
    );
}

/// A client that retries what failed, as a wrapper does, with the same `x-request-id`: the server
/// counts the second arrival as re-sent. The first connection carried two requests, the second
/// was read and closed on; the retry went on a new connection.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_retried_request_is_counted_as_resent() {
    let server = Server::builder()
        .fault(Fault::close_on_request(2, CloseBy::Fin))
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    for id in ["a", "b"] {
        let send = || {
            client
                .get(server.url())
                .header(REQUEST_ID_HEADER, id)
                .send()
        };
        let response = match send().await {
            Ok(response) => response,
            Err(_) => send().await.unwrap(), // the wrapper's one retry
        };
        response.bytes().await.unwrap();
    }
    drop(client);
    let snapshot = server.snapshot_within(SETTLE).await.unwrap();
    assert_eq!(
        snapshot.report,
        Report::closed([2, 1])
            .ended_each([Ending::ServerClosed, Ending::ClientClosed])
            .with_unanswered(1, 1)
    );
    let log: Vec<(u64, Option<&str>, bool)> = snapshot
        .requests
        .iter()
        .map(|r| (r.connection.get(), r.request_id.as_deref(), r.answered))
        .collect();
    assert_eq!(
        log,
        [
            (1, Some("a"), true),
            (1, Some("b"), false),
            (2, Some("b"), true)
        ]
    );
}

/// A connection gone silent after 5 s idle: the request after a 10 s pause is read and never
/// answered; the client's own 30 s timeout ends it, with a clean close (nothing unread).
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_silent_server_leaves_the_request_to_the_clients_timeout() {
    let server = Server::builder()
        .fault(Fault::idle_close(Duration::from_secs(5), IdleEnd::Silent))
        .start()
        .await
        .unwrap();
    let client = reqwest_builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    client.get(server.url()).send().await.unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let error = client.get(server.url()).send().await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    drop(client);
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        Report::closed([2]).with_unanswered(1, 0)
    );
}

/// `Server::restart` between two requests: the pooled connection is closed under the client,
/// which reads the close before its next checkout (the restart returns once every connection is
/// closed) and connects anew: no error. The next connection takes the next id.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_restart_between_requests_costs_a_new_connection_not_an_error() {
    let server = Server::start().await.unwrap();
    let client = reqwest_builder().build().unwrap();
    client.get(server.url()).send().await.unwrap();
    server.restart().await;
    tokio::task::yield_now().await;
    client.get(server.url()).send().await.unwrap();
    drop(client);
    let snapshot = server.snapshot_within(SETTLE).await.unwrap();
    assert_eq!(
        snapshot.report,
        Report::closed([1, 1]).ended_each([Ending::ServerClosed, Ending::ClientClosed])
    );
    assert_eq!(snapshot.connections[1].id.get(), 2);
}

/// A wrapper whose timeout cancels a slow streamed download (`/drip/100`, a byte a second): the
/// client read all that was sent, so each connection ends with a clean FIN, yet each call lost
/// its connection. The guard fails on the responses never written whole, naming each. On a
/// multi-thread runtime, as a guard runs; the client's 100 ms timeout is what the test is about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leak_guard_fails_on_a_download_the_client_gave_up() {
    let server = Server::start().await.unwrap();
    let client = reqwest_builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    for _ in 0..3 {
        let response = client
            .get(server.url_for("/drip/100"))
            .send()
            .await
            .unwrap();
        assert!(response.bytes().await.unwrap_err().is_timeout());
    }
    drop(client);
    let snapshot = server.snapshot_within(SETTLE).await.unwrap();
    assert_eq!(
        snapshot.report.ended.client_reset, 0,
        "each ended with a FIN"
    );
    let leak = snapshot.check_no_leak(3).unwrap_err();
    assert!(
        matches!(&leak, Leak::Unanswered(requests) if requests.len() == 3),
        "{leak}"
    );
    assert!(
        leak.to_string()
            .starts_with("request 1 on connection 1 (GET /drip/100) was never answered whole"),
        "{leak}"
    );
}

/// A maximum age that passes while a response is streaming (`/drip/10`, ten seconds long, against
/// a 5 s age): hyper's graceful shutdown lets the response finish whole, then closes. The next
/// request, after a pause, opens a new connection.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_connection_past_its_age_finishes_its_response_then_closes() {
    let server = Server::builder()
        .fault(Fault::max_age(Duration::from_secs(5)))
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    let body = client.get(server.url_for("/drip/10")).send().await.unwrap();
    assert_eq!(body.bytes().await.unwrap().len(), 10);
    tokio::time::sleep(Duration::from_secs(1)).await;
    client.get(server.url()).send().await.unwrap();
    drop(client);
    let snapshot = server.snapshot_within(SETTLE).await.unwrap();
    assert_eq!(
        snapshot.report,
        Report::closed([1, 1]).ended_each([Ending::ServerClosed, Ending::ClientClosed])
    );
    assert_eq!(
        snapshot.connections[0].fault,
        Some(Fault::max_age(Duration::from_secs(5)))
    );
}

/// A truncation longer than the body never comes: the response is sent whole, answered, and no
/// fault is on the books.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_truncation_longer_than_the_body_never_comes() {
    let server = Server::builder()
        .fault(Fault::truncate(1, 100, AfterTruncation::Close))
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    let body = client.get(server.url()).send().await.unwrap();
    assert_eq!(body.text().await.unwrap(), "ok");
    drop(client);
    let snapshot = server.snapshot_within(SETTLE).await.unwrap();
    assert_eq!(snapshot.report, Report::closed([1]));
    assert_eq!(snapshot.connections[0].fault, None);
}

/// `goaway-after` over HTTP/1: the N-th response says `Connection: close`, so the client is told
/// before the close and no request fails: five requests at N = 2 cost three connections.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_graceful_close_over_http_1_is_said_in_the_response() {
    let server = Server::builder()
        .fault(Fault::go_away_after(2))
        .start()
        .await
        .unwrap();
    read_each(&server, 5).await;
    let report = server.report_within(SETTLE).await.unwrap();
    assert_eq!(
        report,
        Report::closed([2, 2, 1]).ended_each([
            Ending::ServerClosed,
            Ending::ServerClosed,
            Ending::ClientClosed
        ])
    );
    let faults: Vec<_> = server.connections().iter().map(|c| c.fault).collect();
    assert_eq!(
        faults,
        [
            Some(Fault::go_away_after(2)),
            Some(Fault::go_away_after(2)),
            None
        ]
    );
}

/// `goaway-abrupt-after` over HTTP/1 has no frame to send: the N-th request is read and the
/// connection closed unanswered, as `close-on-request=N:fin`. reqwest fails that request (hyper
/// does not send it again), and the next one opens a new connection.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_abrupt_goaway_over_http_1_closes_unanswered() {
    let server = Server::builder()
        .fault(Fault::go_away_abruptly_after(2))
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    let mut failed = 0;
    // Each to a target of its own: the third is a new request, not the second sent again.
    for n in 1..=3 {
        match client
            .get(format!("{}?request={n}", server.url()))
            .send()
            .await
        {
            Ok(response) => drop(response.bytes().await.unwrap()),
            Err(_) => failed += 1,
        }
    }
    drop(client);
    let report = server.report_within(SETTLE).await.unwrap();
    assert_eq!(
        (failed, report),
        (
            1,
            Report::closed([2, 1])
                .ended_each([Ending::ServerClosed, Ending::ClientClosed])
                .with_unanswered(1, 0)
        )
    );
    assert_eq!(
        server.connections()[0].fault,
        Some(Fault::go_away_abruptly_after(2))
    );
}

/// `goaway-in-flight=1` over HTTP/1, where one request is in flight at a time: every
/// connection's first response says `Connection: close`, so every request costs a connection and
/// none fails.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_graceful_close_in_flight_over_http_1_closes_after_each_response() {
    let server = Server::builder()
        .fault(Fault::go_away_in_flight(1))
        .start()
        .await
        .unwrap();
    read_each(&server, 3).await;
    let report = server.report_within(SETTLE).await.unwrap();
    assert_eq!(
        report,
        Report::closed([1, 1, 1]).ended_by(Ending::ServerClosed)
    );
}

/// Makes `n` GETs to `server` with one reqwest client, one after another, each read to its end
/// and none failing, then drops the client.
async fn read_each(server: &Server, n: usize) {
    let client = reqwest_builder().build().unwrap();
    for _ in 0..n {
        client
            .get(server.url())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
    }
}
