//! The design card's files (`tests/keepalive.rs`, `tests/no_drain.rs`, `tests/disabled.rs`)
//! drive reqwest themselves, and the scenario table drives the matrix: these two must not drift.
//! Each of the files' cases checks that the table's family expects what the test asserts
//! (`tests/support/seed.rs`); this checks the other half, that every row the table holds for
//! those families is one of the files' cases. The files build their clients without a
//! `ConnectionTracker`, so the client's view of those rows is checked against the server's here.

use std::collections::HashSet;

use keepalive_probe::Consume;
use keepalive_probe::scenario::{KIB, MIB, Scenario, families, table};
use pretty_assertions::assert_eq;

use crate::support::expect::run_agreeing;
use crate::test_functions::test_functions;

const FILES: [&str; 3] = ["keepalive", "no_drain", "disabled"];

#[test]
fn every_table_row_of_the_design_cards_families_is_one_of_their_cases() {
    let (families_here, case_titles) = design_card_cases();
    let rows_without_a_case: Vec<String> = table()
        .iter()
        .filter(|row| families_here.contains(row.name))
        .map(Scenario::title)
        .filter(|title| !case_titles.contains(title))
        .collect();
    assert_eq!(
        rows_without_a_case,
        Vec::<String>::new(),
        "matrix rows that no case of {FILES:?} runs"
    );
}

/// The test functions of the design card's files, and the title of every case they run.
fn design_card_cases() -> (HashSet<String>, HashSet<String>) {
    let mut families_here = HashSet::new();
    let mut case_titles = HashSet::new();
    for file in FILES {
        let path = format!("{}/tests/{file}.rs", env!("CARGO_MANIFEST_DIR"));
        let source = std::fs::read_to_string(&path).expect("the design card's files are readable");
        for test in test_functions(&source) {
            for case in &test.cases {
                let scenario = scenario_of(&test.name, case)
                    .unwrap_or_else(|| panic!("{file}.rs: no family for {} {case:?}", test.name));
                case_titles.insert(scenario.title());
            }
            families_here.insert(test.name);
        }
    }
    (families_here, case_titles)
}

/// The table's rows of the design card's families, each run with a tracker on its client: the
/// client's view (connections opened, the connection behind each response) agrees with the
/// server's ledger, and the row passes as the matrix would pass it.
#[test]
fn the_client_view_agrees_on_every_table_row_of_the_design_cards_families() {
    let (families_here, _) = design_card_cases();
    for row in table()
        .iter()
        .filter(|row| families_here.contains(row.name))
    {
        let observed = run_agreeing(row).unwrap_or_else(|error| panic!("{}: {error}", row.title()));
        let (outcome, errors) = (&observed.outcome, &observed.request_errors);
        assert!(
            row.is_met_by(outcome),
            "{}: {outcome:?} {errors:?}",
            row.title()
        );
    }
}

/// The scenario a case of the test `name` runs, its arguments as written in its rstest
/// attributes: the family of the same name, called with them.
fn scenario_of(name: &str, arguments: &[String]) -> Option<Scenario> {
    let size = |i: usize| arguments.get(i).and_then(|a| bytes(a));
    let count = |i: usize| arguments.get(i).and_then(|a| a.parse::<usize>().ok());
    let consume = |i: usize| match arguments.get(i).map(String::as_str) {
        Some("Unread") => Some(Consume::Unread),
        Some("FirstChunk") => Some(Consume::FirstChunk),
        _ => None,
    };
    Some(match name {
        "full_read_reuses_one_connection" => {
            families::full_read_reuses_one_connection(size(0)?, count(1)?)
        }
        "chunked_full_read_reuses_one_connection" => {
            families::chunked_full_read_reuses_one_connection(size(0)?, 10)
        }
        "dropped_body_that_arrived_with_the_headers_still_reuses" => {
            families::dropped_body_that_arrived_with_the_headers_still_reuses(size(0)?, consume(1)?)
        }
        "dropped_body_finished_by_the_drain_read_races_an_extra_connection" => {
            families::dropped_body_finished_by_the_drain_read_races_an_extra_connection(consume(0)?)
        }
        "dropped_body_two_reads_long_shares_requests_between_two_connections" => {
            families::dropped_body_two_reads_long_shares_requests_between_two_connections(consume(
                0,
            )?)
        }
        "dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections" => {
            families::dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections(
                size(0)?,
                consume(1)?,
            )
        }
        "dropped_large_body_forces_new_connection" => {
            families::dropped_large_body_forces_new_connection(size(0)?, consume(1)?)
        }
        "dropped_multi_chunk_body_forces_new_connection" => {
            families::dropped_multi_chunk_body_forces_new_connection(consume(0)?)
        }
        "client_pool_disabled_opens_a_connection_per_request" => {
            families::client_pool_disabled_opens_a_connection_per_request(count(0)?)
        }
        "request_connection_close_opens_a_connection_per_request" => {
            families::request_connection_close_opens_a_connection_per_request(count(0)?)
        }
        "server_keep_alive_disabled_opens_a_connection_per_request" => {
            families::server_keep_alive_disabled_opens_a_connection_per_request(count(0)?)
        }
        "server_connection_close_header_opens_a_connection_per_request" => {
            families::server_connection_close_header_opens_a_connection_per_request(count(0)?)
        }
        "http_1_0_request_opens_a_connection_per_request" => {
            families::http_1_0_request_opens_a_connection_per_request(count(0)?)
        }
        _ => return None,
    })
}

/// A body size as the files write it: `0`, `KIB`, `64 * KIB`, `MIB`.
fn bytes(written: &str) -> Option<usize> {
    written
        .split(" * ")
        .map(|factor| match factor {
            "KIB" => Some(KIB),
            "MIB" => Some(MIB),
            number => number.parse().ok(),
        })
        .product()
}
