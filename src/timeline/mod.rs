//! A ledger drawn as a picture: the packet-capture view without the packet capture.
//!
//! [`svg()`] draws one [`Snapshot`](crate::Snapshot) as a self-contained SVG: one lane per
//! connection in accept order, a bar from accept to close, a block per request with its number,
//! gaps where a connection sat idle; on an HTTP/2 connection, a thin bar per stream, from its
//! request to its response's end, stacked so that streams open at once lie one above the other.
//!
//! # The horizontal axis is the order of events
//!
//! Every accept, request and close has a [`Moment`](crate::Moment): its place in the server's
//! order of events and its time on tokio's clock. On a paused clock — every scenario of the table
//! — nearly every time is 0, so time would draw everything on one vertical line. Order is exact
//! on any clock and the same on every run, so it is the axis: one step per event. Times appear in
//! each lane's tooltip.
//!
//! # From 1 to 1,000 connections
//!
//! Up to [`MAX_ROWS`] connections, each has a row of its own, labelled. Beyond that, consecutive
//! connections share a row — the smallest equal group size that fits, e.g. 9 per row for 1,000 —
//! and the row is labelled with its range (`#1–#9`); its bar spans the group's first accept to its
//! last close, and every request of the group is still drawn. The picture keeps its density:
//! one row per request still looks like a leak, one long row with many blocks still looks like
//! reuse.

mod marks;
mod streams;
mod svg;

pub use svg::svg;

/// The most rows a timeline draws before it groups connections.
pub const MAX_ROWS: usize = 120;
