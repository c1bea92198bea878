//! Which stream carried which of the server's requests: streams the server refused over its
//! concurrency limit never reach it as requests, so its n-th request is the n-th stream it took.

use super::H2Frames;

impl H2Frames {
    /// The server took `stream`: the next of its requests.
    pub(super) fn took(&mut self, stream: u32) {
        self.taken += 1;
        if let Some((n, found)) = &mut self.nth_taken {
            if *n == self.taken {
                *found = Some(stream);
            }
        }
    }

    /// Remembers the stream of the server's `n`-th request (1 for the first): the `n`-th stream
    /// it takes, as streams over its limit never reach it as requests.
    pub(in crate::server) fn remember_request(&mut self, n: usize) {
        self.nth_taken = Some((n, None));
    }

    /// The stream of the request [`remember_request`](Self::remember_request) asked about,
    /// once it has arrived; otherwise the highest stream the client opened.
    pub(in crate::server) fn request_stream(&self) -> u32 {
        self.nth_taken
            .and_then(|(_, found)| found)
            .unwrap_or(self.last_opened)
    }
}
