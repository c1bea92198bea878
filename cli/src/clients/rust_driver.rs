//! The Rust clients' driver: one program (`cli/clients/rust/`, a package of its own so that neither
//! the library nor the CLI compiles ureq or the middleware), built once with
//! `cargo build --release --manifest-path cli/clients/rust/Cargo.toml` (`scripts/setup-clients` does).

use std::path::PathBuf;
use std::process::Command;

use super::home::drivers_dir;

/// The driver's package, among the checkout's drivers.
fn package() -> PathBuf {
    drivers_dir().join("rust")
}

/// The built driver.
fn binary() -> PathBuf {
    package().join("target/release/keepalive-probe-rust-clients")
}

/// How to build it: in the checkout it belongs to, or, away from one (an installed binary), in a
/// checkout named by `KEEPALIVE_PROBE_CLIENTS_HOME`.
pub fn build_hint() -> String {
    let manifest = package().join("Cargo.toml");
    if manifest.is_file() {
        format!(
            "cargo build --release --manifest-path {}",
            manifest.display()
        )
    } else {
        "in a checkout of keepalive-probe, cargo build --release --manifest-path \
         cli/clients/rust/Cargo.toml, then set KEEPALIVE_PROBE_CLIENTS_HOME to that checkout"
            .to_owned()
    }
}

/// The driver, if it is built; `Err` says why not.
pub fn driver() -> Result<PathBuf, String> {
    let binary = binary();
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!("{} not built", binary.display()))
    }
}

/// The command that runs `client` (the driver's name for it).
pub fn command(client: &str) -> Result<Command, String> {
    let mut command = Command::new(driver()?);
    command.arg(client);
    Ok(command)
}

/// The version of `crate_name` the driver is built with, from its `Cargo.lock`.
pub fn version(crate_name: &str) -> Option<String> {
    let lock = std::fs::read_to_string(package().join("Cargo.lock")).ok()?;
    let entry = format!("name = \"{crate_name}\"\nversion = \"");
    let start = lock.find(&entry)? + entry.len();
    let version = &lock[start..start + lock[start..].find('"')?];
    Some(format!("{crate_name} {version}"))
}
