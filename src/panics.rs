//! Panics in the user's code that the server runs — an `on_event` callback, a handler of the
//! user's own router — caught where they happen, so that the server goes on accepting and
//! counting, and kept until the test asks: a wait ([`Server::report_within`] and the others),
//! [`Server::shutdown`] or the server's drop panics with them, naming where each happened.
//!
//! Uncaught, a panicking callback ended the accept loop (later connects were refused and a wait
//! for closes never returned), and a panicking handler ended its connection, which went on the
//! books as an ordinary close by the server while nothing reported the panic.
//!
//! [`Server::report_within`]: crate::Server::report_within
//! [`Server::shutdown`]: crate::Server::shutdown

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

/// The panics caught so far, each with where it happened.
#[derive(Debug, Default)]
pub(crate) struct Panics(Mutex<Vec<String>>);

impl Panics {
    /// Keeps a caught panic: `place` says where ("the on_event callback"), the payload what.
    pub(crate) fn record(&self, place: &str, payload: &(dyn Any + Send)) {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a panic whose payload is not a string");
        self.lock().push(format!("{place} panicked: {what}"));
    }

    /// Panics with every panic caught so far, if there was one; each is reported once.
    pub(crate) fn resume(&self) {
        let caught = std::mem::take(&mut *self.lock());
        if !caught.is_empty() {
            panic!("{}", caught.join("; "));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs `f`, returning a panic's payload instead of unwinding.
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Box<dyn Any + Send>> {
    catch_unwind(AssertUnwindSafe(f))
}

/// A future that returns a panic's payload, where polling its inner future panicked.
pub(crate) struct CatchUnwind<F>(pub(crate) F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch(|| Pin::new(&mut self.0).poll(cx)) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caught_panics_are_resumed_once_with_their_messages() {
        let panics = Panics::default();
        let payload = catch(|| std::panic::resume_unwind(Box::new("the callback broke")))
            .expect_err("it panicked");
        panics.record("the on_event callback", &*payload);
        let resumed = catch(|| panics.resume()).expect_err("resumes the panic");
        assert_eq!(
            resumed.downcast_ref::<String>().map(String::as_str),
            Some("the on_event callback panicked: the callback broke")
        );
        panics.resume();
    }
}
