//! CREDIT_CARD: 12–19 digits, compact or grouped with spaces/dashes; Luhn check plus
//! known issuer prefixes and lengths, or Luhn alone after a card word ("card", "Visa",
//! "Kreditkarte", "tarjeta", ...).

use regex::Regex;

use super::{
    context_before, has_digits, is_ascii_digit, is_word, next_char, next_next_char, prev_char, prev_prev_char,
    Recognizer,
};
use crate::analyze::span::{PiiLabel, Span};

/// Grouped ("4111 1111 1111 1111", "3782 822463 10005"): a typed card number.
pub const CREDIT_CARD_GROUPED_SCORE: f32 = 0.95;
/// Compact digit run: ~1% of random 16-digit ids pass Luhn plus prefix, hence lower.
pub const CREDIT_CARD_COMPACT_SCORE: f32 = 0.85;
/// Words (lower case) that make any Luhn-valid 12–19 digit number after them a card.
const CARD_WORDS: &[&str] = &[
    "card",
    "visa",
    "mastercard",
    "amex",
    "maestro",
    "jcb",
    "unionpay",
    "diners",
    "karte",
    "carte",
    "tarjeta",
    "cartão",
    "carta",
    "kaart",
    "kort",
    "cc#",
    "cc no",
    "カード",
    "卡号",
];

pub struct CreditCardRecognizer {
    re: Regex,
}

impl CreditCardRecognizer {
    pub fn new() -> Self {
        let re = Regex::new(
            r"[0-9]{4}[\x20\-][0-9]{4,6}[\x20\-][0-9]{4,5}(?:[\x20\-][0-9]{1,4})?(?:[\x20\-][0-9]{1,3})?|[0-9]{12,19}",
        )
        .expect("credit card regex");
        CreditCardRecognizer { re }
    }
}

impl Default for CreditCardRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

/// Luhn (mod 10) check over ASCII digits.
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

/// Whether the number has the prefix and length of a known issuer.
pub fn known_issuer(digits: &[u8]) -> bool {
    let len = digits.len();
    let prefix = |n: usize| -> u32 { digits[..n.min(len)].iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0')) };
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    // Visa
    (p1 == 4 && matches!(len, 13 | 16 | 19))
        // Mastercard
        || ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16
        // American Express
        || matches!(p2, 34 | 37) && len == 15
        // Discover
        || (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || (622126..=622925).contains(&p6))
            && (16..=19).contains(&len)
        // JCB
        || (3528..=3589).contains(&p4) && (16..=19).contains(&len)
        || matches!(p4, 1800 | 2131) && len == 15
        // Diners Club
        || ((300..=305).contains(&p3) || p4 == 3095 || matches!(p2, 36 | 38 | 39))
            && (14..=19).contains(&len)
        // UnionPay
        || p2 == 62 && (16..=19).contains(&len)
        // Maestro
        || (matches!(p2, 50 | 56..=58) || matches!(p4, 6304 | 6759 | 6761..=6763))
            && (12..=19).contains(&len)
}

fn check(text: &str, start: usize, end: usize) -> Option<f32> {
    let next = next_char(text, end);
    if is_word(next) || (matches!(next, Some('.' | '-' | ',' | '/')) && is_ascii_digit(next_next_char(text, end))) {
        return None;
    }
    let cand = &text[start..end];
    let digits: Vec<u8> = cand.bytes().filter(u8::is_ascii_digit).collect();
    let grouped = digits.len() != cand.len();
    // One kind of separator only.
    if grouped && cand.contains(' ') && cand.contains('-') {
        return None;
    }
    let announced = context_before(text, start, 24, CARD_WORDS);
    if !(12..=19).contains(&digits.len()) || !luhn_valid(&digits) || !(known_issuer(&digits) || announced) {
        return None;
    }
    // Twelve digits only for Maestro, or after a card word.
    if digits.len() == 12 && !announced && !known_issuer(&digits) {
        return None;
    }
    Some(if grouped { CREDIT_CARD_GROUPED_SCORE } else { CREDIT_CARD_COMPACT_SCORE })
}

impl Recognizer for CreditCardRecognizer {
    fn name(&self) -> &'static str {
        "credit_card"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        if !has_digits(text, 12) {
            return;
        }
        for m in self.re.find_iter(text) {
            let start = m.start();
            let prev = prev_char(text, start);
            if is_word(prev)
                || (matches!(prev, Some('.' | '-' | ',' | '/')) && is_ascii_digit(prev_prev_char(text, start)))
            {
                continue;
            }
            // Try the whole match, then shorter ones ending before a separator, so that
            // "4111 1111 1111 1111 2024" still yields the card.
            let cand = m.as_str();
            let mut ends: Vec<usize> = vec![cand.len()];
            ends.extend(cand.bytes().enumerate().rev().filter(|(_, b)| !b.is_ascii_digit()).map(|(i, _)| i));
            for rel_end in ends {
                if let Some(score) = check(text, start, start + rel_end) {
                    out.push(Span::regex(start, start + rel_end, PiiLabel::CreditCard, score));
                    break;
                }
            }
        }
    }
}
