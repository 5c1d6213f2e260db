//! The engine without its runtime: a missing or broken ONNX Runtime library is one clear
//! message naming what to run, never a panic; the engine then runs recognizers and rules
//! only, and `--require-model` turns that into an error.

mod common;
use common::{stderr, Sandbox};

const INPUT: &[u8] = b"{\"text\":\"mail ana.lima@example.org\"}\n";

#[test]
fn a_missing_library_falls_back_to_recognizers_and_says_so_once() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.command(&["redact"]);
    cmd.env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so.1.31.1");
    let out = common::output_with_stdin(cmd, INPUT);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("recognizers+rules only; local model unavailable: ONNX Runtime library not found"), "{err}");
    assert!(err.contains("/nonexistent/libonnxruntime.so.1.31.1"), "{err}");
    assert!(err.contains("setup-onnxruntime.sh"), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"text":"mail <EMAIL>","pii":[{"start":5,"end":25,"label":"EMAIL","score":0.95,"source":"regex"}]}"#
    );

    let cmd = sandbox.command(&["--require-model", "redact"]);
    let out = common::output_with_stdin(cmd, INPUT);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the local model is required (--require-model) but unavailable"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_broken_library_or_model_dir_is_an_error_not_a_panic() {
    let sandbox = Sandbox::new();
    let fake = sandbox.input("libonnxruntime.so.1.31.1", b"not a shared library");
    let mut cmd = sandbox.command(&["--require-model", "redact"]);
    cmd.env("ORT_DYLIB_PATH", &fake);
    let out = common::output_with_stdin(cmd, INPUT);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot load ONNX Runtime from"), "{err}");
    assert!(!err.contains("panicked") && !err.contains("internal error"), "{err}");

    if let Ok(library) = tally::analyze::model::find_library(None) {
        let empty = sandbox.inputs.path().join("empty-models");
        std::fs::create_dir_all(&empty).unwrap();
        let mut cmd = sandbox.command(&["--require-model", "--model-dir", empty.to_str().unwrap(), "redact"]);
        cmd.env("ORT_DYLIB_PATH", &library);
        let out = common::output_with_stdin(cmd, INPUT);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("model not found"), "{}", stderr(&out));

        // A directory with the standard encoder only: asking for the fast one names the
        // missing file and how to build it.
        let standard_only = sandbox.inputs.path().join("standard-only");
        std::fs::create_dir_all(&standard_only).unwrap();
        std::fs::write(standard_only.join("model.onnx"), b"").unwrap();
        let dir = standard_only.to_str().unwrap();
        let mut cmd = sandbox.command(&["--require-model", "--model-dir", dir, "--model-variant", "fast", "redact"]);
        cmd.env("ORT_DYLIB_PATH", &library);
        let out = common::output_with_stdin(cmd, INPUT);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("model-fast.onnx is missing") && err.contains("VARIANT=fast"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
