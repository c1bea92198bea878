//! Error statuses do not matter to keep-alive; unread error bodies do. `error_for_status()?` is
//! the early return that drops an error body unread — cheap when the body is small, a new TCP
//! connection per request when it is not.

use keepalive_probe::scenario;

use crate::support::expect::assert_connections;

/// A 500 with a 2-byte body, `error_for_status()?`: hyper read the whole body ahead with the
/// headers (the response fits hyper's first 8 KiB read), so the connection was already idle when
/// the response was dropped. One connection.
#[test]
fn error_for_status_on_small_error_body_still_reuses() {
    assert_connections(
        scenario::families::error_for_status_on_small_error_body_still_reuses(),
        [5],
    );
}

/// A 500 with a 1 MiB body, `error_for_status()?`: the body is dropped unfinished, hyper's
/// `poll_drain_or_close_read` reads once, finds more to come, and closes. One connection per
/// request — the keep-alive leak hiding in error handling.
#[test]
fn error_for_status_on_large_error_body_forces_new_connection() {
    assert_connections(
        scenario::families::error_for_status_on_large_error_body_forces_new_connection(),
        [1, 1, 1, 1, 1],
    );
}

/// The same 500s, bodies read to the end: one connection. The fix for the leak above is to read
/// (or bound-read) error bodies before returning.
#[test]
fn reading_large_error_body_keeps_the_connection() {
    assert_connections(
        scenario::families::reading_large_error_body_keeps_the_connection(),
        [5],
    );
}
