//! Standard output for commands that print as they go (`matrix`, `clients`): a reader that stops
//! early (`| head -2`) ends the command quietly, as a closed pipe's SIGPIPE would, instead of the
//! panic `println!` gives.

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

/// Writes `text` to stdout and flushes it.
pub fn write(text: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(error) = out.write_fmt(text).and_then(|()| out.flush()) {
        if error.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(CLOSED_PIPE);
        }
        eprintln!("error: cannot write to stdout: {error}");
        std::process::exit(1);
    }
}
