//! The reqwest client the tests point at the counting server.

/// A plain-HTTP client that ignores proxy settings from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a plain-HTTP client builds")
}
