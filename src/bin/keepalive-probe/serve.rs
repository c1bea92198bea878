//! `keepalive-probe serve`: the counting server as a process, for clients a test cannot embed.
//!
//! The first stdout line is the base URL alone, so a script can read it and point its client at
//! it; then one line per accept, request and close; on SIGINT or SIGTERM, the report.

use std::io::{self, Write};
use std::process::ExitCode;

use tokio::signal::unix::{SignalKind, signal};

use crate::options::{LogTo, ServeOptions};
use crate::snapshot::Snapshot;

/// Serve and count until SIGINT or SIGTERM, then print the report.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The first line on stdout is the base URL (http://127.0.0.1:PORT/); then one line per connection
accepted, request and connection closed; on SIGINT or SIGTERM, the report. A connection reported
\"closed\": false was still open when the signal arrived.

Exit status: 0 after a signal and the report; 1 if the report could not be written or the signals
could not be watched; 2 for usage errors and when the server cannot listen (address in use).")]
pub struct Args {
    #[command(flatten)]
    options: ServeOptions,
}

pub fn main(args: Args) -> ExitCode {
    let runtime = match crate::options::runtime() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(serve(args.options))
}

async fn serve(options: ServeOptions) -> ExitCode {
    // Watch the signals before anyone can learn the URL: a signal sent as soon as the URL is read
    // must produce the report, not the default action (dying silently).
    let stop = match StopSignals::watch() {
        Ok(stop) => stop,
        Err(error) => {
            eprintln!("error: cannot watch SIGINT and SIGTERM: {error}");
            return ExitCode::FAILURE;
        }
    };
    let server = match options.start(LogTo::Stdout).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = print_url(&server.url()) {
        eprintln!("error: cannot write the URL: {error}");
        return ExitCode::FAILURE;
    }
    stop.received().await;
    // The report is the ledger at the signal; shutting down closes what is still open (and logs
    // it), and the report comes last so a script can take the last line.
    let snapshot = Snapshot::of(&server);
    server.shutdown().await;
    match snapshot.print(options.json) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write the report: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Flushed at once: a script blocks on this line before it starts its client.
fn print_url(url: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{url}")?;
    out.flush()
}

/// SIGINT (Ctrl-C) and SIGTERM (`kill`, a test harness, a CI runner): both mean "report and stop".
struct StopSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn watch() -> io::Result<Self> {
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn received(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
