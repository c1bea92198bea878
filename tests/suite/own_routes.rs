//! The counting server on the user's own routes: any axum `Router`, counted exactly as the
//! built-in routes are, a request log that says which connection carried which request, and a
//! wait that cannot hang.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use keepalive_probe::{
    CONNECTION_ID_HEADER, Ending, REQUEST_NUMBER_HEADER, Report, Server, routes,
};
use pretty_assertions::assert_eq;

use crate::support::client::client;
use crate::support::settle::SETTLE;

/// A flaky upstream: the first two calls get a 503 with a 64 KiB error page, then a 200 with JSON.
fn flaky_router() -> Router {
    let calls = Arc::new(AtomicUsize::new(0));
    Router::new().route(
        "/thing",
        get(move || {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if call < 2 {
                    (StatusCode::SERVICE_UNAVAILABLE, "x".repeat(64 * 1024)).into_response()
                } else {
                    axum::Json(serde_json::json!({"id": 7})).into_response()
                }
            }
        }),
    )
}

/// The wrapper under test: GET with a retry on 503.
struct RetryingClient {
    http: reqwest::Client,
    url: String,
    /// Whether a 503's body is read before retrying (the fix) or dropped (the leak).
    read_error_bodies: bool,
}

impl RetryingClient {
    async fn thing(&self) -> serde_json::Value {
        loop {
            let response = self
                .http
                .get(&self.url)
                .send()
                .await
                .expect("the server answers");
            if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                if self.read_error_bodies {
                    response.bytes().await.expect("the error page arrives");
                }
                continue;
            }
            let body = response.bytes().await.expect("the body arrives");
            return serde_json::from_slice(&body).expect("JSON");
        }
    }
}

async fn retry_guard(read_error_bodies: bool) -> Report {
    let server = Server::builder()
        .router(flaky_router())
        .start()
        .await
        .expect("the server binds 127.0.0.1:0");
    let client = RetryingClient {
        http: client(),
        url: server.url_for("/thing"),
        read_error_bodies,
    };
    assert_eq!(client.thing().await, serde_json::json!({"id": 7}));
    drop(client);
    server.report_within(SETTLE).await.unwrap()
}

/// The retry that reads the 503 pages: three requests on one connection.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn retry_that_reads_error_bodies_keeps_one_connection() {
    assert_eq!(retry_guard(true).await, Report::closed([3]));
}

/// The retry that drops the 503 pages unread: hyper cannot finish a 64 KiB body with its one drain
/// read (`poll_drain_or_close_read`), so each 503 costs its connection. Three connections: the
/// two that carried a 503 reset by the client with the page unread, the last closed cleanly.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn retry_that_drops_error_bodies_opens_a_connection_per_attempt() {
    assert_eq!(
        retry_guard(false).await,
        Report::closed([1, 1, 1]).ended_each([
            Ending::ClientReset,
            Ending::ClientReset,
            Ending::ClientClosed
        ])
    );
}

/// A user's route answers with the same connection headers as the built-in routes, and the
/// built-in routes merged beside it still answer.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn own_routes_carry_the_connection_headers() {
    let router = routes(2).route("/hello", get(|| async { "hello" }));
    let server = Server::builder()
        .router(router)
        .start()
        .await
        .expect("binds");
    let client = client();
    let mut seen = Vec::new();
    for path in ["/hello", "/", "/hello"] {
        let response = client
            .get(server.url_for(path))
            .send()
            .await
            .expect("answered");
        let header = |name| response.headers()[name].to_str().expect("text").to_owned();
        seen.push((
            header(&CONNECTION_ID_HEADER),
            header(&REQUEST_NUMBER_HEADER),
        ));
        response.bytes().await.expect("the body arrives");
    }
    let numbered = |id: &str, n: &str| (id.to_owned(), n.to_owned());
    assert_eq!(
        seen,
        [numbered("1", "1"), numbered("1", "2"), numbered("1", "3")]
    );
}

/// The request log names the connection, the number on it, the method and the path with its
/// query, in the order the server received them: "requests 2 and 3 shared a connection" is one
/// comparison.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_request_log_says_which_connection_carried_each_request() {
    let server = Server::builder()
        .body_bytes(64 * 1024)
        .start()
        .await
        .expect("binds");
    let client = client();
    // The first body is dropped unread (its connection closes); the next two are read.
    drop(
        client
            .get(server.url_for("/?n=1"))
            .send()
            .await
            .expect("answered"),
    );
    for n in [2, 3] {
        let url = server.url_for(&format!("/?n={n}"));
        client
            .get(url)
            .send()
            .await
            .expect("answered")
            .bytes()
            .await
            .expect("read");
    }
    let log: Vec<(u64, usize, String, String)> = server
        .requests()
        .into_iter()
        .map(|r| (r.connection.get(), r.number, r.method, r.path))
        .collect();
    let entry = |id, n, path: &str| (id, n, "GET".to_owned(), path.to_owned());
    assert_eq!(
        log,
        [
            entry(1, 1, "/?n=1"),
            entry(2, 1, "/?n=2"),
            entry(2, 2, "/?n=3")
        ]
    );
}

/// A test that forgets to drop its client does not hang: `report_within` gives up when its limit
/// passes on tokio's clock — at once on a paused clock, no real waiting — and names the
/// connection the client's pool still holds.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn report_within_names_the_connection_a_live_client_holds() {
    let server = Server::start().await.expect("binds");
    let client = client();
    client
        .get(server.url())
        .send()
        .await
        .expect("answered")
        .bytes()
        .await
        .expect("read");

    let real_start = std::time::Instant::now();
    let still_open = server
        .report_within(Duration::from_secs(30))
        .await
        .expect_err("the client's pool holds its connection");
    assert!(
        real_start.elapsed() < Duration::from_secs(5),
        "waited in real time"
    );

    let open: Vec<u64> = still_open.connections.iter().map(|c| c.id.get()).collect();
    assert_eq!(open, [1]);
    assert_eq!(
        still_open.report,
        Report::closed([1]).ended_by(Ending::Open)
    );
    let message = still_open.to_string();
    assert!(
        message.starts_with("1 connection(s) still open after 30s: connection 1 from 127.0.0.1:"),
        "{message}"
    );
    assert!(message.ends_with("drop it before waiting"), "{message}");

    drop(client);
    assert_eq!(
        server.report_within(Duration::from_secs(30)).await,
        Ok(Report::closed([1]))
    );
}
