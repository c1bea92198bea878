//! Running a scenario: start a counting server, drive a reqwest client through the steps, drop the
//! client, and read the final report.
//!
//! The client's requests run in the runtime's main future (`block_on`), not in a spawned task.
//! That placement is part of the set-up: on a current-thread runtime, the scheduler runs every
//! woken task before it polls the main future again, so a connection that a finished body hands
//! back to the pool is back before the client's next request looks for one.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{CONNECTION, HeaderMap, HeaderValue};
use reqwest::{Client, Version};
use serde::Serialize;
use tokio::task::JoinSet;

use super::{Method, Runtime, Scenario, Step};
use crate::report::{ConnectionId, Report, Snapshot};
use crate::server::TlsSettings;
use crate::server::{Server, StartError, connection_id};
use crate::tracker::{ConnectionTracker, ServedBy, TrackedConnection};

/// A client's TLS configuration: every scenario client gets one, HTTPS or not (see
/// [`Scenario::client_tls`]).
pub(super) type ClientTls = rustls::ClientConfig;

/// What a scenario run observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The server's final report.
    pub report: Report,
    /// Client requests that returned an error.
    pub failed_requests: usize,
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
    Unsettled(Report),
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

/// How long connections may stay open after the client is dropped before the run is called hung.
/// On the paused clock this passes only once nothing else can happen, so a hang shows at once.
const SETTLE_LIMIT: Duration = Duration::from_secs(10);

/// Everything a run saw: the outcome, the server's ledger, and the client's own view.
#[derive(Debug, Clone)]
pub struct Observed {
    /// What the scenario asserts.
    pub outcome: Outcome,
    /// The server's ledger once every connection closed: connections, times, the request log.
    pub snapshot: Snapshot,
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

/// Applies a [`ClientSetup`](super::ClientSetup) to a reqwest builder and builds the client.
/// A macro, not a function: `reqwest::ClientBuilder` and `reqwest::blocking::ClientBuilder` share
/// these method names but no trait.
macro_rules! configured_client {
    ($builder:expr, $setup:expr) => {{
        let (setup, tracker, tls): (super::ClientSetup, &ConnectionTracker, ClientTls) = $setup;
        let mut builder = $builder
            .no_proxy()
            .connector_layer(tracker.layer())
            .tls_backend_preconfigured(tls);
        if let Some(max) = setup.pool_max_idle_per_host {
            builder = builder.pool_max_idle_per_host(max);
        }
        if let Some(timeout) = setup.pool_idle_timeout {
            builder = builder.pool_idle_timeout(timeout);
        }
        if setup.http2_prior_knowledge {
            builder = builder.http2_prior_knowledge();
        }
        builder.build().map_err(ScenarioError::Client)
    }};
}
pub(super) use configured_client;

/// The scenario's request on `client` (async or blocking): its method and body, and
/// `Connection: close` or HTTP/1.0 when the scenario asks. A macro for the reason
/// `configured_client` is one.
macro_rules! prepared_request {
    ($scenario:expr, $client:expr, $url:expr) => {{
        let scenario: &Scenario = $scenario;
        let mut request = match scenario.request.method {
            Method::Get => $client.get($url),
            Method::Head => $client.head($url),
            Method::Post => $client.post($url).body(scenario.request_body()),
        };
        if scenario.request.connection_close {
            request = request.header(CONNECTION, HeaderValue::from_static("close"));
        }
        if scenario.request.http_1_0 {
            request = request.version(Version::HTTP_10);
        }
        request
    }};
}
pub(super) use prepared_request;

impl Scenario {
    /// Runs the scenario on a runtime of its own and returns what the server counted.
    ///
    /// Blocking: call it from a plain `#[test]` or `main`, not from inside a tokio runtime.
    pub fn run(&self) -> Result<Outcome, ScenarioError> {
        self.run_observed().map(|observed| observed.outcome)
    }

    /// [`run`](Self::run), keeping everything the run saw: the server's final snapshot and the
    /// client's tracked connections and responses.
    pub fn run_observed(&self) -> Result<Observed, ScenarioError> {
        match self.runtime {
            Runtime::CurrentThreadPaused => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .start_paused(true)
                    .build()
                    .map_err(ScenarioError::Runtime)?;
                runtime.block_on(self.run_async())
            }
            Runtime::MultiThread => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(ScenarioError::Runtime)?;
                runtime.block_on(self.run_async())
            }
            Runtime::Blocking => self.run_blocking(),
        }
    }

    async fn run_async(&self) -> Result<Observed, ScenarioError> {
        let server = self.start_server().await?;
        let urls = self.urls(&server);
        let tracker = ConnectionTracker::new();
        let seen = Responses::default();
        let mut clients = vec![self.async_client(&tracker, &server)?];
        let mut failed_requests = 0;
        let mut sent = 0;
        for step in &self.steps {
            let client = clients
                .last()
                .cloned()
                .ok_or(ScenarioError::Unsupported("a scenario needs a client"))?;
            match *step {
                Step::Sequential(n) => {
                    for _ in 0..n {
                        let url = &urls[sent % urls.len()];
                        sent += 1;
                        let succeeded = self.send(&client, url, &tracker, &seen).await;
                        failed_requests += usize::from(!succeeded);
                    }
                }
                Step::Concurrent(k) => {
                    let mut in_flight = JoinSet::new();
                    for _ in 0..k {
                        let scenario = self.clone();
                        let url = urls[sent % urls.len()].clone();
                        sent += 1;
                        let client = client.clone();
                        let (tracker, seen) = (tracker.clone(), seen.clone());
                        in_flight.spawn(async move {
                            scenario.send(&client, &url, &tracker, &seen).await
                        });
                    }
                    while let Some(joined) = in_flight.join_next().await {
                        failed_requests += usize::from(!request_succeeded(joined));
                    }
                }
                Step::Pause(duration) => tokio::time::sleep(duration).await,
                Step::NewClient => clients.push(self.async_client(&tracker, &server)?),
                Step::CloneClient => clients.push(client.clone()),
            }
        }
        drop(clients);
        let report = settle(&server).await?;
        Ok(Observed {
            outcome: Outcome {
                report,
                failed_requests,
            },
            snapshot: server.snapshot(),
            tracked: tracker.connections(),
            responses: seen.take(),
        })
    }

    /// Sends one request and consumes its response; `false` if the client saw an error.
    async fn send(
        &self,
        client: &Client,
        url: &str,
        tracker: &ConnectionTracker,
        seen: &Responses,
    ) -> bool {
        let request = prepared_request!(self, client, url);
        match request.send().await {
            Ok(mut response) => {
                seen.record(
                    tracker.connection_of(&mut response).ok(),
                    response.headers(),
                );
                self.consume.response(response).await.is_ok()
            }
            Err(_) => false,
        }
    }

    pub(super) fn request_body(&self) -> Vec<u8> {
        vec![b'x'; self.request.body_bytes]
    }

    pub(super) async fn start_server(&self) -> Result<Server, StartError> {
        let mut builder = Server::builder()
            .router(self.server.handler.router(self.server.body_bytes))
            .keep_alive(self.server.keep_alive)
            .connection_close(self.server.connection_close);
        if let Some(timeout) = self.server.idle_timeout {
            builder = builder.header_read_timeout(timeout);
        }
        if let Some(tls) = self.server.tls {
            builder = builder.tls(
                TlsSettings::new()
                    .alpn_h2(tls.alpn_h2)
                    .session_cache(tls.session_cache),
            );
        }
        builder.start().await
    }

    /// The URLs requests go to, in turn: the server's, and with `alternate_hosts` the same by
    /// its other name.
    pub(super) fn urls(&self, server: &Server) -> Vec<String> {
        let url = server.url_for(self.request.path);
        if self.request.alternate_hosts {
            let by_address = url.replacen("localhost", "127.0.0.1", 1);
            vec![url, by_address]
        } else {
            vec![url]
        }
    }

    /// The rustls configuration a client of `server` gets: trusting the server's CA on HTTPS
    /// (unless the scenario distrusts it), nothing on plain HTTP. A plain-HTTP client gets one
    /// too: reqwest's rustls is compiled without a crypto provider, and a client built without
    /// its own configuration would need a process-wide one, which the library never installs.
    pub(super) fn client_tls(&self, server: &Server) -> ClientTls {
        let trusted = server
            .ca_certificate()
            .filter(|_| !self.client.distrust_server);
        super::tls_client::config(trusted)
    }

    fn async_client(
        &self,
        tracker: &ConnectionTracker,
        server: &Server,
    ) -> Result<Client, ScenarioError> {
        configured_client!(
            Client::builder(),
            (self.client, tracker, self.client_tls(server))
        )
    }
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

/// Whether a concurrent request task's request succeeded. A task that panicked is a bug in the
/// run, not a failed request: its panic goes on, with its own message, instead of being counted.
fn request_succeeded(joined: Result<bool, tokio::task::JoinError>) -> bool {
    match joined {
        Ok(succeeded) => succeeded,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Cancelled: the run aborts no request task, so a cancelled one did not complete.
        Err(_) => false,
    }
}

pub(super) async fn settle(server: &Server) -> Result<Report, ScenarioError> {
    tokio::time::timeout(SETTLE_LIMIT, server.report_when_closed())
        .await
        .map_err(|_| ScenarioError::Unsettled(server.report()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10, defect 6: a concurrent request task that panicked used to count as one failed
    /// request, hiding the panic. It must propagate, with its own message.
    ///
    /// The task panics with `resume_unwind`, which skips the panic hook: under `RUST_BACKTRACE=1`
    /// the hook captures and prints a backtrace, a tenth of a second that this test does not need.
    #[tokio::test]
    async fn a_panicking_request_task_propagates_its_panic() {
        let joined =
            tokio::spawn(async { std::panic::resume_unwind(Box::new("the client broke")) }).await;
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| request_succeeded(joined)))
                .expect_err("the panic propagates");
        assert_eq!(caught.downcast_ref::<&str>(), Some(&"the client broke"));
    }

    #[tokio::test]
    async fn a_finished_request_task_reports_its_result() {
        assert!(request_succeeded(tokio::spawn(async { true }).await));
        assert!(!request_succeeded(tokio::spawn(async { false }).await));
    }
}
