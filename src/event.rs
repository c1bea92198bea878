//! What the server observes, as it happens: for logs (`keepalive-probe serve`) and for users who
//! want to watch a client live. The server emits events; the ledger keeps the books.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::report::{ConnectionId, Ending};

/// One thing the server saw, as it happens.
///
/// The events of one connection come in their order: its accept, its requests in order, its
/// close. Across connections, each event is emitted by the task that saw it, just after the
/// ledger gave it its [`Moment`](crate::Moment): on a multi-thread runtime two connections' events
/// can reach the callback in an order other than their moments'. For the server's one order,
/// read [`Server::snapshot`](crate::Server::snapshot) (sorted by [`Moment::order`](crate::Moment)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A TCP connection was accepted.
    Accepted {
        /// The id the ledger gave it.
        id: ConnectionId,
        /// The client's address and ephemeral port.
        peer: SocketAddr,
    },
    /// A request arrived on a connection.
    Request {
        /// The connection that carried it.
        id: ConnectionId,
        /// The client's address and ephemeral port (the connection's peer).
        peer: SocketAddr,
        /// Its number on that connection: 1 for the first request.
        number: usize,
        /// The request method.
        method: &'a str,
        /// The request path with its query string.
        path: &'a str,
    },
    /// The server finished with a connection.
    Closed {
        /// The connection.
        id: ConnectionId,
        /// How many requests it carried in all.
        requests: usize,
        /// How it ended.
        ended: Ending,
    },
}

impl fmt::Display for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Accepted { id, peer } => write!(f, "connection {id} accepted from {peer}"),
            Event::Request {
                id,
                peer,
                number,
                method,
                path,
            } => write!(
                f,
                "connection {id} request {number}: {method} {path} (peer {peer})"
            ),
            Event::Closed {
                id,
                requests,
                ended,
            } => {
                let plural = if *requests == 1 { "" } else { "s" };
                write!(
                    f,
                    "connection {id} {ended} after {requests} request{plural}"
                )
            }
        }
    }
}

/// What [`ServerBuilder::on_event`](crate::ServerBuilder::on_event) is given.
type Callback = dyn Fn(&Event<'_>) + Send + Sync;

/// A callback for events; `None` costs one branch per event.
#[derive(Clone, Default)]
pub(crate) struct EventSink(Option<Arc<Callback>>);

impl EventSink {
    pub(crate) fn new(callback: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        EventSink(Some(Arc::new(callback)))
    }

    /// Calls the callback; a panic in it is returned instead of unwinding through the server's
    /// task (see `panics.rs`).
    pub(crate) fn emit(&self, event: &Event<'_>) -> Result<(), Box<dyn std::any::Any + Send>> {
        match &self.0 {
            Some(callback) => crate::panics::catch(|| callback(event)),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.0.is_some() { "set" } else { "none" };
        f.debug_tuple("EventSink").field(&state).finish()
    }
}
