//! Counts that stay exact on a multi-thread runtime: those no race can change.

use crate::consume::Consume;
use crate::report::Ending;
use crate::scenario::Expected;
use crate::scenario::MIB;
use crate::scenario::families::{
    dropped_large_body_forces_new_connection, full_read_reuses_one_connection,
    server_keep_alive_disabled_opens_a_connection_per_request,
};
use crate::scenario::{Runtime, Scenario};

/// On two worker threads the counts that do not depend on who wins a race stay exact, and so do
/// the endings: a 1 MiB body never fits the client's receive buffer, so at the client's FIN the
/// server still holds bytes the client never received.
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
        ..server_keep_alive_disabled_opens_a_connection_per_request(5)
    }
    .renamed(
        "multi_thread_keep_alive_disabled_opens_a_connection_per_request",
        "nothing is pooled, so nothing can race to be reused",
    )
}

/// Full reads on two worker threads: the connection count races (the caller's next checkout can
/// run before the connection task pools the connection), but how each connection ends does not.
pub fn multi_thread_full_read_closes_every_connection_cleanly() -> Scenario {
    Scenario {
        runtime: Runtime::MultiThread,
        expected: Expected::EveryConnectionEnded(Ending::ClientClosed),
        ..full_read_reuses_one_connection(MIB, 10)
    }
    .renamed(
        "multi_thread_full_read_closes_every_connection_cleanly",
        "the pool races, so the count varies; every body was read, so every connection ends with a clean FIN",
    )
}
