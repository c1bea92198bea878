//! What the design card's three files (`tests/keepalive.rs`, `tests/no_drain.rs`,
//! `tests/disabled.rs`) share besides the library, `client.rs` and `settle.rs`: the check that
//! holds each of their cases to the scenario table `keepalive-probe matrix` prints.

use keepalive_probe::Report;
use keepalive_probe::scenario::Scenario;
use pretty_assertions::assert_eq;

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
