//! Idle timeouts on both sides, on the paused clock.

use crate::report::{Ending, Endings, Report};
use crate::scenario::Expected;
use std::time::Duration;

use crate::scenario::building::base;
use crate::scenario::{ClientSetup, Scenario, ServerSetup, Step};

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
        expected: Report::closed([1, 1]).into(),
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
        expected: Report::closed([2]).into(),
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
        expected: Report::closed([1, 1])
            .with_endings(Endings {
                server_closed: 1,
                client_closed: 1,
                ..Endings::default()
            })
            .into(),
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
        expected: Expected::failing(Report::closed([1]).ended_by(Ending::ServerClosed), 1),
        ..base(
            "server_idle_close_at_the_moment_of_reuse_fails_the_request",
            "the close reaches the pooled connection after the request was written to it; hyper-util retries only unwritten requests",
        )
    }
}
