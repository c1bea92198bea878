//! The tests that need python3 besides the clients table: they run only where it is installed.
//! Elsewhere their trial is marked *ignored* (libtest-mimic decides at run time), and under
//! `KEEPALIVE_PROBE_REQUIRE_CLIENTS=1` (CI) a missing python3 is a failure.
//!
//! - `python_http_client_reuses_one_connection`: `keepalive-probe run` against Python's
//!   `http.client`, one `HTTPConnection`, three requests, one TCP connection. `http.client` keeps
//!   the socket open between requests once a response is read to its end
//!   (`HTTPResponse._close_conn` runs only when the response says `Connection: close`).
//! - `openssl_strict_verification_accepts_the_https_certificates`: `run --tls` against Python's
//!   `ssl` with `VERIFY_X509_STRICT`, which Python 3.13 turned on in `create_default_context`
//!   (so httpx has it there). OpenSSL's strict mode refuses a certificate without an authority
//!   key identifier, which the server's used to lack: one connection, one full handshake.
//! - `tracker_sees_one_connection_reused_against_python_http_server`: the connection tracker
//!   against another process, Python's `http.server` speaking HTTP/1.1 (`protocol_version =
//!   "HTTP/1.1"`, so it keeps connections open). Five requests with bodies read to the end ride
//!   one connection: one connect, every response after the first a reuse.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use keepalive_probe::{ClientReport, ConnectionTracker};
use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use crate::BINARY;

/// The kind of these tests where python3 is missing: `--list` prints `[needs python3] NAME`.
const NEEDS_PYTHON3: &str = "needs python3";

/// A test that runs the python3 at this path.
type PythonTest = fn(&Path) -> Result<(), Failed>;

/// The python3 tests, ignored with the reason where python3 is missing; when every toolchain is
/// `required`, a missing python3 is `Err("python3")` instead. python3 is looked for only if one
/// of them is `selected` (by name and kind) to run: under nextest every test runs in a process
/// of its own, by the name `--list` gave it, `[needs python3] NAME` when python3 is missing.
pub fn trials(
    required: bool,
    selected: impl Fn(&str, &str) -> bool,
) -> Result<Vec<Trial>, &'static str> {
    let tests: [(&str, PythonTest); 3] = [
        (
            "python_http_client_reuses_one_connection",
            python_http_client_reuses_one_connection,
        ),
        (
            "openssl_strict_verification_accepts_the_https_certificates",
            openssl_strict_verification_accepts_the_https_certificates,
        ),
        (
            "tracker_sees_one_connection_reused_against_python_http_server",
            tracker_sees_one_connection_reused_against_python_http_server,
        ),
    ];
    let needed = tests.iter().any(|(name, _)| selected(name, NEEDS_PYTHON3));
    let python = if needed { python3() } else { None };
    let missing = needed && python.is_none();
    if missing && required {
        return Err("python3");
    }
    if missing {
        eprintln!("python3 not found: ignoring its tests (install: apt-get install -y python3)");
    }
    Ok(tests
        .into_iter()
        .map(|(name, test)| {
            let python = python.clone();
            // Run anyway (`--include-ignored`), a test without python3 fails.
            let trial = Trial::test(name, move || {
                test(python.as_deref().ok_or("python3 not found")?)
            });
            if missing {
                trial.with_ignored_flag(true).with_kind(NEEDS_PYTHON3)
            } else {
                trial
            }
        })
        .collect())
}

/// The interpreter the `python3` on PATH runs (`sys.executable`), if there is one. Asked once,
/// and the tests run it by that path: a version manager's `python3` on PATH (pyenv's shim) is a
/// chain of shell scripts that cost 0.09 s at each start.
fn python3() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let path = String::from_utf8(output.stdout).ok()?;
    let path = PathBuf::from(path.trim());
    (output.status.success() && path.is_file()).then_some(path)
}

/// `keepalive-probe run --json --quiet --expect-connections 1 [--tls] -- PYTHON -c SCRIPT`: the
/// JSON report, or why there is none (an exit status other than 0, with what it printed).
fn run_report(python: &Path, tls: bool, script: &str) -> Result<Value, Failed> {
    let mut command = Command::new(BINARY);
    command.args(["run", "--json", "--quiet", "--expect-connections", "1"]);
    if tls {
        command.arg("--tls");
    }
    let output = command
        .arg("--")
        .arg(python)
        .args(["-c", script])
        .output()
        .map_err(|error| format!("the binary runs: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.code() != Some(0) {
        return Err(format!(
            "exit {:?}: {stdout}{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .ok_or_else(|| format!("no JSON report: {stdout}").into())
}

fn python_http_client_reuses_one_connection(python: &Path) -> Result<(), Failed> {
    let script = "\
import http.client, os, urllib.parse
url = urllib.parse.urlsplit(os.environ['KEEPALIVE_PROBE_URL'])
connection = http.client.HTTPConnection(url.hostname, url.port)
for _ in range(3):
    connection.request('GET', '/')
    print(connection.getresponse().read().decode())
connection.close()
";
    let report = run_report(python, false, script)?;
    let observed = (
        &report["accepted"],
        &report["requests"],
        &report["connections"][0]["requests"],
    );
    if observed != (&Value::from(1), &Value::from(3), &Value::from(3)) {
        return Err(format!("expected 1 connection carrying 3 requests: {report}").into());
    }
    Ok(())
}

fn openssl_strict_verification_accepts_the_https_certificates(python: &Path) -> Result<(), Failed> {
    let script = "\
import os, ssl, urllib.request
context = ssl.create_default_context(cafile=os.environ['KEEPALIVE_PROBE_CA'])
context.verify_flags |= ssl.VERIFY_X509_STRICT
print(urllib.request.urlopen(os.environ['KEEPALIVE_PROBE_URL'], context=context).read().decode())
";
    let report = run_report(python, true, script)?;
    let observed = (&report["accepted"], &report["requests"], &report["tls"]);
    let expected = serde_json::json!({"full": 1, "resumed": 0, "failed": 0});
    if observed != (&Value::from(1), &Value::from(1), &expected) {
        return Err(format!("expected 1 connection, 1 full handshake: {report}").into());
    }
    Ok(())
}

/// A minimal HTTP/1.1 server on an ephemeral port; prints the port, then serves until killed.
///
/// `disable_nagle_algorithm` (`StreamRequestHandler.setup` sets `TCP_NODELAY`): the handler
/// writes the head (`end_headers` flushes it) and the body in two sends, and with Nagle's
/// algorithm the body waited for the client's delayed ACK of the head, up to 40 ms per request
/// on Linux: the test took 0.43 s, 0.22 s with it set.
const SERVER: &str = r#"
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    def do_GET(self):
        body = b"ok" * 1024
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// Kills the server however the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tracker_sees_one_connection_reused_against_python_http_server(
    python: &Path,
) -> Result<(), Failed> {
    let mut child = Command::new(python)
        .args(["-c", SERVER])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| format!("python3 starts: {error}"))?;
    let stdout = child.stdout.take().ok_or("stdout is piped")?;
    let server = Killed(child);
    // The port line is printed once the socket listens: no waiting beyond reading it.
    let mut port = String::new();
    BufReader::new(stdout).read_line(&mut port)?;
    let url = format!("http://127.0.0.1:{}/", port.trim());

    let tracker = ConnectionTracker::new();
    crate::ring::install_ring();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .connector_layer(tracker.layer())
        .build()?;
    let mut reused = Vec::new();
    for _ in 0..5 {
        let mut response = client.get(&url).send()?;
        reused.push(tracker.connection_in(response.extensions_mut())?.reused);
        response.bytes()?;
    }
    drop(server);
    let observed = (reused, tracker.report());
    let expected = (vec![false, true, true, true, true], ClientReport::of([5]));
    if observed != expected {
        return Err(format!("expected {expected:?}, observed {observed:?}").into());
    }
    Ok(())
}
