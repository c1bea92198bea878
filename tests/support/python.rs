//! Tests that need python3 run it only where it is installed: elsewhere their trial is marked
//! *ignored* (libtest-mimic decides at run time), and under `KEEPALIVE_PROBE_REQUIRE_CLIENTS=1`
//! (CI) a missing python3 is a failure.

use libtest_mimic::Trial;

/// `trial`, ignored with the reason where python3 is missing.
pub fn unless_python_is_missing(trial: Trial) -> Trial {
    let present = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if present {
        return trial;
    }
    if std::env::var_os("KEEPALIVE_PROBE_REQUIRE_CLIENTS").is_some_and(|v| v == "1") {
        panic!("python3 is required (KEEPALIVE_PROBE_REQUIRE_CLIENTS=1) but missing");
    }
    eprintln!("python3 not found: ignoring its test (install: apt-get install -y python3)");
    trial.with_ignored_flag(true).with_kind("needs python3")
}
