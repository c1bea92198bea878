//! Server-side faults: what a server does to the connections a client pools, made exact.
//!
//! The keep-alive bug users report most is not a client that will not reuse a connection but one
//! that reuses a connection the server has already closed: a server's idle timeout meets the
//! client's pool, and the request dies ("connection closed before message completed") or is
//! silently sent again. Each fault here is attached to a connection's k-th exchange, or to a
//! timer on tokio's clock (which a test pauses), so the race happens the same way on every run.
//!
//! A fault is data, spelled as the CLI takes it (`close-on-request=2:rst`): its [`Display`] and
//! [`FromStr`] are each other's inverse. The faults are HTTP/1's: over HTTP/2 hyper strips the
//! `Connection` and `Keep-Alive` headers they rely on.
//!
//! [`Display`]: std::fmt::Display

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

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

    /// Every spelling [`FromStr`] takes, one per line, for `--help`.
    pub const SPELLINGS: &'static str = "\
close-on-request=K:fin|rst       read the K-th request on each connection, close without answering
idle-close=DURATION:fin|rst|silent|408
                                 end a connection idle for DURATION (100ms, 2s; at most a day)
connection-close=K               Connection: close on the K-th response, then close
keep-alive-hint=SECONDS[:MAX]    Keep-Alive: timeout=SECONDS[, max=MAX] on every response
max-age=DURATION                 close a connection older than DURATION, after its response
truncate=K:BYTES:close|stall     the K-th response sends BYTES of its body, then closes or stalls
restart-on-request=N             read the server's N-th request, then drop every connection and rebind";
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Fault::CloseOnRequest { request, by } => {
                write!(f, "close-on-request={request}:{}", close_word(by))
            }
            Fault::IdleClose { after, then } => {
                let then = match then {
                    IdleEnd::Fin => "fin",
                    IdleEnd::Rst => "rst",
                    IdleEnd::Silent => "silent",
                    IdleEnd::RequestTimeout => "408",
                };
                write!(f, "idle-close={}:{then}", DurationText(after))
            }
            Fault::ConnectionClose { response } => write!(f, "connection-close={response}"),
            Fault::KeepAliveHint { timeout_secs, max } => {
                write!(f, "keep-alive-hint={timeout_secs}")?;
                match max {
                    Some(max) => write!(f, ":{max}"),
                    None => Ok(()),
                }
            }
            Fault::MaxAge(age) => write!(f, "max-age={}", DurationText(age)),
            Fault::Truncate {
                response,
                bytes,
                then,
            } => {
                let then = match then {
                    AfterTruncation::Close => "close",
                    AfterTruncation::Stall => "stall",
                };
                write!(f, "truncate={response}:{bytes}:{then}")
            }
            Fault::RestartOnRequest { request } => write!(f, "restart-on-request={request}"),
        }
    }
}

/// In JSON a fault is its spelling: `"close-on-request=2:rst"`.
impl Serialize for Fault {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn close_word(by: CloseBy) -> &'static str {
    match by {
        CloseBy::Fin => "fin",
        CloseBy::Rst => "rst",
    }
}

/// A duration as the CLI spells it: `2s` when whole seconds, `100ms` when whole milliseconds,
/// else `250us` (what is finer than a microsecond is left out).
struct DurationText(Duration);

impl fmt::Display for DurationText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 {
            write!(f, "{}s", d.as_secs())
        } else if d.subsec_nanos() % 1_000_000 == 0 {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}us", d.as_micros())
        }
    }
}

/// A fault's spelling that [`Fault::from_str`] could not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFaultError(String);

impl fmt::Display for ParseFaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseFaultError {}

impl FromStr for Fault {
    type Err = ParseFaultError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |why: &str| ParseFaultError(format!("not a fault: {text:?}: {why}"));
        let (name, value) = text
            .split_once('=')
            .ok_or_else(|| fail("expected NAME=VALUE (see --help)"))?;
        let parts: Vec<&str> = value.split(':').collect();
        let count = |part: &str| -> Result<usize, ParseFaultError> {
            match part.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(fail(&format!("{part:?} is not a positive whole number"))),
            }
        };
        let duration = |part: &str| parse_duration(part).map_err(|why| fail(&why));
        let fault = match (name, parts.as_slice()) {
            ("close-on-request", [k, by]) => Fault::close_on_request(
                count(k)?,
                match *by {
                    "fin" => CloseBy::Fin,
                    "rst" => CloseBy::Rst,
                    _ => return Err(fail("close by fin or rst")),
                },
            ),
            ("idle-close", [after, then]) => Fault::idle_close(
                duration(after)?,
                match *then {
                    "fin" => IdleEnd::Fin,
                    "rst" => IdleEnd::Rst,
                    "silent" => IdleEnd::Silent,
                    "408" => IdleEnd::RequestTimeout,
                    _ => return Err(fail("end an idle connection by fin, rst, silent or 408")),
                },
            ),
            ("connection-close", [k]) => Fault::connection_close_on(count(k)?),
            ("keep-alive-hint", [timeout, rest @ ..]) if rest.len() <= 1 => {
                let timeout_secs = timeout
                    .parse()
                    .map_err(|_| fail(&format!("{timeout:?} is not whole seconds")))?;
                let max = rest.first().map(|max| count(max)).transpose()?;
                Fault::keep_alive_hint(timeout_secs, max)
            }
            ("max-age", [age]) => Fault::max_age(duration(age)?),
            ("truncate", [k, bytes, then]) => Fault::truncate(
                count(k)?,
                bytes
                    .parse()
                    .map_err(|_| fail(&format!("{bytes:?} is not a number of bytes")))?,
                match *then {
                    "close" => AfterTruncation::Close,
                    "stall" => AfterTruncation::Stall,
                    _ => return Err(fail("after a truncation: close or stall")),
                },
            ),
            ("restart-on-request", [n]) => Fault::restart_on_request(count(n)?),
            _ => return Err(fail("unknown, or the wrong number of parts (see --help)")),
        };
        Ok(fault)
    }
}

/// `250us`, `100ms`, `2s`, `1m`: a whole number and a unit, at most a day.
fn parse_duration(text: &str) -> Result<Duration, String> {
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 100ms or 2s"))?;
    let duration = match unit {
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("{text:?}: the unit is us, ms, s or m")),
    };
    if duration > DAY {
        return Err(format!("{text:?} is longer than a day"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_reads_back_as_it_is_written() {
        for text in [
            "close-on-request=2:fin",
            "close-on-request=1:rst",
            "idle-close=100ms:fin",
            "idle-close=2s:rst",
            "idle-close=5s:silent",
            "idle-close=1500ms:408",
            "idle-close=250us:fin",
            "connection-close=3",
            "keep-alive-hint=5",
            "keep-alive-hint=5:100",
            "max-age=1s",
            "truncate=2:1024:close",
            "truncate=1:0:stall",
            "restart-on-request=4",
        ] {
            let fault: Fault = text.parse().expect(text);
            assert_eq!(fault.to_string(), text);
        }
    }

    #[test]
    fn a_bad_spelling_says_what_is_wrong() {
        for (text, why) in [
            ("close-on-request=2", "wrong number of parts"),
            ("close-on-request=0:fin", "positive whole number"),
            ("close-on-request=2:abort", "fin or rst"),
            ("idle-close=5:fin", "unit is us, ms, s or m"),
            ("max-age=99999999999m", "longer than a day"),
            ("idle-close=soon:fin", "not a duration"),
            ("drop-everything=1", "unknown"),
            ("close-on-request", "NAME=VALUE"),
        ] {
            let error = text.parse::<Fault>().expect_err(text).to_string();
            assert!(error.contains(why), "{text}: {error}");
        }
    }
}
