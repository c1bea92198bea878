//! The scenarios every client runs, and each client's exact expectation with the reason, found in
//! that client's source.

use keepalive_probe::Ending;

use super::catalog::{Client, Mode};

const KIB: usize = 1024;

/// Requests per case: enough to tell one connection from one per request.
pub const REQUESTS: usize = 5;

/// One row of the table: what the server does and what the client does with each response.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub name: &'static str,
    pub body_bytes: usize,
    pub chunked: bool,
    pub mode: Mode,
    pub server_keep_alive: bool,
    pub response_connection_close: bool,
}

const fn case(name: &'static str, body_bytes: usize, mode: Mode) -> Case {
    Case {
        name,
        body_bytes,
        chunked: false,
        mode,
        server_keep_alive: true,
        response_connection_close: false,
    }
}

/// Every row, in reading order.
pub const CASES: [Case; 11] = [
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
];

/// What a client must do in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly these requests per connection, in accept order, every connection ended this way.
    Exact(&'static [usize], Ending),
    /// No exact count exists (a race on the wall clock); what is exact: every request served once,
    /// none failed, every connection closed, and the first connection carries the first request.
    Race,
    /// The client has no way to do this (curl always reads the body).
    NotApplicable,
}

const ONE: &[usize] = &[REQUESTS];
const EACH: &[usize] = &[1; REQUESTS];

/// What undici's pool does with sequential fetches: two connections, alternating.
const ALTERNATING: &[usize] = &[3, 2];

/// About how many bytes the counting server's response headers take.
const HEADER_BYTES: usize = 160;

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
        Client::PythonHttpx | Client::NodeFetch | Client::NodeHttp | Client::Curl => 64 * KIB,
    }
}

/// How a connection ends when `client` drops `case`'s body unread and closes it.
fn unread_ending(client: Client, case: &Case) -> Ending {
    if !case.chunked && HEADER_BYTES + case.body_bytes <= first_read(client) {
        Ending::ClientClosed
    } else {
        Ending::ClientReset
    }
}

/// The expectation for `client` in `case`.
pub fn expect(client: Client, case: &Case) -> Expect {
    use Expect::{Exact, NotApplicable, Race};
    if case.mode == Mode::Close || !case.server_keep_alive || case.response_connection_close {
        // Every client honours Connection: close, in either direction, and the server closes
        // first: it answers the last request of the connection and ends it.
        return Exact(EACH, Ending::ServerClosed);
    }
    // A body that arrived whole with the headers: undici's Client is still "needs drain" when
    // the next fetch is dispatched, whether or not the body was read.
    let complete_with_headers = !case.chunked && case.body_bytes <= 4 * KIB;
    match (client, case.mode) {
        (Client::NodeFetch, Mode::Read) => Exact(ALTERNATING, Ending::ClientClosed),
        (_, Mode::Read) => Exact(ONE, Ending::ClientClosed),
        (Client::Curl, _) => NotApplicable,
        (Client::Go127, _) if case.chunked || case.body_bytes <= 256 * KIB => Race,
        (Client::NodeFetch, _) if complete_with_headers => Exact(ALTERNATING, Ending::ClientClosed),
        (Client::NodeFetch, _) => Race,
        _ => Exact(EACH, unread_ending(client, case)),
    }
}

/// One line per client on why, naming the function that decides.
pub fn why(client: Client) -> &'static str {
    match client {
        Client::Go119 => {
            "`persistConn.readLoop`: `Body.Close` before EOF is `errClosedEarly`, so `alive = false` and the connection closes, whatever the body's size"
        }
        Client::Go127 => {
            "`persistConn.readLoop` → `maybeDrainBody`: when `ContentLength <= 256 KiB` (-1, chunked, included) it drains up to 256 KiB within 50 ms, but after `Close` has returned, so the next request's dial races the drain; above 256 KiB it closes as 1.19 does"
        }
        Client::PythonRequests => {
            "`Response.close` on a streamed response not consumed calls urllib3's `HTTPResponse.close`, which closes the connection (`self._connection.close()`)"
        }
        Client::PythonHttpx => {
            "httpcore's `HTTP11Connection._response_closed` keeps the connection only when both h11 sides are `DONE`; a stream closed unread is not, so it closes"
        }
        Client::NodeFetch => {
            "undici's `Pool[kGetDispatcher]` takes the first client whose `kNeedDrain` is clear; a client that just finished a response is still at 1 until `emitDrain` runs in a queued microtask, so each next fetch opens or takes the other connection: `[3, 2]`; a body cancelled unfinished destroys its socket, and extra connections race in"
        }
        Client::NodeHttp => {
            "`IncomingMessage.destroy()` destroys the socket, so the global `Agent` (keep-alive on since Node 19) has nothing to reuse"
        }
        Client::Curl => {
            "one invocation reuses its connection cache for every URL; curl always reads the body, so the unread cases do not apply"
        }
    }
}
