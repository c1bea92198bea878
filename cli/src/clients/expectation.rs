//! What a client must do in a case, in the terms every case's expectation is written in: the
//! body cases' (`cases.rs`) and the fault cases' (`fault_cases.rs`).

use keepalive_probe::{Ending, Endings, Handshakes};

use super::brief;

/// Requests per case: enough to tell one connection from one per request.
pub const REQUESTS: usize = 5;

/// What a client must do in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly these requests per connection, in accept order, ended so, after these TLS
    /// handshakes (none over plain HTTP).
    Exact(&'static [usize], Ended, Handshakes),
    /// Under a fault: exactly these requests per connection, ended so, and exactly this many
    /// calls failed and requests went unanswered and were sent again.
    Faulted(Faulted),
    /// With the proxy variables set: the server's connections and the proxy's, exactly.
    Proxied(Proxied),
    /// With `h2` offered: exactly these connections, ended so, and this many HTTP/2 streams.
    Negotiated(Negotiated),
    /// With `h2` offered and a limit of [`LIMIT`] streams a connection, requests at once.
    Burst(Burst),
    /// No exact count exists (a race on the wall clock); what is exact: every request served once,
    /// none failed, every connection closed, the first connection carries the first request, and
    /// at most this many connections, the bound the client's code sets.
    Race(usize),
    /// The client has no way to do this (curl always reads the body).
    NotApplicable,
}

/// A client's exact outcome under a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Faulted {
    pub per_connection: &'static [usize],
    pub ended: Ended,
    /// Calls that failed, as the client saw them.
    pub errors: usize,
    /// Requests the server read and never answered whole.
    pub unanswered: usize,
    /// Requests the client sent again after an unanswered one (the same `?request=n`).
    pub resent: usize,
}

/// A client's exact outcome with the proxy variables pointing at a counting forward proxy: every
/// connection to the server closed by the client with everything read, and the proxy's as
/// `proxy_ended` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proxied {
    /// The server's requests per connection.
    pub per_connection: &'static [usize],
    /// The server's TLS handshakes (none over plain HTTP).
    pub handshakes: Handshakes,
    /// The proxy's requests per connection: `[]` when the client went straight to the server.
    pub proxy: &'static [usize],
    /// The `CONNECT` tunnels the client opened through the proxy.
    pub tunnels: usize,
    /// How the connections to the proxy end.
    pub proxy_ended: Ended,
}

/// A client's exact outcome when the server offers `h2`: its connections as in [`Expect::Exact`],
/// and the HTTP/2 streams its requests took (0 for a client that keeps to HTTP/1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub per_connection: &'static [usize],
    pub ended: Ended,
    pub handshakes: Handshakes,
    pub streams: usize,
}

/// The server's limit on a connection's concurrent streams in the burst cases.
pub const LIMIT: u32 = 2;

/// A client's outcome when it sends requests at once to a server that offers `h2` and allows
/// [`LIMIT`] streams a connection. Always exact: every stream not refused carries one request,
/// served once; a refused one is sent again, or with `refused_fail` fails its call (every other
/// call succeeds); no stream goes over the limit once the client has acknowledged it; every
/// connection closes. Where the connections and streams are exact too, `exact` holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Burst {
    /// Requests per connection and the HTTP/2 streams, none refused; `None` where they race.
    pub exact: Option<(&'static [usize], usize)>,
    /// The client does not send a refused stream again: its call fails.
    pub refused_fail: bool,
}

/// How the connections of an exact count ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every one this way.
    All(Ending),
    /// Each as listed, in accept order.
    Each(&'static [Ending]),
    /// FIN or RST, racing: a client that shuts its socket down before closing it (hyper does)
    /// sends FIN, then RST at the close if bytes were left unread, and a body that fits in its
    /// receive buffer leaves the server nothing unacknowledged to tell the two apart by. The
    /// server in another process may read the FIN and close first. The count is exact.
    Racing,
    /// Closed, but who closed first races between the client (FIN or RST) and the server: a TLS
    /// tunnel through a proxy, whose two ends close at once, or an HTTP/2 session the client ends
    /// with a `GOAWAY` the server answers by closing. The count is exact.
    Closed,
}

/// The endings `expected` stands for, counted; `None` where they race.
pub fn counted(expected: Ended, connections: usize) -> Option<Endings> {
    match expected {
        Ended::All(ending) => Some(Endings::all(ending, connections)),
        Ended::Each(endings) => {
            let mut counted = Endings::default();
            for ending in endings {
                counted.add(*ending);
            }
            Some(counted)
        }
        Ended::Racing | Ended::Closed => None,
    }
}

/// Whether `observed` is how `expected` says `connections` connections end.
pub fn endings_hold(expected: Ended, connections: usize, observed: &Endings) -> bool {
    let closed = observed.client_closed + observed.client_reset;
    match (expected, counted(expected, connections)) {
        (_, Some(counted)) => *observed == counted,
        // Every connection closed, by whichever side.
        (Ended::Closed, None) => {
            closed + observed.server_closed == connections && observed.open == 0
        }
        // FIN or RST, every connection closed.
        (_, None) => closed == connections && observed.server_closed + observed.open == 0,
    }
}

/// The endings in brief, as the table prints them: `5 RST`, `1 FIN + 2 RST`, `5 FIN/RST`, `1
/// closed`.
pub fn describe_endings(expected: Ended, connections: usize) -> String {
    match (expected, counted(expected, connections)) {
        (_, Some(counted)) => brief::endings(&counted),
        (Ended::Closed, None) => format!("{connections} closed"),
        (_, None) => format!("{connections} FIN/RST"),
    }
}

/// A proxied case's expectation in brief: the server's connections, handshakes and the proxy's,
/// `1 FIN, 1 full, proxy [1] 1 closed, 1 tunnel`.
pub fn describe_proxied(proxied: &Proxied) -> String {
    let clean = Endings::all(
        keepalive_probe::Ending::ClientClosed,
        proxied.per_connection.len(),
    );
    let proxy_ended = describe_endings(proxied.proxy_ended, proxied.proxy.len());
    format!(
        "{}{}{}",
        brief::endings(&clean),
        brief::handshakes(&proxied.handshakes),
        brief::proxy(proxied.proxy, &proxy_ended, proxied.tunnels)
    )
}
