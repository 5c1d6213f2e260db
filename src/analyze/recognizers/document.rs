//! NATIONAL_ID for identity documents: passport and driver's-licence numbers. Their
//! shapes differ by country and most are a plain run of letters and digits, so a number
//! counts only after one of the words that announce it ("passport", "Reisepass",
//! "パスポート", "driver's licence", "Führerschein", "prawo jazdy", ...), except the UK
//! driving-licence number, whose 16-character shape is its own evidence.

use regex::Regex;

use super::{context_before, has_digits, number_boundary, Recognizer};
use crate::analyze::span::{PiiLabel, Span};

/// A document number with its word before it.
pub const DOCUMENT_CONTEXT_SCORE: f32 = 0.85;
/// A UK driving-licence number ("MORGA657054SM9IJ") without a word.
pub const UK_LICENCE_SCORE: f32 = 0.75;
/// Bytes before a number searched for the words that announce it.
const CONTEXT_WINDOW: usize = 40;

/// Words (lower case where the script has case) that announce a passport or a driver's
/// licence number, in English and the languages of the locales Tally is tested in.
const DOCUMENT_WORDS: &[&str] = &[
    // passports
    "passport",
    "pasaporte",
    "passeport",
    "passaporto",
    "passaporte",
    "reisepass",
    "passnummer",
    "pass-nr",
    "pass nr",
    "paspoort",
    "paszport",
    "pasaport",
    "cestovní pas",
    "passin numero",
    "pass no",
    "паспорт",
    "Паспорт",
    "διαβατήριο",
    "Διαβατήριο",
    "דרכון",
    "护照",
    "護照",
    "旅券",
    "パスポート",
    "여권",
    // driver's licences
    "driver's licen",
    "drivers licen",
    "driver licen",
    "driving licen",
    "licence no",
    "license no",
    "licence number",
    "license number",
    "dl no",
    "dl#",
    "dl:",
    "führerschein",
    "permis de conduire",
    "carnet de conducir",
    "licencia de conducir",
    "licencia de manejo",
    "patente di guida",
    "carta de condução",
    "prawo jazdy",
    "ehliyet",
    "cnh",
    "rijbewijs",
    "körkort",
    "kørekort",
    "førerkort",
    "ajokortti",
    "řidičský průkaz",
    "řidičák",
    "водительск",
    "Водительск",
    "посвідчення водія",
    "δίπλωμα οδήγησης",
    "רישיון נהיגה",
    "驾驶证",
    "驾照",
    "運転免許",
    "운전면허",
];

pub struct DocumentNumberRecognizer {
    /// A run of capitals and digits, or a US-style licence in dashed groups.
    number: Regex,
    uk_licence: Regex,
}

impl DocumentNumberRecognizer {
    pub fn new() -> Self {
        let number =
            Regex::new(r"[A-Z][0-9]{3}-[0-9]{4}-[0-9]{4}(?:-[0-9]{2})?|[A-Z0-9]{6,12}").expect("document regex");
        let uk_licence =
            Regex::new(r"[A-Z9]{5}[0-9][01356][0-9][0-3][0-9]{2}[A-Z9]{2}[0-9][A-Z]{2}").expect("UK licence regex");
        DocumentNumberRecognizer { number, uk_licence }
    }
}

impl Default for DocumentNumberRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

/// A document number has at least five digits and no more letters than digits:
/// "C01X00T47", "123456789", "AB1234567", "B072RRE2I55"; not "ABCDEFG12" or a year.
fn document_shape(s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let letters = s.bytes().filter(u8::is_ascii_uppercase).count();
    digits >= 5 && letters <= digits
}

impl Recognizer for DocumentNumberRecognizer {
    fn name(&self) -> &'static str {
        "document"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        if !has_digits(text, 5) {
            return;
        }
        for m in self.uk_licence.find_iter(text) {
            if number_boundary(text, m.start(), m.end()) {
                out.push(Span::regex(m.start(), m.end(), PiiLabel::NationalId, UK_LICENCE_SCORE));
            }
        }
        for m in self.number.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            if !number_boundary(text, start, end) || !document_shape(m.as_str()) {
                continue;
            }
            if context_before(text, start, CONTEXT_WINDOW, DOCUMENT_WORDS) {
                out.push(Span::regex(start, end, PiiLabel::NationalId, DOCUMENT_CONTEXT_SCORE));
            }
        }
    }
}
