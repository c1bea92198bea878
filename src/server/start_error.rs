//! Why a server could not start.

use std::io;
use std::net::SocketAddr;

/// The server could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The address could not be bound (in use, not local, no permission).
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why the kernel refused.
        source: io::Error,
    },
    /// A listener handed to [`ServerBuilder::listener`](super::ServerBuilder::listener) could not be used.
    Listener(io::Error),
    /// TLS could not be set up ([`ServerBuilder::tls`](super::ServerBuilder::tls)).
    #[cfg(feature = "tls")]
    Tls(super::tls::TlsSetupError),
}

// Written out rather than derived: the library stays free of proc-macro dependencies a user's
// test build would otherwise compile. The message leaves the cause to `source()`, as error
// reporters (anyhow, `{:#}`, a `main` returning `Result`) print each source after it: said in
// both, it printed twice.
impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Bind { addr, .. } => write!(f, "cannot listen on {addr}"),
            StartError::Listener(_) => f.write_str("cannot use the given listener"),
            #[cfg(feature = "tls")]
            StartError::Tls(_) => f.write_str("cannot set up TLS"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind { source, .. } | StartError::Listener(source) => Some(source),
            #[cfg(feature = "tls")]
            StartError::Tls(source) => Some(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::*;

    /// A reporter prints the message, then each source: the cause must appear once.
    #[test]
    fn a_start_error_names_its_cause_once_in_a_reported_chain() {
        let errors = [
            StartError::Bind {
                addr: "127.0.0.1:80".parse().expect("an address"),
                source: io::Error::new(io::ErrorKind::PermissionDenied, "permission denied"),
            },
            StartError::Listener(io::Error::other("not listening")),
        ];
        for error in errors {
            let cause = error.source().expect("a cause").to_string();
            let reported = format!("{error}: {cause}");
            assert_eq!(reported.matches(&cause).count(), 1, "{reported}");
        }
    }
}
