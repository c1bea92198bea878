//! A tunnel a counting forward proxy opened: what the client asked to reach, as whom, and the
//! connection the proxy opened for it.

use std::net::SocketAddr;

use serde::Serialize;

/// A `CONNECT` tunnel a forward proxy opened for a client
/// ([`ServerBuilder::forward_proxy`](crate::ServerBuilder::forward_proxy)).
///
/// In JSON: `{"target": "localhost:4433", "user": "alice"}` (`user` is `null` without
/// credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Tunnel {
    /// The authority the client's `CONNECT` asked for, as it wrote it (`localhost:4433`).
    pub target: String,
    /// The user of the Basic credentials the client sent the proxy (`Proxy-Authorization`), if
    /// it sent any.
    pub user: Option<String>,
    /// The proxy's end of the connection it opened to the target: the peer the target server
    /// saw (on a counting server, [`AcceptedConnection::peer`](crate::AcceptedConnection::peer)).
    #[serde(skip)]
    pub upstream: SocketAddr,
}
