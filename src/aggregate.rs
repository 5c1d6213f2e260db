//! Folds analyzed events into 15-minute UTC buckets keyed by (bucket start, category,
//! app), and tracks context switches and focus blocks online. This in-memory window is
//! the only place event-level data exists after the analyzer.

use crate::analyze::span::PiiLabel;
use crate::analyze::{AnalyzedEvent, AppName, RedactionCounts};
use crate::event::Category;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Bucket width: 15 minutes, so every real time-zone offset gives exact local days.
pub const BUCKET_SECONDS: i64 = 900;
const BUCKET_MS: i64 = BUCKET_SECONDS * 1000;
/// Events may overlap their neighbour by this much and still count as adjacent.
const ADJACENCY_TOLERANCE_MS: i64 = 1000;

/// Thresholds of the focus and switch metrics (config `[focus]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FocusConfig {
    /// A focus block is at least this many minutes of `deep_work`…
    pub min_block_minutes: f64,
    /// …with no interruption (other activity or a gap) longer than this.
    pub max_interruption_minutes: f64,
    /// Two consecutive events further apart than this are not a context switch.
    pub switch_max_gap_minutes: f64,
}

impl Default for FocusConfig {
    fn default() -> Self {
        FocusConfig { min_block_minutes: 25.0, max_interruption_minutes: 2.0, switch_max_gap_minutes: 5.0 }
    }
}

impl FocusConfig {
    fn ms(minutes: f64) -> i64 {
        (minutes * 60_000.0).round() as i64
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BucketKey {
    /// Unix seconds (UTC), a multiple of [`BUCKET_SECONDS`].
    pub start: i64,
    pub category: Category,
    #[serde(deserialize_with = "crate::analyze::apps::deserialize_stored_app")]
    pub app: AppName,
}

/// Additive totals of one bucket; adding two deltas gives the totals of both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketTotals {
    pub active_ms: i64,
    pub events: i64,
    pub switches: i64,
    pub focus_ms: i64,
    /// Indexed by `Sentiment::index()`: negative, neutral, positive.
    pub sentiment: [i64; 3],
    pub redactions: [i64; PiiLabel::ALL.len()],
}

impl BucketTotals {
    pub fn merge(&mut self, other: &BucketTotals) {
        self.active_ms += other.active_ms;
        self.events += other.events;
        self.switches += other.switches;
        self.focus_ms += other.focus_ms;
        for (a, b) in self.sentiment.iter_mut().zip(other.sentiment) {
            *a += b;
        }
        for (a, b) in self.redactions.iter_mut().zip(other.redactions) {
            *a += b;
        }
    }

    fn add_redactions(&mut self, counts: &RedactionCounts) {
        for (a, b) in self.redactions.iter_mut().zip(counts.0) {
            *a += i64::from(b);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Direction {
    Forward,
    Backward,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LastEvent {
    start_ms: i64,
    end_ms: i64,
    #[serde(deserialize_with = "crate::analyze::apps::deserialize_stored_app")]
    app: AppName,
    category: Category,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Streak {
    deep_ms: i64,
    interruption_ms: i64,
    qualified: bool,
    /// Deep-work time per bucket not yet counted, because the block is still short.
    pending: Vec<(BucketKey, i64)>,
}

/// The timeline state carried between flushes (and saved in import checkpoints): the
/// last event's times, app and category, and the open focus streak. No text.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TimelineState {
    last: Option<LastEvent>,
    direction: Option<Direction>,
    streak: Option<Streak>,
}

/// The online aggregator. Events may arrive in ascending or descending time order
/// (ActivityWatch exports are newest first); switches and focus blocks come out the same
/// either way. An event out of that order breaks the timeline: the open streak ends.
pub struct Aggregator {
    config: FocusConfig,
    open: HashMap<BucketKey, BucketTotals>,
    state: TimelineState,
}

impl Aggregator {
    pub fn new(config: FocusConfig) -> Aggregator {
        Aggregator { config, open: HashMap::new(), state: TimelineState::default() }
    }

    pub fn with_state(config: FocusConfig, state: TimelineState) -> Aggregator {
        Aggregator { config, open: HashMap::new(), state }
    }

    pub fn state(&self) -> &TimelineState {
        &self.state
    }

    fn totals(&mut self, key: BucketKey) -> &mut BucketTotals {
        self.open.entry(key).or_default()
    }

    /// Splits `[start_ms, end_ms)` over bucket boundaries.
    fn pieces(start_ms: i64, end_ms: i64) -> impl Iterator<Item = (i64, i64)> {
        let mut at = start_ms;
        std::iter::from_fn(move || {
            if at >= end_ms {
                return None;
            }
            let bucket = at.div_euclid(BUCKET_MS) * BUCKET_MS;
            let until = (bucket + BUCKET_MS).min(end_ms);
            let piece = (bucket / 1000, until - at);
            at = until;
            Some(piece)
        })
    }

    fn key(start_ms: i64, event: &AnalyzedEvent) -> BucketKey {
        BucketKey {
            start: start_ms.div_euclid(BUCKET_MS) * BUCKET_SECONDS,
            category: event.category,
            app: event.app.clone(),
        }
    }

    pub fn add(&mut self, event: &AnalyzedEvent) {
        let start_ms = event.start.timestamp_millis();
        let duration_ms = event.duration.num_milliseconds().max(0);
        let end_ms = start_ms + duration_ms;
        let start_key = Self::key(start_ms, event);

        for (bucket, ms) in Self::pieces(start_ms, end_ms) {
            let key = BucketKey { start: bucket, category: event.category, app: event.app.clone() };
            self.totals(key).active_ms += ms;
        }
        if !event.continued {
            let totals = self.totals(start_key.clone());
            totals.events += 1;
            totals.sentiment[event.sentiment.index()] += 1;
            totals.add_redactions(&event.redactions);
        }

        let gap_ms = self.follow(start_ms, end_ms);
        if let (Some(gap_ms), Some(last)) = (gap_ms, &self.state.last) {
            let changed = last.app != event.app || last.category != event.category;
            if changed && gap_ms <= FocusConfig::ms(self.config.switch_max_gap_minutes) {
                // A switch belongs to the bucket of the later of the two events.
                let key = match self.state.direction {
                    Some(Direction::Backward) => BucketKey {
                        start: last.start_ms.div_euclid(BUCKET_MS) * BUCKET_SECONDS,
                        category: last.category,
                        app: last.app.clone(),
                    },
                    _ => start_key.clone(),
                };
                self.totals(key).switches += 1;
            }
        }
        self.update_streak(event, start_ms, end_ms, gap_ms.unwrap_or(i64::MAX));
        self.state.last = Some(LastEvent { start_ms, end_ms, app: event.app.clone(), category: event.category });
    }

    /// Checks the event against the timeline direction; returns the gap to the previous
    /// event, or None when there is none or the order broke (which ends the streak).
    fn follow(&mut self, start_ms: i64, end_ms: i64) -> Option<i64> {
        let last = self.state.last.as_ref()?;
        let forward = start_ms >= last.end_ms - ADJACENCY_TOLERANCE_MS;
        let backward = end_ms <= last.start_ms + ADJACENCY_TOLERANCE_MS;
        let direction = match (self.state.direction, forward, backward) {
            (Some(Direction::Forward), true, _) | (None, true, _) => Direction::Forward,
            (Some(Direction::Backward), _, true) | (None, false, true) => Direction::Backward,
            _ => {
                self.break_timeline();
                return None;
            }
        };
        self.state.direction = Some(direction);
        let last = self.state.last.as_ref()?;
        Some(match direction {
            Direction::Forward => (start_ms - last.end_ms).max(0),
            Direction::Backward => (last.start_ms - end_ms).max(0),
        })
    }

    fn update_streak(&mut self, event: &AnalyzedEvent, start_ms: i64, end_ms: i64, gap_ms: i64) {
        let max_interruption = FocusConfig::ms(self.config.max_interruption_minutes);
        let duration_ms = end_ms - start_ms;
        if event.category == Category::DeepWork {
            let continues = self
                .state
                .streak
                .as_ref()
                .is_some_and(|s| s.interruption_ms.saturating_add(gap_ms) <= max_interruption);
            if !continues {
                self.end_streak();
                self.state.streak = Some(Streak::default());
            }
            let min_block = FocusConfig::ms(self.config.min_block_minutes);
            let pieces: Vec<(BucketKey, i64)> = Self::pieces(start_ms, end_ms)
                .map(|(bucket, ms)| (BucketKey { start: bucket, category: event.category, app: event.app.clone() }, ms))
                .collect();
            let streak = self.state.streak.as_mut().expect("streak just ensured");
            streak.deep_ms += duration_ms;
            streak.interruption_ms = 0;
            streak.pending.extend(pieces);
            if streak.deep_ms >= min_block {
                streak.qualified = true;
                let pending = std::mem::take(&mut streak.pending);
                for (key, ms) in pending {
                    self.totals(key).focus_ms += ms;
                }
            }
        } else if let Some(streak) = self.state.streak.as_mut() {
            streak.interruption_ms = streak.interruption_ms.saturating_add(gap_ms).saturating_add(duration_ms);
            if streak.interruption_ms > max_interruption {
                self.end_streak();
            }
        }
    }

    /// Ends the open streak: a qualified one is already counted, a short one is dropped.
    fn end_streak(&mut self) {
        self.state.streak = None;
    }

    fn break_timeline(&mut self) {
        self.end_streak();
        self.state.last = None;
        self.state.direction = None;
    }

    /// Ends the timeline (end of an import, shutdown of a collector).
    pub fn finish(&mut self) {
        self.break_timeline();
    }

    /// Takes the totals accumulated since the last call.
    pub fn take_delta(&mut self) -> Vec<(BucketKey, BucketTotals)> {
        let mut delta: Vec<_> = self.open.drain().collect();
        delta.sort_by(|a, b| a.0.cmp(&b.0));
        delta
    }

    pub fn open_buckets(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzer;
    use crate::analyze::RedactedFields;
    use crate::event::{CategorySource, Sentiment};
    use chrono::{DateTime, TimeDelta, TimeZone, Utc};

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, h, m, s).unwrap()
    }

    fn event(start: DateTime<Utc>, minutes: f64, app: &str, category: Category) -> AnalyzedEvent {
        let redacted = Analyzer::rules_only().redact("").redacted;
        AnalyzedEvent {
            start,
            duration: TimeDelta::milliseconds((minutes * 60_000.0) as i64),
            app: AppName::from_stored(app),
            category,
            category_source: CategorySource::Rule,
            category_score: 1.0,
            sentiment: Sentiment::Neutral,
            sentiment_score: 0.5,
            redactions: RedactionCounts::default(),
            redacted: RedactedFields { title: redacted, url: None, text: None },
            continued: false,
        }
    }

    fn sum(delta: &[(BucketKey, BucketTotals)]) -> BucketTotals {
        let mut total = BucketTotals::default();
        for (_, t) in delta {
            total.merge(t);
        }
        total
    }

    #[test]
    fn an_event_is_split_at_bucket_boundaries_and_counted_once() {
        let mut agg = Aggregator::new(FocusConfig::default());
        agg.add(&event(at(9, 10, 0), 10.0, "vscode", Category::DeepWork));
        let delta = agg.take_delta();
        let by_start: Vec<(i64, i64, i64)> =
            delta.iter().map(|(k, t)| (k.start % 86_400, t.active_ms, t.events)).collect();
        assert_eq!(by_start, vec![(9 * 3600, 5 * 60_000, 1), (9 * 3600 + 900, 5 * 60_000, 0)]);
    }

    #[test]
    fn focus_blocks_and_switches_are_the_same_in_both_directions() {
        use Category::*;
        let events = vec![
            event(at(9, 0, 0), 20.0, "vscode", DeepWork),
            event(at(9, 20, 0), 1.5, "slack", Communication), // short interruption
            event(at(9, 21, 30), 10.0, "vscode", DeepWork),   // block reaches 30 min
            event(at(9, 31, 30), 5.0, "firefox", Research),   // long interruption
            event(at(9, 36, 30), 20.0, "vscode", DeepWork),   // 20 min: not a block
            event(at(10, 30, 0), 5.0, "slack", Communication), // gap > 5 min: no switch
        ];
        for reversed in [false, true] {
            let mut agg = Aggregator::new(FocusConfig::default());
            let mut ordered = events.clone();
            if reversed {
                ordered.reverse();
            }
            for e in &ordered {
                agg.add(e);
            }
            agg.finish();
            let total = sum(&agg.take_delta());
            assert_eq!(total.focus_ms, 30 * 60_000, "reversed={reversed}");
            assert_eq!(total.switches, 4, "reversed={reversed}");
            assert_eq!(total.events, 6);
        }
    }

    #[test]
    fn out_of_order_events_break_the_streak_but_keep_the_time() {
        let mut agg = Aggregator::new(FocusConfig::default());
        agg.add(&event(at(9, 0, 0), 20.0, "vscode", Category::DeepWork));
        agg.add(&event(at(8, 0, 0), 1.0, "slack", Category::Communication));
        agg.add(&event(at(9, 20, 0), 10.0, "vscode", Category::DeepWork));
        let total = sum(&agg.take_delta());
        assert_eq!(total.active_ms, 31 * 60_000);
        assert_eq!(total.focus_ms, 0);
    }

    #[test]
    fn state_round_trips_through_json_mid_streak() {
        let events = [
            event(at(9, 0, 0), 20.0, "vscode", Category::DeepWork),
            event(at(9, 20, 0), 10.0, "vscode", Category::DeepWork),
        ];
        let mut whole = Aggregator::new(FocusConfig::default());
        events.iter().for_each(|e| whole.add(e));
        let want = sum(&whole.take_delta());

        let mut first = Aggregator::new(FocusConfig::default());
        first.add(&events[0]);
        let mut delta = first.take_delta();
        let saved = serde_json::to_string(first.state()).unwrap();
        let mut second = Aggregator::with_state(FocusConfig::default(), serde_json::from_str(&saved).unwrap());
        second.add(&events[1]);
        delta.extend(second.take_delta());
        assert_eq!(sum(&delta), want);
        assert_eq!(want.focus_ms, 30 * 60_000);
    }
}
