//! Which protocol each client picks when an HTTPS server offers `h2` in ALPN, as it is used by
//! default, and how many streams its five requests take, with the reason found in its source.

use keepalive_probe::{Ending, Handshakes};

use super::catalog::Client;
use super::expectation::{Ended, Expect, Negotiated, REQUESTS};

/// Whether `client`, as its users write it, takes `h2` when the server offers it.
fn takes_h2(client: Client) -> bool {
    matches!(
        client,
        Client::Go119
            | Client::Go127
            | Client::Curl
            | Client::Reqwest
            | Client::ReqwestBlocking
            | Client::ReqwestRetry
    )
}

/// The expectation for `client`: five requests read to the end, one connection (undici's two),
/// one stream per request over `h2`, none over HTTP/1.1.
pub fn expect(client: Client) -> Expect {
    let (per_connection, handshakes): (&'static [usize], _) = match client {
        // undici's pool alternates two connections, as in the HTTP/1.1 rows.
        Client::NodeFetch => (&[3, 2], Handshakes::new(1, 1, 0)),
        _ => (&[REQUESTS], Handshakes::new(1, 0, 0)),
    };
    Expect::Negotiated(Negotiated {
        per_connection,
        ended: Ended::All(Ending::ClientClosed),
        handshakes,
        streams: if takes_h2(client) { REQUESTS } else { 0 },
    })
}

/// One line per client on why, naming what decides.
pub fn why(client: Client) -> &'static str {
    match client {
        Client::Go119 | Client::Go127 => {
            "`Transport.onceSetNextProtoDefaults` configures h2 when `ForceAttemptHTTP2` is set, as on `DefaultTransport` and its `Clone`: ALPN offers h2, and the five requests are five streams"
        }
        Client::PythonRequests => {
            "urllib3 speaks HTTP/1.1 only: `ssl_wrap_socket` sets `ALPN_PROTOCOLS = [\"http/1.1\"]` (urllib3/util/ssl_.py)"
        }
        Client::PythonHttpx => {
            "`httpx.Client(http2=False)` by default: httpcore offers only `http/1.1` unless asked (and the `h2` package is installed)"
        }
        Client::NodeFetch => {
            "Node 20's undici offers h2 only with `allowH2` (false by default): HTTP/1.1, on its two alternating connections"
        }
        Client::NodeHttp => {
            "Node's `https` module speaks HTTP/1.1 only (`node:http2` is another API)"
        }
        Client::Curl => {
            "curl asks for h2 over TLS by default when built with nghttp2 (`--http2` is the default for HTTPS since 7.62)"
        }
        Client::Reqwest | Client::ReqwestBlocking | Client::ReqwestRetry => {
            "reqwest built with its `http2` feature offers `h2` then `http/1.1` in ALPN, and hyper-util's pool shares the h2 connection"
        }
        Client::Ureq => "ureq 3 speaks HTTP/1.1 only",
        Client::HyperUtil => {
            "the driver's `HttpsConnector` and legacy `Client` are built with HTTP/1 only (`enable_http1`), so ALPN offers `http/1.1`"
        }
    }
}
