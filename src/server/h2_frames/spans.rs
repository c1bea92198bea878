//! Where each stream ran, for a timeline: placed after the server's events (streams are not
//! events of its own), in the lowest slot the streams open with it leave free.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::H2Frames;
use crate::report::StreamSpan;

impl H2Frames {
    /// A reader that also keeps each stream's span, placed after the events `events` counts.
    pub(in crate::server) fn placing_streams(events: Arc<AtomicU64>) -> Self {
        H2Frames {
            events: Some(events),
            ..H2Frames::default()
        }
    }

    /// The order of the last event so far.
    fn last_event(&self) -> u64 {
        self.events
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
        if self.events.is_none() || self.seen.spans.len() >= StreamSpan::KEPT {
            return;
        }
        let now = self.last_event();
        self.seen.spans.push(StreamSpan {
            id: stream,
            opened_after: now,
            ended_after: refused.then_some(now),
            slot,
            refused,
        });
    }

    /// `stream` ended now, refused by the server or not.
    pub(super) fn span_ended(&mut self, stream: u32, refused: bool) {
        let now = self.last_event();
        // Spans are kept in the order streams open, which is the order of their ids.
        if let Ok(index) = self
            .seen
            .spans
            .binary_search_by_key(&stream, |span| span.id)
        {
            let span = &mut self.seen.spans[index];
            if span.ended_after.is_none() {
                span.ended_after = Some(now);
                span.refused = refused;
                self.changed = true;
            }
        }
    }
}
