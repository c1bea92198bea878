//! HTTP/1 messages told apart in a byte stream the relay passes on unchanged: where each request
//! and each response begins and ends, by their heads (parsed with `httparse`, hyper's parser) and
//! their framing (`Content-Length`, chunked, or to the close). Bytes are never changed or held
//! back: the reader only watches them go by.
//!
//! What it cannot follow (a head still incomplete after [`MAX_HEAD`] bytes, a malformed head,
//! what follows a switch of protocols or a `CONNECT`) turns it off for the rest of the
//! connection: the bytes still pass, and what was counted stays counted.

/// The largest head the reader keeps while it waits for the rest of it.
pub(super) const MAX_HEAD: usize = 64 * 1024;

use super::chunked::Chunk;

/// The most headers a head may have.
const MAX_HEADERS: usize = 100;

/// What a complete head said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Head {
    Request {
        method: String,
        target: String,
        request_id: Option<String>,
        content_length: Option<u64>,
    },
    /// A response with its status code.
    Response { status: u16 },
}

/// Something the reader saw complete in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seen {
    /// A head, complete.
    Head(Head),
    /// The body of the message whose head was seen last, complete.
    End,
}

/// How a message's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    None,
    Length(u64),
    Chunked,
    /// A response body that ends with the connection.
    ToClose,
    /// No body, and what follows is no longer HTTP/1 (a tunnel, a switch of protocols): the
    /// message ends here and the reader stops.
    Opaque,
}

/// Where the reader is in the stream.
#[derive(Debug)]
enum State {
    Head(Vec<u8>),
    Body(u64),
    Chunked(Chunk),
    ToClose,
    /// Lost: nothing more is read.
    Off,
}

/// Reads one direction of a connection: requests (client to server) or responses.
#[derive(Debug)]
pub(super) struct Reader {
    requests: bool,
    state: State,
}

impl Reader {
    pub(super) fn requests() -> Self {
        Reader {
            requests: true,
            state: State::Head(Vec::new()),
        }
    }

    pub(super) fn responses() -> Self {
        Reader {
            requests: false,
            state: State::Head(Vec::new()),
        }
    }

    /// Stops reading: the stream is opaque from here on (an upgrade, a tunnel).
    pub(super) fn turn_off(&mut self) {
        self.state = State::Off;
    }

    /// The stream ended: a body that runs to the close is complete.
    pub(super) fn end_of_stream(&mut self) -> Option<Seen> {
        matches!(self.state, State::ToClose).then(|| {
            self.state = State::Off;
            Seen::End
        })
    }

    /// Reads `bytes`, calling `seen` for each head and body end completed in them. `framing`
    /// says how the body after a head is framed: the caller knows (a response to HEAD has none).
    pub(super) fn read(
        &mut self,
        mut bytes: &[u8],
        mut framing: impl FnMut(&Head, &[httparse::Header<'_>]) -> Framing,
        mut seen: impl FnMut(Seen),
    ) {
        while !bytes.is_empty() {
            match &mut self.state {
                State::Off | State::ToClose => return,
                State::Head(kept) => {
                    let start = kept.len();
                    kept.extend_from_slice(bytes);
                    match self.parse_head(&mut framing) {
                        Some((head, used, body)) => {
                            bytes = &bytes[used - start..];
                            seen(Seen::Head(head));
                            self.state = match body {
                                Framing::None => {
                                    seen(Seen::End);
                                    State::Head(Vec::new())
                                }
                                Framing::Length(0) => {
                                    seen(Seen::End);
                                    State::Head(Vec::new())
                                }
                                Framing::Length(n) => State::Body(n),
                                Framing::Chunked => State::Chunked(Chunk::FIRST),
                                Framing::ToClose => State::ToClose,
                                Framing::Opaque => {
                                    seen(Seen::End);
                                    self.state = State::Off;
                                    return;
                                }
                            };
                        }
                        None => return,
                    }
                }
                State::Body(left) => {
                    let take = (*left).min(bytes.len() as u64);
                    *left -= take;
                    bytes = &bytes[take as usize..];
                    if *left == 0 {
                        seen(Seen::End);
                        self.state = State::Head(Vec::new());
                    }
                }
                State::Chunked(chunk) => {
                    let (used, done) = chunk.read(bytes);
                    bytes = &bytes[used..];
                    match done {
                        Some(true) => {
                            seen(Seen::End);
                            self.state = State::Head(Vec::new());
                        }
                        Some(false) => self.state = State::Off,
                        None => {}
                    }
                }
            }
        }
    }

    /// The head kept so far, if complete: what it said, how many bytes of it, and its body's
    /// framing. Turns the reader off for a head it cannot read.
    fn parse_head(
        &mut self,
        framing: &mut impl FnMut(&Head, &[httparse::Header<'_>]) -> Framing,
    ) -> Option<(Head, usize, Framing)> {
        let State::Head(kept) = &self.state else {
            return None;
        };
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let parsed = if self.requests {
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(kept) {
                Ok(httparse::Status::Complete(used)) => Some((
                    Head::Request {
                        method: request.method.unwrap_or_default().to_owned(),
                        target: request.path.unwrap_or_default().to_owned(),
                        request_id: header(request.headers, "x-request-id").map(str::to_owned),
                        content_length: header(request.headers, "content-length")
                            .and_then(|n| n.trim().parse().ok()),
                    },
                    used,
                    request.headers.to_vec(),
                )),
                Ok(httparse::Status::Partial) => None,
                Err(_) => {
                    self.state = State::Off;
                    return None;
                }
            }
        } else {
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(kept) {
                Ok(httparse::Status::Complete(used)) => Some((
                    Head::Response {
                        status: response.code.unwrap_or_default(),
                    },
                    used,
                    response.headers.to_vec(),
                )),
                Ok(httparse::Status::Partial) => None,
                Err(_) => {
                    self.state = State::Off;
                    return None;
                }
            }
        };
        match parsed {
            Some((head, used, headers)) => {
                let body = framing(&head, &headers);
                Some((head, used, body))
            }
            None => {
                if kept.len() > MAX_HEAD {
                    self.state = State::Off;
                }
                None
            }
        }
    }
}

/// A header's value as text, by name (case-insensitive).
pub(super) fn header<'h>(headers: &'h [httparse::Header<'_>], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .and_then(|h| std::str::from_utf8(h.value).ok())
}

/// A message's framing by its headers (RFC 9112, 6.3): chunked when the last transfer coding
/// (over every `Transfer-Encoding` header) is, else a length, else `otherwise` (a request: none;
/// a response: to the close).
pub(super) fn framing_by_headers(headers: &[httparse::Header<'_>], otherwise: Framing) -> Framing {
    let last_coding = headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("transfer-encoding"))
        .filter_map(|h| std::str::from_utf8(h.value).ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .rfind(|coding| !coding.is_empty());
    if last_coding.is_some_and(|coding| coding.eq_ignore_ascii_case("chunked")) {
        return Framing::Chunked;
    }
    match header(headers, "content-length").map(|n| n.trim().parse::<u64>()) {
        Some(Ok(n)) => Framing::Length(n),
        _ => otherwise,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests_in(chunks: &[&[u8]]) -> Vec<Seen> {
        let mut reader = Reader::requests();
        let mut seen = Vec::new();
        for chunk in chunks {
            reader.read(
                chunk,
                |_, headers| framing_by_headers(headers, Framing::None),
                |s| seen.push(s),
            );
        }
        seen
    }

    fn get(target: &str) -> Seen {
        Seen::Head(Head::Request {
            method: "GET".into(),
            target: target.into(),
            request_id: None,
            content_length: None,
        })
    }

    #[test]
    fn pipelined_requests_split_anywhere_are_each_seen_once() {
        let stream = b"GET /a HTTP/1.1\r\nhost: x\r\n\r\nGET /b HTTP/1.1\r\nhost: x\r\n\r\n";
        for split in 0..stream.len() {
            let seen = requests_in(&[&stream[..split], &stream[split..]]);
            assert_eq!(
                seen,
                [get("/a"), Seen::End, get("/b"), Seen::End],
                "{split}"
            );
        }
    }

    #[test]
    fn bodies_by_length_and_chunked_are_skipped_to_the_next_head() {
        let stream: &[u8] = b"POST /u HTTP/1.1\r\ncontent-length: 5\r\nx-request-id: 7\r\n\r\nhello\
            POST /c HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nt: 1\r\n\r\n\
            GET /z HTTP/1.1\r\n\r\n";
        for split in [1, 20, 60, 90, 110, stream.len() - 3] {
            let seen = requests_in(&[&stream[..split], &stream[split..]]);
            let targets: Vec<String> = seen
                .iter()
                .filter_map(|s| match s {
                    Seen::Head(Head::Request { target, .. }) => Some(target.clone()),
                    _ => None,
                })
                .collect();
            assert_eq!(targets, ["/u", "/c", "/z"], "{split}");
            assert_eq!(seen.iter().filter(|s| **s == Seen::End).count(), 3);
        }
        let Seen::Head(Head::Request {
            request_id,
            content_length,
            ..
        }) = &requests_in(&[stream])[0]
        else {
            panic!("a request head first");
        };
        assert_eq!(
            (request_id.as_deref(), *content_length),
            (Some("7"), Some(5))
        );
    }

    #[test]
    fn bytes_it_cannot_read_turn_it_off_for_good() {
        let seen = requests_in(&[b"\x16\x03\x01\x00\xa5 not http\r\n\r\nGET / HTTP/1.1\r\n\r\n"]);
        assert_eq!(seen, []);
    }

    #[test]
    fn a_response_to_the_close_ends_with_the_stream() {
        let mut reader = Reader::responses();
        let mut seen = Vec::new();
        reader.read(
            b"HTTP/1.1 200 OK\r\n\r\nsome body",
            |_, headers| framing_by_headers(headers, Framing::ToClose),
            |s| seen.push(s),
        );
        assert_eq!(seen, [Seen::Head(Head::Response { status: 200 })]);
        assert_eq!(reader.end_of_stream(), Some(Seen::End));
    }
}
