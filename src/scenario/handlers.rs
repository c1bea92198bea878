//! Handlers of the scenarios' own, served through [`ServerBuilder::router`] exactly as a user's
//! routes are: what the server does with a request body decides whether *the server* keeps the
//! connection.
//!
//! [`ServerBuilder::router`]: crate::ServerBuilder::router

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::{get, post};
use serde::Serialize;

use crate::routes::{Chunked, payload, routes};

/// Who answers a scenario's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handler {
    /// The built-in routes ([`routes`](crate::routes)).
    BuiltIn,
    /// `POST /upload` answers with the configured body without reading the request body.
    IgnoresRequestBody,
    /// `POST /upload` reads the request body to its end, then answers with the configured body.
    ReadsRequestBody,
    /// `GET /json` answers a JSON document of about the configured size followed by a newline,
    /// as most JSON encoders write it, with a `Content-Length`; `GET /json/chunked` the same,
    /// chunked.
    Json,
}

impl Handler {
    /// The router this handler is served by, answering with a `body_bytes`-byte body.
    pub fn router(self, body_bytes: usize) -> Router {
        let answer = payload(body_bytes);
        match self {
            Handler::BuiltIn => routes(body_bytes),
            Handler::IgnoresRequestBody => {
                Router::new().route("/upload", post(move || async move { answer }))
            }
            Handler::ReadsRequestBody => Router::new().route(
                "/upload",
                post(move |_request_body: Bytes| async move { answer }),
            ),
            Handler::Json => {
                let document = json_document(body_bytes);
                let chunked = document.clone();
                Router::new()
                    .route("/json", get(move || async move { document }))
                    .route(
                        "/json/chunked",
                        get(move || async move { Body::new(Chunked(chunked)) }),
                    )
            }
        }
    }
}

/// `{"items":["ok","ok",…]}` and a newline: at least `bytes` long.
fn json_document(bytes: usize) -> Bytes {
    let items = bytes.div_ceil(5).max(1);
    let mut document = String::from("{\"items\":[");
    document.push_str(&vec!["\"ok\""; items].join(","));
    document.push_str("]}\n");
    document.into()
}
