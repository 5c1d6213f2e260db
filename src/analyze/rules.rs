//! Category rules, ActivityWatch-style: regexes on app, title and URL, first match by
//! priority. A built-in set covers common apps and sites; a TOML rules file (named in the
//! config) adds rules that win over the built-ins, or replaces them.

use crate::event::Category;
use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::Deserialize;
use std::path::Path;

/// Priority of built-in rules; user rules default to [`USER_PRIORITY`] and so win.
pub const BUILTIN_PRIORITY: i32 = 10;
pub const USER_PRIORITY: i32 = 100;

/// One rule as written in a rules file (and written back by the Settings view).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Case-insensitive matching; on by default, as in ActivityWatch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_case: Option<bool>,
}

/// The `[rules]` table of the config, or a standalone rules file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Drop the built-in rules and use only these.
    #[serde(default)]
    pub replace_builtin: bool,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{origin}: rule #{index}: unknown category `{category}` (expected one of deep_work, communication, meetings, planning, research, admin, ai_tools, non_work)")]
    UnknownCategory { origin: String, index: usize, category: String },
    #[error("{origin}: rule #{index}: field `{field}` is not a valid regex: {reason}")]
    BadRegex { origin: String, index: usize, field: &'static str, reason: String },
    #[error("{origin}: rule #{index}: a rule needs at least one of `app`, `title`, `url`")]
    Empty { origin: String, index: usize },
    #[error("cannot read rules file {path}: {reason}")]
    Read { path: String, reason: std::io::Error },
    #[error("rules file {path}: {message}")]
    Parse { path: String, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    App,
    Title,
    Url,
}

struct CompiledRule {
    category: Category,
    priority: i32,
    /// Index into the per-field regex sets, per field; None = field not constrained.
    conditions: [Option<usize>; 3],
}

/// A compiled rule set. Matching costs one `RegexSet` pass per field plus a scan of the
/// rules in priority order.
pub struct CategoryRules {
    rules: Vec<CompiledRule>,
    sets: [RegexSet; 3],
}

/// The input a rule sees.
pub struct RuleInput<'a> {
    pub app: &'a str,
    pub title: &'a str,
    pub url: Option<&'a str>,
}

impl CategoryRules {
    /// Built-ins (unless `file.replace_builtin`) plus the file's rules.
    pub fn new(file: &RulesFile, origin: &str) -> Result<CategoryRules, RuleError> {
        let mut specs: Vec<(RuleSpec, String, usize)> =
            file.rules.iter().enumerate().map(|(i, r)| (r.clone(), origin.to_string(), i + 1)).collect();
        if !file.replace_builtin {
            specs
                .extend(builtin_specs().into_iter().enumerate().map(|(i, r)| (r, "built-in rules".to_string(), i + 1)));
        }
        let mut patterns: [Vec<String>; 3] = Default::default();
        let mut rules = Vec::with_capacity(specs.len());
        for (spec, origin, index) in &specs {
            let category =
                Category::parse(&spec.category).filter(|c| *c != Category::Uncategorized).ok_or_else(|| {
                    RuleError::UnknownCategory {
                        origin: origin.clone(),
                        index: *index,
                        category: spec.category.clone(),
                    }
                })?;
            let ignore_case = spec.ignore_case.unwrap_or(true);
            let mut conditions = [None; 3];
            for (field, name, pattern) in
                [(Field::App, "app", &spec.app), (Field::Title, "title", &spec.title), (Field::Url, "url", &spec.url)]
            {
                let Some(pattern) = pattern else { continue };
                let full = if ignore_case { format!("(?i:{pattern})") } else { pattern.clone() };
                Regex::new(&full).map_err(|e| RuleError::BadRegex {
                    origin: origin.clone(),
                    index: *index,
                    field: name,
                    reason: e.to_string(),
                })?;
                let slot = &mut patterns[field as usize];
                conditions[field as usize] = Some(slot.len());
                slot.push(full);
            }
            if conditions.iter().all(Option::is_none) {
                return Err(RuleError::Empty { origin: origin.clone(), index: *index });
            }
            rules.push(CompiledRule {
                category,
                priority: spec.priority.unwrap_or(if origin == "built-in rules" {
                    BUILTIN_PRIORITY
                } else {
                    USER_PRIORITY
                }),
                conditions,
            });
        }
        // Stable sort: equal priorities keep file order, so the first written rule wins.
        rules.sort_by_key(|r| std::cmp::Reverse(r.priority));
        let build = |p: &Vec<String>| {
            RegexSetBuilder::new(p)
                .size_limit(64 << 20)
                // A larger lazy-DFA cache keeps set matching off the slow PikeVM fallback.
                .dfa_size_limit(64 << 20)
                .build()
                .map_err(|e| RuleError::BadRegex {
                    origin: origin.to_string(),
                    index: 0,
                    field: "set",
                    reason: e.to_string(),
                })
        };
        let sets = [build(&patterns[0])?, build(&patterns[1])?, build(&patterns[2])?];
        Ok(CategoryRules { rules, sets })
    }

    pub fn builtin() -> CategoryRules {
        CategoryRules::new(&RulesFile::default(), "built-in rules").expect("built-in rules compile")
    }

    /// Loads a standalone TOML rules file (`[[rule]]` tables, optional `replace_builtin`).
    pub fn load(path: &Path) -> Result<CategoryRules, RuleError> {
        let text = std::fs::read_to_string(path)
            .map_err(|reason| RuleError::Read { path: path.display().to_string(), reason })?;
        let file: RulesFile = toml::from_str(&text).map_err(|e| RuleError::Parse {
            path: path.display().to_string(),
            message: describe_toml_error(&text, &e),
        })?;
        CategoryRules::new(&file, &path.display().to_string())
    }

    /// The highest-priority rule whose every condition matches, if any.
    pub fn classify(&self, input: &RuleInput<'_>) -> Option<Category> {
        let app = self.sets[0].matches(input.app);
        let title = self.sets[1].matches(input.title);
        let url = input.url.map(|u| self.sets[2].matches(u));
        self.rules
            .iter()
            .find(|rule| {
                let ok = |i: Option<usize>, m: Option<&regex::SetMatches>| match i {
                    None => true,
                    Some(i) => m.is_some_and(|m| m.matched(i)),
                };
                ok(rule.conditions[0], Some(&app))
                    && ok(rule.conditions[1], Some(&title))
                    && ok(rule.conditions[2], url.as_ref())
            })
            .map(|r| r.category)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// A TOML error as "line L, column C: message", without quoting the offending text.
pub fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let span = e.span();
    // The table the error is in: the last `[header]` before it, for `[org].id`.
    let table = span.clone().and_then(|span| {
        let before = &text[..span.end.min(text.len())];
        before
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with('[') && l.ends_with(']'))
            .map(|l| l.trim_start_matches('[').trim_end_matches(']').trim().to_string())
    });
    let message = plain_toml_message(e.message(), table.as_deref());
    match span {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// serde's wording without the value it quotes (`invalid type: string "five", expected
/// u32` echoes what was written) and with the table a missing field belongs to.
fn plain_toml_message(message: &str, table: Option<&str>) -> String {
    let first = message.lines().next().unwrap_or(message).trim();
    if let Some(rest) = first.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return match table {
            Some(t) => format!("missing field `[{t}].{field}`"),
            None => format!("missing field `{field}`"),
        };
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = first.strip_prefix(prefix) {
            let found = rest.split([' ', ',']).next().unwrap_or("a value");
            let expected = rest.rsplit(", expected ").next().filter(|_| rest.contains(", expected "));
            let expected = match expected.map(str::trim) {
                Some("u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize") => {
                    "a whole number".to_string()
                }
                Some("f32" | "f64") => "a number".to_string(),
                Some("a boolean" | "bool") => "true or false".to_string(),
                Some("a string" | "a borrowed string") => "text in quotes".to_string(),
                Some(other) => other.to_string(),
                None => "another value".to_string(),
            };
            let found = match found {
                "string" => "text",
                "integer" => "a number outside the allowed range or sign",
                "floating" => "a decimal number",
                "boolean" => "true or false",
                "sequence" => "a list",
                "map" => "a table",
                other => other,
            };
            return format!("expected {expected}, found {found}");
        }
    }
    first.to_string()
}

fn spec(category: &str, field: &str, pattern: &str) -> RuleSpec {
    let mut r =
        RuleSpec { category: category.into(), app: None, title: None, url: None, priority: None, ignore_case: None };
    match field {
        "app" => r.app = Some(pattern.into()),
        "title" => r.title = Some(pattern.into()),
        _ => r.url = Some(pattern.into()),
    }
    r
}

/// The built-in rules, most specific first: meeting and AI sites before the generic
/// "browser" or "Google" ones, so first-match order decides the ambiguous cases.
fn builtin_specs() -> Vec<RuleSpec> {
    const U: &str = "url";
    const T: &str = "title";
    const A: &str = "app";
    let table: &[(&str, &str, &str)] = &[
        // Meetings: calls and meeting rooms.
        (
            "meetings",
            U,
            r"meet\.google\.com|zoom\.us/(j|wc|my)/|teams\.microsoft\.com/.*(meetup-join|calling)|webex\.com/meet|whereby\.com|gotomeeting\.com|around\.co|meet\.jit\.si",
        ),
        ("meetings", A, r"^(zoom|zoom\.us|zoom meeting|webex|ciscowebex|gotomeeting|skype|facetime|jitsi|around)$"),
        (
            "meetings",
            T,
            r"\b(zoom meeting|google meet|meet - |microsoft teams meeting|meeting in progress|huddle|webex meeting|call with|video call|standup call)\b",
        ),
        // AI assistants.
        (
            "ai_tools",
            U,
            r"chatgpt\.com|chat\.openai\.com|claude\.ai|gemini\.google\.com|copilot\.microsoft\.com|perplexity\.ai|poe\.com|chat\.mistral\.ai|huggingface\.co/chat|you\.com|phind\.com|deepseek\.com",
        ),
        ("ai_tools", A, r"^(chatgpt|claude|copilot|perplexity|ollama|lm studio|lmstudio|jan|msty|cursor-agent)$"),
        ("ai_tools", T, r"\b(chatgpt|claude|gemini|github copilot chat|perplexity|mistral le chat)\b"),
        // Communication: mail and chat.
        (
            "communication",
            U,
            r"mail\.google\.com|outlook\.(live|office|office365)\.com|mail\.yahoo\.com|proton\.me/mail|app\.slack\.com|teams\.microsoft\.com|discord\.com/channels|web\.whatsapp\.com|web\.telegram\.org|messenger\.com|fastmail\.com|mail\.zoho",
        ),
        (
            "communication",
            A,
            r"^(thunderbird|outlook|microsoft outlook|evolution|geary|mailspring|mail|slack|teams|microsoft teams|ms-teams|discord|signal|telegram|telegram-desktop|whatsapp|element|mattermost|rocket\.chat|zulip|pidgin|hexchat|kmail|spark)$",
        ),
        ("communication", T, r"\b(inbox|gmail|outlook|slack|microsoft teams|direct message|unread messages?)\b"),
        // Planning: project and task tools, roadmaps, scheduling.
        (
            "planning",
            U,
            r"atlassian\.net/(jira|browse|secure/RapidBoard)|jira\.|linear\.app|asana\.com|trello\.com|monday\.com|clickup\.com|basecamp\.com|shortcut\.com|calendar\.google\.com|outlook\.office\.com/calendar|notion\.so/.*(roadmap|sprint|tasks)|github\.com/[^/]+/[^/]+/(issues|projects|milestones)|gitlab\.com/.*/-/(issues|boards|milestones)|smartsheet\.com|wrike\.com|airtable\.com|miro\.com|productboard\.com|aha\.io",
        ),
        (
            "planning",
            A,
            r"^(jira|linear|asana|trello|todoist|things|omnifocus|ticktick|gnome-calendar|korganizer|calendar|fantastical|taskwarrior|planner|projectlibre|gantt)$",
        ),
        (
            "planning",
            T,
            r"\b(jira|sprint (board|planning)|backlog|roadmap|kanban|linear|asana|trello|calendar|milestones?)\b",
        ),
        // Admin: HR, expenses, IT tickets, settings, files, timesheets.
        (
            "admin",
            U,
            r"workday\.com|bamboohr\.com|personio\.|expensify\.com|concur\.com|servicenow\.com|service-now\.com|zendesk\.com/agent|freshservice\.com|sap\.com|adp\.com|gusto\.com|rippling\.com|harvestapp\.com|clockify\.me|toggl\.com|okta\.com|myapps\.microsoft\.com|admin\.google\.com|portal\.azure\.com/.*(users|billing)",
        ),
        (
            "admin",
            A,
            r"^(nautilus|org\.gnome\.nautilus|files|dolphin|thunar|nemo|pcmanfm|finder|explorer|file explorer|gnome-control-center|systemsettings|system settings|system preferences|settings|control panel|software|gnome-software|synaptic|keepassxc|1password|bitwarden|timeshift)$",
        ),
        (
            "admin",
            T,
            r"\b(expense report|timesheet|time sheet|payroll|benefits enrollment|it ticket|service desk|helpdesk|password reset|vpn|software update|system settings|leave request|pto request|onboarding checklist)\b",
        ),
        // Non-work: social, news, shopping, streaming, games. Ambiguous sites (YouTube,
        // Reddit, LinkedIn) sit below the work-context rules above by file order only
        // where their URL says so; the title rules for work context come first.
        (
            "research",
            T,
            r"\b(tutorial|conference talk|webinar|lecture|course|documentation|docs)\b.*\b(youtube|reddit)\b",
        ),
        (
            "non_work",
            U,
            r"youtube\.com|youtu\.be|netflix\.com|twitch\.tv|disneyplus\.com|hulu\.com|primevideo\.com|spotify\.com|facebook\.com|instagram\.com|tiktok\.com|twitter\.com|x\.com/|reddit\.com|9gag\.com|pinterest\.com|tumblr\.com|amazon\.[a-z.]+/(dp|gp|s\?)|ebay\.[a-z.]+|aliexpress\.com|etsy\.com|zalando\.|bbc\.co\.uk/(news|sport)|cnn\.com|nytimes\.com|theguardian\.com|espn\.com|store\.steampowered\.com|epicgames\.com|booking\.com|airbnb\.|tripadvisor\.",
        ),
        (
            "non_work",
            A,
            r"^(steam|spotify|vlc|mpv|rhythmbox|lutris|minecraft|heroic|discord-games|netflix|totem|celluloid|solitaire|aisleriot|gnome-mines|supertuxkart)$",
        ),
        (
            "non_work",
            T,
            r"\b(youtube|netflix|twitch|facebook|instagram|tiktok|reddit|twitter|spotify|prime video|disney\+|steam|9gag)\b",
        ),
        // Research: docs, search, reading, learning.
        (
            "research",
            U,
            r"stackoverflow\.com|stackexchange\.com|developer\.mozilla\.org|docs\.[a-z0-9-]+\.[a-z]+|readthedocs\.io|docs\.rs|wikipedia\.org|arxiv\.org|scholar\.google|google\.[a-z.]+/search|bing\.com/search|duckduckgo\.com|kagi\.com/search|medium\.com|dev\.to|coursera\.org|udemy\.com|khanacademy\.org|w3schools\.com|learn\.microsoft\.com|man7\.org|cppreference\.com|pkg\.go\.dev|crates\.io|npmjs\.com|pypi\.org|news\.ycombinator\.com|researchgate\.net|jstor\.org|linkedin\.com/learning",
        ),
        ("research", A, r"^(zotero|calibre|okular|evince|foliate|mendeley|devhelp|zeal|dash|anki|obsidian|logseq)$"),
        (
            "research",
            T,
            r"\b(stack overflow|wikipedia|documentation|mdn web docs|docs\.rs|google search|duckduckgo|arxiv|readme|api reference|man page|tutorial|how to)\b",
        ),
        // Deep work: coding, writing, design, analysis, spreadsheets.
        (
            "deep_work",
            U,
            r"github\.com/[^/]+/[^/]+/(pull|blob|tree|compare|commit)|gitlab\.com/.*/-/(merge_requests|blob|tree)|bitbucket\.org|docs\.google\.com/(document|spreadsheets|presentation)|figma\.com/(file|design)|overleaf\.com|observablehq\.com|colab\.research\.google\.com|codesandbox\.io|replit\.com|codepen\.io|notion\.so|coda\.io|quip\.com|canva\.com/design|office\.com/.*(word|excel|powerpoint)|sharepoint\.com/.*\.(docx|xlsx|pptx)",
        ),
        (
            "deep_work",
            A,
            r"^(code|code-oss|vscodium|visual studio code|cursor|zed|sublime_text|sublime text|atom|gedit|kate|emacs|vim|gvim|nvim|neovim|jetbrains-.*|idea|intellij idea|pycharm|webstorm|goland|clion|rider|rustrover|datagrip|android studio|xcode|eclipse|netbeans|qtcreator|gnome-terminal|gnome-terminal-server|konsole|xterm|alacritty|kitty|wezterm|terminator|tilix|iterm2|terminal|windowsterminal|powershell|cmd|libreoffice|soffice|libreoffice-writer|libreoffice-calc|libreoffice-impress|winword|excel|powerpnt|microsoft word|microsoft excel|microsoft powerpoint|pages|numbers|keynote|onlyoffice|wps|figma|inkscape|gimp|krita|blender|darktable|scribus|typora|ghostwriter|texstudio|lyx|rstudio|jupyterlab|jupyter|spyder|dbeaver|pgadmin|tableau|power bi|powerbi|matlab|octave|postman|insomnia|docker desktop)$",
        ),
        (
            "deep_work",
            T,
            r"\b(visual studio code|vs code|intellij|pycharm|neovim|jupyter|pull request|merge request|code review|google docs|google sheets|spreadsheet|figma|overleaf|localhost:\d+|\.(rs|py|ts|tsx|js|go|java|kt|c|cpp|h|cs|rb|php|swift|sql|ipynb|md|tex|docx|xlsx|pptx|odt|ods|csv))\b",
        ),
        // Generic browsers and search engines: a search is research by default.
        ("research", T, r"\b(google|bing|duckduckgo)\b.*\bsearch\b|\bsearch results\b"),
    ];
    table.iter().map(|(c, f, p)| spec(c, f, p)).collect()
}

#[cfg(test)]
mod toml_message_tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct File {
        org: Org,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Org {
        id: String,
        k: Option<u32>,
        admin: Option<bool>,
    }

    #[test]
    fn toml_errors_name_the_field_in_plain_words_without_the_value() {
        for (text, says, never) in [
            ("[org]\nk = 5\n", "missing field `[org].id`", "\n"),
            ("[org]\nid = \"a\"\nk = \"five\"\n", "line 3, column 5: expected a whole number, found text", "five"),
            ("[org]\nid = \"a\"\nk = -3\n", "expected a whole number", "-3"),
            ("[org]\nid = \"a\"\nadmin = \"yes\"\n", "expected true or false, found text", "yes"),
        ] {
            let e = toml::from_str::<File>(text).unwrap_err();
            let m = describe_toml_error(text, &e);
            assert!(m.contains(says), "{text:?}: {m}");
            assert!(!m.contains(never), "{text:?} echoes its value: {m}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(rules: &CategoryRules, app: &str, title: &str, url: Option<&str>) -> Option<Category> {
        rules.classify(&RuleInput { app, title, url })
    }

    #[test]
    fn builtin_rules_place_common_apps_and_sites() {
        let rules = CategoryRules::builtin();
        let cases: &[(&str, &str, Option<&str>, Option<Category>)] = &[
            ("code", "main.rs - tally - Visual Studio Code", None, Some(Category::DeepWork)),
            ("Slack", "#eng-backend | Acme", None, Some(Category::Communication)),
            (
                "firefox",
                "Inbox (3) - Gmail",
                Some("https://mail.google.com/mail/u/0/#inbox"),
                Some(Category::Communication),
            ),
            ("zoom", "Zoom Meeting", None, Some(Category::Meetings)),
            ("firefox", "Meet - weekly sync", Some("https://meet.google.com/abc-defg-hij"), Some(Category::Meetings)),
            ("chromium", "ChatGPT", Some("https://chatgpt.com/c/123"), Some(Category::AiTools)),
            (
                "firefox",
                "SPRINT-42 board - Jira",
                Some("https://acme.atlassian.net/jira/software/projects/X/boards/1"),
                Some(Category::Planning),
            ),
            (
                "firefox",
                "rust - How do I sort a Vec? - Stack Overflow",
                Some("https://stackoverflow.com/questions/1"),
                Some(Category::Research),
            ),
            ("firefox", "Expense report - Expensify", Some("https://www.expensify.com/reports"), Some(Category::Admin)),
            ("firefox", "Funny cats - YouTube", Some("https://www.youtube.com/watch?v=x"), Some(Category::NonWork)),
            (
                "firefox",
                "Rust tutorial for beginners - YouTube",
                Some("https://www.youtube.com/watch?v=y"),
                Some(Category::Research),
            ),
            (
                "firefox",
                "Fix flaky test by ana · Pull Request #42 · acme/api",
                Some("https://github.com/acme/api/pull/42"),
                Some(Category::DeepWork),
            ),
            ("unknown-app", "Untitled", None, None),
        ];
        for (app, title, url, want) in cases {
            assert_eq!(classify(&rules, app, title, *url), *want, "{app} / {title}");
        }
    }

    #[test]
    fn user_rules_win_over_builtins_and_can_replace_them() {
        let file: RulesFile = toml::from_str(
            r#"
            [[rule]]
            category = "non_work"
            app = "^code$"
            "#,
        )
        .unwrap();
        let rules = CategoryRules::new(&file, "rules.toml").unwrap();
        assert_eq!(classify(&rules, "code", "main.rs", None), Some(Category::NonWork));
        assert_eq!(classify(&rules, "slack", "x", None), Some(Category::Communication));

        let replaced = RulesFile { replace_builtin: true, ..file };
        let rules = CategoryRules::new(&replaced, "rules.toml").unwrap();
        assert_eq!(classify(&rules, "slack", "x", None), None);
    }

    #[test]
    fn all_conditions_of_a_rule_must_match() {
        let file: RulesFile = toml::from_str(
            r#"
            replace_builtin = true
            [[rule]]
            category = "research"
            app = "firefox"
            url = "internal-wiki"
            "#,
        )
        .unwrap();
        let rules = CategoryRules::new(&file, "r.toml").unwrap();
        assert_eq!(classify(&rules, "firefox", "t", Some("https://internal-wiki/x")), Some(Category::Research));
        assert_eq!(classify(&rules, "firefox", "t", None), None);
        assert_eq!(classify(&rules, "chrome", "t", Some("https://internal-wiki/x")), None);
    }

    #[test]
    fn bad_rules_are_refused_with_their_position() {
        let cases = [
            ("[[rule]]\ncategory = \"nap\"\napp = \"x\"\n", "rule #1: unknown category `nap`"),
            ("[[rule]]\ncategory = \"admin\"\napp = \"(\"\n", "rule #1: field `app` is not a valid regex"),
            ("[[rule]]\ncategory = \"admin\"\n", "rule #1: a rule needs at least one"),
        ];
        for (text, want) in cases {
            let file: RulesFile = toml::from_str(text).unwrap();
            let err = CategoryRules::new(&file, "rules.toml").err().expect("refused").to_string();
            assert!(err.contains(want), "{err}");
            assert!(err.starts_with("rules.toml"), "{err}");
        }
    }
}
