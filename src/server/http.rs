//! The HTTP side of a connection: hyper's HTTP/1 server, or, with the `http2` feature, hyper-util's
//! builder that tells HTTP/1 from HTTP/2 (h2c) by the first bytes. One set-up either way, so the
//! counting is the same.

use std::time::Duration;

use hyper_util::rt::TokioTimer;

/// The builder that serves each connection.
#[cfg(feature = "http2")]
pub(super) type Http = hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>;

/// The builder that serves each connection.
#[cfg(not(feature = "http2"))]
pub(super) type Http = hyper::server::conn::http1::Builder;

/// HTTP/1 keep-alive as asked, and the header read timeout on tokio's clock.
#[cfg(feature = "http2")]
pub(super) fn builder(keep_alive: bool, header_read_timeout: Option<Duration>) -> Http {
    let mut builder = Http::new(hyper_util::rt::TokioExecutor::new());
    builder
        .http1()
        .keep_alive(keep_alive)
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    builder
}

/// HTTP/1 keep-alive as asked, and the header read timeout on tokio's clock.
#[cfg(not(feature = "http2"))]
pub(super) fn builder(keep_alive: bool, header_read_timeout: Option<Duration>) -> Http {
    let mut builder = Http::new();
    builder
        .keep_alive(keep_alive)
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    builder
}
