//! The stream hyper serves an HTTP/2-capable connection over, shown to its frame reader
//! ([`H2Frames`]) as the bytes pass: what it reads is the client's, what it writes the server's.
//! The record is told whenever the books change.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::h2_frames::H2Frames;
use crate::ledger::ConnectionRecord;

/// A stream whose bytes the frame reader sees.
pub(super) struct H2Watched<S> {
    inner: S,
    record: Arc<ConnectionRecord>,
    frames: H2Frames,
}

impl<S> H2Watched<S> {
    pub(super) fn new(inner: S, record: Arc<ConnectionRecord>) -> Self {
        H2Watched {
            inner,
            record,
            frames: H2Frames::default(),
        }
    }

    fn tell(&self) {
        if let Some(seen) = self.frames.seen() {
            self.record.saw_http2(seen.clone());
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for H2Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
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
