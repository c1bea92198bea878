//! Running a scenario: start a counting server, drive a reqwest client through the steps, drop the
//! client, and read the final report.
//!
//! The client's requests run in the runtime's main future (`block_on`), not in a spawned task.
//! That placement is part of the set-up: on a current-thread runtime, the scheduler runs every
//! woken task before it polls the main future again, so a connection that a finished body hands
//! back to the pool is back before the client's next request looks for one.

use std::time::Duration;

use reqwest::header::{CONNECTION, HeaderValue};
use reqwest::{Client, Version};
use tokio::task::JoinSet;

use super::observed::{Observed, Outcome, Responses, ScenarioError, observed, with_causes};
use super::proxies::Proxies;
use super::{Method, Runtime, Scenario, Step};
use crate::server::{REQUEST_ID_HEADER, Server, StartError, TlsSettings};
use crate::tracker::ConnectionTracker;

/// A client's TLS configuration: every scenario client gets one, HTTPS or not (see
/// [`Scenario::client_tls`]).
pub(super) type ClientTls = rustls::ClientConfig;

/// Applies a [`ClientSetup`](super::ClientSetup) to a reqwest builder and builds the client.
/// A macro, not a function: `reqwest::ClientBuilder` and `reqwest::blocking::ClientBuilder` share
/// these method names but no trait.
macro_rules! configured_client {
    ($builder:expr, $setup:expr) => {{
        let (setup, tracker, tls, proxy): (
            super::ClientSetup,
            &ConnectionTracker,
            ClientTls,
            Option<reqwest::Proxy>,
        ) = $setup;
        let mut builder = $builder
            .no_proxy()
            .connector_layer(tracker.layer())
            .tls_backend_preconfigured(tls);
        if let Some(proxy) = proxy {
            builder = builder.proxy(proxy);
        }
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

/// The scenario's request on `client` (async or blocking): its method and body, its number as
/// `x-request-id` (so the server tells a request the client sent again from the next one), and
/// `Connection: close` or HTTP/1.0 when the scenario asks. A macro for the reason
/// `configured_client` is one.
macro_rules! prepared_request {
    ($scenario:expr, $client:expr, $outgoing:expr) => {{
        let scenario: &Scenario = $scenario;
        let outgoing: &Outgoing = $outgoing;
        let url = outgoing.url.as_str();
        let mut request = match scenario.request.method {
            Method::Get => $client.get(url),
            Method::Head => $client.head(url),
            Method::Post => $client.post(url).body(scenario.request_body()),
        };
        request = request.header(REQUEST_ID_HEADER, outgoing.id);
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
        let proxies = Proxies::start(self.client.proxy).await?;
        let tracker = ConnectionTracker::new();
        let seen = Responses::default();
        let mut clients = vec![self.async_client(&tracker, &server, &proxies)?];
        let mut errors = Vec::new();
        for action in self.actions(&server) {
            let client = clients
                .last()
                .cloned()
                .ok_or(ScenarioError::Unsupported("a scenario needs a client"))?;
            match action {
                Action::Send(outgoing) => {
                    errors.extend(self.send(&client, &outgoing, &tracker, &seen).await.err());
                }
                Action::Concurrent(requests) => {
                    let mut in_flight = JoinSet::new();
                    for outgoing in requests {
                        let scenario = self.clone();
                        let client = client.clone();
                        let (tracker, seen) = (tracker.clone(), seen.clone());
                        in_flight.spawn(async move {
                            scenario.send(&client, &outgoing, &tracker, &seen).await
                        });
                    }
                    while let Some(joined) = in_flight.join_next().await {
                        errors.extend(request_result(joined).err());
                    }
                }
                Action::Pause(duration) => tokio::time::sleep(duration).await,
                Action::NewClient => {
                    clients.push(self.async_client(&tracker, &server, &proxies)?);
                }
                Action::CloneClient => clients.push(client),
            }
        }
        drop(clients);
        let report = proxies.settle_with(&server).await?;
        Ok(observed(
            (&server, proxies.servers()),
            report,
            errors,
            &tracker,
            &seen,
        ))
    }

    /// The steps as the actions a runner takes, each request with the URL it goes to (in turn,
    /// with `alternate_hosts`) and its number: the async and the blocking runner share their order.
    pub(super) fn actions(&self, server: &Server) -> Vec<Action> {
        let urls = self.urls(server);
        let mut next = urls.iter().cycle().cloned().zip(1..);
        let mut url = || {
            let (url, id) = next.next().unwrap_or_default();
            Outgoing { url, id }
        };
        self.steps
            .iter()
            .flat_map(|step| match *step {
                Step::Sequential(n) => (0..n).map(|_| Action::Send(url())).collect(),
                Step::Concurrent(k) => vec![Action::Concurrent((0..k).map(|_| url()).collect())],
                Step::Pause(duration) => vec![Action::Pause(duration)],
                Step::NewClient => vec![Action::NewClient],
                Step::CloneClient => vec![Action::CloneClient],
            })
            .collect()
    }

    /// Sends one request and consumes its response; `Err` says why the client saw an error.
    async fn send(
        &self,
        client: &Client,
        outgoing: &Outgoing,
        tracker: &ConnectionTracker,
        seen: &Responses,
    ) -> Result<(), String> {
        let request = prepared_request!(self, client, outgoing);
        let mut response = request.send().await.map_err(|error| with_causes(&error))?;
        seen.record(
            tracker.connection_of(&mut response).ok(),
            response.headers(),
        );
        self.consume
            .response(response)
            .await
            .map_err(|error| with_causes(&error))
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
        if let Some(k) = self.server.h2_max_streams {
            builder = builder.h2_max_streams(k);
        }
        if let Some(fault) = self.server.fault {
            builder = builder.fault(fault);
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
        proxies: &Proxies,
    ) -> Result<Client, ScenarioError> {
        configured_client!(
            Client::builder(),
            (
                self.client,
                tracker,
                self.client_tls(server),
                proxies.for_client()
            )
        )
    }
}

/// One request a runner sends: where, and its number (1 for the first), its `x-request-id`.
#[derive(Debug, Clone, Default)]
pub(super) struct Outgoing {
    pub(super) url: String,
    pub(super) id: usize,
}

/// What a runner does, one client action at a time (see [`Scenario::actions`]).
pub(super) enum Action {
    /// One request, its response consumed before the next action.
    Send(Outgoing),
    /// These requests at once; the action ends when all have.
    Concurrent(Vec<Outgoing>),
    /// Nothing, for this long, on tokio's clock.
    Pause(Duration),
    /// A new client from here on.
    NewClient,
    /// A clone of the current client from here on.
    CloneClient,
}

/// A concurrent request task's result. A task that panicked is a bug in the run, not a failed
/// request: its panic goes on, with its own message, instead of being counted.
fn request_result(
    joined: Result<Result<(), String>, tokio::task::JoinError>,
) -> Result<(), String> {
    match joined {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Cancelled: the run aborts no request task, so a cancelled one did not complete.
        Err(_) => Err("the request task was cancelled".to_owned()),
    }
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
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| request_result(joined)))
                .expect_err("the panic propagates");
        assert_eq!(caught.downcast_ref::<&str>(), Some(&"the client broke"));
    }

    #[tokio::test]
    async fn a_finished_request_task_reports_its_result() {
        assert_eq!(request_result(tokio::spawn(async { Ok(()) }).await), Ok(()));
        let failed = tokio::spawn(async { Err("refused".to_owned()) }).await;
        assert_eq!(request_result(failed), Err("refused".to_owned()));
    }
}
