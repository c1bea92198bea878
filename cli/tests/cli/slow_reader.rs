//! A reader that falls behind, or never reads, must not stall the server: the event log is
//! written by a thread of its own, the server's tasks only queue their lines. Written from the
//! server's tasks, a full pipe (64 KiB on Linux) stopped every connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_keepalive-probe");

/// The pipe's capacity, set as small as Linux allows (a page), so that a few connections' log
/// lines fill it.
const PIPE_BYTES: libc::c_int = 4096;

/// Several times more log than the pipe holds: an accept, a request and a close line, about 160
/// bytes, per connection.
const CONNECTIONS: u64 = 100;

/// The server process, killed if the test fails before it ends.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_reader_that_never_reads_the_log_does_not_stall_the_server() {
    let mut serve = Serve(
        Command::new(BINARY)
            .args(["serve", "--json"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    );
    let stdout = serve.0.stdout.take().expect("stdout is piped");
    // SAFETY: fcntl(2) F_SETPIPE_SZ on the pipe this test owns; no memory is passed.
    let resized = unsafe { libc::fcntl(stdout.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BYTES) };
    assert_eq!(resized, PIPE_BYTES);
    let mut stdout = BufReader::new(stdout);
    let mut url = String::new();
    stdout.read_line(&mut url).expect("the URL line");
    let addr = url
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    for _ in 0..CONNECTIONS {
        let mut stream = TcpStream::connect(&addr).expect("connects");
        // A bound, not a synchronisation: a stalled server fails the test instead of hanging it.
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("a read timeout");
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .expect("sent");
        let mut reply = Vec::new();
        stream
            .read_to_end(&mut reply)
            .expect("answered while nobody reads the log");
        assert!(reply.starts_with(b"HTTP/1.1 200"), "{reply:?}");
    }
    // SAFETY: kill(2) on the child this test started, with a valid signal; no memory effects.
    let sent = unsafe { libc::kill(serve.0.id() as i32, libc::SIGTERM) };
    assert_eq!(sent, 0);
    let mut rest = String::new();
    stdout
        .read_to_string(&mut rest)
        .expect("the log and the report");
    assert!(serve.0.wait().expect("serve exits").success());
    let report: Value = serde_json::from_str(rest.lines().last().unwrap_or_default())
        .unwrap_or_else(|error| panic!("no JSON report ({error})"));
    assert_eq!(
        (report["accepted"].as_u64(), report["requests"].as_u64()),
        (Some(CONNECTIONS), Some(CONNECTIONS))
    );
    assert_eq!(rest.matches(" accepted from ").count() as u64, CONNECTIONS);
}
