//! The table the matrix runs: every family instantiated with representative parameters.

use super::families::*;
use super::{KIB, MIB, Method, Scenario};
use crate::consume::Consume;
use crate::fault::{CloseBy, IdleEnd};

/// Every scenario in the matrix, in reading order.
pub fn table() -> Vec<Scenario> {
    let mut scenarios = Vec::new();
    for body in [0, 2, 64 * KIB, MIB] {
        scenarios.push(full_read_reuses_one_connection(body, 10));
    }
    for consume in [Consume::Unread, Consume::FirstChunk] {
        scenarios.push(dropped_body_that_arrived_with_the_headers_still_reuses(
            4 * KIB,
            consume,
        ));
        scenarios.push(dropped_body_finished_by_the_drain_read_races_an_extra_connection(consume));
        scenarios
            .push(dropped_body_two_reads_long_shares_requests_between_two_connections(consume));
        scenarios.push(
            dropped_chunked_body_finished_by_the_drain_read_alternates_two_connections(2, consume),
        );
        for body in [64 * KIB, MIB] {
            scenarios.push(dropped_large_body_forces_new_connection(body, consume));
        }
        scenarios.push(dropped_multi_chunk_body_forces_new_connection(consume));
    }
    scenarios.extend([
        client_pool_disabled_opens_a_connection_per_request(5),
        request_connection_close_opens_a_connection_per_request(5),
        server_keep_alive_disabled_opens_a_connection_per_request(5),
        server_connection_close_header_opens_a_connection_per_request(5),
        http_1_0_request_opens_a_connection_per_request(5),
        client_idle_timeout_shorter_than_the_pause_opens_a_new_connection(),
        client_idle_timeout_longer_than_the_pause_reuses(),
        server_idle_close_before_reuse_costs_a_new_connection_not_an_error(),
        server_idle_close_at_the_moment_of_reuse_fails_the_request(),
        concurrent_requests_open_one_connection_each(4),
        sequential_requests_after_a_burst_reuse_the_last_idle_connection(),
        pool_max_idle_keeps_only_that_many_between_bursts(),
        http2_concurrent_requests_share_one_connection(10),
        http2_requests_queue_at_the_stream_limit(),
        http2_cold_burst_at_the_stream_limit(),
        http2_dropped_responses_reset_their_streams(2000),
        http2_refused_stream_is_sent_again(),
        http2_graceful_goaway_moves_the_queued_requests(),
        http2_graceful_goaway_with_requests_in_flight(),
        http2_abrupt_goaway_cuts_the_streams_in_flight(),
        head_response_reuses_without_reading(),
        no_content_204_reuses_without_reading(),
        not_modified_304_reuses_without_reading(),
        error_for_status_on_small_error_body_still_reuses(),
        error_for_status_on_large_error_body_forces_new_connection(),
        reading_large_error_body_keeps_the_connection(),
        chunked_full_read_reuses_one_connection(MIB, 10),
        followed_redirect_reuses_the_connection_for_both_hops(),
        redirect_with_large_body_costs_a_connection_per_hop(),
        two_clients_never_share_connections(),
        blocking_client_full_read_reuses_one_connection(),
        blocking_client_dropped_large_body_forces_new_connection(Consume::Unread),
        blocking_client_request_connection_close_opens_a_connection_per_request(),
        blocking_client_http_1_0_request_opens_a_connection_per_request(),
        multi_thread_dropped_large_body_opens_a_connection_per_request(),
        multi_thread_keep_alive_disabled_opens_a_connection_per_request(),
        multi_thread_full_read_closes_every_connection_cleanly(),
        server_ignoring_a_request_body_it_can_drain_still_reuses(16 * KIB),
        server_ignoring_a_large_request_body_closes_each_connection(MIB),
        server_reading_the_request_body_reuses_one_connection(MIB),
        json_decoded_whole_reuses_one_connection("/json/chunked"),
        json_first_value_of_a_content_length_body_still_reuses(),
        json_first_value_of_a_chunked_body_races_an_extra_connection(),
        json_from_reader_on_a_blocking_response_reuses_one_connection(),
    ]);
    for by in [CloseBy::Fin, CloseBy::Rst] {
        for method in [Method::Get, Method::Post] {
            scenarios.push(
                server_close_on_reuse_fails_the_request_and_reqwest_does_not_resend(by, method),
            );
        }
    }
    for by in [IdleEnd::Fin, IdleEnd::Rst, IdleEnd::RequestTimeout] {
        scenarios.push(server_idle_close_by_fault_before_reuse_costs_a_new_connection(by));
    }
    scenarios.extend([
        server_connection_close_on_the_third_response_splits_the_requests(),
        keep_alive_timeout_hint_is_ignored_by_reqwest(),
        truncated_response_fails_the_body_read_and_costs_the_connection(),
        server_restart_fails_the_request_in_flight_then_reconnects(),
        server_max_connection_age_closes_the_idle_connection(),
    ]);
    scenarios.extend([
        https_full_read_pays_one_full_handshake(),
        https_dropped_large_body_resumes_each_new_connection(),
        https_new_client_per_request_pays_a_full_handshake_each(),
        https_cloned_client_resumes_the_original_session(),
        https_h2_dropped_large_body_keeps_one_connection(),
        https_h2_concurrent_first_requests_handshake_once_each(),
        https_server_without_session_cache_pays_full_handshakes(),
        https_localhost_and_its_address_are_two_pools(),
        https_untrusted_certificate_fails_every_handshake(),
    ]);
    scenarios.extend([
        proxy_https_requests_share_one_tunnel(),
        proxy_plain_requests_share_one_connection_to_the_proxy(),
        proxy_dropped_bodies_cost_a_tunnel_each(),
        proxy_two_targets_never_share_a_tunnel(),
        proxy_named_in_turn_is_asked_only_for_new_connections(),
        proxy_credentials_in_turn_stay_the_first_users(),
    ]);
    scenarios
}
