//! Which protocol each client picks when an HTTPS server offers `h2` in ALPN, as it is used by
//! default, and how many streams its five requests take; and what it does with five requests at
//! once when the server allows two streams a connection. Each with the reason found in its
//! source.

use keepalive_probe::{Ending, Handshakes};

use super::catalog::{Client, Mode};
use super::expectation::{Burst, Ended, Expect, Negotiated, REQUESTS};

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

/// The expectation for `client` sending five requests at once (`Mode::Parallel`), or one and
/// then four at once (`Mode::WarmParallel`), to a server that allows two streams a connection.
pub fn expect_burst(client: Client, mode: Mode) -> Expect {
    let warm = mode == Mode::WarmParallel;
    match client {
        Client::Reqwest | Client::ReqwestBlocking | Client::ReqwestRetry if warm => {
            Expect::Burst(Burst {
                exact: Some((&[REQUESTS], REQUESTS)),
            })
        }
        Client::Go119
        | Client::Go127
        | Client::Reqwest
        | Client::ReqwestBlocking
        | Client::ReqwestRetry => Expect::Burst(Burst { exact: None }),
        Client::Curl if !warm => Expect::Burst(Burst { exact: None }),
        _ => Expect::NotApplicable,
    }
}

/// One line per client on why, for the burst cases.
pub fn why_burst(client: Client) -> &'static str {
    match client {
        Client::Go119 | Client::Go127 => {
            "net/http's h2 pool hands a request a connection only while `idleStateLocked` finds a stream free under the server's limit (`StrictMaxConcurrentStreams` is false by default); otherwise `Transport.getConn` dials another TLS connection, and `upgradeFn` closes one it turns out not to need (`addConnIfNeeded` returned `used == false`): the connections race, warm or cold, and no stream goes over the limit once it is known"
        }
        Client::Curl => {
            "cold only (one invocation cannot send one transfer and then the rest at once): `-Z` waits for the connection (`PIPEWAIT`) and sends all five streams before the server's limit arrives; the server refuses those over it, and libcurl sends each refused transfer again on a fresh connection (`REFUSED_STREAM, retrying a fresh connect`), so the connections race with the refusals"
        }
        Client::Reqwest | Client::ReqwestBlocking | Client::ReqwestRetry => {
            "warm: one connection, five streams: the h2 crate queues every new stream (`Prioritize::queue_open`) and opens one only while the peer's limit allows (`Prioritize::pop_pending_open` asks `Counts::can_inc_num_send_streams`), so it waits instead of dialing; cold: hyper-util's `Client::connect_to` takes the pool's connect lock only for `http2_only`, so with ALPN each waiting request dials, the first h2 connection is shared and the others stay idle; hyper sends up to `DEFAULT_INITIAL_MAX_SEND_STREAMS` (100) before the server's SETTINGS arrive, the server refuses those over its limit, and reqwest's default retry policy sends them again (`is_retryable_error`: `REFUSED_STREAM`)"
        }
        Client::PythonRequests | Client::PythonHttpx | Client::NodeFetch | Client::NodeHttp => {
            "speaks HTTP/1.1 here (see the row above), so the server's stream limit does not apply"
        }
        Client::Ureq => "ureq 3 speaks HTTP/1.1 only",
        Client::HyperUtil => "the driver's connector offers `http/1.1` only (see the row above)",
    }
}
