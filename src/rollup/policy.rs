//! The policy file IT deploys (TOML): the organisation, this install's team label, k,
//! ε, the sink, the publish interval, admin mode and provider endpoints. It never holds
//! a secret: a sink URL with a password in it is refused. A database off this machine
//! must be reached with `sslmode=verify-full`, and team labels may not start like a
//! spreadsheet formula.
//!
//! Found at `--policy` → env `TALLY_POLICY` → `/etc/tally/policy.toml` →
//! `<config dir>/tally/policy.toml`; without one, nothing is published.

use super::identity::valid_org;
use super::MIN_K;
use crate::analyze::rules::describe_toml_error;
use crate::outbound::provider::{ProviderKind, ProviderSettings};
use base64::Engine as _;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read the policy file {path}: {reason}")]
    Read { path: PathBuf, reason: std::io::Error },
    #[error("the policy file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("the policy file {path}, field `{field}`: {why}")]
    Field { path: PathBuf, field: String, why: String },
    #[error("no policy file: this install is not part of an organisation rollup (looked at --policy, TALLY_POLICY, /etc/tally/policy.toml and ~/.config/tally/policy.toml)")]
    Missing,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    org: OrgSection,
    sink: SinkSection,
    /// Each team's declared size: enrolments beyond it are refused.
    #[serde(default)]
    roster: BTreeMap<String, u32>,
    #[serde(default)]
    provider: Vec<ProviderSection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgSection {
    id: String,
    team: String,
    #[serde(default = "default_k")]
    k: u32,
    epsilon: Option<f64>,
    #[serde(default = "default_tz")]
    time_zone: String,
    #[serde(default = "default_interval")]
    publish_interval_hours: u32,
    #[serde(default = "default_lookback")]
    publish_days: u32,
    #[serde(default)]
    admin: bool,
    #[serde(default = "default_granularity")]
    granularity: String,
    #[serde(default)]
    share_apps: bool,
}

fn default_k() -> u32 {
    MIN_K
}
fn default_tz() -> String {
    "UTC".into()
}
fn default_interval() -> u32 {
    6
}
fn default_lookback() -> u32 {
    90
}
fn default_granularity() -> String {
    "day".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SinkSection {
    kind: String,
    url: Option<String>,
    reader_url: Option<String>,
    path: Option<PathBuf>,
    org_public_key: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderSection {
    name: String,
    kind: String,
    base_url: String,
    model: String,
}

/// Where contributions go.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkConfig {
    Postgres {
        /// The publisher's connection URL (no password; it is in the keyring). A
        /// non-loopback host needs `sslmode=verify-full`.
        url: String,
        /// The reader's connection URL, for admin mode (checked like `url`).
        reader_url: Option<String>,
    },
    Folder {
        path: PathBuf,
        /// The organisation's X25519 public key.
        org_public_key: [u8; 32],
    },
}

impl SinkConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            SinkConfig::Postgres { .. } => "postgres",
            SinkConfig::Folder { .. } => "folder",
        }
    }

    /// What the ledger names as the endpoint: the server and database, or the folder.
    pub fn endpoint(&self) -> String {
        match self {
            SinkConfig::Postgres { url, .. } => match reqwest::Url::parse(url) {
                Ok(u) => format!("postgres://{}:{}{}", u.host_str().unwrap_or(""), u.port().unwrap_or(5432), u.path()),
                Err(_) => "postgres".into(),
            },
            SinkConfig::Folder { path, .. } => path.display().to_string(),
        }
    }
}

/// A checked policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub org: String,
    pub team: String,
    pub k: u32,
    pub epsilon: Option<f64>,
    pub time_zone: chrono_tz::Tz,
    pub publish_interval_hours: u32,
    /// How many days back each publish covers.
    pub publish_days: u32,
    pub admin: bool,
    pub sink: SinkConfig,
    /// Each team's declared size (`[roster]`): how many installs may enrol in it.
    pub roster: BTreeMap<String, u32>,
    pub providers: Vec<ProviderSettings>,
    pub path: PathBuf,
}

impl Policy {
    /// The policy at `explicit`, else the first of `TALLY_POLICY`, `/etc/tally/policy.toml`,
    /// `<config dir>/tally/policy.toml` that exists; `Missing` when none does.
    pub fn find(explicit: Option<&Path>) -> Result<Policy, PolicyError> {
        let candidates: Vec<PathBuf> = match explicit {
            Some(p) => vec![p.to_path_buf()],
            None => std::env::var_os("TALLY_POLICY")
                .map(PathBuf::from)
                .into_iter()
                .chain([PathBuf::from("/etc/tally/policy.toml")])
                .chain(dirs::config_dir().map(|d| d.join("tally").join("policy.toml")))
                .collect(),
        };
        for (i, path) in candidates.iter().enumerate() {
            // An explicit path or TALLY_POLICY must exist; the default places may not.
            if path.exists() || (i == 0 && (explicit.is_some() || std::env::var_os("TALLY_POLICY").is_some())) {
                return Policy::load(path);
            }
        }
        Err(PolicyError::Missing)
    }

    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|reason| PolicyError::Read { path: path.into(), reason })?;
        Policy::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Policy, PolicyError> {
        let file: PolicyFile = toml::from_str(text)
            .map_err(|e| PolicyError::Parse { path: path.into(), message: describe_toml_error(text, &e) })?;
        let bad =
            |field: &str, why: &str| PolicyError::Field { path: path.into(), field: field.into(), why: why.into() };
        let o = file.org;
        if !valid_org(&o.id) {
            return Err(bad("org.id", "use 1–40 of a-z, 0-9 and '-'"));
        }
        if o.team.trim().is_empty() || o.team.chars().count() > 64 || o.team.chars().any(char::is_control) {
            return Err(bad("org.team", "a team label of 1–64 printable characters"));
        }
        if crate::report::starts_like_formula(&o.team) {
            return Err(bad(
                "org.team",
                "must not start with =, +, -, @, tab or carriage return: spreadsheets opening the team CSV read such a label as a formula",
            ));
        }
        if o.k < MIN_K {
            return Err(bad("org.k", "must be at least 5: a policy may raise k, nothing lowers it"));
        }
        if o.k > 1000 {
            return Err(bad("org.k", "must be at most 1000"));
        }
        if let Some(e) = o.epsilon {
            if !(e.is_finite() && e > 0.0 && e <= 100.0) {
                return Err(bad("org.epsilon", "must be a number in (0, 100]"));
            }
        }
        let time_zone =
            o.time_zone.parse::<chrono_tz::Tz>().map_err(|_| bad("org.time_zone", "not an IANA time zone"))?;
        if !(1..=24 * 7).contains(&o.publish_interval_hours) {
            return Err(bad("org.publish_interval_hours", "must be between 1 and 168"));
        }
        if !(1..=400).contains(&o.publish_days) {
            return Err(bad("org.publish_days", "must be between 1 and 400"));
        }
        if o.granularity != "day" {
            return Err(bad("org.granularity", "only \"day\" is supported: hourly contributions are not built yet"));
        }
        if o.share_apps {
            return Err(bad(
                "org.share_apps",
                "sharing app names is not supported yet; contributions carry categories only",
            ));
        }
        let s = file.sink;
        let sink = match s.kind.as_str() {
            "postgres" => {
                let url = s.url.ok_or_else(|| bad("sink.url", "a postgres:// URL is required"))?;
                check_pg_url(&url).map_err(|why| bad("sink.url", why))?;
                if let Some(r) = &s.reader_url {
                    check_pg_url(r).map_err(|why| bad("sink.reader_url", why))?;
                }
                if s.path.is_some() || s.org_public_key.is_some() {
                    return Err(bad("sink", "path and org_public_key belong to kind = \"folder\""));
                }
                SinkConfig::Postgres { url, reader_url: s.reader_url }
            }
            "folder" => {
                let p = s.path.ok_or_else(|| bad("sink.path", "the shared folder is required"))?;
                if !p.is_absolute() {
                    return Err(bad("sink.path", "must be an absolute path"));
                }
                let key = s.org_public_key.ok_or_else(|| bad("sink.org_public_key", "required for a folder sink"))?;
                let key = base64::engine::general_purpose::STANDARD
                    .decode(key.trim())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| {
                        bad("sink.org_public_key", "must be 32 bytes in base64 (`tally team init` prints it)")
                    })?;
                if s.url.is_some() || s.reader_url.is_some() {
                    return Err(bad("sink", "url and reader_url belong to kind = \"postgres\""));
                }
                SinkConfig::Folder { path: p, org_public_key: key }
            }
            _ => return Err(bad("sink.kind", "must be \"postgres\" or \"folder\"")),
        };
        for (team, size) in &file.roster {
            if !(1..=100_000).contains(size) {
                return Err(bad(&format!("roster.{team}"), "a team's roster size is between 1 and 100000"));
            }
        }
        let mut providers = Vec::new();
        for (i, p) in file.provider.into_iter().enumerate() {
            let kind = ProviderKind::parse(&p.kind)
                .ok_or_else(|| bad(&format!("provider[{i}].kind"), "must be openai, azure-openai or anthropic"))?;
            let settings = ProviderSettings::new(p.name, kind, p.base_url, p.model);
            if let Err(crate::insights::provider::ProviderError::Settings { field, why }) = settings.validate() {
                return Err(bad(&format!("provider[{i}].{field}"), &why));
            }
            providers.push(settings);
        }
        Ok(Policy {
            org: o.id,
            team: o.team,
            k: o.k,
            epsilon: o.epsilon,
            time_zone,
            publish_interval_hours: o.publish_interval_hours,
            publish_days: o.publish_days,
            admin: o.admin,
            sink,
            roster: file.roster,
            providers,
            path: path.into(),
        })
    }
}

fn check_pg_url(url: &str) -> Result<(), &'static str> {
    let u = match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "postgres" | "postgresql") => u,
        _ => return Err("must be a postgres:// URL"),
    };
    if u.password().is_some() {
        return Err("must not contain a password: it goes in the keyring (`tally sink set-password`)");
    }
    if u.query_pairs().any(|(k, _)| k == "password" || k == "sslpassword") {
        return Err("must not contain a password parameter: it goes in the keyring");
    }
    // Read as sqlx reads it: the URL's host (a socket path is written `%2Fvar%2F…`), which
    // each `host` or `hostaddr` parameter replaces; the last `sslmode` wins.
    let mut host = u.host_str().map(|h| match h.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("%2F") => format!("/{}", &h[3..]),
        _ => h.to_string(),
    });
    let mut sslmode = None;
    for (key, value) in u.query_pairs() {
        match &*key {
            "host" | "hostaddr" => host = Some(value.into_owned()),
            "sslmode" | "ssl-mode" => sslmode = Some(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    let Some(host) = host.filter(|h| !h.is_empty()) else {
        // The driver would take PGHOST or PGHOSTADDR, which the policy cannot vouch for.
        return match sslmode.as_deref() {
            Some("verify-full") => Ok(()),
            _ => Err("names no host, so the driver takes it from the environment: name a loopback host or use sslmode=verify-full"),
        };
    };
    if is_loopback(&host) || sslmode.as_deref() == Some("verify-full") {
        Ok(())
    } else {
        Err("a non-loopback database needs sslmode=verify-full: weaker modes do not check the server's certificate name, so a machine on the network can impersonate the database")
    }
}

/// `localhost`, 127.0.0.0/8, `::1` or a unix socket path: a connection that never
/// leaves the machine.
fn is_loopback(host: &str) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(text, Path::new("/etc/tally/policy.toml"))
    }

    #[test]
    fn a_folder_policy_parses_with_defaults() {
        let p = parse(&format!(
            "[org]\nid = \"acme\"\nteam = \"platform\"\n[sink]\nkind = \"folder\"\npath = \"/srv/tally\"\norg_public_key = \"{KEY}\"\n"
        ))
        .unwrap();
        assert_eq!((p.k, p.epsilon, p.publish_interval_hours, p.admin), (5, None, 6, false));
        assert_eq!(p.sink.kind(), "folder");
        assert_eq!(p.time_zone, chrono_tz::UTC);
    }

    #[test]
    fn bad_fields_are_named_and_secrets_refused() {
        let base = "[org]\nid = \"acme\"\nteam = \"t\"\n";
        for (text, field) in [
            (format!("{base}k = 3\n[sink]\nkind = \"folder\"\npath = \"/s\"\norg_public_key = \"{KEY}\"\n"), "org.k"),
            (format!("{base}epsilon = -1\n[sink]\nkind = \"folder\"\npath = \"/s\"\norg_public_key = \"{KEY}\"\n"), "org.epsilon"),
            (format!("{base}[sink]\nkind = \"postgres\"\nurl = \"postgres://pub:hunter2@db/tally\"\n"), "sink.url"),
            (format!("{base}[sink]\nkind = \"postgres\"\nurl = \"postgres://db/t?password=x\"\n"), "sink.url"),
            (format!("{base}[sink]\nkind = \"folder\"\npath = \"/s\"\norg_public_key = \"abc\"\n"), "sink.org_public_key"),
            (format!("{base}[sink]\nkind = \"s3\"\n"), "sink.kind"),
            (
                format!("{base}[sink]\nkind = \"postgres\"\nurl = \"postgres://db/t?sslmode=verify-full\"\n[[provider]]\nname = \"x\"\nkind = \"openai\"\nbase_url = \"ftp://x\"\nmodel = \"m\"\n"),
                "provider[0].base_url",
            ),
        ] {
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.contains(&format!("`{field}`")), "{field}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
        let e = parse("[org]\nid = \"acme\"\nteam = \"t\"\nbogus = 1\n[sink]\nkind = \"folder\"\n").unwrap_err();
        assert!(e.to_string().contains("line 4"), "{e}");
    }

    #[test]
    fn team_labels_that_start_like_a_formula_are_refused() {
        for team in ["=HYPERLINK(\\\"http://x\\\")", "+1", "-1", "@SUM(A1)"] {
            let e = parse(&format!(
                "[org]\nid = \"acme\"\nteam = \"{team}\"\n[sink]\nkind = \"folder\"\npath = \"/s\"\norg_public_key = \"{KEY}\"\n"
            ))
            .unwrap_err()
            .to_string();
            assert!(e.contains("`org.team`") && e.contains("formula"), "{team}: {e}");
            assert!(!e.contains("HYPERLINK") && !e.contains("SUM"), "{e}");
        }
        // Such characters are fine after the first one.
        parse(&format!(
            "[org]\nid = \"acme\"\nteam = \"a=b-c\"\n[sink]\nkind = \"folder\"\npath = \"/s\"\norg_public_key = \"{KEY}\"\n"
        ))
        .unwrap();
    }

    #[test]
    fn a_remote_database_needs_sslmode_verify_full() {
        let policy = |url: &str, reader: &str| {
            parse(&format!(
                "[org]\nid = \"acme\"\nteam = \"t\"\n[sink]\nkind = \"postgres\"\nurl = \"{url}\"\nreader_url = \"{reader}\"\n"
            ))
        };
        let good = "postgres://u@db.acme.internal:5432/tally?sslmode=verify-full";
        for (url, ok) in [
            ("postgres://u@db.acme.internal:5432/tally?sslmode=verify-full", true),
            ("postgresql://u@10.0.0.5/tally?sslmode=VERIFY-FULL", true),
            ("postgres://u@[2001:db8::1]/tally?ssl-mode=verify-full", true),
            ("postgres://u@db.acme.internal/tally", false),
            ("postgres://u@db.acme.internal/tally?sslmode=disable", false),
            ("postgres://u@db.acme.internal/tally?sslmode=allow", false),
            ("postgres://u@db.acme.internal/tally?sslmode=prefer", false),
            ("postgres://u@db.acme.internal/tally?sslmode=require", false),
            ("postgres://u@db.acme.internal/tally?sslmode=verify-ca", false),
            ("postgres://u@db.acme.internal/tally?sslmode=bogus", false),
            // The last sslmode is the one the driver uses.
            ("postgres://u@db.acme.internal/tally?sslmode=verify-full&sslmode=disable", false),
            ("postgres://u@db.acme.internal/tally?sslmode=disable&ssl-mode=verify-full", true),
            // A host or hostaddr parameter replaces the URL's host.
            ("postgres://u@localhost/tally?host=db.acme.internal", false),
            ("postgres://u@localhost/tally?hostaddr=10.0.0.5", false),
            ("postgres://u@db.acme.internal/tally?host=localhost", true),
            // Without a host the driver takes PGHOST, which the policy cannot vouch for.
            ("postgres:///tally", false),
            ("postgres://u@127.0.0.1:5432/tally?sslmode=disable", true),
            ("postgres://u@127.8.9.10/tally", true),
            ("postgres://u@localhost/tally?sslmode=require", true),
            ("postgres://u@LocalHost/tally", true),
            ("postgres://u@[::1]:5432/tally?sslmode=prefer", true),
            ("postgres://u@%2Fvar%2Frun%2Fpostgresql/tally", true),
            ("postgres:///tally?host=/var/run/postgresql", true),
            ("postgres:///tally?host=localhost&sslmode=disable", true),
            ("postgres://u@localhost.evil.example/tally", false),
            ("postgres://u@128.0.0.1/tally", false),
            ("postgres://u@[::2]/tally", false),
        ] {
            for (field, result) in [("sink.url", policy(url, good)), ("sink.reader_url", policy(good, url))] {
                match result {
                    Ok(_) => assert!(ok, "{field} = {url}: accepted"),
                    Err(e) => {
                        let e = e.to_string();
                        assert!(!ok, "{field} = {url}: {e}");
                        assert!(e.contains(&format!("`{field}`")) && e.contains("verify-full"), "{url}: {e}");
                        assert!(!e.contains("acme.internal") && !e.contains("tally?"), "{e}");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod example {
    #[test]
    fn the_documented_example_policy_parses() {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/policy.example.toml"));
        let p = super::Policy::load(path).unwrap();
        assert_eq!((p.org.as_str(), p.team.as_str(), p.k, p.sink.kind()), ("acme", "platform", 5, "postgres"));
        assert_eq!(p.providers.len(), 1);
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/policy.folder.example.toml"));
        let p = super::Policy::load(path).unwrap();
        assert_eq!((p.sink.kind(), p.roster.get("platform")), ("folder", Some(&12)));
    }
}
