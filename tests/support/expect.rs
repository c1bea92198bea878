//! The assertions every scenario test makes: this scenario opened exactly these connections, and
//! they ended as the table says.
//!
//! Each checks two things: the scenario table's own expectation for the same inputs against the
//! counts written at the test (so the matrix and README cannot drift from the test), and what
//! really happened when the scenario ran against the table's whole expectation — connections,
//! requests, how each connection ended, failures. Every run also proves the client's view: a
//! `ConnectionTracker` on each client must agree with the server's ledger ([`run_agreeing`]), so
//! a scenario added to the table is checked both ways by its own test.

#![allow(dead_code)] // each test file uses some of these

use std::collections::HashMap;

use keepalive_probe::scenario::{Expected, Observed, Scenario, ScenarioError, counts_only};
use keepalive_probe::{Ending, Fault, Report};
use pretty_assertions::assert_eq;

/// Runs `scenario` and asserts it opened exactly one connection per entry of
/// `requests_per_connection` (in accept order, each carrying that many requests), every request
/// succeeding, every connection closed once the client was dropped and ended as the table says.
/// Returns what the run saw, for a test that asserts more.
pub fn assert_connections(
    scenario: Scenario,
    requests_per_connection: impl Into<Vec<usize>>,
) -> Observed {
    assert_outcome(scenario, requests_per_connection, 0)
}

/// As [`assert_connections`], with `failed_requests` requests expected to fail.
pub fn assert_outcome(
    scenario: Scenario,
    requests_per_connection: impl Into<Vec<usize>>,
    failed_requests: usize,
) -> Observed {
    let (expected, exact) = match &scenario.expected {
        Expected::Exactly(expected) => (expected, true),
        Expected::CountsExactly(expected) => (expected, false),
        Expected::EveryConnectionEnded(_) => panic!(
            "{} has no exact count: use assert_every_connection_ended",
            scenario.title()
        ),
    };
    assert_eq!(
        (
            expected.report.requests_per_connection.clone(),
            expected.failed_requests
        ),
        (requests_per_connection.into(), failed_requests),
        "the scenario table expects otherwise for {}",
        scenario.title()
    );
    let observed = match run_agreeing(&scenario) {
        Ok(observed) => observed,
        Err(error) => panic!("{} could not run: {error}", scenario.title()),
    };
    if exact {
        assert_eq!(
            &observed.outcome,
            expected,
            "{}: {} (request errors: {:?})",
            scenario.title(),
            scenario.why,
            observed.request_errors
        );
    } else {
        // FIN or RST, full or resumed, race on TCP's timing here: all else is exact.
        assert_eq!(
            (
                counts_only(&observed.outcome.report),
                observed.outcome.failed_requests
            ),
            (counts_only(&expected.report), expected.failed_requests),
            "{}: {} (request errors: {:?})",
            scenario.title(),
            scenario.why,
            observed.request_errors
        );
    }
    observed
}

/// Runs a scenario whose count races and asserts what is exact: every request served once, none
/// failed, every connection closed and ended by `ending`.
pub fn assert_every_connection_ended(scenario: Scenario, ending: Ending) {
    assert_eq!(
        scenario.expected,
        Expected::EveryConnectionEnded(ending),
        "the scenario table expects otherwise for {}",
        scenario.title()
    );
    let observed = match run_agreeing(&scenario) {
        Ok(observed) => observed,
        Err(error) => panic!("{} could not run: {error}", scenario.title()),
    };
    let outcome = &observed.outcome;
    let report = &outcome.report;
    assert_eq!(
        (report.requests, outcome.failed_requests, report.clone()),
        (
            scenario.client_requests(),
            0,
            Report::closed(report.requests_per_connection.clone()).ended_by(ending)
        ),
        "(requests served, requests failed, the report): {} (request errors: {:?})",
        scenario.why,
        observed.request_errors
    );
}

/// Runs `scenario` with a tracker on each client and asserts the client's view agrees with the
/// server's: the tracker opened exactly the connections the server accepted (less those whose TLS
/// handshake failed), every response's
/// tracked connection is the one the server named in `x-connection-id` (the tracked connection's
/// local address is the server connection's peer), and the ledger's requests per connection are
/// the responses the client received there.
pub fn run_agreeing(scenario: &Scenario) -> Result<Observed, ScenarioError> {
    let observed = scenario.run_observed()?;
    let title = scenario.title();
    // A socket whose TLS handshake failed is on the server's books, but the client's connector
    // never hands it to the pool, so the tracker never sees it.
    // Through proxies, the client's connections are the proxies'.
    let report = &observed.outcome.report;
    let opened = if observed.proxies.is_empty() {
        report.accepted - report.tls.failed
    } else {
        observed.proxies.iter().map(|p| p.report.accepted).sum()
    };
    assert_eq!(
        observed.tracked.len(),
        opened,
        "{title}: connections opened, by the tracker and by the server"
    );
    assert_eq!(
        observed.responses.len(),
        scenario.client_requests() - observed.outcome.failed_requests,
        "{title}: every response was placed by the tracker"
    );
    assert_eq!(
        served_by_tracker(&observed),
        served_by_server(&observed),
        "{title}: the connection behind each response"
    );
    // A followed redirect is two server requests for one response the client sees. A truncated
    // response's head reaches the client with the connection's end: hyper's client may fail the
    // request before it hands the head over (the body decoder reads EOF in the same poll). An
    // abrupt GOAWAY cuts a response whose head was written, and the client fails it in its body.
    let cut = matches!(
        scenario.server.fault,
        Some(Fault::Truncate { .. } | Fault::GoAwayAbruptlyAfter { .. })
    );
    if scenario.request.path != "/redirect" && !cut {
        assert_eq!(
            responses_per_named_connection(&observed),
            responded_per_connection(&observed),
            "{title}: responses the client received per connection, against the ledger"
        );
    }
    Ok(observed)
}

/// How many responses the client received on each connection, by the `x-connection-id` each
/// names, in accept order: counted on the client's side, so a request the ledger dropped or
/// counted twice shows here. (The header comes from the connection's id, not its count.)
fn responses_per_named_connection(observed: &Observed) -> Vec<usize> {
    let mut per_connection = vec![0; observed.snapshot.connections.len()];
    for seen in &observed.responses {
        let id = seen
            .server_named
            .expect("the counting server names every connection");
        per_connection[id.get() as usize - 1] += 1;
    }
    per_connection
}

/// How many requests on each connection the server began a response to, in accept order: all of
/// them but those a fault closed on.
fn responded_per_connection(observed: &Observed) -> Vec<usize> {
    let mut per_connection = vec![0; observed.snapshot.connections.len()];
    for request in observed.snapshot.requests.iter().filter(|r| r.responded) {
        per_connection[request.connection.get() as usize - 1] += 1;
    }
    per_connection
}

/// Each response's connection as the tracker saw it, by the client's local address, with its
/// reuse flag.
fn served_by_tracker(observed: &Observed) -> Vec<(String, bool)> {
    observed
        .responses
        .iter()
        .map(|seen| {
            let tracked = observed.tracked[seen.served.connection.get() as usize - 1];
            (tracked.local.to_string(), seen.served.reused)
        })
        .collect()
}

/// Each response's connection as the server named it, by its peer address, and whether an earlier
/// response came on it. Through a proxy, the client's connection is the proxy's: its peer is
/// found through the tunnel whose upstream the server saw, or for plain HTTP (which the proxy
/// passes on over connections of its own, not on its books) through the one proxy's request log,
/// whose n-th request is the n-th response's (proxied scenarios send one request at a time, and
/// a plain-HTTP one has one proxy).
fn served_by_server(observed: &Observed) -> Vec<(String, bool)> {
    let mut responses_seen: HashMap<u64, usize> = HashMap::new();
    let tunnels: HashMap<_, _> = observed
        .proxies
        .iter()
        .flat_map(|proxy| &proxy.connections)
        .flat_map(|c| c.tunnels.iter().map(|tunnel| (tunnel.upstream, c.peer)))
        .collect();
    let one_proxy = if observed.proxies.len() == 1 {
        &observed.proxies[..]
    } else {
        &[]
    };
    let proxied_plain: Vec<_> = one_proxy
        .iter()
        .flat_map(|proxy| {
            let peers: HashMap<_, _> = proxy.connections.iter().map(|c| (c.id, c.peer)).collect();
            proxy.requests.iter().map(move |r| peers[&r.connection])
        })
        .collect();
    observed
        .responses
        .iter()
        .enumerate()
        .map(|(n, seen)| {
            let id = seen
                .server_named
                .expect("the counting server names every connection");
            let connection = &observed.snapshot.connections[id.get() as usize - 1];
            let seen = responses_seen.entry(id.get()).or_default();
            *seen += 1;
            let peer = match (tunnels.get(&connection.peer), proxied_plain.get(n)) {
                (Some(client), _) => *client,
                (None, Some(client)) => *client,
                (None, None) => connection.peer,
            };
            (peer.to_string(), *seen > 1)
        })
        .collect()
}
