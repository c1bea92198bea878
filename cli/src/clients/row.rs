//! One client's outcome in one case, as `clients` prints it: a line of text, or a line of JSON
//! whose fields are a contract (`docs/cli.md`).

use std::collections::BTreeMap;

use keepalive_probe::{Ending, Endings, Handshakes};
use serde::{Serialize, Serializer};

use super::brief;
use super::cases::{self, Case, Expect};
use super::expectation::Burst;

/// One case's line. As JSON: the expectation in words (`expected`) and as fields, as
/// `matrix --json` gives it, each `null` where it does not apply.
#[derive(Debug)]
pub struct Row<'a> {
    pub client: &'static str,
    pub version: Option<String>,
    pub case: &'a Case,
    pub expected: Expect,
    /// Each outcome seen, with how many times.
    pub observed: BTreeMap<String, usize>,
    pub verdict: &'static str,
    pub client_view: Option<String>,
    pub skipped: Option<&'a str>,
}

/// The JSON line's fields.
#[derive(Serialize)]
struct JsonRow<'a> {
    client: &'static str,
    version: &'a Option<String>,
    case: &'static str,
    expected: String,
    /// Requests per connection, in accept order, where the count is exact.
    expected_requests_per_connection: Option<&'static [usize]>,
    /// How the connections end, where that is exact (not `FIN/RST`).
    expected_ended: Option<Endings>,
    /// The TLS handshakes, over HTTPS.
    expected_tls: Option<Handshakes>,
    /// Where no exact count exists: the most connections the client's code can open.
    expected_at_most_connections: Option<usize>,
    /// Under a fault: the calls that fail, the requests the server never answers whole, and
    /// the requests the client sends again.
    expected_errors: Option<usize>,
    expected_unanswered: Option<usize>,
    expected_resent: Option<usize>,
    /// Through the proxy variables: the proxy's requests per connection (`[]`: the client went
    /// straight to the server), and the tunnels opened.
    expected_proxy_requests_per_connection: Option<&'static [usize]>,
    expected_proxy_ended: Option<Endings>,
    expected_tunnels: Option<usize>,
    /// With `h2` offered: the HTTP/2 streams the client's requests take (0: it kept to HTTP/1.1).
    expected_streams: Option<usize>,
    observed: &'a BTreeMap<String, usize>,
    verdict: &'static str,
    client_view: &'a Option<String>,
    skipped: Option<&'a str>,
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (per_connection, ended, tls, at_most) = match self.expected {
            Expect::Exact(per_connection, ended, handshakes) => (
                Some(per_connection),
                cases::counted(ended, per_connection.len()),
                self.case.tls.then_some(handshakes),
                None,
            ),
            Expect::Faulted(faulted) => (
                Some(faulted.per_connection),
                cases::counted(faulted.ended, faulted.per_connection.len()),
                None,
                None,
            ),
            Expect::Proxied(proxied) => (
                Some(proxied.per_connection),
                Some(Endings::all(
                    Ending::ClientClosed,
                    proxied.per_connection.len(),
                )),
                self.case.tls.then_some(proxied.handshakes),
                None,
            ),
            Expect::Negotiated(negotiated) => (
                Some(negotiated.per_connection),
                cases::counted(negotiated.ended, negotiated.per_connection.len()),
                Some(negotiated.handshakes),
                None,
            ),
            Expect::Burst(burst) => (
                burst.exact.map(|(per_connection, _)| per_connection),
                None,
                None,
                None,
            ),
            Expect::Race(at_most) => (None, None, None, Some(at_most)),
            Expect::NotApplicable => (None, None, None, None),
        };
        let proxied = match self.expected {
            Expect::Proxied(proxied) => Some(proxied),
            _ => None,
        };
        let faulted = match self.expected {
            Expect::Faulted(faulted) => Some(faulted),
            _ => None,
        };
        JsonRow {
            client: self.client,
            version: &self.version,
            case: self.case.name,
            expected: describe(self.expected),
            expected_requests_per_connection: per_connection,
            expected_ended: ended,
            expected_tls: tls,
            expected_at_most_connections: at_most,
            expected_errors: faulted.map(|f| f.errors),
            expected_unanswered: faulted.map(|f| f.unanswered),
            expected_resent: faulted.map(|f| f.resent),
            expected_proxy_requests_per_connection: proxied.map(|p| p.proxy),
            expected_proxy_ended: proxied
                .and_then(|p| cases::counted(p.proxy_ended, p.proxy.len())),
            expected_tunnels: proxied.map(|p| p.tunnels),
            expected_streams: match self.expected {
                Expect::Negotiated(negotiated) => Some(negotiated.streams),
                Expect::Burst(burst) => burst.exact.map(|(_, streams)| streams),
                _ => None,
            },
            observed: &self.observed,
            verdict: self.verdict,
            client_view: &self.client_view,
            skipped: self.skipped,
        }
        .serialize(serializer)
    }
}

impl Row<'_> {
    pub fn print_json(&self) {
        match serde_json::to_string(self) {
            Ok(line) => outln!("{line}"),
            Err(error) => errln!("error: cannot encode JSON: {error}"),
        }
    }

    pub fn print(&self) {
        let observed: Vec<String> = self
            .observed
            .iter()
            .map(|(outcome, times)| format!("{outcome} ×{times}"))
            .collect();
        outln!(
            "{:<10} {:<28} {:<8} expected {:<34} observed {}{}",
            self.client,
            self.case.name,
            self.verdict,
            describe(self.expected),
            observed.join(", "),
            self.skipped.map(|s| format!(" ({s})")).unwrap_or_default()
        );
    }
}

/// The expectation in words: `[5] 1 FIN`, the race's bound, or `n/a`.
fn describe(expected: Expect) -> String {
    match expected {
        Expect::Exact(per_connection, ended, handshakes) => format!(
            "{per_connection:?} {}{}",
            cases::describe_endings(ended, per_connection.len()),
            brief::handshakes(&handshakes)
        ),
        // As the observed outcome reads: `[2, 2, 1] 1 FIN + 2 server, 2 errors, 2 unanswered`.
        Expect::Faulted(faulted) => format!(
            "{:?} {}{}{}",
            faulted.per_connection,
            cases::describe_endings(faulted.ended, faulted.per_connection.len()),
            brief::mishaps(faulted.errors, faulted.resent),
            brief::unanswered(faulted.unanswered)
        ),
        Expect::Proxied(proxied) => {
            format!(
                "{:?} {}",
                proxied.per_connection,
                cases::describe_proxied(&proxied)
            )
        }
        Expect::Negotiated(negotiated) => format!(
            "{:?} {}{}{}",
            negotiated.per_connection,
            cases::describe_endings(negotiated.ended, negotiated.per_connection.len()),
            brief::handshakes(&negotiated.handshakes),
            brief::streams(negotiated.streams)
        ),
        Expect::Burst(Burst {
            exact: Some((per_connection, streams)),
            ..
        }) => format!(
            "{per_connection:?}{}, none refused, none over the limit",
            brief::streams(streams)
        ),
        Expect::Burst(Burst {
            exact: None,
            refused_fail,
        }) => format!(
            "race: {} requests, one per stream not refused, {}, none over the limit once known",
            cases::REQUESTS,
            if refused_fail {
                "a refused one failed"
            } else {
                "a refused one sent again"
            }
        ),
        Expect::Race(at_most) => format!(
            "race: {} requests served once on at most {at_most} connections, none failed",
            cases::REQUESTS
        ),
        Expect::NotApplicable => "n/a".to_owned(),
    }
}
