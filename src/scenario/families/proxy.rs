//! Through a counting forward proxy: what a tunnel costs, when reqwest opens another, and which
//! proxy it asks (reqwest #2098). Both sides are on books: the proxy's report beside the
//! server's.

use crate::consume::Consume;
use crate::handshake::Handshakes;
use crate::report::{Ending, Report};
use crate::scenario::building::base;
use crate::scenario::{
    ClientSetup, Expected, MIB, ProxySetup, RequestSetup, Scenario, ServerSetup, Step, TlsSetup,
};

/// An HTTPS server answering `body_bytes`.
fn https(body_bytes: usize) -> ServerSetup {
    ServerSetup {
        body_bytes,
        tls: Some(TlsSetup::default()),
        ..ServerSetup::default()
    }
}

/// A client through `proxy`.
fn through(proxy: ProxySetup) -> ClientSetup {
    ClientSetup {
        proxy: Some(proxy),
        ..ClientSetup::default()
    }
}

/// One full handshake: read by the server, and by the proxy from the tunnel's hellos.
const ONE_FULL: Handshakes = Handshakes::new(1, 0, 0);

/// HTTPS GETs through a proxy, read to the end: one `CONNECT`, so one tunnel on one connection to
/// the proxy, and the server's one connection carries every request.
pub fn proxy_https_requests_share_one_tunnel() -> Scenario {
    Scenario {
        variant: "5 HTTPS GETs, 64 KiB read".to_owned(),
        server: https(64 * 1024),
        client: through(ProxySetup::One),
        expected: Expected::from(Report::closed([5]).with_handshakes(ONE_FULL)).through_proxies([
            Report::closed([1])
                .with_tunnels(1)
                .with_handshakes(ONE_FULL),
        ]),
        ..base(
            "proxy_https_requests_share_one_tunnel",
            "the tunnel is the pooled connection: reused whole, its CONNECT is sent once",
        )
    }
}

/// Plain HTTP GETs through a proxy: absolute-form requests on one connection to the proxy, which
/// passes them on over one connection of its own.
pub fn proxy_plain_requests_share_one_connection_to_the_proxy() -> Scenario {
    Scenario {
        variant: "5 plain GETs".to_owned(),
        client: through(ProxySetup::One),
        expected: Expected::from(Report::closed([5])).through_proxies([Report::closed([5])]),
        ..base(
            "proxy_plain_requests_share_one_connection_to_the_proxy",
            "plain HTTP through a proxy pools the connection to the proxy, keyed by the target",
        )
    }
}

/// 1 MiB bodies dropped unread through a proxy: each costs the tunnel it came through, reset,
/// and the reset reaches the server through the proxy; every handshake after the first resumes.
pub fn proxy_dropped_bodies_cost_a_tunnel_each() -> Scenario {
    let resumed = Handshakes::new(1, 4, 0);
    let each_reset = |report: Report| {
        report
            .ended_by(Ending::ClientReset)
            .with_handshakes(resumed)
    };
    Scenario {
        variant: "5 HTTPS GETs, 1 MiB dropped unread".to_owned(),
        server: https(MIB),
        client: through(ProxySetup::One),
        consume: Consume::Unread,
        expected: Expected::from(each_reset(Report::closed([1; 5])))
            .through_proxies([each_reset(Report::closed([1; 5])).with_tunnels(5)]),
        ..base(
            "proxy_dropped_bodies_cost_a_tunnel_each",
            "a connection with a body left in it is not pooled, and the tunnel is that connection",
        )
    }
}

/// Two targets through one proxy (the server as `localhost` and as `127.0.0.1`): two pool keys,
/// so two tunnels, each reused by its own target's requests.
pub fn proxy_two_targets_never_share_a_tunnel() -> Scenario {
    let two_full = Handshakes::new(2, 0, 0);
    Scenario {
        variant: "4 HTTPS GETs alternating localhost and 127.0.0.1".to_owned(),
        server: https(2),
        client: through(ProxySetup::One),
        request: RequestSetup {
            alternate_hosts: true,
            ..RequestSetup::default()
        },
        steps: vec![Step::Sequential(4)],
        expected: Expected::from(Report::closed([2, 2]).with_handshakes(two_full)).through_proxies(
            [Report::closed([1, 1])
                .with_tunnels(2)
                .with_handshakes(two_full)],
        ),
        ..base(
            "proxy_two_targets_never_share_a_tunnel",
            "a tunnel reaches one target, and the pool is keyed by the target",
        )
    }
}

/// reqwest #2098: a `Proxy::custom` naming two proxies in turn. The pool is keyed by the target
/// alone (hyper-util's legacy client: `PoolKey = (Scheme, Authority)`) and the proxy is asked
/// only for a new connection (reqwest's `ConnectorService::call`), so the first proxy's tunnel
/// carries every request and the second proxy is never used.
pub fn proxy_named_in_turn_is_asked_only_for_new_connections() -> Scenario {
    Scenario {
        variant: "two proxies in turn, 5 HTTPS GETs".to_owned(),
        server: https(2),
        client: through(ProxySetup::TwoInTurn),
        expected: Expected::from(Report::closed([5]).with_handshakes(ONE_FULL)).through_proxies([
            Report::closed([1])
                .with_tunnels(1)
                .with_handshakes(ONE_FULL),
            Report::closed([]),
        ]),
        ..base(
            "proxy_named_in_turn_is_asked_only_for_new_connections",
            "reqwest #2098: the pool is keyed by the target, not the proxy, so the second proxy is never asked",
        )
    }
}

/// reqwest #2098 with credentials: one proxy named with two users' credentials in turn. The
/// first user's tunnel carries every request (the suite checks the tunnel's user is `alice`).
pub fn proxy_credentials_in_turn_stay_the_first_users() -> Scenario {
    Scenario {
        variant: "two users in turn, 5 HTTPS GETs".to_owned(),
        server: https(2),
        client: through(ProxySetup::TwoUsersInTurn),
        expected: Expected::from(Report::closed([5]).with_handshakes(ONE_FULL)).through_proxies([
            Report::closed([1])
                .with_tunnels(1)
                .with_handshakes(ONE_FULL),
        ]),
        ..base(
            "proxy_credentials_in_turn_stay_the_first_users",
            "reqwest #2098: credentials are not in the pool key, so the first user's tunnel serves the second",
        )
    }
}
