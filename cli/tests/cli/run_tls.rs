//! `keepalive-probe run --tls`: the command trusts the server's CA through `{ca}` (or a file of
//! its choosing, `--ca-file`), and the report counts TLS handshakes.

use pretty_assertions::assert_eq;
use serde_json::json;

use crate::run::run;
use crate::run_faults::answered;

/// `run --tls`: curl trusts the server's CA through `{ca}` and reuses one connection, so one full
/// TLS handshake; the JSON report counts handshakes and names each connection's.
#[test]
fn tls_run_counts_one_full_handshake_for_curls_one_connection() {
    let outcome = run(&[
        "--tls",
        "--json",
        "--quiet",
        "--expect-connections",
        "1",
        "--",
        "curl",
        "-s",
        "--cacert",
        "{ca}",
        "{url}",
        "{url}",
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert_eq!(
        outcome.report(),
        json!({
            "accepted": 1,
            "used": 1,
            "requests": 2,
            "ended": {"client_closed": 1, "client_reset": 0, "server_closed": 0, "open": 0},
            "tls": {"full": 1, "resumed": 0, "failed": 0},
            "unanswered": 0,
            "resent": 0,
            "tunnels": 0,
            "streams": 0,
            "connections": [{
                "id": 1,
                "requests": 2,
                "closed": true,
                "ended": "client_closed",
                "tls": {"handshake": "full", "version": "TLSv1.3", "alpn": "http/1.1"},
                "fault": null,
                "tunnels": [],
                "http2": null,
            }],
            "request_log": [answered(1, 1, "/"), answered(1, 2, "/")],
        })
    );
}

/// The `{ca}` file a client is handed holds the certificate and nothing else: no private key
/// leaves the process.
#[test]
fn tls_ca_file_holds_the_certificate_only() {
    let outcome = run(&[
        "--tls",
        "--quiet",
        "--",
        "sh",
        "-c",
        "cat \"$KEEPALIVE_PROBE_CA\" {ca}",
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let pem = outcome
        .stdout
        .split("\nreport:")
        .next()
        .expect("the command's output");
    assert_eq!(
        pem.matches("-----BEGIN CERTIFICATE-----").count(),
        2,
        "{pem}"
    );
    assert!(!pem.contains("PRIVATE KEY"), "{pem}");
}

/// `{ca}` without `--tls` names nothing: a usage error, and the command does not run.
#[test]
fn ca_placeholder_without_tls_is_a_usage_error() {
    let outcome = run(&["--quiet", "--", "echo", "{ca}"]);
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert_eq!(outcome.stdout, "");
    assert_eq!(
        outcome.stderr,
        "error: {ca} names the HTTPS server's CA certificate: add --tls\n"
    );
}

/// `run --ca-file FILE` writes the CA certificate there, as `serve --ca-file` does, and `{ca}`
/// names that file. (`run` lacked the option that the docs said it shared with `serve`.)
#[test]
fn tls_ca_file_option_writes_the_certificate_where_asked() {
    let file = std::env::temp_dir().join(format!("run-ca-{}.pem", std::process::id()));
    let file_name = file.display().to_string();
    let outcome = run(&[
        "--tls",
        "--quiet",
        "--ca-file",
        &file_name,
        "--",
        "sh",
        "-c",
        "echo {ca}",
    ]);
    let pem = std::fs::read_to_string(&file).expect("the CA file was written");
    std::fs::remove_file(&file).expect("removed");
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert_eq!(outcome.stdout.lines().next(), Some(file_name.as_str()));
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
}

/// `--h2-max-streams`: curl's parallel transfers over ALPN h2 against a limit of 2. How many
/// connections curl opens races (it sends its streams before the server's SETTINGS arrive, and
/// the refused ones go where curl's scheduling puts them); what is exact is the JSON's shape,
/// every connection's `http2` object, and every URL served once.
#[test]
fn h2_max_streams_puts_each_connections_streams_in_the_json() {
    let outcome = run(&[
        "--json",
        "--quiet",
        "--tls",
        "--alpn-h2",
        "--h2-max-streams",
        "2",
        "--",
        "curl",
        "-sS",
        "--http2",
        "-Z",
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
        report["requests"].as_u64().unwrap() - report["unanswered"].as_u64().unwrap(),
        3
    );
    let connections = report["connections"].as_array().expect("connections");
    let mut streams = 0;
    for connection in connections {
        let http2 = connection["http2"]
            .as_object()
            .expect("an HTTP/2 connection");
        let keys: Vec<&str> = http2.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "goaway",
                "peak_streams",
                "refused",
                "reset_by_client",
                "streams"
            ]
        );
        streams += http2["streams"].as_u64().unwrap();
    }
    assert_eq!(report["streams"].as_u64(), Some(streams));
}
