//! Detected PII spans and their labels: the vocabulary shared by recognizers,
//! the model and the redactor.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A PII label of DESIGN §5. `Org` may be detected but is not redacted by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PiiLabel {
    Person,
    Email,
    Phone,
    Location,
    CreditCard,
    Iban,
    NationalId,
    IpAddress,
    Username,
    Secret,
    Org,
}

impl PiiLabel {
    pub const ALL: [PiiLabel; 11] = [
        PiiLabel::Person,
        PiiLabel::Email,
        PiiLabel::Phone,
        PiiLabel::Location,
        PiiLabel::CreditCard,
        PiiLabel::Iban,
        PiiLabel::NationalId,
        PiiLabel::IpAddress,
        PiiLabel::Username,
        PiiLabel::Secret,
        PiiLabel::Org,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PiiLabel::Person => "PERSON",
            PiiLabel::Email => "EMAIL",
            PiiLabel::Phone => "PHONE",
            PiiLabel::Location => "LOCATION",
            PiiLabel::CreditCard => "CREDIT_CARD",
            PiiLabel::Iban => "IBAN",
            PiiLabel::NationalId => "NATIONAL_ID",
            PiiLabel::IpAddress => "IP_ADDRESS",
            PiiLabel::Username => "USERNAME",
            PiiLabel::Secret => "SECRET",
            PiiLabel::Org => "ORG",
        }
    }

    pub fn parse(name: &str) -> Option<PiiLabel> {
        PiiLabel::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// Whether spans of this label are replaced in redacted output.
    pub fn is_redacted_by_default(self) -> bool {
        self != PiiLabel::Org
    }
}

impl fmt::Display for PiiLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which detector produced a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanSource {
    Regex,
    Model,
}

/// A detected piece of PII: UTF-8 byte offsets `[start, end)` into the original text,
/// always on char boundaries, and a score in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub label: PiiLabel,
    pub score: f32,
    pub source: SpanSource,
}

impl Span {
    pub fn regex(start: usize, end: usize, label: PiiLabel, score: f32) -> Span {
        Span { start, end, label, score, source: SpanSource::Regex }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Keeps a deterministic, non-overlapping subset of `spans`, sorted by start.
///
/// Higher score wins; ties go to the longer span, then the earlier start, then the
/// label order of [`PiiLabel::ALL`], so the same input always gives the same output.
pub fn resolve_overlaps(spans: &mut Vec<Span>) {
    spans.retain(|s| !s.is_empty());
    spans.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then(b.len().cmp(&a.len())).then(a.start.cmp(&b.start)).then(a.label.cmp(&b.label))
    });
    let mut kept: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans.drain(..) {
        if !kept.iter().any(|k| k.overlaps(&span)) {
            kept.push(span);
        }
    }
    kept.sort_by_key(|s| (s.start, s.end));
    *spans = kept;
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
