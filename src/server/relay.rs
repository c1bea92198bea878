//! The relay: a client connection passed on, byte for byte, to an upstream server of the user's
//! (wiremock, a container, anything that speaks TCP), with one upstream connection per client
//! connection, and counted on the ledger as the counting server counts its own.
//!
//! The bytes are never changed, merged or held back (but that a reset drops what is in flight, as
//! it would without the relay). A FIN is passed on as a half-close, so either side may finish
//! sending first; a reset (RST) from either side is passed on as a reset (`SO_LINGER` 0), even
//! one that follows its FIN, so a client that abandons bytes unread looks the same to the
//! upstream as it would without the relay. The client's side of it is watched as the server's sockets are: the
//! ledger says who closed first. Requests are counted from their heads as they go by, and each
//! is answered once its response has passed whole ([`framing`](super::framing)); the bytes are
//! moved by [`pump`](super::pump).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::http;
use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::ending::{SocketState, WatchedStream};
use super::faults::SocketClose;
use super::framing::{Framing, Head, Reader, Seen, framing_by_headers};
use super::hello::{self, Hellos};
use super::pump::{Ends, Pumped, Watch, both_or_a_reset, pump};
use super::shared::Shared;
use crate::event::Event;
use crate::ledger::{ConnectionRecord, RequestKey};

/// The requests on a connection awaiting their responses, in order: each one's number, and its
/// method (a response to `HEAD` has no body, whatever its headers say; one to `CONNECT` opens a
/// tunnel).
#[derive(Debug, Default)]
struct Awaiting(Mutex<VecDeque<(usize, http::Method)>>);

impl Awaiting {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(usize, http::Method)>> {
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
    /// HTTP/2 in cleartext (h2c): its streams are read from its frames.
    #[cfg(feature = "http2")]
    Http2(Box<super::h2_frames::H2Frames>),
}

impl Speaks {
    /// What a connection whose client sent `bytes` first speaks.
    fn told_by(bytes: &[u8]) -> Speaks {
        if hello::is_tls(bytes) {
            return Speaks::Tls(Hellos::default());
        }
        #[cfg(feature = "http2")]
        if super::h2_frames::starts_with_preface(bytes) {
            return Speaks::Http2(Box::default());
        }
        Speaks::Http
    }

    /// Shows HTTP/2's frames to its reader, telling `record` of each change; whether the
    /// connection speaks HTTP/2 (else the bytes are left to the other readers).
    #[cfg(feature = "http2")]
    fn http2_frames(&mut self, record: &ConnectionRecord, bytes: &[u8], from_client: bool) -> bool {
        let Speaks::Http2(frames) = self else {
            return false;
        };
        let changed = if from_client {
            frames.client_sent(bytes)
        } else {
            frames.server_sent(bytes)
        };
        if let (true, Some(seen)) = (changed, frames.seen()) {
            record.saw_http2(seen.clone(), None);
        }
        true
    }

    /// Without `http2` no connection is read as HTTP/2.
    #[cfg(not(feature = "http2"))]
    fn http2_frames(&mut self, _: &ConnectionRecord, _: &[u8], _: bool) -> bool {
        false
    }
}

/// The one connection's state both directions share.
#[derive(Debug, Default)]
struct Passing {
    awaiting: Awaiting,
    speaks: Mutex<Speaks>,
    /// The upstream agreed to a switch of protocols or a tunnel: the client's bytes are no
    /// longer HTTP/1.
    switched: AtomicBool,
}

impl Passing {
    fn speaks(&self) -> std::sync::MutexGuard<'_, Speaks> {
        self.speaks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Relays the accepted `client` to `upstream` until both sides are done, counting on `record`.
pub(super) async fn relay(
    shared: &Shared,
    mut client: TcpStream,
    record: &Arc<ConnectionRecord>,
    upstream: SocketAddr,
) {
    // An upstream that refuses is passed on as a reset, the nearest a relay that has already
    // accepted the connection comes to a refusal.
    let Ok(upstream) = TcpStream::connect(upstream).await else {
        client.close_as(SocketClose::Rst);
        return;
    };
    let _ = upstream.set_nodelay(true);
    pass_on(shared, &mut client, upstream, record, &[]).await;
}

/// Passes `client`'s bytes on to `upstream` and back until both sides are done, counting on
/// `record`: `already_read` first, bytes the client sent that were read before (a tunnel's
/// first bytes, read with its `CONNECT`).
pub(super) async fn pass_on(
    shared: &Shared,
    client: &mut TcpStream,
    mut upstream: TcpStream,
    record: &Arc<ConnectionRecord>,
    already_read: &[u8],
) {
    let passing = Passing::default();
    let (requests_finished, responses_finished) = (Notify::new(), Notify::new());
    let (requests_ended, responses_ended) = {
        // Both halves of the client's socket are watched, as the server's sockets are: the
        // ledger learns from them how the connection ended, and who closed first.
        let (client_reads, client_writes) = client.split();
        let client_reads = WatchedStream::new(client_reads, Arc::clone(record));
        let client_writes = WatchedStream::new(client_writes, Arc::clone(record));
        let (upstream_reads, upstream_writes) = upstream.split();
        // A request is on the books before the upstream can answer it; a response is answered
        // once it has been written to the client.
        let requests = pump(
            Ends {
                from: client_reads,
                to: upstream_writes,
                already_read,
                finished: &requests_finished,
            },
            Reader::requests(),
            Watch::BeforeWriting,
            |reader, bytes| read_requests(shared, record, &passing, reader, bytes),
        );
        let responses = pump(
            Ends {
                from: upstream_reads,
                to: client_writes,
                already_read: &[],
                finished: &responses_finished,
            },
            Reader::responses(),
            Watch::AfterWriting,
            |reader, bytes| read_responses(record, &passing, reader, bytes),
        );
        both_or_a_reset(
            (requests, &requests_finished),
            (responses, &responses_finished),
        )
        .await
    };
    if let Speaks::Tls(hellos) = &mut *passing.speaks() {
        if let Some(seen) = hellos.at_end() {
            record.saw_tls(seen);
        }
    }
    // A reset from the client reaches the upstream, and the other way round. Finished
    // directions leave their sockets to close, with FIN, as they are dropped.
    if requests_ended == Pumped::SourceReset || responses_ended == Pumped::SinkReset {
        upstream.close_as(SocketClose::Rst);
    }
    if responses_ended == Pumped::SourceReset || requests_ended == Pumped::SinkReset {
        client.close_as(SocketClose::Rst);
    }
}

/// Counts each request head in `bytes` on `record`, as the counting server counts its own. What
/// follows a `CONNECT`, or a switch of protocols the upstream agreed to, is not read.
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
            *speaks = Speaks::told_by(bytes);
            if !matches!(*speaks, Speaks::Http) {
                reader.turn_off();
            }
        }
        if let Speaks::Tls(hellos) = &mut *speaks {
            hellos.client_sent(bytes);
            return;
        }
        if speaks.http2_frames(record, bytes, true) {
            return;
        }
    }
    if passing.switched.load(Ordering::Acquire) {
        reader.turn_off();
    }
    reader.read(
        bytes,
        |head, headers| match head {
            Head::Request { method, .. } if method == "CONNECT" => Framing::Opaque,
            _ => framing_by_headers(headers, Framing::None),
        },
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
            passing.awaiting.lock().push_back((number, method));
        },
    );
}

/// Notes each response in `bytes` on the request it answers: begun at its head, answered at its
/// end. An interim (1xx) response answers nothing; a switch of protocols (101) or a tunnel (2xx
/// to `CONNECT`) answers its request and ends the reading. No bytes: the upstream finished,
/// which ends a response that runs to the close.
fn read_responses(record: &ConnectionRecord, passing: &Passing, reader: &mut Reader, bytes: &[u8]) {
    {
        let mut speaks = passing.speaks();
        if let Speaks::Tls(hellos) = &mut *speaks {
            if let Some(seen) = hellos.server_sent(bytes) {
                record.saw_tls(seen);
            }
            return;
        }
        if speaks.http2_frames(record, bytes, false) {
            return;
        }
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
    let interim = std::cell::Cell::new(false);
    reader.read(
        bytes,
        |head, headers| {
            let Head::Response { status } = *head else {
                return Framing::None;
            };
            let method = awaiting.lock().front().map(|(_, method)| method.clone());
            interim.set((100..200).contains(&status) && status != 101);
            let tunnel = method == Some(http::Method::CONNECT) && (200..300).contains(&status);
            if status == 101 || tunnel {
                passing.switched.store(true, Ordering::Release);
                Framing::Opaque
            } else if interim.get()
                || method == Some(http::Method::HEAD)
                || status == 204
                || status == 304
            {
                Framing::None
            } else {
                framing_by_headers(headers, Framing::ToClose)
            }
        },
        |seen| match seen {
            Seen::Head(_) if !interim.get() => {
                if let Some((number, _)) = awaiting.lock().front() {
                    record.responded(*number, false);
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
}
