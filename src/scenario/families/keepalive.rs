//! Keep-alive when the client plays along: the body read to the end.

use crate::report::Report;
use crate::scenario::building::{base, size_label};
use crate::scenario::{RequestSetup, Scenario, ServerSetup, Step};

/// Reading every body to its end lets one connection carry every request.
pub fn full_read_reuses_one_connection(body_bytes: usize, requests: usize) -> Scenario {
    Scenario {
        variant: format!("{} body, {requests} requests", size_label(body_bytes)),
        server: ServerSetup {
            body_bytes,
            ..ServerSetup::default()
        },
        steps: vec![Step::Sequential(requests)],
        expected: Report::closed([requests]).into(),
        ..base(
            "full_read_reuses_one_connection",
            "the last body byte makes hyper's connection idle and back in the pool before bytes() returns",
        )
    }
}

/// Chunked transfer encoding read to the end reuses the connection just as a `Content-Length`
/// body does: the terminating zero-length chunk is the end of the message.
pub fn chunked_full_read_reuses_one_connection(body_bytes: usize, requests: usize) -> Scenario {
    Scenario {
        variant: format!(
            "{} chunked body, {requests} requests",
            size_label(body_bytes)
        ),
        request: RequestSetup {
            path: "/chunked",
            ..RequestSetup::default()
        },
        ..full_read_reuses_one_connection(body_bytes, requests)
    }
    .renamed(
        "chunked_full_read_reuses_one_connection",
        "reading to the 0-length last chunk ends the message as Content-Length does",
    )
}
