//! What `serve` and `run` share: the server's options, and the event log that names each
//! connection's peer on every line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use keepalive_probe::{Fault, MAX_BODY_BYTES, Server, StartError, TlsSettings};

pub use crate::event_log::{EventLog, LogTo};

/// How the counting server answers; the defaults are the library's.
#[derive(Debug, clap::Args)]
pub struct ServeOptions {
    /// Address to listen on: an IP address and a port (0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Size of the body `GET /` answers with, in bytes.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = parse_body_bytes)]
    body_bytes: usize,
    /// Close every connection after its response (no HTTP/1.1 keep-alive).
    #[arg(long)]
    no_keep_alive: bool,
    /// Answer every request with `Connection: close`, as an application would.
    #[arg(long)]
    close: bool,
    /// Print the final report as one line of JSON.
    #[arg(long)]
    pub json: bool,
    /// No log line per event; the report still prints (and `serve`'s URL).
    #[arg(long)]
    quiet: bool,
    /// Serve HTTPS (a certificate for localhost and 127.0.0.1, made at start); the URL becomes
    /// https://localhost:PORT/ and each connection's TLS handshake is counted.
    #[arg(long)]
    tls: bool,
    /// With --tls, offer h2 before http/1.1 in ALPN, as real servers do.
    #[arg(long, requires = "tls")]
    alpn_h2: bool,
    /// With --tls, keep no sessions: every handshake is full.
    #[arg(long, requires = "tls")]
    no_session_cache: bool,
    /// With --tls, write the CA certificate (PEM) to FILE.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub ca_file: Option<PathBuf>,
    /// Keep the details of at most N connections; older closed ones fold into the totals, so
    /// a server left running for days holds bounded memory.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_connection_details: usize,
    /// A fault every connection applies, such as close-on-request=2:rst or
    /// idle-close=100ms:fin; repeat to combine (--help lists them).
    #[arg(long, value_name = "FAULT", long_help = fault_help())]
    fault: Vec<Fault>,
    /// Let an HTTP/2 client have at most K streams open at once on a connection
    /// (SETTINGS_MAX_CONCURRENT_STREAMS; hyper's default is 200).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    h2_max_streams: Option<u32>,
    /// Relay every connection to this server (HOST:PORT: wiremock, a container, any server)
    /// instead of answering it: each client connection gets an upstream connection of its own,
    /// bytes pass unchanged, and the relay's ledger is the report.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_upstream, conflicts_with_all = ["tls", "fault", "close", "no_keep_alive", "body_bytes", "h2_max_streams"])]
    to: Option<SocketAddr>,
}

/// `--to`'s HOST:PORT, resolved once, at start: its first address.
fn parse_upstream(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    let mut addrs = text
        .to_socket_addrs()
        .map_err(|error| format!("not a HOST:PORT that resolves: {error}"))?;
    addrs
        .next()
        .ok_or_else(|| format!("{text} resolves to no address"))
}

/// `--fault`'s long help: every spelling, from the library's list.
fn fault_help() -> String {
    format!(
        "A fault every connection applies; repeat the flag to combine them. Each is exact: tied to \
         the k-th request or response on a connection, or to an idle or age timer.\n\n{}",
        Fault::SPELLINGS
    )
}

impl ServeOptions {
    /// Starts the server these options describe, logging its events to `log_to` unless `--quiet`.
    pub async fn start(&self, log_to: LogTo) -> Result<(Server, EventLog), StartError> {
        let mut builder = Server::builder()
            .bind(self.addr)
            .body_bytes(self.body_bytes)
            .keep_alive(!self.no_keep_alive)
            .connection_close(self.close)
            .max_connection_details(self.max_connection_details);
        for fault in &self.fault {
            builder = builder.fault(*fault);
        }
        if let Some(k) = self.h2_max_streams {
            builder = builder.h2_max_streams(k);
        }
        if let Some(upstream) = self.to {
            builder = builder.relay_to(upstream);
        }
        if self.tls {
            builder = builder.tls(
                TlsSettings::new()
                    .alpn_h2(self.alpn_h2)
                    .session_cache(!self.no_session_cache),
            );
        }
        if self.quiet {
            return Ok((builder.start().await?, EventLog::quiet()));
        }
        let (log, queue) = EventLog::start(log_to);
        let server = builder
            .on_event(move |event| queue.push(event.to_string()))
            .start()
            .await?;
        Ok((server, log))
    }
}

/// `--body-bytes` is a count, bounded like `/bytes/{n}` so a typo cannot exhaust memory.
fn parse_body_bytes(text: &str) -> Result<usize, String> {
    let bytes: usize = text
        .parse()
        .map_err(|_| format!("not a number of bytes (0 to {MAX_BODY_BYTES})"))?;
    if bytes > MAX_BODY_BYTES {
        return Err(format!("at most {MAX_BODY_BYTES} bytes"));
    }
    Ok(bytes)
}

/// Runs `future` on the runtime `serve`, `run` and `clients` drive their servers on:
/// multi-threaded, so a server keeps answering while the main task waits on a signal or a child
/// process. A runtime that cannot start is said, and is exit status 2.
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> Result<T, ExitCode> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => Ok(runtime.block_on(future)),
        Err(error) => {
            errln!("error: cannot start the async runtime: {error}");
            Err(ExitCode::from(2))
        }
    }
}
