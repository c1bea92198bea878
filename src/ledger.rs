//! The connection ledger: one record per accepted TCP connection.
//!
//! A record is opened when the accept loop accepts a socket — before hyper has read a single byte —
//! so a socket that connects and never sends a request is still counted. The request path touches
//! only its own record (one atomic increment); the ledger's lock is taken on accept and when a
//! report is read, never per request.

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

/// Every connection one server has accepted. Two servers never share a ledger.
#[derive(Debug)]
pub(crate) struct Ledger {
    records: Mutex<Vec<Arc<ConnectionRecord>>>,
    /// Woken on every accept and every close: the events that can make a report final.
    changed: Notify,
    events: EventSink,
}

impl Ledger {
    pub(crate) fn new(events: EventSink) -> Self {
        Ledger {
            records: Mutex::new(Vec::new()),
            changed: Notify::new(),
            events,
        }
    }

    /// Opens the record of a freshly accepted socket.
    pub(crate) fn open(&self, peer: SocketAddr) -> Arc<ConnectionRecord> {
        let record = {
            let mut records = self.lock();
            let record = Arc::new(ConnectionRecord {
                id: ConnectionId(records.len() as u64 + 1),
                peer,
                requests: AtomicU64::new(0),
                closed: AtomicBool::new(false),
            });
            records.push(Arc::clone(&record));
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
        if record.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.events.emit(&Event::Closed {
            id: record.id,
            requests: record.requests.load(Ordering::Acquire),
        });
        self.changed.notify_waiters();
    }

    /// Every connection so far, in accept order.
    pub(crate) fn connections(&self) -> Vec<Connection> {
        self.lock().iter().map(|r| r.snapshot()).collect()
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
            if self.lock().iter().all(|r| r.closed.load(Ordering::Acquire)) {
                return;
            }
            changed.await;
        }
    }

    /// The records are plain counters, valid even if a holder of the lock panicked.
    fn lock(&self) -> MutexGuard<'_, Vec<Arc<ConnectionRecord>>> {
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
