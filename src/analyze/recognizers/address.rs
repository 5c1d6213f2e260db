//! LOCATION for street addresses, taken whole: the house number, the street, and what
//! follows them (flat or suite, postal code, city, state), so that removing an address
//! never leaves its street or its postal code behind. The model finds places by name;
//! these shapes find addresses by their structure:
//! - English: "221B Baker Street", "1600 Amphitheatre Pkwy, Suite 4" (a number, one to
//!   three capitalised words, a street type);
//! - a street type before the name: "12 rue de la Paix", "Calle Mayor 10", "Via Roma 1",
//!   "ul. Marszałkowska 10/12", "вул. Шевченка, 12";
//! - a street type glued to the name: "Hauptstraße 5", "Storgatan 12", "Keizersgracht 123";
//! - Japanese (prefecture first, "東京都千代田区丸の内1丁目2番3号"), Chinese (province or
//!   city first, ending in 号, 座, ...) and Korean ("서울특별시 강남구 테헤란로 123");
//!
//! then a tail of postal code and city ("75002 Paris", "London NW1 6XE",
//! "Springfield, IL 62704").

use regex::Regex;

use super::{is_word, next_char, prev_char, Recognizer};
use crate::analyze::span::{PiiLabel, Span};

/// A street address (any shape above).
pub const ADDRESS_SCORE: f32 = 0.8;

/// A capital letter, in the scripts whose addresses the shapes below describe (a
/// narrower class than `\p{Lu}`, which costs the compiled regexes about a megabyte).
const UPPER: &str = "[A-ZÀ-ÖØ-ÞĀ-ſƀ-ɏΆ-ΫЀ-ЯԱ-Ֆ]";
/// A letter of those scripts, or a combining mark.
const LETTER: &str = r"\p{Latin}\p{Greek}\p{Cyrillic}\p{Armenian}\p{Hebrew}\p{M}";

/// Street types that follow the name in English addresses (case as written).
const EN_STREET_TYPES: &str = "Street|St\\.?|Avenue|Ave\\.?|Road|Rd\\.?|Lane|Ln\\.?|Drive|Dr\\.?|Boulevard|Blvd\\.?|\
Parkway|Pkwy\\.?|Highway|Hwy\\.?|Terrace|Crescent|Court|Ct\\.?|Circle|Cir\\.?|Square|Sq\\.?|Place|Pl\\.?|Alley|\
Plaza|Trail|Mews|Close|Gardens|Grove|Way|Heights|Hill|Hills|Ridge|Row|Walk|Loop|Crossing|Expressway|Freeway|\
Turnpike|Pike|Wharf|Quay|Green|Haven|Estates|Meadows|Springs|Valley|Junction|Path|Commons|Cove|Creek|Knolls?|\
Manor|Point|Landing|Station|Village|Vista|Summit|Shores?|Harbor|Harbour|Glen|Forest|Fields?|Falls|Extension";

/// Words that make a "number + capitalised words + type" match a headline, not an
/// address ("10 Tips To Find Your Way").
const HEADLINE_WORDS: &[&str] = &[
    "to", "the", "your", "my", "our", "of", "for", "and", "with", "in", "on", "at", "by", "from", "is", "are", "how",
    "why", "what", "best", "top", "tips", "ways", "things", "reasons", "steps", "days", "hours", "minutes", "weeks",
    "years", "new", "messages", "unread", "items", "files", "results", "people", "more", "easy", "simple", "great",
];

/// Street types written before the name (lower case; matched case-insensitively).
const PREFIX_STREET_TYPES: &str =
    "rue|avenue|av\\.|boulevard|bd\\.?|chemin|allée|impasse|quai|calle|c/|avenida|avda\\.?|\
paseo|carrer|travesía|viale|piazza|corso|largo|vicolo|rua|travessa|praça|alameda|ul\\.|ulica|aleja|\
ulice|třída|náměstí|nám\\.|οδός|οδ\\.|λεωφόρος|λεωφ\\.|вул\\.|вулиця|ул\\.|улица|проспект|просп\\.|пр-т|sokak|\
sokağı|caddesi|cad\\.|bulevardul|calea|strada|utca|jalan|jl\\.";

/// Street types glued to the end of the name (lower case).
const GLUED_STREET_TYPES: &str = "straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|pfad|steig|\
straat|laan|gracht|plein|kade|singel|dreef|gatan|vägen|gränd|torget|stigen|gade|vej|stræde|allé|katu|tie|polku|\
kuja|väylä|tori|utca|ulica|ova";

pub struct AddressRecognizer {
    english: Regex,
    number_first: Regex,
    type_first: Regex,
    glued: Regex,
    japanese: Regex,
    chinese: Regex,
    korean: Regex,
    /// What may follow a street: a flat or suite, a postal code and city, a city and
    /// postcode or state; matched at the street's end, repeatedly.
    tail: Regex,
}

impl AddressRecognizer {
    pub fn new() -> Self {
        let word = format!(r"{UPPER}[{LETTER}'’.\-]*");
        let english = Regex::new(&format!(
            r"[0-9]{{1,5}}[A-Za-z]?(?:[-/][0-9]{{1,4}})?\x20((?:{word}\x20)+)(?:{EN_STREET_TYPES})(?-u:\b)"
        ))
        .expect("english address regex");
        let name_words =
            format!(r"(?:\x20(?:d[aeiou]s?|de[lr]?|la|le|les|l'|du|van|der|den|von|y|e|{UPPER}[{LETTER}'’.\-]*))+");
        let number_first = Regex::new(&format!(
            r"[0-9]{{1,4}}(?:\x20?(?:bis|ter|[A-Za-z]))?,?\x20(?:Via|(?i:{PREFIX_STREET_TYPES})){name_words}"
        ))
        .expect("number-first address regex");
        let type_first = Regex::new(&format!(
            r"(?:Via|(?i:{PREFIX_STREET_TYPES})){name_words},?\x20(?:n[º°o]\.?\x20?)?[0-9]{{1,4}}[A-Za-z]?(?:[-/][0-9]{{1,4}}[A-Za-z]?)?"
        ))
        .expect("type-first address regex");
        let glued = Regex::new(&format!(
            r"{UPPER}[{LETTER}\-]*(?i:{GLUED_STREET_TYPES})\x20[0-9]{{1,4}}[A-Za-z]?(?:[-/][0-9]{{1,4}}[A-Za-z]?)?"
        ))
        .expect("glued address regex");
        let japanese = Regex::new(
            r"(?:〒\x20?[0-9]{3}-[0-9]{4}\x20?)?\p{Han}{1,3}[都道府県]\p{Han}+?[市区町村郡][\p{Han}\p{Hiragana}\p{Katakana}ー々]*?[0-9０-９]+(?:(?:丁目|番地?|号|[-−の])[0-9０-９]*){0,6}(?:\x20?[\p{Katakana}\p{Han}ー]+[0-9０-９]{1,4}号?室?)?",
        )
        .expect("japanese address regex");
        let chinese = Regex::new(
            r"\p{Han}{2,3}(?:省|自治区|市)[\p{Han}A-Za-z0-9\-]+?[0-9]+(?:号|座|弄|室|楼|栋)(?:[0-9]+(?:室|楼|层|号))?(?:\x20?[0-9]{6})?",
        )
        .expect("chinese address regex");
        let korean = Regex::new(
            r"\p{Hangul}+(?:특별시|광역시|특별자치시|특별자치도|도|시)(?:\x20\p{Hangul}+(?:시|군|구))+\x20[\p{Hangul}0-9]+(?:로|길)(?:\x20?[0-9]+번?길)?\x20?[0-9]+(?:-[0-9]+)?(?:\x20?\([\p{Hangul}0-9,\x20]+\))?",
        )
        .expect("korean address regex");
        let city = format!(r"{UPPER}[{LETTER}'’\-]+(?:\x20{UPPER}[{LETTER}'’\-]+)*");
        let tail = [
            r"^,?\x20(?:(?i:apt|apartment|suite|ste|unit|flat|floor|fl|bldg|building|piso|étage|app|appt)\.?\x20?#?[0-9A-Z\-]{1,6}|#[0-9A-Z\-]{1,6})".to_string(),
            format!(r"^,?\x20(?:[A-Z]{{1,2}}-)?(?:[0-9]{{5}}|[0-9]{{2}}-[0-9]{{3}}|[0-9]{{3}}\x20[0-9]{{2}}|[0-9]{{4}}\x20?[A-Z]{{2}}|[0-9]{{4}})\x20{city}"),
            format!(r"^,?\x20{city},?\x20(?:[A-Z]{{1,2}}[0-9][A-Z0-9]?\x20[0-9][A-Z]{{2}}|[A-Z]{{2}}\x20[0-9]{{5}}(?:-[0-9]{{4}})?|[A-Z]{{2}}(?-u:\b)|[0-9]{{5}}|[0-9]{{2}}-[0-9]{{3}}|[0-9]{{3}}\x20[0-9]{{2}})"),
            format!(r"^,\x20{city}(?:$|,|\x20[-|—–·]\x20|\))"),
        ]
        .join("|");
        let tail = Regex::new(&tail).expect("address tail regex");
        AddressRecognizer { english, number_first, type_first, glued, japanese, chinese, korean, tail }
    }

    /// `end` moved over the tails that follow it.
    fn extend(&self, text: &str, mut end: usize) -> usize {
        for _ in 0..3 {
            let Some(m) = text.get(end..).and_then(|rest| self.tail.find(rest)) else {
                break;
            };
            // The last alternative keeps its closing delimiter out of the span.
            let matched = m.as_str();
            let trimmed = matched.trim_end_matches([',', ')', ' ', '-', '|', '—', '–', '·']);
            if trimmed.is_empty() {
                break;
            }
            end += trimmed.len();
        }
        end
    }

    fn push(&self, text: &str, start: usize, end: usize, out: &mut Vec<Span>) {
        if is_word(prev_char(text, start)) {
            return;
        }
        let end = self.extend(text, end);
        if is_word(next_char(text, end)) && next_char(text, end).is_some_and(|c| c.is_ascii()) {
            return;
        }
        out.push(Span::regex(start, end, PiiLabel::Location, ADDRESS_SCORE));
    }
}

impl Default for AddressRecognizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Recognizer for AddressRecognizer {
    fn name(&self) -> &'static str {
        "address"
    }

    fn recognize(&self, text: &str, out: &mut Vec<Span>) {
        if !text.bytes().any(|b| b.is_ascii_digit())
            && !text.contains(['０', '１', '２', '３', '４', '５', '６', '７', '８', '９'])
        {
            return;
        }
        for caps in self.english.captures_iter(text) {
            let (Some(all), Some(words)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            let words = words.as_str().trim_end();
            if words.split(' ').count() > 3
                || words.split(' ').any(|w| HEADLINE_WORDS.iter().any(|h| w.eq_ignore_ascii_case(h)))
            {
                continue;
            }
            self.push(text, all.start(), all.end(), out);
        }
        for re in [&self.number_first, &self.type_first, &self.glued] {
            for m in re.find_iter(text) {
                self.push(text, m.start(), m.end(), out);
            }
        }
        if !text.is_ascii() {
            for re in [&self.japanese, &self.chinese, &self.korean] {
                for m in re.find_iter(text) {
                    out.push(Span::regex(m.start(), m.end(), PiiLabel::Location, ADDRESS_SCORE));
                }
            }
        }
    }
}
