//! How a test consumes a response — the one thing that decides whether a client can reuse a
//! connection: read the body to the end, drop it unread, or read only the first chunk.

use std::io::{BufReader, Read};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::ledger::ConnectionId;
use crate::server::CONNECTION_ID_HEADER;

/// What the client does with a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Consume {
    /// Read the body to its end (`response.bytes().await`): the connection is free for the next
    /// request as soon as the last byte is read.
    ToEnd,
    /// Drop the response without reading a byte of the body, as Go code that closes a body it
    /// never read does.
    Unread,
    /// Read one chunk of the body (`response.chunk().await`), then drop the rest.
    FirstChunk,
    /// `response.error_for_status()?`: read successful bodies to the end, drop error responses
    /// unread — the early return that wrappers write without thinking about the connection.
    ErrorForStatus,
    /// Decode the body as JSON whole, as reqwest's `json()` does (`bytes()`, then
    /// `serde_json::from_slice`): the body is read to its end.
    Json,
    /// Decode the body as a stream of JSON values and stop after the first one, as a streaming
    /// decoder does (`serde_json::StreamDeserializer`): chunks are read until one value is
    /// complete, and whatever follows it — a trailing newline, a chunked body's terminator — is
    /// left unread.
    JsonFirstValue,
}

/// A response that could not be consumed.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    /// The body could not be read.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// The body could not be read (blocking client).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The body is not the JSON it should be.
    #[error("the body is not JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// What was learned from one consumed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumed {
    /// The response status.
    pub status: StatusCode,
    /// The connection that served it, from the counting server's header (`None` from other
    /// servers).
    pub connection: Option<ConnectionId>,
    /// Body bytes the client read before dropping the response.
    pub bytes_read: usize,
}

impl Consume {
    /// Consumes `response` this way and reports what was read.
    pub async fn response(self, response: reqwest::Response) -> Result<Consumed, ConsumeError> {
        let status = response.status();
        let connection = connection_id(response.headers());
        let bytes_read = match self {
            Consume::ToEnd => response.bytes().await?.len(),
            Consume::Unread => 0,
            Consume::FirstChunk => {
                let mut response = response;
                response.chunk().await?.map_or(0, |chunk| chunk.len())
            }
            Consume::ErrorForStatus => match response.error_for_status() {
                Ok(response) => response.bytes().await?.len(),
                Err(_) => 0,
            },
            Consume::Json => {
                let body = response.bytes().await?;
                serde_json::from_slice::<serde_json::Value>(&body)?;
                body.len()
            }
            Consume::JsonFirstValue => {
                let mut response = response;
                let mut body = Vec::new();
                loop {
                    let mut values = serde_json::Deserializer::from_slice(&body)
                        .into_iter::<serde_json::Value>();
                    match values.next() {
                        Some(Ok(_)) => break,
                        Some(Err(error)) if !error.is_eof() => return Err(error.into()),
                        _ => match response.chunk().await? {
                            Some(chunk) => body.extend_from_slice(&chunk),
                            None => {
                                return Err(ConsumeError::Json(serde_json::Error::io(
                                    std::io::ErrorKind::UnexpectedEof.into(),
                                )));
                            }
                        },
                    }
                }
                body.len()
            }
        };
        Ok(Consumed {
            status,
            connection,
            bytes_read,
        })
    }

    /// The same for `reqwest::blocking`, whose body is a [`Read`]er: the first chunk is one
    /// `read` into a 16 KiB buffer.
    pub fn blocking_response(
        self,
        mut response: reqwest::blocking::Response,
    ) -> Result<Consumed, ConsumeError> {
        let status = response.status();
        let connection = connection_id(response.headers());
        let bytes_read = match self {
            Consume::ToEnd => std::io::copy(&mut response, &mut std::io::sink())? as usize,
            Consume::Unread => 0,
            Consume::FirstChunk => response.read(&mut [0; 16 * 1024])?,
            Consume::ErrorForStatus => match response.error_for_status() {
                Ok(mut response) => std::io::copy(&mut response, &mut std::io::sink())? as usize,
                Err(_) => 0,
            },
            // `from_reader` checks that only whitespace follows the value, so it reads to EOF.
            Consume::Json => {
                let mut counted = CountingReader::new(&mut response);
                // Buffered, as serde_json advises: it reads one byte at a time.
                serde_json::from_reader::<_, serde_json::Value>(BufReader::new(&mut counted))?;
                counted.bytes
            }
            Consume::JsonFirstValue => {
                let mut counted = CountingReader::new(&mut response);
                serde_json::Deserializer::from_reader(BufReader::new(&mut counted))
                    .into_iter::<serde_json::Value>()
                    .next()
                    .transpose()?;
                counted.bytes
            }
        };
        Ok(Consumed {
            status,
            connection,
            bytes_read,
        })
    }
}

/// A reader that counts the bytes read through it.
struct CountingReader<R> {
    inner: R,
    bytes: usize,
}

impl<R> CountingReader<R> {
    fn new(inner: R) -> Self {
        CountingReader { inner, bytes: 0 }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.bytes += read;
        Ok(read)
    }
}

/// The connection that served a response, from the counting server's `x-connection-id` header.
pub fn connection_id(headers: &HeaderMap) -> Option<ConnectionId> {
    headers
        .get(CONNECTION_ID_HEADER)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
