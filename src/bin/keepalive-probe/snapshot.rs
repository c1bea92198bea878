//! The final report of `serve` and `run`: one snapshot of the ledger, printed as text or JSON.

use std::io::{self, Write};

use keepalive_probe::{Connection, Report, Server};
use serde::Serialize;

/// The connections and their summary, from one read of the ledger (`Server::snapshot`), so the
/// two agree even when a capped ledger has folded old connections into the totals.
#[derive(Debug)]
pub struct Snapshot {
    report: Report,
    connections: Vec<Connection>,
}

/// The JSON form: exactly these fields, so scripts can rely on them.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    accepted: usize,
    used: usize,
    requests: usize,
    connections: &'a [Connection],
}

impl Snapshot {
    /// The ledger of `server` as it is now.
    pub fn of(server: &Server) -> Self {
        let snapshot = server.snapshot();
        Snapshot {
            report: snapshot.report,
            connections: snapshot.connections,
        }
    }

    /// TCP connections accepted.
    pub fn accepted(&self) -> usize {
        self.report.accepted
    }

    /// Connections not yet seen closed.
    pub fn open(&self) -> usize {
        self.report.open
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
            accepted: self.report.accepted,
            used: self.report.used,
            requests: self.report.requests,
            connections: &self.connections,
        }
    }

    fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        let Report {
            accepted,
            used,
            requests,
            ..
        } = self.report;
        writeln!(
            out,
            "report: {accepted} connection(s) accepted, {used} used, {requests} request(s)"
        )?;
        for connection in &self.connections {
            let state = if connection.closed { "closed" } else { "open" };
            writeln!(
                out,
                "  connection {} from {}: {} request(s), {state}",
                connection.id, connection.peer, connection.requests
            )?;
        }
        Ok(())
    }
}
