//! What a scenario run observed: the outcome it asserts, the server's ledger, the client's own
//! view of each response, and why each failed request failed; and a run that could not happen.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::report::{ConnectionId, Report, Snapshot};
use crate::server::{Server, StartError, connection_id};
use crate::tracker::{ConnectionTracker, ServedBy, TrackedConnection};

/// How long connections may stay open after the client is dropped before the run is called hung.
/// On the paused clock this passes only once nothing else can happen, so a hang shows at once.
pub(super) const SETTLE_LIMIT: Duration = Duration::from_secs(10);

/// What a scenario run observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The server's final report.
    pub report: Report,
    /// Client requests that returned an error.
    pub failed_requests: usize,
    /// The final reports of the forward proxies the client went through, in the order of
    /// [`ProxySetup::proxies`](super::ProxySetup::proxies) (none without a proxy).
    pub proxies: Vec<Report>,
}

/// A scenario that could not be run at all (as opposed to one whose counts differ).
#[derive(Debug)]
pub enum ScenarioError {
    /// The tokio runtime could not be built.
    Runtime(std::io::Error),
    /// The counting server did not start.
    Server(StartError),
    /// The reqwest client could not be built.
    Client(reqwest::Error),
    /// The scenario asks for something its runtime cannot do.
    Unsupported(&'static str),
    /// Connections were still open long after the client was dropped.
    Unsettled(Box<Report>),
}

// Written out rather than derived, as the library's other errors are. Each message carries its
// cause, so only the server's error, which stands for itself, passes a source on.
impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScenarioError::Runtime(error) => write!(f, "cannot build the runtime: {error}"),
            ScenarioError::Server(error) => error.fmt(f),
            ScenarioError::Client(error) => write!(f, "cannot build the client: {error}"),
            ScenarioError::Unsupported(what) => f.write_str(what),
            ScenarioError::Unsettled(report) => write!(
                f,
                "connections still open {SETTLE_LIMIT:?} after the client was dropped: {report:?}"
            ),
        }
    }
}

impl std::error::Error for ScenarioError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScenarioError::Server(error) => error.source(),
            _ => None,
        }
    }
}

impl From<StartError> for ScenarioError {
    fn from(error: StartError) -> Self {
        ScenarioError::Server(error)
    }
}

/// Everything a run saw: the outcome, the server's ledger, and the client's own view.
#[derive(Debug, Clone)]
pub struct Observed {
    /// What the scenario asserts.
    pub outcome: Outcome,
    /// Why each failed request failed, in the order they failed (the error and its causes): a
    /// count that is wrong says what went wrong.
    pub request_errors: Vec<String>,
    /// The server's ledger once every connection closed: connections, times, the request log.
    pub snapshot: Snapshot,
    /// Each forward proxy's ledger, as [`Outcome::proxies`] orders them.
    pub proxies: Vec<Snapshot>,
    /// Every connection the clients opened, from a [`ConnectionTracker`] on each of them.
    pub tracked: Vec<TrackedConnection>,
    /// Every response the clients received, in order.
    pub responses: Vec<ResponseSeen>,
}

/// One response, as the client's tracker and the server each placed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseSeen {
    /// The tracked connection that served it, and whether that was a reuse.
    pub served: ServedBy,
    /// The connection the server named in `x-connection-id`.
    pub server_named: Option<ConnectionId>,
}

/// The responses a run received, shared by its request tasks.
#[derive(Debug, Clone, Default)]
pub(super) struct Responses(Arc<Mutex<Vec<ResponseSeen>>>);

impl Responses {
    /// Records a response the tracker placed (every response of a run goes through a tracked
    /// client, so a `None` is a tracker bug that the agreement test reports as a missing pair).
    pub(super) fn record(&self, served: Option<ServedBy>, headers: &HeaderMap) {
        if let Some(served) = served {
            self.lock().push(ResponseSeen {
                served,
                server_named: connection_id(headers),
            });
        }
    }

    pub(super) fn take(&self) -> Vec<ResponseSeen> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ResponseSeen>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The server's report once every connection has closed, or the run is unsettled.
pub(super) async fn settle(server: &Server) -> Result<Report, ScenarioError> {
    tokio::time::timeout(SETTLE_LIMIT, server.report_when_closed())
        .await
        .map_err(|_| ScenarioError::Unsettled(Box::new(server.report())))
}

/// What a run saw, once the server's report is final.
pub(super) fn observed(
    (server, proxies): (&Server, &[Server]),
    report: Report,
    errors: Vec<String>,
    tracker: &ConnectionTracker,
    seen: &Responses,
) -> Observed {
    Observed {
        outcome: Outcome {
            report,
            failed_requests: errors.len(),
            proxies: proxies.iter().map(Server::report).collect(),
        },
        request_errors: errors,
        snapshot: server.snapshot(),
        proxies: proxies.iter().map(Server::snapshot).collect(),
        tracked: tracker.connections(),
        responses: seen.take(),
    }
}

/// An error and its causes on one line, as the library's errors leave their causes to
/// `source()`: reqwest's own message ("error sending request") says little without them, and the
/// CLI says a `StartError` with it.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        line.push_str(": ");
        line.push_str(&error.to_string());
        cause = error.source();
    }
    line
}
