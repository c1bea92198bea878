//! HTTP/2: one connection, many streams.

use crate::consume::Consume;
use crate::fault::Fault;
use crate::report::{Ending, Report};
use crate::scenario::building::base;
use crate::scenario::{ClientSetup, RequestSetup, Scenario, ServerSetup, Step};

/// HTTP/2 multiplexes: concurrent requests become streams of one connection.
pub fn http2_concurrent_requests_share_one_connection(concurrency: usize) -> Scenario {
    Scenario {
        variant: format!("h2c prior knowledge, {concurrency} at once"),
        client: ClientSetup {
            http2_prior_knowledge: true,
            ..ClientSetup::default()
        },
        steps: vec![Step::Concurrent(concurrency)],
        expected: Report::closed([concurrency])
            .with_streams(concurrency)
            .into(),
        ..base(
            "http2_concurrent_requests_share_one_connection",
            "the pool lets one HTTP/2 connect run and hands the shared connection to every waiter",
        )
    }
}

/// An HTTP/2 server allowing `k` streams at once.
fn limited(k: u32) -> ServerSetup {
    ServerSetup {
        h2_max_streams: Some(k),
        ..ServerSetup::default()
    }
}

/// Each request to a slow route (`/drip/2`, a byte a second on the paused clock): its stream
/// stays in flight while the others arrive.
fn slow_route() -> RequestSetup {
    RequestSetup {
        path: "/drip/2",
        ..RequestSetup::default()
    }
}

/// A client with prior knowledge of h2c.
fn prior_knowledge() -> ClientSetup {
    ClientSetup {
        http2_prior_knowledge: true,
        ..ClientSetup::default()
    }
}

/// A warm client (one request first, so it has read the server's SETTINGS), then 10 requests at
/// once against a limit of 2 streams: hyper's client queues the rest on the one connection.
pub fn http2_requests_queue_at_the_stream_limit() -> Scenario {
    Scenario {
        variant: "h2c, limit 2, 1 then 10 at once".to_owned(),
        server: limited(2),
        client: prior_knowledge(),
        steps: vec![Step::Sequential(1), Step::Concurrent(10)],
        expected: Report::closed([11]).with_streams(11).into(),
        ..base(
            "http2_requests_queue_at_the_stream_limit",
            "hyper's client waits for a free stream (`SendRequest::poll_ready`) rather than open a second connection",
        )
    }
}

/// 10 requests at once on a cold client against a limit of 2 streams. Until the server's
/// `SETTINGS` arrive, hyper's client assumes 100 streams (`DEFAULT_INITIAL_MAX_SEND_STREAMS`,
/// hyper's `proto/h2/client.rs`), so all 10 go out; h2's server refuses the 8 over its limit
/// (`REFUSED_STREAM`), and reqwest's default retry policy sends them again
/// (`retry::Builder::default`; `is_retryable_error` in reqwest's `src/retry.rs`: a refused
/// stream was never processed). 18 streams for 10 requests, none failed.
pub fn http2_cold_burst_at_the_stream_limit() -> Scenario {
    Scenario {
        variant: "h2c, limit 2, 10 at once, cold".to_owned(),
        server: limited(2),
        client: prior_knowledge(),
        steps: vec![Step::Concurrent(10)],
        expected: Report::closed([10]).with_streams(18).into(),
        ..base(
            "http2_cold_burst_at_the_stream_limit",
            "before the server's SETTINGS the client assumes 100 streams; 8 are refused (REFUSED_STREAM) and reqwest retries them",
        )
    }
}

/// Requests whose responses are dropped while their bodies are still coming (a slow body, a
/// byte a second): each stream is reset by the client (`RST_STREAM` with `CANCEL`, h2's
/// `maybe_cancel`) and its response is never finished. h2 counts only the resets it sends for
/// the peer's protocol errors against `max_local_error_reset_streams` (`Actions::send_reset`,
/// `initiator.is_library()`), not a dropped response's, so the one connection carries them all.
pub fn http2_dropped_responses_reset_their_streams(requests: usize) -> Scenario {
    Scenario {
        variant: format!("h2c, {requests} slow bodies dropped"),
        client: prior_knowledge(),
        request: RequestSetup {
            path: "/drip/10",
            ..RequestSetup::default()
        },
        consume: Consume::Unread,
        steps: vec![Step::Sequential(requests)],
        expected: Report::closed([requests])
            .with_streams(requests)
            .with_unanswered(requests, 0)
            .into(),
        ..base(
            "http2_dropped_responses_reset_their_streams",
            "a dropped response resets its stream (CANCEL), not the connection: h2 limits only the resets it sends for protocol errors",
        )
    }
}

/// The second stream on each connection refused (`REFUSED_STREAM`): the request is on the books
/// unanswered, and reqwest's default retry policy sends it again on the same connection (a
/// refused stream was never processed: `is_retryable_error`, reqwest's `src/retry.rs`), where
/// the server counts it as re-sent (the same `x-request-id`).
pub fn http2_refused_stream_is_sent_again() -> Scenario {
    Scenario {
        variant: "h2c, stream 2 refused, 5 requests".to_owned(),
        server: ServerSetup {
            fault: Some(Fault::refuse_stream(2)),
            ..ServerSetup::default()
        },
        client: prior_knowledge(),
        expected: Report::closed([6])
            .with_streams(6)
            .with_unanswered(1, 1)
            .into(),
        ..base(
            "http2_refused_stream_is_sent_again",
            "REFUSED_STREAM means not processed: reqwest's default retry policy sends it again, on the same connection",
        )
    }
}

/// A graceful `GOAWAY` once a connection's third request arrives, with requests in flight and
/// queued behind a limit of 2. h2's graceful shutdown sends `GOAWAY` twice (RFC 9113, 6.8):
/// first naming the highest stream id there is, then, a round trip later (a `PING`), the last
/// stream it took, 5. The streams in flight (3 and 5) finish on the first connection; the two
/// the client opened in between (7 and 9) were never taken, and reqwest's retry policy sends
/// them and the queued ones again on a new connection (`GOAWAY` with `NO_ERROR` is retryable,
/// `is_retryable_error`): none is served twice. The new connection is cold, so 2 of its first 4
/// streams are refused and sent again; its third request brings its own `GOAWAY`.
pub fn http2_graceful_goaway_moves_the_queued_requests() -> Scenario {
    Scenario {
        variant: "h2c, limit 2, GOAWAY at request 3, 1 then 6 at once".to_owned(),
        server: ServerSetup {
            fault: Some(Fault::go_away_after(3)),
            h2_max_streams: Some(2),
            ..ServerSetup::default()
        },
        client: prior_knowledge(),
        steps: vec![Step::Sequential(1), Step::Concurrent(6)],
        expected: Report::closed([3, 4])
            .ended_by(Ending::ServerClosed)
            .with_streams(11)
            .into(),
        ..base(
            "http2_graceful_goaway_moves_the_queued_requests",
            "GOAWAY names the last stream taken: those in flight finish, reqwest sends the rest again on a new connection, none twice",
        )
    }
}

/// A graceful `GOAWAY` once two requests are in flight at once, behind a limit of 2: a warm
/// client, then four at once to a slow route (`/drip/2`, a byte a second). Requests 2 and 3
/// (streams 3 and 5) fill the limit and start the close; the two the client queued behind the
/// limit were never sent on this connection, and go to a new one once `GOAWAY` arrives (hyper's
/// pool no longer hands out a connection that received one). The streams in flight finish:
/// nothing fails, nothing is sent twice. The new connection's two requests are in flight at
/// once too, so it closes the same way.
pub fn http2_graceful_goaway_with_requests_in_flight() -> Scenario {
    Scenario {
        variant: "h2c, limit 2, GOAWAY once 2 are in flight, 1 then 4 at once to /drip/2"
            .to_owned(),
        server: ServerSetup {
            fault: Some(Fault::go_away_in_flight(2)),
            h2_max_streams: Some(2),
            ..ServerSetup::default()
        },
        client: prior_knowledge(),
        request: slow_route(),
        steps: vec![Step::Sequential(1), Step::Concurrent(4)],
        expected: Report::closed([3, 2])
            .ended_by(Ending::ServerClosed)
            .with_streams(5)
            .into(),
        ..base(
            "http2_graceful_goaway_with_requests_in_flight",
            "GOAWAY once two are in flight: they finish, and the queued requests go to a new connection",
        )
    }
}

/// An abrupt `GOAWAY` once a connection's third request arrives, with requests in flight: a
/// warm client, then four at once to a slow route (`/drip/2`, a byte a second). The server
/// writes `GOAWAY` (`NO_ERROR`) naming stream 5, the third request's, and closes at once. The
/// streams it covers that were in flight (3 and 5) are cut: they may have been processed, so
/// reqwest fails them (`is_retryable_error` retries only a `GOAWAY` stream above the last one
/// and a refused stream). The two above it (7 and 9) arrived in the same read but were never
/// taken (the `GOAWAY` goes out at h2's next read or write, before it takes another stream):
/// reqwest sends them on a new connection, where they are on the books. On the first connection: 3
/// requests, 2 of them unanswered; 2 calls failed.
pub fn http2_abrupt_goaway_cuts_the_streams_in_flight() -> Scenario {
    Scenario {
        variant: "h2c, GOAWAY at request 3 and close, 1 then 4 at once to /drip/2".to_owned(),
        server: ServerSetup {
            fault: Some(Fault::go_away_abruptly_after(3)),
            ..ServerSetup::default()
        },
        client: prior_knowledge(),
        request: slow_route(),
        steps: vec![Step::Sequential(1), Step::Concurrent(4)],
        expected: crate::scenario::Expected::failing(
            Report::closed([3, 2])
                .ended_each([Ending::ServerClosed, Ending::ClientClosed])
                .with_streams(7)
                .with_unanswered(2, 0),
            2,
        ),
        ..base(
            "http2_abrupt_goaway_cuts_the_streams_in_flight",
            "an abrupt GOAWAY cuts the streams it covers that were in flight (reqwest fails them) and the ones above it go to a new connection",
        )
    }
}
