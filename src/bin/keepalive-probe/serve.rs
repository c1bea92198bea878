//! `keepalive-probe serve` (being written).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn main(_args: Args) -> ExitCode {
    eprintln!("keepalive-probe serve: not implemented yet");
    ExitCode::from(2)
}
