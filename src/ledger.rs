//! The connection ledger: one record per accepted TCP connection, the requests each carried, and
//! waiting until the ledger is final. It knows no sockets and no HTTP: the server tells it what
//! happened, and readers (reports, the request log, timelines, the CLI) take snapshots.
//!
//! A record is opened when the accept loop accepts a socket — before hyper has read a single byte —
//! so a socket that connects and never sends a request is still counted. The request path touches
//! only its own record (an uncontended lock, to append to the connection's request log) and one
//! atomic counter that orders events; the ledger's lock is taken on accept and when a snapshot is
//! read, never per request.
//!
//! Every accept, request and close gets a [`Moment`]: its place in the server's order of events,
//! and the time on tokio's clock since the server started. On a paused clock the times are
//! virtual and the same on every run; the order is exact on any clock.
//!
//! A record costs about 150 bytes of heap plus about 60 per logged request; a long-running server
//! can cap the kept records (`ServerBuilder::max_connection_details`), folding the oldest closed
//! ones into counters so the report's totals stay exact. Only a capped ledger takes its lock on
//! close, to fold.

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::http;
use serde::Serialize;
use tokio::sync::Notify;
use tokio::time::Instant;

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
pub struct Connection {
    /// Accept order, starting at 1.
    pub id: ConnectionId,
    /// The client's address and ephemeral port.
    pub peer: SocketAddr,
    /// Requests the server dispatched on this connection (HTTP/2: streams).
    pub requests: usize,
    /// Whether the server has finished with the socket (either side closed it).
    pub closed: bool,
    /// When the socket was accepted.
    pub accepted: Moment,
    /// When the server finished with it, if it has.
    pub closed_at: Option<Moment>,
}

/// One request, as the server received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
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
}

/// What a test asserts: how many connections the client opened and how it used them.
///
/// Plain data, compared whole, so a failed `assert_eq!` shows the whole picture:
/// `requests_per_connection: [1, 1, 1]` says "three connections, one request each" at a glance.
/// Build an expected one with [`Report::closed`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// TCP connections accepted.
    pub accepted: usize,
    /// Connections that carried at least one request.
    pub used: usize,
    /// Requests dispatched, over all connections.
    pub requests: usize,
    /// Requests carried by each connection, in accept order.
    pub requests_per_connection: Vec<usize>,
    /// Connections the server has not yet seen closed.
    pub open: usize,
}

impl Report {
    /// The report of connections that carried these requests, in accept order, every one of them
    /// closed: what a test expects once the client is gone.
    ///
    /// ```
    /// use keepalive_probe::Report;
    ///
    /// let report = Report::closed([3, 0, 1]);
    /// assert_eq!((report.accepted, report.used, report.requests, report.open), (3, 2, 4, 0));
    /// ```
    pub fn closed(requests_per_connection: impl Into<Vec<usize>>) -> Report {
        Report::tally(requests_per_connection.into(), 0)
    }

    /// The one derivation of the totals from per-connection counts.
    fn tally(requests_per_connection: Vec<usize>, open: usize) -> Report {
        Report {
            accepted: requests_per_connection.len(),
            used: requests_per_connection.iter().filter(|&&n| n > 0).count(),
            requests: requests_per_connection.iter().sum(),
            requests_per_connection,
            open,
        }
    }

    fn of(connections: &[Connection], folded: Folded) -> Report {
        let open = connections.iter().filter(|c| !c.closed).count();
        folded.add_to(Report::tally(
            connections.iter().map(|c| c.requests).collect(),
            open,
        ))
    }
}

/// The ledger read at one instant: the report, its connections and their requests agree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The totals (including connections folded away by a detail cap).
    pub report: Report,
    /// The kept connections, in accept order.
    pub connections: Vec<Connection>,
    /// The kept connections' requests, in the order the server received them.
    pub requests: Vec<Request>,
}

/// A request as its connection's record keeps it (the record knows its own id).
#[derive(Debug)]
struct LoggedRequest {
    /// A standard method is a constant: cloning it allocates nothing.
    method: http::Method,
    /// Shared with the previous request's when the same (a client in a loop): no allocation.
    path: Arc<str>,
    received: Moment,
}

/// The live record of one connection, shared by the ledger and the task serving it.
#[derive(Debug)]
pub(crate) struct ConnectionRecord {
    id: ConnectionId,
    peer: SocketAddr,
    accepted: Moment,
    /// Written by the connection's own task only, so the lock is never contended but by readers.
    state: Mutex<RecordState>,
}

#[derive(Debug, Default)]
struct RecordState {
    requests: Vec<LoggedRequest>,
    closed: Option<Moment>,
}

impl ConnectionRecord {
    pub(crate) fn id(&self) -> ConnectionId {
        self.id
    }

    pub(crate) fn peer(&self) -> SocketAddr {
        self.peer
    }

    fn state(&self) -> MutexGuard<'_, RecordState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_closed(&self) -> bool {
        self.state().closed.is_some()
    }

    fn snapshot(&self, requests: &mut Vec<Request>) -> Connection {
        let state = self.state();
        requests.extend(state.requests.iter().enumerate().map(|(index, r)| Request {
            connection: self.id,
            number: index + 1,
            method: r.method.to_string(),
            path: r.path.to_string(),
            received: r.received,
        }));
        Connection {
            id: self.id,
            peer: self.peer,
            requests: state.requests.len(),
            closed: state.closed.is_some(),
            accepted: self.accepted,
            closed_at: state.closed,
        }
    }
}

/// The totals of the closed connections whose records were folded away.
#[derive(Debug, Clone, Copy, Default)]
struct Folded {
    connections: usize,
    used: usize,
    requests: usize,
}

impl Folded {
    fn fold(&mut self, record: &ConnectionRecord) {
        let requests = record.state().requests.len();
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
            let Some(oldest_closed) = self.kept.iter().position(|r| r.is_closed()) else {
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
    /// When the server started: every [`Moment::at`] is measured from here.
    started: Instant,
    /// The last [`Moment::order`] handed out.
    order: AtomicU64,
}

impl Ledger {
    /// An empty ledger keeping at most `detail_limit` records in full (plus any still open),
    /// folding the oldest closed ones into the report's totals whenever a connection is accepted
    /// or closed; `None` keeps every record.
    pub(crate) fn new(detail_limit: Option<usize>) -> Self {
        Ledger {
            records: Mutex::new(Records::default()),
            detail_limit,
            changed: Notify::new(),
            started: Instant::now(),
            order: AtomicU64::new(0),
        }
    }

    fn now(&self) -> Moment {
        Moment {
            order: self.order.fetch_add(1, Ordering::AcqRel) + 1,
            at: self.started.elapsed(),
        }
    }

    /// Opens the record of a freshly accepted socket.
    pub(crate) fn open(&self, peer: SocketAddr) -> Arc<ConnectionRecord> {
        let record = {
            let mut records = self.lock();
            records.accepted += 1;
            let record = Arc::new(ConnectionRecord {
                id: ConnectionId(records.accepted),
                peer,
                // Taken under the lock, so accept order and event order agree.
                accepted: self.now(),
                state: Mutex::default(),
            });
            records.kept.push_back(Arc::clone(&record));
            if let Some(limit) = self.detail_limit {
                records.fold_down_to(limit);
            }
            record
        };
        self.changed.notify_waiters();
        record
    }

    /// Logs one request on `record` and returns its number on that connection (1 for the first).
    pub(crate) fn count_request(
        &self,
        record: &ConnectionRecord,
        method: &http::Method,
        path: &str,
    ) -> usize {
        let received = self.now();
        let mut state = record.state();
        let path = match state.requests.last() {
            Some(previous) if &*previous.path == path => Arc::clone(&previous.path),
            _ => Arc::from(path),
        };
        state.requests.push(LoggedRequest {
            method: method.clone(),
            path,
            received,
        });
        state.requests.len()
    }

    /// Marks `record` closed: the server will neither read from nor write to its socket again.
    /// Returns the requests it carried, the first time only (`None` if it was already closed).
    pub(crate) fn close(&self, record: &ConnectionRecord) -> Option<usize> {
        let close = || {
            let mut state = record.state();
            if state.closed.is_some() {
                return None;
            }
            state.closed = Some(self.now());
            Some(state.requests.len())
        };
        let requests = match self.detail_limit {
            None => close(),
            // Closing and folding under one lock: whoever sees every record closed also sees the
            // folding that the last close did.
            Some(limit) => {
                let mut records = self.lock();
                let requests = close();
                records.fold_down_to(limit);
                requests
            }
        };
        if requests.is_some() {
            self.changed.notify_waiters();
        }
        requests
    }

    /// The report, the kept connections and their requests, read under one lock.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let records = self.lock();
        let mut requests = Vec::new();
        let connections: Vec<Connection> = records
            .kept
            .iter()
            .map(|r| r.snapshot(&mut requests))
            .collect();
        requests.sort_by_key(|r| r.received.order);
        Snapshot {
            report: Report::of(&connections, records.folded),
            connections,
            requests,
        }
    }

    /// The report alone (the totals include folded connections).
    pub(crate) fn report(&self) -> Report {
        self.snapshot().report
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
            if self.lock().kept.iter().all(|r| r.is_closed()) {
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

    fn peer() -> SocketAddr {
        "127.0.0.1:9".parse().expect("literal address")
    }

    #[test]
    fn connection_ids_parse_from_header_text() {
        assert_eq!("7".parse::<ConnectionId>(), Ok(ConnectionId(7)));
        assert!("0".parse::<ConnectionId>().is_err());
        assert!("seven".parse::<ConnectionId>().is_err());
    }

    #[test]
    fn a_closed_report_counts_used_connections_and_requests() {
        assert_eq!(
            Report::closed([3, 0, 1]),
            Report {
                accepted: 3,
                used: 2,
                requests: 4,
                requests_per_connection: vec![3, 0, 1],
                open: 0,
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_snapshot_orders_requests_across_connections_as_received() {
        let ledger = Ledger::new(None);
        let first = ledger.open(peer());
        let second = ledger.open(peer());
        ledger.count_request(&first, &http::Method::GET, "/a");
        ledger.count_request(&second, &http::Method::GET, "/b?x=1");
        ledger.count_request(&first, &http::Method::POST, "/c");
        assert_eq!(ledger.close(&second), Some(1));
        assert_eq!(ledger.close(&second), None, "a record closes once");
        let snapshot = ledger.snapshot();
        let log: Vec<(u64, usize, &str)> = snapshot
            .requests
            .iter()
            .map(|r| (r.connection.get(), r.number, r.path.as_str()))
            .collect();
        assert_eq!(log, [(1, 1, "/a"), (2, 1, "/b?x=1"), (1, 2, "/c")]);
        assert_eq!(snapshot.report, Report::tally(vec![2, 1], 1));
        let orders: Vec<u64> = snapshot
            .requests
            .iter()
            .map(|r| r.received.order)
            .chain(snapshot.connections[1].closed_at.map(|m| m.order))
            .collect();
        assert_eq!(orders, [3, 4, 5, 6], "accepts took 1 and 2");
    }

    #[tokio::test(start_paused = true)]
    async fn a_capped_ledger_folds_closed_records_but_keeps_totals() {
        let ledger = Ledger::new(Some(1));
        for _ in 0..3 {
            let record = ledger.open(peer());
            ledger.count_request(&record, &http::Method::GET, "/");
            ledger.close(&record);
        }
        let snapshot = ledger.snapshot();
        assert_eq!(
            snapshot.report,
            Report {
                accepted: 3,
                used: 3,
                requests: 3,
                requests_per_connection: vec![1],
                open: 0,
            }
        );
        assert_eq!(snapshot.connections[0].id, ConnectionId(3));
    }
}
