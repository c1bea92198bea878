//! `keepalive-probe run` against real clients: curl reuses one connection for several requests,
//! `Connection: close` makes curl open one per request, and the exit status says whether the command and the expectation held (0), the expectation failed (1),
//! the input was wrong (2), or the command failed (3).
//!
//! `run` itself waits until the server has seen every connection closed, so these tests need no
//! synchronisation of their own; each run binds `127.0.0.1:0`, so they run in parallel.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::run_faults::answered;

const BINARY: &str = env!("CARGO_BIN_EXE_keepalive-probe");

/// What one `keepalive-probe run` did.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The JSON report on the last line of stdout, with each peer and time checked and removed
    /// (they vary; everything else is compared exactly).
    pub fn report(&self) -> Value {
        let line = self.stdout.lines().last().expect("a report line");
        let mut report: Value =
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
        let connections = report["connections"]
            .as_array_mut()
            .expect("a connections list");
        for connection in connections {
            let peer = connection
                .as_object_mut()
                .and_then(|fields| fields.remove("peer"))
                .expect("a peer field");
            let peer = peer.as_str().expect("the peer is a string");
            assert!(peer.starts_with("127.0.0.1:"), "{peer}");
            let fields = connection.as_object_mut().expect("an object");
            let accepted = fields.remove("accepted").expect("an accept moment");
            assert!(accepted["order"].as_u64().is_some(), "{accepted}");
            let closed_at = fields.remove("closed_at").expect("a closed_at field");
            assert_eq!(
                closed_at.is_null(),
                fields["closed"] == false,
                "{closed_at}"
            );
        }
        let requests = report["request_log"].as_array_mut().expect("a request log");
        for request in requests {
            let received = request
                .as_object_mut()
                .and_then(|fields| fields.remove("received"))
                .expect("a received moment");
            assert!(received["order"].as_u64().is_some(), "{received}");
        }
        report
    }

    fn assert_clean_stderr(&self) {
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(!self.stderr.contains("backtrace"), "{}", self.stderr);
    }
}

pub fn run(args: &[&str]) -> Outcome {
    let output = Command::new(BINARY)
        .arg("run")
        .args(args)
        .output()
        .expect("the binary runs");
    let outcome = Outcome {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    };
    outcome.assert_clean_stderr();
    outcome
}

/// The report of `accepted` connections, each ended by `ended` (`"client_closed"`,
/// `"server_closed"`…) after `requests_each` requests for `/`, each answered (peers and times
/// removed, as [`Outcome::report`] does).
fn closed_connections(accepted: u64, requests_each: u64, ended: &str) -> Value {
    let connections: Vec<Value> = (1..=accepted)
        .map(|id| json!({"id": id, "requests": requests_each, "closed": true, "ended": ended, "fault": null, "tunnels": [], "http2": null}))
        .collect();
    let request_log: Vec<Value> = (1..=accepted)
        .flat_map(|id| (1..=requests_each).map(move |number| answered(id, number, "/")))
        .collect();
    let mut endings = json!({"client_closed": 0, "client_reset": 0, "server_closed": 0, "open": 0});
    endings[ended] = json!(accepted);
    json!({
        "accepted": accepted,
        "used": if requests_each > 0 { accepted } else { 0 },
        "requests": accepted * requests_each,
        "ended": endings,
        "unanswered": 0,
        "resent": 0,
        "tunnels": 0,
        "streams": 0,
        "connections": connections,
        "request_log": request_log,
    })
}

#[test]
fn curl_with_three_urls_reuses_one_connection() {
    let outcome = run(&[
        "--json",
        "--quiet",
        "--expect-connections",
        "1",
        "--",
        "curl",
        "-s",
        "{url}",
        "{url}",
        "{url}",
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert_eq!(outcome.stderr, "");
    assert_eq!(outcome.report(), closed_connections(1, 3, "client_closed"));
    // curl's output does not end with a newline; the report still gets a line of its own.
    assert!(
        outcome.stdout.starts_with("okokok\n{"),
        "{}",
        outcome.stdout
    );
}

#[test]
fn curl_asking_for_close_opens_one_connection_per_request() {
    let outcome = run(&[
        "--json",
        "--quiet",
        "--expect-connections",
        "3",
        "--",
        "curl",
        "-s",
        "-H",
        "Connection: close",
        "{url}",
        "{url}",
        "{url}",
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert_eq!(outcome.report(), closed_connections(3, 1, "server_closed"));
}

#[test]
fn url_placeholder_is_replaced_inside_words_and_set_in_the_environment() {
    let outcome = run(&[
        "--json",
        "--quiet",
        "--",
        "sh",
        "-c",
        r#"printf '%s\n' "$KEEPALIVE_PROBE_URL" 'before{url}after'"#,
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    let url = lines[0];
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
        "{url}"
    );
    assert_eq!(
        lines,
        [
            url,
            &format!("before{url}after"),
            "",
            r#"{"accepted":0,"used":0,"requests":0,"ended":{"client_closed":0,"client_reset":0,"server_closed":0,"open":0},"unanswered":0,"resent":0,"tunnels":0,"streams":0,"connections":[],"request_log":[]}"#,
        ]
    );
}

#[test]
fn events_are_logged_to_stderr_and_the_text_report_ends_stdout() {
    let outcome = run(&["--", "curl", "-s", "{url}", "{url}"]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let log: Vec<&str> = outcome.stderr.lines().collect();
    let peer = log[0]
        .strip_prefix("connection 1 accepted from ")
        .expect("the accept comes first");
    assert_eq!(
        log,
        [
            format!("connection 1 accepted from {peer}"),
            format!("connection 1 request 1: GET / (peer {peer})"),
            format!("connection 1 request 2: GET / (peer {peer})"),
            "connection 1 closed by the client after 2 requests".to_owned(),
        ]
    );
    assert_eq!(
        outcome.stdout,
        format!(
            "okok\nreport: 1 connection(s) accepted, 1 used, 2 request(s) (0 unanswered, 0 \
             re-sent); 1 closed by the client, 0 reset by the client, 0 closed by the server, 0 \
             open\n  \
             connection 1 from {peer}: closed by the client after 2 requests\n"
        )
    );
}

#[test]
fn failed_expectation_exits_one_naming_both_counts() {
    let outcome = run(&[
        "--json",
        "--quiet",
        "--expect-connections",
        "1",
        "--",
        "curl",
        "-s",
        "-H",
        "Connection: close",
        "{url}",
        "{url}",
    ]);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    assert_eq!(
        outcome.stderr,
        "error: expected 1 connection(s), observed 2 accepted\n"
    );
    assert_eq!(outcome.report(), closed_connections(2, 1, "server_closed"));
}

#[test]
fn failing_command_exits_three_naming_its_status() {
    let outcome = run(&["--json", "--quiet", "--", "sh", "-c", "exit 7"]);
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert_eq!(outcome.stderr, "error: `sh` failed: exit status: 7\n");
    assert_eq!(outcome.report(), closed_connections(0, 0, "client_closed"));
}

#[test]
fn command_killed_by_a_signal_exits_three() {
    let outcome = run(&["--quiet", "--", "sh", "-c", "kill -KILL $$"]);
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert!(
        outcome.stderr.starts_with("error: `sh` failed: signal: 9"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn command_failure_outranks_a_failed_expectation() {
    let outcome = run(&["--quiet", "--expect-connections", "5", "--", "false"]);
    assert_eq!(outcome.code, 3, "{outcome:?}");
}

#[test]
fn missing_command_exits_three_with_one_line() {
    let outcome = run(&["--", "keepalive-probe-no-such-command", "{url}"]);
    assert_eq!(outcome.code, 3, "{outcome:?}");
    assert_eq!(outcome.stdout, "");
    assert_eq!(outcome.stderr.lines().count(), 1, "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .starts_with("error: cannot run `keepalive-probe-no-such-command`: "),
        "{}",
        outcome.stderr
    );
}

#[test]
fn no_command_after_the_separator_is_a_usage_error() {
    for args in [&["--json"][..], &["--json", "--"][..]] {
        let outcome = run(args);
        assert_eq!(outcome.code, 2, "{outcome:?}");
        assert!(
            outcome
                .stderr
                .starts_with("error: the following required arguments were not provided"),
            "{}",
            outcome.stderr
        );
    }
}

#[test]
fn bad_option_values_are_usage_errors() {
    for (args, complaint) in [
        (
            ["--expect-connections", "one"],
            "for '--expect-connections <N>'",
        ),
        (["--body-bytes", "2k"], "for '--body-bytes <N>'"),
        (["--addr", "127.0.0.1"], "for '--addr <ADDR>'"),
        (["--close-grace", "soon"], "for '--close-grace <SECONDS>'"),
    ] {
        let mut args = args.to_vec();
        args.extend(["--", "echo", "ran"]);
        let outcome = run(&args);
        assert_eq!(outcome.code, 2, "{outcome:?}");
        assert_eq!(outcome.stdout, "", "the command must not run");
        assert!(outcome.stderr.contains(complaint), "{}", outcome.stderr);
    }
}

#[test]
fn port_in_use_exits_two_without_running_the_command() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = taken.local_addr().expect("an address").to_string();

    let outcome = run(&["--addr", &addr, "--", "echo", "ran"]);
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert_eq!(outcome.stdout, "");
    assert_eq!(outcome.stderr.lines().count(), 1, "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .starts_with(&format!("error: cannot listen on {addr}: ")),
        "{}",
        outcome.stderr
    );
}

/// A command that exits while a process it started still holds a connection: `run` waits its
/// grace period (`--close-grace`, 5 s unless set; 0.05 s here), says so on stderr, and reports
/// the connection open.
#[test]
fn connection_left_open_is_reported_after_the_grace_period() {
    // bash connects (its /dev/tcp), then leaves a background subshell holding the socket and
    // blocked on stdin, which this test holds open until `run` has exited; the subshell closes
    // its stdout and stderr so that they reach end-of-file with `run`. (bash gives a background
    // job /dev/null for stdin, so stdin goes along as descriptor 4.)
    let script = r#"
address=${KEEPALIVE_PROBE_URL#http://}
address=${address%/}
exec 3<>"/dev/tcp/${address%:*}/${address##*:}"
exec 4<&0
( exec 1>&- 2>&-; cat <&4 >/dev/null ) &
"#;
    let mut child = Command::new(BINARY)
        .args([
            "run",
            "--json",
            "--quiet",
            "--close-grace",
            "0.05",
            "--",
            "bash",
            "-c",
            script,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let holder_stdin = child.stdin.take().expect("stdin is piped");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut stderr)
        .expect("reads stderr");
    let output = child.wait_with_output().expect("run exits");
    drop(holder_stdin);

    let outcome = Outcome {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr,
    };
    outcome.assert_clean_stderr();
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert_eq!(
        outcome.stderr,
        "warning: 1 connection(s) still open 0.05 s after the command exited; reporting anyway\n"
    );
    assert_eq!(
        outcome.report(),
        json!({
            "accepted": 1,
            "used": 0,
            "requests": 0,
            "ended": {"client_closed": 0, "client_reset": 0, "server_closed": 0, "open": 1},
            "unanswered": 0,
            "resent": 0,
            "tunnels": 0,
            "streams": 0,
            "connections": [{"id": 1, "requests": 0, "closed": false, "ended": "open", "fault": null, "tunnels": [], "http2": null}],
            "request_log": [],
        })
    );
}
