//! The Settings form: what it shows and how an edit is checked and saved.

use super::*;

impl App {
    pub async fn settings(&self) -> Settings {
        let config = self.config().await;
        Settings {
            team: config.team.clone().unwrap_or_default(),
            timezone: config.timezone.clone().unwrap_or_default(),
            working_hours: WorkingHoursEdit::from(&config.insights.working_hours),
            idle_timeout_minutes: config.collect.idle_timeout_minutes,
            retention_days: config.retention_days,
            rules: config.rules.rule.iter().map(RuleEdit::from).collect(),
            providers: Vec::new(),
            config_path: self.config_path.display().to_string(),
            categories: crate::event::Category::ALL
                .iter()
                .filter(|c| **c != crate::event::Category::Uncategorized)
                .map(|c| c.as_str())
                .collect(),
        }
    }

    /// Settings plus the providers (the store is async).
    pub async fn settings_with_providers(&self) -> UiResult<Settings> {
        let mut settings = self.settings().await;
        let secrets = SecretStore::open(BackendChoice::from_env()?).ok();
        for (p, is_default) in self.store().await.providers().await? {
            let has_key = secrets.as_ref().and_then(|s| s.get(&provider_key_name(&p.name)).ok().flatten()).is_some();
            settings.providers.push(ProviderView { settings: p, is_default, has_key });
        }
        Ok(settings)
    }

    /// Validates every field, then writes the config file atomically and applies it;
    /// on any error nothing is written and the first error names its field.
    pub async fn save_settings(&self, edit: SettingsEdit) -> UiResult<Settings> {
        let team = edit.team.trim().to_string();
        if !team.is_empty() && (team.chars().count() > 64 || team.chars().any(char::is_control)) {
            return Err(UiError::field("team", "a team label is 1–64 printable characters"));
        }
        if crate::report::starts_like_formula(&team) {
            return Err(UiError::field(
                "team",
                "a team label may not start with =, +, -, @, tab or carriage return: spreadsheets read it as a formula",
            ));
        }
        let timezone = edit.timezone.trim().to_string();
        if !timezone.is_empty() && timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(UiError::field(
                "timezone",
                format!("unknown IANA time zone `{timezone}` (e.g. Europe/Berlin)"),
            ));
        }
        let hours = edit.working_hours.parse()?;
        let collect = crate::config::CollectConfig {
            idle_timeout_minutes: edit.idle_timeout_minutes,
            ..self.config().await.collect
        };
        if edit.retention_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(UiError::field("retention_days", "keep 1 to 3650 days, or leave it empty to keep everything"));
        }
        if let Some((field, why)) = collect.problem() {
            return Err(UiError::field(format!("collect.{field}"), format!("idle timeout: {why}")));
        }
        let mut rules = Vec::new();
        for (i, rule) in edit.rules.iter().enumerate() {
            let spec = rule.to_spec();
            let one = RulesFile { replace_builtin: true, rules: vec![spec.clone()] };
            if let Err(e) = CategoryRules::new(&one, "settings") {
                let field = match &e {
                    crate::analyze::rules::RuleError::BadRegex { field, .. } => format!("rules.{i}.{field}"),
                    crate::analyze::rules::RuleError::UnknownCategory { .. } => format!("rules.{i}.category"),
                    _ => format!("rules.{i}"),
                };
                let text = e.to_string().replace("settings: rule #1", &format!("rule {}", i + 1));
                return Err(UiError::field(field, text));
            }
            rules.push(spec);
        }
        // Build the new file from the old one so keys the form does not show survive.
        let mut table: toml::Table = match std::fs::read_to_string(&self.config_path) {
            Ok(text) => text.parse().map_err(|e| msg(format!("config file {}: {e}", self.config_path.display())))?,
            Err(_) => toml::Table::new(),
        };
        set_or_remove(&mut table, "team", (!team.is_empty()).then(|| toml::Value::String(team.clone())));
        set_or_remove(&mut table, "retention_days", edit.retention_days.map(|d| toml::Value::Integer(i64::from(d))));
        set_or_remove(&mut table, "timezone", (!timezone.is_empty()).then(|| toml::Value::String(timezone.clone())));
        let insights = table.entry("insights").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = insights {
            t.insert("working_hours".into(), toml::Value::try_from(&hours)?);
        }
        let collect_table = table.entry("collect").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = collect_table {
            t.insert("idle_timeout_minutes".into(), toml::Value::Float(collect.idle_timeout_minutes));
        }
        let rules_table = table.entry("rules").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = rules_table {
            t.insert("rule".into(), toml::Value::try_from(&rules)?);
        }
        let text = toml::to_string_pretty(&table)?;
        // The whole file must still load before it replaces the old one.
        let staged = self.config_path.with_extension("toml.staged");
        if let Some(dir) = self.config_path.parent() {
            crate::files::private_dir(dir).map_err(|e| msg(format!("cannot create {}: {e}", dir.display())))?;
        }
        crate::files::write_private(&staged, text.as_bytes())
            .map_err(|e| msg(format!("cannot write {}: {e}", staged.display())))?;
        let loaded = Config::load(Some(&staged)).and_then(|c| c.category_rules().map(|_| c));
        let config = match loaded {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&staged);
                return Err(msg(e.to_string()));
            }
        };
        std::fs::rename(&staged, &self.config_path)
            .map_err(|e| msg(format!("cannot replace {}: {e}", self.config_path.display())))?;
        let mut config = config;
        config.origin = Some(self.config_path.clone());
        let (analyzer, engine) = build_analyzer(&self.options, &config)?;
        *self.analyzer.write().await = Arc::new(analyzer);
        *self.engine.write().await = engine;
        *self.config.write().await = config;
        // A running collector picks up the new rules, exclusions and idle timeout.
        let running = self.collector.lock().await.as_ref().is_some_and(|h| !h.is_finished());
        if running {
            self.stop_collector().await?;
            self.start_collector().await?;
        }
        self.apply_retention().await?;
        self.settings_with_providers().await
    }
}

fn set_or_remove(table: &mut toml::Table, key: &str, value: Option<toml::Value>) {
    match value {
        Some(v) => {
            table.insert(key.to_string(), v);
        }
        None => {
            table.remove(key);
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub team: String,
    pub timezone: String,
    pub working_hours: WorkingHoursEdit,
    pub idle_timeout_minutes: f64,
    pub retention_days: Option<u32>,
    pub rules: Vec<RuleEdit>,
    pub providers: Vec<ProviderView>,
    pub config_path: String,
    /// The categories a rule may name, in the engine's order.
    pub categories: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderView {
    #[serde(flatten)]
    pub settings: ProviderSettings,
    pub is_default: bool,
    pub has_key: bool,
}

/// What the Settings form sends back.
#[derive(Debug, Clone, Deserialize)]
pub struct SettingsEdit {
    pub team: String,
    pub timezone: String,
    pub working_hours: WorkingHoursEdit,
    pub idle_timeout_minutes: f64,
    pub retention_days: Option<u32>,
    pub rules: Vec<RuleEdit>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkingHoursEdit {
    /// `HH:MM`
    pub start: String,
    pub end: String,
    /// `mon` … `sun`
    pub days: Vec<String>,
}

impl From<&WorkingHours> for WorkingHoursEdit {
    fn from(h: &WorkingHours) -> Self {
        WorkingHoursEdit {
            start: h.start.format("%H:%M").to_string(),
            end: h.end.format("%H:%M").to_string(),
            days: h.days.iter().map(|d| d.to_string().to_lowercase()).collect(),
        }
    }
}

impl WorkingHoursEdit {
    fn parse(&self) -> UiResult<WorkingHours> {
        let time = |field: &str, v: &str| {
            NaiveTime::parse_from_str(v.trim(), "%H:%M")
                .map_err(|_| UiError::field(format!("working_hours.{field}"), "use a 24-hour time like 09:00"))
        };
        let start = time("start", &self.start)?;
        let end = time("end", &self.end)?;
        if end <= start {
            return Err(UiError::field("working_hours.end", "the working day must end after it starts"));
        }
        let mut days = Vec::new();
        for d in &self.days {
            let day: Weekday =
                d.parse().map_err(|_| UiError::field("working_hours.days", format!("unknown day `{d}`")))?;
            if days.contains(&day) {
                return Err(UiError::field("working_hours.days", format!("{day} is listed twice")));
            }
            days.push(day);
        }
        if days.is_empty() {
            return Err(UiError::field("working_hours.days", "pick at least one working day"));
        }
        Ok(WorkingHours { start, end, days })
    }
}

/// One category rule as the rules editor shows it (empty strings for absent fields).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleEdit {
    pub category: String,
    pub app: String,
    pub title: String,
    pub url: String,
    pub priority: Option<i32>,
}

impl From<&RuleSpec> for RuleEdit {
    fn from(r: &RuleSpec) -> Self {
        RuleEdit {
            category: r.category.clone(),
            app: r.app.clone().unwrap_or_default(),
            title: r.title.clone().unwrap_or_default(),
            url: r.url.clone().unwrap_or_default(),
            priority: r.priority,
        }
    }
}

impl RuleEdit {
    fn to_spec(&self) -> RuleSpec {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        RuleSpec {
            category: self.category.trim().to_string(),
            app: opt(&self.app),
            title: opt(&self.title),
            url: opt(&self.url),
            priority: self.priority,
            ignore_case: None,
        }
    }
}
