//! The blocking runner: `reqwest::blocking` on the calling thread, the server on a runtime of
//! its own.

use reqwest::Version;
use reqwest::header::{CONNECTION, HeaderValue};

use super::run::{
    ClientTls, Observed, Outcome, Responses, ScenarioError, configured_client, prepared_request,
    settle,
};
use super::{Method, Scenario, Step};
use crate::server::Server;
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
        let urls = self.urls(&server);
        let tracker = ConnectionTracker::new();
        let seen = Responses::default();
        let mut clients = vec![self.blocking_client(&tracker, &server)?];
        let mut failed_requests = 0;
        let mut sent = 0;
        for step in &self.steps {
            match *step {
                Step::Sequential(n) => {
                    let client = clients
                        .last()
                        .ok_or(ScenarioError::Unsupported("a scenario needs a client"))?;
                    for _ in 0..n {
                        let url = &urls[sent % urls.len()];
                        sent += 1;
                        let succeeded = self.send_blocking(client, url, &tracker, &seen);
                        failed_requests += usize::from(!succeeded);
                    }
                }
                Step::NewClient => clients.push(self.blocking_client(&tracker, &server)?),
                Step::CloneClient => {
                    let clone = clients
                        .last()
                        .cloned()
                        .ok_or(ScenarioError::Unsupported("a scenario needs a client"))?;
                    clients.push(clone);
                }
                Step::Concurrent(_) | Step::Pause(_) => {
                    return Err(ScenarioError::Unsupported(
                        "blocking scenarios take sequential requests only",
                    ));
                }
            }
        }
        drop(clients);
        let report = server_runtime.block_on(settle(&server))?;
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

    /// The blocking twin of [`send`](Self::send): the same request set-up, `Connection: close`
    /// and HTTP/1.0 included.
    fn send_blocking(
        &self,
        client: &reqwest::blocking::Client,
        url: &str,
        tracker: &ConnectionTracker,
        seen: &Responses,
    ) -> bool {
        let request = prepared_request!(self, client, url);
        match request.send() {
            Ok(mut response) => {
                seen.record(
                    tracker.connection_in(response.extensions_mut()).ok(),
                    response.headers(),
                );
                self.consume.blocking_response(response).is_ok()
            }
            Err(_) => false,
        }
    }

    fn blocking_client(
        &self,
        tracker: &ConnectionTracker,
        server: &Server,
    ) -> Result<reqwest::blocking::Client, ScenarioError> {
        configured_client!(
            reqwest::blocking::Client::builder(),
            (self.client, tracker, self.client_tls(server))
        )
    }
}
