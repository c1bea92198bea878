//! `keepalive-probe run`: serve, run a client command against the server, report what it opened.
//!
//! The command owns stdin, stdout and stderr while it runs; the event log goes to stderr so the
//! command's output and the report stay clean on stdout. A SIGINT or SIGTERM reaches the command
//! exactly once (`command_group.rs`: in a terminal's job the terminal's Ctrl-C reaches both, and
//! `run` forwards only what the command did not get); `run` waits for it (bounded by
//! `--kill-after`, then SIGKILL), and the report is printed all the same.

use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitCode, ExitStatus};
use std::time::Duration;

use keepalive_probe::Server;
use tokio::process::{Child, Command};

use crate::ca_file::CaFile;
use crate::command_group::{self, Group};
use crate::options::{EventLog, LogTo, ServeOptions};
use crate::proxy::{PROXY_PLACEHOLDER, Proxy, ProxyArgs, ProxyError};
use crate::signals::{Stop, StopSignals};
use crate::snapshot::Snapshot;

/// What the command sees in place of this text in its arguments, and in `KEEPALIVE_PROBE_URL`.
const URL_PLACEHOLDER: &str = "{url}";

/// The variable that carries the base URL, for clients that read their target from the environment.
const URL_VARIABLE: &str = "KEEPALIVE_PROBE_URL";

/// Replaced by the path of a PEM file with the HTTPS server's CA certificate (with `--tls`).
const CA_PLACEHOLDER: &str = "{ca}";

/// The environment variable that holds the same path.
const CA_VARIABLE: &str = "KEEPALIVE_PROBE_CA";

/// The command failed or could not start.
const COMMAND_FAILED: u8 = 3;

/// Serve, run a command against the server, and report (or check) the connections it opened.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Every {url} in CMD and its arguments becomes the base URL (http://127.0.0.1:PORT/), which is also
in the environment as KEEPALIVE_PROBE_URL. With --tls the URL is https://localhost:PORT/, and every
{ca} becomes the path of a PEM file with the certificate to trust (also in KEEPALIVE_PROBE_CA):
curl --cacert {ca}, SSL_CERT_FILE={ca} for Go, NODE_EXTRA_CA_CERTS, requests' verify=. With
--proxy, every {proxy} becomes the counting forward proxy's URL, which HTTP_PROXY and HTTPS_PROXY
hold too. When CMD exits, the report waits up to --close-grace seconds (default 5) for the server
to see every connection closed, then follows CMD's output on stdout, on a line of its own. The
event log goes to stderr (--quiet turns it off).

Exit status: 0 when CMD succeeded and the expectation (if any) held; 1 when the expectation failed
(or the report or timeline could not be written); 2 for usage errors and when the server cannot
listen (address in use); 3 when CMD failed or could not be started; 130 (SIGINT) or 143 (SIGTERM)
when run or CMD was interrupted: a SIGTERM to run, or a SIGINT without a terminal, is forwarded to
CMD (in a terminal, Ctrl-C reaches both), run waits up to --kill-after seconds for it (then kills
it), and prints the report before exiting.

Example: keepalive-probe run --expect-connections 1 -- curl -s {url} {url} {url}")]
pub struct Args {
    #[command(flatten)]
    options: ServeOptions,
    #[command(flatten)]
    proxy: ProxyArgs,
    /// Fail (exit status 1) unless the server accepted exactly N connections.
    #[arg(long, value_name = "N")]
    expect_connections: Option<usize>,
    /// How long connections may stay open after CMD exits before the report is printed anyway.
    /// A client closes its sockets as it exits and the server sees each close a moment later; one
    /// still open after this belongs to something CMD left behind.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_seconds)]
    close_grace: Duration,
    /// After a SIGINT or SIGTERM is forwarded to CMD, how long to wait for it to exit before
    /// killing it (SIGKILL).
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_seconds)]
    kill_after: Duration,
    /// Also write the connections as an SVG timeline to FILE.
    #[arg(long, value_name = "FILE")]
    timeline: Option<PathBuf>,
    /// The client to run, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<String>,
}

pub fn main(args: Args) -> ExitCode {
    crate::options::block_on(run(args)).unwrap_or_else(|code| code)
}

async fn run(args: Args) -> ExitCode {
    let mut stop = match StopSignals::watch() {
        Ok(stop) => stop,
        Err(error) => {
            errln!("error: cannot watch SIGINT and SIGTERM: {error}");
            return ExitCode::FAILURE;
        }
    };
    let (server, log) = match args.options.start(LogTo::Stderr).await {
        Ok(started) => started,
        Err(error) => {
            errln!("error: {}", keepalive_probe::scenario::with_causes(&error));
            return ExitCode::from(2);
        }
    };
    let ca_file = match CaFile::write(&server, args.options.ca_file.as_deref()) {
        Ok(ca_file) => ca_file,
        Err(error) => {
            errln!("error: cannot write the CA certificate: {error}");
            return ExitCode::FAILURE;
        }
    };
    if ca_file.is_none()
        && args
            .command
            .iter()
            .any(|word| word.contains(CA_PLACEHOLDER))
    {
        errln!("error: {CA_PLACEHOLDER} names the HTTPS server's CA certificate: add --tls");
        return ExitCode::from(2);
    }
    let proxy = match args.proxy.start(&log).await {
        Ok(proxy) => proxy,
        Err(ProxyError::Usage(error)) => {
            errln!("error: {error}");
            return ExitCode::from(2);
        }
        Err(ProxyError::Start(error)) => {
            errln!("error: {}", keepalive_probe::scenario::with_causes(&error));
            return ExitCode::from(2);
        }
    };
    if proxy.is_none()
        && args
            .command
            .iter()
            .any(|word| word.contains(PROXY_PLACEHOLDER))
    {
        errln!("error: {PROXY_PLACEHOLDER} names the counting forward proxy: add --proxy");
        return ExitCode::from(2);
    }
    let started = start_command(
        &args.command,
        &server.url(),
        ca_file.as_ref(),
        proxy.as_ref(),
    );
    let (mut child, group) = match started {
        Ok(started) => started,
        Err(error) => {
            errln!("error: cannot run {}: {error}", program(&args.command));
            return ExitCode::from(COMMAND_FAILED);
        }
    };
    // Signals first: a signal to `run` that arrives as the command exits stopped `run` all the
    // same.
    let ended = tokio::select! {
        biased;
        signal = stop.received() => Ended::Stopped(signal),
        status = child.wait() => Ended::Exited(status),
    };
    let status = match ended {
        Ended::Exited(status) => status,
        Ended::Stopped(signal) => {
            errln!(
                "keepalive-probe run: {}: stopping {}",
                signal.name(),
                program(&args.command)
            );
            stop_command(&mut child, group, signal, args.kill_after, &mut stop).await;
            // A signal now is the user's second: it cuts the wait for closes short.
            let snapshot = settle(&server, proxy.as_ref(), args.close_grace, Some(&mut stop)).await;
            let written = report(&snapshot, &args, &log);
            return match written {
                Ok(()) => ExitCode::from(128 + signal.number() as u8),
                Err(code) => code,
            };
        }
    };
    let status = match status {
        Ok(status) => status,
        Err(error) => {
            errln!("error: cannot wait for {}: {error}", program(&args.command));
            return ExitCode::from(COMMAND_FAILED);
        }
    };
    // In a terminal's job, a command ended by SIGINT or SIGTERM was most likely stopped by the
    // Ctrl-C that is about to reach `run` too: that one must not cut the wait for closes short.
    // Otherwise a signal now is the user's, and does.
    let killed_by_a_stop_signal = status
        .signal()
        .is_some_and(|number| Stop::from_number(number).is_some());
    let interruptible = (!(killed_by_a_stop_signal && group.shares_signals())).then_some(&mut stop);
    let snapshot = settle(&server, proxy.as_ref(), args.close_grace, interruptible).await;
    if let Err(code) = report(&snapshot, &args, &log) {
        return code;
    }
    verdict(&args, status, &snapshot)
}

/// How the command's run ended: by itself, or by a signal to `run`.
enum Ended {
    Exited(io::Result<ExitStatus>),
    Stopped(Stop),
}

/// Starts the command with `{url}` (and `{ca}`, `{proxy}`) filled in, in the process group
/// `command_group.rs` decides; an error means it never ran.
fn start_command(
    command: &[String],
    url: &str,
    ca: Option<&CaFile>,
    proxy: Option<&Proxy>,
) -> io::Result<(Child, Group)> {
    let ca_path = ca.map(|ca| ca.path().display().to_string());
    let mut words = command.iter().map(|word| {
        let word = word.replace(URL_PLACEHOLDER, url);
        let word = match &ca_path {
            Some(path) => word.replace(CA_PLACEHOLDER, path),
            None => word,
        };
        match proxy {
            Some(proxy) => proxy.fill(&word),
            None => word,
        }
    });
    let program = words
        .next()
        .ok_or_else(|| io::Error::other("no command given"))?;
    let mut command = Command::new(program);
    command
        .args(words)
        .env(URL_VARIABLE, url)
        .kill_on_drop(true);
    if let Some(path) = &ca_path {
        command.env(CA_VARIABLE, path);
    }
    if let Some(proxy) = proxy {
        proxy.environment(&mut command);
    }
    let group = command_group::place(&mut command);
    Ok((command.spawn()?, group))
}

/// Passes `signal` on to the command where it did not reach it already, and waits for it to
/// exit, at most `patience`; then kills it (in a group of its own, with everything it started).
/// A second SIGINT or SIGTERM while waiting kills it at once: the user asked twice.
async fn stop_command(
    child: &mut Child,
    group: Group,
    signal: Stop,
    patience: Duration,
    again: &mut StopSignals,
) {
    // A failure means the command has exited already, which is as good.
    let _ = group.forward(child, signal);
    tokio::select! {
        exited = tokio::time::timeout(patience, child.wait()) => {
            if exited.is_err() {
                errln!(
                    "keepalive-probe run: the command outlived {patience:?} after the signal: \
                     killing it"
                );
                let _ = group.kill(child);
                let _ = child.wait().await;
            }
        }
        second = again.received() => {
            errln!("keepalive-probe run: {} again: killing the command", second.name());
            let _ = group.kill(child);
            let _ = child.wait().await;
        }
    }
}

/// Prints the report after the event lines logged so far (and writes the timeline); on failure,
/// the exit code to end with.
fn report(snapshot: &Snapshot, args: &Args, log: &EventLog) -> Result<(), ExitCode> {
    log.flush();
    if let Err(error) = print_report(snapshot, args.options.json) {
        errln!("error: cannot write the report: {error}");
        return Err(ExitCode::FAILURE);
    }
    if let Some(path) = &args.timeline {
        let title = format!("keepalive-probe run -- {}", args.command.join(" "));
        if let Err(error) = snapshot.write_timeline(&title, path) {
            errln!(
                "error: cannot write the timeline to {}: {error}",
                path.display()
            );
            return Err(ExitCode::FAILURE);
        }
    }
    Ok(())
}

/// Waits up to `grace` for every connection to close (the proxy's too), then takes the snapshot,
/// with a warning if some are open: a report with open connections is still worth having. A
/// signal during the wait takes it at once (the report is never lost, only the wait cut short).
async fn settle(
    server: &Server,
    proxy: Option<&Proxy>,
    grace: Duration,
    signals: Option<&mut StopSignals>,
) -> Snapshot {
    let all_closed = async {
        if let Some(proxy) = proxy {
            proxy.server.report_when_closed().await;
        }
        server.report_when_closed().await
    };
    // Running out of time is not an error in itself: the snapshot says what is still open.
    let waiting = tokio::time::timeout(grace, all_closed);
    let cut_short = match signals {
        Some(signals) => {
            tokio::select! {
                _ = waiting => false,
                _ = signals.received() => true,
            }
        }
        None => {
            let _ = waiting.await;
            false
        }
    };
    let mut snapshot = Snapshot::of(server);
    if let Some(proxy) = proxy {
        snapshot = snapshot.with_proxy(Snapshot::of(&proxy.server));
    }
    if snapshot.open() > 0 {
        let when = if cut_short {
            "when a signal cut the wait short".to_owned()
        } else {
            format!("{} s after the command exited", grace.as_secs_f64())
        };
        errln!(
            "warning: {} connection(s) still open {when}; reporting anyway",
            snapshot.open()
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
    // In a terminal's job Ctrl-C signals the command and `run` together, and the command may end
    // before `run` sees its own signal: a command ended by SIGINT or SIGTERM was interrupted,
    // whoever sent it.
    if let Some(stop) = status.signal().and_then(Stop::from_number) {
        errln!(
            "keepalive-probe run: {} ended by {}",
            program(&args.command),
            stop.name()
        );
        return ExitCode::from(128 + stop.number() as u8);
    }
    if !status.success() {
        errln!("error: {} failed: {status}", program(&args.command));
        return ExitCode::from(COMMAND_FAILED);
    }
    match args.expect_connections {
        Some(expected) if expected != snapshot.accepted() => {
            errln!(
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
