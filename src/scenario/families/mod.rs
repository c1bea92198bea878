//! The scenario families, one file per theme, mirroring `tests/`. Each public function builds one
//! family — a behaviour named as a sentence, the name of its integration test — for the parameters
//! given, with the exact expectation for those parameters. `table()` instantiates
//! every family with representative parameters.

mod bodiless;
mod client_lifecycle;
mod concurrency;
mod disabled;
mod error_status;
mod faults;
mod http2;
mod idle_timeout;
mod json;
mod keepalive;
mod no_drain;
mod proxy;
mod redirects;
mod request_body;
mod runtime_flavour;
mod tls;

pub use bodiless::{
    head_response_reuses_without_reading, no_content_204_reuses_without_reading,
    not_modified_304_reuses_without_reading,
};
pub use client_lifecycle::{
    blocking_client_dropped_large_body_forces_new_connection,
    blocking_client_full_read_reuses_one_connection,
    blocking_client_http_1_0_request_opens_a_connection_per_request,
    blocking_client_request_connection_close_opens_a_connection_per_request,
    two_clients_never_share_connections,
};
pub use concurrency::{
    concurrent_requests_open_one_connection_each,
    pool_max_idle_keeps_only_that_many_between_bursts,
    sequential_requests_after_a_burst_reuse_the_last_idle_connection,
};
pub use disabled::{
    client_pool_disabled_opens_a_connection_per_request,
    http_1_0_request_opens_a_connection_per_request,
    request_connection_close_opens_a_connection_per_request,
    server_connection_close_header_opens_a_connection_per_request,
    server_keep_alive_disabled_opens_a_connection_per_request,
};
pub use error_status::{
    error_for_status_on_large_error_body_forces_new_connection,
    error_for_status_on_small_error_body_still_reuses,
    reading_large_error_body_keeps_the_connection,
};
pub use faults::{
    keep_alive_timeout_hint_is_ignored_by_reqwest,
    server_close_on_reuse_fails_the_request_and_reqwest_does_not_resend,
    server_connection_close_on_the_third_response_splits_the_requests,
    server_idle_close_by_fault_before_reuse_costs_a_new_connection,
    server_max_connection_age_closes_the_idle_connection,
    server_restart_fails_the_request_in_flight_then_reconnects,
    truncated_response_fails_the_body_read_and_costs_the_connection,
};
pub use http2::{
    http2_abrupt_goaway_cuts_the_streams_in_flight, http2_cold_burst_at_the_stream_limit,
    http2_concurrent_requests_share_one_connection, http2_dropped_responses_reset_their_streams,
    http2_graceful_goaway_moves_the_queued_requests, http2_graceful_goaway_with_requests_in_flight,
    http2_refused_stream_is_sent_again, http2_requests_queue_at_the_stream_limit,
};
pub use idle_timeout::{
    client_idle_timeout_longer_than_the_pause_reuses,
    client_idle_timeout_shorter_than_the_pause_opens_a_new_connection,
    server_idle_close_at_the_moment_of_reuse_fails_the_request,
    server_idle_close_before_reuse_costs_a_new_connection_not_an_error,
};
pub use json::{
    json_decoded_whole_reuses_one_connection,
    json_first_value_of_a_chunked_body_races_an_extra_connection,
    json_first_value_of_a_content_length_body_still_reuses,
    json_from_reader_on_a_blocking_response_reuses_one_connection,
};
pub use keepalive::{chunked_full_read_reuses_one_connection, full_read_reuses_one_connection};
pub use no_drain::{
    dropped_body_finished_by_the_drain_read_races_an_extra_connection,
    dropped_body_that_arrived_with_the_headers_still_reuses,
    dropped_body_two_reads_long_shares_requests_between_two_connections,
    dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections,
    dropped_large_body_forces_new_connection, dropped_multi_chunk_body_forces_new_connection,
};
pub use proxy::{
    proxy_credentials_in_turn_stay_the_first_users, proxy_dropped_bodies_cost_a_tunnel_each,
    proxy_https_requests_share_one_tunnel, proxy_named_in_turn_is_asked_only_for_new_connections,
    proxy_plain_requests_share_one_connection_to_the_proxy, proxy_two_targets_never_share_a_tunnel,
};
pub use redirects::{
    followed_redirect_reuses_the_connection_for_both_hops,
    redirect_with_large_body_costs_a_connection_per_hop,
};
pub use request_body::{
    server_ignoring_a_large_request_body_closes_each_connection,
    server_ignoring_a_request_body_it_can_drain_still_reuses,
    server_reading_the_request_body_reuses_one_connection,
};
pub use runtime_flavour::{
    multi_thread_dropped_large_body_opens_a_connection_per_request,
    multi_thread_full_read_closes_every_connection_cleanly,
    multi_thread_keep_alive_disabled_opens_a_connection_per_request,
};
pub use tls::{
    https_cloned_client_resumes_the_original_session,
    https_dropped_large_body_resumes_each_new_connection, https_full_read_pays_one_full_handshake,
    https_h2_concurrent_first_requests_handshake_once_each,
    https_h2_dropped_large_body_keeps_one_connection,
    https_localhost_and_its_address_are_two_pools,
    https_new_client_per_request_pays_a_full_handshake_each,
    https_server_without_session_cache_pays_full_handshakes,
    https_untrusted_certificate_fails_every_handshake,
};
