//! One request: count it on its connection's record, let the router answer it, and name the
//! connection in the response.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use tokio::sync::Notify;
use tower::Service;

use super::shared::Shared;
use super::{CONNECTION_ID_HEADER, REQUEST_NUMBER_HEADER};
use crate::event::Event;
use crate::ledger::ConnectionRecord;
use crate::panics::CatchUnwind;

/// The per-connection service hyper calls for every request (HTTP/2: every stream).
#[derive(Clone)]
pub(super) struct CountingService {
    shared: Arc<Shared>,
    record: Arc<ConnectionRecord>,
    /// Told of the first request, so the connection task knows it arrived in time.
    first_request: Arc<Notify>,
    /// The `x-connection-id` value, formatted once: a clone shares its bytes.
    connection_id: HeaderValue,
}

impl CountingService {
    pub(super) fn new(
        shared: Arc<Shared>,
        record: Arc<ConnectionRecord>,
        first_request: Arc<Notify>,
    ) -> Self {
        let connection_id = HeaderValue::from(record.id().get());
        CountingService {
            shared,
            record,
            first_request,
            connection_id,
        }
    }
}

impl hyper::service::Service<Request<Incoming>> for CountingService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let path = request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path(), |p| p.as_str());
        let number = self
            .shared
            .ledger
            .count_request(&self.record, request.method(), path);
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
        let connection_id = self.connection_id.clone();
        let connection_close = self.shared.connection_close;
        let mut router = self.shared.router.clone();
        let shared = Arc::clone(&self.shared);
        let id = self.record.id();
        Box::pin(async move {
            let mut response = match CatchUnwind(Box::pin(router.call(request))).await {
                Ok(answered) => answered?,
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
            if connection_close {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            Ok(response)
        })
    }
}
