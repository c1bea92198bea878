//! Counts stay exact at scale: ten thousand connections one after another, a thousand open at
//! once, and a ledger capped so that a long-running server holds bounded memory.
//!
//! The clients are raw `TcpStream`s, so nothing pools or retries behind the test's back: one
//! connect is one connection. The 10,000-connection test takes about 4 s in a debug build (measured
//! on the 2-core machine), longer than any test binary but the other clients', so it is
//! `#[ignore]`d by default to keep `cargo test` quick; `.ci/run` runs it on every CI run with
//! `--ignored`.

use keepalive_probe::{ConnectionId, Ending, Endings, Event, Report, Server};
use pretty_assertions::assert_eq;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::support::raw_tcp::{GET_AND_CLOSE, exchange, send};
use crate::support::settle::SETTLE;

/// One GET that leaves the connection open.
const GET: &[u8] = b"GET / HTTP/1.1\r\nhost: probe\r\n\r\n";

/// How every response to `GET /` ends with the default body: the head's blank line, then `ok`.
const RESPONSE_END: &[u8] = b"\r\n\r\nok";

/// Raises this process's open-file soft limit to its hard limit if the soft one is below
/// `needed`. Both ends of every socket live in this process: 1,000 open connections need 2,000
/// descriptors, over the common 1,024 default. The hard limit is the most an unprivileged process
/// may set.
fn raise_open_file_limit(needed: libc::rlim_t) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(read, 0, "getrlimit(RLIMIT_NOFILE)");
    if limit.rlim_cur >= needed {
        return;
    }
    assert!(
        limit.rlim_max >= needed,
        "this test needs {needed} open files; the hard limit is {}",
        limit.rlim_max
    );
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: `limit` is a valid rlimit whose soft value does not exceed its hard value.
    let raised = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(raised, 0, "setrlimit(RLIMIT_NOFILE)");
}

/// One request on a fresh connection that the server closes after answering.
async fn get_and_close(server: &Server) {
    let reply = exchange(server, GET_AND_CLOSE).await;
    assert!(reply.as_bytes().ends_with(RESPONSE_END), "{reply:?}");
}

/// One request on a fresh connection that stays open; returns the connection.
async fn get_and_keep(server: &Server) -> TcpStream {
    let mut stream = send(server, GET).await;
    let mut reply = Vec::new();
    while !reply.ends_with(RESPONSE_END) {
        let read = stream.read_buf(&mut reply).await.expect("answered");
        assert_ne!(read, 0, "closed before the response ended: {reply:?}");
    }
    stream
}

/// `connections` connections with one request each, all closed.
fn one_request_each(connections: usize) -> Report {
    Report::closed(vec![1; connections])
}

/// 10,000 connections one after another, one request each: exactly 10,000 in the ledger.
///
/// The client asks for `Connection: close`, so the server closes first and the TIME_WAIT state
/// (60 s on Linux) lands on the server's side of each connection, keyed by the server's port.
/// The client's ephemeral ports are free again at once, so 10,000 connections in a second fit
/// the ~28,000-port range however often the suite runs. A client that closed first (reqwest with
/// `pool_max_idle_per_host(0)`) would hold a port in TIME_WAIT per connection instead.
#[tokio::test]
#[ignore = "about 4 s in a debug build; CI runs it: cargo test --test suite scale:: -- --ignored"]
async fn ten_thousand_sequential_connections_are_counted_exactly() {
    let server = Server::start().await.expect("starts");

    for _ in 0..10_000 {
        get_and_close(&server).await;
    }

    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        one_request_each(10_000).ended_by(Ending::ServerClosed)
    );
}

/// 1,000 connections open at once: each carries one request and stays open, so the report taken
/// after the last response shows exactly 1,000 open; dropping them closes all 1,000.
///
/// The connections open one at a time, each waiting for its response: the server has accepted
/// every one before the next connects, so the listen backlog (128) never overflows into SYN
/// retries, and the report needs no waiting.
#[tokio::test]
async fn thousand_connections_open_at_once_are_counted_exactly() {
    raise_open_file_limit(2 * 1_000 + 100);
    let server = Server::start().await.expect("starts");

    let mut open = Vec::with_capacity(1_000);
    for _ in 0..1_000 {
        open.push(get_and_keep(&server).await);
    }

    assert_eq!(
        server.report(),
        one_request_each(1_000).ended_by(Ending::Open)
    );
    drop(open);
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        one_request_each(1_000)
    );
}

/// With `max_connection_details(10)`, 100 closed connections leave exactly the last 10 records
/// (ids 91 to 100); the other 90 are folded into the totals, which stay exact. (The cap's logic
/// does not depend on scale; the thousand-connection tests above are the scale.)
#[tokio::test]
async fn capped_ledger_keeps_the_last_records_and_exact_totals() {
    let server = Server::builder()
        .max_connection_details(10)
        .start()
        .await
        .expect("starts");

    for _ in 0..100 {
        get_and_close(&server).await;
    }

    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        one_request_each(100)
            .ended_by(Ending::ServerClosed)
            .folding(90)
    );
    let kept: Vec<u64> = server.connections().iter().map(|c| c.id.get()).collect();
    assert_eq!(kept, (91..=100).collect::<Vec<u64>>());
}

/// A capped ledger never folds an open connection: its request count can still change. With a
/// cap of 2, connection 1 stays open while connections 2 to 5 come and go; once those four are
/// closed (the server's `Closed` events say so), the ledger keeps connection 1 and the most
/// recent closed one, 5.
#[tokio::test]
async fn capped_ledger_never_folds_an_open_connection() {
    let (closed_tx, mut closed) = mpsc::unbounded_channel();
    let server = Server::builder()
        .max_connection_details(2)
        .on_event(move |event| {
            if let Event::Closed { id, .. } = event {
                let _ = closed_tx.send(*id);
            }
        })
        .start()
        .await
        .expect("starts");

    let first = get_and_keep(&server).await;
    for _ in 0..4 {
        get_and_close(&server).await;
    }
    for _ in 0..4 {
        closed.recv().await.expect("the server is running");
    }

    let kept: Vec<(ConnectionId, bool)> = server
        .connections()
        .iter()
        .map(|c| (c.id, c.closed))
        .collect();
    assert_eq!(
        kept,
        [
            ("1".parse().expect("id"), false),
            ("5".parse().expect("id"), true)
        ]
    );
    assert_eq!(
        server.report(),
        one_request_each(5)
            .with_endings(Endings::all(Ending::ServerClosed, 4).and(Ending::Open, 1))
            .folding(3)
    );
    drop(first);
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        one_request_each(5)
            .with_endings(Endings::all(Ending::ServerClosed, 4).and(Ending::ClientClosed, 1))
            .folding(3)
    );
}
