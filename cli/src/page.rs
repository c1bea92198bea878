//! Many timelines on one self-contained HTML page: inline SVG and CSS, no script, no fetch.

use std::fmt::Write;

/// One section of the page: a scenario (or a command) and its timeline.
#[derive(Debug, Clone)]
pub struct PageEntry {
    /// The heading: the scenario's name and set-up.
    pub title: String,
    /// One line of counts, e.g. expected against observed requests per connection.
    pub counts: String,
    /// Whether the counts were as expected.
    pub passed: bool,
    /// Why the counts are what they are.
    pub why: String,
    /// The timeline, from `keepalive_probe::timeline::svg`.
    pub svg: String,
}

/// The page: a summary table first — one row per entry, failures first, each linking to its
/// section — then one section per entry, failures first and open, the rest folded (`<details>`),
/// so 50 timelines are one screen until you open one.
///
/// ```
/// use keepalive_probe::Snapshot;
/// use keepalive_probe::timeline::{PageEntry, html_page, svg};
///
/// let entry = PageEntry {
///     title: "an example".into(),
///     counts: "expected [1], observed [1]".into(),
///     passed: true,
///     why: "because".into(),
///     svg: svg("an example", &Snapshot::default()),
/// };
/// let page = html_page("keepalive-probe matrix", &[entry]);
/// assert_eq!(page.matches("<section").count(), 1);
/// assert!(page.contains("<a href=\"#entry-1\">an example</a>"));
/// ```
pub fn html_page(heading: &str, entries: &[PageEntry]) -> String {
    let passed = entries.iter().filter(|e| e.passed).count();
    // Failures first, each group in its given order; anchors number entries as given.
    let mut order: Vec<(usize, &PageEntry)> = entries.iter().enumerate().collect();
    order.sort_by_key(|(_, entry)| entry.passed);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1><p class=\"summary\">{passed} of {} as expected</p>{LEGEND}<table><thead><tr><th>verdict</th><th>scenario</th><th>counts</th></tr></thead><tbody>",
        escape(heading),
        escape(heading),
        entries.len()
    );
    for (index, entry) in &order {
        let (class, verdict) = verdict(entry);
        let _ = write!(
            out,
            "<tr class=\"{class}\"><td class=\"verdict\">{verdict}</td><td><a href=\"#entry-{}\">{}</a></td><td>{}</td></tr>",
            index + 1,
            escape(&entry.title),
            escape(&entry.counts)
        );
    }
    out.push_str("</tbody></table>");
    for (index, entry) in &order {
        let (class, verdict) = verdict(entry);
        let open = if entry.passed { "" } else { " open" };
        let _ = write!(
            out,
            "<section class=\"{class}\" id=\"entry-{}\"><details{open}><summary><h2>{}</h2></summary><p><span class=\"verdict\">{verdict}</span> {}</p><p class=\"why\">{}</p>{}</details></section>",
            index + 1,
            escape(&entry.title),
            escape(&entry.counts),
            escape(&entry.why),
            entry.svg
        );
    }
    out.push_str("</body></html>\n");
    out
}

fn verdict(entry: &PageEntry) -> (&'static str, &'static str) {
    if entry.passed {
        ("pass", "as expected")
    } else {
        ("fail", "NOT as expected")
    }
}

/// What the colours and marks in every timeline mean, once for the page.
const LEGEND: &str = "<p class=\"legend\"><span style=\"color:#2e8b57\">■</span> reused (2+ requests) \
<span style=\"color:#e07b00\">■</span> one request only \
<span style=\"color:#9a9a9a\">■</span> carried nothing \
<span style=\"color:#333333\">●</span> closed by the client \
<span style=\"color:#d0021b\">✕</span> reset by the client \
<span style=\"color:#1f4e9c\">■</span> closed by the server</p>";

const STYLE: &str = "body{font-family:DejaVu Sans,Verdana,sans-serif;margin:24px;color:#222}\
h1{font-size:22px}h2{font-size:16px;margin:0 0 4px}\
section{border-left:6px solid #2e8b57;padding:8px 12px;margin:0 0 28px;background:#fafafa}\
section.fail{border-left-color:#c0392b}\
.verdict{font-weight:bold}.fail .verdict{color:#c0392b}.pass .verdict{color:#2e8b57}\
.why{color:#555;margin:2px 0 8px}svg{max-width:100%;height:auto}\
table{border-collapse:collapse;margin:0 0 28px;font-size:13px}\
td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}\
td.verdict{white-space:nowrap}tr.fail td.verdict{color:#c0392b;font-weight:bold}tr.pass td.verdict{color:#2e8b57}\
summary{cursor:pointer}summary h2{display:inline}.legend span{margin-left:10px}";

/// Text made safe for HTML, in text and in quoted attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
