//! The body dropped unread, or after one chunk: what hyper can still drain decides.

use crate::consume::Consume;
use crate::report::{Ending, Report};
use crate::scenario::building::{base, consume_label, one_request_per_connection, size_label};
use crate::scenario::{HYPER_FIRST_READ, KIB};
use crate::scenario::{RequestSetup, Scenario, ServerSetup};

pub(super) fn dropped(body_bytes: usize, path: &'static str, consume: Consume) -> Scenario {
    Scenario {
        variant: format!(
            "{} {}body, {}",
            size_label(body_bytes),
            if path == "/chunked" { "chunked " } else { "" },
            consume_label(consume)
        ),
        server: ServerSetup {
            body_bytes,
            ..ServerSetup::default()
        },
        request: RequestSetup {
            path,
            ..RequestSetup::default()
        },
        consume,
        ..base("", "")
    }
}

/// A `Content-Length` body small enough to arrive in hyper's first read, with the headers, is
/// complete before the caller sees the response: dropping it costs nothing.
pub fn dropped_body_that_arrived_with_the_headers_still_reuses(
    body_bytes: usize,
    consume: Consume,
) -> Scenario {
    dropped(body_bytes, "/", consume).renamed(
        "dropped_body_that_arrived_with_the_headers_still_reuses",
        "hyper read the whole body ahead with the headers, so the connection was idle before the drop",
    )
}

/// An 8 KiB body overflows hyper's first 8 KiB read; the drain read on drop finishes it, but only
/// after the next request has started a connect that ends up idle and unused.
pub fn dropped_body_finished_by_the_drain_read_races_an_extra_connection(
    consume: Consume,
) -> Scenario {
    Scenario {
        expected: Report::closed([5, 0]).into(),
        ..dropped(HYPER_FIRST_READ, "/", consume)
    }
    .renamed(
        "dropped_body_finished_by_the_drain_read_races_an_extra_connection",
        "poll_drain_or_close_read finishes the body, but the next checkout has already started a connect",
    )
}

/// A 16 KiB body takes hyper's first read and its drain read; after the race of request 2, the
/// two connections' read buffers grow at different times and the requests split between them.
pub fn dropped_body_two_reads_long_shares_requests_between_two_connections(
    consume: Consume,
) -> Scenario {
    Scenario {
        expected: Report::closed([4, 1]).into(),
        ..dropped(2 * HYPER_FIRST_READ, "/", consume)
    }
    .renamed(
        "dropped_body_two_reads_long_shares_requests_between_two_connections",
        "the drain read finishes each body, but which connection is idle depends on its read size",
    )
}

/// A small chunked body is never complete with the headers: its last chunk is read by the drain
/// on drop, after the next request has started a connect.
pub fn dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections(
    body_bytes: usize,
    consume: Consume,
) -> Scenario {
    Scenario {
        expected: Report::closed([3, 2]).into(),
        ..dropped(body_bytes, "/chunked", consume)
    }
    .renamed(
        "dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections",
        "the chunked terminator arrives in the drain read, so every drop races the next checkout",
    )
}

/// A body larger than hyper can drain in one read is abandoned: the connection closes and every
/// request pays a new TCP handshake — Go's classic keep-alive leak, in reqwest.
pub fn dropped_large_body_forces_new_connection(body_bytes: usize, consume: Consume) -> Scenario {
    Scenario {
        expected: Report::closed(one_request_per_connection(5))
            .ended_by(Ending::ClientReset)
            .into(),
        ..dropped(body_bytes, "/", consume)
    }
    .renamed(
        "dropped_large_body_forces_new_connection",
        "poll_drain_or_close_read reads once, finds the body unfinished, and closes the connection",
    )
}

/// A chunked body of several chunks cannot be finished by one drain read, whatever its size.
pub fn dropped_multi_chunk_body_forces_new_connection(consume: Consume) -> Scenario {
    Scenario {
        expected: Report::closed(one_request_per_connection(5))
            .ended_by(Ending::ClientReset)
            .into(),
        ..dropped(64 * KIB, "/chunked", consume)
    }
    .renamed(
        "dropped_multi_chunk_body_forces_new_connection",
        "the drain read returns the next chunk, not the end, so hyper closes the connection",
    )
}
