//! The stream hyper serves an HTTP/2-capable connection over, shown to its frame reader
//! ([`H2Frames`]) as the bytes pass: what it reads is the client's, what it writes the server's.
//! The record is told whenever the books change.
//!
//! It also writes the one frame of the server's own, an abrupt `GOAWAY` a fault asks for
//! (hyper offers no abrupt shutdown): between two of hyper's frames, after which the connection
//! ends and hyper is told it was aborted.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::faults::ConnectionFaults;
use super::h2_frames::{H2Frames, go_away_frame};
use crate::ledger::ConnectionRecord;

/// A stream whose bytes the frame reader sees.
pub(super) struct H2Watched<S> {
    inner: S,
    record: Arc<ConnectionRecord>,
    faults: Arc<ConnectionFaults>,
    frames: H2Frames,
    /// An abrupt `GOAWAY` being written: its bytes not yet written.
    going_away: Option<([u8; 17], usize)>,
}

impl<S> H2Watched<S> {
    pub(super) fn new(
        inner: S,
        record: Arc<ConnectionRecord>,
        faults: Arc<ConnectionFaults>,
    ) -> Self {
        let mut frames = H2Frames::placing_streams(record.events());
        if let Some(request) = faults.abrupt_go_away_request() {
            frames.remember_request(request);
        }
        H2Watched {
            inner,
            frames,
            record,
            faults,
            going_away: None,
        }
    }

    fn tell(&mut self) {
        if let Some(seen) = self.frames.seen().cloned() {
            let spans = self.frames.span_changes();
            self.record.saw_http2(seen, spans);
        }
    }
}

impl<S: AsyncWrite + Unpin> H2Watched<S> {
    /// Writes an abrupt `GOAWAY` once one is asked for and hyper's bytes end with a whole frame,
    /// then shuts the stream down: `Ready(Err)` once it has (hyper is to stop), `Pending` while
    /// it is written, `Ready(Ok)` when there is nothing to do.
    fn poll_go_away(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.going_away.is_none() {
            if !(self.faults.abrupt_go_away(cx) && self.frames.server_between_frames()) {
                return Poll::Ready(Ok(()));
            }
            self.going_away = Some((go_away_frame(self.frames.request_stream()), 0));
        }
        while let Some((frame, written)) = self.going_away {
            if written == frame.len() {
                std::task::ready!(Pin::new(&mut self.inner).poll_shutdown(cx))?;
                return Poll::Ready(Err(io::ErrorKind::ConnectionAborted.into()));
            }
            let more =
                std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, &frame[written..]))?;
            if more == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            if self.frames.server_sent(&frame[written..written + more]) {
                self.tell();
            }
            self.going_away = Some((frame, written + more));
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for H2Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_go_away(cx))?;
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if polled.is_ready() && self.frames.client_sent(&buf.filled()[before..]) {
            self.tell();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for H2Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        std::task::ready!(self.poll_go_away(cx))?;
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(written)) = polled {
            if self.frames.server_sent(&buf[..written]) {
                self.tell();
            }
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        std::task::ready!(self.poll_go_away(cx))?;
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(written)) = polled {
            let mut left = written;
            let mut changed = false;
            for buf in bufs {
                let take = left.min(buf.len());
                changed |= self.frames.server_sent(&buf[..take]);
                left -= take;
                if left == 0 {
                    break;
                }
            }
            if changed {
                self.tell();
            }
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
