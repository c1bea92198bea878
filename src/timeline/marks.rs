//! What the colours and glyphs of a timeline mean: the lane colours, the mark at each lane's end
//! (how the connection ended) and, on HTTPS, at its start (the handshake), with their legends.

use std::fmt::Write;

use crate::handshake::Handshake;
use crate::report::Ending;

/// A lane that carried two requests or more: the connection was reused.
pub(super) const REUSED: &str = "#2e8b57";
/// A lane that carried one request.
pub(super) const SINGLE: &str = "#e07b00";
/// A lane that carried nothing.
pub(super) const UNUSED: &str = "#9a9a9a";

/// Each ending's mark at the end of its lane: a glyph and its colour.
pub(super) fn end_mark(ending: Ending) -> Option<(&'static str, &'static str)> {
    match ending {
        Ending::ClientClosed => Some(("●", "#333333")),
        Ending::ClientReset => Some(("✕", "#d0021b")),
        Ending::ServerClosed => Some(("■", "#1f4e9c")),
        Ending::Open => None,
    }
}

pub(super) fn legend(out: &mut String, x: f64, y: f64) {
    let items = [
        (REUSED, "reused: carried 2+ requests"),
        (
            SINGLE,
            "one request only: a new TCP handshake for every request",
        ),
        (UNUSED, "carried nothing"),
    ];
    let mut left = x;
    for (colour, label) in items {
        let _ = write!(
            out,
            r##"<rect x="{left}" y="{}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}">{label}</text>"##,
            y - 10.0,
            left + 16.0,
            y
        );
        left += 24.0 + 6.6 * label.len() as f64;
    }
}

/// Each TLS handshake's mark at the start of its lane: a glyph and its colour.
pub(super) fn handshake_mark(handshake: Handshake) -> (&'static str, &'static str, &'static str) {
    match handshake {
        Handshake::Full => ("◆", "#6a1b9a", "full TLS handshake"),
        Handshake::Resumed => ("◇", "#6a1b9a", "resumed TLS session"),
        Handshake::Failed => ("✗", "#d0021b", "failed TLS handshake"),
    }
}

/// The mark at the end of a lane a fault ended (its spelling in the lane's tooltip), whatever
/// the ending.
pub(super) const FAULT_MARK: (&str, &str) = ("↯", "#b8860b");

/// What else a timeline may need to explain: TLS handshakes, faults, unanswered requests.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shown {
    pub(super) https: bool,
    pub(super) faults: bool,
    pub(super) unanswered: bool,
    /// HTTP/2 streams are drawn under their lanes.
    pub(super) streams: bool,
}

/// What the mark at the end of a lane says, and, on HTTPS, the mark at its start; with faults,
/// unanswered requests or HTTP/2 streams, their marks too.
pub(super) fn endings_legend(out: &mut String, x: f64, y: f64, shown: Shown) {
    let mut legend = Legend { out, left: x, y };
    if shown.https {
        for handshake in [Handshake::Full, Handshake::Resumed, Handshake::Failed] {
            let (glyph, colour, label) = handshake_mark(handshake);
            legend.item(glyph, colour, label);
        }
    }
    for ending in [
        Ending::ClientClosed,
        Ending::ClientReset,
        Ending::ServerClosed,
    ] {
        if let Some((glyph, colour)) = end_mark(ending) {
            legend.item(glyph, colour, ending.describe());
        }
    }
    if shown.faults {
        let (glyph, colour) = FAULT_MARK;
        legend.item(glyph, colour, "ended by a fault");
    }
    if shown.streams {
        legend.item("━", "#222222", "HTTP/2 stream");
        legend.item("━", "#d0021b", "refused stream");
    }
    if shown.unanswered {
        let Legend { out, left, y } = legend;
        let _ = write!(
            out,
            r##"<rect x="{left}" y="{}" width="12" height="12" fill="none" stroke="#555" stroke-dasharray="3 2"/><text x="{}" y="{y}">request never answered whole</text>"##,
            y - 10.0,
            left + 16.0,
        );
    }
}

/// A line of glyphs, each followed by what it means.
struct Legend<'a> {
    out: &'a mut String,
    left: f64,
    y: f64,
}

impl Legend<'_> {
    fn item(&mut self, glyph: &str, colour: &str, label: &str) {
        let (left, y) = (self.left, self.y);
        let _ = write!(
            self.out,
            r##"<text x="{left}" y="{y}" fill="{colour}">{glyph}</text><text x="{}" y="{y}">{label}</text>"##,
            left + 16.0,
        );
        self.left += 24.0 + 6.6 * label.len() as f64;
    }
}

/// A handshake as the JSON reports name it.
pub(super) fn handshake_name(handshake: Handshake) -> &'static str {
    match handshake {
        Handshake::Full => "full",
        Handshake::Resumed => "resumed",
        Handshake::Failed => "failed",
    }
}

/// An ending as the JSON reports name it.
pub(super) fn ending_name(ending: Ending) -> &'static str {
    match ending {
        Ending::ClientClosed => "client_closed",
        Ending::ClientReset => "client_reset",
        Ending::ServerClosed => "server_closed",
        Ending::Open => "open",
    }
}
