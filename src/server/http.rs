//! The HTTP side of a connection: hyper's HTTP/1 server, or, with the `http2` feature, hyper-util's
//! builder that tells HTTP/1 from HTTP/2 (h2c) by the first bytes. One set-up either way, so the
//! counting is the same.

use hyper_util::rt::TokioTimer;

use super::ServerBuilder;

/// The builder that serves each connection.
#[cfg(feature = "http2")]
pub(super) type Http = hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>;

/// The builder that serves each connection.
#[cfg(not(feature = "http2"))]
pub(super) type Http = hyper::server::conn::http1::Builder;

/// HTTP/1 keep-alive as asked, the header read timeout on tokio's clock, and HTTP/2's stream
/// limit.
#[cfg(feature = "http2")]
pub(super) fn builder(settings: &ServerBuilder) -> Http {
    let mut builder = Http::new(hyper_util::rt::TokioExecutor::new());
    builder
        .http1()
        .keep_alive(settings.keep_alive)
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout);
    if let Some(k) = settings.h2_max_streams {
        builder.http2().max_concurrent_streams(k);
    }
    builder
}

/// HTTP/1 keep-alive as asked, and the header read timeout on tokio's clock.
#[cfg(not(feature = "http2"))]
pub(super) fn builder(settings: &ServerBuilder) -> Http {
    let mut builder = Http::new();
    builder
        .keep_alive(settings.keep_alive)
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout);
    builder
}
