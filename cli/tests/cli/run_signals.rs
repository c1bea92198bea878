//! `keepalive-probe run` never loses its report to a signal, and the command gets each signal
//! once. Without a controlling terminal (these tests start `run` in a session of its own, as CI
//! does) the command runs in a process group of its own, and a SIGINT or SIGTERM to `run`, or to
//! `run`'s group, is forwarded to it; in a terminal's job Ctrl-C reaches both, and `run` does not
//! forward it (the last test, in a terminal `script` makes). `run` waits for the command (bounded
//! by `--kill-after`, then SIGKILL), prints the report and exits with 128 + the signal's number,
//! as a shell reports a process ended by it.
//!
//! Every test synchronises on the command's own output ("ready" once its request is answered),
//! never on a timer; the command then blocks until the signal ends it.

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

/// `run`, in a session of its own: no controlling terminal, as under CI, whatever terminal the
/// tests run in, and `run` leads its process group (its pid is the group's id).
fn without_a_terminal(command: &mut Command) -> &mut Command {
    // SAFETY: setsid(2) is async-signal-safe and takes no arguments.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            Ok(())
        })
    }
}

/// Starts `run --json --quiet` with `script` as its command, its stdin a pipe the test holds
/// open, and returns once the command has printed "ready".
fn start(script: &str, extra: &[&str]) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = without_a_terminal(
        Command::new(BINARY)
            .args(["run", "--json", "--quiet"])
            .args(extra)
            .args(["--", "bash", "-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
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

/// A client that makes one request, says so, then reports every SIGINT and goes on reading its
/// stdin (a read a trapped signal interrupts returns more than 128).
const COUNTING_CLIENT: &str = "trap 'echo interrupted' INT; \
    curl -s \"$KEEPALIVE_PROBE_URL\" >/dev/null && echo ready && \
    while read -r line || (($? > 128)); do :; done";

/// A script's `kill -INT -PGID` signals `run`'s whole group. It reaches the command once:
/// `run` forwards it to the command's own group. (In `run`'s group the command got two, the
/// group's and `run`'s forward, which cargo, npm or pytest take as "force quit".) A second
/// signal, once the first was reported, kills the command; the report still prints.
#[test]
fn sigint_to_runs_group_reaches_the_command_once_and_the_report_prints() {
    let (mut child, mut stdout) = start(COUNTING_CLIENT, &[]);
    send(-(child.id() as i32), libc::SIGINT);
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the command speaks");
    assert_eq!(line, "interrupted\n");
    send(child.id() as i32, libc::SIGTERM);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("stdout reads");
    let status = child.wait().expect("run exits");
    assert_eq!(status.code(), Some(128 + libc::SIGINT));
    assert_eq!(rest.matches("interrupted").count(), 0, "{rest}");
    let report: Value =
        serde_json::from_str(rest.lines().last().unwrap_or_default()).expect("a JSON report");
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

/// Without a controlling terminal, a signal to `run`'s whole group reaches `run` alone, which
/// forwards it once: the command runs in a group of its own. The command says its pid and its
/// group (`/proc/$$/stat`'s fifth field).
#[cfg(target_os = "linux")]
#[test]
fn without_a_terminal_the_command_runs_in_a_process_group_of_its_own() {
    let run = without_a_terminal(
        Command::new(BINARY)
            .args(["run", "--quiet", "--", "sh", "-c"])
            .arg("echo $$ $(cut -d' ' -f5 /proc/$$/stat)")
            .stdout(Stdio::piped()),
    )
    .spawn()
    .expect("the binary starts");
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

/// In a terminal (util-linux's `script` makes one), the command stays in the terminal's job, so
/// Ctrl-C reaches it and `run` together, and `run` does not forward it: the command reports one
/// SIGINT, reading the terminal still, and no other. `run`, stopping, takes a second signal as
/// the user's insistence and kills the command; the report prints.
///
/// The two messages share the terminal: each must be one write, or one can land inside the
/// other (`run`'s was five writes while it used `eprintln!`, and a loaded CI run failed here).
#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_in_a_terminal_reaches_the_command_once() {
    let client = COUNTING_CLIENT.replace("echo ready", "echo ready $PPID");
    let run = format!("{BINARY} run --json --quiet -- bash -c \"$CLIENT\"");
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &run, "/dev/null"])
        .env("CLIENT", client)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut line = String::new();
    while !line.starts_with("ready ") {
        line.clear();
        assert_ne!(stdout.read_line(&mut line).expect("reads"), 0, "no ready");
    }
    let run_pid: i32 = line["ready ".len()..].trim().parse().expect("run's pid");
    let mut terminal = child.stdin.take().expect("stdin is piped");
    std::io::Write::write_all(&mut terminal, b"\x03").expect("Ctrl-C typed");
    // Both have it before the second signal: the command says so (after the terminal's echo,
    // `^Cinterrupted`) and so does `run` (the terminal carries its stderr too).
    let (mut command_has_it, mut run_has_it) = (false, false);
    let mut seen = String::new();
    while !(command_has_it && run_has_it) {
        line.clear();
        assert_ne!(
            stdout.read_line(&mut line).expect("reads"),
            0,
            "no interruption: {seen:?}"
        );
        command_has_it |= line.trim_end().ends_with("interrupted");
        run_has_it |= line.contains("SIGINT: stopping");
        seen.push_str(&line);
    }
    send(run_pid, libc::SIGTERM);
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
            rest.contains("SIGTERM again: killing the command"),
            counts(&report)
        ),
        (Some(128 + libc::SIGINT), 0, true, (1, 1, vec![(1, true)]))
    );
}
