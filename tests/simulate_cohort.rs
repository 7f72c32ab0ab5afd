//! `cramplab simulate --runners N`: the cohort layout (one complete history
//! per runner folder), the per-runner truth, the between-runner spread and
//! confounding the flags promise, club runs that overlap across runners,
//! and that the committed `sample-data/cohort/` is what its documented
//! command writes.

use std::path::Path;

use assert_cmd::Command;
use cramplab::simulate::Params;
use cramplab::simulate::cohort::{self, CohortParams};
use serde_json::Value;

/// The one command that builds `sample-data/cohort/` (also in
/// `sample-data/README.md`).
const COHORT_ARGS: [&str; 18] = [
    "simulate",
    "--runners",
    "12",
    "--runs",
    "4",
    "--seed",
    "2026",
    "--effect",
    "0.6",
    "--effect-sd",
    "0.2",
    "--confound-runners",
    "--cramp-rate",
    "2.5",
    "--gzip",
    "--out",
    "sample-data/cohort",
    "--force",
];

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Short, cheap runs so a whole cohort simulates in a second or two.
fn quick_cohort(dir: &Path, extra: &[&str]) {
    Command::cargo_bin("cramplab")
        .unwrap()
        .args([
            "simulate",
            "--runners",
            "4",
            "--runs",
            "5",
            "--seed",
            "7",
            "--effect",
            "0.6",
            "--quiet",
            "--out",
        ])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn runners_get_one_complete_history_folder_each_and_the_truth_lists_their_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("c");
    quick_cohort(&out, &[]);
    assert_eq!(
        names(&out),
        [
            ".cramplab-cohort",
            "runner01",
            "runner02",
            "runner03",
            "runner04",
            "truth.json"
        ]
    );
    let truth = read_json(&out.join("truth.json"));
    assert_eq!(truth["kind"], "cohort");
    let runners = truth["runners"].as_array().unwrap();
    assert_eq!(runners.len(), 4);
    for r in runners {
        let name = r["name"].as_str().unwrap();
        let dir = out.join(name);
        let files = names(&dir);
        assert!(files.contains(&"cramps.csv".to_string()), "{name}");
        assert!(files.contains(&"truth.json".to_string()), "{name}");
        let activities = files
            .iter()
            .filter(|f| f.contains(".fit") || f.contains(".gpx") || f.contains(".tcx"))
            .count();
        assert_eq!(activities as u64, r["runs"].as_u64().unwrap(), "{name}");
        for key in [
            "true_ratio",
            "cramp_rate_per_hour",
            "duration_median_s",
            "slowing_propensity",
            "format_profile",
            "tag_style",
            "severity_share",
            "cramps",
            "tagged",
        ] {
            assert!(!r[key].is_null(), "{name} lacks {key}");
        }
        // The runner's own truth agrees with the cohort's.
        let own = read_json(&dir.join("truth.json"));
        assert_eq!(own["params"]["effect_ratio"], r["true_ratio"]);
        assert_eq!(own["summary"]["tagged"], r["tagged_total"]);
        assert_eq!(
            own["runs"].as_array().unwrap().len() as u64,
            r["runs"].as_u64().unwrap()
        );
    }
    // --effect-sd 0 (the default): every runner has the planted ratio.
    assert!(runners.iter().all(|r| r["true_ratio"] == 0.6));
}

#[test]
fn runners_differ_in_cramp_rate_duration_and_readiness_to_slow() {
    let cp = CohortParams::new(12, Params::default());
    let t = cohort::cohort_traits(&cp, 2026);
    let distinct = |f: &dyn Fn(&cohort::RunnerTraits) -> f64| {
        let mut v: Vec<f64> = t.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v.len()
    };
    assert_eq!(distinct(&|r| r.cramp_rate_per_hour), 12);
    assert_eq!(distinct(&|r| r.duration_median_s), 12);
    assert_eq!(distinct(&|r| r.slowing_propensity), 12);
}

#[test]
fn effect_sd_spreads_the_runners_true_ratios() {
    // The cheap path: traits only, no runs simulated.
    let mut cp = CohortParams::new(
        30,
        Params {
            effect_ratio: 0.6,
            ..Params::default()
        },
    );
    let same = cohort::cohort_traits(&cp, 11);
    assert!(same.iter().all(|r| r.true_ratio == 0.6));
    cp.effect_sd = 0.3;
    let logs: Vec<f64> = cohort::cohort_traits(&cp, 11)
        .iter()
        .map(|r| r.true_ratio.ln())
        .collect();
    let n = logs.len() as f64;
    let m = logs.iter().sum::<f64>() / n;
    let sd = (logs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    // The sample SD of 30 normal draws has SE ≈ 0.3/√58 ≈ 0.04: ±0.15 is
    // about 3.8 SE.
    assert!((sd - 0.3).abs() < 0.15, "sd of log ratios {sd}");
}

#[test]
fn confound_runners_makes_slowers_have_shorter_cramps() {
    let mut cp = CohortParams::new(30, Params::default());
    cp.confound_runners = true;
    let t = cohort::cohort_traits(&cp, 11);
    let a: Vec<f64> = t.iter().map(|r| r.slowing_propensity).collect();
    let b: Vec<f64> = t.iter().map(|r| r.duration_median_s.ln()).collect();
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    let r = cov / (va * vb).sqrt();
    // Planted correlation −0.8 on the log scale; with 30 runners r has
    // SE ≈ (1 − 0.64)/√30 ≈ 0.07, so −0.4 is far inside.
    assert!(r < -0.4, "correlation {r}");
}

#[test]
fn club_runs_overlap_in_time_across_runners() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("c");
    quick_cohort(&out, &[]);
    let truth = read_json(&out.join("truth.json"));
    let club = truth["club_runs"].as_array().unwrap();
    // Runners 1 and 4 (k = 0 and 3) always share club run 0.
    assert!(club.len() >= 2, "{club:?}");
    let span = |runner: &str, file: &str| -> (i64, i64) {
        let own = read_json(&out.join(runner).join("truth.json"));
        let run = own["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["file"] == file)
            .unwrap()
            .clone();
        let t = |k: &str| {
            chrono::DateTime::parse_from_rfc3339(run[k].as_str().unwrap())
                .unwrap()
                .timestamp()
        };
        (t("start_utc"), t("end_utc"))
    };
    let mut overlaps = 0;
    for (i, a) in club.iter().enumerate() {
        for b in &club[i + 1..] {
            if a["event"] != b["event"] || a["runner"] == b["runner"] {
                continue;
            }
            let (a0, a1) = span(a["runner"].as_str().unwrap(), a["file"].as_str().unwrap());
            let (b0, b1) = span(b["runner"].as_str().unwrap(), b["file"].as_str().unwrap());
            assert!((a0 - b0).abs() <= 120, "club starts within ± a minute each");
            if a0.max(b0) < a1.min(b1) {
                overlaps += 1;
            }
        }
    }
    assert!(overlaps >= 1, "no two runners' runs overlap");
}

#[test]
fn force_replaces_a_previous_cohort_and_keeps_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("c");
    quick_cohort(&out, &[]);
    std::fs::write(out.join("notes.txt"), "keep me").unwrap();
    std::fs::write(out.join("runner02").join("mine.txt"), "keep me too").unwrap();
    Command::cargo_bin("cramplab")
        .unwrap()
        .args([
            "simulate",
            "--runners",
            "2",
            "--runs",
            "3",
            "--seed",
            "8",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("not empty"));
    Command::cargo_bin("cramplab")
        .unwrap()
        .args([
            "simulate",
            "--runners",
            "2",
            "--runs",
            "3",
            "--seed",
            "8",
            "--quiet",
            "--force",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        names(&out),
        [
            ".cramplab-cohort",
            "notes.txt",
            "runner01",
            "runner02",
            "truth.json"
        ],
        "runner03 and runner04 of the old cohort are gone"
    );
    let r2 = names(&out.join("runner02"));
    assert!(r2.contains(&"mine.txt".to_string()));
    let truth = read_json(&out.join("runner02").join("truth.json"));
    let runs = truth["runs"].as_array().unwrap().len();
    // Only the new history's files (and mine.txt) remain in runner02.
    assert_eq!(r2.len(), runs + 3, "{r2:?}");
}

#[test]
fn effect_sd_without_runners_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    Command::cargo_bin("cramplab")
        .unwrap()
        .args(["simulate", "--effect-sd", "0.2", "--out"])
        .arg(tmp.path().join("x"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("--runners"));
}

/// If this fails, the simulator changed: regenerate the sample with the
/// command in `sample-data/README.md` (section `cohort/`) and commit it.
#[test]
fn sample_data_cohort_is_current_else_rerun_the_simulate_command_in_its_readme() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = root.join("sample-data/cohort");
    let readme = std::fs::read_to_string(root.join("sample-data/README.md")).unwrap();
    let documented = COHORT_ARGS.join(" ");
    assert!(
        readme.contains(&documented),
        "sample-data/README.md should document `cramplab {documented}`"
    );
    let tmp = tempfile::tempdir().unwrap();
    let fresh = tmp.path().join("cohort");
    // The documented command with its --out pointed at a fresh folder.
    let args: Vec<&str> = COHORT_ARGS
        .iter()
        .map(|&a| {
            if a == "sample-data/cohort" {
                fresh.to_str().unwrap()
            } else {
                a
            }
        })
        .collect();
    Command::cargo_bin("cramplab")
        .unwrap()
        .args(&args)
        .assert()
        .success();
    let regen = format!(
        "sample-data/cohort is stale: regenerate it with `cargo run --release -- {documented}` and commit"
    );
    assert_eq!(names(&committed), names(&fresh), "{regen}");
    for top in names(&fresh) {
        let (a, b) = (committed.join(&top), fresh.join(&top));
        if b.is_dir() {
            assert_eq!(names(&a), names(&b), "{top}: {regen}");
            for name in names(&b) {
                let same =
                    std::fs::read(a.join(&name)).unwrap() == std::fs::read(b.join(&name)).unwrap();
                assert!(same, "{top}/{name} differs. {regen}");
            }
        } else {
            assert!(
                std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
                "{top} differs. {regen}"
            );
        }
    }
}
