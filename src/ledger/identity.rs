//! Who a request is, to tell a request sent again from a new one: its `x-request-id` if the client
//! sent one, or else its method, target, `Content-Length` and a digest of its body as the server
//! read it. A request is *re-sent* when its identity equals an earlier unanswered request's that
//! got no response at all: a client that saw a response's head has its answer, and asking again
//! is a new request (a loop of `GET /` whose bodies are dropped unread repeats nothing).
//!
//! The digests are SipHash with fixed keys (`DefaultHasher::new`): the same on every run.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

/// A request's identity, as a number.
pub(crate) type Identity = u64;

/// What a request's identity is made of beyond its method and target, which its log entry keeps
/// (the body's digest comes later, as the body is read). Nothing is hashed until a snapshot asks:
/// the request path pays for no digest.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestKey {
    /// The `x-request-id` header, if the client sent one: then it alone is the identity.
    pub(crate) request_id: Option<Arc<str>>,
    /// The `Content-Length` header, if any.
    content_length: Option<u64>,
    /// The body's digest, as far as the server read it (0 for none).
    pub(crate) digest: u64,
}

impl RequestKey {
    pub(crate) fn new(request_id: Option<&str>, content_length: Option<u64>) -> RequestKey {
        RequestKey {
            request_id: request_id.map(Arc::from),
            content_length,
            digest: 0,
        }
    }

    /// The identity of the request with this key, `method` and `target`.
    pub(crate) fn identity(&self, method: &str, target: &str) -> Identity {
        let mut hasher = DefaultHasher::new();
        match &self.request_id {
            Some(id) => (0u8, id).hash(&mut hasher),
            None => (1u8, method, target, self.content_length, self.digest).hash(&mut hasher),
        }
        hasher.finish()
    }
}

/// A running digest of a body's bytes.
#[derive(Debug, Default)]
pub(crate) struct BodyDigest(DefaultHasher);

impl BodyDigest {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// Counts unanswered and re-sent requests, fed in the order the server received them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resends {
    pub(crate) unanswered: usize,
    pub(crate) resent: usize,
    /// The identities of the requests that got no response and were not sent again yet.
    waiting: HashSet<Identity>,
}

/// What became of a request: whether the server began its response, and whether it was written
/// whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Answer {
    pub(crate) responded: bool,
    pub(crate) answered: bool,
}

/// The most identities the totals of folded connections keep waiting for a resend: a server left
/// running with a capped ledger holds bounded memory; past it, the oldest are forgotten.
const MOST_WAITING: usize = 10_000;

impl Resends {
    /// Counts one request, in the order received. A resend answers for the request it repeats:
    /// a third arrival is a resend only if the second got no response either.
    pub(crate) fn feed(&mut self, identity: Identity, answer: Answer) {
        if self.waiting.remove(&identity) {
            self.resent += 1;
        }
        if !answer.answered {
            self.unanswered += 1;
        }
        if !answer.responded {
            if self.waiting.len() >= MOST_WAITING {
                self.waiting.clear();
            }
            self.waiting.insert(identity);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: Option<&str>, target: &str) -> Identity {
        RequestKey::new(id, Some(2)).identity("POST", target)
    }

    #[test]
    fn a_request_is_resent_when_an_earlier_unanswered_one_has_its_identity() {
        let none = Answer {
            responded: false,
            answered: false,
        };
        let abandoned = Answer {
            responded: true,
            answered: false,
        };
        let whole = Answer {
            responded: true,
            answered: true,
        };
        let mut resends = Resends::default();
        resends.feed(key(None, "/a"), none);
        resends.feed(key(None, "/b"), abandoned);
        resends.feed(key(None, "/a"), whole);
        resends.feed(key(None, "/b"), whole);
        resends.feed(key(None, "/a"), whole);
        assert_eq!(
            (resends.unanswered, resends.resent),
            (2, 1),
            "a request answers once for the one it repeats"
        );
    }

    #[test]
    fn the_request_id_alone_names_a_request_that_has_one() {
        assert_eq!(key(Some("7"), "/a"), key(Some("7"), "/b"));
        assert_ne!(key(Some("7"), "/a"), key(None, "/a"));
        let mut digested = RequestKey::new(None, Some(2));
        let mut digest = BodyDigest::default();
        digest.update(b"hi");
        digested.digest = digest.finish();
        assert_ne!(digested.identity("POST", "/a"), key(None, "/a"));
    }
}
