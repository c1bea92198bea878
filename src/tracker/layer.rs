//! The tower layer that goes on reqwest's `connector_layer`: it connects through the inner
//! connector, then records the connection's address pair with its tracker.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::{Connection, HttpInfo};
use tower::{Layer, Service};

use super::ConnectionTracker;

/// A tower layer for `connector_layer`; see [`ConnectionTracker::layer`].
#[derive(Debug, Clone)]
pub struct TrackerLayer {
    tracker: ConnectionTracker,
}

impl TrackerLayer {
    pub(super) fn new(tracker: ConnectionTracker) -> Self {
        TrackerLayer { tracker }
    }
}

impl<S> Layer<S> for TrackerLayer {
    type Service = TrackerService<S>;

    fn layer(&self, inner: S) -> TrackerService<S> {
        TrackerService {
            inner,
            tracker: self.tracker.clone(),
        }
    }
}

/// The connector wrapped by [`TrackerLayer`]: connects through the inner connector, then records
/// the connection's addresses.
#[derive(Debug, Clone)]
pub struct TrackerService<S> {
    inner: S,
    tracker: ConnectionTracker,
}

impl<S, Target> Service<Target> for TrackerService<S>
where
    S: Service<Target>,
    S::Response: Connection + Send + 'static,
    S::Error: Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, target: Target) -> Self::Future {
        let connecting = self.inner.call(target);
        let tracker = self.tracker.clone();
        Box::pin(async move {
            let connection = connecting.await?;
            let mut extensions = axum::http::Extensions::new();
            connection.connected().get_extras(&mut extensions);
            // hyper-util's HTTP connector always attaches HttpInfo; a connector without it
            // (a Unix socket) has no TCP connection to count.
            if let Some(info) = extensions.get::<HttpInfo>() {
                tracker.record(info.local_addr(), info.remote_addr());
            }
            Ok(connection)
        })
    }
}
