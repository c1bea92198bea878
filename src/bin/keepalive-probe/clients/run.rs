//! Running one case: a counting server set up for it, the client's driver against it, the ledger's
//! final count.

use std::time::Duration;

use keepalive_probe::{Endings, Server};
use tokio::process::Command;

use super::cases::Case;
use super::catalog::{Client, Unavailable};

/// How long a driver may take for its five requests before it counts as hung.
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
    /// Why the run was not clean (the driver failed, or connections stayed open), if it was not.
    pub failed: Option<String>,
    /// The client's own view of reuse, where it has one: its driver's last line.
    pub client_view: Option<String>,
}

impl Observation {
    /// The outcome in one word-like string, for tallies: the per-connection counts and how the
    /// connections ended, or the failure.
    pub fn summary(&self) -> String {
        let counts = format!(
            "{:?} {}",
            self.requests_per_connection,
            endings(&self.ended)
        );
        match &self.failed {
            None => counts,
            Some(reason) => format!("{counts} ({reason})"),
        }
    }
}

/// Endings in brief: `5 RST`, `1 FIN`, `4 server`, joined with `+`.
pub fn endings(ended: &Endings) -> String {
    let parts: Vec<String> = [
        (ended.client_closed, "FIN"),
        (ended.client_reset, "RST"),
        (ended.server_closed, "server"),
        (ended.open, "open"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    parts.join(" + ")
}

/// A case that did not run.
#[derive(Debug)]
pub enum CaseError {
    /// The client's toolchain is missing.
    Missing(String),
    /// The server or the driver could not be run.
    Failed(String),
}

/// Runs `case` against `client` once.
pub async fn case(client: Client, case: &Case) -> Result<Observation, CaseError> {
    let mut builder = Server::builder()
        .body_bytes(case.body_bytes)
        .keep_alive(case.server_keep_alive)
        .connection_close(case.response_connection_close);
    if case.transient_errors > 0 {
        builder = builder.router(transient_errors_then_ok(case));
    }
    let server = builder
        .start()
        .await
        .map_err(|error| CaseError::Failed(error.to_string()))?;
    let url = if case.chunked {
        server.url_for("/chunked")
    } else {
        server.url()
    };
    let command = client
        .command(&url, case.calls(), case.mode)
        .map_err(|unavailable| match unavailable {
            Unavailable::Missing(reason) => CaseError::Missing(reason),
            Unavailable::Broken(reason) => CaseError::Failed(reason),
        })?;
    let output = tokio::time::timeout(
        DRIVER_LIMIT,
        Command::from(command).kill_on_drop(true).output(),
    )
    .await
    .map_err(|_| CaseError::Failed(format!("the driver ran longer than {DRIVER_LIMIT:?}")))?
    .map_err(|error| CaseError::Failed(format!("the driver did not start: {error}")))?;
    let settled = server.report_within(CLOSE_LIMIT).await;
    let report = match &settled {
        Ok(report) => report.clone(),
        Err(still_open) => still_open.report.clone(),
    };
    let failed = if !output.status.success() {
        Some(format!(
            "driver {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    } else {
        settled.err().map(|still_open| still_open.to_string())
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(Observation {
        requests_per_connection: report.requests_per_connection,
        ended: report.ended,
        failed,
        client_view: stdout.lines().last().map(str::to_owned),
    })
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
