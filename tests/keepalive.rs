//! Keep-alive works when the client plays along: read every response body to its end and one TCP
//! connection carries every request, whatever the body's size or framing.
//!
//! Why: hyper's HTTP/1 client dispatcher marks the connection idle the moment its body decoder
//! reaches the end of the message (`Conn::poll_read_body` sets `Reading::KeepAlive`, then
//! `State::try_keep_alive` → `idle()`, in
//! [`proto/h1/conn.rs`](https://github.com/hyperium/hyper/blob/v1.12.0/src/proto/h1/conn.rs)),
//! and hyper-util's pool takes it back (`Pooled::drop` → `Pool::put`). On a current-thread
//! runtime the scheduler runs that connection task before it resumes the test, so the connection
//! is in the pool before `bytes().await` returns, and the next request's checkout finds it.
//!
//! Each case is its own test: `cargo test --test keepalive -- --list` is the lesson's outline.

#[path = "support/client.rs"]
mod client;
#[path = "support/seed.rs"]
mod seed;
#[path = "support/settle.rs"]
mod settle;

use client::reqwest_builder;
use keepalive_probe::scenario::{KIB, MIB, families};
use keepalive_probe::{Report, Server};
use pretty_assertions::assert_eq;
use rstest::rstest;
use seed::matrix_agrees;
use settle::SETTLE;

/// N sequential requests, each body read to the end: one connection carries all N. Reuse
/// depends on the body being finished, not on how long it took to read, so the size does not
/// matter.
#[rstest]
#[case::empty(0)]
#[case::two_bytes(2)]
#[case::sixty_four_kib(64 * KIB)]
#[case::one_mib(MIB)]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn full_read_reuses_one_connection(
    #[case] body_bytes: usize,
    #[values(1, 2, 10)] requests: usize,
) {
    let server = Server::builder()
        .body_bytes(body_bytes)
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..requests {
        let response = client.get(server.url()).send().await.unwrap();
        response.bytes().await.unwrap(); // read to the end
    }
    drop(client);

    let expected = Report::closed([requests]);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::full_read_reuses_one_connection(body_bytes, requests),
        &expected,
    );
}

/// A chunked body (`Transfer-Encoding: chunked`, 16 KiB chunks) read to the end reuses the
/// connection as a `Content-Length` one does: the zero-length last chunk ends the message.
#[rstest]
#[case::two_bytes(2)]
#[case::sixty_four_kib(64 * KIB)]
#[case::one_mib(MIB)]
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn chunked_full_read_reuses_one_connection(#[case] body_bytes: usize) {
    let server = Server::builder()
        .body_bytes(body_bytes)
        .start()
        .await
        .unwrap();
    let client = reqwest_builder().build().unwrap();
    for _ in 0..10 {
        let response = client.get(server.url_for("/chunked")).send().await.unwrap();
        response.bytes().await.unwrap(); // read to the 0-length last chunk
    }
    drop(client);

    let expected = Report::closed([10]);
    assert_eq!(server.report_within(SETTLE).await.unwrap(), expected);
    matrix_agrees(
        families::chunked_full_read_reuses_one_connection(body_bytes, 10),
        &expected,
    );
}
