//! A server's life ends cleanly: shutting it down or dropping it, with connections in every state
//! of flight, ends all of its tasks, closes every socket and frees its port. And two servers in
//! one test never share a ledger.
//!
//! These tests run on tokio's current-thread runtime (the `#[tokio::test]` default) on purpose: a
//! task that ends there is removed from the runtime's task count in the same step that wakes
//! whoever waits on it, so when the test resumes, `num_alive_tasks` is already exact. (On a
//! multi-threaded runtime the waiter can run on another worker a moment before the count drops.)

use std::io::ErrorKind;

use keepalive_probe::{Ending, Event, Report, Server};
use pretty_assertions::assert_eq;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::support::raw_tcp::{GET_AND_CLOSE, send};
use crate::support::settle::SETTLE;

/// How the server is stopped.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// `server.shutdown().await`: returns once everything is closed.
    Shutdown,
    /// `drop(server)`: aborts the accept loop, whose connection tasks are aborted with it.
    Drop,
}

/// What the server reported about connections: accepted (`true`) or closed (`false`).
fn ledger_events() -> (
    impl Fn(&Event<'_>) + Send + Sync + 'static,
    mpsc::UnboundedReceiver<bool>,
) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let callback = move |event: &Event<'_>| match event {
        Event::Accepted { .. } => {
            let _ = sender.send(true);
        }
        Event::Closed { .. } => {
            let _ = sender.send(false);
        }
        _ => {}
    };
    (callback, receiver)
}

/// Waits for `count` events of one kind (accepted or closed), skipping the other kind.
async fn wait_for(events: &mut mpsc::UnboundedReceiver<bool>, accepted: bool, count: usize) {
    let mut seen = 0;
    while seen < count {
        let event = events.recv().await.expect("the sender lives in the server");
        seen += usize::from(event == accepted);
    }
}

/// Reads until the server's side of the connection is gone: EOF, or a reset.
async fn closed_by_server(mut stream: TcpStream) {
    let mut rest = Vec::new();
    if let Err(error) = stream.read_to_end(&mut rest).await {
        assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}");
    }
}

/// Four connections caught mid-flight — one that never spoke, one halfway through its request
/// head, one halfway through an 8 MiB response (the server blocked writing into full socket
/// buffers), one idle after a complete exchange — then the server is stopped.
///
/// Everything the server owned goes: every client reads its connection's end; the ledger closed
/// all four records (`Closed` events); the runtime has exactly the tasks it had before the server
/// started (the accept loop and every connection task are gone); and the port can be bound again
/// (std's listener sets `SO_REUSEADDR`, so the server's TIME_WAIT connections do not hold it).
async fn stopping_with_connections_in_flight_frees_tasks_sockets_and_port(stop: Stop) {
    let tasks_before = Handle::current().metrics().num_alive_tasks();
    let (on_event, mut events) = ledger_events();
    let server = Server::builder()
        .body_bytes(8 * 1024 * 1024)
        .on_event(on_event)
        .start()
        .await
        .expect("starts");
    let addr = server.addr();

    let silent = send(&server, b"").await;
    let half_head = send(&server, b"GET / HTTP/1.1\r\nhost: pro").await;
    let mut mid_response = send(&server, GET_AND_CLOSE).await;
    let mut first_bytes = [0; 1024];
    let read = mid_response.read(&mut first_bytes).await.expect("started");
    assert!(first_bytes[..read].starts_with(b"HTTP/1.1 200 OK\r\n"));
    let mut idle = send(&server, b"GET /bytes/2 HTTP/1.1\r\nhost: probe\r\n\r\n").await;
    let mut reply = Vec::new();
    while !reply.ends_with(b"\r\n\r\nok") {
        assert_ne!(idle.read_buf(&mut reply).await.expect("answered"), 0);
    }
    wait_for(&mut events, true, 4).await;

    match stop {
        Stop::Shutdown => server.shutdown().await,
        Stop::Drop => drop(server),
    }
    for stream in [silent, half_head, mid_response, idle] {
        closed_by_server(stream).await;
    }

    wait_for(&mut events, false, 4).await;
    assert_eq!(Handle::current().metrics().num_alive_tasks(), tasks_before);
    std::net::TcpListener::bind(addr).expect("the port is free again");
}

#[tokio::test]
async fn shutdown_with_connections_in_flight_frees_tasks_sockets_and_port() {
    stopping_with_connections_in_flight_frees_tasks_sockets_and_port(Stop::Shutdown).await;
}

#[tokio::test]
async fn drop_with_connections_in_flight_frees_tasks_sockets_and_port() {
    stopping_with_connections_in_flight_frees_tasks_sockets_and_port(Stop::Drop).await;
}

/// One request on a fresh connection, answered; returns the connection id the response names.
async fn served_by(server: &Server) -> String {
    let mut stream = send(server, GET_AND_CLOSE).await;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.expect("answered");
    String::from_utf8_lossy(&reply)
        .lines()
        .find_map(|line| line.strip_prefix("x-connection-id: "))
        .expect("the response names its connection")
        .to_owned()
}

/// Two servers, interleaved clients: each ledger counts only its own connections, numbered from
/// 1, and stopping one leaves the other serving. Nothing in the crate is global.
#[tokio::test]
async fn two_servers_never_mix_their_ledgers() {
    let first = Server::start().await.expect("starts");
    let second = Server::start().await.expect("starts");

    let ids = [
        served_by(&first).await,
        served_by(&second).await,
        served_by(&second).await,
        served_by(&first).await,
        served_by(&second).await,
    ];
    assert_eq!(ids, ["1", "1", "2", "2", "3"]);
    assert_eq!(
        first.report_within(SETTLE).await.unwrap(),
        Report::closed([1, 1]).ended_by(Ending::ServerClosed)
    );
    first.shutdown().await;

    assert_eq!(served_by(&second).await, "4");
    assert_eq!(
        second.report_within(SETTLE).await.unwrap(),
        Report::closed([1, 1, 1, 1]).ended_by(Ending::ServerClosed)
    );
}
