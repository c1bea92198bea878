//! The one assertion every scenario test makes: this scenario opened exactly these connections.
//!
//! It checks two things against the count written at the test: the scenario table's own
//! expectation for the same inputs (so the matrix and README cannot drift from the test), and
//! what really happened when the scenario ran.

use keepalive_probe::Report;
use keepalive_probe::scenario::{Outcome, Scenario};
use pretty_assertions::assert_eq;

/// Runs `scenario` and asserts it opened exactly one connection per entry of
/// `requests_per_connection` (in accept order, each carrying that many requests), every request
/// succeeding and every connection closed once the client was dropped.
pub fn assert_connections(scenario: Scenario, requests_per_connection: impl Into<Vec<usize>>) {
    assert_outcome(scenario, requests_per_connection, 0);
}

/// As [`assert_connections`], with `failed_requests` requests expected to fail.
pub fn assert_outcome(
    scenario: Scenario,
    requests_per_connection: impl Into<Vec<usize>>,
    failed_requests: usize,
) {
    let expected = Outcome {
        report: Report::closed(requests_per_connection),
        failed_requests,
    };
    assert_eq!(
        scenario.expected_outcome(),
        expected,
        "the scenario table expects otherwise for {}",
        scenario.title()
    );
    match scenario.run() {
        Ok(outcome) => assert_eq!(outcome, expected, "{}: {}", scenario.title(), scenario.why),
        Err(error) => panic!("{} could not run: {error}", scenario.title()),
    }
}
