//! `keepalive-probe run` (being written).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn main(_args: Args) -> ExitCode {
    eprintln!("keepalive-probe run: not implemented yet");
    ExitCode::from(2)
}
