//! Error statuses: the status does not matter to keep-alive, an unfinished body does.

use crate::consume::Consume;
use crate::report::{Ending, Report};
use crate::scenario::MIB;
use crate::scenario::building::{base, consume_label, one_request_per_connection, size_label};
use crate::scenario::{RequestSetup, Scenario, ServerSetup};

fn error_status(body_bytes: usize, consume: Consume) -> Scenario {
    Scenario {
        variant: format!(
            "500 with {} body, {}",
            size_label(body_bytes),
            consume_label(consume)
        ),
        server: ServerSetup {
            body_bytes,
            ..ServerSetup::default()
        },
        request: RequestSetup {
            path: "/status/500",
            ..RequestSetup::default()
        },
        consume,
        ..base("", "")
    }
}

/// `error_for_status()?` drops a small error body unread, but it had arrived with the headers.
pub fn error_for_status_on_small_error_body_still_reuses() -> Scenario {
    error_status(2, Consume::ErrorForStatus).renamed(
        "error_for_status_on_small_error_body_still_reuses",
        "a small error body was read ahead with the headers, so dropping it costs nothing",
    )
}

/// `error_for_status()?` on a large error body is the keep-alive leak hiding in error handling.
pub fn error_for_status_on_large_error_body_forces_new_connection() -> Scenario {
    Scenario {
        expected: Report::closed(one_request_per_connection(5))
            .ended_by(Ending::ClientReset)
            .into(),
        ..error_status(MIB, Consume::ErrorForStatus)
    }
    .renamed(
        "error_for_status_on_large_error_body_forces_new_connection",
        "the early return drops an unfinished body, so hyper closes the connection",
    )
}

/// Reading the error body to the end keeps the connection, whatever the status.
pub fn reading_large_error_body_keeps_the_connection() -> Scenario {
    error_status(MIB, Consume::ToEnd).renamed(
        "reading_large_error_body_keeps_the_connection",
        "the status does not matter to keep-alive; an unfinished body does",
    )
}
