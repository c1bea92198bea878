//! Where the drivers (`clients/go`, `clients/node`, `clients/python`, `clients/rust`) are run
//! from, and where the Go and Rust ones are built.
//!
//! A checkout runs them from its own `cli/clients/` (under [`home`]), so an edit to a driver applies
//! at once and a home of one's own (`KEEPALIVE_PROBE_CLIENTS_HOME`) can hold other drivers.
//! Anywhere else — an installed `keepalive-probe`, a nextest archive unpacked on another
//! machine — the copies compiled into this binary are written into the user's cache directory
//! (`$XDG_CACHE_HOME`, else `~/.cache`), in a directory named by a hash of their contents, and
//! run from there: the binary needs nothing beside it but the toolchains.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::OnceLock;

use super::home::{drivers_dir, home};

/// Every driver file as this binary was built with it: its path under `clients/`, its text.
const EMBEDDED: &[(&str, &str)] = &[
    ("go/go.mod", include_str!("../../clients/go/go.mod")),
    ("go/h2c.go", include_str!("../../clients/go/h2c.go")),
    (
        "go/h2c_before_go124.go",
        include_str!("../../clients/go/h2c_before_go124.go"),
    ),
    ("go/main.go", include_str!("../../clients/go/main.go")),
    (
        "node/fetch_client.mjs",
        include_str!("../../clients/node/fetch_client.mjs"),
    ),
    (
        "node/http2_client.mjs",
        include_str!("../../clients/node/http2_client.mjs"),
    ),
    (
        "node/http_client.mjs",
        include_str!("../../clients/node/http_client.mjs"),
    ),
    ("node/jobs.mjs", include_str!("../../clients/node/jobs.mjs")),
    (
        "node/undici_client.mjs",
        include_str!("../../clients/node/undici_client.mjs"),
    ),
    (
        "python/httpx_client.py",
        include_str!("../../clients/python/httpx_client.py"),
    ),
    (
        "python/jobs.py",
        include_str!("../../clients/python/jobs.py"),
    ),
    (
        "python/requests_client.py",
        include_str!("../../clients/python/requests_client.py"),
    ),
    (
        "rust/driver.lock",
        include_str!("../../clients/rust/driver.lock"),
    ),
    (
        "rust/driver.toml",
        include_str!("../../clients/rust/driver.toml"),
    ),
    (
        "rust/src/jobs.rs",
        include_str!("../../clients/rust/src/jobs.rs"),
    ),
    (
        "rust/src/main.rs",
        include_str!("../../clients/rust/src/main.rs"),
    ),
];

/// The drivers' directories.
#[derive(Debug)]
pub struct Drivers {
    /// Holds `go/`, `node/`, `python/` and `rust/`.
    pub sources: PathBuf,
    /// Where the Go and Rust drivers are built, with their build caches.
    pub build: PathBuf,
}

/// The drivers this process runs: the checkout's when [`home`] has `cli/clients/go/main.go`,
/// otherwise the embedded copies, written once per process. `Err` says why they could not be
/// written, which is a failure of every driver, not a missing toolchain.
pub fn drivers() -> Result<&'static Drivers, String> {
    static DRIVERS: OnceLock<Result<Drivers, String>> = OnceLock::new();
    DRIVERS
        .get_or_init(|| {
            if drivers_dir().join("go/main.go").is_file() {
                return Ok(Drivers {
                    sources: drivers_dir(),
                    build: home().join("target/clients"),
                });
            }
            let root = cache_dir().join(format!("clients-{:016x}", embedded_hash()));
            write_embedded(&root).map_err(|error| {
                format!(
                    "cannot write the driver programs into {}: {error}",
                    root.display()
                )
            })?;
            Ok(Drivers {
                sources: root.join("clients"),
                build: root.join("target"),
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// `$XDG_CACHE_HOME/keepalive-probe`, else `~/.cache/keepalive-probe`; the temporary directory
/// only for a process without a home.
fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("keepalive-probe")
}

fn embedded_hash() -> u64 {
    let mut hasher = DefaultHasher::new();
    EMBEDDED.hash(&mut hasher);
    hasher.finish()
}

/// Writes every embedded file under `root/clients` whose copy there differs. Each is written
/// aside and renamed into place, so processes writing at once (nextest runs each client's test
/// in a process of its own) never run half a file.
fn write_embedded(root: &std::path::Path) -> std::io::Result<()> {
    for (path, text) in EMBEDDED {
        write_if_changed(&root.join("clients").join(path), text)?;
    }
    Ok(())
}

/// Writes `text` to `file` unless it holds it already: aside, then renamed into place, so that a
/// process reading it at the same time never sees half of it.
pub fn write_if_changed(file: &std::path::Path, text: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(file).is_ok_and(|on_disk| on_disk == text) {
        return Ok(());
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // A name no other writer uses: another process, or another thread of this one.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let write = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut part = file.as_os_str().to_owned();
    part.push(format!(".part-{}-{write}", std::process::id()));
    std::fs::write(&part, text)?;
    std::fs::rename(&part, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of the checkout's `clients/go`, `clients/node`, `clients/python` and
    /// `clients/rust` is embedded: a driver file added without being listed here would be missing
    /// from an installed binary.
    #[test]
    fn every_driver_file_is_embedded() {
        let clients = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clients");
        let mut on_disk = Vec::new();
        for language in ["go", "node", "python", "rust", "rust/src"] {
            for entry in std::fs::read_dir(clients.join(language)).expect("a driver directory") {
                let path = entry.expect("an entry").path();
                let is_source = path.extension().is_some_and(|ext| {
                    ["go", "mod", "mjs", "py", "toml", "lock", "rs"]
                        .iter()
                        .any(|e| ext == *e)
                });
                if is_source {
                    let name = path.file_name().expect("a name").to_string_lossy();
                    on_disk.push(format!("{language}/{name}"));
                }
            }
        }
        on_disk.sort();
        let embedded: Vec<&str> = EMBEDDED.iter().map(|(path, _)| *path).collect();
        assert_eq!(embedded, on_disk);
    }

    /// Written twice into the same place, the files come out whole and equal to the embedded
    /// text; a file changed on disk is put back.
    #[test]
    fn embedded_drivers_are_written_and_repaired() {
        let root = std::env::temp_dir().join(format!("kp-drivers-test-{}", std::process::id()));
        write_embedded(&root).expect("written");
        let jobs = root.join("clients/python/jobs.py");
        std::fs::write(&jobs, "tampered").expect("overwritten");
        write_embedded(&root).expect("written again");
        for (path, text) in EMBEDDED {
            let on_disk = std::fs::read_to_string(root.join("clients").join(path)).expect("read");
            assert_eq!(&on_disk, text, "{path}");
        }
        std::fs::remove_dir_all(&root).expect("removed");
    }
}
