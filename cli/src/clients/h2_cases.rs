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
            | Client::NodeHttp2
            | Client::Undici
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
    let ended = match client {
        // `session.close()` sends GOAWAY: the server closes as the client does.
        Client::NodeHttp2 => Ended::Closed,
        _ => Ended::All(Ending::ClientClosed),
    };
    Expect::Negotiated(Negotiated {
        per_connection,
        ended,
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
        Client::NodeHttp2 => {
            "`http2.connect` offers only `h2` in ALPN, and one session carries every stream; `session.close()` sends GOAWAY, and the server's close of the connection races the client's own"
        }
        Client::Undici => {
            "`Agent({ allowH2: true })` offers `h2` then `http/1.1` in ALPN, and one h2 connection carries the five requests made one after another"
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

/// The expectation for `client` asked for HTTP/2 over plain HTTP: prior knowledge (h2c), five
/// requests one after another.
pub fn expect_prior_knowledge(client: Client) -> Expect {
    let ended = match client {
        Client::NodeHttp2 => Ended::Closed,
        Client::Go127
        | Client::PythonHttpx
        | Client::Reqwest
        | Client::ReqwestBlocking
        | Client::ReqwestRetry
        | Client::HyperUtil => Ended::All(Ending::ClientClosed),
        _ => return Expect::NotApplicable,
    };
    Expect::Negotiated(Negotiated {
        per_connection: &[REQUESTS],
        ended,
        handshakes: Handshakes::default(),
        streams: REQUESTS,
    })
}

/// One line per client on why, for the prior-knowledge case.
pub fn why_prior_knowledge(client: Client) -> &'static str {
    match client {
        Client::Go119 => {
            "net/http speaks h2c only from Go 1.24 (`Transport.Protocols`): the seed article's code cannot ask"
        }
        Client::Go127 => {
            "`Transport.Protocols` with `SetUnencryptedHTTP2(true)` alone: the connection opens with the preface, and the five requests are five streams on it"
        }
        Client::PythonRequests => "urllib3 speaks HTTP/1.1 only",
        Client::PythonHttpx => {
            "`httpx.Client(http1=False, http2=True)`: httpcore's `HTTPConnection.handle_request` makes an `HTTP2Connection` when h2 was negotiated or, as here, `http2` is on and `http1` off"
        }
        Client::NodeFetch | Client::Undici => {
            "undici negotiates h2 only in ALPN (`allowH2`): over plain HTTP it speaks HTTP/1.1"
        }
        Client::NodeHttp => "Node's `http` module speaks HTTP/1.1 only: see node-http2",
        Client::NodeHttp2 => {
            "`http2.connect('http://…')` speaks h2 with prior knowledge; `session.close()` sends GOAWAY, and the server's close races the client's"
        }
        Client::Curl => {
            "curl 7.88's `--http2-prior-knowledge` fails every transfer after the first on the reused connection (exit 16, \"Error in the HTTP2 framing layer\"), whatever the server: a bug of that version, left out"
        }
        Client::Reqwest | Client::ReqwestBlocking | Client::ReqwestRetry => {
            "`ClientBuilder::http2_prior_knowledge` sets hyper-util's `http2_only`, so the pool takes its connect lock (`Pool::connecting` with `Ver::Http2`) and shares the one connection"
        }
        Client::Ureq => "ureq 3 speaks HTTP/1.1 only",
        Client::HyperUtil => {
            "`Client::builder().http2_only(true)`: the pool's connect lock (`Pool::connecting` with `Ver::Http2`) and one connection"
        }
    }
}

/// The expectation for `client` sending five requests at once (`Mode::Parallel`), or one and
/// then four at once (`Mode::WarmParallel`), to a server that allows two streams a connection.
pub fn expect_burst(client: Client, mode: Mode) -> Expect {
    let warm = mode == Mode::WarmParallel;
    let exact = |per_connection| {
        Expect::Burst(Burst {
            exact: Some((per_connection, REQUESTS)),
            refused_fail: false,
        })
    };
    let racing = |refused_fail| {
        Expect::Burst(Burst {
            exact: None,
            refused_fail,
        })
    };
    match client {
        // A connection being set up takes every request, one stream until SETTINGS say more.
        Client::PythonHttpx => exact(&[REQUESTS]),
        Client::Undici if warm => exact(&[2, 1, 1, 1]),
        Client::Undici => exact(&[1; REQUESTS]),
        Client::Reqwest
        | Client::ReqwestBlocking
        | Client::ReqwestRetry
        | Client::HyperUtil
        | Client::NodeHttp2
            if warm =>
        {
            exact(&[REQUESTS])
        }
        Client::Go119
        | Client::Go127
        | Client::Reqwest
        | Client::ReqwestBlocking
        | Client::ReqwestRetry => racing(false),
        Client::Curl if !warm => racing(false),
        Client::HyperUtil | Client::NodeHttp2 => racing(true),
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
        Client::PythonRequests => "urllib3 speaks HTTP/1.1 only",
        Client::NodeFetch => "Node's built-in fetch offers no `allowH2`: see undici-h2",
        Client::NodeHttp => "Node's `https` module speaks HTTP/1.1 only: see node-http2",
        Client::Ureq => "ureq 3 speaks HTTP/1.1 only",
        Client::PythonHttpx => {
            "`http2=True`: one connection, warm or cold, none refused: the pool queues requests on a connection still being set up when it may become h2 (`HTTPConnection.is_available`), and `HTTP2Connection.handle_request` allows one stream (`_max_streams = 1`, a semaphore) until the server's SETTINGS raise it (`_receive_remote_settings_change`)"
        }
        Client::HyperUtil => {
            "asked for h2 (`enable_all_versions`): warm as reqwest; cold as reqwest, but hyper-util's legacy `Client` does not send a refused stream again, so those calls fail (`REFUSED_STREAM`)"
        }
        Client::NodeHttp2 => {
            "one session: warm, nghttp2 keeps the streams over the peer's limit queued (`ob_syn`) while `session_is_outgoing_concurrent_streams_max` says the limit is reached; cold, the session sends every stream with its preface, before the server's SETTINGS, and a refused stream fails its request (`ERR_HTTP2_STREAM_ERROR`, `NGHTTP2_REFUSED_STREAM`): Node does not send it again"
        }
        Client::Undici => {
            "a connection per request sent together, h2 or not: `Client[kDispatch]` runs `_resume`, which finds the client busy while the request is pending (`kBusy`: `kPending > 0`) and sets `kNeedDrain`, cleared only by the `emitDrain` it queues as a microtask; the Pool's `kGetDispatcher` skips such a client and dials a new one. Warm, the idle connection takes the first of the four: `[2, 1, 1, 1]`; cold: `[1, 1, 1, 1, 1]`"
        }
    }
}
