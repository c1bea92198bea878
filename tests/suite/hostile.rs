//! Hostile and broken clients: sockets that say nothing, say garbage, say too much, say it too
//! slowly, or vanish halfway. Each is a raw `TcpStream`, so the test decides every byte on the wire.
//!
//! What every test shows: the server never panics, keeps serving the next client, and the ledger
//! stays exact — a broken connection is counted as accepted, with exactly the requests hyper
//! dispatched on it, and its failure touches no other connection's counts.
//!
//! hyper answers a request head it cannot parse itself, before any service runs
//! (`proto/h1/conn.rs`: `on_read_head_error` → `on_parse_error` → `Server::on_error` in
//! `proto/h1/role.rs`), then closes. So those connections show 0 requests: the service, which
//! counts, never saw one.

use std::time::Duration;

use keepalive_probe::{Ending, Report, Server};
use pretty_assertions::assert_eq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::raw_tcp::{GET_AND_CLOSE, connect, exchange};
use crate::support::settle::SETTLE;

/// The report after one hostile connection, ended by `hostile`, and then one well-behaved request
/// that asked the server to close: the hostile one is accepted but carries nothing, the served
/// one carries its request.
pub(super) fn hostile_then_served(hostile: Ending) -> Report {
    Report::closed([0, 1]).ended_each([hostile, Ending::ServerClosed])
}

/// hyper's default read-buffer limit for a request head (`DEFAULT_MAX_BUFFER_SIZE` in
/// `proto/h1/io.rs`: `8192 + 4096 * 100`). A head still incomplete at this size is refused.
const MAX_HEAD_BYTES: usize = 8192 + 4096 * 100;

/// hyper's default header count limit (`DEFAULT_MAX_HEADERS` in `proto/h1/role.rs`).
const MAX_HEADERS: usize = 100;

/// The longest request target hyper accepts (`MAX_URI_LEN` in `proto/h1/role.rs`).
const MAX_URI_BYTES: usize = u16::MAX as usize - 1;

pub(super) async fn start(builder: keepalive_probe::ServerBuilder) -> Server {
    builder.start().await.expect("the server binds 127.0.0.1:0")
}

/// A well-behaved client after the hostile one: proof that the server still serves.
pub(super) async fn served_once(server: &Server) {
    let reply = exchange(server, GET_AND_CLOSE).await;
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
}

/// The status line of a reply, without its CRLF.
fn status_line(reply: &str) -> &str {
    reply.split("\r\n").next().unwrap_or_default()
}

/// Connects, sends nothing, closes: the accept loop opened a record before hyper read a byte, and
/// hyper sees EOF before any request (`read eof` in `on_read_head_error`) and ends quietly.
/// Accepted 1, used 0.
#[tokio::test]
async fn silent_socket_is_accepted_and_unused() {
    let server = start(Server::builder()).await;

    drop(connect(&server).await);
    served_once(&server).await;

    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        hostile_then_served(Ending::ClientClosed)
    );
}

/// An idle socket holds its connection open (hyper waits for a request head, with no header
/// timeout configured) while another client is served: the report shows both, the idle one open
/// and unused, the other open in the client's pool after one request.
#[tokio::test]
async fn idle_socket_stays_open_while_others_are_served() {
    let server = start(Server::builder()).await;
    let idle = connect(&server).await;
    let client = crate::support::client::reqwest_builder().build().unwrap();

    let response = client.get(server.url()).send().await.expect("served");
    assert_eq!(response.bytes().await.expect("body"), "ok");

    // The kernel queues accepts in connect order, so the idle socket is connection 1.
    assert_eq!(
        server.report(),
        Report::closed([0, 1]).ended_by(Ending::Open)
    );
    drop((idle, client));
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        Report::closed([0, 1]).ended_by(Ending::ClientClosed)
    );
}

/// A client speaking TLS to a plain-HTTP port: the first byte, `0x16`, is not a method token, so
/// httparse fails, hyper answers `400 Bad Request` itself and closes. No request reached the
/// service: accepted 1, 0 requests.
///
/// The garbage is shorter than the 24 bytes hyper-util reads to tell HTTP/1 from HTTP/2, so the
/// server has read all of it when it closes: the close is a FIN, never a reset that could
/// overtake the 400.
#[tokio::test]
async fn garbage_gets_400_then_close() {
    let server = start(Server::builder()).await;

    let reply = exchange(&server, b"\x16\x03\x01\x00\xa5hello\r\n\r\n").await;
    served_once(&server).await;

    assert_eq!(status_line(&reply), "HTTP/1.1 400 Bad Request");
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        hostile_then_served(Ending::ServerClosed)
    );
}

/// 101 headers: one more than hyper parses (`DEFAULT_MAX_HEADERS`, 100).
fn too_many_headers() -> Vec<u8> {
    let mut head = b"GET / HTTP/1.1\r\n".to_vec();
    for n in 0..=MAX_HEADERS {
        head.extend_from_slice(format!("x-h{n}: v\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// A header that never ends, exactly as long as hyper's read buffer: hyper reads every byte, finds
/// no end of head, and gives up (`max_buf_size reached` in `Buffered::parse`).
fn head_filling_the_read_buffer() -> Vec<u8> {
    let mut head = b"GET / HTTP/1.1\r\nx-big: ".to_vec();
    head.resize(MAX_HEAD_BYTES, b'a');
    head
}

/// A complete head whose request target is one byte over `MAX_URI_LEN`.
fn uri_too_long() -> Vec<u8> {
    let mut head = b"GET /".to_vec();
    head.resize(head.len() + MAX_URI_BYTES, b'a');
    head.extend_from_slice(b" HTTP/1.1\r\n\r\n");
    head
}

/// A head over one of hyper's limits gets hyper's own answer, then a close: 431 for too many
/// headers (httparse's `TooManyHeaders` is hyper's `Parse::TooLarge`) or for a head that fills the
/// ~408 KiB read buffer (417,792 bytes) without ending; 414 for a target over 65,534 bytes. No
/// request reached the service: accepted 1, 0 requests.
///
/// Each head is sized so that the server has read every byte when it gives up: a server that
/// closes with unread bytes queued sends a reset, which can destroy the error response before the
/// client reads it.
async fn oversized_head_gets_hypers_error_then_close(head: Vec<u8>, expected_status: &str) {
    let server = start(Server::builder()).await;

    let reply = exchange(&server, &head).await;
    served_once(&server).await;

    assert_eq!(status_line(&reply), expected_status);
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        hostile_then_served(Ending::ServerClosed)
    );
}

#[tokio::test]
async fn too_many_headers_get_431_then_close() {
    oversized_head_gets_hypers_error_then_close(
        too_many_headers(),
        "HTTP/1.1 431 Request Header Fields Too Large",
    )
    .await;
}

#[tokio::test]
async fn head_filling_the_read_buffer_gets_431_then_close() {
    oversized_head_gets_hypers_error_then_close(
        head_filling_the_read_buffer(),
        "HTTP/1.1 431 Request Header Fields Too Large",
    )
    .await;
}

#[tokio::test]
async fn uri_too_long_gets_414_then_close() {
    oversized_head_gets_hypers_error_then_close(uri_too_long(), "HTTP/1.1 414 URI Too Long").await;
}

/// Makes `drop` send a reset (RST) instead of a FIN, as a crashing client or a firewall does.
#[expect(
    deprecated,
    reason = "SO_LINGER blocks close() only for a non-zero linger; zero resets at once"
)]
fn reset_on_drop(stream: &TcpStream) {
    stream
        .set_linger(Some(Duration::ZERO))
        .expect("SO_LINGER is settable");
}

/// The client resets the connection while an 8 MiB body is still being written: the request was
/// dispatched and counted before the first byte of the response, and hyper's next write fails
/// with a reset, ending the connection. Accepted 1, 1 request — the reset does not uncount it.
///
/// The client waits for the first response bytes before resetting, so the reset is known to land
/// mid-response: 8 MiB is more than the loopback socket buffers hold, so the server is still
/// writing.
#[tokio::test]
async fn reset_mid_response_counts_the_request() {
    let server = start(Server::builder().body_bytes(8 * 1024 * 1024)).await;

    let mut stream = connect(&server).await;
    stream.write_all(GET_AND_CLOSE).await.expect("sent");
    let mut first_bytes = [0; 1024];
    let read = stream
        .read(&mut first_bytes)
        .await
        .expect("response starts");
    assert!(first_bytes[..read].starts_with(b"HTTP/1.1 200 OK\r\n"));
    reset_on_drop(&stream);
    drop(stream);

    served_once(&server).await;
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        Report::closed([1, 1]).ended_each([Ending::ClientReset, Ending::ServerClosed])
    );
}

/// The client announces a 1,000-byte body, sends 10 bytes of it, and closes. hyper dispatches a
/// request as soon as its head is parsed, so the request is counted (1) however little of the
/// body arrives; the routes only accept GET, so axum answers 405 without reading the body, and
/// the connection ends when hyper finds the body cut short: `poll_drain_or_close_read` cannot
/// finish it, so hyper closes after the 405 — the server's close, before it reads the client's
/// FIN. Accepted 1, 1 request.
#[tokio::test]
async fn close_mid_request_body_counts_the_request() {
    let server = start(Server::builder()).await;

    let mut stream = connect(&server).await;
    stream
        .write_all(b"POST / HTTP/1.1\r\nhost: probe\r\ncontent-length: 1000\r\n\r\n0123456789")
        .await
        .expect("sent");
    drop(stream);
    served_once(&server).await;

    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        Report::closed([1, 1]).ended_by(Ending::ServerClosed)
    );
}

/// Three GETs in one write: hyper parses them from one read buffer and answers them one after
/// another, in order, on the one connection (HTTP/1.1 pipelining). The last asks for a close, so
/// the reply ends with the connection. `requests_per_connection: [3]`.
#[tokio::test]
async fn pipelined_requests_are_answered_in_order_on_one_connection() {
    let server = start(Server::builder()).await;
    let keep = b"GET / HTTP/1.1\r\nhost: probe\r\n\r\n";
    let pipelined = [&keep[..], keep, GET_AND_CLOSE].concat();

    let reply = exchange(&server, &pipelined).await;

    let numbers: Vec<&str> = reply
        .lines()
        .filter_map(|line| line.strip_prefix("x-request-number: "))
        .collect();
    assert_eq!(numbers, ["1", "2", "3"]);
    assert_eq!(reply.matches("HTTP/1.1 200 OK\r\n").count(), 3);
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        Report::closed([3]).ended_by(Ending::ServerClosed)
    );
}

/// Every kind of broken client at once, next to well-behaved ones, on a multi-threaded runtime:
/// the totals are the sum of what each connection did alone, so no failure leaked into another
/// connection's count. Accept order is a race here, so the per-connection counts are compared
/// sorted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_clients_at_once_leave_the_others_exact() {
    let server = start(Server::builder()).await;
    let keep = b"GET / HTTP/1.1\r\nhost: probe\r\n\r\n";
    let pipelined = [&keep[..], keep, GET_AND_CLOSE].concat();
    let requests: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\x16\x03\x01\x00\xa5hello\r\n\r\n".to_vec(),
        too_many_headers(),
        b"POST / HTTP/1.1\r\nhost: probe\r\ncontent-length: 1000\r\n\r\n0123456789".to_vec(),
        pipelined,
        GET_AND_CLOSE.to_vec(),
        GET_AND_CLOSE.to_vec(),
    ];

    let clients = requests.into_iter().map(|request| {
        let addr = server.addr();
        tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("listening");
            stream.write_all(&request).await.expect("sent");
            // Shutting down the write side is "I have nothing more to say": the POST's body
            // ends short, the silent socket ends before a head.
            stream.shutdown().await.expect("FIN sent");
            let mut reply = Vec::new();
            // The POST's connection may end in a reset; every other one ends with a FIN.
            let _ = stream.read_to_end(&mut reply).await;
        })
    });
    for client in clients.collect::<Vec<_>>() {
        client.await.expect("client task");
    }

    let mut report = server.report_within(SETTLE).await.unwrap();
    report.requests_per_connection.sort_unstable();
    // How each ended races here: a client writes, then shuts down, and the server may read its
    // FIN before or after it answers. That every one ended is exact.
    let ended = report.ended;
    assert_eq!(ended.open, 0, "{ended:?}");
    // So does whether each response was written before the server read its client's FIN: hyper
    // does not keep half-closed connections (`allow_half_close` is off), so a FIN read first
    // ends the connection with its response unwritten. Those counts are taken as they came, and
    // so is `resent`: these clients send identical requests with no `x-request-id`, so one left
    // without a response makes a later identical one, on another connection, count as re-sent.
    assert_eq!(
        report,
        Report::closed([0, 0, 0, 1, 1, 1, 3])
            .with_endings(ended)
            .with_unanswered(report.unanswered, report.resent)
    );
}
