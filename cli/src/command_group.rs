//! Where `run`'s command runs, so that every signal reaches it exactly once (a second SIGINT
//! means "force quit" to cargo, npm, pytest and many more).
//!
//! With a controlling terminal, the command stays in `run`'s process group, the terminal's job,
//! as every process of a pipeline does: Ctrl-C reaches both at once, so `run` does not forward a
//! SIGINT; Ctrl-Z stops the whole job and the shell takes over; the command reads the terminal
//! as any foreground program. A SIGTERM, which no terminal sends, `run` forwards to the command.
//! (A SIGINT sent to `run` alone with `kill` is then not forwarded: the command is killed once
//! `--kill-after` has passed.)
//!
//! Without one (CI, a script, a service), the command runs in a process group of its own: a
//! signal to `run`, or to its group (`kill -INT -PGID`), reaches `run` alone, which forwards it
//! to the command's group, once, and kills that whole group if it must.

use std::io;

use tokio::process::{Child, Command};

use crate::signals::Stop;

/// Whether the command shares `run`'s process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// `run`'s own, the terminal's job.
    Shared,
    /// A group of its own, which the command leads.
    Own,
}

/// Decides the command's group, and gives it its own where there is no controlling terminal.
pub fn place(command: &mut Command) -> Group {
    // Only a process with a controlling terminal can open /dev/tty.
    if std::fs::File::open("/dev/tty").is_ok() {
        Group::Shared
    } else {
        command.process_group(0);
        Group::Own
    }
}

impl Group {
    /// Forwards a stop signal `run` received, unless it reached the command already.
    pub fn forward(self, child: &Child, stop: Stop) -> io::Result<()> {
        match (self, stop) {
            // A terminal's Ctrl-C signals the whole job.
            (Group::Shared, Stop::Interrupt) => Ok(()),
            _ => self.signal(child, stop.number()),
        }
    }

    /// Kills the command, and in a group of its own every process it started.
    pub fn kill(self, child: &Child) -> io::Result<()> {
        self.signal(child, libc::SIGKILL)
    }

    /// Whether a signal that ended the command most likely reached `run` too: a terminal's
    /// Ctrl-C, when they share the terminal's job.
    pub fn shares_signals(self) -> bool {
        self == Group::Shared
    }

    fn signal(self, child: &Child, signal: i32) -> io::Result<()> {
        let pid = child
            .id()
            .and_then(|pid| i32::try_from(pid).ok())
            .ok_or_else(|| io::Error::other("the command has exited"))?;
        let target = match self {
            Group::Shared => pid,
            // The command leads its group: the group's id is its pid.
            Group::Own => -pid,
        };
        // SAFETY: kill(2) on our own child (or its group) with a valid signal number has no
        // memory effects.
        if unsafe { libc::kill(target, signal) } == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}
