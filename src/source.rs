//! The source contract: what feeds the pipeline. A [`Source`] (a file importer, the live
//! collector, the watcher API of `tally serve`) pushes [`SourceItem`]s, in order, into
//! an [`Emit`]; a malformed record is a [`RecordError`] that names the position and
//! field, never the value; a [`ReadError`] ends the source.

use crate::event::RawEvent;
use std::fmt;
use std::ops::ControlFlow;
use std::path::PathBuf;

/// A record that could not be imported: where it is and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Position in the file, e.g. `line 7` or `bucket #2 (currentwindow), event #17`.
    pub location: String,
    /// The field at fault, if one is.
    pub field: Option<String>,
    /// What is wrong, without the offending value.
    pub problem: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, field `{}`: {}", self.location, field, self.problem),
            None => write!(f, "{}: {}", self.location, self.problem),
        }
    }
}

/// One record's outcome, in file order. `record` numbers the records of the main event
/// stream from 0; a resumed import skips those below its checkpoint.
#[derive(Debug)]
pub enum SourceItem {
    Events { record: u64, events: Vec<RawEvent> },
    Rejected { record: Option<u64>, error: RecordError },
}

/// Why an import stopped before the end of its file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {problem}; the records before it were imported")]
    Malformed { path: PathBuf, problem: String },
    #[error("stopped")]
    Stopped,
}

/// Where the stream of items goes; `Break` asks the importer to stop (shutdown).
pub trait Emit {
    fn emit(&mut self, item: SourceItem) -> ControlFlow<()>;
    /// Hands on what is batched so far: a live source calls it after each burst, so its
    /// events do not wait for a full batch.
    fn flush(&mut self) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl<F: FnMut(SourceItem) -> ControlFlow<()>> Emit for F {
    fn emit(&mut self, item: SourceItem) -> ControlFlow<()> {
        self(item)
    }
}

/// Where records come from: an importer, the live collector or `tally serve`. Runs on
/// a blocking thread and pushes records, in order, into `emit`.
pub trait Source: Send + 'static {
    /// What kind of source this is (`aw`, `csv`, `jsonl`, …), recorded in checkpoints.
    fn kind(&self) -> &'static str;
    /// A stable identity of the input (files: the SHA-256 of their bytes) for
    /// idempotent, resumable runs; `None` for live sources, which are not resumed.
    fn identity(&self) -> Result<Option<String>, ReadError>;
    /// Where the input lives (a file's canonical path), so that a corrected file imported
    /// from there replaces a partial import of it; stored only as a salted hash.
    fn origin(&self) -> Option<String> {
        None
    }
    /// A live source (the collector) produces records slowly: each is passed on at
    /// once instead of waiting for a full batch.
    fn live(&self) -> bool {
        false
    }
    fn read(self: Box<Self>, emit: &mut dyn Emit) -> Result<(), ReadError>;
}
