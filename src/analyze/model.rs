//! The local model: one int8 ONNX encoder with three heads (PII tags, category,
//! sentiment), run through ONNX Runtime (`ort`, loaded at run time from
//! `libonnxruntime.so*`). It implements [`Scorer`]: one encoder pass per text gives
//! spans, a category and a sentiment.
//!
//! Finding things (DESIGN §6). The runtime library: config `model.onnxruntime_library`
//! → env `ORT_DYLIB_PATH` → next to the executable → `$XDG_CACHE_HOME/tally/onnxruntime/`.
//! The model directory: `--model-dir` → env `TALLY_MODEL_DIR` → `<exe dir>/models/` →
//! the source tree's `models/`. A missing or broken piece is one [`ModelError`] naming
//! what is missing and what to run; the engine then runs recognizers and rules only.

use super::span::{PiiLabel, Span, SpanSource};
use super::{ScoreInput, Scorer, Scores};
use crate::event::{Category, Sentiment};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

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

/// Tag index → (label, is_begin) for `B-X`/`I-X`; `None` for `O` and unknown labels.
fn parse_tags(tags: &[String]) -> Vec<Option<(PiiLabel, bool)>> {
    tags.iter()
        .map(|t| {
            let (prefix, label) = t.split_once('-')?;
            Some((PiiLabel::parse(label)?, prefix == "B"))
        })
        .collect()
}

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

fn environment(library: &Path) -> Result<ort::environment::Environment, ModelError> {
    let result = ENVIRONMENT.get_or_init(|| {
        // `harden_process` has set the switch in Tally's binaries; a program that skipped
        // it still gets no telemetry files, at the cost of setting it this late.
        if !crate::privacy::runtime_telemetry_disabled() {
            crate::privacy::disable_runtime_telemetry();
        }
        let absolute = std::fs::canonicalize(library).map_err(|e| e.to_string())?;
        let builder = ort::init_from(&absolute).map_err(|e| e.to_string())?;
        builder.with_name("tally").with_telemetry(false).build().map_err(|e| e.to_string())
    });
    result.clone().map_err(|reason| ModelError::Library { path: library.to_path_buf(), reason, hint: SETUP_HINT })
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

/// A name, a place and a login are one family for decoding: the model often finds the
/// right words and wavers on the type from one piece to the next (`Wiberg, Elina` as
/// PERSON then LOCATION).
const NAME_FAMILY: [PiiLabel; 3] = [PiiLabel::Person, PiiLabel::Location, PiiLabel::Username];

/// A span being decoded: the sum of its tokens' winning probabilities (for the score) and,
/// per [`NAME_FAMILY`] member, the sum of its `B-` and `I-` probabilities (for the type).
struct OpenSpan {
    span: Span,
    score_sum: f32,
    tokens: usize,
    family_votes: [f32; 3],
}

impl OpenSpan {
    fn finish(self) -> Span {
        let mut label = self.span.label;
        if NAME_FAMILY.contains(&label) {
            label = family_winner(&self.family_votes);
        }
        Span { label, score: self.score_sum / self.tokens as f32, ..self.span }
    }
}

/// BIO tags of the text's tokens → byte spans in the text, decoded exactly as
/// `models/train/evaluate.py` does (the card's metrics assume it): argmax per token; a
/// continuation word piece (`##…`) takes the tag of the token before it as `I-` of the
/// same label, unless the script changes between the two pieces (a name glued to
/// Japanese kana, `Skovさんとの`): then it keeps its own tag, an `I-` becoming `O`.
/// Then `B-X` (or an `I-X` that continues nothing) opens a span, `I-X` extends an open
/// `X` span — or any open span of the name family when `X` is in it — and anything else
/// closes it. A name-family span takes the member with the largest summed probability over
/// its tokens, and then [`case_typed`] may retype a name as a login or back; a span's score
/// is its tokens' mean winning probability.
fn decode_spans<'a>(
    tag_table: &[Option<(PiiLabel, bool)>],
    encoding: &tokenizers::Encoding,
    text: &str,
    logits: impl Fn(usize) -> &'a [f32],
) -> Vec<Span> {
    let sequence_ids = encoding.get_sequence_ids();
    let offsets = encoding.get_offsets();
    let tokens = encoding.get_tokens();
    let mut spans: Vec<Span> = Vec::new();
    let mut open: Option<OpenSpan> = None;
    let mut previous: Option<(PiiLabel, bool)> = None;
    let close = |open: &mut Option<OpenSpan>, spans: &mut Vec<Span>| {
        if let Some(o) = open.take() {
            let span = o.finish();
            spans.push(Span { label: case_typed(span.label, text, span.start, span.end), ..span });
        }
    };
    for (t, &(start, end)) in offsets.iter().enumerate() {
        if sequence_ids.get(t).copied().flatten() != Some(0) {
            close(&mut open, &mut spans);
            previous = None;
            continue;
        }
        let token_logits = logits(t);
        let (index, p) = argmax_softmax(token_logits);
        let mut tag = tag_table.get(index).copied().flatten();
        if tokens.get(t).is_some_and(|tok| tok.starts_with("##")) {
            let changes_script = t.checked_sub(1).and_then(|p| offsets.get(p)).is_some_and(|&(ps, pe)| {
                let last = text.get(ps..pe).and_then(|s| s.chars().next_back());
                let first = text.get(start..end).and_then(|s| s.chars().next());
                matches!((last, first), (Some(a), Some(b)) if Script::of(a) != Script::of(b))
            });
            if !changes_script {
                tag = previous.map(|(label, _)| (label, false));
            } else if tag.is_some_and(|(_, begin)| !begin) {
                tag = None;
            }
        }
        previous = tag;
        let Some((label, begin)) = tag else {
            close(&mut open, &mut spans);
            continue;
        };
        let continues = |o: &OpenSpan| {
            o.span.label == label || (NAME_FAMILY.contains(&o.span.label) && NAME_FAMILY.contains(&label))
        };
        if begin || !open.as_ref().is_some_and(continues) {
            close(&mut open, &mut spans);
            let span = Span { start, end, label, score: p, source: SpanSource::Model };
            open = Some(OpenSpan { span, score_sum: 0.0, tokens: 0, family_votes: [0.0; 3] });
        }
        let o = open.as_mut().expect("opened above");
        o.span.end = end;
        o.score_sum += p;
        o.tokens += 1;
        add_family_votes(tag_table, token_logits, token_logits[index], p, &mut o.family_votes);
    }
    close(&mut open, &mut spans);
    let spans: Vec<Span> = spans.into_iter().map(|s| on_char_boundaries(text, s)).filter(|s| !s.is_empty()).collect();
    refine_spans(spans, tag_table, encoding, text, &logits)
}

/// Characters a name, a place or a login never starts or ends with (`EDGE_PUNCT` in
/// `models/train/evaluate.py`).
const EDGE_PUNCT: [char; 12] = [' ', '\t', '-', '‐', '–', '—', ',', ';', ':', '|', '·', '/'];
/// Apostrophes a name or a place runs on over when a letter of its script follows.
const APOSTROPHES: [char; 3] = ['ʼ', '\'', '’'];
/// What may stand between two names (or two places) that are one.
const NAME_GLUE: [&str; 3] = [" ", "-", "‐"];
/// What stands between the items of a list of names.
const LIST_JOINERS: [&str; 14] =
    [", ", " and ", " & ", " + ", " und ", " et ", " y ", " e ", " i ", " og ", " och ", " en ", " a ", " и "];

/// A letter, as Python's `str.isalpha` (Unicode general category L*).
fn is_letter(c: char) -> bool {
    use unicode_categories::UnicodeCategories;
    c.is_letter()
}

fn same_script_letter(c: char, like: char) -> bool {
    is_letter(c) && Script::of(c) == Script::of(like)
}

/// A combining mark (general category M*: a virama, a Thai or Devanagari vowel sign), as
/// `_is_mark` in `models/train/evaluate.py`. It belongs to the letter before it; the tokenizer
/// drops the non-spacing ones, so a span's last token ends before them.
fn is_mark(c: char) -> bool {
    use unicode_categories::UnicodeCategories;
    c.is_mark()
}

fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// Span rules after BIO decoding, for the name family; `refine_spans` in
/// `models/train/evaluate.py` is the same code, and its comment gives the figures.
/// 1. trim: a name, place or login never starts or ends with an [`EDGE_PUNCT`] character;
/// 2. word: a name or a place (not a login) never ends or starts inside a word: it runs on
///    over letters of the same script, over the combining marks that belong to them (`ஓசூர்`
///    was cut before the `்`), and over an apostrophe between two of them, but not over a
///    possessive `'s`;
/// 3. glue: overlapping name-family spans are one, and so are two names or places (no
///    login) with only a [`NAME_GLUE`] between them;
/// 4. list: a `Last, First`-shaped span of two single words next to another name-family
///    span across a [`LIST_JOINERS`] joiner is two first names.
///
/// A span a rule changed is typed again by the family vote over the tokens it overlaps
/// (then [`case_typed`]) and scored by their mean winning probability.
fn refine_spans<'a>(
    spans: Vec<Span>,
    tag_table: &[Option<(PiiLabel, bool)>],
    encoding: &tokenizers::Encoding,
    text: &str,
    logits: &impl Fn(usize) -> &'a [f32],
) -> Vec<Span> {
    let family = |l: PiiLabel| NAME_FAMILY.contains(&l);
    let mut work: Vec<(Span, bool)> = Vec::with_capacity(spans.len());
    for span in spans {
        let (mut s, mut e, mut changed) = (span.start, span.end, false);
        if family(span.label) {
            while let Some(c) = char_before(text, e).filter(|c| e > s && EDGE_PUNCT.contains(c)) {
                e -= c.len_utf8();
                changed = true;
            }
            while let Some(c) = char_at(text, s).filter(|c| s < e && EDGE_PUNCT.contains(c)) {
                s += c.len_utf8();
                changed = true;
            }
            if e > s && span.label != PiiLabel::Username {
                while let (Some(_), Some(next)) =
                    (char_before(text, e).filter(|&c| is_letter(c) || is_mark(c)), char_at(text, e))
                {
                    // The span's last letter, past the marks that belong to it.
                    let Some(last) = text[s..e].chars().rev().find(|&c| is_letter(c)) else { break };
                    if is_mark(next) || same_script_letter(next, last) {
                        e += next.len_utf8();
                    } else if APOSTROPHES.contains(&next) {
                        let mut after = text[e + next.len_utf8()..].chars();
                        let Some(l) = after.next().filter(|&l| same_script_letter(l, last)) else { break };
                        let possessive = matches!(l, 's' | 'S') && !after.next().is_some_and(is_letter);
                        if possessive {
                            break;
                        }
                        e += next.len_utf8() + l.len_utf8();
                    } else {
                        break;
                    }
                    changed = true;
                }
                while let (Some(first), Some(prev)) = (char_at(text, s).filter(|&c| is_letter(c)), char_before(text, s))
                {
                    // The letter before s, past the marks that belong to it.
                    let marks: usize = text[..s].chars().rev().take_while(|&c| is_mark(c)).map(char::len_utf8).sum();
                    if let Some(base) = char_before(text, s - marks).filter(|&b| same_script_letter(b, first)) {
                        s -= marks + base.len_utf8();
                    } else if marks > 0 {
                        break;
                    } else if APOSTROPHES.contains(&prev) {
                        match char_before(text, s - prev.len_utf8()) {
                            Some(b) if same_script_letter(b, first) => s -= prev.len_utf8() + b.len_utf8(),
                            _ => break,
                        }
                    } else {
                        break;
                    }
                    changed = true;
                }
            }
        }
        if e > s {
            work.push((Span { start: s, end: e, ..span }, changed));
        }
    }
    work.sort_by_key(|(s, _)| (s.start, s.end));
    let mut glued: Vec<(Span, bool)> = Vec::with_capacity(work.len());
    for (span, changed) in work {
        if let Some((last, last_changed)) = glued.last_mut() {
            let between = text.get(last.end..span.start);
            if family(span.label)
                && family(last.label)
                && (span.start < last.end
                    || (span.label != PiiLabel::Username
                        && last.label != PiiLabel::Username
                        && between.is_some_and(|b| NAME_GLUE.contains(&b))))
            {
                last.end = last.end.max(span.end);
                *last_changed = true;
                continue;
            }
        }
        glued.push((span, changed));
    }
    let joined = |a: &Span, b: &Span| {
        family(a.label) && family(b.label) && text.get(a.end..b.start).is_some_and(|j| LIST_JOINERS.contains(&j))
    };
    let mut out: Vec<(Span, bool)> = Vec::with_capacity(glued.len());
    for (i, (span, changed)) in glued.iter().enumerate() {
        let parts: Vec<&str> = text[span.start..span.end].split(", ").collect();
        let in_list = glued.get(i + 1).is_some_and(|(next, _)| joined(span, next))
            || out.last().is_some_and(|(prev, _)| joined(prev, span));
        if family(span.label)
            && parts.len() == 2
            && parts.iter().all(|p| !p.is_empty() && p.split_whitespace().count() == 1)
            && in_list
        {
            let first_end = span.start + parts[0].len();
            out.push((Span { end: first_end, ..*span }, true));
            out.push((Span { start: span.end - parts[1].len(), ..*span }, true));
            continue;
        }
        out.push((*span, *changed));
    }
    out.into_iter()
        .map(|(span, changed)| if changed { retyped(span, tag_table, encoding, text, logits) } else { span })
        .collect()
}

/// A span typed again after [`refine_spans`] changed it: the name-family member with the
/// largest summed `B-` + `I-` probability over the sequence-A tokens it overlaps
/// ([`family_winner`]), then [`case_typed`].
fn retyped<'a>(
    span: Span,
    tag_table: &[Option<(PiiLabel, bool)>],
    encoding: &tokenizers::Encoding,
    text: &str,
    logits: &impl Fn(usize) -> &'a [f32],
) -> Span {
    let (mut votes, mut score_sum, mut tokens) = ([0.0f32; 3], 0.0f32, 0usize);
    for (t, &(start, end)) in encoding.get_offsets().iter().enumerate() {
        if encoding.get_sequence_ids().get(t).copied().flatten() == Some(0) && start < span.end && span.start < end {
            let token_logits = logits(t);
            let (index, p) = argmax_softmax(token_logits);
            add_family_votes(tag_table, token_logits, token_logits[index], p, &mut votes);
            score_sum += p;
            tokens += 1;
        }
    }
    if tokens == 0 || !NAME_FAMILY.contains(&span.label) {
        return span;
    }
    Span {
        label: case_typed(family_winner(&votes), text, span.start, span.end),
        score: score_sum / tokens as f32,
        ..span
    }
}

/// The name-family member with the most votes: the first of the largest, in
/// [`NAME_FAMILY`]'s order, as Python's `max()` picks.
fn family_winner(votes: &[f32; 3]) -> PiiLabel {
    let mut best = 0;
    for (i, &v) in votes.iter().enumerate() {
        if v > votes[best] {
            best = i;
        }
    }
    NAME_FAMILY[best]
}

/// A name or a login typed by its letter case, where the text around it shows case at all
/// (it has upper- and lower-case letters outside the span): one lower-case word is a login,
/// and words that are each a capital and lower-case letters are a name. Places keep the
/// model's type, and so does Georgian, which is written in lower case. `case_typed` in
/// `models/train/evaluate.py` is the same rule.
fn case_typed(label: PiiLabel, text: &str, start: usize, end: usize) -> PiiLabel {
    if !matches!(label, PiiLabel::Person | PiiLabel::Username) {
        return label;
    }
    let (Some(before), Some(span), Some(after)) = (text.get(..start), text.get(start..end), text.get(end..)) else {
        return label;
    };
    let outside = || before.chars().chain(after.chars());
    if !(outside().any(char::is_uppercase) && outside().any(char::is_lowercase))
        || span.chars().any(|c| ('\u{10a0}'..='\u{10ff}').contains(&c))
    {
        return label;
    }
    let words: Vec<&str> = span.split_whitespace().collect();
    if label == PiiLabel::Person && words.len() == 1 && span.to_lowercase() == span && span.to_uppercase() != span {
        return PiiLabel::Username;
    }
    // Python's `w[0].isupper() and w[1:].islower() and w.isalpha()`, for words of two letters or more.
    let capitalised = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && w.chars().all(char::is_alphabetic)
            && chars.clone().all(|c| !c.is_uppercase())
            && chars.any(char::is_lowercase)
    };
    let long: Vec<&str> = words.iter().copied().filter(|w| w.chars().nth(1).is_some()).collect();
    if label == PiiLabel::Username && !long.is_empty() && long.iter().all(|w| capitalised(w)) {
        return PiiLabel::Person;
    }
    label
}

/// Adds each name-family member's `B-` and `I-` softmax probabilities to `votes`, from
/// what [`argmax_softmax`] already found: the largest logit and its probability (which is
/// 1 / Σ exp(logit − largest)), so the sum is not taken twice.
fn add_family_votes(
    tag_table: &[Option<(PiiLabel, bool)>],
    logits: &[f32],
    max: f32,
    p_max: f32,
    votes: &mut [f32; 3],
) {
    for (tag, &v) in tag_table.iter().zip(logits) {
        if let Some(i) = tag.and_then(|(label, _)| NAME_FAMILY.iter().position(|&m| m == label)) {
            votes[i] += (v - max).exp() * p_max;
        }
    }
}

/// Coarse script classes for the word-piece rule; everything not listed (Latin, digits,
/// punctuation) is `Other`. The same table as `SCRIPTS` in `models/train/evaluate.py`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Greek,
    Cyrillic,
    Hebrew,
    Arabic,
    Devanagari,
    Thai,
    Hangul,
    Kana,
    Han,
    Other,
}

impl Script {
    fn of(c: char) -> Script {
        match u32::from(c) {
            0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
            0x0400..=0x052F => Script::Cyrillic,
            0x0590..=0x05FF => Script::Hebrew,
            0x0600..=0x06FF => Script::Arabic,
            0x0900..=0x097F => Script::Devanagari,
            0x0E00..=0x0E7F => Script::Thai,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF => Script::Han,
            _ => Script::Other,
        }
    }
}

/// Clamps a span to the text and to char boundaries (tokenizer offsets already are).
fn on_char_boundaries(text: &str, mut span: Span) -> Span {
    span.start = span.start.min(text.len());
    span.end = span.end.min(text.len());
    while !text.is_char_boundary(span.start) {
        span.start -= 1;
    }
    while !text.is_char_boundary(span.end) {
        span.end += 1;
    }
    span
}

fn argmax_softmax(logits: &[f32]) -> (usize, f32) {
    let (best, max) =
        logits
            .iter()
            .copied()
            .enumerate()
            .fold((0, f32::NEG_INFINITY), |acc, (i, v)| if v > acc.1 { (i, v) } else { acc });
    let sum: f32 = logits.iter().map(|v| (v - max).exp()).sum();
    (best, if sum > 0.0 { 1.0 / sum } else { 0.0 })
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

    /// The shipped tag table and tokenizer, with logits made up per token: `(tag, logit)`
    /// for the one raised tag of each sequence-A token (the others stay 0).
    fn decode_made_up(text: &str, raised: &[(&str, f32)]) -> Vec<(String, PiiLabel)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/tally-encoder");
        let labels: Labels = serde_json::from_str(&std::fs::read_to_string(dir.join("labels.json")).unwrap()).unwrap();
        let tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
        let encoding = tokenizer.encode(text, true).unwrap();
        let n_tags = labels.pii_tags.len();
        let mut logits = vec![0.0f32; encoding.len() * n_tags];
        for (i, (tag, value)) in raised.iter().enumerate() {
            let t = i + 1; // after [CLS]
            let k = labels.pii_tags.iter().position(|x| x == tag).unwrap();
            logits[t * n_tags + k] = *value;
        }
        let spans =
            decode_spans(&parse_tags(&labels.pii_tags), &encoding, text, |t| &logits[t * n_tags..(t + 1) * n_tags]);
        spans.iter().map(|s| (text[s.start..s.end].to_string(), s.label)).collect()
    }

    #[test]
    fn letter_case_retypes_a_name_or_a_login_only_where_the_text_shows_case() {
        use PiiLabel::{Location, Person, Username};
        let cases = [
            ("Benefits enrolment lauridsenj — Welcome", "lauridsenj", Person, Username),
            ("Review by jan.novak on Monday", "jan.novak", Person, Username),
            ("Dependencies: Frederikke / Laus", "Frederikke", Username, Person),
            ("Thom Miner tagged v2.0 — Build failed", "Thom Miner", Username, Person),
            ("Ping from Ελένη about the Q3 plan", "Ελένη", Username, Person),
            // Kept: no case around the span, two lower-case words, camel case, caseless
            // scripts, Georgian (written in lower case), places.
            ("benefits enrolment lauridsenj", "lauridsenj", Person, Person),
            ("BENEFITS ENROLMENT LAURIDSENJ", "LAURIDSENJ", Person, Person),
            ("Ping from Anna and jan novak", "jan novak", Person, Person),
            ("Deploy by JohnDoe on Monday", "JohnDoe", Username, Username),
            ("Deploy by J. Doe on Monday", "J. Doe", Username, Username),
            ("Meeting with 李雷 today", "李雷", Person, Person),
            ("მთვარისა: designing the Nova mockups", "მთვარისა", Person, Person),
            ("Greetings from lund, Sweden", "lund", Location, Location),
        ];
        for (text, span, label, expected) in cases {
            let start = text.find(span).unwrap();
            assert_eq!(case_typed(label, text, start, start + span.len()), expected, "{span} in {text}");
        }
    }

    #[test]
    fn a_name_that_wavers_between_person_and_place_is_one_span_typed_by_the_summed_probabilities() {
        // parking permit wi ##berg , eli ##na
        let text = "Parking permit Wiberg, Elina";
        let sure_person_then_unsure_place = [
            ("O", 9.0),
            ("O", 9.0),
            ("B-PERSON", 9.0),
            ("I-PERSON", 9.0),
            ("I-LOCATION", 2.0),
            ("I-LOCATION", 2.0),
            ("I-LOCATION", 2.0),
        ];
        assert_eq!(
            decode_made_up(text, &sure_person_then_unsure_place),
            vec![("Wiberg, Elina".to_string(), PiiLabel::Person)]
        );
        let unsure_person_then_sure_place = [
            ("O", 9.0),
            ("O", 9.0),
            ("B-PERSON", 2.0),
            ("I-PERSON", 2.0),
            ("I-LOCATION", 9.0),
            ("I-LOCATION", 9.0),
            ("I-LOCATION", 9.0),
        ];
        assert_eq!(
            decode_made_up(text, &unsure_person_then_sure_place),
            vec![("Wiberg, Elina".to_string(), PiiLabel::Location)]
        );
        // Outside the family an I- tag of another label still starts its own span, and a B- tag always does.
        let other_label = [
            ("O", 9.0),
            ("O", 9.0),
            ("B-PERSON", 9.0),
            ("I-PERSON", 9.0),
            ("O", 9.0),
            ("I-EMAIL", 9.0),
            ("I-EMAIL", 9.0),
        ];
        assert_eq!(
            decode_made_up(text, &other_label),
            vec![("Wiberg".to_string(), PiiLabel::Person), ("Elina".to_string(), PiiLabel::Email)]
        );
        let two_names = [
            ("O", 9.0),
            ("O", 9.0),
            ("B-PERSON", 9.0),
            ("I-PERSON", 9.0),
            ("O", 9.0),
            ("B-LOCATION", 9.0),
            ("I-LOCATION", 9.0),
        ];
        assert_eq!(
            decode_made_up(text, &two_names),
            vec![("Wiberg".to_string(), PiiLabel::Person), ("Elina".to_string(), PiiLabel::Location)]
        );
    }

    /// `decode_made_up` with every listed token's tag raised to 9.
    fn decode_tags(text: &str, tags: &[&str]) -> Vec<(String, PiiLabel)> {
        let raised: Vec<(&str, f32)> = tags.iter().map(|&t| (t, 9.0)).collect();
        decode_made_up(text, &raised)
    }

    fn spans(list: &[(&str, PiiLabel)]) -> Vec<(String, PiiLabel)> {
        list.iter().map(|&(s, l)| (s.to_string(), l)).collect()
    }

    #[test]
    fn a_name_never_starts_or_ends_with_punctuation() {
        // message to armando - poe
        let found = decode_tags("Message to Armando - Poe", &["O", "O", "B-PERSON", "I-PERSON", "O"]);
        assert_eq!(found, spans(&[("Armando", PiiLabel::Person)]));
        // A span of punctuation only is dropped.
        assert_eq!(decode_tags("Message to Armando - Poe", &["O", "O", "O", "B-PERSON", "O"]), spans(&[]));
    }

    #[test]
    fn a_name_runs_on_to_the_end_of_its_word_and_over_an_inner_apostrophe_but_not_a_possessive() {
        use PiiLabel::Person;
        // review by о ##л ##ь ##г ##а б ##а ##б ##ʼ ##я ##к: the script changes at "ʼ", so the
        // word-piece rule leaves "ʼяк" untagged.
        let mut tags = vec!["O", "O", "B-PERSON"];
        tags.extend(["I-PERSON"; 7]);
        tags.extend(["O"; 3]);
        assert_eq!(decode_tags("Review by Ольга Бабʼяк", &tags), spans(&[("Ольга Бабʼяк", Person)]));
        // anna ' s laptop
        assert_eq!(decode_tags("Anna's laptop", &["B-PERSON", "O", "O", "O"]), spans(&[("Anna", Person)]));
        // A login is left as found: jd ##oe is one word anyway, so cut a made-up one.
        let login = decode_tags("Ping from jdoe Anna", &["O", "O", "B-USERNAME", "I-USERNAME", "O"]);
        assert_eq!(login, spans(&[("jdoe", PiiLabel::Username)]));
    }

    #[test]
    fn a_name_or_place_keeps_the_combining_marks_at_the_end_of_its_word() {
        use PiiLabel::Location;
        // things to do in [UNK]: the token ends before the virama, which the tokenizer drops.
        let tamil = decode_tags("Things to do in ஓசூர்", &["O", "O", "O", "O", "B-LOCATION"]);
        assert_eq!(tamil, spans(&[("ஓசூர்", Location)]));
        // call with क ##र ##ि ##स ##म ##स ट ##ा ##प: the vowel sign after the last piece is dropped too.
        let mut tags = vec!["O", "O", "B-LOCATION"];
        tags.extend(["I-LOCATION"; 8]);
        assert_eq!(decode_tags("Call with क्रिसमस टापु", &tags), spans(&[("क्रिसमस टापु", Location)]));
    }

    #[test]
    fn two_names_with_only_a_space_or_hyphen_between_are_one_but_a_login_stays_apart() {
        use PiiLabel::{Person, Username};
        // blocked by ze ##man - d ##vor ##ak today
        let tags = ["O", "O", "B-PERSON", "I-PERSON", "O", "B-PERSON", "I-PERSON", "I-PERSON", "O"];
        assert_eq!(decode_tags("Blocked by Zeman-Dvořák today", &tags), spans(&[("Zeman-Dvořák", Person)]));
        // ping from jd ##oe anna
        let tags = ["O", "O", "B-USERNAME", "I-USERNAME", "B-PERSON"];
        assert_eq!(decode_tags("Ping from jdoe Anna", &tags), spans(&[("jdoe", Username), ("Anna", Person)]));
    }

    #[test]
    fn a_last_first_shaped_pair_inside_a_list_of_names_is_two_first_names() {
        use PiiLabel::Person;
        // sent to fred ##erik , bertram and lass ##e
        let tags = ["O", "O", "B-PERSON", "I-PERSON", "I-PERSON", "I-PERSON", "O", "B-PERSON", "I-PERSON"];
        assert_eq!(
            decode_tags("Sent to Frederik, Bertram and Lasse", &tags),
            spans(&[("Frederik", Person), ("Bertram", Person), ("Lasse", Person)])
        );
        // Alone, "Last, First" stays one name (the test above: "Wiberg, Elina").
        let alone = ["O", "O", "B-PERSON", "I-PERSON", "I-PERSON", "I-PERSON", "O", "O", "O"];
        assert_eq!(decode_tags("Sent to Frederik, Bertram and Lasse", &alone), spans(&[("Frederik, Bertram", Person)]));
    }

    #[test]
    fn scripts_are_told_apart_for_the_word_piece_rule() {
        assert_eq!(Script::of('v'), Script::Other);
        assert_eq!(Script::of('ü'), Script::Other);
        assert_eq!(Script::of('さ'), Script::Kana);
        assert_eq!(Script::of('会'), Script::Han);
        assert_eq!(Script::of('Ж'), Script::Cyrillic);
        assert_eq!(Script::of('Ω'), Script::Greek);
        assert_eq!(Script::of('ש'), Script::Hebrew);
        assert_eq!(Script::of('한'), Script::Hangul);
    }

    #[test]
    fn context_is_app_and_bare_domain() {
        assert_eq!(context("firefox", Some("https://www.youtube.com/watch?v=1")), "firefox youtube.com");
        assert_eq!(context("chrome", Some("http://user@intranet:8080/x")), "chrome intranet");
        assert_eq!(context("code", None), "code");
        assert_eq!(context("", None), "");
    }

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

    #[test]
    fn softmax_argmax_picks_the_largest_logit() {
        let (i, p) = argmax_softmax(&[0.0, 2.0, 1.0]);
        assert_eq!(i, 1);
        assert!((p - 0.665_240_9).abs() < 1e-5);
    }
}
