//! Requests in flight at once, and the pool's limits.

use crate::report::Report;
use crate::scenario::building::{base, one_request_per_connection};
use crate::scenario::{ClientSetup, Scenario, Step};

/// Requests in flight at once cannot share an HTTP/1.1 connection.
pub fn concurrent_requests_open_one_connection_each(concurrency: usize) -> Scenario {
    Scenario {
        variant: format!("{concurrency} at once"),
        steps: vec![Step::Concurrent(concurrency)],
        expected: Report::closed(one_request_per_connection(concurrency)).into(),
        ..base(
            "concurrent_requests_open_one_connection_each",
            "HTTP/1.1 carries one request at a time, so each in-flight request needs its own connection",
        )
    }
}

/// After a burst, sequential requests take the most recently idled connection every time.
pub fn sequential_requests_after_a_burst_reuse_the_last_idle_connection() -> Scenario {
    Scenario {
        variant: "3 at once, then 6 one by one".to_owned(),
        steps: vec![Step::Concurrent(3), Step::Sequential(6)],
        expected: Report::closed([1, 1, 7]).into(),
        ..base(
            "sequential_requests_after_a_burst_reuse_the_last_idle_connection",
            "the idle list is a stack: the connection put back last is checked out first",
        )
    }
}

/// `pool_max_idle_per_host(1)` keeps one connection between bursts; the others are closed.
pub fn pool_max_idle_keeps_only_that_many_between_bursts() -> Scenario {
    Scenario {
        variant: "pool_max_idle_per_host 1, two bursts of 4".to_owned(),
        client: ClientSetup {
            pool_max_idle_per_host: Some(1),
            ..ClientSetup::default()
        },
        steps: vec![Step::Concurrent(4), Step::Concurrent(4)],
        expected: Report::closed([2, 1, 1, 1, 1, 1, 1]).into(),
        ..base(
            "pool_max_idle_keeps_only_that_many_between_bursts",
            "the first connection to go idle fills the pool; the rest are closed as they go idle",
        )
    }
}
