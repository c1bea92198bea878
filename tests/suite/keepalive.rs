//! Keep-alive works when the client plays along: read every response body to its end and one TCP
//! connection carries every request, whatever the body size.
//!
//! Why: hyper's HTTP/1 client dispatcher (`proto/h1/dispatch.rs`) marks the connection idle the
//! moment its body decoder reaches the end of the message (`Conn::poll_read_body` sets
//! `Reading::KeepAlive`, then `State::try_keep_alive` → `idle()`), and hyper-util's pool puts it
//! back (`Pooled::drop` → `Pool::put`). On a current-thread runtime the scheduler runs that
//! connection task before it resumes the caller, so the connection is in the pool before
//! `bytes().await` returns, and the next request's checkout finds it.
#![cfg(feature = "scenarios")]

use keepalive_probe::scenario::{self, KIB, MIB};

use crate::support::expect::assert_connections;

/// N sequential requests, each body read to the end: exactly one connection, carrying all N.
/// The body size does not matter — empty, two bytes, 64 KiB or 1 MiB — because reuse depends on
/// the body being finished, not on how long it took to read.
#[test]
fn full_read_reuses_one_connection() {
    for body_bytes in [0, 2, 64 * KIB, MIB] {
        for requests in [1, 2, 10] {
            assert_connections(
                scenario::families::full_read_reuses_one_connection(body_bytes, requests),
                [requests],
            );
        }
    }
}
