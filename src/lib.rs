//! Count the TCP connections an HTTP client opens — exactly, in a test.
//!
//! HTTP/1.1 keep-alive reuses one TCP connection for many requests, but only when the client
//! plays along: a response whose body is dropped before its end cannot go back to the client's
//! pool, so the next request pays a new handshake. Nothing fails; it is just slow, and it leaks
//! sockets. This crate turns that from a packet-capture finding into an assertion.
//!
//! [`Server`] is an in-process HTTP server (axum on hyper) that keeps a ledger of every TCP
//! connection it accepts — in accept order, with its peer address, the requests it carried and
//! whether it is closed — and names the connection in an `x-connection-id` header on every
//! response. [`Server::report_when_closed`] waits, on the server's own events and never on a
//! timer, until every connection the client opened is in the ledger and closed, then returns a
//! [`Report`] to compare whole:
//!
//! ```
//! use keepalive_probe::{Report, Server};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::builder().body_bytes(64 * 1024).start().await?;
//! # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
//! let client = reqwest::Client::builder().no_proxy().build()?;
//! for _ in 0..3 {
//!     client.get(server.url()).send().await?.bytes().await?;
//! }
//! drop(client);
//! assert_eq!(
//!     server.report_when_closed().await,
//!     Report::closed([3])
//! );
//! # Ok(())
//! # }
//! ```
//!
//! Every connection's [`Ending`] is on the books too: closed by the client after reading
//! everything, reset by the client with bytes unread (the leak itself), or closed by the server.
//! Where the pool races — a multi-thread runtime — and no exact count exists, the endings still
//! are exact: [`Snapshot::check_no_leak`] on [`Server::snapshot_within`] is the guard there.
//!
//! # Waiting, with a deadline
//!
//! [`Server::report_within`] and [`Server::snapshot_within`] wait until every connection is
//! closed, and fail naming the connections still open when their limit passes. Under tokio's
//! paused clock (`#[tokio::test(start_paused = true)]`) the limit passes the moment nothing else
//! can happen, so a connection the client never closes fails the test at once instead of hanging
//! it. A client kept for the whole process (a `static` or `OnceLock` client) never closes its
//! pooled connections: take [`Server::report`] for the counts that do not need closes.
//!
//! # The public API
//!
//! Everything is at the root:
//! - the server (or, with [`ServerBuilder::relay_to`], a counting relay in front of yours):
//!   [`Server`], [`ServerBuilder`], [`StartError`], [`StillOpen`], [`routes`] and
//!   [`MAX_BODY_BYTES`], [`connection_id`] with [`CONNECTION_ID_HEADER`] and
//!   [`REQUEST_NUMBER_HEADER`], [`REQUEST_ID_HEADER`], [`Event`];
//! - its faults, the server closing, resetting, hinting or restarting under a client's pool:
//!   [`Fault`] with [`CloseBy`], [`IdleEnd`] and [`AfterTruncation`], [`ParseFaultError`];
//! - what it reports: [`Report`], [`Endings`] and [`Ending`], [`Snapshot`] with its
//!   [`AcceptedConnection`]s and [`ReceivedRequest`]s, [`Moment`], [`ConnectionId`] and
//!   [`ParseConnectionIdError`], [`Handshakes`], [`Handshake`] and [`TlsSeen`];
//! - the guard: [`Leak`], [`ResetConnection`] and [`UnansweredRequest`];
//! - the client's view: [`ConnectionTracker`], [`ClientReport`], [`ServedBy`], [`TrackedId`],
//!   [`TrackedConnection`], [`UntrackedResponse`], and the layer types [`TrackerLayer`] and
//!   [`TrackerService`] that `connector_layer` needs to name;
//! - [`timeline::svg`]: a snapshot as a picture;
//! - with `tls`: `TlsSettings`, `CaCertificate` and `TlsSetupError`;
//! - [`axum`], re-exported: [`ServerBuilder::router`] takes this axum's `Router`, so a test on
//!   another axum version builds its routes with `keepalive_probe::axum`.
//!
//! The types a later version will grow are `#[non_exhaustive]`: build expected values with their
//! constructors ([`Report::closed`] and its `ended_by`, `ended_each`, `with_handshakes`,
//! `folding`; [`Endings::all`] and `and`; [`Handshakes::new`]) and match them with a `_` arm.
//!
//! # Features
//!
//! The default is the library alone, for `cargo add --dev keepalive-probe`. `http2` counts h2c
//! clients too; `json` gives the re-exported axum its `Json`; `tls` serves HTTPS on the same ledger, with handshakes counted (rustls with ring,
//! passed explicitly: the library never installs a process-wide crypto provider). The
//! `keepalive-probe` command is its own package, `keepalive-probe-cli`. The `scenarios` feature
//! is that tool's and this crate's own tests' (the scenario table), outside semver.
//!
//! # Platforms
//!
//! Counts, the request log and the tracker hold wherever tokio runs. How a connection ended
//! rests on Linux: it answers a close with unread bytes with RST, and `SIOCOUTQ` tells the bytes
//! a client never received. Elsewhere a FIN that left bytes unreceived counts as a clean close.
//!
//! A test that uses `start_paused = true` needs tokio's `test-util` feature in its own
//! dev-dependencies.

#[cfg(feature = "scenarios")]
mod consume;
mod event;
mod fault;
mod guard;
mod handshake;
mod ledger;
mod panics;
mod report;
mod routes;
#[cfg(feature = "scenarios")]
#[doc(hidden)]
pub mod scenario;
mod server;
pub mod timeline;
mod tracker;

/// The axum this crate serves with: build routes for [`ServerBuilder::router`] with it when your
/// own axum is another version (its `Json` with this crate's `json` feature).
pub use axum;
#[cfg(feature = "scenarios")]
#[doc(hidden)]
pub use consume::{Consume, ConsumeError};
pub use event::Event;
pub use fault::{AfterTruncation, CloseBy, Fault, IdleEnd, ParseFaultError};
pub use guard::{Leak, ResetConnection, UnansweredRequest};
pub use handshake::{Handshake, Handshakes, TlsSeen};
pub use report::{
    AcceptedConnection, ConnectionId, Ending, Endings, GoAway, Http2Seen, Moment, OverLimit,
    ParseConnectionIdError, ReceivedRequest, Report, Side, Snapshot, StreamSpan, Tunnel,
};
pub use routes::{MAX_BODY_BYTES, routes};
pub use server::{
    CONNECTION_ID_HEADER, REQUEST_ID_HEADER, REQUEST_NUMBER_HEADER, Server, ServerBuilder,
    StartError, StillOpen, connection_id,
};
#[cfg(feature = "tls")]
pub use server::{CaCertificate, TlsSettings, TlsSetupError};
pub use tracker::{
    ClientReport, ConnectionTracker, ServedBy, TrackedConnection, TrackedId, TrackerLayer,
    TrackerService, UntrackedResponse,
};

/// README.md's Rust example compiles as a doctest (it is a `#[tokio::test]`, so it does not
/// run here; `tests/no_drain.rs` runs the same case).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// docs/guarding.md's examples compile as doctests (`tests/suite/wrapper.rs`, `own_routes.rs`
/// and `tracker.rs` run the same code).
#[cfg(doctest)]
#[doc = include_str!("../docs/guarding.md")]
pub struct GuardingDoctests;

/// docs/https.md's example compiles as a doctest (`tests/suite/tls.rs` runs its cases).
#[cfg(doctest)]
#[doc = include_str!("../docs/https.md")]
pub struct HttpsDoctests;

/// docs/proxy.md's example compiles as a doctest (`tests/suite/proxy.rs` runs the same case).
#[cfg(doctest)]
#[doc = include_str!("../docs/proxy.md")]
pub struct ProxyDoctests;
