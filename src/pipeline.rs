//! Wires the stages with tokio: a source thread, an analyzer thread (fanning batches
//! out over one worker per core) and the aggregate + store loop, joined by bounded
//! channels that carry batches (backpressure). Aggregates are flushed every N records
//! and at least every [`FLUSH_INTERVAL`]; a resumable source's checkpoint is written in
//! the same transaction. A stop request (Ctrl-C, SIGTERM) ends the source; everything
//! already read is analyzed, aggregated and flushed before the pipeline returns.
//!
//! A flush the store refuses (locked past the busy timeout, a full disk) keeps its
//! totals and is tried again with backoff, merged with what came after, so nothing
//! aggregated is dropped or stored twice. An import waits for the store meanwhile; a
//! live source keeps aggregating. [`Health`] tells others (the API of `tally serve`,
//! the collector's status) while the store refuses writes, and why.
//!
//! Each record counts once. An import that accepts no record writes no checkpoint, so
//! the file can be imported again (with the right format, say). An import records what
//! it adds (its contribution, aggregates only) until it finishes cleanly; a file imported
//! from the same place as a partial or unfinished import replaces it: the first write
//! that holds accepted records subtracts the earlier contribution in its transaction.

use crate::aggregate::{Aggregator, BucketKey, BucketTotals, FocusConfig};
use crate::analyze::AnalyzedEvent;
use crate::analyze::{content_shard, Analyzer, AnalyzerWorker};
use crate::source::{Emit, ReadError, RecordError, Source, SourceItem};
use crate::store::{Checkpoint, SaltedHash, Store, StoreError, WriteProblem};
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Items per batch between stages.
const BATCH: usize = 1024;
/// Batches in flight per channel.
const CHANNEL_BATCHES: usize = 8;
/// Records between two checkpoints of an import (each is one transaction), by default.
pub const CHECKPOINT_RECORDS: u64 = 50_000;
/// The longest aggregates stay in memory only (DESIGN §3: at least every 60 s).
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(60);
/// Distinct event contents remembered by an analyzer worker.
pub const CACHE_ENTRIES: usize = 65_536;
/// Upper bound on analyzer threads (one per core below it).
const MAX_ANALYZER_THREADS: usize = 4;
/// The wait after a flush the store refused; it doubles with each failure in a row, up
/// to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_millis(250);
const MAX_RETRY: Duration = Duration::from_secs(5);
/// How long a live source's last flush (at shutdown) is retried before the run gives up,
/// so that stopping cannot hang on a store that stays unwritable.
pub const LAST_FLUSH_PATIENCE: Duration = Duration::from_secs(60);

/// A record after the analyze stage.
enum Analyzed {
    Events { record: u64, events: Vec<AnalyzedEvent> },
    Rejected { record: Option<u64>, error: RecordError },
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Retries of a refused flush ended: the run was stopped, or a live source's last
    /// flush ran out of [`LAST_FLUSH_PATIENCE`].
    #[error("the last aggregates were not stored: {problem} ({source}); {consequence}")]
    Unsaved { problem: WriteProblem, source: StoreError, consequence: &'static str },
    #[error("internal error: the {0} stage stopped unexpectedly")]
    Stage(&'static str),
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    Complete,
    /// The input had been fully processed before: nothing changed.
    AlreadyImported,
    /// Stopped by a signal; running it again resumes after the last checkpoint.
    Interrupted,
    /// The input is broken from some point on; what came before was stored.
    Truncated(String),
}

#[derive(Debug, Clone)]
pub struct RunSummary {
    pub outcome: RunOutcome,
    /// Records imported / skipped in this run.
    pub imported: u64,
    pub skipped: u64,
    /// Earlier partial imports of this file (from the same place, or in another format)
    /// whose contribution this run replaced.
    pub replaced: u64,
    /// Records accounted for before this run started (a resumed import).
    pub resumed_from: u64,
    pub events: u64,
    /// Skipped records by problem, most frequent first.
    pub reasons: Vec<(String, u64)>,
}

impl RunSummary {
    fn already_imported() -> RunSummary {
        RunSummary {
            outcome: RunOutcome::AlreadyImported,
            imported: 0,
            skipped: 0,
            replaced: 0,
            resumed_from: 0,
            events: 0,
            reasons: Vec::new(),
        }
    }
}

/// Settings of one run.
pub struct RunOptions<'a> {
    pub team: &'a str,
    pub focus: FocusConfig,
    /// Records between two checkpoints (each flush is one transaction).
    pub checkpoint_every: u64,
    /// The longest aggregates stay in memory only ([`FLUSH_INTERVAL`]; tests shorten it).
    pub flush_every: Duration,
    /// Where the run reports how it is doing, for whoever watches it.
    pub health: Arc<Health>,
}

impl<'a> RunOptions<'a> {
    /// Options that flush every [`FLUSH_INTERVAL`] and report to a fresh [`Health`].
    pub fn new(team: &'a str, focus: FocusConfig, checkpoint_every: u64) -> RunOptions<'a> {
        RunOptions { team, focus, checkpoint_every, flush_every: FLUSH_INTERVAL, health: Arc::default() }
    }
}

/// How a run is doing, for whoever reports on it while it runs (`tally serve`'s API, the
/// collector's status): how far its records have been aggregated, and whether the store
/// refuses its writes and why. Nothing in it comes from event content.
#[derive(Default)]
pub struct Health {
    aggregated: AtomicU64,
    trouble: Mutex<Option<StoreTrouble>>,
}

/// The store refusing a run's writes, as of the last failed attempt.
#[derive(Debug, Clone)]
pub struct StoreTrouble {
    pub problem: WriteProblem,
    /// When the first of the failures in a row happened.
    pub since: chrono::DateTime<chrono::Utc>,
    pub failed_attempts: u32,
    /// When the next attempt starts.
    pub next_attempt: std::time::Instant,
}

impl Health {
    /// Records numbered below this have been folded into aggregates: the run holds no
    /// raw text of theirs any more.
    pub fn aggregated_through(&self) -> u64 {
        self.aggregated.load(Ordering::Acquire)
    }

    /// Set while the store refuses writes; the next write that succeeds clears it.
    pub fn trouble(&self) -> Option<StoreTrouble> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<StoreTrouble>> {
        // A panic while holding the lock cannot leave the value half-written.
        self.trouble.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn failed(&self, problem: WriteProblem, retry_in: Duration) {
        let mut trouble = self.lock();
        let since = trouble.as_ref().map_or_else(chrono::Utc::now, |t| t.since);
        let failed_attempts = trouble.as_ref().map_or(0, |t| t.failed_attempts).saturating_add(1);
        let next_attempt = std::time::Instant::now() + retry_in;
        *trouble = Some(StoreTrouble { problem, since, failed_attempts, next_attempt });
    }

    fn stored(&self) {
        *self.lock() = None;
    }
}

/// Aggregates on their way to the store. A write that fails keeps its totals; the next
/// attempt adds them to whatever came since and writes both, with the newest
/// checkpoint, in one transaction: nothing aggregated is dropped or stored twice.
struct Flusher<'a> {
    store: &'a Store,
    team: &'a str,
    redactor: String,
    health: Arc<Health>,
    unsaved: BTreeMap<BucketKey, BucketTotals>,
    /// Failed attempts in a row.
    failures: u32,
    /// An import: it can be run again, so it gives up on errors that waiting will not
    /// cure and when stopped. A live source retries every error, since what it gives up
    /// is lost.
    resumable: bool,
}

impl Flusher<'_> {
    /// One write of `delta` and of what earlier attempts kept. On failure the totals
    /// stay here for the next attempt.
    async fn attempt(
        &mut self,
        delta: Vec<(BucketKey, BucketTotals)>,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<(), StoreError> {
        let rows = if self.unsaved.is_empty() {
            delta
        } else {
            for (key, totals) in delta {
                self.unsaved.entry(key).or_default().merge(&totals);
            }
            self.unsaved.iter().map(|(key, totals)| (key.clone(), *totals)).collect()
        };
        if rows.is_empty() && checkpoint.is_none() {
            return Ok(());
        }
        match self.store.apply(self.team, &self.redactor, &rows, checkpoint).await {
            Ok(()) => {
                self.unsaved.clear();
                self.failures = 0;
                self.health.stored();
                Ok(())
            }
            Err(e) => {
                if self.unsaved.is_empty() {
                    self.unsaved = rows.into_iter().collect();
                }
                self.failures = self.failures.saturating_add(1);
                self.health.failed(e.write_problem(), self.backoff());
                Err(e)
            }
        }
    }

    fn retryable(&self, e: &StoreError) -> bool {
        !self.resumable || e.write_problem().is_transient()
    }

    /// The wait before the next attempt.
    fn backoff(&self) -> Duration {
        let doublings = self.failures.saturating_sub(1).min(8);
        (FIRST_RETRY * 2u32.pow(doublings)).min(MAX_RETRY)
    }

    /// Attempts until the write succeeds. Gives up on an error that is not retried, when
    /// a resumable run is stopped (its next run resumes from the last checkpoint), or
    /// once `patience` has passed.
    async fn until_stored(
        &mut self,
        delta: Vec<(BucketKey, BucketTotals)>,
        checkpoint: Option<&Checkpoint>,
        stop: &AtomicBool,
        patience: Option<Duration>,
    ) -> Result<(), PipelineError> {
        let started = tokio::time::Instant::now();
        let mut delta = delta;
        loop {
            let Err(e) = self.attempt(std::mem::take(&mut delta), checkpoint).await else { return Ok(()) };
            if !self.retryable(&e) {
                return Err(e.into());
            }
            let stopped = self.resumable && stop.load(Ordering::Relaxed);
            if stopped || patience.is_some_and(|p| started.elapsed() >= p) {
                let consequence = if self.resumable {
                    "run the same import again to resume from its last checkpoint"
                } else {
                    "the activity aggregated since the last successful write is lost"
                };
                return Err(PipelineError::Unsaved { problem: e.write_problem(), source: e, consequence });
            }
            tokio::time::sleep(self.backoff()).await;
        }
    }
}

/// Progress of the aggregate + store loop, saved with each flush.
struct Progress {
    identity: Option<String>,
    origin: Option<SaltedHash>,
    kind: &'static str,
    records_done: u64,
    imported: u64,
    skipped: u64,
    /// Earlier imports to replace, until the first checkpoint takes them.
    replaces: Vec<String>,
    replaced: u64,
}

impl Progress {
    /// The checkpoint of a flush; none before a record was accepted, so an import that
    /// accepts nothing leaves no trace. The first one carries the replacements.
    fn checkpoint(&mut self, complete: bool, clean: bool, aggregator: &Aggregator) -> Option<Checkpoint> {
        if self.imported == 0 {
            return None;
        }
        let replaces = std::mem::take(&mut self.replaces);
        self.replaced += replaces.len() as u64;
        Some(Checkpoint {
            file_sha256: self.identity.clone()?,
            format: self.kind.to_string(),
            records_done: self.records_done,
            complete,
            imported: self.imported,
            skipped: self.skipped,
            state: aggregator.state().clone(),
            origin: self.origin.clone(),
            replaces,
            replaceable: !(complete && clean),
        })
    }
}

/// Runs a source through analyze → aggregate → store, resuming from its checkpoint.
/// `on_reject` sees every rejected record (to report it); `stop` ends the read early.
pub async fn run(
    store: &Store,
    analyzer: Arc<Analyzer>,
    source: Box<dyn Source>,
    options: RunOptions<'_>,
    stop: Arc<AtomicBool>,
    mut on_reject: impl FnMut(&RecordError),
) -> Result<RunSummary, PipelineError> {
    let kind = source.kind();
    let (identity, origin, source) = tokio::task::spawn_blocking(move || (source.identity(), source.origin(), source))
        .await
        .map_err(|_| PipelineError::Stage("hash"))?;
    let identity = identity?;
    let (previous, origin, replaces) = match &identity {
        Some(id) => {
            let origin = match origin {
                Some(o) => Some(SaltedHash::of(&store.aw_salt().await?, &o)),
                None => None,
            };
            let replaces = store.replaceable_imports(origin.as_ref(), id, kind).await?;
            (store.checkpoint(id).await?, origin, replaces)
        }
        None => (None, None, Vec::new()),
    };
    // Resume or skip only what this format accepted: a checkpoint that accepted nothing
    // (written by earlier versions) or of another format, unfinished or being replaced,
    // is read afresh.
    let previous =
        previous.filter(|c| c.imported > 0 && (c.format == kind || c.complete) && !replaces.contains(&c.file_sha256));
    if previous.as_ref().is_some_and(|c| c.complete) {
        return Ok(RunSummary::already_imported());
    }
    let resume_from = previous.as_ref().map_or(0, |c| c.records_done);
    let mut progress = Progress {
        identity,
        origin,
        kind,
        records_done: resume_from,
        imported: previous.as_ref().map_or(0, |c| c.imported),
        skipped: previous.as_ref().map_or(0, |c| c.skipped),
        replaces,
        replaced: 0,
    };
    let mut aggregator = match previous {
        Some(c) => Aggregator::with_state(options.focus, c.state),
        None => Aggregator::new(options.focus),
    };

    let (raw_tx, mut raw_rx) = mpsc::channel::<Vec<SourceItem>>(CHANNEL_BATCHES);
    let (analyzed_tx, mut analyzed_rx) = mpsc::channel::<Vec<Analyzed>>(CHANNEL_BATCHES);

    let batch_size = if source.live() { 1 } else { BATCH };
    let stopped = Arc::clone(&stop);
    let reader = tokio::task::spawn_blocking(move || {
        let mut emit = Batcher { batch: Vec::with_capacity(batch_size), size: batch_size, raw_tx, stop, resume_from };
        let result = source.read(&mut emit);
        let _ = emit.flush();
        result
    });

    let redactor = analyzer.version();
    let analyze = tokio::task::spawn_blocking(move || {
        // One worker (and cache) per core; each batch is split between them and joined
        // back in order.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_ANALYZER_THREADS);
        let mut workers: Vec<AnalyzerWorker> =
            (0..threads).map(|_| AnalyzerWorker::new(Arc::clone(&analyzer), CACHE_ENTRIES)).collect();
        while let Some(batch) = raw_rx.blocking_recv() {
            let out = analyze_batch(&mut workers, batch);
            if analyzed_tx.blocking_send(out).is_err() {
                break;
            }
        }
    });

    let resumable = progress.identity.is_some();
    let mut flusher = Flusher {
        store,
        team: options.team,
        redactor,
        health: Arc::clone(&options.health),
        unsaved: BTreeMap::new(),
        failures: 0,
        resumable,
    };
    let patience = if resumable { None } else { Some(LAST_FLUSH_PATIENCE) };
    let (mut imported, mut skipped, mut events_seen, mut since_flush) = (0u64, 0u64, 0u64, 0u64);
    let mut reasons: std::collections::BTreeMap<String, u64> = Default::default();
    let mut deadline = tokio::time::Instant::now() + options.flush_every;
    loop {
        // On the deadline a slow source (the live collector) flushes what the window holds.
        let batch = match tokio::time::timeout_at(deadline, analyzed_rx.recv()).await {
            Ok(Some(batch)) => batch,
            Ok(None) => break,
            Err(_elapsed) => Vec::new(),
        };
        for item in batch {
            match item {
                Analyzed::Events { record, events } => {
                    events.iter().for_each(|e| aggregator.add(e));
                    events_seen += events.len() as u64;
                    imported += 1;
                    progress.imported += 1;
                    progress.records_done = record + 1;
                }
                Analyzed::Rejected { record, error } => {
                    on_reject(&error);
                    let reason = match &error.field {
                        Some(f) => format!("`{f}`: {}", error.problem),
                        None => error.problem.clone(),
                    };
                    *reasons.entry(reason).or_default() += 1;
                    skipped += 1;
                    progress.skipped += 1;
                    if let Some(record) = record {
                        progress.records_done = record + 1;
                    }
                }
            }
            since_flush += 1;
        }
        options.health.aggregated.store(progress.records_done, Ordering::Release);
        // The deadline is checked here too: a source that never pauses would otherwise
        // starve the timer.
        let now = tokio::time::Instant::now();
        if since_flush < options.checkpoint_every.max(1) && now < deadline {
            continue;
        }
        since_flush = 0;
        let c = progress.checkpoint(false, false, &aggregator);
        let delta = aggregator.take_delta();
        deadline = if resumable {
            // An import waits for the store, so reading pauses (backpressure).
            flusher.until_stored(delta, c.as_ref(), &stopped, None).await?;
            tokio::time::Instant::now() + options.flush_every
        } else {
            // A live source keeps aggregating; the kept totals go with the next attempt.
            match flusher.attempt(delta, c.as_ref()).await {
                Ok(()) => tokio::time::Instant::now() + options.flush_every,
                Err(_) => tokio::time::Instant::now() + flusher.backoff(),
            }
        };
    }
    analyze.await.map_err(|_| PipelineError::Stage("analyze"))?;
    let read = reader.await.map_err(|_| PipelineError::Stage("source"))?;
    let outcome = match read {
        Ok(()) => RunOutcome::Complete,
        Err(ReadError::Stopped) => RunOutcome::Interrupted,
        Err(ReadError::Malformed { problem, .. }) => RunOutcome::Truncated(problem),
        Err(e) => {
            // Keep what was read; a later run resumes from here.
            let c = progress.checkpoint(false, false, &aggregator);
            flusher.until_stored(aggregator.take_delta(), c.as_ref(), &stopped, patience).await?;
            return Err(e.into());
        }
    };
    let complete = outcome != RunOutcome::Interrupted;
    if complete {
        aggregator.finish();
    }
    let clean = outcome == RunOutcome::Complete && progress.skipped == 0;
    let c = progress.checkpoint(complete, clean, &aggregator);
    flusher.until_stored(aggregator.take_delta(), c.as_ref(), &stopped, patience).await?;
    if let (true, None, Some(id)) = (complete, &c, &progress.identity) {
        store.discard_checkpoint(id).await?;
    }
    let mut reasons: Vec<(String, u64)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(RunSummary {
        outcome,
        imported,
        skipped,
        replaced: progress.replaced,
        resumed_from: resume_from,
        events: events_seen,
        reasons,
    })
}

/// The source side of the first channel: batches items, skips those before a resumed
/// run's checkpoint, and stops the source on request.
struct Batcher {
    batch: Vec<SourceItem>,
    /// Items per batch: [`BATCH`], or 1 for a live source.
    size: usize,
    raw_tx: mpsc::Sender<Vec<SourceItem>>,
    stop: Arc<AtomicBool>,
    resume_from: u64,
}

impl Emit for Batcher {
    fn emit(&mut self, item: SourceItem) -> ControlFlow<()> {
        if self.stop.load(Ordering::Relaxed) {
            return ControlFlow::Break(());
        }
        if let SourceItem::Events { record, .. } | SourceItem::Rejected { record: Some(record), .. } = &item {
            if *record < self.resume_from {
                return ControlFlow::Continue(());
            }
        }
        self.batch.push(item);
        if self.batch.len() >= self.size {
            return self.flush();
        }
        ControlFlow::Continue(())
    }

    fn flush(&mut self) -> ControlFlow<()> {
        if self.batch.is_empty() {
            return ControlFlow::Continue(());
        }
        match self.raw_tx.blocking_send(std::mem::replace(&mut self.batch, Vec::with_capacity(self.size))) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        }
    }
}

/// Analyzes a batch over `workers` (scoped threads), keeping the batch's order. Events
/// are sharded by content, so one content always meets the same worker's cache and is
/// scored once, not once per worker.
fn analyze_batch(workers: &mut [AnalyzerWorker], batch: Vec<SourceItem>) -> Vec<Analyzed> {
    let mut shape: Vec<(Option<u64>, usize, Option<RecordError>)> = Vec::with_capacity(batch.len());
    let mut events = Vec::new();
    for item in batch {
        match item {
            SourceItem::Events { record, events: mut e } => {
                // Exclusions drop events before the analyzer reads their text.
                e.retain(|event| !workers[0].analyzer().excludes(event));
                shape.push((Some(record), e.len(), None));
                events.extend(e);
            }
            SourceItem::Rejected { record, error } => shape.push((record, 0, Some(error))),
        }
    }
    let analyzed: Vec<AnalyzedEvent> = if workers.len() < 2 || events.len() < 64 {
        workers[0].analyze_many(events)
    } else {
        let mut parts: Vec<(Vec<usize>, Vec<crate::event::RawEvent>)> =
            (0..workers.len()).map(|_| Default::default()).collect();
        let total = events.len();
        for (i, event) in events.into_iter().enumerate() {
            let part = &mut parts[content_shard(&event, workers.len())];
            part.0.push(i);
            part.1.push(event);
        }
        let mut slots: Vec<Option<AnalyzedEvent>> = (0..total).map(|_| None).collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = workers
                .iter_mut()
                .zip(parts)
                .map(|(worker, (positions, part))| scope.spawn(move || (positions, worker.analyze_many(part))))
                .collect();
            for handle in handles {
                let (positions, done) = handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for (i, event) in positions.into_iter().zip(done) {
                    slots[i] = Some(event);
                }
            }
        });
        slots.into_iter().map(|e| e.expect("every event analyzed")).collect()
    };
    let mut analyzed = analyzed.into_iter();
    shape
        .into_iter()
        .map(|(record, n, error)| match error {
            Some(error) => Analyzed::Rejected { record, error },
            None => {
                Analyzed::Events { record: record.unwrap_or_default(), events: analyzed.by_ref().take(n).collect() }
            }
        })
        .collect()
}

/// Sets `stop` on Ctrl-C or SIGTERM, so a running pipeline drains and flushes.
pub fn stop_on_signals() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
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
