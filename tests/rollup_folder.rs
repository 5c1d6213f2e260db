//! The org rollup through a shared folder, end to end with the real `tally` binary and
//! the real keyring (keyutils): an admin sets up an organisation, 13 installs in three
//! teams enrol and publish, and the admin's report releases only cells with ≥ k
//! contributors — exact for the big teams, nothing about the small one.

mod common;

use common::rollup::{import_week, minutes_of, ok, unique_org, DAYS, PLANTED};
use common::{join_fresh_session_keyring, stderr, Sandbox};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tally::rollup::folder::OrgKeys;

struct Org {
    id: String,
    folder: PathBuf,
    public_key: String,
    admin: Sandbox,
}

impl Org {
    fn new(epsilon: Option<f64>) -> Org {
        // The admin and the installs of one test share a real keyutils session keyring.
        join_fresh_session_keyring();
        let admin = Sandbox::new();
        let id = unique_org();
        let folder = admin.inputs.path().join("share");
        // keyutils forgets at reboot; the test's keyring lasts no longer than the test.
        let folder_arg = folder.to_str().unwrap();
        let out = ok(&admin.run(&["team", "init", "--org", &id, "--folder", folder_arg, "--allow-volatile-keyring"]));
        let public_key = out.lines().find_map(|l| l.strip_prefix("org_public_key = \"")?.split('"').next());
        let org = Org { id: id.clone(), folder, public_key: public_key.expect("a public key").to_string(), admin };
        let extra = epsilon.map(|e| format!("epsilon = {e}\n")).unwrap_or_default();
        org.write_policy(&org.admin, "admins", &format!("admin = true\n{extra}"));
        org
    }

    fn write_policy(&self, sandbox: &Sandbox, team: &str, extra: &str) -> PathBuf {
        let text = format!(
            "[org]\nid = \"{}\"\nteam = \"{team}\"\n{extra}\n[sink]\nkind = \"folder\"\npath = \"{}\"\norg_public_key = \"{}\"\n[roster]\nalpha = 6\nbeta = 10\ngamma = 10\n\"Platform Engineering\" = 2\n",
            self.id,
            self.folder.display(),
            self.public_key
        );
        sandbox.input("policy.toml", text)
    }

    /// A per-device token for `team`, issued by the admin.
    fn token(&self, team: &str) -> String {
        let policy = Org::policy(&self.admin);
        let out = ok(&self.admin.run(&["--policy", &policy, "team", "tokens", "issue", "--team", team]));
        out.trim().to_string()
    }

    fn policy(sandbox: &Sandbox) -> String {
        sandbox.inputs.path().join("policy.toml").display().to_string()
    }

    /// An install in `team` whose activity on each day is `minutes[day]` of coding and
    /// half as much in meetings; enrolled with `token`.
    fn install(&self, team: &str, minutes: &[i64], token: &str) -> Sandbox {
        let sandbox = Sandbox::new();
        self.write_policy(&sandbox, team, "");
        import_week(&sandbox, minutes);
        let policy = Org::policy(&sandbox);
        ok(&sandbox.run_with_stdin(&["--policy", &policy, "enrol"], format!("{token}\n").as_bytes()));
        sandbox
    }

    /// Five installs of `alpha` (install numbers 0–4), enrolled and published.
    fn alpha_five(&self) -> Vec<Sandbox> {
        (0..5)
            .map(|i| {
                let s = self.install("alpha", &minutes_of(i), &self.token("alpha"));
                self.publish(&s);
                s
            })
            .collect()
    }

    fn publish(&self, sandbox: &Sandbox) -> String {
        ok(&sandbox.run(&["--no-model", "--policy", &Org::policy(sandbox), "publish"]))
    }

    fn report(&self, by: &str) -> Value {
        let policy = Org::policy(&self.admin);
        let out = ok(&self
            .admin
            .run(&["--policy", &policy, "team", "report", "--from", DAYS[0], "--to", DAYS[4], "--by", by, "--json"]));
        serde_json::from_str(&out).unwrap()
    }

    fn csv(&self, by: &str) -> String {
        let policy = Org::policy(&self.admin);
        ok(&self
            .admin
            .run(&["--policy", &policy, "team", "export", "csv", "--from", DAYS[0], "--to", DAYS[4], "--by", by]))
    }
}

/// (period_start, team, category) → active seconds of the released team cells.
fn cells(report: &Value, key: &str) -> BTreeMap<(String, String, String), (i64, i64)> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                (
                    c["period_start"].as_str().unwrap().to_string(),
                    c["team"].as_str().unwrap().to_string(),
                    c["category"].as_str().unwrap().to_string(),
                ),
                (c["measures"]["active_seconds"].as_i64().unwrap(), c["contributors"].as_i64().unwrap()),
            )
        })
        .collect()
}

fn contrib_file(folder: &Path, sandbox: &Sandbox) -> PathBuf {
    let db = sandbox.data_dir().join("tally.db");
    let conn = rusqlite_free_read(&db);
    folder.join("contrib").join(format!("{conn}.sealed"))
}

/// The install id recorded in a data dir (read through the engine's own store).
fn rusqlite_free_read(db: &Path) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(db).read_only(true).connect().await.unwrap();
        sqlx::query_scalar::<_, String>("SELECT install_id FROM org_enrolment").fetch_one(&mut conn).await.unwrap()
    })
}

#[test]
fn a_shared_folder_releases_big_teams_exactly_and_nothing_about_a_small_one() {
    let org = Org::new(None);
    let teams = [("alpha", 5), ("beta", 5), ("gamma", 3)];
    let mut installs = Vec::new();
    let mut expected: BTreeMap<(String, String, String), (i64, i64)> = BTreeMap::new();
    for (team, size) in teams {
        for _ in 0..size {
            let i = installs.len();
            let minutes = minutes_of(i);
            let sandbox = org.install(team, &minutes, &org.token(team));
            if team != "gamma" {
                for (day, m) in DAYS.iter().zip(&minutes) {
                    for (category, seconds) in [("deep_work", m * 60), ("meetings", m * 30)] {
                        let e = expected.entry((day.to_string(), team.to_string(), category.to_string())).or_default();
                        e.0 += seconds;
                        e.1 += 1;
                    }
                }
            }
            installs.push((team, sandbox));
        }
    }
    // All 13 publish at once: each writes only its own file, atomically; nothing is lost.
    let running: Vec<_> = installs
        .iter()
        .map(|(_, s)| {
            let mut cmd = s.command(&["--no-model", "--policy", &Org::policy(s), "publish"]);
            cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for ((_, sandbox), child) in installs.iter().zip(running) {
        let out = child.wait_with_output().unwrap();
        let said = ok(&out);
        assert!(said.contains("published 5 days (10 cells"), "{said}");
        common::assert_no_planted_pii(sandbox.home.path(), &[out.stdout, out.stderr].concat(), &PLANTED);
    }

    // Every released cell is exact, and only alpha's and beta's are released.
    let report = org.report("day");
    assert_eq!(cells(&report, "teams"), expected);
    // The org total holds released cells only: minus alpha and beta it is zero, so it
    // says nothing about gamma.
    for ((day, _, category), (seconds, contributors)) in cells(&report, "org_cells") {
        let big: i64 =
            ["alpha", "beta"].iter().map(|t| expected[&(day.clone(), t.to_string(), category.clone())].0).sum();
        assert_eq!(seconds - big, 0, "{day} {category}");
        assert_eq!(contributors, 10);
    }
    let csv = org.csv("week");
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "period_start,period_end,team,contributors,category,active_minutes,active_share,events,switches,focus_minutes,sentiment_negative,sentiment_neutral,sentiment_positive,sentiment_mean"
    );
    assert!(!csv.contains("gamma"), "{csv}");
    let alpha_week: i64 = expected.iter().filter(|(k, _)| k.1 == "alpha" && k.2 == "deep_work").map(|(_, v)| v.0).sum();
    let row = csv.lines().find(|l| l.contains(",alpha,5,deep_work,")).expect(&csv);
    assert!(row.starts_with("2026-11-02,2026-11-09,alpha,5,deep_work,"), "{row}");
    assert_eq!(row.split(',').nth(5).unwrap(), format!("{:.2}", alpha_week as f64 / 60.0));

    // Each publish is in the install's ledger, with the exact payload the gate cleared.
    let ledger = ok(&installs[0].1.run(&["ledger", "--json"]));
    let entry: Value = serde_json::from_str(ledger.lines().next().expect("a ledger entry")).unwrap();
    assert_eq!((entry["purpose"].as_str(), entry["outcome"].as_str()), (Some("rollup"), Some("sent")));
    assert!(entry["payload"].as_str().unwrap().contains("\"deep_work\""));

    // A republish with nothing new sends nothing and changes nothing.
    assert!(org.publish(&installs[0].1).contains("nothing new"));
    assert_eq!(cells(&org.report("day"), "teams"), expected);

    // A colleague (or anyone with only the public key) cannot open another's file.
    let file = contrib_file(&org.folder, &installs[1].1);
    let sealed = std::fs::read(&file).unwrap();
    assert!(OrgKeys::generate().open(&sealed).is_none());

    // A half-written file is ignored until it is complete: a truncated copy of beta's
    // first install's file under an enrolled id, and a temp file of a write in progress.
    let beta0 = contrib_file(&org.folder, &installs[5].1);
    let whole = std::fs::read(&beta0).unwrap();
    std::fs::write(&beta0, &whole[..whole.len() / 2]).unwrap();
    std::fs::write(org.folder.join("contrib").join(".0000.tmp"), &whole[..10]).unwrap();
    let partial = org.report("day");
    assert_eq!(partial["skipped_files"], 1);
    assert!(cells(&partial, "teams").keys().all(|k| k.1 == "alpha"), "beta fell below k while one file is partial");
    std::fs::write(&beta0, &whole).unwrap();
    assert_eq!(cells(&org.report("day"), "teams"), expected);

    // forget --org removes exactly that install's file; alpha drops to 4 and vanishes.
    let before: Vec<_> = std::fs::read_dir(org.folder.join("contrib")).unwrap().flatten().map(|e| e.path()).collect();
    let gone = contrib_file(&org.folder, &installs[0].1);
    let policy = Org::policy(&installs[0].1);
    ok(&installs[0].1.run(&["--policy", &policy, "forget", "--org"]));
    let after: Vec<_> = std::fs::read_dir(org.folder.join("contrib")).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(after.len(), before.len() - 1);
    assert!(!gone.exists());
    let report = org.report("day");
    assert!(cells(&report, "teams").keys().all(|k| k.1 == "beta"), "{report}");

    // Every view and export is in the admin's audit log.
    let audit = ok(&org.admin.run(&["--policy", &Org::policy(&org.admin), "team", "audit"]));
    assert!(audit.matches("report").count() >= 5 && audit.contains("export-csv"), "{audit}");
}

#[test]
fn unenrolled_and_forged_contributions_are_ignored() {
    let org = Org::new(None);
    let installs = org.alpha_five();
    let released = cells(&org.report("day"), "teams");
    assert_eq!(released.len(), 10);

    // Enrolled with a token for the same org id but not the org's secret: ignored.
    let forged = tally::rollup::EnrolmentToken::random(&org.id, "alpha").expose();
    let outsider = org.install("alpha", &minutes_of(9), &forged);
    org.publish(&outsider);
    let report = org.report("day");
    assert_eq!(cells(&report, "teams"), released, "an unenrolled install changed the report");
    assert_eq!(report["skipped_files"], 2, "its enrolment and its contribution");

    // Someone with write access to the folder replaces an enrolled install's file with
    // rows not signed by that install's key: the rows are ignored (and so the genuine
    // contribution is gone until that install publishes a change).
    let id = rusqlite_free_read(&installs[0].data_dir().join("tally.db"));
    let install = tally::rollup::InstallId::parse(&id).unwrap();
    let cell = tally::rollup::DayCell {
        day: chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        team: "alpha".into(),
        category: tally::event::Category::DeepWork,
        measures: tally::rollup::Measures { active_seconds: 999_999, ..Default::default() },
    };
    let plan = tally::rollup::contribution::Plan { days: vec![cell.day], cells: vec![cell], hashes: vec![] };
    let unsigned = tally::rollup::contribution::sign(&install, &tally::rollup::SigningKey::random(), &plan);
    let key: [u8; 32] = base64_decode(&org.public_key);
    tally::rollup::folder::FolderSink::new(&org.folder, key).publish(&unsigned).unwrap();
    let report = org.report("day");
    assert_eq!(report["skipped_cells"], 1);
    assert!(report["teams"].as_array().unwrap().is_empty(), "alpha is down to 4 verified installs: {report}");
    assert!(!report.to_string().contains("999999"), "{report}");
    // Nothing changed locally, so a plain publish sends nothing; --force repairs the file.
    assert!(org.publish(&installs[0]).contains("nothing new"));
    let policy = Org::policy(&installs[0]);
    ok(&installs[0].run(&["--no-model", "--policy", &policy, "publish", "--force"]));
    assert_eq!(cells(&org.report("day"), "teams"), released, "the genuine contribution is back");
}

fn base64_decode(text: &str) -> [u8; 32] {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap().try_into().unwrap()
}

#[test]
fn noise_is_present_stable_and_as_stated() {
    let org = Org::new(Some(2.0));
    org.alpha_five();
    let exact: i64 = (0..5).map(|i| minutes_of(i).iter().sum::<i64>() * 60).sum();
    let first = org.report("day");
    let second = org.report("day");
    assert_eq!(first["teams"], second["teams"], "the same cell gets the same noise on every query");
    assert_eq!(first["noise"]["epsilon"], 2.0);
    // One day of active time: the 12 h daily cap over ε's share for active time (2 × 0.5).
    let scale = first["noise"]["scales"][0].as_f64().unwrap();
    assert!((scale - 43_200.0).abs() < 1e-6, "{scale}");
    let noisy: i64 = cells(&first, "teams").iter().filter(|(k, _)| k.2 == "deep_work").map(|(_, v)| v.0).sum();
    assert_ne!(noisy, exact, "noise present");
    assert!(first["teams"].as_array().unwrap().iter().all(|c| c["epsilon"] == 2.0), "each cell states its ε");
    // The CSV says the same, and states ε on stderr.
    let policy = Org::policy(&org.admin);
    let out = org.admin.run(&["--policy", &policy, "team", "export", "csv", "--from", DAYS[0], "--to", DAYS[4]]);
    assert!(stderr(&out).contains("ε = 2"), "{}", stderr(&out));
}

#[test]
fn policy_mistakes_and_missing_enrolment_are_named() {
    let sandbox = Sandbox::new();
    let bad = sandbox.input("policy.toml", "[org]\nid = \"acme\"\nteam = \"t\"\nk = 2\n[sink]\nkind = \"folder\"\n");
    let out = sandbox.run(&["--policy", bad.to_str().unwrap(), "publish"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("`org.k`") && stderr(&out).contains("policy.toml"), "{}", stderr(&out));

    let org = Org::new(None);
    let s = Sandbox::new();
    org.write_policy(&s, "alpha", "");
    let out = s.run(&["--no-model", "--policy", &Org::policy(&s), "publish"]);
    assert!(stderr(&out).contains("not enrolled"), "{}", stderr(&out));
    let out = s.run(&["--policy", &Org::policy(&s), "team", "report"]);
    assert!(stderr(&out).contains("admin mode"), "{}", stderr(&out));
    let out = s.run_with_stdin(&["--policy", &Org::policy(&s), "enrol"], b"tally-enrol-1.other.AAAA\n");
    assert!(stderr(&out).contains("per-device token"), "{}", stderr(&out));
    // A token for another team is refused before anything is written.
    let beta = org.token("beta");
    let out = s.run_with_stdin(&["--policy", &Org::policy(&s), "enrol"], format!("{beta}\n").as_bytes());
    assert!(stderr(&out).contains("for team `beta`"), "{}", stderr(&out));
    // A team without a declared roster gets no tokens.
    let admin = Org::policy(&org.admin);
    let out = org.admin.run(&["--policy", &admin, "team", "tokens", "issue", "--team", "delta"]);
    assert!(stderr(&out).contains("no roster size for team `delta`"), "{}", stderr(&out));
}

#[test]
fn a_contribution_passes_the_outbound_gate_with_the_local_model() {
    let org = Org::new(None);
    let sandbox = Sandbox::with_model();
    sandbox.watch(&PLANTED);
    org.write_policy(&sandbox, "Platform Engineering", "");
    let line = format!(
        r#"{{"start": "2026-11-02T09:00:00Z", "duration": 3600, "app": "code", "title": "review for {} <{}>"}}"#,
        PLANTED[0], PLANTED[1]
    );
    let file = sandbox.input("events.jsonl", line + "\n");
    ok(&sandbox.run(&["import", "--format", "jsonl", file.to_str().unwrap()]));
    let policy = Org::policy(&sandbox);
    ok(&sandbox.run_with_stdin(
        &["--policy", &policy, "enrol"],
        format!("{}\n", org.token("Platform Engineering")).as_bytes(),
    ));
    let out = sandbox.run(&["--require-model", "--policy", &policy, "publish"]);
    assert!(ok(&out).contains("published 1 days"), "{}", stderr(&out));
}

#[test]
fn the_org_insight_summary_holds_released_cells_only() {
    let org = Org::new(None);
    org.alpha_five();
    for i in 5..8 {
        let s = org.install("gamma", &minutes_of(i), &org.token("gamma"));
        org.publish(&s);
    }
    let policy = Org::policy(&org.admin);
    let out =
        org.admin.run(&["--no-model", "--policy", &policy, "team", "insights", "--preview", "--week-of", DAYS[0]]);
    let body: Value = serde_json::from_str(&ok(&out)).unwrap();
    assert!(stderr(&out).contains("outbound gate: clear"), "{}", stderr(&out));
    let user = body["user"].as_str().unwrap();
    let json = user.split("```json\n").nth(1).unwrap().split("\n```").next().unwrap();
    let summary: Value = serde_json::from_str(json).unwrap();
    assert_eq!(summary["scope"], "org");
    assert_eq!(summary["min_contributors"], 5);
    assert!(summary["last_week"].get("after_hours_share").is_none(), "{summary}");
    // Alpha only: gamma's three members are in no cell and so in no total.
    let alpha_seconds: i64 = (0..5).map(|i| minutes_of(i).iter().sum::<i64>() * 90).sum();
    let want = (alpha_seconds as f64 / 3600.0 * 10.0).round() / 10.0;
    assert_eq!(summary["last_week"]["active_hours"].as_f64().unwrap(), want, "{summary}");
    let audit = ok(&org.admin.run(&["--policy", &policy, "team", "audit"]));
    assert!(audit.contains("insight"), "{audit}");
}

#[test]
fn a_token_holder_cannot_take_over_an_enrolled_install_id() {
    use tally::rollup::{
        contribution, folder::FolderSink, identity::Enrolment, DayCell, InstallId, Measures, SigningKey,
    };
    let org = Org::new(None);
    let installs = org.alpha_five();
    let released = cells(&org.report("day"), "teams");
    assert_eq!(released.len(), 10);

    // A colleague who holds a token writes an enrolment for the victim's id with a key of
    // their own, then a contribution signed with that key.
    let victim = InstallId::parse(&rusqlite_free_read(&installs[0].data_dir().join("tally.db"))).unwrap();
    let key = SigningKey::random();
    let token = tally::rollup::EnrolmentToken::parse(&org.token("alpha")).unwrap();
    let sink = FolderSink::new(&org.folder, base64_decode(&org.public_key));
    sink.enrol(&Enrolment::new(&token, &victim, &key)).unwrap();
    let cell = DayCell {
        day: chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        team: "alpha".into(),
        category: tally::event::Category::DeepWork,
        measures: Measures { active_seconds: 30_000, ..Default::default() },
    };
    let plan = contribution::Plan { days: vec![cell.day], cells: vec![cell], hashes: vec![] };
    sink.publish(&contribution::sign(&victim, &key, &plan)).unwrap();
    let report = org.report("day");
    assert!(!report.to_string().contains("30000"), "the forged rows were used: {report}");

    // The victim publishes again, as it does every few hours: its rows count again and
    // the forged key is never used.
    let policy = Org::policy(&installs[0]);
    ok(&installs[0].run(&["--no-model", "--policy", &policy, "publish", "--force"]));
    let report = org.report("day");
    assert_eq!(cells(&report, "teams"), released, "the victim's own rows no longer count: {report}");
    assert_eq!(report["refused_enrolments"], 1, "the second key for the victim's id is reported: {report}");
}

#[test]
fn reused_tokens_rows_beyond_the_caps_and_a_forged_registry_are_refused() {
    use tally::rollup::{
        contribution, folder::FolderSink, identity::Enrolment, DayCell, InstallId, Measures, SigningKey,
    };
    let org = Org::new(None);
    org.alpha_five();
    let released = cells(&org.report("day"), "teams");
    let sink = FolderSink::new(&org.folder, base64_decode(&org.public_key));
    let token = tally::rollup::EnrolmentToken::parse(&org.token("alpha")).unwrap();
    let cell = |active, events| DayCell {
        day: chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        team: "alpha".into(),
        category: tally::event::Category::DeepWork,
        measures: Measures { active_seconds: active, events, ..Default::default() },
    };
    let publish = |id: &InstallId, key: &SigningKey, c: DayCell| {
        let plan = contribution::Plan { days: vec![c.day], cells: vec![c], hashes: vec![] };
        sink.publish(&contribution::sign(id, key, &plan)).unwrap();
    };
    // One token, two installs: the first one seen is pinned, the second refused.
    let (first, second) = ((InstallId::random(), SigningKey::random()), (InstallId::random(), SigningKey::random()));
    sink.enrol(&Enrolment::new(&token, &first.0, &first.1)).unwrap();
    publish(&first.0, &first.1, cell(3_600, 10));
    let report = org.report("day");
    assert_eq!(report["refused_enrolments"], 0, "{report}");
    sink.enrol(&Enrolment::new(&token, &second.0, &second.1)).unwrap();
    publish(&second.0, &second.1, cell(3_600, 10));
    let report = org.report("day");
    assert_eq!(report["refused_enrolments"], 1, "a reused token: {report}");
    let deep = |r: &Value| cells(r, "teams")[&("2026-11-02".to_string(), "alpha".to_string(), "deep_work".to_string())];
    assert_eq!(deep(&report).1, 6, "five installs and the token's first");

    // A signed row beyond the daily caps (the overflow probe of a shared folder) is
    // skipped whole, and the sums are untouched.
    publish(&first.0, &first.1, cell(3_600, i64::MAX - 10));
    let report = org.report("day");
    assert_eq!(report["skipped_cells"], 1, "{report}");
    assert_eq!(deep(&report), released[&("2026-11-02".to_string(), "alpha".to_string(), "deep_work".to_string())]);

    // Someone without the organisation's key edits the registry (to add a token of
    // their own): the report stops with a clear error rather than trust it.
    let registry = org.folder.join("admin").join("registry.json");
    let text = std::fs::read_to_string(&registry).unwrap();
    std::fs::write(&registry, text.replacen("\"team\": \"alpha\"", "\"team\": \"beta\"", 1)).unwrap();
    let policy = Org::policy(&org.admin);
    let out =
        org.admin.run(&["--policy", &policy, "team", "report", "--from", DAYS[0], "--to", DAYS[4], "--by", "day"]);
    assert!(
        !out.status.success() && stderr(&out).contains("does not verify under the organisation's key"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn noise_draws_do_not_change_with_the_readers_data_dir() {
    let org = Org::new(Some(2.0));
    org.alpha_five();
    let first = org.report("week");
    // The same admin (same keyring) reads again from a fresh data dir.
    let fresh = Sandbox::new();
    org.write_policy(&fresh, "admins", "admin = true\nepsilon = 2.0\n");
    let policy = Org::policy(&fresh);
    let out = ok(&fresh
        .run(&["--policy", &policy, "team", "report", "--from", DAYS[0], "--to", DAYS[4], "--by", "week", "--json"]));
    let second: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(first["teams"], second["teams"], "a fresh data dir drew fresh noise");
}
