//! Rust HTTP clients as their users write them, for `keepalive-probe clients`: reqwest (async and
//! blocking), ureq 3, hyper-util's legacy `Client`, and reqwest behind reqwest-middleware with
//! reqwest-retry's `RetryTransientMiddleware`.
//!
//! Usage: keepalive-probe-rust-clients CLIENT URL COUNT MODE [URL COUNT MODE]...
//!   CLIENT: reqwest, reqwest-blocking, ureq, hyper-util or reqwest-retry
//!   MODE:   read (the body to its end), unread (dropped unread), close (read, and send
//!           `Connection: close`), post (POST a 64-byte body, read), pause (read, then wait
//!           500 ms, longer than the server's idle close), parallel (every request at once, each
//!           read) or warm-parallel (the first alone, then the rest at once); `+h2` after it
//!           asks for HTTP/2 as users do: hyper-util's connector `enable_all_versions`
//!           (reqwest offers h2 over HTTPS already), and over plain HTTP prior knowledge
//!           (reqwest's `http2_prior_knowledge`, hyper-util's `http2_only`); ureq speaks
//!           HTTP/1.1 only
//!
//! Each URL COUNT MODE triple is a job: a client of its own making COUNT requests, one after
//! another unless the mode says at once (tasks on the async clients' runtime, threads for the
//! blocking ones), request n to `URL?request=n` (so the server tells a request sent again from
//! the next one),
//! then `done` on a line, followed by `errors=E error=` and the first error (its causes joined
//! with `: `) if requests failed; a failed request does not stop the job. Jobs run one after
//! another. The async clients run on a current-thread
//! runtime, so the only races left are between this process and the server. HTTPS URLs trust
//! only the PEM certificates in `$KEEPALIVE_PROBE_CA`, over rustls with ring (installed as this
//! process's default provider), each client with its own TLS configuration and so its own
//! session cache: rustls resumes by default (`Resumption::default`). Each client reads the proxy
//! variables (`HTTPS_PROXY` and the rest) as it does by default: `keepalive-probe clients` sets
//! them only in its proxy cases, and removes them in every other.

mod jobs;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use reqwest_middleware::ClientBuilder;
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use jobs::{Errors, Job, Mode, POST_BODY, parse_jobs};

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((client, triples)) = args.split_first() else {
        eprintln!("usage: keepalive-probe-rust-clients CLIENT URL COUNT MODE [URL COUNT MODE]...");
        return ExitCode::from(2);
    };
    let Some(jobs) = parse_jobs(triples) else {
        eprintln!(
            "jobs are URL COUNT MODE triples: COUNT a number, MODE read, unread, close, post, pause, parallel or warm-parallel"
        );
        return ExitCode::from(2);
    };
    // Our own process: the one place a process-wide provider may be installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certificates = match trusted_certificates() {
        Ok(certificates) => certificates,
        Err(error) => {
            eprintln!("$KEEPALIVE_PROBE_CA: {error}");
            return ExitCode::from(2);
        }
    };
    for job in &jobs {
        let ran = match client.as_str() {
            "reqwest" => runtime().and_then(|rt| rt.block_on(reqwest_async(job, &certificates))),
            "reqwest-blocking" => reqwest_blocking(job, &certificates),
            "ureq" => ureq_agent(job, &certificates),
            "hyper-util" => {
                runtime().and_then(|rt| rt.block_on(hyper_util_client(job, &certificates)))
            }
            "reqwest-retry" => {
                runtime().and_then(|rt| rt.block_on(reqwest_retry(job, &certificates)))
            }
            other => {
                eprintln!("unknown client {other:?}");
                return ExitCode::from(2);
            }
        };
        match ran {
            Ok(errors) => println!("done{}", errors.suffix()),
            Err(error) => {
                eprintln!("{client}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// The certificates in the PEM file `$KEEPALIVE_PROBE_CA` names; none when it is unset.
fn trusted_certificates() -> Result<Vec<CertificateDer<'static>>, Failure> {
    match std::env::var_os("KEEPALIVE_PROBE_CA") {
        None => Ok(Vec::new()),
        Some(path) => Ok(CertificateDer::pem_file_iter(path)?.collect::<Result<_, _>>()?),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn reqwest_certificates(
    certificates: &[CertificateDer<'static>],
) -> Result<Vec<reqwest::Certificate>, Failure> {
    Ok(certificates
        .iter()
        .map(|der| reqwest::Certificate::from_der(der))
        .collect::<Result<_, _>>()?)
}

/// One request on an async reqwest client or one wrapped in middleware (the two share the
/// builder's methods, not a trait), as a future of its own: a POST in `post` mode,
/// `Connection: close` in `close` mode, the body read unless `unread`.
macro_rules! async_request {
    ($client:expr, $mode:expr, $target:expr) => {{
        let (client, mode, target) = ($client.clone(), $mode, $target);
        async move {
            let mut request = match mode {
                Mode::Post => client.post(&target).body(POST_BODY),
                _ => client.get(&target),
            };
            if mode == Mode::Close {
                request = request.header("connection", "close");
            }
            let response = request.send().await?;
            if mode != Mode::Unread {
                response.bytes().await?;
            }
            Ok::<(), Failure>(())
        }
    }};
}

/// The async `reqwest::Client` a job's reqwest and reqwest-retry clients are built on: the proxy
/// variables read as reqwest reads them by default, trusting only the given certificates.
fn reqwest_client(
    job: &Job<'_>,
    certificates: &[CertificateDer<'static>],
) -> Result<reqwest::Client, Failure> {
    let builder = reqwest::Client::builder().tls_certs_only(reqwest_certificates(certificates)?);
    let builder = if job.prior_knowledge() {
        builder.http2_prior_knowledge()
    } else {
        builder
    };
    Ok(builder.build()?)
}

/// `reqwest::Client`, one per job.
async fn reqwest_async(
    job: &Job<'_>,
    certificates: &[CertificateDer<'static>],
) -> Result<Errors, Failure> {
    let client = reqwest_client(job, certificates)?;
    Ok(job
        .run_async(|target| async_request!(client, job.mode, target))
        .await)
}

/// `reqwest::blocking::Client`.
fn reqwest_blocking(
    job: &Job<'_>,
    certificates: &[CertificateDer<'static>],
) -> Result<Errors, Failure> {
    let builder =
        reqwest::blocking::Client::builder().tls_certs_only(reqwest_certificates(certificates)?);
    let builder = if job.prior_knowledge() {
        builder.http2_prior_knowledge()
    } else {
        builder
    };
    let client = builder.build()?;
    Ok(job.run_blocking(|target| {
        let mut request = match job.mode {
            Mode::Post => client.post(&target).body(POST_BODY),
            _ => client.get(&target),
        };
        if job.mode == Mode::Close {
            request = request.header("connection", "close");
        }
        let response = request.send()?;
        if job.mode != Mode::Unread {
            response.bytes()?;
        }
        Ok(())
    }))
}

/// ureq 3's `Agent`, which pools connections.
fn ureq_agent(job: &Job<'_>, certificates: &[CertificateDer<'static>]) -> Result<Errors, Failure> {
    let roots: Vec<ureq::tls::Certificate<'static>> = certificates
        .iter()
        .map(|der| ureq::tls::Certificate::from_der(der).to_owned())
        .collect();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(roots)))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls)
        .build()
        .into();
    Ok(job.run_blocking(|target| {
        let close = |request: ureq::RequestBuilder<_>| match job.mode {
            Mode::Close => request.header("connection", "close"),
            _ => request,
        };
        let mut response = match job.mode {
            Mode::Post => agent.post(&target).send(POST_BODY)?,
            _ => close(agent.get(&target)).call()?,
        };
        if job.mode != Mode::Unread {
            response.body_mut().read_to_vec()?;
        }
        Ok(())
    }))
}

/// hyper-util's legacy `Client`, as SDKs built on it use it: over hyper-rustls' `HttpsConnector`
/// (plain HTTP too), which wraps hyper-util's `HttpConnector`.
async fn hyper_util_client(
    job: &Job<'_>,
    certificates: &[CertificateDer<'static>],
) -> Result<Errors, Failure> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(certificates.iter().cloned());
    let tls = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http();
    let connector = if job.h2 {
        connector.enable_all_versions().build()
    } else {
        connector.enable_http1().build()
    };
    let client: HyperClient<_, Full<Bytes>> = HyperClient::builder(TokioExecutor::new())
        .http2_only(job.prior_knowledge())
        .build(connector);
    let mode = job.mode;
    Ok(job
        .run_async(|target| {
            let client = client.clone();
            async move {
                let uri: hyper::Uri = target.parse()?;
                let (method, body) = match mode {
                    Mode::Post => (hyper::Method::POST, Bytes::from_static(POST_BODY)),
                    _ => (hyper::Method::GET, Bytes::new()),
                };
                let mut request = hyper::Request::builder().method(method).uri(uri);
                if mode == Mode::Close {
                    request = request.header("connection", "close");
                }
                let response = client.request(request.body(Full::new(body))?).await?;
                if mode != Mode::Unread {
                    response.into_body().collect().await?;
                }
                Ok::<(), Failure>(())
            }
        })
        .await)
}

/// reqwest behind reqwest-middleware with `RetryTransientMiddleware`, which retries 5xx answers.
/// The backoff is 1 ms so a run takes no time; the retry decisions are the crate's own.
async fn reqwest_retry(
    job: &Job<'_>,
    certificates: &[CertificateDer<'static>],
) -> Result<Errors, Failure> {
    let policy = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(1))
        .build_with_max_retries(5);
    let client = ClientBuilder::new(reqwest_client(job, certificates)?)
        .with(RetryTransientMiddleware::new_with_policy(policy))
        .build();
    Ok(job
        .run_async(|target| async_request!(client, job.mode, target))
        .await)
}
