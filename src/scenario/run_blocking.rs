//! The blocking runner: `reqwest::blocking` on the calling thread, the server on a runtime of
//! its own.

use reqwest::Version;
use reqwest::header::{CONNECTION, HeaderValue};

use super::observed::{Observed, Responses, ScenarioError, observed, with_causes};
use super::proxies::Proxies;
use super::run::{Action, ClientTls, Outgoing, configured_client, prepared_request};
use super::{Method, Scenario};
use crate::server::{REQUEST_ID_HEADER, Server};
use crate::tracker::ConnectionTracker;

impl Scenario {
    /// `reqwest::blocking` runs its own runtime on a thread of its own and must not be called from
    /// inside another runtime: the server gets a one-worker runtime, the client the calling thread.
    pub(super) fn run_blocking(&self) -> Result<Observed, ScenarioError> {
        let server_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(ScenarioError::Runtime)?;
        let server = server_runtime.block_on(self.start_server())?;
        let proxies = server_runtime.block_on(Proxies::start(self.client.proxy))?;
        let tracker = ConnectionTracker::new();
        let seen = Responses::default();
        let mut clients = vec![self.blocking_client(&tracker, &server, &proxies)?];
        let mut errors = Vec::new();
        for action in self.actions(&server) {
            let client = clients
                .last()
                .cloned()
                .ok_or(ScenarioError::Unsupported("a scenario needs a client"))?;
            match action {
                Action::Send(outgoing) => {
                    errors.extend(
                        self.send_blocking(&client, &outgoing, &tracker, &seen)
                            .err(),
                    );
                }
                Action::NewClient => {
                    clients.push(self.blocking_client(&tracker, &server, &proxies)?);
                }
                Action::CloneClient => clients.push(client),
                Action::Concurrent(_) | Action::Pause(_) => {
                    return Err(ScenarioError::Unsupported(
                        "blocking scenarios take sequential requests only",
                    ));
                }
            }
        }
        drop(clients);
        let report = server_runtime.block_on(proxies.settle_with(&server))?;
        Ok(observed(
            (&server, proxies.servers()),
            report,
            errors,
            &tracker,
            &seen,
        ))
    }

    /// The blocking twin of [`send`](Self::send): the same request set-up, `Connection: close`
    /// and HTTP/1.0 included.
    fn send_blocking(
        &self,
        client: &reqwest::blocking::Client,
        outgoing: &Outgoing,
        tracker: &ConnectionTracker,
        seen: &Responses,
    ) -> Result<(), String> {
        let request = prepared_request!(self, client, outgoing);
        let mut response = request.send().map_err(|error| with_causes(&error))?;
        seen.record(
            tracker.connection_in(response.extensions_mut()).ok(),
            response.headers(),
        );
        self.consume
            .blocking_response(response)
            .map_err(|error| with_causes(&error))
    }

    fn blocking_client(
        &self,
        tracker: &ConnectionTracker,
        server: &Server,
        proxies: &Proxies,
    ) -> Result<reqwest::blocking::Client, ScenarioError> {
        configured_client!(
            reqwest::blocking::Client::builder(),
            (
                self.client,
                tracker,
                self.client_tls(server),
                proxies.for_client()
            )
        )
    }
}
