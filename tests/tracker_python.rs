//! The connection tracker against another process: Python's `http.server` speaking HTTP/1.1
//! (`protocol_version = "HTTP/1.1"`, so it keeps connections open). Five requests with bodies read
//! to the end ride one connection: one connect, every response after the first a reuse.
//!
//! Needs `python3`. Where it is missing the test is reported as *ignored*, with the reason and the
//! install command — never as passed. With `KEEPALIVE_PROBE_REQUIRE_CLIENTS=1` (CI sets it) a
//! missing `python3` fails instead.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};

use keepalive_probe::{ClientReport, ConnectionTracker};
use libtest_mimic::{Arguments, Failed, Trial};

#[path = "support/python.rs"]
mod python;
use python::unless_python_is_missing;

/// A minimal HTTP/1.1 server on an ephemeral port; prints the port, then serves until killed.
const SERVER: &str = r#"
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
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

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    let trial = Trial::test(
        "tracker_sees_one_connection_reused_against_python_http_server",
        tracker_sees_one_connection_reused_against_python_http_server,
    );
    libtest_mimic::run(&arguments, vec![unless_python_is_missing(trial)]).exit_code()
}

/// Kills the server however the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tracker_sees_one_connection_reused_against_python_http_server() -> Result<(), Failed> {
    let mut child = Command::new("python3")
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
