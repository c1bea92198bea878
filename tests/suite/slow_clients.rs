//! Slow and silent clients against the header read timeout: a head that trickles in, a first
//! byte that comes late, a socket that says nothing. The deadline for a first request runs from
//! the accept (`server/connection.rs`), on tokio's clock, so on the paused clock each close comes
//! exactly one timeout after its accept and takes no real time.

use std::io::ErrorKind;
use std::time::Duration;

use keepalive_probe::{Ending, Report, Server};
use pretty_assertions::assert_eq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::hostile::{hostile_then_served, served_once, start};
use crate::support::raw_tcp::{connect, read_until_closed};
use crate::support::settle::SETTLE;

/// How long the server kept connection `id` open, on its own clock: from its accept to its close.
fn open_for(server: &Server, id: u64) -> Duration {
    let connection = server
        .connections()
        .into_iter()
        .find(|c| c.id.get() == id)
        .expect("the connection is in the ledger");
    let closed = connection.closed_at.expect("the connection is closed");
    closed.at - connection.accepted.at
}

/// Waits, on the paused clock, until the server closes `stream`: EOF, or a reset when bytes the
/// client sent were still unread as the server closed (a close with unread input resets).
async fn closed_without_a_response(stream: &mut TcpStream) {
    let mut reply = [0; 64];
    match stream.read(&mut reply).await {
        Ok(0) => {}
        Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("expected a close without a response, got {other:?}"),
    }
}

/// A slowloris client sends its head one byte every 100 ms and never finishes it. The server's
/// deadline for a first request head runs from the accept (`server/connection.rs`) and is not
/// restarted when bytes trickle in, so the connection is closed exactly 10 s after the accept,
/// on the server's clock, without a response. Accepted 1, 0 requests.
///
/// On tokio's paused clock the 10 s take no real time, and the server's ledger times the
/// connection on that clock, so the 10 s are exact whatever the client's steps.
#[tokio::test(start_paused = true)]
async fn slowloris_is_closed_by_the_header_read_timeout() {
    const TIMEOUT: Duration = Duration::from_secs(10);
    const STEP: Duration = Duration::from_millis(100);
    let server = start(Server::builder().header_read_timeout(TIMEOUT)).await;

    let mut stream = connect(&server).await;
    let head = b"GET / HTTP/1.1\r\nx-slow: "
        .iter()
        .chain([b'a'].iter().cycle());
    for byte in head {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::select! {
            biased;
            () = closed_without_a_response(&mut stream) => break,
            () = tokio::time::sleep(STEP) => {}
        }
    }

    served_once(&server).await;
    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        hostile_then_served(Ending::ServerClosed)
    );
    assert_eq!(open_for(&server, 1), TIMEOUT);
}

/// One byte at 0.9 s of a 1 s timeout, then nothing. hyper-util reads a connection's first bytes
/// to tell HTTP/1 from HTTP/2 with no timeout, and hyper's header timer starts only after that
/// read: on their own the two would run in series and keep this socket open until 1.9 s. The
/// server's one deadline from accept to first request closes it at exactly 1 s, as
/// `header_read_timeout` promises.
#[tokio::test(start_paused = true)]
async fn a_late_first_byte_does_not_extend_the_header_read_timeout() {
    const TIMEOUT: Duration = Duration::from_secs(1);
    let server = start(Server::builder().header_read_timeout(TIMEOUT)).await;

    let mut stream = connect(&server).await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    stream.write_all(b"G").await.expect("the server reads");
    closed_without_a_response(&mut stream).await;

    assert_eq!(
        server.report_within(SETTLE).await.unwrap(),
        Report::closed([0]).ended_by(Ending::ServerClosed)
    );
    assert_eq!(open_for(&server, 1), TIMEOUT);
}

/// A socket that connects and sends nothing is closed by the header read timeout too, exactly
/// `TIMEOUT` after its accept on the server's clock: the deadline covers waiting for the first
/// byte, not only a head that has begun. The client reads EOF.
#[tokio::test(start_paused = true)]
async fn silent_socket_is_closed_by_the_header_read_timeout() {
    const TIMEOUT: Duration = Duration::from_secs(10);
    let server = start(Server::builder().header_read_timeout(TIMEOUT)).await;

    let mut stream = connect(&server).await;
    let report = server
        .report_within(2 * TIMEOUT)
        .await
        .expect("the server closes a silent socket");

    assert_eq!(read_until_closed(&mut stream).await, "");
    assert_eq!(report, Report::closed([0]).ended_by(Ending::ServerClosed));
    assert_eq!(open_for(&server, 1), TIMEOUT);
}
