//! The assertions every scenario test makes: this scenario opened exactly these connections, and
//! they ended as the table says.
//!
//! Each checks two things: the scenario table's own expectation for the same inputs against the
//! counts written at the test (so the matrix and README cannot drift from the test), and what
//! really happened when the scenario ran against the table's whole expectation — connections,
//! requests, how each connection ended, failures.

#![allow(dead_code)] // each test file uses some of these

use keepalive_probe::scenario::{Expected, Scenario, counts_only};
use keepalive_probe::{Ending, Report};
use pretty_assertions::assert_eq;

/// Runs `scenario` and asserts it opened exactly one connection per entry of
/// `requests_per_connection` (in accept order, each carrying that many requests), every request
/// succeeding, every connection closed once the client was dropped and ended as the table says.
pub fn assert_connections(scenario: Scenario, requests_per_connection: impl Into<Vec<usize>>) {
    assert_outcome(scenario, requests_per_connection, 0);
}

/// As [`assert_connections`], with `failed_requests` requests expected to fail.
pub fn assert_outcome(
    scenario: Scenario,
    requests_per_connection: impl Into<Vec<usize>>,
    failed_requests: usize,
) {
    let (expected, exact) = match &scenario.expected {
        Expected::Exactly(expected) => (expected, true),
        Expected::CountsExactly(expected) => (expected, false),
        Expected::EveryConnectionEnded(_) => panic!(
            "{} has no exact count: use assert_every_connection_ended",
            scenario.title()
        ),
    };
    assert_eq!(
        (
            expected.report.requests_per_connection.clone(),
            expected.failed_requests
        ),
        (requests_per_connection.into(), failed_requests),
        "the scenario table expects otherwise for {}",
        scenario.title()
    );
    match scenario.run() {
        Ok(outcome) if exact => {
            assert_eq!(&outcome, expected, "{}: {}", scenario.title(), scenario.why)
        }
        // FIN or RST, full or resumed, race on TCP's timing here: all else is exact.
        Ok(outcome) => assert_eq!(
            (counts_only(&outcome.report), outcome.failed_requests),
            (counts_only(&expected.report), expected.failed_requests),
            "{}: {}",
            scenario.title(),
            scenario.why
        ),
        Err(error) => panic!("{} could not run: {error}", scenario.title()),
    }
}

/// Runs a scenario whose count races and asserts what is exact: every request served once, none
/// failed, every connection closed and ended by `ending`.
pub fn assert_every_connection_ended(scenario: Scenario, ending: Ending) {
    assert_eq!(
        scenario.expected,
        Expected::EveryConnectionEnded(ending),
        "the scenario table expects otherwise for {}",
        scenario.title()
    );
    let outcome = match scenario.run() {
        Ok(outcome) => outcome,
        Err(error) => panic!("{} could not run: {error}", scenario.title()),
    };
    let report = &outcome.report;
    assert_eq!(
        (report.requests, outcome.failed_requests, report.clone()),
        (
            scenario.client_requests(),
            0,
            Report::closed(report.requests_per_connection.clone()).ended_by(ending)
        ),
        "(requests served, requests failed, the report): {}",
        scenario.why
    );
}
