//! `tally enrol`, `publish`, `sink`, `team` and `forget --org`: the org rollup's front
//! door (DESIGN §9), one engine call each.

use super::insights::{read_secret, secrets};
use anyhow::{bail, Context, Result};
use chrono::{NaiveDate, TimeDelta};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use tally::analyze::Analyzer;
use tally::rollup::actions::{self, InitTarget, TeamReport, TokenAuthority};
use tally::rollup::policy::Policy;
use tally::rollup::{EnrolmentToken, TeamPeriod};
use tally::secrets::Secret;
use tally::store::Store;

#[derive(Args)]
pub struct EnrolArgs {
    /// Withdraw the current install id's contributions and enrol under a new random id and key.
    #[arg(long)]
    rotate: bool,
}

#[derive(Subcommand)]
pub enum SinkCommand {
    /// Keep the database password in the OS keyring (read from a prompt or stdin).
    SetPassword {
        /// The admin's reader password instead of the publisher's.
        #[arg(long)]
        reader: bool,
    },
    /// Remove a database password from the OS keyring.
    DeletePassword {
        #[arg(long)]
        reader: bool,
    },
}

#[derive(Subcommand)]
pub enum TeamCommand {
    /// Set up an organisation (admin); for a folder, prints the public key for the policy. Then issue tokens.
    Init {
        /// Organisation id (1–40 of a-z, 0-9, -).
        #[arg(long)]
        org: String,
        /// A shared folder to create.
        #[arg(long, conflicts_with = "postgres", required_unless_present = "postgres")]
        folder: Option<PathBuf>,
        /// The database owner's postgres:// URL (its password is read from a prompt or stdin).
        #[arg(long)]
        postgres: Option<String>,
        /// Minimum contributors per released cell (at least 5).
        #[arg(long, default_value_t = tally::rollup::MIN_K)]
        k: u32,
        /// PostgreSQL: the privacy budget ε per team-week of the database's noise (default 8).
        #[arg(long, requires = "postgres")]
        epsilon: Option<f64>,
        /// Folder: keep the organisation's key in keyutils even though it is lost at reboot
        /// (back it up at once with `tally team key export`).
        #[arg(long)]
        allow_volatile_keyring: bool,
    },
    /// The organisation's folder key (admin): a backup the admin keeps.
    Key {
        #[command(subcommand)]
        what: KeyCommand,
    },
    /// Per-device enrolment tokens (IT): issue, list, revoke.
    Tokens {
        #[command(subcommand)]
        what: TokensCommand,
    },
    /// How many installs are enrolled in this install's team (and its declared roster).
    Status,
    /// Team and org trends (admin mode): released cells only.
    Report(ReportArgs),
    /// Team exports (admin mode).
    Export {
        #[command(subcommand)]
        what: TeamExport,
    },
    /// The local audit log of team views and exports.
    Audit,
    /// Ask a frontier model about the org's trends: a summary of released cells only, shown first (--preview) or sent (--send).
    Insights {
        #[arg(long, conflicts_with = "send", required_unless_present = "send")]
        preview: bool,
        #[arg(long)]
        send: bool,
        /// Provider name (default: the default provider).
        #[arg(long)]
        provider: Option<String>,
        /// Any date in the week to summarize (default: the last complete week).
        #[arg(long, value_parser = crate::date_arg, value_name = "DATE")]
        week_of: Option<NaiveDate>,
    },
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Write the folder's secret key (hex) to a new file, readable by its owner only.
    Export {
        /// The file to create; an existing file is never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum TokensCommand {
    /// Issue single-use tokens for one team, one per device; prints them once.
    Issue {
        /// The team label the tokens enrol into (it needs a size under [roster] in the policy).
        #[arg(long)]
        team: String,
        #[arg(long, default_value_t = 1)]
        count: u32,
        #[command(flatten)]
        owner: OwnerArgs,
    },
    /// The issued tokens: id, team, issued, used by, revoked (never the secrets).
    List {
        #[command(flatten)]
        owner: OwnerArgs,
    },
    /// Revoke a token by id: it enrols nothing more, and its install stops counting.
    Revoke {
        id: String,
        #[command(flatten)]
        owner: OwnerArgs,
    },
}

#[derive(Args)]
pub struct OwnerArgs {
    /// PostgreSQL: the database owner's postgres:// URL (its password is read from a prompt or stdin). A folder's tokens live on this admin machine.
    #[arg(long)]
    postgres: Option<String>,
}

#[derive(Subcommand)]
pub enum TeamExport {
    /// The team CSV: DESIGN §7a plus `contributors`.
    Csv {
        #[command(flatten)]
        range: ReportArgs,
        /// Output file (default: stdout). Written atomically.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct ReportArgs {
    /// First date (default: 90 days before --to).
    #[arg(long, value_parser = crate::date_arg)]
    from: Option<NaiveDate>,
    /// Last date, inclusive (default: today).
    #[arg(long, value_parser = crate::date_arg)]
    to: Option<NaiveDate>,
    #[arg(long, value_enum, default_value = "week")]
    by: TeamPeriod,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn today(policy: &Policy) -> NaiveDate {
    chrono::Utc::now().with_timezone(&policy.time_zone).date_naive()
}

pub async fn enrol(store: &Store, policy: &Policy, args: &EnrolArgs) -> Result<u8> {
    if let (Some(row), false) = (store.enrolment(&policy.org).await?, args.rotate) {
        outln!(
            "enrolled in `{}` as install {} ({} sink) since {}",
            row.org,
            row.install_id,
            row.sink_kind,
            row.enrolled_at
        )?;
        return Ok(0);
    }
    let token = EnrolmentToken::parse(&read_secret("Enrolment token from IT: ")?)?;
    let row = actions::enrol(store, &secrets()?, policy, &token, args.rotate).await?;
    outln!("enrolled in `{}` as install {} ({} sink)", row.org, row.install_id, row.sink_kind)?;
    Ok(0)
}

#[derive(Args)]
pub struct PublishArgs {
    /// Send everything again, changed or not (repairs a sink whose copy was lost or replaced).
    #[arg(long)]
    force: bool,
}

pub async fn publish(store: &Store, analyzer: &Analyzer, policy: &Policy, args: &PublishArgs) -> Result<u8> {
    let done = actions::publish(store, analyzer, &secrets()?, policy, today(policy), args.force).await?;
    match done.ledger_id {
        None => outln!("nothing new to publish")?,
        Some(id) => outln!(
            "published {} days ({} cells, {} rows written) to `{}`; ledger entry {id}",
            done.days,
            done.cells,
            done.rows_written,
            policy.org
        )?,
    }
    Ok(0)
}

pub async fn withdraw(store: &Store, policy: &Policy) -> Result<u8> {
    let removed = actions::withdraw(store, &secrets()?, policy).await?;
    outln!("withdrew this install's contributions from `{}` ({removed} removed)", policy.org)?;
    Ok(0)
}

pub fn sink(policy: &Policy, command: &SinkCommand) -> Result<u8> {
    let store = secrets()?;
    let entry = |reader: bool| {
        if reader {
            actions::reader_password_entry(&policy.org)
        } else {
            actions::sink_password_entry(&policy.org)
        }
    };
    match command {
        SinkCommand::SetPassword { reader } => {
            let secret = Secret::new(&read_secret("Database password: ")?)?;
            store.set(&entry(*reader), &secret)?;
            outln!("password kept in the OS keyring ({}) as `{}`", store.backend_name(), entry(*reader))?;
        }
        SinkCommand::DeletePassword { reader } => {
            let gone = store.delete(&entry(*reader))?;
            outln!("{}", if gone { "password deleted" } else { "there was no password" })?;
        }
    }
    Ok(0)
}

pub async fn init(
    org: &str,
    folder: Option<&Path>,
    postgres: Option<&str>,
    k: u32,
    epsilon: Option<f64>,
    allow_volatile_keyring: bool,
) -> Result<u8> {
    if k < tally::rollup::MIN_K {
        bail!("--k must be at least {}: nothing lowers k", tally::rollup::MIN_K);
    }
    let secrets = secrets()?;
    // Losing the folder key makes every sealed contribution unreadable, so a store that
    // forgets at reboot takes it only when the admin says so.
    if folder.is_some() && !secrets.survives_reboot() {
        if !allow_volatile_keyring {
            bail!(
                "the organisation's folder key would live only in {}, which loses it at reboot, and every sealed \
                 contribution would then be unreadable. Run `tally team init` where the Secret Service answers \
                 (TALLY_KEYRING=secret-service with a D-Bus session), or pass --allow-volatile-keyring and back \
                 the key up at once with `tally team key export --out FILE`",
                secrets.backend_name()
            );
        }
        note!(
            "tally: warning: the folder key is in {}, which loses it at reboot; back it up now with \
             `tally team key export --out FILE`",
            secrets.backend_name()
        );
    }
    let password;
    let target = match (folder, postgres) {
        (Some(path), _) => InitTarget::Folder(path),
        (None, Some(url)) => {
            password = Secret::new(&read_secret("Database owner password: ")?).ok();
            InitTarget::Postgres { owner_url: url, password: password.as_ref(), epsilon }
        }
        _ => bail!("say where: --folder DIR or --postgres URL"),
    };
    let setup = actions::init_org(&secrets, org, &target, k).await?;
    outln!("organisation `{org}` is ready.")?;
    if let Some(key) = setup.org_public_key {
        outln!("its folder key is in this machine's keyring; back it up.")?;
        outln!("org_public_key = \"{key}\"   # for [sink] in the policy file")?;
    }
    outln!("next: declare each team's size under [roster] in the policy, then `tally team tokens issue --team T --count N`")?;
    Ok(0)
}

async fn report(store: &Store, policy: &Policy, args: &ReportArgs, action: &str) -> Result<TeamReport> {
    let to = args.to.unwrap_or_else(|| today(policy));
    let from = args.from.unwrap_or(to - TimeDelta::days(90));
    if to < from {
        bail!("--to ({to}) is before --from ({from})");
    }
    Ok(actions::team_report(store, &secrets()?, policy, (from, to), args.by, action).await?)
}

pub async fn team(
    store: &Store,
    analyzer: &Analyzer,
    config: &tally::config::Config,
    policy: &Policy,
    command: &TeamCommand,
) -> Result<u8> {
    match command {
        TeamCommand::Insights { preview, send: _, provider, week_of } => {
            use tally::insights::{self, summary};
            let secrets = secrets()?;
            let monday = week_of.map(summary::week_of).unwrap_or_else(|| summary::last_complete_week(today(policy)));
            let s = actions::team_summary(store, &secrets, policy, monday, config.insights.baseline_weeks()).await?;
            if *preview {
                let p = insights::preview_summary(store, analyzer, &config.insights, provider.as_deref(), s).await?;
                return super::insights::print_preview(&p);
            }
            let settings = insights::choose_provider(store, provider.as_deref()).await?;
            let http = insights::client::http_client();
            match insights::send_summary(store, analyzer, &secrets, &http, &config.insights, &settings, &s).await {
                Ok(sent) => {
                    super::insights::print_answer(&sent.entry)?;
                    Ok(0)
                }
                Err(e) => Err(super::insights::ledgered(e)),
            }
        }
        TeamCommand::Init { .. } => unreachable!("handled before a policy is needed"),
        TeamCommand::Tokens { what } => tokens(policy, what).await,
        TeamCommand::Key { what: KeyCommand::Export { out } } => export_key(policy, out),
        TeamCommand::Status => {
            let s = actions::team_status(store, &secrets()?, policy).await?;
            match (&policy.sink, s.roster) {
                (tally::rollup::policy::SinkConfig::Folder { .. }, _) => outln!(
                    "{} enrolments in the shared folder (all teams); in folder mode the organisation's admin can open every install's daily figures",
                    s.enrolled
                )?,
                (_, Some(roster)) => {
                    outln!("team `{}`: {} installs enrolled of a declared roster of {roster}", s.team, s.enrolled)?
                }
                (_, None) => outln!("team `{}`: {} installs enrolled (no roster declared)", s.team, s.enrolled)?,
            }
            Ok(0)
        }
        TeamCommand::Report(args) => {
            let r = report(store, policy, args, "report").await?;
            if args.json {
                outln!("{}", serde_json::to_string_pretty(&r)?)?;
                return Ok(0);
            }
            outln!(
                "org `{}`, {} to {} by {}; cells need ≥ {} contributors",
                r.org,
                r.from,
                r.to,
                r.period.as_str(),
                r.k
            )?;
            if let Some(n) = &r.noise {
                outln!("{}", n.describe())?;
            }
            outln!(
                "{:<12} {:<16} {:>5} {:<14} {:>10} {:>10} {:>8}",
                "period",
                "team",
                "n",
                "category",
                "active h",
                "focus h",
                "ε spent"
            )?;
            for c in r.teams.iter().chain(&r.org_cells) {
                let team = if c.team.is_empty() { "(all shown)" } else { &c.team };
                outln!(
                    "{:<12} {:<16} {:>5} {:<14} {:>10.1} {:>10.1} {:>8}",
                    c.period_start.to_string(),
                    team,
                    c.contributors,
                    c.category.as_str(),
                    c.measures.active_seconds as f64 / 3600.0,
                    c.measures.focus_seconds as f64 / 3600.0,
                    c.epsilon.map(|e| e.to_string()).unwrap_or_else(|| "-".into())
                )?;
            }
            if r.skipped_files + r.skipped_cells > 0 {
                outln!(
                    "ignored: {} files and {} cells that did not open, verify or stay within the daily caps",
                    r.skipped_files,
                    r.skipped_cells
                )?;
            }
            if r.refused_enrolments > 0 {
                outln!(
                    "refused: {} enrolments (a second key for a pinned install, a reused token, or beyond a roster)",
                    r.refused_enrolments
                )?;
            }
            Ok(0)
        }
        TeamCommand::Export { what: TeamExport::Csv { range, out } } => {
            let r = report(store, policy, range, "export-csv").await?;
            match out {
                Some(path) => crate::write_atomically(path, |w| actions::write_team_csv(&r, w))?,
                None => actions::write_team_csv(&r, crate::cli::output::stdout()).context("writing to stdout")?,
            }
            if let Some(n) = &r.noise {
                note!("tally: {}", n.describe());
            }
            note!("tally: {} team rows, {} to {} by {}", r.teams.len(), r.from, r.to, r.period.as_str());
            Ok(0)
        }
        TeamCommand::Audit => {
            for a in store.audit_log(200).await? {
                outln!(
                    "{}  {:<10} {:<6} {}..{}  k={} ε={} cells={}",
                    a.at,
                    a.action,
                    a.period,
                    a.from_day,
                    a.to_day,
                    a.k,
                    a.epsilon.map(|e| e.to_string()).unwrap_or_else(|| "-".into()),
                    a.cells
                )?;
            }
            Ok(0)
        }
    }
}

/// Writes the folder key to a new owner-only file: the admin's backup against losing
/// the keyring (keyutils forgets at reboot).
fn export_key(policy: &Policy, out: &Path) -> Result<u8> {
    let key = actions::export_org_key(&secrets()?, policy)?;
    tally::files::write_new_private(out, format!("{}\n", key.expose()).as_bytes()).with_context(|| {
        format!("cannot write the new file {} (an existing file is never overwritten)", out.display())
    })?;
    note!(
        "tally: warning: {} holds the organisation's folder secret key: whoever reads it opens every install's \
         daily figures. Keep it offline or in a password manager, and delete this copy once it is stored",
        out.display()
    );
    Ok(0)
}

async fn tokens(policy: &Policy, what: &TokensCommand) -> Result<u8> {
    let owner = match what {
        TokensCommand::Issue { owner, .. } | TokensCommand::List { owner } | TokensCommand::Revoke { owner, .. } => {
            owner
        }
    };
    let password;
    let authority = match (&policy.sink, &owner.postgres) {
        (tally::rollup::policy::SinkConfig::Folder { .. }, None) => TokenAuthority::Folder,
        (tally::rollup::policy::SinkConfig::Postgres { .. }, Some(url)) => {
            password = Secret::new(&read_secret("Database owner password: ")?).ok();
            TokenAuthority::Postgres { owner_url: url, password: password.as_ref() }
        }
        (tally::rollup::policy::SinkConfig::Postgres { .. }, None) => {
            bail!("the policy's sink is PostgreSQL: give the owner's URL with --postgres")
        }
        (tally::rollup::policy::SinkConfig::Folder { .. }, Some(_)) => {
            bail!("the policy's sink is a shared folder: its tokens live on this admin machine; drop --postgres")
        }
    };
    match what {
        TokensCommand::Issue { team, count, .. } => {
            let issued = actions::issue_tokens(&secrets()?, policy, &authority, team, *count).await?;
            note!("tally: {} tokens for team `{team}`; each enrols one device once. They are secrets: hand them out, do not keep them.", issued.len());
            for t in issued {
                outln!("{}", t.expose())?;
            }
        }
        TokensCommand::List { .. } => {
            outln!("{:<36}  {:<16} {:<20} {:<36} revoked", "token", "team", "issued", "used by")?;
            for t in actions::list_tokens(&secrets()?, policy, &authority).await? {
                outln!(
                    "{:<36}  {:<16} {:<20} {:<36} {}",
                    t.id.as_str(),
                    t.team,
                    t.issued_at,
                    t.used_by.as_deref().unwrap_or("-"),
                    t.revoked_at.as_deref().unwrap_or("-")
                )?;
            }
        }
        TokensCommand::Revoke { id, .. } => {
            let id = tally::rollup::InstallId::parse(id)
                .context("a token id is a lower-case UUID (see `tally team tokens list`)")?;
            if actions::revoke_token(&secrets()?, policy, &authority, &id).await? {
                outln!("token {id} revoked; the install it enrolled, if any, no longer counts")?;
            } else {
                bail!("no token {id} to revoke");
            }
        }
    }
    Ok(0)
}
