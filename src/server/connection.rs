//! One connection's task: wait for the first request within the header read timeout, let hyper
//! serve the rest over a stream that notes how the connection ended, and close the ledger record
//! however the task ends.

use std::sync::Arc;

use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::ending::WatchedStream;
use super::faults::{ConnectionFaults, Ended};
use super::service::CountingService;
use super::shared::{Role, Shared};
use crate::event::Event;
use crate::ledger::ConnectionRecord;

/// Serves one connection, accepted at `accepted`, until either side closes it.
pub(super) async fn serve(
    shared: Arc<Shared>,
    stream: TcpStream,
    record: Arc<ConnectionRecord>,
    accepted: Instant,
) {
    let _closed = CloseOnDrop {
        shared: Arc::clone(&shared),
        record: Arc::clone(&record),
    };
    // Small responses must not wait for Nagle's algorithm; the counts do not depend on it.
    let _ = stream.set_nodelay(true);
    // One deadline from the accept to the first request (see `serve_http`), the TLS handshake
    // included.
    let deadline = shared.header_read_timeout.map(|timeout| accepted + timeout);
    match &shared.role {
        Role::Origin => {}
        Role::Relay(upstream) => {
            super::relay::relay(&shared, stream, &record, *upstream).await;
            return;
        }
        Role::ForwardProxy(credentials) => {
            super::proxy::serve(&shared, stream, &record, credentials.clone(), accepted).await;
            return;
        }
    }
    let faults = Arc::new(ConnectionFaults::new(shared.faults.clone(), accepted));
    let stream = WatchedStream::new(stream, Arc::clone(&record)).closing_as(Arc::clone(&faults));
    #[cfg(feature = "tls")]
    if let Some(tls) = &shared.tls {
        let handshake = tls.accept(stream, &record);
        let secured = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, handshake).await {
                Ok(secured) => secured,
                Err(_) => {
                    record.saw_tls(crate::handshake::TlsSeen::failed(
                        "no handshake within the header read timeout".to_owned(),
                    ));
                    None
                }
            },
            None => handshake.await,
        };
        if let Some(secured) = secured {
            // Watched again above TLS: the client's close_notify is its clean close, which hyper
            // answers with a shutdown before the socket below sees the client's FIN.
            let secured = WatchedStream::new(secured, Arc::clone(&record));
            let secured = frames_read(secured, &record, &faults);
            let connection = Connection {
                record,
                faults,
                tls: true,
            };
            serve_http(&shared, TokioIo::new(secured), connection, deadline).await;
        }
        return;
    }
    let stream = frames_read(stream, &record, &faults);
    let connection = Connection {
        record,
        faults,
        tls: false,
    };
    serve_http(&shared, TokioIo::new(stream), connection, deadline).await;
}

/// The stream hyper serves, shown to the HTTP/2 frame reader as it passes (with `http2`), which
/// also writes an abrupt `GOAWAY` the faults ask for.
#[cfg(feature = "http2")]
fn frames_read<S>(
    stream: S,
    record: &Arc<ConnectionRecord>,
    faults: &Arc<ConnectionFaults>,
) -> super::h2_watch::H2Watched<S> {
    super::h2_watch::H2Watched::new(stream, Arc::clone(record), Arc::clone(faults))
}

/// Without `http2` every connection is HTTP/1: there are no frames to read.
#[cfg(not(feature = "http2"))]
fn frames_read<S>(stream: S, _: &Arc<ConnectionRecord>, _: &Arc<ConnectionFaults>) -> S {
    stream
}

/// One connection's record and faults, and whether it is HTTPS.
struct Connection {
    record: Arc<ConnectionRecord>,
    faults: Arc<ConnectionFaults>,
    tls: bool,
}

/// Lets hyper serve `io` until either side closes it or a fault ends it, the first request due by
/// `deadline`.
async fn serve_http<I>(
    shared: &Arc<Shared>,
    io: I,
    connection: Connection,
    deadline: Option<Instant>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let Connection {
        record,
        faults,
        tls,
    } = connection;
    let first_request = Arc::new(Notify::new());
    let service = CountingService::new(
        Arc::clone(shared),
        Arc::clone(&record),
        Arc::clone(&first_request),
        Arc::clone(&faults),
    );
    let serving = shared.http.serve_connection(io, service);
    tokio::pin!(serving);
    // hyper-util first reads a few bytes to tell HTTP/1 from HTTP/2, with no timeout, and hyper's
    // header timer starts only after that read: a client that sends one byte just before the
    // timeout and then nothing would stay open for nearly two timeouts. One deadline from the
    // accept to the first request covers both; hyper's timer covers the idle time after it.
    let mut first_due = deadline;
    loop {
        tokio::select! {
            // A client's broken bytes end its own connection, never the server: the error is the
            // client's, and the ledger already holds what the connection did.
            _ = serving.as_mut() => return,
            arrived = first_request_by(first_due, &first_request) => {
                if !arrived {
                    return;
                }
                first_due = None;
            }
            ended = faults.ended(tls) => match ended {
                // Dropping hyper's connection drops the socket, which closes as the fault said.
                Ended::Now(fault) => {
                    record.ended_by_fault(fault);
                    return;
                }
                Ended::Gracefully(fault) => {
                    record.ended_by_fault(fault);
                    serving.as_mut().graceful_shutdown();
                }
            },
        }
    }
}

/// Whether the first request arrives by `due`; never resolves without a deadline.
async fn first_request_by(due: Option<Instant>, first_request: &Notify) -> bool {
    match due {
        Some(due) => tokio::time::timeout_at(due, first_request.notified())
            .await
            .is_ok(),
        None => std::future::pending().await,
    }
}

/// Closes `record` and reports it, once.
pub(super) fn close(shared: &Shared, record: &ConnectionRecord) {
    shared.ledger.close_then(record, |requests, ended| {
        shared.emit(&Event::Closed {
            id: record.id(),
            requests,
            ended,
        });
    });
}

/// Closes the ledger record however the connection task ends, aborted by shutdown included.
struct CloseOnDrop {
    shared: Arc<Shared>,
    record: Arc<ConnectionRecord>,
}

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        close(&self.shared, &self.record);
    }
}
