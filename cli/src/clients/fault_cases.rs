//! What each client does when the server closes, resets or idles out a connection under its pool:
//! the fault cases' expectations, with the reason found in each client's source.

use keepalive_probe::{Ending, Fault};

use super::catalog::{Client, Mode};
use super::expectation::{Ended, Expect, Faulted, REQUESTS};

/// The server closes each connection on its second request: a client that sends the failed
/// request again on a new connection has every connection carry two (the last one, one).
const RETRIED: &[usize] = &[2, 2, 2, 2, 1];
const RETRIED_ENDINGS: &[Ending] = &[
    Ending::ServerClosed,
    Ending::ServerClosed,
    Ending::ServerClosed,
    Ending::ServerClosed,
    Ending::ClientClosed,
];

/// A client that fails the request instead: requests 2 and 4 fail, 3 and 5 open new connections.
const FAILED: &[usize] = &[2, 2, 1];
const FAILED_ENDINGS: &[Ending] = &[
    Ending::ServerClosed,
    Ending::ServerClosed,
    Ending::ClientClosed,
];

/// The expectation for `client` under `fault`, its requests sent as `mode` says.
pub fn expect(client: Client, fault: Fault, mode: Mode) -> Expect {
    let faulted = match fault {
        Fault::CloseOnRequest { .. } if resends(client, mode) => Faulted {
            per_connection: RETRIED,
            ended: Ended::Each(RETRIED_ENDINGS),
            errors: 0,
            unanswered: 4,
            resent: 4,
        },
        Fault::CloseOnRequest { .. } => Faulted {
            per_connection: FAILED,
            ended: Ended::Each(FAILED_ENDINGS),
            errors: 2,
            unanswered: 2,
            resent: 0,
        },
        // curl's one invocation cannot pause between the transfers of one job: `--rate` is
        // global, and would space every job's transfers.
        Fault::IdleClose { .. } if client == Client::Curl => return Expect::NotApplicable,
        // Every client checks a pooled connection before reuse, or learns of its close while
        // idle: each request after a pause goes on a new connection, none fails, and the server
        // closes every one (the last before the driver exits: it pauses after it too).
        Fault::IdleClose { .. } => Faulted {
            per_connection: &[1; REQUESTS],
            ended: Ended::All(Ending::ServerClosed),
            errors: 0,
            unanswered: 0,
            resent: 0,
        },
        // Every client honours Connection: close on a response.
        Fault::ConnectionClose { .. } => Faulted {
            per_connection: &[3, 2],
            ended: Ended::Each(&[Ending::ServerClosed, Ending::ClientClosed]),
            errors: 0,
            unanswered: 0,
            resent: 0,
        },
        _ => return Expect::NotApplicable,
    };
    Expect::Faulted(faulted)
}

/// Whether `client` sends a request again on a new connection when the server closed the
/// reused one after reading it.
fn resends(client: Client, mode: Mode) -> bool {
    match client {
        // net/http `Transport.roundTrip` retries when `pconn.shouldRetryRequest` says so: on a
        // reused connection, for a request `isReplayable` (GET, HEAD, OPTIONS, TRACE, or any with
        // an Idempotency-Key header), after `transportReadFromServerError` (EOF or reset).
        Client::Go119 | Client::Go127 => mode != Mode::Post,
        // `Curl_retry_request` (lib/transfer.c): a reused connection that gave no byte of an
        // answer is retried on a fresh one, up to 5 times, whatever the method (the body is
        // rewound).
        Client::Curl => true,
        // reqwest-retry's `default_on_request_failure` deems hyper's IncompleteMessage and an
        // io ConnectionReset transient, whatever the method.
        Client::ReqwestRetry => true,
        _ => false,
    }
}

/// One line per client on why, for the fault cases.
pub fn why(client: Client) -> &'static str {
    match client {
        Client::NodeHttp2 | Client::Undici => super::why::H2_ROWS_ONLY,
        Client::Go119 | Client::Go127 => {
            "`Transport.roundTrip` retries a request that died on a reused connection when `shouldRetryRequest` allows it: only an `isReplayable` one (GET, HEAD, OPTIONS, TRACE, or with an Idempotency-Key), so a POST fails with EOF or a reset; an idle close is seen by `readLoop`'s `Peek` (`errServerClosedIdle`) and the connection leaves the pool"
        }
        Client::PythonRequests => {
            "requests' `HTTPAdapter` passes `Retry(0, read=False)`: urllib3's `urlopen` raises `ProtocolError('Connection aborted.')` at once; `_get_conn` drops a pooled connection `is_connection_dropped` finds closed"
        }
        Client::PythonHttpx => {
            "httpcore retries only `ConnectError`/`ConnectTimeout`: `RemoteProtocolError` (\"Server disconnected without sending a response\") or `ReadError`; the pool skips a connection `has_expired` finds readable"
        }
        Client::NodeFetch => {
            "undici does not retry by default (`RetryAgent` is opt-in): `TypeError: fetch failed` with `SocketError: other side closed` or ECONNRESET; an idle socket's end removes it from the pool"
        }
        Client::NodeHttp => {
            "the Agent does not retry: `socket hang up` (ECONNRESET, `reusedSocket` true, for the caller to retry) or `read ECONNRESET`; an idle socket's close removes it (`removeSocket`)"
        }
        Client::Curl => {
            "`Curl_retry_request`: a reused connection that died before any answer is retried on a fresh one, up to 5 times per transfer, POST included (the body is rewound); one invocation cannot pause between a job's transfers (`--rate` is global), so the idle close does not apply"
        }
        Client::Reqwest | Client::ReqwestBlocking | Client::HyperUtil => {
            "hyper-util's `Client::send_request` retries only a request hyper hands back unwritten (`retry_canceled_requests`); a written one fails (IncompleteMessage after a FIN, a reset after a RST); an idle close ends the connection's task, so `PoolClient::is_open` is false at checkout"
        }
        Client::Ureq => {
            "ureq never retries: `io: Peer disconnected` or a reset; `Pool::get` probes an idle connection (`probe_tcp_stream`) and drops a closed one"
        }
        Client::ReqwestRetry => {
            "`default_on_request_failure` deems IncompleteMessage and an io ConnectionReset transient, whatever the method: the middleware sends the request again on a new connection"
        }
    }
}
