//! How a connection ended, read off its socket: the accepted stream, wrapped so that the first
//! end-of-file, the first reset and the server's own shutdown reach the connection's record.
//!
//! The wrapper costs one comparison per read and nothing per write that succeeds; the record is
//! touched once, when the socket first shows an ending.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::faults::{ConnectionFaults, REQUEST_TIMEOUT, SocketClose};
use crate::ledger::ConnectionRecord;
use crate::report::Ending;

/// What the kernel knows about a socket that its reads and writes do not say.
pub(super) trait SocketState {
    /// The pending error (`SO_ERROR`), taken: a reset that arrived after the client's FIN shows
    /// only there, as reads after end-of-file return end-of-file again.
    fn take_pending_error(&self) -> Option<io::Error>;

    /// Bytes the server wrote that the client's kernel has not acknowledged (`SIOCOUTQ`).
    fn bytes_not_received(&self) -> usize;

    /// Readies the socket to close as a fault says, just before it is dropped.
    fn close_as(&self, _how: SocketClose) {}
}

impl SocketState for TcpStream {
    /// RST is `SO_LINGER` 0; the 408 fits in an idle socket's send buffer, so a non-blocking
    /// write takes it whole, and the close that follows is a FIN.
    fn close_as(&self, how: SocketClose) {
        match how {
            SocketClose::Fin => {}
            SocketClose::Rst => {
                let _ = self.set_zero_linger();
            }
            SocketClose::RequestTimeout => {
                let _ = self.try_write(REQUEST_TIMEOUT);
            }
        }
    }

    fn take_pending_error(&self) -> Option<io::Error> {
        self.take_error().ok().flatten()
    }

    #[cfg(target_os = "linux")]
    fn bytes_not_received(&self) -> usize {
        use std::os::fd::AsRawFd;
        let mut queued: libc::c_int = 0;
        // SAFETY: TIOCOUTQ (SIOCOUTQ on a TCP socket) writes one c_int through the pointer, which
        // points at a live c_int; the descriptor is this stream's own, open while `self` lives.
        let status = unsafe { libc::ioctl(self.as_raw_fd(), libc::TIOCOUTQ, &mut queued) };
        if status == 0 {
            usize::try_from(queued).unwrap_or(0)
        } else {
            0
        }
    }

    /// Only Linux is read here; elsewhere the ending comes from resets alone.
    #[cfg(not(target_os = "linux"))]
    fn bytes_not_received(&self) -> usize {
        0
    }
}

/// The relay watches each half of a client's socket: each half asks the socket.
impl SocketState for tokio::net::tcp::ReadHalf<'_> {
    fn take_pending_error(&self) -> Option<io::Error> {
        self.as_ref().take_pending_error()
    }

    fn bytes_not_received(&self) -> usize {
        self.as_ref().bytes_not_received()
    }
}

impl SocketState for tokio::net::tcp::WriteHalf<'_> {
    fn take_pending_error(&self) -> Option<io::Error> {
        self.as_ref().take_pending_error()
    }

    fn bytes_not_received(&self) -> usize {
        self.as_ref().bytes_not_received()
    }
}

/// A TLS stream asks its socket: the watcher around it sees the client's `close_notify` as
/// end-of-file (the clean close of a TLS connection, which comes before the TCP FIN), and the
/// socket still knows what the client never received.
#[cfg(feature = "tls")]
impl<S: SocketState> SocketState for tokio_rustls::server::TlsStream<S> {
    fn take_pending_error(&self) -> Option<io::Error> {
        self.get_ref().0.take_pending_error()
    }

    fn bytes_not_received(&self) -> usize {
        self.get_ref().0.bytes_not_received()
    }
}

impl<S: SocketState> SocketState for WatchedStream<S> {
    fn take_pending_error(&self) -> Option<io::Error> {
        self.inner.take_pending_error()
    }

    fn bytes_not_received(&self) -> usize {
        self.inner.bytes_not_received()
    }

    fn close_as(&self, how: SocketClose) {
        self.inner.close_as(how);
    }
}

/// A stream that tells its connection's record how it ended.
pub(super) struct WatchedStream<S: SocketState> {
    inner: S,
    record: Arc<ConnectionRecord>,
    /// Whether an ending was already passed on: only the first counts.
    told: bool,
    /// The connection's faults, which say how the socket closes (the TCP stream's watcher only).
    faults: Option<Arc<ConnectionFaults>>,
}

impl<S: SocketState> WatchedStream<S> {
    pub(super) fn new(inner: S, record: Arc<ConnectionRecord>) -> Self {
        WatchedStream {
            inner,
            record,
            told: false,
            faults: None,
        }
    }

    /// The stream it watches.
    pub(super) fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The stream it watches, to be used beside it (a proxy's tunnel watches each half of its
    /// socket on its own).
    pub(super) fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Closes the socket as `faults` say when it is dropped.
    pub(super) fn closing_as(mut self, faults: Arc<ConnectionFaults>) -> Self {
        self.faults = Some(faults);
        self
    }

    fn tell(&mut self, ending: Ending) {
        if !self.told {
            self.told = true;
            self.record.saw_ending(ending);
        } else if ending == Ending::ClientReset {
            self.record.saw_reset_after_end_of_file();
        }
    }

    /// End-of-file is the client's FIN: a clean close if the client had received everything the
    /// server sent, and a reset already pending otherwise.
    ///
    /// A client that shuts its socket down before closing it (hyper does, in
    /// `Dispatcher::poll_inner`, then drops the socket) sends FIN first and RST at the `close`,
    /// if bytes were left unread. On one thread both arrive before the server reads, and the
    /// reset is in the socket's pending error. On several threads the server may read the FIN
    /// first, so the FIN itself is checked: its segment acknowledges every byte the client's
    /// kernel received, so bytes still unacknowledged when it arrives (`SIOCOUTQ`) were never
    /// received, let alone read. That holds for any body larger than the client's receive
    /// buffer, whoever wins the race.
    fn tell_end_of_file(&mut self) {
        let unread =
            self.inner.take_pending_error().is_some() || self.inner.bytes_not_received() > 0;
        self.tell(if unread {
            Ending::ClientReset
        } else {
            Ending::ClientClosed
        });
    }

    /// A reset shows as `ECONNRESET` on a read or a write, or `EPIPE` on a write once the reset
    /// has closed the socket; other errors say nothing about the client, and the close that
    /// follows them is the server's.
    fn tell_if_reset(&mut self, error: &io::Error) {
        if matches!(
            error.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionAborted
        ) {
            self.tell(Ending::ClientReset);
        }
    }
}

/// A reset that arrived after the client's FIN, while the server still held the socket, is the
/// client going away with bytes unread: it replaces the clean close.
/// It is also where a fault's close is readied.
impl<S: SocketState> Drop for WatchedStream<S> {
    fn drop(&mut self) {
        if self.inner.take_pending_error().is_some() {
            self.record.saw_reset_after_end_of_file();
        }
        if let Some(how) = self.faults.as_ref().and_then(|f| f.socket_close()) {
            self.inner.close_as(how);
        }
    }
}

impl<S: AsyncRead + SocketState + Unpin> AsyncRead for WatchedStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let asked = buf.remaining() > 0;
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &polled {
            // A read that had room and got nothing is end-of-file: the client's FIN.
            Poll::Ready(Ok(())) if asked && buf.filled().len() == before => {
                self.tell_end_of_file();
            }
            Poll::Ready(Err(error)) => self.tell_if_reset(error),
            _ => {}
        }
        polled
    }
}

impl<S: AsyncWrite + SocketState + Unpin> AsyncWrite for WatchedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        match &polled {
            Poll::Ready(Ok(_)) => self.record.wrote(),
            Poll::Ready(Err(error)) => self.tell_if_reset(error),
            Poll::Pending => {}
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        match &polled {
            Poll::Ready(Ok(_)) => self.record.wrote(),
            Poll::Ready(Err(error)) => self.tell_if_reset(error),
            Poll::Pending => {}
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        if let Poll::Ready(Err(error)) = &polled {
            self.tell_if_reset(error);
        }
        polled
    }

    /// hyper shuts the write side down when it ends a connection itself (keep-alive off,
    /// `Connection: close`): unless the client ended it first, the server did.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.tell(Ending::ServerClosed);
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    impl SocketState for DuplexStream {
        fn take_pending_error(&self) -> Option<io::Error> {
            None
        }

        fn bytes_not_received(&self) -> usize {
            0
        }
    }

    fn watched(ledger: &Ledger) -> (WatchedStream<DuplexStream>, DuplexStream) {
        let (server_side, client_side) = tokio::io::duplex(64);
        let record = ledger.open("127.0.0.1:9".parse().expect("literal address"));
        (WatchedStream::new(server_side, record), client_side)
    }

    fn ended(ledger: &Ledger) -> Ending {
        ledger.snapshot().connections[0].ended
    }

    #[tokio::test]
    async fn end_of_file_is_the_clients_clean_close() {
        let ledger = Ledger::new(None);
        let (mut stream, client) = watched(&ledger);
        drop(client);
        assert_eq!(stream.read(&mut [0; 8]).await.expect("EOF"), 0);
        stream.shutdown().await.ok();
        ledger.close(&stream.record);
        assert_eq!(ended(&ledger), Ending::ClientClosed);
    }

    #[tokio::test]
    async fn the_servers_shutdown_first_is_the_servers_close() {
        let ledger = Ledger::new(None);
        let (mut stream, _client) = watched(&ledger);
        stream.shutdown().await.expect("shuts down");
        ledger.close(&stream.record);
        assert_eq!(ended(&ledger), Ending::ServerClosed);
    }

    #[tokio::test]
    async fn a_refused_write_is_the_clients_reset() {
        let ledger = Ledger::new(None);
        let (mut stream, client) = watched(&ledger);
        drop(client);
        assert!(stream.write_all(b"response").await.is_err());
        ledger.close(&stream.record);
        assert_eq!(ended(&ledger), Ending::ClientReset);
    }
}
