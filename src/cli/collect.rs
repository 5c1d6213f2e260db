//! `tally collect`, `pause`, `resume`, `consent`, `pulse` and `forget`: the live
//! collector and the employee's controls over it, each one engine call.

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::Args;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tally::analyze::Analyzer;
use tally::collect::{Collector, CollectorOptions, PauseFlag};
use tally::config::{CollectConfig, Config};
use tally::pulse;
use tally::report;
use tally::store::Store;

#[derive(Args)]
pub struct CollectArgs {
    /// Milliseconds between polls (default: config `collect.poll_ms`, else 1000).
    #[arg(long, value_name = "N")]
    poll_ms: Option<u64>,
}

#[derive(Args)]
#[group(multiple = false)]
pub struct ConsentArgs {
    /// Agree to live collection on this machine.
    #[arg(long)]
    agree: bool,
    /// Withdraw consent: the collector will not start again (stored data stays; see `tally forget`).
    #[arg(long)]
    withdraw: bool,
}

#[derive(Args)]
pub struct PulseArgs {
    /// How work is going, in your words; `-` reads it from stdin.
    text: String,
    /// Your mood from 1 (bad) to 5 (great); 1–2 and 4–5 decide the sentiment, 3 leaves it to the text.
    #[arg(long, value_name = "N")]
    mood: Option<u8>,
}

#[derive(Args)]
pub struct ForgetArgs {
    /// Delete everything stored (aggregates, import checkpoints and contributions).
    #[arg(long, conflicts_with_all = ["from", "to"], required_unless_present_any = ["from", "to", "org"])]
    all: bool,
    /// First local date to delete.
    #[arg(long, value_parser = crate::date_arg, requires = "to")]
    from: Option<NaiveDate>,
    /// Last local date to delete, inclusive.
    #[arg(long, value_parser = crate::date_arg, requires = "from")]
    to: Option<NaiveDate>,
    /// IANA time zone of the dates (default: config `timezone`, else the machine's).
    #[arg(long)]
    tz: Option<String>,
    /// Withdraw this install's contributions from the organisation's sink (alone: local data stays).
    #[arg(long)]
    pub org: bool,
}

impl ForgetArgs {
    /// Whether local data is to be deleted too (`--org` alone withdraws only).
    pub fn deletes_local(&self) -> bool {
        self.all || self.from.is_some()
    }
}

const WHAT_IS_COLLECTED: &str = "\
Tally will record, on this machine only: which app has the focus and for how long, and
whether you are idle (no input for a few minutes). Window titles are read in memory to
find the category (coding, email, meetings, …) and are never stored: only 15-minute
totals per category and app are kept. Excluded apps and private browser windows are
skipped entirely. Pause any time with `tally pause`; delete data with `tally forget`.";

/// `tally collect`: runs until Ctrl-C or SIGTERM, then flushes.
pub async fn collect(
    store: &Store,
    analyzer: Arc<Analyzer>,
    config: &Config,
    data_dir: &Path,
    args: &CollectArgs,
) -> Result<u8> {
    let settings = CollectConfig { poll_ms: args.poll_ms.unwrap_or(config.collect.poll_ms), ..config.collect };
    if let Some((field, problem)) = settings.problem() {
        bail!("--{}: {problem}", field.replace('_', "-"));
    }
    let stop = tally::pipeline::stop_on_signals();
    let options = CollectorOptions {
        poll: settings.poll(),
        idle_timeout: settings.idle_timeout(),
        data_dir: data_dir.to_path_buf(),
        team: config.team().to_string(),
        focus: config.focus,
    };
    let handle = Collector::start(store, analyzer, config.exclusions()?, options).await?;
    let status = handle.status();
    if let Some(note) = &status.note {
        note!("tally: {note}");
    }
    note!(
        "tally: collecting (poll every {} ms, idle after {} min){}; stop with Ctrl-C",
        settings.poll_ms,
        settings.idle_timeout_minutes,
        if status.paused { "; paused now — `tally resume` to continue" } else { "" }
    );
    let mut reported_error = None;
    while !stop.load(Ordering::Relaxed) && !handle.is_finished() {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let error = handle.status().last_error;
        if error.is_some() && error != reported_error {
            note!("tally: watcher: {}", error.as_deref().unwrap_or_default());
        }
        reported_error = error;
    }
    let last_error = handle.status().last_error;
    let summary = handle.stop().await.context("the collector failed")?;
    if let Some(error) = last_error.filter(|e| Some(e) != reported_error.as_ref()) {
        note!("tally: {error}");
    }
    note!("tally: collector stopped; {} activity pieces recorded and flushed", summary.events);
    Ok(0)
}

/// `tally pause` / `tally resume`: the persistent flag a running collector honours
/// within one poll.
pub fn set_paused(data_dir: &Path, paused: bool) -> Result<u8> {
    let flag = PauseFlag::in_dir(data_dir);
    if paused {
        flag.set().with_context(|| format!("cannot write the pause flag in {}", data_dir.display()))?;
        note!("tally: collection paused (also after a restart); `tally resume` continues");
    } else {
        flag.clear().with_context(|| format!("cannot remove the pause flag in {}", data_dir.display()))?;
        note!("tally: collection resumed");
    }
    Ok(0)
}

pub async fn consent(store: &Store, args: &ConsentArgs) -> Result<u8> {
    let status = if args.agree {
        outln!("{WHAT_IS_COLLECTED}")?;
        store.set_consent(true).await?
    } else if args.withdraw {
        store.set_consent(false).await?
    } else {
        store.consent().await?
    };
    let when = status.changed_at.map(|t| format!(" (since {})", t.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default();
    match (status.agreed, status.changed_at.is_some()) {
        (true, _) => outln!("consent: agreed{when}")?,
        (false, true) => outln!("consent: withdrawn{when}; `tally consent --agree` to collect again")?,
        (false, false) => outln!("consent: not given; nothing is collected until you run `tally consent --agree`")?,
    }
    Ok(0)
}

pub async fn pulse(store: &Store, analyzer: &Analyzer, config: &Config, args: &PulseArgs) -> Result<u8> {
    let text = if args.text == "-" {
        let mut text = String::new();
        std::io::stdin()
            .take(pulse::MAX_TEXT_BYTES as u64 + 1)
            .read_to_string(&mut text)
            .context("reading the check-in from stdin (UTF-8 text expected)")?;
        text
    } else {
        args.text.clone()
    };
    let outcome = pulse::record(store, analyzer, config, &text, args.mood).await?;
    outln!(
        "pulse recorded: sentiment {}, category {}{}",
        outcome.sentiment.as_str(),
        outcome.category,
        if outcome.redactions > 0 {
            format!(" ({} PII detections removed)", outcome.redactions)
        } else {
            String::new()
        }
    )?;
    Ok(0)
}

pub async fn forget(store: &Store, config: &Config, args: &ForgetArgs) -> Result<u8> {
    let range = match (args.all, args.from, args.to) {
        (true, _, _) => None,
        (false, Some(from), Some(to)) => {
            if to < from {
                bail!("--to ({to}) is before --from ({from})");
            }
            let zone = config.zone(args.tz.as_deref()).map_err(anyhow::Error::msg)?;
            Some(report::date_range(&zone, from, to))
        }
        _ => bail!("say what to delete: --all, or --from DATE --to DATE"),
    };
    let gone = store.forget(range).await?;
    let what = match (args.from, args.to) {
        (Some(from), Some(to)) if !args.all => format!("{from} to {to}"),
        _ => "everything".to_string(),
    };
    outln!(
        "forgot {what}: {} activity rows, {} redaction-count rows, {} import checkpoints; database compacted",
        gone.buckets,
        gone.redaction_counts,
        gone.checkpoints
    )?;
    Ok(0)
}
