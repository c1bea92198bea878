//! What users compare: the [`Report`] of a server's connections, each [`AcceptedConnection`] and
//! [`ReceivedRequest`] in a [`Snapshot`], and how each connection [`Ending`]. Plain data with no
//! behaviour but derivations, so a failed `assert_eq!` shows the whole picture.

use std::fmt;

use serde::Serialize;

use crate::handshake::Handshakes;

mod connection;
mod http2;
mod tunnel;

pub use connection::{
    AcceptedConnection, ConnectionId, Moment, ParseConnectionIdError, ReceivedRequest,
};
#[cfg(feature = "http2")]
pub(crate) use http2::error_code_name;
pub use http2::{GoAway, Http2Seen, OverLimit, Side, StreamSpan};
pub use tunnel::Tunnel;

/// How a connection ended, as its socket told the server.
///
/// Linux sends RST instead of FIN when a socket is closed with received bytes still unread
/// (RFC 2525, 2.17; `tcp_close` in the kernel). So a client that abandons a response body the
/// socket already holds resets the connection, and one that read everything closes it cleanly.
/// That is decided by the kernel at the client's `close`, not by scheduling: it is exact on any
/// runtime, where connection counts race. A body small enough to sit whole in the client's
/// buffers before the drop was read by the client's HTTP library, so dropping it still ends with
/// FIN: there the connection count shows the leak, not the ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Ending {
    /// The client's FIN (the server read end-of-file), with nothing it had been sent left unread.
    ClientClosed,
    /// The client's RST (a read failed with `ECONNRESET`), or a write it refused (`EPIPE`): it
    /// went away with response bytes unread.
    ClientReset,
    /// The server ended it: keep-alive off, `Connection: close` from either side, an idle or
    /// header-read timeout, a request it could not parse, or shutdown.
    ServerClosed,
    /// Not ended yet.
    Open,
}

impl Ending {
    /// The ending in words, as a sentence's predicate: "reset by the client".
    pub fn describe(self) -> &'static str {
        match self {
            Ending::ClientClosed => "closed by the client",
            Ending::ClientReset => "reset by the client",
            Ending::ServerClosed => "closed by the server",
            Ending::Open => "still open",
        }
    }
}

impl fmt::Display for Ending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Connections counted by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Endings {
    /// Closed by the client with everything read ([`Ending::ClientClosed`]).
    pub client_closed: usize,
    /// Reset by the client with response bytes unread ([`Ending::ClientReset`]).
    pub client_reset: usize,
    /// Ended by the server ([`Ending::ServerClosed`]).
    pub server_closed: usize,
    /// Not ended yet ([`Ending::Open`]).
    pub open: usize,
}

impl Endings {
    /// `n` connections, every one ended by `ending`.
    #[must_use]
    pub fn all(ending: Ending, n: usize) -> Endings {
        let mut endings = Endings::default();
        *endings.slot(ending) += n;
        endings
    }

    /// These counts and `n` more connections ended by `ending`.
    ///
    /// ```
    /// use keepalive_probe::{Ending, Endings};
    ///
    /// let endings = Endings::all(Ending::ServerClosed, 4).and(Ending::Open, 1);
    /// assert_eq!((endings.server_closed, endings.open, endings.total()), (4, 1, 5));
    /// ```
    #[must_use]
    pub fn and(mut self, ending: Ending, n: usize) -> Endings {
        *self.slot(ending) += n;
        self
    }

    /// Counts one more connection that ended by `ending`.
    pub fn add(&mut self, ending: Ending) {
        *self.slot(ending) += 1;
    }

    /// Connections counted, however they ended.
    pub fn total(&self) -> usize {
        self.client_closed + self.client_reset + self.server_closed + self.open
    }

    fn slot(&mut self, ending: Ending) -> &mut usize {
        match ending {
            Ending::ClientClosed => &mut self.client_closed,
            Ending::ClientReset => &mut self.client_reset,
            Ending::ServerClosed => &mut self.server_closed,
            Ending::Open => &mut self.open,
        }
    }
}

/// What a test asserts: how many connections the client opened, how it used them, and how they
/// ended.
///
/// Plain data, compared whole, so a failed `assert_eq!` shows the whole picture:
/// `requests_per_connection: [1, 1, 1]` says "three connections, one request each" at a glance,
/// and `ended: Endings { client_reset: 3, .. }` says the client abandoned three bodies. Build an
/// expected one with [`Report::closed`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// TCP connections accepted.
    pub accepted: usize,
    /// Connections that carried at least one request.
    pub used: usize,
    /// Requests dispatched, over all connections.
    pub requests: usize,
    /// Requests carried by each kept connection, in accept order: every connection, unless a
    /// capped ledger ([`max_connection_details`](crate::ServerBuilder::max_connection_details))
    /// folded the oldest away. Always `accepted == folded + requests_per_connection.len()`.
    pub requests_per_connection: Vec<usize>,
    /// Closed connections whose details a capped ledger folded into the totals (0 uncapped).
    pub folded: usize,
    /// Every connection, counted by how it ended (`ended.open`: those still open).
    pub ended: Endings,
    /// TLS handshakes by kind, on an HTTPS server (all 0 on plain HTTP).
    pub tls: Handshakes,
    /// Requests whose response was not written whole ([`ReceivedRequest::answered`]).
    pub unanswered: usize,
    /// Requests that repeated an earlier unanswered request: the same `x-request-id`, or without
    /// one the same method, target, `Content-Length` and body digest. A client's retry.
    pub resent: usize,
    /// `CONNECT` tunnels opened, on a forward proxy
    /// ([`ServerBuilder::forward_proxy`](crate::ServerBuilder::forward_proxy); 0 elsewhere).
    pub tunnels: usize,
    /// HTTP/2 streams the clients opened, over all connections
    /// ([`Http2Seen::streams`]; 0 over HTTP/1).
    pub streams: usize,
}

impl Report {
    /// The report of connections that carried these requests, in accept order, each closed by the
    /// client with nothing left unread: what a client that reads its bodies leaves once dropped.
    /// For other endings, follow with [`ended_by`](Self::ended_by) or
    /// [`with_endings`](Self::with_endings).
    ///
    /// ```
    /// use keepalive_probe::Report;
    ///
    /// let report = Report::closed([3, 0, 1]);
    /// assert_eq!((report.accepted, report.used, report.requests), (3, 2, 4));
    /// assert_eq!(report.ended.client_closed, 3);
    /// ```
    #[must_use]
    pub fn closed(requests_per_connection: impl Into<Vec<usize>>) -> Report {
        let requests_per_connection = requests_per_connection.into();
        let ended = Endings::all(Ending::ClientClosed, requests_per_connection.len());
        Report::tally(requests_per_connection, 0, ended)
    }

    /// The same connections, every one ended by `ending`.
    ///
    /// ```
    /// use keepalive_probe::{Ending, Report};
    ///
    /// let leak = Report::closed([1, 1, 1]).ended_by(Ending::ClientReset);
    /// assert_eq!((leak.ended.client_reset, leak.ended.client_closed), (3, 0));
    /// ```
    #[must_use]
    pub fn ended_by(self, ending: Ending) -> Report {
        let ended = Endings::all(ending, self.accepted);
        self.with_endings(ended)
    }

    /// The same connections, each ended as `endings` says, in accept order.
    ///
    /// ```
    /// use keepalive_probe::{Ending, Report};
    ///
    /// let report = Report::closed([0, 1]).ended_each([Ending::ClientClosed, Ending::ServerClosed]);
    /// assert_eq!((report.ended.client_closed, report.ended.server_closed), (1, 1));
    /// ```
    #[must_use]
    pub fn ended_each(self, endings: impl IntoIterator<Item = Ending>) -> Report {
        let mut ended = Endings::default();
        for ending in endings {
            ended.add(ending);
        }
        self.with_endings(ended)
    }

    /// The same connections, with these TLS handshakes.
    ///
    /// ```
    /// use keepalive_probe::{Handshakes, Report};
    ///
    /// let resumed = Report::closed([1, 1]).with_handshakes(Handshakes::new(1, 1, 0));
    /// assert_eq!(resumed.tls.resumed, 1);
    /// ```
    #[must_use]
    pub fn with_handshakes(self, tls: Handshakes) -> Report {
        Report { tls, ..self }
    }

    /// The same connections, `n` of their requests unanswered and `resent` of them repeats of an
    /// unanswered one (a fault's report: see [`Fault`](crate::Fault)).
    ///
    /// ```
    /// use keepalive_probe::{Ending, Report};
    ///
    /// // The second request met a closed connection; the client sent it again on a new one.
    /// let retried = Report::closed([2, 1]).ended_by(Ending::ServerClosed).with_unanswered(1, 1);
    /// assert_eq!((retried.requests, retried.unanswered, retried.resent), (3, 1, 1));
    /// ```
    #[must_use]
    pub fn with_unanswered(self, unanswered: usize, resent: usize) -> Report {
        Report {
            unanswered,
            resent,
            ..self
        }
    }

    /// The same connections, `n` of them carrying a `CONNECT` tunnel (a forward proxy's report).
    ///
    /// ```
    /// use keepalive_probe::Report;
    ///
    /// // Three HTTPS requests through a proxy: one CONNECT, on one connection.
    /// let proxied = Report::closed([1]).with_tunnels(1);
    /// assert_eq!((proxied.accepted, proxied.tunnels), (1, 1));
    /// ```
    #[must_use]
    pub fn with_tunnels(self, n: usize) -> Report {
        Report { tunnels: n, ..self }
    }

    /// The same connections, carrying `n` HTTP/2 streams between them.
    ///
    /// ```
    /// use keepalive_probe::Report;
    ///
    /// // Ten requests over one HTTP/2 connection: one stream each.
    /// let multiplexed = Report::closed([10]).with_streams(10);
    /// assert_eq!((multiplexed.accepted, multiplexed.streams), (1, 10));
    /// ```
    #[must_use]
    pub fn with_streams(self, n: usize) -> Report {
        Report { streams: n, ..self }
    }

    /// The same connections, ended as `ended` counts them (for a mix of endings).
    #[must_use]
    pub fn with_endings(self, ended: Endings) -> Report {
        Report { ended, ..self }
    }

    /// The same totals as a ledger capped by
    /// [`max_connection_details`](crate::ServerBuilder::max_connection_details) reports them, its
    /// oldest `n` connections folded into the totals: their entries leave
    /// `requests_per_connection`, and `folded` counts them.
    ///
    /// ```
    /// use keepalive_probe::Report;
    ///
    /// let capped = Report::closed([1, 1, 1]).folding(2);
    /// assert_eq!((capped.accepted, capped.requests_per_connection, capped.folded), (3, vec![1], 2));
    /// ```
    #[must_use]
    pub fn folding(mut self, n: usize) -> Report {
        let n = n.min(self.requests_per_connection.len());
        self.requests_per_connection.drain(..n);
        self.folded += n;
        self
    }

    /// The one derivation of the totals from per-connection counts.
    pub(crate) fn tally(
        requests_per_connection: Vec<usize>,
        folded: usize,
        ended: Endings,
    ) -> Report {
        Report {
            accepted: folded + requests_per_connection.len(),
            used: requests_per_connection.iter().filter(|&&n| n > 0).count(),
            requests: requests_per_connection.iter().sum(),
            requests_per_connection,
            folded,
            ended,
            tls: Handshakes::default(),
            unanswered: 0,
            resent: 0,
            tunnels: 0,
            streams: 0,
        }
    }
}

/// The ledger read at one instant: the report, its connections and their requests agree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// The totals (including connections folded away by a detail cap).
    pub report: Report,
    /// The kept connections, in accept order.
    pub connections: Vec<AcceptedConnection>,
    /// The kept connections' requests, in the order the server received them.
    pub requests: Vec<ReceivedRequest>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_report_counts_used_connections_requests_and_clean_closes() {
        assert_eq!(
            Report::closed([3, 0, 1]),
            Report {
                accepted: 3,
                used: 2,
                requests: 4,
                requests_per_connection: vec![3, 0, 1],
                folded: 0,
                ended: Endings {
                    client_closed: 3,
                    ..Endings::default()
                },
                tls: Handshakes::default(),
                unanswered: 0,
                resent: 0,
                tunnels: 0,
                streams: 0,
            }
        );
    }

    #[test]
    fn endings_count_every_connection_once() {
        let endings = Report::closed([1, 1]).ended_by(Ending::ServerClosed).ended;
        assert_eq!(endings, Endings::all(Ending::ServerClosed, 2));
        assert_eq!(endings.total(), 2);
    }
}
