//! The scenario families, one file per theme, mirroring `tests/`. Each public function builds one
//! family — a behaviour named as a sentence, the name of its integration test — for the parameters
//! given, with the exact expectation for those parameters.

mod bodiless;
mod client_lifecycle;
mod concurrency;
mod disabled;
mod error_status;
mod http2;
mod idle_timeout;
mod json;
mod keepalive;
mod no_drain;
mod redirects;
mod request_body;
mod runtime_flavour;

pub use bodiless::*;
pub use client_lifecycle::*;
pub use concurrency::*;
pub use disabled::*;
pub use error_status::*;
pub use http2::*;
pub use idle_timeout::*;
pub use json::*;
pub use keepalive::*;
pub use no_drain::*;
pub use redirects::*;
pub use request_body::*;
pub use runtime_flavour::*;
