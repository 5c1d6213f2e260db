//! The redactor (recognizers, a `[redact]` policy, every operator) on arbitrary text:
//! no panic, spans on char boundaries, sorted and disjoint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use tally::analyze::operators::{Operator, PseudonymKey};
use tally::analyze::policy::{RedactConfig, RedactPolicy};
use tally::analyze::Analyzer;

static ANALYZERS: LazyLock<Vec<Analyzer>> = LazyLock::new(|| {
    let config: RedactConfig = toml::from_str(
        "allow = ['Tally', 'ß']\ndeny = { PERSON = ['İstanbul', 'ab'] }\nthresholds = { PHONE = 0.5 }\n\
         [[context]]\nlabel = 'PHONE'\nwords = ['call', 'tel']\nboost = 0.3\n",
    )
    .expect("a valid policy");
    let policy = RedactPolicy::new(&config).expect("a valid policy");
    [Operator::Placeholder, Operator::Mask, Operator::Pseudonym(PseudonymKey::from_bytes([3; 32]))]
        .into_iter()
        .map(|op| Analyzer::rules_only().with_operator(op).with_policy(policy.clone()))
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for analyzer in ANALYZERS.iter() {
        for redaction in [analyzer.redact(text), analyzer.redact_document(text)] {
            let mut last = 0;
            for s in &redaction.spans {
                assert!(s.start >= last && s.start < s.end && s.end <= text.len());
                assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                last = s.end;
            }
        }
    }
});
