//! `keepalive-probe run --fault`: the server closing under the command's client, and what the
//! JSON report says of each request then.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::run::run;

/// A `GET` of `path` that the server answered whole, the `number`-th on connection `id`, with no
/// `x-request-id` (its time removed).
pub fn answered(id: u64, number: u64, path: &str) -> Value {
    json!({
        "connection": id,
        "number": number,
        "method": "GET",
        "path": path,
        "responded": true,
        "answered": true,
        "request_id": null,
    })
}

/// curl on a server that reads the second request on each connection and resets it unanswered:
/// curl sends it again on a new connection (`Curl_retry_request`: a reused connection that died
/// before any response byte, up to 5 times per transfer), so the server counts it unanswered,
/// then re-sent, and curl exits 0.
#[test]
fn curl_resends_a_request_the_server_closed_on() {
    let outcome = run(&[
        "--json",
        "--quiet",
        "--fault",
        "close-on-request=2:rst",
        "--",
        "curl",
        "-s",
        "{url}",
        "{url}",
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let mut unanswered = answered(1, 2, "/");
    unanswered["responded"] = json!(false);
    unanswered["answered"] = json!(false);
    assert_eq!(
        outcome.report(),
        json!({
            "accepted": 2,
            "used": 2,
            "requests": 3,
            "ended": {"client_closed": 1, "client_reset": 0, "server_closed": 1, "open": 0},
            "unanswered": 1,
            "resent": 1,
            "tunnels": 0,
            "streams": 0,
            "connections": [
                {"id": 1, "requests": 2, "closed": true, "ended": "server_closed",
                 "fault": "close-on-request=2:rst", "tunnels": [], "http2": null},
                {"id": 2, "requests": 1, "closed": true, "ended": "client_closed", "fault": null, "tunnels": [], "http2": null},
            ],
            "request_log": [answered(1, 1, "/"), unanswered, answered(2, 1, "/")],
        })
    );
}

/// A fault spelled wrong is input the user must fix: exit 2, naming what is wrong, before
/// anything runs.
#[test]
fn a_misspelled_fault_exits_two_before_the_command_runs() {
    let outcome = run(&["--fault", "close-on-request=2:abort", "--", "echo", "ran"]);
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert!(
        outcome.stderr.contains("close by fin or rst"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stdout.contains("ran"), "{}", outcome.stdout);
}
