//! A passive reader of HTTP/2 frames: every byte a connection reads and writes (above TLS) is
//! shown to it as it passes, and it keeps the books on the connection's streams
//! ([`Http2Seen`]). It changes nothing and holds nothing back.
//!
//! A reader of the bytes, not a hook in the `h2` crate: hyper's server hides h2's connection and
//! streams, and the bytes are what both sides agreed on, whoever's code decided them. Only frame
//! heads are parsed, and the few payload bytes of `RST_STREAM`, `GOAWAY` and `SETTINGS`; a
//! connection whose client does not open with HTTP/2's preface is not read at all.

use std::collections::HashMap;

use crate::report::{GoAway, Http2Seen, Peer, error_code_name};

/// The client connection preface (RFC 9113, 3.4).
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const GOAWAY: u8 = 0x7;
/// `END_STREAM` on `DATA` and `HEADERS`; `ACK` on `SETTINGS`.
const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const SETTINGS_MAX_CONCURRENT_STREAMS: u16 = 0x3;
const REFUSED_STREAM: u32 = 0x7;

/// The most payload bytes kept of a frame that is read: a `SETTINGS` frame's few entries, the
/// head of a `GOAWAY` (its debug data is not needed).
const KEEP: usize = 256;

/// A frame's head (RFC 9113, 4.1).
#[derive(Debug, Clone, Copy)]
struct FrameHead {
    length: usize,
    kind: u8,
    flags: u8,
    stream: u32,
}

/// One direction's frames, read a piece at a time.
#[derive(Debug, Default)]
struct Frames {
    head: [u8; 9],
    /// Bytes of `head` gathered so far.
    gathered: usize,
    /// The frame whose payload is passing, and how much of it is left.
    current: Option<(FrameHead, usize)>,
    /// The payload bytes kept of it.
    kept: Vec<u8>,
}

impl Frames {
    /// Reads `bytes`, calling `frame` with each frame completed and its kept payload.
    fn read(&mut self, mut bytes: &[u8], mut frame: impl FnMut(FrameHead, &[u8])) {
        while !bytes.is_empty() {
            let Some((head, left)) = self.current else {
                let take = (9 - self.gathered).min(bytes.len());
                self.head[self.gathered..self.gathered + take].copy_from_slice(&bytes[..take]);
                self.gathered += take;
                bytes = &bytes[take..];
                if self.gathered == 9 {
                    let head = parse_head(&self.head);
                    self.gathered = 0;
                    self.kept.clear();
                    if head.length == 0 {
                        frame(head, &[]);
                    } else {
                        self.current = Some((head, head.length));
                    }
                }
                continue;
            };
            let take = left.min(bytes.len());
            if matches!(head.kind, RST_STREAM | SETTINGS | GOAWAY) {
                let room = KEEP.saturating_sub(self.kept.len()).min(take);
                self.kept.extend_from_slice(&bytes[..room]);
            }
            bytes = &bytes[take..];
            if take == left {
                self.current = None;
                frame(head, &self.kept);
            } else {
                self.current = Some((head, left - take));
            }
        }
    }
}

fn parse_head(bytes: &[u8; 9]) -> FrameHead {
    FrameHead {
        length: usize::from(bytes[0]) << 16 | usize::from(bytes[1]) << 8 | usize::from(bytes[2]),
        kind: bytes[3],
        flags: bytes[4],
        stream: u32::from_be_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]) & 0x7fff_ffff,
    }
}

/// A big-endian `u32` at `at` in `bytes`, if it is there.
fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([word[0], word[1], word[2], word[3]]))
}

/// Whether the client's first bytes are HTTP/2's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Speaks {
    /// This many bytes of the preface matched so far.
    Unknown(usize),
    Http2,
    /// HTTP/1, or bytes that are not HTTP/2: nothing more is read.
    Other,
}

/// How far each side of an open stream has got.
#[derive(Debug, Clone, Copy, Default)]
struct Ends {
    client: bool,
    server: bool,
}

/// One connection's frames, both ways, and the books they keep.
#[derive(Debug)]
pub(super) struct H2Frames {
    speaks: Speaks,
    from_client: Frames,
    from_server: Frames,
    /// Streams open now, by id.
    open: HashMap<u32, Ends>,
    /// The highest stream id the client opened.
    last_opened: u32,
    /// The server's concurrency limits sent and not yet acknowledged, oldest first.
    unacknowledged: Vec<Option<u32>>,
    /// The limit the client has acknowledged.
    acknowledged: Option<u32>,
    seen: Http2Seen,
}

impl Default for H2Frames {
    fn default() -> Self {
        H2Frames {
            speaks: Speaks::Unknown(0),
            from_client: Frames::default(),
            from_server: Frames::default(),
            open: HashMap::new(),
            last_opened: 0,
            unacknowledged: Vec::new(),
            acknowledged: None,
            seen: Http2Seen::default(),
        }
    }
}

impl H2Frames {
    /// The books so far; `None` until the client's preface has passed.
    pub(super) fn seen(&self) -> Option<&Http2Seen> {
        (self.speaks == Speaks::Http2).then_some(&self.seen)
    }

    /// Bytes the client sent. Returns whether the books changed (the preface's end opens them).
    pub(super) fn client_sent(&mut self, mut bytes: &[u8]) -> bool {
        let mut opened = false;
        if let Speaks::Unknown(matched) = self.speaks {
            let take = (PREFACE.len() - matched).min(bytes.len());
            if bytes[..take] != PREFACE[matched..matched + take] {
                self.speaks = Speaks::Other;
                return false;
            }
            bytes = &bytes[take..];
            opened = matched + take == PREFACE.len();
            self.speaks = if opened {
                Speaks::Http2
            } else {
                Speaks::Unknown(matched + take)
            };
        }
        if self.speaks != Speaks::Http2 {
            return false;
        }
        let before = self.seen.clone();
        let mut frames = std::mem::take(&mut self.from_client);
        frames.read(bytes, |head, payload| self.client_frame(head, payload));
        self.from_client = frames;
        opened || self.seen != before
    }

    /// Bytes the server sent. Returns whether the books changed.
    pub(super) fn server_sent(&mut self, bytes: &[u8]) -> bool {
        if self.speaks != Speaks::Http2 {
            return false;
        }
        let before = self.seen.clone();
        let mut frames = std::mem::take(&mut self.from_server);
        frames.read(bytes, |head, payload| self.server_frame(head, payload));
        self.from_server = frames;
        self.seen != before
    }

    fn client_frame(&mut self, head: FrameHead, payload: &[u8]) {
        match head.kind {
            HEADERS if head.stream > self.last_opened => {
                self.last_opened = head.stream;
                self.seen.streams += 1;
                self.open.insert(
                    head.stream,
                    Ends {
                        client: head.flags & END_STREAM != 0,
                        server: false,
                    },
                );
                self.seen.peak_streams = self.seen.peak_streams.max(self.open.len());
                self.count_over_limit();
            }
            HEADERS | DATA if head.flags & END_STREAM != 0 => self.ended(head.stream, Peer::Client),
            RST_STREAM => {
                self.seen.reset_by_client += 1;
                self.open.remove(&head.stream);
            }
            SETTINGS if head.flags & ACK != 0 && !self.unacknowledged.is_empty() => {
                if let Some(limit) = self.unacknowledged.remove(0) {
                    self.acknowledged = Some(limit);
                }
            }
            GOAWAY => self.goaway(Peer::Client, payload),
            _ => {}
        }
    }

    fn server_frame(&mut self, head: FrameHead, payload: &[u8]) {
        match head.kind {
            HEADERS | DATA if head.flags & END_STREAM != 0 => self.ended(head.stream, Peer::Server),
            RST_STREAM => {
                if u32_at(payload, 0) == Some(REFUSED_STREAM) {
                    self.seen.refused += 1;
                }
                self.open.remove(&head.stream);
            }
            SETTINGS if head.flags & ACK == 0 => {
                let limit = payload.chunks_exact(6).find_map(|entry| {
                    (u16::from_be_bytes([entry[0], entry[1]]) == SETTINGS_MAX_CONCURRENT_STREAMS)
                        .then(|| u32_at(entry, 2))
                        .flatten()
                });
                if limit.is_some() {
                    self.seen.max_streams = limit;
                }
                self.unacknowledged.push(limit);
            }
            GOAWAY => self.goaway(Peer::Server, payload),
            _ => {}
        }
    }

    /// One side ended `stream` (`END_STREAM`); both sides ended, it is closed.
    fn ended(&mut self, stream: u32, by: Peer) {
        let Some(ends) = self.open.get_mut(&stream) else {
            return;
        };
        match by {
            Peer::Client => ends.client = true,
            Peer::Server => ends.server = true,
        }
        if ends.client && ends.server {
            self.open.remove(&stream);
        }
    }

    /// A stream just opened: over the limit the server announced, before or after the client
    /// acknowledged it?
    fn count_over_limit(&mut self) {
        let open = self.open.len();
        let over = |limit: Option<u32>| limit.is_some_and(|limit| open > limit as usize);
        if over(self.acknowledged) {
            self.seen.over_limit.after_ack += 1;
        } else if self.unacknowledged.iter().any(|limit| over(*limit)) {
            self.seen.over_limit.before_ack += 1;
        }
    }

    /// A `GOAWAY`: the first side to send one is on the books, updated by its later ones.
    fn goaway(&mut self, by: Peer, payload: &[u8]) {
        let (Some(last_stream), Some(code)) = (u32_at(payload, 0), u32_at(payload, 4)) else {
            return;
        };
        let first = self.seen.goaway.as_ref().map_or(by, |goaway| goaway.by);
        if first == by {
            self.seen.goaway = Some(GoAway {
                by,
                last_stream: last_stream & 0x7fff_ffff,
                code: error_code_name(code),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::OverLimit;

    /// A frame: its head and payload.
    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let length = payload.len().to_be_bytes();
        let mut bytes = vec![length[5], length[6], length[7], kind, flags];
        bytes.extend_from_slice(&stream.to_be_bytes());
        bytes.extend_from_slice(payload);
        bytes
    }

    fn settings_max_streams(limit: u32) -> Vec<u8> {
        let mut entry = SETTINGS_MAX_CONCURRENT_STREAMS.to_be_bytes().to_vec();
        entry.extend_from_slice(&limit.to_be_bytes());
        frame(SETTINGS, 0, 0, &entry)
    }

    fn code(code: u32) -> Vec<u8> {
        code.to_be_bytes().to_vec()
    }

    /// Feeds `bytes` one byte at a time, as the slowest reads would: frames split anywhere are
    /// read the same.
    fn client_bytewise(frames: &mut H2Frames, bytes: &[u8]) {
        for byte in bytes {
            frames.client_sent(std::slice::from_ref(byte));
        }
    }

    #[test]
    fn streams_their_peak_resets_refusals_and_goaway_are_counted() {
        let mut frames = H2Frames::default();
        client_bytewise(&mut frames, PREFACE);
        frames.server_sent(&settings_max_streams(2));
        // Streams 1 and 3 open before the client acknowledges the limit; 5 goes over it.
        let mut client = Vec::new();
        for stream in [1, 3, 5] {
            client.extend(frame(HEADERS, END_STREAM | 0x4, stream, b"hpack"));
        }
        client.extend(frame(SETTINGS, ACK, 0, &[]));
        client_bytewise(&mut frames, &client);
        // The server refuses 5, answers 1 whole; the client cancels 3.
        frames.server_sent(&frame(RST_STREAM, 0, 5, &code(REFUSED_STREAM)));
        frames.server_sent(&frame(HEADERS, 0x4, 1, b"h"));
        frames.server_sent(&frame(DATA, END_STREAM, 1, b"ok"));
        frames.client_sent(&frame(RST_STREAM, 0, 3, &code(0x8)));
        // Now acknowledged: two more at once, the second over the limit.
        let mut later = frame(HEADERS, END_STREAM | 0x4, 7, b"h");
        later.extend(frame(HEADERS, END_STREAM | 0x4, 9, b"h"));
        later.extend(frame(HEADERS, END_STREAM | 0x4, 11, b"h"));
        frames.client_sent(&later);
        let mut goaway = 9u32.to_be_bytes().to_vec();
        goaway.extend(code(0));
        frames.server_sent(&frame(GOAWAY, 0, 0, &goaway));
        frames.client_sent(&frame(GOAWAY, 0, 0, &[0, 0, 0, 0, 0, 0, 0, 0xb]));
        let seen = frames.seen().expect("HTTP/2").clone();
        assert_eq!(
            seen,
            Http2Seen {
                streams: 6,
                peak_streams: 3,
                refused: 1,
                reset_by_client: 1,
                goaway: Some(GoAway {
                    by: Peer::Server,
                    last_stream: 9,
                    code: "NO_ERROR".to_owned(),
                }),
                max_streams: Some(2),
                over_limit: OverLimit {
                    before_ack: 1,
                    after_ack: 1,
                },
            }
        );
    }

    #[test]
    fn http_1_is_not_read() {
        let mut frames = H2Frames::default();
        assert!(!frames.client_sent(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
        assert!(!frames.server_sent(b"HTTP/1.1 200 OK\r\n\r\n"));
        assert_eq!(frames.seen(), None);
    }

    #[test]
    fn trailers_on_an_open_stream_open_no_new_one() {
        let mut frames = H2Frames::default();
        frames.client_sent(PREFACE);
        frames.client_sent(&frame(HEADERS, 0x4, 1, b"h"));
        frames.client_sent(&frame(DATA, 0, 1, b"body"));
        frames.client_sent(&frame(HEADERS, END_STREAM | 0x4, 1, b"trailers"));
        let seen = frames.seen().expect("HTTP/2");
        assert_eq!((seen.streams, seen.peak_streams), (1, 1));
    }
}
