//! What a server does with the connections it accepts, as [`ServerBuilder`] sets it: serve them
//! (the default), pass each on to an upstream (a relay), or act as a forward proxy. Of
//! [`relay_to`](ServerBuilder::relay_to) and [`forward_proxy`](ServerBuilder::forward_proxy), the
//! last one called decides.

use std::net::SocketAddr;

use super::ServerBuilder;
use super::credentials::Credentials;
use super::shared::Role;

impl ServerBuilder {
    /// Makes the server a counting relay in front of `upstream`, a server of your own (wiremock,
    /// a container, anything on TCP): every connection a client opens is passed on, byte for
    /// byte, over a connection of its own to `upstream`, and counted on this server's ledger as
    /// its own connections are — ids, requests, how each ended, reports, timelines,
    /// [`Snapshot::check_no_leak`](crate::Snapshot::check_no_leak).
    ///
    /// A FIN is passed on as a half-close and a reset as a reset, so the upstream sees what the
    /// client does; the ledger says who closed first. HTTP/1 requests are counted from their
    /// heads as they pass, and answered when their responses have passed whole; bytes it cannot
    /// read as HTTP/1 pass all the same, uncounted; over TLS its handshakes are read from the
    /// cleartext hellos (full or resumed, the version, the ALPN protocols offered); an h2c
    /// connection's streams are read from its frames (feature `http2`). The relay
    /// serves nothing itself: the routes, body size, keep-alive, `Connection: close`, header read
    /// timeout, faults, TLS settings and HTTP/2 stream limit are not used.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use keepalive_probe::{Report, Server};
    ///
    /// let upstream = Server::start().await.unwrap(); // stands for a server you already run
    /// let relay = Server::builder().relay_to(upstream.addr()).start().await.unwrap();
    /// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
    /// let client = reqwest::Client::builder().no_proxy().build().unwrap();
    /// for _ in 0..3 {
    ///     client.get(relay.url()).send().await.unwrap().bytes().await.unwrap();
    /// }
    /// drop(client);
    /// assert_eq!(relay.report_when_closed().await, Report::closed([3]));
    /// # }
    /// ```
    pub fn relay_to(mut self, upstream: SocketAddr) -> Self {
        self.role = Role::Relay(upstream);
        self
    }

    /// Makes the server a counting forward proxy: clients reach other servers through it, with
    /// `CONNECT` tunnels (HTTPS) and absolute-form requests (plain HTTP), and every connection
    /// they open to it is counted as a counting server counts its own, with the tunnels opened on
    /// it ([`AcceptedConnection::tunnels`](crate::AcceptedConnection::tunnels),
    /// [`Report::tunnels`](crate::Report::tunnels)).
    ///
    /// Each client connection gets connections of its own to the servers it asks for: one per
    /// tunnel, and one per target for plain HTTP (kept while the client keeps its connection, and
    /// opened again if the target closes it), so the target sees the client's reuse as it is. A
    /// `CONNECT` and a plain request are requests
    /// on the books (the `CONNECT`'s path is its target, `localhost:4433`; a plain request's its
    /// absolute URL); inside a tunnel, the requests of plain HTTP are counted as the relay counts
    /// them, and a TLS handshake's kind is read from its hellos. The proxy serves nothing
    /// itself: the routes, body size, keep-alive, `Connection: close`, faults, TLS settings and
    /// HTTP/2 stream limit are not used. A target it cannot reach is a `502 Bad Gateway`.
    ///
    /// It reaches any host it is asked for: keep it on the loopback (the default
    /// [`bind`](Self::bind)), as a proxy bound elsewhere is open to anyone who can reach it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use keepalive_probe::{Report, Server};
    ///
    /// let origin = Server::start().await.unwrap();
    /// let proxy = Server::builder().forward_proxy().start().await.unwrap();
    /// # #[allow(deprecated)] let _ = rustls::crypto::ring::default_provider().install_default();
    /// let through_proxy = reqwest::Proxy::all(proxy.url()).unwrap();
    /// let client = reqwest::Client::builder().proxy(through_proxy).build().unwrap();
    /// for _ in 0..3 {
    ///     client.get(origin.url()).send().await.unwrap().bytes().await.unwrap();
    /// }
    /// drop(client);
    /// assert_eq!(proxy.report_when_closed().await, Report::closed([3]));
    /// assert_eq!(origin.report_when_closed().await, Report::closed([3]));
    /// # }
    /// ```
    pub fn forward_proxy(mut self) -> Self {
        if !matches!(self.role, Role::ForwardProxy(_)) {
            self.role = Role::ForwardProxy(None);
        }
        self
    }

    /// Makes the server a counting forward proxy ([`forward_proxy`](Self::forward_proxy)) that
    /// asks for Basic credentials: a request without these gets `407 Proxy Authentication
    /// Required`. Without them, the proxy takes any client, and still notes the user of any
    /// credentials sent ([`Tunnel::user`](crate::Tunnel::user)). Before or after
    /// [`forward_proxy`](Self::forward_proxy), the same.
    pub fn proxy_credentials(mut self, user: &str, password: &str) -> Self {
        self.role = Role::ForwardProxy(Some(Credentials::new(user, password)));
        self
    }
}
