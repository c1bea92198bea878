//! The verdict on one run of a case: whether what a client did is what its expectation says,
//! its own view of its connections included.

use keepalive_probe::{Ending, Endings};

use super::cases::{self, Expect};
use super::run::Observation;

/// Whether an observation is what the expectation says; `view` is `Some(resumed)` for a client
/// that prints its own view of its connections (with its resumed sessions when `resumed`),
/// checked on every exact case. (Where the count races, Go's view leaves out a connection it dialed and never
/// used.)
pub fn holds(expected: Expect, observation: &Observation, view: Option<bool>) -> bool {
    match expected {
        Expect::Exact(per_connection, ended, handshakes) => {
            observation.failed.is_none()
                && observation.requests_per_connection == per_connection
                && cases::endings_hold(ended, per_connection.len(), &observation.ended)
                && observation.tls == handshakes
                && view.is_none_or(|tls| view_agrees(observation, tls))
        }
        Expect::Faulted(faulted) => {
            observation.failed.is_none()
                && observation.requests_per_connection == faulted.per_connection
                && cases::endings_hold(
                    faulted.ended,
                    faulted.per_connection.len(),
                    &observation.ended,
                )
                && observation.errors == faulted.errors
                && observation.unanswered == faulted.unanswered
                && observation.resent == faulted.resent
                && view.is_none_or(|_| view_agrees(observation, false))
        }
        Expect::Proxied(proxied) => {
            let clean = |connections| Endings::all(Ending::ClientClosed, connections);
            let proxy_holds = observation.proxy.as_ref().is_some_and(|proxy| {
                proxy.requests_per_connection == proxied.proxy
                    && proxy.tunnels == proxied.tunnels
                    && cases::endings_hold(proxied.proxy_ended, proxied.proxy.len(), &proxy.ended)
            });
            observation.failed.is_none()
                && observation.requests_per_connection == proxied.per_connection
                && observation.ended == clean(proxied.per_connection.len())
                && observation.tls == proxied.handshakes
                && proxy_holds
                && view.is_none_or(|tls| view_agrees(observation, tls))
        }
        Expect::Negotiated(negotiated) => {
            observation.failed.is_none()
                && observation.requests_per_connection == negotiated.per_connection
                && cases::endings_hold(
                    negotiated.ended,
                    negotiated.per_connection.len(),
                    &observation.ended,
                )
                && observation.tls == negotiated.handshakes
                && observation.streams == negotiated.streams
                && view.is_none_or(|tls| view_agrees(observation, tls))
        }
        Expect::Burst(burst) => {
            let per_connection = &observation.requests_per_connection;
            let failed_calls = if burst.refused_fail {
                observation.refused
            } else {
                0
            };
            let served = cases::REQUESTS - failed_calls.min(cases::REQUESTS);
            let always = observation.failed.is_none()
                && observation.errors == failed_calls
                && per_connection.iter().sum::<usize>() == served
                && observation.unanswered + observation.resent == 0
                && observation.streams.saturating_sub(observation.refused) == served
                && observation.over_limit_after_ack == 0;
            let exactly = |(exact, streams): (&[usize], usize)| {
                per_connection == exact
                    && observation.streams == streams
                    && observation.refused == 0
                    && view.is_none_or(|tls| view_agrees(observation, tls))
            };
            always
                && match burst.exact {
                    Some(exact) => exactly(exact),
                    // The connections race; the streams that answered do not.
                    None => view.is_none_or(|_| streams_view_agrees(observation)),
                }
        }
        Expect::Race(at_most) => {
            let per_connection = &observation.requests_per_connection;
            observation.failed.is_none()
                && per_connection.iter().sum::<usize>() == cases::REQUESTS
                && per_connection.len() <= at_most
                && per_connection.first().is_some_and(|&first| first >= 1)
        }
        Expect::NotApplicable => true,
    }
}

/// Whether the client's own count of its responses over HTTP/2 (` streams=S` in its view, none
/// when it has no such word) is the server's streams less those it refused.
fn streams_view_agrees(observation: &Observation) -> bool {
    let counted = view_line(observation)
        .unwrap_or_default()
        .split_whitespace()
        .find_map(|word| word.strip_prefix("streams="))
        .map_or(Some(0), |n| n.parse::<usize>().ok());
    counted == Some(answered_streams(observation))
}

/// The client's view without the first error a failed call appends to it, for the reader.
fn view_line(observation: &Observation) -> Option<&str> {
    let view = observation.client_view.as_deref()?;
    view.split("; first error: ").next()
}

/// The streams that carried a response: what a client's view counts, as it cannot see the
/// refused ones.
fn answered_streams(observation: &Observation) -> usize {
    observation.streams.saturating_sub(observation.refused)
}

/// Whether the client's own view is exactly `connections=N` (and ` resumed=K`) with the
/// server's count of connections and resumed handshakes. A line missing or of another shape
/// disagrees.
fn view_agrees(observation: &Observation, resumed: bool) -> bool {
    let mut expected = format!("connections={}", observation.requests_per_connection.len());
    if resumed {
        expected.push_str(&format!(" resumed={}", observation.tls.resumed));
    }
    let answered = answered_streams(observation);
    if answered > 0 {
        expected.push_str(&format!(" streams={answered}"));
    }
    view_line(observation) == Some(expected.as_str())
}

#[cfg(test)]
mod tests {
    use keepalive_probe::{Endings, Handshakes};

    use super::{Observation, view_agrees};

    fn five_connections_four_resumed(client_view: &str) -> Observation {
        Observation {
            requests_per_connection: vec![1; 5],
            ended: Endings::default(),
            tls: Handshakes::new(1, 4, 0),
            unanswered: 0,
            resent: 0,
            errors: 0,
            failed: None,
            client_view: Some(client_view.to_owned()),
            proxy: None,
            streams: 0,
            refused: 0,
            over_limit_after_ack: 0,
            peak_streams: 0,
        }
    }

    #[test]
    fn a_client_view_that_agrees_with_the_server_holds() {
        assert!(view_agrees(
            &five_connections_four_resumed("connections=5 resumed=4"),
            true
        ));
        assert!(view_agrees(
            &five_connections_four_resumed("connections=5"),
            false
        ));
    }

    #[test]
    fn a_client_view_that_disagrees_or_is_missing_fails() {
        for view in [
            "connections=1 resumed=4",
            "connections=5 resumed=0",
            "connections=5",
            "done",
            "",
        ] {
            assert!(
                !view_agrees(&five_connections_four_resumed(view), true),
                "{view:?}"
            );
        }
        let mut no_line = five_connections_four_resumed("");
        no_line.client_view = None;
        assert!(!view_agrees(&no_line, false));
    }
}
