//! Standard output for commands that print as they go (`matrix`, `clients`): a reader that stops
//! early (`| head -2`) ends the command quietly, as a closed pipe's SIGPIPE would, instead of the
//! panic `println!` gives. And standard error a line at a time, never torn.

use std::fmt;
use std::io::{self, Write};

/// The exit status of a process ended by SIGPIPE, as a shell reports it (128 + 13).
const CLOSED_PIPE: i32 = 141;

/// `print!`, ending the process quietly (status 141) if the reader has gone.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*))
    };
}

/// `println!`, ending the process quietly (status 141) if the reader has gone.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprintln!` in one write. Stderr is unbuffered, so `eprintln!` writes each piece of its format
/// on its own, and in the terminal `run` shares with its command, the command's output could land
/// mid-line ("keepalive-probe run: SIGINTinterrupted").
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::write_error_line(format!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes `line` to stderr in one call. A stderr that has gone loses the line, and nothing else.
pub fn write_error_line(line: String) {
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// Writes `text` to stdout and flushes it.
pub fn write(text: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(error) = out.write_fmt(text).and_then(|()| out.flush()) {
        if error.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(CLOSED_PIPE);
        }
        errln!("error: cannot write to stdout: {error}");
        std::process::exit(1);
    }
}
