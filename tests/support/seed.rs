//! What the design card's three files (`tests/keepalive.rs`, `tests/no_drain.rs`,
//! `tests/disabled.rs`) share besides the library and `client.rs`: how long they wait for closes,
//! and the check that holds each of their cases to the scenario table `keepalive-probe matrix`
//! prints.

use std::time::Duration;

use keepalive_probe::Report;
use keepalive_probe::scenario::Scenario;
use pretty_assertions::assert_eq;

/// How long a test waits for the connections to close once the client is dropped. The tests run
/// on tokio's paused clock, where this passes only when nothing else can happen: a connection
/// left open fails the test at once, naming it, instead of hanging it.
pub const SETTLE: Duration = Duration::from_secs(10);

/// The scenario table expects, for the same case, what the test asserts: `keepalive-probe
/// matrix` prints the family's rows, so the lesson and the matrix cannot drift apart.
pub fn matrix_agrees(family_case: Scenario, expected: &Report) {
    let table = family_case
        .expected
        .exact()
        .unwrap_or_else(|| panic!("{} has no exact expectation", family_case.title()));
    assert_eq!(
        (&table.report, table.failed_requests),
        (expected, 0),
        "the scenario table expects otherwise for {}",
        family_case.title()
    );
}
