//! `tally insights`, `tally provider`, `tally ledger` and `tally export insights`: thin
//! front doors onto `tally::insights`, the secret store and the ledger.

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use tally::analyze::Analyzer;
use tally::config::Config;
use tally::insights::{self, summary, InsightsError, Period};
use tally::outbound::provider::{ProviderKind, ProviderSettings};
use tally::secrets::{provider_key_name, BackendChoice, Secret, SecretStore};
use tally::store::ledger::LedgerEntry;
use tally::store::Store;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["preview", "send"])))]
pub struct InsightsArgs {
    /// Print the exact request body that would be sent (stdout) and what the outbound gate finds (stderr).
    #[arg(long)]
    preview: bool,
    /// Send the summary to the provider: your explicit action; recorded in the ledger.
    #[arg(long)]
    send: bool,
    /// Provider name (default: the default provider).
    #[arg(long)]
    provider: Option<String>,
    /// Any date in the week to summarize (default: the last complete week).
    #[arg(long, value_parser = crate::date_arg, value_name = "DATE")]
    week_of: Option<NaiveDate>,
    /// IANA time zone (default: config `timezone`, else the machine's).
    #[arg(long)]
    tz: Option<String>,
}

#[derive(Subcommand)]
pub enum ProviderCommand {
    /// The configured providers and whether each has a key in the OS keyring.
    List,
    /// Add a provider or change its settings (omitted options keep their values).
    Set(ProviderSetArgs),
    /// Store the provider's API key in the OS keyring, read from a prompt or one line of stdin.
    SetKey { name: String },
    /// Delete the provider's API key from the OS keyring.
    DeleteKey { name: String },
    /// Remove a provider and its key (the ledger keeps its entries).
    Remove { name: String },
    /// Send a one-line test request (through the outbound gate; recorded in the ledger).
    Test { name: Option<String> },
}

#[derive(Args)]
pub struct ProviderSetArgs {
    name: String,
    #[arg(long, value_enum)]
    kind: Option<ProviderKind>,
    /// e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1 (Ollama), https://api.anthropic.com
    #[arg(long)]
    base_url: Option<String>,
    #[arg(long)]
    model: Option<String>,
    /// Cap on the tokens of an answer.
    #[arg(long)]
    max_tokens: Option<u32>,
    /// Seconds to wait for each attempt.
    #[arg(long)]
    timeout: Option<u32>,
    /// Retries after 429 and 5xx answers.
    #[arg(long)]
    retries: Option<u32>,
    /// First backoff delay in milliseconds (doubled per retry, with jitter).
    #[arg(long)]
    retry_base_ms: Option<u32>,
    /// Make this the default provider.
    #[arg(long)]
    default: bool,
}

#[derive(Args)]
pub struct LedgerArgs {
    /// Newest entries to show.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// One JSON object per entry, with the exact payload and the (redacted) answer.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Require `Authorization: Bearer TOKEN`; the token is read from a prompt or one line of stdin.
    Set,
    /// Turn auth off again.
    Delete,
}

/// The keyring entry of `tally serve`'s bearer token.
const SERVE_TOKEN: &str = "serve:token";

/// The bearer token `tally serve` requires, if one is set. A token recorded as set in
/// `data_dir` that the keyring in use cannot find is an error: serve never fails open.
pub fn serve_token(data_dir: &Path) -> Result<Option<String>> {
    let fix = "`tally serve` does not start without it: set it again with `tally serve-token set`, or turn auth \
               off on purpose with `tally serve-token delete`";
    Ok(secrets()?.get_recorded(data_dir, SERVE_TOKEN, fix)?.map(|s| s.expose().to_string()))
}

pub fn token(command: &TokenCommand, data_dir: &Path) -> Result<u8> {
    let secrets = secrets()?;
    match command {
        TokenCommand::Set => {
            let secret = Secret::new(&read_secret("Bearer token for `tally serve` (not echoed): ")?)?;
            secrets.set_recorded(data_dir, SERVE_TOKEN, &secret)?;
            note!("tally: `tally serve` now requires this bearer token (kept in {})", secrets.backend_name());
        }
        TokenCommand::Delete => {
            let deleted = secrets.delete_recorded(data_dir, SERVE_TOKEN)?;
            note!(
                "tally: {}",
                if deleted { "token deleted; `tally serve` runs without auth" } else { "no token was set" }
            );
        }
    }
    Ok(0)
}

/// A secret from a prompt without echo, or one line of stdin; never from argv.
pub fn read_secret(prompt: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).context("reading from the terminal")
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("reading from stdin")?;
        Ok(line)
    }
}

pub fn secrets() -> Result<SecretStore> {
    Ok(SecretStore::open(BackendChoice::from_env()?)?)
}

fn period(config: &Config, week_of: Option<NaiveDate>, tz: Option<&str>) -> Result<Period> {
    let zone = config.zone(tz).map_err(anyhow::Error::msg)?;
    let monday = match week_of {
        Some(date) => summary::week_of(date),
        None => summary::last_complete_week(tally::report::today(&zone)),
    };
    Ok(Period { monday, zone })
}

pub async fn insights(store: &Store, analyzer: &Analyzer, config: &Config, args: &InsightsArgs) -> Result<u8> {
    let period = period(config, args.week_of, args.tz.as_deref())?;
    let provider = args.provider.as_deref();
    if args.preview {
        let preview = insights::preview(store, analyzer, &config.insights, provider, &period).await?;
        return print_preview(&preview);
    }
    let http = insights::client::http_client();
    let secrets = secrets()?;
    match insights::send(store, analyzer, &secrets, &http, &config.insights, provider, &period).await {
        Ok(sent) => {
            print_answer(&sent.entry)?;
            Ok(0)
        }
        Err(e) => Err(ledgered(e)),
    }
}

/// Prints a preview: the exact body on stdout, where it would go and the gate's verdict
/// on stderr. Exit status 2 when the gate would block it.
pub fn print_preview(preview: &insights::Preview) -> Result<u8> {
    let mut err = std::io::stderr().lock();
    match (&preview.provider, &preview.endpoint) {
        (Some(p), Some(endpoint)) => {
            writeln!(err, "tally: preview of POST {endpoint} (provider `{}`, model `{}`)", p.name, p.model)?;
            writeln!(err, "tally:   content-type: application/json")?;
            for (name, value) in &preview.headers {
                writeln!(err, "tally:   {name}: {value}")?;
            }
        }
        _ => writeln!(err, "tally: no provider is configured, so nothing can be sent; the request would carry:")?,
    }
    writeln!(err, "tally: body {} bytes, SHA-256 {}", preview.body.len(), preview.sha256)?;
    crate::cli::output::stdout().write_all(&preview.body).context("writing the preview to stdout")?;
    outln!()?;
    if preview.findings.is_empty() {
        note!("tally: outbound gate: clear (nothing detected)");
        return Ok(0);
    }
    let shown: Vec<String> = preview.findings.iter().map(ToString::to_string).collect();
    note!("tally: outbound gate: a send would be BLOCKED: {}", shown.join("; "));
    Ok(2)
}

/// Adds where the attempt was recorded to an error from a send.
pub fn ledgered(e: InsightsError) -> anyhow::Error {
    let recorded = matches!(e, InsightsError::Blocked(_) | InsightsError::Provider(_) | InsightsError::Secret(_));
    let e = anyhow::Error::new(e);
    if recorded {
        e.context("nothing was received (the attempt is recorded in the ledger: `tally ledger`)")
    } else {
        e
    }
}

pub fn print_answer(entry: &LedgerEntry) -> std::io::Result<()> {
    outln!("{}", entry.response.as_deref().unwrap_or_default())?;
    let attempts = entry.attempts.as_array().map_or(0, Vec::len);
    note!(
        "tally: answered by `{}` ({}) after {attempts} attempt(s); ledger entry #{}, payload SHA-256 {}",
        entry.provider,
        entry.model,
        entry.id,
        entry.payload_sha256
    );
    if entry.flagged() {
        let found: Vec<String> = entry.response_redactions.iter().map(|(l, n)| format!("{l} {n}")).collect();
        note!("tally: FLAGGED: the answer contained {}; those parts were redacted", found.join(", "));
    }
    Ok(())
}

pub async fn provider(store: &Store, analyzer: &Analyzer, command: &ProviderCommand) -> Result<u8> {
    match command {
        ProviderCommand::List => {
            let providers = store.providers().await?;
            if providers.is_empty() {
                outln!(
                    "No providers. Add one with `tally provider set NAME --kind openai --base-url URL --model MODEL`."
                )?;
                return Ok(0);
            }
            let secrets = secrets()?;
            outln!("{:<16} {:<13} {:<24} {:<6} BASE URL", "NAME", "KIND", "MODEL", "KEY")?;
            for (p, is_default) in providers {
                let key = match secrets.get(&provider_key_name(&p.name)) {
                    Ok(Some(_)) => "set",
                    Ok(None) => "-",
                    Err(_) => "?",
                };
                let name = if is_default { format!("{} *", p.name) } else { p.name.clone() };
                outln!("{name:<16} {:<13} {:<24} {key:<6} {}", p.kind.as_str(), p.model, p.base_url)?;
            }
            outln!("(* default; keys in {})", secrets.backend_name())?;
            Ok(0)
        }
        ProviderCommand::Set(args) => {
            let existing = store.provider(&args.name).await?;
            let settings = merge_settings(existing, args)?;
            settings.validate()?;
            store.set_provider(&settings, args.default).await?;
            note!(
                "tally: provider `{}` saved ({} at {}, model {}). Set its key with `tally provider set-key {}`.",
                settings.name,
                settings.kind.as_str(),
                settings.base_url,
                settings.model,
                settings.name
            );
            Ok(0)
        }
        ProviderCommand::SetKey { name } => {
            if store.provider(name).await?.is_none() {
                bail!("no provider named `{name}`: add it first with `tally provider set {name} …`");
            }
            let value = read_secret(&format!("API key for `{name}` (not echoed): "))?;
            let secret = Secret::new(&value)?;
            let secrets = secrets()?;
            secrets.set(&provider_key_name(name), &secret)?;
            note!("tally: key for `{name}` stored in {}", secrets.backend_name());
            Ok(0)
        }
        ProviderCommand::DeleteKey { name } => {
            let secrets = secrets()?;
            if secrets.delete(&provider_key_name(name))? {
                note!("tally: key for `{name}` deleted from {}", secrets.backend_name());
            } else {
                note!("tally: no key for `{name}` in {}", secrets.backend_name());
            }
            Ok(0)
        }
        ProviderCommand::Remove { name } => {
            if !store.remove_provider(name).await? {
                bail!("no provider named `{name}`: see `tally provider list`");
            }
            secrets()?.delete(&provider_key_name(name))?;
            note!("tally: provider `{name}` and its key removed; its ledger entries stay");
            Ok(0)
        }
        ProviderCommand::Test { name } => {
            let http = insights::client::http_client();
            let secrets = secrets()?;
            match insights::test_provider(store, analyzer, &secrets, &http, name.as_deref()).await {
                Ok(sent) => {
                    print_answer(&sent.entry)?;
                    Ok(0)
                }
                Err(e) => Err(ledgered(e)),
            }
        }
    }
}

fn merge_settings(existing: Option<ProviderSettings>, a: &ProviderSetArgs) -> Result<ProviderSettings> {
    let base = match existing {
        Some(p) => p,
        None => {
            let kind = a.kind.context("a new provider needs --kind (openai, azure-openai or anthropic)")?;
            let base_url = match (kind, &a.base_url) {
                (_, Some(url)) => url.clone(),
                (ProviderKind::Openai, None) => "https://api.openai.com/v1".into(),
                (ProviderKind::Anthropic, None) => "https://api.anthropic.com".into(),
                (ProviderKind::AzureOpenai, None) => {
                    bail!("an azure-openai provider needs --base-url (its deployment URL with ?api-version=…)")
                }
            };
            ProviderSettings::new(
                a.name.clone(),
                kind,
                base_url,
                a.model.clone().context("a new provider needs --model")?,
            )
        }
    };
    Ok(ProviderSettings {
        name: base.name,
        kind: a.kind.unwrap_or(base.kind),
        base_url: a.base_url.clone().unwrap_or(base.base_url),
        model: a.model.clone().unwrap_or(base.model),
        max_tokens: a.max_tokens.unwrap_or(base.max_tokens),
        timeout_secs: a.timeout.unwrap_or(base.timeout_secs),
        max_retries: a.retries.unwrap_or(base.max_retries),
        retry_base_ms: a.retry_base_ms.unwrap_or(base.retry_base_ms),
    })
}

pub async fn ledger(store: &Store, args: &LedgerArgs) -> Result<u8> {
    let entries = store.ledger(args.limit).await?;
    let mut out = crate::cli::output::stdout();
    if args.json {
        for entry in &entries {
            serde_json::to_writer(&mut out, entry).context("writing the ledger")?;
            writeln!(out)?;
        }
        return Ok(0);
    }
    if entries.is_empty() {
        writeln!(out, "The ledger is empty: nothing has been sent off this machine.")?;
        return Ok(0);
    }
    writeln!(
        out,
        "{:>4}  {:<24} {:<13} {:<22} {:<8} {:>6} {:>4}  SHA-256",
        "#", "AT", "PURPOSE", "PROVIDER/MODEL", "OUTCOME", "HTTP", "TRIES"
    )?;
    for e in &entries {
        let tries = e.attempts.as_array().map_or(0, Vec::len);
        let status = e.http_status.map_or("-".to_string(), |s| s.to_string());
        let who = format!("{}/{}", e.provider, e.model);
        let flag = if e.flagged() { " (answer flagged)" } else { "" };
        writeln!(
            out,
            "{:>4}  {:<24} {:<13} {:<22} {:<8} {:>6} {:>4}  {}{flag}",
            e.id,
            e.at,
            e.purpose,
            who,
            e.outcome,
            status,
            tries,
            &e.payload_sha256[..e.payload_sha256.len().min(16)]
        )?;
        if let Some(error) = &e.error {
            writeln!(out, "      {error}")?;
        }
    }
    writeln!(out, "(`tally ledger --json` shows the exact payloads and answers)")?;
    Ok(0)
}

/// The insights received so far, newest first, as Markdown.
pub async fn export_insights(store: &Store, out: Option<&PathBuf>) -> Result<u8> {
    let entries: Vec<LedgerEntry> =
        store.ledger(u32::MAX).await?.into_iter().filter(|e| e.purpose == "insight" && e.outcome == "sent").collect();
    let mut text = String::from("# Tally insights\n");
    if entries.is_empty() {
        text.push_str("\nNo insights yet: `tally insights --send` asks the configured provider for some.\n");
    }
    for e in &entries {
        let period = match (&e.period_start, &e.period_end) {
            (Some(s), Some(end)) => format!("week {s} to {end} (exclusive)"),
            _ => "no period".into(),
        };
        text.push_str(&format!("\n## {period}\n\n_{} · {}/{} · ledger #{}_\n\n", e.at, e.provider, e.model, e.id));
        text.push_str(e.response.as_deref().unwrap_or_default().trim());
        text.push('\n');
        if e.flagged() {
            text.push_str("\n> The answer contained personal data; it was redacted before it was stored.\n");
        }
    }
    match out {
        Some(path) => crate::write_atomically(path, |w| w.write_all(text.as_bytes()))?,
        None => crate::cli::output::stdout().write_all(text.as_bytes()).context("writing insights to stdout")?,
    }
    note!("tally: {} insight(s) exported", entries.len());
    Ok(0)
}
