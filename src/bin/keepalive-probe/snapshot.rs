//! The final report of `serve` and `run`: one snapshot of the ledger, printed as text or JSON.

use std::io::{self, Write};
use std::path::Path;

use keepalive_probe::{AcceptedConnection, Endings, Report, Server};
use serde::Serialize;

/// The connections and their summary, from one read of the ledger (`Server::snapshot`), so the
/// two agree even when a capped ledger has folded old connections into the totals.
#[derive(Debug)]
pub struct Snapshot(keepalive_probe::Snapshot);

/// The JSON form: exactly these fields, so scripts can rely on them.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    accepted: usize,
    used: usize,
    requests: usize,
    ended: Endings,
    connections: &'a [AcceptedConnection],
}

impl Snapshot {
    /// The ledger of `server` as it is now.
    pub fn of(server: &Server) -> Self {
        Snapshot(server.snapshot())
    }

    /// TCP connections accepted.
    pub fn accepted(&self) -> usize {
        self.0.report.accepted
    }

    /// Connections not yet seen closed.
    pub fn open(&self) -> usize {
        self.0.report.ended.open
    }

    /// Writes the snapshot as an SVG timeline to `path`.
    pub fn write_timeline(&self, title: &str, path: &Path) -> io::Result<()> {
        std::fs::write(path, keepalive_probe::timeline::svg(title, &self.0))
    }

    /// Prints the report to stdout: one line of JSON, or a summary line and one line per
    /// connection.
    pub fn print(&self, json: bool) -> io::Result<()> {
        let mut out = io::stdout().lock();
        if json {
            serde_json::to_writer(&mut out, &self.json())?;
            writeln!(out)?;
        } else {
            self.write_text(&mut out)?;
        }
        out.flush()
    }

    fn json(&self) -> JsonReport<'_> {
        JsonReport {
            accepted: self.0.report.accepted,
            used: self.0.report.used,
            requests: self.0.report.requests,
            ended: self.0.report.ended,
            connections: &self.0.connections,
        }
    }

    fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        let Report {
            accepted,
            used,
            requests,
            ended,
            ..
        } = &self.0.report;
        writeln!(
            out,
            "report: {accepted} connection(s) accepted, {used} used, {requests} request(s); \
             {} closed by the client, {} reset by the client, {} closed by the server, {} open",
            ended.client_closed, ended.client_reset, ended.server_closed, ended.open
        )?;
        for connection in &self.0.connections {
            let plural = if connection.requests == 1 { "" } else { "s" };
            writeln!(
                out,
                "  connection {} from {}: {} after {} request{plural}",
                connection.id, connection.peer, connection.ended, connection.requests
            )?;
        }
        Ok(())
    }
}
