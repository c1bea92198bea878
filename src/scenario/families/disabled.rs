//! Keep-alive switched off on purpose, by the client, the request or the server.

use crate::report::{Ending, Report};
use crate::scenario::building::{base, one_request_per_connection};
use crate::scenario::{ClientSetup, RequestSetup, Scenario, ServerSetup, Step};

/// `requests` sequential requests, one connection each, every one ended by `ending`.
pub(super) fn disabled(
    name: &'static str,
    why: &'static str,
    requests: usize,
    ending: Ending,
) -> Scenario {
    Scenario {
        variant: format!("{requests} requests"),
        steps: vec![Step::Sequential(requests)],
        expected: Report::closed(one_request_per_connection(requests))
            .ended_by(ending)
            .into(),
        ..base(name, why)
    }
}

/// `pool_max_idle_per_host(0)` disables reqwest's pool: nothing is kept, so nothing is reused.
pub fn client_pool_disabled_opens_a_connection_per_request(requests: usize) -> Scenario {
    Scenario {
        client: ClientSetup {
            pool_max_idle_per_host: Some(0),
            ..ClientSetup::default()
        },
        ..disabled(
            "client_pool_disabled_opens_a_connection_per_request",
            "a pool of size 0 is disabled: each request connects and drops its connection after the body",
            requests,
            Ending::ClientClosed,
        )
    }
}

/// A request sent with `Connection: close` asks the server to close after answering it.
pub fn request_connection_close_opens_a_connection_per_request(requests: usize) -> Scenario {
    Scenario {
        request: RequestSetup {
            connection_close: true,
            ..RequestSetup::default()
        },
        ..disabled(
            "request_connection_close_opens_a_connection_per_request",
            "hyper disables keep-alive when it encodes a Connection: close request head; the server closes after answering",
            requests,
            Ending::ServerClosed,
        )
    }
}

/// A server with keep-alive off closes each connection after one response.
pub fn server_keep_alive_disabled_opens_a_connection_per_request(requests: usize) -> Scenario {
    Scenario {
        server: ServerSetup {
            keep_alive: false,
            ..ServerSetup::default()
        },
        ..disabled(
            "server_keep_alive_disabled_opens_a_connection_per_request",
            "the server answers Connection: close and closes; the client may not reuse",
            requests,
            Ending::ServerClosed,
        )
    }
}

/// A handler that answers `Connection: close` gets the same result as keep-alive off.
pub fn server_connection_close_header_opens_a_connection_per_request(requests: usize) -> Scenario {
    Scenario {
        server: ServerSetup {
            connection_close: true,
            ..ServerSetup::default()
        },
        ..disabled(
            "server_connection_close_header_opens_a_connection_per_request",
            "a Connection: close response disables keep-alive on both ends; the server closes first",
            requests,
            Ending::ServerClosed,
        )
    }
}

/// HTTP/1.0 has no keep-alive unless asked for with `Connection: keep-alive`.
pub fn http_1_0_request_opens_a_connection_per_request(requests: usize) -> Scenario {
    Scenario {
        request: RequestSetup {
            http_1_0: true,
            ..RequestSetup::default()
        },
        ..disabled(
            "http_1_0_request_opens_a_connection_per_request",
            "an HTTP/1.0 exchange without Connection: keep-alive ends with the response",
            requests,
            Ending::ServerClosed,
        )
    }
}
