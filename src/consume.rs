//! How a test consumes a response — the one thing that decides whether a client can reuse a
//! connection: read the body to the end, drop it unread, read only the first chunk, or decode it.

use std::io::{BufReader, Read};

use serde::Serialize;

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
    /// Read the first chunk of the body, then drop the rest. Async: `response.chunk().await`,
    /// the first data frame hyper delivered. Blocking: one `read` into a buffer larger than any
    /// frame, which `reqwest::blocking` fills from that same first frame and no further.
    FirstChunk,
    /// `response.error_for_status()?`: read successful bodies to the end, drop error responses
    /// unread — the early return that wrappers write without thinking about the connection.
    ErrorForStatus,
    /// Decode the body as JSON whole. Async: as reqwest's `json()` does (`bytes()`, then
    /// `serde_json::from_slice`). Blocking: `serde_json::from_reader`, which reads on to EOF
    /// to check that only whitespace follows the value. Either way the body is read to its end.
    Json,
    /// Decode the body as a stream of JSON values and stop after the first one, as a streaming
    /// decoder does (`serde_json::StreamDeserializer`): chunks are read until one value is
    /// complete, and whatever follows it — a trailing newline, a chunked body's terminator — is
    /// left unread.
    JsonFirstValue,
}

/// A response that could not be consumed.
#[derive(Debug)]
pub enum ConsumeError {
    /// The body could not be read.
    Http(reqwest::Error),
    /// The body could not be read (blocking client).
    Io(std::io::Error),
    /// The body is not the JSON it should be.
    Json(serde_json::Error),
}

// Written out rather than derived, as the library's other errors are: thiserror's proc macro
// was this crate's only reason to compile it.
impl std::fmt::Display for ConsumeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsumeError::Http(error) => error.fmt(f),
            ConsumeError::Io(error) => error.fmt(f),
            ConsumeError::Json(error) => write!(f, "the body is not JSON: {error}"),
        }
    }
}

impl std::error::Error for ConsumeError {
    /// A read error stands for itself (its source is its own); a JSON error is the cause.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConsumeError::Http(error) => error.source(),
            ConsumeError::Io(error) => error.source(),
            ConsumeError::Json(error) => Some(error),
        }
    }
}

impl From<reqwest::Error> for ConsumeError {
    fn from(error: reqwest::Error) -> Self {
        ConsumeError::Http(error)
    }
}

impl From<std::io::Error> for ConsumeError {
    fn from(error: std::io::Error) -> Self {
        ConsumeError::Io(error)
    }
}

impl From<serde_json::Error> for ConsumeError {
    fn from(error: serde_json::Error) -> Self {
        ConsumeError::Json(error)
    }
}

/// The blocking `FirstChunk` read: larger than any frame hyper hands over (its read buffer is
/// capped at about 400 KiB), so the read returns exactly the first frame.
const FIRST_CHUNK_BUFFER: usize = 1024 * 1024;

impl Consume {
    /// Consumes `response` this way; an error if the body could not be read or decoded.
    pub async fn response(self, response: reqwest::Response) -> Result<(), ConsumeError> {
        let mut response = response;
        match self {
            Consume::ToEnd => drop(response.bytes().await?),
            Consume::Unread => drop(response),
            Consume::FirstChunk => drop(response.chunk().await?),
            Consume::ErrorForStatus => {
                if let Ok(response) = response.error_for_status() {
                    response.bytes().await?;
                }
            }
            Consume::Json => {
                serde_json::from_slice::<serde_json::Value>(&response.bytes().await?)?;
            }
            Consume::JsonFirstValue => {
                let mut body = Vec::new();
                while !first_json_value_complete(&body)? {
                    match response.chunk().await? {
                        Some(chunk) => body.extend_from_slice(&chunk),
                        None => return Err(unexpected_end()),
                    }
                }
            }
        }
        Ok(())
    }

    /// The same for `reqwest::blocking`, whose body is a [`Read`]er.
    pub fn blocking_response(
        self,
        mut response: reqwest::blocking::Response,
    ) -> Result<(), ConsumeError> {
        match self {
            Consume::ToEnd => drop(std::io::copy(&mut response, &mut std::io::sink())?),
            Consume::Unread => drop(response),
            Consume::FirstChunk => drop(response.read(&mut vec![0; FIRST_CHUNK_BUFFER])?),
            Consume::ErrorForStatus => {
                if let Ok(mut response) = response.error_for_status() {
                    std::io::copy(&mut response, &mut std::io::sink())?;
                }
            }
            // Buffered, as serde_json advises: it reads one byte at a time.
            Consume::Json => {
                serde_json::from_reader::<_, serde_json::Value>(BufReader::new(response))?;
            }
            Consume::JsonFirstValue => {
                serde_json::Deserializer::from_reader(BufReader::new(response))
                    .into_iter::<serde_json::Value>()
                    .next()
                    .ok_or_else(unexpected_end)??;
            }
        }
        Ok(())
    }
}

/// Whether `body` begins with a complete JSON value; an error if it cannot be JSON.
fn first_json_value_complete(body: &[u8]) -> Result<bool, serde_json::Error> {
    match serde_json::Deserializer::from_slice(body)
        .into_iter::<serde_json::Value>()
        .next()
    {
        Some(Ok(_)) => Ok(true),
        Some(Err(error)) if !error.is_eof() => Err(error),
        _ => Ok(false),
    }
}

fn unexpected_end() -> ConsumeError {
    ConsumeError::Json(serde_json::Error::io(
        std::io::ErrorKind::UnexpectedEof.into(),
    ))
}
