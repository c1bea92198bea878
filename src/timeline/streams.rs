//! An HTTP/2 connection's streams under its lane, as its frames told them ([`StreamSpan`]): each
//! from the event it opened after to the one it ended after, in its slot among the streams open
//! with it, so that streams open at once lie one above the other (the fan-out), refused ones in
//! red, and a queue shows as streams that open only as others end.
//!
//! [`StreamSpan`]: crate::StreamSpan

use std::fmt::Write;

use crate::report::AcceptedConnection;

/// The most slots a band has room for; streams in higher slots share the top one.
const MAX_SLOTS: usize = 10;
/// The vertical distance between slots, in pixels.
const SLOT_GAP: f64 = 3.0;

/// How a lane is drawn, for its streams: the centre of event `order`'s step, the step's width,
/// and the last event there is.
pub(super) struct Axis<'a> {
    pub(super) x: &'a dyn Fn(u64) -> f64,
    pub(super) step: f64,
    pub(super) last_event: u64,
}

/// Draws the streams of `connection` (none over HTTP/1) as thin bars rising from `bottom`: a
/// refused one red, one still open (or cut by the close) running to the connection's close, or
/// to the last event.
pub(super) fn draw(
    out: &mut String,
    connection: &AcceptedConnection,
    axis: &Axis<'_>,
    bottom: f64,
) {
    let Some(seen) = &connection.http2 else {
        return;
    };
    let open_until = connection
        .closed_at
        .map_or(axis.last_event, |closed| closed.order);
    for span in &seen.spans {
        let slot = span.slot.min(MAX_SLOTS - 1);
        let y = bottom - 2.0 - SLOT_GAP * slot as f64;
        let to = span.ended_after.unwrap_or(open_until);
        // A stream runs from just after one event to just after another, inset so that streams
        // one after another in a slot stay apart.
        let inset = (axis.step * 0.1).min(2.0);
        let left = (axis.x)(span.opened_after) + axis.step * 0.5 + inset;
        let right = ((axis.x)(to) + axis.step * 0.5 - inset).max(left + axis.step * 0.3);
        let (colour, what) = if span.refused {
            ("#d0021b", ", refused")
        } else {
            ("#222222", "")
        };
        let _ = write!(
            out,
            r##"<line class="stream" data-stream="{}" data-slot="{slot}" data-refused="{}" x1="{left:.2}" y1="{y:.2}" x2="{right:.2}" y2="{y:.2}" stroke="{colour}" stroke-opacity="0.7" stroke-width="2"><title>stream {}{what}: after event {} to after event {to}</title></line>"##,
            span.id, span.refused, span.id, span.opened_after,
        );
    }
}
