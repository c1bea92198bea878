//! Counting overhead: requests per second of the counting server against `axum::serve` with the
//! same routes, under a keep-alive load and under a churn load.
//!
//! `cargo bench --bench overhead` runs it (about 45 s); `OVERHEAD_QUICK=1` or `-- --quick` runs a
//! few short rounds instead (about 5 s), to check that it works. Under `cargo test --benches` it
//! runs one 50 ms round per server and load: a smoke test of the exact counts, not a measurement.
//!
//! # What is compared
//!
//! The baseline is what a user would otherwise run: `axum::serve` with the same routes
//! (`keepalive_probe::routes(2)`, the same 2-byte body). Nothing has to be kept in step by hand:
//! the ratio is the price of swapping a plain axum server for the counting one — the ledger record
//! at accept, the request log entry and moment per request, the close on drop, the two response
//! headers, and our own accept loop.
//!
//! # How it is measured
//!
//! Both servers run on one tokio runtime with a single worker thread; the load generator runs on a
//! current-thread runtime on the main thread. On a 2-core machine that gives each side a core, and
//! the client never steals the server's thread. The client speaks raw HTTP/1.1 over `TcpStream` — a
//! fixed `GET`, then reads up to the end of the body named by `Content-Length` — because it costs a
//! fraction of what reqwest costs per request: the server stays the bottleneck, so its overhead
//! shows in the ratio instead of being diluted by client work (the `server busy` column checks
//! this: near 100 % means the server thread always had work).
//!
//! The churn load sends `Connection: close`, reads the response, then waits for the server to
//! close before it drops its own socket. Whichever side closes first keeps the connection in
//! TIME_WAIT for 60 s. If the client closed first, each connection would hold one of its ~28 000
//! ephemeral ports (`net.ipv4.ip_local_port_range`) for that minute: at 20 000+ connections a second
//! the range is used up within seconds, and connects stall on SYN retransmits (1 s each), which
//! made per-round ratios swing from 0.04 to 16. With the server closing first, TIME_WAIT is
//! held by the server's side of the connection, which uses no client port, so ports are free for
//! reuse at once. Both servers get the same requests and close the same way, so the comparison
//! stays fair; it includes hyper's close after a `Connection: close` response, as a client without
//! a pool would cause.
//!
//! The servers take turns in short windows, each round in a different order, and each ratio is
//! taken within a round, so drift in machine load (other builds on the same cores) cancels; the
//! figure reported is the median of those per-round ratios. Server CPU time per request, read from
//! `/proc`, gives the same comparison by cost, which other processes barely disturb.
//!
//! At the end the counting server's report must account for every connection and request the
//! client made: the counts are exact under load, or the bench fails.

mod client;
mod tables;

use std::error::Error;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use keepalive_probe::{Report, Server};
use tokio::task::JoinSet;

use client::{churn_client, invalid, keep_alive_client};
use tables::print_tables;

/// Connections the keep-alive load holds open at once, each sending requests back to back.
const KEEP_ALIVE_CONNECTIONS: usize = 8;

/// Clients the churn load runs at once, each connecting, sending one request and waiting for the
/// server to close.
const CHURN_CLIENTS: usize = 8;

/// How long and how often to measure.
#[derive(Debug, Clone, Copy)]
struct Plan {
    name: &'static str,
    window: Duration,
    rounds: usize,
}

impl Plan {
    /// The full run: 12 rounds × 2 loads × 3 servers × 0.5 s = 36 s, plus a 3 s warm-up. Many
    /// short windows rather than a few long ones: a burst of load from elsewhere then spoils one
    /// or two rounds, which the median ignores.
    const FULL: Plan = Plan {
        name: "full run",
        window: Duration::from_millis(500),
        rounds: 12,
    };
    /// A smoke run: enough to see that everything works, not to trust the figures.
    const QUICK: Plan = Plan {
        name: "quick run: a check that it works, not figures to quote",
        window: Duration::from_millis(250),
        rounds: 6,
    };

    /// A single short round, when `cargo test --benches` (or `--all-targets`) runs this file as a
    /// test: it still checks that the counts are exact under load, in well under a second.
    const SMOKE: Plan = Plan {
        name: "smoke test under cargo test (debug build): not a measurement",
        window: Duration::from_millis(50),
        rounds: 1,
    };

    fn from_env() -> Plan {
        let args: Vec<String> = std::env::args().collect();
        // `cargo bench` passes `--bench`; `cargo test` runs a harness-less bench without it.
        if !args.iter().any(|arg| arg == "--bench") {
            return Plan::SMOKE;
        }
        let quick = args.iter().any(|arg| arg == "--quick")
            || std::env::var_os("OVERHEAD_QUICK").is_some_and(|value| value != "0");
        if quick { Plan::QUICK } else { Plan::FULL }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Load {
    /// Many requests per connection, several connections at once: the per-request cost.
    KeepAlive,
    /// One request per connection: the per-connection cost (accept, ledger record, close).
    Churn,
}

impl Load {
    fn name(self) -> &'static str {
        match self {
            Load::KeepAlive => "keep-alive",
            Load::Churn => "churn",
        }
    }
}

/// The servers compared, in the order of a round's samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `axum::serve` with the same routes.
    Axum = 0,
    /// `keepalive_probe::Server`.
    Counting = 1,
}

impl Target {
    const ALL: [Target; 2] = [Target::Axum, Target::Counting];

    /// The order of round `round`: both orders in turn, so neither server always runs first, in a
    /// warmer or a quieter moment.
    fn order(round: usize) -> [Target; 2] {
        let [a, b] = Target::ALL;
        [[a, b], [b, a]][round % 2]
    }
}

/// One sample per target, indexed by `Target as usize`.
type Round = [Sample; 2];

/// What one window of load achieved.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    requests: u64,
    connections: u64,
    elapsed: Duration,
    /// Time the server thread was running or waiting for a core, over `elapsed`.
    server_busy: f64,
    /// Time the server thread spent on a core.
    server_cpu: Duration,
}

impl Sample {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// Server CPU time per request, in microseconds.
    ///
    /// Unlike requests per second, this barely moves when other processes take the cores: it is
    /// the cost of a request, not how often the server got to run.
    fn cpu_micros_per_request(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.requests as f64
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let plan = Plan::from_env();
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    let counting = server_runtime.block_on(Server::start())?;
    let axum = server_runtime.block_on(start_axum())?;
    let server_thread = ServerThread::of(&server_runtime)?;
    let addr = |target| match target {
        Target::Axum => axum,
        Target::Counting => counting.addr(),
    };

    println!(
        "overhead, {}: {} rounds of {:?} per server and load; \
         server: 1 worker thread, client: 1 thread",
        plan.name, plan.rounds, plan.window
    );
    let mut sent_to_counting = Sample::default();
    let mut measure = |load, target| -> io::Result<Sample> {
        let sample =
            client_runtime.block_on(run_load(load, addr(target), plan.window, &server_thread))?;
        if target == Target::Counting {
            sent_to_counting.requests += sample.requests;
            sent_to_counting.connections += sample.connections;
        }
        Ok(sample)
    };

    // Warm-up: fault in the code paths, grow buffers and the ledger's vector once.
    for load in [Load::KeepAlive, Load::Churn] {
        for target in Target::ALL {
            measure(load, target)?;
        }
    }

    let mut results = Vec::new();
    for load in [Load::KeepAlive, Load::Churn] {
        let mut rounds = Vec::with_capacity(plan.rounds);
        for round in 0..plan.rounds {
            let mut samples = Round::default();
            for target in Target::order(round) {
                samples[target as usize] = measure(load, target)?;
            }
            rounds.push(samples);
        }
        results.push((load, rounds));
    }

    print_tables(&results);

    let report = counting.report();
    check_exact_counts(&report, &sent_to_counting)?;
    println!(
        "counting server report matches the client: {} connections, {} requests",
        report.accepted, report.requests
    );
    Ok(())
}

/// Runs `load` against `addr` for `window` and counts the requests answered within it.
async fn run_load(
    load: Load,
    addr: SocketAddr,
    window: Duration,
    server_thread: &ServerThread,
) -> io::Result<Sample> {
    let clients = match load {
        Load::KeepAlive => KEEP_ALIVE_CONNECTIONS,
        Load::Churn => CHURN_CLIENTS,
    };
    let server_before = server_thread.scheduled()?;
    let start = Instant::now();
    let deadline = start + window;
    let mut workers = JoinSet::new();
    for _ in 0..clients {
        workers.spawn(match load {
            Load::KeepAlive => Box::pin(keep_alive_client(addr, deadline)) as WorkerFuture,
            Load::Churn => Box::pin(churn_client(addr, deadline)),
        });
    }
    let mut sample = Sample::default();
    while let Some(done) = workers.join_next().await {
        let (requests, connections) = done.map_err(io::Error::other)??;
        sample.requests += requests;
        sample.connections += connections;
    }
    sample.elapsed = start.elapsed();
    let server_after = server_thread.scheduled()?;
    sample.server_cpu = server_after.on_core - server_before.on_core;
    sample.server_busy = (server_after.runnable() - server_before.runnable()).as_secs_f64()
        / sample.elapsed.as_secs_f64();
    Ok(sample)
}

type WorkerFuture = std::pin::Pin<Box<dyn Future<Output = io::Result<(u64, u64)>> + Send>>;

/// The server runtime's worker thread, to read how much it was scheduled.
#[derive(Debug)]
struct ServerThread {
    schedstat: std::path::PathBuf,
}

impl ServerThread {
    /// Asks a task on the runtime's only worker which thread it runs on.
    fn of(runtime: &tokio::runtime::Runtime) -> io::Result<ServerThread> {
        let task = runtime.block_on(runtime.spawn(async {
            // `/proc/thread-self` links to `PID/task/TID` of the thread that reads it.
            std::fs::read_link("/proc/thread-self")
        }));
        let task = task.map_err(io::Error::other)?.map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("this bench reads Linux's /proc/thread-self: {error}"),
            )
        })?;
        Ok(ServerThread {
            schedstat: std::path::Path::new("/proc").join(task).join("schedstat"),
        })
    }

    /// How long the thread has been on a core, and waiting for one, since it started.
    fn scheduled(&self) -> io::Result<Scheduled> {
        let stat = std::fs::read_to_string(&self.schedstat)?;
        let mut fields = stat.split_whitespace().map(str::parse::<u64>);
        let mut next = || -> io::Result<Duration> {
            fields
                .next()
                .and_then(Result::ok)
                .map(Duration::from_nanos)
                .ok_or_else(|| invalid("unreadable schedstat"))
        };
        Ok(Scheduled {
            on_core: next()?,
            waiting: next()?,
        })
    }
}

/// A thread's `/proc/…/schedstat`: cumulative times, in nanoseconds in the file.
#[derive(Debug, Clone, Copy)]
struct Scheduled {
    on_core: Duration,
    waiting: Duration,
}

impl Scheduled {
    /// A server that is the bottleneck is always runnable, so over a window this is close to the
    /// window's length even when other processes take the core from it.
    fn runnable(&self) -> Duration {
        self.on_core + self.waiting
    }
}

/// Fails unless the counting server saw exactly the connections and requests the client made.
fn check_exact_counts(report: &Report, sent: &Sample) -> Result<(), Box<dyn Error>> {
    if report.accepted as u64 == sent.connections && report.requests as u64 == sent.requests {
        return Ok(());
    }
    Err(format!(
        "counts are not exact under load: the client made {} connections and {} requests, \
         the report says {} and {}",
        sent.connections, sent.requests, report.accepted, report.requests
    )
    .into())
}

/// The baseline: `src/server.rs`'s serving code without the ledger, with or without the headers.
///
/// Keep it in step with `server.rs` (bind, accept loop, HTTP builder settings, service shape,
/// routes), or the ratio stops measuring the counting alone.
/// `axum::serve` on `127.0.0.1:0` with the counting server's built-in routes; its address.
async fn start_axum() -> io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, keepalive_probe::routes(2)).await });
    Ok(addr)
}
