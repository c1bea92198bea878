//! Why each client behaves as it does in the body cases, naming the function in its source that
//! decides (the fault cases' reasons are in `fault_cases.rs`).

use super::catalog::Client;

/// Why a client in the table for its HTTP/2 rows only has no other row.
pub const H2_ROWS_ONLY: &str = "in the table for the HTTP/2 rows only: Node's `http2` speaks nothing else, and `node-fetch` is the same undici without `allowH2`";

/// One line per client on why, naming the function that decides.
pub fn why(client: Client) -> &'static str {
    match client {
        Client::NodeHttp2 | Client::Undici => H2_ROWS_ONLY,
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
            "undici's `Pool[kGetDispatcher]` takes the first client whose `kNeedDrain` is clear; a client that just finished a response is still at 1 until `emitDrain` runs in a queued microtask, so each next fetch opens or takes the other connection: `[3, 2]`; `body.cancel()` on an unfinished body destroys its socket, and `connectH1`'s close listener puts the aborted request back to pending, so `_resume` dials again for it and drops it unwritten: a connection that carries nothing, at most one per request"
        }
        Client::NodeHttp => {
            "`IncomingMessage.destroy()` destroys the socket, so the global `Agent` (keep-alive on since Node 19) has nothing to reuse"
        }
        Client::Curl => {
            "one invocation reuses its connection cache for every URL; curl always reads the body, so the unread cases do not apply"
        }
        Client::Reqwest | Client::ReqwestBlocking | Client::HyperUtil => {
            "hyper reads 8 KiB ahead with the headers (`INIT_BUFFER_SIZE`), so a body that arrived with them costs nothing; dropping a larger one makes `poll_drain_or_close_read` read once more and close the connection, which hyper shuts down (FIN) before it drops the socket (RST if bytes were unread): for a body that fits in the client's receive buffer the server cannot always tell which came last"
        }
        Client::Ureq => {
            "the `Agent` returns a connection to its pool only when the body is read to its end (`BodyHandler` calls `cleanup` on the last read); a `Body` dropped unread drops its connection, even a 2-byte one, and closes it with whatever of 128 KiB (`input_buffer_size`) it had not read"
        }
        Client::ReqwestRetry => {
            "as reqwest for single calls; `RetryTransientMiddleware::execute_with_retry` keeps the 503 response in `result` while it sleeps, then `continue` drops it unread, so a 1 MiB error page closes its connection and every retry pays a new one"
        }
    }
}
