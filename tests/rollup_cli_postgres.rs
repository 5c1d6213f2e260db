//! The org rollup on PostgreSQL through the real `tally` binary: `team init` by the
//! admin, per-device tokens (`team tokens issue`), database passwords in the keyring
//! (`sink set-password`), `enrol`, `publish`, `team status`, the admin's team CSV,
//! `enrol --rotate` and `forget --org` — against a real server on loopback
//! (tests/common/postgres.rs) and the real keyring (keyutils).

mod common;

use common::postgres::{Cluster, OWNER};
use common::rollup::{import_week, minutes_of, ok, unique_org, DAYS};
use common::{join_fresh_session_keyring, stderr, Sandbox};

const PUBLISHER_PASSWORD: &str = "pub-Secret-4471";
const READER_PASSWORD: &str = "read-Secret-9038";

struct Org {
    id: String,
    cluster: Cluster,
    admin: Sandbox,
}

impl Org {
    fn policy(&self, sandbox: &Sandbox, team: &str, extra: &str) -> String {
        let text = format!(
            "[org]\nid = \"{}\"\nteam = \"{team}\"\n{extra}\n[sink]\nkind = \"postgres\"\nurl = \"{}\"\nreader_url = \"{}\"\n[roster]\nalpha = 5\ngamma = 5\n",
            self.id,
            self.cluster.tls_url("tally_pub"),
            self.cluster.url("tally_admin_reader"),
        );
        sandbox.input("policy.toml", text).display().to_string()
    }

    /// A per-device token for `team`, issued by the admin as the database's owner.
    fn token(&self, team: &str) -> String {
        let policy = self.admin.inputs.path().join("policy.toml").display().to_string();
        let owner = format!("{}\n", self.cluster.owner_password());
        let args =
            ["--policy", &policy, "team", "tokens", "issue", "--team", team, "--postgres", &self.cluster.url(OWNER)];
        ok(&self.admin.run_with_stdin(&args, owner.as_bytes())).trim().to_string()
    }

    fn install(&self, team: &str, i: usize) -> (Sandbox, String) {
        let sandbox = Sandbox::new();
        sandbox.watch(&[PUBLISHER_PASSWORD, READER_PASSWORD]);
        let policy = self.policy(&sandbox, team, "");
        import_week(&sandbox, &minutes_of(i));
        let pw = format!("{PUBLISHER_PASSWORD}\n");
        ok(&sandbox.run_with_stdin(&["--policy", &policy, "sink", "set-password"], pw.as_bytes()));
        ok(&sandbox.run_with_stdin(&["--policy", &policy, "enrol"], format!("{}\n", self.token(team)).as_bytes()));
        let out = ok(&sandbox.run(&["--no-model", "--policy", &policy, "publish"]));
        assert!(out.contains("published 5 days (10 cells, 10 rows written)"), "{out}");
        (sandbox, policy)
    }

    fn csv(&self) -> String {
        let policy = self.admin.inputs.path().join("policy.toml").display().to_string();
        ok(&self
            .admin
            .run(&["--policy", &policy, "team", "export", "csv", "--from", DAYS[0], "--to", DAYS[4], "--by", "week"]))
    }
}

fn org() -> Option<Org> {
    join_fresh_session_keyring();
    let cluster = Cluster::start(false)?;
    let admin = Sandbox::new();
    admin.watch(&[PUBLISHER_PASSWORD, READER_PASSWORD, cluster.owner_password()]);
    let id = unique_org();
    let owner = format!("{}\n", cluster.owner_password());
    let out =
        ok(&admin.run_with_stdin(&["team", "init", "--org", &id, "--postgres", &cluster.url(OWNER)], owner.as_bytes()));
    assert!(out.contains("team tokens issue"), "{out}");
    cluster.create_login("tally_pub", PUBLISHER_PASSWORD, "tally_publisher");
    cluster.create_login("tally_admin_reader", READER_PASSWORD, "tally_reader");
    let org = Org { id, cluster, admin };
    let policy = org.policy(&org.admin, "admins", "admin = true");
    let pw = format!("{READER_PASSWORD}\n");
    ok(&org.admin.run_with_stdin(&["--policy", &policy, "sink", "set-password", "--reader"], pw.as_bytes()));
    Some(org)
}

/// Contributors and active minutes of alpha's deep-work row for the week starting on
/// `day` in a team CSV, if released.
fn alpha_deep_work(csv: &str, day: &str) -> Option<(u32, f64)> {
    csv.lines().find(|l| l.starts_with(day) && l.contains(",alpha,") && l.contains(",deep_work,")).map(|l| {
        let f: Vec<&str> = l.split(',').collect();
        (f[3].parse().unwrap(), f[5].parse().unwrap())
    })
}

#[test]
fn installs_publish_through_the_cli_and_the_admin_sees_only_released_cells() {
    let Some(org) = org() else { return };
    let mut alpha = Vec::new();
    for i in 0..5 {
        alpha.push(org.install("alpha", i));
    }
    for i in 5..8 {
        org.install("gamma", i);
    }
    let csv = org.csv();
    assert!(csv.lines().next().unwrap().starts_with("period_start,period_end,team,contributors,category,"));
    assert!(!csv.contains("gamma"), "{csv}");
    // The week's exact minutes plus the database's fixed draw, recomputed from its noise key.
    let exact: i64 = (0..5).map(|i| minutes_of(i).iter().sum::<i64>()).sum::<i64>() * 60;
    let noise_key: Vec<u8> = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::ConnectOptions;
        let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&org.cluster.url(OWNER))
            .unwrap()
            .password(org.cluster.owner_password());
        let mut conn = options.connect().await.unwrap();
        sqlx::query_scalar("SELECT noise_key FROM tally_private.settings").fetch_one(&mut conn).await.unwrap()
    });
    let scale = tally::rollup::release::NoiseStatement::new(tally::rollup::release::DEFAULT_EPSILON, 7).scales[0];
    let draw = tally::rollup::release::discrete_laplace(
        &noise_key,
        &format!("tally-noise-v1|week|{}|alpha|deep_work|1", DAYS[0]),
        scale,
    );
    let want = ((exact + draw) as f64 / 60.0 * 100.0).round() / 100.0;
    assert_eq!(alpha_deep_work(&csv, DAYS[0]), Some((5, want)), "{csv}");

    // Another admin data dir, with ε nudged in its policy: the same figures.
    let other = Sandbox::new();
    let policy = org.policy(&other, "admins", "admin = true\nepsilon = 12.0000001");
    let pw = format!("{READER_PASSWORD}\n");
    ok(&other.run_with_stdin(&["--policy", &policy, "sink", "set-password", "--reader"], pw.as_bytes()));
    let again =
        ok(&other
            .run(&["--policy", &policy, "team", "export", "csv", "--from", DAYS[0], "--to", DAYS[4], "--by", "week"]));
    assert_eq!(again, csv);

    // Each employee sees how many installs their team has enrolled, against its roster.
    let status = ok(&alpha[0].0.run(&["--policy", &alpha[0].1, "team", "status"]));
    assert!(status.contains("team `alpha`: 5 installs enrolled of a declared roster of 5"), "{status}");
    // The roster is full: a sixth alpha install is refused.
    let sixth = Sandbox::new();
    let policy = org.policy(&sixth, "alpha", "");
    let pw = format!("{PUBLISHER_PASSWORD}\n");
    ok(&sixth.run_with_stdin(&["--policy", &policy, "sink", "set-password"], pw.as_bytes()));
    let out = sixth.run_with_stdin(&["--policy", &policy, "enrol"], format!("{}\n", org.token("alpha")).as_bytes());
    assert!(!out.status.success() && stderr(&out).contains("roster"), "{}", stderr(&out));

    // The server's files (tables, WAL) hold none of the titles' planted PII.
    let hits = common::scan_for_pii(org.cluster.dir(), &common::rollup::PLANTED);
    assert!(hits.is_empty(), "planted PII in the PostgreSQL data directory: {hits:?}");
    // The publish is in the install's ledger: purpose, sink, the exact payload.
    let ledger = ok(&alpha[0].0.run(&["ledger", "--json"]));
    let entry: serde_json::Value = serde_json::from_str(ledger.lines().next().unwrap()).unwrap();
    assert_eq!((entry["purpose"].as_str(), entry["kind"].as_str()), (Some("rollup"), Some("postgres")));
    assert!(entry["endpoint"].as_str().unwrap().starts_with("postgres://127.0.0.1:"));
    assert_eq!(entry["left_machine"], true);
    // The policy file holds no password; the keyring does.
    assert!(!std::fs::read_to_string(&alpha[0].1).unwrap().contains(PUBLISHER_PASSWORD));

    // Rotation: a new random id; the old id's rows are gone and the new one's are in.
    let (sandbox, policy) = &alpha[1];
    let before = ok(&sandbox.run(&["--policy", policy, "enrol"]));
    let out = ok(&sandbox
        .run_with_stdin(&["--policy", policy, "enrol", "--rotate"], format!("{}\n", org.token("alpha")).as_bytes()));
    let id = |s: &str| s.split(" as install ").nth(1).map(|r| r.split(' ').next().unwrap().to_string());
    assert_ne!(id(&before), id(&out), "{before} / {out}");
    assert_eq!(alpha_deep_work(&org.csv(), DAYS[0]), None, "alpha's inputs changed after release: hidden");
    ok(&sandbox.run(&["--no-model", "--policy", policy, "publish"]));
    assert_eq!(alpha_deep_work(&org.csv(), DAYS[0]), Some((5, want)), "the same inputs again: the same figures");

    // forget --org withdraws exactly this install: alpha falls to 4 and disappears.
    let (sandbox, policy) = &alpha[2];
    let out = ok(&sandbox.run(&["--policy", policy, "forget", "--org"]));
    assert!(out.contains("10 removed"), "{out}");
    assert!(!org.csv().contains("alpha"));
    // Its local data stays; a publish now sends its days again (it chose to rejoin).
    assert!(sandbox.export_csv(DAYS[0], DAYS[4], "day").lines().count() > 1);

    // A wrong publisher password is refused without echoing it.
    let (sandbox, policy) = &alpha[3];
    ok(&sandbox.run_with_stdin(&["--policy", policy, "sink", "set-password"], b"wrong-Secret-5512\n"));
    let more = sandbox.input("more.jsonl", r#"{"start": "2026-11-09T09:00:00Z", "duration": 600, "app": "code"}"#);
    ok(&sandbox.run(&["--no-model", "import", "--format", "jsonl", more.to_str().unwrap()]));
    let out = sandbox.run(&["--no-model", "--policy", policy, "publish"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("password authentication failed"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("wrong-Secret-5512"), "{}", stderr(&out));
    // The failed send is in the ledger too.
    let ledger = ok(&sandbox.run(&["ledger", "--json"]));
    let entry: serde_json::Value = serde_json::from_str(ledger.lines().next().unwrap()).unwrap();
    assert_eq!(entry["outcome"].as_str(), Some("failed"));
    assert_eq!(entry["left_machine"], false);
}
