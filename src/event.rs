//! The event types that flow through the pipeline: [`RawEvent`] (memory only, carries
//! raw text) and [`AnalyzedEvent`] (labels, numbers and redacted text only).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

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
