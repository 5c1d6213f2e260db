//! The shipped model through the real ONNX Runtime: parity with onnxruntime-Python on
//! fixed inputs, and a table of handwritten cases. Needs `libonnxruntime.so`
//! (`scripts/test.sh` fetches it and exports ORT_DYLIB_PATH).

use serde::Deserialize;
use std::sync::OnceLock;
use tally::analyze::model::{find_model_dir, LocalModel, ModelConfig, ModelVariant};
use tally::analyze::rules::{CategoryRules, RulesFile};
use tally::analyze::span::PiiLabel;
use tally::analyze::Analyzer;
use tally::event::{Category, CategorySource, Sentiment};

/// Largest absolute difference allowed between Rust and Python logits. The Python
/// reference is rounded to 5 decimals; the same library on the same inputs otherwise
/// agrees bit for bit.
const PARITY_TOLERANCE: f32 = 2e-5;

fn model() -> &'static LocalModel {
    static MODEL: OnceLock<LocalModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        LocalModel::load(&ModelConfig { variant: ModelVariant::Standard, ..ModelConfig::default() }, None)
            .unwrap_or_else(|e| panic!("{e} (run these tests through scripts/test.sh, which sets the runtime up)"))
    })
}

fn fast_model() -> &'static LocalModel {
    static MODEL: OnceLock<LocalModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        LocalModel::load(&ModelConfig { variant: ModelVariant::Fast, ..ModelConfig::default() }, None)
            .unwrap_or_else(|e| panic!("{e} (run these tests through scripts/test.sh, which sets the runtime up)"))
    })
}

fn analyzer(rules: CategoryRules) -> Analyzer {
    let model = LocalModel::load(&ModelConfig::default(), None).expect("model loads");
    Analyzer::new(rules, Box::new(model))
}

#[derive(Deserialize)]
struct Parity {
    items: Vec<ParityItem>,
}

#[derive(Deserialize)]
struct ParityItem {
    a: String,
    b: Option<String>,
    input_ids: Vec<i64>,
    pii_logits: Vec<Vec<f32>>,
    category_logits: Vec<f32>,
    sentiment_logits: Vec<f32>,
    /// The spans `evaluate.py` decodes from those logits: `[text, label]`.
    spans: Vec<(String, String)>,
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Rust's logits and decoded spans for every input of a variant's parity fixture equal
/// onnxruntime-Python's (`evaluate.py` wrote the fixture from the same graph).
fn assert_parity(model: &LocalModel, fixture: &str) {
    let dir = find_model_dir(None).unwrap();
    let parity: Parity = serde_json::from_str(&std::fs::read_to_string(dir.join(fixture)).unwrap()).unwrap();
    assert!(parity.items.len() >= 10, "the parity fixture {fixture} is too small");
    let mut worst = 0.0f32;
    for item in &parity.items {
        let raw = model.raw_outputs(&item.a, item.b.as_deref()).unwrap();
        assert_eq!(raw.input_ids, item.input_ids, "tokenization differs for {:?}", item.a);
        let python_pii: Vec<f32> = item.pii_logits.iter().flatten().copied().collect();
        for (rust, python) in [
            (&raw.pii_logits, &python_pii),
            (&raw.category_logits, &item.category_logits),
            (&raw.sentiment_logits, &item.sentiment_logits),
        ] {
            let d = max_diff(rust, python);
            worst = worst.max(d);
            assert!(d <= PARITY_TOLERANCE, "{fixture} {:?}: logits differ by {d}", item.a);
        }
        let decoded = model.infer(&[(item.a.as_str(), item.b.as_deref())]).unwrap().remove(0).spans;
        let decoded: Vec<(String, String)> =
            decoded.iter().map(|s| (item.a[s.start..s.end].to_string(), s.label.as_str().to_string())).collect();
        assert_eq!(decoded, item.spans, "{fixture} {:?}: Rust decodes other spans than evaluate.py", item.a);
    }
    eprintln!("parity ({fixture}): {} inputs, largest difference {worst:e}", parity.items.len());
}

#[test]
fn rust_outputs_match_onnxruntime_python_on_fixed_inputs() {
    assert_parity(model(), "parity.json");
}

#[test]
fn the_fast_variant_matches_onnxruntime_python_on_fixed_inputs() {
    assert_parity(fast_model(), "parity-fast.json");
}

#[test]
fn the_two_variants_are_distinct_encoders_sharing_one_embedding_table() {
    assert_ne!(model().version(), fast_model().version());
    assert!(fast_model().version().contains("fast"), "{}", fast_model().version());
    let dir = find_model_dir(None).unwrap();
    // Both graphs name the shared table as external data; neither carries its own copy.
    let table = std::fs::metadata(dir.join("embeddings.bin")).unwrap().len();
    for graph in ["model.onnx", "model-fast.onnx"] {
        let bytes = std::fs::read(dir.join(graph)).unwrap();
        assert!(bytes.windows(14).any(|w| w == b"embeddings.bin"), "{graph} does not point at embeddings.bin");
        assert!((bytes.len() as u64) < table, "{graph} ({} bytes) still holds a {table}-byte table", bytes.len());
    }
    // The same title through both: each finds the name, so redaction does not depend on the choice.
    let text = "Offer letter for Ana Lima - Google Docs";
    for model in [model(), fast_model()] {
        let spans = model.infer(&[(text, Some("Google Chrome docs.google.com"))]).unwrap().remove(0).spans;
        let found: Vec<&str> = spans.iter().map(|s| &text[s.start..s.end]).collect();
        assert!(found.contains(&"Ana Lima"), "{}: {found:?}", model.version());
    }
}

#[test]
fn the_default_encoder_is_the_one_the_model_cards_rule_chose() {
    // models/train/pick_default.py applies the rule of models/HISTORY.md and writes default.json.
    let dir = find_model_dir(None).unwrap();
    let choice: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("default.json")).expect("default.json ships with the model"))
            .unwrap();
    let want = match choice["default"].as_str() {
        Some("fast") => ModelVariant::Fast,
        Some("standard") => ModelVariant::Standard,
        other => panic!("default.json names no encoder: {other:?}"),
    };
    assert_eq!(ModelVariant::default(), want);
    assert_eq!(ModelConfig::default().variant, want);
}

fn redacted(analyzer: &Analyzer, text: &str) -> (String, Vec<PiiLabel>) {
    let r = analyzer.redact(text);
    (r.redacted.as_str().to_string(), r.spans.iter().map(|s| s.label).collect())
}

#[test]
fn names_in_titles_are_redacted_and_product_titles_are_left_alone() {
    let analyzer = analyzer(CategoryRules::builtin());
    let named = [
        ("Offer_Letter_Ana_Lima.pdf - Document Viewer", "Lima"),
        ("1:1 with Jonas Berg - Zoom Meeting", "Jonas"),
        ("re: contract draft from maria gonzalez", "gonzalez"),
        ("Chat with Priya Raman | Microsoft Teams", "Priya"),
    ];
    for (text, name) in named {
        let (out, labels) = redacted(&analyzer, text);
        assert!(!out.contains(name), "{text:?} → {out:?}");
        assert!(labels.contains(&PiiLabel::Person), "{text:?} → {labels:?}");
    }
    let clean = [
        "main.rs - tally - Visual Studio Code",
        "Kubernetes Deployment YAML - Google Docs",
        "Q3 roadmap - Confluence",
        "Python 3.11.7 documentation",
        "Grafana - API latency dashboard",
    ];
    for text in clean {
        let (out, _) = redacted(&analyzer, text);
        assert_eq!(out, text, "a clean title was changed");
    }
}

#[test]
fn a_name_glued_to_japanese_kana_is_redacted_without_the_kana() {
    // BERT's tokenizer does not split "Skovさんとの": the word-piece rule would carry the name's
    // tag into the kana; a change of script ends the name instead (DESIGN's decoding, card.md).
    let analyzer = analyzer(CategoryRules::builtin());
    for text in ["Ruben Skovさんとの会議", "Alicia Barriosさんとの会議 - Zoom"] {
        let r = analyzer.redact(text);
        let person: Vec<&str> =
            r.spans.iter().filter(|s| s.label == PiiLabel::Person).map(|s| &text[s.start..s.end]).collect();
        assert_eq!(person.len(), 1, "{text:?} → {person:?}");
        assert!(person[0].ends_with(['v', 's']) && !person[0].contains('さ'), "{text:?} → {person:?}");
        assert!(r.redacted.as_str().contains("さんとの会議"), "{text:?} → {}", r.redacted);
    }
}

#[test]
fn the_model_places_events_no_rule_covers_and_scores_sentiment() {
    // No rules at all: every category comes from the model.
    let analyzer = analyzer(CategoryRules::new(&RulesFile { replace_builtin: true, rules: vec![] }, "none").unwrap());
    let cases = [
        ("zed", "parser.rs - compiler - Zed", None, Category::DeepWork),
        ("thunderbird", "Inbox (12) - Mozilla Thunderbird", None, Category::Communication),
        ("zoom", "Zoom Meeting", None, Category::Meetings),
        ("firefox", "Sprint 42 board - Jira", Some("https://acme.atlassian.net/jira/software"), Category::Planning),
        (
            "firefox",
            "Wikipedia - Rust (programming language)",
            Some("https://en.wikipedia.org/wiki/Rust"),
            Category::Research,
        ),
        ("firefox", "Submit expense report - Expensify", Some("https://www.expensify.com/"), Category::Admin),
        ("firefox", "ChatGPT", Some("https://chatgpt.com/"), Category::AiTools),
        ("firefox", "Funny cat compilation - YouTube", Some("https://www.youtube.com/watch?v=1"), Category::NonWork),
    ];
    for (app, title, url, want) in cases {
        let c = analyzer.classify(app, title, url, None);
        assert_eq!(c.category_source, CategorySource::Model);
        assert_eq!(c.category, want, "{app} / {title}");
    }
    let sentiments = [
        ("The deploy failed again and I am blocked for hours", Sentiment::Negative),
        ("Great pairing session, we shipped the release!", Sentiment::Positive),
    ];
    for (text, want) in sentiments {
        let c = analyzer.classify("tally", "Pulse check-in", None, Some(text));
        assert_eq!(c.sentiment, want, "{text}");
    }
}

#[test]
fn structured_pii_stays_with_the_regex_recognizers() {
    let analyzer = analyzer(CategoryRules::builtin());
    let r = analyzer.redact("Card 4111 1111 1111 1111 for Ana Lima, mail ana.lima@example.org");
    let sources: Vec<(PiiLabel, tally::analyze::span::SpanSource)> =
        r.spans.iter().map(|s| (s.label, s.source)).collect();
    assert!(sources.contains(&(PiiLabel::CreditCard, tally::analyze::span::SpanSource::Regex)), "{sources:?}");
    assert!(sources.contains(&(PiiLabel::Email, tally::analyze::span::SpanSource::Regex)), "{sources:?}");
    assert!(!r.redacted.as_str().contains("4111"), "{}", r.redacted);
    let model_labels: Vec<PiiLabel> =
        r.spans.iter().filter(|s| s.source == tally::analyze::span::SpanSource::Model).map(|s| s.label).collect();
    assert!(model_labels
        .iter()
        .all(|l| matches!(l, PiiLabel::Person | PiiLabel::Location | PiiLabel::Username | PiiLabel::Org)));
    let text = "Card 4111 1111 1111 1111 for Ana Lima, mail ana.lima@example.org";
    for s in &r.spans {
        assert!(s.start < s.end && text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
    }
}

#[test]
fn the_analyzer_counts_the_texts_the_model_encodes() {
    // The desktop footprint bench reads this count to prove the model ran.
    let analyzer = analyzer(CategoryRules::builtin());
    assert_eq!(analyzer.model_texts(), Some(0));
    let _ = analyzer.redact("Call Maria Garcia about the quarterly plan");
    let after_one = analyzer.model_texts().expect("a model is loaded");
    assert!(after_one >= 1, "one redaction encoded {after_one} texts");
    assert_eq!(Analyzer::rules_only().model_texts(), None);
}
