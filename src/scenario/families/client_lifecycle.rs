//! Whose pool: each client has its own, and the blocking client shares the async one's rules.

use crate::consume::Consume;
use crate::report::Report;
use crate::scenario::MIB;
use crate::scenario::building::base;
use crate::scenario::families::{
    dropped_large_body_forces_new_connection, http_1_0_request_opens_a_connection_per_request,
    request_connection_close_opens_a_connection_per_request,
};
use crate::scenario::{Runtime, Scenario, Step};

/// Each `reqwest::Client` has its own pool.
pub fn two_clients_never_share_connections() -> Scenario {
    Scenario {
        variant: "2 requests each, both clients alive".to_owned(),
        steps: vec![Step::Sequential(2), Step::NewClient, Step::Sequential(2)],
        expected: Report::closed([2, 2]).into(),
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

/// `reqwest::blocking` leaks connections on unread large bodies just as the async client does,
/// whether the body is dropped unread or after its first chunk.
pub fn blocking_client_dropped_large_body_forces_new_connection(consume: Consume) -> Scenario {
    Scenario {
        runtime: Runtime::Blocking,
        ..dropped_large_body_forces_new_connection(MIB, consume)
    }
    .renamed(
        "blocking_client_dropped_large_body_forces_new_connection",
        "dropping a blocking Response drops the async body, and hyper closes the connection",
    )
}

/// A blocking request sent with `Connection: close` closes its connection, as the async one does.
pub fn blocking_client_request_connection_close_opens_a_connection_per_request() -> Scenario {
    Scenario {
        runtime: Runtime::Blocking,
        ..request_connection_close_opens_a_connection_per_request(5)
    }
    .renamed(
        "blocking_client_request_connection_close_opens_a_connection_per_request",
        "the blocking client sends the same head, and hyper disables keep-alive on encoding it",
    )
}

/// A blocking HTTP/1.0 request ends with its connection, as the async one does.
pub fn blocking_client_http_1_0_request_opens_a_connection_per_request() -> Scenario {
    Scenario {
        runtime: Runtime::Blocking,
        ..http_1_0_request_opens_a_connection_per_request(5)
    }
    .renamed(
        "blocking_client_http_1_0_request_opens_a_connection_per_request",
        "an HTTP/1.0 exchange without Connection: keep-alive ends with the response, blocking or not",
    )
}
