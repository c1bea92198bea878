//! The scenario table is the one source of truth: the integration tests, `keepalive-probe matrix`
//! and README.md's table all come from it. These tests keep the three from drifting apart.

use std::collections::HashSet;

use keepalive_probe::scenario::{markdown_table, table};
use pretty_assertions::assert_eq;

/// The matrix covers at least thirty distinct scenarios; no two rows are the same instance.
#[test]
fn table_holds_thirty_or_more_distinct_scenarios() {
    let titles: Vec<String> = table().iter().map(|s| s.title()).collect();
    let distinct: HashSet<&String> = titles.iter().collect();
    assert_eq!(distinct.len(), titles.len(), "duplicate scenario titles");
    assert!(titles.len() >= 30, "only {} scenarios", titles.len());
}

/// Every family in the table is checked by an integration test of the same name, so the test
/// list reads like the matrix.
#[test]
fn every_scenario_has_an_integration_test_of_the_same_name() {
    let sources: String = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests"))
        .expect("tests/ is readable")
        .map(|entry| std::fs::read_to_string(entry.expect("a directory entry").path()))
        .collect::<Result<_, _>>()
        .expect("test sources are UTF-8 text");
    let missing: Vec<&str> = table()
        .iter()
        .map(|s| s.name)
        .filter(|name| !sources.contains(&format!("fn {name}(")))
        .collect();
    assert_eq!(missing, Vec::<&str>::new(), "families without a test");
}

/// README.md's scenario table is exactly what `keepalive-probe matrix --markdown` prints.
#[test]
fn readme_table_is_generated_from_the_scenario_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable");
    assert!(
        readme.contains(&markdown_table()),
        "README.md's table is stale: regenerate it with `cargo run -- matrix --markdown`"
    );
}

/// `keepalive-probe matrix --json` runs the same table and finds every count as expected: exit 0,
/// one object per scenario with the documented fields.
#[cfg(feature = "cli")]
#[test]
fn matrix_command_agrees_with_the_table() {
    use std::process::Command;

    let output = Command::new(env!("CARGO_BIN_EXE_keepalive-probe"))
        .args(["matrix", "--json"])
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("--json prints a JSON array");
    assert_eq!(rows.len(), table().len());
    for (row, scenario) in rows.iter().zip(table()) {
        let expected = scenario.expected_report();
        assert_eq!(
            row,
            &serde_json::json!({
                "name": scenario.title(),
                "requests": scenario.client_requests(),
                "accepted": expected.accepted,
                "used": expected.used,
                "expected_accepted": expected.accepted,
                "expected_used": expected.used,
                "why": scenario.why,
            })
        );
    }
}

/// A filter that matches nothing is an error, not a silent pass.
#[cfg(feature = "cli")]
#[test]
fn matrix_filter_matching_nothing_fails() {
    use std::process::Command;

    let status = Command::new(env!("CARGO_BIN_EXE_keepalive-probe"))
        .args(["matrix", "--filter", "no scenario has this name"])
        .status()
        .expect("the binary runs");
    assert_eq!(status.code(), Some(1));
    assert!(
        table()
            .iter()
            .all(|s| !s.title().contains("no scenario has this name"))
    );
}
