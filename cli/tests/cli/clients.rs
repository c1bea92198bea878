//! `keepalive-probe clients --toolchains` answers for the clients named with `--client` and no
//! others, in the table's order, one line each: `NAME<TAB>ok`, or `NAME<TAB>missing: why;
//! install: how`; a name it does not know is a usage error. The other-clients harness relies on
//! it: under nextest each of its tests runs in a process of its own and asks only about the
//! toolchains that test uses. `clients --json`'s fields are checked on curl's rows, as the other
//! tests here run curl. (The table itself runs in `tests/other_clients/`, which needs the
//! toolchains.)

use std::process::{Command, Output};

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_keepalive-probe");

/// `keepalive-probe clients --toolchains`, with a `--client` for each of `clients`.
fn toolchains(clients: &[&str]) -> Output {
    let mut command = Command::new(BINARY);
    command.args(["clients", "--toolchains"]);
    for client in clients {
        command.args(["--client", client]);
    }
    command.output().expect("the binary runs")
}

#[test]
fn toolchains_checks_only_the_clients_asked_for() {
    let output = toolchains(&["reqwest", "curl"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<(&str, &str)> = stdout
        .lines()
        .map(|line| line.split_once('\t').expect("NAME<TAB>STATUS"))
        .collect();
    let names: Vec<&str> = lines.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["curl", "reqwest"], "{stdout}");
    for (name, status) in lines {
        assert!(
            status == "ok" || (status.starts_with("missing: ") && status.contains("; install: ")),
            "{name}: {status}"
        );
    }
}

#[test]
fn toolchains_of_an_unknown_client_is_a_usage_error() {
    let output = toolchains(&["cobol"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no client named cobol"), "{stderr}");
}

/// One unknown name among known ones is still an error: silently dropped, a misspelt client
/// would read as checked.
#[test]
fn toolchains_with_one_unknown_client_among_known_ones_is_a_usage_error() {
    let output = toolchains(&["curl", "cobol"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "{output:?}");
}

/// `clients --json` gives each expectation as fields, as `matrix --json` does (`expected` alone
/// was a string: `"[5] 1 FIN, 1 full"`), and `null` where one does not apply.
#[test]
fn json_rows_give_the_expectation_as_fields() {
    let output = Command::new(BINARY)
        .args([
            "clients",
            "--json",
            "--client",
            "curl",
            "--filter",
            "read to the end",
        ])
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    let expectations: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let row: Value = serde_json::from_str(line).expect("a JSON line");
            json!([
                row["case"],
                row["expected_requests_per_connection"],
                row["expected_ended"],
                row["expected_tls"],
                row["expected_at_most_connections"],
            ])
        })
        .collect();
    let fin = json!({"client_closed": 1, "client_reset": 0, "server_closed": 0, "open": 0});
    assert_eq!(
        expectations,
        [
            json!(["body read to the end (64 KiB)", [5], fin, null, null]),
            json!([
                "HTTPS, body read to the end (64 KiB)",
                [5],
                fin,
                {"full": 1, "resumed": 0, "failed": 0},
                null
            ]),
        ]
    );
}
