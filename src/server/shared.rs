//! What every connection task shares: the ledger, the event sink, hyper's builder, the router
//! and the per-server settings.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use super::http::Http;
use crate::event::{Event, EventSink};
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
}

impl Shared {
    /// Tells the user's `on_event` callback, if any; a panic in it is kept for the test.
    pub(super) fn emit(&self, event: &Event<'_>) {
        if let Err(payload) = self.events.emit(event) {
            self.panics.record("the on_event callback", &*payload);
        }
    }
}
