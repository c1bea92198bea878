//! One snapshot as SVG.

use std::fmt::Write;

use super::MAX_ROWS;
use super::marks::{
    FAULT_MARK, REUSED, SINGLE, Shown, UNUSED, end_mark, ending_name, endings_legend,
    handshake_mark, handshake_name, legend,
};
use super::streams::{Axis, draw as draw_streams};
use crate::report::{AcceptedConnection, Ending, Snapshot};

/// Left margin for row labels, in pixels.
const LABEL_WIDTH: f64 = 130.0;
/// Width of the plot area, in pixels.
const PLOT_WIDTH: f64 = 820.0;
/// The widest an event step gets, so a short story is not stretched.
const MAX_STEP: f64 = 28.0;
/// Height of the title and legend above the plot.
const HEADER_HEIGHT: f64 = 96.0;
/// Row height while every connection has a labelled row of its own.
const ROOMY_ROW: f64 = 26.0;
/// Row height when rows are many.
const DENSE_ROW: f64 = 6.0;
/// Rows that still get the roomy height.
const ROOMY_ROWS: usize = 40;
/// The band under a roomy lane where its HTTP/2 streams are drawn, when any connection has some.
const STREAM_BAND: f64 = 34.0;

/// Draws `snapshot` as a self-contained SVG document (no script, no external reference), titled
/// `title` and the counts.
///
/// ```
/// use keepalive_probe::{Snapshot, timeline};
///
/// let picture = timeline::svg("nothing yet", &Snapshot::default());
/// assert!(picture.starts_with("<svg"));
/// assert!(picture.contains("0 connections"));
/// ```
pub fn svg(title: &str, snapshot: &Snapshot) -> String {
    let connections = &snapshot.connections;
    let rows = rows(connections);
    let events = last_order(snapshot).max(1);
    let step = (PLOT_WIDTH / events as f64).min(MAX_STEP);
    let streams = rows.len() <= ROOMY_ROWS
        && connections
            .iter()
            .any(|c| c.http2.as_ref().is_some_and(|seen| !seen.spans.is_empty()));
    let stream_band = if streams { STREAM_BAND } else { 0.0 };
    let row_height = if rows.len() <= ROOMY_ROWS {
        ROOMY_ROW + stream_band
    } else {
        DENSE_ROW
    };
    let height = HEADER_HEIGHT + row_height * rows.len().max(1) as f64 + 30.0;
    let width = LABEL_WIDTH + PLOT_WIDTH + 20.0;
    let layout = Layout {
        step,
        events,
        row_height,
        stream_band,
    };

    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">"##
    );
    let _ = write!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="10" y="20" font-size="15" font-weight="bold">{}</text><text x="10" y="40">{}</text>"##,
        escape(&shortened(title, 100)),
        escape(&counts_line(snapshot)),
    );
    legend(&mut out, 10.0, 60.0);
    let shown = Shown {
        https: snapshot.connections.iter().any(|c| c.tls.is_some()),
        faults: snapshot.connections.iter().any(|c| c.fault.is_some()),
        unanswered: snapshot.requests.iter().any(|r| !r.answered),
        streams,
    };
    endings_legend(&mut out, 10.0, 80.0, shown);
    for (index, row) in rows.iter().enumerate() {
        let top = HEADER_HEIGHT + row_height * index as f64;
        draw_row(&mut out, row, snapshot, &layout, top, index);
    }
    let axis_y = HEADER_HEIGHT + row_height * rows.len().max(1) as f64 + 18.0;
    let _ = write!(
        out,
        r##"<text x="{LABEL_WIDTH}" y="{axis_y}" fill="#555">events in the order the server saw them → ({events} events)</text></svg>"##
    );
    out.push('\n');
    out
}

/// Where things go: one step per event, rows of one height.
struct Layout {
    step: f64,
    events: u64,
    row_height: f64,
    /// The band under each lane for its streams (0 when none are drawn).
    stream_band: f64,
}

impl Layout {
    /// The centre of event `order`'s step.
    fn x(&self, order: u64) -> f64 {
        LABEL_WIDTH + (order as f64 - 0.5) * self.step
    }
}

/// A row: one connection, or a group of consecutive ones.
struct Row<'a> {
    connections: &'a [AcceptedConnection],
}

fn rows(connections: &[AcceptedConnection]) -> Vec<Row<'_>> {
    let per_row = connections.len().div_ceil(MAX_ROWS).max(1);
    connections
        .chunks(per_row)
        .map(|connections| Row { connections })
        .collect()
}

/// The last event's order: the axis runs to it.
fn last_order(snapshot: &Snapshot) -> u64 {
    let connections = snapshot
        .connections
        .iter()
        .flat_map(|c| [Some(c.accepted.order), c.closed_at.map(|m| m.order)])
        .flatten();
    let requests = snapshot.requests.iter().map(|r| r.received.order);
    connections.chain(requests).max().unwrap_or(0)
}

fn counts_line(snapshot: &Snapshot) -> String {
    let report = &snapshot.report;
    let folded = report.folded;
    let per_connection = &report.requests_per_connection;
    let listed = if per_connection.len() <= 20 {
        format!("{per_connection:?}")
    } else {
        let head: Vec<String> = per_connection[..10].iter().map(|n| n.to_string()).collect();
        format!(
            "[{}, … {} more]",
            head.join(", "),
            per_connection.len() - 10
        )
    };
    let mishaps = if report.unanswered > 0 || report.resent > 0 {
        format!(
            " ({} unanswered, {} re-sent)",
            report.unanswered, report.resent
        )
    } else {
        String::new()
    };
    let mut line = format!(
        "{} connections, {} used, {} requests{mishaps}; requests per connection {listed}",
        report.accepted, report.used, report.requests
    );
    // Only the endings that happened, so that the line fits.
    let ended = &report.ended;
    let endings: Vec<String> = [
        (ended.client_closed, Ending::ClientClosed),
        (ended.client_reset, Ending::ClientReset),
        (ended.server_closed, Ending::ServerClosed),
    ]
    .into_iter()
    .filter(|&(n, _)| n > 0)
    .map(|(n, ending)| format!("{n} {ending}"))
    .collect();
    if !endings.is_empty() {
        let _ = write!(line, "; ended: {}", endings.join(", "));
    }
    if ended.open > 0 {
        let _ = write!(line, "; {} still open", ended.open);
    }

    if folded > 0 {
        let _ = write!(line, "; {folded} older connections folded into the totals");
    }
    line
}

/// The colour and class of a row: reused if any of its connections carried 2+ requests.
fn kind(row: &Row<'_>) -> (&'static str, &'static str) {
    let most = row
        .connections
        .iter()
        .map(|c| c.requests)
        .max()
        .unwrap_or(0);
    match most {
        0 => ("unused", UNUSED),
        1 => ("single", SINGLE),
        _ => ("reused", REUSED),
    }
}

fn draw_row(
    out: &mut String,
    row: &Row<'_>,
    snapshot: &Snapshot,
    layout: &Layout,
    top: f64,
    index: usize,
) {
    // The lane itself; the stream band, if any, lies under it.
    let (height, step) = (layout.row_height - layout.stream_band, layout.step);
    let x = |order| layout.x(order);
    let (class, colour) = kind(row);
    let first = &row.connections[0];
    let last = &row.connections[row.connections.len() - 1];
    let requests: usize = row.connections.iter().map(|c| c.requests).sum();
    let streams: usize = row
        .connections
        .iter()
        .filter_map(|c| c.http2.as_ref())
        .map(|seen| seen.streams)
        .sum();
    let open = row.connections.iter().any(|c| !c.closed);
    let label = if row.connections.len() == 1 {
        format!("#{}  {} req", first.id, first.requests)
    } else {
        format!("#{}–#{}", first.id, last.id)
    };
    let start = row.connections.iter().map(|c| c.accepted.order).min();
    let end = row
        .connections
        .iter()
        .map(|c| c.closed_at.map_or(u64::MAX, |m| m.order))
        .max();
    let (Some(start), Some(end)) = (start, end) else {
        return;
    };
    let bar_end = if end == u64::MAX {
        layout.events + 1
    } else {
        end
    };
    let middle = top + height / 2.0;
    let bar = (height * 0.3).max(1.0);
    let _ = write!(
        out,
        r##"<g class="lane {class}" data-connections="{}" data-requests="{requests}" data-streams="{streams}" data-open="{open}"><title>{}</title>"##,
        row.connections.len(),
        escape(&tooltip(row))
    );
    if height >= ROOMY_ROW || index % 10 == 0 {
        let _ = write!(
            out,
            r##"<text x="8" y="{}" font-size="{}">{}</text>"##,
            middle + if height >= ROOMY_ROW { 4.0 } else { 3.0 },
            if height >= ROOMY_ROW { 12 } else { 9 },
            escape(&label)
        );
    }
    let _ = write!(
        out,
        r##"<rect class="open-span" x="{:.2}" y="{:.2}" width="{:.2}" height="{bar:.2}" fill="{colour}" fill-opacity="0.3"{}/>"##,
        x(start),
        middle - bar / 2.0,
        (x(bar_end) - x(start)).max(1.0),
        if open {
            r##" stroke="#555" stroke-dasharray="3 2""##
        } else {
            ""
        }
    );
    let ids: Vec<u64> = row.connections.iter().map(|c| c.id.get()).collect();
    let block = (height * 0.8).max(2.0);
    for request in snapshot
        .requests
        .iter()
        .filter(|r| ids.contains(&r.connection.get()))
    {
        let left = x(request.received.order) - step * 0.45;
        // An unanswered request is hollow: drawn, dashed, never filled.
        let paint = if request.answered {
            format!(r##"fill="{colour}""##)
        } else {
            format!(r##"fill="none" stroke="{colour}" stroke-dasharray="3 2""##)
        };
        let _ = write!(
            out,
            r##"<rect class="request" data-number="{}" data-answered="{}" x="{left:.2}" y="{:.2}" width="{:.2}" height="{block:.2}" rx="2" {paint}/>"##,
            request.number,
            request.answered,
            middle - block / 2.0,
            (step * 0.9).max(0.5),
        );
        if height >= ROOMY_ROW && step >= 14.0 {
            // White on a filled block; the lane's colour in a hollow one.
            let label = if request.answered { "#ffffff" } else { colour };
            let _ = write!(
                out,
                r##"<text x="{:.2}" y="{:.2}" font-size="10" fill="{label}" text-anchor="middle">{}</text>"##,
                left + step * 0.45,
                middle + 3.5,
                request.number
            );
        }
    }
    if let ([connection], true) = (row.connections, layout.stream_band > 0.0) {
        let axis = Axis {
            x: &x,
            step,
            last_event: layout.events,
        };
        draw_streams(out, connection, &axis, top + layout.row_height - 1.0);
    }
    let mark_size = if height >= ROOMY_ROW { 12.0 } else { 7.0 };
    for connection in row.connections {
        if let Some(tls) = &connection.tls {
            let (glyph, colour, _) = handshake_mark(tls.handshake);
            let _ = write!(
                out,
                r##"<text class="handshake" data-handshake="{}" x="{:.2}" y="{:.2}" font-size="{mark_size}" fill="{colour}" text-anchor="middle">{glyph}</text>"##,
                handshake_name(tls.handshake),
                x(connection.accepted.order),
                middle + mark_size * 0.35,
            );
        }
    }
    for connection in row.connections {
        let (Some(closed), Some(mark)) = (connection.closed_at, end_mark(connection.ended)) else {
            continue;
        };
        let (glyph, colour) = connection.fault.map_or(mark, |_| FAULT_MARK);
        let fault = connection
            .fault
            .map_or_else(String::new, |fault| format!(r##" data-fault="{fault}""##));
        let _ = write!(
            out,
            r##"<text class="end" data-ended="{}"{fault} x="{:.2}" y="{:.2}" font-size="{mark_size}" fill="{colour}" text-anchor="middle">{glyph}</text>"##,
            ending_name(connection.ended),
            x(closed.order),
            middle + mark_size * 0.35,
        );
    }
    out.push_str("</g>");
}

/// What a lane's tooltip says: ids, requests, and times on the server's clock.
fn tooltip(row: &Row<'_>) -> String {
    row.connections
        .iter()
        .map(|c| {
            let fault = c
                .fault
                .map_or_else(String::new, |fault| format!(" by the fault {fault}"));
            let closed = c.closed_at.map_or("still open".to_owned(), |m| {
                format!("{}{fault} at {:?}", c.ended, m.at)
            });
            let streams = c.http2.as_ref().map_or_else(String::new, |seen| {
                format!(
                    "; HTTP/2: {} stream(s), at most {} at once, {} refused, {} reset by the client",
                    seen.streams, seen.peak_streams, seen.refused, seen.reset_by_client
                )
            });
            format!(
                "connection {}: {} request(s), accepted at {:?}, {closed}{streams}",
                c.id, c.requests, c.accepted.at
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text`, cut to at most `limit` characters with an ellipsis, so a long command fits the title.
fn shortened(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit - 1).collect();
    cut.push('…');
    cut
}

/// Text made safe for XML.
pub(super) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            _ => escaped.push(c),
        }
    }
    escaped
}
