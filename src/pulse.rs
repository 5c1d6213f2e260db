//! The pulse check-in ("How is work going?"): one free text and an optional mood,
//! through the same analyze → aggregate → store path as every other event. The text is
//! scored in memory and dropped; only the sentiment count (and the redaction counts)
//! of one event with no active time is stored.
//!
//! Mood (1–5, the employee's own rating) and text are folded like this: an explicit
//! mood of 1–2 makes the check-in `negative` and 4–5 `positive`, whatever the text
//! suggests, because a self-report beats an inference; mood 3, or none, leaves the
//! sentiment the analyzer found in the text.

use crate::aggregate::Aggregator;
use crate::analyze::Analyzer;
use crate::config::Config;
use crate::event::{Category, RawEvent, Sentiment, SourceKind};
use crate::store::{Store, StoreError};
use chrono::{TimeDelta, Utc};

/// The app name a check-in is stored under.
pub const PULSE_APP: &str = "pulse";
/// The longest check-in text, in bytes (a paragraph, not a document).
pub const MAX_TEXT_BYTES: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum PulseError {
    #[error("the mood must be 1 (bad) to 5 (great), not {0}")]
    Mood(u8),
    #[error("the check-in is empty: write how work is going, or give a mood")]
    Empty,
    #[error("the check-in is {0} bytes long; at most {MAX_TEXT_BYTES} are accepted")]
    TooLong(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What was stored for one check-in: labels and numbers only.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PulseOutcome {
    pub category: Category,
    pub sentiment: Sentiment,
    /// PII detections removed from the text before scoring left memory.
    pub redactions: u32,
}

/// Folds an explicit mood into the sentiment the analyzer found (see the module docs).
pub fn fold_mood(found: Sentiment, mood: Option<u8>) -> Sentiment {
    match mood {
        Some(1 | 2) => Sentiment::Negative,
        Some(4 | 5) => Sentiment::Positive,
        _ => found,
    }
}

/// Records one check-in made now.
pub async fn record(
    store: &Store,
    analyzer: &Analyzer,
    config: &Config,
    text: &str,
    mood: Option<u8>,
) -> Result<PulseOutcome, PulseError> {
    if let Some(m) = mood.filter(|m| !(1..=5).contains(m)) {
        return Err(PulseError::Mood(m));
    }
    let text = text.trim();
    if text.is_empty() && mood.is_none() {
        return Err(PulseError::Empty);
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(PulseError::TooLong(text.len()));
    }
    let event = RawEvent {
        start: Utc::now(),
        duration: TimeDelta::zero(),
        app: PULSE_APP.to_string(),
        title: String::new(),
        url: None,
        text: Some(text.to_string()),
        source: SourceKind::Pulse,
        continued: false,
    };
    let mut analyzed = analyzer.analyze(event);
    analyzed.sentiment = fold_mood(analyzed.sentiment, mood);
    let mut aggregator = Aggregator::new(config.focus);
    aggregator.add(&analyzed);
    store.apply(config.team(), &analyzer.version(), &aggregator.take_delta(), None).await?;
    Ok(PulseOutcome {
        category: analyzed.category,
        sentiment: analyzed.sentiment,
        redactions: analyzed.redactions.total(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_mood_decides_unless_it_is_neutral() {
        use Sentiment::*;
        for (found, mood, want) in [
            (Positive, Some(1), Negative),
            (Neutral, Some(2), Negative),
            (Negative, Some(3), Negative),
            (Positive, Some(3), Positive),
            (Negative, Some(4), Positive),
            (Neutral, Some(5), Positive),
            (Negative, None, Negative),
        ] {
            assert_eq!(fold_mood(found, mood), want, "{found:?} {mood:?}");
        }
    }
}
