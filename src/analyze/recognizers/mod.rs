//! Regex PII recognizers (Presidio-style): a candidate pattern, a validator where one
//! exists (Luhn, mod-97, std::net parsing, range rules, ...) and a score reflecting
//! confidence.
//!
//! Every recognizer starts with a cheap byte pre-check (no digit, no `@`, ... → return)
//! so that the common case, a short window title without PII, costs almost nothing.
//! Offsets are UTF-8 byte offsets on char boundaries; overlaps between recognizers are
//! resolved by [`resolve_overlaps`] (higher score wins), and the scores below are chosen
//! so that the more specific, validated label wins: a JWT over anything, an IBAN or a
//! credit card over a phone number, an email over a `user@host` login.

mod address;
mod credit_card;
mod document;
mod email;
mod iban;
mod id_checks;
mod ip;
mod national_id;
mod phone;
mod secret;
mod username;

#[cfg(test)]
mod tests;

use crate::analyze::span::{resolve_overlaps, Span};

pub use address::AddressRecognizer;
pub use credit_card::CreditCardRecognizer;
pub use document::DocumentNumberRecognizer;
pub use email::EmailRecognizer;
pub use iban::IbanRecognizer;
pub use ip::IpAddressRecognizer;
pub use national_id::NationalIdRecognizer;
pub use phone::PhoneRecognizer;
pub use secret::SecretRecognizer;
pub use username::UsernameRecognizer;

pub trait Recognizer: Send + Sync {
    /// Short stable name, e.g. "email".
    fn name(&self) -> &'static str;
    /// Appends every candidate span found in `text` (may overlap; the caller resolves overlaps).
    fn recognize(&self, text: &str, out: &mut Vec<Span>);
}

/// The built-in registry of regex recognizers.
pub struct RegexRecognizers {
    recognizers: Vec<Box<dyn Recognizer>>,
}

impl RegexRecognizers {
    /// Compiles all regexes once.
    pub fn new() -> Self {
        let recognizers: Vec<Box<dyn Recognizer>> = vec![
            Box::new(SecretRecognizer::new()),
            Box::new(EmailRecognizer::new()),
            Box::new(IbanRecognizer::new()),
            Box::new(CreditCardRecognizer::new()),
            Box::new(NationalIdRecognizer::new()),
            Box::new(DocumentNumberRecognizer::new()),
            Box::new(IpAddressRecognizer::new()),
            Box::new(PhoneRecognizer::new()),
            Box::new(UsernameRecognizer::new()),
            Box::new(AddressRecognizer::new()),
        ];
        RegexRecognizers { recognizers }
    }

    /// All spans, overlaps resolved with [`resolve_overlaps`], sorted by start.
    pub fn recognize(&self, text: &str) -> Vec<Span> {
        let mut out = Vec::new();
        for r in &self.recognizers {
            r.recognize(text, &mut out);
        }
        if out.len() > 1 {
            resolve_overlaps(&mut out);
        }
        out
    }

    pub fn recognizers(&self) -> &[Box<dyn Recognizer>] {
        &self.recognizers
    }
}

impl Default for RegexRecognizers {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------------------
// Helpers shared by the recognizers.
// ---------------------------------------------------------------------------

/// The char ending at byte `i` (`i` must be a char boundary).
pub(crate) fn prev_char(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

/// The char starting at byte `i` (`i` must be a char boundary).
pub(crate) fn next_char(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// The char before the char ending at `i`.
pub(crate) fn prev_prev_char(text: &str, i: usize) -> Option<char> {
    let mut it = text.get(..i)?.chars();
    it.next_back()?;
    it.next_back()
}

/// The char after the char starting at `i`.
pub(crate) fn next_next_char(text: &str, i: usize) -> Option<char> {
    let mut it = text.get(i..)?.chars();
    it.next()?;
    it.next()
}

/// Whether `c` is a letter or digit in any script.
pub(crate) fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

pub(crate) fn is_ascii_digit(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}

/// Number of ASCII digits in `s`.
pub(crate) fn count_digits(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
}

/// Whether `text` holds at least `n` ASCII digits (stops early).
pub(crate) fn has_digits(text: &str, n: usize) -> bool {
    let mut seen = 0;
    for b in text.bytes() {
        if b.is_ascii_digit() {
            seen += 1;
            if seen >= n {
                return true;
            }
        }
    }
    false
}

/// Whether one of `keywords` (lowercase ASCII) occurs, case-insensitively, in the
/// `window` bytes before byte `start`.
pub(crate) fn context_before(text: &str, start: usize, window: usize, keywords: &[&str]) -> bool {
    let mut from = start.saturating_sub(window);
    while from < start && !text.is_char_boundary(from) {
        from += 1;
    }
    let Some(before) = text.get(from..start) else {
        return false;
    };
    let lower = before.to_ascii_lowercase();
    keywords.iter().any(|k| lower.contains(k))
}

/// Boundary rule for numbers: no letter/digit directly before or after, and not part of
/// a longer dotted/dashed/slashed number ("1.2.3", "2024-01-15", "12/34").
pub(crate) fn number_boundary(text: &str, start: usize, end: usize) -> bool {
    let prev = prev_char(text, start);
    let next = next_char(text, end);
    !(is_word(prev)
        || is_word(next)
        || (matches!(prev, Some('.' | '-' | ',' | '/')) && is_ascii_digit(prev_prev_char(text, start)))
        || (matches!(next, Some('.' | '-' | ',' | '/')) && is_ascii_digit(next_next_char(text, end))))
}
