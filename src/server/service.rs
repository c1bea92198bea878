//! One request: count it on its connection's record, apply the connection's faults, let the
//! router answer it, and name the connection in the response.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use tokio::sync::Notify;
use tower::Service;

use super::bodies::{AnsweredBody, DigestedBody, Exchanged};
use super::faults::ConnectionFaults;
use super::shared::Shared;
use super::{CONNECTION_ID_HEADER, REQUEST_ID_HEADER, REQUEST_NUMBER_HEADER};
use crate::event::Event;
use crate::fault::CloseBy;
use crate::ledger::{ConnectionRecord, RequestKey};
use crate::panics::CatchUnwind;

/// The per-connection service hyper calls for every request (HTTP/2: every stream).
#[derive(Clone)]
pub(super) struct CountingService {
    shared: Arc<Shared>,
    record: Arc<ConnectionRecord>,
    /// Told of the first request, so the connection task knows it arrived in time.
    first_request: Arc<Notify>,
    /// The connection's faults.
    faults: Arc<ConnectionFaults>,
    /// The `x-connection-id` value, formatted once: a clone shares its bytes.
    connection_id: HeaderValue,
}

impl CountingService {
    pub(super) fn new(
        shared: Arc<Shared>,
        record: Arc<ConnectionRecord>,
        first_request: Arc<Notify>,
        faults: Arc<ConnectionFaults>,
    ) -> Self {
        let connection_id = HeaderValue::from(record.id().get());
        CountingService {
            shared,
            record,
            first_request,
            faults,
            connection_id,
        }
    }
}

/// A request the service will not answer: hyper resets the stream with the reason found in it
/// (a refused HTTP/2 stream); nothing else is an error.
type Refusal = Box<dyn std::error::Error + Send + Sync>;

impl hyper::service::Service<Request<Incoming>> for CountingService {
    type Response = Response<AnsweredBody>;
    type Error = Refusal;
    type Future = Pin<Box<dyn Future<Output = Result<Response<AnsweredBody>, Refusal>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let path = request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path(), |p| p.as_str());
        let headers = request.headers();
        let key = RequestKey::new(
            headers
                .get(REQUEST_ID_HEADER)
                .and_then(|id| id.to_str().ok()),
            // Only a request with a body has a length worth reading.
            (!hyper::body::Body::is_end_stream(request.body()))
                .then(|| headers.get(header::CONTENT_LENGTH))
                .flatten()
                .and_then(|length| length.to_str().ok()?.parse().ok()),
        );
        let number = self
            .shared
            .ledger
            .count_request(&self.record, request.method(), path, key);
        self.shared.emit(&Event::Request {
            id: self.record.id(),
            peer: self.record.peer(),
            number,
            method: request.method().as_str(),
            path,
        });
        if number == 1 {
            self.first_request.notify_one();
        }
        let http2 = request.version() == axum::http::Version::HTTP_2;
        let mut exchange = self.faults.exchange(number);
        // A refused stream is not taken: it is on the books, unanswered, and nothing else.
        if exchange.refuse.is_some() && http2 {
            return Box::pin(async { Err(refusal()) });
        }
        if let Some(fault) = self.faults.request_started() {
            exchange.go_away.get_or_insert(fault);
        }
        // A graceful close: over HTTP/2 a GOAWAY, the streams taken finishing first; over HTTP/1
        // this response says `Connection: close`, so the client is told before the close.
        if let Some(fault) = exchange.go_away {
            if http2 {
                self.faults.go_away(fault);
            } else {
                exchange.connection_close.get_or_insert(fault);
            }
        }
        // An abrupt close: over HTTP/2 a GOAWAY naming this request's stream (the frame watcher
        // knows it), written at once, nothing more answered; over HTTP/1 the request is read and
        // the connection closed.
        if let Some(fault) = exchange.go_away_abruptly {
            if http2 {
                self.record.ended_by_fault(fault);
                self.faults.go_away_abruptly();
                exchange.silent = true;
            } else {
                exchange
                    .close_unanswered
                    .get_or_insert((fault, CloseBy::Fin));
            }
        }
        let restart = self.shared.restart_on();
        let bodiless = request.method() == Method::HEAD;
        let exchanged = Exchanged {
            record: Arc::clone(&self.record),
            number,
            faults: Arc::clone(&self.faults),
        };
        // A body is digested as it is read (what tells a request sent again); most requests have
        // none, and pay nothing.
        let request = request.map(|body| {
            if hyper::body::Body::is_end_stream(&body) {
                Body::new(body)
            } else {
                Body::new(DigestedBody::new(body, exchanged.clone()))
            }
        });
        let connection_id = self.connection_id.clone();
        let mut router = self.shared.router.clone();
        let shared = Arc::clone(&self.shared);
        let id = self.record.id();
        Box::pin(async move {
            // A restart comes first: it ends every connection, this one included.
            if let Some(fault) = restart {
                let _ = axum::body::to_bytes(request.into_body(), usize::MAX).await;
                shared.restart(fault).await;
                return std::future::pending().await;
            }
            if exchange.silent {
                return std::future::pending().await;
            }
            if let Some((fault, by)) = exchange.close_unanswered {
                // Read whole, so the socket holds nothing unread and a FIN is a FIN; then the
                // connection's task ends it, unanswered.
                let _ = axum::body::to_bytes(request.into_body(), usize::MAX).await;
                exchanged.faults.end(fault, by.into());
                return std::future::pending().await;
            }
            // On a server with faults every body is read whole first, so that the digest a request
            // sent again is told by covers all of it, whatever the handler reads.
            let request = if shared.faults.is_empty() {
                request
            } else {
                let (head, body) = request.into_parts();
                let whole = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .unwrap_or_default();
                Request::from_parts(head, Body::from(whole))
            };
            let mut response = match CatchUnwind(Box::pin(router.call(request))).await {
                Ok(Ok(answered)) => answered,
                Ok(Err(never)) => match never {},
                Err(payload) => {
                    let place = format!("the handler of request {number} on connection {id}");
                    shared.panics.record(&place, &*payload);
                    Response::builder()
                        .status(StatusCode::INTERNAL_SERVER_ERROR)
                        .body(Body::empty())
                        .unwrap_or_default()
                }
            };
            let headers = response.headers_mut();
            headers.insert(CONNECTION_ID_HEADER, connection_id);
            headers.insert(REQUEST_NUMBER_HEADER, HeaderValue::from(number));
            if let Some(fault) = exchange.connection_close {
                // hyper closes the connection after this response: the fault ended it.
                exchanged.record.ended_by_fault(fault);
            }
            if shared.connection_close || exchange.connection_close.is_some() {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            if let Some(hint) = exchange.keep_alive {
                headers.insert(HeaderName::from_static("keep-alive"), hint);
            }
            let bodiless = bodiless
                || matches!(
                    response.status(),
                    StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
                );
            Ok(
                response
                    .map(|body| AnsweredBody::new(body, exchanged, bodiless, exchange.truncate)),
            )
        })
    }
}

/// `REFUSED_STREAM`, for hyper to reset the stream with: the stream was not processed, so the
/// client may send it again.
#[cfg(feature = "http2")]
fn refusal() -> Refusal {
    Box::new(h2::Error::from(h2::Reason::REFUSED_STREAM))
}

/// Without `http2` no request is HTTP/2, so none is refused; were one, hyper would close its
/// connection.
#[cfg(not(feature = "http2"))]
fn refusal() -> Refusal {
    "the stream is refused".into()
}
