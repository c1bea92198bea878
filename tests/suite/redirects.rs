//! Redirects: reqwest follows a 302 to the same host through the same pool, so the second hop
//! can reuse the first hop's connection — if the 302's body did not get in the way.

use keepalive_probe::scenario;

use crate::support::expect::assert_connections;

/// `GET /redirect` → 302 → `GET /`, five times, 2-byte bodies: the 302's body arrived with its
/// headers, so the connection is idle when reqwest sends the next hop. One connection, ten
/// requests.
#[test]
fn followed_redirect_reuses_the_connection_for_both_hops() {
    assert_connections(
        scenario::families::followed_redirect_reuses_the_connection_for_both_hops(),
        [10],
    );
}

/// The same with 1 MiB bodies: reqwest's redirect handling drops the 302 response without
/// reading its body, and hyper closes that connection. The second hop opens a new one, reads
/// its body to the end, and so leaves it idle for the next call's first hop:
/// `[1, 2, 2, 2, 2, 1]` — six connections for five calls.
#[test]
fn redirect_with_large_body_costs_a_connection_per_hop() {
    assert_connections(
        scenario::families::redirect_with_large_body_costs_a_connection_per_hop(),
        [1, 2, 2, 2, 2, 1],
    );
}
