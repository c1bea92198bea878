//! Dropping a response without reading its body — Go's classic keep-alive leak. Go's client
//! (before 1.27) opens a new connection every time; reqwest (hyper) does not always. What decides
//! it is whether the body is *finished* when the client lets go, and hyper finishes it only with
//! what it has already read, plus at most one more read:
//!
//! - hyper reads one body frame ahead of the caller (the dispatcher's `poll_read` fills the body
//!   channel's single slot as soon as the headers are parsed);
//! - when the response is dropped, `Dispatcher::poll_read` calls `Conn::poll_drain_or_close_read`
//!   ("if the read side can be cheaply drained, do so; otherwise, close"), which calls
//!   `poll_read_body` exactly once: if that reaches the end of the message the connection is kept,
//!   otherwise `close_read` disables keep-alive.
//!
//! hyper's first read on a connection is 8 KiB (`INIT_BUFFER_SIZE`), and each read that fills its
//! buffer doubles the next (`ReadStrategy::Adaptive`). So a body that arrives with its headers in
//! 8 KiB costs nothing, one that a 16 KiB drain read can finish survives but races the next
//! request, and anything larger closes the connection. Reading the first chunk and then dropping
//! behaves exactly like dropping unread: `chunk()` returns the frame hyper had already read ahead,
//! without a further read.
//!
//! Every count here is exact on a current-thread runtime: client, server and connection tasks run
//! in one deterministic order, and loopback delivers each write inside the sending system call.
#![cfg(feature = "scenarios")]

use keepalive_probe::Consume;
use keepalive_probe::scenario::{self, KIB, MIB};

use crate::support::expect::assert_connections;

/// Both ways to let a body go: unread, and after its first chunk (the module's docs say why they
/// behave alike).
const BOTH_CONSUMES: [Consume; 2] = [Consume::Unread, Consume::FirstChunk];

/// A `Content-Length` body that fits, with its ~160 bytes of headers, into hyper's first 8 KiB
/// read is complete before the caller sees the response: `Conn::poll_read_body` reached the end
/// of the message during the read-ahead and set `Reading::KeepAlive`. Dropping it costs nothing.
#[test]
fn dropped_body_that_arrived_with_the_headers_still_reuses() {
    for body_bytes in [0, 2, KIB, 4 * KIB] {
        for consume in BOTH_CONSUMES {
            assert_connections(
                scenario::families::dropped_body_that_arrived_with_the_headers_still_reuses(
                    body_bytes, consume,
                ),
                [5],
            );
        }
    }
}

/// An 8 KiB body (8351 bytes with headers) overflows the first 8192-byte read, so `try_send_request`
/// spawns the task that returns the connection once it is idle. Request 2's checkout finds the
/// pool empty and starts a connect (`select(checkout, connect)` in `one_connection_for`). Then
/// `poll_drain_or_close_read` reads the last 159 bytes, already in the socket, and `Pool::put`
/// hands connection 1 to the waiting checkout; the connect finishes in the background and leaves
/// connection 2 idle. The full first read doubled connection 1's next read to 16 KiB, so from
/// request 2 on each response arrives whole with its headers and connection 1 is back on top of
/// the idle stack at once. Connection 2 never carries a request: `[5, 0]`.
#[test]
fn dropped_body_finished_by_the_drain_read_races_an_extra_connection() {
    for consume in BOTH_CONSUMES {
        assert_connections(
            scenario::families::dropped_body_finished_by_the_drain_read_races_an_extra_connection(
                consume,
            ),
            [5, 0],
        );
    }
}

/// A 16 KiB body: request 2 races as above and gets connection 1; connection 2 goes idle. Response
/// 2 fills connection 1's 16 KiB read without finishing, so request 3 checks out connection 2, the
/// only idle one; connection 1 comes back later with its next read doubled to 32 KiB. Connection
/// 2's first 8 KiB read is again unfinished, so request 4 takes connection 1, whose 32 KiB read
/// now holds the whole response: it is back on top at once and serves request 5. Served by
/// connections 1, 1, 2, 1, 1: `[4, 1]`.
#[test]
fn dropped_body_two_reads_long_shares_requests_between_two_connections() {
    for consume in BOTH_CONSUMES {
        assert_connections(
            scenario::families::dropped_body_two_reads_long_shares_requests_between_two_connections(
                consume,
            ),
            [4, 1],
        );
    }
}

/// A small chunked body arrives whole in one read, terminator included, but hyper's chunked
/// decoder (`Decoder::decode`) returns the data frame before it reaches `ChunkedState::End`, and
/// `poll_read_body` runs again only when the caller wants more. So the connection goes idle only
/// when `poll_drain_or_close_read` runs after the drop — always after the next request's checkout
/// has started a connect. Request 2 gets connection 1 from `put`, connection 2 goes idle, and from
/// then on each checkout finds only the connection not used last: served by 1, 1, 2, 1, 2 —
/// `[3, 2]`.
#[test]
fn dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections() {
    for body_bytes in [2, KIB, 4 * KIB] {
        for consume in BOTH_CONSUMES {
            assert_connections(
                scenario::families::dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections(
                    body_bytes, consume,
                ),
                [3, 2],
            );
        }
    }
}

/// A body hyper cannot finish with one drain read (32 KiB and up on a fresh connection) is
/// abandoned: `poll_drain_or_close_read` reads once, is not at the end, and `close_read` disables
/// keep-alive. Every request pays a new TCP handshake — Go's leak, in reqwest.
#[test]
fn dropped_large_body_forces_new_connection() {
    for body_bytes in [32 * KIB, 64 * KIB, MIB] {
        for consume in BOTH_CONSUMES {
            assert_connections(
                scenario::families::dropped_large_body_forces_new_connection(body_bytes, consume),
                [1, 1, 1, 1, 1],
            );
        }
    }
}

/// A chunked body of several 16 KiB chunks: the drain read returns the next chunk's data, not the
/// end of the message, so hyper closes — whatever the total size.
#[test]
fn dropped_multi_chunk_body_forces_new_connection() {
    for consume in BOTH_CONSUMES {
        assert_connections(
            scenario::families::dropped_multi_chunk_body_forces_new_connection(consume),
            [1, 1, 1, 1, 1],
        );
    }
}
