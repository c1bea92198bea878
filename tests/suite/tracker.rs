//! The client's view: a `ConnectionTracker` on the reqwest client sees every connection the client
//! opens and which one served each response, against any server. Against the counting server's
//! ledger it is proved by every scenario test, which runs with a tracker on each client and checks
//! that the two agree (`support/expect.rs`); here against a plain `axum::serve`, a server without
//! the ledger, and for blocking clients, HTTP/2 and repeated questions. (`tests/other_clients/python.rs`
//! runs it against Python's `http.server`, a server that shares no code with ours.)

use crate::support::settle::SETTLE;
use keepalive_probe::{ClientReport, ConnectionTracker, Server};
use pretty_assertions::assert_eq;
use reqwest::StatusCode;

/// The wrapper from README's leak example: `error_for_status()?` before reading the body.
async fn fetch_leaky(client: &reqwest::Client, url: &str, tracker: &ConnectionTracker) {
    let mut response = client.get(url).send().await.expect("the server answers");
    tracker.connection_of(&mut response).expect("tracked");
    if let Ok(response) = response.error_for_status() {
        response.bytes().await.expect("the body arrives");
    }
}

/// The fixed wrapper: the body is read whatever the status.
async fn fetch_reading(client: &reqwest::Client, url: &str, tracker: &ConnectionTracker) {
    let mut response = client.get(url).send().await.expect("the server answers");
    tracker.connection_of(&mut response).expect("tracked");
    response.bytes().await.expect("the body arrives");
}

/// A plain axum server (no ledger) answering every `GET /` with 503 and a 1 MiB page, its URL,
/// and a client with a tracker.
async fn plain_server_with_a_large_error_page() -> (String, reqwest::Client, ConnectionTracker) {
    let error_page = || async { (StatusCode::SERVICE_UNAVAILABLE, vec![b'x'; 1024 * 1024]) };
    let app = axum::Router::new().route("/", axum::routing::get(error_page));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/", listener.local_addr().expect("bound"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let tracker = ConnectionTracker::new();
    let client = crate::support::client::reqwest_builder()
        .connector_layer(tracker.layer())
        .build()
        .expect("a plain-HTTP client builds");
    (url, client, tracker)
}

/// Against a server without the ledger, five calls of the leaky wrapper open five connections: hyper cannot drain
/// a 1 MiB body it was not asked to read (`poll_drain_or_close_read`), whoever the server is.
#[tokio::test(flavor = "current_thread")]
async fn tracker_catches_the_error_for_status_leak_against_a_plain_server() {
    let (url, client, tracker) = plain_server_with_a_large_error_page().await;
    for _ in 0..5 {
        fetch_leaky(&client, &url, &tracker).await;
    }
    assert_eq!(tracker.report(), ClientReport::of([1, 1, 1, 1, 1]));
}

/// The fixed wrapper against the same server: one connection, every response after the first a
/// reuse.
#[tokio::test(flavor = "current_thread")]
async fn tracker_passes_the_fixed_wrapper_against_a_plain_server() {
    let (url, client, tracker) = plain_server_with_a_large_error_page().await;
    for _ in 0..5 {
        fetch_reading(&client, &url, &tracker).await;
    }
    assert_eq!(tracker.report(), ClientReport::of([5]));
}

/// HTTP/2 (h2c with prior knowledge): ten requests at once share one connection; the first
/// response looked up is the connection's first, the other nine reuses.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn http2_responses_after_the_first_are_reuses() {
    let server = Server::start().await.expect("binds");
    let tracker = ConnectionTracker::new();
    let client = crate::support::client::reqwest_builder()
        .http2_prior_knowledge()
        .connector_layer(tracker.layer())
        .build()
        .expect("a client");
    let mut in_flight = tokio::task::JoinSet::new();
    for _ in 0..10 {
        in_flight.spawn(client.get(server.url()).send());
    }
    let mut reused = Vec::new();
    while let Some(response) = in_flight.join_next().await {
        let mut response = response.expect("the task ran").expect("answered");
        reused.push(
            tracker
                .connection_of(&mut response)
                .expect("tracked")
                .reused,
        );
    }
    assert_eq!(
        reused,
        [false, true, true, true, true, true, true, true, true, true]
    );
    assert_eq!(tracker.report(), ClientReport::of([10]));
}

/// The blocking client takes the same layer: a body dropped unread closes its connection, and
/// each of three responses comes on a connection of its own, none a reuse.
#[test]
fn blocking_client_is_tracked_too() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let server = runtime
        .block_on(Server::builder().body_bytes(1024 * 1024).start())
        .expect("binds");
    let tracker = ConnectionTracker::new();
    crate::support::client::install_ring();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .connector_layer(tracker.layer())
        .build()
        .expect("a client");
    let served: Vec<(u64, bool)> = (0..3)
        .map(|_| {
            let mut response = client.get(server.url()).send().expect("answered");
            let served = tracker
                .connection_in(response.extensions_mut())
                .expect("tracked");
            (served.connection.get(), served.reused)
        })
        .collect();
    assert_eq!(served, [(1, false), (2, false), (3, false)]);
    drop(client);
    assert_eq!(
        runtime.block_on(server.report_within(SETTLE)).unwrap(),
        keepalive_probe::Report::closed([1, 1, 1]).ended_by(keepalive_probe::Ending::ClientReset)
    );
}

/// Issue 18: `connection_of` was not a question: asking twice about one response flipped
/// `reused` to true and counted the response twice. The answer now stays with the response.
#[tokio::test(flavor = "current_thread")]
async fn asking_twice_about_one_response_gives_one_answer_and_one_count() {
    let server = Server::start().await.expect("binds");
    let tracker = ConnectionTracker::new();
    let client = crate::support::client::reqwest_builder()
        .connector_layer(tracker.layer())
        .build()
        .expect("a client");
    let mut response = client.get(server.url()).send().await.expect("answered");
    let first = tracker.connection_of(&mut response).expect("tracked");
    let second = tracker.connection_of(&mut response).expect("tracked");
    assert_eq!((first, second.reused), (second, false));
    assert_eq!(tracker.report(), ClientReport::of([1]));
}
