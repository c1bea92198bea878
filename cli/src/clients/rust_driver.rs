//! The Rust clients' driver: one program (reqwest async and blocking, ureq, hyper-util,
//! reqwest-retry), a package of its own so that neither the library nor the CLI compiles ureq or
//! the middleware.
//!
//! Its manifest is kept as `clients/rust/driver.toml` (and its lock as `driver.lock`), not as
//! `Cargo.toml`: cargo leaves every directory with a manifest of its own out of a package, and
//! `cargo install keepalive-probe-cli` must bring the driver along. `clients` writes the package
//! out where the Go drivers are built (`Cargo.toml`, `Cargo.lock`, `src/main.rs`) and builds it
//! there with cargo, once per change of its sources; `scripts/setup-clients` does the first
//! build.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::drivers::{drivers, write_if_changed};
use super::toolchains::Unavailable;

/// The binary's name, as `driver.toml` gives it.
const BINARY: &str = "keepalive-probe-rust-clients";

/// The package's files: where `clients/rust/` keeps each, where the package has it.
const FILES: [(&str, &str); 3] = [
    ("driver.toml", "Cargo.toml"),
    ("driver.lock", "Cargo.lock"),
    ("src/main.rs", "src/main.rs"),
];

/// How to get what the Rust clients need: a Rust toolchain; the driver builds itself.
pub fn build_hint() -> String {
    "a Rust toolchain with cargo (https://rustup.rs); the driver builds on first use".to_owned()
}

/// Whether the Rust clients can run here: cargo answers. The build itself happens on first use.
pub fn available() -> Result<(), String> {
    let answered = Command::new(cargo())
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if answered {
        Ok(())
    } else {
        Err("cargo not found".to_owned())
    }
}

/// The built driver: written out and built if its sources changed since the last build.
pub fn driver() -> Result<PathBuf, Unavailable> {
    let drivers = drivers().map_err(Unavailable::Broken)?;
    let package = drivers.build.join("rust");
    let target = package.join("target");
    let mut hasher = DefaultHasher::new();
    for (source, placed) in FILES {
        let text = std::fs::read_to_string(drivers.sources.join("rust").join(source))
            .map_err(|error| Unavailable::Broken(format!("cannot read {source}: {error}")))?;
        text.hash(&mut hasher);
        write_if_changed(&package.join(placed), &text).map_err(|error| {
            Unavailable::Broken(format!("cannot write the Rust driver's {placed}: {error}"))
        })?;
    }
    let binary = target.join("release").join(BINARY);
    let built = target.join(format!("built-{:016x}", hasher.finish()));
    if built.exists() && binary.exists() {
        return Ok(binary);
    }
    build(&package, &target)?;
    std::fs::write(&built, "").map_err(|error| {
        Unavailable::Broken(format!("cannot mark the Rust driver built: {error}"))
    })?;
    Ok(binary)
}

/// A release build of the package in `package`, into `target`.
fn build(package: &Path, target: &Path) -> Result<(), Unavailable> {
    eprintln!(
        "keepalive-probe clients: building the Rust clients' driver in {}",
        package.display()
    );
    let status = build_command(package, target)
        .status()
        .map_err(|error| Unavailable::Missing(format!("cargo: {error}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Unavailable::Broken(format!(
            "cargo build of the Rust clients' driver failed: {status}"
        )))
    }
}

/// The build, into `target` whatever `CARGO_TARGET_DIR` says: that is where [`driver`] looks. (A
/// build that followed the variable left the driver where `clients` never found it.)
fn build_command(package: &Path, target: &Path) -> Command {
    let mut command = Command::new(cargo());
    command
        .args([
            "build",
            "--release",
            "--locked",
            "--quiet",
            "--manifest-path",
        ])
        .arg(package.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target);
    command
}

/// The cargo that runs this process when there is one (`cargo run`, `cargo test`), else cargo on
/// `PATH`.
fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// The command that runs `client` (the driver's name for it).
pub fn command(client: &str) -> Result<Command, Unavailable> {
    let mut command = Command::new(driver()?);
    command.arg(client);
    Ok(command)
}

/// The version of `crate_name` the driver is built with, from its lock file.
pub fn version(crate_name: &str) -> Option<String> {
    let drivers = drivers().ok()?;
    let lock = std::fs::read_to_string(drivers.sources.join("rust/driver.lock")).ok()?;
    let entry = format!("name = \"{crate_name}\"\nversion = \"");
    let start = lock.find(&entry)? + entry.len();
    let version = &lock[start..start + lock[start..].find('"')?];
    Some(format!("{crate_name} {version}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_names_its_target_directory_whatever_the_environment_says() {
        let command = build_command(Path::new("/pkg"), Path::new("/pkg/target"));
        let args: Vec<&std::ffi::OsStr> = command.get_args().collect();
        let at = args.iter().position(|arg| *arg == "--target-dir");
        assert_eq!(
            at.and_then(|at| args.get(at + 1)).copied(),
            Some(std::ffi::OsStr::new("/pkg/target"))
        );
    }
}
