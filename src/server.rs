//! The counting server: a builder, `start`, `url`, `report`, `report_when_closed`, `shutdown`.
//!
//! Data flows one way: the accept loop accepts a socket and opens its ledger record; hyper serves
//! the connection; every request is counted on that record and the response names the connection
//! in a header; when hyper is done with the socket the record is closed.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response, header};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tower::Service;

use crate::event::{Event, EventSink};
use crate::ledger::{Connection, ConnectionRecord, Ledger, Report};
use crate::routes;

/// Response header naming the connection that served the response (its [`ConnectionId`]).
///
/// [`ConnectionId`]: crate::ConnectionId
pub const CONNECTION_ID_HEADER: HeaderName = HeaderName::from_static("x-connection-id");

/// Response header giving the request's number on its connection (1 for the first).
pub const REQUEST_NUMBER_HEADER: HeaderName = HeaderName::from_static("x-request-number");

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why the kernel refused.
        source: io::Error,
    },
    /// A listener handed to [`ServerBuilder::listener`] could not be used.
    #[error("cannot use the given listener: {0}")]
    Listener(io::Error),
}

/// Configures a counting server; [`ServerBuilder::start`] binds it and starts serving.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let server = keepalive_probe::Server::builder().body_bytes(64 * 1024).start().await.unwrap();
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// # }
/// ```
#[derive(Debug)]
pub struct ServerBuilder {
    bind: SocketAddr,
    listener: Option<std::net::TcpListener>,
    body_bytes: usize,
    keep_alive: bool,
    connection_close: bool,
    header_read_timeout: Option<Duration>,
    max_connection_details: Option<usize>,
    events: EventSink,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        ServerBuilder {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            listener: None,
            body_bytes: 2,
            keep_alive: true,
            connection_close: false,
            header_read_timeout: None,
            max_connection_details: None,
            events: EventSink::default(),
        }
    }
}

impl ServerBuilder {
    /// Size of the body `GET /` answers with, in bytes (default 2: `ok`).
    ///
    /// Body size decides whether a client can reuse a connection after dropping a response
    /// unread: a body that arrives with the headers is already consumed, a larger one is not.
    pub fn body_bytes(mut self, bytes: usize) -> Self {
        self.body_bytes = bytes;
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

    /// Whether the handler adds `Connection: close` to every response (default `false`).
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
    /// On a kept-alive connection the clock starts when the previous response is written, so
    /// this is also the server's idle timeout — the way a server closes pooled connections
    /// behind a client's back. It runs on tokio's clock, so a test can pause and advance it.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = Some(timeout);
        self
    }

    /// Keeps a full record for at most `n` connections (default: every one), so a server that
    /// accepts millions of connections holds bounded memory.
    ///
    /// A kept record costs about 85 bytes of heap (0.85 MB per 10,000 connections), so the
    /// default suits any test; set a cap for a long-running `serve` or a soak. Whenever a
    /// connection is accepted or closed, the oldest *closed* records beyond `n` are folded into
    /// counters: [`Report`]'s `accepted`, `used`, `requests` and `open` stay exact, while
    /// `requests_per_connection` (and [`Server::connections`]) list only the kept connections, in
    /// accept order — the most recent closed ones, plus every connection still open. An open
    /// record is never folded, as its count can still change, so more than `n` are kept while
    /// more than `n` are open. Once every connection is closed, exactly the last `n` are kept.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use keepalive_probe::Server;
    ///
    /// let server = Server::builder().max_connection_details(1).start().await.unwrap();
    /// for _ in 0..3 {
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
    /// It runs on the server's tasks: keep it short (print a line, send on a channel).
    pub fn on_event(mut self, callback: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        self.events = EventSink::new(callback);
        self
    }

    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<Server, StartError> {
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
        let sweeper = listener.try_clone().map_err(StartError::Listener)?;
        let listener = TcpListener::from_std(listener).map_err(StartError::Listener)?;

        let ledger =
            Arc::new(Ledger::new(self.events).with_detail_limit(self.max_connection_details));
        let shared = Arc::new(Shared {
            ledger: Arc::clone(&ledger),
            http: http_builder(self.keep_alive, self.header_read_timeout),
            router: routes::router(self.body_bytes),
            connection_close: self.connection_close,
            header_read_timeout: self.header_read_timeout,
        });
        let (commands, command_receiver) = mpsc::channel(8);
        let accept_loop = tokio::spawn(accept_loop(listener, sweeper, command_receiver, shared));
        Ok(Server {
            addr,
            ledger,
            commands,
            accept_loop,
        })
    }
}

fn http_builder(
    keep_alive: bool,
    header_read_timeout: Option<Duration>,
) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .keep_alive(keep_alive)
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    builder
}

/// A running counting server. Dropping it stops the server and closes every connection.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    ledger: Arc<Ledger>,
    commands: mpsc::Sender<Command>,
    accept_loop: JoinHandle<()>,
}

/// What the server handle asks of the accept loop.
#[derive(Debug)]
enum Command {
    /// Accept everything queued in the kernel now, then reply.
    AcceptQueued(oneshot::Sender<()>),
    /// Close every connection, then end.
    Stop,
}

impl Server {
    /// A builder, for anything other than the defaults.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Starts a server with the defaults: `127.0.0.1:0`, keep-alive on, a 2-byte body.
    pub async fn start() -> Result<Server, StartError> {
        ServerBuilder::default().start().await
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, with a trailing slash: `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The URL of `path` on this server (`path` without its leading slash is fine too).
    pub fn url_for(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
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

    /// Every connection so far, with peer addresses, in accept order (with
    /// [`max_connection_details`](ServerBuilder::max_connection_details): the kept ones).
    pub fn connections(&self) -> Vec<Connection> {
        self.ledger.connections()
    }

    /// Waits until the report is final, and returns it: every connection the client opened has
    /// been accepted and closed.
    ///
    /// Call it once the client can open nothing more — typically after dropping it, which closes
    /// its pooled connections. It waits on the server's own events (accepts, closes) and asks the
    /// kernel directly for connections still queued for accept, so it never sleeps; it never
    /// returns while a connection is open, so wrap it in [`tokio::time::timeout`] if the client
    /// might keep one.
    pub async fn report_when_closed(&self) -> Report {
        loop {
            self.accept_queued().await;
            self.ledger.all_closed().await;
            self.accept_queued().await;
            if let Some(report) = self.ledger.final_report() {
                return report;
            }
        }
    }

    /// Stops accepting, closes every connection and waits until the port is free.
    pub async fn shutdown(mut self) {
        if self.commands.send(Command::Stop).await.is_ok() {
            // The accept loop owns the listener and every connection task: once it has ended,
            // every socket is closed. It cannot fail but by panicking, which would be ours to see.
            if let Err(error) = (&mut self.accept_loop).await {
                if error.is_panic() {
                    std::panic::resume_unwind(error.into_panic());
                }
            }
        }
    }

    /// Accepts every connection the kernel has completed but the accept loop has not yet picked
    /// up, and returns once they are in the ledger.
    async fn accept_queued(&self) {
        let (done, accepted) = oneshot::channel();
        if self
            .commands
            .send(Command::AcceptQueued(done))
            .await
            .is_ok()
        {
            // An error means the accept loop is gone: nothing more can be accepted.
            let _ = accepted.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// What every connection task needs.
struct Shared {
    ledger: Arc<Ledger>,
    http: auto::Builder<TokioExecutor>,
    router: Router,
    connection_close: bool,
    header_read_timeout: Option<Duration>,
}

async fn accept_loop(
    listener: TcpListener,
    sweeper: std::net::TcpListener,
    mut commands: mpsc::Receiver<Command>,
    shared: Arc<Shared>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            command = commands.recv() => match command {
                Some(Command::AcceptQueued(done)) => {
                    accept_queued(&sweeper, &mut connections, &shared);
                    let _ = done.send(());
                }
                Some(Command::Stop) | None => {
                    connections.shutdown().await;
                    return;
                }
            },
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => serve(&mut connections, &shared, stream, peer),
                Err(error) => back_off_after(error).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Accepts, with direct system calls, every connection waiting in the kernel's queue.
///
/// The tokio listener learns of new connections from epoll, which lags the queue: a connection
/// the client has completed may not be ready for `listener.accept()` yet. A direct `accept` on a
/// clone of the listening socket sees the queue as it is.
fn accept_queued(
    sweeper: &std::net::TcpListener,
    connections: &mut JoinSet<()>,
    shared: &Arc<Shared>,
) {
    while let Ok((stream, peer)) = sweeper.accept() {
        if let Ok(stream) = stream
            .set_nonblocking(true)
            .and_then(|()| TcpStream::from_std(stream))
        {
            serve(connections, shared, stream, peer);
        }
    }
}

/// Per-connection accept errors (the peer gave up) need nothing; running out of file descriptors
/// or memory does: retrying at once would spin until a connection closes.
async fn back_off_after(error: io::Error) {
    if !matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    ) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn serve(connections: &mut JoinSet<()>, shared: &Arc<Shared>, stream: TcpStream, peer: SocketAddr) {
    // Small responses must not wait for Nagle's algorithm; the counts do not depend on it.
    let _ = stream.set_nodelay(true);
    let record = shared.ledger.open(peer);
    let shared = Arc::clone(shared);
    connections.spawn(async move {
        let _closed = CloseOnDrop {
            ledger: Arc::clone(&shared.ledger),
            record: Arc::clone(&record),
        };
        if !first_bytes_within(&stream, shared.header_read_timeout).await {
            return;
        }
        let service = CountingService {
            shared: Arc::clone(&shared),
            record,
        };
        // A client's broken bytes end its own connection, never the server: the error is the
        // client's, and the ledger already holds what the connection did.
        let _ = shared
            .http
            .serve_connection(TokioIo::new(stream), service)
            .await;
    });
}

/// Whether the client sent something (or closed) within the header read timeout.
///
/// hyper-util reads a connection's first bytes to tell HTTP/1 from HTTP/2 before hyper's header
/// timer starts, and that read has no timeout: without this wait, a socket that never sends a
/// byte would stay open forever despite [`ServerBuilder::header_read_timeout`].
async fn first_bytes_within(stream: &TcpStream, timeout: Option<Duration>) -> bool {
    match timeout {
        Some(timeout) => tokio::time::timeout(timeout, stream.readable())
            .await
            .is_ok(),
        None => true,
    }
}

/// Closes the ledger record however the connection task ends, aborted by shutdown included.
struct CloseOnDrop {
    ledger: Arc<Ledger>,
    record: Arc<ConnectionRecord>,
}

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.ledger.close(&self.record);
    }
}

/// The per-connection service: counts the request, lets axum answer it, names the connection.
#[derive(Clone)]
struct CountingService {
    shared: Arc<Shared>,
    record: Arc<ConnectionRecord>,
}

impl hyper::service::Service<Request<Incoming>> for CountingService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let number = self.shared.ledger.count_request(
            &self.record,
            request.method().as_str(),
            request.uri().path(),
        );
        let id = self.record.id();
        let connection_close = self.shared.connection_close;
        let mut router = self.shared.router.clone();
        Box::pin(async move {
            let mut response = router.call(request).await?;
            let headers = response.headers_mut();
            headers.insert(CONNECTION_ID_HEADER, HeaderValue::from(id.get()));
            headers.insert(REQUEST_NUMBER_HEADER, HeaderValue::from(number));
            if connection_close {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            Ok(response)
        })
    }
}
