//! The local model: one int8 ONNX encoder with three heads (PII tags, category,
//! sentiment), run through ONNX Runtime (`ort`, loaded at run time from
//! `libonnxruntime.so*`). It implements [`Scorer`]: one encoder pass per text gives
//! spans, a category and a sentiment.
//!
//! Three parts: [`locate`] finds the runtime library and the model (a missing piece is
//! one [`ModelError`] naming what to run; the engine then runs recognizers and rules
//! only), this module loads them and runs batched inference, and [`decode`] turns the
//! PII logits into spans, a pure function of the logits and the text.

mod decode;
mod locate;

pub use locate::{find_library, find_model_dir};

use super::span::{PiiLabel, Span};
use super::{ScoreInput, Scorer, Scores};
use crate::event::{Category, Sentiment};
use decode::{argmax_softmax, decode_spans, parse_tags};
use locate::environment;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The model's directory name under a `models/` folder.
pub const MODEL_NAME: &str = "tally-encoder";
/// What the set-up scripts run to fetch the runtime library.
pub const SETUP_HINT: &str = "run `bash scripts/setup-onnxruntime.sh` (it puts libonnxruntime.so from the PyPI onnxruntime wheel into ~/.cache/tally/onnxruntime/)";
/// Texts per inference call, after sorting by length.
const MAX_BATCH: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("ONNX Runtime library not found (looked in: {searched}); {hint}")]
    LibraryNotFound { searched: String, hint: &'static str },
    #[error("cannot load ONNX Runtime from {path}: {reason}; {hint}")]
    Library { path: PathBuf, reason: String, hint: &'static str },
    #[error(
        "model not found (looked for {MODEL_NAME}/model.onnx in: {searched}); pass --model-dir or set TALLY_MODEL_DIR"
    )]
    ModelNotFound { searched: String },
    #[error("cannot load the model in {path}: {reason}")]
    Model { path: PathBuf, reason: String },
    #[error("model inference failed: {0}")]
    Inference(String),
}

/// Which of the model directory's two encoders runs. Both read the same tokenizer and
/// the same word-embedding table (`embeddings.bin`); README *Performance* gives what the
/// fast one trades for its speed.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ModelVariant {
    /// `model.onnx`: six encoder layers, the most accurate.
    #[default]
    Standard,
    /// `model-fast.onnx`: two encoder layers with smaller feed-forward blocks.
    Fast,
}

impl ModelVariant {
    /// The graph and its labels file.
    pub fn files(self) -> (&'static str, &'static str) {
        match self {
            ModelVariant::Standard => ("model.onnx", "labels.json"),
            ModelVariant::Fast => ("model-fast.onnx", "labels-fast.json"),
        }
    }

    /// The command that builds this variant's files.
    fn build_command(self) -> &'static str {
        match self {
            ModelVariant::Standard => "bash models/train/build.sh",
            ModelVariant::Fast => "VARIANT=fast bash models/train/build.sh",
        }
    }
}

/// Model settings (config `[model]`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Set false to run recognizers and rules only.
    pub enabled: bool,
    /// Path of `libonnxruntime.so*`, if not found by the usual lookup.
    pub onnxruntime_library: Option<PathBuf>,
    /// Intra-op threads: 1 by default, so a desktop app shares the CPU politely.
    pub threads: usize,
    /// `cpu` (default), `cuda`, `coreml` or `directml`; falls back to CPU with a reason.
    pub execution_provider: String,
    /// `standard` (default) or `fast`.
    pub variant: ModelVariant,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            enabled: true,
            onnxruntime_library: None,
            threads: 1,
            execution_provider: "cpu".into(),
            variant: ModelVariant::Standard,
        }
    }
}

/// `labels.json` beside the model.
#[derive(Debug, Clone, Deserialize)]
pub struct Labels {
    pub version: String,
    pub pii_tags: Vec<String>,
    pub categories: Vec<String>,
    pub sentiments: Vec<String>,
    #[serde(default = "default_max_length")]
    pub max_length: usize,
}

fn default_max_length() -> usize {
    64
}

/// The loaded model. `Session::run` needs `&mut`, so inference is serialized by a mutex;
/// each analyzer worker's cache keeps calls to distinct texts.
pub struct LocalModel {
    session: Mutex<ort::session::Session>,
    tokenizer: tokenizers::Tokenizer,
    labels: Labels,
    tags: Vec<Option<(PiiLabel, bool)>>,
    categories: Vec<Option<Category>>,
    sentiments: Vec<Option<Sentiment>>,
    description: String,
    /// Texts encoded so far ([`Scorer::model_texts`]).
    encoded: AtomicU64,
}

fn model_error(dir: &Path) -> impl Fn(String) -> ModelError + '_ {
    move |reason| ModelError::Model { path: dir.to_path_buf(), reason }
}

/// Graph rewrites turned off. onnxruntime's fused SkipLayerNormalization is slower on
/// this CPU than the Add + LayerNormalization it replaces (about 16 % of the CPU per text;
/// README, *Performance*) and further from the unoptimised graph's outputs.
/// `evaluate.py` sets the same list, so the parity fixture and the quality figures
/// describe this configuration.
const DISABLED_OPTIMIZERS: &str = "SkipLayerNormFusion";

/// Builds a session; kept in a function returning `ort::Result` (PLATFORM.md: builder
/// chains need it).
fn build_session(
    environment: &ort::environment::Environment,
    model: &Path,
    threads: usize,
    provider: Option<ort::ep::ExecutionProviderDispatch>,
) -> ort::Result<ort::session::Session> {
    let mut builder = ort::session::Session::builder(environment)?
        .with_intra_threads(threads.max(1))?
        .with_inter_threads(1)?
        .with_intra_op_spinning(false)?
        .with_disabled_optimizers(DISABLED_OPTIMIZERS)?;
    if let Some(provider) = provider {
        builder = builder.with_execution_providers([provider.error_on_failure()])?;
    }
    builder.commit_from_file(model)
}

/// Hands the heap's free pages back to the OS (glibc keeps them otherwise).
fn return_freed_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

impl LocalModel {
    /// Finds and loads the runtime, the model, its tokenizer and labels.
    pub fn load(config: &ModelConfig, model_dir: Option<&Path>) -> Result<LocalModel, ModelError> {
        let library = find_library(config.onnxruntime_library.as_deref())?;
        let environment = environment(&library)?;
        let dir = find_model_dir(model_dir)?;
        let err = model_error(&dir);
        let (model_file, labels_file) = config.variant.files();
        if !dir.join(model_file).is_file() {
            return Err(err(format!("{model_file} is missing; build it with `{}`", config.variant.build_command())));
        }
        let labels: Labels = std::fs::read_to_string(dir.join(labels_file))
            .map_err(|e| err(format!("{labels_file}: {e}")))
            .and_then(|t| serde_json::from_str(&t).map_err(|e| err(format!("{labels_file}: {e}"))))?;
        let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| err(format!("tokenizer.json: {e}")))?;
        // Pad to the longest text of a batch, never to a fixed length (PLATFORM.md).
        tokenizer.with_padding(Some(tokenizers::PaddingParams {
            strategy: tokenizers::PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams { max_length: labels.max_length, ..Default::default() }))
            .map_err(|e| err(format!("tokenizer truncation: {e}")))?;

        let model_path = dir.join(model_file);
        let (provider, provider_note) = match config.execution_provider.as_str() {
            "cpu" | "" => (None, String::new()),
            "cuda" => (Some(ort::ep::CUDA::default().build()), String::new()),
            "coreml" => (Some(ort::ep::CoreML::default().build()), String::new()),
            "directml" => (Some(ort::ep::DirectML::default().build()), String::new()),
            other => (None, format!("; unknown execution provider `{other}`, using CPU")),
        };
        let requested = config.execution_provider.clone();
        let (session, provider_note) = match build_session(&environment, &model_path, config.threads, provider) {
            Ok(s) => {
                (s, if requested == "cpu" || requested.is_empty() { provider_note } else { format!("; {requested}") })
            }
            Err(e) if !(requested == "cpu" || requested.is_empty()) => {
                let note = format!("; {requested} unavailable ({e}), using CPU");
                let session =
                    build_session(&environment, &model_path, config.threads, None).map_err(|e| err(e.to_string()))?;
                (session, note)
            }
            Err(e) => return Err(err(e.to_string())),
        };
        let tags = parse_tags(&labels.pii_tags);
        let categories = labels.categories.iter().map(|c| Category::parse(c)).collect();
        let sentiments =
            labels.sentiments.iter().map(|s| Sentiment::ALL.into_iter().find(|k| k.as_str() == s)).collect();
        let description = format!(
            "{} (int8 ONNX, {} thread{}{provider_note})",
            labels.version,
            config.threads.max(1),
            if config.threads > 1 { "s" } else { "" }
        );
        // Loading leaves the parsed graph's buffers freed but held by malloc: about 10 MB
        // of the tray's resident memory (docs/performance.md, desktop footprint).
        return_freed_heap();
        Ok(LocalModel {
            session: Mutex::new(session),
            tokenizer,
            labels,
            tags,
            categories,
            sentiments,
            description,
            encoded: AtomicU64::new(0),
        })
    }

    pub fn version(&self) -> &str {
        &self.labels.version
    }

    /// Tokens the model sees for one input (special tokens included).
    pub fn token_count(&self, text: &str, context: Option<&str>) -> usize {
        self.encode(text, context).map_or(0, |e| e.len())
    }

    fn encode(&self, text: &str, context: Option<&str>) -> Result<tokenizers::Encoding, ModelError> {
        match context.filter(|c| !c.is_empty()) {
            Some(ctx) => self.tokenizer.encode((text, ctx), true),
            None => self.tokenizer.encode(text, true),
        }
        .map_err(|e| ModelError::Inference(format!("tokenizer: {e}")))
    }

    /// Runs the encoder on `(text, context)` pairs, batched by length; one output per input.
    pub fn infer(&self, inputs: &[(&str, Option<&str>)]) -> Result<Vec<ModelOutput>, ModelError> {
        let mut encodings = Vec::with_capacity(inputs.len());
        for (text, context) in inputs {
            encodings.push(self.encode(text, *context)?);
        }
        // Length buckets: texts of equal token count go together, so padding costs little.
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        order.sort_by_key(|&i| encodings[i].len());
        let mut outputs: Vec<Option<ModelOutput>> = (0..inputs.len()).map(|_| None).collect();
        let mut at = 0;
        while at < order.len() {
            let len = encodings[order[at]].len();
            let mut end = at + 1;
            while end < order.len() && end - at < MAX_BATCH && encodings[order[end]].len() <= len + 2 {
                end += 1;
            }
            let group = &order[at..end];
            let results = self.run_group(
                group.iter().map(|&i| &encodings[i]).collect(),
                group.iter().map(|&i| inputs[i].0).collect(),
            )?;
            for (&i, out) in group.iter().zip(results) {
                outputs[i] = Some(out);
            }
            at = end;
        }
        self.encoded.fetch_add(inputs.len() as u64, Ordering::Relaxed);
        Ok(outputs.into_iter().map(|o| o.unwrap_or_default()).collect())
    }

    /// The encoder's raw outputs for one batch of encodings (padded to the longest).
    fn run_raw(&self, encodings: &[&tokenizers::Encoding]) -> Result<RawOutputs, ModelError> {
        let batch = encodings.len();
        let seq = encodings.iter().map(|e| e.len()).max().unwrap_or(0).max(1);
        let mut ids = vec![0i64; batch * seq];
        let mut mask = vec![0i64; batch * seq];
        let mut types = vec![0i64; batch * seq];
        for (b, e) in encodings.iter().enumerate() {
            for (t, ((&id, &m), &ty)) in
                e.get_ids().iter().zip(e.get_attention_mask()).zip(e.get_type_ids()).enumerate()
            {
                ids[b * seq + t] = i64::from(id);
                mask[b * seq + t] = i64::from(m);
                types[b * seq + t] = i64::from(ty);
            }
        }
        let inference = |e: ort::Error| ModelError::Inference(e.to_string());
        let shape = [batch, seq];
        let inputs = ort::inputs![
            "input_ids" => ort::value::Tensor::from_array((shape, ids.clone())).map_err(inference)?,
            "attention_mask" => ort::value::Tensor::from_array((shape, mask)).map_err(inference)?,
            "token_type_ids" => ort::value::Tensor::from_array((shape, types)).map_err(inference)?,
        ];
        let mut session = self.session.lock().map_err(|_| ModelError::Inference("model session poisoned".into()))?;
        let outputs = session.run(inputs).map_err(inference)?;
        let (pii_shape, pii) = outputs["pii_logits"].try_extract_tensor::<f32>().map_err(inference)?;
        let (_, category) = outputs["category_logits"].try_extract_tensor::<f32>().map_err(inference)?;
        let (_, sentiment) = outputs["sentiment_logits"].try_extract_tensor::<f32>().map_err(inference)?;
        let tags = pii_shape.get(2).copied().unwrap_or(0).max(0) as usize;
        let (n_cat, n_sent) = (self.labels.categories.len(), self.labels.sentiments.len());
        if tags != self.labels.pii_tags.len() || category.len() != batch * n_cat || sentiment.len() != batch * n_sent {
            return Err(ModelError::Inference("model outputs do not match labels.json".into()));
        }
        Ok(RawOutputs {
            input_ids: ids,
            seq,
            tags,
            pii_logits: pii.to_vec(),
            category_logits: category.to_vec(),
            sentiment_logits: sentiment.to_vec(),
        })
    }

    /// Raw outputs for one `(text, context)` input: for parity checks against Python.
    pub fn raw_outputs(&self, text: &str, context: Option<&str>) -> Result<RawOutputs, ModelError> {
        let encoding = self.encode(text, context)?;
        self.run_raw(&[&encoding])
    }

    fn run_group(
        &self,
        encodings: Vec<&tokenizers::Encoding>,
        texts: Vec<&str>,
    ) -> Result<Vec<ModelOutput>, ModelError> {
        let raw = self.run_raw(&encodings)?;
        let (batch, seq, tags) = (encodings.len(), raw.seq, raw.tags);
        let (n_cat, n_sent) = (self.labels.categories.len(), self.labels.sentiments.len());
        let (pii, category, sentiment) = (&raw.pii_logits, &raw.category_logits, &raw.sentiment_logits);
        let mut out = Vec::with_capacity(batch);
        for (b, encoding) in encodings.iter().enumerate() {
            let token_logits = |t: usize| &pii[(b * seq + t) * tags..(b * seq + t + 1) * tags];
            let spans = decode_spans(&self.tags, encoding, texts[b], token_logits);
            let (ci, cp) = argmax_softmax(&category[b * n_cat..(b + 1) * n_cat]);
            let (si, sp) = argmax_softmax(&sentiment[b * n_sent..(b + 1) * n_sent]);
            out.push(ModelOutput {
                spans,
                category: self.categories.get(ci).copied().flatten().map(|c| (c, cp)),
                sentiment: self.sentiments.get(si).copied().flatten().map(|s| (s, sp)),
            });
        }
        Ok(out)
    }
}

/// The encoder's outputs as tensors, flattened row-major: `pii_logits` is
/// `[batch, seq, tags]`, `category_logits` `[batch, 8]`, `sentiment_logits` `[batch, 3]`.
#[derive(Debug, Clone)]
pub struct RawOutputs {
    pub input_ids: Vec<i64>,
    pub seq: usize,
    pub tags: usize,
    pub pii_logits: Vec<f32>,
    pub category_logits: Vec<f32>,
    pub sentiment_logits: Vec<f32>,
}

/// What one encoder pass gives for one text.
#[derive(Debug, Clone, Default)]
pub struct ModelOutput {
    pub spans: Vec<Span>,
    pub category: Option<(Category, f32)>,
    pub sentiment: Option<(Sentiment, f32)>,
}

/// The context sequence the model was trained with: `"{app} {domain}"`.
pub fn context(app: &str, url: Option<&str>) -> String {
    let domain = url
        .and_then(|u| u.split_once("://").map(|(_, rest)| rest).or(Some(u)))
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .map(|host| host.rsplit('@').next().unwrap_or(host))
        .map(|host| host.split(':').next().unwrap_or(host))
        .map(|host| host.strip_prefix("www.").unwrap_or(host))
        .unwrap_or("");
    format!("{} {}", app.trim(), domain).trim().to_string()
}

impl Scorer for LocalModel {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn version(&self) -> String {
        self.labels.version.clone()
    }

    fn model_texts(&self) -> Option<u64> {
        Some(self.encoded.load(Ordering::Relaxed))
    }

    fn score(&self, input: &ScoreInput<'_>) -> Scores {
        self.score_batch(std::slice::from_ref(input)).pop().unwrap_or_default()
    }

    fn score_batch(&self, inputs: &[ScoreInput<'_>]) -> Vec<Scores> {
        // One pass per text: every title (with its context), and every non-empty text.
        let contexts: Vec<String> = inputs.iter().map(|i| context(i.app, i.url)).collect();
        let mut pairs: Vec<(&str, Option<&str>)> = Vec::with_capacity(inputs.len() * 2);
        for (input, ctx) in inputs.iter().zip(&contexts) {
            pairs.push((input.title, Some(ctx.as_str())));
        }
        let text_slots: Vec<Option<usize>> = inputs
            .iter()
            .zip(&contexts)
            .map(|(input, ctx)| {
                input.text.filter(|t| !t.trim().is_empty()).map(|t| {
                    pairs.push((t, Some(ctx.as_str())));
                    pairs.len() - 1
                })
            })
            .collect();
        let outputs = match self.infer(&pairs) {
            Ok(o) => o,
            // Inference failing on one batch must not stop the pipeline: the regex
            // recognizers and rules still run for these events.
            Err(_) => return inputs.iter().map(|_| Scores::default()).collect(),
        };
        inputs
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let title = &outputs[i];
                let text = text_slots[i].map(|j| &outputs[j]);
                Scores {
                    title_spans: title.spans.clone(),
                    text_spans: text.map(|t| t.spans.clone()).unwrap_or_default(),
                    category: title.category,
                    sentiment: text.and_then(|t| t.sentiment).or(title.sentiment),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_app_and_bare_domain() {
        assert_eq!(context("firefox", Some("https://www.youtube.com/watch?v=1")), "firefox youtube.com");
        assert_eq!(context("chrome", Some("http://user@intranet:8080/x")), "chrome intranet");
        assert_eq!(context("code", None), "code");
        assert_eq!(context("", None), "");
    }
}
