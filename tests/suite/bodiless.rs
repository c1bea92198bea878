//! Responses without a body leave nothing to drain: the client may drop them unread and still
//! reuse the connection, even when the server would have sent 1 MiB for a `GET /`.
//!
//! hyper knows from the status and the method that the message ends with its headers
//! (`role.rs` decodes `DecodedLength::ZERO`), so `poll_read_head` sets `Reading::KeepAlive`
//! before the caller even sees the response.

use keepalive_probe::scenario;

use crate::support::expect::assert_connections;

/// `HEAD /`: the `Content-Length` header describes the body a `GET` would get; none follows.
#[test]
fn head_response_reuses_without_reading() {
    assert_connections(
        scenario::families::head_response_reuses_without_reading(),
        [5],
    );
}

/// `204 No Content` has no body by definition.
#[test]
fn no_content_204_reuses_without_reading() {
    assert_connections(
        scenario::families::no_content_204_reuses_without_reading(),
        [5],
    );
}

/// `304 Not Modified` has no body by definition.
#[test]
fn not_modified_304_reuses_without_reading() {
    assert_connections(
        scenario::families::not_modified_304_reuses_without_reading(),
        [5],
    );
}
