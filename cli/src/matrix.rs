//! `keepalive-probe matrix`: runs every scenario of the table against reqwest and prints what the
//! server counted next to what the table expects.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use keepalive_probe::Endings;
use keepalive_probe::scenario::{self, Observed, Scenario};
use keepalive_probe::timeline;

use crate::page::{self, PageEntry};
use serde::Serialize;

/// Options of `keepalive-probe matrix`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
--json prints one JSON object per line, one line per scenario, with the fields name, runtime,
requests, expected_requests_per_connection, observed_requests_per_connection (null when the
scenario could not run), expected_failed_requests, observed_failed_requests (null likewise),
expected_ended and observed_ended (connections counted by how they ended: client_closed,
client_reset, server_closed, open), verdict (\"pass\", \"fail\" or \"error\"), error (null, or why
the scenario could not run) and why. Where the pool races (a multi-thread runtime) no exact count
exists: expected_requests_per_connection and expected_ended are null, and the verdict checks every
request served once, none failed, and every connection ended as the why says. Where only the
endings race on TCP's timing (some HTTPS rows), expected_ended alone is null.

Exit status: 0 when every scenario ran and matched; 1 when one did not (or a file could not be
written); 2 for usage errors, a --filter that matches no scenario included.")]
pub struct Args {
    /// Print one JSON object per scenario, one per line, instead of a table.
    #[arg(long)]
    json: bool,
    /// Print the table of expectations as Markdown (README.md's table) without running anything.
    #[arg(long, conflicts_with_all = ["json", "html"])]
    markdown: bool,
    /// Run only the scenarios whose name or variant contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Also write one HTML page with every scenario's counts, verdict, why and timeline to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

/// One scenario's line of the matrix, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row {
    name: String,
    runtime: String,
    requests: usize,
    expected_requests_per_connection: Option<Vec<usize>>,
    observed_requests_per_connection: Option<Vec<usize>>,
    expected_failed_requests: usize,
    observed_failed_requests: Option<usize>,
    expected_ended: Option<Endings>,
    observed_ended: Option<Endings>,
    verdict: Verdict,
    error: Option<String>,
    why: &'static str,
    /// Why each failed request failed: the text table says so on a failed row. Not a field of
    /// the JSON, whose shape is a contract.
    #[serde(skip)]
    request_errors: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Verdict {
    Pass,
    Fail,
    Error,
}

/// Runs the selected scenarios; see the exit statuses above.
pub fn main(args: Args) -> ExitCode {
    if args.markdown {
        let table = scenario::markdown_table();
        let mut lines = table.lines();
        for header in lines.by_ref().take(2) {
            outln!("{header}");
        }
        for row in lines.filter(|row| args.filter.as_deref().is_none_or(|text| row.contains(text)))
        {
            outln!("{row}");
        }
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
        errln!(
            "error: no scenario matches the filter (`keepalive-probe matrix --markdown` lists them)"
        );
        return ExitCode::from(2);
    }
    // The page's file is made before any scenario runs: a path that cannot be written is a usage
    // error found at once, not after the whole table.
    let mut html = match args.html.as_deref().map(File::create).transpose() {
        Ok(html) => html,
        Err(error) => {
            let path = args.html.as_deref().unwrap_or(Path::new("")).display();
            errln!("error: cannot write {path}: {error}");
            return ExitCode::from(2);
        }
    };
    let mut rows = Vec::with_capacity(selected.len());
    let mut pictures = Vec::new();
    for scenario in &selected {
        let observed = scenario.run_observed();
        let row = row(scenario, &observed);
        if args.json {
            match serde_json::to_string(&row) {
                Ok(line) => outln!("{line}"),
                Err(error) => {
                    errln!("error: cannot encode JSON: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
        if html.is_some() {
            pictures.push(page_entry(scenario, &row, observed.ok()));
        }
        rows.push(row);
    }
    if !args.json {
        print_table(&rows);
    }
    if let (Some(file), Some(path)) = (&mut html, &args.html) {
        let page = page::html_page("keepalive-probe matrix", &pictures);
        if let Err(error) = file.write_all(page.as_bytes()) {
            errln!("error: cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    if rows.iter().all(|row| row.verdict == Verdict::Pass) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn row(scenario: &Scenario, observed: &Result<Observed, scenario::ScenarioError>) -> Row {
    let expected = scenario.expected.counts();
    let expected_ended = scenario
        .expected
        .exact()
        .map(|outcome| outcome.report.ended);
    let (observed_outcome, verdict, error) = match observed {
        Ok(observed) => (
            Some(&observed.outcome),
            if scenario.is_met_by(&observed.outcome) {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            None,
        ),
        Err(error) => (None, Verdict::Error, Some(error.to_string())),
    };
    Row {
        name: scenario.title(),
        runtime: scenario.runtime.to_string(),
        requests: scenario.client_requests(),
        expected_requests_per_connection: expected
            .map(|outcome| outcome.report.requests_per_connection.clone()),
        observed_requests_per_connection: observed_outcome
            .map(|outcome| outcome.report.requests_per_connection.clone()),
        expected_failed_requests: expected.map_or(0, |outcome| outcome.failed_requests),
        observed_failed_requests: observed_outcome.map(|outcome| outcome.failed_requests),
        expected_ended,
        observed_ended: observed_outcome.map(|outcome| outcome.report.ended),
        verdict,
        error,
        why: scenario.why,
        request_errors: observed
            .as_ref()
            .map(|observed| observed.request_errors.clone())
            .unwrap_or_default(),
    }
}

fn page_entry(scenario: &Scenario, row: &Row, observed: Option<Observed>) -> PageEntry {
    let counts = format!(
        "{} requests; expected per connection {} ({}), observed {}{}",
        row.requests,
        expected_label(row),
        row.expected_ended.as_ref().map_or_else(
            || "every connection as the why says".to_owned(),
            endings_label
        ),
        row.observed_requests_per_connection.as_ref().map_or_else(
            || "nothing (it could not run)".to_owned(),
            |n| format!("{n:?}")
        ),
        row.observed_ended
            .as_ref()
            .map(|ended| format!(" ({})", endings_label(ended)))
            .unwrap_or_default(),
    );
    PageEntry {
        title: format!("{}; {} runtime", scenario.title(), scenario.runtime),
        counts,
        passed: row.verdict == Verdict::Pass,
        why: scenario.why.to_owned(),
        svg: observed.map_or_else(String::new, |observed| {
            timeline::svg(&scenario.title(), &observed.snapshot)
        }),
    }
}

/// The expected counts as the table prints them.
fn expected_label(row: &Row) -> String {
    row.expected_requests_per_connection
        .as_ref()
        .map_or_else(|| "no exact count".to_owned(), |n| format!("{n:?}"))
}

/// Connections by ending, briefly: `1 FIN, 4 RST, 0 server`.
fn endings_label(ended: &Endings) -> String {
    format!(
        "{} FIN, {} RST, {} server",
        ended.client_closed, ended.client_reset, ended.server_closed
    )
}

fn print_table(rows: &[Row]) {
    let width = rows.iter().map(|row| row.name.len()).max().unwrap_or(0);
    outln!(
        "{:width$}  requests  expected per connection  expected endings          verdict",
        "scenario"
    );
    for row in rows {
        let verdict = match row.verdict {
            Verdict::Pass => "pass".to_owned(),
            Verdict::Fail => format!(
                "FAIL: observed {:?} ({}), {} failed requests{}",
                row.observed_requests_per_connection
                    .as_deref()
                    .unwrap_or_default(),
                row.observed_ended
                    .as_ref()
                    .map(endings_label)
                    .unwrap_or_default(),
                row.observed_failed_requests.unwrap_or_default(),
                row.request_errors
                    .iter()
                    .map(|error| format!("; {error}"))
                    .collect::<String>()
            ),
            Verdict::Error => format!("ERROR: {}", row.error.as_deref().unwrap_or_default()),
        };
        let ended = row
            .expected_ended
            .as_ref()
            .map_or_else(|| "races".to_owned(), endings_label);
        outln!(
            "{:width$}  {:>8}  {:<23}  {:<24}  {verdict}",
            row.name,
            row.requests,
            expected_label(row),
            ended,
        );
    }
    let passed = rows
        .iter()
        .filter(|row| row.verdict == Verdict::Pass)
        .count();
    outln!("{} passed, {} failed", passed, rows.len() - passed);
}
