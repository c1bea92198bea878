//! The guard for runtimes where no exact count exists.
//!
//! On a multi-thread runtime a connection goes back to the pool from its own task, which may run
//! on the other worker after the caller has already asked for the next connection; the checkout
//! then starts a connect. Ten sequential full reads have given `[10]`, `[9, 1]`, `[4, 6]` and,
//! under load, `[1, 1, 1, 1, 4, 2]`: no exact count exists there, and a bound on the count is a
//! flaky guard. What no race changes: every request served exactly once, every connection closed,
//! and how each connection ended. A client that reads its bodies closes every connection cleanly
//! (FIN); one that abandons a body the kernel already holds resets the connection (RST) — the leak
//! itself, not its symptom. [`Snapshot::check_no_leak`] asserts those.

use std::fmt;

use crate::report::{ConnectionId, Ending, Snapshot};

/// What [`Snapshot::check_no_leak`] found wrong. Its `Debug` is its `Display`, so that
/// `check_no_leak(..).unwrap()` in a test prints the advice, not the variant.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Leak {
    /// The server did not serve each call's request exactly once.
    RequestsServed {
        /// Calls the client made.
        calls: usize,
        /// Requests the server counted.
        served: usize,
    },
    /// This many connections were open: the snapshot is not final (drop the client, then wait).
    OpenConnections(usize),
    /// The client went away from these connections with response bytes unread.
    ResetByClient(Vec<ResetConnection>),
    /// These requests' responses were never written whole: the client abandoned them (a timeout
    /// that cancelled a streamed download, a dropped future), whatever FIN or RST said.
    Unanswered(Vec<UnansweredRequest>),
}

/// A request whose response was not written whole: which connection, which request on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnansweredRequest {
    /// The connection that carried it.
    pub connection: ConnectionId,
    /// Its number on that connection, 1 for the first.
    pub number: usize,
    /// Its method and target: `GET /slow`.
    pub request: String,
}

/// A connection the client reset: which one, and how many requests it had carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResetConnection {
    /// The connection.
    pub id: ConnectionId,
    /// Requests it carried; the body of the last one was left unread.
    pub requests: usize,
}

impl ResetConnection {
    /// Connection `id`, reset after carrying `requests` requests.
    #[must_use]
    pub fn new(id: ConnectionId, requests: usize) -> ResetConnection {
        ResetConnection { id, requests }
    }
}

impl fmt::Debug for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leak::RequestsServed { calls, served } => write!(
                f,
                "{calls} call(s) made, {served} request(s) served: each should be served exactly once"
            ),
            Leak::OpenConnections(open) => write!(
                f,
                "{open} connection(s) still open: drop the client, then take the final snapshot"
            ),
            Leak::ResetByClient(reset) => {
                for (index, connection) in reset.iter().enumerate() {
                    let separator = if index == 0 { "" } else { "; " };
                    let plural = if connection.requests == 1 { "" } else { "s" };
                    write!(
                        f,
                        "{separator}connection {} reset by the client after {} request{plural}",
                        connection.id, connection.requests
                    )?;
                }
                write!(
                    f,
                    ": the client closed it with response bytes unread, so it could not be \
                     reused (read each body to the end before dropping the response)"
                )
            }
            Leak::Unanswered(requests) => {
                if requests.is_empty() {
                    f.write_str(
                        "requests were never answered whole (on connections whose details a \
                         capped ledger folded away)",
                    )?;
                }
                for (index, request) in requests.iter().enumerate() {
                    let separator = if index == 0 { "" } else { "; " };
                    write!(
                        f,
                        "{separator}request {} on connection {} ({}) was never answered whole",
                        request.number, request.connection, request.request
                    )?;
                }
                write!(
                    f,
                    ": the client gave up on a response before the server had written it (a \
                     timeout, a dropped future) and lost its connection with it, or a server \
                     fault closed on it"
                )
            }
        }
    }
}

impl std::error::Error for Leak {}

impl Snapshot {
    /// Checks what holds on any runtime for `calls` calls that each made one request, when the
    /// client reads what it is sent: every request served exactly once, every connection closed,
    /// none reset by the client, and every response written whole.
    ///
    /// Use it where no exact count exists — a guard on a multi-thread runtime — on the snapshot of
    /// [`Server::snapshot_when_closed`](crate::Server::snapshot_when_closed). Unlike a bound on
    /// the connection count, no interleaving can fail it for a client that reads its bodies, and
    /// a body left unread where the kernel holds it fails it every time. A body small enough to
    /// arrive whole with its headers is read by hyper before the drop, and costs nothing to
    /// catch.
    ///
    /// ```
    /// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use keepalive_probe::{Leak, Server};
    ///
    /// let server = Server::builder().body_bytes(1024 * 1024).start().await?;
    /// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
    /// let client = reqwest::Client::builder().no_proxy().build()?;
    /// for _ in 0..3 {
    ///     client.get(server.url()).send().await?; // the body is dropped unread
    /// }
    /// drop(client);
    /// let leak = server.snapshot_when_closed().await.check_no_leak(3).unwrap_err();
    /// assert!(matches!(leak, Leak::ResetByClient(reset) if reset.len() == 3));
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_no_leak(&self, calls: usize) -> Result<(), Leak> {
        if self.report.requests != calls {
            return Err(Leak::RequestsServed {
                calls,
                served: self.report.requests,
            });
        }
        if self.report.ended.open > 0 {
            return Err(Leak::OpenConnections(self.report.ended.open));
        }
        let reset: Vec<ResetConnection> = self
            .connections
            .iter()
            .filter(|c| c.ended == Ending::ClientReset)
            .map(|c| ResetConnection {
                id: c.id,
                requests: c.requests,
            })
            .collect();
        if !reset.is_empty() || self.report.ended.client_reset > 0 {
            return Err(Leak::ResetByClient(reset));
        }
        let unanswered: Vec<UnansweredRequest> = self
            .requests
            .iter()
            .filter(|r| !r.answered)
            .map(|r| UnansweredRequest {
                connection: r.connection,
                number: r.number,
                request: format!("{} {}", r.method, r.path),
            })
            .collect();
        if unanswered.is_empty() && self.report.unanswered == 0 {
            Ok(())
        } else {
            Err(Leak::Unanswered(unanswered))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `check_no_leak(..).unwrap()` prints the `Debug` of the error: it is the advice, where it
    /// was `ResetByClient([ResetConnection { id: ConnectionId(1), .. }])`.
    #[test]
    fn a_leak_debugs_as_its_advice() {
        let leak = Leak::ResetByClient(vec![ResetConnection::new(ConnectionId(1), 1)]);
        assert_eq!(format!("{leak:?}"), leak.to_string());
        assert!(
            format!("{leak:?}").starts_with("connection 1 reset by the client after 1 request")
        );
    }
}
