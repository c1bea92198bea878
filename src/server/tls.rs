//! (feature `tls`) The handshake in front of hyper: a certificate authority and a certificate for
//! `localhost` and `127.0.0.1` made at start, rustls with ring passed explicitly — never installed
//! as the process's default provider, which a user's own reqwest may set differently — and each
//! handshake's kind, version and ALPN put on the connection's record.

use std::fmt;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::certificate;
use crate::handshake::{Handshake, TlsSeen};
use crate::ledger::ConnectionRecord;

/// How the counting server speaks TLS: which protocols it offers in ALPN, and whether clients
/// may resume sessions.
///
/// ```
/// use keepalive_probe::TlsSettings;
///
/// // Sessions kept in the server's cache for clients to resume, and stateless tickets as well.
/// let settings = TlsSettings::new().session_cache(true).tickets(true);
/// # let _ = settings;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct TlsSettings {
    alpn_h2: bool,
    session_cache: bool,
    tickets: bool,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            alpn_h2: false,
            session_cache: true,
            tickets: false,
        }
    }
}

impl TlsSettings {
    /// The defaults: ALPN `http/1.1` only, resumption from the server's session cache (rustls's
    /// own default), no tickets.
    pub fn new() -> Self {
        TlsSettings::default()
    }

    /// Offers `h2` before `http/1.1` in ALPN, as real servers do (default `false`). With the
    /// `http2` feature only: a server that offered `h2` without it could not serve the clients
    /// that pick it, and every request of theirs failed with a vague client error.
    #[cfg(feature = "http2")]
    pub fn alpn_h2(mut self, offered: bool) -> Self {
        self.alpn_h2 = offered;
        self
    }

    /// Keeps sessions in a server-side cache so clients can resume them (default `true`; rustls's
    /// `ServerSessionMemoryCache` of 256 sessions). `false`: every handshake is full.
    pub fn session_cache(mut self, enabled: bool) -> Self {
        self.session_cache = enabled;
        self
    }

    /// Hands clients stateless session tickets (ring's `Ticketer`) as well (default `false`).
    pub fn tickets(mut self, enabled: bool) -> Self {
        self.tickets = enabled;
        self
    }
}

/// The certificate authority the server's certificate chains to: what a client must trust. It
/// holds the certificate only; its private key never leaves the server.
#[derive(Clone, PartialEq, Eq)]
pub struct CaCertificate {
    pem: String,
    der: Vec<u8>,
}

impl CaCertificate {
    /// The certificate as PEM text (`-----BEGIN CERTIFICATE-----`), for curl's `--cacert`, Go's
    /// `SSL_CERT_FILE`, Node's `NODE_EXTRA_CA_CERTS` or `reqwest::Certificate::from_pem`.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The certificate as DER bytes, for `reqwest::Certificate::from_der`.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

impl fmt::Debug for CaCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaCertificate")
            .field("der_bytes", &self.der.len())
            .finish()
    }
}

/// Why TLS could not be set up (a certificate or the rustls configuration was refused).
#[derive(Debug)]
pub struct TlsSetupError(String);

impl fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsSetupError {}

fn setup_error(error: impl fmt::Display) -> TlsSetupError {
    TlsSetupError(error.to_string())
}

/// The server's side of TLS: its acceptor, and the certificate authority it hands to clients.
pub(super) struct Tls {
    acceptor: TlsAcceptor,
    ca: CaCertificate,
}

impl Tls {
    /// A certificate authority and a certificate for `localhost` and `127.0.0.1` signed by it,
    /// made now, and a rustls server configured as `settings` say.
    pub(super) fn new(settings: TlsSettings) -> Result<Tls, TlsSetupError> {
        let issued = certificate::issue().map_err(TlsSetupError)?;

        let provider = Arc::new(ring_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(setup_error)?
            .with_no_client_auth()
            .with_single_cert(
                vec![
                    CertificateDer::from(issued.leaf_der),
                    CertificateDer::from(issued.ca_der.clone()),
                ],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(issued.leaf_key)),
            )
            .map_err(setup_error)?;
        config.alpn_protocols = if settings.alpn_h2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        if !settings.session_cache {
            config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        }
        if settings.tickets {
            config.ticketer = rustls::crypto::ring::Ticketer::new().map_err(setup_error)?;
        }
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            ca: CaCertificate {
                pem: issued.ca_pem,
                der: issued.ca_der,
            },
        })
    }

    pub(super) fn ca(&self) -> &CaCertificate {
        &self.ca
    }

    /// Runs the handshake on `stream` and notes on `record` how it went.
    pub(super) async fn accept<S>(
        &self,
        stream: S,
        record: &ConnectionRecord,
    ) -> Option<TlsStream<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        match self.acceptor.accept(stream).await {
            Ok(stream) => {
                let (_, connection) = stream.get_ref();
                record.saw_tls(TlsSeen {
                    handshake: match connection.handshake_kind() {
                        Some(rustls::HandshakeKind::Resumed) => Handshake::Resumed,
                        _ => Handshake::Full,
                    },
                    version: connection.protocol_version().map(version_name),
                    alpn: connection
                        .alpn_protocol()
                        .map(|p| String::from_utf8_lossy(p).into_owned()),
                    alpn_offered: Vec::new(),
                    failure: None,
                });
                Some(stream)
            }
            Err(error) => {
                record.saw_tls(TlsSeen::failed(error.to_string()));
                None
            }
        }
    }
}

/// rustls's provider on ring. rustls 0.23.48 deprecates it for its lack of post-quantum key
/// exchange, which a loopback test server does not need; aws-lc-rs, the provider that has it,
/// would add a C and assembly build to every user's tests. Allowed here, once, so a user's
/// build shows no warning of ours.
#[allow(deprecated)]
pub(crate) fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// A protocol version as OpenSSL and Python's `ssl` name it (`TLSv1.3`), not rustls's variant
/// (`TLSv1_3`).
fn version_name(version: rustls::ProtocolVersion) -> String {
    match version {
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
        other => format!("{other:?}"),
    }
}
