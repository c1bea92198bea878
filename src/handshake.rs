//! What the server saw of each connection's TLS handshake (with the `tls` feature): full,
//! resumed, or failed, the version and the ALPN protocol agreed. Plain data, like the rest of the
//! report; without TLS every count is 0 and no connection has one.

use serde::Serialize;

/// How a TLS handshake went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Handshake {
    /// A full handshake: key exchange and the certificate, the expensive kind
    /// (`HandshakeKind::Full` or `FullWithHelloRetryRequest` in rustls).
    Full,
    /// A resumed session: no certificate, cheaper (`HandshakeKind::Resumed`).
    Resumed,
    /// The handshake did not complete: the client refused the certificate, spoke plain HTTP to
    /// the TLS port, or went away. The socket is on the books all the same.
    Failed,
}

impl Handshake {
    /// The kind as the JSON reports spell it: `full`, `resumed` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Handshake::Full => "full",
            Handshake::Resumed => "resumed",
            Handshake::Failed => "failed",
        }
    }
}

impl std::fmt::Display for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One connection's TLS, as its handshake left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TlsSeen {
    /// Full, resumed or failed.
    pub handshake: Handshake,
    /// The protocol version agreed (`TLSv1.3`, as OpenSSL names it), if the handshake got that far.
    pub version: Option<String>,
    /// The ALPN protocol agreed (`h2`, `http/1.1`), if any. A relay sees it only over TLS 1.2:
    /// TLS 1.3 agrees on it in encrypted messages.
    pub alpn: Option<String>,
    /// The ALPN protocols the client offered, as a relay read them from its ClientHello (empty
    /// on the counting server's own connections, and left out of the JSON when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alpn_offered: Vec<String>,
    /// Why a failed handshake failed, in rustls's words. Not in the JSON reports, whose
    /// shape is fixed; the text report says it.
    #[serde(skip)]
    pub failure: Option<String>,
}

impl TlsSeen {
    #[cfg(feature = "tls")]
    pub(crate) fn failed(why: String) -> TlsSeen {
        TlsSeen {
            handshake: Handshake::Failed,
            version: None,
            alpn: None,
            alpn_offered: Vec::new(),
            failure: Some(why),
        }
    }
}

/// Connections counted by their TLS handshake.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Handshakes {
    /// Full handshakes.
    pub full: usize,
    /// Resumed sessions.
    pub resumed: usize,
    /// Handshakes that did not complete.
    pub failed: usize,
}

impl Handshakes {
    /// These counts: `Handshakes::new(1, 4, 0)` is one full handshake and four resumed.
    ///
    /// ```
    /// use keepalive_probe::Handshakes;
    ///
    /// let counts = Handshakes::new(1, 4, 0);
    /// assert_eq!((counts.full, counts.resumed, counts.failed), (1, 4, 0));
    /// ```
    #[must_use]
    pub const fn new(full: usize, resumed: usize, failed: usize) -> Handshakes {
        Handshakes {
            full,
            resumed,
            failed,
        }
    }

    /// Counts one more handshake of this kind.
    pub(crate) fn add(&mut self, handshake: Handshake) {
        match handshake {
            Handshake::Full => self.full += 1,
            Handshake::Resumed => self.resumed += 1,
            Handshake::Failed => self.failed += 1,
        }
    }
}
