//! The scenario table as Markdown, for README.md: generated from the table, so the README cannot
//! promise a count the tests do not check.

use super::{Expected, Scenario, table};
use crate::handshake::Handshakes;
use crate::report::{Endings, Report};

/// The README's table: one row per scenario, with the exact expectation and why.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| scenario | set-up | requests | connections | requests per connection | ended | TLS handshakes | why |\n\
         |---|---|---:|---:|---|---|---|---|\n",
    );
    for scenario in table() {
        out.push_str(&row(&scenario));
    }
    out
}

fn row(scenario: &Scenario) -> String {
    let (connections, per_connection, ended, handshakes) = match &scenario.expected {
        Expected::Exactly(outcome) => (
            outcome.report.accepted.to_string(),
            format!(
                "{:?}{}{}",
                outcome.report.requests_per_connection,
                streams(outcome.report.streams),
                proxies(&outcome.proxies)
            ),
            endings(&outcome.report.ended),
            handshakes(&outcome.report.tls),
        ),
        Expected::CountsExactly(outcome) => {
            let counted = super::counts_only(&outcome.report);
            (
                outcome.report.accepted.to_string(),
                format!(
                    "{:?}{}",
                    outcome.report.requests_per_connection,
                    streams(outcome.report.streams)
                ),
                format!("{} by the client (FIN or RST)", counted.ended.client_closed),
                format!("{} (full or resumed)", counted.tls.full),
            )
        }
        Expected::EveryConnectionEnded(ending) => (
            "races".to_owned(),
            "no exact count".to_owned(),
            format!("every one {ending}"),
            "—".to_owned(),
        ),
    };
    let requests = match scenario.expected.counts() {
        Some(outcome) => {
            let mishaps = in_words(
                &[
                    (outcome.failed_requests, "failed"),
                    (outcome.report.unanswered, "unanswered"),
                    (outcome.report.resent, "re-sent"),
                ],
                "",
            );
            if mishaps.is_empty() {
                scenario.client_requests().to_string()
            } else {
                format!("{} ({mishaps})", scenario.client_requests())
            }
        }
        None => scenario.client_requests().to_string(),
    };
    format!(
        "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
        scenario.name,
        if scenario.variant.is_empty() {
            format!("{} runtime", scenario.runtime)
        } else {
            format!("{}; {} runtime", scenario.variant, scenario.runtime)
        },
        requests,
        connections,
        per_connection,
        ended,
        handshakes,
        scenario.why,
    )
}

/// `; 18 streams` after the requests per connection, over HTTP/2; nothing over HTTP/1.
fn streams(streams: usize) -> String {
    match streams {
        0 => String::new(),
        n => format!("; {n} streams"),
    }
}

/// `; proxy [1], 1 tunnel` after the server's requests per connection: each proxy's, and the
/// tunnels opened through it; nothing without one.
fn proxies(reports: &[Report]) -> String {
    let each: Vec<String> = reports
        .iter()
        .map(|report| {
            let plural = if report.tunnels == 1 { "" } else { "s" };
            format!(
                "{:?}, {} tunnel{plural}",
                report.requests_per_connection, report.tunnels
            )
        })
        .collect();
    match each.len() {
        0 => String::new(),
        1 => format!("; proxy {}", each[0]),
        _ => format!("; proxies {}", each.join(" and ")),
    }
}

/// `1 full, 4 resumed`; `—` for plain HTTP.
fn handshakes(tls: &Handshakes) -> String {
    in_words(
        &[
            (tls.full, "full"),
            (tls.resumed, "resumed"),
            (tls.failed, "failed"),
        ],
        "—",
    )
}

/// `5 reset by the client`, `1 closed by the client, 1 closed by the server`.
fn endings(ended: &Endings) -> String {
    in_words(
        &[
            (ended.client_closed, "closed by the client"),
            (ended.client_reset, "reset by the client"),
            (ended.server_closed, "closed by the server"),
            (ended.open, "still open"),
        ],
        "none",
    )
}

/// The counts that are not 0, each with its word, joined: `1 full, 4 resumed`; `none` when all
/// are 0.
fn in_words(counts: &[(usize, &str)], none: &str) -> String {
    let words: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, word)| format!("{n} {word}"))
        .collect();
    if words.is_empty() {
        none.to_owned()
    } else {
        words.join(", ")
    }
}
