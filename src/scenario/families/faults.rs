//! Reuse gone wrong: the server closes, resets, hints or restarts under a client's pool. Each fault
//! is tied to a connection's k-th exchange or to the paused clock, so the race is the same on
//! every run. Every request carries its number as `x-request-id`, so a request sent again would
//! show as `resent`; reqwest sends none again.
//!
//! Why reqwest never resends a request the server read: hyper-util's legacy `Client::send_request`
//! retries only `TrySendError::Retryable`, a request hyper hands back unsent (`retry_canceled_
//! requests`); a request written to the socket comes back from hyper's `Dispatcher::recv_msg`
//! without its message, so it fails with "connection closed before message completed"
//! (`IncompleteMessage`, after a FIN) or "connection reset" (after a RST).

use std::time::Duration;

use crate::fault::{AfterTruncation, CloseBy, Fault, IdleEnd};
use crate::report::{Ending, Report};
use crate::scenario::building::base;
use crate::scenario::{Expected, KIB, Method, RequestSetup, Scenario, ServerSetup, Step};

fn with_fault(fault: Fault) -> ServerSetup {
    ServerSetup {
        fault: Some(fault),
        ..ServerSetup::default()
    }
}

fn pause_between_two_requests(pause: Duration) -> Vec<Step> {
    vec![Step::Sequential(1), Step::Pause(pause), Step::Sequential(1)]
}

/// The first connection ended by the server, the second by the client.
fn server_then_client(per_connection: [usize; 2]) -> Report {
    Report::closed(per_connection).ended_each([Ending::ServerClosed, Ending::ClientClosed])
}

fn by_label(by: CloseBy) -> &'static str {
    match by {
        CloseBy::Fin => "FIN",
        CloseBy::Rst => "RST",
    }
}

/// The server reads the second request on the pooled connection and closes it unanswered: the
/// idle-timeout race made exact. reqwest fails that request, GET or POST, and sends it nowhere
/// else; the third request opens a new connection.
pub fn server_close_on_reuse_fails_the_request_and_reqwest_does_not_resend(
    by: CloseBy,
    method: Method,
) -> Scenario {
    let (method_label, request) = match method {
        Method::Post => (
            "POST",
            RequestSetup {
                method,
                body_bytes: 64,
                ..RequestSetup::default()
            },
        ),
        _ => ("GET", RequestSetup::default()),
    };
    Scenario {
        variant: format!("{}, {method_label}", by_label(by)),
        server: with_fault(Fault::close_on_request(2, by)),
        request,
        steps: vec![Step::Sequential(3)],
        expected: Expected::failing(server_then_client([2, 1]).with_unanswered(1, 0), 1),
        ..base(
            "server_close_on_reuse_fails_the_request_and_reqwest_does_not_resend",
            "hyper-util retries only a request hyper hands back unwritten (retry_canceled_requests); this one was written, so it fails with IncompleteMessage after a FIN, a reset after a RST",
        )
    }
}

/// The server ends an idle pooled connection by FIN or RST before the client's next request:
/// hyper's connection task reads the end in the pool, and the checkout skips it.
pub fn server_idle_close_by_fault_before_reuse_costs_a_new_connection(by: IdleEnd) -> Scenario {
    let label = match by {
        IdleEnd::Rst => "RST",
        IdleEnd::RequestTimeout => "408",
        _ => "FIN",
    };
    Scenario {
        variant: format!("idle 5 s, then {label}; 10 s pause"),
        server: with_fault(Fault::idle_close(Duration::from_secs(5), by)),
        steps: pause_between_two_requests(Duration::from_secs(10)),
        expected: server_then_client([1, 1]).into(),
        ..base(
            "server_idle_close_by_fault_before_reuse_costs_a_new_connection",
            "the idle connection's task reads EOF, a reset or an unsolicited 408 (hyper: \"received unexpected message\") and ends; PoolClient::is_open is false, so the checkout connects anew",
        )
    }
}

/// `Connection: close` on the third response: the connection carries three requests, the next two
/// go on a second one.
pub fn server_connection_close_on_the_third_response_splits_the_requests() -> Scenario {
    Scenario {
        variant: "5 requests".to_owned(),
        server: with_fault(Fault::connection_close_on(3)),
        expected: server_then_client([3, 2]).into(),
        ..base(
            "server_connection_close_on_the_third_response_splits_the_requests",
            "hyper's client reads Connection: close, marks the connection not reusable and closes it after the body; the server closes first",
        )
    }
}

/// `Keep-Alive: timeout=1` on every response, then a 5 s pause: hyper ignores the hint, so the
/// pooled connection is reused (undici and Node's agent would have dropped it).
pub fn keep_alive_timeout_hint_is_ignored_by_reqwest() -> Scenario {
    Scenario {
        variant: "Keep-Alive: timeout=1, 5 s pause".to_owned(),
        server: with_fault(Fault::keep_alive_hint(1, None)),
        steps: pause_between_two_requests(Duration::from_secs(5)),
        expected: Report::closed([2]).into(),
        ..base(
            "keep_alive_timeout_hint_is_ignored_by_reqwest",
            "hyper's client never reads Keep-Alive (hyper #2720); the pool keeps a connection for pool_idle_timeout, 90 s by default",
        )
    }
}

/// The second response sends its headers and 1 KiB of its 64 KiB body, then the server closes:
/// reqwest's body read fails, and the third request opens a new connection.
pub fn truncated_response_fails_the_body_read_and_costs_the_connection() -> Scenario {
    Scenario {
        variant: "64 KiB body, 1 KiB sent".to_owned(),
        server: ServerSetup {
            body_bytes: 64 * KIB,
            ..with_fault(Fault::truncate(2, KIB, AfterTruncation::Close))
        },
        steps: vec![Step::Sequential(3)],
        expected: Expected::failing(server_then_client([2, 1]).with_unanswered(1, 0), 1),
        ..base(
            "truncated_response_fails_the_body_read_and_costs_the_connection",
            "hyper's body decoder reads EOF before Content-Length is met: IncompleteBody; the connection is not returned to the pool",
        )
    }
}

/// The server restarts on its second request: every connection is dropped, the listener bound
/// again on the same port. The request fails; the next one connects to the new listener.
pub fn server_restart_fails_the_request_in_flight_then_reconnects() -> Scenario {
    Scenario {
        variant: "restart on request 2".to_owned(),
        server: with_fault(Fault::restart_on_request(2)),
        steps: vec![Step::Sequential(3)],
        expected: Expected::failing(server_then_client([2, 1]).with_unanswered(1, 0), 1),
        ..base(
            "server_restart_fails_the_request_in_flight_then_reconnects",
            "the request was written before the restart closed its connection: not retried (as for a close on reuse); the port is listening again for the next",
        )
    }
}

/// A maximum connection age of 5 s, then a 10 s pause: the server closed the idle connection at
/// 5 s, and the client connects anew without an error.
pub fn server_max_connection_age_closes_the_idle_connection() -> Scenario {
    Scenario {
        variant: "max age 5 s, 10 s pause".to_owned(),
        server: with_fault(Fault::max_age(Duration::from_secs(5))),
        steps: pause_between_two_requests(Duration::from_secs(10)),
        expected: server_then_client([1, 1]).into(),
        ..base(
            "server_max_connection_age_closes_the_idle_connection",
            "an idle connection past its age is closed by FIN; the pool reads EOF and skips it",
        )
    }
}
