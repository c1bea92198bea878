//! The relay's pumps: each direction's bytes passed on as they are read, a FIN as a half-close
//! and a reset as a reset, until both directions are done or one resets.

use std::future::Future;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Interest};
use tokio::sync::Notify;

use super::ending::WatchedStream;
use super::framing::Reader;

/// How much one read passes on at most.
const CHUNK: usize = 64 * 1024;

/// How one direction of the relay ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pumped {
    /// Its source finished sending (FIN), passed on as a half-close.
    Finished,
    /// Its source reset: the other side is reset too.
    SourceReset,
    /// Its sink refused the bytes (it had reset): the source is reset too.
    SinkReset,
}

/// Runs both directions until each has finished, or one resets: then both stop at once. A
/// finished direction's pump goes on waiting for a reset of its source after the FIN (`finished`
/// tells that it finished). Returns how each ended (`Finished` for one stopped by the other's
/// reset).
pub(super) async fn both_or_a_reset(
    (requests, requests_finished): (impl Future<Output = Pumped>, &Notify),
    (responses, responses_finished): (impl Future<Output = Pumped>, &Notify),
) -> (Pumped, Pumped) {
    tokio::pin!(requests, responses);
    let (mut up, mut down) = (None, None);
    let (mut up_finished, mut down_finished) = (false, false);
    loop {
        tokio::select! {
            ended = &mut requests, if up.is_none() => up = Some(ended),
            ended = &mut responses, if down.is_none() => down = Some(ended),
            () = requests_finished.notified(), if !up_finished => up_finished = true,
            () = responses_finished.notified(), if !down_finished => down_finished = true,
        }
        let reset = [up, down]
            .iter()
            .any(|ended| matches!(ended, Some(Pumped::SourceReset | Pumped::SinkReset)));
        let done = (up.is_some() || up_finished) && (down.is_some() || down_finished);
        if reset || done {
            return (
                up.unwrap_or(Pumped::Finished),
                down.unwrap_or(Pumped::Finished),
            );
        }
    }
}

/// One direction's two sockets, what was read from its source before, and how it tells that its
/// source finished.
pub(super) struct Ends<'n, R, W> {
    pub(super) from: R,
    pub(super) to: W,
    pub(super) already_read: &'n [u8],
    pub(super) finished: &'n Notify,
}

/// A read side whose reset after a FIN can be waited for: a read after end-of-file returns
/// end-of-file again, but the socket's error readiness still fires when the RST arrives.
pub(super) trait Resets {
    async fn reset(&self);
}

impl Resets for WatchedStream<tokio::net::tcp::ReadHalf<'_>> {
    async fn reset(&self) {
        self.get_ref().reset().await;
    }
}

impl Resets for tokio::net::tcp::ReadHalf<'_> {
    async fn reset(&self) {
        // Never an error here but a closed registration: then there is nothing more to wait for.
        if self.ready(Interest::ERROR).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// When a pump shows its bytes to its watcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Watch {
    BeforeWriting,
    AfterWriting,
}

/// Passes `from`'s bytes on to `to`, showing each read to `watch` (with `reader`), until either
/// side resets. `from`'s FIN is passed on as a half-close (`watch` is shown no bytes then, and
/// `finished` is told); the pump then waits for a reset of `from`, which a client that shut its
/// socket down and then closed it with bytes unread sends after its FIN (hyper's clients do).
pub(super) async fn pump<R, W>(
    ends: Ends<'_, R, W>,
    mut reader: Reader,
    when: Watch,
    mut watch: impl FnMut(&mut Reader, &[u8]),
) -> Pumped
where
    R: AsyncRead + Resets + Unpin,
    W: AsyncWrite + Unpin,
{
    let Ends {
        mut from,
        mut to,
        already_read,
        finished,
    } = ends;
    if !already_read.is_empty() {
        watch(&mut reader, already_read);
        if to.write_all(already_read).await.is_err() {
            return Pumped::SinkReset;
        }
    }
    let mut buffer = vec![0; CHUNK];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) => {
                watch(&mut reader, &[]);
                let _ = to.shutdown().await;
                finished.notify_one();
                from.reset().await;
                return Pumped::SourceReset;
            }
            Ok(read) => read,
            // A read that fails otherwise than by a reset ends the connection all the same.
            Err(_) => return Pumped::SourceReset,
        };
        if when == Watch::BeforeWriting {
            watch(&mut reader, &buffer[..read]);
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return Pumped::SinkReset;
        }
        if when == Watch::AfterWriting {
            watch(&mut reader, &buffer[..read]);
        }
    }
}
