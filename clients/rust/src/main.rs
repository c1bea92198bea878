//! Rust HTTP clients as their users write them, for `keepalive-probe clients`: reqwest (async and
//! blocking), ureq 3, hyper-util's legacy `Client`, and reqwest behind reqwest-middleware with
//! reqwest-retry's `RetryTransientMiddleware`.
//!
//! Usage: keepalive-probe-rust-clients CLIENT URL COUNT MODE
//!   CLIENT: reqwest, reqwest-blocking, ureq, hyper-util or reqwest-retry
//!   MODE:   read (the body to its end), unread (dropped unread) or close (read, and send
//!           `Connection: close`)
//!
//! Each makes COUNT sequential requests and prints `done`. The async clients run on a
//! current-thread runtime, so the only races left are between this process and the server.

use std::process::ExitCode;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use reqwest_middleware::ClientBuilder;
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Unread,
    Close,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [client, url, count, mode] = args.as_slice() else {
        eprintln!("usage: keepalive-probe-rust-clients CLIENT URL COUNT MODE");
        return ExitCode::from(2);
    };
    let (Ok(count), Some(mode)) = (count.parse::<usize>(), parse_mode(mode)) else {
        eprintln!("COUNT is a number and MODE one of read, unread, close");
        return ExitCode::from(2);
    };
    let ran = match client.as_str() {
        "reqwest" => runtime().and_then(|rt| rt.block_on(reqwest_async(url, count, mode))),
        "reqwest-blocking" => reqwest_blocking(url, count, mode),
        "ureq" => ureq_agent(url, count, mode),
        "hyper-util" => runtime().and_then(|rt| rt.block_on(hyper_util_client(url, count, mode))),
        "reqwest-retry" => runtime().and_then(|rt| rt.block_on(reqwest_retry(url, count, mode))),
        other => {
            eprintln!("unknown client {other:?}");
            return ExitCode::from(2);
        }
    };
    match ran {
        Ok(()) => {
            println!("done");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{client}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse_mode(text: &str) -> Option<Mode> {
    match text {
        "read" => Some(Mode::Read),
        "unread" => Some(Mode::Unread),
        "close" => Some(Mode::Close),
        _ => None,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// `reqwest::Client`, one for the whole run.
async fn reqwest_async(url: &str, count: usize, mode: Mode) -> Result<(), Failure> {
    let client = reqwest::Client::builder().no_proxy().build()?;
    for _ in 0..count {
        let mut request = client.get(url);
        if mode == Mode::Close {
            request = request.header("connection", "close");
        }
        let response = request.send().await?;
        if mode != Mode::Unread {
            response.bytes().await?;
        }
    }
    Ok(())
}

/// `reqwest::blocking::Client`.
fn reqwest_blocking(url: &str, count: usize, mode: Mode) -> Result<(), Failure> {
    let client = reqwest::blocking::Client::builder().no_proxy().build()?;
    for _ in 0..count {
        let mut request = client.get(url);
        if mode == Mode::Close {
            request = request.header("connection", "close");
        }
        let response = request.send()?;
        if mode != Mode::Unread {
            response.bytes()?;
        }
    }
    Ok(())
}

/// ureq 3's `Agent`, which pools connections.
fn ureq_agent(url: &str, count: usize, mode: Mode) -> Result<(), Failure> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for _ in 0..count {
        let mut request = agent.get(url);
        if mode == Mode::Close {
            request = request.header("connection", "close");
        }
        let mut response = request.call()?;
        if mode != Mode::Unread {
            response.body_mut().read_to_vec()?;
        }
    }
    Ok(())
}

/// hyper-util's legacy `Client` over its `HttpConnector`, as SDKs built on it use it.
async fn hyper_util_client(url: &str, count: usize, mode: Mode) -> Result<(), Failure> {
    let client: HyperClient<HttpConnector, Empty<Bytes>> =
        HyperClient::builder(TokioExecutor::new()).build_http();
    let uri: hyper::Uri = url.parse()?;
    for _ in 0..count {
        let mut request = hyper::Request::get(uri.clone());
        if mode == Mode::Close {
            request = request.header("connection", "close");
        }
        let response = client.request(request.body(Empty::new())?).await?;
        if mode != Mode::Unread {
            response.into_body().collect().await?;
        }
    }
    Ok(())
}

/// reqwest behind reqwest-middleware with `RetryTransientMiddleware`, which retries 5xx answers.
/// The backoff is 1 ms so a run takes no time; the retry decisions are the crate's own.
async fn reqwest_retry(url: &str, count: usize, mode: Mode) -> Result<(), Failure> {
    let policy = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(1))
        .build_with_max_retries(5);
    let client = ClientBuilder::new(reqwest::Client::builder().no_proxy().build()?)
        .with(RetryTransientMiddleware::new_with_policy(policy))
        .build();
    for _ in 0..count {
        let mut request = client.get(url);
        if mode == Mode::Close {
            request = request.header("connection", "close");
        }
        let response = request.send().await?;
        if mode != Mode::Unread {
            response.bytes().await?;
        }
    }
    Ok(())
}
