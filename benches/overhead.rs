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

use std::error::Error;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use keepalive_probe::{Report, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// The request every load sends: the shortest valid HTTP/1.1 request for the default body.
const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

/// The churn load's request: the same, asking the server to close the connection once it answers.
const CLOSE_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";

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

/// One connection, requests back to back until the deadline. Returns (requests, connections).
async fn keep_alive_client(addr: SocketAddr, deadline: Instant) -> io::Result<(u64, u64)> {
    let mut stream = connect(addr).await?;
    let mut buffer = ResponseBuffer::default();
    let mut requests = 0;
    while Instant::now() < deadline {
        stream.write_all(REQUEST).await?;
        buffer.read_response(&mut stream).await?;
        requests += 1;
    }
    Ok((requests, 1))
}

/// A new connection per request until the deadline. The request says `Connection: close`, so the
/// server closes once it has answered; the client reads to that end of stream and only then drops
/// its socket. The side that closes first keeps the TIME_WAIT, so it lands on the server (see the
/// module docs for why the client must not be the one).
async fn churn_client(addr: SocketAddr, deadline: Instant) -> io::Result<(u64, u64)> {
    let mut buffer = ResponseBuffer::default();
    let mut requests = 0;
    while Instant::now() < deadline {
        let mut stream = connect(addr).await?;
        stream.write_all(CLOSE_REQUEST).await?;
        buffer.read_response(&mut stream).await?;
        buffer.read_server_close(&mut stream).await?;
        requests += 1;
    }
    Ok((requests, requests))
}

async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Reads one response at a time from a connection that carries one request at a time.
#[derive(Debug)]
struct ResponseBuffer {
    bytes: Box<[u8; 4096]>,
}

impl Default for ResponseBuffer {
    fn default() -> Self {
        ResponseBuffer {
            bytes: Box::new([0; 4096]),
        }
    }
}

impl ResponseBuffer {
    /// Reads until the end of a `200` response's body, and checks it is the default body.
    ///
    /// The two servers' heads differ in length (the counting headers), so the end is found from the
    /// head's `Content-Length`, not from a fixed size.
    async fn read_response(&mut self, stream: &mut TcpStream) -> io::Result<()> {
        let mut filled = 0;
        loop {
            let read = stream.read(&mut self.bytes[filled..]).await?;
            if read == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "server closed mid-response",
                ));
            }
            filled += read;
            if let Some(end) = response_end(&self.bytes[..filled])? {
                if end != filled {
                    return Err(invalid(
                        "bytes after the response: the server sent too much",
                    ));
                }
                if !self.bytes[..filled].ends_with(b"ok") {
                    return Err(invalid("unexpected body"));
                }
                return Ok(());
            }
            if filled == self.bytes.len() {
                return Err(invalid("response larger than 4 KiB"));
            }
        }
    }

    /// Waits for the server to close the connection after its response, with nothing more sent.
    async fn read_server_close(&mut self, stream: &mut TcpStream) -> io::Result<()> {
        match stream.read(&mut self.bytes[..]).await? {
            0 => Ok(()),
            _ => Err(invalid(
                "bytes after the response: the server sent too much",
            )),
        }
    }
}

/// Where the response in `bytes` ends, once its head and whole body have arrived.
fn response_end(bytes: &[u8]) -> io::Result<Option<usize>> {
    let Some(head_end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&bytes[..head_end]).map_err(|_| invalid("non-UTF-8 head"))?;
    if !head.starts_with("HTTP/1.1 200 ") {
        return Err(invalid("status is not 200"));
    }
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .ok_or_else(|| invalid("no Content-Length"))?;
    let end = head_end + 4 + length;
    Ok((bytes.len() >= end).then_some(end))
}

fn invalid(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

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

fn print_tables(results: &[(Load, Vec<Round>)]) {
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
