//! Config `[redact]`: how detections become redactions on this install (Presidio's
//! context enhancement plus allow- and deny-lists). [`RedactPolicy`] is applied by the
//! analyzer to regex and model spans alike, after detection and before an operator
//! replaces anything:
//!
//! 1. **context** — a span whose label has context words within [`CONTEXT_WORDS`] words
//!    before or after it gets the configured boost (negative lowers), clamped to [0, 1];
//! 2. **thresholds** — a span scoring below its label's threshold is dropped;
//! 3. **allow** — a span lying wholly inside an allow-listed term (product and project
//!    names) is dropped;
//! 4. **deny** — every occurrence of a deny-listed term becomes a span of its label
//!    (score 1, source `regex`), whatever the detectors said.
//!
//! Terms match case-insensitively and only as whole words.

use crate::analyze::operators::{OperatorKind, PSEUDONYM_KEY_ENTRY};
use crate::analyze::span::{PiiLabel, Span};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Words on each side of a span that context words are looked for in (Presidio uses 5).
pub const CONTEXT_WORDS: usize = 5;

/// Config `[redact]`, as written.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RedactConfig {
    /// What replaces a span: `placeholder` (default), `mask` or `pseudonym`.
    pub operator: OperatorKind,
    /// The keyring entry that holds the pseudonym key (never the key itself).
    pub pseudonym_key: String,
    /// Terms never redacted (product and project names).
    pub allow: Vec<String>,
    /// Terms always redacted, by label: `PERSON = ["Project Nightingale"]`.
    pub deny: BTreeMap<String, Vec<String>>,
    /// Minimum score per label: `PHONE = 0.6`.
    pub thresholds: BTreeMap<String, f32>,
    /// Context words that raise (or, with a negative boost, lower) a label's scores.
    pub context: Vec<ContextSpec>,
}

impl Default for RedactConfig {
    fn default() -> Self {
        RedactConfig {
            operator: OperatorKind::default(),
            pseudonym_key: PSEUDONYM_KEY_ENTRY.to_string(),
            allow: Vec::new(),
            deny: BTreeMap::new(),
            thresholds: BTreeMap::new(),
            context: Vec::new(),
        }
    }
}

/// One `[[redact.context]]` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    pub label: String,
    pub words: Vec<String>,
    /// Added to the score, −1 to 1.
    pub boost: f32,
}

/// A `[redact]` setting that cannot be used; `field` is its path under `redact.`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`redact.{field}`: {problem}")]
pub struct PolicyError {
    pub field: String,
    pub problem: String,
}

fn problem(field: impl Into<String>, problem: impl Into<String>) -> PolicyError {
    PolicyError { field: field.into(), problem: problem.into() }
}

/// Longest allow- or deny-list term, in bytes.
const MAX_TERM_BYTES: usize = 200;

/// `[redact]`, checked and ready to apply.
#[derive(Debug, Clone, Default)]
pub struct RedactPolicy {
    allow: Vec<String>,
    deny: Vec<(PiiLabel, String)>,
    thresholds: BTreeMap<PiiLabel, f32>,
    context: Vec<(PiiLabel, Vec<String>, f32)>,
}

fn label(field: String, name: &str) -> Result<PiiLabel, PolicyError> {
    PiiLabel::parse(name).ok_or_else(|| {
        let names: Vec<&str> = PiiLabel::ALL.iter().map(|l| l.as_str()).collect();
        problem(field, format!("unknown label; use one of {}", names.join(", ")))
    })
}

fn term(field: String, term: &str) -> Result<String, PolicyError> {
    let trimmed = term.trim();
    if trimmed.is_empty() || trimmed.len() > MAX_TERM_BYTES || trimmed.chars().any(char::is_control) {
        return Err(problem(field, format!("terms must be 1–{MAX_TERM_BYTES} bytes of printable text")));
    }
    Ok(trimmed.to_lowercase())
}

impl RedactPolicy {
    /// Checks `config`; the error names the first unusable field.
    pub fn new(config: &RedactConfig) -> Result<RedactPolicy, PolicyError> {
        let entry = &config.pseudonym_key;
        if entry.is_empty() || entry.len() > 64 || !entry.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(problem("pseudonym_key", "must be a keyring entry name of 1–64 visible ASCII characters"));
        }
        let mut policy = RedactPolicy::default();
        for (i, t) in config.allow.iter().enumerate() {
            policy.allow.push(term(format!("allow[{i}]"), t)?);
        }
        for (name, terms) in &config.deny {
            let l = label(format!("deny.{name}"), name)?;
            if !l.is_redacted_by_default() {
                return Err(problem(format!("deny.{name}"), "this label is never redacted"));
            }
            for (i, t) in terms.iter().enumerate() {
                policy.deny.push((l, term(format!("deny.{name}[{i}]"), t)?));
            }
        }
        for (name, &threshold) in &config.thresholds {
            let l = label(format!("thresholds.{name}"), name)?;
            if !(0.0..=1.0).contains(&threshold) {
                return Err(problem(format!("thresholds.{name}"), "must be a score from 0 to 1"));
            }
            policy.thresholds.insert(l, threshold);
        }
        for (i, spec) in config.context.iter().enumerate() {
            let l = label(format!("context[{i}].label"), &spec.label)?;
            if !(-1.0..=1.0).contains(&spec.boost) {
                return Err(problem(format!("context[{i}].boost"), "must be from -1 to 1"));
            }
            if spec.words.is_empty() {
                return Err(problem(format!("context[{i}].words"), "needs at least one word"));
            }
            let mut words = Vec::new();
            for (j, w) in spec.words.iter().enumerate() {
                let w = term(format!("context[{i}].words[{j}]"), w)?;
                if w.contains(|c: char| !c.is_alphanumeric()) {
                    return Err(problem(format!("context[{i}].words[{j}]"), "must be one word (letters and digits)"));
                }
                words.push(w);
            }
            policy.context.push((l, words, spec.boost));
        }
        Ok(policy)
    }

    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty() && self.thresholds.is_empty() && self.context.is_empty()
    }

    /// Applies context, thresholds, the allow-list and the deny-list to the detected
    /// `spans` of `text` (in place; overlaps are left for the caller to resolve).
    pub fn apply(&self, text: &str, spans: &mut Vec<Span>) {
        if self.is_empty() {
            return;
        }
        if !self.context.is_empty() && !spans.is_empty() {
            let words = words(text);
            for span in spans.iter_mut() {
                for (label, context, boost) in &self.context {
                    if *label == span.label && near(&words, span, context) {
                        span.score = (span.score + boost).clamp(0.0, 1.0);
                    }
                }
            }
        }
        spans.retain(|s| self.thresholds.get(&s.label).is_none_or(|&t| s.score >= t));
        if !self.allow.is_empty() && !spans.is_empty() {
            let lower = Lowered::new(text);
            let allowed: Vec<(usize, usize)> = self.allow.iter().flat_map(|t| lower.whole_words(t)).collect();
            spans.retain(|s| !allowed.iter().any(|&(a, b)| a <= s.start && s.end <= b));
        }
        if !self.deny.is_empty() {
            let lower = Lowered::new(text);
            for (label, t) in &self.deny {
                spans.extend(lower.whole_words(t).map(|(s, e)| Span::regex(s, e, *label, 1.0)));
            }
        }
    }
}

/// The words of `text` (runs of alphanumerics), lower-cased, with byte ranges.
fn words(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i, text[s..i].to_lowercase()));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Whether one of `context` is among the [`CONTEXT_WORDS`] words before or after `span`.
fn near(words: &[(usize, usize, String)], span: &Span, context: &[String]) -> bool {
    let before = words.iter().rev().filter(|w| w.1 <= span.start).take(CONTEXT_WORDS);
    let after = words.iter().filter(|w| w.0 >= span.end).take(CONTEXT_WORDS);
    before.chain(after).any(|w| context.contains(&w.2))
}

/// `text` lower-cased char by char, with a map back to the original byte offsets (case
/// folding can change a char's length, so offsets into the folded text are not offsets
/// into the original).
struct Lowered<'a> {
    text: &'a str,
    folded: String,
    /// `origin[i]` = byte offset in `text` of the char that produced folded byte `i`;
    /// one extra entry for the end.
    origin: Vec<usize>,
}

impl<'a> Lowered<'a> {
    fn new(text: &'a str) -> Lowered<'a> {
        let mut folded = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.char_indices() {
            for l in c.to_lowercase() {
                folded.push(l);
                origin.resize(folded.len(), i);
            }
        }
        origin.push(text.len());
        Lowered { text, folded, origin }
    }

    /// Byte ranges in the original text where `term` (already lower-case) occurs as
    /// whole words: not preceded nor followed by a letter or digit.
    fn whole_words<'t>(&'t self, term: &'t str) -> impl Iterator<Item = (usize, usize)> + 't {
        self.folded.match_indices(term).filter_map(move |(at, m)| {
            let (start, end) = (self.origin[at], self.origin[at + m.len()]);
            // A folded match that starts or ends inside one original char is no match.
            let exact_start = at == 0 || self.origin[at - 1] != start;
            let exact_end =
                at + m.len() == self.folded.len() || self.origin[at + m.len()] != self.origin[at + m.len() - 1];
            let before = self.text[..start].chars().next_back();
            let after = self.text[end..].chars().next();
            let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
            (exact_start && exact_end && !word(before) && !word(after)).then_some((start, end))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(toml_text: &str) -> Result<RedactPolicy, PolicyError> {
        let config: RedactConfig = toml::from_str(toml_text).expect("valid TOML");
        RedactPolicy::new(&config)
    }

    #[test]
    fn unusable_settings_name_their_field() {
        for (body, field) in [
            ("allow = ['']", "allow[0]"),
            ("allow = ['ok', \"a\\u0007b\"]", "allow[1]"),
            ("deny = { NAME = ['x'] }", "deny.NAME"),
            ("deny = { ORG = ['Acme'] }", "deny.ORG"),
            ("thresholds = { PHONE = 1.5 }", "thresholds.PHONE"),
            ("thresholds = { phone = 0.5 }", "thresholds.phone"),
            ("[[context]]\nlabel = 'PHONE'\nwords = ['call']\nboost = 2.0", "context[0].boost"),
            ("[[context]]\nlabel = 'PHONE'\nwords = []\nboost = 0.1", "context[0].words"),
            ("[[context]]\nlabel = 'PHONE'\nwords = ['tel no']\nboost = 0.1", "context[0].words[0]"),
            ("[[context]]\nlabel = 'PHON'\nwords = ['tel']\nboost = 0.1", "context[0].label"),
            ("pseudonym_key = 'has space'", "pseudonym_key"),
        ] {
            let err = policy(body).unwrap_err();
            assert_eq!(err.field, field, "{body}: {err}");
            assert!(err.to_string().starts_with(&format!("`redact.{field}`")), "{err}");
        }
        assert!(policy("").unwrap().is_empty());
    }

    fn span(text: &str, needle: &str, label: PiiLabel, score: f32) -> Span {
        let start = text.find(needle).unwrap();
        Span::regex(start, start + needle.len(), label, score)
    }

    #[test]
    fn policy_table() {
        use PiiLabel::*;
        let p = policy(
            "allow = ['Tally', 'Project Falcon']\n\
             deny = { PERSON = ['Nightingale'], SECRET = ['blue moon'] }\n\
             thresholds = { PHONE = 0.6, PERSON = 0.5 }\n\
             [[context]]\nlabel = 'PHONE'\nwords = ['call', 'tel']\nboost = 0.3\n\
             [[context]]\nlabel = 'PERSON'\nwords = ['version']\nboost = -0.4\n",
        )
        .unwrap();
        // (text, detected spans, expected (text, label, score) after the policy)
        type Found<'a> = Vec<(&'a str, PiiLabel, f32)>;
        let cases: Vec<(&str, Found, Found)> = vec![
            // Context raises a weak phone over its threshold...
            ("please call 555 0134 today", vec![("555 0134", Phone, 0.4)], vec![("555 0134", Phone, 0.7)]),
            // ...and without it the phone stays under the threshold and is dropped.
            ("order 555 0134 shipped", vec![("555 0134", Phone, 0.4)], vec![]),
            // Context more than five words away does not count.
            ("call a b c d e f 555 0134", vec![("555 0134", Phone, 0.4)], vec![]),
            // A negative boost lowers a model name under the PERSON threshold.
            ("Release version Hugo 2", vec![("Hugo", Person, 0.8)], vec![]),
            ("Lunch with Hugo", vec![("Hugo", Person, 0.8)], vec![("Hugo", Person, 0.8)]),
            // Allow-listed names stay, whole or in part; a longer span containing one does not.
            ("Tally weekly report", vec![("Tally", Person, 0.9)], vec![]),
            ("PROJECT FALCON kickoff", vec![("FALCON", Location, 0.9)], vec![]),
            (
                "mail tally@example.com",
                vec![("tally@example.com", Email, 1.0)],
                vec![("tally@example.com", Email, 1.0)],
            ),
            // Deny-listed terms are always spans, as whole words only, in any case.
            ("Nightingale sync", vec![], vec![("Nightingale", Person, 1.0)]),
            ("Nightingales sync", vec![], vec![]),
            ("pass: BLUE  MOON vs Blue Moon", vec![], vec![("Blue Moon", Secret, 1.0)]),
        ];
        for (text, detected, want) in cases {
            let mut spans: Vec<Span> = detected.iter().map(|&(n, l, s)| span(text, n, l, s)).collect();
            p.apply(text, &mut spans);
            let got: Vec<(&str, PiiLabel, f32)> =
                spans.iter().map(|s| (&text[s.start..s.end], s.label, (s.score * 100.0).round() / 100.0)).collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn terms_match_through_case_folding_that_changes_lengths() {
        // `İ` (2 bytes) lower-cases to `i̇` (3 bytes): offsets must still map back.
        let text = "İstanbul office and Ärzte GmbH";
        let lower = Lowered::new(text);
        let found: Vec<&str> = lower.whole_words("ärzte gmbh").map(|(s, e)| &text[s..e]).collect();
        assert_eq!(found, ["Ärzte GmbH"]);
        let found: Vec<&str> = lower.whole_words("office").map(|(s, e)| &text[s..e]).collect();
        assert_eq!(found, ["office"]);
        assert_eq!(lower.whole_words("stanbul").count(), 0);
    }
}
