//! Counts that stay exact on a multi-thread runtime: those no race can change.

use crate::consume::Consume;
use crate::scenario::table::MIB;
use crate::scenario::{Runtime, Scenario};
use crate::scenario::{
    dropped_large_body_forces_new_connection,
    server_keep_alive_disabled_opens_a_connection_per_request,
};

/// On two worker threads the counts that do not depend on who wins a race stay exact.
pub fn multi_thread_dropped_large_body_opens_a_connection_per_request() -> Scenario {
    Scenario {
        runtime: Runtime::MultiThread,
        ..dropped_large_body_forces_new_connection(MIB, Consume::Unread)
    }
    .renamed(
        "multi_thread_dropped_large_body_opens_a_connection_per_request",
        "a closed connection never returns to the pool, so no race can reuse it",
    )
}

/// Keep-alive off is exact on any runtime: no connection is ever pooled.
pub fn multi_thread_keep_alive_disabled_opens_a_connection_per_request() -> Scenario {
    Scenario {
        runtime: Runtime::MultiThread,
        ..server_keep_alive_disabled_opens_a_connection_per_request()
    }
    .renamed(
        "multi_thread_keep_alive_disabled_opens_a_connection_per_request",
        "nothing is pooled, so nothing can race to be reused",
    )
}
