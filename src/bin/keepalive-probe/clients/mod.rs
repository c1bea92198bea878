//! `keepalive-probe clients`: the same scenarios against other languages' HTTP clients, through
//! the counting server — one table of connection reuse across clients and versions.
//!
//! Each client is a small driver program in `clients/` (Go, Python, Node) or curl itself, run as
//! `keepalive-probe run` runs a command: the server's URL on its command line, its connections
//! counted by the ledger. A client whose toolchain is missing is reported as skipped, with the
//! command that installs it — never as passed.

mod cases;
mod catalog;
mod markdown;
mod run;
mod rust_driver;

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde::Serialize;

use self::cases::{CASES, Case, Expect, expect};
use self::catalog::Client;
use self::run::Observation;

/// Run the scenarios against other HTTP clients (Go 1.19 and 1.27, Python, Node, curl).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit status: 0 when every case that ran was as expected; 1 when one was not; 2 for usage errors
(a --client or --filter that selects nothing), or, with --require-all, when a client's toolchain
is missing.")]
pub struct Args {
    /// Print one JSON object per case, one per line.
    #[arg(long)]
    json: bool,
    /// Print README's table of expectations as Markdown, without running anything.
    #[arg(long, conflicts_with_all = ["json", "repeat"])]
    markdown: bool,
    /// Only this client (by its column name: go1.19, go1.27, requests, httpx, node-fetch,
    /// node-http, curl). Repeatable.
    #[arg(long, value_name = "NAME")]
    client: Vec<String>,
    /// Only the cases whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Run each case this many times and print every outcome seen: how to find out whether a
    /// count is exact.
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: usize,
    /// A missing toolchain is an error (exit 2) instead of a skip: for CI, which installs them all.
    #[arg(long)]
    require_all: bool,
    /// List each client with "ok" or why it cannot run here, and run nothing.
    #[arg(long, conflicts_with_all = ["json", "markdown", "repeat"])]
    toolchains: bool,
}

/// One case's line, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Row<'a> {
    client: &'static str,
    version: Option<String>,
    case: &'static str,
    expected: String,
    observed: BTreeMap<String, usize>,
    verdict: &'static str,
    client_view: Option<String>,
    skipped: Option<&'a str>,
}

pub fn main(args: Args) -> ExitCode {
    if args.markdown {
        out!("{}", markdown::table());
        return ExitCode::SUCCESS;
    }
    if args.toolchains {
        for client in Client::ALL {
            match client.available() {
                Ok(()) => outln!("{}\tok", client.name()),
                Err(reason) => outln!(
                    "{}\tmissing: {reason}; install: {}",
                    client.name(),
                    client.install_hint()
                ),
            }
        }
        return ExitCode::SUCCESS;
    }
    let clients: Vec<Client> = Client::ALL
        .into_iter()
        .filter(|c| args.client.is_empty() || args.client.iter().any(|name| name == c.name()))
        .collect();
    let cases: Vec<&Case> = CASES
        .iter()
        .filter(|case| {
            args.filter
                .as_deref()
                .is_none_or(|text| case.name.contains(text))
        })
        .collect();
    if clients.is_empty() || cases.is_empty() {
        eprintln!(
            "error: no client or no case matches (clients: go1.19, go1.27, requests, httpx, node-fetch, node-http, curl)"
        );
        return ExitCode::from(2);
    }
    let runtime = match crate::options::runtime() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for client in clients {
        let version = client.version();
        for case in &cases {
            let expected = expect(client, case);
            let mut observed = BTreeMap::new();
            let mut client_view = None;
            let mut skip = None;
            let mut verdict = "pass";
            if expected == Expect::NotApplicable {
                verdict = "n/a";
            } else {
                for _ in 0..args.repeat.max(1) {
                    match runtime.block_on(run::case(client, case)) {
                        Ok(observation) => {
                            if !holds(expected, &observation) {
                                verdict = "fail";
                            }
                            *observed.entry(observation.summary()).or_default() += 1;
                            client_view = observation.client_view;
                        }
                        Err(run::CaseError::Missing(reason)) => {
                            skip = Some(reason);
                            verdict = "skipped";
                            break;
                        }
                        Err(run::CaseError::Failed(reason)) => {
                            *observed.entry(reason).or_default() += 1;
                            verdict = "fail";
                        }
                    }
                }
            }
            match verdict {
                "pass" => passed += 1,
                "fail" => failed += 1,
                "skipped" => skipped += 1,
                _ => {}
            }
            if let (Some(reason), true) = (&skip, args.require_all) {
                eprintln!(
                    "error: {}: {reason} (install: {})",
                    client.name(),
                    client.install_hint()
                );
                return ExitCode::from(2);
            }
            let skipped_because =
                skip.map(|reason| format!("{reason}; install: {}", client.install_hint()));
            let row = Row {
                client: client.name(),
                version: version.clone(),
                case: case.name,
                expected: describe(expected),
                observed,
                verdict,
                client_view,
                skipped: skipped_because.as_deref(),
            };
            if args.json {
                match serde_json::to_string(&row) {
                    Ok(line) => outln!("{line}"),
                    Err(error) => eprintln!("error: cannot encode JSON: {error}"),
                }
            } else {
                print_row(&row);
            }
        }
    }
    // With --json, stdout is JSON lines only: the summary goes to stderr.
    if args.json {
        eprintln!("{passed} passed, {failed} failed, {skipped} skipped");
    } else {
        outln!("{passed} passed, {failed} failed, {skipped} skipped");
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Whether an observation is what the expectation says.
fn holds(expected: Expect, observation: &Observation) -> bool {
    match expected {
        Expect::Exact(per_connection, ended) => {
            observation.failed.is_none()
                && observation.requests_per_connection == per_connection
                && cases::endings_hold(ended, per_connection.len(), &observation.ended)
        }
        Expect::Race => {
            let per_connection = &observation.requests_per_connection;
            observation.failed.is_none()
                && per_connection.iter().sum::<usize>() == cases::REQUESTS
                && per_connection.first().is_some_and(|&first| first >= 1)
        }
        Expect::NotApplicable => true,
    }
}

fn describe(expected: Expect) -> String {
    match expected {
        Expect::Exact(per_connection, ended) => format!(
            "{per_connection:?} {}",
            cases::describe_endings(ended, per_connection.len())
        ),
        Expect::Race => format!(
            "race: {} requests served once, none failed",
            cases::REQUESTS
        ),
        Expect::NotApplicable => "n/a".to_owned(),
    }
}

fn print_row(row: &Row<'_>) {
    let observed: Vec<String> = row
        .observed
        .iter()
        .map(|(outcome, times)| format!("{outcome} ×{times}"))
        .collect();
    outln!(
        "{:<10} {:<28} {:<8} expected {:<34} observed {}{}",
        row.client,
        row.case,
        row.verdict,
        row.expected,
        observed.join(", "),
        row.skipped.map(|s| format!(" ({s})")).unwrap_or_default()
    );
}
