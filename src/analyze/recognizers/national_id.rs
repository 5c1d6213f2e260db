//! NATIONAL_ID: US SSN, UK National Insurance number, Spanish DNI/NIE (check letter),
//! Dutch BSN (11-proof, with context), and the table [`FORMATS`] of identifiers with a
//! check digit or a shape of their own (Aadhaar, PAN, TC Kimlik, codice fiscale, CPF,
//! CNPJ, the Nordic personal numbers, PESEL, NIR, the Belgian national number, NIF,
//! Steuer-ID, NHS number, ITIN, SIN, TFN, CURP, RFC, the Chinese ID, My Number, the
//! Korean RRN). A bare run of digits that many formats share needs one of its words
//! before it, in the local language or English.

use regex::Regex;

use super::id_checks as check;
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

/// Bytes before a number searched for the words that announce it.
const CONTEXT_WINDOW: usize = 32;
/// A tabled identifier with one of its words before it.
pub const ID_CONTEXT_SCORE: f32 = 0.9;

/// One identifier format: its shape, its check, and the words (lower case) that
/// announce it; `needs_context` when the shape alone is too common to be sure.
struct IdFormat {
    pattern: &'static str,
    check: fn(&[u8]) -> bool,
    context: &'static [&'static str],
    needs_context: bool,
    /// The score without a context word.
    score: f32,
    /// Fewer digits than this in a text: the format cannot be there.
    min_digits: usize,
}

const AADHAAR: &[&str] = &["aadhaar", "aadhar", "uidai", "आधार"];
const KIMLIK: &[&str] = &["kimlik", "tckn", "tc no", "t.c. no", "vatandaşlık"];
const CPF: &[&str] = &["cpf"];
const CNPJ: &[&str] = &["cnpj"];
const PERSONNUMMER: &[&str] = &["personnummer", "personnr", "pnr"];
const FODSELSNUMMER: &[&str] = &["fødselsnummer", "fodselsnummer", "fnr", "personnummer"];
const BELGIAN: &[&str] = &["rijksregister", "numéro national", "numero national", "national number", "insz", "niss"];
const STEUER_ID: &[&str] = &["steuer-id", "steuerid", "steuer id", "identifikationsnummer", "idnr"];
const SIN: &[&str] = &["social insurance", "sin:", "sin ", "sin#", "nas:", "nas ", "assurance sociale"];
const MY_NUMBER: &[&str] = &["my number", "マイナンバー", "個人番号"];
const RRN: &[&str] = &["주민등록번호", "주민번호", "rrn", "resident registration"];

const FORMATS: &[IdFormat] = &[
    IdFormat {
        pattern: r"[2-9][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{4}",
        check: check::aadhaar,
        context: AADHAAR,
        needs_context: true,
        score: 0.0,
        min_digits: 12,
    },
    IdFormat {
        pattern: r"[A-Z]{3}[PCHABGJLFT][A-Z][0-9]{4}[A-Z]",
        check: check::pan,
        context: &["pan"],
        needs_context: false,
        score: 0.75,
        min_digits: 4,
    },
    IdFormat {
        pattern: r"[1-9][0-9]{10}",
        check: check::tc_kimlik,
        context: KIMLIK,
        needs_context: true,
        score: 0.0,
        min_digits: 11,
    },
    IdFormat {
        pattern: r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]",
        check: check::codice_fiscale,
        context: &["codice fiscale"],
        needs_context: false,
        score: 0.85,
        min_digits: 0,
    },
    IdFormat {
        pattern: r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}",
        check: check::cpf,
        context: CPF,
        needs_context: false,
        score: 0.85,
        min_digits: 11,
    },
    IdFormat {
        pattern: r"[0-9]{11}",
        check: check::cpf,
        context: CPF,
        needs_context: true,
        score: 0.0,
        min_digits: 11,
    },
    IdFormat {
        pattern: r"[0-9]{2}\.[0-9]{3}\.[0-9]{3}/[0-9]{4}-[0-9]{2}",
        check: check::cnpj,
        context: CNPJ,
        needs_context: false,
        score: 0.85,
        min_digits: 14,
    },
    IdFormat {
        pattern: r"[0-9]{14}",
        check: check::cnpj,
        context: CNPJ,
        needs_context: true,
        score: 0.0,
        min_digits: 14,
    },
    IdFormat {
        pattern: r"(?:19|20)?[0-9]{6}[-+][0-9]{4}",
        check: check::personnummer,
        context: PERSONNUMMER,
        needs_context: false,
        score: 0.7,
        min_digits: 10,
    },
    IdFormat {
        pattern: r"(?:19|20)?[0-9]{10}",
        check: check::personnummer,
        context: PERSONNUMMER,
        needs_context: true,
        score: 0.0,
        min_digits: 10,
    },
    IdFormat {
        pattern: r"[0-9]{6} ?[0-9]{5}",
        check: check::fodselsnummer,
        context: FODSELSNUMMER,
        needs_context: true,
        score: 0.0,
        min_digits: 11,
    },
    IdFormat {
        pattern: r"[0-9]{6}-?[0-9]{4}",
        check: check::cpr,
        context: &["cpr"],
        needs_context: true,
        score: 0.0,
        min_digits: 10,
    },
    IdFormat {
        pattern: r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]",
        check: check::hetu,
        context: &["hetu", "henkilötunnus"],
        needs_context: false,
        score: 0.85,
        min_digits: 9,
    },
    IdFormat {
        pattern: r"[0-9]{11}",
        check: check::pesel,
        context: &["pesel"],
        needs_context: true,
        score: 0.0,
        min_digits: 11,
    },
    IdFormat {
        pattern: r"[12] ?[0-9]{2} ?[0-9]{2} ?(?:2[AB]|[0-9]{2}) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}",
        check: check::nir,
        context: &["sécurité sociale", "securite sociale", "nir", "insee"],
        needs_context: false,
        score: 0.8,
        min_digits: 13,
    },
    IdFormat {
        pattern: r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}-[0-9]{3}\.[0-9]{2}",
        check: check::belgian_nn,
        context: BELGIAN,
        needs_context: false,
        score: 0.85,
        min_digits: 11,
    },
    IdFormat {
        pattern: r"[0-9]{11}",
        check: check::belgian_nn,
        context: BELGIAN,
        needs_context: true,
        score: 0.0,
        min_digits: 11,
    },
    IdFormat {
        pattern: r"[0-9]{9}",
        check: check::nif_pt,
        context: &["nif", "contribuinte"],
        needs_context: true,
        score: 0.0,
        min_digits: 9,
    },
    IdFormat {
        pattern: r"[1-9][0-9] ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
        check: check::steuer_id,
        context: STEUER_ID,
        needs_context: true,
        score: 0.0,
        min_digits: 11,
    },
    IdFormat {
        pattern: r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}",
        check: check::nhs,
        context: &["nhs"],
        needs_context: true,
        score: 0.0,
        min_digits: 10,
    },
    IdFormat {
        pattern: r"9[0-9]{2}-[0-9]{2}-[0-9]{4}",
        check: check::itin,
        context: &["itin"],
        needs_context: false,
        score: 0.85,
        min_digits: 9,
    },
    IdFormat {
        pattern: r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3}",
        check: check::sin,
        context: SIN,
        needs_context: true,
        score: 0.0,
        min_digits: 9,
    },
    IdFormat {
        pattern: r"[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
        check: check::tfn,
        context: &["tfn", "tax file"],
        needs_context: true,
        score: 0.0,
        min_digits: 9,
    },
    IdFormat {
        pattern: r"[A-Z][AEIOUX][A-Z]{2}[0-9]{6}[HM][A-Z]{5}[0-9A-Z][0-9]",
        check: check::curp,
        context: &["curp"],
        needs_context: false,
        score: 0.85,
        min_digits: 7,
    },
    IdFormat {
        pattern: r"[A-Z]{4}[0-9]{6}[A-Z0-9]{3}",
        check: check::rfc,
        context: &["rfc"],
        needs_context: true,
        score: 0.0,
        min_digits: 6,
    },
    IdFormat {
        pattern: r"[1-9][0-9]{16}[0-9X]",
        check: check::china_id,
        context: &["身份证", "id card", "resident id"],
        needs_context: false,
        score: 0.85,
        min_digits: 17,
    },
    IdFormat {
        pattern: r"[0-9]{4} ?[0-9]{4} ?[0-9]{4}",
        check: check::my_number,
        context: MY_NUMBER,
        needs_context: true,
        score: 0.0,
        min_digits: 12,
    },
    IdFormat {
        pattern: r"[0-9]{6}-[1-8][0-9]{6}",
        check: check::korea_rrn_checked,
        context: RRN,
        needs_context: false,
        score: 0.8,
        min_digits: 13,
    },
    IdFormat {
        pattern: r"[0-9]{6}-?[1-8][0-9]{6}",
        check: check::korea_rrn,
        context: RRN,
        needs_context: true,
        score: 0.0,
        min_digits: 13,
    },
];

pub struct NationalIdRecognizer {
    ssn: Regex,
    nino: Regex,
    dni: Regex,
    formats: Vec<Regex>,
}

impl NationalIdRecognizer {
    pub fn new() -> Self {
        NationalIdRecognizer {
            ssn: Regex::new(r"[0-9]{3}[\x20\-][0-9]{2}[\x20\-][0-9]{4}|[0-9]{9}").expect("ssn regex"),
            nino: Regex::new(r"[A-Z]{2}\x20?[0-9]{2}\x20?[0-9]{2}\x20?[0-9]{2}\x20?[A-D]").expect("nino regex"),
            dni: Regex::new(r"[XYZ]-?[0-9]{7}-?[A-Z]|[0-9]{8}-?[A-Z]").expect("dni regex"),
            formats: FORMATS.iter().map(|f| Regex::new(f.pattern).expect("national id regex")).collect(),
        }
    }

    /// The tabled formats: shape, boundary, check digit, and a context word where the
    /// shape needs one.
    fn recognize_tabled(&self, text: &str, digits: usize, out: &mut Vec<Span>) {
        let longest = longest_number(text);
        for (format, regex) in FORMATS.iter().zip(&self.formats) {
            // A format of digits alone needs a number that long; one with letters, the digits anywhere.
            let available = if format.pattern.contains("A-Z") { digits } else { longest };
            if available < format.min_digits {
                continue;
            }
            for m in regex.find_iter(text) {
                let (start, end) = (m.start(), m.end());
                if !number_boundary(text, start, end) {
                    continue;
                }
                let compact: Vec<u8> = m.as_str().bytes().filter(|b| !matches!(b, b' ' | b'.' | b'-' | b'/')).collect();
                if !(format.check)(&compact) {
                    continue;
                }
                let announced = context_before(text, start, CONTEXT_WINDOW, format.context);
                if announced {
                    out.push(Span::regex(start, end, PiiLabel::NationalId, ID_CONTEXT_SCORE));
                } else if !format.needs_context {
                    out.push(Span::regex(start, end, PiiLabel::NationalId, format.score));
                }
            }
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

/// The most digits in one number of `text`, where a single space, dot, dash or slash
/// between digits does not end the number.
fn longest_number(text: &str) -> usize {
    let (mut best, mut run, mut gap) = (0, 0, false);
    for b in text.bytes() {
        if b.is_ascii_digit() {
            run += 1;
            gap = false;
            best = best.max(run);
        } else if matches!(b, b' ' | b'.' | b'-' | b'/' | b'+') && run > 0 && !gap {
            gap = true;
        } else {
            run = 0;
            gap = false;
        }
    }
    best
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
        let digits = text.bytes().filter(u8::is_ascii_digit).count();
        if digits >= 4 {
            self.recognize_tabled(text, digits, out);
        }
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
