//! Whose pool: each client has its own, and the blocking client shares the async one's rules.

use crate::consume::Consume;
use crate::scenario::dropped_large_body_forces_new_connection;
use crate::scenario::table::{MIB, base};
use crate::scenario::{Runtime, Scenario, Step};

/// Each `reqwest::Client` has its own pool.
pub fn two_clients_never_share_connections() -> Scenario {
    Scenario {
        variant: "2 requests each, both clients alive".to_owned(),
        steps: vec![Step::Sequential(2), Step::NewClient, Step::Sequential(2)],
        expected_requests_per_connection: vec![2, 2],
        ..base(
            "two_clients_never_share_connections",
            "the pool belongs to the Client (and its clones); a second Client starts empty",
        )
    }
}

/// `reqwest::blocking` wraps the async client and reuses the same way.
pub fn blocking_client_full_read_reuses_one_connection() -> Scenario {
    Scenario {
        runtime: Runtime::Blocking,
        ..base(
            "blocking_client_full_read_reuses_one_connection",
            "the blocking client drives the same async pool on its own thread",
        )
    }
}

/// `reqwest::blocking` leaks connections on unread large bodies just as the async client does.
pub fn blocking_client_dropped_large_body_forces_new_connection() -> Scenario {
    Scenario {
        runtime: Runtime::Blocking,
        ..dropped_large_body_forces_new_connection(MIB, Consume::Unread)
    }
    .renamed(
        "blocking_client_dropped_large_body_forces_new_connection",
        "dropping a blocking Response drops the async body, and hyper closes the connection",
    )
}
