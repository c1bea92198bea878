//! The bench's report: per-load tables of requests per second and server CPU per request, each
//! figure the median of the rounds.

use crate::{Load, Round, Sample, Target};

pub fn print_tables(results: &[(Load, Vec<Round>)]) {
    println!();
    println!(
        "{:<11} {:>11} {:>11} {:>11} {:>11}",
        "throughput", "axum req/s", "count req/s", "count/axum", "range"
    );
    for (load, rounds) in results {
        let ratios = throughput_ratios(rounds);
        let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let high = ratios.iter().copied().fold(0.0, f64::max);
        println!(
            "{:<11} {:>11.0} {:>11.0} {:>11.3} {:>11}",
            load.name(),
            median_of(rounds, Target::Axum, Sample::per_second),
            median_of(rounds, Target::Counting, Sample::per_second),
            median(ratios),
            format!("{low:.2}–{high:.2}"),
        );
    }
    println!();
    println!(
        "{:<11} {:>12} {:>12} {:>11} {:>6}",
        "server CPU", "axum µs/req", "count µs/req", "axum/count", "busy"
    );
    for (load, rounds) in results {
        let cpu = |target| median_of(rounds, target, Sample::cpu_micros_per_request);
        let busy = median(
            rounds
                .iter()
                .flat_map(|round| round.iter().map(|sample| sample.server_busy))
                .collect(),
        );
        println!(
            "{:<11} {:>12.2} {:>12.2} {:>11.3} {:>5.0}%",
            load.name(),
            cpu(Target::Axum),
            cpu(Target::Counting),
            cpu(Target::Axum) / cpu(Target::Counting),
            busy * 100.0
        );
    }
    println!();
    println!("count/axum: requests per second, median of the per-round ratios (range: min–max);");
    println!("µs/req: server CPU time per request, median; axum/count is the same ratio measured");
    println!(
        "by cost, which barely moves with machine load; busy: the server thread was running or"
    );
    println!(
        "runnable this share of the time (≈100%: the server, not the client, is the bottleneck)."
    );
    println!();
    for (load, rounds) in results {
        let ratio = median(throughput_ratios(rounds));
        let verdict = if ratio >= 0.95 { "meets" } else { "misses" };
        println!(
            "ratio counting/axum, {}: {ratio:.3} ({verdict} the 0.95 goal)",
            load.name()
        );
    }
}

/// Counting over axum requests per second, one ratio per round.
fn throughput_ratios(rounds: &[Round]) -> Vec<f64> {
    rounds
        .iter()
        .map(|round| {
            round[Target::Counting as usize].per_second()
                / round[Target::Axum as usize].per_second()
        })
        .collect()
}
fn median_of(rounds: &[Round], target: Target, figure: fn(&Sample) -> f64) -> f64 {
    median(
        rounds
            .iter()
            .map(|round| figure(&round[target as usize]))
            .collect(),
    )
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
