//! The outbound gate (DESIGN §4.3): every payload that would leave the machine is
//! re-scanned by the full analyzer — recognizers and the local model — and any
//! detection blocks it. A [`ClearedPayload`] can only be built here, and the HTTP
//! client and the ledger accept nothing else.

use crate::analyze::Analyzer;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;

/// Bytes that passed the outbound gate.
#[derive(Clone, PartialEq, Eq)]
pub struct ClearedPayload {
    bytes: Vec<u8>,
    sha256: String,
}

impl ClearedPayload {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

impl fmt::Debug for ClearedPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClearedPayload({} bytes, sha256 {})", self.bytes.len(), self.sha256)
    }
}

/// Where in a payload something was found: a JSON path and byte offsets into that
/// string. Never the text itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub label: &'static str,
    pub path: String,
    pub start: usize,
    pub end: usize,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {} bytes {}–{}", self.label, self.path, self.start, self.end)
    }
}

/// A payload the gate refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub findings: Vec<Finding>,
    /// SHA-256 of the refused bytes, for the ledger (the bytes themselves are dropped).
    pub sha256: String,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.findings.iter().take(10).map(Finding::to_string).collect();
        write!(f, "the outbound gate blocked the payload: {}", shown.join("; "))?;
        if self.findings.len() > 10 {
            write!(f, "; and {} more", self.findings.len() - 10)?;
        }
        Ok(())
    }
}

impl std::error::Error for Blocked {}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

pub struct OutboundGate<'a> {
    analyzer: &'a Analyzer,
    fixed: &'a [&'a str],
}

impl<'a> OutboundGate<'a> {
    pub fn new(analyzer: &'a Analyzer) -> OutboundGate<'a> {
        OutboundGate { analyzer, fixed: &[] }
    }

    /// A gate that knows Tally's own compiled-in texts (the insight instructions).
    /// They are still scanned with the rest, but a finding that lies wholly inside a
    /// verbatim copy of one of them is not a finding: nothing a person wrote can be in
    /// a constant, and a model that tags "judge" in "never judge, rank or speculate"
    /// would otherwise block every send. Anything around or between them, and any
    /// changed copy, is judged as usual.
    pub fn with_fixed_texts(analyzer: &'a Analyzer, fixed: &'a [&'a str]) -> OutboundGate<'a> {
        OutboundGate { analyzer, fixed }
    }

    /// Byte ranges of `text` that are verbatim copies of a fixed text.
    fn fixed_ranges(&self, text: &str) -> Vec<(usize, usize)> {
        self.fixed
            .iter()
            .filter(|f| !f.is_empty())
            .flat_map(|f| text.match_indices(*f).map(|(at, m)| (at, at + m.len())))
            .collect()
    }

    /// What the analyzer finds in `payload`: in every string (and object key) of a JSON
    /// payload, or in the whole text of any other.
    pub fn scan(&self, payload: &[u8]) -> Vec<Finding> {
        let mut texts: Vec<(String, String)> = Vec::new();
        match serde_json::from_slice::<serde_json::Value>(payload) {
            Ok(value) => collect_strings(&value, "$".to_string(), &mut texts),
            Err(_) => texts.push(("$".to_string(), String::from_utf8_lossy(payload).into_owned())),
        }
        let mut findings = Vec::new();
        for (path, text) in &texts {
            let fixed = self.fixed_ranges(text);
            for span in self.analyzer.redact_document(text).spans {
                let known = fixed.iter().any(|&(start, end)| start <= span.start && span.end <= end);
                if span.label.is_redacted_by_default() && !known {
                    findings.push(Finding {
                        label: span.label.as_str(),
                        path: path.clone(),
                        start: span.start,
                        end: span.end,
                    });
                }
            }
        }
        findings
    }

    /// Clears `payload` for sending, or blocks it.
    pub fn clear(&self, payload: Vec<u8>) -> Result<ClearedPayload, Blocked> {
        let sha256 = sha256_hex(&payload);
        let findings = self.scan(&payload);
        if findings.is_empty() {
            Ok(ClearedPayload { bytes: payload, sha256 })
        } else {
            Err(Blocked { findings, sha256 })
        }
    }
}

fn collect_strings(value: &serde_json::Value, path: String, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(s) => out.push((path, s.clone())),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_strings(item, format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                out.push((format!("{path} (key)"), key.clone()));
                collect_strings(item, format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_payloads_pass_and_keep_their_bytes() {
        let analyzer = Analyzer::rules_only();
        let gate = OutboundGate::new(&analyzer);
        let body = br#"{"messages":[{"role":"user","content":"Focus time fell by 20 % last week."}]}"#.to_vec();
        let cleared = gate.clear(body.clone()).unwrap();
        assert_eq!(cleared.bytes(), &body[..]);
        assert_eq!(cleared.sha256(), sha256_hex(&body));
    }

    #[test]
    fn findings_name_label_path_and_offsets_never_the_value() {
        let analyzer = Analyzer::rules_only();
        let gate = OutboundGate::new(&analyzer);
        let body = br#"{"messages":[{"role":"user","content":"line one\nwrite to ana.lima@example.com"}]}"#.to_vec();
        let blocked = gate.clear(body).unwrap_err();
        assert_eq!(
            blocked.findings,
            vec![Finding { label: "EMAIL", path: "$.messages[0].content".into(), start: 18, end: 38 }]
        );
        let message = blocked.to_string();
        assert!(message.contains("EMAIL at $.messages[0].content bytes 18–38"), "{message}");
        assert!(!message.contains("ana.lima"));
    }

    #[test]
    fn only_verbatim_fixed_texts_are_known_and_what_surrounds_them_is_still_scanned() {
        let analyzer = Analyzer::rules_only();
        let fixed = ["Contact bob@example.org for help."];
        let gate = OutboundGate::with_fixed_texts(&analyzer, &fixed);
        // The fixed text itself passes, inside any string.
        assert!(gate.scan(br#"{"system":"Contact bob@example.org for help. Be brief."}"#).is_empty());
        // Around it, and in a changed copy, the same address still blocks.
        let found = gate
            .scan(br#"{"a":"Contact bob@example.org for help. Or bob@example.org","b":"Contact bob@example.org now"}"#);
        let where_: Vec<(&str, usize)> = found.iter().map(|f| (f.path.as_str(), f.start)).collect();
        assert_eq!(where_, [("$.a", 37), ("$.b", 8)]);
        // Without the fixed texts, every copy blocks.
        assert_eq!(OutboundGate::new(&analyzer).scan(br#"{"system":"Contact bob@example.org for help."}"#).len(), 1);
    }

    #[test]
    fn escaped_json_is_scanned_as_decoded_text_and_keys_too() {
        let analyzer = Analyzer::rules_only();
        let gate = OutboundGate::new(&analyzer);
        // `\u0040` is '@': a raw byte scan would miss it.
        let found = gate.scan(br#"{"a":"mail bob\u0040example.org now","x@example.com":1}"#);
        let labels: Vec<(&str, &str)> = found.iter().map(|f| (f.label, f.path.as_str())).collect();
        assert_eq!(labels, [("EMAIL", "$.a"), ("EMAIL", "$ (key)")]);
        assert_eq!(gate.scan(b"not json, 203.0.113.9")[0].label, "IP_ADDRESS");
    }
}
