//! Second opinions on the model's spans. The model tags by context, so in a window
//! title it also tags things that have a name's position but not a name's shape: commit
//! hashes and version numbers as USERNAME, brands and products as PERSON or LOCATION.
//! [`ModelSpanFilter`] drops those, by class:
//!
//! 1. **no letters**: a name, a place or a login has letters; `1.4.2`, `2024-03` do not;
//! 2. **versions**: `v1.2`, `v2.0.0-rc.1`;
//! 3. **hex ids**: 7–64 hex digits mixing letters and digits the way a hash does
//!    (commits, object ids), not the way a login does (`dad1985`);
//! 4. **not a name's spelling**: a PERSON span with a digit, or a LOCATION span with no
//!    all-letter word (`Q2`, `Johnson Q2`, `27UN880`; `Studio 64e` stays), unless it
//!    is shaped like a login (`lee52`), which the model sometimes labels PERSON or
//!    LOCATION;
//! 5. **brand and product names**: the span lies inside a known name ([`super::brands`]
//!    and the app catalogue), matched as whole words, e.g. `Travis` inside `Travis CI`;
//!    unless a personal title (`Mr`, `Dr`, `Frau`, ...) stands right before it;
//! 6. **a name particle alone or last**: `de`, `van`, `von`, `al`, ... join a name's
//!    parts and are never a whole name, nor its end (`de` or `analyse de` before
//!    `-identified`; the model is int8 with per-batch activation scales, so what it
//!    tags in one batch it may not in another).
//!
//! Only model spans pass through here; the regex recognizers validate their own.

use super::apps;
use super::brands::BRANDS;
use super::span::{PiiLabel, Span};
use std::collections::HashSet;

/// Longest known name, in words, that is looked up around a span.
const MAX_NAME_WORDS: usize = 4;

/// Words that, right before a name, say it is a person's.
const PERSON_TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme", "mlle", "sr", "sra", "sig",
    "dott", "señor", "señora",
];

/// Chars that end a word for the name lookup, besides whitespace.
fn is_name_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '/' | '|'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | ','
                | ';'
                | ':'
                | '"'
                | '“'
                | '”'
                | '«'
                | '»'
                | '·'
                | '•'
                | '<'
                | '>'
                | '—'
                | '–'
        )
}

/// Drops model spans that are not PII by shape or by name (see the module docs).
pub struct ModelSpanFilter {
    names: HashSet<String>,
}

impl Default for ModelSpanFilter {
    fn default() -> Self {
        Self::new()
    }
}

impl ModelSpanFilter {
    /// The built-in brand list plus every app catalogue name and alias.
    pub fn new() -> ModelSpanFilter {
        let names = BRANDS.iter().copied().chain(apps::catalogue_names()).map(str::to_string).collect();
        ModelSpanFilter { names }
    }

    /// Whether the model span `span` of `text` should be kept.
    pub fn keeps(&self, text: &str, span: &Span) -> bool {
        if !matches!(span.label, PiiLabel::Person | PiiLabel::Location | PiiLabel::Username) {
            return true;
        }
        let Some(raw) = text.get(span.start..span.end) else {
            return true;
        };
        let core = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if !core.chars().any(char::is_alphabetic) || is_version(core) || is_hex_id(core) || ends_with_particle(core) {
            return false;
        }
        let misspelled = match span.label {
            PiiLabel::Person => core.chars().any(|c| c.is_ascii_digit()) && !is_login(core),
            PiiLabel::Location => !core.split_whitespace().any(is_word_of_letters) && !is_login(core),
            _ => false,
        };
        if misspelled {
            return false;
        }
        !self.inside_known_name(text, span)
    }

    /// Whether `span` lies inside a whole-word occurrence of a known name that no
    /// personal title precedes.
    fn inside_known_name(&self, text: &str, span: &Span) -> bool {
        let words = name_words(text);
        // The span alone, which may be a piece of a longer word (`k8s` in `k8s-worker-5`).
        let own = text[span.start..span.end].trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        if self.names.contains(&own) {
            let at = words.iter().rposition(|&(start, _)| start <= span.start);
            return !at.is_some_and(|at| titled(text, &words, at));
        }
        let Some(first) = words.iter().position(|&(_, end)| end > span.start) else {
            return false;
        };
        let Some(last) = words.iter().rposition(|&(start, _)| start < span.end) else {
            return false;
        };
        if last < first || last - first + 1 > MAX_NAME_WORDS {
            return false;
        }
        let mut phrase = String::new();
        for a in first.saturating_sub(MAX_NAME_WORDS - 1)..=first {
            for b in last..words.len().min(a + MAX_NAME_WORDS) {
                // Words join into a name only across plain spaces, never across `/` or `|`.
                if (a..b).any(|w| !text[words[w].1..words[w + 1].0].chars().all(char::is_whitespace)) {
                    break;
                }
                phrase.clear();
                for (i, &(s, e)) in words[a..=b].iter().enumerate() {
                    if i > 0 {
                        phrase.push(' ');
                    }
                    phrase.extend(text[s..e].chars().flat_map(char::to_lowercase));
                }
                let bare = phrase.strip_suffix("'s").or_else(|| phrase.strip_suffix("’s")).unwrap_or(&phrase);
                if (self.names.contains(phrase.as_str()) || self.names.contains(bare)) && !titled(text, &words, a) {
                    return true;
                }
            }
        }
        false
    }
}

/// Byte ranges of the words of `text` for the name lookup: runs between whitespace and
/// separators, with quotes and sentence punctuation trimmed off both ends.
fn name_words(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (is_name_separator(c), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let word = &text[s..i];
                let trim = |c: char| matches!(c, '.' | '!' | '?' | '\'' | '’' | '‘' | '*' | '_' | '`');
                let lead = word.len() - word.trim_start_matches(trim).len();
                let trimmed = word.trim_matches(trim);
                if !trimmed.is_empty() {
                    words.push((s + lead, s + lead + trimmed.len()));
                }
                start = None;
            }
            _ => {}
        }
    }
    words
}

/// Whether the word before `words[at]` is a personal title (`Dr`, `Mrs.`, ...).
fn titled(text: &str, words: &[(usize, usize)], at: usize) -> bool {
    at > 0 && {
        let (s, e) = words[at - 1];
        let word = text[s..e].trim_end_matches('.').to_lowercase();
        PERSON_TITLES.contains(&word.as_str())
    }
}

/// Words that join a name's parts (`Jack de Gruijter`, `Ludwig van Beethoven`) but are
/// never a name alone.
const PARTICLES: &[&str] = &[
    "al", "bin", "da", "das", "de", "del", "della", "den", "der", "des", "di", "do", "dos", "du", "el", "ibn", "la",
    "las", "le", "les", "los", "ten", "ter", "van", "von", "y", "zu",
];

fn is_particle(word: &str) -> bool {
    PARTICLES.iter().any(|p| p.eq_ignore_ascii_case(word))
}

/// A span that is a particle, or ends with one: `de`, `analyse de`.
fn ends_with_particle(core: &str) -> bool {
    core.split_whitespace().next_back().is_some_and(is_particle)
}

/// A word of letters, perhaps with inner `-`, `'` or `.` (`Saint-Denis`, `O'Neil`, `St.`).
fn is_word_of_letters(word: &str) -> bool {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    word.chars().next().is_some_and(char::is_alphabetic)
        && word.chars().all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
}

/// One lower-case token of letters, digits and `._-`, like `lee52` or `ana.lima`.
fn is_login(core: &str) -> bool {
    core.chars().all(|c| c.is_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// `v1.2`, `V10.0.19045`, `v2.0.0-rc.1`: a `v` and a dotted number.
fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(['v', 'V']) else {
        return false;
    };
    let (number, _suffix) = rest.split_once(['-', '+']).unwrap_or((rest, ""));
    !number.is_empty()
        && number.starts_with(|c: char| c.is_ascii_digit())
        && number.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A hash-like hex id: 7–64 hex digits in one case, holding letters and digits, that
/// switch between letters and digits at least twice (`3f9a1c2`, not `dad1985`).
fn is_hex_id(s: &str) -> bool {
    let n = s.len();
    if !(7..=64).contains(&n) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let lower = s.bytes().any(|b| b.is_ascii_lowercase());
    let upper = s.bytes().any(|b| b.is_ascii_uppercase());
    if lower && upper {
        return false;
    }
    let switches = s.as_bytes().windows(2).filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit()).count();
    switches >= 2 && s.bytes().any(|b| b.is_ascii_digit()) && s.bytes().any(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::span::SpanSource;
    use PiiLabel::*;

    fn model_span(text: &str, needle: &str, label: PiiLabel) -> Span {
        let start = text.find(needle).unwrap_or_else(|| panic!("{needle} not in {text}"));
        Span { start, end: start + needle.len(), label, score: 0.9, source: SpanSource::Model }
    }

    #[test]
    fn model_spans_kept_or_dropped_by_class() {
        let filter = ModelSpanFilter::new();
        // (text, span text, label, kept)
        let cases: &[(&str, &str, PiiLabel, bool)] = &[
            // Hex ids: commit hashes are not logins; logins with a year are.
            ("Merge commit 3f9a1c2 into main", "3f9a1c2", Username, false),
            (
                "git show 9fceb02d0ae598e95dc970b74767f19372d61af8",
                "9fceb02d0ae598e95dc970b74767f19372d61af8",
                Username,
                false,
            ),
            ("revert A1B2C3D4E5", "A1B2C3D4E5", Username, false),
            ("ssh dad1985@host", "dad1985", Username, true),
            // Name particles alone are not names; names with them are.
            ("You analyse de-identified data", "de", Person, false),
            ("You analyse de-identified data", "analyse de", Person, false),
            ("met Jack de Gruijter", "Jack de", Person, false),
            ("Notes by VAN", "VAN", Person, false),
            ("1:1 with Jack de Gruijter", "Jack de Gruijter", Person, true),
            ("Meeting with Delia", "Delia", Person, true),
            ("PR by bea2c", "bea2c", Username, true),
            ("login DeadBeef42", "DeadBeef42", Username, true),
            ("user jsmith42", "jsmith42", Username, true),
            // No letters, or a version: not a name, a place nor a login.
            ("Release 1.4.2 notes", "1.4.2", Username, false),
            ("Sprint 2024-03", "2024-03", Person, false),
            ("Upgrade to v2.0.0-rc.1", "v2.0.0-rc.1", Username, false),
            ("Kernel V10.0.19045", "V10.0.19045", Location, false),
            ("Ticket from vlad", "vlad", Username, true),
            ("v2ray config", "v2ray", Username, true),
            // Brands and products, alone or as part of a longer known name.
            ("Heineken quarterly deck.pptx", "Heineken", Person, false),
            ("Procter & Gamble - supplier portal", "Procter & Gamble", Person, false),
            ("Procter & Gamble - supplier portal", "Procter", Person, false),
            ("Travis CI build #512 passed", "Travis", Username, false),
            ("Elgato Stream Deck setup", "Elgato", Location, false),
            ("Istio mesh upgrade runbook", "Istio", Person, false),
            ("Visual Studio Code settings", "Studio", Person, false),
            ("Ben & Jerry's order", "Jerry", Person, false),
            ("\"Heineken\" campaign", "Heineken", Person, false),
            // A personal title before the name keeps it; so does a longer span or a
            // name only next to a brand, not inside it.
            ("Meeting with Dr. Istio", "Istio", Person, true),
            ("Notes from Mrs Heineken", "Heineken", Person, true),
            ("Lunch with Anna Heineken", "Anna Heineken", Person, true),
            ("Travis Scott / CI notes", "Travis", Person, true),
            ("Heineken/Travis review", "Travis", Person, true),
            ("Lunch with Maria Keller", "Maria Keller", Person, true),
            ("Flight to Lisbon", "Lisbon", Location, true),
            // Not a name's spelling.
            ("KPMG Q2 earnings call", "Q2", Person, false),
            ("Johnson Q2 transcript", "Johnson Q2", Person, false),
            ("htop — k8s-worker-5", "k8s", Person, false),
            ("https://example.org/in/lee52/", "lee52", Person, true),
            ("https://example.org/in/sally-thomas/", "sally-thomas", Person, true),
            ("values.yaml (brudebora/infra-live)", "brudebora", Person, true),
            ("Profile: Ana Lima (lee52) — GitLab", "lee52", Location, true),
            ("https://example.org/in/riveronicolas/", "riveronicolas", Location, true),
            ("LG UltraFine 27UN880", "27UN880", Location, false),
            ("Dell XPS 13 9340", "13 9340", Location, false),
            ("Lease - Studio 64e, Gdansk.pdf", "Studio 64e", Location, true),
            ("lunch with anna", "anna", Person, true),
            ("Passport_Cherry_Zoé.pdf", "Zoé", Person, true),
            ("ping Anna-Lena", "Anna-Lena", Person, true),
            ("ping R2D2", "R2D2", Username, true),
            // Other labels pass through untouched.
            ("Heineken", "Heineken", Org, true),
        ];
        let mut failures = Vec::new();
        for &(text, needle, label, kept) in cases {
            if filter.keeps(text, &model_span(text, needle, label)) != kept {
                failures.push(format!(
                    "{text:?}: {needle:?} as {label} should be {}",
                    if kept { "kept" } else { "dropped" }
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn spans_off_char_boundaries_or_out_of_range_are_kept_not_panicking() {
        let filter = ModelSpanFilter::new();
        let text = "Grüße an Jürgen";
        let span = Span { start: 3, end: 4, label: Person, score: 0.9, source: SpanSource::Model };
        assert!(filter.keeps(text, &span));
        let span = Span { start: 10, end: 400, label: Person, score: 0.9, source: SpanSource::Model };
        assert!(filter.keeps(text, &span));
    }
}
