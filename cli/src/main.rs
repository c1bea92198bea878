//! `keepalive-probe`: the counting server as a command. Thin: parses, calls the library, prints.

// `run` puts its command in a process group of its own and forwards SIGINT and SIGTERM to it, and
// `serve` stops on them: Unix's signals and process groups. The library builds everywhere.
#[cfg(not(unix))]
compile_error!(
    "keepalive-probe-cli runs on Unix only; the keepalive-probe library builds anywhere"
);

#[macro_use]
mod output;
mod ca_file;
mod clients;
mod command_group;
mod event_log;
mod matrix;
mod options;
mod page;
mod proxy;
mod run;
mod serve;
mod signals;
mod snapshot;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Counts the TCP connections an HTTP client opens.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every scenario against reqwest and compare the counts with the expected ones.
    Matrix(matrix::Args),
    /// Serve and count until SIGINT or SIGTERM, then print the report.
    Serve(serve::Args),
    /// Run the scenarios against other HTTP clients (Go, Python, Node, curl, Rust), over HTTP and
    /// HTTPS, and compare.
    Clients(clients::Args),
    /// Serve, run a command against the server, and report (or check) the connections it opened.
    Run(run::Args),
}

fn main() -> ExitCode {
    // reqwest's rustls is compiled without a provider of its own (the HTTPS rows give theirs
    // explicitly): a plain client would panic without a process-wide one. This binary is ours,
    // so it installs ring, which rustls 0.23.48 deprecates for its lack of post-quantum key
    // exchange, a thing a loopback test server does not need.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    match Cli::parse().command {
        Command::Matrix(args) => matrix::main(args),
        Command::Serve(args) => serve::main(args),
        Command::Clients(args) => clients::main(args),
        Command::Run(args) => run::main(args),
    }
}
