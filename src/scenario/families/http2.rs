//! HTTP/2: one connection, many streams.

use crate::report::Report;
use crate::scenario::building::base;
use crate::scenario::{ClientSetup, Scenario, Step};

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
