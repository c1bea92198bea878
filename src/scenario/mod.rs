//! Scenarios as data: what the server does, how the client is set up, what it asks for, how it
//! consumes each response, and the exact connections that must result.
//!
//! The integration tests and `keepalive-probe matrix` read the same `table()`; an expectation is
//! written once, in the family function that builds the scenario.

mod building;
pub mod families;
mod handlers;
mod markdown;
mod observed;
mod proxies;
mod run;
mod run_blocking;
mod table;
mod tls_client;

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::consume::Consume;
use crate::report::{Ending, Report};

pub use handlers::Handler;
pub use markdown::markdown_table;
pub use observed::{Observed, Outcome, ResponseSeen, ScenarioError, with_causes};
pub use table::table;

/// One kibibyte.
pub const KIB: usize = 1024;
/// One mebibyte.
pub const MIB: usize = 1024 * KIB;

/// hyper's first read on a fresh connection (`INIT_BUFFER_SIZE` in hyper's `proto/h1/io.rs`):
/// a response whose headers and body fit in it arrives whole with the headers.
pub const HYPER_FIRST_READ: usize = 8 * KIB;

/// One scenario: a set-up, a client's actions, and the connections they must cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// The behaviour, named as a sentence; the integration test of the same name checks it.
    pub name: &'static str,
    /// The parameters of this instance ("64 KiB body, 10 requests").
    pub variant: String,
    /// How the counting server is configured.
    pub server: ServerSetup,
    /// How the reqwest client is configured.
    pub client: ClientSetup,
    /// What each request asks for.
    pub request: RequestSetup,
    /// What the client does with each response.
    pub consume: Consume,
    /// The client's actions, in order.
    pub steps: Vec<Step>,
    /// Which runtime drives client and server.
    pub runtime: Runtime,
    /// What the run must produce once the client is dropped and every connection is closed.
    pub expected: Expected,
    /// Why the counts are what they are, in one line.
    pub why: &'static str,
}

/// What a scenario must produce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// Exactly this outcome: connections, their requests, how each ended, and failures.
    Exactly(Outcome),
    /// The pool races (a multi-thread runtime), so no exact count exists. What no interleaving
    /// changes: every request served once, none failed, and every connection ended this way.
    EveryConnectionEnded(Ending),
    /// These counts, failures and TLS handshakes exactly, but TCP's own timing decides two
    /// things the `why` names: whether a client closing a connection had bytes unread (FIN or
    /// RST: both are the client's close) and whether a handshake resumed a session that another
    /// connection's handshake had only just left (full or resumed: their sum is exact).
    CountsExactly(Outcome),
}

impl From<Report> for Expected {
    /// Exactly this report, with no request failing.
    fn from(report: Report) -> Expected {
        Expected::failing(report, 0)
    }
}

impl Expected {
    /// Exactly this report, with `failed_requests` client requests failing.
    pub fn failing(report: Report, failed_requests: usize) -> Expected {
        Expected::Exactly(Outcome {
            report,
            failed_requests,
            proxies: Vec::new(),
        })
    }

    /// The same expectation, with the forward proxies' reports (see [`ProxySetup`]). Only an
    /// expectation with counts has somewhere to put them.
    #[must_use]
    pub fn through_proxies(mut self, reports: impl Into<Vec<Report>>) -> Expected {
        match &mut self {
            Expected::Exactly(outcome) | Expected::CountsExactly(outcome) => {
                outcome.proxies = reports.into();
            }
            Expected::EveryConnectionEnded(_) => {
                panic!("a proxy's reports need an expectation with counts")
            }
        }
        self
    }

    /// The outcome whose counts (connections, requests, failures) are exact, where they are:
    /// with [`Expected::CountsExactly`] its endings and handshake kinds are not.
    pub fn counts(&self) -> Option<&Outcome> {
        match self {
            Expected::Exactly(outcome) | Expected::CountsExactly(outcome) => Some(outcome),
            Expected::EveryConnectionEnded(_) => None,
        }
    }

    /// The exact outcome, where one exists.
    pub fn exact(&self) -> Option<&Outcome> {
        match self {
            Expected::Exactly(outcome) => Some(outcome),
            Expected::EveryConnectionEnded(_) | Expected::CountsExactly(_) => None,
        }
    }
}

/// A report with what `Expected::CountsExactly` leaves to TCP's timing merged: client closes
/// (FIN or RST) counted together, handshakes counted together but for the failed ones.
pub fn counts_only(report: &Report) -> Report {
    let ended = report.ended;
    let tls = report.tls;
    let mut counts = report.clone();
    counts.ended.client_closed = ended.client_closed + ended.client_reset;
    counts.ended.client_reset = 0;
    counts.tls.full = tls.full + tls.resumed;
    counts.tls.resumed = 0;
    counts
}

impl Scenario {
    /// Whether `outcome`, from a run of this scenario, is what it must produce.
    pub fn is_met_by(&self, outcome: &Outcome) -> bool {
        match &self.expected {
            Expected::Exactly(expected) => expected == outcome,
            Expected::CountsExactly(expected) => {
                let counts = |o: &Outcome| -> Vec<Report> {
                    std::iter::once(&o.report)
                        .chain(&o.proxies)
                        .map(counts_only)
                        .collect()
                };
                expected.failed_requests == outcome.failed_requests
                    && counts(expected) == counts(outcome)
            }
            Expected::EveryConnectionEnded(ending) => {
                let report = &outcome.report;
                outcome.failed_requests == 0
                    && report.requests == self.client_requests()
                    && report == &report.clone().ended_by(*ending)
            }
        }
    }

    /// Requests the client issues (a followed redirect is one client request, two server ones).
    pub fn client_requests(&self) -> usize {
        self.steps.iter().map(Step::requests).sum()
    }

    /// `name (variant)`, as the matrix prints it.
    pub fn title(&self) -> String {
        if self.variant.is_empty() {
            self.name.to_owned()
        } else {
            format!("{} ({})", self.name, self.variant)
        }
    }
}

/// The counting server's configuration for a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ServerSetup {
    /// Body size of `/`, `/chunked`, `/status/…` and `/redirect`.
    pub body_bytes: usize,
    /// HTTP/1.1 keep-alive on the server side.
    pub keep_alive: bool,
    /// Whether the handler answers `Connection: close`.
    pub connection_close: bool,
    /// The server's idle (header read) timeout.
    pub idle_timeout: Option<Duration>,
    /// Who answers: the built-in routes, or a handler of the scenario's own.
    pub handler: Handler,
    /// HTTPS, and how; `None` is plain HTTP.
    pub tls: Option<TlsSetup>,
    /// A fault every connection applies.
    pub fault: Option<crate::fault::Fault>,
    /// HTTP/2's concurrent-stream limit (hyper's default, 200, when `None`).
    pub h2_max_streams: Option<u32>,
}

/// The server's TLS in a scenario (see [`TlsSettings`](crate::TlsSettings)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TlsSetup {
    /// `h2` offered before `http/1.1` in ALPN.
    pub alpn_h2: bool,
    /// Sessions kept for resumption (rustls's default).
    pub session_cache: bool,
}

impl Default for TlsSetup {
    fn default() -> Self {
        TlsSetup {
            alpn_h2: false,
            session_cache: true,
        }
    }
}

impl Default for ServerSetup {
    fn default() -> Self {
        ServerSetup {
            body_bytes: 2,
            keep_alive: true,
            connection_close: false,
            idle_timeout: None,
            handler: Handler::BuiltIn,
            tls: None,
            fault: None,
            h2_max_streams: None,
        }
    }
}

/// The reqwest client's configuration for a scenario. `None` leaves reqwest's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClientSetup {
    /// `ClientBuilder::pool_max_idle_per_host`.
    pub pool_max_idle_per_host: Option<usize>,
    /// `ClientBuilder::pool_idle_timeout` (reqwest's default is 90 s).
    pub pool_idle_timeout: Option<Duration>,
    /// `ClientBuilder::http2_prior_knowledge`: h2c without an upgrade.
    pub http2_prior_knowledge: bool,
    /// Over HTTPS, trust nothing: the server's certificate is refused and every handshake fails.
    pub distrust_server: bool,
    /// Through counting forward proxies, and how.
    pub proxy: Option<ProxySetup>,
}

/// The counting forward proxies a scenario's client goes through
/// ([`ServerBuilder::forward_proxy`](crate::ServerBuilder::forward_proxy)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxySetup {
    /// One proxy for every request (`reqwest::Proxy::all`).
    One,
    /// Two proxies, the client's `reqwest::Proxy::custom` naming them in turn, call by call.
    TwoInTurn,
    /// One proxy, the client's `reqwest::Proxy::custom` naming it with two users' credentials
    /// in turn (`alice`, then `bob`).
    TwoUsersInTurn,
}

impl ProxySetup {
    /// How many proxies run.
    pub fn proxies(self) -> usize {
        match self {
            ProxySetup::TwoInTurn => 2,
            ProxySetup::One | ProxySetup::TwoUsersInTurn => 1,
        }
    }
}

/// What each request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RequestSetup {
    /// `GET` or `HEAD`.
    pub method: Method,
    /// The path on the counting server (see its routes).
    pub path: &'static str,
    /// Send `Connection: close` with the request.
    pub connection_close: bool,
    /// Send the request as HTTP/1.0 (no keep-alive unless asked for).
    pub http_1_0: bool,
    /// Size of the request body, for `POST`.
    pub body_bytes: usize,
    /// Over HTTPS, alternate the host between `localhost` and `127.0.0.1` (same server, two
    /// names).
    pub alternate_hosts: bool,
}

impl Default for RequestSetup {
    fn default() -> Self {
        RequestSetup {
            method: Method::Get,
            path: "/",
            connection_close: false,
            http_1_0: false,
            body_bytes: 0,
            alternate_hosts: false,
        }
    }
}

/// The request methods scenarios use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// `GET`: the response has a body.
    Get,
    /// `HEAD`: the response has headers only, whatever its `Content-Length` says.
    Head,
    /// `POST` with a body of [`RequestSetup::body_bytes`] bytes.
    Post,
}

/// One action of the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// This many requests, each after the previous response was consumed.
    Sequential(usize),
    /// This many requests in flight at once; waits for all of them.
    Concurrent(usize),
    /// Do nothing for this long, on tokio's paused clock (no real waiting).
    Pause(#[serde(serialize_with = "serialize_duration")] Duration),
    /// Build a second client and use it from here on; the first one stays alive until the end.
    NewClient,
    /// Use a clone of the current client from here on (clones share the pool).
    CloneClient,
}

impl Step {
    fn requests(&self) -> usize {
        match self {
            Step::Sequential(n) | Step::Concurrent(n) => *n,
            Step::Pause(_) | Step::NewClient | Step::CloneClient => 0,
        }
    }
}

fn serialize_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{d:?}"))
}

/// Which runtime drives the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    /// Client and server on one thread with tokio's clock paused: every event happens in one
    /// deterministic order, and timeouts fire in virtual time.
    CurrentThreadPaused,
    /// Client and server on a two-worker runtime: tasks race on two threads.
    MultiThread,
    /// `reqwest::blocking` on the calling thread, the server on its own runtime thread.
    Blocking,
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Runtime::CurrentThreadPaused => "current-thread",
            Runtime::MultiThread => "multi-thread",
            Runtime::Blocking => "blocking",
        })
    }
}
