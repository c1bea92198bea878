//! Helpers for the suite (`tests/suite/`). The binaries of their own take the one file each needs
//! with `#[path = "support/…"]`.

pub mod expect;

pub mod client;

pub mod raw_tcp;

pub mod settle;
