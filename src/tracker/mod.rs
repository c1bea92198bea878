//! The client's view: which connections a reqwest client opened, and which one served each
//! response — against any server, ours or not.
//!
//! reqwest 0.13's `ClientBuilder::connector_layer` wraps the service that opens connections, so a
//! [`TrackerLayer`] sees every TCP connection the client opens, speculative ones included (a
//! connect hyper-util starts while a pooled connection may still come back is a real connection).
//! When the connect completes, the connection's `Connected` metadata carries hyper-util's
//! `HttpInfo`: its local and remote address. hyper-util copies the same `HttpInfo` into the
//! extensions of every response the connection serves, so [`ConnectionTracker::connection_of`]
//! finds the connection that served a response by its address pair.
//!
//! # Identity when the kernel reuses a port
//!
//! An address pair (local address and port, remote address and port) is unique only among
//! connections that exist at the same time: once a connection is gone, the kernel may give its
//! local port to a later connection to the same server. The tracker gives every connect its own
//! [`TrackedId`], in connect order, and resolves a response's address pair to the *most recent*
//! connection with that pair. That is exact for a response looked up while its connection is
//! alive, or closed but not yet replaced: the kernel hands out a pair again only after the
//! connection that held it is closed, and a new connect on it is then the one serving new
//! responses. Look a response up when you receive it, as the guards here do; a response kept
//! aside while later connects reuse its pair would be attributed to the newer connection.
//!
//! # What the client view cannot see
//!
//! A close: reqwest gives a layer nothing to observe when a pooled connection is dropped, so the
//! tracker knows connections opened, not closed. A socket the server accepted that carried
//! nothing is visible to both views (the tracker counts it as a connect with no response).

mod layer;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hyper_util::client::legacy::connect::HttpInfo;
use serde::Serialize;
use tokio::time::Instant;

pub use layer::{TrackerLayer, TrackerService};

/// The tracker's name for one connection the client opened, in connect order starting at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TrackedId(u64);

impl TrackedId {
    /// The id as a number (1 for the first connection opened).
    pub fn get(self) -> u64 {
        self.0
    }
}

/// One connection the client opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TrackedConnection {
    /// Connect order, starting at 1.
    pub id: TrackedId,
    /// The client's end: its address and ephemeral port.
    pub local: SocketAddr,
    /// The server's end.
    pub remote: SocketAddr,
    /// When the connect completed, on tokio's clock, since the tracker was made.
    #[serde(serialize_with = "serialize_micros")]
    pub connected_at: Duration,
}

fn serialize_micros<S: serde::Serializer>(at: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u128(at.as_micros())
}

/// Which connection served a response, and whether it had served one before — Go's
/// `httptrace.GotConnInfo.Reused`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ServedBy {
    /// The connection.
    pub connection: TrackedId,
    /// Whether an earlier response looked up through the tracker came on the same connection.
    pub reused: bool,
}

/// What a client-side test asserts: connections opened, and how the looked-up responses used them.
///
/// Plain data, compared whole, like the server's [`Report`](crate::Report).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClientReport {
    /// TCP connections the client opened.
    pub connections_opened: usize,
    /// Responses looked up through [`ConnectionTracker::connection_of`] (or `connection_in`),
    /// per connection, in connect order (0 for a connection that served none of them). Only
    /// responses the test looked up count: behind a wrapper that never hands the test its
    /// `Response`, every entry is 0, and `connections_opened` is the count to assert.
    pub responses_per_connection: Vec<usize>,
}

impl ClientReport {
    /// The report of connections that served these responses, in connect order.
    ///
    /// ```
    /// use keepalive_probe::ClientReport;
    ///
    /// assert_eq!(ClientReport::of([3, 0]).connections_opened, 2);
    /// ```
    pub fn of(responses_per_connection: impl Into<Vec<usize>>) -> ClientReport {
        let responses_per_connection = responses_per_connection.into();
        ClientReport {
            connections_opened: responses_per_connection.len(),
            responses_per_connection,
        }
    }
}

/// A response the tracker cannot place.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UntrackedResponse {
    /// The response carries no connection addresses: it did not come through hyper-util's
    /// HTTP connector.
    NoConnectionInfo,
    /// No connection the tracker saw has this address pair: the client was built without
    /// [`ConnectionTracker::layer`], or with another tracker's.
    NotTracked {
        /// The response's local address.
        local: SocketAddr,
        /// The response's remote address.
        remote: SocketAddr,
    },
}

impl std::fmt::Display for UntrackedResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UntrackedResponse::NoConnectionInfo => {
                f.write_str("the response carries no connection info (HttpInfo)")
            }
            UntrackedResponse::NotTracked { local, remote } => write!(
                f,
                "no tracked connection from {local} to {remote}: is the tracker's layer installed?"
            ),
        }
    }
}

impl std::error::Error for UntrackedResponse {}

/// Records every connection a reqwest client opens and tells which one served a response.
///
/// A connection is recorded when reqwest's connector hands it to the pool: over HTTPS, after its
/// TLS handshake. A socket whose handshake failed is accepted (and counted, as a failed
/// handshake) by the server, but the tracker never sees it.
///
/// Cheap to clone: clones share one record. Install [`layer`](Self::layer) on the client's
/// builder, then look up each response as it arrives:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use keepalive_probe::{ClientReport, ConnectionTracker, Server};
///
/// let server = Server::start().await.unwrap();
/// let tracker = ConnectionTracker::new();
/// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
/// let client = reqwest::Client::builder()
///     .no_proxy()
///     .connector_layer(tracker.layer())
///     .build()
///     .unwrap();
/// for expected_reuse in [false, true, true] {
///     let mut response = client.get(server.url()).send().await.unwrap();
///     let served = tracker.connection_of(&mut response).unwrap();
///     assert_eq!((served.connection.get(), served.reused), (1, expected_reuse));
///     response.bytes().await.unwrap();
/// }
/// assert_eq!(tracker.report(), ClientReport::of([3]));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ConnectionTracker {
    /// This tracker's number in the process, unlike its state's address never given to another
    /// (see [`Answered`]).
    identity: u64,
    state: Arc<Mutex<TrackerState>>,
}

#[derive(Debug)]
struct TrackerState {
    started: Instant,
    connections: Vec<TrackedConnection>,
    /// The most recent connection on each address pair (see the module docs on port reuse).
    latest: HashMap<(SocketAddr, SocketAddr), TrackedId>,
    /// Responses looked up, per connection, indexed by id - 1.
    responses: Vec<usize>,
}

impl Default for ConnectionTracker {
    fn default() -> Self {
        ConnectionTracker::new()
    }
}

impl ConnectionTracker {
    /// A tracker that has seen nothing yet; its clock starts now.
    pub fn new() -> Self {
        static TRACKERS: AtomicU64 = AtomicU64::new(0);
        ConnectionTracker {
            identity: TRACKERS.fetch_add(1, Ordering::Relaxed),
            state: Arc::new(Mutex::new(TrackerState {
                started: Instant::now(),
                connections: Vec::new(),
                latest: HashMap::new(),
                responses: Vec::new(),
            })),
        }
    }

    /// The layer to give `reqwest::ClientBuilder::connector_layer` (or the blocking builder's):
    /// it records every connection the client opens.
    pub fn layer(&self) -> TrackerLayer {
        TrackerLayer::new(self.clone())
    }

    /// How many TCP connections the client has opened.
    pub fn connections_opened(&self) -> usize {
        self.lock().connections.len()
    }

    /// Every connection the client has opened, in connect order.
    pub fn connections(&self) -> Vec<TrackedConnection> {
        self.lock().connections.clone()
    }

    /// The connection that served `response`, and whether it was a reuse.
    ///
    /// A question, not an event: the answer is kept in the response's extensions, so asking
    /// twice about one response gives the same answer and counts it once.
    pub fn connection_of(
        &self,
        response: &mut reqwest::Response,
    ) -> Result<ServedBy, UntrackedResponse> {
        self.connection_in(response.extensions_mut())
    }

    /// [`connection_of`](Self::connection_of) for any response that carries reqwest's
    /// extensions: `reqwest::blocking::Response::extensions_mut()`, or an `http::Response`
    /// converted from a reqwest one. It needs no reqwest feature of yours.
    pub fn connection_in(
        &self,
        extensions: &mut axum::http::Extensions,
    ) -> Result<ServedBy, UntrackedResponse> {
        if let Some(answered) = extensions.get::<Answered>() {
            if answered.tracker == self.identity {
                return Ok(answered.served);
            }
        }
        let served = self.served(extensions.get::<HttpInfo>())?;
        extensions.insert(Answered {
            tracker: self.identity,
            served,
        });
        Ok(served)
    }

    /// Connections opened, and the looked-up responses each served.
    pub fn report(&self) -> ClientReport {
        let state = self.lock();
        ClientReport {
            connections_opened: state.connections.len(),
            responses_per_connection: state.responses.clone(),
        }
    }

    fn served(&self, info: Option<&HttpInfo>) -> Result<ServedBy, UntrackedResponse> {
        let info = info.ok_or(UntrackedResponse::NoConnectionInfo)?;
        self.served_at(info.local_addr(), info.remote_addr())
    }

    /// Counts a response on the most recent connection with this address pair.
    fn served_at(
        &self,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Result<ServedBy, UntrackedResponse> {
        let mut state = self.lock();
        let id = *state
            .latest
            .get(&(local, remote))
            .ok_or(UntrackedResponse::NotTracked { local, remote })?;
        let served = &mut state.responses[index(id)];
        *served += 1;
        Ok(ServedBy {
            connection: id,
            reused: *served > 1,
        })
    }

    pub(super) fn record(&self, local: SocketAddr, remote: SocketAddr) {
        let mut state = self.lock();
        let id = TrackedId(state.connections.len() as u64 + 1);
        let connected_at = state.started.elapsed();
        state.connections.push(TrackedConnection {
            id,
            local,
            remote,
            connected_at,
        });
        state.responses.push(0);
        state.latest.insert((local, remote), id);
    }

    /// Plain records, valid even if a holder of the lock panicked.
    fn lock(&self) -> MutexGuard<'_, TrackerState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A tracker's answer about one response, kept with the response.
#[derive(Debug, Clone, Copy)]
struct Answered {
    /// Which tracker answered: another tracker asks anew. A number, not the tracker state's
    /// address, which a tracker made after this one was dropped can be given.
    tracker: u64,
    served: ServedBy,
}

fn index(id: TrackedId) -> usize {
    (id.0 - 1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("literal address")
    }

    /// The kernel gives a closed connection's local port to a later connect to the same server:
    /// the later connection gets an id of its own, and a response arriving on that address pair
    /// from then on is the later connection's — never the first's.
    #[tokio::test(start_paused = true)]
    async fn a_reused_port_is_a_new_connection() {
        let tracker = ConnectionTracker::new();
        let (local, remote) = (addr("127.0.0.1:40000"), addr("127.0.0.1:8080"));
        tracker.record(local, remote);
        let first = tracker.served_at(local, remote);
        tracker.record(addr("127.0.0.1:40001"), remote);
        tracker.record(local, remote);
        let after_reuse = tracker.served_at(local, remote);
        assert_eq!(
            (first, after_reuse),
            (
                Ok(ServedBy {
                    connection: TrackedId(1),
                    reused: false
                }),
                Ok(ServedBy {
                    connection: TrackedId(3),
                    reused: false
                }),
            )
        );
        assert_eq!(tracker.report(), ClientReport::of([1, 0, 1]));
    }

    /// Cached answers name the tracker that gave them. They used to name it by its state's
    /// address, which the allocator hands to the next tracker made after a drop (glibc does, at
    /// once): that one then took the earlier tracker's answers for its own.
    #[test]
    fn a_tracker_made_after_anothers_drop_is_told_apart() {
        let first = ConnectionTracker::new();
        let identity = first.identity;
        drop(first);
        let later = ConnectionTracker::new();
        assert_ne!(later.identity, identity);
    }
}
