//! Many timelines on one self-contained HTML page: inline SVG and CSS, no script, no fetch.

use std::fmt::Write;

use super::svg::escape;

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
    /// The timeline, from [`svg`](super::svg).
    pub svg: String,
}

/// The page: a summary line, then one section per entry, in order.
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
/// ```
pub fn html_page(heading: &str, entries: &[PageEntry]) -> String {
    let passed = entries.iter().filter(|e| e.passed).count();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1><p class=\"summary\">{passed} of {} as expected</p>",
        escape(heading),
        escape(heading),
        entries.len()
    );
    for entry in entries {
        let (class, verdict) = if entry.passed {
            ("pass", "as expected")
        } else {
            ("fail", "NOT as expected")
        };
        let _ = write!(
            out,
            "<section class=\"{class}\"><h2>{}</h2><p><span class=\"verdict\">{verdict}</span> {}</p><p class=\"why\">{}</p>{}</section>",
            escape(&entry.title),
            escape(&entry.counts),
            escape(&entry.why),
            entry.svg
        );
    }
    out.push_str("</body></html>\n");
    out
}

const STYLE: &str = "body{font-family:DejaVu Sans,Verdana,sans-serif;margin:24px;color:#222}\
h1{font-size:22px}h2{font-size:16px;margin:0 0 4px}\
section{border-left:6px solid #2e8b57;padding:8px 12px;margin:0 0 28px;background:#fafafa}\
section.fail{border-left-color:#c0392b}\
.verdict{font-weight:bold}.fail .verdict{color:#c0392b}.pass .verdict{color:#2e8b57}\
.why{color:#555;margin:2px 0 8px}svg{max-width:100%;height:auto}";
