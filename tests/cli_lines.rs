//! The `tally redact` / `tally classify` contract of DESIGN §7, through the real binary.

mod common;
use common::{stderr, Sandbox};
use serde_json::Value;

fn lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn redact_keeps_line_discipline_offsets_and_other_fields() {
    let sandbox = Sandbox::new();
    let input = concat!(
        "{\"id\":\"a\",\"text\":\"Mail ana.lima@example.org or call +1 (415) 555-0132\",\"keep\":[1,2]}\n",
        "{\"id\":\"b\",\"text\":\"card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00\"}\n",
        "{broken json with ana.lima@example.org\n",
        "{\"id\":\"c\",\"text\":\"ssh deploy@buildbox; key AKIAIOSFODNN7EXAMPLE; /home/ana/notes\"}\n",
        "{\"id\":\"d\",\"text\":\"Python 3.11.7 on Windows 10.0.19045 – build 20240115\"}\n",
    );
    let out = sandbox.run_with_stdin(&["redact"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1), "a failed line makes the exit status non-zero");
    let err = stderr(&out);
    assert_eq!(err.matches("engine: ").count(), 1, "{err}");
    assert!(err.contains("recognizers+rules"), "{err}");
    let out = lines(&out);
    assert_eq!(out.len(), 5);
    assert_eq!(out[0]["id"], "a");
    assert_eq!(out[0]["keep"], serde_json::json!([1, 2]));
    assert_eq!(out[0]["text"], "Mail <EMAIL> or call <PHONE>");
    assert_eq!(
        out[0]["pii"][0],
        serde_json::json!({"start": 5, "end": 25, "label": "EMAIL", "score": 0.95, "source": "regex"})
    );
    assert_eq!(out[1]["text"], "card <CREDIT_CARD>, IBAN <IBAN>");
    assert_eq!(out[2], serde_json::json!({"line": 3, "error": "not valid JSON (column 2)"}));
    let c = out[3]["text"].as_str().unwrap();
    assert!(
        c.contains("<USERNAME>") && c.contains("<SECRET>") && !c.contains("AKIA") && !c.contains("/home/ana/"),
        "{c}"
    );
    assert_eq!(out[4]["text"], "Python 3.11.7 on Windows 10.0.19045 – build 20240115");
    assert_eq!(out[4]["pii"], serde_json::json!([]));
    for line in &out[..2] {
        let original = input.lines().find(|l| l.contains(line["id"].as_str().unwrap())).unwrap();
        let text: Value = serde_json::from_str(original).unwrap();
        let text = text["text"].as_str().unwrap();
        for span in line["pii"].as_array().unwrap() {
            let (s, e) = (span["start"].as_u64().unwrap() as usize, span["end"].as_u64().unwrap() as usize);
            assert!(text.is_char_boundary(s) && text.is_char_boundary(e) && s < e);
            assert!(!line["text"].as_str().unwrap().contains(&text[s..e]));
        }
    }
}

#[test]
fn classify_reads_a_file_and_adds_category_and_sentiment() {
    let sandbox = Sandbox::new();
    let file = sandbox.input(
        "events.jsonl",
        concat!(
            "{\"app\":\"code\",\"title\":\"main.rs - tally - Visual Studio Code\",\"url\":null}\n",
            "{\"app\":\"firefox\",\"title\":\"ChatGPT\",\"url\":\"https://chatgpt.com/c/1\",\"text\":\"thanks, great answer\"}\n",
            "{\"app\":\"slack\",\"title\":\"#incidents\",\"text\":\"prod is down, deploy failed\"}\n",
            "{\"app\":\"mystery\",\"title\":\"Untitled\"}\n",
            "{\"title\":\"no app\"}\n",
        ),
    );
    let out = sandbox.run(&["classify", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out = lines(&out);
    let got: Vec<(String, String, String)> = out[..4]
        .iter()
        .map(|l| {
            (
                l["category"].as_str().unwrap().into(),
                l["category_source"].as_str().unwrap().into(),
                l["sentiment"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("deep_work", "rule", "neutral"),
        ("ai_tools", "rule", "positive"),
        ("communication", "rule", "negative"),
        ("uncategorized", "rule", "neutral"),
    ];
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str(), g.2.as_str()), w);
    }
    assert!(out[0]["url"].is_null());
    assert_eq!(out[3]["category_score"], 0.0);
    assert_eq!(out[4]["error"], "field `app` is missing");
}
