//! The scenarios every client runs, and each client's exact expectation with the reason, found in
//! that client's source.

use std::time::Duration;

use keepalive_probe::{CloseBy, Ending, Fault, Handshakes, IdleEnd};

use super::catalog::{Client, Mode};
pub use super::expectation::{
    Ended, Expect, REQUESTS, counted, describe_endings, describe_proxied, endings_hold,
};

const KIB: usize = 1024;

/// One row of the table: what the server does and what the client does with each response.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub name: &'static str,
    pub body_bytes: usize,
    pub chunked: bool,
    pub mode: Mode,
    pub server_keep_alive: bool,
    pub response_connection_close: bool,
    /// The server answers 503 with the body this many times before a 200: a case for clients
    /// that retry. The client then makes one call.
    pub transient_errors: usize,
    /// HTTPS (HTTP/1.1 over TLS 1.3, the server's session cache on), the client trusting the
    /// server's CA.
    pub tls: bool,
    /// The client is given a TLS session cache it has not by default: Go's
    /// `TLSClientConfig.ClientSessionCache`.
    pub session_cache: bool,
    /// A fault every connection of the case's server applies.
    pub fault: Option<Fault>,
    /// The proxy variables (`HTTPS_PROXY` and the rest) point at a counting forward proxy; in
    /// every other case they are removed.
    pub proxy: bool,
    /// The HTTPS server offers `h2` before `http/1.1` in ALPN, as real servers do.
    pub alpn_h2: bool,
    /// The client is asked for HTTP/2, as its users ask when they want it: httpx's
    /// `http2=True`, hyper-util's connector with `enable_all_versions`, and over plain HTTP prior
    /// knowledge.
    pub ask_h2: bool,
    /// The HTTP/2 server allows this many concurrent streams a connection
    /// (`SETTINGS_MAX_CONCURRENT_STREAMS`); `None`: hyper's default.
    pub h2_max_streams: Option<u32>,
}

impl Case {
    /// Whether the row is an HTTP/2 one: the server offers `h2`, or the client is asked for it.
    pub fn http2(&self) -> bool {
        self.alpn_h2 || self.ask_h2
    }

    /// The calls the driver makes.
    pub fn calls(&self) -> usize {
        if self.transient_errors > 0 {
            1
        } else {
            REQUESTS
        }
    }
}

const fn case(name: &'static str, body_bytes: usize, mode: Mode) -> Case {
    Case {
        name,
        body_bytes,
        chunked: false,
        mode,
        server_keep_alive: true,
        response_connection_close: false,
        transient_errors: 0,
        tls: false,
        session_cache: false,
        fault: None,
        proxy: false,
        alpn_h2: false,
        ask_h2: false,
        h2_max_streams: None,
    }
}

const fn faulted(name: &'static str, fault: Fault, mode: Mode) -> Case {
    Case {
        fault: Some(fault),
        ..case(name, 2, mode)
    }
}

/// How long an idle connection lasts on the idle-close case's server: shorter than a driver's
/// `pause` (500 ms), so every pooled connection is closed before the client's next request, and
/// the last one before the driver exits; and long enough that a client on a loaded machine sends
/// its first request before the connection it just opened counts as idle (50 ms once was not,
/// beside two busy cores and a compiler).
const IDLE_CLOSE: Duration = Duration::from_millis(150);

/// A case through the proxy from the environment: five requests read to the end.
const fn proxied(name: &'static str, tls: bool) -> Case {
    Case {
        tls,
        proxy: true,
        ..case(name, 2, Mode::Read)
    }
}

/// Requests at once to an HTTPS server that offers `h2` and allows two streams a connection.
const fn burst(name: &'static str, mode: Mode) -> Case {
    Case {
        tls: true,
        alpn_h2: true,
        ask_h2: true,
        h2_max_streams: Some(super::expectation::LIMIT),
        ..case(name, 2, mode)
    }
}

/// Every row, in reading order.
pub const CASES: [Case; 27] = [
    case("body read to the end (64 KiB)", 64 * KIB, Mode::Read),
    case("body unread, 2 B", 2, Mode::Unread),
    case("body unread, 4 KiB", 4 * KIB, Mode::Unread),
    case("body unread, 64 KiB", 64 * KIB, Mode::Unread),
    case("body unread, 256 KiB", 256 * KIB, Mode::Unread),
    case("body unread, 256 KiB + 1", 256 * KIB + 1, Mode::Unread),
    case("body unread, 1 MiB", 1024 * KIB, Mode::Unread),
    Case {
        chunked: true,
        ..case("chunked body unread, 64 KiB", 64 * KIB, Mode::Unread)
    },
    case("request Connection: close", 2, Mode::Close),
    Case {
        server_keep_alive: false,
        ..case("server keep-alive off", 2, Mode::Read)
    },
    Case {
        response_connection_close: true,
        ..case("response Connection: close", 2, Mode::Read)
    },
    Case {
        transient_errors: 2,
        ..case("503 twice (1 MiB pages), then 200", 1024 * KIB, Mode::Read)
    },
    Case {
        tls: true,
        ..case("HTTPS, body read to the end (64 KiB)", 64 * KIB, Mode::Read)
    },
    Case {
        tls: true,
        ..case("HTTPS, request Connection: close", 2, Mode::Close)
    },
    Case {
        tls: true,
        session_cache: true,
        ..case(
            "HTTPS, Connection: close, Go's ClientSessionCache set",
            2,
            Mode::Close,
        )
    },
    faulted(
        "close on reuse (FIN), GET",
        Fault::close_on_request(2, CloseBy::Fin),
        Mode::Read,
    ),
    faulted(
        "close on reuse (RST), GET",
        Fault::close_on_request(2, CloseBy::Rst),
        Mode::Read,
    ),
    faulted(
        "close on reuse (FIN), POST",
        Fault::close_on_request(2, CloseBy::Fin),
        Mode::Post,
    ),
    faulted(
        "close on reuse (RST), POST",
        Fault::close_on_request(2, CloseBy::Rst),
        Mode::Post,
    ),
    faulted(
        "idle close (FIN) before reuse",
        Fault::idle_close(IDLE_CLOSE, IdleEnd::Fin),
        Mode::Pause,
    ),
    faulted(
        "Connection: close on the 3rd response",
        Fault::connection_close_on(3),
        Mode::Read,
    ),
    proxied("HTTPS through HTTPS_PROXY", true),
    proxied("HTTP through HTTP_PROXY", false),
    Case {
        tls: true,
        alpn_h2: true,
        ..case("HTTPS, the server offers h2", 2, Mode::Read)
    },
    burst("h2 at 2 streams: 1, then 4 at once", Mode::WarmParallel),
    burst("h2 at 2 streams: 5 at once, cold", Mode::Parallel),
    Case {
        ask_h2: true,
        ..case("h2c, prior knowledge", 2, Mode::Read)
    },
];

const ONE: &[usize] = &[REQUESTS];
const EACH: &[usize] = &[1; REQUESTS];

/// What undici's pool does with sequential fetches: two connections, alternating.
const ALTERNATING: &[usize] = &[3, 2];

/// About how many bytes the counting server's response headers take.
const HEADER_BYTES: usize = 160;

/// About how many bytes chunked encoding adds to a 64 KiB body (four 16 KiB chunks).
const CHUNK_FRAMING_BYTES: usize = 64;

/// Larger than a client's default receive buffer on Linux (`tcp_rmem`'s 128 KiB): a body this
/// size dropped unread leaves bytes the client never received, so the server tells RST from FIN
/// whoever closes first.
const BEYOND_RECEIVE_BUFFER: usize = 256 * KIB;

/// The retry case: three connections, the two 503 pages dropped unread (reset), the 200 read.
const RETRIED: &[usize] = &[1, 1, 1];
const RETRIED_ENDINGS: &[Ending] = &[
    Ending::ClientReset,
    Ending::ClientReset,
    Ending::ClientClosed,
];

/// How much a client reads from its socket with a response's headers: what it holds when it
/// drops a body unread. Whatever it has not read is still in its kernel buffer at the `close`,
/// which then sends RST (`tcp_close`); a body that fits was taken along, and the close is a FIN.
fn first_read(client: Client) -> usize {
    match client {
        // net/http's `persistConn.br`: `bufio.NewReaderSize(pc, t.readBufferSize())`, 4 KiB.
        Client::Go119 | Client::Go127 => 4 * KIB,
        // http.client reads through `sock.makefile("rb")`: io.DEFAULT_BUFFER_SIZE, 8 KiB.
        Client::PythonRequests => 8 * KIB,
        // httpcore's `READ_NUM_BYTES = 64 * 1024`; Node's net sockets read 64 KiB at a time.
        Client::PythonHttpx
        | Client::NodeFetch
        | Client::NodeHttp
        | Client::NodeHttp2
        | Client::Undici
        | Client::Curl => 64 * KIB,
        // hyper's first read on a connection: `INIT_BUFFER_SIZE`, 8 KiB.
        Client::Reqwest | Client::ReqwestBlocking | Client::HyperUtil | Client::ReqwestRetry => {
            8 * KIB
        }
        // ureq 3's `Agent` reads through its 128 KiB input buffer (`input_buffer_size`), as much as
        // has arrived.
        Client::Ureq => 128 * KIB,
    }
}

/// How a connection ends when `client` drops `case`'s body unread and closes it.
fn unread_ending(client: Client, case: &Case) -> Ending {
    let framing = if case.chunked { CHUNK_FRAMING_BYTES } else { 0 };
    if HEADER_BYTES + case.body_bytes + framing <= first_read(client) {
        Ending::ClientClosed
    } else {
        Ending::ClientReset
    }
}

/// The expectation for `client` in `case`.
pub fn expect(client: Client, case: &Case) -> Expect {
    if client.h2_rows_only() && !case.http2() {
        return Expect::NotApplicable;
    }
    if let Some(fault) = case.fault {
        return super::fault_cases::expect(client, fault, case.mode);
    }
    if case.proxy {
        return super::proxy_cases::expect(client, case.tls);
    }
    if case.ask_h2 && !case.tls {
        return super::h2_cases::expect_prior_knowledge(client);
    }
    if case.h2_max_streams.is_some() {
        return super::h2_cases::expect_burst(client, case.mode);
    }
    if case.alpn_h2 {
        return super::h2_cases::expect(client);
    }
    if case.session_cache && !matches!(client, Client::Go119 | Client::Go127) {
        // Only Go has a session cache to switch on: the others resume by default or never can.
        return Expect::NotApplicable;
    }
    match expect_connections(client, case) {
        Expect::Exact(per_connection, ended, _) if case.tls => Expect::Exact(
            per_connection,
            ended,
            handshakes(client, case, per_connection.len()),
        ),
        expected => expected,
    }
}

/// The TLS handshakes of `connections` new connections: the first is full; the others resume
/// if the client keeps the session the first one was given. Every connection of a case starts
/// after the one before it has read a response, and a TLS 1.3 server sends its session tickets
/// before that response, so the client has a ticket by then.
fn handshakes(client: Client, case: &Case, connections: usize) -> Handshakes {
    let resumes = match client {
        // crypto/tls `Conn.loadSession` returns at once when `ClientSessionCache` is nil, its
        // default in net/http's `Transport`.
        Client::Go119 | Client::Go127 => case.session_cache,
        // The ssl module resumes only when handed a session (`SSLContext.wrap_socket(session=)`);
        // neither urllib3 (issue 590) nor httpcore ever hands one.
        Client::PythonRequests | Client::PythonHttpx => false,
        // Node's `tls.connect` keeps sessions per agent (`maxCachedSessions`, 100), undici's
        // connector a `SessionCache`; curl caches sessions in its handle; rustls resumes by
        // default (`Resumption::default`, an in-memory cache in the client's `ClientConfig`).
        _ => true,
    };
    let resumed = if resumes { connections - 1 } else { 0 };
    Handshakes::new(connections - resumed, resumed, 0)
}

/// The connections and their endings for `client` in `case`, with no handshakes.
fn expect_connections(client: Client, case: &Case) -> Expect {
    use Expect::{NotApplicable, Race};
    // net/http's `Transport.getConn` dials at most once per request (`queueForDial`); a dial that
    // loses the race to a drained connection leaves its connection idle, for a later request or
    // for none, so the connections never outnumber the requests.
    let go_127_race = Race(REQUESTS);
    // undici dials at most twice per request. `body.cancel()` aborts a request already written
    // (`writeH1`'s `abort`: `util.destroy(socket, InformationalError("aborted"))`); the socket's
    // close listener in `connectH1` keeps an `UND_ERR_INFO` request in the queue and makes it
    // pending again (`kPendingIdx = kRunningIdx`), so `_resume` dials a new connection for it,
    // then finds it aborted and drops it unwritten. That connection stays idle for a later fetch
    // or for none. A request is pending once when dispatched and at most once more after its
    // abort, and only a pending request dials: at most 2 × 5. (The pool's `kGetDispatcher` adds
    // a Client when every one is marked `kNeedDrain`, which is why a dispatch dials at all.)
    let undici_race = Race(2 * REQUESTS);
    let exact = |per_connection, ended| Expect::Exact(per_connection, ended, Handshakes::default());
    let hyper_based = matches!(
        client,
        Client::Reqwest | Client::ReqwestBlocking | Client::HyperUtil | Client::ReqwestRetry
    );
    if case.transient_errors > 0 {
        // Only a wrapper that retries has anything to show here.
        return if client == Client::ReqwestRetry {
            exact(RETRIED, Ended::Each(RETRIED_ENDINGS))
        } else {
            NotApplicable
        };
    }
    if case.mode == Mode::Close || !case.server_keep_alive || case.response_connection_close {
        // Every client honours Connection: close, in either direction, and the server closes
        // first: it answers the last request of the connection and ends it.
        return exact(EACH, Ended::All(Ending::ServerClosed));
    }
    // A body that arrived whole with the headers: undici's Client is still "needs drain" when
    // the next fetch is dispatched, whether or not the body was read.
    let complete_with_headers = !case.chunked && case.body_bytes <= 4 * KIB;
    let clean = Ended::All(Ending::ClientClosed);
    match (client, case.mode) {
        (Client::NodeFetch, Mode::Read) => exact(ALTERNATING, clean),
        (_, Mode::Read) => exact(ONE, clean),
        (Client::Curl, _) => NotApplicable,
        (Client::Go127, _) if case.chunked || case.body_bytes <= 256 * KIB => go_127_race,
        (Client::NodeFetch, _) if complete_with_headers => exact(ALTERNATING, clean),
        (Client::NodeFetch, _) => undici_race,
        // hyper read a body this small ahead with the headers: dropping it costs nothing.
        _ if hyper_based && complete_with_headers => exact(ONE, clean),
        _ if hyper_based && case.body_bytes < BEYOND_RECEIVE_BUFFER => exact(EACH, Ended::Racing),
        // A 64 KiB response crosses a loopback segment (MSS 65483): ureq's one read may end at
        // the segment boundary or take all, so what is left unread at the drop races.
        (Client::Ureq, _)
            if case.body_bytes >= 64 * KIB && case.body_bytes < BEYOND_RECEIVE_BUFFER =>
        {
            exact(EACH, Ended::Racing)
        }
        _ => exact(EACH, Ended::All(unread_ending(client, case))),
    }
}
