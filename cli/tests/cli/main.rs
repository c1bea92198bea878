//! The command-line tool, run as a process: `matrix`, `serve`, `run` (and its signals) and
//! `clients`' own options. One binary, a module per command, as the library's `tests/suite/`.
//! The other languages' clients are `tests/other_clients/`.

mod clients;
mod matrix;
mod run;
mod run_faults;
mod run_proxy;
mod run_relay;
mod run_signals;
mod run_tls;
mod serve;
mod serve_usage;
mod slow_reader;

#[path = "../support/ring.rs"]
mod ring;
