//! `keepalive-probe run` never loses its report to a signal. SIGINT or SIGTERM to `run` is
//! forwarded to the command; `run` waits for it (bounded by `--kill-after`, then SIGKILL), prints
//! the report and exits with 128 + the signal's number, as a shell reports a process ended by it.
//! Ctrl-C in a terminal signals the whole process group: the report prints then too.
//!
//! Every test synchronises on the command's own output ("ready" once its request is answered),
//! never on a timer; the command then blocks (`exec sleep 60`) until the signal ends it.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use pretty_assertions::assert_eq;
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_keepalive-probe");

/// A client that makes one request, says so, and then waits for a signal.
const CLIENT_THEN_WAIT: &str =
    "curl -s \"$KEEPALIVE_PROBE_URL\" >/dev/null && echo ready && exec sleep 60";

/// The same, ignoring SIGINT and SIGTERM (ignored signals stay ignored across `exec`).
const STUBBORN_CLIENT: &str =
    "trap '' INT TERM; curl -s \"$KEEPALIVE_PROBE_URL\" >/dev/null && echo ready && exec sleep 60";

/// Starts `run --json --quiet` with `script` as its command, in a process group of its own, and
/// returns once the command has printed "ready".
fn start(script: &str, extra: &[&str]) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(BINARY)
        .args(["run", "--json", "--quiet"])
        .args(extra)
        .args(["--", "bash", "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("the binary starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the command speaks");
    assert_eq!(line, "ready\n");
    (child, stdout)
}

/// Sends `signal` to `pid` (a negative pid: the process group).
fn send(pid: i32, signal: i32) {
    // SAFETY: kill(2) on a process this test started, with a valid signal; no memory effects.
    let sent = unsafe { libc::kill(pid, signal) };
    assert_eq!(sent, 0, "kill({pid}, {signal})");
}

/// Waits for `run` and returns its exit code, its JSON report (the last stdout line) and stderr.
fn finish(
    mut child: Child,
    mut stdout: BufReader<std::process::ChildStdout>,
) -> (i32, Value, String) {
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("stdout reads");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut stderr)
        .expect("stderr reads");
    let status = child.wait().expect("run exits");
    let line = rest.lines().last().unwrap_or_default();
    let report: Value = serde_json::from_str(line)
        .unwrap_or_else(|error| panic!("no JSON report ({error}): {rest:?} {stderr}"));
    (status.code().expect("an exit code"), report, stderr)
}

/// The counts of a report, without peers and times.
fn counts(report: &Value) -> (u64, u64, Vec<(u64, bool)>) {
    let connections = report["connections"]
        .as_array()
        .expect("a connections list")
        .iter()
        .map(|c| (c["requests"].as_u64().unwrap_or(99), c["closed"] == true))
        .collect();
    (
        report["accepted"].as_u64().unwrap_or(99),
        report["requests"].as_u64().unwrap_or(99),
        connections,
    )
}

#[test]
fn sigterm_to_run_stops_the_command_and_prints_the_report() {
    let (child, stdout) = start(CLIENT_THEN_WAIT, &[]);
    send(child.id() as i32, libc::SIGTERM);
    let (code, report, stderr) = finish(child, stdout);
    assert_eq!(code, 128 + libc::SIGTERM, "{stderr}");
    assert_eq!(counts(&report), (1, 1, vec![(1, true)]));
    assert!(stderr.contains("SIGTERM: stopping `bash`"), "{stderr}");
}

#[test]
fn sigint_to_run_stops_the_command_and_prints_the_report() {
    let (child, stdout) = start(CLIENT_THEN_WAIT, &[]);
    send(child.id() as i32, libc::SIGINT);
    let (code, report, stderr) = finish(child, stdout);
    assert_eq!(code, 128 + libc::SIGINT, "{stderr}");
    assert_eq!(counts(&report), (1, 1, vec![(1, true)]));
}

/// Ctrl-C: SIGINT to the whole process group, `run` and the command together.
#[test]
fn sigint_to_the_process_group_still_prints_the_report() {
    let (child, stdout) = start(CLIENT_THEN_WAIT, &[]);
    send(-(child.id() as i32), libc::SIGINT);
    let (code, report, stderr) = finish(child, stdout);
    assert_eq!(code, 128 + libc::SIGINT, "{stderr}");
    assert_eq!(counts(&report), (1, 1, vec![(1, true)]));
}

/// A command that ignores the forwarded signal is killed after `--kill-after`, and the report
/// still prints.
#[test]
fn a_command_ignoring_the_signal_is_killed_after_the_patience() {
    let (child, stdout) = start(STUBBORN_CLIENT, &["--kill-after", "0.05"]);
    send(child.id() as i32, libc::SIGTERM);
    let (code, report, stderr) = finish(child, stdout);
    assert_eq!(code, 128 + libc::SIGTERM, "{stderr}");
    assert_eq!(counts(&report), (1, 1, vec![(1, true)]));
    assert!(stderr.contains("killing it"), "{stderr}");
}

/// Issue 18: while `run` waited out `--kill-after`, a second signal was swallowed and the user
/// could not escalate. A second SIGTERM kills the command at once, and the report still prints.
/// (Without it this test would wait the whole 600 s.)
#[test]
fn a_second_signal_kills_a_stubborn_command_at_once() {
    let (mut child, stdout) = start(STUBBORN_CLIENT, &["--kill-after", "600"]);
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    send(child.id() as i32, libc::SIGTERM);
    let mut line = String::new();
    stderr
        .read_line(&mut line)
        .expect("run says it is stopping");
    assert_eq!(line, "keepalive-probe run: SIGTERM: stopping `bash`\n");
    send(child.id() as i32, libc::SIGTERM);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("stderr reads");
    let (code, report) = finish_after_stderr(child, stdout);
    assert_eq!(code, 128 + libc::SIGTERM, "{rest}");
    assert_eq!(counts(&report), (1, 1, vec![(1, true)]));
    assert_eq!(
        rest,
        "keepalive-probe run: SIGTERM again: killing the command\n"
    );
}

/// [`finish`] for a child whose stderr the test read itself: the exit code and the report.
fn finish_after_stderr(
    mut child: Child,
    mut stdout: BufReader<std::process::ChildStdout>,
) -> (i32, Value) {
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("stdout reads");
    let status = child.wait().expect("run exits");
    let line = rest.lines().last().unwrap_or_default();
    let report: Value = serde_json::from_str(line)
        .unwrap_or_else(|error| panic!("no JSON report ({error}): {rest:?}"));
    (status.code().expect("an exit code"), report)
}

/// A signal to `run`'s whole group (a script's `kill -INT -PGID`) reaches `run` alone, which
/// forwards it once to the command's group: the command runs in a group of its own. In `run`'s
/// group it got two, the group's and `run`'s forward of it, which cargo, npm or pytest take as
/// "force quit". The command says its pid and its group (`/proc/$$/stat`'s fifth field).
#[test]
fn the_command_runs_in_a_process_group_of_its_own() {
    let run = Command::new(BINARY)
        .args(["run", "--quiet", "--", "sh", "-c"])
        .arg("echo $$ $(cut -d' ' -f5 /proc/$$/stat)")
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("the binary starts");
    // It leads the group this test started it in: its pid is that group's id.
    let run_group = run.id();
    let output = run.wait_with_output().expect("run exits");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let ids: Vec<u32> = stdout
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|id| id.parse().ok())
        .collect();
    let [command, command_group] = ids[..] else {
        panic!("no pid and group printed: {stdout:?}");
    };
    assert_eq!(
        command_group, command,
        "the command leads a group of its own"
    );
    assert_ne!(command_group, run_group);
}

/// A client that makes one request, says so, and reads the terminal; a SIGINT it reports, then
/// dies of it.
const DYING_CLIENT: &str = "trap 'echo interrupted; trap - INT; kill -INT $$' INT; \
    curl -s \"$KEEPALIVE_PROBE_URL\" >/dev/null && echo ready && read -r line";

/// In a terminal (`script` makes one), the command's group holds the terminal while it runs:
/// Ctrl-C reaches the command, which dies of it, and `run` reports and ends as interrupted.
#[test]
fn ctrl_c_in_a_terminal_reaches_the_command_and_the_report_prints() {
    let run = format!("{BINARY} run --json --quiet -- bash -c \"$CLIENT\"");
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &run, "/dev/null"])
        .env("CLIENT", DYING_CLIENT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut line = String::new();
    while line.trim_end() != "ready" {
        line.clear();
        assert_ne!(stdout.read_line(&mut line).expect("reads"), 0, "no ready");
    }
    let mut terminal = child.stdin.take().expect("stdin is piped");
    std::io::Write::write_all(&mut terminal, b"\x03").expect("Ctrl-C typed");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("stdout reads");
    let status = child.wait().expect("script exits");
    // The terminal carries stdout and stderr both: the report is the line that is JSON.
    let report: Value = rest
        .lines()
        .find_map(|line| serde_json::from_str(line.trim()).ok())
        .unwrap_or_else(|| panic!("no JSON report: {rest:?}"));
    assert_eq!(
        (
            status.code(),
            rest.matches("interrupted").count(),
            counts(&report)
        ),
        (Some(128 + libc::SIGINT), 1, (1, 1, vec![(1, true)]))
    );
}
