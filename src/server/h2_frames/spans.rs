//! Where each stream ran, for a timeline: placed after the server's events (streams are not
//! events of its own), in the lowest slot the streams open with it leave free. The spans are
//! kept apart from the counts, and handed on by what changed, so that a connection's record
//! copies a few spans per change, not all of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::H2Frames;
use crate::report::StreamSpan;

/// The spans of one connection's streams, and which of them changed since they were handed on.
#[derive(Debug, Default)]
pub(super) struct Spans {
    /// The server's count of events; without it (the relay's reader) no span is kept.
    events: Option<Arc<AtomicU64>>,
    kept: Vec<StreamSpan>,
    /// The first span that changed since the last [`H2Frames::span_changes`].
    changed_from: Option<usize>,
}

impl Spans {
    fn changed(&mut self, index: usize) {
        self.changed_from = Some(self.changed_from.map_or(index, |from| from.min(index)));
    }
}

impl H2Frames {
    /// A reader that also keeps each stream's span, placed after the events `events` counts.
    pub(in crate::server) fn placing_streams(events: Arc<AtomicU64>) -> Self {
        let mut frames = H2Frames::default();
        frames.spans.events = Some(events);
        frames
    }

    /// The spans that changed since the last call, and the index of the first of them: what a
    /// record holding the earlier ones needs to be current.
    pub(in crate::server) fn span_changes(&mut self) -> Option<(usize, &[StreamSpan])> {
        let from = self.spans.changed_from.take()?;
        Some((from, &self.spans.kept[from..]))
    }

    /// The order of the last event so far.
    fn last_event(&self) -> u64 {
        self.spans
            .events
            .as_ref()
            .map_or(0, |events| events.load(Ordering::Acquire))
    }

    /// The lowest slot no open stream holds.
    pub(super) fn free_slot(&self) -> usize {
        let mut held: Vec<usize> = self.open.values().map(|ends| ends.slot).collect();
        held.sort_unstable();
        held.iter()
            .enumerate()
            .find(|&(slot, &taken)| slot != taken)
            .map_or(held.len(), |(slot, _)| slot)
    }

    /// `stream` opened now in `slot` (ended at once if `refused`: never taken).
    pub(super) fn span_opened(&mut self, stream: u32, slot: usize, refused: bool) {
        if self.spans.events.is_none() || self.spans.kept.len() >= StreamSpan::KEPT {
            return;
        }
        let now = self.last_event();
        self.spans.kept.push(StreamSpan {
            id: stream,
            opened_after: now,
            ended_after: refused.then_some(now),
            slot,
            refused,
        });
        let index = self.spans.kept.len() - 1;
        self.spans.changed(index);
        self.changed = true;
    }

    /// `stream` ended now, refused by the server or not.
    pub(super) fn span_ended(&mut self, stream: u32, refused: bool) {
        let now = self.last_event();
        // Spans are kept in the order streams open, which is the order of their ids.
        let Ok(index) = self
            .spans
            .kept
            .binary_search_by_key(&stream, |span| span.id)
        else {
            return;
        };
        let span = &mut self.spans.kept[index];
        if span.ended_after.is_none() {
            span.ended_after = Some(now);
            span.refused = refused;
            self.spans.changed(index);
            self.changed = true;
        }
    }
}
