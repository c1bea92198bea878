//! The reqwest clients the tests point at the counting server.

#![allow(dead_code)] // each test binary uses some of these

use std::sync::Once;

/// `reqwest::Client::builder()`, ignoring proxies from the environment (a CI's `HTTP_PROXY`
/// would carry the requests, and the connections would be the proxy's).
///
/// This workspace compiles reqwest's rustls without a crypto provider, for the matrix's HTTPS
/// rows, and such a reqwest panics on `build()` until the process has a default provider. A test
/// process of ours installs ring, as an application does at start; a user's crate, whose reqwest
/// brings its own provider, needs nothing of the kind.
pub fn reqwest_builder() -> reqwest::ClientBuilder {
    install_ring();
    reqwest::Client::builder().no_proxy()
}

/// A plain-HTTP client that ignores proxy settings from the environment.
pub fn client() -> reqwest::Client {
    reqwest_builder()
        .build()
        .expect("a plain-HTTP client builds")
}

/// Installs ring as rustls's process-wide provider, once (see [`reqwest_builder`]): for the
/// tests that build a blocking client or a client of their own.
pub fn install_ring() {
    static RING: Once = Once::new();
    RING.call_once(|| {
        // Err only when a provider is installed already, which is as good. Deprecated since
        // rustls 0.23.48 for its lack of post-quantum key exchange, which loopback tests need not.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
