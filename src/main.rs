//! The `tally` command line: a thin front door onto the engine (DESIGN §7).

use anyhow::{bail, Context, Result};
use chrono::{NaiveDate, TimeDelta};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tally::analyze::model::ModelVariant;
use tally::analyze::operators::{Operator, OperatorKind, PseudonymKey};
use tally::analyze::Analyzer;
use tally::config::Config;
use tally::filters::LineCommand;
use tally::import::{FileSource, Format, ReadProgress};
use tally::pipeline::{self, RunOptions, RunOutcome};
use tally::report::{self, Period};
use tally::rollup::policy::Policy;
use tally::store::Store;

#[macro_use]
mod cli;

#[derive(Parser)]
#[command(
    name = "tally",
    version,
    about = "Privacy-preserving work analytics: anonymize and score on the device, store aggregates only."
)]
struct Cli {
    /// Where the aggregate database lives (default: the platform data dir, e.g. ~/.local/share/tally).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Config file (default: ~/.config/tally/config.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory of the local model (default: TALLY_MODEL_DIR, else models/ beside the binary or in the source tree).
    #[arg(long, global = true, value_name = "DIR")]
    model_dir: Option<PathBuf>,
    /// Fail instead of falling back to recognizers and rules when the model cannot load.
    #[arg(long, global = true, conflicts_with = "no_model")]
    require_model: bool,
    /// Run recognizers and rules only, without the local model.
    #[arg(long, global = true)]
    no_model: bool,
    /// Which encoder to run (default: config `model.variant`, else standard); fast trades accuracy for speed.
    #[arg(long, global = true, value_enum, value_name = "VARIANT", conflicts_with = "no_model")]
    model_variant: Option<ModelVariant>,
    /// The IT policy file (default: TALLY_POLICY, else /etc/tally/policy.toml, else ~/.config/tally/policy.toml).
    #[arg(long, global = true, value_name = "FILE")]
    policy: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run event files through the whole pipeline into the store; each record counts once.
    ///
    /// Re-importing the same file changes nothing. An import that accepts no record (a
    /// wrong --format, say) leaves no trace: import the file again with the right one.
    /// To fix rejected records, correct the file where it is and import it again: a file
    /// imported from the same path as an import that rejected records, was cut short or
    /// interrupted replaces that import's contribution instead of adding to it, so every
    /// record counts once. A clean import is never replaced: a different file at its
    /// path adds to it, as a file from another path does.
    Import {
        #[arg(long, value_enum)]
        format: Format,
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Records between two checkpoints; an interrupted import resumes from the last one.
        #[arg(long, default_value_t = pipeline::CHECKPOINT_RECORDS, value_name = "N")]
        checkpoint_every: u64,
    },
    /// Export reports.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Redact PII in JSON Lines (`{"text": …}` per line) from FILE or stdin.
    Redact {
        file: Option<PathBuf>,
        /// What replaces a span (default: config `[redact] operator`, else placeholder).
        #[arg(long, value_enum)]
        operator: Option<OperatorKind>,
        /// Keyed pseudonyms such as `<PERSON:3f2a>` (same as --operator pseudonym).
        #[arg(long, conflicts_with = "operator")]
        pseudonymize: bool,
    },
    /// The key behind `--pseudonymize` (kept in the OS keyring, created on first use).
    PseudonymKey {
        #[command(subcommand)]
        action: PseudonymKeyCommand,
    },
    /// Categorize and score JSON Lines (`{"app", "title", "url"?, "text"?}`) from FILE or stdin.
    Classify { file: Option<PathBuf> },
    /// Serve the ActivityWatch watcher API on 127.0.0.1 until Ctrl-C or SIGTERM.
    Serve {
        /// Port on 127.0.0.1 (default: config `[serve] port`, else 5600 like ActivityWatch).
        #[arg(long, value_name = "N")]
        port: Option<u16>,
    },
    /// The optional bearer token `tally serve` requires (kept in the OS keyring).
    ServeToken {
        #[command(subcommand)]
        action: cli::insights::TokenCommand,
    },
    /// A readable summary of a date range.
    Stats {
        /// First local date (default: 6 days before --to).
        #[arg(long, value_parser = crate::date_arg)]
        from: Option<NaiveDate>,
        /// Last local date, inclusive (default: today).
        #[arg(long, value_parser = crate::date_arg)]
        to: Option<NaiveDate>,
        /// IANA time zone (default: config `timezone`, else the machine's).
        #[arg(long)]
        tz: Option<String>,
    },
    /// Ask a frontier model about your trends: a de-identified summary, shown first (--preview) or sent (--send).
    Insights(cli::insights::InsightsArgs),
    /// Frontier-model providers and their API keys (kept in the OS keyring).
    Provider {
        #[command(subcommand)]
        action: cli::insights::ProviderCommand,
    },
    /// Everything ever sent off this machine (or blocked from leaving it).
    Ledger(cli::insights::LedgerArgs),
    /// Record the focused app and idle time live until Ctrl-C / SIGTERM (needs consent).
    Collect(cli::collect::CollectArgs),
    /// Pause live collection, also across restarts.
    Pause,
    /// Resume live collection.
    Resume,
    /// Show, give (--agree) or withdraw (--withdraw) consent to live collection.
    Consent(cli::collect::ConsentArgs),
    /// A check-in: how work is going (free text, or `-` for stdin) and an optional mood.
    Pulse(cli::collect::PulseArgs),
    /// Delete stored data: --all, or a range of local dates; --org withdraws this install's org contributions.
    Forget(cli::collect::ForgetArgs),
    /// Join the organisation named in the policy file, with the enrolment token from IT (prompt or stdin).
    Enrol(cli::rollup::EnrolArgs),
    /// Send this install's new daily aggregates to the organisation's sink (through the outbound gate and the ledger).
    Publish(cli::rollup::PublishArgs),
    /// The org sink's database passwords (kept in the OS keyring).
    Sink {
        #[command(subcommand)]
        action: cli::rollup::SinkCommand,
    },
    /// Team and org trends for admins: set-up, reports, CSV export, audit log.
    Team {
        #[command(subcommand)]
        action: cli::rollup::TeamCommand,
    },
}

#[derive(Subcommand)]
enum PseudonymKeyCommand {
    /// Replace the key with a fresh random one: earlier pseudonyms no longer match new ones.
    Rotate,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The CSV report: one row per (period, team, category).
    Csv {
        /// First local date.
        #[arg(long, value_parser = crate::date_arg)]
        from: NaiveDate,
        /// Last local date, inclusive.
        #[arg(long, value_parser = crate::date_arg)]
        to: NaiveDate,
        #[arg(long, value_enum, default_value = "day")]
        by: Period,
        /// Output file (default: stdout). Written atomically.
        #[arg(long)]
        out: Option<PathBuf>,
        /// IANA time zone (default: config `timezone`, else the machine's).
        #[arg(long)]
        tz: Option<String>,
    },
    /// The insights received from providers, as Markdown.
    Insights {
        /// Output file (default: stdout). Written atomically.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    tally::hardening::harden_process();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            note!("tally: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => std::process::ExitCode::from(code),
        // The reader has all it wanted (`| head`): a normal end.
        Err(_) if cli::output::stdout_closed() => std::process::ExitCode::SUCCESS,
        Err(e) => {
            note!("tally: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}

/// A date argument: `YYYY-MM-DD`, with a message that says so (clap's own names the
/// parser's internals instead).
fn date_arg(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| "expected a date as YYYY-MM-DD, e.g. 2026-11-30".to_string())
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    let dir = match &cli.data_dir {
        Some(d) => d.clone(),
        None => dirs::data_dir().context("no platform data directory; pass --data-dir")?.join("tally"),
    };
    tally::files::private_dir(&dir).with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    Ok(dir)
}

/// The analyzer: rules plus the local model, or plus the lexicon when the model is off
/// or unavailable (said once on stderr).
fn analyzer(cli: &Cli, config: &Config) -> Result<Analyzer> {
    let choice = tally::config::ModelChoice {
        off: cli.no_model,
        required: cli.require_model,
        variant: cli.model_variant,
        dir: cli.model_dir.clone(),
    };
    let (analyzer, engine) = config.analyzer(&choice)?;
    note!("tally: engine: {engine}");
    Ok(analyzer)
}

/// [`analyzer`] for commands that store events: unrecognised app names become keyed ids
/// under the key in the OS keyring, or `other` when the keyring is unavailable (said
/// once on stderr); never the raw name.
fn storing_analyzer(cli: &Cli, config: &Config) -> Result<Analyzer> {
    let key = match tally::analyze::app_key_from_keyring() {
        Ok(key) => Some(key),
        Err(e) => {
            note!("tally: unrecognised app names are stored as `other` (no app id key: {e})");
            None
        }
    };
    Ok(analyzer(cli, config)?.with_app_key(key))
}

async fn run(cli: Cli) -> Result<u8> {
    let config = Config::load(cli.config.as_deref())?;
    match &cli.command {
        Command::Import { format, files, checkpoint_every } => {
            import(&cli, &config, *format, files, *checkpoint_every).await
        }
        Command::Export { what: ExportCommand::Csv { from, to, by, out, tz } } => {
            if to < from {
                bail!("--to ({to}) is before --from ({from})");
            }
            let zone = config.zone(tz.as_deref()).map_err(anyhow::Error::msg)?;
            let store = Store::open(&data_dir(&cli)?).await?;
            let rows = report::rows_between(&store, &zone, *from, *to, *by).await?;
            store.close().await;
            match out {
                Some(path) => write_atomically(path, |w| report::write_csv(&rows, w))?,
                None => report::write_csv(&rows, cli::output::stdout()).context("writing the report to stdout")?,
            }
            note!("tally: {} report rows, {from} to {to} by {}", rows.len(), by_name(*by));
            Ok(0)
        }
        Command::Serve { port } => serve(&cli, &config, *port).await,
        Command::ServeToken { action } => cli::insights::token(action, &data_dir(&cli)?),
        Command::Redact { file, operator, pseudonymize } => {
            let kind = if *pseudonymize { OperatorKind::Pseudonym } else { operator.unwrap_or(config.redact.operator) };
            lines(&cli, file.as_deref(), &config, LineCommand::Redact, redact_operator(&config, kind)?)
        }
        Command::Classify { file } => {
            lines(&cli, file.as_deref(), &config, LineCommand::Classify, Operator::Placeholder)
        }
        Command::PseudonymKey { action: PseudonymKeyCommand::Rotate } => {
            let secrets = cli::insights::secrets()?;
            let entry = &config.redact.pseudonym_key;
            PseudonymKey::rotate(&secrets, entry).context("rotating the pseudonym key")?;
            note!(
                "tally: new pseudonym key in `{entry}` ({}); pseudonyms from now on do not match earlier ones",
                secrets.backend_name()
            );
            Ok(0)
        }
        Command::Stats { from, to, tz } => {
            let zone = config.zone(tz.as_deref()).map_err(anyhow::Error::msg)?;
            let to = to.unwrap_or_else(|| report::today(&zone));
            let from = from.unwrap_or(to - TimeDelta::days(6));
            if to < from {
                bail!("--to ({to}) is before --from ({from})");
            }
            let store = Store::open(&data_dir(&cli)?).await?;
            let (lo, hi) = report::date_range(&zone, from, to);
            let mut stats = report::stats(&store.buckets(lo, hi).await?, &zone);
            stats.redactors = store.redactor_versions(lo, hi).await?;
            store.close().await;
            out!("{}", report::render_stats(&stats, from, to, &zone))?;
            Ok(0)
        }
        Command::Insights(args) => {
            let analyzer = analyzer(&cli, &config)?;
            let store = Store::open(&data_dir(&cli)?).await?;
            let code = cli::insights::insights(&store, &analyzer, &config, args).await;
            store.close().await;
            code
        }
        Command::Provider { action } => {
            let store = Store::open(&data_dir(&cli)?).await?;
            let code = match action {
                cli::insights::ProviderCommand::Test { .. } => {
                    cli::insights::provider(&store, &analyzer(&cli, &config)?, action).await
                }
                _ => cli::insights::provider(&store, &Analyzer::rules_only(), action).await,
            };
            store.close().await;
            code
        }
        Command::Ledger(args) => {
            let store = Store::open(&data_dir(&cli)?).await?;
            let code = cli::insights::ledger(&store, args).await;
            store.close().await;
            code
        }
        Command::Collect(args) => {
            let analyzer = Arc::new(storing_analyzer(&cli, &config)?);
            let dir = data_dir(&cli)?;
            let store = Store::open(&dir).await?;
            let code = cli::collect::collect(&store, analyzer, &config, &dir, args).await;
            store.close().await;
            code
        }
        Command::Pause => cli::collect::set_paused(&data_dir(&cli)?, true),
        Command::Resume => cli::collect::set_paused(&data_dir(&cli)?, false),
        Command::Consent(args) => {
            let store = Store::open(&data_dir(&cli)?).await?;
            let code = cli::collect::consent(&store, args).await;
            store.close().await;
            code
        }
        Command::Pulse(args) => {
            let analyzer = analyzer(&cli, &config)?;
            let store = Store::open(&data_dir(&cli)?).await?;
            let code = cli::collect::pulse(&store, &analyzer, &config, args).await;
            store.close().await;
            code
        }
        Command::Forget(args) => {
            let store = Store::open(&data_dir(&cli)?).await?;
            let mut code = Ok(0);
            if args.org {
                code = cli::rollup::withdraw(&store, &Policy::find(cli.policy.as_deref())?).await;
            }
            if code.is_ok() && args.deletes_local() {
                code = cli::collect::forget(&store, &config, args).await;
            }
            store.close().await;
            code
        }
        Command::Team {
            action: cli::rollup::TeamCommand::Init { org, folder, postgres, k, epsilon, allow_volatile_keyring },
        } => {
            cli::rollup::init(org, folder.as_deref(), postgres.as_deref(), *k, *epsilon, *allow_volatile_keyring).await
        }
        Command::Enrol(_) | Command::Publish(_) | Command::Sink { .. } | Command::Team { .. } => {
            let policy = Policy::find(cli.policy.as_deref())?;
            if let Command::Sink { action } = &cli.command {
                return cli::rollup::sink(&policy, action);
            }
            let store = Store::open(&data_dir(&cli)?).await?;
            let code = match &cli.command {
                Command::Enrol(args) => cli::rollup::enrol(&store, &policy, args).await,
                Command::Publish(args) => cli::rollup::publish(&store, &analyzer(&cli, &config)?, &policy, args).await,
                Command::Team { action: action @ cli::rollup::TeamCommand::Insights { .. } } => {
                    cli::rollup::team(&store, &analyzer(&cli, &config)?, &config, &policy, action).await
                }
                Command::Team { action } => {
                    cli::rollup::team(&store, &Analyzer::rules_only(), &config, &policy, action).await
                }
                _ => Ok(0),
            };
            store.close().await;
            code
        }
        Command::Export { what: ExportCommand::Insights { out } } => {
            let store = Store::open(&data_dir(&cli)?).await?;
            let code = cli::insights::export_insights(&store, out.as_ref()).await;
            store.close().await;
            code
        }
    }
}

async fn serve(cli: &Cli, config: &Config, port: Option<u16>) -> Result<u8> {
    // The optional bearer token comes from the keyring, never from a flag, an env var or
    // the config; read first, so a token that cannot be read binds no port.
    let token = cli::insights::serve_token(&data_dir(cli)?)?;
    let port = port.or(config.serve.port).unwrap_or(tally::serve::DEFAULT_PORT);
    let listener = tally::serve::bind(port).await?;
    let address = listener.local_addr().context("reading the bound address")?;
    let analyzer = Arc::new(storing_analyzer(cli, config)?);
    let store = Store::open(&data_dir(cli)?).await?;
    let stop = pipeline::stop_on_signals();
    let stopped = async move {
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    note!(
        "tally: serving the ActivityWatch API on http://{address} (auth {}); Ctrl-C to stop",
        if token.is_some() { "on" } else { "off" }
    );
    let api = Arc::new(tally::serve::Api::new(store.clone(), token).await?);
    let reporter =
        report_store_trouble(api.health(), |m| eprintln!("tally: {m}; heartbeats get 503 with Retry-After meanwhile"));
    let options = RunOptions::new(config.team(), config.focus, u64::MAX);
    let summary = tally::serve::serve_api(listener, api, &store, analyzer, options, stopped)
        .await
        .context("serving the ActivityWatch API");
    reporter.abort();
    let summary = summary?;
    store.close().await;
    note!("tally: stopped; {} events aggregated and saved", summary.events);
    Ok(0)
}

fn by_name(p: Period) -> &'static str {
    match p {
        Period::Hour => "hour",
        Period::Day => "day",
        Period::Week => "week",
    }
}

/// The operator of `tally redact`; a pseudonym key comes from the keyring (created there on first use).
fn redact_operator(config: &Config, kind: OperatorKind) -> Result<Operator> {
    Ok(match kind {
        OperatorKind::Placeholder => Operator::Placeholder,
        OperatorKind::Mask => Operator::Mask,
        OperatorKind::Pseudonym => {
            let secrets = cli::insights::secrets()?;
            let entry = &config.redact.pseudonym_key;
            let (key, created) = PseudonymKey::load_or_create(&secrets, entry).context("loading the pseudonym key")?;
            let new = if created { "new " } else { "" };
            note!("tally: operator: pseudonym ({new}key in `{entry}`, {})", secrets.backend_name());
            Operator::Pseudonym(key)
        }
    })
}

fn lines(cli: &Cli, file: Option<&Path>, config: &Config, command: LineCommand, operator: Operator) -> Result<u8> {
    let analyzer = analyzer(cli, config)?.with_operator(operator);
    let input: Box<dyn BufRead> = match file {
        Some(path) => Box::new(BufReader::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        )),
        None => Box::new(BufReader::new(std::io::stdin().lock())),
    };
    let stdout = std::io::BufWriter::new(cli::output::stdout());
    let stats = tally::filters::run(input, stdout, &analyzer, command).context("writing output")?;
    if stats.failed > 0 {
        note!("tally: {} of {} lines failed (see their `error` fields)", stats.failed, stats.ok + stats.failed);
        return Ok(1);
    }
    Ok(0)
}

/// Writes an output file owner-only and atomically (see [`tally::files::write_atomically`]).
fn write_atomically(path: &Path, write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> Result<()> {
    tally::files::write_atomically(path, write).with_context(|| format!("cannot write {}", path.display()))
}

/// Rejected records printed in full before the rest are only counted.
const SHOWN_REJECTS: usize = 20;

async fn import(cli: &Cli, config: &Config, format: Format, files: &[PathBuf], checkpoint_every: u64) -> Result<u8> {
    let analyzer = Arc::new(storing_analyzer(cli, config)?);
    let store = Store::open(&data_dir(cli)?).await?;
    let stop = pipeline::stop_on_signals();
    let mut code = 0u8;
    for path in files {
        let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
        let progress = ReadProgress::default();
        let bar = progress_bar(size, &progress);
        let mut shown = 0usize;
        let shown_path = path.display().to_string();
        let health = Arc::new(pipeline::Health::default());
        let reporter = report_store_trouble(Arc::clone(&health), {
            let (bar, shown_path) = (bar.clone(), shown_path.clone());
            move |m| bar.suspend(|| eprintln!("{shown_path}: {m} (Ctrl-C stops; importing again resumes)"))
        });
        let result = pipeline::run(
            &store,
            Arc::clone(&analyzer),
            Box::new(FileSource { format, path: path.clone(), progress }),
            RunOptions { health, ..RunOptions::new(config.team(), config.focus, checkpoint_every) },
            Arc::clone(&stop),
            |error| {
                if shown < SHOWN_REJECTS {
                    bar.suspend(|| note!("{shown_path}: {error}"));
                }
                shown += 1;
            },
        )
        .await;
        reporter.abort();
        bar.finish_and_clear();
        let summary = result.with_context(|| format!("importing {}", path.display()))?;
        if summary.skipped as usize > SHOWN_REJECTS {
            note!("{shown_path}: … and {} more rejected records", summary.skipped as usize - SHOWN_REJECTS);
        }
        let replaced = match summary.replaced {
            0 => String::new(),
            1 => ", replacing its earlier partial import".to_string(),
            n => format!(", replacing {n} earlier partial imports"),
        };
        let resumed = if summary.resumed_from > 0 {
            format!(" (resumed after record {})", summary.resumed_from)
        } else {
            String::new()
        };
        match &summary.outcome {
            RunOutcome::AlreadyImported => {
                note!("{shown_path}: already imported; nothing changed");
                continue;
            }
            RunOutcome::Complete => {
                note!(
                    "{shown_path}: imported {} records ({} active pieces), skipped {}{replaced}{resumed}",
                    summary.imported,
                    summary.events,
                    summary.skipped
                )
            }
            RunOutcome::Interrupted => {
                note!("{shown_path}: interrupted after {} records; everything read so far is saved — run the same import again to resume", summary.imported);
                return Ok(130);
            }
            RunOutcome::Truncated(problem) => {
                note!(
                    "{shown_path}: imported {} records, skipped {}{replaced}, then stopped: {problem}",
                    summary.imported,
                    summary.skipped
                );
                code = 1;
            }
        }
        for (reason, count) in &summary.reasons {
            note!("  skipped {count} × {reason}");
        }
        if summary.skipped > 0 && code == 0 {
            code = 2;
        }
    }
    store.close().await;
    Ok(code)
}

/// Says once when the store starts refusing a run's writes (the run keeps retrying) and
/// once when it takes them again.
fn report_store_trouble(
    health: Arc<pipeline::Health>,
    say: impl Fn(String) + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut refusing = false;
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            match (health.trouble(), refusing) {
                (Some(trouble), false) => say(format!("{}; retrying", trouble.problem)),
                (None, true) => say("the database takes writes again".to_string()),
                _ => continue,
            }
            refusing = !refusing;
        }
    })
}

fn progress_bar(size: u64, progress: &ReadProgress) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let (bytes, pass, ticker) = (Arc::clone(&progress.bytes), Arc::clone(&progress.pass), bar.clone());
    std::thread::spawn(move || {
        while !ticker.is_finished() {
            let prefix = match pass.load(Ordering::Relaxed) {
                1 => "scanning ",
                2 => "importing",
                _ => "importing",
            };
            ticker.set_prefix(prefix);
            ticker.set_position(bytes.load(Ordering::Relaxed));
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    bar
}
