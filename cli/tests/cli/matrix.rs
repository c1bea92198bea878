//! `keepalive-probe matrix` runs the scenario table: `--json` gives one object per line with the
//! verdict and both counts, so a consumer can tell which row failed; `--html` writes one page of
//! timelines; a filter that matches nothing is a usage error.

use std::process::Command;

use keepalive_probe::scenario::table;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_keepalive-probe");

/// Every scenario the filter selects, one JSON line each, every verdict "pass" with the table's
/// own expectation. A scenario whose count races has no exact expectation (`null`); its observed
/// counts are checked against what is exact: every request served once and every connection ended
/// the same way. `multi_thread` selects both kinds; every row of the table runs in its own
/// scenario test, and the whole table through the binary in CI's `matrix` step.
#[test]
fn matrix_json_is_one_passing_line_per_scenario() {
    const FILTER: &str = "multi_thread";
    let output = Command::new(BINARY)
        .args(["matrix", "--json", "--filter", FILTER])
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(output.status.success(), "{stdout}");
    let rows: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect();
    let selected: Vec<_> = table()
        .into_iter()
        .filter(|scenario| scenario.title().contains(FILTER))
        .collect();
    assert!(
        selected.iter().any(|s| s.expected.exact().is_none())
            && selected.iter().any(|s| s.expected.exact().is_some()),
        "the filter selects an exact and a raced scenario"
    );
    assert_eq!(rows.len(), selected.len(), "one line per scenario");
    let expected: Vec<Value> = selected
        .iter()
        .zip(&rows)
        .map(|(scenario, row)| {
            let exact = scenario.expected.exact();
            let (observed_per_connection, observed_ended) = match exact {
                Some(outcome) => (
                    json!(outcome.report.requests_per_connection),
                    json!(outcome.report.ended),
                ),
                None => {
                    let observed = row["observed_requests_per_connection"].clone();
                    let served: u64 = observed
                        .as_array()
                        .expect("a raced scenario still reports its counts")
                        .iter()
                        .filter_map(Value::as_u64)
                        .sum();
                    assert_eq!(served, scenario.client_requests() as u64, "{}", scenario.title());
                    (observed, row["observed_ended"].clone())
                }
            };
            json!({
                "name": scenario.title(),
                "runtime": scenario.runtime.to_string(),
                "requests": scenario.client_requests(),
                "expected_requests_per_connection": exact.map(|o| &o.report.requests_per_connection),
                "observed_requests_per_connection": observed_per_connection,
                "expected_failed_requests": exact.map_or(0, |o| o.failed_requests),
                "observed_failed_requests": exact.map_or(0, |o| o.failed_requests),
                "expected_ended": exact.map(|o| o.report.ended),
                "observed_ended": observed_ended,
                "verdict": "pass",
                "error": null,
                "why": scenario.why,
            })
        })
        .collect();
    assert_eq!(rows, expected);
}

/// Issue 18: `matrix --json | head -1` panicked ("failed printing to stdout: Broken pipe", exit
/// 101). A reader that stops early ends the matrix quietly.
#[test]
fn matrix_in_a_pipe_that_closes_early_ends_quietly() {
    let mut child = Command::new(BINARY)
        .args(["matrix", "--json", "--filter", "full_read"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("it ends");
    assert_eq!(
        (
            String::from_utf8_lossy(&output.stderr).into_owned(),
            output.status.code()
        ),
        (String::new(), Some(141)),
        "a closed pipe ends the process as SIGPIPE would, silently"
    );
}

/// A filter that matches nothing is a usage error (2), not a failed scenario (1).
#[test]
fn matrix_filter_matching_nothing_is_a_usage_error() {
    let output = Command::new(BINARY)
        .args(["matrix", "--filter", "no scenario has this name"])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: no scenario matches the filter (`keepalive-probe matrix --markdown` lists them)\n"
    );
}

/// `--html` writes one self-contained page: a summary row, a section and a timeline per scenario
/// run, no script.
#[test]
fn matrix_html_writes_a_section_and_a_timeline_per_scenario() {
    let page = std::env::temp_dir().join(format!("matrix-{}.html", std::process::id()));
    let output = Command::new(BINARY)
        .args([
            "matrix",
            "--filter",
            "dropped_large_body_forces_new_connection",
            "--html",
        ])
        .arg(&page)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    let html = std::fs::read_to_string(&page).expect("the page was written");
    std::fs::remove_file(&page).expect("the page is removed");
    let selected = table()
        .iter()
        .filter(|s| {
            s.title()
                .contains("dropped_large_body_forces_new_connection")
        })
        .count();
    assert_eq!(
        (
            html.matches("<tr class=\"pass\">").count(),
            html.matches("<section class=\"pass\"").count(),
            html.matches("<svg ").count(),
            html.contains("<script")
        ),
        (selected, selected, selected, false)
    );
}

/// A page that cannot be written is a usage error (2) found before any scenario runs: it used to
/// come after the whole table, which then ended in a failure (1).
#[test]
fn matrix_html_to_a_path_that_cannot_be_written_fails_before_running() {
    let output = Command::new(BINARY)
        .args(["matrix", "--html", "/nonexistent/dir/page.html"])
        .output()
        .expect("the binary runs");
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ),
        (
            Some(2),
            String::new(),
            "error: cannot write /nonexistent/dir/page.html: No such file or directory (os error 2)\n"
                .to_owned(),
        )
    );
}

/// The text table says `pass` where `--json` says `"pass"` (it said `ok`).
#[test]
fn matrix_text_and_json_name_a_pass_alike() {
    let output = Command::new(BINARY)
        .args([
            "matrix",
            "--filter",
            "full_read_reuses_one_connection (2 B body",
        ])
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let row = stdout.lines().nth(1).expect("one scenario row");
    assert!(row.ends_with("  pass"), "{row}");
}
