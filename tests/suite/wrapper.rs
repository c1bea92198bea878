//! Guarding a wrapper: the way this crate is meant to be used. A team wraps reqwest in its own API
//! client; a test points the wrapper at the counting server and asserts the connections it opens,
//! so a change that stops reading error bodies fails CI instead of slowly leaking sockets in
//! production.

use crate::support::settle::SETTLE;
use keepalive_probe::{Ending, Report, Server, StartError};
use pretty_assertions::assert_eq;

/// A wrapper as teams write them: `error_for_status()?` turns 4xx/5xx into errors early.
mod api {
    use reqwest::{Client, StatusCode};

    /// What the wrapper's callers see.
    #[derive(Debug)]
    pub enum ApiError {
        /// The server answered with an error status.
        Status(StatusCode),
        /// The request failed on the way.
        Transport(reqwest::Error),
    }

    impl std::fmt::Display for ApiError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                ApiError::Status(status) => write!(f, "the service answered {status}"),
                ApiError::Transport(error) => write!(f, "the request failed: {error}"),
            }
        }
    }

    impl From<reqwest::Error> for ApiError {
        fn from(error: reqwest::Error) -> Self {
            match error.status() {
                Some(status) => ApiError::Status(status),
                None => ApiError::Transport(error),
            }
        }
    }

    /// The team's client for one service.
    pub struct ApiClient {
        http: Client,
        base: String,
    }

    impl ApiClient {
        pub fn new(base: String) -> Self {
            crate::support::client::install_ring();
            let http = Client::builder()
                .no_proxy()
                .build()
                .expect("a plain-HTTP client builds");
            ApiClient { http, base }
        }

        /// The leaky version: on an error status the `?` drops the response, body unread.
        pub async fn fetch(&self, path: &str) -> Result<Vec<u8>, ApiError> {
            let response = self.http.get(format!("{}{path}", self.base)).send().await?;
            let response = response.error_for_status()?;
            Ok(response.bytes().await?.to_vec())
        }

        /// The fixed version: read the error body before turning the status into an error, so
        /// the connection goes back to the pool.
        pub async fn fetch_draining_errors(&self, path: &str) -> Result<Vec<u8>, ApiError> {
            let response = self.http.get(format!("{}{path}", self.base)).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            if status.is_client_error() || status.is_server_error() {
                return Err(ApiError::Status(status));
            }
            Ok(body.to_vec())
        }
    }
}

const CALLS: usize = 5;

/// The guard catches the leak: five `503`s with 64 KiB error bodies through the leaky `fetch` cost
/// five TCP connections, one per call, because each unread body is dropped unfinished and hyper
/// closes its connection (`poll_drain_or_close_read`). Nothing failed — every call returned the
/// error it should — yet the report shows `[1, 1, 1, 1, 1]`, each connection reset by the client
/// with its error page unread, and a guard asserting one connection would fail on exactly this
/// diff.
#[tokio::test(flavor = "current_thread")]
async fn wrapper_that_returns_early_on_error_status_opens_a_connection_per_error()
-> Result<(), StartError> {
    let server = Server::builder().body_bytes(64 * 1024).start().await?;
    let client = api::ApiClient::new(server.url());
    for _ in 0..CALLS {
        let result = client.fetch("status/503").await;
        assert!(matches!(result, Err(api::ApiError::Status(s)) if s.as_u16() == 503));
    }
    drop(client);
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        Report::closed(vec![1; CALLS]).ended_by(Ending::ClientReset)
    );
    Ok(())
}

/// The fixed wrapper passes the same guard: reading error bodies keeps one connection for every
/// call.
#[tokio::test(flavor = "current_thread")]
async fn wrapper_that_reads_error_bodies_keeps_one_connection() -> Result<(), StartError> {
    let server = Server::builder().body_bytes(64 * 1024).start().await?;
    let client = api::ApiClient::new(server.url());
    for _ in 0..CALLS {
        let result = client.fetch_draining_errors("status/503").await;
        assert!(matches!(result, Err(api::ApiError::Status(s)) if s.as_u16() == 503));
    }
    drop(client);
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        Report::closed([CALLS])
    );
    Ok(())
}
