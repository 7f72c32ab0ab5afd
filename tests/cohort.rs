//! Many runners (docs/METHOD.md §5): `analyze --cohort`, `--runners`,
//! `cramplab pool` and `--anonymize`, run through the real binary on
//! simulated cohorts and on real files arranged as runners.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{FAST_STATS, corpus, cramplab};

/// A real 47-minute Fenix 2 run (tests/corpus, MIT).
const RUN: &str = "fit/tormoder-fit__activity-small-fenix2-run.fit";

/// The absolute time `min` minutes into [`RUN`], as a tag file writes it
/// (its start read with `inspect`).
fn minutes_into_run() -> impl Fn(i64) -> String {
    let v = json_of(
        cramplab()
            .args(["inspect", "--json"])
            .arg(corpus().join(RUN)),
    );
    let start = v[0]["start_utc"].as_str().expect("a start").to_string();
    let t0 = chrono::DateTime::parse_from_rfc3339(&start).expect("RFC 3339");
    move |min| (t0 + chrono::Duration::minutes(min)).to_rfc3339()
}

/// `simulate --runners 4` into `dir/cohort`: a small cohort whose runners
/// have enough cramps for the between-runner analysis.
fn simulated_cohort(dir: &Path) -> PathBuf {
    let out = dir.join("cohort");
    cramplab()
        .args(["simulate", "--runners", "4", "--runs", "12", "--seed", "5"])
        .args(["--effect", "0.6", "--cramp-rate", "1.5", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    out
}

fn json_of(cmd: &mut assert_cmd::Command) -> Value {
    let out = cmd.output().expect("cramplab runs");
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

/// The object without the keys a cohort adds or renumbers.
fn without(v: &Value, keys: &[&str]) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for k in keys {
            o.remove(*k);
        }
    }
    v
}

fn runner_dirs(cohort: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(cohort)
        .expect("cohort folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

#[test]
fn a_runners_own_result_in_a_cohort_is_identical_to_analyze_on_that_runner_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cohort = simulated_cohort(tmp.path());
    let all = json_of(
        cramplab()
            .args(["analyze", "--json"])
            .args(FAST_STATS)
            .arg("--cohort")
            .arg(&cohort),
    );
    let runners = all["runners"].as_array().expect("runners[]");
    let dirs = runner_dirs(&cohort);
    assert_eq!(runners.len(), dirs.len());
    let mut cramps_seen = 0;
    for (r, dir) in runners.iter().zip(&dirs) {
        let name = dir.file_name().unwrap().to_str().unwrap();
        assert_eq!(r["runner"], name);
        let alone = json_of(
            cramplab()
                .args(["analyze", "--json"])
                .args(FAST_STATS)
                .arg(dir),
        );
        assert_eq!(r["comparison"], alone["comparison"], "runner {name}");
        let files: Vec<Value> = all["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["runner"] == name)
            .map(|f| without(f, &["runner"]))
            .collect();
        assert_eq!(Value::Array(files), alone["files"], "runner {name}");
        let cramps: Vec<Value> = all["cramps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["runner"] == name)
            .map(|c| without(c, &["runner", "cramp_id"]))
            .collect();
        let alone_cramps: Vec<Value> = alone["cramps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| without(c, &["cramp_id"]))
            .collect();
        assert_eq!(cramps, alone_cramps, "runner {name}");
        cramps_seen += cramps.len();
        assert_eq!(r["cramps"].as_u64(), Some(alone_cramps.len() as u64));
    }
    assert_eq!(all["cramps"].as_array().unwrap().len(), cramps_seen);
    // The pooled comparison says how many runners contribute, and the
    // between-runner analysis is there.
    assert!(all["comparison"]["runners_contributing"].as_u64().is_some());
    assert!(all["meta"]["method"].as_str().unwrap().contains("REML"));
}

/// Two runners who ran the same recorded run (club-mates' watches give
/// near-identical files): within one runner the copy is a duplicate, across
/// runners it is not; and a tag without `file` stays with its runner.
#[test]
fn club_mates_runs_are_never_duplicates_and_a_tag_without_file_stays_with_its_runner() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cohort = tmp.path().join("club");
    let at = minutes_into_run();
    for (runner, tags) in [
        (
            "alice",
            format!("file,start,end,severity\n,{},,2\n", at(20)),
        ),
        ("bob", "file,start,end,severity\n".to_string()),
    ] {
        let d = cohort.join(runner);
        fs::create_dir_all(&d).unwrap();
        fs::copy(corpus().join(RUN), d.join("morning.fit")).unwrap();
        fs::write(d.join("cramps.csv"), tags).unwrap();
    }
    let v = json_of(
        cramplab()
            .args(["analyze", "--json"])
            .args(FAST_STATS)
            .arg("--cohort")
            .arg(&cohort),
    );
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f["status"] == "ok"), "{files:?}");
    let cramps = v["cramps"].as_array().unwrap();
    assert_eq!(cramps.len(), 1, "{cramps:?}");
    assert_eq!(cramps[0]["runner"], "alice");
    let warnings = v["warnings"].to_string();
    assert!(!warnings.contains("duplicate"), "{warnings}");
}

fn fails_with(cmd: &mut assert_cmd::Command, needles: &[&str]) {
    let out = cmd.output().expect("cramplab runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
}

#[test]
fn a_runner_named_twice_an_empty_runner_and_bad_manifest_paths_are_refused_by_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = tmp.path().join("c");
    fs::create_dir_all(c.join("alice")).unwrap();
    fs::copy(corpus().join(RUN), c.join("alice/run.fit")).unwrap();
    fs::copy(corpus().join(RUN), c.join("alice.fit")).unwrap();
    fails_with(cramplab().args(["analyze", "--cohort"]).arg(&c), &["alice"]);

    fs::remove_file(c.join("alice.fit")).unwrap();
    fs::create_dir_all(c.join("carol/notes")).unwrap();
    fs::write(c.join("carol/notes/readme.txt"), "nothing here").unwrap();
    fails_with(cramplab().args(["analyze", "--cohort"]).arg(&c), &["carol"]);

    let m = tmp.path().join("runners.csv");
    fs::write(&m, "runner,path\nalice,c/alice\ndave,c/nowhere\n").unwrap();
    fails_with(
        cramplab().args(["analyze", "--runners"]).arg(&m),
        &["runners.csv", "nowhere"],
    );
    fs::write(&m, "runner,path\nalice,c/alice\nerin,c/alice/run.fit\n").unwrap();
    fails_with(
        cramplab().args(["analyze", "--runners"]).arg(&m),
        &["runners.csv", "alice", "erin"],
    );
}

#[test]
fn a_manifest_names_runners_whose_files_live_anywhere() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cohort = simulated_cohort(tmp.path());
    let dirs = runner_dirs(&cohort);
    let mut manifest = String::from("runner,path\n");
    for (i, d) in dirs.iter().enumerate() {
        manifest.push_str(&format!("athlete{i},{}\n", d.display()));
    }
    let m = tmp.path().join("runners.csv");
    fs::write(&m, manifest).unwrap();
    let by_dir = json_of(
        cramplab()
            .args(["analyze", "--json"])
            .args(FAST_STATS)
            .arg("--cohort")
            .arg(&cohort),
    );
    let by_manifest = json_of(
        cramplab()
            .args(["analyze", "--json"])
            .args(FAST_STATS)
            .arg("--runners")
            .arg(&m),
    );
    // Runner names sort the same way (runner01… and athlete0…), so the
    // pooled analysis sees the same runners in the same order.
    assert_eq!(by_dir["comparison"], by_manifest["comparison"]);
    assert_eq!(
        by_dir["meta"]["duration_ratio"],
        by_manifest["meta"]["duration_ratio"]
    );
}

#[test]
fn pool_over_the_cohort_tables_gives_the_same_comparison_and_meta_as_analyze_cohort() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cohort = simulated_cohort(tmp.path());
    let csv = tmp.path().join("csv");
    let parquet = tmp.path().join("parquet");
    let all = json_of(
        cramplab()
            .args(["analyze", "--json"])
            .args(FAST_STATS)
            .arg("--cohort")
            .arg(&cohort)
            .arg("--csv")
            .arg(&csv)
            .arg("--parquet")
            .arg(&parquet),
    );
    assert!(csv.join("runner_summary.csv").is_file());
    // The tables hold cramps, not the placebo moments or the thresholds of
    // runs without cramps: those two numbers are `null` in `pool`.
    let comparison =
        |v: &Value| without(&v["comparison"], &["threshold_pct", "placebo_slowed_pct"]);
    for table in [
        csv.join("cramp_results.csv"),
        parquet.join("cramp_results.parquet"),
    ] {
        let pooled = json_of(
            cramplab()
                .arg("pool")
                .args(FAST_STATS)
                .arg("--json")
                .arg(&table),
        );
        assert_eq!(pooled["comparison"]["threshold_pct"], Value::Null);
        assert_eq!(comparison(&pooled), comparison(&all), "{}", table.display());
        assert_eq!(pooled["meta"], all["meta"], "{}", table.display());
    }
    // One table per runner, as each runner would send them: named by folder.
    let mut tables = Vec::new();
    for d in runner_dirs(&cohort) {
        let out = tmp.path().join("each").join(d.file_name().unwrap());
        cramplab()
            .args(["analyze", "--quiet"])
            .args(FAST_STATS)
            .arg(&d)
            .arg("--csv")
            .arg(&out)
            .assert()
            .code(predicates::ord::le(2));
        tables.push(out.join("cramp_results.csv"));
    }
    let pooled = json_of(
        cramplab()
            .arg("pool")
            .args(FAST_STATS)
            .arg("--json")
            .args(&tables),
    );
    assert_eq!(comparison(&pooled), comparison(&all));
    assert_eq!(pooled["meta"], all["meta"]);
}

#[test]
fn pool_refuses_a_broken_table_by_file_and_column_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = tmp.path().join("alice.csv");
    fs::write(
        &t,
        "file,start_utc,severity\nrun.fit,2026-01-01T00:00:00Z,2\n",
    )
    .unwrap();
    let html = tmp.path().join("pool.html");
    fails_with(
        cramplab().arg("pool").arg(&t).arg("--html").arg(&html),
        &["alice.csv", "response"],
    );
    assert!(!html.exists());
}

#[test]
fn anonymize_leaves_no_runner_name_file_name_muscle_or_note_in_any_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cohort = tmp.path().join("club");
    let at = minutes_into_run();
    let secret = ["Zebulon", "Xanthippe", "Quirinus"];
    for (i, name) in secret.iter().enumerate() {
        let d = cohort.join(name);
        fs::create_dir_all(&d).unwrap();
        fs::copy(
            corpus().join(RUN),
            d.join(format!("{name}-hillrepeats.fit")),
        )
        .unwrap();
        fs::write(
            d.join("cramps.csv"),
            format!(
                "file,start,end,severity,muscle,note\n{name}-hillrepeats.fit,{},,2,gastrocnemius{i},felt it near Wolfsschanze\n{name}-hillrepeats.fit,+5:00,,1,soleus,x\nmissing-{name}.fit,+3:00,,1,,\n",
                at(20)
            ),
        )
        .unwrap();
    }
    let html = tmp.path().join("out.html");
    let csv = tmp.path().join("tables");
    let out = cramplab()
        .args(["analyze", "--anonymize", "k3y", "--json"])
        .args(FAST_STATS)
        .arg("--cohort")
        .arg(&cohort)
        .arg("--html")
        .arg(&html)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    let text = cramplab()
        .args(["analyze", "--anonymize", "k3y"])
        .args(FAST_STATS)
        .arg("--cohort")
        .arg(&cohort)
        .output()
        .unwrap();
    let mut outputs = vec![
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        String::from_utf8_lossy(&text.stdout).to_string(),
        String::from_utf8_lossy(&text.stderr).to_string(),
        fs::read_to_string(&html).expect("the HTML report"),
    ];
    for e in fs::read_dir(&csv).unwrap() {
        outputs.push(fs::read_to_string(e.unwrap().path()).unwrap());
    }
    let v: Value = serde_json::from_str(&outputs[0]).expect("JSON");
    assert_eq!(v["runners"].as_array().unwrap().len(), 3);
    assert!(v["runners"][0]["runner"].as_str().unwrap().starts_with('R'));
    for o in &outputs {
        for needle in secret.iter().copied().chain([
            "hillrepeats",
            "gastrocnemius",
            "soleus",
            "Wolfsschanze",
            "club",
            "cramps.csv",
        ]) {
            assert!(!o.contains(needle), "{needle:?} appears in an output:\n{o}");
        }
    }
    // The same key gives the same pseudonyms next time.
    let again = json_of(
        cramplab()
            .args(["analyze", "--anonymize", "k3y", "--json"])
            .args(FAST_STATS)
            .arg("--cohort")
            .arg(&cohort),
    );
    assert_eq!(again["files"], v["files"]);
}

#[test]
fn analyze_on_a_folder_above_a_cohort_passes_the_cohort_over_and_says_how_to_analyse_it() {
    let v = json_of(
        cramplab()
            .args(["analyze", "--json"])
            .args(FAST_STATS)
            .arg(crate::common::root().join("sample-data")),
    );
    let files = v["files"].as_array().unwrap();
    let cohort: Vec<&Value> = files
        .iter()
        .filter(|f| f["path"].as_str().unwrap().contains("cohort"))
        .collect();
    assert_eq!(cohort.len(), 1, "{cohort:?}");
    assert_eq!(cohort[0]["status"], "skipped");
    assert!(cohort[0]["error"].as_str().unwrap().contains("--cohort"));
    assert!(
        v["cramps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !c["file"].as_str().unwrap().contains("cohort"))
    );
    assert_eq!(
        v["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        v["warnings"]
    );
}
