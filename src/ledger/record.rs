//! One connection's live record: its requests, and how it ended. Shared by the ledger and the
//! task serving the connection, which alone writes it, so its lock is contended only by readers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::http;

use super::identity::{Answer, Identity, RequestKey};
use crate::fault::Fault;
use crate::handshake::TlsSeen;
#[cfg(feature = "http2")]
use crate::report::StreamSpan;
use crate::report::{
    AcceptedConnection, ConnectionId, Ending, Http2Seen, Moment, ReceivedRequest, Tunnel,
};

/// A request as its connection's record keeps it (the record knows its own id).
#[derive(Debug)]
struct LoggedRequest {
    /// A standard method is a constant: cloning it allocates nothing.
    method: http::Method,
    /// Shared with the previous request's when the same (a client in a loop): no allocation.
    path: Arc<str>,
    received: Moment,
    /// Its response was begun, and written whole.
    answer: Answer,
    /// Who it is, to tell a request sent again from a new one.
    key: RequestKey,
}

/// The live record of one connection, shared by the ledger and the task serving it.
#[derive(Debug)]
pub(crate) struct ConnectionRecord {
    id: ConnectionId,
    peer: SocketAddr,
    accepted: Moment,
    /// Written by the connection's own task only, so the lock is never contended but by readers.
    state: Mutex<RecordState>,
    /// The client's clean close was seen (end-of-file, or TLS's close_notify).
    end_of_file: AtomicBool,
    /// The server wrote after it (TLS's own close_notify): a reset after that may be the client's
    /// kernel refusing the server's bytes, not the client leaving bytes unread.
    wrote_after_end_of_file: AtomicBool,
    /// The ledger's last event order: an HTTP/2 stream opens and ends after one.
    #[cfg(feature = "http2")]
    events: Arc<AtomicU64>,
}

#[derive(Debug, Default)]
struct RecordState {
    requests: Vec<LoggedRequest>,
    /// The first ending its socket showed (end-of-file, a reset, the server's shutdown); the
    /// close takes it, or [`Ending::ServerClosed`] if the socket showed none.
    ending_seen: Option<Ending>,
    /// When it closed, and how it ended.
    closed: Option<(Moment, Ending)>,
    /// Its TLS handshake, once it ended (HTTPS only).
    tls: Option<TlsSeen>,
    /// The fault that ended it, if one did.
    fault: Option<Fault>,
    /// The tunnels a forward proxy opened on it.
    tunnels: Vec<Tunnel>,
    /// Its HTTP/2 streams, once its client's preface has passed.
    http2: Option<Http2Seen>,
}

impl ConnectionRecord {
    pub(super) fn new(
        id: ConnectionId,
        peer: SocketAddr,
        accepted: Moment,
        events: Arc<AtomicU64>,
    ) -> Self {
        // Without `http2` there are no streams to place.
        #[cfg(not(feature = "http2"))]
        drop(events);
        ConnectionRecord {
            id,
            peer,
            accepted,
            state: Mutex::default(),
            end_of_file: AtomicBool::new(false),
            wrote_after_end_of_file: AtomicBool::new(false),
            #[cfg(feature = "http2")]
            events,
        }
    }

    /// The ledger's count of events, which HTTP/2 streams are placed after.
    #[cfg(feature = "http2")]
    pub(crate) fn events(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.events)
    }

    pub(crate) fn id(&self) -> ConnectionId {
        self.id
    }

    pub(crate) fn peer(&self) -> SocketAddr {
        self.peer
    }

    fn state(&self) -> MutexGuard<'_, RecordState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Requests it has carried.
    pub(super) fn requests(&self) -> usize {
        self.state().requests.len()
    }

    /// Logs one request, received at `received`, and returns its number on the connection.
    pub(super) fn log_request(
        &self,
        received: Moment,
        method: &http::Method,
        path: &str,
        key: RequestKey,
    ) -> usize {
        let mut state = self.state();
        let path = match state.requests.last() {
            Some(previous) if &*previous.path == path => Arc::clone(&previous.path),
            _ => Arc::from(path),
        };
        state.requests.push(LoggedRequest {
            method: method.clone(),
            path,
            received,
            answer: Answer {
                responded: false,
                answered: false,
            },
            key,
        });
        state.requests.len()
    }

    /// Notes how the response to request `number` ended: written whole (`answered`), or begun
    /// and abandoned.
    pub(crate) fn responded(&self, number: usize, answered: bool) {
        if let Some(request) = self.state().requests.get_mut(number - 1) {
            request.answer = Answer {
                responded: true,
                answered,
            };
        }
    }

    /// Notes the digest of request `number`'s body, as far as the server read it.
    pub(crate) fn body_digest(&self, number: usize, digest: u64) {
        if let Some(request) = self.state().requests.get_mut(number - 1) {
            request.key.digest = digest;
        }
    }

    /// Notes the fault that ended it (the first one only).
    pub(crate) fn ended_by_fault(&self, fault: Fault) {
        self.state().fault.get_or_insert(fault);
    }

    /// Notes a tunnel a forward proxy opened on it.
    pub(crate) fn opened_tunnel(&self, tunnel: Tunnel) {
        self.state().tunnels.push(tunnel);
    }

    /// Notes its HTTP/2 streams as they are now.
    ///
    /// `seen` holds the counts; its streams' spans come as the ones that changed since the last
    /// call, from index `.0` on (`None`: none changed), so that the record copies what changed,
    /// not every span each time.
    #[cfg(feature = "http2")]
    pub(crate) fn saw_http2(&self, mut seen: Http2Seen, spans: Option<(usize, &[StreamSpan])>) {
        let mut state = self.state();
        seen.spans = state
            .http2
            .take()
            .map(|earlier| earlier.spans)
            .unwrap_or_default();
        if let Some((from, changed)) = spans {
            seen.spans.truncate(from);
            seen.spans.extend_from_slice(changed);
        }
        state.http2 = Some(seen);
    }

    /// The HTTP/2 streams its client opened (0 over HTTP/1).
    pub(super) fn streams(&self) -> usize {
        self.state().http2.as_ref().map_or(0, |seen| seen.streams)
    }

    /// How many tunnels were opened on it.
    pub(super) fn tunnels(&self) -> usize {
        self.state().tunnels.len()
    }

    /// Its requests' identities and what became of each, in order.
    pub(super) fn identities(&self) -> Vec<(Identity, Answer)> {
        self.state()
            .requests
            .iter()
            .map(|r| (r.key.identity(r.method.as_str(), &r.path), r.answer))
            .collect()
    }

    /// Closes the record at the moment `now` gives (taken under its lock, so no request is
    /// ordered after its close) and returns the requests it carried and how it ended; `None` if
    /// it was closed already. A socket that showed no ending of its own was ended by the server.
    pub(super) fn close(&self, now: impl FnOnce() -> Moment) -> Option<(usize, Ending)> {
        let mut state = self.state();
        if state.closed.is_some() {
            return None;
        }
        let ending = state.ending_seen.unwrap_or(Ending::ServerClosed);
        state.closed = Some((now(), ending));
        Some((state.requests.len(), ending))
    }

    pub(super) fn is_closed(&self) -> bool {
        self.state().closed.is_some()
    }

    /// How it ended, or [`Ending::Open`].
    pub(super) fn ending(&self) -> Ending {
        self.state()
            .closed
            .map_or(Ending::Open, |(_, ending)| ending)
    }

    /// Notes what the socket showed, if it is the first thing it showed: the first of end-of-file,
    /// a reset and the server's own shutdown is how the connection ended.
    pub(crate) fn saw_ending(&self, ending: Ending) {
        if ending == Ending::ClientClosed {
            self.end_of_file.store(true, Ordering::Relaxed);
        }
        self.state().ending_seen.get_or_insert(ending);
    }

    /// Notes that the server wrote bytes: one relaxed load per write, and a store only after the
    /// client's clean close.
    pub(crate) fn wrote(&self) {
        if self.end_of_file.load(Ordering::Relaxed) {
            self.wrote_after_end_of_file.store(true, Ordering::Relaxed);
        }
    }

    /// Notes how the TLS handshake went.
    pub(crate) fn saw_tls(&self, tls: TlsSeen) {
        self.state().tls = Some(tls);
    }

    /// Its TLS handshake, if it has had one.
    pub(super) fn tls(&self) -> Option<TlsSeen> {
        self.state().tls.clone()
    }

    /// Notes a reset that followed the client's FIN: the client shut its socket down, then closed
    /// it with bytes unread. It replaces a clean close; an ending the server chose stays.
    pub(crate) fn saw_reset_after_end_of_file(&self) {
        if self.wrote_after_end_of_file.load(Ordering::Relaxed) {
            return;
        }
        let mut state = self.state();
        if state.ending_seen == Some(Ending::ClientClosed) {
            state.ending_seen = Some(Ending::ClientReset);
        }
    }

    /// Its connection as it is now; its requests go to `requests`, each with its identity.
    pub(super) fn snapshot(
        &self,
        requests: &mut Vec<(ReceivedRequest, Identity, Answer)>,
    ) -> AcceptedConnection {
        let state = self.state();
        requests.extend(state.requests.iter().enumerate().map(|(index, r)| {
            let request = ReceivedRequest {
                connection: self.id,
                number: index + 1,
                method: r.method.to_string(),
                path: r.path.to_string(),
                received: r.received,
                responded: r.answer.responded,
                answered: r.answer.answered,
                request_id: r.key.request_id.as_deref().map(str::to_owned),
            };
            (
                request,
                r.key.identity(r.method.as_str(), &r.path),
                r.answer,
            )
        }));
        AcceptedConnection {
            id: self.id,
            peer: self.peer,
            requests: state.requests.len(),
            closed: state.closed.is_some(),
            ended: state.closed.map_or(Ending::Open, |(_, ending)| ending),
            accepted: self.accepted,
            closed_at: state.closed.map(|(moment, _)| moment),
            tls: state.tls.clone(),
            fault: state.fault,
            tunnels: state.tunnels.clone(),
            http2: state.http2.clone(),
        }
    }
}
