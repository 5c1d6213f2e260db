//! The JSON Lines contract of `tally redact` and `tally classify` (DESIGN §7): exactly
//! one output line per input line, in order; a malformed line becomes
//! `{"line": N, "error": "…"}` without echoing its content.

use crate::analyze::Analyzer;
use serde_json::{json, Map, Value};
use std::io::{BufRead, Write};

/// One JSON object per line.
pub type JsonObject = Map<String, Value>;

/// What `tally redact` and `tally classify` do to one line's object.
pub type LineFn = fn(&Analyzer, JsonObject) -> Result<JsonObject, String>;

/// Counts of a run over a JSON Lines stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineStats {
    pub ok: u64,
    pub failed: u64,
}

fn round4(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

fn object(line: &[u8]) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(line).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    if text.trim().is_empty() {
        return Err("empty line (expected a JSON object)".into());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("expected a JSON object".into()),
        Err(e) => Err(format!("not valid JSON (column {})", e.column())),
    }
}

fn string_field<'a>(map: &'a Map<String, Value>, field: &str, required: bool) -> Result<Option<&'a str>, String> {
    match map.get(field) {
        Some(Value::String(s)) => Ok(Some(s)),
        None | Some(Value::Null) if !required => Ok(None),
        None => Err(format!("field `{field}` is missing")),
        Some(_) => Err(format!("field `{field}`: expected a string")),
    }
}

/// `text` redacted, plus `pii: [{start, end, label, score, source}]` with byte offsets
/// into the original text.
pub fn redact_object(analyzer: &Analyzer, mut map: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let text = string_field(&map, "text", true)?.unwrap_or_default();
    let redaction = analyzer.redact(text);
    let pii: Vec<Value> = redaction
        .spans
        .iter()
        .filter(|s| s.label.is_redacted_by_default())
        .map(|s| json!({"start": s.start, "end": s.end, "label": s.label.as_str(), "score": round4(s.score), "source": s.source}))
        .collect();
    map.insert("text".into(), Value::String(redaction.redacted.into_string()));
    map.insert("pii".into(), Value::Array(pii));
    Ok(map)
}

/// Adds `category`, `category_score`, `category_source`, `sentiment`, `sentiment_score`.
pub fn classify_object(analyzer: &Analyzer, mut map: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let app = string_field(&map, "app", true)?.unwrap_or_default();
    let title = string_field(&map, "title", true)?.unwrap_or_default();
    let url = string_field(&map, "url", false)?;
    let text = string_field(&map, "text", false)?;
    let c = analyzer.classify(app, title, url, text);
    map.insert("category".into(), json!(c.category.as_str()));
    map.insert("category_score".into(), json!(round4(c.category_score)));
    map.insert("category_source".into(), json!(c.category_source.as_str()));
    map.insert("sentiment".into(), json!(c.sentiment.as_str()));
    map.insert("sentiment_score".into(), json!(round4(c.sentiment_score)));
    Ok(map)
}

/// Applies `f` to each line of `input`, writing one line per input line to `output`.
pub fn run<R: BufRead, W: Write>(
    mut input: R,
    mut output: W,
    f: impl Fn(Map<String, Value>) -> Result<Map<String, Value>, String>,
) -> std::io::Result<LineStats> {
    let mut stats = LineStats::default();
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let result = object(line).and_then(&f);
        let out = match result {
            Ok(map) => {
                stats.ok += 1;
                Value::Object(map)
            }
            Err(error) => {
                stats.failed += 1;
                json!({"line": line_no, "error": error})
            }
        };
        serde_json::to_writer(&mut output, &out)?;
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_str(
        input: &str,
        f: impl Fn(Map<String, Value>) -> Result<Map<String, Value>, String>,
    ) -> (Vec<Value>, LineStats) {
        let mut out = Vec::new();
        let stats = run(input.as_bytes(), &mut out, f).unwrap();
        let lines = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (lines, stats)
    }

    #[test]
    fn one_output_line_per_input_line_with_errors_in_place() {
        let analyzer = Analyzer::rules_only();
        let input = "{\"id\":1,\"text\":\"mail ana.lima@example.org now\"}\nnot json ana.lima@example.org\n\n{\"text\":5}\n{\"id\":2,\"text\":\"Grüße an bob@example.com\"}\n";
        let (lines, stats) = run_str(input, |m| redact_object(&analyzer, m));
        assert_eq!(lines.len(), 5);
        assert_eq!(stats, LineStats { ok: 2, failed: 3 });
        assert_eq!(lines[0]["id"], 1);
        assert_eq!(lines[0]["text"], "mail <EMAIL> now");
        assert_eq!(lines[0]["pii"][0]["start"], 5);
        assert_eq!(lines[0]["pii"][0]["end"], 25);
        assert_eq!(lines[0]["pii"][0]["source"], "regex");
        assert_eq!(lines[1]["line"], 2);
        assert!(!lines[1]["error"].as_str().unwrap().contains("example"));
        assert_eq!(lines[2]["line"], 3);
        assert_eq!(lines[3]["error"], "field `text`: expected a string");
        // Byte offsets, not char offsets: "Grüße an " is 11 bytes.
        assert_eq!(lines[4]["pii"][0]["start"], 11);
        let keys: Vec<&String> = lines[4].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "text", "pii"]);
    }

    #[test]
    fn classify_adds_the_five_fields() {
        let analyzer = Analyzer::rules_only();
        let (lines, _) =
            run_str("{\"app\":\"zoom\",\"title\":\"Zoom Meeting\",\"url\":null}\n{\"app\":\"x\"}\n", |m| {
                classify_object(&analyzer, m)
            });
        assert_eq!(lines[0]["category"], "meetings");
        assert_eq!(lines[0]["category_source"], "rule");
        assert_eq!(lines[0]["sentiment"], "neutral");
        assert!(lines[0]["url"].is_null());
        assert_eq!(lines[1]["error"], "field `title` is missing");
    }
}
