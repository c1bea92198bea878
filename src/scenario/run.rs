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
use serde::Serialize;
use tokio::task::JoinSet;

use super::{Method, Runtime, Scenario, Step};
use crate::ledger::Report;
use crate::server::{Server, StartError};

/// What a scenario run observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The server's final report.
    pub report: Report,
    /// Client requests that returned an error.
    pub failed_requests: usize,
}

/// A scenario that could not be run at all (as opposed to one whose counts differ).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The tokio runtime could not be built.
    #[error("cannot build the runtime: {0}")]
    Runtime(std::io::Error),
    /// The counting server did not start.
    #[error(transparent)]
    Server(#[from] StartError),
    /// The reqwest client could not be built.
    #[error("cannot build the client: {0}")]
    Client(reqwest::Error),
    /// The scenario asks for something its runtime cannot do.
    #[error("{0}")]
    Unsupported(&'static str),
    /// Connections were still open long after the client was dropped.
    #[error("connections still open {SETTLE_LIMIT:?} after the client was dropped: {0:?}")]
    StillOpen(Report),
}

/// How long connections may stay open after the client is dropped before the run is called hung.
/// On the paused clock this passes only once nothing else can happen, so a hang shows at once.
const SETTLE_LIMIT: Duration = Duration::from_secs(10);

/// Applies a [`ClientSetup`](super::ClientSetup) to a reqwest builder and builds the client.
/// A macro, not a function: `reqwest::ClientBuilder` and `reqwest::blocking::ClientBuilder` share
/// these method names but no trait.
macro_rules! configured_client {
    ($builder:expr, $setup:expr) => {{
        let setup = $setup;
        let mut builder = $builder.no_proxy();
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

impl Scenario {
    /// Runs the scenario on a runtime of its own and returns what the server counted.
    ///
    /// Blocking: call it from a plain `#[test]` or `main`, not from inside a tokio runtime.
    pub fn run(&self) -> Result<Outcome, ScenarioError> {
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

    async fn run_async(&self) -> Result<Outcome, ScenarioError> {
        let server = self.start_server().await?;
        let url = server.url_for(self.request.path);
        let mut clients = vec![self.async_client()?];
        let mut failed_requests = 0;
        for step in &self.steps {
            let client = clients
                .last()
                .cloned()
                .ok_or(ScenarioError::Unsupported("a scenario needs a client"))?;
            match *step {
                Step::Sequential(n) => {
                    for _ in 0..n {
                        failed_requests += usize::from(!self.send(&client, &url).await);
                    }
                }
                Step::Concurrent(k) => {
                    let mut in_flight = JoinSet::new();
                    for _ in 0..k {
                        let scenario = self.clone();
                        let (client, url) = (client.clone(), url.clone());
                        in_flight.spawn(async move { scenario.send(&client, &url).await });
                    }
                    while let Some(succeeded) = in_flight.join_next().await {
                        failed_requests += usize::from(!succeeded.unwrap_or(false));
                    }
                }
                Step::Pause(duration) => tokio::time::sleep(duration).await,
                Step::NewClient => clients.push(self.async_client()?),
            }
        }
        drop(clients);
        let report = settle(&server).await?;
        Ok(Outcome {
            report,
            failed_requests,
        })
    }

    /// Sends one request and consumes its response; `false` if the client saw an error.
    async fn send(&self, client: &Client, url: &str) -> bool {
        let mut request = match self.request.method {
            Method::Get => client.get(url),
            Method::Head => client.head(url),
            Method::Post => client.post(url).body(vec![b'x'; self.request.body_bytes]),
        };
        if self.request.connection_close {
            request = request.header(CONNECTION, HeaderValue::from_static("close"));
        }
        if self.request.http_1_0 {
            request = request.version(Version::HTTP_10);
        }
        match request.send().await {
            Ok(response) => self.consume.response(response).await.is_ok(),
            Err(_) => false,
        }
    }

    async fn start_server(&self) -> Result<Server, StartError> {
        let mut builder = Server::builder()
            .router(self.server.handler.router(self.server.body_bytes))
            .keep_alive(self.server.keep_alive)
            .connection_close(self.server.connection_close);
        if let Some(timeout) = self.server.idle_timeout {
            builder = builder.header_read_timeout(timeout);
        }
        builder.start().await
    }

    fn async_client(&self) -> Result<Client, ScenarioError> {
        configured_client!(Client::builder(), self.client)
    }

    /// `reqwest::blocking` runs its own runtime on a thread of its own and must not be called from
    /// inside another runtime: the server gets a one-worker runtime, the client the calling thread.
    fn run_blocking(&self) -> Result<Outcome, ScenarioError> {
        let server_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(ScenarioError::Runtime)?;
        let server = server_runtime.block_on(self.start_server())?;
        let url = server.url_for(self.request.path);
        let mut clients = vec![self.blocking_client()?];
        let mut failed_requests = 0;
        for step in &self.steps {
            match *step {
                Step::Sequential(n) => {
                    let client = clients
                        .last()
                        .ok_or(ScenarioError::Unsupported("a scenario needs a client"))?;
                    for _ in 0..n {
                        failed_requests += usize::from(!self.send_blocking(client, &url));
                    }
                }
                Step::NewClient => clients.push(self.blocking_client()?),
                Step::Concurrent(_) | Step::Pause(_) => {
                    return Err(ScenarioError::Unsupported(
                        "blocking scenarios take sequential requests only",
                    ));
                }
            }
        }
        drop(clients);
        let report = server_runtime.block_on(settle(&server))?;
        Ok(Outcome {
            report,
            failed_requests,
        })
    }

    fn send_blocking(&self, client: &reqwest::blocking::Client, url: &str) -> bool {
        let request = match self.request.method {
            Method::Get => client.get(url),
            Method::Head => client.head(url),
            Method::Post => client.post(url).body(vec![b'x'; self.request.body_bytes]),
        };
        match request.send() {
            Ok(response) => self.consume.blocking_response(response).is_ok(),
            Err(_) => false,
        }
    }

    fn blocking_client(&self) -> Result<reqwest::blocking::Client, ScenarioError> {
        configured_client!(reqwest::blocking::Client::builder(), self.client)
    }
}

async fn settle(server: &Server) -> Result<Report, ScenarioError> {
    tokio::time::timeout(SETTLE_LIMIT, server.report_when_closed())
        .await
        .map_err(|_| ScenarioError::StillOpen(server.report()))
}
