//! What each client does with the proxy variables (`HTTP_PROXY`, `HTTPS_PROXY` and their
//! lower-case forms, with `NO_PROXY` removed) when its server is on the loopback: whether it goes
//! through the proxy, and how, with the reason found in each client's source.

use keepalive_probe::Handshakes;

use keepalive_probe::Ending;

use super::catalog::Client;
use super::expectation::{Ended, Expect, Proxied, REQUESTS};

/// How a client reaches the server when the proxy variables are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Straight to the server: it reads no variable, or never proxies the loopback.
    Around,
    /// Through the proxy: HTTPS in a `CONNECT` tunnel, plain HTTP in absolute form.
    Through,
    /// Through the proxy in a `CONNECT` tunnel, plain HTTP too.
    TunnelledAlways,
}

fn route(client: Client) -> Route {
    match client {
        Client::Go119
        | Client::Go127
        | Client::NodeFetch
        | Client::NodeHttp
        | Client::NodeHttp2
        | Client::Undici
        | Client::HyperUtil => Route::Around,
        Client::PythonRequests
        | Client::PythonHttpx
        | Client::Curl
        | Client::Reqwest
        | Client::ReqwestBlocking
        | Client::ReqwestRetry => Route::Through,
        Client::Ureq => Route::TunnelledAlways,
    }
}

/// The expectation for `client` with the proxy variables set, over HTTPS (`tls`) or plain HTTP:
/// five requests, each read to the end.
pub fn expect(client: Client, tls: bool) -> Expect {
    // undici's pool alternates two connections for sequential fetches (see the body cases), and
    // the second resumes the first one's session.
    let (per_connection, handshakes): (&'static [usize], _) = match client {
        Client::NodeFetch => (&[3, 2], Handshakes::new(1, 1, 0)),
        _ => (&[REQUESTS], Handshakes::new(1, 0, 0)),
    };
    let handshakes = if tls {
        handshakes
    } else {
        Handshakes::default()
    };
    let (proxy, tunnels): (&'static [usize], usize) = match (route(client), tls) {
        (Route::Around, _) => (&[], 0),
        // One tunnel carries every request; the proxy counts its CONNECT.
        (Route::Through, true) | (Route::TunnelledAlways, true) => (&[1], 1),
        (Route::Through, false) => (&[REQUESTS], 0),
        // The CONNECT, then the five requests the proxy reads inside the tunnel.
        (Route::TunnelledAlways, false) => (&[REQUESTS + 1], 1),
    };
    // A TLS tunnel's two ends close at once: the client sends `close_notify` and closes its
    // socket, and the server answers with its own `close_notify` and closes too. The proxy
    // cannot read inside TLS: it may read the client's FIN first (FIN), pass the server's close
    // on first (the server's), or write the server's last bytes to a socket the client has
    // closed, which its kernel answers with RST. Without a proxy the server reads the client's
    // `close_notify` before it writes its own, so its ending is exact; through one, who closed
    // the proxy's connection first races, and that it closed is exact.
    let proxy_ended = if tls && tunnels > 0 {
        Ended::Closed
    } else {
        Ended::All(Ending::ClientClosed)
    };
    Expect::Proxied(Proxied {
        per_connection,
        handshakes,
        proxy,
        tunnels,
        proxy_ended,
    })
}

/// One line per client on why, naming the function that decides.
pub fn why(client: Client) -> &'static str {
    match client {
        Client::NodeHttp2 | Client::Undici => super::why::H2_ROWS_ONLY,
        Client::Go119 | Client::Go127 => {
            "`http.ProxyFromEnvironment` asks `httpproxy.(*config).useProxy` (vendored `golang.org/x/net/http/httpproxy`), which never proxies `localhost` or a loopback address, before `NO_PROXY` is read: a test needs `Transport.Proxy = http.ProxyURL(...)`"
        }
        Client::PythonRequests => {
            "`Session.merge_environment_settings` → `get_environ_proxies`; `should_bypass_proxies` lets a host past only if `no_proxy` names it (urllib's `proxy_bypass_environment`), so the loopback is proxied; urllib3's `ProxyManager` tunnels HTTPS and sends plain HTTP in absolute form"
        }
        Client::PythonHttpx => {
            "`httpx._utils.get_environment_proxies` mounts a proxy for each `*_proxy` scheme, exempting `localhost` only when `NO_PROXY` lists it; httpcore tunnels HTTPS and forwards plain HTTP"
        }
        Client::NodeFetch => {
            "Node 20's undici sets a plain `Agent` as the global dispatcher (`lib/global.js`), not `EnvHttpProxyAgent`: `fetch` reads no variable"
        }
        Client::NodeHttp => {
            "Node 20's `http.globalAgent` connects straight to the host; no proxy variable is read"
        }
        Client::Curl => {
            "`detect_proxy()` (lib/url.c) reads `https_proxy`/`HTTPS_PROXY`, and only the lower-case `http_proxy` for plain HTTP; `Curl_check_noproxy` has no default exemption"
        }
        Client::Reqwest | Client::ReqwestBlocking | Client::ReqwestRetry => {
            "`ClientBuilder::build` adds `Matcher::system()` unless `no_proxy()` was called; hyper-util's `Matcher::from_env` reads the variables and exempts only what `NO_PROXY` lists; HTTPS is tunnelled, plain HTTP sent in absolute form"
        }
        Client::Ureq => {
            "`Config::default()` takes `Proxy::try_from_env()`, the first of `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (either case) for every scheme, and `ConnectProxyConnector` opens a `CONNECT` tunnel through an `http://` proxy even for plain HTTP"
        }
        Client::HyperUtil => {
            "the legacy `Client` over `HttpConnector` reads no variable; hyper-util's `client-proxy` `Tunnel` and `Matcher::from_env` must be wired in by hand"
        }
    }
}
