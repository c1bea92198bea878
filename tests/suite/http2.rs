//! HTTP/2 (h2c with prior knowledge): one connection multiplexes every request as a stream, so
//! concurrency costs no extra connections. The ledger counts streams as requests per connection.

use keepalive_probe::scenario;

use crate::support::expect::assert_connections;

/// K requests at once on a fresh client with `http2_prior_knowledge()`: the first checkout takes
/// hyper-util's HTTP/2 connecting lock (`pool::Pool::connecting`), the others wait on their
/// checkout, and when the connection is ready `Pool::put` hands a shared clone
/// (`Reservation::Shared`) to every waiter. One connection carrying K streams.
#[test]
fn http2_concurrent_requests_share_one_connection() {
    for concurrency in [2, 10, 50] {
        assert_connections(
            scenario::families::http2_concurrent_requests_share_one_connection(concurrency),
            [concurrency],
        );
    }
}
