//! `keepalive-probe serve` refusing what it cannot do: each a usage error (exit 2) in one line,
//! and the exit statuses in `--help`.

use std::net::TcpListener;
use std::process::Command;

use pretty_assertions::assert_eq;

const BINARY: &str = env!("CARGO_BIN_EXE_keepalive-probe");

/// Runs `serve` with arguments that must be refused before it serves anything.
fn refused(args: &[&str]) -> (i32, String) {
    let output = Command::new(BINARY)
        .arg("serve")
        .args(args)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8 errors");
    assert!(output.stdout.is_empty(), "no URL for a refused server");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
    (output.status.code().expect("an exit code"), stderr)
}

#[test]
fn unparsable_address_is_a_usage_error() {
    let (code, stderr) = refused(&["--addr", "localhost"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: invalid value 'localhost' for '--addr <ADDR>'"),
        "{stderr}"
    );
}

#[test]
fn body_bytes_that_is_not_a_number_is_a_usage_error() {
    let (code, stderr) = refused(&["--body-bytes", "ten"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: invalid value 'ten' for '--body-bytes <N>'"),
        "{stderr}"
    );
}

#[test]
fn body_bytes_beyond_the_cap_is_a_usage_error() {
    let (code, stderr) = refused(&["--body-bytes", "999999999999"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("at most 268435456 bytes"), "{stderr}");
}

#[test]
fn port_in_use_exits_two_with_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = taken.local_addr().expect("an address").to_string();

    let (code, stderr) = refused(&["--addr", &addr]);
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: cannot listen on {addr}: ")),
        "{stderr}"
    );
    assert!(stderr.contains("in use"), "{stderr}");
}

#[test]
fn help_documents_the_exit_statuses() {
    let output = Command::new(BINARY)
        .args(["serve", "--help"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("UTF-8 help");
    assert!(
        help.contains("2 for usage errors and when the server cannot listen\n(address in use)"),
        "{help}"
    );
}
