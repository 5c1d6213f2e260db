//! The JSON Lines contract of `tally redact` and `tally classify` (DESIGN §7): exactly
//! one output line per input line, in order; a malformed line becomes
//! `{"line": N, "error": "…"}` without echoing its content.

use crate::analyze::cache::TextCache;
use crate::analyze::{cached_batch, Analyzer, Classification, Redaction, ScoreInput};
use serde_json::{json, Map, Value};
use std::io::{BufRead, Write};

/// One JSON object per line.
pub type JsonObject = Map<String, Value>;

/// Counts of a run over a JSON Lines stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineStats {
    pub ok: u64,
    pub failed: u64,
}

/// Which contract a run follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineCommand {
    Redact,
    Classify,
}

/// Lines read and analyzed together (one batched scorer call per chunk).
const CHUNK_LINES: usize = 256;
/// Distinct texts remembered across chunks.
const CACHE_ENTRIES: usize = 16_384;

fn round4(x: f32) -> f64 {
    (f64::from(x) * 10_000.0).round() / 10_000.0
}

fn object(line: &[u8]) -> Result<JsonObject, String> {
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

fn string_field(map: &JsonObject, field: &str, required: bool) -> Result<Option<String>, String> {
    match map.get(field) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        None | Some(Value::Null) if !required => Ok(None),
        None => Err(format!("field `{field}` is missing")),
        Some(_) => Err(format!("field `{field}`: expected a string")),
    }
}

/// The fields `classify` reads from a line.
struct EventFields {
    app: String,
    title: String,
    url: Option<String>,
    text: Option<String>,
}

fn event_fields(map: &JsonObject) -> Result<EventFields, String> {
    Ok(EventFields {
        app: string_field(map, "app", true)?.unwrap_or_default(),
        title: string_field(map, "title", true)?.unwrap_or_default(),
        url: string_field(map, "url", false)?,
        text: string_field(map, "text", false)?,
    })
}

fn event_key(e: &EventFields) -> Box<str> {
    [e.app.as_str(), &e.title, e.url.as_deref().unwrap_or("\u{1}"), e.text.as_deref().unwrap_or("\u{1}")]
        .join("\u{0}")
        .into()
}

/// Runs `command` over JSON Lines from `input`, one output line per input line.
pub fn run<R: BufRead, W: Write>(
    input: R,
    output: W,
    analyzer: &Analyzer,
    command: LineCommand,
) -> std::io::Result<LineStats> {
    let mut runner = LineRunner {
        analyzer,
        redactions: TextCache::new(CACHE_ENTRIES),
        classifications: TextCache::new(CACHE_ENTRIES),
    };
    runner.run(input, output, command)
}

struct LineRunner<'a> {
    analyzer: &'a Analyzer,
    redactions: TextCache<Redaction>,
    classifications: TextCache<Classification>,
}

impl LineRunner<'_> {
    fn run<R: BufRead, W: Write>(
        &mut self,
        mut input: R,
        mut output: W,
        command: LineCommand,
    ) -> std::io::Result<LineStats> {
        let mut stats = LineStats::default();
        let mut line_no = 0u64;
        let mut buf = Vec::new();
        loop {
            let mut chunk: Vec<(u64, Result<JsonObject, String>)> = Vec::with_capacity(CHUNK_LINES);
            while chunk.len() < CHUNK_LINES {
                buf.clear();
                if input.read_until(b'\n', &mut buf)? == 0 {
                    break;
                }
                line_no += 1;
                let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                chunk.push((line_no, object(line)));
            }
            if chunk.is_empty() {
                break;
            }
            let results = match command {
                LineCommand::Redact => self.redact_chunk(chunk.iter().map(|(_, r)| r.clone()).collect()),
                LineCommand::Classify => self.classify_chunk(chunk.iter().map(|(_, r)| r.clone()).collect()),
            };
            for ((line, _), result) in chunk.iter().zip(results) {
                let out = match result {
                    Ok(map) => {
                        stats.ok += 1;
                        Value::Object(map)
                    }
                    Err(error) => {
                        stats.failed += 1;
                        json!({"line": line, "error": error})
                    }
                };
                serde_json::to_writer(&mut output, &out)?;
                output.write_all(b"\n")?;
            }
        }
        output.flush()?;
        Ok(stats)
    }

    /// `text` redacted, plus `pii: [{start, end, label, score, source}]` with byte offsets
    /// into the original text.
    fn redact_chunk(&mut self, objects: Vec<Result<JsonObject, String>>) -> Vec<Result<JsonObject, String>> {
        let parsed: Vec<Result<(JsonObject, String), String>> = objects
            .into_iter()
            .map(|o| o.and_then(|m| Ok((string_field(&m, "text", true)?.unwrap_or_default(), m)).map(|(t, m)| (m, t))))
            .collect();
        let texts: Vec<&str> = parsed.iter().filter_map(|p| p.as_ref().ok().map(|(_, t)| t.as_str())).collect();
        let analyzer = self.analyzer;
        let redactions = cached_batch(
            &mut self.redactions,
            &texts,
            |t| (*t).into(),
            |misses: &[&&str]| analyzer.redact_many(&misses.iter().map(|t| **t).collect::<Vec<_>>()),
        );
        let mut redactions = redactions.into_iter();
        parsed
            .into_iter()
            .map(|p| {
                let (mut map, _) = p?;
                let redaction = redactions.next().expect("one redaction per text");
                let pii: Vec<Value> = redaction
                    .spans
                    .iter()
                    .filter(|s| s.label.is_redacted_by_default())
                    .map(|s| json!({"start": s.start, "end": s.end, "label": s.label.as_str(), "score": round4(s.score), "source": s.source}))
                    .collect();
                map.insert("text".into(), Value::String(redaction.redacted.into_string()));
                map.insert("pii".into(), Value::Array(pii));
                Ok(map)
            })
            .collect()
    }

    /// Adds `category`, `category_score`, `category_source`, `sentiment`, `sentiment_score`.
    fn classify_chunk(&mut self, objects: Vec<Result<JsonObject, String>>) -> Vec<Result<JsonObject, String>> {
        let parsed: Vec<Result<(JsonObject, EventFields), String>> =
            objects.into_iter().map(|o| o.and_then(|m| event_fields(&m).map(|f| (m, f)))).collect();
        let events: Vec<&EventFields> = parsed.iter().filter_map(|p| p.as_ref().ok().map(|(_, f)| f)).collect();
        let analyzer = self.analyzer;
        let classifications = cached_batch(
            &mut self.classifications,
            &events,
            |e| event_key(e),
            |misses: &[&&EventFields]| {
                let inputs: Vec<ScoreInput<'_>> = misses
                    .iter()
                    .map(|e| ScoreInput {
                        app: &e.app,
                        title: &e.title,
                        url: e.url.as_deref(),
                        text: e.text.as_deref(),
                    })
                    .collect();
                analyzer.classify_many(&inputs)
            },
        );
        let mut classifications = classifications.into_iter();
        parsed
            .into_iter()
            .map(|p| {
                let (mut map, _) = p?;
                let c = classifications.next().expect("one classification per event");
                map.insert("category".into(), json!(c.category.as_str()));
                map.insert("category_score".into(), json!(round4(c.category_score)));
                map.insert("category_source".into(), json!(c.category_source.as_str()));
                map.insert("sentiment".into(), json!(c.sentiment.as_str()));
                map.insert("sentiment_score".into(), json!(round4(c.sentiment_score)));
                Ok(map)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_str(input: &str, command: LineCommand) -> (Vec<Value>, LineStats) {
        let analyzer = Analyzer::rules_only();
        let mut out = Vec::new();
        let stats = run(input.as_bytes(), &mut out, &analyzer, command).unwrap();
        let lines = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (lines, stats)
    }

    #[test]
    fn one_output_line_per_input_line_with_errors_in_place() {
        let input = "{\"id\":1,\"text\":\"mail ana.lima@example.org now\"}\nnot json ana.lima@example.org\n\n{\"text\":5}\n{\"id\":2,\"text\":\"Grüße an bob@example.com\"}\n";
        let (lines, stats) = run_str(input, LineCommand::Redact);
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
    fn repeated_texts_across_chunks_give_identical_lines() {
        let line = "{\"text\":\"ping ana.lima@example.org\"}\n";
        let input = line.repeat(CHUNK_LINES * 2 + 3);
        let (lines, stats) = run_str(&input, LineCommand::Redact);
        assert_eq!(stats.ok as usize, CHUNK_LINES * 2 + 3);
        assert!(lines.iter().all(|l| l == &lines[0]));
    }

    #[test]
    fn classify_adds_the_five_fields() {
        let (lines, _) = run_str(
            "{\"app\":\"zoom\",\"title\":\"Zoom Meeting\",\"url\":null}\n{\"app\":\"x\"}\n",
            LineCommand::Classify,
        );
        assert_eq!(lines[0]["category"], "meetings");
        assert_eq!(lines[0]["category_source"], "rule");
        assert_eq!(lines[0]["sentiment"], "neutral");
        assert!(lines[0]["url"].is_null());
        assert_eq!(lines[1]["error"], "field `title` is missing");
    }
}
