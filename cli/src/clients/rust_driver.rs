//! The Rust clients' driver: one program (reqwest async and blocking, ureq, hyper-util,
//! reqwest-retry), a package of its own so that neither the library nor the CLI compiles ureq or
//! the middleware.
//!
//! Its manifest is kept as `clients/rust/driver.toml` (and its lock as `driver.lock`), not as
//! `Cargo.toml`: cargo leaves every directory with a manifest of its own out of a package, and
//! `cargo install keepalive-probe-cli` must bring the driver along. `clients` writes the package
//! out where the Go drivers are built (`Cargo.toml`, `Cargo.lock`, `src/`) and builds it
//! there with cargo when asked (`clients --build-rust-driver`; `scripts/build-drivers` does the
//! same with cargo alone), never by surprise: a first build takes a minute or so.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::drivers::{drivers, write_if_changed};
use super::toolchains::Unavailable;

/// The binary's name, as `driver.toml` gives it.
const BINARY: &str = "keepalive-probe-rust-clients";

/// The package's files: where `clients/rust/` keeps each, where the package has it.
const FILES: [(&str, &str); 4] = [
    ("driver.toml", "Cargo.toml"),
    ("driver.lock", "Cargo.lock"),
    ("src/jobs.rs", "src/jobs.rs"),
    ("src/main.rs", "src/main.rs"),
];

/// How to get what the Rust clients need: their driver, built with cargo.
pub fn build_hint() -> String {
    "scripts/build-drivers in a checkout, or keepalive-probe clients --build-rust-driver \
     (a release build with cargo)"
        .to_owned()
}

/// Whether the Rust clients can run here: their driver is built from its current sources.
/// Nothing is built here: a first build takes a minute or so, which a test run or a table run
/// must not spend by surprise.
pub fn available() -> Result<(), String> {
    built_driver().map(drop)
}

/// The built driver, if it is built from its current sources; `Err` says why not.
pub fn driver() -> Result<PathBuf, Unavailable> {
    built_driver().map_err(Unavailable::Missing)
}

/// Writes the package out and builds it; the binary, or why not.
pub fn build() -> Result<PathBuf, String> {
    let (package, binary) = package()?;
    errln!(
        "keepalive-probe clients: building the Rust clients' driver in {}",
        package.display()
    );
    let status = build_command(&package, &package.join("target"))
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if status.success() {
        Ok(binary)
    } else {
        Err(format!(
            "cargo build of the Rust clients' driver failed: {status}"
        ))
    }
}

/// The driver, if it is newer than every file of its package (cargo leaves a fresh binary as it
/// is, and rebuilds one whose sources changed, so a binary older than a file is stale), as make
/// decides.
fn built_driver() -> Result<PathBuf, String> {
    let (package, binary) = package()?;
    // The install hint follows wherever this is said.
    let not_built = || "the Rust clients' driver is not built".to_owned();
    let built = modified(&binary).ok_or_else(not_built)?;
    for (_, placed) in FILES {
        if modified(&package.join(placed)).is_none_or(|changed| changed > built) {
            return Err(not_built());
        }
    }
    Ok(binary)
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

/// Writes the package out where the drivers are built (each file only if it changed, so an
/// unchanged driver stays built) and returns it with where its binary is.
fn package() -> Result<(PathBuf, PathBuf), String> {
    let drivers = drivers()?;
    let package = drivers.build.join("rust");
    for (source, placed) in FILES {
        let text = std::fs::read_to_string(drivers.sources.join("rust").join(source))
            .map_err(|error| format!("cannot read {source}: {error}"))?;
        write_if_changed(&package.join(placed), &text)
            .map_err(|error| format!("cannot write the Rust driver's {placed}: {error}"))?;
    }
    let binary = package.join("target/release").join(BINARY);
    Ok((package, binary))
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
