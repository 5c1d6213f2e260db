//! PHONE: international (`+CC ...`, `00CC ...`) and common national formats (US, UK,
//! German, French, ...). Digit runs without phone shape (dates, times, versions, IP
//! addresses, years, order numbers) are not matched.
//!
//! Numbers whose shape alone says nothing (`0339252912`, `502 019 220`, `20 16 63 12`)
//! count only next to a phone word ("call", "tel", "mobile", "Anruf", `☎`, ...) and
//! never right after an id word ("ID", "order", "ticket", `#`, ...).

use regex::Regex;

use super::{
    context_before, count_digits, has_digits, is_ascii_digit, is_word, next_char, next_next_char, prev_char,
    prev_prev_char, Recognizer,
};
use crate::analyze::span::{PiiLabel, Span};

pub const PHONE_INTL_SCORE: f32 = 0.75;
pub const PHONE_US_SCORE: f32 = 0.7;
pub const PHONE_NATIONAL_SCORE: f32 = 0.6;
/// A number without phone shape that a phone word stands next to.
pub const PHONE_CONTEXT_ONLY_SCORE: f32 = 0.65;
/// How many words before and after a loose number are searched for a phone word.
const PHONE_WORDS_BEFORE: usize = 6;
const PHONE_WORDS_AFTER: usize = 3;
/// Added when a word like "tel", "phone" or "call" precedes the number.
pub const PHONE_CONTEXT_BOOST: f32 = 0.15;

const CONTEXT: &[&str] = &[
    "tel", "phone", "call", "mobil", "cell", "fax", "whatsapp", "sms", "contact", "dial", "ruf", "kontakt", "handy",
    "portable", "móvil", "movil",
];

/// Words (lower case) that make a bare or loosely grouped number a phone number: whole
/// words, or word beginnings where they end in `*`.
const PHONE_WORDS: &[&str] = &[
    "call*",
    "phone*",
    "tel",
    "telefon*",
    "telephon*",
    "teléfono",
    "téléphone",
    "mobile*",
    "mobil",
    "mob",
    "cell*",
    "fax",
    "sms",
    "whatsapp",
    "telegram",
    "signal",
    "viber",
    "dial*",
    "voicemail*",
    "contact*",
    "anruf*",
    "rückruf*",
    "handy",
    "kontakt*",
    "ruf",
    "portable",
    "appel*",
    "rappel*",
    "móvil",
    "movil",
    "llama*",
    "cellulare",
    "chiama*",
    "telefono",
];

/// Words (lower case) right before a number that make it an identifier, not a phone.
const ID_WORDS: &[&str] = &[
    "id",
    "order",
    "ticket",
    "invoice",
    "ref",
    "reference",
    "no",
    "nr",
    "pin",
    "code",
    "case",
    "issue",
    "account",
    "acct",
    "build",
    "version",
    "serial",
    "po",
    "sku",
    "isbn",
    "room",
    "meeting",
    "customer",
    "tracking",
];

pub struct PhoneRecognizer {
    re: Regex,
    loose: Regex,
    date: Regex,
    /// An extension right after a number: `x72`, ` ext. 9`, ` extension 401`.
    extension: Regex,
}

impl PhoneRecognizer {
    pub fn new() -> Self {
        // Separators: space, no-break space, narrow no-break space, dot, dash (and slash
        // for national formats, as in German "089 / 1234567").
        let re = Regex::new(
            r"(?x)
            (?P<intl>(?:\+|00)[1-9][0-9]{0,2}
                (?:[\x20\x{A0}\x{202F}.\-]?(?:\(0?[0-9]{1,4}\)|[0-9]{1,6})){1,7})
            |(?P<us>(?:1[\x20.\-]?)?
                (?:\([2-9][0-9]{2}\)[\x20\x{A0}]?|[2-9][0-9]{2}[\x20\x{A0}\x{202F}.\-])
                [0-9]{3}[\x20\x{A0}\x{202F}.\-][0-9]{4})
            |(?P<fr>0[1-9](?:[\x20\x{A0}\x{202F}.\-][0-9]{2}){4})
            |(?P<nat>(?:\(0[0-9]{1,4}\)[\x20\x{A0}\x{202F}.\-]?[0-9]{2,8}
                |0[0-9]{1,4}(?:[\x20\x{A0}\x{202F}.\-]|\x20?/\x20?)[0-9]{2,8})
                (?:(?:[\x20\x{A0}\x{202F}.\-]|\x20?/\x20?)[0-9]{2,8}){0,3})
            ",
        )
        .expect("phone regex");
        // Shapes that are phones only with a phone word nearby: a bare run of 9–12
        // digits, or 2–5 groups of 2–4 digits (an optional `(area)` first).
        let loose = Regex::new(
            r"(?x)
            (?:\([0-9]{2,5}\)[\x20\x{A0}\x{202F}.\-]?)?
            (?:[0-9]{9,12}|[0-9]{2,4}(?:[\x20\x{A0}\x{202F}.\-][0-9]{2,4}){1,4})
            ",
        )
        .expect("loose phone regex");
        let date = Regex::new(
            r"^(?:[0-9]{1,2}[./\-\x20][0-9]{1,2}[./\-\x20][0-9]{2,4}|[0-9]{4}[./\-\x20][0-9]{1,2}[./\-\x20][0-9]{1,2})$",
        )
        .expect("date regex");
        let extension =
            Regex::new(r"^(?i:\x20?(?:x|ext\.?|extension|durchwahl|poste)\x20?[0-9]{1,6})").expect("extension regex");
        PhoneRecognizer { re, loose, date, extension }
    }
}

impl Default for PhoneRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Intl,
    Us,
    National,
}

/// Drops trailing groups (after the last separator) while there are more than `max`
/// digits: "+49 30 12345678 2024" → "+49 30 12345678".
fn trim_to_max_digits(text: &str, start: usize, mut end: usize, max: usize) -> usize {
    while count_digits(&text[start..end]) > max {
        let cand = &text[start..end];
        match cand.rfind(|c: char| !c.is_ascii_digit() && c != ')' && c != '(') {
            Some(i) if i > 0 => {
                end = start + i;
                // Remove the separator run itself.
                while end > start {
                    let c = prev_char(text, end);
                    if is_ascii_digit(c) || c == Some(')') {
                        break;
                    }
                    end -= c.map_or(1, char::len_utf8);
                }
            }
            _ => return end,
        }
    }
    end
}

fn boundary_ok(text: &str, start: usize, end: usize) -> bool {
    let prev = prev_char(text, start);
    if is_word(prev) {
        return false;
    }
    match prev {
        Some('.' | '-' | '/' | ':' | ',') if is_ascii_digit(prev_prev_char(text, start)) => return false,
        Some('#' | '@' | '$' | '€' | '£' | '%' | '&' | '+' | '\\' | '/') => return false,
        _ => {}
    }
    let next = next_char(text, end);
    if is_word(next) {
        return false;
    }
    match next {
        Some('.' | '-' | '/' | ':' | ',') if is_ascii_digit(next_next_char(text, end)) => false,
        Some('%' | '€' | '$' | '@' | '\\' | '/') => false,
        _ => true,
    }
}

impl Recognizer for PhoneRecognizer {
    fn name(&self) -> &'static str {
        "phone"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        if !has_digits(text, 7) {
            return;
        }
        for caps in self.re.captures_iter(text) {
            let (m, kind) = if let Some(m) = caps.name("intl") {
                (m, Kind::Intl)
            } else if let Some(m) = caps.name("us") {
                (m, Kind::Us)
            } else if let Some(m) = caps.name("fr") {
                (m, Kind::National)
            } else if let Some(m) = caps.name("nat") {
                (m, Kind::National)
            } else {
                continue;
            };
            let start = m.start();
            let mut end = m.end();
            let (min, max, mut score) = match kind {
                Kind::Intl => (8, 15, PHONE_INTL_SCORE),
                Kind::Us => (10, 11, PHONE_US_SCORE),
                Kind::National => (9, 13, PHONE_NATIONAL_SCORE),
            };
            let prefix_digits = if text[start..].starts_with("00") { 2 } else { 0 };
            end = trim_to_max_digits(text, start, end, max + prefix_digits);
            let cand = &text[start..end];
            let digits = count_digits(cand) - prefix_digits;
            if digits < min || digits > max {
                continue;
            }
            if kind != Kind::Intl && self.date.is_match(cand) {
                continue;
            }
            // The extension is part of the number (`415-555-0134x72`).
            let end = end + self.extension.find(&text[end..]).map_or(0, |m| m.end());
            if !boundary_ok(text, start, end) {
                continue;
            }
            if kind == Kind::Intl && prefix_digits == 0 && !cand.starts_with('+') {
                continue;
            }
            if context_before(text, start, 24, CONTEXT) {
                score += PHONE_CONTEXT_BOOST;
            }
            out.push(Span::regex(start, end, PiiLabel::Phone, score.min(0.9)));
        }
        self.recognize_by_context(text, out);
    }
}

impl PhoneRecognizer {
    /// Bare and loosely grouped numbers that a phone word stands next to, where no
    /// other span (a shaped phone, an IP, a card, ...) is already.
    fn recognize_by_context(&self, text: &str, out: &mut Vec<Span>) {
        let found = out.len();
        for m in self.loose.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            let cand = m.as_str();
            let digits = count_digits(cand);
            if !(7..=12).contains(&digits)
                || out[..found].iter().any(|s| s.start < end && start < s.end)
                || !boundary_ok(text, start, end)
                || self.date.is_match(cand)
                || !one_separator(cand)
                || cand.parse::<std::net::Ipv4Addr>().is_ok()
                || after_id_word(text, start)
                || !near_phone_word(text, start, end)
            {
                continue;
            }
            out.push(Span::regex(start, end, PiiLabel::Phone, PHONE_CONTEXT_ONLY_SCORE));
        }
    }
}

/// Whether the digit groups after an optional `(area)` are joined by one kind of
/// separator, as in `20 16 63 12`; mixed ones (`15.01.2024 1234`) are two numbers.
fn one_separator(cand: &str) -> bool {
    let body =
        cand.rsplit_once(')').map_or(cand, |(_, rest)| rest.trim_start_matches([' ', '.', '-', '\u{A0}', '\u{202F}']));
    let mut seps = body.chars().filter(|c| !c.is_ascii_digit());
    let first = seps.next();
    seps.all(|c| Some(c) == first)
}

/// Lower-case words (runs of letters) of `s`.
fn words(s: &str) -> impl DoubleEndedIterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

fn is_phone_word(word: &str) -> bool {
    PHONE_WORDS.iter().any(|p| match p.strip_suffix('*') {
        Some(stem) => word.starts_with(stem),
        None => word == *p,
    })
}

/// Whether a phone word (or a phone sign) is among the few words around `start..end`.
fn near_phone_word(text: &str, start: usize, end: usize) -> bool {
    let (before, after) = (&text[..start], &text[end..]);
    before.contains(['☎', '📞', '📱'])
        || words(before).rev().take(PHONE_WORDS_BEFORE).any(|w| is_phone_word(&w))
        || words(after).take(PHONE_WORDS_AFTER).any(|w| is_phone_word(&w))
}

/// Whether the number at `start` follows an id word or sign: `ID: 842 1234 5678`,
/// `order 123456789`, `#123456789`.
fn after_id_word(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '.' | '='));
    before.ends_with(['#', '№'])
        || before.chars().next_back().is_some_and(char::is_alphabetic)
            && words(before).next_back().is_some_and(|w| ID_WORDS.contains(&w.as_str()))
}
