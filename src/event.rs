//! The event types that flow through the pipeline: [`RawEvent`] (memory only, carries
//! raw text) and [`AnalyzedEvent`] (labels, numbers and redacted text only).

use crate::analyze::span::PiiLabel;
use crate::analyze::RedactedText;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Where an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Window,
    Web,
    Editor,
    Pulse,
    Import,
}

/// One observed stretch of activity, exactly as a source saw it.
///
/// It holds raw titles, URLs and texts, so it lives in memory only and is consumed by
/// the analyzer. Its `Debug` output shows sizes, never content, so that a log line or a
/// panic message cannot leak what it carries.
#[derive(Clone)]
pub struct RawEvent {
    pub start: DateTime<Utc>,
    pub duration: TimeDelta,
    pub app: String,
    pub title: String,
    pub url: Option<String>,
    pub text: Option<String>,
    pub source: SourceKind,
    /// True for the second and later active pieces of one observed event (an event cut
    /// by AFK time): they add time but are not counted as new events.
    pub continued: bool,
}

impl RawEvent {
    pub fn end(&self) -> DateTime<Utc> {
        self.start + self.duration
    }
}

impl fmt::Debug for RawEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawEvent")
            .field("start", &self.start)
            .field("duration", &self.duration)
            .field("app_bytes", &self.app.len())
            .field("title_bytes", &self.title.len())
            .field("url_bytes", &self.url.as_ref().map(String::len))
            .field("text_bytes", &self.text.as_ref().map(String::len))
            .field("source", &self.source)
            .finish()
    }
}

/// Activity categories of DESIGN §5, plus `uncategorized` for events that no rule and
/// no model could place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DeepWork,
    Communication,
    Meetings,
    Planning,
    Research,
    Admin,
    AiTools,
    NonWork,
    Uncategorized,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::DeepWork,
        Category::Communication,
        Category::Meetings,
        Category::Planning,
        Category::Research,
        Category::Admin,
        Category::AiTools,
        Category::NonWork,
        Category::Uncategorized,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::DeepWork => "deep_work",
            Category::Communication => "communication",
            Category::Meetings => "meetings",
            Category::Planning => "planning",
            Category::Research => "research",
            Category::Admin => "admin",
            Category::AiTools => "ai_tools",
            Category::NonWork => "non_work",
            Category::Uncategorized => "uncategorized",
        }
    }

    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    Negative,
    Neutral,
    Positive,
}

impl Sentiment {
    pub const ALL: [Sentiment; 3] = [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive];

    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
            Sentiment::Positive => "positive",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which part of the analyzer decided an event's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategorySource {
    Rule,
    Model,
}

impl CategorySource {
    pub fn as_str(self) -> &'static str {
        match self {
            CategorySource::Rule => "rule",
            CategorySource::Model => "model",
        }
    }
}

/// A normalized application name: a catalogue name, a program id in which the analyzer
/// found nothing, a keyed app id (`app:` and 12 hex digits) for any other name, or
/// `other` (no name, or no key to make an id with). Only the analyzer builds one from raw
/// input, and nothing outside the crate builds one at all; it is not `Deserialize`, so
/// no deserialized input can become one either.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AppName(Arc<str>);

impl AppName {
    pub(crate) fn new_unchecked(name: &str) -> AppName {
        AppName(Arc::from(name))
    }

    /// Rebuilds a name read back from the store or a checkpoint (normalized when it was
    /// written).
    pub(crate) fn from_stored(name: &str) -> AppName {
        AppName(Arc::from(name))
    }

    pub fn other() -> AppName {
        AppName(Arc::from("other"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a keyed app id rather than a name.
    pub fn is_app_id(&self) -> bool {
        self.0.starts_with(crate::analyze::apps::APP_ID_PREFIX)
    }

    /// The name as the UI shows it: keyed app ids read "unrecognised app".
    pub fn display_name(&self) -> &str {
        if self.is_app_id() {
            crate::analyze::apps::UNRECOGNISED_APP
        } else {
            &self.0
        }
    }
}

/// Deserializes an [`AppName`] saved by this crate (import checkpoints' timeline state).
pub(crate) fn deserialize_stored_app<'de, D: serde::Deserializer<'de>>(d: D) -> Result<AppName, D::Error> {
    let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    Ok(AppName::from_stored(&name))
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Number of detections per PII label, indexed like [`PiiLabel::ALL`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedactionCounts(pub [u32; PiiLabel::ALL.len()]);

impl RedactionCounts {
    pub fn add(&mut self, label: PiiLabel) {
        self.0[label as usize] += 1;
    }

    pub fn get(&self, label: PiiLabel) -> u32 {
        self.0[label as usize]
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }

    pub fn merge(&mut self, other: &RedactionCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// The redacted text fields of one event.
#[derive(Debug, Clone)]
pub struct RedactedFields {
    pub title: RedactedText,
    pub url: Option<RedactedText>,
    pub text: Option<RedactedText>,
}

/// What the analyze stage emits: everything after it sees only this.
#[derive(Debug, Clone)]
pub struct AnalyzedEvent {
    pub start: DateTime<Utc>,
    pub duration: TimeDelta,
    pub app: AppName,
    pub category: Category,
    pub category_source: CategorySource,
    pub category_score: f32,
    pub sentiment: Sentiment,
    pub sentiment_score: f32,
    pub redactions: RedactionCounts,
    pub redacted: RedactedFields,
    pub continued: bool,
}

impl AnalyzedEvent {
    pub fn end(&self) -> DateTime<Utc> {
        self.start + self.duration
    }
}
