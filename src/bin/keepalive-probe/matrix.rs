//! `keepalive-probe matrix`: runs every scenario of the table against reqwest and prints what the
//! server counted next to what the table expects.

use std::process::ExitCode;

use keepalive_probe::scenario::{self, Outcome, Scenario};
use serde::Serialize;

/// Options of `keepalive-probe matrix`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON array, one object per scenario, instead of a table.
    #[arg(long)]
    json: bool,
    /// Print the table of expectations as Markdown (README.md's table) without running anything.
    #[arg(long, conflicts_with = "json")]
    markdown: bool,
    /// Run only the scenarios whose name or variant contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
}

/// One scenario's line of the matrix, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    name: String,
    requests: usize,
    accepted: Option<usize>,
    used: Option<usize>,
    expected_accepted: usize,
    expected_used: usize,
    why: &'static str,
    #[serde(skip)]
    verdict: Verdict,
}

#[derive(Debug)]
enum Verdict {
    Pass,
    Fail(Outcome),
    Error(String),
}

/// Runs the selected scenarios; exit 0 when every count matched, 1 otherwise.
pub fn main(args: Args) -> ExitCode {
    if args.markdown {
        print!("{}", scenario::markdown_table());
        return ExitCode::SUCCESS;
    }
    let selected: Vec<Scenario> = scenario::table()
        .into_iter()
        .filter(|s| {
            args.filter
                .as_deref()
                .is_none_or(|text| s.title().contains(text))
        })
        .collect();
    if selected.is_empty() {
        eprintln!("keepalive-probe matrix: no scenario matches the filter");
        return ExitCode::from(1);
    }
    let rows: Vec<Row> = selected.iter().map(run).collect();
    if args.json {
        match serde_json::to_string_pretty(&rows) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("keepalive-probe matrix: cannot encode JSON: {error}");
                return ExitCode::from(1);
            }
        }
    } else {
        print_table(&rows);
    }
    if rows.iter().all(|row| matches!(row.verdict, Verdict::Pass)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn run(scenario: &Scenario) -> Row {
    let expected = scenario.expected_report();
    let (accepted, used, verdict) = match scenario.run() {
        Ok(outcome) => (
            Some(outcome.report.accepted),
            Some(outcome.report.used),
            if outcome == scenario.expected_outcome() {
                Verdict::Pass
            } else {
                Verdict::Fail(outcome)
            },
        ),
        Err(error) => (None, None, Verdict::Error(error.to_string())),
    };
    Row {
        name: scenario.title(),
        requests: scenario.client_requests(),
        accepted,
        used,
        expected_accepted: expected.accepted,
        expected_used: expected.used,
        why: scenario.why,
        verdict,
    }
}

fn print_table(rows: &[Row]) {
    let width = rows.iter().map(|row| row.name.len()).max().unwrap_or(0);
    println!(
        "{:width$}  requests  accepted  used  expected  verdict  why",
        "scenario"
    );
    for row in rows {
        let observed = |count: Option<usize>| count.map_or("-".to_owned(), |n| n.to_string());
        let verdict = match &row.verdict {
            Verdict::Pass => "ok".to_owned(),
            Verdict::Fail(outcome) => format!(
                "FAIL (per connection {:?}, {} failed requests)",
                outcome.report.requests_per_connection, outcome.failed_requests
            ),
            Verdict::Error(error) => format!("ERROR ({error})"),
        };
        println!(
            "{:width$}  {:>8}  {:>8}  {:>4}  {:>8}  {verdict:7}  {}",
            row.name,
            row.requests,
            observed(row.accepted),
            observed(row.used),
            format!("{}/{}", row.expected_accepted, row.expected_used),
            row.why,
        );
    }
    let passed = rows
        .iter()
        .filter(|row| matches!(row.verdict, Verdict::Pass))
        .count();
    println!("{} passed, {} failed", passed, rows.len() - passed);
}
