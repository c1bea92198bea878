//! A bound, for runtimes where no exact count exists.
//!
//! On a multi-thread runtime a connection goes back to the pool from its own task, which may run
//! on the other worker after the caller has already asked for the next connection; the checkout
//! then starts a connect. Five sequential full reads have given `[5]`, `[5, 0]`, `[4, 1]`,
//! `[3, 2]` and `[2, 3]`. No exact count exists there, so an exact assertion would be a flaky
//! one. What stays exact on any runtime: every request served exactly once and every connection
//! closed. And a leak still shows: it costs a connection per call, far above what the races cost.
//! [`Report::check_bound`] asserts both.

use std::fmt;

use crate::ledger::Report;

/// What [`Report::check_bound`] found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundViolation {
    /// The server did not serve each call's request exactly once.
    RequestsServed {
        /// Calls the client made.
        calls: usize,
        /// Requests the server counted.
        served: usize,
    },
    /// Connections were still open: the report is not final (drop the client, then wait).
    StillOpen(usize),
    /// More connections than the bound allows: reuse is broken, as in a leak.
    TooManyConnections {
        /// The bound.
        allowed: usize,
        /// Connections the server accepted.
        accepted: usize,
        /// Requests per connection, in accept order.
        requests_per_connection: Vec<usize>,
    },
}

impl fmt::Display for BoundViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoundViolation::RequestsServed { calls, served } => write!(
                f,
                "{calls} call(s) made, {served} request(s) served: each should be served exactly once"
            ),
            BoundViolation::StillOpen(open) => write!(
                f,
                "{open} connection(s) still open: drop the client, then take the final report"
            ),
            BoundViolation::TooManyConnections {
                allowed,
                accepted,
                requests_per_connection,
            } => write!(
                f,
                "{accepted} connections for at most {allowed} allowed \
                 (requests per connection {requests_per_connection:?}): connections are not reused"
            ),
        }
    }
}

impl std::error::Error for BoundViolation {}

impl Report {
    /// Checks what holds on any runtime for `calls` sequential calls that each made one request:
    /// every request served exactly once, every connection closed, and at most
    /// `max_connections` connections.
    ///
    /// Use it where no exact count exists — a guard on a multi-thread runtime — instead of
    /// comparing whole reports. Pick `max_connections` well below `calls`: the races of a
    /// multi-thread runtime cost a connection or two, a leak costs one per call. Half the calls,
    /// with at least four calls, tells them apart.
    ///
    /// ```
    /// use keepalive_probe::Report;
    ///
    /// assert!(Report::closed([4, 1]).check_bound(5, 2).is_ok());
    /// assert!(Report::closed([1, 1, 1, 1, 1]).check_bound(5, 2).is_err());
    /// ```
    pub fn check_bound(&self, calls: usize, max_connections: usize) -> Result<(), BoundViolation> {
        if self.requests != calls {
            return Err(BoundViolation::RequestsServed {
                calls,
                served: self.requests,
            });
        }
        if self.open > 0 {
            return Err(BoundViolation::StillOpen(self.open));
        }
        if self.accepted > max_connections {
            return Err(BoundViolation::TooManyConnections {
                allowed: max_connections,
                accepted: self.accepted,
                requests_per_connection: self.requests_per_connection.clone(),
            });
        }
        Ok(())
    }
}
