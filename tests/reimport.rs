//! Imports count each record exactly once (issue 20): a failed import records nothing,
//! so the same file imports later with the right format; a file corrected in place
//! replaces its partial import, ending equal to a clean import of the corrected file,
//! also when that re-import is killed with SIGKILL and resumed. The real binary, real
//! SQLite files.

mod common;
use common::{read_checkpoint, stderr, Sandbox};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tally::synth::{shape_for_total, write_aw_export, SplitMix};

/// The day report's rows, without the header.
fn day_rows(sandbox: &Sandbox, day: &str) -> Vec<String> {
    sandbox.export_csv(day, day, "day").lines().skip(1).map(str::to_string).collect()
}

fn import(sandbox: &Sandbox, format: &str, file: &Path) -> std::process::Output {
    sandbox.run(&["--no-model", "import", "--format", format, file.to_str().unwrap()])
}

#[test]
fn a_file_imported_with_the_wrong_format_imports_later_with_the_right_one() {
    let sandbox = Sandbox::new();
    let export = common::aw_export(vec![(
        "aw-watcher-window_planted-host-qx7",
        "currentwindow",
        vec![
            common::aw_event("2026-11-02T09:10:00Z", 300.0, serde_json::json!({"app": "code", "title": "b.rs"})),
            common::aw_event("2026-11-02T09:00:00Z", 600.0, serde_json::json!({"app": "code", "title": "a.rs"})),
        ],
    )]);
    let file = sandbox.input("export.json", export);

    let wrong = import(&sandbox, "csv", &file);
    assert_eq!(wrong.status.code(), Some(1), "{}", stderr(&wrong));
    assert!(stderr(&wrong).contains("imported 0 records"), "{}", stderr(&wrong));
    assert!(day_rows(&sandbox, "2026-11-02").is_empty());

    let right = import(&sandbox, "aw", &file);
    assert!(right.status.success(), "{}", stderr(&right));
    assert!(stderr(&right).contains("imported 2 records"), "{}", stderr(&right));
    let rows = day_rows(&sandbox, "2026-11-02");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].starts_with("2026-11-02,2026-11-03,local,deep_work,15.00,1.0000,2,"), "{rows:?}");

    // Now that records were accepted, the file counts as imported.
    let again = import(&sandbox, "aw", &file);
    assert!(again.status.success() && stderr(&again).contains("already imported"), "{}", stderr(&again));
    assert_eq!(day_rows(&sandbox, "2026-11-02"), rows);
}

/// Writes an import checkpoint row as given, the way earlier versions left them.
fn plant_checkpoint(sandbox: &Sandbox, file: &Path, format: &str, records_done: i64, complete: bool, imported: i64) {
    use sqlx::ConnectOptions;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        tally::store::Store::open(&sandbox.data_dir()).await.unwrap().close().await;
        let db = sandbox.data_dir().join(tally::store::DATABASE_FILE);
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(db).connect().await.unwrap();
        sqlx::query(
            "INSERT OR REPLACE INTO import_checkpoints (file_sha256, format, records_done, complete, imported, skipped, \
             timeline_state, updated_at) VALUES (?, ?, ?, ?, ?, 0, '{}', '2026-11-01T00:00:00Z')",
        )
        .bind(tally::import::file_sha256(file).unwrap())
        .bind(format)
        .bind(records_done)
        .bind(complete)
        .bind(imported)
        .execute(&mut conn)
        .await
        .unwrap();
    });
}

#[test]
fn a_failed_import_recorded_by_an_earlier_version_does_not_block_the_file() {
    let sandbox = Sandbox::new();
    let rows = "start,duration,app,title,url\n2026-11-05T09:00:00Z,600,code,a.rs,\n";
    let file = sandbox.input("day.csv", rows);
    std::fs::create_dir_all(sandbox.data_dir()).unwrap();
    // Finished with nothing accepted (a wrong format): the file was not imported.
    plant_checkpoint(&sandbox, &file, "jsonl", 1, true, 0);
    let out = import(&sandbox, "csv", &file);
    assert!(out.status.success() && stderr(&out).contains("imported 1 records"), "{}", stderr(&out));

    // Half done in another format (with nothing to take back): read afresh, not resumed
    // at a record number that means something else in this format.
    let other = sandbox.input("other.csv", "start,duration,app\n2026-11-05T10:00:00Z,600,code\n");
    plant_checkpoint(&sandbox, &other, "jsonl", 1, false, 1);
    let out = import(&sandbox, "csv", &other);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("imported 1 records") && !stderr(&out).contains("resumed"), "{}", stderr(&out));
    assert!(day_rows(&sandbox, "2026-11-05")[0].contains(",local,deep_work,20.00,"));
}

#[test]
fn a_corrected_csv_adds_only_the_records_its_first_import_rejected() {
    let sandbox = Sandbox::new();
    sandbox.watch(&["zqxcorrected"]);
    let header = "start,duration,app,title,url\n";
    let good = "2026-11-03T09:00:00Z,600,code,zqxcorrected-a.rs - Visual Studio Code,\n";
    let file = sandbox.input(
        "day.csv",
        format!("{header}{good}2026-11-03T09:10:00Z,ten,code,zqxcorrected-b.rs - Visual Studio Code,\n"),
    );
    let first = import(&sandbox, "csv", &file);
    assert_eq!(first.status.code(), Some(2), "{}", stderr(&first));
    assert!(stderr(&first).contains("imported 1 records") && stderr(&first).contains("line 3"), "{}", stderr(&first));
    let corrected = format!("{header}{good}2026-11-03T09:10:00Z,600,code,zqxcorrected-b.rs - Visual Studio Code,\n");
    std::fs::write(&file, &corrected).unwrap();

    let second = import(&sandbox, "csv", &file);
    assert!(second.status.success(), "{}", stderr(&second));
    let rows = day_rows(&sandbox, "2026-11-03");
    assert!(rows[0].starts_with("2026-11-03,2026-11-04,local,deep_work,20.00,1.0000,2,"), "{rows:?}");
    assert!(stderr(&second).contains("imported 2 records"), "{}", stderr(&second));
    assert!(stderr(&second).contains("replacing its earlier partial import"), "{}", stderr(&second));

    // The same as importing the corrected file alone.
    let clean = Sandbox::new();
    let alone = clean.input("day.csv", &corrected);
    assert!(import(&clean, "csv", &alone).status.success());
    assert_eq!(rows, day_rows(&clean, "2026-11-03"));

    let again = import(&sandbox, "csv", &file);
    assert!(again.status.success() && stderr(&again).contains("already imported"), "{}", stderr(&again));
    assert_eq!(day_rows(&sandbox, "2026-11-03"), rows);
}

#[test]
fn a_forgotten_day_is_not_taken_back_again_when_a_partial_import_is_replaced() {
    let sandbox = Sandbox::new();
    let header = "start,duration,app,title,url\n";
    let good = "2026-11-04T09:00:00Z,600,code,a.rs,\n2026-11-05T09:00:00Z,600,code,a.rs,\n";
    let file = sandbox.input("days.csv", format!("{header}{good}2026-11-05T09:10:00Z,ten,code,b.rs,\n"));
    assert_eq!(import(&sandbox, "csv", &file).status.code(), Some(2));
    let out = sandbox.run(&["forget", "--from", "2026-11-04", "--to", "2026-11-04", "--tz", "UTC"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Another file brings the forgotten bucket again; then the partial import is replaced.
    let other = sandbox.input("other.csv", format!("{header}2026-11-04T09:00:00Z,600,code,a.rs,\n"));
    assert!(import(&sandbox, "csv", &other).status.success());
    std::fs::write(&file, format!("{header}{good}2026-11-05T09:10:00Z,600,code,b.rs,\n")).unwrap();
    let out = import(&sandbox, "csv", &file);
    assert!(out.status.success(), "{}", stderr(&out));
    // What the partial import had added on the forgotten day went with it, so the
    // replacement takes nothing from the other file's 10 minutes there.
    let day = day_rows(&sandbox, "2026-11-04");
    assert!(day[0].starts_with("2026-11-04,2026-11-05,local,deep_work,20.00,1.0000,2,"), "{day:?}");
    let day = day_rows(&sandbox, "2026-11-05");
    assert!(day[0].starts_with("2026-11-05,2026-11-06,local,deep_work,20.00,1.0000,2,"), "{day:?}");
    assert!(stderr(&out).contains("replacing"), "{}", stderr(&out));
}

#[test]
fn a_clean_import_is_never_replaced() {
    let sandbox = Sandbox::new();
    let header = "start,duration,app,title,url\n";
    let file = sandbox.input("today.csv", format!("{header}2026-11-06T09:00:00Z,600,code,a.rs,\n"));
    assert!(import(&sandbox, "csv", &file).status.success());
    // The next day's file written to the same path adds to the first.
    std::fs::write(&file, format!("{header}2026-11-07T09:00:00Z,300,code,a.rs,\n")).unwrap();
    let out = import(&sandbox, "csv", &file);
    assert!(out.status.success() && !stderr(&out).contains("replacing"), "{}", stderr(&out));
    assert!(day_rows(&sandbox, "2026-11-06")[0].contains(",local,deep_work,10.00,"));
    assert!(day_rows(&sandbox, "2026-11-07")[0].contains(",local,deep_work,5.00,"));
}

/// An export whose every 40th window event has a duration written as a string: its
/// import rejects those records and keeps the rest.
fn with_broken_events(export: &str) -> String {
    let web_bucket = export.find("\"aw-watcher-web-firefox_synthhost\"").unwrap();
    let (window, rest) = export.split_at(web_bucket);
    let mut broken = String::new();
    for (i, line) in window.split_inclusive('\n').enumerate() {
        if i % 40 == 7 && line.contains("\"duration\": ") {
            broken.push_str(&line.replacen("\"duration\": ", "\"duration\": \"", 1).replacen(
                ", \"data\"",
                "\", \"data\"",
                1,
            ));
        } else {
            broken.push_str(line);
        }
    }
    broken + rest
}

#[test]
fn a_killed_reimport_of_a_corrected_file_resumes_to_the_clean_aggregates() {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    eprintln!("kill-point seed: {seed}");
    let mut rng = SplitMix::new(seed);
    let mut bytes = Vec::new();
    write_aw_export(&mut bytes, shape_for_total(40_000, 29)).unwrap();
    let corrected = String::from_utf8(bytes).unwrap();
    let partial = with_broken_events(&corrected);
    let args = |file: &Path| {
        ["--no-model", "import", "--format", "aw", "--checkpoint-every", "1000", file.to_str().unwrap()]
            .map(str::to_string)
            .to_vec()
    };
    let run = |sandbox: &Sandbox, file: &Path| {
        let args = args(file);
        sandbox.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // The corrected file alone: what every store must end with.
    let alone = Sandbox::new();
    let file = alone.input("export.json", &corrected);
    assert!(run(&alone, &file).status.success());
    let want = alone.export_csv("2020-01-01", "2030-12-31", "hour");
    assert!(want.lines().count() > 500, "the fixture should span many hours");

    // The partial file, then the corrected one in its place, without interruption.
    let clean = Sandbox::new();
    let file = clean.input("export.json", &partial);
    let out = run(&clean, &file);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    std::fs::write(&file, &corrected).unwrap();
    let out = run(&clean, &file);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = clean.export_csv("2020-01-01", "2030-12-31", "hour");
    let differ = want.lines().zip(got.lines()).find(|(a, b)| a != b);
    assert!(
        differ.is_none() && want.lines().count() == got.lines().count(),
        "the corrected file counted records twice or lost some: first difference {differ:?}"
    );
    assert!(stderr(&out).contains("replacing its earlier partial import"), "{}", stderr(&out));

    // The same, with the re-import killed after a checkpoint and then at random points.
    let crashed = Sandbox::new();
    let file = crashed.input("export.json", &partial);
    assert_eq!(run(&crashed, &file).status.code(), Some(2));
    std::fs::write(&file, &corrected).unwrap();
    let sha = tally::import::file_sha256(&file).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let args = args(&file);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = crashed.command(&args).stderr(Stdio::null()).spawn().unwrap();
    let done_at_kill = loop {
        std::thread::sleep(Duration::from_millis(5));
        if let Some((done, complete)) = runtime.block_on(read_checkpoint(&crashed.data_dir(), &sha)).filter(|c| c.0 > 0)
        {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            assert!(!complete, "the re-import finished before it could be killed");
            break done;
        }
        assert!(child.try_wait().unwrap().is_none(), "the re-import ended before its first checkpoint");
    };
    let mut kills = 1;
    for _ in 0..4 {
        let mut child = crashed.command(&args).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(50 + rng.below(1500)));
        if child.try_wait().unwrap().is_some() {
            break;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
    }
    let out = crashed.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        crashed.export_csv("2020-01-01", "2030-12-31", "hour"),
        want,
        "after {kills} kills, the first at record {done_at_kill}"
    );
}
