//! Followed redirects: each hop's body decides.

use crate::report::{Endings, Report};
use crate::scenario::MIB;
use crate::scenario::building::{base, size_label};
use crate::scenario::{RequestSetup, Scenario, ServerSetup};

fn redirect(body_bytes: usize) -> Scenario {
    Scenario {
        variant: format!("302 to the same host, {} bodies", size_label(body_bytes)),
        server: ServerSetup {
            body_bytes,
            ..ServerSetup::default()
        },
        request: RequestSetup {
            path: "/redirect",
            ..RequestSetup::default()
        },
        ..base("", "")
    }
}

/// reqwest follows a redirect on the same pool: both hops ride one connection.
pub fn followed_redirect_reuses_the_connection_for_both_hops() -> Scenario {
    Scenario {
        expected: Report::closed([10]).into(),
        ..redirect(2)
    }
    .renamed(
        "followed_redirect_reuses_the_connection_for_both_hops",
        "the small 302 body arrived with its headers, so the connection was idle for the next hop",
    )
}

/// reqwest drops the body of the redirect response it follows: with a large body, each hop
/// pays for a connection.
pub fn redirect_with_large_body_costs_a_connection_per_hop() -> Scenario {
    Scenario {
        expected: Report::closed([1, 2, 2, 2, 2, 1])
            .with_endings(Endings {
                client_closed: 1,
                client_reset: 5,
                ..Endings::default()
            })
            .into(),
        ..redirect(MIB)
    }
    .renamed(
        "redirect_with_large_body_costs_a_connection_per_hop",
        "the 302 body is dropped unread when the redirect is followed, closing its connection",
    )
}
