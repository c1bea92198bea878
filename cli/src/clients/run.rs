//! Running a client through its cases: a counting server set up for each, the client's driver
//! against them all in one process, each ledger's final count and the driver's own view.

use std::time::Duration;

use keepalive_probe::{Endings, Handshakes, Server, TlsSettings};
use tokio::process::Command;

use super::brief;
use super::cases::Case;
use super::catalog::{Client, Job, Mode, Unavailable};
use super::driver_output::{client_views, split_errors};
use crate::ca_file::CaFile;

/// How long a driver may take per case (five requests) before it counts as hung.
const DRIVER_LIMIT: Duration = Duration::from_secs(30);

/// How long connections may stay open after the driver exits (its process is gone, so the kernel
/// has closed its sockets; the server sees each close a moment later).
const CLOSE_LIMIT: Duration = Duration::from_secs(5);

/// What one run of a case saw.
#[derive(Debug)]
pub struct Observation {
    pub requests_per_connection: Vec<usize>,
    /// How the connections ended.
    pub ended: Endings,
    /// The TLS handshakes, by kind.
    pub tls: Handshakes,
    /// Requests the server never answered whole, and those the client sent again.
    pub unanswered: usize,
    pub resent: usize,
    /// Calls that failed, as the driver counted them.
    pub errors: usize,
    /// Why the run was not clean (the driver failed, or connections stayed open), if it was not.
    pub failed: Option<String>,
    /// The client's own view of its connections, where it has one: its driver's line for the
    /// case (`connections=N`, and `resumed=K` over HTTPS), without the errors; with a failed
    /// call, the first error follows (`; first error: …`).
    pub client_view: Option<String>,
    /// The forward proxy's ledger, in a case through one.
    pub proxy: Option<ProxySeen>,
    /// HTTP/2 streams the client opened (0 over HTTP/1), those the server refused, and those
    /// opened over its limit after the client had acknowledged it.
    pub streams: usize,
    pub refused: usize,
    pub over_limit_after_ack: usize,
    /// The most streams open at once on one connection.
    pub peak_streams: usize,
}

/// What a case's forward proxy counted.
#[derive(Debug)]
pub struct ProxySeen {
    pub requests_per_connection: Vec<usize>,
    pub ended: Endings,
    pub tunnels: usize,
}

impl Observation {
    /// The outcome in one word-like string, for tallies: the per-connection counts and how the
    /// connections ended, or the failure.
    pub fn summary(&self) -> String {
        let counts = format!(
            "{:?} {}{}{}{}",
            self.requests_per_connection,
            brief::endings(&self.ended),
            brief::handshakes(&self.tls),
            brief::mishaps(self.errors, self.resent),
            brief::unanswered(self.unanswered),
        );
        let counts = format!(
            "{counts}{}{}{}",
            brief::streams(self.streams),
            brief::refused(self.refused),
            brief::peak(self.peak_streams)
        );
        let counts = match &self.proxy {
            Some(proxy) => format!(
                "{counts}{}",
                brief::proxy(
                    &proxy.requests_per_connection,
                    &brief::endings(&proxy.ended),
                    proxy.tunnels
                )
            ),
            None => counts,
        };
        match &self.failed {
            None => counts,
            Some(reason) => format!("{counts} ({reason})"),
        }
    }
}

/// A case that did not run.
#[derive(Debug)]
pub enum CaseError {
    /// The client's toolchain is missing.
    Missing(String),
    /// The server or the driver could not be run.
    Failed(String),
}

/// Runs every case in `cases` against `client` once: most in one driver process (a process per
/// case cost most of the suite's time in interpreter and runtime starts), with the proxy
/// variables removed; each case through a proxy in a process of its own, as the variables are
/// the process's, pointing at a proxy of its own; curl's parallel case in a curl of its own, as
/// `-Z` is the invocation's. Observations in `cases`' order.
pub async fn cases(client: Client, cases: &[&Case]) -> Result<Vec<Observation>, CaseError> {
    let alone = |case: &Case| case.proxy || (client == Client::Curl && case.mode == Mode::Parallel);
    let (alone, direct): (Vec<usize>, Vec<usize>) =
        (0..cases.len()).partition(|&index| alone(cases[index]));
    let mut observations: Vec<Option<Observation>> = (0..cases.len()).map(|_| None).collect();
    if !direct.is_empty() {
        let batch: Vec<&Case> = direct.iter().map(|&index| cases[index]).collect();
        for (index, observation) in direct.iter().zip(self::batch(client, &batch, None).await?) {
            observations[*index] = Some(observation);
        }
    }
    for index in alone {
        if !cases[index].proxy {
            let seen = batch(client, &[cases[index]], None).await?.pop();
            observations[index] = seen;
            continue;
        }
        let proxy = Server::builder()
            .forward_proxy()
            .start()
            .await
            .map_err(|error| CaseError::Failed(error.to_string()))?;
        let mut seen = batch(client, &[cases[index]], Some(&proxy)).await?;
        let settled = proxy.report_within(CLOSE_LIMIT).await;
        let report = match &settled {
            Ok(report) => report.clone(),
            Err(still_open) => still_open.report.clone(),
        };
        let mut observation = seen
            .pop()
            .ok_or_else(|| CaseError::Failed("the proxy case was not observed".to_owned()))?;
        observation.failed = observation
            .failed
            .or_else(|| settled.err().map(|open| format!("proxy: {open}")));
        observation.proxy = Some(ProxySeen {
            requests_per_connection: report.requests_per_connection,
            ended: report.ended,
            tunnels: report.tunnels,
        });
        observations[index] = Some(observation);
    }
    observations
        .into_iter()
        .map(|observation| {
            observation.ok_or_else(|| CaseError::Failed("a case was not observed".to_owned()))
        })
        .collect()
}

/// Runs `cases` against `client` once, in one driver process: a counting server per case, all
/// started first, then the driver with one job per case (its proxy variables pointing at
/// `proxy`, or removed), then each server's final count.
async fn batch(
    client: Client,
    cases: &[&Case],
    proxy: Option<&Server>,
) -> Result<Vec<Observation>, CaseError> {
    let mut servers = Vec::with_capacity(cases.len());
    for case in cases {
        servers.push(server_for(case).await?);
    }
    let jobs: Vec<Job> = cases
        .iter()
        .zip(&servers)
        .map(|(case, server)| Job {
            url: if case.chunked {
                server.url_for("/chunked")
            } else {
                server.url()
            },
            count: case.calls(),
            mode: case.mode,
            session_cache: case.session_cache,
            ask_h2: case.ask_h2,
        })
        .collect();
    let ca = trusted_certificates(&servers)?;
    // Finding the toolchain runs programs (and, the first time, builds the Go driver): off the
    // runtime's threads, which serve every client's servers at once.
    let (jobs_for_command, ca_path) =
        (jobs.clone(), ca.as_ref().map(|file| file.path().to_owned()));
    let mut command =
        tokio::task::spawn_blocking(move || client.command(&jobs_for_command, ca_path.as_deref()))
            .await
            .map_err(|error| CaseError::Failed(format!("finding the driver failed: {error}")))?
            .map_err(|unavailable| match unavailable {
                Unavailable::Missing(reason) => CaseError::Missing(reason),
                Unavailable::Broken(reason) => CaseError::Failed(reason),
            })?;
    let proxy_url = proxy.map(|proxy| format!("http://{}", proxy.addr()));
    crate::proxy::point_at(&mut command, proxy_url.as_deref());
    let limit = DRIVER_LIMIT * u32::try_from(jobs.len()).unwrap_or(u32::MAX);
    let output = tokio::time::timeout(limit, Command::from(command).kill_on_drop(true).output())
        .await
        .map_err(|_| CaseError::Failed(format!("the driver ran longer than {limit:?}")))?
        .map_err(|error| CaseError::Failed(format!("the driver did not start: {error}")))?;
    let driver_failed = (!output.status.success()).then(|| {
        format!(
            "driver {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )
    });
    let views = client_views(client, &jobs, &String::from_utf8_lossy(&output.stdout));
    let mut observations = Vec::with_capacity(servers.len());
    for (server, line) in servers.iter().zip(views) {
        let (client_view, errors) = line.map_or((None, 0), |line| {
            let (view, errors) = split_errors(&line);
            (Some(view), errors)
        });
        let settled = server.report_within(CLOSE_LIMIT).await;
        let report = match &settled {
            Ok(report) => report.clone(),
            Err(still_open) => still_open.report.clone(),
        };
        let failed = driver_failed
            .clone()
            .or_else(|| settled.err().map(|still_open| still_open.to_string()));
        let http2: Vec<_> = server
            .connections()
            .into_iter()
            .filter_map(|connection| connection.http2)
            .collect();
        observations.push(Observation {
            requests_per_connection: report.requests_per_connection,
            ended: report.ended,
            tls: report.tls,
            unanswered: report.unanswered,
            resent: report.resent,
            errors,
            failed,
            client_view,
            proxy: None,
            streams: report.streams,
            refused: http2.iter().map(|seen| seen.refused).sum(),
            over_limit_after_ack: http2.iter().map(|seen| seen.over_limit.after_ack).sum(),
            peak_streams: http2
                .iter()
                .map(|seen| seen.peak_streams)
                .max()
                .unwrap_or(0),
        });
    }
    Ok(observations)
}

/// A counting server set up for `case`.
async fn server_for(case: &Case) -> Result<Server, CaseError> {
    let mut builder = Server::builder()
        .body_bytes(case.body_bytes)
        .keep_alive(case.server_keep_alive)
        .connection_close(case.response_connection_close);
    if case.transient_errors > 0 {
        builder = builder.router(transient_errors_then_ok(case));
    }
    if case.tls {
        builder = builder.tls(TlsSettings::default().alpn_h2(case.alpn_h2));
    }
    if let Some(limit) = case.h2_max_streams {
        builder = builder.h2_max_streams(limit);
    }
    if let Some(fault) = case.fault {
        builder = builder.fault(fault);
    }
    builder
        .start()
        .await
        .map_err(|error| CaseError::Failed(error.to_string()))
}

/// A PEM file with the CA certificate of every HTTPS server (certificates only, never a key), or
/// `None` when no server speaks HTTPS. Removed when dropped.
fn trusted_certificates(servers: &[Server]) -> Result<Option<CaFile>, CaseError> {
    let https: Vec<&Server> = servers
        .iter()
        .filter(|server| server.ca_certificate().is_some())
        .collect();
    if https.is_empty() {
        return Ok(None);
    }
    CaFile::write_bundle(&https, None)
        .map(Some)
        .map_err(|error| CaseError::Failed(format!("cannot write the CA file: {error}")))
}

/// `GET /`: 503 with the case's body for the first `transient_errors` requests, then 200 with it
/// — a server having a bad moment, for clients that retry.
fn transient_errors_then_ok(case: &Case) -> axum::Router {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    let answered = Arc::new(AtomicUsize::new(0));
    let (errors, body) = (case.transient_errors, vec![b'x'; case.body_bytes]);
    axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let status = if answered.fetch_add(1, Ordering::SeqCst) < errors {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            };
            let body = body.clone();
            async move { (status, body).into_response() }
        }),
    )
}
