//! rustls's process-wide provider for the tests that build reqwest clients.

/// Installs ring as rustls's process-wide provider, once: this workspace compiles reqwest's
/// rustls without one (for the matrix's HTTPS rows), and a client built without its own TLS
/// configuration panics until the process has one.
pub fn install_ring() {
    static RING: std::sync::Once = std::sync::Once::new();
    RING.call_once(|| {
        // Err only when a provider is installed already, which is as good. Deprecated since
        // rustls 0.23.48 for its lack of post-quantum key exchange, which loopback tests need not.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
