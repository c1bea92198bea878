//! The connection ledger: one record per accepted TCP connection.
//!
//! A record is opened when the accept loop accepts a socket — before hyper has read a single byte —
//! so a socket that connects and never sends a request is still counted. The request path touches
//! only its own record (one atomic increment); the ledger's lock is taken on accept and when a
//! report is read, never per request.
//!
//! A record costs about 85 bytes of heap (measured: an `Arc`'d 56-byte record plus its slot); a
//! long-running server can cap the kept records (`ServerBuilder::max_connection_details`),
//! folding the oldest closed ones into counters so the report's totals stay exact. Only a capped
//! ledger takes its lock on close, to fold.

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use tokio::sync::Notify;

use crate::event::{Event, EventSink};

/// The server's name for one accepted TCP connection, assigned in accept order starting at 1.
///
/// Peer addresses are not identities: the kernel hands the same ephemeral port to a new socket once
/// the old one is gone, so two connections can share a peer address within one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ConnectionId(u64);

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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a connection id: {0:?} (expected a positive integer)")]
pub struct ParseConnectionIdError(String);

impl FromStr for ConnectionId {
    type Err = ParseConnectionIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().parse::<u64>() {
            Ok(id) if id > 0 => Ok(ConnectionId(id)),
            _ => Err(ParseConnectionIdError(text.to_owned())),
        }
    }
}

/// One accepted connection, as the ledger saw it when the snapshot was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Connection {
    /// Accept order, starting at 1.
    pub id: ConnectionId,
    /// The client's address and ephemeral port.
    pub peer: SocketAddr,
    /// Requests the server dispatched on this connection (HTTP/2: streams).
    pub requests: u64,
    /// Whether the server has finished with the socket (either side closed it).
    pub closed: bool,
}

/// What a test asserts: how many connections the client opened and how it used them.
///
/// Plain data, compared whole, so a failed `assert_eq!` shows the whole picture:
/// `requests_per_connection: [1, 1, 1]` says "three connections, one request each" at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// TCP connections accepted.
    pub accepted: usize,
    /// Connections that carried at least one request.
    pub used: usize,
    /// Requests dispatched, over all connections.
    pub requests: u64,
    /// Requests carried by each connection, in accept order.
    pub requests_per_connection: Vec<u64>,
    /// Connections the server has not yet seen closed.
    pub open: usize,
}

impl Report {
    /// Summarises a list of connections (in accept order).
    pub fn from_connections(connections: &[Connection]) -> Self {
        let requests_per_connection: Vec<u64> = connections.iter().map(|c| c.requests).collect();
        Report {
            accepted: connections.len(),
            used: requests_per_connection.iter().filter(|&&n| n > 0).count(),
            requests: requests_per_connection.iter().sum(),
            requests_per_connection,
            open: connections.iter().filter(|c| !c.closed).count(),
        }
    }
}

/// The live record of one connection, shared by the ledger and the task serving it.
#[derive(Debug)]
pub(crate) struct ConnectionRecord {
    id: ConnectionId,
    peer: SocketAddr,
    requests: AtomicU64,
    closed: AtomicBool,
}

impl ConnectionRecord {
    pub(crate) fn id(&self) -> ConnectionId {
        self.id
    }

    fn snapshot(&self) -> Connection {
        Connection {
            id: self.id,
            peer: self.peer,
            requests: self.requests.load(Ordering::Acquire),
            closed: self.closed.load(Ordering::Acquire),
        }
    }
}

/// The totals of the closed connections whose records were folded away.
#[derive(Debug, Clone, Copy, Default)]
struct Folded {
    connections: usize,
    used: usize,
    requests: u64,
}

impl Folded {
    fn fold(&mut self, record: &ConnectionRecord) {
        let requests = record.requests.load(Ordering::Acquire);
        self.connections += 1;
        self.used += usize::from(requests > 0);
        self.requests += requests;
    }

    /// Adds the folded totals to a report of the kept records; folded connections are all closed.
    fn add_to(self, mut report: Report) -> Report {
        report.accepted += self.connections;
        report.used += self.used;
        report.requests += self.requests;
        report
    }
}

/// What the ledger's lock guards.
#[derive(Debug, Default)]
struct Records {
    /// Kept records, in accept order.
    kept: VecDeque<Arc<ConnectionRecord>>,
    folded: Folded,
    accepted: u64,
}

impl Records {
    /// Folds the oldest closed records until at most `limit` are kept. Open records are never
    /// folded (their counts can still change), so more than `limit` stay while that many are open.
    fn fold_down_to(&mut self, limit: usize) {
        while self.kept.len() > limit {
            let Some(oldest_closed) = self
                .kept
                .iter()
                .position(|r| r.closed.load(Ordering::Acquire))
            else {
                return;
            };
            if let Some(record) = self.kept.remove(oldest_closed) {
                self.folded.fold(&record);
            }
        }
    }
}

/// Every connection one server has accepted. Two servers never share a ledger.
#[derive(Debug)]
pub(crate) struct Ledger {
    records: Mutex<Records>,
    /// Most records kept in full; `None` keeps every one.
    detail_limit: Option<usize>,
    /// Woken on every accept and every close: the events that can make a report final.
    changed: Notify,
    events: EventSink,
}

impl Ledger {
    pub(crate) fn new(events: EventSink) -> Self {
        Ledger {
            records: Mutex::new(Records::default()),
            detail_limit: None,
            changed: Notify::new(),
            events,
        }
    }

    /// Keeps at most `limit` records in full (plus any still open), folding the oldest closed ones
    /// into the report's totals whenever a connection is accepted or closed.
    pub(crate) fn with_detail_limit(mut self, limit: Option<usize>) -> Self {
        self.detail_limit = limit;
        self
    }

    /// Opens the record of a freshly accepted socket.
    pub(crate) fn open(&self, peer: SocketAddr) -> Arc<ConnectionRecord> {
        let record = {
            let mut records = self.lock();
            records.accepted += 1;
            let record = Arc::new(ConnectionRecord {
                id: ConnectionId(records.accepted),
                peer,
                requests: AtomicU64::new(0),
                closed: AtomicBool::new(false),
            });
            records.kept.push_back(Arc::clone(&record));
            if let Some(limit) = self.detail_limit {
                records.fold_down_to(limit);
            }
            record
        };
        self.events.emit(&Event::Accepted {
            id: record.id,
            peer,
        });
        self.changed.notify_waiters();
        record
    }

    /// Counts one request on `record` and returns its number on that connection (1 for the first).
    pub(crate) fn count_request(&self, record: &ConnectionRecord, method: &str, path: &str) -> u64 {
        let number = record.requests.fetch_add(1, Ordering::AcqRel) + 1;
        self.events.emit(&Event::Request {
            id: record.id,
            number,
            method,
            path,
        });
        number
    }

    /// Marks `record` closed: the server will neither read from nor write to its socket again.
    pub(crate) fn close(&self, record: &ConnectionRecord) {
        let was_closed = match self.detail_limit {
            None => record.closed.swap(true, Ordering::AcqRel),
            // Closing and folding under one lock: whoever sees every record closed also sees the
            // folding that the last close did.
            Some(limit) => {
                let mut records = self.lock();
                let was_closed = record.closed.swap(true, Ordering::AcqRel);
                records.fold_down_to(limit);
                was_closed
            }
        };
        if was_closed {
            return;
        }
        self.events.emit(&Event::Closed {
            id: record.id,
            requests: record.requests.load(Ordering::Acquire),
        });
        self.changed.notify_waiters();
    }

    /// Every kept connection, in accept order.
    pub(crate) fn connections(&self) -> Vec<Connection> {
        self.lock().kept.iter().map(|r| r.snapshot()).collect()
    }

    /// The report: kept records in detail, folded ones in the totals.
    pub(crate) fn report(&self) -> Report {
        let (connections, folded) = {
            let records = self.lock();
            let connections: Vec<Connection> = records.kept.iter().map(|r| r.snapshot()).collect();
            (connections, records.folded)
        };
        folded.add_to(Report::from_connections(&connections))
    }

    /// The report, if every connection accepted so far is closed.
    pub(crate) fn final_report(&self) -> Option<Report> {
        let report = self.report();
        (report.open == 0).then_some(report)
    }

    /// Waits until every connection accepted so far is closed.
    ///
    /// Registers interest before checking, so a close that lands between the check and the wait
    /// still wakes us.
    pub(crate) async fn all_closed(&self) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self
                .lock()
                .kept
                .iter()
                .all(|r| r.closed.load(Ordering::Acquire))
            {
                return;
            }
            changed.await;
        }
    }

    /// The records are plain counters, valid even if a holder of the lock panicked.
    fn lock(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
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

    #[test]
    fn report_counts_used_and_open_connections() {
        let peer: SocketAddr = "127.0.0.1:9".parse().expect("literal address");
        let connection = |id, requests, closed| Connection {
            id: ConnectionId(id),
            peer,
            requests,
            closed,
        };
        let report = Report::from_connections(&[
            connection(1, 3, true),
            connection(2, 0, true),
            connection(3, 1, false),
        ]);
        assert_eq!(
            report,
            Report {
                accepted: 3,
                used: 2,
                requests: 4,
                requests_per_connection: vec![3, 0, 1],
                open: 1,
            }
        );
    }
}
