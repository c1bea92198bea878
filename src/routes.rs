//! The responses the counting server can give: what a scenario needs to provoke each client
//! behaviour (a body of a chosen size and framing, a status, a redirect). The routing is axum's; the
//! counting happens one layer below, per connection, in `server/service.rs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper::body::{Frame, SizeHint};

/// The largest body `/bytes/{n}` will build, so a typo in a URL cannot exhaust memory.
pub const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// How large the chunks of a chunked (`Transfer-Encoding: chunked`) body are.
const CHUNK_BYTES: usize = 16 * 1024;

/// The configured response body, built once and shared by every response (a refcount, no copy).
#[derive(Debug, Clone)]
struct Payload(Bytes);

/// `n` bytes of `okok…`: printable, so a curl user sees what arrived.
pub(crate) fn payload(n: usize) -> Bytes {
    // `repeat` copies by doubling: fast even in a debug build, where the suite's 1 MiB bodies are
    // built once per server.
    let mut body = b"ok".repeat(n.div_ceil(2));
    body.truncate(n);
    body.into()
}

/// The built-in routes, answering with a `body_bytes`-byte body where a route has one: what a
/// scenario needs to provoke each client behaviour. [`ServerBuilder::router`] serves them unless
/// given other routes; merge them with your own to keep both.
///
/// | route | response |
/// |---|---|
/// | `GET /`, `POST /` | 200 with the configured body and a `Content-Length` (a POST's body is not read: hyper drains what it can) |
/// | `GET /chunked` | 200 with the same body, `Transfer-Encoding: chunked`, in 16 KiB chunks |
/// | `GET /bytes/{n}` | 200 with a body of `n` bytes (at most [`MAX_BODY_BYTES`]; more is 400) |
/// | `GET /status/{code}` | that status with the configured body; 204 and 304 without one (they forbid it); a 1xx or a code that is not a status is 400 |
/// | `GET /redirect` | 302 to `/`, with the configured body |
/// | `GET /drip/{n}` | 200 with `n` bytes (at most 3,600) sent one a second on tokio's clock, with a `Content-Length`: a slow download, for a client's timeout |
///
/// `HEAD` works on each of them; another method on these paths is 405, any other path 404, both
/// with an empty body. The body is `okok…`, printable, so a curl user sees what arrived.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use axum::routing::get;
/// use keepalive_probe::{Server, routes};
///
/// let router = routes(2).route("/health", get(|| async { "up" }));
/// let server = Server::builder().router(router).start().await.unwrap();
/// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
/// let text = reqwest::get(server.url_for("/health")).await.unwrap().text().await.unwrap();
/// assert_eq!(text, "up");
/// # }
/// ```
///
/// [`ServerBuilder::router`]: crate::ServerBuilder::router
pub fn routes(body_bytes: usize) -> Router {
    Router::new()
        .route("/", get(configured_body).post(configured_body))
        .route("/chunked", get(chunked_body))
        .route("/bytes/{n}", get(sized_body))
        .route("/status/{code}", get(status_with_body))
        .route("/redirect", get(redirect_home))
        .route("/drip/{n}", get(drip))
        .with_state(Arc::new(Payload(payload(body_bytes))))
}

async fn configured_body(State(payload): State<Arc<Payload>>) -> Response {
    payload.0.clone().into_response()
}

async fn chunked_body(State(payload): State<Arc<Payload>>) -> Response {
    Body::new(Chunked(payload.0.clone())).into_response()
}

async fn sized_body(Path(n): Path<String>) -> Response {
    match n.parse::<usize>() {
        Ok(n) if n <= MAX_BODY_BYTES => payload(n).into_response(),
        _ => (
            StatusCode::BAD_REQUEST,
            format!("body size must be a number of bytes up to {MAX_BODY_BYTES}\n"),
        )
            .into_response(),
    }
}

async fn status_with_body(
    State(payload): State<Arc<Payload>>,
    Path(code): Path<String>,
) -> Response {
    let Some(status) = code
        .parse::<u16>()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .filter(|status| !status.is_informational())
    else {
        return (
            StatusCode::BAD_REQUEST,
            "status must be a number from 200 to 999\n",
        )
            .into_response();
    };
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return status.into_response();
    }
    (status, payload.0.clone()).into_response()
}

/// The most bytes `/drip/{n}` sends: an hour.
const MAX_DRIP_BYTES: u64 = 3600;

async fn drip(Path(n): Path<String>) -> Response {
    match n.parse::<u64>() {
        Ok(n) if n <= MAX_DRIP_BYTES => Body::new(Drip {
            left: n,
            next: Box::pin(tokio::time::sleep(Duration::ZERO)),
        })
        .into_response(),
        _ => (
            StatusCode::BAD_REQUEST,
            format!("drip takes a number of bytes up to {MAX_DRIP_BYTES}\n"),
        )
            .into_response(),
    }
}

/// `left` bytes of `o`, one a second: the first at once.
struct Drip {
    left: u64,
    next: Pin<Box<tokio::time::Sleep>>,
}

impl hyper::body::Body for Drip {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        std::task::ready!(self.next.as_mut().poll(cx));
        self.left -= 1;
        let next = tokio::time::Instant::now() + Duration::from_secs(1);
        self.next.as_mut().reset(next);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"o")))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

async fn redirect_home(State(payload): State<Arc<Payload>>) -> Response {
    let mut response = (StatusCode::FOUND, payload.0.clone()).into_response();
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/"));
    response
}

/// A body whose length hyper is not told, so it must use chunked transfer encoding.
pub(crate) struct Chunked(pub(crate) Bytes);

impl hyper::body::Body for Chunked {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.0.is_empty() {
            return Poll::Ready(None);
        }
        let take = self.0.len().min(CHUNK_BYTES);
        Poll::Ready(Some(Ok(Frame::data(self.0.split_to(take)))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_has_the_requested_length_and_reads_ok() {
        assert_eq!(payload(0), Bytes::new());
        assert_eq!(payload(2), Bytes::from_static(b"ok"));
        assert_eq!(payload(5), Bytes::from_static(b"okoko"));
    }
}
