//! `keepalive-probe run` against Python's `http.client`: one `HTTPConnection`, three requests, one
//! TCP connection. `http.client` keeps the socket open between requests once a response is read to
//! its end (`HTTPResponse._close_conn` runs only when the response says `Connection: close`).
//!
//! Needs `python3`. Where it is missing the test is reported as *ignored*, with the reason and
//! the install command — never as passed. With `KEEPALIVE_PROBE_REQUIRE_CLIENTS=1` (CI sets it)
//! a missing `python3` fails instead.

use std::process::{Command, ExitCode};

use libtest_mimic::{Arguments, Failed, Trial};

#[path = "support/python.rs"]
mod python;
use python::unless_python_is_missing;
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_keepalive-probe");

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    let trial = Trial::test(
        "python_http_client_reuses_one_connection",
        python_http_client_reuses_one_connection,
    );
    libtest_mimic::run(&arguments, vec![unless_python_is_missing(trial)]).exit_code()
}

fn python_http_client_reuses_one_connection() -> Result<(), Failed> {
    let script = "\
import http.client, os, urllib.parse
url = urllib.parse.urlsplit(os.environ['KEEPALIVE_PROBE_URL'])
connection = http.client.HTTPConnection(url.hostname, url.port)
for _ in range(3):
    connection.request('GET', '/')
    print(connection.getresponse().read().decode())
connection.close()
";
    let output = Command::new(BINARY)
        .args(["run", "--json", "--quiet", "--expect-connections", "1"])
        .args(["--", "python3", "-c", script])
        .output()
        .map_err(|error| format!("the binary runs: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if output.status.code() != Some(0) {
        return Err(format!("exit {:?}: {stdout}", output.status.code()).into());
    }
    let report: Value = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .ok_or_else(|| format!("no JSON report: {stdout}"))?;
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
