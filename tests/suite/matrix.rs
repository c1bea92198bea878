//! The scenario table is the one source of truth: the integration tests, `keepalive-probe matrix`
//! and the table of `docs/scenarios.md` all come from it. These tests keep the three from drifting apart.

use std::collections::HashSet;

use keepalive_probe::scenario::{markdown_table, table};
use pretty_assertions::assert_eq;

use crate::test_functions::{TestFunction, test_functions};

/// The matrix covers at least thirty distinct scenarios; no two rows are the same instance.
#[test]
fn table_holds_thirty_or_more_distinct_scenarios() {
    let titles: Vec<String> = table().iter().map(|s| s.title()).collect();
    let distinct: HashSet<&String> = titles.iter().collect();
    assert_eq!(distinct.len(), titles.len(), "duplicate scenario titles");
    assert!(titles.len() >= 30, "only {} scenarios", titles.len());
}

/// Every family in the table has an integration test named after it — a `#[test]` or
/// `#[tokio::test]` function of that name — whose body names the family (every one calls it:
/// `scenario::families::NAME(…)`). Comments and string literals are skipped
/// (`test_functions.rs`), so a test deleted with its name left in a comment or a string does not
/// count.
#[test]
fn every_scenario_has_an_integration_test_of_the_same_name() {
    let tests = scenario_tests();
    let missing: Vec<&str> = table()
        .iter()
        .map(|s| s.name)
        .filter(|name| !tests.iter().any(|test| test.checks(name)))
        .collect();
    assert_eq!(missing, Vec::<&str>::new(), "families without a test");
}

/// Every test function in the suite's modules (`tests/suite/*.rs`) and the binaries of their own
/// (`tests/*.rs`: the design card's files).
fn scenario_tests() -> Vec<TestFunction> {
    let mut tests = Vec::new();
    for dir in ["tests", "tests/suite"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(&dir).expect("the test directory is readable") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).expect("test sources are UTF-8 text");
            tests.extend(test_functions(&source));
        }
    }
    tests
}

/// The scenario reference's table (`docs/scenarios.md`) is exactly what `keepalive-probe matrix
/// --markdown` prints.
#[test]
fn the_docs_table_is_generated_from_the_scenario_table() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scenarios.md"))
        .expect("docs/scenarios.md is readable");
    assert!(
        page.contains(&markdown_table()),
        "docs/scenarios.md's table is stale: regenerate it with `cargo run -- matrix --markdown`"
    );
}
