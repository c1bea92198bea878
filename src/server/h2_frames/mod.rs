//! A passive reader of HTTP/2 frames: every byte a connection reads and writes (above TLS) is
//! shown to it as it passes, and it keeps the books on the connection's streams
//! ([`Http2Seen`]). It changes nothing and holds nothing back.
//!
//! A reader of the bytes, not a hook in the `h2` crate: hyper's server hides h2's connection and
//! streams, and the bytes are what both sides agreed on, whoever's code decided them. Only frame
//! heads are parsed, and the few payload bytes of `RST_STREAM`, `GOAWAY` and `SETTINGS`; a
//! connection whose client does not open with HTTP/2's preface is not read at all.

use std::collections::HashMap;

use crate::report::{GoAway, Http2Seen, Side, error_code_name};

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

/// Whether `bytes`, a connection's first read, hold HTTP/2's whole preface: clients write it at
/// once. (A first read cut inside it is left to the HTTP/1 reader, which gives up on it.)
pub(super) fn starts_with_preface(bytes: &[u8]) -> bool {
    bytes.starts_with(PREFACE)
}

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

/// A `GOAWAY` frame naming `last_stream` as the last the server takes, with `NO_ERROR`.
pub(super) fn go_away_frame(last_stream: u32) -> [u8; 17] {
    let mut frame = [0u8; 17];
    frame[2] = 8;
    frame[3] = GOAWAY;
    frame[9..13].copy_from_slice(&(last_stream & 0x7fff_ffff).to_be_bytes());
    frame
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
    /// Its slot among the streams open with it.
    slot: usize,
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
    /// The last stream the server's `GOAWAY` lets finish: streams above it are never taken.
    last_taken: Option<u32>,
    seen: Http2Seen,
    /// The books changed since the last bytes were read.
    changed: bool,
    /// Where each stream ran.
    spans: spans::Spans,
    /// Streams the server took (opened within its limit, below any `GOAWAY`), counted to find
    /// the one an abrupt `GOAWAY` names: the `.0`-th, once taken.
    taken: usize,
    nth_taken: Option<(usize, Option<u32>)>,
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
            last_taken: None,
            seen: Http2Seen::default(),
            changed: false,
            spans: spans::Spans::default(),
            taken: 0,
            nth_taken: None,
        }
    }
}

impl H2Frames {
    /// The books so far; `None` until the client's preface has passed.
    pub(super) fn seen(&self) -> Option<&Http2Seen> {
        (self.speaks == Speaks::Http2).then_some(&self.seen)
    }

    /// Whether the connection speaks HTTP/2 and the server's bytes so far end with a whole
    /// frame: where a frame of the server's own may go.
    pub(super) fn server_between_frames(&self) -> bool {
        self.speaks == Speaks::Http2
            && self.from_server.gathered == 0
            && self.from_server.current.is_none()
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
        self.changed = opened;
        let mut frames = std::mem::take(&mut self.from_client);
        frames.read(bytes, |head, payload| self.client_frame(head, payload));
        self.from_client = frames;
        self.changed
    }

    /// Bytes the server sent. Returns whether the books changed.
    ///
    /// Bytes before the client's preface has passed are not read: an HTTP/2 server speaks only
    /// after it (hyper-util reads the whole preface before it starts h2), and what an HTTP/1
    /// server writes is not frames.
    pub(super) fn server_sent(&mut self, bytes: &[u8]) -> bool {
        if self.speaks != Speaks::Http2 {
            return false;
        }
        self.changed = false;
        let mut frames = std::mem::take(&mut self.from_server);
        frames.read(bytes, |head, payload| self.server_frame(head, payload));
        self.from_server = frames;
        self.changed
    }

    fn client_frame(&mut self, head: FrameHead, payload: &[u8]) {
        match head.kind {
            HEADERS if head.stream > self.last_opened => {
                self.last_opened = head.stream;
                self.seen.streams += 1;
                self.changed = true;
                // A stream above the server's GOAWAY is never taken, nor answered, nor reset.
                let slot = self.free_slot();
                if self.last_taken.is_some_and(|last| head.stream > last) {
                    self.span_opened(head.stream, slot, true);
                    return;
                }
                self.span_opened(head.stream, slot, false);
                self.open.insert(
                    head.stream,
                    Ends {
                        client: head.flags & END_STREAM != 0,
                        server: false,
                        slot,
                    },
                );
                self.seen.peak_streams = self.seen.peak_streams.max(self.open.len());
                if !self.count_over_limit() {
                    self.took(head.stream);
                }
            }
            HEADERS | DATA if head.flags & END_STREAM != 0 => self.ended(head.stream, Side::Client),
            // A stream reset counts once, and only if it was open (not refused, not reset).
            RST_STREAM if self.open.remove(&head.stream).is_some() => {
                self.seen.reset_by_client += 1;
                self.changed = true;
                self.span_ended(head.stream, false);
            }
            SETTINGS if head.flags & ACK != 0 && !self.unacknowledged.is_empty() => {
                if let Some(limit) = self.unacknowledged.remove(0) {
                    self.acknowledged = Some(limit);
                }
            }
            GOAWAY => self.goaway(Side::Client, payload),
            _ => {}
        }
    }

    fn server_frame(&mut self, head: FrameHead, payload: &[u8]) {
        match head.kind {
            HEADERS | DATA if head.flags & END_STREAM != 0 => self.ended(head.stream, Side::Server),
            RST_STREAM => self.server_reset(head.stream, payload),
            SETTINGS if head.flags & ACK == 0 => {
                // Entries apply in order (RFC 9113, 6.5): the last one of the limit holds.
                let limit = payload
                    .chunks_exact(6)
                    .filter(|entry| {
                        u16::from_be_bytes([entry[0], entry[1]]) == SETTINGS_MAX_CONCURRENT_STREAMS
                    })
                    .filter_map(|entry| u32_at(entry, 2))
                    .next_back();
                if limit.is_some() {
                    self.seen.max_streams = limit;
                }
                self.unacknowledged.push(limit);
            }
            GOAWAY => self.goaway(Side::Server, payload),
            _ => {}
        }
    }

    /// The server reset `stream`: a refusal counts once, and only if the stream was open.
    fn server_reset(&mut self, stream: u32, payload: &[u8]) {
        let was_open = self.open.remove(&stream).is_some();
        let refused = u32_at(payload, 0) == Some(REFUSED_STREAM);
        if was_open && refused {
            self.seen.refused += 1;
            self.changed = true;
        }
        if was_open {
            self.span_ended(stream, refused);
        }
    }

    /// One side ended `stream` (`END_STREAM`); both sides ended, it is closed.
    fn ended(&mut self, stream: u32, by: Side) {
        let Some(ends) = self.open.get_mut(&stream) else {
            return;
        };
        match by {
            Side::Client => ends.client = true,
            Side::Server => ends.server = true,
        }
        if ends.client && ends.server {
            self.open.remove(&stream);
            self.span_ended(stream, false);
        }
    }

    /// A stream just opened: over the limit the server announced, before or after the client
    /// acknowledged it? Whether it was over at all (the server refuses it unseen).
    fn count_over_limit(&mut self) -> bool {
        let open = self.open.len();
        let over = |limit: Option<u32>| limit.is_some_and(|limit| open > limit as usize);
        if over(self.acknowledged) {
            self.seen.over_limit.after_ack += 1;
            true
        } else if self.unacknowledged.iter().any(|limit| over(*limit)) {
            self.seen.over_limit.before_ack += 1;
            true
        } else {
            false
        }
    }

    /// A `GOAWAY`: the first side to send one is on the books, updated by its later ones. The
    /// server's closes the streams above its last one: they are never taken.
    fn goaway(&mut self, by: Side, payload: &[u8]) {
        let (Some(last_stream), Some(code)) = (u32_at(payload, 0), u32_at(payload, 4)) else {
            return;
        };
        let last_stream = last_stream & 0x7fff_ffff;
        if by == Side::Server {
            self.last_taken = Some(last_stream);
            let never_taken: Vec<u32> = self
                .open
                .keys()
                .copied()
                .filter(|&stream| stream > last_stream)
                .collect();
            for stream in never_taken {
                self.open.remove(&stream);
                self.span_ended(stream, true);
            }
        }
        let first = self.seen.goaway.as_ref().map_or(by, |goaway| goaway.by);
        if first == by {
            self.seen.goaway = Some(GoAway {
                by,
                last_stream,
                code: error_code_name(code),
            });
            self.changed = true;
        }
    }
}

mod requests;
mod spans;
#[cfg(test)]
mod tests;
