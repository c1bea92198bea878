//! Where `clients` finds a checkout's driver programs, the toolchains `scripts/setup-clients`
//! installed and the build caches, decided at run time.

use std::path::PathBuf;

/// Where a checkout's driver programs (`cli/clients/`), the toolchains `scripts/setup-clients`
/// installs (`target/clients-venv`) and the drivers' builds (`target/clients`) are found,
/// decided at run time: `$KEEPALIVE_PROBE_CLIENTS_HOME` if set, otherwise the checkout of this
/// repository that the current directory is in (`cargo run` runs at its root, `cargo test` in
/// `cli/`), otherwise the current directory. Away from a checkout every driver comes from the
/// binary itself (`drivers.rs`), and the Go and Rust ones are built in the cache directory.
pub fn home() -> PathBuf {
    if let Some(home) = std::env::var_os("KEEPALIVE_PROBE_CLIENTS_HOME") {
        return PathBuf::from(home);
    }
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    here.ancestors()
        .find(|dir| dir.join("cli/clients/go/main.go").is_file())
        .map(PathBuf::from)
        .unwrap_or(here)
}

/// The driver programs of a checkout, under [`home`].
pub fn drivers_dir() -> PathBuf {
    home().join("cli/clients")
}

/// The venv with Go 1.27, requests and httpx, under [`home`].
pub fn venv() -> PathBuf {
    home().join("target/clients-venv")
}
