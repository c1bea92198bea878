//! A job of the driver: one URL COUNT MODE triple, parsed; its requests' targets, their order
//! and pace (one after another, or at once); the failures noted.

use std::future::Future;
use std::time::Duration;

use crate::Failure;

/// What a job does with each response (see the usage above `main`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Read,
    Unread,
    Close,
    Post,
    Pause,
    Parallel,
    WarmParallel,
}

/// The body a `post` request sends.
pub(crate) const POST_BODY: &[u8] = &[b'x'; 64];

/// How long `pause` waits after each request.
const PAUSE: Duration = Duration::from_millis(500);

/// One URL COUNT MODE triple.
pub(crate) struct Job<'a> {
    pub(crate) url: &'a str,
    pub(crate) count: usize,
    pub(crate) mode: Mode,
    /// `+h2`: the client is asked for HTTP/2.
    pub(crate) h2: bool,
}

impl Job<'_> {
    /// Each request's URL, in order.
    pub(crate) fn targets(&self) -> impl Iterator<Item = String> + '_ {
        (1..=self.count).map(|n| format!("{}?request={n}", self.url))
    }

    /// How many of the first requests go alone, one after another, before the rest go at once;
    /// `None` when every request goes alone.
    pub(crate) fn alone_before_the_rest(&self) -> Option<usize> {
        match self.mode {
            Mode::Parallel => Some(0),
            Mode::WarmParallel => Some(1),
            _ => None,
        }
    }

    /// Sends the job's requests with the async `send`, in the order and at the pace its mode
    /// says; the failures noted.
    pub(crate) async fn run_async<F, Sent>(&self, send: F) -> Errors
    where
        F: Fn(String) -> Sent,
        Sent: Future<Output = Result<(), Failure>> + Send + 'static,
    {
        let mut errors = Errors::default();
        let alone = self.alone_before_the_rest().unwrap_or(self.count);
        let mut at_once = tokio::task::JoinSet::new();
        for (index, target) in self.targets().enumerate() {
            if index >= alone {
                at_once.spawn(send(target));
                continue;
            }
            errors.note(send(target).await);
            if self.mode == Mode::Pause {
                tokio::time::sleep(PAUSE).await;
            }
        }
        while let Some(joined) = at_once.join_next().await {
            errors.note(joined.map_err(Failure::from).and_then(|sent| sent));
        }
        errors
    }

    /// [`Job::run_async`] for a blocking client: requests at once each on a thread of its own.
    pub(crate) fn run_blocking(
        &self,
        send: impl Fn(String) -> Result<(), Failure> + Sync,
    ) -> Errors {
        let mut errors = Errors::default();
        let alone = self.alone_before_the_rest().unwrap_or(self.count);
        let (first, rest): (Vec<String>, Vec<String>) = {
            let mut targets: Vec<String> = self.targets().collect();
            let rest = targets.split_off(alone.min(targets.len()));
            (targets, rest)
        };
        for target in first {
            errors.note(send(target));
            if self.mode == Mode::Pause {
                std::thread::sleep(PAUSE);
            }
        }
        std::thread::scope(|scope| {
            let send = &send;
            let threads: Vec<_> = rest
                .into_iter()
                .map(|target| scope.spawn(move || send(target)))
                .collect();
            for thread in threads {
                match thread.join() {
                    Ok(sent) => errors.note(sent),
                    Err(_) => errors.add(&*Failure::from("a request's thread panicked")),
                }
            }
        });
        errors
    }
}

/// The requests of a job that failed: how many, and the first one's error.
#[derive(Default)]
pub(crate) struct Errors {
    count: usize,
    first: Option<String>,
}

impl Errors {
    pub(crate) fn add(&mut self, error: &(dyn std::error::Error + 'static)) {
        if self.first.is_none() {
            let mut text = error.to_string();
            let mut source = error.source();
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            self.first = Some(text.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        self.count += 1;
    }

    /// Notes a request's result.
    pub(crate) fn note(&mut self, result: Result<(), Failure>) {
        if let Err(error) = result {
            self.add(&*error);
        }
    }

    /// ` errors=E error=…` when a request failed, else nothing.
    pub(crate) fn suffix(&self) -> String {
        match &self.first {
            Some(first) => format!(" errors={} error={first}", self.count),
            None => String::new(),
        }
    }
}

pub(crate) fn parse_jobs(triples: &[String]) -> Option<Vec<Job<'_>>> {
    if triples.is_empty() || !triples.len().is_multiple_of(3) {
        return None;
    }
    triples
        .chunks(3)
        .map(|job| {
            let (mode, h2) = match job[2].split_once('+') {
                Some((mode, "h2")) => (mode, true),
                Some(_) => return None,
                None => (job[2].as_str(), false),
            };
            let mode = match mode {
                "read" => Mode::Read,
                "unread" => Mode::Unread,
                "close" => Mode::Close,
                "post" => Mode::Post,
                "pause" => Mode::Pause,
                "parallel" => Mode::Parallel,
                "warm-parallel" => Mode::WarmParallel,
                _ => return None,
            };
            Some(Job {
                url: &job[0],
                count: job[1].parse().ok()?,
                mode,
                h2,
            })
        })
        .collect()
}

impl Job<'_> {
    /// Whether the job asks for HTTP/2 over plain HTTP: prior knowledge.
    pub(crate) fn prior_knowledge(&self) -> bool {
        self.h2 && self.url.starts_with("http:")
    }
}
