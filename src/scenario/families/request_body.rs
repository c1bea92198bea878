//! What the server does with a request body. hyper's server drains an unread request body the way
//! its client drains an unread response body: when the handler drops the body, the dispatcher's
//! `poll_read` finds the body channel closed and calls `Conn::poll_drain_or_close_read`, which
//! reads once more; if the body is not finished, `close_read` turns keep-alive off and the server
//! closes the connection after its response.

use crate::report::{Ending, Report};
use crate::scenario::building::{base, one_request_per_connection, size_label};
use crate::scenario::{Handler, Method, RequestSetup, Scenario, ServerSetup};

fn post(body_bytes: usize, handler: Handler) -> Scenario {
    Scenario {
        variant: format!(
            "POST {} body, {}",
            size_label(body_bytes),
            if handler == Handler::ReadsRequestBody {
                "handler reads it"
            } else {
                "handler ignores it"
            }
        ),
        server: ServerSetup {
            handler,
            ..ServerSetup::default()
        },
        request: RequestSetup {
            method: Method::Post,
            path: "/upload",
            body_bytes,
            ..RequestSetup::default()
        },
        ..base("", "")
    }
}

/// A handler that answers without reading a request body the server had read ahead, or could
/// finish with one drain read, keeps the connection (up to 28 KiB with these set-ups).
pub fn server_ignoring_a_request_body_it_can_drain_still_reuses(body_bytes: usize) -> Scenario {
    post(body_bytes, Handler::IgnoresRequestBody).renamed(
        "server_ignoring_a_request_body_it_can_drain_still_reuses",
        "hyper's server had read the body ahead or finished it with its one drain read",
    )
}

/// A handler that answers without reading a large request body costs the client a new
/// connection per request, though every request succeeds: Go's server reads up to 256 KiB of an
/// unread request body; hyper's reads once.
pub fn server_ignoring_a_large_request_body_closes_each_connection(body_bytes: usize) -> Scenario {
    Scenario {
        expected: Report::closed(one_request_per_connection(5))
            .ended_by(Ending::ServerClosed)
            .into(),
        ..post(body_bytes, Handler::IgnoresRequestBody)
    }
    .renamed(
        "server_ignoring_a_large_request_body_closes_each_connection",
        "poll_drain_or_close_read on the server reads once, finds the body unfinished, and closes after the response",
    )
}

/// A handler that reads the request body to its end keeps the connection, whatever the size.
pub fn server_reading_the_request_body_reuses_one_connection(body_bytes: usize) -> Scenario {
    post(body_bytes, Handler::ReadsRequestBody).renamed(
        "server_reading_the_request_body_reuses_one_connection",
        "the request is finished when the handler has read it, so the server's connection goes idle",
    )
}
