//! Concurrency and pool limits: HTTP/1.1 carries one request at a time per connection, so a
//! client opens as many connections as it has requests in flight, and its pool decides how many
//! survive between bursts.

use keepalive_probe::scenario;

use crate::support::expect::assert_connections;

/// K requests at once on a fresh client: every checkout finds the pool empty, so each starts its
/// own connect (`one_connection_for`), and no HTTP/1.1 connection can take a second request
/// while the first is in flight. K connections, one request each.
#[test]
fn concurrent_requests_open_one_connection_each() {
    for concurrency in [2, 4, 8] {
        assert_connections(
            scenario::families::concurrent_requests_open_one_connection_each(concurrency),
            vec![1; concurrency],
        );
    }
}

/// Three at once, then six one by one: the six all ride the connection that went idle last,
/// because hyper-util keeps idle connections in a `Vec` and `IdlePopper::pop` takes from its end.
/// The other two stay idle until the client is dropped. Per connection: `[1, 1, 7]`.
#[test]
fn sequential_requests_after_a_burst_reuse_the_last_idle_connection() {
    assert_connections(
        scenario::families::sequential_requests_after_a_burst_reuse_the_last_idle_connection(),
        [1, 1, 7],
    );
}

/// `pool_max_idle_per_host(1)` and two bursts of four: after the first burst `Pool::put` keeps the
/// first connection to go idle and drops the other three (the host's list is full); the second
/// burst reuses that one and connects three more. Seven connections: `[2, 1, 1, 1, 1, 1, 1]`.
#[test]
fn pool_max_idle_keeps_only_that_many_between_bursts() {
    assert_connections(
        scenario::families::pool_max_idle_keeps_only_that_many_between_bursts(),
        [2, 1, 1, 1, 1, 1, 1],
    );
}
