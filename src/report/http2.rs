//! An HTTP/2 connection's streams, as its frames told them: how many the client opened, how many
//! were open at once, what was refused or reset, and who sent GOAWAY.

use serde::Serialize;

/// What an HTTP/2 connection's frames told ([`AcceptedConnection::http2`]).
///
/// In JSON: `{"streams": N, "peak_streams": N, "refused": N, "reset_by_client": N, "goaway":
/// {...} | null}`.
///
/// [`AcceptedConnection::http2`]: crate::AcceptedConnection::http2
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Http2Seen {
    /// Streams the client opened (a `HEADERS` frame on a new stream), refused ones included.
    pub streams: usize,
    /// The most streams open at once: opened, and neither ended both ways nor reset (RFC 9113,
    /// 5.1.2: what the concurrency limit counts).
    pub peak_streams: usize,
    /// Streams the server refused (`RST_STREAM` with `REFUSED_STREAM`): never processed, safe
    /// for the client to send again.
    pub refused: usize,
    /// Streams the client reset (`RST_STREAM`, any code: `CANCEL` when a response is dropped).
    pub reset_by_client: usize,
    /// The first side to send `GOAWAY`, with the last stream and code of its latest one (a
    /// graceful shutdown sends two: the first names the highest stream id possible).
    pub goaway: Option<GoAway>,
    /// The concurrency limit the server announced (`SETTINGS_MAX_CONCURRENT_STREAMS`), if any.
    #[serde(skip)]
    pub max_streams: Option<u32>,
    /// Streams the client opened beyond that limit before it acknowledged the server's
    /// `SETTINGS` (the limit was not yet known to it), and after (a client bug).
    #[serde(skip)]
    pub over_limit: OverLimit,
    /// Where each stream ran in the server's order of events, the first
    /// [`StreamSpan::KEPT`] streams in the order they opened: what a timeline draws.
    #[serde(skip)]
    pub spans: Vec<StreamSpan>,
}

/// Where one stream ran, placed among the server's events ([`Moment::order`]): streams are not
/// events of their own, so each opens and ends *after* one. Streams that open together share a
/// place, which is how a timeline shows them side by side.
///
/// [`Moment::order`]: crate::Moment::order
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamSpan {
    /// The stream's id.
    pub id: u32,
    /// The order of the last event before the client opened it.
    pub opened_after: u64,
    /// The order of the last event before it ended (both sides finished, or reset); `None`
    /// while it is open.
    pub ended_after: Option<u64>,
    /// Its place among the streams open with it: the lowest not held by one of them when it
    /// opened, so streams open at once hold different slots, and no more slots are used than
    /// the most streams open at once.
    pub slot: usize,
    /// The server refused it (`REFUSED_STREAM`), or never took it (above its `GOAWAY`).
    pub refused: bool,
}

impl StreamSpan {
    /// The most streams a connection keeps the span of: a timeline has no room for more.
    pub const KEPT: usize = 1_000;
}

/// Streams opened beyond the server's concurrency limit, before and after the client
/// acknowledged it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OverLimit {
    /// Before the client's `SETTINGS` acknowledgement: a cold client that had not read the limit.
    pub before_ack: usize,
    /// After it: the client knew the limit and went past it.
    pub after_ack: usize,
}

/// A `GOAWAY` frame: who sent it, the last stream it lets finish, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GoAway {
    /// Who sent it.
    pub by: Side,
    /// The highest stream id the sender processed or may still process.
    pub last_stream: u32,
    /// The error code's name (`NO_ERROR`, `ENHANCE_YOUR_CALM`, ...).
    pub code: String,
}

/// A side of a connection: who sent a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Side {
    /// The counting server.
    Server,
    /// The client.
    Client,
}

/// An HTTP/2 error code's name (RFC 9113, 7), or its number in hex.
#[cfg(feature = "http2")]
pub(crate) fn error_code_name(code: u32) -> String {
    let name = match code {
        0x0 => "NO_ERROR",
        0x1 => "PROTOCOL_ERROR",
        0x2 => "INTERNAL_ERROR",
        0x3 => "FLOW_CONTROL_ERROR",
        0x4 => "SETTINGS_TIMEOUT",
        0x5 => "STREAM_CLOSED",
        0x6 => "FRAME_SIZE_ERROR",
        0x7 => "REFUSED_STREAM",
        0x8 => "CANCEL",
        0x9 => "COMPRESSION_ERROR",
        0xa => "CONNECT_ERROR",
        0xb => "ENHANCE_YOUR_CALM",
        0xc => "INADEQUATE_SECURITY",
        0xd => "HTTP_1_1_REQUIRED",
        other => return format!("0x{other:x}"),
    };
    name.to_owned()
}
