//! The forward proxy: a client connection that asks for other servers, served by hyper's HTTP/1
//! server and counted on the ledger as the counting server counts its own.
//!
//! A `CONNECT` opens a tunnel: the proxy connects to the target, answers `200`, and hyper hands
//! the client's socket back, to be relayed to the target byte for byte
//! ([`relay::pass_on`](super::relay::pass_on)), which reads the tunnel's requests or TLS hellos
//! as the relay reads its own. An absolute-form request (`GET http://host:port/path`) is passed
//! on with hyper's client over a connection of the client connection's own to that target,
//! kept while the client's is, so the target sees the client's reuse as it is.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, Uri, header};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::bodies::{AnsweredBody, Exchanged};
use super::credentials::{self, Credentials};
use super::ending::WatchedStream;
use super::faults::ConnectionFaults;
use super::relay;
use super::shared::Shared;
use crate::event::Event;
use crate::ledger::{ConnectionRecord, RequestKey};
use crate::report::Tunnel;

/// The realm a `407` names.
const REALM: HeaderValue = HeaderValue::from_static("Basic realm=\"keepalive-probe\"");

/// The client's socket as hyper serves it, and as an upgrade hands it back.
type ClientIo = TokioIo<WatchedStream<TcpStream>>;

/// Serves one client connection of a forward proxy until either side closes it, its tunnel
/// included.
pub(super) async fn serve(
    shared: &Arc<Shared>,
    stream: TcpStream,
    record: &Arc<ConnectionRecord>,
    credentials: Option<Credentials>,
    accepted: Instant,
) {
    let tunnel = Arc::new(Mutex::new(None));
    let service = ProxyService {
        shared: Arc::clone(shared),
        record: Arc::clone(record),
        credentials: credentials.map(Arc::new),
        // A proxy has no faults; its responses are noted as answered as a server's are.
        faults: Arc::new(ConnectionFaults::new(Vec::new(), accepted)),
        targets: Arc::default(),
        tunnel: Arc::clone(&tunnel),
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(shared.header_read_timeout);
    let io: ClientIo = TokioIo::new(WatchedStream::new(stream, Arc::clone(record)));
    // A client's broken bytes end its own connection, never the proxy.
    let _ = http.serve_connection(io, service).with_upgrades().await;
    let opened = tunnel.lock().unwrap_or_else(PoisonError::into_inner).take();
    let Some(Opened {
        upgrade,
        target,
        tunnel,
    }) = opened
    else {
        return;
    };
    // hyper hands the socket back once the `200` is written, with what it read past the
    // `CONNECT` (a client may send its first bytes without waiting for the answer): the tunnel
    // is open from then on.
    let Ok(upgraded) = upgrade.await else {
        return;
    };
    let Ok(parts) = upgraded.downcast::<ClientIo>() else {
        return;
    };
    record.opened_tunnel(tunnel);
    let mut client = parts.io.into_inner();
    relay::pass_on(shared, client.get_mut(), target, record, &parts.read_buf).await;
}

/// A tunnel the proxy agreed to: the client's socket, once hyper hands it back, the target's, and
/// the tunnel as the books will hold it.
struct Opened {
    upgrade: OnUpgrade,
    target: TcpStream,
    tunnel: Tunnel,
}

/// The per-connection service hyper calls for every request to the proxy.
#[derive(Clone)]
struct ProxyService {
    shared: Arc<Shared>,
    record: Arc<ConnectionRecord>,
    credentials: Option<Arc<Credentials>>,
    faults: Arc<ConnectionFaults>,
    /// The connection to each target of plain HTTP requests, by authority.
    targets: Arc<Mutex<HashMap<String, SendRequest<Incoming>>>>,
    /// The tunnel a `CONNECT` opened, for the connection's task to relay.
    tunnel: Arc<Mutex<Option<Opened>>>,
}

impl hyper::service::Service<Request<Incoming>> for ProxyService {
    type Response = Response<AnsweredBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<AnsweredBody>, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let target = request.uri().to_string();
        let key = RequestKey::new(
            request
                .headers()
                .get(super::REQUEST_ID_HEADER)
                .and_then(|id| id.to_str().ok()),
            None,
        );
        let number = self
            .shared
            .ledger
            .count_request(&self.record, request.method(), &target, key);
        self.shared.emit(&Event::Request {
            id: self.record.id(),
            peer: self.record.peer(),
            number,
            method: request.method().as_str(),
            path: &target,
        });
        let exchanged = Exchanged {
            record: Arc::clone(&self.record),
            number,
            faults: Arc::clone(&self.faults),
        };
        let this = self.clone();
        Box::pin(async move {
            let response = this.answer(request).await;
            let bodiless = response.status() == StatusCode::NOT_MODIFIED
                || response.status() == StatusCode::NO_CONTENT;
            Ok(response.map(|body| AnsweredBody::new(body, exchanged, bodiless, None)))
        })
    }
}

impl ProxyService {
    /// Checks the credentials, then opens a tunnel or passes the request on.
    async fn answer(&self, request: Request<Incoming>) -> Response<Body> {
        let sent = credentials::sent(request.headers());
        if let Some(asked) = &self.credentials {
            if !asked.accept(sent.as_ref()) {
                let mut response = status(StatusCode::PROXY_AUTHENTICATION_REQUIRED);
                response
                    .headers_mut()
                    .insert(header::PROXY_AUTHENTICATE, REALM);
                return response;
            }
        }
        let user = sent.map(|sent| sent.user);
        if request.method() == Method::CONNECT {
            return self.open_tunnel(request, user).await;
        }
        let Some(authority) = plain_http_authority(request.uri()) else {
            // An origin-form request, or `https://` without a tunnel: not a proxy's to serve.
            return status(StatusCode::BAD_REQUEST);
        };
        self.pass_on(request, authority).await
    }

    /// Connects to the `CONNECT`'s target and agrees to the tunnel, which the connection's task
    /// relays once hyper has written the `200`.
    async fn open_tunnel(
        &self,
        request: Request<Incoming>,
        user: Option<String>,
    ) -> Response<Body> {
        let Some(authority) = request.uri().authority().map(ToString::to_string) else {
            return status(StatusCode::BAD_REQUEST);
        };
        let Ok(target) = TcpStream::connect(&authority).await else {
            return status(StatusCode::BAD_GATEWAY);
        };
        let _ = target.set_nodelay(true);
        let Ok(upstream) = target.local_addr() else {
            return status(StatusCode::BAD_GATEWAY);
        };
        let tunnel = Tunnel {
            target: authority,
            user,
            upstream,
        };
        let upgrade = hyper::upgrade::on(request);
        *self.tunnel.lock().unwrap_or_else(PoisonError::into_inner) = Some(Opened {
            upgrade,
            target,
            tunnel,
        });
        status(StatusCode::OK)
    }

    /// Passes a plain HTTP request on to `authority`, over this client connection's own
    /// connection to it: the one kept, or a new one if it has none or the target closed it (a
    /// request the kept one could not take, unsent, goes on a new one, as a client's pool would
    /// send it). A switch of protocols is not passed on: the proxy would have to follow it.
    async fn pass_on(&self, mut request: Request<Incoming>, authority: String) -> Response<Body> {
        if request.headers().contains_key(header::UPGRADE) {
            return status(StatusCode::NOT_IMPLEMENTED);
        }
        if let Some(path) = request.uri().path_and_query() {
            *request.uri_mut() = Uri::from(path.clone());
        }
        let headers = request.headers_mut();
        headers.remove(header::PROXY_AUTHORIZATION);
        headers.remove("proxy-connection");
        let kept = self.targets().remove(&authority);
        let mut fresh = false;
        let mut sender = match kept {
            Some(sender) if !sender.is_closed() => sender,
            _ => {
                fresh = true;
                match connect(&authority).await {
                    Some(sender) => sender,
                    None => return status(StatusCode::BAD_GATEWAY),
                }
            }
        };
        let answered = loop {
            let sent = match sender.ready().await {
                Ok(()) => sender.try_send_request(request).await,
                Err(_) if !fresh => {
                    fresh = true;
                    match connect(&authority).await {
                        Some(new) => sender = new,
                        None => return status(StatusCode::BAD_GATEWAY),
                    }
                    continue;
                }
                Err(_) => return status(StatusCode::BAD_GATEWAY),
            };
            match sent {
                Ok(response) => break Ok(response),
                Err(mut unsent) => match unsent.take_message() {
                    Some(again) if !fresh => {
                        fresh = true;
                        request = again;
                        match connect(&authority).await {
                            Some(new) => sender = new,
                            None => return status(StatusCode::BAD_GATEWAY),
                        }
                    }
                    _ => break Err(()),
                },
            }
        };
        self.targets().insert(authority, sender);
        match answered {
            Ok(response) => response.map(Body::new),
            Err(()) => status(StatusCode::BAD_GATEWAY),
        }
    }

    fn targets(&self) -> std::sync::MutexGuard<'_, HashMap<String, SendRequest<Incoming>>> {
        self.targets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A new connection to `authority`, with hyper's HTTP/1 client driving it in a task of its own
/// (which ends when the connection does: when the client connection's task drops its sender).
async fn connect(authority: &str) -> Option<SendRequest<Incoming>> {
    let stream = TcpStream::connect(authority).await.ok()?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(connection);
    Some(sender)
}

/// The `host:port` of an absolute `http://` URL (port 80 by default); `None` for anything else.
fn plain_http_authority(uri: &Uri) -> Option<String> {
    if uri.scheme_str() != Some("http") {
        return None;
    }
    let authority = uri.authority()?;
    Some(format!(
        "{}:{}",
        authority.host(),
        authority.port_u16().unwrap_or(80)
    ))
}

/// An empty response with `status`.
fn status(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_are_passed_on() {
        let cases = [
            ("http://127.0.0.1:8080/a?b", Some("127.0.0.1:8080")),
            ("http://example.test/", Some("example.test:80")),
            ("https://example.test/", None),
            ("/origin-form", None),
        ];
        for (uri, expected) in cases {
            let uri: Uri = uri.parse().expect("a URI");
            assert_eq!(plain_http_authority(&uri).as_deref(), expected, "{uri}");
        }
    }
}
