//! Framing: how the client knows where a response ends. `Content-Length` and chunked transfer
//! encoding both delimit a message, so both allow reuse when read to the end; HTTP/1.0 without
//! `Connection: keep-alive` delimits a message by closing the connection.
#![cfg(feature = "scenarios")]

use keepalive_probe::scenario::{self, KIB, MIB};

use crate::support::expect::assert_connections;

/// A chunked body (`/chunked`, 16 KiB chunks, no `Content-Length`) read to the end: the
/// zero-length last chunk ends the message, hyper's chunked decoder reports end of stream, and
/// the connection goes idle exactly as with `Content-Length`.
#[test]
fn chunked_full_read_reuses_one_connection() {
    for body_bytes in [2, 64 * KIB, MIB] {
        assert_connections(
            scenario::families::chunked_full_read_reuses_one_connection(body_bytes, 10),
            [10],
        );
    }
}

/// Requests sent as HTTP/1.0: without `Connection: keep-alive`, an HTTP/1.0 exchange ends with
/// the connection (hyper's client does not ask for keep-alive on 1.0, and the server does not
/// offer it), so every request opens its own connection.
#[test]
fn http_1_0_request_opens_a_connection_per_request() {
    assert_connections(
        scenario::families::http_1_0_request_opens_a_connection_per_request(),
        [1, 1, 1, 1, 1],
    );
}
