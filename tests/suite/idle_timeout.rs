//! Idle timeouts decide how long a pooled connection stays worth reusing. Every pause here runs on
//! tokio's paused clock: the scenario's runtime starts paused and `sleep` jumps virtual time
//! forward as soon as nothing else can happen, so a 10-second pause takes microseconds.
//!
//! Both timers are tokio timers: reqwest gives hyper-util's pool `TokioTimer` (reqwest's
//! `async_impl/client.rs`: `builder.pool_timer(TokioTimer::new())`), and the counting server's
//! idle timeout is hyper's header-read timeout on the same clock.

use keepalive_probe::scenario;

use crate::support::expect::{assert_connections, assert_outcome};

/// `pool_idle_timeout(5 s)`, then a 10-second pause: at checkout hyper-util's `IdlePopper::pop`
/// skips an entry whose `Expiration::expires` says it has been idle longer than the timeout
/// (strictly longer), and the pool connects anew. Two connections, one request each.
#[test]
fn client_idle_timeout_shorter_than_the_pause_opens_a_new_connection() {
    assert_connections(
        scenario::families::client_idle_timeout_shorter_than_the_pause_opens_a_new_connection(),
        [1, 1],
    );
}

/// `pool_idle_timeout(30 s)` and the same 10-second pause: the connection has not expired, so
/// the second request reuses it. One connection, two requests.
#[test]
fn client_idle_timeout_longer_than_the_pause_reuses() {
    assert_connections(
        scenario::families::client_idle_timeout_longer_than_the_pause_reuses(),
        [2],
    );
}

/// The server closes connections idle for 5 s; the client pauses 10 s. The close reaches the
/// client while its connection sits idle in the pool: the idle dispatcher's
/// `poll_read_keep_alive` → `require_empty_read` reads EOF, the connection task ends, and
/// `is_open()` is false when the next checkout looks, so it is skipped — a new connection, and no
/// request fails.
#[test]
fn server_idle_close_before_reuse_costs_a_new_connection_not_an_error() {
    assert_connections(
        scenario::families::server_idle_close_before_reuse_costs_a_new_connection_not_an_error(),
        [1, 1],
    );
}

/// The stale pooled connection behind reqwest's "connection closed before message completed":
/// the server's 5 s idle timeout and the client's 5 s pause end at the same virtual instant. The
/// time driver wakes both; the current-thread scheduler runs the server's connection task first,
/// which closes the socket, and then the client's request. Its checkout still finds the connection
/// open — the client's connection task has not yet read the EOF — so the request is written into
/// a closed socket and fails. It is not retried: hyper-util's `retry_canceled_requests` covers
/// only a request that was never written, and reqwest's retry layer (`retry.rs`,
/// `ProtocolNacks`) retries only HTTP/2 refusals. One connection, one request served, one
/// request failed. In production the same window is a few microseconds wide and hit at random;
/// the paused clock makes it exact.
#[test]
fn server_idle_close_at_the_moment_of_reuse_fails_the_request() {
    assert_outcome(
        scenario::families::server_idle_close_at_the_moment_of_reuse_fails_the_request(),
        [1],
        1,
    );
}

/// The failed request says why it failed: reqwest's error and its causes, hyper's "connection
/// closed before message completed" among them. (The runner used to count the failure and drop
/// the error, so a wrong count said `failed_requests: 1` and nothing else.)
#[test]
fn a_failed_request_keeps_its_error() {
    let observed = scenario::families::server_idle_close_at_the_moment_of_reuse_fails_the_request()
        .run_observed()
        .expect("runs");
    assert_eq!(observed.request_errors.len(), 1);
    assert!(
        observed.request_errors[0].contains("connection closed before message completed"),
        "{:?}",
        observed.request_errors
    );
}
