//! Other languages' HTTP clients through the counting server: every client of
//! `keepalive-probe clients` is a test of its own (`go1.27`), which fails naming each of its cases
//! that was not as expected: exact where the client has an exact answer, checked for what is exact
//! where it races. The table runs once, every client side by side (one driver process each),
//! started in a thread of its own before the tests run, and every test reads its client's rows
//! from that run.
//!
//! A client whose toolchain is missing here is reported as *ignored*, with the reason and the
//! install command — never as passed. CI installs them all and sets
//! `KEEPALIVE_PROBE_REQUIRE_CLIENTS=1`, which turns a missing toolchain into a failure.
//!
//! The tests that need python3 but not the table live here too (`python.rs`): one binary whose
//! tests run beside the table, where three ran one after another.

mod python;
#[path = "../support/ring.rs"]
mod ring;

use std::collections::HashMap;
use std::process::{Command, ExitCode};
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

/// The CLI under test.
const BINARY: &str = env!("CARGO_BIN_EXE_keepalive-probe");

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    let required = std::env::var_os("KEEPALIVE_PROBE_REQUIRE_CLIENTS").is_some_and(|v| v == "1");
    let table_markdown = markdown_table();
    let clients = clients(&table_markdown);
    let runs = |name: &str| selected(&arguments, name, "");
    // Only the clients whose tests this process runs: every process running the whole table
    // would be, under nextest, twelve tables, each with every client at once.
    let table = std::sync::Arc::new(Table {
        clients: clients
            .iter()
            .filter(|client| runs(client))
            .cloned()
            .collect(),
        rows: OnceLock::new(),
    });
    // The table starts first, in a thread of its own, so that the toolchain check below and the
    // tests that do not read the table run meanwhile; its readers wait for it (`OnceLock`), and
    // the tests that do not read it come first in the list. A client whose toolchain is missing
    // gets rows that say so, which nothing reads: its test is ignored. Not when nothing will read
    // it: a listing, `--ignored` (no client's test is ignored but for a missing toolchain, which
    // never runs), `--bench` (libtest-mimic runs only benches, and these are tests).
    let runs_tests = !arguments.list && !arguments.ignored && !arguments.bench;
    let table_run = (runs_tests && !table.clients.is_empty()).then(|| {
        let table = table.clone();
        std::thread::spawn(move || {
            table.rows();
        })
    });
    // Only the toolchains this process's tests use are checked: nextest runs each test in a
    // process of its own (`--exact NAME`), and seventeen processes each checking every
    // toolchain spent more time on checks than on their tests.
    let mut needed: Vec<&str> = table.clients.iter().map(String::as_str).collect();
    if runs(BROKEN_DRIVER) {
        needed.push("go1.19");
    }
    if runs(AWAY_FROM_A_CHECKOUT) {
        needed.push("node-http");
    }
    // Checked beside the python3 tests' own look for python3: both start programs and wait.
    let (missing, python_trials) = std::thread::scope(|scope| {
        let missing = scope.spawn(|| missing_toolchains(&needed));
        let python_trials = python::trials(required, |name, kind| selected(&arguments, name, kind));
        let missing = missing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (missing, python_trials)
    });
    let mut absent: Vec<&str> = missing.keys().map(String::as_str).collect();
    absent.extend(python_trials.as_ref().err().copied());
    absent.sort_unstable();
    if required && !absent.is_empty() {
        eprintln!("KEEPALIVE_PROBE_REQUIRE_CLIENTS=1 but toolchains are missing: {absent:?}");
        // The table has started: its run ends before this process does, or `clients` and its
        // drivers would go on running with no one to read them.
        if let Some(table_run) = table_run {
            let _ = table_run.join();
        }
        return ExitCode::FAILURE;
    }
    // `Err` only where every toolchain is required, which returned above.
    let python_trials = python_trials.unwrap_or_default();
    let mut trials = vec![
        Trial::test("docs_clients_table_is_generated", move || {
            docs_table_is_generated(&table_markdown)
        }),
        Trial::test(BROKEN_DRIVER, a_driver_that_fails_to_build_is_a_failure)
            .with_ignored_flag(missing.contains_key("go1.19")),
        Trial::test(
            AWAY_FROM_A_CHECKOUT,
            away_from_a_checkout_the_drivers_come_from_the_binary,
        )
        .with_ignored_flag(missing.contains_key("node-http")),
    ];
    trials.extend(python_trials);
    for client in clients {
        let reason = missing.get(&client).cloned();
        let table = table.clone();
        let trial = Trial::test(client.clone(), move || table.check(&client));
        trials.push(match reason {
            Some(reason) => {
                eprintln!("ignoring {}: {reason}", trial.name());
                trial.with_ignored_flag(true)
            }
            None => trial,
        });
    }
    libtest_mimic::run(&arguments, trials).exit_code()
}

/// Whether the trial `name` of `kind` (`""` for none) passes the command line's filters (a
/// filter, `--exact`, `--skip`), whether or not it is ignored: with `--ignored`, which runs only
/// the trials that a missing toolchain marks ignored, the checks that mark them must still run.
/// (nextest lists with `--list --ignored` to learn which trials are ignored.)
fn selected(arguments: &Arguments, name: &str, kind: &str) -> bool {
    let trial = Trial::test(name, || Ok(()))
        .with_kind(kind)
        .with_ignored_flag(true);
    !arguments.is_filtered_out(&trial)
}

/// Each of `clients` whose toolchain is missing, with why and how to install it.
fn missing_toolchains(clients: &[&str]) -> HashMap<String, String> {
    if clients.is_empty() {
        return HashMap::new();
    }
    let mut command = Command::new(BINARY);
    command.args(["clients", "--toolchains"]);
    for client in clients {
        command.args(["--client", client]);
    }
    let output = command.output().expect("the binary runs");
    assert!(output.status.success(), "clients --toolchains: {output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .filter(|(_, status)| *status != "ok")
        .map(|(client, status)| (client.to_owned(), status.to_owned()))
        .collect()
}

/// What `keepalive-probe clients --markdown` prints (it needs no toolchain).
fn markdown_table() -> String {
    let output = Command::new(BINARY)
        .args(["clients", "--markdown"])
        .output()
        .expect("the binary runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every client, by its column name in the markdown table.
fn clients(table: &str) -> Vec<String> {
    let header = table
        .lines()
        .find(|line| line.starts_with('|'))
        .expect("a header row");
    header
        .trim_matches('|')
        .split('|')
        .skip(1)
        .map(|cell| cell.trim().to_owned())
        .collect()
}

/// One run of `clients --json` for every client whose test runs, made once (by a thread `main`
/// starts, or by the first test to ask). A client whose toolchain is missing gets rows that say
/// so, and no driver.
struct Table {
    clients: Vec<String>,
    rows: OnceLock<Result<Vec<Value>, String>>,
}

impl Table {
    fn rows(&self) -> &Result<Vec<Value>, String> {
        self.rows.get_or_init(|| {
            let mut command = Command::new(BINARY);
            command.args(["clients", "--json"]);
            for client in &self.clients {
                command.args(["--client", client]);
            }
            let output = command
                .output()
                .map_err(|error| format!("the binary runs: {error}"))?;
            json_rows(&output.stdout)
        })
    }

    /// Every case of `client`: each row must pass or not apply, and there must be rows.
    fn check(&self, client: &str) -> Result<(), Failed> {
        let rows: Vec<&Value> = self
            .rows()
            .as_ref()
            .map_err(Clone::clone)?
            .iter()
            .filter(|row| row["client"] == client)
            .collect();
        let ran = rows.iter().filter(|row| row["verdict"] == "pass").count();
        let failures: Vec<String> = rows
            .iter()
            .filter(|row| row["verdict"] != "pass" && row["verdict"] != "n/a")
            .map(|row| format!("{row}"))
            .collect();
        if failures.is_empty() && ran > 0 {
            Ok(())
        } else {
            Err(format!(
                "{} of {} cases failed:\n{}",
                failures.len(),
                rows.len(),
                failures.join("\n")
            )
            .into())
        }
    }
}

/// `clients --json`'s output: one JSON object per line, every line.
fn json_rows(stdout: &[u8]) -> Result<Vec<Value>, String> {
    let stdout = String::from_utf8_lossy(stdout);
    stdout
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .map_err(|error| format!("not JSON lines ({error}): {stdout}"))
}

/// The table of `docs/clients.md` is exactly what `keepalive-probe clients --markdown` prints.
fn docs_table_is_generated(table: &str) -> Result<(), Failed> {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/clients.md"))?;
    if page.contains(table) {
        Ok(())
    } else {
        Err("docs/clients.md's table is stale: regenerate it with `cargo run -- clients --markdown`".into())
    }
}

/// The name of [`a_driver_that_fails_to_build_is_a_failure`]'s test.
const BROKEN_DRIVER: &str = "a_driver_that_fails_to_build_is_a_failure_not_a_skip";

/// The name of [`away_from_a_checkout_the_drivers_come_from_the_binary`]'s test.
const AWAY_FROM_A_CHECKOUT: &str = "away_from_a_checkout_the_drivers_come_from_the_binary";

/// Issue 22: a Go driver that did not build was reported as skipped, like a missing toolchain.
/// With a broken driver (a home of its own, `KEEPALIVE_PROBE_CLIENTS_HOME`), the case fails.
/// Its `go.mod` is what breaks: `go build` stops at reading it, where a syntax error in `main.go`
/// is found only after Go has fingerprinted its compiler into the new home's empty build cache
/// (0.15 s against 0.01 s).
fn a_driver_that_fails_to_build_is_a_failure() -> Result<(), Failed> {
    let home = std::env::temp_dir().join(format!("broken-driver-{}", std::process::id()));
    let go = home.join("cli/clients/go");
    std::fs::create_dir_all(&go)?;
    std::fs::write(
        go.join("go.mod"),
        "module broken\n\ngo this-is-not-a-version\n",
    )?;
    std::fs::write(go.join("main.go"), "package main\n\nfunc main() {}\n")?;
    let output = Command::new(BINARY)
        .args([
            "clients",
            "--json",
            "--client",
            "go1.19",
            "--filter",
            "body unread, 2 B",
        ])
        .env("KEEPALIVE_PROBE_CLIENTS_HOME", &home)
        .output()?;
    std::fs::remove_dir_all(&home)?;
    let rows = json_rows(&output.stdout)?;
    let row = rows.first().ok_or("no JSON line")?;
    let build_failed = row["observed"]
        .as_object()
        .is_some_and(|observed| observed.keys().any(|seen| seen.contains("build failed")));
    if row["verdict"] == "fail" && build_failed && !output.status.success() {
        Ok(())
    } else {
        Err(format!("expected a failure: {row} (exit {})", output.status).into())
    }
}

/// Issue 22: an installed binary, or a nextest archive unpacked elsewhere, has no checkout
/// around it. Run from an empty directory with no `KEEPALIVE_PROBE_CLIENTS_HOME`, `clients`
/// writes the drivers it was built with into the cache directory and runs them from there: Node's
/// `http` driver passes its cases, plain and HTTPS. (One client is enough: every driver is found
/// the same way, and this harness is CPU-bound, so each process it adds costs its wall time.)
fn away_from_a_checkout_the_drivers_come_from_the_binary() -> Result<(), Failed> {
    let elsewhere = std::env::temp_dir().join(format!("kp-installed-{}", std::process::id()));
    let cache = elsewhere.join("cache");
    std::fs::create_dir_all(&cache)?;
    let output = Command::new(BINARY)
        .args(["clients", "--json", "--client", "node-http"])
        .args(["--filter", "body read to the end (64 KiB)"])
        .current_dir(&elsewhere)
        .env_remove("KEEPALIVE_PROBE_CLIENTS_HOME")
        .env("XDG_CACHE_HOME", &cache)
        .output()?;
    let written = cache.join("keepalive-probe");
    let drivers_written = std::fs::read_dir(&written).is_ok_and(|mut dirs| dirs.next().is_some());
    std::fs::remove_dir_all(&elsewhere)?;
    let rows = json_rows(&output.stdout)?;
    let passed = rows.iter().filter(|row| row["verdict"] == "pass").count();
    let verdicts: Vec<String> = rows
        .iter()
        .map(|row| format!("{} {}: {}", row["client"], row["case"], row["verdict"]))
        .collect();
    if output.status.success() && passed == 2 && rows.len() == 2 && drivers_written {
        Ok(())
    } else {
        Err(format!(
            "expected 2 passing rows from drivers written under {} (written: {drivers_written}), \
             exit {}: {verdicts:?}\n{}",
            written.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into())
    }
}
