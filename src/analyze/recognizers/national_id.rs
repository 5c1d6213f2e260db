//! NATIONAL_ID: US SSN, UK National Insurance number, Spanish DNI/NIE (check letter),
//! Dutch BSN (11-proof, with context).

use regex::Regex;

use super::{context_before, has_digits, number_boundary, Recognizer};
use crate::analyze::span::{PiiLabel, Span};

/// "123-45-6789".
pub const SSN_DASHED_SCORE: f32 = 0.85;
/// "123 45 6789" without a context word.
pub const SSN_SPACED_SCORE: f32 = 0.6;
/// Any SSN form preceded by "ssn" / "social security".
pub const SSN_CONTEXT_SCORE: f32 = 0.9;
/// "123456789" preceded by "ssn" / "social security".
pub const SSN_COMPACT_CONTEXT_SCORE: f32 = 0.8;
pub const NINO_SCORE: f32 = 0.85;
pub const DNI_SCORE: f32 = 0.8;
/// Dutch BSN: 11-proof and preceded by "bsn" / "burgerservicenummer".
pub const BSN_CONTEXT_SCORE: f32 = 0.8;

const SSN_CONTEXT: &[&str] = &["ssn", "social security", "soc sec", "soc. sec", "ss#", "ss #"];
const BSN_CONTEXT: &[&str] = &["bsn", "burgerservicenummer", "sofinummer"];
const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

pub struct NationalIdRecognizer {
    ssn: Regex,
    nino: Regex,
    dni: Regex,
}

impl NationalIdRecognizer {
    pub fn new() -> Self {
        NationalIdRecognizer {
            ssn: Regex::new(r"[0-9]{3}[\x20\-][0-9]{2}[\x20\-][0-9]{4}|[0-9]{9}").expect("ssn regex"),
            nino: Regex::new(r"[A-Z]{2}\x20?[0-9]{2}\x20?[0-9]{2}\x20?[0-9]{2}\x20?[A-D]").expect("nino regex"),
            dni: Regex::new(r"[XYZ]-?[0-9]{7}-?[A-Z]|[0-9]{8}-?[A-Z]").expect("dni regex"),
        }
    }

    fn recognize_ssn(&self, text: &str, out: &mut Vec<Span>) {
        for m in self.ssn.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            if !number_boundary(text, start, end) {
                continue;
            }
            let c = m.as_str().as_bytes();
            if c.len() == 9 {
                let d: Vec<u8> = c.to_vec();
                if ssn_parts_valid(&d[0..3], &d[3..5], &d[5..9]) && context_before(text, start, 32, SSN_CONTEXT) {
                    out.push(Span::regex(start, end, PiiLabel::NationalId, SSN_COMPACT_CONTEXT_SCORE));
                } else if bsn_valid(&d) && context_before(text, start, 32, BSN_CONTEXT) {
                    out.push(Span::regex(start, end, PiiLabel::NationalId, BSN_CONTEXT_SCORE));
                }
                continue;
            }
            // Dashed or spaced: the same separator twice.
            if c[3] != c[6] || !ssn_parts_valid(&c[0..3], &c[4..6], &c[7..11]) {
                continue;
            }
            let score = if context_before(text, start, 32, SSN_CONTEXT) {
                SSN_CONTEXT_SCORE
            } else if c[3] == b'-' {
                SSN_DASHED_SCORE
            } else {
                SSN_SPACED_SCORE
            };
            out.push(Span::regex(start, end, PiiLabel::NationalId, score));
        }
    }

    fn recognize_nino(&self, text: &str, out: &mut Vec<Span>) {
        for m in self.nino.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            if !number_boundary(text, start, end) {
                continue;
            }
            let c = m.as_str().as_bytes();
            if nino_prefix_valid(c[0], c[1]) {
                out.push(Span::regex(start, end, PiiLabel::NationalId, NINO_SCORE));
            }
        }
    }

    fn recognize_dni(&self, text: &str, out: &mut Vec<Span>) {
        for m in self.dni.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            if !number_boundary(text, start, end) {
                continue;
            }
            if dni_valid(m.as_str().as_bytes()) {
                out.push(Span::regex(start, end, PiiLabel::NationalId, DNI_SCORE));
            }
        }
    }
}

impl Default for NationalIdRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

fn digits_value(d: &[u8]) -> u32 {
    d.iter().fold(0, |acc, &b| acc * 10 + u32::from(b - b'0'))
}

/// SSN rules: area not 000, 666 or 900–999; group not 00; serial not 0000.
pub fn ssn_parts_valid(area: &[u8], group: &[u8], serial: &[u8]) -> bool {
    let area = digits_value(area);
    area != 0 && area != 666 && area < 900 && digits_value(group) != 0 && digits_value(serial) != 0
}

/// UK NINO prefix rules.
pub fn nino_prefix_valid(a: u8, b: u8) -> bool {
    !b"DFIQUV".contains(&a)
        && !b"DFIOQUV".contains(&b)
        && !matches!(&[a, b], b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ")
}

/// Spanish DNI ("12345678Z") / NIE ("X1234567L") check letter; dashes are ignored.
pub fn dni_valid(s: &[u8]) -> bool {
    let s: Vec<u8> = s.iter().copied().filter(|&b| b != b'-').collect();
    if s.len() != 9 {
        return false;
    }
    let mut digits = s[..8].to_vec();
    match digits[0] {
        b'X' => digits[0] = b'0',
        b'Y' => digits[0] = b'1',
        b'Z' => digits[0] = b'2',
        _ => {}
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    DNI_LETTERS[(digits_value(&digits) % 23) as usize] == s[8]
}

/// Dutch BSN 11-proof: 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11), not all zeros.
pub fn bsn_valid(d: &[u8]) -> bool {
    if d.len() != 9 || d.iter().all(|&b| b == b'0') {
        return false;
    }
    let mut sum: i32 = 0;
    for (i, &b) in d[..8].iter().enumerate() {
        sum += (9 - i as i32) * i32::from(b - b'0');
    }
    sum -= i32::from(d[8] - b'0');
    sum % 11 == 0
}

impl Recognizer for NationalIdRecognizer {
    fn name(&self) -> &'static str {
        "national_id"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        if !has_digits(text, 6) {
            return;
        }
        self.recognize_nino(text, out);
        if !has_digits(text, 7) {
            return;
        }
        self.recognize_dni(text, out);
        if has_digits(text, 9) {
            self.recognize_ssn(text, out);
        }
    }
}
