//! Property tests of the recognizers and the redactor (proptest): on any text they never
//! panic and every span lies on char boundaries inside the text, sorted and disjoint,
//! with a score in [0, 1]; on texts of PII among ordinary words, no operator's output
//! contains the text of a span it replaced.

use proptest::prelude::*;
use std::sync::LazyLock;
use tally::analyze::operators::{Operator, PseudonymKey};
use tally::analyze::recognizers::RegexRecognizers;
use tally::analyze::span::Span;
use tally::analyze::Analyzer;

fn check_spans(text: &str, spans: &[Span]) -> Result<(), TestCaseError> {
    let mut last_end = 0;
    for s in spans {
        prop_assert!(s.start < s.end && s.end <= text.len(), "{s:?} outside a {}-byte text", text.len());
        prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end), "{s:?} splits a char");
        prop_assert!(s.start >= last_end, "spans overlap or are unsorted at {s:?}");
        prop_assert!((0.0..=1.0).contains(&s.score), "{s:?} score out of range");
        last_end = s.end;
    }
    Ok(())
}

/// Digits with a valid Luhn check digit appended.
fn luhn(digits: &[u8]) -> String {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    digits.iter().map(|d| char::from(b'0' + d)).chain(std::iter::once(char::from(b'0' + check as u8))).collect()
}

/// A German IBAN with valid mod-97 check digits.
fn iban(bban: &[u8]) -> String {
    let bban: String = bban.iter().map(|d| char::from(b'0' + d)).collect();
    // Move "DE00" to the end, letters as numbers (D = 13, E = 14).
    let numeric = format!("{bban}131400");
    let rem = numeric.bytes().fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

/// PII of every label the recognizers know.
fn pii() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}(\\.[a-z]{1,8})?@[a-z]{2,8}\\.(com|org|de)",
        (any::<u8>(), any::<u8>(), any::<u8>(), 1u8..=254).prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        "\\+(49|44|33|1) [1-9][0-9]{1,2} [0-9]{6,8}",
        proptest::collection::vec(0u8..10, 15).prop_map(|mut d| {
            d[0] = 4;
            luhn(&d)
        }),
        proptest::collection::vec(0u8..10, 18).prop_map(|d| iban(&d)),
        "AKIA[A-Z2-7]{16}",
        "/home/[a-z]{3,6}[0-9]{1,2}/src",
        "@[a-z]{3,6}[0-9]{1,2}",
        "[a-z]{3,6}[0-9]{1,2}@buildhost",
    ]
}

/// Words without digits, `@`, `/` or `*`, so none can contain a span's text.
fn word() -> impl Strategy<Value = String> {
    "[a-zäöüßéñ一-龥]{1,8}"
}

fn separator() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(" "), Just(", "), Just("\n"), Just(" - "), Just(" ("), Just(") "), Just(": ")]
}

fn pii_text() -> impl Strategy<Value = String> {
    proptest::collection::vec((prop_oneof![2 => word(), 1 => pii()], separator()), 1..12)
        .prop_map(|parts| parts.into_iter().map(|(p, s)| p + s).collect())
}

/// Compiling the recognizers costs far more than running them: build each analyzer once.
static RECOGNIZERS: LazyLock<RegexRecognizers> = LazyLock::new(RegexRecognizers::new);
static ANALYZERS: LazyLock<[Analyzer; 3]> = LazyLock::new(|| {
    [Operator::Placeholder, Operator::Mask, Operator::Pseudonym(PseudonymKey::from_bytes([9; 32]))]
        .map(|operator| Analyzer::rules_only().with_operator(operator))
});

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn recognizers_never_panic_and_spans_lie_on_char_boundaries(text in any::<String>()) {
        let spans = RECOGNIZERS.recognize(&text);
        check_spans(&text, &spans)?;
    }

    #[test]
    fn pii_like_noise_gives_well_formed_spans(text in "[0-9a-zA-Z@.:/+ \\-_ä€😀\u{301}]{0,80}") {
        check_spans(&text, &RECOGNIZERS.recognize(&text))?;
        let redaction = ANALYZERS[0].redact(&text);
        check_spans(&text, &redaction.spans)?;
    }

    #[test]
    fn redacted_output_never_contains_a_replaced_span(text in pii_text()) {
        for (analyzer, operator) in ANALYZERS.iter().zip(["placeholder", "mask", "pseudonym"]) {
            for redaction in [analyzer.redact(&text), analyzer.redact_document(&text)] {
                check_spans(&text, &redaction.spans)?;
                let out = redaction.redacted.as_str();
                for s in redaction.spans.iter().filter(|s| s.label.is_redacted_by_default()) {
                    let original = &text[s.start..s.end];
                    prop_assert!(!out.contains(original), "{operator} left `{original}` ({}) in `{out}`", s.label);
                }
            }
        }
    }
}

#[test]
fn generated_pii_is_detected() {
    // The generators above must produce detectable PII, or the last property is vacuous.
    let analyzer = Analyzer::rules_only();
    for sample in [
        luhn(&[4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
        iban(&[3, 7, 0, 4, 0, 0, 4, 4, 0, 5, 3, 2, 0, 1, 3, 0, 0, 0]),
        "ana.lima@example.org".to_string(),
        "/home/bob42/src".to_string(),
    ] {
        let redaction = analyzer.redact(&format!("see {sample} now"));
        assert_eq!(redaction.spans.len(), 1, "{sample}");
    }
}
