//! PHONE: international (`+CC ...`, `00CC ...`) and common national formats (US, UK,
//! German, French, ...). Digit runs without phone shape (dates, times, versions, IP
//! addresses, years, order numbers) are not matched.

use regex::Regex;

use super::{
    context_before, count_digits, has_digits, is_ascii_digit, is_word, next_char, next_next_char, prev_char,
    prev_prev_char, Recognizer,
};
use crate::analyze::span::{PiiLabel, Span};

pub const PHONE_INTL_SCORE: f32 = 0.75;
pub const PHONE_US_SCORE: f32 = 0.7;
pub const PHONE_NATIONAL_SCORE: f32 = 0.6;
/// Added when a word like "tel", "phone" or "call" precedes the number.
pub const PHONE_CONTEXT_BOOST: f32 = 0.15;

const CONTEXT: &[&str] = &[
    "tel", "phone", "call", "mobil", "cell", "fax", "whatsapp", "sms", "contact", "dial", "ruf", "kontakt", "handy",
    "portable", "móvil", "movil",
];

pub struct PhoneRecognizer {
    re: Regex,
    date: Regex,
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
            |(?P<nat>(?:\(0[0-9]{1,4}\)|0[0-9]{1,4})
                (?:(?:[\x20\x{A0}\x{202F}\-]|\x20?/\x20?)[0-9]{2,8}){1,4})
            ",
        )
        .expect("phone regex");
        let date = Regex::new(
            r"^(?:[0-9]{1,2}[./\-\x20][0-9]{1,2}[./\-\x20][0-9]{2,4}|[0-9]{4}[./\-\x20][0-9]{1,2}[./\-\x20][0-9]{1,2})$",
        )
        .expect("date regex");
        PhoneRecognizer { re, date }
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
            if !boundary_ok(text, start, end) {
                continue;
            }
            if kind != Kind::Intl && self.date.is_match(cand) {
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
    }
}
