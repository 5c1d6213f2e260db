//! Wires the stages with tokio: a source thread, an analyzer thread and the aggregate +
//! store loop, joined by bounded channels (backpressure) that carry batches. A stop
//! request (Ctrl-C, SIGTERM) ends the source; everything already read is analyzed,
//! aggregated and flushed before the pipeline returns.

use crate::aggregate::{Aggregator, FocusConfig};
use crate::analyze::{Analyzer, AnalyzerWorker};
use crate::event::AnalyzedEvent;
use crate::import::{self, Format, ReadError, ReadProgress, RecordError, SourceItem};
use crate::store::{Checkpoint, Store, StoreError};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Items per batch between stages.
const BATCH: usize = 1024;
/// Batches in flight per channel.
const CHANNEL_BATCHES: usize = 8;
/// Records between two checkpoints of an import (each is one transaction), by default.
pub const CHECKPOINT_RECORDS: u64 = 50_000;
/// Distinct event contents remembered by an analyzer worker.
pub const CACHE_ENTRIES: usize = 16_384;

/// A record after the analyze stage.
enum Analyzed {
    Events {
        record: u64,
        events: Vec<AnalyzedEvent>,
    },
    Rejected {
        record: Option<u64>,
        error: RecordError,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: the {0} stage stopped unexpectedly")]
    Stage(&'static str),
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Complete,
    /// The file had been imported before: nothing changed.
    AlreadyImported,
    /// Stopped by a signal; running the import again resumes after `records_done`.
    Interrupted,
    /// The file is broken from some point on; what came before was imported.
    Truncated(String),
}

#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub outcome: ImportOutcome,
    /// Records imported / skipped in this run.
    pub imported: u64,
    pub skipped: u64,
    /// Records accounted for before this run started (a resumed import).
    pub resumed_from: u64,
    pub events: u64,
    /// Skipped records by problem, most frequent first.
    pub reasons: Vec<(String, u64)>,
}

pub struct ImportJob<'a> {
    pub path: &'a Path,
    pub format: Format,
    pub team: &'a str,
    pub focus: FocusConfig,
    /// Records between two checkpoints (each flush is one transaction).
    pub checkpoint_every: u64,
}

/// Runs one file through analyze → aggregate → store, resuming from its checkpoint.
/// `on_reject` sees every rejected record (to report it); `stop` ends the read early.
pub async fn import_file(
    store: &Store,
    analyzer: Arc<Analyzer>,
    job: ImportJob<'_>,
    progress: ReadProgress,
    stop: Arc<AtomicBool>,
    mut on_reject: impl FnMut(&RecordError),
) -> Result<ImportSummary, ImportError> {
    let path: PathBuf = job.path.to_path_buf();
    let sha = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || import::file_sha256(&path))
            .await
            .map_err(|_| ImportError::Stage("hash"))??
    };
    let previous = store.checkpoint(&sha).await?;
    if previous.as_ref().is_some_and(|c| c.complete) {
        return Ok(ImportSummary {
            outcome: ImportOutcome::AlreadyImported,
            imported: 0,
            skipped: 0,
            resumed_from: 0,
            events: 0,
            reasons: Vec::new(),
        });
    }
    let resume_from = previous.as_ref().map_or(0, |c| c.records_done);
    let (mut total_imported, mut total_skipped) = previous
        .as_ref()
        .map_or((0, 0), |c| (c.imported, c.skipped));
    let mut aggregator = match previous {
        Some(c) => Aggregator::with_state(job.focus, c.state),
        None => Aggregator::new(job.focus),
    };

    let (raw_tx, mut raw_rx) = mpsc::channel::<Vec<SourceItem>>(CHANNEL_BATCHES);
    let (analyzed_tx, mut analyzed_rx) = mpsc::channel::<Vec<Analyzed>>(CHANNEL_BATCHES);

    let format = job.format;
    let source = tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(BATCH);
        let mut emit = |item: SourceItem| {
            if stop.load(Ordering::Relaxed) {
                return ControlFlow::Break(());
            }
            if let SourceItem::Events { record, .. }
            | SourceItem::Rejected {
                record: Some(record),
                ..
            } = &item
            {
                if *record < resume_from {
                    return ControlFlow::Continue(());
                }
            }
            batch.push(item);
            if batch.len() >= BATCH
                && raw_tx
                    .blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .is_err()
            {
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        };
        let result = import::read_file(format, &path, &progress, &mut emit);
        if !batch.is_empty() {
            let _ = raw_tx.blocking_send(batch);
        }
        result
    });

    let analyze = tokio::task::spawn_blocking(move || {
        let mut worker = AnalyzerWorker::new(analyzer, CACHE_ENTRIES);
        while let Some(batch) = raw_rx.blocking_recv() {
            let out = batch
                .into_iter()
                .map(|item| match item {
                    SourceItem::Events { record, events } => Analyzed::Events {
                        record,
                        events: events.into_iter().map(|e| worker.analyze(e)).collect(),
                    },
                    SourceItem::Rejected { record, error } => Analyzed::Rejected { record, error },
                })
                .collect();
            if analyzed_tx.blocking_send(out).is_err() {
                break;
            }
        }
    });

    let mut records_done = resume_from;
    let mut since_flush = 0u64;
    let (mut imported, mut skipped, mut events_seen) = (0u64, 0u64, 0u64);
    let mut reasons: std::collections::BTreeMap<String, u64> = Default::default();
    let checkpoint =
        |records_done, complete, imported, skipped, aggregator: &Aggregator| Checkpoint {
            file_sha256: sha.clone(),
            format: format.as_str().to_string(),
            records_done,
            complete,
            imported,
            skipped,
            state: aggregator.state().clone(),
        };
    while let Some(batch) = analyzed_rx.recv().await {
        for item in batch {
            match item {
                Analyzed::Events { record, events } => {
                    events.iter().for_each(|e| aggregator.add(e));
                    events_seen += events.len() as u64;
                    imported += 1;
                    records_done = record + 1;
                }
                Analyzed::Rejected { record, error } => {
                    on_reject(&error);
                    *reasons
                        .entry(error.field.clone().map_or(error.problem.clone(), |f| {
                            format!("`{f}`: {}", error.problem)
                        }))
                        .or_default() += 1;
                    skipped += 1;
                    if let Some(record) = record {
                        records_done = record + 1;
                    }
                }
            }
            since_flush += 1;
        }
        if since_flush >= job.checkpoint_every.max(1) {
            since_flush = 0;
            let c = checkpoint(
                records_done,
                false,
                total_imported + imported,
                total_skipped + skipped,
                &aggregator,
            );
            store
                .apply(job.team, &aggregator.take_delta(), Some(&c))
                .await?;
        }
    }
    analyze.await.map_err(|_| ImportError::Stage("analyze"))?;
    let read = source.await.map_err(|_| ImportError::Stage("source"))?;
    total_imported += imported;
    total_skipped += skipped;
    let outcome = match read {
        Ok(()) => {
            aggregator.finish();
            ImportOutcome::Complete
        }
        Err(ReadError::Stopped) => ImportOutcome::Interrupted,
        Err(ReadError::Malformed { problem, .. }) => {
            aggregator.finish();
            ImportOutcome::Truncated(problem)
        }
        Err(e) => {
            // Keep what was read; a later run resumes from here.
            let c = checkpoint(
                records_done,
                false,
                total_imported,
                total_skipped,
                &aggregator,
            );
            store
                .apply(job.team, &aggregator.take_delta(), Some(&c))
                .await?;
            return Err(e.into());
        }
    };
    let complete = matches!(
        outcome,
        ImportOutcome::Complete | ImportOutcome::Truncated(_)
    );
    let c = checkpoint(
        records_done,
        complete,
        total_imported,
        total_skipped,
        &aggregator,
    );
    store
        .apply(job.team, &aggregator.take_delta(), Some(&c))
        .await?;
    let mut reasons: Vec<(String, u64)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(ImportSummary {
        outcome,
        imported,
        skipped,
        resumed_from: resume_from,
        events: events_seen,
        reasons,
    })
}

/// Sets `stop` on Ctrl-C or SIGTERM, so a running pipeline drains and flushes.
pub fn stop_on_signals() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => return,
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        flag.store(true, Ordering::Relaxed);
    });
    stop
}
