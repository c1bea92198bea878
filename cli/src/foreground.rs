//! The command `run` starts gets a process group of its own, so that every signal reaches it
//! exactly once. In `run`'s group it got a terminal's Ctrl-C twice: from the terminal, which
//! signals the whole foreground group, and again from `run`, which forwards what it receives (a
//! second Ctrl-C means "force quit" to cargo, npm, pytest and many more).
//!
//! In a group of its own the command is out of the terminal's reach, so when `run` was started
//! in the foreground of a terminal, the command's group takes the foreground for as long as it
//! runs: Ctrl-C then goes to the command alone, which can still read the terminal, and `run` takes
//! the foreground back when the command has ended. A signal sent to `run` itself, or to its group
//! (`kill -INT -PGID` from a script), `run` forwards to the command's group, once.

use std::io;

use tokio::process::{Child, Command};

/// Whether the command's group holds the terminal's foreground; dropping it takes the foreground
/// back for `run`.
#[derive(Debug)]
pub struct Foreground {
    handed: bool,
}

/// Gives `command` a process group of its own and, when `run` holds a terminal's foreground,
/// hands the foreground to that group as the command starts.
pub fn isolate(command: &mut Command) -> Foreground {
    command.process_group(0);
    let handed = holds_the_terminal();
    if handed {
        // SAFETY: the closure runs in the forked child before exec and calls only setpgid,
        // tcsetpgrp, getpgrp and signal, which are async-signal-safe.
        unsafe {
            command.pre_exec(|| {
                libc::setpgid(0, 0);
                give_terminal_to_own_group();
                Ok(())
            });
        }
    }
    Foreground { handed }
}

/// Sends `signal` to the command's whole group, as a terminal would.
pub fn signal_group(child: &Child, signal: i32) -> io::Result<()> {
    let pid = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .ok_or_else(|| io::Error::other("the command has exited"))?;
    // SAFETY: kill(2) on our own child's process group (its pid: it leads a group of its own)
    // with a valid signal number has no memory effects.
    if unsafe { libc::kill(-pid, signal) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

impl Drop for Foreground {
    fn drop(&mut self) {
        if self.handed {
            give_terminal_to_own_group();
        }
    }
}

/// Whether standard input is a terminal whose foreground group is this process's.
fn holds_the_terminal() -> bool {
    // SAFETY: isatty, tcgetpgrp and getpgrp read process state; no memory is passed.
    unsafe { libc::isatty(0) == 1 && libc::tcgetpgrp(0) == libc::getpgrp() }
}

/// Makes this process's group the foreground of the terminal on standard input. A group that is
/// not the foreground gets SIGTTOU for asking, which is ignored meanwhile.
fn give_terminal_to_own_group() {
    // SAFETY: signal and tcsetpgrp change this process's signal disposition and the terminal's
    // foreground group; both are async-signal-safe and take no pointers.
    unsafe {
        let previous = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
        libc::tcsetpgrp(0, libc::getpgrp());
        libc::signal(libc::SIGTTOU, previous);
    }
}
