//! The counting server, split along the data flow:
//!
//! - [`builder`]: configuration, and `start`, which binds and spawns the accept loop;
//! - [`accept`]: the accept loop, which opens a ledger record for every socket (and sweeps the
//!   kernel's queue on demand, as epoll lags it);
//! - [`connection`]: one connection's task: the first-request deadline, hyper, and closing the
//!   record however the task ends;
//! - [`http`]: hyper's HTTP/1 server, or the auto-detecting HTTP/1 and HTTP/2 one;
//! - [`service`]: one request: count it on its connection's record, call the router, and name
//!   the connection in the response.
//!
//! This file is the handle a test holds: URLs, reports, waiting, shutdown.

mod accept;
mod bodies;
mod builder;
#[cfg(feature = "tls")]
mod certificate;
mod chunked;
mod command;
mod connection;
mod credentials;
mod ending;
mod faults;
mod framing;
#[cfg(feature = "http2")]
mod h2_frames;
#[cfg(feature = "http2")]
mod h2_watch;
mod hello;
mod http;
mod proxy;
mod pump;
mod relay;
mod roles;
mod service;
mod shared;
mod start_error;
#[cfg(feature = "tls")]
mod tls;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderName;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::ledger::Ledger;
use crate::panics::Panics;
use crate::report::{AcceptedConnection, ConnectionId, ReceivedRequest, Report, Snapshot};

pub use builder::{ServerBuilder, StartError};
#[cfg(feature = "scenarios")]
pub(crate) use tls::ring_provider;
#[cfg(feature = "tls")]
pub use tls::{CaCertificate, TlsSettings, TlsSetupError};

/// Response header naming the connection that served the response (its [`ConnectionId`]).
///
/// [`ConnectionId`]: crate::ConnectionId
pub const CONNECTION_ID_HEADER: HeaderName = HeaderName::from_static("x-connection-id");

/// Response header giving the request's number on its connection (1 for the first).
pub const REQUEST_NUMBER_HEADER: HeaderName = HeaderName::from_static("x-request-number");

/// Request header a client may send to name a request: the ledger keeps it
/// ([`ReceivedRequest::request_id`]), and a request with the id of an earlier unanswered one is
/// counted as sent again ([`Report::resent`]).
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The connection that served a response, from the counting server's `x-connection-id` header
/// (`None` from another server, or a response whose header is not a connection id).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use keepalive_probe::{Server, connection_id};
///
/// let server = Server::start().await.unwrap();
/// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
/// let response = reqwest::get(server.url()).await.unwrap();
/// assert_eq!(connection_id(response.headers()).map(|id| id.get()), Some(1));
/// # }
/// ```
pub fn connection_id(headers: &axum::http::HeaderMap) -> Option<ConnectionId> {
    headers
        .get(CONNECTION_ID_HEADER)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// A running counting server. Dropping it stops the server and closes every connection.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    /// The certificate authority clients trust, on an HTTPS server.
    #[cfg(feature = "tls")]
    ca: Option<CaCertificate>,
    ledger: Arc<Ledger>,
    /// Panics caught in the user's callback and handlers, reported by the waits, `shutdown` and
    /// drop.
    panics: Arc<Panics>,
    commands: mpsc::Sender<command::Command>,
    accept_loop: JoinHandle<()>,
}

impl Server {
    /// A builder, for anything other than the defaults.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Starts a server with the defaults: `127.0.0.1:0`, keep-alive on, the built-in routes with
    /// a 2-byte body.
    pub async fn start() -> Result<Server, StartError> {
        ServerBuilder::default().start().await
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, with a trailing slash: `http://127.0.0.1:PORT/`, or on an HTTPS server
    /// `https://localhost:PORT/` (the name its certificate is for; `127.0.0.1` is in it too).
    pub fn url(&self) -> String {
        self.url_for("/")
    }

    /// The URL of `path` on this server (`path` without its leading slash is fine too).
    pub fn url_for(&self, path: &str) -> String {
        let path = path.trim_start_matches('/');
        #[cfg(feature = "tls")]
        if self.ca.is_some() {
            return format!("https://localhost:{}/{path}", self.addr.port());
        }
        format!("http://{}/{path}", self.addr)
    }

    /// The certificate authority an HTTPS server's certificate chains to: what a client trusts
    /// (`reqwest::Certificate::from_der(ca.der())`). `None` on plain HTTP.
    #[cfg(feature = "tls")]
    pub fn ca_certificate(&self) -> Option<&CaCertificate> {
        self.ca.as_ref()
    }

    /// The ledger as it is now.
    ///
    /// Every request a client has received a response to is already counted (the count is taken
    /// before the response is written), and so is the connection it came on. Connections the client
    /// has opened but the server has not accepted yet, and closes not yet observed, are not: for
    /// those, use [`report_when_closed`](Self::report_when_closed).
    pub fn report(&self) -> Report {
        self.ledger.report()
    }

    /// Every connection so far, with peer addresses and times, in accept order (with
    /// [`max_connection_details`](ServerBuilder::max_connection_details): the kept ones).
    pub fn connections(&self) -> Vec<AcceptedConnection> {
        self.ledger.snapshot().connections
    }

    /// Every request so far, in the order the server received them: the connection that carried
    /// each, its number there, its method and its path with the query string.
    ///
    /// "Requests 2 and 3 shared a connection" is one comparison:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use keepalive_probe::Server;
    ///
    /// let server = Server::start().await.unwrap();
    /// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
    /// let client = reqwest::Client::builder().no_proxy().build().unwrap();
    /// for page in 1..=3 {
    ///     let url = server.url_for(&format!("/?page={page}"));
    ///     client.get(url).send().await.unwrap().bytes().await.unwrap();
    /// }
    /// let log: Vec<(u64, String)> = server
    ///     .requests()
    ///     .into_iter()
    ///     .map(|r| (r.connection.get(), r.path))
    ///     .collect();
    /// assert_eq!(log, [(1, "/?page=1".into()), (1, "/?page=2".into()), (1, "/?page=3".into())]);
    /// # }
    /// ```
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.ledger.snapshot().requests
    }

    /// The report, the connections and the request log, read at one instant so they agree.
    pub fn snapshot(&self) -> Snapshot {
        self.ledger.snapshot()
    }

    /// The ledger as a self-contained SVG timeline (see [`timeline`](crate::timeline)): a
    /// failing test's picture.
    pub fn timeline_svg(&self, title: &str) -> String {
        crate::timeline::svg(title, &self.ledger.snapshot())
    }

    /// Waits until the report is final, and returns it: every connection the client opened has
    /// been accepted and closed.
    ///
    /// Call it once the client can open nothing more — typically after dropping it, which closes
    /// its pooled connections. It waits on the server's own events (accepts, closes) and asks the
    /// kernel directly for connections still queued for accept, so it never sleeps. It never
    /// returns while a connection is open: if the client might keep one, use
    /// [`report_within`](Self::report_within).
    pub async fn report_when_closed(&self) -> Report {
        self.snapshot_when_closed().await.report
    }

    /// [`report_when_closed`](Self::report_when_closed), with the connections and the request log
    /// of the same instant: how each connection ended, for
    /// [`Snapshot::check_no_leak`], and the request log.
    pub async fn snapshot_when_closed(&self) -> Snapshot {
        loop {
            self.panics.resume();
            self.sweep_kernel_queue().await;
            self.ledger.all_closed().await;
            self.sweep_kernel_queue().await;
            if let Some(snapshot) = self.ledger.final_snapshot() {
                self.panics.resume();
                return snapshot;
            }
        }
    }

    /// [`report_when_closed`](Self::report_when_closed) with a deadline: the final report, or,
    /// once `limit` has passed on tokio's clock, an error naming the connections still open.
    ///
    /// On a paused clock the limit passes as soon as nothing else can happen, so a test that
    /// forgot to drop its client fails at once instead of hanging:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// use std::time::Duration;
    /// use keepalive_probe::Server;
    ///
    /// let server = Server::start().await.unwrap();
    /// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
    /// let client = reqwest::Client::builder().no_proxy().build().unwrap();
    /// client.get(server.url()).send().await.unwrap().bytes().await.unwrap();
    /// let still_open = server.report_within(Duration::from_secs(5)).await.unwrap_err();
    /// assert_eq!(still_open.connections.len(), 1);
    /// drop(client);
    /// assert_eq!(server.report_within(Duration::from_secs(5)).await.unwrap().ended.open, 0);
    /// # }
    /// ```
    pub async fn report_within(&self, limit: Duration) -> Result<Report, StillOpen> {
        self.snapshot_within(limit)
            .await
            .map(|snapshot| snapshot.report)
    }

    /// [`snapshot_when_closed`](Self::snapshot_when_closed) with a deadline, as
    /// [`report_within`](Self::report_within): the guard's wait on a multi-thread runtime, where
    /// the clock cannot be paused.
    pub async fn snapshot_within(&self, limit: Duration) -> Result<Snapshot, StillOpen> {
        match tokio::time::timeout(limit, self.snapshot_when_closed()).await {
            Ok(snapshot) => Ok(snapshot),
            Err(_) => {
                self.panics.resume();
                let snapshot = self.ledger.snapshot();
                Err(StillOpen {
                    limit,
                    connections: snapshot
                        .connections
                        .into_iter()
                        .filter(|c| !c.closed)
                        .collect(),
                    report: snapshot.report,
                })
            }
        }
    }

    /// Stops accepting, closes every connection and waits until the port is free. Panics with
    /// the message of a panic caught in the user's callback or handlers, as the waits do.
    pub async fn shutdown(mut self) {
        self.panics.resume();
        if self.commands.send(command::Command::Stop).await.is_ok() {
            // The accept loop owns the listener and every connection task: once it has ended,
            // every socket is closed. It cannot fail but by panicking, which would be ours to see.
            if let Err(error) = (&mut self.accept_loop).await {
                if error.is_panic() {
                    std::panic::resume_unwind(error.into_panic());
                }
            }
        }
    }

    /// Restarts the server on the same port: every connection is dropped (closed by the server,
    /// those still queued in the kernel first taken onto the books), and the listener is bound
    /// again. The ledger goes on: the next connection takes the next id. A client's pooled
    /// connections are now dead, which is what a deploy does to them.
    pub async fn restart(&self) {
        let (done, restarted) = oneshot::channel();
        if self
            .commands
            .send(command::Command::Restart(None, Some(done)))
            .await
            .is_ok()
        {
            let _ = restarted.await;
        }
        self.panics.resume();
    }

    /// Has the accept loop take every connection the kernel has completed but epoll has not yet
    /// reported, and returns once they are in the ledger.
    async fn sweep_kernel_queue(&self) {
        let (done, swept) = oneshot::channel();
        if self
            .commands
            .send(command::Command::SweepKernelQueue(done))
            .await
            .is_ok()
        {
            // An error means the accept loop is gone: nothing more can be accepted.
            let _ = swept.await;
        }
    }
}

impl Drop for Server {
    /// Stops the server; a panic caught in the user's callback or handlers and not yet reported
    /// fails the test here, unless the thread is already unwinding.
    fn drop(&mut self) {
        self.accept_loop.abort();
        if !std::thread::panicking() {
            self.panics.resume();
        }
    }
}

/// [`Server::report_within`] ran out of time with connections still open.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StillOpen {
    /// The limit that passed.
    pub limit: Duration,
    /// The connections still open, in accept order.
    pub connections: Vec<AcceptedConnection>,
    /// The report at the limit (its `ended.open` counts them).
    pub report: Report,
}

impl fmt::Display for StillOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} connection(s) still open after {:?}:",
            self.connections.len(),
            self.limit
        )?;
        for connection in &self.connections {
            write!(
                f,
                " connection {} from {} ({} request(s));",
                connection.id, connection.peer, connection.requests
            )?;
        }
        write!(
            f,
            " the usual cause is a client (or a clone of it) still alive, holding them in its \
             pool: drop it before waiting"
        )
    }
}

impl std::error::Error for StillOpen {}
