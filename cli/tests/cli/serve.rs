//! `keepalive-probe serve` as a script sees it: read the URL from the first stdout line, point a
//! real client at it (reqwest's blocking client, or a raw `TcpStream` whose address we know),
//! follow the log lines, send SIGTERM or SIGINT, and read the report from the last line. (curl
//! is what `run.rs`'s tests run; here it cost a process start, 11 ms of CPU, per batch of
//! requests.)
//!
//! Every test waits on the server's own log lines ("… closed by the client after …") before it signals, never on
//! a clock, and binds `127.0.0.1:0`, so the tests run in parallel and give the same result each time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use pretty_assertions::assert_eq;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::run_faults::answered;

const BINARY: &str = env!("CARGO_BIN_EXE_keepalive-probe");

/// A bound on waiting for a line, so a broken server fails the test instead of hanging it. Not a
/// synchronisation: every wait ends as soon as the line arrives.
const LINE_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `keepalive-probe serve`, its stdout read line by line on a thread.
struct Serve {
    child: Child,
    lines: Receiver<String>,
    url: String,
}

impl Serve {
    fn start(args: &[&str]) -> Serve {
        let mut child = Command::new(BINARY)
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let mut serve = Serve {
            child,
            lines,
            url: String::new(),
        };
        serve.url = serve.next_line();
        serve
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(LINE_TIMEOUT)
            .expect("serve printed a line")
    }

    /// Reads log lines until `count` connections have been logged closed, and returns them all.
    ///
    /// Counts rather than names the closes: one connection's close and the next one's accept come
    /// from different tasks, so their lines may come in either order.
    fn log_until_closed(&self, count: usize) -> Vec<String> {
        let mut log = Vec::new();
        while log
            .iter()
            .filter(|line: &&String| line.contains(" by the ") && line.contains(" after "))
            .count()
            < count
        {
            log.push(self.next_line());
        }
        log
    }

    /// Sends `signal` (e.g. `-TERM`) and returns the exit status with the rest of stdout.
    fn stop(mut self, signal: &str) -> (ExitStatus, Vec<String>) {
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} failed");
        let status = self.child.wait().expect("serve exits");
        let rest = self.lines.iter().collect();
        (status, rest)
    }
}

impl Drop for Serve {
    /// A failed assertion must not leave a server behind; after `stop` this does nothing.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `requests` GETs of `url` one after another on one `reqwest::blocking::Client`, with
/// `headers`, each body read to the end before the next request (an unread body would keep its
/// connection busy, and the next request would open another); returns each response's headers
/// and body. The client is dropped at the end, which closes the connection it keeps: what curl
/// does with several URLs, without a process to start.
fn get(url: &str, requests: usize, headers: &[(&str, &str)]) -> Vec<(HeaderMap, String)> {
    crate::ring::install_ring();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .expect("a client");
    (0..requests)
        .map(|_| {
            let mut request = client.get(url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request.send().expect("answered");
            let head = response.headers().clone();
            (head, response.text().expect("a body"))
        })
        .collect()
}

/// The bodies [`get`] read.
fn bodies(url: &str, requests: usize, headers: &[(&str, &str)]) -> Vec<String> {
    get(url, requests, headers)
        .into_iter()
        .map(|(_, body)| body)
        .collect()
}

/// The peer of connection `id`, from its line `connection ID accepted from PEER` in `log`.
fn peer_of(log: &[String], id: u64) -> String {
    let prefix = format!("connection {id} accepted from ");
    log.iter()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("connection {id} was accepted: {log:?}"))
        .to_owned()
}

fn parse_json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"))
}

#[test]
fn first_line_is_the_base_url_alone() {
    let serve = Serve::start(&["--json"]);
    let url = serve.url.clone();
    let port = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('/'))
        .expect("http://127.0.0.1:PORT/");
    assert!(port.parse::<u16>().is_ok_and(|port| port > 0), "{url}");

    let (status, rest) = serve.stop("-TERM");
    assert!(status.success(), "{status}");
    assert_eq!(
        rest,
        [
            r#"{"accepted":0,"used":0,"requests":0,"ended":{"client_closed":0,"client_reset":0,"server_closed":0,"open":0},"unanswered":0,"resent":0,"tunnels":0,"streams":0,"connections":[],"request_log":[]}"#
        ]
    );
}

#[test]
fn sigterm_prints_the_json_report_and_exits_zero() {
    let serve = Serve::start(&["--json"]);
    assert_eq!(bodies(&serve.url, 3, &[]), ["ok", "ok", "ok"]);
    let peer = peer_of(&serve.log_until_closed(1), 1);

    let (status, rest) = serve.stop("-TERM");
    assert!(status.success(), "{status}");
    let mut report = parse_json(rest.last().expect("a report line"));
    // Accept, three requests, close: the fifth event; times vary and are left out.
    let connection = report["connections"][0]
        .as_object_mut()
        .expect("one connection");
    let closed_at = connection.remove("closed_at").expect("a close moment");
    assert_eq!(closed_at["order"], 5);
    assert_eq!(
        connection.remove("accepted").expect("an accept")["order"],
        1
    );
    // The requests are events 2 to 4.
    for (request, order) in report["request_log"]
        .as_array_mut()
        .expect("a request log")
        .iter_mut()
        .zip(2..)
    {
        let fields = request.as_object_mut().expect("a request");
        assert_eq!(fields.remove("received").expect("a moment")["order"], order);
    }
    assert_eq!(
        report,
        json!({
            "accepted": 1,
            "used": 1,
            "requests": 3,
            "ended": {"client_closed": 1, "client_reset": 0, "server_closed": 0, "open": 0},
            "unanswered": 0,
            "resent": 0,
            "tunnels": 0,
            "streams": 0,
            "connections": [
                {"id": 1, "peer": peer, "requests": 3, "closed": true, "ended": "client_closed",
                 "fault": null, "tunnels": [], "http2": null}
            ],
            "request_log": [answered(1, 1, "/"), answered(1, 2, "/"), answered(1, 3, "/")],
        })
    );
}

#[test]
fn sigint_prints_the_text_report_and_exits_zero() {
    let serve = Serve::start(&[]);
    bodies(&serve.url, 2, &[("connection", "close")]);
    let log = serve.log_until_closed(2);
    let (first, second) = (peer_of(&log, 1), peer_of(&log, 2));

    let (status, rest) = serve.stop("-INT");
    assert!(status.success(), "{status}");
    assert_eq!(
        rest,
        [
            "report: 2 connection(s) accepted, 2 used, 2 request(s) (0 unanswered, 0 re-sent); \
             0 closed by the client, 0 reset by the client, 2 closed by the server, 0 open"
                .to_owned(),
            format!("  connection 1 from {first}: closed by the server after 1 request"),
            format!("  connection 2 from {second}: closed by the server after 1 request"),
        ]
    );
}

#[test]
fn log_lines_name_connection_peer_and_request_number() {
    let serve = Serve::start(&["--json"]);
    let address = serve
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut client = TcpStream::connect(address).expect("connects");
    let peer = client.local_addr().expect("a local address");
    // Two pipelined requests; the second asks the server to close, so reading to the end waits
    // for both responses.
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("sends");
    client
        .read_to_end(&mut Vec::new())
        .expect("reads the responses");

    let log: Vec<String> = (0..4).map(|_| serve.next_line()).collect();
    assert_eq!(
        log,
        [
            format!("connection 1 accepted from {peer}"),
            format!("connection 1 request 1: GET / (peer {peer})"),
            format!("connection 1 request 2: GET /a (peer {peer})"),
            "connection 1 closed by the server after 2 requests".to_owned(),
        ]
    );
    let (status, _) = serve.stop("-TERM");
    assert!(status.success(), "{status}");
}

#[test]
fn quiet_prints_only_the_url_and_the_report() {
    let serve = Serve::start(&["--quiet", "--json"]);
    // The request is counted before its response is written, so once the client has its
    // response the count is final; the close may not be seen yet, so `closed` is not compared.
    assert_eq!(bodies(&serve.url, 1, &[]), ["ok"]);

    let (status, rest) = serve.stop("-TERM");
    assert!(status.success(), "{status}");
    assert_eq!(rest.len(), 1, "only the report after the URL: {rest:?}");
    let report = parse_json(&rest[0]);
    assert_eq!(
        (&report["accepted"], &report["used"], &report["requests"]),
        (&json!(1), &json!(1), &json!(1))
    );
    assert_eq!(report["connections"][0]["requests"], json!(1));
}

#[test]
fn no_keep_alive_opens_a_connection_per_request() {
    let serve = Serve::start(&["--no-keep-alive", "--json"]);
    bodies(&serve.url, 3, &[]);
    serve.log_until_closed(3);

    let (status, rest) = serve.stop("-TERM");
    assert!(status.success(), "{status}");
    let report = parse_json(rest.last().expect("a report line"));
    assert_eq!(
        (&report["accepted"], &report["requests"]),
        (&json!(3), &json!(3))
    );
}

#[test]
fn close_answers_with_connection_close_and_body_bytes_sizes_the_body() {
    let serve = Serve::start(&["--close", "--body-bytes", "10", "--json"]);
    let (head, body) = get(&serve.url, 1, &[]).remove(0);
    assert_eq!(
        head.get("connection").map(|value| value.as_bytes()),
        Some(&b"close"[..]),
        "{head:?}"
    );
    assert_eq!(body, "okokokokok");
    serve.log_until_closed(1);

    let (status, rest) = serve.stop("-TERM");
    assert!(status.success(), "{status}");
    let report = parse_json(rest.last().expect("a report line"));
    assert_eq!(report["connections"][0]["closed"], json!(true));
}

/// `--max-connection-details N` keeps a long-running server's memory bounded: the report keeps
/// the last N connections in detail and counts every one.
#[test]
fn max_connection_details_caps_the_connections_in_the_report() {
    let serve = Serve::start(&["--json", "--quiet", "--max-connection-details", "2"]);
    let close = [("connection", "close")];
    assert_eq!(bodies(&serve.url, 3, &close), ["ok", "ok", "ok"]);
    let (status, rest) = serve.stop("-TERM");
    assert!(status.success(), "{status}");
    let report = parse_json(rest.last().expect("a report line"));
    let kept: Vec<&Value> = report["connections"]
        .as_array()
        .expect("a list")
        .iter()
        .collect();
    assert_eq!((report["accepted"].as_u64(), kept.len()), (Some(3), 2));
}
