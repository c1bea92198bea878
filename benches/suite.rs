//! Suite speed: how long the test suite takes to run, build excluded.
//!
//! `cargo bench --bench suite` builds the tests first (`cargo test --no-run`, not timed), then
//! times, `SUITE_RUNS` times (default 3; `SUITE_QUICK=1` or `-- --quick`: once):
//!
//! - every test binary run one after the other, as `cargo test` runs them — the time a contributor
//!   waits for `cargo test` once the build is warm, per binary (the integration tests are one
//!   binary, `suite`; `cargo nextest run --test suite` shows each test's time), and the Rust-only
//!   binaries' share (all but `other_clients`);
//! - with `SUITE_RELEASE=1` (or `-- --release`), the same for a release build
//!   (`cargo test --release`), beside it in the same run: a debug build runs hyper, tokio and
//!   serde_json unoptimised (`perf` put 41% of a debug `suite` run's CPU in the binary itself and
//!   44% in the kernel, loopback TCP and process starts);
//! - `cargo nextest run --cargo-quiet`, if nextest is installed — one process per test, in
//!   parallel, which is what CI runs; this includes nextest's own up-to-date check of the build
//!   (a fraction of a second).
//!
//! Doctests are left out: `cargo test --doc` compiles every example on each run, so its time is
//! build time. Test binaries run from their package's directory with `CARGO_MANIFEST_DIR` set, as
//! under cargo (the library's from the root, the tool's from `cli/`);
//! cargo and nextest use the caller's `CARGO_TARGET_DIR`.
//!
//! A failing test fails the bench: the time of a broken suite is not the time of the suite.
//! Under `cargo test --benches` it does nothing (it would run the suite inside the suite).

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The crate whose suite is timed: this one.
const CRATE_ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo bench` passes `--bench`. Without it, `cargo test --benches` is running this file as a
    // test, and running the suite from inside the suite would only make it twice as long.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("suite: skipped outside `cargo bench --bench suite`");
        return Ok(());
    }
    let quick = std::env::args().any(|arg| arg == "--quick")
        || std::env::var_os("SUITE_QUICK").is_some_and(|value| value != "0");
    let runs = match std::env::var("SUITE_RUNS") {
        Ok(runs) => runs.parse()?,
        Err(_) if quick => 1,
        Err(_) => 3,
    };

    let release = std::env::args().any(|arg| arg == "--release")
        || std::env::var_os("SUITE_RELEASE").is_some_and(|value| value != "0");
    time_cargo_test(false, runs)?;
    if release {
        time_cargo_test(true, runs)?;
    }
    match time_nextest(runs)? {
        Some(elapsed) => println!(
            "{:<40} {:>9.2}s",
            "cargo nextest run",
            elapsed.as_secs_f64()
        ),
        None => println!("cargo nextest run: not installed, skipped"),
    }
    Ok(())
}

/// Times every test binary of one profile, `runs` times, one after the other as `cargo test` runs
/// them, and prints each one's median, the whole run's, and the Rust-only binaries' (all but
/// `other_clients`, which drives other languages' clients).
fn time_cargo_test(release: bool, runs: usize) -> Result<(), Box<dyn Error>> {
    let profile = if release { "release" } else { "dev" };
    let binaries = build_test_binaries(release)?;
    println!(
        "suite ({profile}): {} test binaries, {runs} run(s)",
        binaries.len()
    );
    let mut sequential = Vec::with_capacity(runs);
    let mut rust_only = Vec::with_capacity(runs);
    let mut per_binary = vec![Vec::with_capacity(runs); binaries.len()];
    let mut tests = 0;
    for _ in 0..runs {
        tests = 0;
        let mut rust_only_time = Duration::ZERO;
        let start = Instant::now();
        for (binary, times) in binaries.iter().zip(&mut per_binary) {
            let (elapsed, passed) = run_test_binary(binary)?;
            times.push(elapsed);
            tests += passed;
            if binary.name != OTHER_CLIENTS {
                rust_only_time += elapsed;
            }
        }
        sequential.push(start.elapsed());
        rust_only.push(rust_only_time);
    }

    println!();
    println!(
        "{:<40} {:>10}",
        format!("test binary ({profile})"),
        "median"
    );
    for (binary, times) in binaries.iter().zip(per_binary) {
        println!("{:<40} {:>9.2}s", binary.name, median(times).as_secs_f64());
    }
    println!(
        "{:<40} {:>9.2}s   ({tests} tests)",
        "all, one after the other (cargo test)",
        median(sequential).as_secs_f64()
    );
    println!(
        "{:<40} {:>9.2}s",
        "Rust only (all but other_clients)",
        median(rust_only).as_secs_f64()
    );
    println!();
    Ok(())
}

/// The one test binary that is not Rust-only: it drives Go, Python, Node and curl.
const OTHER_CLIENTS: &str = "test other_clients";

/// A test executable cargo built, named as `cargo test` names it, and its package's directory
/// (where cargo runs it).
#[derive(Debug, Clone)]
struct TestBinary {
    name: String,
    path: PathBuf,
    package_dir: PathBuf,
}

/// Builds every test target (untimed) and returns the executables, from cargo's JSON messages.
fn build_test_binaries(release: bool) -> Result<Vec<TestBinary>, Box<dyn Error>> {
    let output = Command::new(cargo())
        .args([
            "test",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .args(release.then_some("--release"))
        .current_dir(CRATE_ROOT)
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        // The diagnostics are already on stderr; stdout is cargo's JSON, of no use to a reader.
        return Err(format!("cargo test --no-run failed ({})", output.status).into());
    }
    let mut binaries = Vec::new();
    for line in output.stdout.split(|&byte| byte == b'\n') {
        let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        let is_test =
            message["reason"] == "compiler-artifact" && message["profile"]["test"] == true;
        if let (true, Some(path)) = (is_test, message["executable"].as_str()) {
            let kind = message["target"]["kind"][0].as_str().unwrap_or("?");
            let target = message["target"]["name"].as_str().unwrap_or("?");
            let manifest = Path::new(message["manifest_path"].as_str().unwrap_or(CRATE_ROOT));
            binaries.push(TestBinary {
                name: format!("{kind} {target}"),
                path: PathBuf::from(path),
                package_dir: manifest.parent().unwrap_or(manifest).to_path_buf(),
            });
        }
    }
    binaries.sort_by(|a, b| a.name.cmp(&b.name));
    if binaries.is_empty() {
        return Err("cargo test --no-run built no test binaries".into());
    }
    Ok(binaries)
}

/// Runs one test binary as `cargo test` would; returns its wall time and how many tests passed.
fn run_test_binary(binary: &TestBinary) -> Result<(Duration, u64), Box<dyn Error>> {
    let start = Instant::now();
    let output = Command::new(&binary.path)
        .current_dir(&binary.package_dir)
        .env("CARGO_MANIFEST_DIR", &binary.package_dir)
        .output()?;
    let elapsed = start.elapsed();
    check(&binary.name, &output)?;
    let passed = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<u64>().ok())
        .sum();
    Ok((elapsed, passed))
}

/// The median wall time of `cargo nextest run`, or `None` without nextest.
fn time_nextest(runs: usize) -> Result<Option<Duration>, Box<dyn Error>> {
    let installed = Command::new(cargo())
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        return Ok(None);
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let output = Command::new(cargo())
            .args(["nextest", "run", "--cargo-quiet", "--no-fail-fast"])
            .current_dir(CRATE_ROOT)
            .output()?;
        times.push(start.elapsed());
        check("cargo nextest run", &output)?;
    }
    Ok(Some(median(times)))
}

/// Fails with the command's own output when it did not succeed.
fn check(what: &str, output: &Output) -> Result<(), Box<dyn Error>> {
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
    .into())
}

/// The cargo that runs this bench, so a toolchain override applies to the suite as well.
fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| Path::new("cargo").to_path_buf(), PathBuf::from)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}
