//! Responses with no body: nothing to drain.

use crate::consume::Consume;
use crate::scenario::MIB;
use crate::scenario::building::base;
use crate::scenario::{Method, RequestSetup, Scenario, ServerSetup};

fn bodiless(method: Method, path: &'static str, name: &'static str, why: &'static str) -> Scenario {
    Scenario {
        variant: "1 MiB configured body, dropped unread".to_owned(),
        server: ServerSetup {
            body_bytes: MIB,
            ..ServerSetup::default()
        },
        request: RequestSetup {
            method,
            path,
            ..RequestSetup::default()
        },
        consume: Consume::Unread,
        ..base(name, why)
    }
}

/// A `HEAD` response has no body, whatever its `Content-Length` says.
pub fn head_response_reuses_without_reading() -> Scenario {
    bodiless(
        Method::Head,
        "/",
        "head_response_reuses_without_reading",
        "a HEAD response ends with its headers, so there is nothing to drain",
    )
}

/// `204 No Content` has no body by definition.
pub fn no_content_204_reuses_without_reading() -> Scenario {
    bodiless(
        Method::Get,
        "/status/204",
        "no_content_204_reuses_without_reading",
        "a 204 ends with its headers, so there is nothing to drain",
    )
}

/// `304 Not Modified` has no body by definition.
pub fn not_modified_304_reuses_without_reading() -> Scenario {
    bodiless(
        Method::Get,
        "/status/304",
        "not_modified_304_reuses_without_reading",
        "a 304 ends with its headers, so there is nothing to drain",
    )
}
