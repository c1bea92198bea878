//! Dropping a response without reading its body — Go's classic keep-alive leak. Go's client
//! (before 1.27) opens a new connection every time; reqwest (hyper) does not always. What decides
//! it is whether the body is *finished* when the client lets go, and hyper finishes it only with
//! what it has already read, plus at most one more read:
//!
//! - hyper reads one body frame ahead of the caller (the dispatcher fills the body channel's
//!   single slot as soon as the headers are parsed);
//! - when the response is dropped, `Dispatcher::poll_read` calls
//!   [`Conn::poll_drain_or_close_read`](https://github.com/hyperium/hyper/blob/v1.12.0/src/proto/h1/conn.rs#L876)
//!   ("if the read side can be cheaply drained, do so; otherwise, close"), which calls
//!   `poll_read_body` once: if that reaches the end of the message the connection is kept,
//!   otherwise `close_read` disables keep-alive.
//!
//! hyper's first read on a connection is 8 KiB (`INIT_BUFFER_SIZE` in `proto/h1/io.rs`), and
//! each read that fills its buffer doubles the next (`ReadStrategy::Adaptive`). So a body that
//! arrives with its headers in 8 KiB costs nothing, one that a 16 KiB drain read can finish
//! survives but races the next request, and anything larger closes the connection. Reading the
//! first chunk and then dropping behaves exactly like dropping unread: `chunk()` returns the
//! frame hyper had already read ahead, without a further read. Each test runs both ways.
//!
//! Every count here is exact on a current-thread runtime: client, server and connection tasks
//! run in one deterministic order, and loopback delivers each write inside the sending system
//! call. `cargo test --test no_drain -- --list` is the lesson's outline.

#[path = "support/client.rs"]
mod client;
#[path = "support/seed.rs"]
mod seed;
#[path = "support/settle.rs"]
mod settle;

use client::reqwest_builder;
use keepalive_probe::scenario::{KIB, MIB, families};
use keepalive_probe::{Consume, Ending, Report, Server};
use pretty_assertions::assert_eq;
use rstest::rstest;
use seed::matrix_agrees;
use settle::SETTLE;

/// The two ways a test lets a body go.
use Consume::{FirstChunk, Unread};

/// A `Content-Length` body that fits, with its ~160 bytes of headers, into hyper's first 8 KiB
/// read is complete before the test sees the response: `poll_read_body` reached the end of the
/// message during the read-ahead. Dropping it costs nothing: one connection for five requests.
#[rstest]
#[case::empty(0)]
#[case::two_bytes(2)]
#[case::one_kib(KIB)]
#[case::four_kib(4 * KIB)]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn dropped_body_that_arrived_with_the_headers_still_reuses(
    #[case] body_bytes: usize,
    #[values(Unread, FirstChunk)] consume: Consume,
) {
    let server = Server::builder()
        .body_bytes(body_bytes)
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..5 {
        let mut response = client.get(server.url()).send().await.unwrap();
        if consume == FirstChunk {
            response.chunk().await.unwrap();
        }
        drop(response); // the rest of the body unread
    }
    drop(client);

    let expected = Report::closed([5]);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::dropped_body_that_arrived_with_the_headers_still_reuses(body_bytes, consume),
        &expected,
    );
}

/// An 8 KiB body (8351 bytes with headers) overflows the first 8192-byte read, so
/// `try_send_request` spawns the task that returns the connection once it is idle. Request 2's
/// checkout finds the pool empty and starts a connect (`select(checkout, connect)` in hyper-util's
/// `one_connection_for`). Then the drain read finishes connection 1's body and `Pool::put` hands
/// it to the waiting checkout; the connect finishes in the background and leaves connection 2
/// idle. Connection 1's next read is 16 KiB, so from then on each response arrives whole with
/// its headers: connection 2 never carries a request.
#[rstest]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn dropped_body_finished_by_the_drain_read_races_an_extra_connection(
    #[values(Unread, FirstChunk)] consume: Consume,
) {
    let server = Server::builder().body_bytes(8 * KIB).start().await.unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..5 {
        let mut response = client.get(server.url()).send().await.unwrap();
        if consume == FirstChunk {
            response.chunk().await.unwrap();
        }
        drop(response); // the rest of the body unread
    }
    drop(client);

    let expected = Report::closed([5, 0]);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::dropped_body_finished_by_the_drain_read_races_an_extra_connection(consume),
        &expected,
    );
}

/// A 16 KiB body: request 2 races as above and gets connection 1; connection 2 goes idle.
/// Response 2 fills connection 1's 16 KiB read without finishing, so request 3 takes connection
/// 2; connection 1 comes back with its next read doubled to 32 KiB. Connection 2's first 8 KiB
/// read is again unfinished, so request 4 takes connection 1, whose 32 KiB read now holds the
/// whole response, and it serves request 5 too: served by 1, 1, 2, 1, 1.
#[rstest]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn dropped_body_two_reads_long_shares_requests_between_two_connections(
    #[values(Unread, FirstChunk)] consume: Consume,
) {
    let server = Server::builder()
        .body_bytes(16 * KIB)
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..5 {
        let mut response = client.get(server.url()).send().await.unwrap();
        if consume == FirstChunk {
            response.chunk().await.unwrap();
        }
        drop(response); // the rest of the body unread
    }
    drop(client);

    let expected = Report::closed([4, 1]);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::dropped_body_two_reads_long_shares_requests_between_two_connections(consume),
        &expected,
    );
}

/// A small chunked body arrives whole in one read, terminator included, but hyper's chunked
/// decoder (`Decoder::decode`) returns the data frame before it reaches `ChunkedState::End`, and
/// `poll_read_body` runs again only when the caller wants more. So the connection goes idle only
/// when the drain read runs after the drop — after the next request's checkout has started a
/// connect. From then on each checkout finds only the connection not used last: served by 1, 1,
/// 2, 1, 2.
#[rstest]
#[case::two_bytes(2)]
#[case::one_kib(KIB)]
#[case::four_kib(4 * KIB)]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections(
    #[case] body_bytes: usize,
    #[values(Unread, FirstChunk)] consume: Consume,
) {
    let server = Server::builder()
        .body_bytes(body_bytes)
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..5 {
        let mut response = client.get(server.url_for("/chunked")).send().await.unwrap();
        if consume == FirstChunk {
            response.chunk().await.unwrap();
        }
        drop(response); // the rest of the body unread
    }
    drop(client);

    let expected = Report::closed([3, 2]);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections(
            body_bytes, consume,
        ),
        &expected,
    );
}

/// A body hyper cannot finish with one drain read (32 KiB and up on a fresh connection) is
/// abandoned: the drain read is not at the end, and `close_read` disables keep-alive. Every
/// request pays a new TCP handshake — Go's leak, in reqwest — and the client's socket closes with
/// response bytes unread, so Linux resets it.
#[rstest]
#[case::thirty_two_kib(32 * KIB)]
#[case::sixty_four_kib(64 * KIB)]
#[case::one_mib(MIB)]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn dropped_large_body_forces_new_connection(
    #[case] body_bytes: usize,
    #[values(Unread, FirstChunk)] consume: Consume,
) {
    let server = Server::builder()
        .body_bytes(body_bytes)
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..5 {
        let mut response = client.get(server.url()).send().await.unwrap();
        if consume == FirstChunk {
            response.chunk().await.unwrap();
        }
        drop(response); // the rest of the body unread
    }
    drop(client);

    let expected = Report::closed([1, 1, 1, 1, 1]).ended_by(Ending::ClientReset);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::dropped_large_body_forces_new_connection(body_bytes, consume),
        &expected,
    );
}

/// A chunked body of several 16 KiB chunks (64 KiB here): the drain read returns the next chunk's
/// data, not the end of the message, so hyper closes — whatever the total size.
#[rstest]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn dropped_multi_chunk_body_forces_new_connection(
    #[values(Unread, FirstChunk)] consume: Consume,
) {
    let server = Server::builder()
        .body_bytes(64 * KIB)
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..5 {
        let mut response = client.get(server.url_for("/chunked")).send().await.unwrap();
        if consume == FirstChunk {
            response.chunk().await.unwrap();
        }
        drop(response); // the rest of the body unread
    }
    drop(client);

    let expected = Report::closed([1, 1, 1, 1, 1]).ended_by(Ending::ClientReset);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::dropped_multi_chunk_body_forces_new_connection(consume),
        &expected,
    );
}
