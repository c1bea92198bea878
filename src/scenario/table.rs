//! The scenario families and the table the matrix runs.
//!
//! Each public function builds one family — a behaviour named as a sentence, the name of its
//! integration test — for the parameters given, with the exact expectation for those parameters.
//! [`table`] instantiates every family with representative parameters.

use std::time::Duration;

use super::{ClientSetup, Method, RequestSetup, Runtime, Scenario, ServerSetup, Step};
use crate::consume::Consume;

/// One kibibyte.
pub const KIB: usize = 1024;
/// One mebibyte.
pub const MIB: usize = 1024 * KIB;

/// hyper's first read on a fresh connection (`INIT_BUFFER_SIZE` in hyper's `proto/h1/io.rs`):
/// a response whose headers and body fit in it arrives whole with the headers.
pub const HYPER_FIRST_READ: usize = 8 * KIB;

/// Every scenario in the matrix, in reading order.
pub fn table() -> Vec<Scenario> {
    let mut scenarios = Vec::new();
    for body in [0, 2, 64 * KIB, MIB] {
        scenarios.push(full_read_reuses_one_connection(body, 10));
    }
    for consume in [Consume::Unread, Consume::FirstChunk] {
        scenarios.push(dropped_body_that_arrived_with_the_headers_still_reuses(
            4 * KIB,
            consume,
        ));
        scenarios.push(dropped_body_finished_by_the_drain_read_races_an_extra_connection(consume));
        scenarios
            .push(dropped_body_two_reads_long_shares_requests_between_two_connections(consume));
        scenarios.push(
            dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections(2, consume),
        );
        for body in [64 * KIB, MIB] {
            scenarios.push(dropped_large_body_forces_new_connection(body, consume));
        }
        scenarios.push(dropped_multi_chunk_body_forces_new_connection(consume));
    }
    scenarios.extend([
        client_pool_disabled_opens_a_connection_per_request(),
        request_connection_close_opens_a_connection_per_request(),
        server_keep_alive_disabled_opens_a_connection_per_request(),
        server_connection_close_header_opens_a_connection_per_request(),
        http_1_0_request_opens_a_connection_per_request(),
        client_idle_timeout_shorter_than_the_pause_opens_a_new_connection(),
        client_idle_timeout_longer_than_the_pause_reuses(),
        server_idle_close_before_reuse_costs_a_new_connection_not_an_error(),
        server_idle_close_at_the_moment_of_reuse_fails_the_request(),
        concurrent_requests_open_one_connection_each(4),
        sequential_requests_after_a_burst_reuse_the_last_idle_connection(),
        pool_max_idle_keeps_only_that_many_between_bursts(),
        http2_concurrent_requests_share_one_connection(10),
        head_response_reuses_without_reading(),
        no_content_204_reuses_without_reading(),
        not_modified_304_reuses_without_reading(),
        error_for_status_on_small_error_body_still_reuses(),
        error_for_status_on_large_error_body_forces_new_connection(),
        reading_large_error_body_keeps_the_connection(),
        chunked_full_read_reuses_one_connection(MIB, 10),
        followed_redirect_reuses_the_connection_for_both_hops(),
        redirect_with_large_body_costs_a_connection_per_hop(),
        two_clients_never_share_connections(),
        blocking_client_full_read_reuses_one_connection(),
        blocking_client_dropped_large_body_forces_new_connection(),
        multi_thread_dropped_large_body_opens_a_connection_per_request(),
        multi_thread_keep_alive_disabled_opens_a_connection_per_request(),
    ]);
    scenarios
}

/// The defaults every family starts from: current-thread paused runtime, a 2-byte body, reqwest's
/// default client, five sequential `GET /` read to the end.
fn base(name: &'static str, why: &'static str) -> Scenario {
    Scenario {
        name,
        variant: String::new(),
        server: ServerSetup::default(),
        client: ClientSetup::default(),
        request: RequestSetup::default(),
        consume: Consume::ToEnd,
        steps: vec![Step::Sequential(5)],
        runtime: Runtime::CurrentThreadPaused,
        expected_requests_per_connection: vec![5],
        expected_failures: 0,
        why,
    }
}

/// `64 KiB`, `1 MiB`, `2 B`: body sizes as people say them.
pub fn size_label(bytes: usize) -> String {
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} B")
    }
}

fn consume_label(consume: Consume) -> &'static str {
    match consume {
        Consume::ToEnd => "read to end",
        Consume::Unread => "dropped unread",
        Consume::FirstChunk => "first chunk read",
        Consume::ErrorForStatus => "error_for_status()",
    }
}

fn one_request_per_connection(requests: usize) -> Vec<u64> {
    vec![1; requests]
}

// ---- keep-alive: the body read to the end ----

/// Reading every body to its end lets one connection carry every request.
pub fn full_read_reuses_one_connection(body_bytes: usize, requests: usize) -> Scenario {
    Scenario {
        variant: format!("{} body, {requests} requests", size_label(body_bytes)),
        server: ServerSetup {
            body_bytes,
            ..ServerSetup::default()
        },
        steps: vec![Step::Sequential(requests)],
        expected_requests_per_connection: vec![requests as u64],
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

// ---- no drain: the body dropped unread, or after one chunk ----

fn dropped(body_bytes: usize, path: &'static str, consume: Consume) -> Scenario {
    Scenario {
        variant: format!(
            "{} {}body, {}",
            size_label(body_bytes),
            if path == "/chunked" { "chunked " } else { "" },
            consume_label(consume)
        ),
        server: ServerSetup {
            body_bytes,
            ..ServerSetup::default()
        },
        request: RequestSetup {
            path,
            ..RequestSetup::default()
        },
        consume,
        ..base("", "")
    }
}

/// A `Content-Length` body small enough to arrive in hyper's first read, with the headers, is
/// complete before the caller sees the response: dropping it costs nothing.
pub fn dropped_body_that_arrived_with_the_headers_still_reuses(
    body_bytes: usize,
    consume: Consume,
) -> Scenario {
    dropped(body_bytes, "/", consume).renamed(
        "dropped_body_that_arrived_with_the_headers_still_reuses",
        "hyper read the whole body ahead with the headers, so the connection was idle before the drop",
    )
}

/// An 8 KiB body overflows hyper's first 8 KiB read; the drain read on drop finishes it, but only
/// after the next request has started a connect that ends up idle and unused.
pub fn dropped_body_finished_by_the_drain_read_races_an_extra_connection(
    consume: Consume,
) -> Scenario {
    Scenario {
        expected_requests_per_connection: vec![5, 0],
        ..dropped(HYPER_FIRST_READ, "/", consume)
    }
    .renamed(
        "dropped_body_finished_by_the_drain_read_races_an_extra_connection",
        "poll_drain_or_close_read finishes the body, but the next checkout has already started a connect",
    )
}

/// A 16 KiB body takes hyper's first read and its drain read; after the race of request 2, the
/// two connections' read buffers grow at different times and the requests split between them.
pub fn dropped_body_two_reads_long_shares_requests_between_two_connections(
    consume: Consume,
) -> Scenario {
    Scenario {
        expected_requests_per_connection: vec![4, 1],
        ..dropped(2 * HYPER_FIRST_READ, "/", consume)
    }
    .renamed(
        "dropped_body_two_reads_long_shares_requests_between_two_connections",
        "the drain read finishes each body, but which connection is idle depends on its read size",
    )
}

/// A small chunked body is never complete with the headers: its last chunk is read by the drain
/// on drop, after the next request has started a connect.
pub fn dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections(
    body_bytes: usize,
    consume: Consume,
) -> Scenario {
    Scenario {
        expected_requests_per_connection: vec![3, 2],
        ..dropped(body_bytes, "/chunked", consume)
    }
    .renamed(
        "dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections",
        "the chunked terminator arrives in the drain read, so every drop races the next checkout",
    )
}

/// A body larger than hyper can drain in one read is abandoned: the connection closes and every
/// request pays a new TCP handshake — Go's classic keep-alive leak, in reqwest.
pub fn dropped_large_body_forces_new_connection(body_bytes: usize, consume: Consume) -> Scenario {
    Scenario {
        expected_requests_per_connection: one_request_per_connection(5),
        ..dropped(body_bytes, "/", consume)
    }
    .renamed(
        "dropped_large_body_forces_new_connection",
        "poll_drain_or_close_read reads once, finds the body unfinished, and closes the connection",
    )
}

/// A chunked body of several chunks cannot be finished by one drain read, whatever its size.
pub fn dropped_multi_chunk_body_forces_new_connection(consume: Consume) -> Scenario {
    Scenario {
        expected_requests_per_connection: one_request_per_connection(5),
        ..dropped(64 * KIB, "/chunked", consume)
    }
    .renamed(
        "dropped_multi_chunk_body_forces_new_connection",
        "the drain read returns the next chunk, not the end, so hyper closes the connection",
    )
}

// ---- keep-alive disabled ----

fn disabled(name: &'static str, why: &'static str) -> Scenario {
    Scenario {
        expected_requests_per_connection: one_request_per_connection(5),
        ..base(name, why)
    }
}

/// `pool_max_idle_per_host(0)` disables reqwest's pool: nothing is kept, so nothing is reused.
pub fn client_pool_disabled_opens_a_connection_per_request() -> Scenario {
    Scenario {
        client: ClientSetup {
            pool_max_idle_per_host: Some(0),
            ..ClientSetup::default()
        },
        ..disabled(
            "client_pool_disabled_opens_a_connection_per_request",
            "a pool of size 0 is disabled: each request connects and drops its connection after the body",
        )
    }
}

/// A request sent with `Connection: close` asks the server to close after answering it.
pub fn request_connection_close_opens_a_connection_per_request() -> Scenario {
    Scenario {
        request: RequestSetup {
            connection_close: true,
            ..RequestSetup::default()
        },
        ..disabled(
            "request_connection_close_opens_a_connection_per_request",
            "hyper disables keep-alive when it encodes a Connection: close request head",
        )
    }
}

/// A server with keep-alive off closes each connection after one response.
pub fn server_keep_alive_disabled_opens_a_connection_per_request() -> Scenario {
    Scenario {
        server: ServerSetup {
            keep_alive: false,
            ..ServerSetup::default()
        },
        ..disabled(
            "server_keep_alive_disabled_opens_a_connection_per_request",
            "the server answers Connection: close and closes; the client may not reuse",
        )
    }
}

/// A handler that answers `Connection: close` gets the same result as keep-alive off.
pub fn server_connection_close_header_opens_a_connection_per_request() -> Scenario {
    Scenario {
        server: ServerSetup {
            connection_close: true,
            ..ServerSetup::default()
        },
        ..disabled(
            "server_connection_close_header_opens_a_connection_per_request",
            "a Connection: close response disables keep-alive on both ends of the connection",
        )
    }
}

/// HTTP/1.0 has no keep-alive unless asked for with `Connection: keep-alive`.
pub fn http_1_0_request_opens_a_connection_per_request() -> Scenario {
    Scenario {
        request: RequestSetup {
            http_1_0: true,
            ..RequestSetup::default()
        },
        ..disabled(
            "http_1_0_request_opens_a_connection_per_request",
            "an HTTP/1.0 exchange without Connection: keep-alive ends with the response",
        )
    }
}

// ---- idle timeouts, on the paused clock ----

fn pause_between_two_requests(pause: Duration) -> Vec<Step> {
    vec![Step::Sequential(1), Step::Pause(pause), Step::Sequential(1)]
}

/// A pooled connection idle for longer than `pool_idle_timeout` is expired at checkout.
pub fn client_idle_timeout_shorter_than_the_pause_opens_a_new_connection() -> Scenario {
    Scenario {
        variant: "pool_idle_timeout 5 s, 10 s pause".to_owned(),
        client: ClientSetup {
            pool_idle_timeout: Some(Duration::from_secs(5)),
            ..ClientSetup::default()
        },
        steps: pause_between_two_requests(Duration::from_secs(10)),
        expected_requests_per_connection: vec![1, 1],
        ..base(
            "client_idle_timeout_shorter_than_the_pause_opens_a_new_connection",
            "the pool drops a connection idle longer than pool_idle_timeout and connects anew",
        )
    }
}

/// A pause shorter than `pool_idle_timeout` keeps the connection.
pub fn client_idle_timeout_longer_than_the_pause_reuses() -> Scenario {
    Scenario {
        variant: "pool_idle_timeout 30 s, 10 s pause".to_owned(),
        client: ClientSetup {
            pool_idle_timeout: Some(Duration::from_secs(30)),
            ..ClientSetup::default()
        },
        steps: pause_between_two_requests(Duration::from_secs(10)),
        expected_requests_per_connection: vec![2],
        ..base(
            "client_idle_timeout_longer_than_the_pause_reuses",
            "a connection idle for less than pool_idle_timeout is still in the pool",
        )
    }
}

/// The server closes an idle connection first; the client sees the close while the connection
/// sits in its pool, and connects anew without an error.
pub fn server_idle_close_before_reuse_costs_a_new_connection_not_an_error() -> Scenario {
    Scenario {
        variant: "server idle timeout 5 s, 10 s pause".to_owned(),
        server: ServerSetup {
            idle_timeout: Some(Duration::from_secs(5)),
            ..ServerSetup::default()
        },
        steps: pause_between_two_requests(Duration::from_secs(10)),
        expected_requests_per_connection: vec![1, 1],
        ..base(
            "server_idle_close_before_reuse_costs_a_new_connection_not_an_error",
            "the idle connection reads EOF in the pool and is discarded before the next checkout",
        )
    }
}

/// The server's idle timeout and the client's next request fall on the same instant: the pool
/// still holds the connection as open, the request is written into a socket the server has just
/// closed, and it fails with "connection closed before message completed".
pub fn server_idle_close_at_the_moment_of_reuse_fails_the_request() -> Scenario {
    Scenario {
        variant: "server idle timeout 5 s, 5 s pause".to_owned(),
        server: ServerSetup {
            idle_timeout: Some(Duration::from_secs(5)),
            ..ServerSetup::default()
        },
        steps: pause_between_two_requests(Duration::from_secs(5)),
        expected_requests_per_connection: vec![1],
        expected_failures: 1,
        ..base(
            "server_idle_close_at_the_moment_of_reuse_fails_the_request",
            "the close reaches the pooled connection after the request was written to it; hyper-util retries only unwritten requests",
        )
    }
}

// ---- concurrency and pool limits ----

/// Requests in flight at once cannot share an HTTP/1.1 connection.
pub fn concurrent_requests_open_one_connection_each(concurrency: usize) -> Scenario {
    Scenario {
        variant: format!("{concurrency} at once"),
        steps: vec![Step::Concurrent(concurrency)],
        expected_requests_per_connection: one_request_per_connection(concurrency),
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
        expected_requests_per_connection: vec![1, 1, 7],
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
        expected_requests_per_connection: vec![2, 1, 1, 1, 1, 1, 1],
        ..base(
            "pool_max_idle_keeps_only_that_many_between_bursts",
            "the first connection to go idle fills the pool; the rest are closed as they go idle",
        )
    }
}

/// HTTP/2 multiplexes: concurrent requests become streams of one connection.
pub fn http2_concurrent_requests_share_one_connection(concurrency: usize) -> Scenario {
    Scenario {
        variant: format!("h2c prior knowledge, {concurrency} at once"),
        client: ClientSetup {
            http2_prior_knowledge: true,
            ..ClientSetup::default()
        },
        steps: vec![Step::Concurrent(concurrency)],
        expected_requests_per_connection: vec![concurrency as u64],
        ..base(
            "http2_concurrent_requests_share_one_connection",
            "the pool lets one HTTP/2 connect run and hands the shared connection to every waiter",
        )
    }
}

// ---- bodiless responses ----

fn bodiless(method: Method, path: &'static str, name: &'static str, why: &'static str) -> Scenario {
    Scenario {
        variant: "1 MiB configured body, dropped unread".to_owned(),
        server: ServerSetup {
            body_bytes: MIB,
            ..ServerSetup::default()
        },
        request: RequestSetup {
            method,
            path,
            ..RequestSetup::default()
        },
        consume: Consume::Unread,
        ..base(name, why)
    }
}

/// A `HEAD` response has no body, whatever its `Content-Length` says.
pub fn head_response_reuses_without_reading() -> Scenario {
    bodiless(
        Method::Head,
        "/",
        "head_response_reuses_without_reading",
        "a HEAD response ends with its headers, so there is nothing to drain",
    )
}

/// `204 No Content` has no body by definition.
pub fn no_content_204_reuses_without_reading() -> Scenario {
    bodiless(
        Method::Get,
        "/status/204",
        "no_content_204_reuses_without_reading",
        "a 204 ends with its headers, so there is nothing to drain",
    )
}

/// `304 Not Modified` has no body by definition.
pub fn not_modified_304_reuses_without_reading() -> Scenario {
    bodiless(
        Method::Get,
        "/status/304",
        "not_modified_304_reuses_without_reading",
        "a 304 ends with its headers, so there is nothing to drain",
    )
}

// ---- error statuses ----

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
        expected_requests_per_connection: one_request_per_connection(5),
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

// ---- redirects ----

fn redirect(body_bytes: usize) -> Scenario {
    Scenario {
        variant: format!("302 to the same host, {} bodies", size_label(body_bytes)),
        server: ServerSetup {
            body_bytes,
            ..ServerSetup::default()
        },
        request: RequestSetup {
            path: "/redirect",
            ..RequestSetup::default()
        },
        ..base("", "")
    }
}

/// reqwest follows a redirect on the same pool: both hops ride one connection.
pub fn followed_redirect_reuses_the_connection_for_both_hops() -> Scenario {
    Scenario {
        expected_requests_per_connection: vec![10],
        ..redirect(2)
    }
    .renamed(
        "followed_redirect_reuses_the_connection_for_both_hops",
        "the small 302 body arrived with its headers, so the connection was idle for the next hop",
    )
}

/// reqwest drops the body of the redirect response it follows: with a large body, each hop
/// pays for a connection.
pub fn redirect_with_large_body_costs_a_connection_per_hop() -> Scenario {
    Scenario {
        expected_requests_per_connection: vec![1, 2, 2, 2, 2, 1],
        ..redirect(MIB)
    }
    .renamed(
        "redirect_with_large_body_costs_a_connection_per_hop",
        "the 302 body is dropped unread when the redirect is followed, closing its connection",
    )
}

// ---- client lifecycle ----

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

// ---- runtime flavour ----

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

impl Scenario {
    fn renamed(self, name: &'static str, why: &'static str) -> Scenario {
        Scenario { name, why, ..self }
    }
}
