//! The rustls configuration the scenarios' reqwest clients use over HTTPS.
//!
//! Built with ring passed explicitly and handed to reqwest as is
//! (`ClientBuilder::tls_backend_preconfigured`): the library never installs a process-wide
//! crypto provider in a test process whose own reqwest may have chosen another. reqwest adds no
//! ALPN to a preconfigured configuration, so it is set here to what reqwest's own rustls
//! configuration offers with HTTP/2 compiled in: `h2`, then `http/1.1`. The client's session
//! cache is rustls's default (`Resumption::default()`: 256 sessions in memory, tickets
//! accepted); each configuration, so each `reqwest::Client`, has its own.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use crate::server::CaCertificate;

/// A client configuration trusting `ca` alone, or nothing (`None`: every handshake fails on the
/// server's certificate).
pub(super) fn config(ca: Option<&CaCertificate>) -> rustls::ClientConfig {
    let mut roots = RootCertStore::empty();
    if let Some(ca) = ca {
        // A certificate the server made this run: it parses, or the server would not have started.
        let _ = roots.add(CertificateDer::from(ca.der().to_vec()));
    }
    let provider = Arc::new(crate::server::ring_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|_| unreachable_versions())
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// ring supports TLS 1.2 and 1.3, so the safe defaults are always available.
fn unreachable_versions() -> ! {
    unreachable!("ring's provider supports rustls's default protocol versions")
}
