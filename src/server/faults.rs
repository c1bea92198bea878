//! Faults, as one connection applies them: one more step on the data flow, not a second server.
//!
//! The service asks what the k-th exchange gets ([`ConnectionFaults::exchange`]) and reports when
//! a request starts and its response ends; the connection's task waits on [`ConnectionFaults::
//! ended`], which resolves when a fault ends the connection: now (on the k-th request, at an idle
//! deadline), when the task drops hyper's connection and the socket closes as the fault said
//! (FIN, RST, or a 408 first), or gracefully (at a maximum age), when hyper finishes the response
//! in flight and closes. Timers run on tokio's clock, so a paused test is exact.
//!
//! These faults are HTTP/1's, but a refused stream and a graceful `GOAWAY`: over HTTP/2 hyper
//! strips `Connection` and `Keep-Alive` headers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::task::Waker;

use axum::http::HeaderValue;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::fault::{AfterTruncation, CloseBy, Fault, IdleEnd};

/// How the socket is closed when the connection's task drops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SocketClose {
    Fin,
    Rst,
    /// `408 Request Timeout` with `Connection: close` written first (plain HTTP only).
    RequestTimeout,
}

/// The bytes of the 408 an idle connection gets.
pub(super) const REQUEST_TIMEOUT: &[u8] =
    b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

impl From<CloseBy> for SocketClose {
    fn from(by: CloseBy) -> Self {
        match by {
            CloseBy::Fin => SocketClose::Fin,
            CloseBy::Rst => SocketClose::Rst,
        }
    }
}

/// What one exchange (request and response) on a connection gets.
#[derive(Debug, Default)]
pub(super) struct Exchange {
    /// Read the request whole, then close the connection so, unanswered.
    pub(super) close_unanswered: Option<(Fault, CloseBy)>,
    /// Never answer: the connection has gone silent.
    pub(super) silent: bool,
    /// Answer with `Connection: close`, by this fault.
    pub(super) connection_close: Option<Fault>,
    /// Send this many body bytes, then close or stall.
    pub(super) truncate: Option<(Fault, usize, AfterTruncation)>,
    /// A `Keep-Alive` header to add.
    pub(super) keep_alive: Option<HeaderValue>,
    /// Refuse the stream (HTTP/2), by this fault.
    pub(super) refuse: Option<Fault>,
    /// Close the connection gracefully (HTTP/2: `GOAWAY`) now that this request has arrived.
    pub(super) go_away: Option<Fault>,
    /// Close the connection abruptly (HTTP/2: `GOAWAY` naming this request's stream) now.
    pub(super) go_away_abruptly: Option<Fault>,
}

/// In-flight requests, and since when none has been.
#[derive(Debug, Clone, Copy)]
struct Activity {
    in_flight: usize,
    idle_since: Instant,
}

/// One connection's faults, shared by its service, its response bodies, its socket and its task.
#[derive(Debug)]
pub(super) struct ConnectionFaults {
    faults: Vec<Fault>,
    accepted: Instant,
    /// Woken when a fault ends the connection now.
    end_now: Notify,
    /// The fault that ends the connection, and how its socket closes; set once.
    closing: Mutex<Option<(Fault, SocketClose)>>,
    /// An idle-close fault made it silent: no request is answered any more.
    silent: AtomicBool,
    /// Its maximum age has passed (the graceful close is under way).
    aged: AtomicBool,
    /// In-flight requests and since when none has been, kept only for the idle and in-flight
    /// faults (the request path pays nothing for it otherwise).
    activity: Option<watch::Sender<Activity>>,
    /// The `Keep-Alive` header every response gets, if a fault asks for one.
    keep_alive: Option<HeaderValue>,
    /// The fault that asked for a graceful close, until the connection's task takes it.
    go_away: Mutex<Option<Fault>>,
    /// Woken when a fault asks for a graceful close.
    go_away_now: Notify,
    /// With an abrupt `GOAWAY` fault: the request it follows, whether it is asked for, and the
    /// waker of the frame watcher that writes it (`h2_watch.rs`).
    abrupt: Option<(usize, Mutex<Abrupt>)>,
}

/// An abrupt `GOAWAY`, asked for or awaited.
#[derive(Debug, Default)]
struct Abrupt {
    asked: bool,
    waker: Option<Waker>,
}

impl ConnectionFaults {
    pub(super) fn new(faults: Vec<Fault>, accepted: Instant) -> Self {
        let counts_in_flight = faults.iter().any(|fault| {
            matches!(
                fault,
                Fault::IdleClose { .. } | Fault::GoAwayInFlight { .. }
            )
        });
        let abrupt = faults.iter().find_map(|fault| match *fault {
            Fault::GoAwayAbruptlyAfter { requests } => Some(requests),
            _ => None,
        });
        let keep_alive = faults.iter().find_map(|fault| match *fault {
            Fault::KeepAliveHint { timeout_secs, max } => {
                let hint = match max {
                    Some(max) => format!("timeout={timeout_secs}, max={max}"),
                    None => format!("timeout={timeout_secs}"),
                };
                HeaderValue::from_str(&hint).ok()
            }
            _ => None,
        });
        ConnectionFaults {
            faults,
            accepted,
            end_now: Notify::new(),
            closing: Mutex::new(None),
            silent: AtomicBool::new(false),
            aged: AtomicBool::new(false),
            keep_alive,
            go_away: Mutex::new(None),
            go_away_now: Notify::new(),
            abrupt: abrupt.map(|requests| (requests, Mutex::new(Abrupt::default()))),
            activity: counts_in_flight.then(|| {
                watch::Sender::new(Activity {
                    in_flight: 0,
                    idle_since: accepted,
                })
            }),
        }
    }

    /// What the `number`-th exchange on the connection gets.
    pub(super) fn exchange(&self, number: usize) -> Exchange {
        let mut exchange = Exchange {
            silent: self.is_silent(),
            keep_alive: self.keep_alive.clone(),
            ..Exchange::default()
        };
        for &fault in &self.faults {
            match fault {
                Fault::CloseOnRequest { request, by } if request == number => {
                    exchange.close_unanswered.get_or_insert((fault, by));
                }
                Fault::ConnectionClose { response } if response == number => {
                    exchange.connection_close = Some(fault);
                }
                Fault::Truncate {
                    response,
                    bytes,
                    then,
                } if response == number => {
                    exchange.truncate.get_or_insert((fault, bytes, then));
                }
                Fault::RefuseStream { request } if request == number => {
                    exchange.refuse = Some(fault);
                }
                Fault::GoAwayAfter { requests } if requests == number => {
                    exchange.go_away = Some(fault);
                }
                Fault::GoAwayAbruptlyAfter { requests } if requests == number => {
                    exchange.go_away_abruptly = Some(fault);
                }
                _ => {}
            }
        }
        exchange
    }

    /// A request arrived: the connection is busy until its response ends. Returns the fault
    /// that asks for a graceful close now that this many are in flight, if one does.
    pub(super) fn request_started(&self) -> Option<Fault> {
        let activity = self.activity.as_ref()?;
        activity.send_modify(|activity| activity.in_flight += 1);
        let in_flight = activity.borrow().in_flight;
        self.faults.iter().copied().find(
            |fault| matches!(*fault, Fault::GoAwayInFlight { requests } if requests == in_flight),
        )
    }

    /// A response was written whole, or abandoned: once none is in flight, the connection idles.
    pub(super) fn response_ended(&self) {
        if let Some(activity) = &self.activity {
            activity.send_modify(|activity| {
                activity.in_flight = activity.in_flight.saturating_sub(1);
                if activity.in_flight == 0 {
                    activity.idle_since = Instant::now();
                }
            });
        }
    }

    /// Ends the connection now, by `fault`, its socket closed as `how`.
    pub(super) fn end(&self, fault: Fault, how: SocketClose) {
        self.closing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert((fault, how));
        self.end_now.notify_one();
    }

    /// Closes the connection gracefully, by `fault` (HTTP/2: `GOAWAY`, the streams the server
    /// took finishing first).
    pub(super) fn go_away(&self, fault: Fault) {
        self.go_away
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(fault);
        self.go_away_now.notify_one();
    }

    /// The request an abrupt `GOAWAY` follows, with that fault: its stream is the one it names.
    #[cfg(feature = "http2")]
    pub(super) fn abrupt_go_away_request(&self) -> Option<usize> {
        self.abrupt.as_ref().map(|(requests, _)| *requests)
    }

    /// Asks for the abrupt `GOAWAY`: the frame watcher writes it between two of hyper's frames
    /// and ends the connection.
    pub(super) fn go_away_abruptly(&self) {
        let Some((_, abrupt)) = &self.abrupt else {
            return;
        };
        let mut abrupt = abrupt.lock().unwrap_or_else(PoisonError::into_inner);
        abrupt.asked = true;
        if let Some(waker) = abrupt.waker.take() {
            waker.wake();
        }
    }

    /// Whether the abrupt `GOAWAY` is asked for; until it is, `cx` is woken when it is. Always
    /// `false`, at no cost, on a server without the fault.
    #[cfg(feature = "http2")]
    pub(super) fn abrupt_go_away(&self, cx: &std::task::Context<'_>) -> bool {
        let Some((_, abrupt)) = &self.abrupt else {
            return false;
        };
        let mut abrupt = abrupt.lock().unwrap_or_else(PoisonError::into_inner);
        if !abrupt.asked {
            abrupt.waker = Some(cx.waker().clone());
        }
        abrupt.asked
    }

    /// How the socket is to close, once a fault has ended the connection.
    pub(super) fn socket_close(&self) -> Option<SocketClose> {
        let closing = self.closing.lock().unwrap_or_else(PoisonError::into_inner);
        closing.map(|(_, how)| how)
    }

    /// Resolves with the fault that ends the connection, when one does; never without faults.
    /// Over HTTPS a 408 cannot be written below TLS: the idle connection closes by FIN.
    ///
    /// Biased: a request that arrives at the instant a timer fires is seen first, so a busy
    /// connection is never closed by an idle timer.
    pub(super) async fn ended(&self, tls: bool) -> Ended {
        let idle = self.faults.iter().find_map(|fault| match *fault {
            Fault::IdleClose { after, then } => Some((*fault, after, then)),
            _ => None,
        });
        let max_age = self.faults.iter().find_map(|fault| match *fault {
            // An age too long for the clock never comes.
            Fault::MaxAge(age) => Some((*fault, self.accepted.checked_add(age)?)),
            _ => None,
        });
        let mut activity = self.activity.as_ref().map(watch::Sender::subscribe);
        loop {
            let now = activity.as_mut().map(|a| *a.borrow_and_update());
            let idle_deadline = match (idle, now) {
                (Some((fault, after, then)), Some(now))
                    if now.in_flight == 0 && !self.is_silent() =>
                {
                    now.idle_since
                        .checked_add(after)
                        .map(|at| (fault, at, then))
                }
                _ => None,
            };
            let age_deadline = max_age.filter(|_| !self.aged.load(Ordering::Acquire));
            tokio::select! {
                biased;
                () = self.end_now.notified() => {
                    let closing = *self.closing.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Some((fault, _)) = closing {
                        return Ended::Now(fault);
                    }
                }
                () = self.go_away_now.notified() => {
                    let asked = self.go_away.lock().unwrap_or_else(PoisonError::into_inner).take();
                    if let Some(fault) = asked {
                        return Ended::Gracefully(fault);
                    }
                }
                () = changed(activity.as_mut()) => {}
                () = sleep_until(idle_deadline.map(|(_, at, _)| at)), if idle_deadline.is_some() => {
                    let Some((fault, _, then)) = idle_deadline else { continue };
                    let how = match then {
                        IdleEnd::Fin => SocketClose::Fin,
                        IdleEnd::Rst => SocketClose::Rst,
                        IdleEnd::RequestTimeout if tls => SocketClose::Fin,
                        IdleEnd::RequestTimeout => SocketClose::RequestTimeout,
                        _ => {
                            self.silent.store(true, Ordering::Release);
                            continue;
                        }
                    };
                    self.end(fault, how);
                    return Ended::Now(fault);
                }
                () = sleep_until(age_deadline.map(|(_, at)| at)), if age_deadline.is_some() => {
                    let Some((fault, _)) = age_deadline else { continue };
                    self.aged.store(true, Ordering::Release);
                    return Ended::Gracefully(fault);
                }
            }
        }
    }

    fn is_silent(&self) -> bool {
        self.silent.load(Ordering::Acquire)
    }
}

/// How a fault ends a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ended {
    /// At once: hyper's connection is dropped, and the socket closes as the fault said.
    Now(Fault),
    /// Gracefully: hyper finishes the response in flight, if any, then closes (HTTP/1 turns
    /// keep-alive off; HTTP/2 sends GOAWAY).
    Gracefully(Fault),
}

/// Resolves when `activity` changes; never without one (or once its sender is gone).
async fn changed(activity: Option<&mut watch::Receiver<Activity>>) {
    if let Some(activity) = activity {
        if activity.changed().await.is_ok() {
            return;
        }
    }
    std::future::pending().await
}

/// Sleeps until `deadline` (the caller's `if` guards `None`).
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
