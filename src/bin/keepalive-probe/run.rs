//! `keepalive-probe run`: serve, run a client command against the server, report what it opened.
//!
//! The command owns stdin, stdout and stderr while it runs; the event log goes to stderr so the
//! command's output and the report stay clean on stdout.

use std::io::{self, Write};
use std::process::{ExitCode, ExitStatus};
use std::time::Duration;

use keepalive_probe::Server;
use tokio::process::Command;

use crate::options::{LogTo, ServeOptions};
use crate::snapshot::Snapshot;

/// What the command sees in place of this text in its arguments, and in `KEEPALIVE_PROBE_URL`.
const URL_PLACEHOLDER: &str = "{url}";

/// The variable that carries the base URL, for clients that read their target from the environment.
const URL_VARIABLE: &str = "KEEPALIVE_PROBE_URL";

/// The command failed or could not start.
const COMMAND_FAILED: u8 = 3;

/// Serve, run a command against the server, and report (or check) the connections it opened.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Every {url} in CMD and its arguments becomes the base URL (http://127.0.0.1:PORT/), which is also
in the environment as KEEPALIVE_PROBE_URL. When CMD exits, the report waits up to --close-grace
seconds (default 5) for the server to see every connection closed, then follows CMD's output on stdout, on a line of its own. The event
log goes to stderr (--quiet turns it off).

Exit status: 0 when CMD succeeded and the expectation (if any) held; 1 when the expectation failed
(or the report could not be written); 2 for usage errors and when the server cannot listen
(address in use); 3 when CMD failed or could not be started.

Example: keepalive-probe run --expect-connections 1 -- curl -s {url} {url} {url}")]
pub struct Args {
    #[command(flatten)]
    options: ServeOptions,
    /// Fail (exit status 1) unless the server accepted exactly N connections.
    #[arg(long, value_name = "N")]
    expect_connections: Option<usize>,
    /// How long connections may stay open after CMD exits before the report is printed anyway.
    /// A client closes its sockets as it exits and the server sees each close a moment later; one
    /// still open after this belongs to something CMD left behind.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_seconds)]
    close_grace: Duration,
    /// The client to run, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<String>,
}

pub fn main(args: Args) -> ExitCode {
    let runtime = match crate::options::runtime() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let server = match args.options.start(LogTo::Stderr).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let status = match run_command(&args.command, &server.url()).await {
        Ok(status) => status,
        Err(error) => {
            eprintln!("error: cannot run {}: {error}", program(&args.command));
            return ExitCode::from(COMMAND_FAILED);
        }
    };
    let snapshot = settle(&server, args.close_grace).await;
    if let Err(error) = print_report(&snapshot, args.options.json) {
        eprintln!("error: cannot write the report: {error}");
        return ExitCode::FAILURE;
    }
    verdict(&args, status, &snapshot)
}

/// Runs the command with `{url}` filled in and waits for it; an error means it never ran.
async fn run_command(command: &[String], url: &str) -> io::Result<ExitStatus> {
    let mut words = command
        .iter()
        .map(|word| word.replace(URL_PLACEHOLDER, url));
    let program = words
        .next()
        .ok_or_else(|| io::Error::other("no command given"))?;
    let mut child = Command::new(program)
        .args(words)
        .env(URL_VARIABLE, url)
        .spawn()?;
    child.wait().await
}

/// The report once the server has seen every connection closed, or after `grace` with a
/// warning: a report with open connections is still worth having.
async fn settle(server: &Server, grace: Duration) -> Snapshot {
    // Running out of time is not an error in itself: the snapshot says what is still open.
    let _ = tokio::time::timeout(grace, server.report_when_closed()).await;
    let snapshot = Snapshot::of(server);
    if snapshot.open() > 0 {
        eprintln!(
            "warning: {} connection(s) still open {} s after the command exited; reporting anyway",
            snapshot.open(),
            grace.as_secs_f64()
        );
    }
    snapshot
}

/// `--close-grace`: a non-negative number of seconds, fractions allowed.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| format!("{text:?} is not a number of seconds"))
}

/// The command's output need not end with a newline (`curl -s` rarely does), so the report
/// starts on a fresh line: the JSON is always the last line whole.
fn print_report(snapshot: &Snapshot, json: bool) -> io::Result<()> {
    writeln!(io::stdout().lock())?;
    snapshot.print(json)
}

/// A failed command makes the counts meaningless, so it outranks the expectation.
fn verdict(args: &Args, status: ExitStatus, snapshot: &Snapshot) -> ExitCode {
    if !status.success() {
        eprintln!("error: {} failed: {status}", program(&args.command));
        return ExitCode::from(COMMAND_FAILED);
    }
    match args.expect_connections {
        Some(expected) if expected != snapshot.accepted() => {
            eprintln!(
                "error: expected {expected} connection(s), observed {} accepted",
                snapshot.accepted()
            );
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

/// The command's name as the user typed it, for messages.
fn program(command: &[String]) -> String {
    format!("`{}`", command.first().map_or("", String::as_str))
}
