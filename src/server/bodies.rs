//! The bodies around every exchange: the request's, digested as the server reads it (a re-sent
//! request is told by it), and the response's, which notes when it was written whole — the
//! request is answered then — and truncates it when a fault says so.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};

use super::faults::ConnectionFaults;
use crate::fault::{AfterTruncation, Fault};
use crate::ledger::{BodyDigest, ConnectionRecord};

/// Request `number` on `record`, as its bodies tell the books about it.
#[derive(Clone)]
pub(super) struct Exchanged {
    pub(super) record: Arc<ConnectionRecord>,
    pub(super) number: usize,
    pub(super) faults: Arc<ConnectionFaults>,
}

/// A request body that digests what is read of it, and tells its record when dropped.
pub(super) struct DigestedBody {
    inner: Incoming,
    digest: BodyDigest,
    exchange: Exchanged,
}

impl DigestedBody {
    pub(super) fn new(inner: Incoming, exchange: Exchanged) -> Self {
        DigestedBody {
            inner,
            digest: BodyDigest::default(),
            exchange,
        }
    }
}

impl Drop for DigestedBody {
    fn drop(&mut self) {
        let digest = self.digest.finish();
        self.exchange
            .record
            .body_digest(self.exchange.number, digest);
    }
}

impl HttpBody for DigestedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                self.digest.update(data);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A truncation in progress: bytes still to send, then what.
struct Truncation {
    fault: Fault,
    left: usize,
    then: AfterTruncation,
    /// Bytes of the body were held back: it will not end whole.
    cut: bool,
}

/// A response body that notes when it was written whole, or truncates it.
pub(super) struct AnsweredBody {
    inner: Body,
    exchange: Exchanged,
    /// hyper drops a body it may not send (a response to HEAD, a 204 or 304) unpolled: then the
    /// head was the whole response.
    bodiless: bool,
    truncation: Option<Truncation>,
    /// Answered or abandoned: told once.
    ended: bool,
}

impl AnsweredBody {
    pub(super) fn new(
        inner: Body,
        exchange: Exchanged,
        bodiless: bool,
        truncate: Option<(Fault, usize, AfterTruncation)>,
    ) -> Self {
        AnsweredBody {
            inner,
            exchange,
            bodiless,
            truncation: truncate.map(|(fault, left, then)| Truncation {
                fault,
                left,
                then,
                cut: false,
            }),
            ended: false,
        }
    }

    /// The response ended: `answered` if written whole.
    fn end(&mut self, answered: bool) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.exchange
            .record
            .responded(self.exchange.number, answered);
        self.exchange.faults.response_ended();
    }

    /// Sends at most what the truncation leaves; at its end closes (an error hyper answers by
    /// closing the connection) or stalls. A body that ends first was sent whole: the truncation
    /// never came.
    fn poll_truncated(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let Some(truncation) = &mut self.truncation else {
            return Poll::Ready(None);
        };
        if !truncation.cut && self.inner.is_end_stream() {
            self.end(true);
            return Poll::Ready(None);
        }
        if truncation.left == 0 {
            return match truncation.then {
                AfterTruncation::Close => {
                    self.exchange.record.ended_by_fault(truncation.fault);
                    Poll::Ready(Some(Err(axum::Error::new(
                        "the response was truncated (a fault)",
                    ))))
                }
                AfterTruncation::Stall => Poll::Pending,
            };
        }
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match polled {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(mut data) => {
                    truncation.cut |= data.len() > truncation.left;
                    data.truncate(truncation.left);
                    truncation.left -= data.len();
                    Poll::Ready(Some(Ok(Frame::data(data))))
                }
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            Poll::Ready(None) => {
                self.end(true);
                Poll::Ready(None)
            }
            other => other,
        }
    }
}

/// A body dropped with nothing left to send (hyper asked `is_end_stream` and never polled it, or
/// may not send one) was answered with its head; any other was abandoned.
impl Drop for AnsweredBody {
    fn drop(&mut self) {
        let cut = self.truncation.as_ref().is_some_and(|t| t.cut);
        let answered = !cut && (self.bodiless || self.inner.is_end_stream());
        self.end(answered);
    }
}

impl HttpBody for AnsweredBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.truncation.is_some() {
            return self.poll_truncated(cx);
        }
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => self.end(true),
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => self.end(true),
            Poll::Ready(Some(Err(_))) => self.end(false),
            _ => {}
        }
        polled
    }

    /// hyper asks before it polls: a body already at its end is answered with the head (noted
    /// when hyper drops it).
    fn is_end_stream(&self) -> bool {
        self.truncation.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
