//! How a test consumes a response — the one thing that decides whether a client can reuse a
//! connection: read the body to the end, drop it unread, or read only the first chunk.

use std::io::Read;

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
    pub async fn response(self, response: reqwest::Response) -> reqwest::Result<Consumed> {
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
    ) -> std::io::Result<Consumed> {
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
        };
        Ok(Consumed {
            status,
            connection,
            bytes_read,
        })
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
