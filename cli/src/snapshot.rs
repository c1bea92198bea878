//! The final report of `serve` and `run`: one snapshot of the ledger, printed as text or JSON.

use std::io::{self, Write};
use std::path::Path;

use keepalive_probe::{
    AcceptedConnection, Endings, Handshakes, Http2Seen, ReceivedRequest, Report, Server, Side,
};
use serde::Serialize;

/// The connections and their summary, from one read of the ledger (`Server::snapshot`), so the
/// two agree even when a capped ledger has folded old connections into the totals.
#[derive(Debug)]
pub struct Snapshot {
    ledger: keepalive_probe::Snapshot,
    /// Whether the server spoke TLS, or a relay saw it pass: its report then counts handshakes.
    https: bool,
    /// The forward proxy's ledger, with `run --proxy`.
    proxy: Option<Box<Snapshot>>,
}

/// What the proxy's summary line starts with.
const PROXY_LABEL: &str = "proxy";

/// The JSON form: exactly these fields, so scripts can rely on them.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    accepted: usize,
    used: usize,
    requests: usize,
    ended: Endings,
    /// On an HTTPS server only: handshakes by kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<Handshakes>,
    /// Requests whose response was not written whole.
    unanswered: usize,
    /// Requests that repeated an earlier one that got no response.
    resent: usize,
    /// `CONNECT` tunnels opened (a forward proxy's; 0 elsewhere).
    tunnels: usize,
    /// HTTP/2 streams the clients opened (0 over HTTP/1).
    streams: usize,
    connections: &'a [AcceptedConnection],
    /// Every request in the order received, each with `answered` and `request_id`.
    request_log: &'a [ReceivedRequest],
    /// With `run --proxy`: the forward proxy's report, in the same shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy: Option<Box<JsonReport<'a>>>,
}

impl Snapshot {
    /// The ledger of `server` as it is now.
    pub fn of(server: &Server) -> Self {
        let ledger = server.snapshot();
        // A relay serves no TLS of its own, but counts the handshakes that pass through it.
        let https = server.ca_certificate().is_some() || ledger.report.tls != Handshakes::default();
        Snapshot {
            ledger,
            https,
            proxy: None,
        }
    }

    /// The same snapshot, with the forward proxy's beside it.
    pub fn with_proxy(self, proxy: Snapshot) -> Self {
        Snapshot {
            proxy: Some(Box::new(proxy)),
            ..self
        }
    }

    /// TCP connections accepted.
    pub fn accepted(&self) -> usize {
        self.ledger.report.accepted
    }

    /// Connections not yet seen closed, the proxy's included.
    pub fn open(&self) -> usize {
        self.ledger.report.ended.open + self.proxy.as_ref().map_or(0, |proxy| proxy.open())
    }

    /// Writes the snapshot as an SVG timeline to `path`.
    pub fn write_timeline(&self, title: &str, path: &Path) -> io::Result<()> {
        std::fs::write(path, keepalive_probe::timeline::svg(title, &self.ledger))
    }

    /// Prints the report to stdout: one line of JSON, or a summary line and one line per
    /// connection.
    pub fn print(&self, json: bool) -> io::Result<()> {
        let mut out = io::stdout().lock();
        if json {
            serde_json::to_writer(&mut out, &self.json())?;
            writeln!(out)?;
        } else {
            self.write_text(&mut out, "report")?;
        }
        out.flush()
    }

    fn json(&self) -> JsonReport<'_> {
        JsonReport {
            accepted: self.ledger.report.accepted,
            used: self.ledger.report.used,
            requests: self.ledger.report.requests,
            ended: self.ledger.report.ended,
            tls: self.https.then_some(self.ledger.report.tls),
            unanswered: self.ledger.report.unanswered,
            resent: self.ledger.report.resent,
            tunnels: self.ledger.report.tunnels,
            streams: self.ledger.report.streams,
            connections: &self.ledger.connections,
            request_log: &self.ledger.requests,
            proxy: self.proxy.as_ref().map(|proxy| Box::new(proxy.json())),
        }
    }

    /// The summary line after `label`, then a line per connection; then the proxy's, if any.
    fn write_text(&self, out: &mut impl Write, label: &str) -> io::Result<()> {
        let Report {
            accepted,
            used,
            requests,
            ended,
            unanswered,
            resent,
            tunnels,
            streams,
            ..
        } = &self.ledger.report;
        let tunnels = if label == PROXY_LABEL {
            format!(", {tunnels} tunnel(s)")
        } else {
            String::new()
        };
        let streams = match streams {
            0 => String::new(),
            n => format!(", {n} HTTP/2 stream(s)"),
        };
        writeln!(
            out,
            "{label}: {accepted} connection(s) accepted, {used} used{tunnels}{streams}, {requests} request(s) \
             ({unanswered} unanswered, {resent} re-sent); {} closed by the client, {} reset by \
             the client, {} closed by the server, {} open",
            ended.client_closed, ended.client_reset, ended.server_closed, ended.open
        )?;
        if self.https {
            let tls = &self.ledger.report.tls;
            writeln!(
                out,
                "tls: {} full handshake(s), {} resumed, {} failed",
                tls.full, tls.resumed, tls.failed
            )?;
        }
        for connection in &self.ledger.connections {
            let plural = if connection.requests == 1 { "" } else { "s" };
            let tls = connection.tls.as_ref().map_or_else(String::new, |tls| {
                let agreed: String = [tls.version.as_deref(), tls.alpn.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(|word| format!(" {word}"))
                    .collect();
                let why = tls
                    .failure
                    .as_deref()
                    .map_or_else(String::new, |why| format!(": {why}"));
                let kind = tls.handshake;
                format!("; {kind} TLS handshake{agreed}{why}")
            });
            let fault = connection
                .fault
                .map_or_else(String::new, |fault| format!(" by the fault {fault}"));
            let http2 = connection
                .http2
                .as_ref()
                .map_or_else(String::new, http2_in_words);
            let tunnels: String = connection
                .tunnels
                .iter()
                .map(|tunnel| match &tunnel.user {
                    Some(user) => format!("; tunnel to {} as {user}", tunnel.target),
                    None => format!("; tunnel to {}", tunnel.target),
                })
                .collect();
            writeln!(
                out,
                "  connection {} from {}: {}{fault} after {} request{plural}{tls}{http2}{tunnels}",
                connection.id, connection.peer, connection.ended, connection.requests
            )?;
        }
        if let Some(proxy) = &self.proxy {
            proxy.write_text(out, PROXY_LABEL)?;
        }
        Ok(())
    }
}

/// `; HTTP/2: 18 streams (at most 10 at once), 8 refused, GOAWAY by the server (last stream 5,
/// NO_ERROR)`: what a connection's frames told.
fn http2_in_words(seen: &Http2Seen) -> String {
    let mut words = format!(
        "; HTTP/2: {} stream(s) (at most {} at once)",
        seen.streams, seen.peak_streams
    );
    if seen.refused > 0 {
        words.push_str(&format!(", {} refused", seen.refused));
    }
    if seen.reset_by_client > 0 {
        words.push_str(&format!(", {} reset by the client", seen.reset_by_client));
    }
    let over = seen.over_limit;
    if over.before_ack > 0 {
        words.push_str(&format!(
            ", {} over the limit before acknowledging it",
            over.before_ack
        ));
    }
    if over.after_ack > 0 {
        words.push_str(&format!(
            ", {} over the limit after acknowledging it",
            over.after_ack
        ));
    }
    if let Some(goaway) = &seen.goaway {
        let by = match goaway.by {
            Side::Server => "the server",
            _ => "the client",
        };
        words.push_str(&format!(
            ", GOAWAY by {by} (last stream {}, {})",
            goaway.last_stream, goaway.code
        ));
    }
    words
}
