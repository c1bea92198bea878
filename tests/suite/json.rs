//! Decoding JSON does not cost a connection in Rust unless the decoder streams. Go's
//! `json.NewDecoder(resp.Body).Decode(&v)` stops after the value, leaving the encoder's trailing
//! newline unread, so a Go client that closes the body without draining it loses the connection
//! (Go issue 20528). Every body here is a 64 KiB JSON document followed by a newline.

use keepalive_probe::scenario;

use crate::support::expect::assert_connections;

/// reqwest's `json()` reads the whole body (`Response::do_bytes`) before
/// `serde_json::from_slice`: one connection for five requests, `Content-Length` or chunked.
#[test]
fn json_decoded_whole_reuses_one_connection() {
    for path in ["/json", "/json/chunked"] {
        assert_connections(
            scenario::families::json_decoded_whole_reuses_one_connection(path),
            [5],
        );
    }
}

/// A streaming decoder (`serde_json::StreamDeserializer`) fed chunk by chunk stops at the value's
/// end and drops the response. With a `Content-Length` body, hyper's length decoder ended the
/// message when it handed over the last data chunk — the newline was in it — so the connection
/// was already idle: one connection.
#[test]
fn json_first_value_of_a_content_length_body_still_reuses() {
    assert_connections(
        scenario::families::json_first_value_of_a_content_length_body_still_reuses(),
        [5],
    );
}

/// The same decoder on a chunked body: the value ends in the last data chunk, but the zero-length
/// terminating chunk is still unread when the response is dropped. `poll_drain_or_close_read`
/// finishes it — after the next request's checkout has already started a connect, as with any
/// small chunked body dropped early. Served by connections 1, 1, 2, 1, 2: `[3, 2]`.
#[test]
fn json_first_value_of_a_chunked_body_races_an_extra_connection() {
    assert_connections(
        scenario::families::json_first_value_of_a_chunked_body_races_an_extra_connection(),
        [3, 2],
    );
}

/// `serde_json::from_reader` over a `reqwest::blocking` response: after the value it reads on
/// to EOF (`Deserializer::end` accepts only whitespace), finishing even a chunked body. One
/// connection.
#[test]
fn json_from_reader_on_a_blocking_response_reuses_one_connection() {
    assert_connections(
        scenario::families::json_from_reader_on_a_blocking_response_reuses_one_connection(),
        [5],
    );
}
