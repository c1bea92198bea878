//! Timelines: the ledger drawn as SVG. Each test reads the picture back with an XML parser and
//! checks that its lanes and request blocks match the report exactly, so the picture cannot say
//! something the ledger does not.
//!
//! README's pair of pictures (`docs/timeline-read.svg`, `docs/timeline-unread.svg`) and
//! docs/http2.md's (`docs/timeline-h2.svg`) are generated here and checked for staleness;
//! regenerate them with
//! `KEEPALIVE_PROBE_BLESS=1 cargo test --test suite timeline::`.

use keepalive_probe::{CloseBy, Ending, Fault, Report, Server, Snapshot, timeline};
use pretty_assertions::assert_eq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::client::client;
use crate::support::settle::SETTLE;

/// What a timeline draws, read back from its XML: per row, the connections it stands for, the
/// requests it says they carried, the request blocks drawn, and whether it is drawn open.
#[derive(Debug, PartialEq, Eq)]
struct Drawn {
    rows: Vec<(usize, usize, usize, bool)>,
    classes: Vec<String>,
}

fn read_back(svg: &str) -> Drawn {
    let document = roxmltree::Document::parse(svg).expect("the timeline is well-formed XML");
    let lanes = document.descendants().filter(|node| {
        node.attribute("class")
            .is_some_and(|c| c.starts_with("lane "))
    });
    let mut rows = Vec::new();
    let mut classes = Vec::new();
    for lane in lanes {
        let number = |name| {
            lane.attribute(name)
                .and_then(|value| value.parse::<usize>().ok())
                .expect("a numeric data attribute")
        };
        let blocks = lane
            .children()
            .filter(|node| node.attribute("class") == Some("request"))
            .count();
        rows.push((
            number("data-connections"),
            number("data-requests"),
            blocks,
            lane.attribute("data-open") == Some("true"),
        ));
        classes.push(lane.attribute("class").unwrap_or_default().to_owned());
    }
    Drawn { rows, classes }
}

/// The rows a report must be drawn as when every connection has a row of its own.
fn one_row_each(report: &Report) -> Vec<(usize, usize, usize, bool)> {
    report
        .requests_per_connection
        .iter()
        .map(|&n| (1, n, n, false))
        .collect()
}

/// Five requests, bodies of `body_bytes`, read to the end or dropped unread; the final snapshot.
async fn five_requests(body_bytes: usize, read: bool) -> Snapshot {
    let server = Server::builder()
        .body_bytes(body_bytes)
        .start()
        .await
        .expect("binds");
    let client = client();
    for _ in 0..5 {
        let response = client.get(server.url()).send().await.expect("answered");
        if read {
            response.bytes().await.expect("the body arrives");
        }
    }
    drop(client);
    server.report_within(SETTLE).await.unwrap();
    server.snapshot()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_body_read_to_the_end_is_one_lane_with_five_blocks() {
    let snapshot = five_requests(64 * 1024, true).await;
    let drawn = read_back(&timeline::svg("read to the end", &snapshot));
    assert_eq!(drawn.rows, [(1, 5, 5, false)]);
    assert_eq!(drawn.classes, ["lane reused"]);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_large_body_dropped_unread_is_five_lanes_of_one_block() {
    let snapshot = five_requests(1024 * 1024, false).await;
    let drawn = read_back(&timeline::svg("dropped unread", &snapshot));
    assert_eq!(drawn.rows, one_row_each(&snapshot.report));
    assert_eq!(drawn.rows.len(), 5);
    assert!(
        drawn.classes.iter().all(|c| c == "lane single"),
        "{:?}",
        drawn.classes
    );
}

/// A socket that carried nothing is a lane of its own, drawn as unused; one still open is drawn
/// running to the end, dashed.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn unused_and_open_connections_are_drawn_as_such() {
    let server = Server::start().await.expect("binds");
    drop(TcpStream::connect(server.addr()).await.expect("connects"));
    server.report_within(SETTLE).await.unwrap();
    let client = client();
    client
        .get(server.url())
        .send()
        .await
        .expect("answered")
        .bytes()
        .await
        .expect("read");
    let drawn = read_back(&server.timeline_svg("one unused, one open"));
    assert_eq!(drawn.rows, [(1, 0, 0, false), (1, 1, 1, true)]);
    assert_eq!(drawn.classes, ["lane unused", "lane single"]);
}

/// 250 connections, one request each, more than `MAX_ROWS` (120): grouped 3 to a row (84 rows, the
/// last holding one), every connection and every request still drawn.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn many_connections_are_grouped_but_all_drawn() {
    const CONNECTIONS: usize = 250;
    let server = Server::start().await.expect("binds");
    for _ in 0..CONNECTIONS {
        let mut stream = TcpStream::connect(server.addr()).await.expect("connects");
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .expect("sent");
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).await.expect("answered");
    }
    let report = server.report_within(SETTLE).await.unwrap();
    assert_eq!(
        report,
        Report::closed(vec![1; CONNECTIONS]).ended_by(Ending::ServerClosed)
    );
    let drawn = read_back(&server.timeline_svg("many"));
    let connections: usize = drawn.rows.iter().map(|row| row.0).sum();
    let requests: usize = drawn.rows.iter().map(|row| row.1).sum();
    let blocks: usize = drawn.rows.iter().map(|row| row.2).sum();
    assert_eq!(
        (drawn.rows.len(), connections, requests, blocks),
        (84, CONNECTIONS, CONNECTIONS, CONNECTIONS)
    );
}

/// Titles are text, never markup.
#[test]
fn titles_are_escaped() {
    let svg = timeline::svg("<script>&\"'", &Snapshot::default());
    roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert!(svg.contains("&lt;script&gt;&amp;&quot;&apos;"));
}

/// How each lane ended, read back from its end marks, in accept order.
fn end_marks(svg: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(svg).expect("the timeline is well-formed XML");
    document
        .descendants()
        .filter(|node| node.attribute("class") == Some("end"))
        .map(|node| node.attribute("data-ended").unwrap_or_default().to_owned())
        .collect()
}

/// Every lane ends with a mark for how it ended: the seed's unread bodies are five resets, the
/// read ones a single clean close when the client is dropped.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn each_lane_ends_with_a_mark_for_how_it_ended() {
    let read = timeline::svg("read", &five_requests(1024 * 1024, true).await);
    let unread = timeline::svg("unread", &five_requests(1024 * 1024, false).await);
    assert_eq!(end_marks(&read), ["client_closed"]);
    assert_eq!(end_marks(&unread), vec!["client_reset"; 5]);
}

/// A fault is on the picture: the lane it ended ends with the fault's mark, naming it, and the
/// request it closed on is drawn hollow (`data-answered="false"`), the others filled.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_fault_and_the_request_it_left_unanswered_are_marked() {
    let server = Server::builder()
        .fault(Fault::close_on_request(2, CloseBy::Rst))
        .start()
        .await
        .unwrap();
    let client = client();
    for _ in 0..3 {
        if let Ok(response) = client.get(server.url()).send().await {
            response.bytes().await.unwrap();
        }
    }
    drop(client);
    let snapshot = server.snapshot_within(SETTLE).await.unwrap();
    let svg = timeline::svg("fault", &snapshot);
    let document = roxmltree::Document::parse(&svg).expect("the timeline is well-formed XML");
    let faults: Vec<Option<&str>> = document
        .descendants()
        .filter(|node| node.attribute("class") == Some("end"))
        .map(|node| node.attribute("data-fault"))
        .collect();
    assert_eq!(faults, [Some("close-on-request=2:rst"), None]);
    let answered: Vec<&str> = document
        .descendants()
        .filter(|node| node.attribute("class") == Some("request"))
        .filter_map(|node| node.attribute("data-answered"))
        .collect();
    assert_eq!(answered, ["true", "false", "true"]);
    assert!(svg.contains("request never answered whole"), "{svg}");
}

/// README's pictures: the seed article's experiment, five requests with the body read to the end
/// and five with a 1 MiB body dropped unread, on the paused clock (the same bytes every run).
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn readme_pictures_are_current() {
    let pictures = [
        (
            "docs/timeline-read.svg",
            timeline::svg(
                "body read to the end: one connection",
                &five_requests(1024 * 1024, true).await,
            ),
        ),
        (
            "docs/timeline-unread.svg",
            timeline::svg(
                "body dropped unread: a new connection per request",
                &five_requests(1024 * 1024, false).await,
            ),
        ),
    ];
    check_pictures(pictures);
}

/// docs/http2.md's picture: the cold burst at a limit of 2 streams, each stream under the lane.
#[test]
fn http2_picture_is_current() {
    let scenario = keepalive_probe::scenario::families::http2_cold_burst_at_the_stream_limit();
    let snapshot = scenario.run_observed().expect("the scenario runs").snapshot;
    check_pictures([(
        "docs/timeline-h2.svg",
        timeline::svg(
            "10 requests at once, 2 streams allowed: 8 refused, sent again",
            &snapshot,
        ),
    )]);
}

/// Each picture committed at its path is `fresh`; with `KEEPALIVE_PROBE_BLESS=1`, written first.
fn check_pictures<const N: usize>(pictures: [(&str, String); N]) {
    let bless = std::env::var_os("KEEPALIVE_PROBE_BLESS").is_some_and(|v| v == "1");
    for (path, fresh) in pictures {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        if bless {
            std::fs::write(&path, &fresh).expect("the picture is written");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: regenerate with KEEPALIVE_PROBE_BLESS=1 cargo test --test suite timeline::",
            path.display()
        );
    }
}

/// An HTTP/2 lane says how many streams its connection carried, in `data-streams` and its
/// tooltip, as the ledger counted them: 11 requests queued at a limit of 2.
#[test]
fn an_http_2_lane_carries_its_streams() {
    let scenario = keepalive_probe::scenario::families::http2_requests_queue_at_the_stream_limit();
    let snapshot = scenario.run_observed().expect("the scenario runs").snapshot;
    let svg = timeline::svg("h2", &snapshot);
    let document = roxmltree::Document::parse(&svg).expect("the timeline is well-formed XML");
    let lane = first_lane(&document);
    assert_eq!(lane.attribute("data-streams"), Some("11"));
    let title = lane
        .children()
        .find(|node| node.has_tag_name("title"))
        .and_then(|title| title.text())
        .unwrap_or_default();
    assert!(title.contains("11 stream(s), at most 2 at once"), "{title}");
    // Each stream under the lane: queued at the limit, never more than two side by side.
    assert_eq!(streams_drawn(&lane), (11, 2, 0));
}

/// The first lane a timeline draws.
fn first_lane<'a, 'input>(
    document: &'a roxmltree::Document<'input>,
) -> roxmltree::Node<'a, 'input> {
    document
        .descendants()
        .find(|node| {
            node.attribute("class")
                .is_some_and(|c| c.starts_with("lane "))
        })
        .expect("a lane")
}

/// The streams drawn under a lane: how many, in how many slots, how many refused.
fn streams_drawn(lane: &roxmltree::Node<'_, '_>) -> (usize, usize, usize) {
    let streams: Vec<_> = lane
        .children()
        .filter(|node| node.attribute("class") == Some("stream"))
        .collect();
    let slots = streams
        .iter()
        .filter_map(|stream| stream.attribute("data-slot")?.parse::<usize>().ok())
        .max()
        .map_or(0, |top| top + 1);
    let refused = streams
        .iter()
        .filter(|stream| stream.attribute("data-refused") == Some("true"))
        .count();
    (streams.len(), slots, refused)
}

/// The cold burst at a limit of 2: 10 streams open side by side before the client has read the
/// limit, each in a slot of its own, 8 of them refused and sent again, as the books say.
#[test]
fn a_cold_burst_draws_its_refused_streams() {
    let scenario = keepalive_probe::scenario::families::http2_cold_burst_at_the_stream_limit();
    let snapshot = scenario.run_observed().expect("the scenario runs").snapshot;
    let svg = timeline::svg("h2 cold", &snapshot);
    let document = roxmltree::Document::parse(&svg).expect("the timeline is well-formed XML");
    let lane = first_lane(&document);
    assert_eq!(streams_drawn(&lane), (18, 10, 8));
}
