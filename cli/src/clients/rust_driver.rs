//! The Rust clients' driver: one program (reqwest async and blocking, ureq, hyper-util,
//! reqwest-retry), a package of its own so that neither the library nor the CLI compiles ureq or
//! the middleware.
//!
//! Its manifest is kept as `clients/rust/driver.toml` (and its lock as `driver.lock`), not as
//! `Cargo.toml`: cargo leaves every directory with a manifest of its own out of a package, and
//! `cargo install keepalive-probe-cli` must bring the driver along. `clients` writes the package
//! out where the Go drivers are built (`Cargo.toml`, `Cargo.lock`, `src/main.rs`) and builds it
//! there with cargo, once per change of its sources; `scripts/build-drivers` does the first build
//! the same way, with cargo alone.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

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

/// The built driver: written out and built if its sources changed since the last build. Once
/// per process, whichever of the Rust clients asks first (they run side by side), so one cargo
/// build at most; other processes building at once wait on cargo's lock of the target directory.
pub fn driver() -> Result<PathBuf, Unavailable> {
    static DRIVER: OnceLock<Result<PathBuf, (bool, String)>> = OnceLock::new();
    DRIVER
        .get_or_init(|| {
            write_and_build().map_err(|unavailable| match unavailable {
                Unavailable::Missing(why) => (false, why),
                Unavailable::Broken(why) => (true, why),
            })
        })
        .clone()
        .map_err(|(broken, why)| {
            if broken {
                Unavailable::Broken(why)
            } else {
                Unavailable::Missing(why)
            }
        })
}

fn write_and_build() -> Result<PathBuf, Unavailable> {
    let drivers = drivers().map_err(Unavailable::Broken)?;
    let package = drivers.build.join("rust");
    let target = package.join("target");
    let mut sources = String::new();
    for (source, placed) in FILES {
        let text = std::fs::read_to_string(drivers.sources.join("rust").join(source))
            .map_err(|error| Unavailable::Broken(format!("cannot read {source}: {error}")))?;
        write_if_changed(&package.join(placed), &text).map_err(|error| {
            Unavailable::Broken(format!("cannot write the Rust driver's {placed}: {error}"))
        })?;
        sources.push_str(&text);
    }
    let binary = target.join("release").join(BINARY);
    // The sources the binary was last built from, by a digest of their text: one file, so that
    // going back to earlier sources rebuilds too.
    let built_from = target.join("built-from");
    let digest = format!("{:016x}", fnv1a(sources.as_bytes()));
    let current = std::fs::read_to_string(&built_from).is_ok_and(|built| built == digest);
    if current && binary.exists() {
        return Ok(binary);
    }
    build(&package, &target)?;
    std::fs::write(&built_from, digest).map_err(|error| {
        Unavailable::Broken(format!(
            "cannot note what the Rust driver is built from: {error}"
        ))
    })?;
    Ok(binary)
}

/// FNV-1a, 64 bits: a digest that stays the same across Rust releases, where std's hasher may
/// not.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
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
