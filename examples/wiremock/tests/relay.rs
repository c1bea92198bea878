//! A wiremock-rs `MockServer` cannot count connections: its `Request` has no peer and no
//! connection id, and its accept loop is private. Put the counting relay in front of it and the
//! same test asserts the exact number of TCP connections the client opened, and how each ended.

use std::time::Duration;

use keepalive_probe::{Ending, Report, Server};
use pretty_assertions::assert_eq;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MIB: usize = 1024 * 1024;

/// A `MockServer` answering `GET /user` with a body of `bytes` bytes, and a relay in front of it.
async fn mocked(bytes: usize) -> (MockServer, Server) {
    let mock = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; bytes]))
        .mount(&mock)
        .await;
    let relay = Server::builder()
        .relay_to(*mock.address())
        .start()
        .await
        .expect("the relay starts");
    (mock, relay)
}

/// Five calls that read their bodies: one connection, five requests, closed by the client.
#[tokio::test(flavor = "current_thread")]
async fn five_reads_through_wiremock_cost_one_connection() {
    let (mock, relay) = mocked(MIB).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for _ in 0..5 {
        let response = client.get(relay.url_for("/user")).send().await.unwrap();
        response.bytes().await.unwrap();
    }
    drop(client);
    let report = relay.report_within(Duration::from_secs(10)).await.unwrap();
    assert_eq!(report, Report::closed([5]));
    assert_eq!(mock.received_requests().await.unwrap().len(), 5);
}

/// Five calls that drop a 1 MiB body unread: five connections, each reset by the client.
#[tokio::test(flavor = "current_thread")]
async fn five_dropped_bodies_through_wiremock_cost_five_connections() {
    let (_mock, relay) = mocked(MIB).await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for _ in 0..5 {
        drop(client.get(relay.url_for("/user")).send().await.unwrap());
    }
    drop(client);
    let report = relay.report_within(Duration::from_secs(10)).await.unwrap();
    // Whether all of each 1 MiB response got past the relay before the client's reset depends
    // on the socket buffers between them: the unanswered count is taken as it came.
    let expected = Report::closed([1; 5])
        .ended_by(Ending::ClientReset)
        .with_unanswered(report.unanswered, 0);
    assert_eq!(report, expected);
}
