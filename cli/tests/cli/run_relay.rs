//! `keepalive-probe run --to HOST:PORT`: the counting relay in front of a server this project did
//! not write, Python's `http.server`. `{url}` is the relay's; the report is the relay's ledger.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use pretty_assertions::assert_eq;
use serde_json::json;

use crate::run::run;

/// Python's `http.server` on a free loopback port, stopped when dropped.
struct PythonServer {
    child: Child,
    port: u16,
}

impl PythonServer {
    fn start() -> PythonServer {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("http.server says where it listens");
        // "Serving HTTP on 127.0.0.1 port 46837 (http://127.0.0.1:46837/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|word| *word != "port")
            .nth(1)
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        PythonServer { child, port }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `http.server` speaks HTTP/1.0 (`protocol_version`) and closes after every response: curl's
/// three URLs cost three connections, one request each, every request answered.
#[test]
fn the_relay_counts_a_python_server_closing_after_every_response() {
    let python = PythonServer::start();
    let outcome = run(&[
        "--json",
        "--quiet",
        "--to",
        &python.addr(),
        "--",
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "{url}",
        "{url}",
        "{url}",
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let report = outcome.report();
    let per_connection: Vec<u64> = report["connections"]
        .as_array()
        .expect("a connections list")
        .iter()
        .map(|c| c["requests"].as_u64().expect("a count"))
        .collect();
    assert_eq!(per_connection, [1, 1, 1]);
    // Who closed first races here: http.server closes after its response, and curl, told by
    // HTTP/1.0 that the server will, closes as soon as it has read the body. That every
    // connection closed cleanly is exact.
    let ended = &report["ended"];
    assert_eq!(
        (&ended["client_reset"], &ended["open"]),
        (&json!(0), &json!(0))
    );
    let closed = ended["client_closed"].as_u64().expect("a count")
        + ended["server_closed"].as_u64().expect("a count");
    assert_eq!(closed, 3, "{ended}");
    assert_eq!(
        (&report["unanswered"], &report["resent"]),
        (&json!(0), &json!(0))
    );
    let methods: Vec<&str> = report["request_log"]
        .as_array()
        .expect("a request log")
        .iter()
        .map(|r| r["method"].as_str().expect("a method"))
        .collect();
    assert_eq!(methods, ["GET", "GET", "GET"]);
}

/// A relay serves nothing itself: TLS and faults are the counting server's, and asking for them
/// with `--to` is a usage error.
#[test]
fn a_relay_with_tls_or_a_fault_is_a_usage_error() {
    for extra in [["--tls", ""], ["--fault", "connection-close=1"]] {
        let mut args = vec!["--to", "127.0.0.1:9"];
        args.extend(extra.iter().filter(|a| !a.is_empty()));
        args.extend(["--", "true"]);
        let outcome = run(&args);
        assert_eq!(outcome.code, 2, "{outcome:?}");
        assert!(
            outcome.stderr.contains("cannot be used with"),
            "{}",
            outcome.stderr
        );
    }
}
