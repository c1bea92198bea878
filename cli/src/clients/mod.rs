//! `keepalive-probe clients`: the same scenarios against other languages' HTTP clients, through
//! the counting server — one table of connection reuse across clients and versions.
//!
//! Each client is a small driver program in `clients/` (Go, Python, Node, Rust) or curl itself,
//! run once per client with every case on its command line (a server per case, its URL, count
//! and mode), its connections counted by each server's ledger. A client whose toolchain is
//! missing is reported as skipped, with the command that installs it — never as passed.

mod brief;
mod cases;
mod catalog;
mod driver_output;
mod drivers;
mod expectation;
mod fault_cases;
mod h2_cases;
mod home;
mod markdown;
mod proxy_cases;
mod row;
mod run;
mod rust_driver;
mod toolchains;
mod verdict;
mod why;

use std::collections::BTreeMap;
use std::process::ExitCode;

use self::cases::{CASES, Case, Expect, expect};
use self::catalog::Client;
use self::row::Row;
use self::verdict::holds;

/// The options of `clients`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit status: 0 when every case that ran was as expected; 1 when one was not; 2 for usage errors
(a --client it does not know, a --filter that selects nothing), or, with --require-all, when a
client's toolchain is missing.")]
pub struct Args {
    /// Print one JSON object per case, one per line.
    #[arg(long)]
    json: bool,
    /// Print README's table of expectations as Markdown, without running anything.
    #[arg(long, conflicts_with_all = ["json", "repeat"])]
    markdown: bool,
    /// Only this client (by its column name: go1.19, go1.27, requests, httpx, node-fetch,
    /// node-http, curl, reqwest, reqwest-blocking, ureq, hyper-util, reqwest-retry). Repeatable.
    #[arg(long, value_name = "NAME")]
    client: Vec<String>,
    /// Only the cases whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Run the table this many times and print every outcome seen: how to find out whether a
    /// count is exact.
    #[arg(long, value_name = "N", default_value_t = 1)]
    repeat: usize,
    /// A missing toolchain is an error (exit 2) instead of a skip: for CI, which installs them all.
    #[arg(long)]
    require_all: bool,
    /// List each client (each --client, if any) with "ok" or why it cannot run here, and run
    /// nothing.
    #[arg(long, conflicts_with_all = ["json", "markdown", "repeat"])]
    toolchains: bool,
    /// Build the Rust clients' driver (a release build with cargo, a minute or so the first
    /// time), and run nothing.
    #[arg(long, conflicts_with_all = ["json", "markdown", "repeat", "toolchains"])]
    build_rust_driver: bool,
}

pub fn main(args: Args) -> ExitCode {
    if args.build_rust_driver {
        return match rust_driver::build() {
            Ok(binary) => {
                outln!("built {}", binary.display());
                ExitCode::SUCCESS
            }
            Err(why) => {
                errln!("error: {why}");
                ExitCode::FAILURE
            }
        };
    }
    if args.markdown {
        out!("{}", markdown::table());
        return ExitCode::SUCCESS;
    }
    let unknown: Vec<&str> = args
        .client
        .iter()
        .map(String::as_str)
        .filter(|name| Client::ALL.iter().all(|client| client.name() != *name))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = Client::ALL.iter().map(|client| client.name()).collect();
        errln!(
            "error: no client named {} (clients: {})",
            unknown.join(", "),
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    let clients: Vec<Client> = Client::ALL
        .into_iter()
        .filter(|c| args.client.is_empty() || args.client.iter().any(|name| name == c.name()))
        .collect();
    if args.toolchains {
        // Each check starts a toolchain (`go version`, a Python, a Node): all at once, the way
        // the table runs them, so the answer costs the slowest check, not their sum.
        let availability: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let checks: Vec<_> = clients
                .iter()
                .map(|&client| scope.spawn(move || client.available()))
                .collect();
            checks
                .into_iter()
                // A check that panicked is a bug here, not a missing toolchain: it stays a panic.
                .map(|check| {
                    check
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        for (client, available) in clients.into_iter().zip(availability) {
            match available {
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
    let cases: Vec<&Case> = CASES
        .iter()
        .filter(|case| {
            args.filter
                .as_deref()
                .is_none_or(|text| case.name.contains(text))
        })
        .collect();
    if cases.is_empty() {
        errln!("error: no case matches --filter");
        return ExitCode::from(2);
    }
    let cases: Vec<Case> = cases.into_iter().copied().collect();
    let repeat = args.repeat.max(1);
    // Every client at once: each case has a server of its own, so clients cannot meet.
    let runs: Vec<ClientRun> = match crate::options::block_on(async {
        let tasks: Vec<_> = clients
            .iter()
            .map(|&client| tokio::spawn(run_client(client, cases.clone(), repeat)))
            .collect();
        let mut runs = Vec::with_capacity(tasks.len());
        for task in tasks {
            match task.await {
                Ok(outcomes) => runs.push(outcomes),
                // A bug of ours, not a client's failure: as loud as it was.
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            }
        }
        runs
    }) {
        Ok(runs) => runs,
        Err(code) => return code,
    };
    let (mut passed, mut failed, mut skipped, mut not_applicable) = (0, 0, 0, 0);
    for (client, ClientRun { version, outcomes }) in clients.iter().copied().zip(runs) {
        for (case, outcome) in cases.iter().zip(outcomes) {
            match outcome.verdict {
                "pass" => passed += 1,
                "fail" => failed += 1,
                "skipped" => skipped += 1,
                "n/a" => not_applicable += 1,
                _ => {}
            }
            if let (Some(reason), true) = (&outcome.skip, args.require_all) {
                errln!(
                    "error: {}: {reason} (install: {})",
                    client.name(),
                    client.install_hint()
                );
                return ExitCode::from(2);
            }
            let skipped_because = outcome
                .skip
                .map(|reason| format!("{reason}; install: {}", client.install_hint()));
            let row = Row {
                client: client.name(),
                version: version.clone(),
                case,
                expected: outcome.expected,
                observed: outcome.observed,
                verdict: outcome.verdict,
                client_view: outcome.client_view,
                skipped: skipped_because.as_deref(),
            };
            if args.json {
                row.print_json();
            } else {
                row.print();
            }
        }
    }
    // With --json, stdout is JSON lines only: the summary goes to stderr.
    let summary =
        format!("{passed} passed, {failed} failed, {skipped} skipped, {not_applicable} n/a");
    if args.json {
        errln!("{summary}");
    } else {
        outln!("{summary}");
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What one client did in one case, over every repeat.
#[derive(Debug)]
struct Outcome {
    expected: Expect,
    /// Each outcome seen, with how many times.
    observed: BTreeMap<String, usize>,
    verdict: &'static str,
    client_view: Option<String>,
    /// Why the client could not run here.
    skip: Option<String>,
}

/// One client's run: its version, and one outcome per case, in order.
#[derive(Debug)]
struct ClientRun {
    version: Option<String>,
    outcomes: Vec<Outcome>,
}

/// Runs `client` through every case that applies to it, `repeat` times, one driver process per
/// round, asking its toolchain for its version meanwhile.
async fn run_client(client: Client, cases: Vec<Case>, repeat: usize) -> ClientRun {
    let version = tokio::task::spawn_blocking(move || client.version());
    let outcomes = run_cases(client, &cases, repeat).await;
    ClientRun {
        // A version lookup that panicked leaves the heading without one.
        version: version.await.ok().flatten(),
        outcomes,
    }
}

/// Every case that applies to `client`, `repeat` times; one outcome per case, in order.
async fn run_cases(client: Client, cases: &[Case], repeat: usize) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = cases
        .iter()
        .map(|case| {
            let expected = expect(client, case);
            Outcome {
                expected,
                observed: BTreeMap::new(),
                verdict: if expected == Expect::NotApplicable {
                    "n/a"
                } else {
                    "pass"
                },
                client_view: None,
                skip: None,
            }
        })
        .collect();
    let applicable: Vec<usize> = (0..cases.len())
        .filter(|&index| outcomes[index].expected != Expect::NotApplicable)
        .collect();
    if applicable.is_empty() {
        return outcomes;
    }
    let batch: Vec<&Case> = applicable.iter().map(|&index| &cases[index]).collect();
    for _ in 0..repeat {
        match run::cases(client, &batch).await {
            Ok(observations) => {
                for (&index, observation) in applicable.iter().zip(observations) {
                    let outcome = &mut outcomes[index];
                    let view = client
                        .view()
                        .then_some(cases[index].tls && client.views_resumption());
                    if !holds(outcome.expected, &observation, view) {
                        outcome.verdict = "fail";
                    }
                    *outcome.observed.entry(observation.summary()).or_default() += 1;
                    outcome.client_view = observation.client_view;
                }
            }
            Err(run::CaseError::Missing(reason)) => {
                for &index in &applicable {
                    outcomes[index].verdict = "skipped";
                    outcomes[index].skip = Some(reason.clone());
                }
                break;
            }
            Err(run::CaseError::Failed(reason)) => {
                for &index in &applicable {
                    *outcomes[index].observed.entry(reason.clone()).or_default() += 1;
                    outcomes[index].verdict = "fail";
                }
            }
        }
    }
    outcomes
}
