//! README's table: cases as rows, clients as columns, each cell the expected connections and how
//! they end: FIN (closed by the client, everything read), RST (reset by the client, bytes
//! unread) or server (closed by the server); over HTTPS, then the handshakes (`1 full + 4
//! resumed`); under a fault, the calls that failed and the requests sent again (`2 errors`,
//! `4 re-sent`). `racy` marks a count with no exact answer, `racy, ≤ N` one the client's code
//! bounds.

use super::brief;
use super::cases::{CASES, Expect, describe_endings, describe_proxied, expect};
use super::catalog::Client;
use super::why::why;

pub fn table() -> String {
    let mut out = String::from("| case |");
    for client in Client::ALL {
        out.push_str(&format!(" {} |", client.name()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(Client::ALL.len()));
    out.push('\n');
    for case in &CASES {
        out.push_str(&format!("| {} |", case.name));
        for client in Client::ALL {
            let cell = match expect(client, case) {
                Expect::Exact(per_connection, ended, handshakes) => format!(
                    "{}{}",
                    describe_endings(ended, per_connection.len()),
                    brief::handshakes(&handshakes)
                ),
                Expect::Faulted(faulted) => format!(
                    "{}{}",
                    describe_endings(faulted.ended, faulted.per_connection.len()),
                    brief::mishaps(faulted.errors, faulted.resent)
                ),
                Expect::Proxied(proxied) => describe_proxied(&proxied),
                Expect::Negotiated(negotiated) => format!(
                    "{}{}{}",
                    describe_endings(negotiated.ended, negotiated.per_connection.len()),
                    brief::handshakes(&negotiated.handshakes),
                    brief::streams(negotiated.streams)
                ),
                Expect::Burst(burst) => match burst.exact {
                    Some((per_connection, streams)) => {
                        format!("{} conn.{}", per_connection.len(), brief::streams(streams))
                    }
                    None if burst.refused_fail => "racy, refused calls fail".to_owned(),
                    None => "racy, limit kept".to_owned(),
                },
                Expect::Race(at_most) => format!("racy, ≤ {at_most}"),
                Expect::NotApplicable => "n/a".to_owned(),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&reasons(why, false));
    out.push_str("\nUnder the faults (`server` cells there are the fault's closes):\n\n");
    out.push_str(&reasons(super::fault_cases::why, false));
    out.push_str("\nWith `h2` offered (`N streams`: the client took HTTP/2):\n\n");
    out.push_str(&reasons(super::h2_cases::why, true));
    out.push_str(
        "\nWith `h2` offered and two streams a connection allowed, requests at once (`N conn., N streams`: exact; `racy, limit kept`: every stream not refused served once, a refused one sent again, no stream over the limit once it is known; `racy, refused calls fail`: the same, but the client does not send a refused stream again, and its call fails):\n\n",
    );
    out.push_str(&reasons(super::h2_cases::why_burst, true));
    out.push_str("\nAsked for HTTP/2 over plain HTTP (prior knowledge, h2c):\n\n");
    out.push_str(&reasons(super::h2_cases::why_prior_knowledge, true));
    out.push_str(
        "\nWith the proxy variables set (`proxy unused`: the client went straight to the server):\n\n",
    );
    out.push_str(&reasons(super::proxy_cases::why, false));
    out.push_str(&format!(
        "\n{}: {}.\n",
        Client::ALL
            .iter()
            .filter(|client| client.h2_rows_only())
            .map(|client| format!("**{}**", client.name()))
            .collect::<Vec<_>>()
            .join(" and "),
        super::why::H2_ROWS_ONLY
    ));
    out
}

/// One line per client, `- **name**: why`, with the reason `why` gives; a client in the table
/// for its HTTP/2 rows only is left out of the other rows' reasons (`h2_rows` false).
fn reasons(why: fn(Client) -> &'static str, h2_rows: bool) -> String {
    Client::ALL
        .iter()
        .filter(|client| h2_rows || !client.h2_rows_only())
        .map(|&client| format!("- **{}**: {}\n", client.name(), why(client)))
        .collect()
}
