//! Counts in brief, as the clients' table and its lines print them: `5 RST`, `1 FIN + 2 RST`,
//! `, 1 full + 4 resumed`.

use keepalive_probe::{Endings, Handshakes};

/// Endings in brief: `5 RST`, `1 FIN`, `4 server`, joined with `+`.
pub fn endings(ended: &Endings) -> String {
    counts_in_brief(&[
        (ended.client_closed, "FIN"),
        (ended.client_reset, "RST"),
        (ended.server_closed, "server"),
        (ended.open, "open"),
    ])
}

/// Counts in brief, the non-zero ones joined with `+`: `1 full + 4 resumed`.
pub fn counts_in_brief(counts: &[(usize, &str)]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    parts.join(" + ")
}

/// The handshakes in brief, after a comma: `, 1 full + 4 resumed`; nothing over plain HTTP.
pub fn handshakes(handshakes: &Handshakes) -> String {
    let brief = counts_in_brief(&[
        (handshakes.full, "full"),
        (handshakes.resumed, "resumed"),
        (handshakes.failed, "failed"),
    ]);
    if brief.is_empty() {
        brief
    } else {
        format!(", {brief}")
    }
}

/// A fault case's mishaps in brief, after a comma: `, 2 errors`, `, 4 re-sent`; nothing when
/// none.
pub fn mishaps(errors: usize, resent: usize) -> String {
    let brief = counts_in_brief(&[(errors, "errors"), (resent, "re-sent")]);
    if brief.is_empty() {
        brief
    } else {
        format!(", {brief}")
    }
}

/// `text` for a count `n`, or nothing when it is 0.
fn unless_none(n: usize, text: impl FnOnce(usize) -> String) -> String {
    if n == 0 { String::new() } else { text(n) }
}

/// Unanswered requests in brief, after a comma: `, 2 unanswered`; nothing when none.
pub fn unanswered(n: usize) -> String {
    unless_none(n, |n| format!(", {n} unanswered"))
}

/// What a case's forward proxy counted, in brief, after a comma: `, proxy [1] 1 FIN, 1
/// tunnel`, or `, proxy unused`.
pub fn proxy(per_connection: &[usize], ended: &str, tunnels: usize) -> String {
    if per_connection.is_empty() {
        return ", proxy unused".to_owned();
    }
    let plural = if tunnels == 1 { "" } else { "s" };
    format!(", proxy {per_connection:?} {ended}, {tunnels} tunnel{plural}")
}

/// HTTP/2 streams in brief, after a comma: `, 5 streams`; nothing over HTTP/1.
pub fn streams(n: usize) -> String {
    unless_none(n, |n| format!(", {n} streams"))
}

/// The most HTTP/2 streams open at once on a connection, after a comma: `, at most 2 at once`;
/// nothing over HTTP/1.
pub fn peak(n: usize) -> String {
    unless_none(n, |n| format!(", at most {n} at once"))
}

/// Refused HTTP/2 streams in brief, after a space: ` (3 refused)`; nothing when none.
pub fn refused(n: usize) -> String {
    unless_none(n, |n| format!(" ({n} refused)"))
}
