//! The relay: a client connection passed on, byte for byte, to an upstream server of the user's
//! (wiremock, a container, anything that speaks TCP), with one upstream connection per client
//! connection, and counted on the ledger as the counting server counts its own.
//!
//! The bytes are never changed, merged or held back. A FIN is passed on as a half-close, so
//! either side may finish sending first; a reset (RST) from either side is passed on as a reset
//! (`SO_LINGER` 0), so a client that abandons bytes unread looks the same to the upstream as it
//! would without the relay. The client's side of it is watched as the server's sockets are: the
//! ledger says who closed first. Requests are counted from their heads as they go by, and each
//! is answered once its response has passed whole ([`framing`](super::framing)).

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ending::{SocketState, WatchedStream};
use super::faults::SocketClose;
use super::framing::{Framing, Head, Reader, Seen, framing_by_headers};
use super::hello::{self, Hellos};
use super::shared::Shared;
use crate::event::Event;
use crate::ledger::{ConnectionRecord, RequestKey};
use crate::report::Ending;

/// How much one read passes on at most.
const CHUNK: usize = 64 * 1024;

/// How one direction of the relay ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pumped {
    /// Its source finished sending (FIN), passed on as a half-close.
    Finished,
    /// Its source reset: the other side is reset too.
    SourceReset,
    /// Its sink refused the bytes (it had reset): the source is reset too.
    SinkReset,
}

/// The requests on a connection awaiting their responses, in order: each one's number, and
/// whether it was a `HEAD` (its response has no body, whatever its headers say).
#[derive(Debug, Default)]
struct Awaiting(Mutex<VecDeque<(usize, bool)>>);

impl Awaiting {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(usize, bool)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a connection speaks, as its client's first bytes tell.
#[derive(Debug, Default)]
enum Speaks {
    #[default]
    Unknown,
    /// HTTP/1 (or bytes the readers will give up on).
    Http,
    /// TLS: its hellos are read, its requests cannot be.
    Tls(Hellos),
}

/// The one connection's state both directions share.
#[derive(Debug, Default)]
struct Passing {
    awaiting: Awaiting,
    speaks: Mutex<Speaks>,
}

impl Passing {
    fn speaks(&self) -> std::sync::MutexGuard<'_, Speaks> {
        self.speaks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Relays the accepted `client` to `upstream` until both sides are done, counting on `record`.
pub(super) async fn relay(
    shared: &Shared,
    mut client: WatchedStream<TcpStream>,
    record: &Arc<ConnectionRecord>,
    upstream: SocketAddr,
) {
    // An upstream that refuses leaves the client to a close, as a refusing server would.
    let Ok(mut upstream) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = upstream.set_nodelay(true);
    let passing = Passing::default();
    let (requests_ended, responses_ended) = {
        let (client_reads, client_writes) = tokio::io::split(&mut client);
        let (upstream_reads, upstream_writes) = upstream.split();
        // The client's FIN is a reset when it left bytes unreceived (the watched socket tells,
        // as the server's do): the upstream is reset then, as it would have been without the
        // relay, whose buffers took the bytes the client never did.
        let requests = pump(
            client_reads,
            upstream_writes,
            Reader::requests(),
            |reader, bytes| read_requests(shared, record, &passing, reader, bytes),
            || record.ending_seen() == Some(Ending::ClientReset),
        );
        let responses = pump(
            upstream_reads,
            client_writes,
            Reader::responses(),
            |reader, bytes| read_responses(record, &passing, reader, bytes),
            || false,
        );
        both_or_a_reset(requests, responses).await
    };
    if let Speaks::Tls(hellos) = &mut *passing.speaks() {
        if let Some(seen) = hellos.at_end() {
            record.saw_tls(seen);
        }
    }
    // A reset from the client reaches the upstream, and the other way round. Finished
    // directions leave their sockets to close, with FIN, as they are dropped.
    if requests_ended == Some(Pumped::SourceReset) || responses_ended == Some(Pumped::SinkReset) {
        SocketState::close_as(&upstream, SocketClose::Rst);
    }
    if responses_ended == Some(Pumped::SourceReset) || requests_ended == Some(Pumped::SinkReset) {
        client.close_as(SocketClose::Rst);
    }
}

/// Runs both directions until each has finished, or one resets: then both stop at once. Returns
/// how each ended (`None`: stopped by the other's reset).
async fn both_or_a_reset(
    requests: impl Future<Output = Pumped>,
    responses: impl Future<Output = Pumped>,
) -> (Option<Pumped>, Option<Pumped>) {
    tokio::pin!(requests, responses);
    let (mut up, mut down) = (None, None);
    loop {
        tokio::select! {
            ended = &mut requests, if up.is_none() => up = Some(ended),
            ended = &mut responses, if down.is_none() => down = Some(ended),
        }
        let reset = [up, down]
            .iter()
            .any(|ended| matches!(ended, Some(Pumped::SourceReset | Pumped::SinkReset)));
        if reset || (up.is_some() && down.is_some()) {
            return (up, down);
        }
    }
}

/// Passes `from`'s bytes on to `to`, showing each read to `watch` (with `reader`) first, until
/// `from` finishes (passed on as a half-close; `watch` is shown no bytes then, and a finish
/// `reset_at_finish` says is a reset is one) or either side resets.
async fn pump<R, W>(
    mut from: R,
    mut to: W,
    mut reader: Reader,
    mut watch: impl FnMut(&mut Reader, &[u8]),
    reset_at_finish: impl Fn() -> bool,
) -> Pumped
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buffer = vec![0; CHUNK];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) => {
                watch(&mut reader, &[]);
                if reset_at_finish() {
                    return Pumped::SourceReset;
                }
                let _ = to.shutdown().await;
                return Pumped::Finished;
            }
            Ok(read) => read,
            // A read that fails otherwise than by a reset ends the connection all the same.
            Err(_) => return Pumped::SourceReset,
        };
        watch(&mut reader, &buffer[..read]);
        if to.write_all(&buffer[..read]).await.is_err() {
            return Pumped::SinkReset;
        }
    }
}

/// Counts each request head in `bytes` on `record`, as the counting server counts its own.
fn read_requests(
    shared: &Shared,
    record: &ConnectionRecord,
    passing: &Passing,
    reader: &mut Reader,
    bytes: &[u8],
) {
    {
        let mut speaks = passing.speaks();
        if matches!(*speaks, Speaks::Unknown) && !bytes.is_empty() {
            *speaks = if hello::is_tls(bytes) {
                reader.turn_off();
                Speaks::Tls(Hellos::default())
            } else {
                Speaks::Http
            };
        }
        if let Speaks::Tls(hellos) = &mut *speaks {
            hellos.client_sent(bytes);
            return;
        }
    }
    let awaiting = &passing.awaiting;
    let mut tunnel = false;
    reader.read(
        bytes,
        |_, headers| framing_by_headers(headers, Framing::None),
        |seen| {
            let Seen::Head(Head::Request {
                method,
                target,
                request_id,
                content_length,
            }) = seen
            else {
                return;
            };
            let Ok(method) = http::Method::from_bytes(method.as_bytes()) else {
                return;
            };
            let key = RequestKey::new(request_id.as_deref(), content_length);
            let number = shared.ledger.count_request(record, &method, &target, key);
            shared.emit(&Event::Request {
                id: record.id(),
                peer: record.peer(),
                number,
                method: method.as_str(),
                path: &target,
            });
            tunnel |= method == http::Method::CONNECT;
            awaiting
                .lock()
                .push_back((number, method == http::Method::HEAD));
        },
    );
    if tunnel {
        reader.turn_off();
    }
}

/// Notes each response in `bytes` on the request it answers: begun at its head, answered at its
/// end. An interim (1xx) response answers nothing; a switch of protocols ends the reading. No
/// bytes: the upstream finished, which ends a response that runs to the close.
fn read_responses(record: &ConnectionRecord, passing: &Passing, reader: &mut Reader, bytes: &[u8]) {
    if let Speaks::Tls(hellos) = &mut *passing.speaks() {
        if let Some(seen) = hellos.server_sent(bytes) {
            record.saw_tls(seen);
        }
        return;
    }
    let awaiting = &passing.awaiting;
    if bytes.is_empty() {
        if reader.end_of_stream() == Some(Seen::End) {
            if let Some((number, _)) = awaiting.lock().pop_front() {
                record.responded(number, true);
            }
        }
        return;
    }
    let mut switched = false;
    let interim = std::cell::Cell::new(false);
    reader.read(
        bytes,
        |head, headers| {
            let Head::Response { status } = *head else {
                return Framing::None;
            };
            interim.set((100..200).contains(&status));
            let to_head = awaiting.lock().front().is_some_and(|&(_, head)| head);
            if interim.get() || to_head || status == 204 || status == 304 {
                Framing::None
            } else {
                framing_by_headers(headers, Framing::ToClose)
            }
        },
        |seen| match seen {
            Seen::Head(Head::Response { status }) => {
                switched |= status == 101;
                if let Some(&(number, _)) = awaiting.lock().front() {
                    if !interim.get() {
                        record.responded(number, false);
                    }
                }
            }
            Seen::End if !interim.get() => {
                if let Some((number, _)) = awaiting.lock().pop_front() {
                    record.responded(number, true);
                }
            }
            _ => {}
        },
    );
    if switched {
        reader.turn_off();
    }
}
