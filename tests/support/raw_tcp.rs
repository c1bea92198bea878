//! A client that decides every byte on the wire: raw `TcpStream`s against the counting server,
//! for tests that need what no HTTP client would send (as hyper-util keeps its `test_utils`).

use keepalive_probe::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One GET that asks the server to close after answering, so the connection carries exactly it.
pub const GET_AND_CLOSE: &[u8] = b"GET / HTTP/1.1\r\nhost: probe\r\nconnection: close\r\n\r\n";

/// A fresh connection to `server`.
pub async fn connect(server: &Server) -> TcpStream {
    TcpStream::connect(server.addr())
        .await
        .expect("the server is listening")
}

/// Writes `bytes` on a fresh connection and returns the connection.
pub async fn send(server: &Server, bytes: &[u8]) -> TcpStream {
    let mut stream = connect(server).await;
    stream.write_all(bytes).await.expect("the request is sent");
    stream
}

/// Writes `request` on a fresh connection and returns everything the server sent until it
/// closed.
pub async fn exchange(server: &Server, request: &[u8]) -> String {
    read_until_closed(&mut send(server, request).await).await
}

/// Everything the server sends until it closes, as text.
pub async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut reply = Vec::new();
    stream
        .read_to_end(&mut reply)
        .await
        .expect("the server closes cleanly (FIN, not RST)");
    String::from_utf8_lossy(&reply).into_owned()
}
