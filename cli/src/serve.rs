//! `keepalive-probe serve`: the counting server as a process, for clients a test cannot embed.
//!
//! The first stdout line is the base URL alone, so a script can read it and point its client at
//! it; then one line per accept, request and close; on SIGINT or SIGTERM, the report.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::ca_file::CaFile;
use crate::options::{LogTo, ServeOptions};
use crate::signals::StopSignals;
use crate::snapshot::Snapshot;

/// Serve and count until SIGINT or SIGTERM, then print the report.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The first line on stdout is the base URL (http://127.0.0.1:PORT/); then one line per connection
accepted, request and connection closed; on SIGINT or SIGTERM, the report. A connection reported
\"closed\": false was still open when the signal arrived.

With --timeline FILE, the connections are also written to FILE as an SVG timeline at exit.

With --tls the URL is https://localhost:PORT/ and the certificate to trust is written as PEM to
--ca-file FILE, or to a temporary file whose path is printed on stderr (`ca: PATH`).

Exit status: 0 after a signal and the report; 1 if the report or the timeline could not be
written, or the signals could not be watched; 2 for usage errors and when the server cannot listen
(address in use).")]
pub struct Args {
    #[command(flatten)]
    options: ServeOptions,
    /// Also write the connections as an SVG timeline to FILE at exit.
    #[arg(long, value_name = "FILE")]
    timeline: Option<PathBuf>,
}

pub fn main(args: Args) -> ExitCode {
    crate::options::block_on(serve(args)).unwrap_or_else(|code| code)
}

async fn serve(args: Args) -> ExitCode {
    let options = args.options;
    let mut stop = match StopSignals::watch() {
        Ok(stop) => stop,
        Err(error) => {
            errln!("error: cannot watch SIGINT and SIGTERM: {error}");
            return ExitCode::FAILURE;
        }
    };
    let (server, log) = match options.start(LogTo::Stdout).await {
        Ok(started) => started,
        Err(error) => {
            errln!("error: {}", keepalive_probe::scenario::with_causes(&error));
            return ExitCode::from(2);
        }
    };
    let ca_file = match CaFile::write(&server, options.ca_file.as_deref()) {
        Ok(ca_file) => ca_file,
        Err(error) => {
            errln!("error: cannot write the CA certificate: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let (Some(ca_file), None) = (&ca_file, &options.ca_file) {
        errln!("ca: {}", ca_file.path().display());
    }
    if let Err(error) = print_url(&server.url()) {
        errln!("error: cannot write the URL: {error}");
        return ExitCode::FAILURE;
    }
    stop.received().await;
    // The report is the ledger at the signal; shutting down closes what is still open (and logs
    // it), and the report comes last so a script can take the last line.
    let snapshot = Snapshot::of(&server);
    server.shutdown().await;
    log.flush();
    if let Err(error) = snapshot.print(options.json) {
        errln!("error: cannot write the report: {error}");
        return ExitCode::FAILURE;
    }
    if let Some(path) = &args.timeline {
        if let Err(error) = snapshot.write_timeline("keepalive-probe serve", path) {
            errln!(
                "error: cannot write the timeline to {}: {error}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Flushed at once: a script blocks on this line before it starts its client.
fn print_url(url: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{url}")?;
    out.flush()
}
