//! The suite: every integration test in one binary, each file a module.
//!
//! One binary links once, where 27 linked one by one (most of a contributor's cold build),
//! and its tests run in parallel with each other, where cargo runs binaries one after another.
//! Every test binds its own server on `127.0.0.1:0`, so nothing is shared but the process: the
//! scale tests raise the open-file soft limit for all (never lower it).
//!
//! Apart, as binaries of their own: the design card's files (`tests/keepalive.rs`,
//! `tests/no_drain.rs`, `tests/disabled.rs`), where a reader starts. The command-line tool's
//! tests are its package's (`cli/tests/`).

#[path = "../support/mod.rs"]
mod support;

mod bodiless;
mod client_lifecycle;
mod concurrency;
mod design_card;
mod error_status;
mod faults;
mod hostile;
mod http2;
mod idle_timeout;
mod json;
mod lifecycle;
mod matrix;
mod multi_thread;
mod own_routes;
mod panics;
mod proxy;
mod proxy_wire;
mod redirects;
mod relay;
mod request_body;
mod rstest_cases;
mod runtime_flavour;
mod scale;
mod slow_clients;
mod test_functions;
mod timeline;
mod tls;
mod tracker;
mod wrapper;
