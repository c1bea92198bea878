//! `keepalive-probe run --proxy`: the counting forward proxy beside the counting server. curl
//! finds the proxy in `HTTPS_PROXY` (which `run` sets), tunnels to `{url}` with `CONNECT`, and the
//! report holds both ledgers: the server's, and the proxy's with its tunnels.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::run::run;

/// curl's three HTTPS URLs in one invocation, through the proxy from the environment (curl reads
/// `https_proxy`/`HTTPS_PROXY`): one connection to the proxy, one `CONNECT`, one tunnel; one
/// connection and one full handshake behind it.
#[test]
fn curl_tunnels_once_through_the_proxy_from_the_environment() {
    let outcome = run(&[
        "--json",
        "--quiet",
        "--tls",
        "--proxy",
        "--",
        "curl",
        "-s",
        "--cacert",
        "{ca}",
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
    assert_eq!(
        (&report["accepted"], &report["requests"], &report["tunnels"]),
        (&json!(1), &json!(3), &json!(0))
    );
    let proxy = &report["proxy"];
    assert_eq!(
        (&proxy["accepted"], &proxy["requests"], &proxy["tunnels"]),
        (&json!(1), &json!(1), &json!(1))
    );
    assert_eq!(proxy["tls"], json!({"full": 1, "resumed": 0, "failed": 0}));
    let connect = &proxy["request_log"][0];
    assert_eq!(connect["method"], "CONNECT");
    let tunnels = &proxy["connections"][0]["tunnels"];
    assert_eq!(
        tunnels,
        &json!([{"target": connect["path"], "user": Value::Null}])
    );
    let target = connect["path"].as_str().expect("a target");
    assert!(target.starts_with("localhost:"), "{target}");
}

/// `--proxy-auth`: `{proxy}` carries the credentials, the tunnel names the user; a client with
/// no credentials gets a `407` and opens no tunnel.
#[test]
fn a_proxy_with_credentials_names_the_user_and_refuses_the_rest() {
    let outcome = run(&[
        "--json",
        "--quiet",
        "--tls",
        "--proxy",
        "--proxy-auth",
        "alice:s3cret",
        "--",
        "sh",
        "-c",
        "curl -s --cacert {ca} -o /dev/null {url}; \
         curl -s --cacert {ca} --proxy http://${KEEPALIVE_PROBE_PROXY##*@} {url}; \
         exit 0",
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let proxy = &outcome.report()["proxy"];
    assert_eq!(
        (&proxy["accepted"], &proxy["tunnels"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(proxy["connections"][0]["tunnels"][0]["user"], "alice");
    assert_eq!(proxy["connections"][1]["tunnels"], json!([]));
    assert_eq!(outcome.report()["accepted"], json!(1));
}

/// `{proxy}` without `--proxy`, and `--proxy` with a relay, are usage errors.
#[test]
fn proxy_usage_errors_exit_2() {
    let unasked = run(&["--quiet", "--", "echo", "{proxy}"]);
    assert_eq!(unasked.code, 2, "{unasked:?}");
    assert!(unasked.stderr.contains("add --proxy"), "{}", unasked.stderr);
    let with_relay = run(&["--proxy", "--to", "127.0.0.1:9", "--", "true"]);
    assert_eq!(with_relay.code, 2, "{with_relay:?}");
    let bad_credentials = run(&["--proxy", "--proxy-auth", "alice", "--", "true"]);
    assert_eq!(bad_credentials.code, 2, "{bad_credentials:?}");
}

/// A password `--proxy-auth` cannot carry is refused without being written anywhere.
#[test]
fn a_refused_proxy_password_is_never_printed() {
    let refused = run(&["--proxy", "--proxy-auth", "alice:p@ss!w0rd", "--", "true"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("--proxy-auth"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("p@ss"), "{}", refused.stderr);
    assert!(!refused.stdout.contains("p@ss"), "{}", refused.stdout);
}
