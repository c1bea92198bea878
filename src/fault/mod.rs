//! Server-side faults: what a server does to the connections a client pools, made exact.
//!
//! The keep-alive bug users report most is not a client that will not reuse a connection but one
//! that reuses a connection the server has already closed: a server's idle timeout meets the
//! client's pool, and the request dies ("connection closed before message completed") or is
//! silently sent again. Each fault here is attached to a connection's k-th exchange, or to a
//! timer on tokio's clock (which a test pauses), so the race happens the same way on every run.
//!
//! A fault is data, spelled as the CLI takes it (`close-on-request=2:rst`): its [`Display`] and
//! [`FromStr`] are each other's inverse. `connection-close` and `keep-alive-hint` rely on headers
//! HTTP/2 forbids (hyper strips them); `refuse-stream` and `goaway-abrupt-after` are HTTP/2's
//! (over HTTP/1 the latter closes unanswered); `goaway-after` and `goaway-in-flight` work on
//! both.
//!
//! [`Display`]: std::fmt::Display
//! [`FromStr`]: std::str::FromStr

use std::time::Duration;

mod spelling;

pub use spelling::ParseFaultError;

/// How the server closes a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseBy {
    /// A clean close: FIN, after the server has read everything the client sent.
    Fin,
    /// A reset: `SO_LINGER` 0, so the close sends RST, as a crashed or overloaded server does.
    Rst,
}

/// What the server does with a connection that has been idle too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdleEnd {
    /// Closes it with FIN.
    Fin,
    /// Closes it with RST.
    Rst,
    /// Keeps it open and never answers another request on it: a hung server or a black-holing
    /// middlebox.
    Silent,
    /// Writes `408 Request Timeout` with `Connection: close`, then closes it with FIN: what a
    /// server that answers its timeouts sends (Node's answers a request not received within
    /// `server.requestTimeout` so). Plain HTTP/1 only; over HTTPS the close alone.
    RequestTimeout,
}

/// What follows the part of a truncated response that was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AfterTruncation {
    /// The server closes the connection.
    Close,
    /// The server keeps the connection open and sends nothing more.
    Stall,
}

/// One fault, applied to every connection of a server; several combine
/// ([`ServerBuilder::fault`](crate::ServerBuilder::fault)). Build one with its constructor
/// ([`Fault::close_on_request`] and the others), or parse its spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Reads the `request`-th request on each connection whole (its body included), then closes
    /// the connection without answering: the idle-timeout race made exact. The request is on the
    /// books, unanswered.
    #[non_exhaustive]
    CloseOnRequest {
        /// Which request on the connection, 1 for the first.
        request: usize,
        /// FIN or RST.
        by: CloseBy,
    },
    /// Ends a connection idle for `after`: no request in flight since its last response was
    /// written (or since its accept). Of several, the first applies.
    #[non_exhaustive]
    IdleClose {
        /// How long a connection may stay idle.
        after: Duration,
        /// What the server does then.
        then: IdleEnd,
    },
    /// Answers the `response`-th request on each connection with `Connection: close`, and closes
    /// the connection after it, as a server draining its connections does.
    #[non_exhaustive]
    ConnectionClose {
        /// Which response on the connection, 1 for the first.
        response: usize,
    },
    /// Every response carries `Keep-Alive: timeout=N[, max=M]`, the hint some clients honour
    /// (Node, undici) and others ignore (hyper).
    #[non_exhaustive]
    KeepAliveHint {
        /// The `timeout` parameter, whole seconds.
        timeout_secs: u64,
        /// The `max` parameter, if any.
        max: Option<usize>,
    },
    /// A connection older than this is closed gracefully: hyper finishes the response in flight,
    /// if any, then closes (FIN). Of several, the first applies.
    #[non_exhaustive]
    MaxAge(Duration),
    /// The `response`-th response on each connection sends its headers and `bytes` of its body,
    /// then the connection closes or stalls. The request is on the books, unanswered.
    #[non_exhaustive]
    Truncate {
        /// Which response on the connection, 1 for the first.
        response: usize,
        /// Body bytes sent before the truncation.
        bytes: usize,
        /// Close or stall.
        then: AfterTruncation,
    },
    /// The `request`-th request the server receives (over all connections) is read whole, and
    /// then, unanswered, the server restarts: every connection is dropped and the listener bound
    /// again on the same port, as [`Server::restart`](crate::Server::restart) does.
    #[non_exhaustive]
    RestartOnRequest {
        /// Which request, counted over the server's connections, 1 for the first.
        request: usize,
    },
    /// HTTP/2: the `request`-th request on each connection (the stream the server would take)
    /// is refused, `RST_STREAM` with `REFUSED_STREAM`, unprocessed, so a client may send it
    /// again (RFC 9113, 8.7). It is on the books, unanswered; its body is never read, so a
    /// request sent again is told by its `x-request-id`. Over HTTP/1 it does nothing.
    #[non_exhaustive]
    RefuseStream {
        /// Which request on the connection, 1 for the first: streams h2 refuses itself, over
        /// the concurrency limit, are not requests.
        request: usize,
    },
    /// A graceful close once the `requests`-th request on a connection has arrived: over HTTP/2
    /// a `GOAWAY` naming the last stream the server takes, whose streams finish; over HTTP/1 that
    /// request's response says `Connection: close`, and the connection closes after it.
    #[non_exhaustive]
    GoAwayAfter {
        /// Which request on the connection starts it, 1 for the first.
        requests: usize,
    },
    /// A graceful close once `requests` requests are in flight at once on a connection (arrived,
    /// their responses not yet ended): over HTTP/2 a `GOAWAY` naming the last stream the server
    /// takes, whose streams finish; over HTTP/1, which has one request in flight at a time,
    /// `requests` = 1 makes each connection's first response say `Connection: close`.
    #[non_exhaustive]
    GoAwayInFlight {
        /// How many requests in flight at once start it.
        requests: usize,
    },
    /// HTTP/2: an abrupt close once the `requests`-th request on a connection has arrived: a
    /// `GOAWAY` (`NO_ERROR`) naming that request's stream (the frame reader's count of the
    /// streams the server took: those refused over its limit never become requests) as the last
    /// the server takes, written at once, and the connection closed with it. Nothing more is answered: a stream the `GOAWAY` covers
    /// and that was in flight is cut (it may have been processed), one above it was never
    /// taken (a client may send it again). Over HTTP/1 the request is read and the connection
    /// closed unanswered, as `close-on-request=N:fin`.
    #[non_exhaustive]
    GoAwayAbruptlyAfter {
        /// Which request on the connection starts it, 1 for the first.
        requests: usize,
    },
}

impl Fault {
    /// [`Fault::CloseOnRequest`].
    #[must_use]
    pub const fn close_on_request(request: usize, by: CloseBy) -> Fault {
        Fault::CloseOnRequest { request, by }
    }

    /// [`Fault::IdleClose`].
    #[must_use]
    pub const fn idle_close(after: Duration, then: IdleEnd) -> Fault {
        Fault::IdleClose { after, then }
    }

    /// [`Fault::ConnectionClose`].
    #[must_use]
    pub const fn connection_close_on(response: usize) -> Fault {
        Fault::ConnectionClose { response }
    }

    /// [`Fault::KeepAliveHint`].
    #[must_use]
    pub const fn keep_alive_hint(timeout_secs: u64, max: Option<usize>) -> Fault {
        Fault::KeepAliveHint { timeout_secs, max }
    }

    /// [`Fault::MaxAge`].
    #[must_use]
    pub const fn max_age(age: Duration) -> Fault {
        Fault::MaxAge(age)
    }

    /// [`Fault::Truncate`].
    #[must_use]
    pub const fn truncate(response: usize, bytes: usize, then: AfterTruncation) -> Fault {
        Fault::Truncate {
            response,
            bytes,
            then,
        }
    }

    /// [`Fault::RestartOnRequest`].
    #[must_use]
    pub const fn restart_on_request(request: usize) -> Fault {
        Fault::RestartOnRequest { request }
    }

    /// [`Fault::RefuseStream`].
    #[must_use]
    pub const fn refuse_stream(request: usize) -> Fault {
        Fault::RefuseStream { request }
    }

    /// [`Fault::GoAwayAfter`].
    #[must_use]
    pub const fn go_away_after(requests: usize) -> Fault {
        Fault::GoAwayAfter { requests }
    }

    /// [`Fault::GoAwayInFlight`].
    #[must_use]
    pub const fn go_away_in_flight(requests: usize) -> Fault {
        Fault::GoAwayInFlight { requests }
    }

    /// [`Fault::GoAwayAbruptlyAfter`].
    #[must_use]
    pub const fn go_away_abruptly_after(requests: usize) -> Fault {
        Fault::GoAwayAbruptlyAfter { requests }
    }

    /// Every spelling [`FromStr`](std::str::FromStr) takes, one per line, for `--help`.
    pub const SPELLINGS: &'static str = "\
close-on-request=K:fin|rst       read the K-th request on each connection, close without answering
idle-close=DURATION:fin|rst|silent|408
                                 end a connection idle for DURATION (100ms, 2s; at most a day)
connection-close=K               Connection: close on the K-th response, then close
keep-alive-hint=SECONDS[:MAX]    Keep-Alive: timeout=SECONDS[, max=MAX] on every response
max-age=DURATION                 close a connection older than DURATION, after its response
truncate=K:BYTES:close|stall     the K-th response sends BYTES of its body, then closes or stalls
restart-on-request=N             read the server's N-th request, then drop every connection and rebind
refuse-stream=K                  HTTP/2: refuse the K-th request on each connection (REFUSED_STREAM)
goaway-after=N                   close gracefully (HTTP/2: GOAWAY) once a connection's N-th request arrives
goaway-in-flight=M               close gracefully (HTTP/2: GOAWAY) once M requests are in flight at once
goaway-abrupt-after=N            HTTP/2: GOAWAY naming the N-th request's stream, and close at once";
}
