//! The frame reader against frames written by hand.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::report::{OverLimit, StreamSpan};

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
                by: Side::Server,
                last_stream: 9,
                code: "NO_ERROR".to_owned(),
            }),
            max_streams: Some(2),
            over_limit: OverLimit {
                before_ack: 1,
                after_ack: 1,
            },
            // Spans are handed on apart from the counts.
            spans: Vec::new(),
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

/// Streams the client opens after the server's `GOAWAY` named an earlier last stream are
/// counted, but never open: no one answers or resets them. A reset of a stream the server
/// refused counts for neither side.
#[test]
fn streams_past_goaway_never_open_and_resets_count_once() {
    let mut frames = H2Frames::default();
    frames.client_sent(PREFACE);
    frames.client_sent(&frame(HEADERS, END_STREAM | 0x4, 1, b"h"));
    frames.client_sent(&frame(HEADERS, END_STREAM | 0x4, 3, b"h"));
    frames.server_sent(&frame(RST_STREAM, 0, 3, &code(REFUSED_STREAM)));
    frames.client_sent(&frame(RST_STREAM, 0, 3, &code(0x8)));
    let mut goaway = 1u32.to_be_bytes().to_vec();
    goaway.extend(code(0));
    frames.server_sent(&frame(GOAWAY, 0, 0, &goaway));
    for stream in [5, 7, 9] {
        frames.client_sent(&frame(HEADERS, END_STREAM | 0x4, stream, b"h"));
    }
    let seen = frames.seen().expect("HTTP/2");
    assert_eq!(
        (
            seen.streams,
            seen.peak_streams,
            seen.refused,
            seen.reset_by_client
        ),
        (5, 2, 1, 0)
    );
}

/// With the server's event count, each stream is placed after the events before its opening and
/// its end: answered, cancelled, refused, and left open; a stream above the server's `GOAWAY` is
/// never taken, and ends where it opens.
#[test]
fn each_stream_is_placed_among_the_servers_events() {
    let events = Arc::new(AtomicU64::new(1));
    let mut frames = H2Frames::placing_streams(Arc::clone(&events));
    frames.client_sent(PREFACE);
    let mut opening = frame(HEADERS, END_STREAM | 0x4, 1, b"h");
    opening.extend(frame(HEADERS, END_STREAM | 0x4, 3, b"h"));
    opening.extend(frame(HEADERS, END_STREAM | 0x4, 5, b"h"));
    frames.client_sent(&opening);
    events.store(4, Ordering::Release);
    frames.server_sent(&frame(RST_STREAM, 0, 5, &code(REFUSED_STREAM)));
    frames.server_sent(&frame(DATA, END_STREAM, 1, b"ok"));
    events.store(6, Ordering::Release);
    frames.client_sent(&frame(HEADERS, END_STREAM | 0x4, 7, b"h"));
    frames.client_sent(&frame(RST_STREAM, 0, 3, &code(0x8)));
    let mut goaway = 7u32.to_be_bytes().to_vec();
    goaway.extend(code(0));
    frames.server_sent(&frame(GOAWAY, 0, 0, &goaway));
    frames.client_sent(&frame(HEADERS, END_STREAM | 0x4, 9, b"h"));
    let span = |id, opened_after, ended_after, slot, refused| StreamSpan {
        id,
        opened_after,
        ended_after,
        slot,
        refused,
    };
    // 7 opens as 3 still runs and 1 and 5 have ended: the lowest free slot, 0.
    let (from, spans) = frames.span_changes().expect("spans changed");
    assert_eq!(from, 0);
    assert_eq!(
        spans,
        [
            span(1, 1, Some(4), 0, false),
            span(3, 1, Some(6), 1, false),
            span(5, 1, Some(4), 2, true),
            span(7, 6, None, 0, false),
            span(9, 6, Some(6), 1, true),
        ]
    );
}

/// After spans are handed on, only those changed since come again: the first changed one and
/// every one after it.
#[test]
fn spans_are_handed_on_from_the_first_that_changed() {
    let events = Arc::new(AtomicU64::new(1));
    let mut frames = H2Frames::placing_streams(Arc::clone(&events));
    frames.client_sent(PREFACE);
    let mut opening = frame(HEADERS, END_STREAM | 0x4, 1, b"h");
    opening.extend(frame(HEADERS, END_STREAM | 0x4, 3, b"h"));
    frames.client_sent(&opening);
    assert_eq!(
        frames
            .span_changes()
            .map(|(from, spans)| (from, spans.len())),
        Some((0, 2))
    );
    assert_eq!(frames.span_changes().map(|(from, _)| from), None);
    events.store(2, Ordering::Release);
    frames.server_sent(&frame(DATA, END_STREAM, 3, b"ok"));
    let (from, spans) = frames.span_changes().expect("stream 3 ended");
    assert_eq!((from, spans[0].id, spans[0].ended_after), (1, 3, Some(2)));
}

/// The stream of the server's n-th request is the n-th stream it took: streams it refused over
/// its limit never became requests.
#[test]
fn the_nth_request_is_the_nth_stream_taken() {
    let mut frames = H2Frames::default();
    frames.remember_request(3);
    frames.client_sent(PREFACE);
    frames.server_sent(&settings_max_streams(2));
    let mut burst = Vec::new();
    for stream in [1, 3, 5, 7] {
        burst.extend(frame(HEADERS, END_STREAM | 0x4, stream, b"h"));
    }
    frames.client_sent(&burst);
    for stream in [5, 7] {
        frames.server_sent(&frame(RST_STREAM, 0, stream, &code(REFUSED_STREAM)));
    }
    frames.server_sent(&frame(DATA, END_STREAM, 1, b"ok"));
    assert_eq!(
        frames.request_stream(),
        7,
        "not yet: the highest stream opened"
    );
    frames.client_sent(&frame(HEADERS, END_STREAM | 0x4, 9, b"h"));
    assert_eq!(frames.request_stream(), 9);
}
