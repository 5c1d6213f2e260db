//! Finding ONNX Runtime and the model (DESIGN §6). The runtime library: config
//! `model.onnxruntime_library` → env `ORT_DYLIB_PATH` → next to the executable →
//! `$XDG_CACHE_HOME/tally/onnxruntime/`. The model directory: `--model-dir` → env
//! `TALLY_MODEL_DIR` → `<exe dir>/models/` → the source tree's `models/`. A missing or
//! broken piece is one [`ModelError`] naming what is missing and what to run.

use super::{ModelError, MODEL_NAME, SETUP_HINT};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn dir_of_exe() -> Option<PathBuf> {
    std::env::current_exe().ok()?.parent().map(Path::to_path_buf)
}

fn is_ort_library(name: &str) -> bool {
    name.starts_with("libonnxruntime.so")
        || name == "onnxruntime.dll"
        || name.starts_with("libonnxruntime.") && name.ends_with(".dylib")
}

/// Candidate runtime libraries in lookup order; the first existing one wins.
pub fn find_library(configured: Option<&Path>) -> Result<PathBuf, ModelError> {
    let mut searched = Vec::new();
    let mut candidates: Vec<PathBuf> = Vec::new();
    candidates.extend(configured.map(Path::to_path_buf));
    candidates.extend(std::env::var_os("ORT_DYLIB_PATH").filter(|v| !v.is_empty()).map(PathBuf::from));
    let mut dirs: Vec<PathBuf> = dir_of_exe().into_iter().collect();
    dirs.extend(dirs::cache_dir().map(|c| c.join("tally").join("onnxruntime")));
    for path in candidates {
        if path.is_file() {
            return Ok(path);
        }
        searched.push(path.display().to_string());
    }
    for dir in dirs {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(is_ort_library))
            .collect();
        found.sort();
        // Prefer the most specific name (libonnxruntime.so.1.31.1 over libonnxruntime.so).
        if let Some(path) = found.into_iter().max_by_key(|p| p.as_os_str().len()) {
            return Ok(path);
        }
        searched.push(dir.display().to_string());
    }
    Err(ModelError::LibraryNotFound { searched: searched.join(", "), hint: SETUP_HINT })
}

/// The model directory in lookup order: one holding `model.onnx`, or its `tally-encoder/`.
pub fn find_model_dir(explicit: Option<&Path>) -> Result<PathBuf, ModelError> {
    let mut roots: Vec<PathBuf> = Vec::new();
    roots.extend(explicit.map(Path::to_path_buf));
    roots.extend(std::env::var_os("TALLY_MODEL_DIR").filter(|v| !v.is_empty()).map(PathBuf::from));
    roots.extend(dir_of_exe().map(|d| d.join("models")));
    roots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    let explicit_given = explicit.is_some() || std::env::var_os("TALLY_MODEL_DIR").is_some_and(|v| !v.is_empty());
    for (i, root) in roots.iter().enumerate() {
        for dir in [root.clone(), root.join(MODEL_NAME)] {
            if dir.join("model.onnx").is_file() {
                return Ok(dir);
            }
        }
        // An explicitly named directory that lacks the model is an error, not a fallthrough.
        if i == 0 && explicit_given {
            return Err(ModelError::ModelNotFound { searched: root.display().to_string() });
        }
    }
    Err(ModelError::ModelNotFound {
        searched: roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>().join(", "),
    })
}

/// ONNX Runtime can be loaded once per process; remember how that went.
static ENVIRONMENT: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

pub(super) fn environment(library: &Path) -> Result<ort::environment::Environment, ModelError> {
    let result = ENVIRONMENT.get_or_init(|| {
        // `harden_process` has set the switch in Tally's binaries; a program that skipped
        // it still gets no telemetry files, at the cost of setting it this late.
        if !crate::hardening::runtime_telemetry_disabled() {
            crate::hardening::disable_runtime_telemetry();
        }
        let absolute = std::fs::canonicalize(library).map_err(|e| e.to_string())?;
        let builder = ort::init_from(&absolute).map_err(|e| e.to_string())?;
        builder.with_name("tally").with_telemetry(false).build().map_err(|e| e.to_string())
    });
    result.clone().map_err(|reason| ModelError::Library { path: library.to_path_buf(), reason, hint: SETUP_HINT })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_library_is_an_error_naming_what_to_run() {
        let err = find_library(Some(Path::new("/nonexistent/libonnxruntime.so"))).map(|_| ()).err();
        if let Some(err) = err {
            let text = err.to_string();
            assert!(text.contains("/nonexistent/libonnxruntime.so"), "{text}");
            assert!(text.contains("setup-onnxruntime.sh"), "{text}");
        }
        let err = find_model_dir(Some(Path::new("/nonexistent/models"))).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/models") && err.contains("--model-dir"), "{err}");
    }
}
