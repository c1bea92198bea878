//! A panic in the user's code that the server runs — an `on_event` callback, a handler of their
//! own router — fails the test with its message, and the server goes on counting meanwhile.
//! Uncaught, a panicking callback ended the accept loop: the next connect was refused and the
//! wait for closes never returned.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use keepalive_probe::{Event, Report, Server};
use pretty_assertions::assert_eq;

use crate::support::client::reqwest_builder;

const SETTLE: Duration = Duration::from_secs(10);

/// A handler of the user's that panics.
async fn broken_handler() -> &'static str {
    panic!("the handler broke")
}

/// The panic message a spawned wait ended with.
async fn panic_of(wait: tokio::task::JoinHandle<Report>) -> String {
    let payload = wait.await.expect_err("the wait panics").into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_else(|| format!("{payload:?}"))
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_panicking_event_callback_fails_the_wait_and_the_server_goes_on_counting() {
    let server = Server::builder()
        .on_event(|event| {
            if let Event::Accepted { id, .. } = event {
                assert!(id.get() > 1, "the callback refuses connection {id}");
            }
        })
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().pool_max_idle_per_host(0).build().unwrap();
    for _ in 0..2 {
        let response = client.get(server.url()).send().await.unwrap();
        response.bytes().await.unwrap();
    }
    drop(client);
    assert_eq!(server.report().requests_per_connection, [1, 1]);

    let wait = tokio::spawn(async move { server.report_within(SETTLE).await.unwrap() });
    assert_eq!(
        panic_of(wait).await,
        "the on_event callback panicked: the callback refuses connection 1"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_panicking_handler_answers_500_and_fails_the_wait_with_its_message() {
    let routes = Router::new().route("/boom", get(broken_handler));
    let server = Server::builder().router(routes).start().await.unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..2 {
        let response = client.get(server.url_for("/boom")).send().await.unwrap();
        assert_eq!(response.status(), 500);
        response.bytes().await.unwrap();
    }
    drop(client);
    assert_eq!(server.report().requests_per_connection, [2]);

    let wait = tokio::spawn(async move { server.report_within(SETTLE).await.unwrap() });
    assert_eq!(
        panic_of(wait).await,
        "the handler of request 1 on connection 1 panicked: the handler broke; \
         the handler of request 2 on connection 1 panicked: the handler broke"
    );
}

/// A caught panic that no wait reported fails the test when the server is dropped.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_panic_no_wait_reported_fails_the_servers_drop() {
    let routes = Router::new().route("/boom", get(broken_handler));
    let server = Server::builder().router(routes).start().await.unwrap();
    let client = reqwest_builder().build().unwrap();
    let response = client.get(server.url_for("/boom")).send().await.unwrap();
    assert_eq!(response.status(), 500);
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(server)));
    let payload = dropped.expect_err("the drop panics");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("the handler of request 1 on connection 1 panicked: the handler broke")
    );
}
