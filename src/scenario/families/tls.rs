//! HTTPS: what a new connection costs is a TLS handshake — full (key exchange and certificate)
//! or resumed — and ALPN may pick HTTP/2, which changes what dropping a body costs.

use crate::consume::Consume;
use crate::handshake::Handshakes;
use crate::report::{Ending, Report};
use crate::scenario::building::base;
use crate::scenario::{
    ClientSetup, Expected, MIB, Outcome, RequestSetup, Scenario, ServerSetup, Step, TlsSetup,
};

/// An HTTPS server with `tls`, answering `body_bytes`.
fn https(body_bytes: usize, tls: TlsSetup) -> ServerSetup {
    ServerSetup {
        body_bytes,
        tls: Some(tls),
        ..ServerSetup::default()
    }
}

/// Bodies read to the end over HTTPS: one connection, so one full handshake for every request.
pub fn https_full_read_pays_one_full_handshake() -> Scenario {
    Scenario {
        variant: "HTTP/1.1 over TLS, 64 KiB body".to_owned(),
        server: https(64 * 1024, TlsSetup::default()),
        expected: Report::closed([5])
            .with_handshakes(Handshakes::new(1, 0, 0))
            .into(),
        ..base(
            "https_full_read_pays_one_full_handshake",
            "the connection is reused, so its one handshake serves every request",
        )
    }
}

/// 1 MiB bodies dropped unread over HTTPS: a connection per request, as over plain HTTP, but
/// each new one resumes the session the first one left in the client's cache.
pub fn https_dropped_large_body_resumes_each_new_connection() -> Scenario {
    Scenario {
        variant: "1 MiB body, dropped unread".to_owned(),
        server: https(MIB, TlsSetup::default()),
        consume: Consume::Unread,
        expected: Report::closed([1; 5])
            .ended_by(Ending::ClientReset)
            .with_handshakes(Handshakes::new(1, 4, 0))
            .into(),
        ..base(
            "https_dropped_large_body_resumes_each_new_connection",
            "each abandoned body costs a connection; the client's session cache makes the next handshake a resumption",
        )
    }
}

/// The most common real-world mistake: a new `reqwest::Client` per request. Each has its own pool
/// and its own rustls session cache, so every request pays a new connection and a full
/// handshake.
pub fn https_new_client_per_request_pays_a_full_handshake_each() -> Scenario {
    Scenario {
        variant: "5 clients, one request each".to_owned(),
        server: https(2, TlsSetup::default()),
        steps: vec![
            Step::Sequential(1),
            Step::NewClient,
            Step::Sequential(1),
            Step::NewClient,
            Step::Sequential(1),
            Step::NewClient,
            Step::Sequential(1),
            Step::NewClient,
            Step::Sequential(1),
        ],
        expected: Report::closed([1; 5])
            .with_handshakes(Handshakes::new(5, 0, 0))
            .into(),
        ..base(
            "https_new_client_per_request_pays_a_full_handshake_each",
            "each Client has its own pool and its own TLS session cache: nothing to reuse, nothing to resume",
        )
    }
}

/// A clone of a `reqwest::Client` shares its pool and its TLS configuration, session cache
/// included: dropped bodies on the clone still resume the original's session.
pub fn https_cloned_client_resumes_the_original_session() -> Scenario {
    Scenario {
        variant: "1 MiB body dropped unread, then 4 more on a clone".to_owned(),
        server: https(MIB, TlsSetup::default()),
        consume: Consume::Unread,
        steps: vec![Step::Sequential(1), Step::CloneClient, Step::Sequential(4)],
        expected: Report::closed([1; 5])
            .ended_by(Ending::ClientReset)
            .with_handshakes(Handshakes::new(1, 4, 0))
            .into(),
        ..base(
            "https_cloned_client_resumes_the_original_session",
            "clones share one pool and one rustls configuration, so one session cache",
        )
    }
}

/// A server offering `h2` in ALPN: reqwest speaks HTTP/2, and dropping a large body resets its
/// stream, not the connection.
pub fn https_h2_dropped_large_body_keeps_one_connection() -> Scenario {
    Scenario {
        variant: "ALPN h2, 1 MiB body dropped unread".to_owned(),
        server: https(
            MIB,
            TlsSetup {
                alpn_h2: true,
                ..TlsSetup::default()
            },
        ),
        consume: Consume::Unread,
        expected: Expected::CountsExactly(Outcome {
            report: Report::closed([5])
                .with_handshakes(Handshakes::new(1, 0, 0))
                .with_streams(5),
            failed_requests: 0,
            proxies: Vec::new(),
        }),
        ..base(
            "https_h2_dropped_large_body_keeps_one_connection",
            "an HTTP/2 body dropped unread is one stream reset (RST_STREAM); the connection carries on, and whether DATA frames of reset streams were still unread at its close is TCP's timing",
        )
    }
}

/// Concurrent first requests to a server offering `h2`: the pool cannot know the connection will
/// be HTTP/2 until ALPN says so, so every waiting request connects and handshakes; once the first
/// one negotiates h2, the rest are dropped ("ALPN upgraded to HTTP/2" in hyper-util's
/// `client/legacy/client.rs`).
pub fn https_h2_concurrent_first_requests_handshake_once_each() -> Scenario {
    Scenario {
        variant: "ALPN h2, 5 at once".to_owned(),
        server: https(
            2,
            TlsSetup {
                alpn_h2: true,
                ..TlsSetup::default()
            },
        ),
        steps: vec![Step::Concurrent(5)],
        expected: Expected::CountsExactly(Outcome {
            report: Report::closed([5, 0, 0, 0, 0])
                .with_handshakes(Handshakes::new(5, 0, 0))
                .with_streams(5),
            failed_requests: 0,
            proxies: Vec::new(),
        }),
        ..base(
            "https_h2_concurrent_first_requests_handshake_once_each",
            "every first request connects before ALPN tells the pool it could share; the spares handshake for nothing (a late one may resume the first's session) and are dropped, some with tickets unread",
        )
    }
}

/// A server without a session cache: every new connection is a full handshake.
pub fn https_server_without_session_cache_pays_full_handshakes() -> Scenario {
    Scenario {
        variant: "no session cache, 1 MiB body dropped unread".to_owned(),
        server: https(
            MIB,
            TlsSetup {
                session_cache: false,
                ..TlsSetup::default()
            },
        ),
        consume: Consume::Unread,
        expected: Report::closed([1; 5])
            .ended_by(Ending::ClientReset)
            .with_handshakes(Handshakes::new(5, 0, 0))
            .into(),
        ..base(
            "https_server_without_session_cache_pays_full_handshakes",
            "with NoServerSessionStorage the server issues no tickets and finds no session to resume",
        )
    }
}

/// `https://localhost` and `https://127.0.0.1` are the same server but two pool keys (scheme and
/// authority), and two TLS server names, so two connections and two full handshakes.
pub fn https_localhost_and_its_address_are_two_pools() -> Scenario {
    Scenario {
        variant: "4 requests alternating localhost and 127.0.0.1".to_owned(),
        server: https(2, TlsSetup::default()),
        request: RequestSetup {
            alternate_hosts: true,
            ..RequestSetup::default()
        },
        steps: vec![Step::Sequential(4)],
        expected: Report::closed([2, 2])
            .with_handshakes(Handshakes::new(2, 0, 0))
            .into(),
        ..base(
            "https_localhost_and_its_address_are_two_pools",
            "the pool is keyed by scheme and authority, the session cache by server name",
        )
    }
}

/// A client that does not trust the server's certificate: every request fails in the
/// handshake, and the server still has every socket on its books.
pub fn https_untrusted_certificate_fails_every_handshake() -> Scenario {
    Scenario {
        variant: "client trusts no certificate".to_owned(),
        server: https(2, TlsSetup::default()),
        client: ClientSetup {
            distrust_server: true,
            ..ClientSetup::default()
        },
        expected: Expected::failing(
            Report::closed([0; 5])
                .ended_by(Ending::ServerClosed)
                .with_handshakes(Handshakes::new(0, 0, 5)),
            5,
        ),
        ..base(
            "https_untrusted_certificate_fails_every_handshake",
            "the client's rustls refuses the certificate (UnknownIssuer) and sends a fatal alert; the server drops the socket on reading it",
        )
    }
}
