//! Importers: ActivityWatch exports, CSV and JSON Lines, read as streams of records.
//!
//! An importer turns a file into [`SourceItem`]s, one per record, in file order. A
//! malformed record becomes a [`RecordError`] that names the file position and field,
//! never the value, and the rest of the file still imports.
//!
//! [`SourceItem`]: crate::source::SourceItem
//! [`RecordError`]: crate::source::RecordError

pub mod aw;
pub mod csv;
pub mod fields;
pub mod jsonl;

use crate::source::{Emit, ReadError, Source};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The desktop sends it as `"aw"`, `"csv"` or `"jsonl"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// ActivityWatch export JSON (`{"buckets": {...}}`).
    Aw,
    /// CSV with a header `start,duration,app,title,url`.
    Csv,
    /// JSON Lines, one event object per line.
    Jsonl,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Aw => "aw",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }
}

/// A file to import: the pipeline's [`Source`] for `tally import`.
pub struct FileSource {
    pub format: Format,
    pub path: PathBuf,
    pub progress: ReadProgress,
}

impl Source for FileSource {
    fn kind(&self) -> &'static str {
        self.format.as_str()
    }

    fn identity(&self) -> Result<Option<String>, ReadError> {
        file_sha256(&self.path).map(Some)
    }

    fn origin(&self) -> Option<String> {
        std::fs::canonicalize(&self.path).ok().map(|p| p.to_string_lossy().into_owned())
    }

    /// Reads the file and emits its records in order.
    fn read(self: Box<Self>, emit: &mut dyn Emit) -> Result<(), ReadError> {
        match self.format {
            Format::Aw => aw::read(&self.path, &self.progress, emit),
            Format::Csv => csv::read(&self.path, &self.progress, emit),
            Format::Jsonl => jsonl::read(&self.path, &self.progress, emit),
        }
    }
}

/// Bytes read so far, for a progress bar; shared with the thread that draws it.
#[derive(Debug, Clone, Default)]
pub struct ReadProgress {
    pub bytes: Arc<AtomicU64>,
    pub pass: Arc<AtomicU64>,
}

/// A reader that counts the bytes it hands out.
pub struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> CountingReader<R> {
    pub fn new(inner: R, counter: Arc<AtomicU64>) -> Self {
        counter.store(0, Ordering::Relaxed);
        CountingReader { inner, counter }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path` buffered, with byte counting.
pub fn open(
    path: &Path,
    progress: &ReadProgress,
) -> Result<std::io::BufReader<CountingReader<std::fs::File>>, ReadError> {
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
    Ok(std::io::BufReader::with_capacity(256 << 10, CountingReader::new(file, Arc::clone(&progress.bytes))))
}

/// SHA-256 of the file's bytes, hex: the identity of an import (never its path).
pub fn file_sha256(path: &Path) -> Result<String, ReadError> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path).map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
