//! Configuration, and `start`: bind (before anything is spawned, so no readiness polling), then
//! hand the listener to the accept loop.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::Server;
use super::accept::AcceptLoop;
use super::http;
use super::shared::{Role, Shared};
pub use super::start_error::StartError;
use crate::event::{Event, EventSink};
use crate::fault::Fault;
use crate::ledger::Ledger;
use crate::panics::Panics;
use crate::routes;

/// Configures a counting server; [`ServerBuilder::start`] binds it and starts serving.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let server = keepalive_probe::Server::builder().body_bytes(64 * 1024).start().await.unwrap();
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// # }
/// ```
#[derive(Debug)]
#[must_use]
pub struct ServerBuilder {
    bind: SocketAddr,
    listener: Option<std::net::TcpListener>,
    body_bytes: usize,
    router: Option<Router>,
    pub(super) keep_alive: bool,
    connection_close: bool,
    pub(super) header_read_timeout: Option<Duration>,
    max_connection_details: Option<usize>,
    events: EventSink,
    faults: Vec<Fault>,
    /// What it does with the connections it accepts ([`roles`](super::roles)).
    pub(super) role: Role,
    #[cfg(feature = "tls")]
    tls: Option<super::tls::TlsSettings>,
    /// HTTP/2's `SETTINGS_MAX_CONCURRENT_STREAMS` (hyper's default, 200, when `None`).
    #[cfg(feature = "http2")]
    pub(super) h2_max_streams: Option<u32>,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        ServerBuilder {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            listener: None,
            body_bytes: 2,
            router: None,
            keep_alive: true,
            connection_close: false,
            header_read_timeout: None,
            max_connection_details: None,
            events: EventSink::default(),
            faults: Vec::new(),
            role: Role::Origin,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "http2")]
            h2_max_streams: None,
        }
    }
}

impl ServerBuilder {
    /// Size of the body the built-in routes answer with, in bytes (default 2: `ok`); see
    /// [`routes`](crate::routes). Ignored when [`router`](Self::router) replaces them.
    ///
    /// Body size decides whether a client can reuse a connection after dropping a response
    /// unread: a body that arrives with the headers is already consumed, a larger one is not.
    pub fn body_bytes(mut self, bytes: usize) -> Self {
        self.body_bytes = bytes;
        self
    }

    /// Serves `router` instead of the built-in routes: the user's own handlers, counted exactly as
    /// the built-in ones are — same ledger, same connection ids, same `x-connection-id` and
    /// `x-request-number` headers. Apply its state first (`Router::with_state`). To keep the
    /// built-in routes as well, merge them in: `keepalive_probe::routes(2).merge(router)`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use axum::{Json, Router, routing::get};
    /// use keepalive_probe::{Report, Server};
    ///
    /// let api = Router::new().route("/user", get(|| async { Json([1, 2, 3]) }));
    /// let server = Server::builder().router(api).start().await.unwrap();
    /// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
    /// let client = reqwest::Client::builder().no_proxy().build().unwrap();
    /// for _ in 0..2 {
    ///     let body = client.get(server.url_for("/user")).send().await.unwrap().text().await.unwrap();
    ///     assert_eq!(body, "[1,2,3]");
    /// }
    /// drop(client);
    /// assert_eq!(server.report_when_closed().await, Report::closed([2]));
    /// # }
    /// ```
    pub fn router(mut self, router: Router) -> Self {
        self.router = Some(router);
        self
    }

    /// Whether the server keeps HTTP/1.1 connections open between requests (default `true`).
    ///
    /// With `false` the server answers every request with `Connection: close` and closes the
    /// socket after the response, as Go's `Server.SetKeepAlivesEnabled(false)` does.
    pub fn keep_alive(mut self, enabled: bool) -> Self {
        self.keep_alive = enabled;
        self
    }

    /// Whether every response gets `Connection: close` (default `false`).
    ///
    /// Unlike [`keep_alive(false)`](Self::keep_alive), this is the application asking for the
    /// close, as a proxy or a misconfigured handler does; hyper honours it and closes the socket.
    pub fn connection_close(mut self, enabled: bool) -> Self {
        self.connection_close = enabled;
        self
    }

    /// Closes a connection that has not sent a complete request head within `timeout` of becoming
    /// ready for one (default: never).
    ///
    /// A fresh connection is ready when it is accepted: it is closed `timeout` after the accept
    /// unless its first request head is complete by then, however its bytes trickle in. On a
    /// kept-alive connection the clock starts when the previous response is written, so this is
    /// also the server's idle timeout — the way a server closes pooled connections behind a
    /// client's back. It runs on tokio's clock, so a test can pause and advance it.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = Some(timeout);
        self
    }

    /// Keeps a full record for at most `n` connections (default: every one), so a server that
    /// accepts millions of connections holds bounded memory.
    ///
    /// A kept record costs about 150 bytes of heap plus about 60 per request in its log, so the
    /// default suits any test; set a cap for a long-running `serve` or a soak. Whenever a
    /// connection is accepted or closed, the oldest *closed* records beyond `n` are folded into
    /// counters: [`Report`](crate::Report)'s `accepted`, `used`, `requests` and `open` stay exact,
    /// while `requests_per_connection`, [`Server::connections`] and [`Server::requests`] list only
    /// the kept connections, in accept order — the most recent closed ones, plus every connection
    /// still open. An open record is never folded, as its count can still change, so more than
    /// `n` are kept while more than `n` are open. Once every connection is closed, exactly the
    /// last `n` are kept.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use keepalive_probe::Server;
    ///
    /// let server = Server::builder().max_connection_details(1).start().await.unwrap();
    /// for _ in 0..3 {
    ///     # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
    ///     reqwest::Client::new().get(server.url()).send().await.unwrap();
    /// }
    /// let report = server.report_when_closed().await;
    /// assert_eq!((report.accepted, report.requests), (3, 3));
    /// assert_eq!(report.requests_per_connection, [1]);
    /// # }
    /// ```
    pub fn max_connection_details(mut self, n: usize) -> Self {
        self.max_connection_details = Some(n);
        self
    }

    /// Listens on `addr` instead of `127.0.0.1:0`.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Serves on a listener the caller already bound (it is switched to non-blocking mode).
    pub fn listener(mut self, listener: std::net::TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Calls `callback` for every accept, request and close, in the order the server sees them.
    ///
    /// It runs on the server's tasks: keep it short (print a line, send on a channel). A panic
    /// in it is caught, so the server goes on counting, and the next wait for the report (or
    /// [`Server::shutdown`], or dropping the server) panics with its message.
    pub fn on_event(mut self, callback: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        self.events = EventSink::new(callback);
        self
    }

    /// Adds a fault every connection applies ([`Fault`]); several combine. Each is deterministic:
    /// tied to a connection's k-th exchange, or to a timer on tokio's clock, which a test pauses.
    ///
    /// A server with a fault reads each request body whole before it is dropped unanswered, so a
    /// close is a FIN when it says FIN, and the request's digest (what tells a re-sent request)
    /// covers its body.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use keepalive_probe::{CloseBy, Ending, Fault, Report, Server};
    ///
    /// // The second request on each connection is read, then the connection is reset.
    /// let server = Server::builder()
    ///     .fault(Fault::close_on_request(2, CloseBy::Rst))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
    /// let client = reqwest::Client::builder().no_proxy().build().unwrap();
    /// client.get(server.url()).send().await.unwrap().bytes().await.unwrap();
    /// let error = client.get(server.url()).send().await.unwrap_err();
    /// assert!(error.is_request(), "{error}");
    /// drop(client);
    /// let expected = Report::closed([2]).ended_by(Ending::ServerClosed).with_unanswered(1, 0);
    /// assert_eq!(server.report_when_closed().await, expected);
    /// # }
    /// ```
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Lets an HTTP/2 client have at most `k` streams open at once on a connection (feature
    /// `http2`): the server's `SETTINGS_MAX_CONCURRENT_STREAMS` (hyper's default is 200). A
    /// client that opens more before it has read the limit has the extra streams refused
    /// (`REFUSED_STREAM`); one that has read it queues them, or opens another connection. Each
    /// connection's [`Http2Seen`](crate::Http2Seen) says which. A limit of 0 refuses every
    /// stream.
    #[cfg(feature = "http2")]
    pub fn h2_max_streams(mut self, k: u32) -> Self {
        self.h2_max_streams = Some(k);
        self
    }

    /// Serves HTTPS (feature `tls`): a certificate authority and a certificate for `localhost`
    /// and `127.0.0.1` are made at start, and every connection's handshake — full, resumed or
    /// failed, its version and ALPN — goes on its record. [`Server::url`] becomes
    /// `https://localhost:PORT/`; clients trust [`Server::ca_certificate`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use keepalive_probe::{Handshakes, Report, Server, TlsSettings};
    ///
    /// let server = Server::builder().tls(TlsSettings::new()).start().await.unwrap();
    /// assert!(server.url().starts_with("https://localhost:"));
    /// let ca = server.ca_certificate().expect("an HTTPS server has one");
    /// assert!(ca.pem().starts_with("-----BEGIN CERTIFICATE-----"));
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(mut self, settings: super::tls::TlsSettings) -> Self {
        self.tls = Some(settings);
        self
    }

    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<Server, StartError> {
        let http = http::builder(&self);
        let listener = match self.listener {
            Some(listener) => listener,
            None => std::net::TcpListener::bind(self.bind).map_err(|source| StartError::Bind {
                addr: self.bind,
                source,
            })?,
        };
        listener
            .set_nonblocking(true)
            .map_err(StartError::Listener)?;
        let addr = listener.local_addr().map_err(StartError::Listener)?;
        let kernel_queue = listener.try_clone().map_err(StartError::Listener)?;
        let listener = TcpListener::from_std(listener).map_err(StartError::Listener)?;

        // A relay and a proxy serve no TLS of their own.
        #[cfg(feature = "tls")]
        let tls = self
            .tls
            .filter(|_| matches!(self.role, Role::Origin))
            .map(super::tls::Tls::new)
            .transpose()
            .map_err(StartError::Tls)?;
        #[cfg(feature = "tls")]
        let ca = tls.as_ref().map(|tls| tls.ca().clone());
        let ledger = Arc::new(Ledger::new(self.max_connection_details));
        let (commands, command_receiver) = mpsc::channel(8);
        let panics = Arc::new(Panics::default());
        let shared = Arc::new(Shared {
            ledger: Arc::clone(&ledger),
            events: self.events,
            panics: Arc::clone(&panics),
            http,
            router: self
                .router
                .unwrap_or_else(|| routes::routes(self.body_bytes)),
            connection_close: self.connection_close,
            header_read_timeout: self.header_read_timeout,
            #[cfg(feature = "tls")]
            tls,
            faults: self.faults,
            requests_received: AtomicUsize::new(0),
            commands: commands.clone(),
            role: self.role,
        });
        let accept_loop = AcceptLoop {
            listener,
            kernel_queue,
            commands: command_receiver,
            shared,
        };
        Ok(Server {
            addr,
            #[cfg(feature = "tls")]
            ca,
            ledger,
            panics,
            commands,
            accept_loop: tokio::spawn(accept_loop.run()),
        })
    }
}
