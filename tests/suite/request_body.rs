//! What the *server* does with a request body decides keep-alive too. Each scenario serves its own
//! axum handler through `ServerBuilder::router`, as a user's routes are served.
//!
//! hyper's server drains an unread request body exactly as its client drains an unread response
//! body: when the handler drops the body, `Dispatcher::poll_read` finds the body channel closed
//! ("body receiver dropped before eof, draining or closing") and calls
//! `Conn::poll_drain_or_close_read`, which reads once more. If that finishes the body the
//! connection stays; otherwise `close_read` turns keep-alive off and the server closes after the
//! response. Go's server is more forgiving: it reads up to 256 KiB of an unread request body
//! before deciding (`maxPostHandlerReadBytes` in net/http/server.go). Every request here succeeds;
//! only the connection count changes.

use keepalive_probe::scenario::{self, KIB, MIB};

use crate::support::expect::assert_connections;

/// Five POSTs whose handler answers without reading the body: a body the server had read ahead
/// with the head, or could finish with its one drain read, costs nothing. With these set-ups that
/// is up to 28 KiB; 32 KiB is the first size that closes.
#[test]
fn server_ignoring_a_request_body_it_can_drain_still_reuses() {
    for body_bytes in [0, 2, 4 * KIB, 16 * KIB, 28 * KIB] {
        assert_connections(
            scenario::families::server_ignoring_a_request_body_it_can_drain_still_reuses(
                body_bytes,
            ),
            [5],
        );
    }
}

/// Five POSTs with a body the handler ignores and one drain read cannot finish: the server closes
/// every connection after its response. Five connections, one request each, none failed.
#[test]
fn server_ignoring_a_large_request_body_closes_each_connection() {
    for body_bytes in [32 * KIB, 64 * KIB, MIB] {
        assert_connections(
            scenario::families::server_ignoring_a_large_request_body_closes_each_connection(
                body_bytes,
            ),
            [1, 1, 1, 1, 1],
        );
    }
}

/// The same POSTs, the handler reading the body to its end (axum's `Bytes` extractor): the
/// request is finished, the server's connection goes idle, and one connection carries all five.
#[test]
fn server_reading_the_request_body_reuses_one_connection() {
    for body_bytes in [2, MIB] {
        assert_connections(
            scenario::families::server_reading_the_request_body_reuses_one_connection(body_bytes),
            [5],
        );
    }
}
