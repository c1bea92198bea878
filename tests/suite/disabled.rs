//! Keep-alive switched off, on purpose, four ways: every request opens its own TCP connection,
//! and the ledger shows every one of them closed once the client is dropped.
//!
//! Each way ends in the same place in hyper: the connection's keep-alive state becomes
//! `KA::Disabled`, so after the response `State::try_keep_alive` (`proto/h1/conn.rs`) closes the
//! connection instead of making it idle, and nothing goes back to the pool.
//!
//! - `pool_max_idle_per_host(0)` disables hyper-util's pool (`pool::Config::is_enabled` is
//!   false): `one_connection_for` connects for every request, and the dispatcher closes the
//!   connection once its response body ends, because its sender is gone.
//! - `Connection: close` on the request: hyper's `Conn::encode_head` calls `disable_keep_alive`
//!   when it writes such a head, and the server closes after answering.
//! - Keep-alive off on the server (`http1().keep_alive(false)`, Go's
//!   `SetKeepAlivesEnabled(false)`): the server answers `Connection: close` and closes after the
//!   response.
//! - A handler that adds `Connection: close` itself: the client parses it (`proto/h1/role.rs`),
//!   `keep_alive &= msg.keep_alive` turns keep-alive off, and the connection ends with the
//!   response.
#![cfg(feature = "scenarios")]

use keepalive_probe::scenario;

use crate::support::expect::assert_connections;

/// Five sequential `GET /`, 2-byte bodies read to the end, keep-alive off by `pool_max_idle_per_host(0)`:
/// five connections, one request each.
#[test]
fn client_pool_disabled_opens_a_connection_per_request() {
    assert_connections(
        scenario::families::client_pool_disabled_opens_a_connection_per_request(),
        [1, 1, 1, 1, 1],
    );
}

/// Five sequential `GET /`, 2-byte bodies read to the end, keep-alive off by `Connection: close` on each request:
/// five connections, one request each.
#[test]
fn request_connection_close_opens_a_connection_per_request() {
    assert_connections(
        scenario::families::request_connection_close_opens_a_connection_per_request(),
        [1, 1, 1, 1, 1],
    );
}

/// Five sequential `GET /`, 2-byte bodies read to the end, keep-alive off on the server:
/// five connections, one request each.
#[test]
fn server_keep_alive_disabled_opens_a_connection_per_request() {
    assert_connections(
        scenario::families::server_keep_alive_disabled_opens_a_connection_per_request(),
        [1, 1, 1, 1, 1],
    );
}

/// Five sequential `GET /`, 2-byte bodies read to the end, keep-alive off by a handler answering `Connection: close`:
/// five connections, one request each.
#[test]
fn server_connection_close_header_opens_a_connection_per_request() {
    assert_connections(
        scenario::families::server_connection_close_header_opens_a_connection_per_request(),
        [1, 1, 1, 1, 1],
    );
}
