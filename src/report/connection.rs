//! One connection and one request as the ledger saw them, and the names they go by.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

use super::{Ending, Http2Seen, Tunnel};
use crate::fault::Fault;
use crate::handshake::TlsSeen;

/// The server's name for one accepted TCP connection, assigned in accept order starting at 1.
///
/// Peer addresses are not identities: the kernel hands the same ephemeral port to a new socket once
/// the old one is gone, so two connections can share a peer address within one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ConnectionId(pub(crate) u64);

impl ConnectionId {
    /// The id as a number (1 for the first connection accepted).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A connection id header value that is not a positive integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseConnectionIdError(String);

impl fmt::Display for ParseConnectionIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a connection id: {:?} (expected a positive integer)",
            self.0
        )
    }
}

impl std::error::Error for ParseConnectionIdError {}

impl FromStr for ConnectionId {
    type Err = ParseConnectionIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().parse::<u64>() {
            Ok(id) if id > 0 => Ok(ConnectionId(id)),
            _ => Err(ParseConnectionIdError(text.to_owned())),
        }
    }
}

/// When something happened, as the server saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[non_exhaustive]
pub struct Moment {
    /// Its place in the server's order of accepts, requests and closes, starting at 1.
    pub order: u64,
    /// Time since the server started, on tokio's clock (virtual when the clock is paused).
    #[serde(serialize_with = "serialize_micros")]
    pub at: Duration,
}

fn serialize_micros<S: serde::Serializer>(at: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u128(at.as_micros())
}

/// One accepted connection, as the ledger saw it when the snapshot was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AcceptedConnection {
    /// Accept order, starting at 1.
    pub id: ConnectionId,
    /// The client's address and ephemeral port.
    pub peer: SocketAddr,
    /// Requests the server dispatched on this connection (HTTP/2: streams).
    pub requests: usize,
    /// Whether the server has finished with the socket (either side closed it).
    pub closed: bool,
    /// How it ended ([`Ending::Open`] while it is open).
    pub ended: Ending,
    /// When the socket was accepted.
    pub accepted: Moment,
    /// When the server finished with it, if it has.
    pub closed_at: Option<Moment>,
    /// Its TLS handshake, on an HTTPS server (`None` on plain HTTP, and before the handshake
    /// ended).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSeen>,
    /// The fault that ended it ([`ServerBuilder::fault`](crate::ServerBuilder::fault)), if one
    /// did: in JSON its spelling, `"close-on-request=2:rst"`, or `null`.
    pub fault: Option<Fault>,
    /// The `CONNECT` tunnels a forward proxy opened on it, in order: at most one, as the
    /// connection is the tunnel from then on (`[]` elsewhere).
    pub tunnels: Vec<Tunnel>,
    /// Its HTTP/2 streams, as its frames told them (`None`, in JSON `null`, over HTTP/1).
    pub http2: Option<Http2Seen>,
}

/// One request, as the server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The connection that carried it.
    pub connection: ConnectionId,
    /// Its number on that connection: 1 for the first.
    pub number: usize,
    /// The request method.
    pub method: String,
    /// The path with its query string, as the client sent it (`/bytes/10?x=1`).
    pub path: String,
    /// When the server dispatched it (its head was complete).
    pub received: Moment,
    /// Whether the server began a response to it (its head is on the way): `false` for a request
    /// a fault closed on, restarted on or left unanswered.
    pub responded: bool,
    /// Whether its response was written whole: the server handed the last byte of it to the
    /// connection. `false` for a request the server never answered (a fault, a handler still
    /// running) and for a response the client abandoned before it was all written.
    pub answered: bool,
    /// The `x-request-id` header the client sent with it, if any: what tells a request sent
    /// again from a new one.
    pub request_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_parse_from_header_text() {
        assert_eq!("7".parse::<ConnectionId>(), Ok(ConnectionId(7)));
        assert!("0".parse::<ConnectionId>().is_err());
        assert!("seven".parse::<ConnectionId>().is_err());
    }
}
