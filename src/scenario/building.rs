//! What the families are built from: the defaults, and labels for variants. The families import
//! these; nothing here imports a family.

use super::{ClientSetup, KIB, MIB, RequestSetup, Runtime, Scenario, ServerSetup, Step};
use crate::consume::Consume;
use crate::report::Report;

/// The defaults every family starts from: current-thread paused runtime, a 2-byte body, reqwest's
/// default client, five sequential `GET /` read to the end.
pub(crate) fn base(name: &'static str, why: &'static str) -> Scenario {
    Scenario {
        name,
        variant: String::new(),
        server: ServerSetup::default(),
        client: ClientSetup::default(),
        request: RequestSetup::default(),
        consume: Consume::ToEnd,
        steps: vec![Step::Sequential(5)],
        runtime: Runtime::CurrentThreadPaused,
        expected: Report::closed([5]).into(),
        why,
    }
}

/// `64 KiB`, `1 MiB`, `2 B`: body sizes as people say them.
pub(crate) fn size_label(bytes: usize) -> String {
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} B")
    }
}

pub(crate) fn consume_label(consume: Consume) -> &'static str {
    match consume {
        Consume::ToEnd => "read to end",
        Consume::Unread => "dropped unread",
        Consume::FirstChunk => "first chunk read",
        Consume::ErrorForStatus => "error_for_status()",
        Consume::Json => "decoded whole",
        Consume::JsonFirstValue => "first JSON value decoded",
    }
}

pub(crate) fn one_request_per_connection(requests: usize) -> Vec<usize> {
    vec![1; requests]
}

impl Scenario {
    pub(crate) fn renamed(self, name: &'static str, why: &'static str) -> Scenario {
        Scenario { name, why, ..self }
    }
}
