//! Decoding JSON: whether the decoder reads the body to its end. Go's `json.NewDecoder(body)
//! .Decode(&v)` stops after the value and leaves the trailing newline unread (Go issue 20528), so
//! the connection is lost unless the body is drained. In Rust, reqwest's `json()` reads the whole
//! body first (`do_bytes`, then `serde_json::from_slice`), and `serde_json::from_reader` reads to
//! EOF to check that only whitespace follows the value (`Deserializer::end`). Only a streaming
//! decoder (`serde_json::StreamDeserializer`) stops at the value's end.

use crate::consume::Consume;
use crate::report::Report;
use crate::scenario::KIB;
use crate::scenario::building::{base, size_label};
use crate::scenario::{Handler, RequestSetup, Scenario, ServerSetup};

fn json(body_bytes: usize, path: &'static str, consume: Consume) -> Scenario {
    Scenario {
        variant: format!(
            "{} JSON{}, {}",
            size_label(body_bytes),
            if path == "/json/chunked" {
                " chunked"
            } else {
                ""
            },
            crate::scenario::building::consume_label(consume)
        ),
        server: ServerSetup {
            body_bytes,
            handler: Handler::Json,
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

/// `json()` reads the whole body before decoding: one connection, whatever the framing.
pub fn json_decoded_whole_reuses_one_connection(path: &'static str) -> Scenario {
    json(64 * KIB, path, Consume::Json).renamed(
        "json_decoded_whole_reuses_one_connection",
        "json() reads to the end of the body (do_bytes) before serde_json::from_slice",
    )
}

/// A streaming decoder stops after the value; with a `Content-Length` body hyper's length decoder
/// finished the message when it handed over the last bytes, so the unread newline costs nothing.
pub fn json_first_value_of_a_content_length_body_still_reuses() -> Scenario {
    json(64 * KIB, "/json", Consume::JsonFirstValue).renamed(
        "json_first_value_of_a_content_length_body_still_reuses",
        "the last data chunk ends a Content-Length message; the unread newline was in it",
    )
}

/// The same decoder on a chunked body leaves the terminating chunk unread: the connection goes
/// idle only in the drain read after the drop, racing the next request's checkout.
pub fn json_first_value_of_a_chunked_body_races_an_extra_connection() -> Scenario {
    Scenario {
        expected: Report::closed([3, 2]).into(),
        ..json(64 * KIB, "/json/chunked", Consume::JsonFirstValue)
    }
    .renamed(
        "json_first_value_of_a_chunked_body_races_an_extra_connection",
        "the chunked terminator is left for poll_drain_or_close_read, after the next checkout started a connect",
    )
}

/// `serde_json::from_reader` over a blocking response reads to EOF (`Deserializer::end` checks
/// that only whitespace follows the value), so it finishes the body, newline included.
pub fn json_from_reader_on_a_blocking_response_reuses_one_connection() -> Scenario {
    Scenario {
        runtime: crate::scenario::Runtime::Blocking,
        ..json(64 * KIB, "/json/chunked", Consume::Json)
    }
    .renamed(
        "json_from_reader_on_a_blocking_response_reuses_one_connection",
        "from_reader reads to EOF to check nothing follows the value (Deserializer::end)",
    )
}
