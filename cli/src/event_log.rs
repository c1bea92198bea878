//! `serve`'s and `run`'s event lines, one per accept, request and close, written by a thread of
//! their own: the server's tasks only queue a line, so a reader that is slow, or never reads,
//! cannot stall them (written from the server's tasks, a full pipe stopped the server). The
//! queue is bounded, so neither can it hold unbounded memory: a line that finds it full is
//! dropped, and counted, and the count is said before the report.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Where the event log goes: `serve` owns its stdout, `run` leaves stdout to the command.
#[derive(Debug, Clone, Copy)]
pub enum LogTo {
    Stdout,
    Stderr,
}

/// Lines waiting to be written, at most: some megabytes, many seconds of a busy server's log.
const QUEUE_LINES: usize = 65_536;

/// How long the report waits for the lines before it: a reader that reads nothing at all must
/// not keep the report from the one that reads stdout (`run`'s log is on stderr).
const FLUSH_PATIENCE: Duration = Duration::from_secs(2);

/// The writing thread's side, kept by the command to flush before its report.
#[derive(Debug)]
pub struct EventLog {
    /// `None` with `--quiet`.
    shared: Option<Arc<Counts>>,
    /// Where another server's lines go (`run --proxy`'s proxy): `None` with `--quiet`.
    lines: Option<SyncSender<String>>,
}

/// The server's side: where each line goes.
#[derive(Debug)]
pub struct Queue {
    lines: SyncSender<String>,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    queued: AtomicU64,
    dropped: AtomicU64,
    written: Mutex<u64>,
    wrote: Condvar,
}

impl EventLog {
    /// No log (`--quiet`).
    pub fn quiet() -> EventLog {
        EventLog {
            shared: None,
            lines: None,
        }
    }

    /// A log written to `to` by a thread of its own, and the queue that feeds it.
    pub fn start(to: LogTo) -> (EventLog, Queue) {
        let (lines, queued) = mpsc::sync_channel::<String>(QUEUE_LINES);
        let counts = Arc::new(Counts::default());
        let writer = Arc::clone(&counts);
        std::thread::spawn(move || {
            for mut line in queued {
                // One write per line, so that a command sharing the terminal cannot tear it. A
                // reader that went away must not stop the server: the report is what matters,
                // and its own write reports the failure.
                line.push('\n');
                let _ = match to {
                    LogTo::Stdout => io::stdout().lock().write_all(line.as_bytes()),
                    LogTo::Stderr => io::stderr().lock().write_all(line.as_bytes()),
                };
                *writer.written() += 1;
                writer.wrote.notify_all();
            }
        });
        let log = EventLog {
            shared: Some(Arc::clone(&counts)),
            lines: Some(lines.clone()),
        };
        (log, Queue { lines, counts })
    }

    /// Another queue into the same log, for a second server's lines; `None` with `--quiet`.
    pub fn queue(&self) -> Option<Queue> {
        Some(Queue {
            lines: self.lines.clone()?,
            counts: Arc::clone(self.shared.as_ref()?),
        })
    }

    /// Waits until every line queued so far is written (at most [`FLUSH_PATIENCE`]): the report
    /// comes after them. Says how many lines were dropped, if any.
    pub fn flush(&self) {
        let Some(counts) = &self.shared else {
            return;
        };
        let queued = counts.queued.load(Ordering::Acquire);
        let written = counts.written();
        let _ = counts
            .wrote
            .wait_timeout_while(written, FLUSH_PATIENCE, |written| *written < queued);
        let dropped = counts.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            errln!(
                "warning: {dropped} event line(s) dropped: the reader fell {QUEUE_LINES} lines \
                 behind"
            );
        }
    }
}

impl Queue {
    /// Queues a line, or counts it dropped when the writer is that far behind.
    pub fn push(&self, line: String) {
        match self.lines.try_send(line) {
            Ok(()) => {
                self.counts.queued.fetch_add(1, Ordering::Release);
            }
            Err(TrySendError::Full(_)) => {
                self.counts.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

impl Counts {
    fn written(&self) -> std::sync::MutexGuard<'_, u64> {
        self.written.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
