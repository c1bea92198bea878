//! The load generator's clients: raw HTTP/1.1 over `TcpStream`, a fixed `GET`, the response read
//! up to the end of the body its `Content-Length` names. A fraction of what reqwest costs per
//! request, so the server stays the bottleneck.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The request every load sends: the shortest valid HTTP/1.1 request for the default body.
pub const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

/// The churn load's request: the same, asking the server to close the connection once it answers.
pub const CLOSE_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";

/// One connection, requests back to back until the deadline. Returns (requests, connections).
pub async fn keep_alive_client(addr: SocketAddr, deadline: Instant) -> io::Result<(u64, u64)> {
    let mut stream = connect(addr).await?;
    let mut buffer = ResponseBuffer::default();
    let mut requests = 0;
    while Instant::now() < deadline {
        stream.write_all(REQUEST).await?;
        buffer.read_response(&mut stream).await?;
        requests += 1;
    }
    Ok((requests, 1))
}

/// A new connection per request until the deadline. The request says `Connection: close`, so the
/// server closes once it has answered; the client reads to that end of stream and only then drops
/// its socket. The side that closes first keeps the TIME_WAIT, so it lands on the server (see the
/// module docs for why the client must not be the one).
pub async fn churn_client(addr: SocketAddr, deadline: Instant) -> io::Result<(u64, u64)> {
    let mut buffer = ResponseBuffer::default();
    let mut requests = 0;
    while Instant::now() < deadline {
        let mut stream = connect(addr).await?;
        stream.write_all(CLOSE_REQUEST).await?;
        buffer.read_response(&mut stream).await?;
        buffer.read_server_close(&mut stream).await?;
        requests += 1;
    }
    Ok((requests, requests))
}

async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Reads one response at a time from a connection that carries one request at a time.
#[derive(Debug)]
struct ResponseBuffer {
    bytes: Box<[u8; 4096]>,
}

impl Default for ResponseBuffer {
    fn default() -> Self {
        ResponseBuffer {
            bytes: Box::new([0; 4096]),
        }
    }
}

impl ResponseBuffer {
    /// Reads until the end of a `200` response's body, and checks it is the default body.
    ///
    /// The two servers' heads differ in length (the counting headers), so the end is found from the
    /// head's `Content-Length`, not from a fixed size.
    async fn read_response(&mut self, stream: &mut TcpStream) -> io::Result<()> {
        let mut filled = 0;
        loop {
            let read = stream.read(&mut self.bytes[filled..]).await?;
            if read == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "server closed mid-response",
                ));
            }
            filled += read;
            if let Some(end) = response_end(&self.bytes[..filled])? {
                if end != filled {
                    return Err(invalid(
                        "bytes after the response: the server sent too much",
                    ));
                }
                if !self.bytes[..filled].ends_with(b"ok") {
                    return Err(invalid("unexpected body"));
                }
                return Ok(());
            }
            if filled == self.bytes.len() {
                return Err(invalid("response larger than 4 KiB"));
            }
        }
    }

    /// Waits for the server to close the connection after its response, with nothing more sent.
    async fn read_server_close(&mut self, stream: &mut TcpStream) -> io::Result<()> {
        match stream.read(&mut self.bytes[..]).await? {
            0 => Ok(()),
            _ => Err(invalid(
                "bytes after the response: the server sent too much",
            )),
        }
    }
}

/// Where the response in `bytes` ends, once its head and whole body have arrived.
fn response_end(bytes: &[u8]) -> io::Result<Option<usize>> {
    let Some(head_end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&bytes[..head_end]).map_err(|_| invalid("non-UTF-8 head"))?;
    if !head.starts_with("HTTP/1.1 200 ") {
        return Err(invalid("status is not 200"));
    }
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .ok_or_else(|| invalid("no Content-Length"))?;
    let end = head_end + 4 + length;
    Ok((bytes.len() >= end).then_some(end))
}

pub fn invalid(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}
