//! The analyze stage: the only code that sees raw text. It runs the recognizers and the
//! scorer once per event and emits an [`AnalyzedEvent`] whose text is a [`RedactedText`]
//! that nothing outside this module can construct.
//!
//! Seams for the local model: a model implements [`Scorer`] (one forward pass gives PII
//! spans, a category and a sentiment); regex recognizers and category rules stay in front
//! of it.

pub mod apps;
pub mod brands;
pub mod cache;
pub mod exclusions;
pub mod lexicon;
pub mod model;
pub mod model_filter;
pub mod operators;
pub mod policy;
pub mod recognizers;
pub mod rules;
pub mod span;

use crate::event::{Category, CategorySource, RawEvent, Sentiment};
pub use apps::AppName;
use cache::TextCache;
use chrono::{DateTime, TimeDelta, Utc};
use exclusions::Exclusions;
use lexicon::SentimentLexicon;
use model_filter::ModelSpanFilter;
use operators::{Operator, PseudonymKey, PseudonymKeyError, APP_ID_KEY_ENTRY};
use policy::RedactPolicy;
use recognizers::RegexRecognizers;
use rules::{CategoryRules, RuleInput};
pub use span::RedactionCounts;
use span::{resolve_overlaps, PiiLabel, Span};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Text with every detected PII span replaced by an [`Operator`]'s replacement. Only
/// this module can build one, so a function that takes a `RedactedText` cannot be
/// handed raw input.
#[derive(Clone, PartialEq, Eq)]
pub struct RedactedText(String);

impl RedactedText {
    /// `text` with each of `spans` (sorted, non-overlapping) replaced by `operator`.
    fn with_operator(text: &str, spans: &[Span], operator: &Operator) -> RedactedText {
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for span in spans.iter().filter(|s| s.label.is_redacted_by_default()) {
            out.push_str(&text[at..span.start]);
            operator.replace_into(span.label, &text[span.start..span.end], &mut out);
            at = span.end;
        }
        out.push_str(&text[at..]);
        RedactedText(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for RedactedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedactedText({:?})", self.0)
    }
}

impl fmt::Display for RedactedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a scorer sees of one event (raw, in memory).
pub struct ScoreInput<'a> {
    pub app: &'a str,
    pub title: &'a str,
    pub url: Option<&'a str>,
    pub text: Option<&'a str>,
}

/// One scorer pass over an event's text.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    /// PII spans found in `title` (byte offsets into the title).
    pub title_spans: Vec<Span>,
    /// PII spans found in `text`, if any.
    pub text_spans: Vec<Span>,
    /// A category when the scorer has an opinion (rules decide first).
    pub category: Option<(Category, f32)>,
    pub sentiment: Option<(Sentiment, f32)>,
}

/// Scores an event in one pass. The fallback is [`LexiconScorer`]; the local model
/// implements this trait with one encoder pass for NER, category and sentiment.
pub trait Scorer: Send + Sync {
    /// Which engine this is, e.g. `recognizers+rules` or `tally-encoder 1.0`.
    fn describe(&self) -> String;
    /// The version of what decides redactions, recorded with the aggregates it produces
    /// (a model's `labels.json` version; the lexicon scorer's fixed name).
    fn version(&self) -> String {
        self.describe()
    }
    fn score(&self, input: &ScoreInput<'_>) -> Scores;
    /// Texts a model has encoded since it was loaded; `None` for a scorer without one.
    fn model_texts(&self) -> Option<u64> {
        None
    }
    /// Scores many events at once (the model batches them by length).
    fn score_batch(&self, inputs: &[ScoreInput<'_>]) -> Vec<Scores> {
        inputs.iter().map(|i| self.score(i)).collect()
    }
}

/// The no-model scorer: friction-word sentiment, no category, no extra spans.
#[derive(Default)]
pub struct LexiconScorer {
    lexicon: SentimentLexicon,
}

impl Scorer for LexiconScorer {
    fn describe(&self) -> String {
        "recognizers+rules (no model loaded)".to_string()
    }

    fn version(&self) -> String {
        "recognizers+rules".to_string()
    }

    fn score(&self, input: &ScoreInput<'_>) -> Scores {
        let sentiment = match input.text {
            Some(text) if !text.is_empty() => self.lexicon.score(&format!("{}\n{}", input.title, text)),
            _ => self.lexicon.score(input.title),
        };
        Scores { sentiment: Some(sentiment), ..Scores::default() }
    }
}

/// The result of redacting one text.
#[derive(Debug, Clone)]
pub struct Redaction {
    pub spans: Vec<Span>,
    pub redacted: RedactedText,
}

/// The category and sentiment of one event.
#[derive(Debug, Clone, Copy)]
pub struct Classification {
    pub category: Category,
    pub category_score: f32,
    pub category_source: CategorySource,
    pub sentiment: Sentiment,
    pub sentiment_score: f32,
}

/// The key of keyed app ids from the OS keyring (entry [`APP_ID_KEY_ENTRY`]), created
/// there on first use like the pseudonym key.
pub fn app_key_from_keyring() -> Result<PseudonymKey, PseudonymKeyError> {
    let store = crate::secrets::SecretStore::open(crate::secrets::BackendChoice::from_env()?)?;
    PseudonymKey::load_or_create(&store, APP_ID_KEY_ENTRY).map(|(key, _)| key)
}

/// Recognizers, category rules and a scorer, shared by all analyzer workers.
pub struct Analyzer {
    recognizers: RegexRecognizers,
    rules: CategoryRules,
    scorer: Box<dyn Scorer>,
    exclusions: Exclusions,
    policy: RedactPolicy,
    operator: Operator,
    model_filter: ModelSpanFilter,
    /// The key of keyed app ids; without it unrecognised app names are stored as `other`.
    app_key: Option<PseudonymKey>,
    /// App names already decided (raw name → stored name, memory only), so a name is
    /// scored once rather than once per distinct title it comes with.
    app_names: Mutex<HashMap<Box<str>, AppName>>,
}

/// Most app names [`Analyzer::normalize_app`] remembers; beyond it the memory starts over.
const APP_NAMES_REMEMBERED: usize = 4096;

impl Analyzer {
    pub fn new(rules: CategoryRules, scorer: Box<dyn Scorer>) -> Analyzer {
        Analyzer {
            recognizers: RegexRecognizers::new(),
            rules,
            scorer,
            exclusions: Exclusions::default(),
            policy: RedactPolicy::default(),
            operator: Operator::default(),
            model_filter: ModelSpanFilter::new(),
            app_key: None,
            app_names: Mutex::new(HashMap::new()),
        }
    }

    /// Stores unrecognised app names as keyed app ids under `key` instead of `other`
    /// (see [`Analyzer::normalize_app`]).
    pub fn with_app_key(mut self, key: Option<PseudonymKey>) -> Analyzer {
        self.app_key = key;
        self
    }

    /// Applies config `[redact]` (context, thresholds, allow- and deny-lists) to every
    /// detection, regex or model.
    pub fn with_policy(mut self, policy: RedactPolicy) -> Analyzer {
        self.policy = policy;
        self
    }

    /// Replaces spans with `operator` instead of `<LABEL>` placeholders.
    pub fn with_operator(mut self, operator: Operator) -> Analyzer {
        self.operator = operator;
        self
    }

    /// Replaces the default exclusions (private windows only).
    pub fn with_exclusions(mut self, exclusions: Exclusions) -> Analyzer {
        self.exclusions = exclusions;
        self
    }

    /// Whether `event` is excluded and must be dropped before any analysis.
    pub fn excludes(&self, event: &RawEvent) -> bool {
        self.exclusions.excludes(event)
    }

    /// Built-in rules and the lexicon scorer.
    pub fn rules_only() -> Analyzer {
        Analyzer::new(CategoryRules::builtin(), Box::<LexiconScorer>::default())
    }

    pub fn describe(&self) -> String {
        self.scorer.describe()
    }

    /// Texts the local model has encoded since it was loaded; `None` without a model.
    pub fn model_texts(&self) -> Option<u64> {
        self.scorer.model_texts()
    }

    /// The redactor version stored with aggregates: this engine's version and the scorer's.
    pub fn version(&self) -> String {
        format!("tally {} / {}", env!("CARGO_PKG_VERSION"), self.scorer.version())
    }

    /// Detects and replaces PII in one free text (regex recognizers plus the scorer's
    /// spans; overlaps resolved deterministically).
    pub fn redact(&self, text: &str) -> Redaction {
        self.redact_many(&[text]).pop().expect("one text in, one out")
    }

    /// [`Analyzer::redact`] for many texts, with one batched scorer call.
    pub fn redact_many(&self, texts: &[&str]) -> Vec<Redaction> {
        let inputs: Vec<ScoreInput<'_>> =
            texts.iter().map(|t| ScoreInput { app: "", title: t, url: None, text: None }).collect();
        let scores = self.scorer.score_batch(&inputs);
        texts.iter().zip(scores).map(|(t, s)| self.redact_with(t, s.title_spans)).collect()
    }

    /// [`Analyzer::redact`] for a text of any length (a prompt, a provider's answer):
    /// recognizers run over the whole text, the scorer over overlapping windows short
    /// enough for the model's input length, so nothing past its truncation goes unseen.
    pub fn redact_document(&self, text: &str) -> Redaction {
        let windows = document_windows(text);
        let inputs: Vec<ScoreInput<'_>> =
            windows.iter().map(|&(s, e)| ScoreInput { app: "", title: &text[s..e], url: None, text: None }).collect();
        let scores = self.scorer.score_batch(&inputs);
        let model_spans = windows
            .iter()
            .zip(scores)
            .flat_map(|(&(start, _), scores)| {
                scores.title_spans.into_iter().map(move |mut span| {
                    span.start += start;
                    span.end += start;
                    span
                })
            })
            .collect();
        self.redact_with(text, model_spans)
    }

    /// Regex spans, plus the model's names, places and usernames where no regex span
    /// is and [`ModelSpanFilter`] does not object (hashes, versions, brand names):
    /// structured PII stays with the validated recognizers, and a model span that overlaps
    /// a recognizer's name, place or login widens it to both. Then the `[redact]` policy,
    /// then the operator.
    fn redact_with(&self, text: &str, model_spans: Vec<Span>) -> Redaction {
        let mut spans = self.recognizers.recognize(text);
        let mut resolve = false;
        if !model_spans.is_empty() {
            let names = |l: PiiLabel| matches!(l, PiiLabel::Person | PiiLabel::Location | PiiLabel::Username);
            let mut kept = Vec::new();
            for m in model_spans {
                if !(names(m.label) || m.label == PiiLabel::Org) || !self.model_filter.keeps(text, &m) {
                    continue;
                }
                // A model name, place or login that overlaps a recognizer's one joins it (an
                // address the recognizer took without its city keeps the city); one that
                // overlaps structured PII gives way to the validated span.
                let mut joined = false;
                for r in spans.iter_mut().filter(|r| r.overlaps(&m)) {
                    if names(r.label) && names(m.label) {
                        r.start = r.start.min(m.start);
                        r.end = r.end.max(m.end);
                    }
                    joined = true;
                }
                if !joined {
                    kept.push(m);
                }
            }
            coalesce_names(&mut spans, names);
            spans.extend(kept);
            resolve = true;
        }
        if !self.policy.is_empty() {
            self.policy.apply(text, &mut spans);
            resolve = true;
        }
        if resolve {
            resolve_overlaps(&mut spans);
        }
        let redacted = RedactedText::with_operator(text, &spans, &self.operator);
        Redaction { spans, redacted }
    }

    /// Category (rules first, then the scorer) and sentiment of one event.
    pub fn classify(&self, app: &str, title: &str, url: Option<&str>, text: Option<&str>) -> Classification {
        self.classify_many(&[ScoreInput { app, title, url, text }]).pop().expect("one input, one output")
    }

    /// [`Analyzer::classify`] for many events, with one batched scorer call.
    pub fn classify_many(&self, inputs: &[ScoreInput<'_>]) -> Vec<Classification> {
        let scores = self.scorer.score_batch(inputs);
        inputs.iter().zip(scores).map(|(i, s)| self.classify_with(i.app, i.title, i.url, &s)).collect()
    }

    fn classify_with(&self, app: &str, title: &str, url: Option<&str>, scores: &Scores) -> Classification {
        let (category, category_score, category_source) = match self.rules.classify(&RuleInput { app, title, url }) {
            Some(category) => (category, 1.0, CategorySource::Rule),
            None => match scores.category {
                Some((category, score)) => (category, score, CategorySource::Model),
                None => (Category::Uncategorized, 0.0, CategorySource::Rule),
            },
        };
        let (sentiment, sentiment_score) = scores.sentiment.unwrap_or((Sentiment::Neutral, 0.0));
        Classification { category, category_score, category_source, sentiment, sentiment_score }
    }

    /// The stored form of an app name, the same rule for every source:
    /// - a catalogue name (`Code` → `vscode`);
    /// - else the lower-cased trimmed name when it is a program id
    ///   ([`apps::is_program_id`]) and the full analyzer (recognizers, the scorer, the
    ///   `[redact]` policy) finds nothing in it;
    /// - else a keyed app id, `app:` and 12 hex digits ([`PseudonymKey::app_id`]), which
    ///   keeps apps apart without the name; `other` when there is no key (keyring
    ///   unavailable) or no name. The raw name is never stored.
    pub fn normalize_app(&self, raw: &str) -> AppName {
        if let Some(known) = apps::known_app(raw) {
            return AppName::new_unchecked(known);
        }
        if let Some(name) = self.app_names.lock().unwrap_or_else(|e| e.into_inner()).get(raw) {
            return name.clone();
        }
        let name = raw.trim();
        let stored = if apps::is_program_id(name) && self.redact(name).spans.is_empty() {
            AppName::new_unchecked(&name.to_lowercase())
        } else {
            match &self.app_key {
                Some(key) if !name.is_empty() => {
                    AppName::new_unchecked(&format!("{}{}", apps::APP_ID_PREFIX, key.app_id(name)))
                }
                _ => AppName::other(),
            }
        };
        let mut remembered = self.app_names.lock().unwrap_or_else(|e| e.into_inner());
        if remembered.len() >= APP_NAMES_REMEMBERED {
            remembered.clear();
        }
        remembered.insert(raw.into(), stored.clone());
        stored
    }

    /// Analyzes one event without a cache.
    pub fn analyze(&self, event: RawEvent) -> AnalyzedEvent {
        let analysis = self.analyze_contents(&[&event]).pop().expect("one analysis per event");
        analysis.event_at(&event)
    }

    /// The content analysis of each event, with one batched scorer call.
    fn analyze_contents(&self, events: &[&RawEvent]) -> Vec<Arc<ContentAnalysis>> {
        let inputs: Vec<ScoreInput<'_>> = events
            .iter()
            .map(|e| ScoreInput { app: &e.app, title: &e.title, url: e.url.as_deref(), text: e.text.as_deref() })
            .collect();
        let scores = self.scorer.score_batch(&inputs);
        events.iter().zip(scores).map(|(event, scores)| self.content_analysis(event, scores)).collect()
    }

    fn content_analysis(&self, event: &RawEvent, scores: Scores) -> Arc<ContentAnalysis> {
        let classification = self.classify_with(&event.app, &event.title, event.url.as_deref(), &scores);
        let title = self.redact_with(&event.title, scores.title_spans);
        let url = event.url.as_deref().map(|u| self.redact_with(u, Vec::new()));
        let text = event.text.as_deref().map(|t| self.redact_with(t, scores.text_spans));
        let mut redactions = RedactionCounts::default();
        for span in
            title.spans.iter().chain(url.iter().flat_map(|r| &r.spans)).chain(text.iter().flat_map(|r| &r.spans))
        {
            if span.label.is_redacted_by_default() {
                redactions.add(span.label);
            }
        }
        Arc::new(ContentAnalysis {
            app: self.normalize_app(&event.app),
            classification,
            redactions,
            redacted: RedactedFields {
                title: title.redacted,
                url: url.map(|r| r.redacted),
                text: text.map(|r| r.redacted),
            },
        })
    }
}

/// Everything the analyzer derives from an event's content (not its time).
struct ContentAnalysis {
    app: AppName,
    classification: Classification,
    redactions: RedactionCounts,
    redacted: RedactedFields,
}

impl ContentAnalysis {
    fn event_at(&self, event: &RawEvent) -> AnalyzedEvent {
        let c = &self.classification;
        AnalyzedEvent {
            start: event.start,
            duration: event.duration,
            app: self.app.clone(),
            category: c.category,
            category_source: c.category_source,
            category_score: c.category_score,
            sentiment: c.sentiment,
            sentiment_score: c.sentiment_score,
            redactions: self.redactions,
            redacted: self.redacted.clone(),
            continued: event.continued,
        }
    }
}

/// One analyzer worker: the shared [`Analyzer`] plus a bounded in-memory cache keyed by
/// event content ([`TextCache`]), so cost grows with distinct texts rather than events.
pub struct AnalyzerWorker {
    analyzer: Arc<Analyzer>,
    cache: TextCache<Arc<ContentAnalysis>>,
}

fn cache_key(event: &RawEvent) -> Box<str> {
    let mut key = String::with_capacity(event.app.len() + event.title.len() + 8);
    for part in [
        event.app.as_str(),
        event.title.as_str(),
        event.url.as_deref().unwrap_or("\u{1}"),
        event.text.as_deref().unwrap_or("\u{1}"),
    ] {
        key.push_str(part);
        key.push('\u{0}');
    }
    key.into_boxed_str()
}

/// Longest window, in bytes, that [`Analyzer::redact_document`] gives the scorer: well
/// under the model's 64 tokens for ordinary prose.
const WINDOW_BYTES: usize = 160;
/// Windows of a long line start this far apart, so each span lies whole in one of them.
const WINDOW_STEP: usize = 100;

/// Byte ranges covering `text`: each line, and long lines as overlapping windows that
/// end at whitespace where they can. Always on char boundaries.
fn document_windows(text: &str) -> Vec<(usize, usize)> {
    let mut windows = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        let line_end = line_start + line.len();
        if !line.trim().is_empty() {
            let mut start = line_start;
            while start < line_end {
                if line_end - start <= WINDOW_BYTES {
                    windows.push((start, line_end));
                    break;
                }
                let mut end = floor_char_boundary(text, start + WINDOW_BYTES);
                if let Some(space) = text[start..end].rfind(char::is_whitespace) {
                    if space > WINDOW_STEP / 2 {
                        end = start + space;
                    }
                }
                windows.push((start, end));
                // The next window starts at a word, never inside one.
                let step = floor_char_boundary(text, (start + WINDOW_STEP).min(end));
                let next = text[step..end].find(char::is_whitespace).map_or(end, |i| step + i);
                start = next + text[next..line_end].len() - text[next..line_end].trim_start().len();
            }
        }
        line_start = line_end + 1;
    }
    windows
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Merges names, places and logins that overlap (two recognizer spans a model span
/// widened into each other) into one span with the higher score's label, so overlap
/// resolution cannot drop the part of one that the other does not cover.
fn coalesce_names(spans: &mut Vec<Span>, names: impl Fn(PiiLabel) -> bool) {
    spans.sort_by_key(|s| (s.start, s.end));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans.drain(..) {
        match out.last_mut() {
            Some(last) if names(last.label) && names(span.label) && last.overlaps(&span) => {
                if span.score > last.score {
                    last.label = span.label;
                    last.score = span.score;
                }
                last.end = last.end.max(span.end);
            }
            _ => out.push(span),
        }
    }
    *spans = out;
}

/// Which of `shards` workers analyzes `event`: the same content always goes to the same one.
pub fn content_shard(event: &RawEvent, shards: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (&event.app, &event.title, &event.url, &event.text).hash(&mut hasher);
    (hasher.finish() % shards.max(1) as u64) as usize
}

impl AnalyzerWorker {
    /// A worker whose cache holds at most `capacity` distinct contents.
    pub fn new(analyzer: Arc<Analyzer>, capacity: usize) -> AnalyzerWorker {
        AnalyzerWorker { analyzer, cache: TextCache::new(capacity) }
    }

    pub fn analyze(&mut self, event: RawEvent) -> AnalyzedEvent {
        self.analyze_many(vec![event]).pop().expect("one event in, one out")
    }

    /// Analyzes events in order; cache misses go to the scorer in one batch.
    pub fn analyze_many(&mut self, events: Vec<RawEvent>) -> Vec<AnalyzedEvent> {
        let cache = &mut self.cache;
        let analyzer = &self.analyzer;
        let analyses =
            cached_batch(cache, &events, cache_key, |misses: &[&RawEvent]| analyzer.analyze_contents(misses));
        events.iter().zip(analyses).map(|(e, a)| a.event_at(e)).collect()
    }

    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Distinct contents held now (never more than the capacity).
    pub fn cached_entries(&self) -> usize {
        self.cache.len()
    }
}

/// Looks each item up in `cache`; computes the misses (each distinct key once) in one
/// call to `compute`, stores them, and returns one value per item, in order.
pub fn cached_batch<T, V: Clone>(
    cache: &mut TextCache<V>,
    items: &[T],
    key: impl Fn(&T) -> Box<str>,
    compute: impl FnOnce(&[&T]) -> Vec<V>,
) -> Vec<V> {
    let keys: Vec<Box<str>> = items.iter().map(&key).collect();
    let mut found: Vec<Option<V>> = keys.iter().map(|k| cache.get(k)).collect();
    let mut first_miss: HashMap<&str, usize> = HashMap::new();
    let mut misses: Vec<usize> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        if found[i].is_none() && !first_miss.contains_key(k.as_ref()) {
            first_miss.insert(k, misses.len());
            misses.push(i);
        }
    }
    if !misses.is_empty() {
        let miss_items: Vec<&T> = misses.iter().map(|&i| &items[i]).collect();
        let computed = compute(&miss_items);
        for (i, k) in keys.iter().enumerate() {
            if found[i].is_none() {
                found[i] = Some(computed[first_miss[k.as_ref()]].clone());
            }
        }
        for (&i, value) in misses.iter().zip(computed) {
            cache.insert(keys[i].clone(), value);
        }
    }
    found.into_iter().map(|v| v.expect("every item computed")).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_windows_cover_every_word_whole_and_fit_the_model() {
        let long = "Ünïcode wörds and plain words repeated for a while, ".repeat(12);
        let text = format!("short line\n\n{long}\nlast");
        let windows = document_windows(&text);
        for &(s, e) in &windows {
            assert!(e - s <= WINDOW_BYTES && text.is_char_boundary(s) && text.is_char_boundary(e));
            assert!(s == 0 || text[..s].ends_with(char::is_whitespace), "window starts inside a word at {s}");
        }
        // Every word lies whole inside some window.
        let mut at = 0;
        for word in text.split_whitespace() {
            let start = at + text[at..].find(word).unwrap();
            let end = start + word.len();
            assert!(windows.iter().any(|&(s, e)| s <= start && end <= e), "`{word}` at {start} is split");
            at = end;
        }
        assert_eq!(windows.first(), Some(&(0, 10)));
    }

    #[test]
    fn long_documents_are_redacted_past_the_model_length() {
        let analyzer = Analyzer::rules_only();
        let text = format!("{} write to ana@example.com", "filler words ".repeat(100));
        let redaction = analyzer.redact_document(&text);
        assert!(redaction.redacted.as_str().ends_with("write to <EMAIL>"));
    }
    use crate::event::SourceKind;
    use chrono::{TimeDelta, TimeZone, Utc};

    fn raw(app: &str, title: &str) -> RawEvent {
        RawEvent {
            start: Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap(),
            duration: TimeDelta::seconds(60),
            app: app.into(),
            title: title.into(),
            url: None,
            text: None,
            source: SourceKind::Import,
            continued: false,
        }
    }

    #[test]
    fn analyzed_event_carries_placeholders_and_counts_not_pii() {
        let analyzer = Analyzer::rules_only();
        let event = analyzer.analyze(raw("thunderbird", "Re: invoice from ana.lima@example.org - build failed"));
        assert_eq!(event.redacted.title.as_str(), "Re: invoice from <EMAIL> - build failed");
        assert_eq!(event.redactions.get(span::PiiLabel::Email), 1);
        assert_eq!(event.category, Category::Communication);
        assert_eq!(event.sentiment, Sentiment::Negative);
        assert_eq!(event.app.as_str(), "thunderbird");
    }

    #[test]
    fn with_a_key_unrecognised_app_names_become_keyed_ids() {
        let key = PseudonymKey::from_bytes([3; 32]);
        let analyzer = Analyzer::rules_only().with_app_key(Some(key.clone()));
        assert_eq!(analyzer.normalize_app("Code").as_str(), "vscode");
        assert_eq!(analyzer.normalize_app("obscure-tool").as_str(), "obscure-tool");
        assert_eq!(analyzer.normalize_app("").as_str(), "other");
        let mut ids = std::collections::BTreeSet::new();
        for raw in
            ["Maria Garcia", "Dr Yusuf Okonkwo-Bello", "mail ana.lima@example.org", "/home/alice/bin/x", "Inkscape"]
        {
            let app = analyzer.normalize_app(raw);
            assert_eq!(app.as_str(), format!("app:{}", key.app_id(raw)), "{raw}");
            assert!(app.is_app_id() && app.display_name() == "unrecognised app", "{raw}");
            assert_eq!(analyzer.normalize_app(raw), app, "{raw}: the same id every time");
            ids.insert(app);
        }
        assert_eq!(ids.len(), 5, "different names, different ids");
        let other_key = Analyzer::rules_only().with_app_key(Some(PseudonymKey::from_bytes([4; 32])));
        assert_ne!(other_key.normalize_app("Maria Garcia"), analyzer.normalize_app("Maria Garcia"));
    }

    /// A program id is kept only when the scorer (the model, when loaded) finds nothing in it.
    #[test]
    fn program_ids_the_scorer_flags_are_not_kept() {
        let scorer = WordScorer(vec![("quillonia", PiiLabel::Person, 0.99)]);
        let analyzer = Analyzer::new(CategoryRules::builtin(), Box::new(scorer));
        assert_eq!(analyzer.normalize_app("quillonia").as_str(), "other");
        assert_eq!(analyzer.normalize_app("obscure-tool").as_str(), "obscure-tool");
    }

    /// Catalogue names and program ids are stored as given; anything else never is.
    #[test]
    fn only_catalogue_names_and_program_ids_are_stored_as_given() {
        let analyzer = Analyzer::rules_only();
        for (raw, want) in [
            ("Code", "vscode"),
            ("firefox-esr", "firefox"),
            ("org.gnome.Nautilus", "files"),
            ("WINWORD.EXE", "word"),
            ("obscure-tool", "obscure-tool"),
            ("gimp-2.10", "gimp-2.10"),
            ("my_tool", "my_tool"),
            ("  kdenlive ", "kdenlive"),
            ("org.kde.kdenlive", "org.kde.kdenlive"),
            ("com.jetbrains.IntelliJ-IDEA", "com.jetbrains.intellij-idea"),
            ("Maria Garcia", "other"),
            ("Dr Yusuf Okonkwo-Bello", "other"),
            ("maria.garcia@planted-mail.org", "other"),
            ("/home/mgarcia/bin/ledger-tool", "other"),
            ("C:\\Users\\mgarcia\\tool.exe", "other"),
            ("Obscure Tool", "other"),
            ("Inkscape", "other"),
            ("10.0.0.12", "other"),
            ("", "other"),
            ("a".repeat(65).as_str(), "other"),
        ] {
            assert_eq!(analyzer.normalize_app(raw).as_str(), want, "{raw}");
        }
    }

    /// A stand-in model: every occurrence of each word is a span of its label and score.
    struct WordScorer(Vec<(&'static str, PiiLabel, f32)>);

    impl Scorer for WordScorer {
        fn describe(&self) -> String {
            "word scorer".into()
        }

        fn score(&self, input: &ScoreInput<'_>) -> Scores {
            let title_spans = self
                .0
                .iter()
                .flat_map(|&(word, label, score)| {
                    input.title.match_indices(word).map(move |(at, _)| Span {
                        start: at,
                        end: at + word.len(),
                        label,
                        score,
                        source: span::SpanSource::Model,
                    })
                })
                .collect();
            Scores { title_spans, ..Scores::default() }
        }
    }

    #[test]
    fn the_redact_policy_applies_to_model_and_regex_spans_alike() {
        let config: policy::RedactConfig = toml::from_str(
            "allow = ['Falcon']\ndeny = { LOCATION = ['Lisbon'] }\nthresholds = { PERSON = 0.6, EMAIL = 0.99 }\n\
             [[context]]\nlabel = 'PERSON'\nwords = ['with']\nboost = 0.3\n",
        )
        .unwrap();
        let scorer = WordScorer(vec![
            ("Falcon", PiiLabel::Person, 0.9),
            ("Ana", PiiLabel::Person, 0.5),
            ("Bo", PiiLabel::Person, 0.5),
        ]);
        let analyzer = Analyzer::new(CategoryRules::builtin(), Box::new(scorer))
            .with_policy(policy::RedactPolicy::new(&config).unwrap());
        // (text, redacted): the allow-list drops a model name, context lifts a weak one
        // over its threshold, a weak one without context is dropped, the deny-list adds a
        // place, and the EMAIL threshold drops a regex span.
        for (text, want) in [
            ("Falcon standup", "Falcon standup"),
            ("lunch with Ana", "lunch with <PERSON>"),
            ("Bo reviewed it", "Bo reviewed it"),
            ("flight to lisbon", "flight to <LOCATION>"),
            ("mail ana.lima@example.org", "mail ana.lima@example.org"),
        ] {
            assert_eq!(analyzer.redact(text).redacted.as_str(), want, "{text}");
        }
    }

    #[test]
    fn a_model_place_that_overlaps_a_recognized_address_widens_it() {
        // The address recognizer stops before ", Gothenburg.pdf"; the model found
        // "7/7, Gothenburg". Dropping the model span for overlapping would leak the city.
        let scorer =
            WordScorer(vec![("7/7, Gothenburg", PiiLabel::Location, 0.9), ("ana.lima", PiiLabel::Person, 0.9)]);
        let analyzer = Analyzer::new(CategoryRules::builtin(), Box::new(scorer));
        let text = "Lease agreement - Ljudmila-Pruschke-Gasse 7/7, Gothenburg.pdf - Okular";
        assert_eq!(analyzer.redact(text).redacted.as_str(), "Lease agreement - <LOCATION>.pdf - Okular");
        // Structured PII keeps its validated span: a model name inside an e-mail address gives way.
        assert_eq!(analyzer.redact("mail ana.lima@example.org").redacted.as_str(), "mail <EMAIL>");
    }

    #[test]
    fn two_recognizer_spans_a_model_span_joins_become_one() {
        // The model's name overlaps an address and part of a login: both widen to it, and
        // overlap resolution must not then drop the login's tail ("doe").
        let scorer = WordScorer(vec![("Street Kowalski CORP\\j", PiiLabel::Person, 0.9)]);
        let analyzer = Analyzer::new(CategoryRules::builtin(), Box::new(scorer));
        let out = analyzer.redact("221B Baker Street Kowalski CORP\\jdoe");
        assert!(!out.redacted.as_str().contains("doe"), "{}", out.redacted.as_str());
        assert_eq!(out.spans.len(), 1, "{:?}", out.spans);
    }

    #[test]
    fn model_spans_on_hashes_versions_and_brands_are_not_redacted() {
        let scorer = WordScorer(vec![
            ("3f9a1c2", PiiLabel::Username, 0.9),
            ("Heineken", PiiLabel::Person, 0.9),
            ("Ana", PiiLabel::Person, 0.9),
            ("v2.1.0", PiiLabel::Username, 0.9),
        ]);
        let analyzer = Analyzer::new(CategoryRules::builtin(), Box::new(scorer));
        for (text, want) in [
            ("commit 3f9a1c2: fix retry", "commit 3f9a1c2: fix retry"),
            ("Heineken careers — jobs", "Heineken careers — jobs"),
            ("Ana reviewed v2.1.0", "<PERSON> reviewed v2.1.0"),
        ] {
            assert_eq!(analyzer.redact(text).redacted.as_str(), want, "{text}");
        }
    }

    #[test]
    fn worker_cache_is_bounded_and_gives_the_same_result() {
        let analyzer = Arc::new(Analyzer::rules_only());
        let mut worker = AnalyzerWorker::new(Arc::clone(&analyzer), 4);
        for i in 0..10 {
            let title = format!("doc {i}.rs - Visual Studio Code");
            let cached = worker.analyze(raw("code", &title));
            let fresh = analyzer.analyze(raw("code", &title));
            assert_eq!(cached.redacted.title, fresh.redacted.title);
            assert_eq!(cached.category, fresh.category);
            assert!(worker.cached_entries() <= 4);
        }
    }
}
