//! The config file (TOML): team label, time zone, focus thresholds and category rules.
//! Secrets never live here (DESIGN §4.4).

use crate::aggregate::FocusConfig;
use crate::analyze::exclusions::{ExclusionConfig, ExclusionError, Exclusions};
use crate::analyze::model::{LocalModel, ModelConfig, ModelError, ModelVariant};
use crate::analyze::policy::{PolicyError, RedactConfig, RedactPolicy};
use crate::analyze::rules::{describe_toml_error, CategoryRules, RuleError, RuleSpec, RulesFile};
use crate::analyze::{Analyzer, LexiconScorer};
use crate::insights::InsightsConfig;
use crate::zone::ReportZone;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_TEAM: &str = "local";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Team label on every aggregate row.
    pub team: Option<String>,
    /// IANA time zone for reports (default: the machine's).
    pub timezone: Option<String>,
    #[serde(default)]
    pub focus: FocusConfig,
    #[serde(default)]
    pub rules: RulesSection,
    #[serde(default)]
    pub model: ModelConfig,
    #[serde(default)]
    pub exclude: ExclusionConfig,
    #[serde(default)]
    pub insights: InsightsConfig,
    #[serde(default)]
    pub serve: ServeSection,
    #[serde(default)]
    pub collect: CollectConfig,
    /// Days of aggregates to keep; older ones are deleted (the desktop app checks at start
    /// and daily). `None`: keep everything.
    pub retention_days: Option<u32>,
    /// How detections become redactions: operator, allow/deny lists, thresholds, context.
    #[serde(default)]
    pub redact: RedactConfig,
    /// Where the config was read from (relative rule-file paths resolve against it).
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    /// A separate TOML rules file (`[[rule]]` tables).
    pub file: Option<PathBuf>,
    #[serde(default)]
    pub replace_builtin: bool,
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
}

/// `[serve]`: the ActivityWatch-compatible API of `tally serve`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    /// Port on 127.0.0.1 (default 5600, ActivityWatch's).
    pub port: Option<u16>,
}

/// Config `[collect]`: the live collector.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CollectConfig {
    /// Milliseconds between two polls of the active window and idle time.
    pub poll_ms: u64,
    /// Minutes without input after which the user counts as away (not active).
    pub idle_timeout_minutes: f64,
}

impl Default for CollectConfig {
    fn default() -> Self {
        CollectConfig { poll_ms: 1000, idle_timeout_minutes: 3.0 }
    }
}

impl CollectConfig {
    /// Accepted poll intervals, in ms: fast enough for tests, slow enough to notice.
    pub const POLL_MS: std::ops::RangeInclusive<u64> = 50..=60_000;

    /// The first field out of range, with what it accepts.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !Self::POLL_MS.contains(&self.poll_ms) {
            return Some((
                "poll_ms",
                format!("must be {} to {} milliseconds", Self::POLL_MS.start(), Self::POLL_MS.end()),
            ));
        }
        let idle = self.idle_timeout_minutes;
        if !idle.is_finite() || idle <= 0.0 || idle > 1440.0 {
            return Some(("idle_timeout_minutes", "must be more than 0 and at most 1440 minutes".into()));
        }
        None
    }

    pub fn poll(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.poll_ms)
    }

    pub fn idle_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.idle_timeout_minutes * 60.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: PathBuf, reason: std::io::Error },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path}: `timezone`: unknown IANA time zone (e.g. Europe/Berlin)")]
    TimeZone { path: PathBuf },
    #[error("config file {path}: `team`: {why}")]
    Team { path: PathBuf, why: &'static str },
    #[error("config file {path}: `focus`: thresholds must be positive numbers of minutes")]
    Focus { path: PathBuf },
    #[error("config file {path}: `retention_days`: must be 1 to 3650 days (or absent: keep everything)")]
    Retention { path: PathBuf },
    #[error("config file {path}: `collect.{field}`: {problem}")]
    Collect { path: PathBuf, field: &'static str, problem: String },
    #[error("config file {path}: {source}")]
    Redact { path: PathBuf, source: PolicyError },
    #[error(transparent)]
    Rules(#[from] RuleError),
    #[error(transparent)]
    Exclusions(#[from] ExclusionError),
    #[error("the local model is required (--require-model) but unavailable: {0}")]
    ModelRequired(ModelError),
}

/// Which scorer [`Config::analyzer`] gives the analyzer: the configured model unless
/// `off`; a model that cannot load falls back to the lexicon, or is an error when
/// `required`. `variant` and `dir` override the config and the model lookup.
#[derive(Debug, Clone, Default)]
pub struct ModelChoice {
    pub off: bool,
    pub required: bool,
    pub variant: Option<ModelVariant>,
    pub dir: Option<PathBuf>,
}

impl Config {
    /// Reads `explicit` (which must exist), else `<config dir>/tally/config.toml` if it
    /// exists, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match dirs::config_dir().map(|d| d.join("tally").join("config.toml")) {
                Some(p) if p.exists() => p,
                _ => return Ok(Config::default()),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|reason| ConfigError::Read { path: path.clone(), reason })?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| ConfigError::Parse { path: path.clone(), message: describe_toml_error(&text, &e) })?;
        config.origin = Some(path.clone());
        if let Some(team) = &config.team {
            if team.is_empty() || team.chars().count() > 64 || team.chars().any(char::is_control) {
                return Err(ConfigError::Team { path, why: "must be 1–64 printable characters" });
            }
            if crate::report::starts_like_formula(team) {
                let why = "must not start with =, +, -, @, tab or carriage return: spreadsheets opening the CSV report read such a label as a formula";
                return Err(ConfigError::Team { path, why });
            }
        }
        if let Some(tz) = &config.timezone {
            tz.parse::<chrono_tz::Tz>().map_err(|_| ConfigError::TimeZone { path: path.clone() })?;
        }
        let f = config.focus;
        if [f.min_block_minutes, f.max_interruption_minutes, f.switch_max_gap_minutes]
            .iter()
            .any(|m| !m.is_finite() || *m <= 0.0)
        {
            return Err(ConfigError::Focus { path });
        }
        if let Some((field, problem)) = config.collect.problem() {
            return Err(ConfigError::Collect { path, field, problem });
        }
        if config.retention_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(ConfigError::Retention { path });
        }
        config.redact_policy()?;
        Ok(config)
    }

    pub fn team(&self) -> &str {
        self.team.as_deref().unwrap_or(DEFAULT_TEAM)
    }

    /// Built-in rules plus the config's inline rules and its rules file.
    pub fn category_rules(&self) -> Result<CategoryRules, ConfigError> {
        let origin = self.origin.as_ref().map_or("config".to_string(), |p| p.display().to_string());
        let mut file = RulesFile { replace_builtin: self.rules.replace_builtin, rules: self.rules.rule.clone() };
        let mut origin_name = origin;
        if let Some(rules_path) = &self.rules.file {
            let resolved = match (&self.origin, rules_path.is_relative()) {
                (Some(cfg), true) => cfg.parent().unwrap_or(Path::new(".")).join(rules_path),
                _ => rules_path.clone(),
            };
            let text = std::fs::read_to_string(&resolved)
                .map_err(|reason| RuleError::Read { path: resolved.display().to_string(), reason })?;
            let extra: RulesFile = toml::from_str(&text).map_err(|e| RuleError::Parse {
                path: resolved.display().to_string(),
                message: describe_toml_error(&text, &e),
            })?;
            if !file.rules.is_empty() {
                // Both inline and file rules: check each on its own so errors name the right file.
                CategoryRules::new(&RulesFile { replace_builtin: true, rules: file.rules.clone() }, &origin_name)?;
            }
            file.replace_builtin |= extra.replace_builtin;
            file.rules.extend(extra.rules);
            origin_name = resolved.display().to_string();
        }
        Ok(CategoryRules::new(&file, &origin_name)?)
    }

    /// The `[redact]` policy, checked.
    pub fn redact_policy(&self) -> Result<RedactPolicy, ConfigError> {
        RedactPolicy::new(&self.redact).map_err(|source| ConfigError::Redact {
            path: self.origin.clone().unwrap_or_else(|| PathBuf::from("(defaults)")),
            source,
        })
    }

    /// The analyzer this configuration describes (rules, exclusions, redaction policy and
    /// the scorer `choice` picks), and a line saying which engine runs. The app-name key
    /// is the caller's to add: only commands that store events need it.
    pub fn analyzer(&self, choice: &ModelChoice) -> Result<(Analyzer, String), ConfigError> {
        let rules = self.category_rules()?;
        let exclusions = self.exclusions()?;
        let policy = self.redact_policy()?;
        let (analyzer, engine) = if choice.off || !self.model.enabled {
            (Analyzer::new(rules, Box::<LexiconScorer>::default()), "recognizers+rules (model disabled)".to_string())
        } else {
            let mut model_config = self.model.clone();
            model_config.variant = choice.variant.unwrap_or(model_config.variant);
            match LocalModel::load(&model_config, choice.dir.as_deref()) {
                Ok(model) => {
                    let analyzer = Analyzer::new(rules, Box::new(model));
                    let engine = analyzer.describe();
                    (analyzer, engine)
                }
                Err(e) if choice.required => return Err(ConfigError::ModelRequired(e)),
                Err(e) => (
                    Analyzer::new(rules, Box::<LexiconScorer>::default()),
                    format!("recognizers+rules only; local model unavailable: {e}"),
                ),
            }
        };
        Ok((analyzer.with_exclusions(exclusions).with_policy(policy), engine))
    }

    /// The config's exclusions, compiled.
    pub fn exclusions(&self) -> Result<Exclusions, ConfigError> {
        Ok(Exclusions::new(&self.exclude)?)
    }

    /// The report time zone: `--tz`, else the config, else the machine's.
    pub fn zone(&self, override_tz: Option<&str>) -> Result<ReportZone, String> {
        match override_tz.or(self.timezone.as_deref()) {
            Some(name) => name
                .parse::<chrono_tz::Tz>()
                .map(ReportZone::Named)
                .map_err(|_| format!("unknown IANA time zone `{name}` (e.g. Europe/Berlin)")),
            None => Ok(ReportZone::Local),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collect_settings_out_of_range_name_their_field() {
        let dir = tempfile::tempdir().unwrap();
        for (body, field) in [
            ("[collect]\npoll_ms = 0\n", "`collect.poll_ms`"),
            ("[collect]\npoll_ms = 3600000\n", "`collect.poll_ms`"),
            ("[collect]\nidle_timeout_minutes = 0\n", "`collect.idle_timeout_minutes`"),
            ("[collect]\nidle_timeout_minutes = -2.5\n", "`collect.idle_timeout_minutes`"),
        ] {
            let path = dir.path().join("config.toml");
            std::fs::write(&path, body).unwrap();
            let err = Config::load(Some(&path)).unwrap_err().to_string();
            assert!(err.contains(field), "{body}: {err}");
        }
        let path = dir.path().join("ok.toml");
        std::fs::write(&path, "[collect]\npoll_ms = 500\nidle_timeout_minutes = 5\n").unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.collect.poll(), std::time::Duration::from_millis(500));
        assert_eq!(config.collect.idle_timeout(), std::time::Duration::from_secs(300));
        assert_eq!(Config::default().collect, CollectConfig::default());
    }

    #[test]
    fn redact_settings_are_checked_at_load_and_name_their_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[redact]\nthresholds = { PHONE = 7 }\n").unwrap();
        let err = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains("`redact.thresholds.PHONE`: must be a score from 0 to 1"), "{err}");
        std::fs::write(&path, "[redact]\noperatr = 'mask'\n").unwrap();
        let err = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains("operatr"), "{err}");
        std::fs::write(
            &path,
            "[redact]\noperator = 'pseudonym'\nallow = ['Tally']\n[[redact.context]]\nlabel = 'PHONE'\nwords = ['tel']\nboost = 0.2\n",
        )
        .unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.redact.operator, crate::analyze::operators::OperatorKind::Pseudonym);
        assert!(!config.redact_policy().unwrap().is_empty());
    }

    #[test]
    fn the_model_variant_is_read_and_a_wrong_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[model]\nvariant = \"fast\"\n").unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.model.variant, crate::analyze::model::ModelVariant::Fast);
        assert_eq!(Config::default().model.variant, crate::analyze::model::ModelVariant::Standard);
        std::fs::write(&path, "[model]\nvariant = \"turbo\"\n").unwrap();
        let err = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains("turbo") && err.contains("standard") && err.contains("fast"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn a_team_label_that_starts_like_a_formula_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        for team in ["=HYPERLINK(\\\"http://x\\\")", "+1", "-1", "@SUM(A1)"] {
            std::fs::write(&path, format!("team = \"{team}\"\n")).unwrap();
            let err = Config::load(Some(&path)).unwrap_err().to_string();
            assert!(err.contains("`team`") && err.contains("formula"), "{team}: {err}");
            assert!(!err.contains("HYPERLINK") && !err.contains("SUM"), "{err}");
        }
        std::fs::write(&path, "team = \"a=b-c\"\n").unwrap();
        assert_eq!(Config::load(Some(&path)).unwrap().team(), "a=b-c");
    }
}
