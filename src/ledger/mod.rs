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
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::http;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::handshake::Handshakes;
use crate::report::{AcceptedConnection, ConnectionId, Ending, Endings, Moment, Report, Snapshot};

mod identity;
mod record;

use identity::{Answer, Identity, Resends};
pub(crate) use identity::{BodyDigest, RequestKey};
pub(crate) use record::ConnectionRecord;

/// The totals of the closed connections whose records were folded away.
#[derive(Debug, Clone, Default)]
struct Folded {
    connections: usize,
    used: usize,
    requests: usize,
    ended: Endings,
    tls: Handshakes,
    tunnels: usize,
    streams: usize,
    /// Their unanswered and re-sent requests, and the identities a later request may repeat.
    resends: Resends,
}

impl Folded {
    fn fold(&mut self, record: &ConnectionRecord) {
        let requests = record.requests();
        self.connections += 1;
        self.used += usize::from(requests > 0);
        self.requests += requests;
        self.ended.add(record.ending());
        if let Some(tls) = record.tls() {
            self.tls.add(tls.handshake);
        }
        self.tunnels += record.tunnels();
        self.streams += record.streams();
        for (identity, answer) in record.identities() {
            self.resends.feed(identity, answer);
        }
    }

    /// The report of the kept connections plus the folded ones (all closed), their requests'
    /// identities in the order received.
    fn report(&self, kept: &[AcceptedConnection], identities: &[(Identity, Answer)]) -> Report {
        let mut ended = self.ended;
        let mut tls = self.tls;
        for connection in kept {
            ended.add(connection.ended);
            if let Some(seen) = &connection.tls {
                tls.add(seen.handshake);
            }
        }
        let mut report = Report::tally(
            kept.iter().map(|c| c.requests).collect(),
            self.connections,
            ended,
        );
        report.used += self.used;
        report.requests += self.requests;
        report.tls = tls;
        report.tunnels = self.tunnels + kept.iter().map(|c| c.tunnels.len()).sum::<usize>();
        report.streams = self.streams
            + kept
                .iter()
                .filter_map(|c| c.http2.as_ref())
                .map(|seen| seen.streams)
                .sum::<usize>();
        let mut resends = self.resends.clone();
        for &(identity, answer) in identities {
            resends.feed(identity, answer);
        }
        report.unanswered = resends.unanswered;
        report.resent = resends.resent;
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
    /// The last [`Moment::order`] handed out, shared with the records (HTTP/2 streams follow it).
    order: Arc<AtomicU64>,
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
            order: Arc::new(AtomicU64::new(0)),
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
            // The moment is taken under the lock, so accept order and event order agree.
            let record = Arc::new(ConnectionRecord::new(
                ConnectionId(records.accepted),
                peer,
                self.now(),
                Arc::clone(&self.order),
            ));
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
        key: RequestKey,
    ) -> usize {
        record.log_request(self.now(), method, path, key)
    }

    /// [`close_then`](Self::close_then) with nothing to announce.
    #[cfg(test)]
    pub(crate) fn close(&self, record: &ConnectionRecord) -> Option<(usize, Ending)> {
        self.close_then(record, |_, _| {})
    }

    /// Marks `record` closed: the server will neither read from nor write to its socket again.
    /// Returns the requests it carried and how it ended, the first time only (`None` if it was
    /// already closed). A socket that showed no ending of its own was ended by the server.
    ///
    /// `announce` is called with the close before anyone waiting for closes wakes: a waiter that
    /// has seen every connection closed has seen every close announced (the CLI prints its last
    /// event line before the report that follows the wait).
    pub(crate) fn close_then(
        &self,
        record: &ConnectionRecord,
        announce: impl FnOnce(usize, Ending),
    ) -> Option<(usize, Ending)> {
        let close = || record.close(|| self.now());
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
        if let Some((carried, ending)) = requests {
            announce(carried, ending);
            self.changed.notify_waiters();
        }
        requests
    }

    /// Calls `f` on every record still open.
    pub(crate) fn each_open(&self, f: impl Fn(&ConnectionRecord)) {
        for record in self.lock().kept.iter().filter(|r| !r.is_closed()) {
            f(record);
        }
    }

    /// The report, the kept connections and their requests, read under one lock.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let records = self.lock();
        let mut requests = Vec::new();
        let connections: Vec<AcceptedConnection> = records
            .kept
            .iter()
            .map(|r| r.snapshot(&mut requests))
            .collect();
        requests.sort_by_key(|(r, _, _)| r.received.order);
        let identities: Vec<(Identity, Answer)> = requests
            .iter()
            .map(|&(_, identity, answer)| (identity, answer))
            .collect();
        Snapshot {
            report: records.folded.report(&connections, &identities),
            connections,
            requests: requests.into_iter().map(|(r, _, _)| r).collect(),
        }
    }

    /// The report alone (the totals include folded connections).
    pub(crate) fn report(&self) -> Report {
        self.snapshot().report
    }

    /// The snapshot, if every connection accepted so far is closed.
    pub(crate) fn final_snapshot(&self) -> Option<Snapshot> {
        let snapshot = self.snapshot();
        (snapshot.report.ended.open == 0).then_some(snapshot)
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

    #[tokio::test(start_paused = true)]
    async fn the_snapshot_orders_requests_across_connections_as_received() {
        let ledger = Ledger::new(None);
        let first = ledger.open(peer());
        let second = ledger.open(peer());
        ledger.count_request(&first, &http::Method::GET, "/a", RequestKey::default());
        ledger.count_request(&second, &http::Method::GET, "/b?x=1", RequestKey::default());
        ledger.count_request(&first, &http::Method::POST, "/c", RequestKey::default());
        for (record, numbers) in [(&first, 1..=2), (&second, 1..=1)] {
            numbers.for_each(|n| record.responded(n, true));
        }
        assert_eq!(ledger.close(&second), Some((1, Ending::ServerClosed)));
        assert_eq!(ledger.close(&second), None, "a record closes once");
        let snapshot = ledger.snapshot();
        let log: Vec<(u64, usize, &str)> = snapshot
            .requests
            .iter()
            .map(|r| (r.connection.get(), r.number, r.path.as_str()))
            .collect();
        assert_eq!(log, [(1, 1, "/a"), (2, 1, "/b?x=1"), (1, 2, "/c")]);
        assert_eq!(
            snapshot.report,
            Report::closed([2, 1]).with_endings(Endings {
                server_closed: 1,
                open: 1,
                ..Endings::default()
            })
        );
        let orders: Vec<u64> = snapshot
            .requests
            .iter()
            .map(|r| r.received.order)
            .chain(snapshot.connections[1].closed_at.map(|m| m.order))
            .collect();
        assert_eq!(orders, [3, 4, 5, 6], "accepts took 1 and 2");
    }

    /// The first ending a socket shows is how it ended, but for a reset after the client's FIN:
    /// that client shut down, then closed with bytes unread.
    #[tokio::test(start_paused = true)]
    async fn the_first_ending_seen_is_how_the_connection_ended() {
        let ledger = Ledger::new(None);
        let server_first = ledger.open(peer());
        server_first.saw_ending(Ending::ServerClosed);
        server_first.saw_ending(Ending::ClientReset);
        server_first.saw_reset_after_end_of_file();
        assert_eq!(ledger.close(&server_first), Some((0, Ending::ServerClosed)));
        let fin_then_rst = ledger.open(peer());
        fin_then_rst.saw_ending(Ending::ClientClosed);
        fin_then_rst.saw_reset_after_end_of_file();
        assert_eq!(ledger.close(&fin_then_rst), Some((0, Ending::ClientReset)));
    }

    /// Issue 18: a capped ledger's `requests_per_connection` lists only kept connections, and the
    /// report says how many were folded, so `accepted == folded + len` holds.
    #[tokio::test(start_paused = true)]
    async fn a_capped_ledger_folds_closed_records_but_keeps_totals_and_endings() {
        let ledger = Ledger::new(Some(1));
        for ending in [
            Ending::ClientReset,
            Ending::ClientClosed,
            Ending::ClientClosed,
        ] {
            let record = ledger.open(peer());
            ledger.count_request(&record, &http::Method::GET, "/", RequestKey::default());
            record.responded(1, true);
            record.saw_ending(ending);
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
                folded: 2,
                ended: Endings {
                    client_closed: 2,
                    client_reset: 1,
                    ..Endings::default()
                },
                tls: Handshakes::default(),
                unanswered: 0,
                resent: 0,
                tunnels: 0,
                streams: 0,
            }
        );
        assert_eq!(
            snapshot.report.accepted,
            snapshot.report.folded + snapshot.report.requests_per_connection.len()
        );
        assert_eq!(snapshot.connections[0].id, ConnectionId(3));
    }
}
