//! IBAN: country code, check digits and BBAN, compact or in groups of four separated by
//! spaces; validated against the per-country length table and the mod-97 checksum.

use regex::Regex;

use super::{has_digits, is_word, next_char, prev_char, Recognizer};
use crate::analyze::span::{PiiLabel, Span};

pub const IBAN_SCORE: f32 = 0.98;

/// IBAN lengths per country (SWIFT IBAN registry).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BI", 27),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DJ", 27),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FK", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HN", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MN", 20),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NI", 28),
    (b"NL", 18),
    (b"NO", 15),
    (b"OM", 23),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"RU", 33),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"SO", 23),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
    (b"YE", 30),
];

/// Expected IBAN length for an (uppercase) country code.
pub fn iban_length(country: [u8; 2]) -> Option<usize> {
    IBAN_LENGTHS.iter().find(|(c, _)| **c == country).map(|&(_, len)| len)
}

/// ISO 13616 mod-97 check over an uppercase alphanumeric IBAN without spaces.
pub fn iban_checksum_valid(iban: &[u8]) -> bool {
    if iban.len() < 5 || !iban.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let mut rem: u32 = 0;
    for &b in iban[4..].iter().chain(&iban[..4]) {
        let b = b.to_ascii_uppercase();
        if b.is_ascii_digit() {
            rem = (rem * 10 + u32::from(b - b'0')) % 97;
        } else {
            rem = (rem * 100 + u32::from(b - b'A' + 10)) % 97;
        }
    }
    rem == 1
}

pub struct IbanRecognizer {
    re: Regex,
}

impl IbanRecognizer {
    pub fn new() -> Self {
        let re = Regex::new(r"[A-Za-z]{2}[0-9]{2}(?:\x20?[A-Za-z0-9]){11,30}").expect("iban regex");
        IbanRecognizer { re }
    }

    /// The end of a valid IBAN starting at `start` within the candidate `cand`.
    fn validate(text: &str, start: usize, cand: &str) -> Option<usize> {
        let b = cand.as_bytes();
        let country = [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()];
        let len = iban_length(country)?;
        let mut compact = Vec::with_capacity(len);
        let mut end = None;
        for (i, &c) in b.iter().enumerate() {
            if c == b' ' {
                continue;
            }
            compact.push(c.to_ascii_uppercase());
            if compact.len() == len {
                end = Some(start + i + 1);
                break;
            }
        }
        let end = end?;
        if is_word(next_char(text, end)) {
            return None;
        }
        iban_checksum_valid(&compact).then_some(end)
    }
}

impl Default for IbanRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Recognizer for IbanRecognizer {
    fn name(&self) -> &'static str {
        "iban"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        if text.len() < 15 || !has_digits(text, 8) {
            return;
        }
        let mut pos = 0;
        while let Some(m) = self.re.find_at(text, pos) {
            let start = m.start();
            if !is_word(prev_char(text, start)) {
                if let Some(end) = Self::validate(text, start, m.as_str()) {
                    out.push(Span::regex(start, end, PiiLabel::Iban, IBAN_SCORE));
                    pos = end;
                    continue;
                }
            }
            // The match starts with an ASCII letter, so start + 1 is a char boundary.
            pos = start + 1;
        }
    }
}
