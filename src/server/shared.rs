//! What every connection task shares: the ledger, the event sink, hyper's builder, the router
//! and the per-server settings.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use super::http::Http;
use crate::event::EventSink;
use crate::ledger::Ledger;

/// What every connection task needs.
pub(super) struct Shared {
    pub(super) ledger: Arc<Ledger>,
    pub(super) events: EventSink,
    pub(super) http: Http,
    pub(super) router: Router,
    pub(super) connection_close: bool,
    pub(super) header_read_timeout: Option<Duration>,
    /// The TLS acceptor, on an HTTPS server.
    #[cfg(feature = "tls")]
    pub(super) tls: Option<super::tls::Tls>,
}
