//! SIGINT (Ctrl-C) and SIGTERM (`kill`, a test harness, a CI runner): for `serve` and `run` both
//! mean "report and stop". They are watched before the server starts, so a signal sent as soon as
//! the URL is known produces the report, not the default action (dying silently).

use std::io;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// A stop signal that arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
}

impl Stop {
    /// The signal's number, to forward it and to exit with 128 + it, as a shell reports a
    /// process ended by that signal.
    pub fn number(self) -> i32 {
        match self {
            Stop::Interrupt => libc::SIGINT,
            Stop::Terminate => libc::SIGTERM,
        }
    }

    /// The stop signal with this number, if it is one.
    pub fn from_number(number: i32) -> Option<Stop> {
        [Stop::Interrupt, Stop::Terminate]
            .into_iter()
            .find(|stop| stop.number() == number)
    }

    pub fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
        }
    }
}

/// SIGINT and SIGTERM, watched.
pub struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    pub fn watch() -> io::Result<Self> {
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// The next stop signal.
    pub async fn received(&mut self) -> Stop {
        tokio::select! {
            _ = self.interrupt.recv() => Stop::Interrupt,
            _ = self.terminate.recv() => Stop::Terminate,
        }
    }
}
