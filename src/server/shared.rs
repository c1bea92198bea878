//! What every connection task shares: the ledger, the event sink, hyper's builder, the router
//! and the per-server settings.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use tokio::sync::mpsc;

use super::command::Command;
use super::credentials::Credentials;
use super::http::Http;
use crate::event::{Event, EventSink};
use crate::fault::Fault;
use crate::ledger::Ledger;
use crate::panics::Panics;

/// What every connection task needs.
pub(super) struct Shared {
    pub(super) ledger: Arc<Ledger>,
    pub(super) events: EventSink,
    /// Panics caught in the user's callback and handlers, for the server handle to report.
    pub(super) panics: Arc<Panics>,
    pub(super) http: Http,
    pub(super) router: Router,
    pub(super) connection_close: bool,
    pub(super) header_read_timeout: Option<Duration>,
    /// The TLS acceptor, on an HTTPS server.
    #[cfg(feature = "tls")]
    pub(super) tls: Option<super::tls::Tls>,
    /// The faults every connection applies.
    pub(super) faults: Vec<Fault>,
    /// Requests received over every connection, counted only for a restart fault.
    pub(super) requests_received: AtomicUsize,
    /// The accept loop, told to restart by a fault.
    pub(super) commands: mpsc::Sender<Command>,
    /// What it does with the connections it accepts.
    pub(super) role: Role,
}

/// What a server does with the connections it accepts.
#[derive(Debug)]
pub(super) enum Role {
    /// Serves them, with its routes.
    Origin,
    /// Passes each on to this upstream ([`relay`](super::relay)).
    Relay(SocketAddr),
    /// A forward proxy, asking for these credentials if any ([`proxy`](super::proxy)).
    ForwardProxy(Option<Credentials>),
}

impl Shared {
    /// Tells the user's `on_event` callback, if any; a panic in it is kept for the test.
    pub(super) fn emit(&self, event: &Event<'_>) {
        if let Err(payload) = self.events.emit(event) {
            self.panics.record("the on_event callback", &*payload);
        }
    }

    /// The restart fault, if the request just counted is the one it restarts on.
    pub(super) fn restart_on(&self) -> Option<Fault> {
        let restart = self.faults.iter().find_map(|fault| match *fault {
            Fault::RestartOnRequest { request } => Some((*fault, request)),
            _ => None,
        })?;
        let received = self.requests_received.fetch_add(1, Ordering::AcqRel) + 1;
        (received == restart.1).then_some(restart.0)
    }

    /// Has the accept loop restart, by `fault`, and returns once it has (or the server is gone).
    pub(super) async fn restart(&self, fault: Fault) {
        let (done, restarted) = tokio::sync::oneshot::channel();
        if self
            .commands
            .send(Command::Restart(Some(fault), Some(done)))
            .await
            .is_ok()
        {
            let _ = restarted.await;
        }
    }
}
