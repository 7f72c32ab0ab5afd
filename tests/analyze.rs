//! `cramplab analyze` end to end, on files written by `cramplab simulate`
//! where the truth is planted, and on the bundled sample history.

use std::path::Path;

use serde_json::Value;

use crate::common::{cramplab, root};

/// Simulate a history into `dir` with the real binary.
fn simulate(dir: &Path, runs: u32, seed: u64, extra: &[&str]) {
    let out = cramplab()
        .args(["simulate", "--out"])
        .arg(dir)
        .args(["--runs", &runs.to_string(), "--seed", &seed.to_string()])
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "simulate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `analyze --json` with fewer resamples (the statistics are tested
/// elsewhere; here the classes and the plumbing are).
fn analyze_json(args: &[&std::ffi::OsStr], tz: &str) -> (Value, i32, String) {
    let out = cramplab()
        .env("TZ", tz)
        .args([
            "analyze",
            "--json",
            "--bootstrap",
            "999",
            "--permutations",
            "999",
        ])
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {stderr}"));
    (v, out.status.code().unwrap_or(-1), stderr)
}

fn truth(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("truth.json")).expect("truth.json"))
        .expect("JSON")
}

/// Pair each analysed cramp with the simulated one whose tagged onset it is.
fn paired<'a>(result: &'a Value, truth: &'a Value) -> Vec<(&'a Value, &'a Value)> {
    let mut out = Vec::new();
    for c in result["cramps"].as_array().expect("cramps") {
        let file = c["file"].as_str().expect("file");
        let start = chrono::DateTime::parse_from_rfc3339(c["start_utc"].as_str().expect("start"))
            .expect("time");
        let found = truth["cramps"]
            .as_array()
            .expect("truth cramps")
            .iter()
            .find(|t| {
                let tagged = t["tag_start_utc"]
                    .as_str()
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
                file.ends_with(t["file"].as_str().unwrap_or("?"))
                    && tagged.is_some_and(|ts| (ts - start).num_seconds().abs() <= 1)
            });
        if let Some(t) = found {
            out.push((c, t));
        }
    }
    out
}

#[test]
fn precisely_tagged_cramps_get_the_response_they_were_simulated_with() {
    let dir = tempfile::tempdir().expect("tempdir");
    simulate(dir.path(), 60, 7, &["--effect", "0.5"]);
    let (result, code, stderr) = analyze_json(&[dir.path().as_os_str()], "UTC");
    assert_eq!(code, 0, "{stderr}");
    let t = truth(dir.path());
    let pairs = paired(&result, &t);
    let tagged = t["summary"]["tagged"].as_u64().expect("count") as usize;
    assert!(
        pairs.len() * 10 >= tagged * 9,
        "only {} of {tagged} tagged cramps were found",
        pairs.len()
    );
    let precise: Vec<_> = pairs.iter().filter(|(c, _)| c["approx"] == false).collect();
    let agree = precise
        .iter()
        .filter(|(c, t)| c["response"] == t["response"])
        .count();
    let share = agree as f64 / precise.len() as f64;
    let confusions: Vec<String> = precise
        .iter()
        .filter(|(c, t)| c["response"] != t["response"])
        .map(|(c, t)| {
            format!(
                "{} {} → {} ({})",
                c["file"], t["response"], c["response"], c["slowdown_pct"]
            )
        })
        .collect();
    assert!(
        share >= 0.85,
        "{agree}/{} agree ({share:.2}); misclassified:\n{}",
        precise.len(),
        confusions.join("\n")
    );
}

/// Share of precisely tagged cramps whose analysed response is the planted
/// one, and how many there were.
fn response_agreement(dir: &Path) -> (f64, usize) {
    let (result, code, stderr) = analyze_json(&[dir.as_os_str()], "UTC");
    assert_eq!(code, 0, "{stderr}");
    let t = truth(dir);
    let pairs = paired(&result, &t);
    let tagged = t["summary"]["tagged"].as_u64().expect("count") as usize;
    assert!(
        pairs.len() * 10 >= tagged * 9,
        "only {} of {tagged} tagged cramps were found",
        pairs.len()
    );
    let precise: Vec<_> = pairs.iter().filter(|(c, _)| c["approx"] == false).collect();
    let agree = precise
        .iter()
        .filter(|(c, t)| c["response"] == t["response"])
        .count();
    (agree as f64 / precise.len() as f64, precise.len())
}

#[test]
fn an_apple_health_export_of_a_history_finds_the_planted_responses_as_well_as_its_fit_files() {
    // The same planted runs (same seed), written once as FIT files and once
    // as one Apple Health export.zip: route GPX files without heart rate,
    // heart rate as records every ~5 s, pauses as workout events. Issue #15:
    // agreement within 3 points.
    let fit = tempfile::tempdir().expect("tempdir");
    let apple = tempfile::tempdir().expect("tempdir");
    simulate(fit.path(), 60, 7, &["--effect", "0.5", "--formats", "fit"]);
    simulate(
        apple.path(),
        60,
        7,
        &["--effect", "0.5", "--formats", "apple"],
    );
    assert!(apple.path().join("export.zip").is_file());
    let (fit_share, fit_n) = response_agreement(fit.path());
    let (apple_share, apple_n) = response_agreement(apple.path());
    assert!(fit_n >= 100 && apple_n >= 100, "{fit_n} {apple_n}");
    assert!(
        (fit_share - apple_share).abs() <= 0.03,
        "FIT {fit_share:.3} of {fit_n}, Apple {apple_share:.3} of {apple_n}"
    );
    assert!(apple_share >= 0.85, "Apple {apple_share:.3}");
}

#[test]
fn cramps_run_through_on_hills_stay_kept_pace() {
    let dir = tempfile::tempdir().expect("tempdir");
    simulate(dir.path(), 40, 11, &[]);
    let (result, _, _) = analyze_json(&[dir.path().as_os_str()], "UTC");
    let t = truth(dir.path());
    let hilly: std::collections::HashSet<&str> = t["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter(|r| r["course"] != "flat")
        .filter_map(|r| r["file"].as_str())
        .collect();
    let kept: Vec<_> = paired(&result, &t)
        .into_iter()
        .filter(|(c, t)| t["response"] == "kept_pace" && c["approx"] == false)
        .filter(|(_, t)| t["file"].as_str().is_some_and(|f| hilly.contains(f)))
        .collect();
    assert!(
        kept.len() >= 10,
        "too few kept-pace cramps on hills to judge: {}",
        kept.len()
    );
    let still_kept = kept
        .iter()
        .filter(|(c, _)| c["response"] == "kept_pace")
        .count();
    assert!(
        still_kept * 100 >= kept.len() * 85,
        "{still_kept}/{} hill cramps stayed kept_pace",
        kept.len()
    );
}

#[test]
fn the_sample_history_finds_that_slowing_down_went_with_shorter_cramps() {
    let (result, code, stderr) = analyze_json(&[root().join("sample-data").as_os_str()], "UTC");
    assert_eq!(code, 0, "{stderr}");
    let c = &result["comparison"];
    assert_eq!(c["verdict"], "shorter", "{c:#}");
    assert!(c["ci_high"].as_f64().expect("ci") < 1.0);
}

#[test]
fn results_do_not_depend_on_the_time_zone_or_the_thread_count() {
    let dir = root().join("sample-data");
    let a = cramplab()
        .env("TZ", "UTC")
        .args([
            "analyze",
            "--json",
            "--bootstrap",
            "999",
            "--permutations",
            "999",
            "-j",
            "1",
        ])
        .arg(&dir)
        .output()
        .expect("runs");
    let b = cramplab()
        .env("TZ", "Asia/Kolkata")
        .args([
            "analyze",
            "--json",
            "--bootstrap",
            "999",
            "--permutations",
            "999",
            "-j",
            "2",
        ])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(a.status.success());
    assert!(
        a.stdout == b.stdout,
        "analyze --json differs between TZ/thread settings"
    );
}

#[test]
fn activities_without_any_tags_get_instructions_instead_of_an_empty_result() {
    let out = cramplab()
        .arg("analyze")
        .arg(root().join("sample-data/real"))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("No cramps are tagged"), "{text}");
    assert!(
        text.contains("cramps.csv") && text.contains("--lap-tags"),
        "{text}"
    );
}

#[test]
fn bad_tag_rows_are_reported_by_line_and_the_good_rows_still_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = root().join("sample-data/real/tormoder-fit__activity-small-fenix2-run.fit");
    std::fs::copy(&run, dir.path().join("run.fit")).expect("copy");
    std::fs::write(
        dir.path().join("cramps.csv"),
        "file,start,end,severity\nrun.fit,+20:00,+21:10,2\nrun.fit,half past,+22:00,1\nrun.fit,+30:00,+31:00,extreme\n",
    )
    .expect("write");
    let (v, code, stderr) = analyze_json(&[dir.path().as_os_str()], "UTC");
    // Two tags were lost: exit 2, as for a failed input.
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(v["cramps"].as_array().map(Vec::len), Some(1), "{v:#}");
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("cramps.csv:3:")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("cramps.csv:4:") && w.contains("severity")),
        "{warnings:?}"
    );
}

#[test]
fn an_unreadable_tag_file_stops_with_exit_status_1() {
    let run = root().join("sample-data/real/tormoder-fit__activity-small-fenix2-run.fit");
    let out = cramplab()
        .args(["analyze", "--tags", "no-such-cramps.csv"])
        .arg(&run)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-cramps.csv"));
}

#[test]
fn bad_arguments_exit_with_status_1() {
    let out = cramplab()
        .args(["analyze", "--baseline-window", "10:-5"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_same_runs_exported_as_fit_and_as_gpx_are_analysed_once_from_the_fit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (fit, gpx) = (dir.path().join("garmin"), dir.path().join("strava"));
    simulate(&fit, 4, 9, &["--formats", "fit"]);
    simulate(&gpx, 4, 9, &["--formats", "gpx"]);
    let (alone, _, _) = analyze_json(&[fit.as_os_str()], "UTC");
    let (both, code, stderr) = analyze_json(&[dir.path().as_os_str()], "UTC");
    assert_eq!(code, 0, "{stderr}");
    let files = both["files"].as_array().expect("files");
    let dups: Vec<&Value> = files.iter().filter(|f| f["status"] == "skipped").collect();
    assert_eq!(dups.len(), 4, "{files:#?}");
    assert!(
        dups.iter()
            .all(|f| f["path"].as_str().is_some_and(|p| p.ends_with(".gpx"))
                && f["error"].as_str().is_some_and(|e| e.contains("duplicate")))
    );
    let onsets = |v: &Value| {
        let mut o: Vec<String> = v["cramps"]
            .as_array()
            .expect("cramps")
            .iter()
            .map(|c| c["start_utc"].to_string())
            .collect();
        o.sort();
        o
    };
    assert!(!onsets(&alone).is_empty());
    assert_eq!(
        onsets(&alone),
        onsets(&both),
        "each cramp once, from the FIT recording"
    );
    let warned = both["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w.as_str().is_some_and(|s| s.contains("same run")))
        .count();
    assert_eq!(warned, 4);
}

#[test]
fn fit_lap_presses_become_cramp_tags_with_lap_tags() {
    // The simulator keeps lap presses in some FIT runs (truth: tag_habit
    // "fit_laps"); with --lap-tags and no CSV, those cramps are still found.
    let dir = tempfile::tempdir().expect("tempdir");
    simulate(dir.path(), 12, 21, &["--formats", "fit"]);
    std::fs::remove_file(dir.path().join("cramps.csv")).expect("rm");
    let t = truth(dir.path());
    let lap_runs: Vec<&str> = t["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter(|r| r["tag_habit"] == "fit_laps")
        .filter_map(|r| r["file"].as_str())
        .collect();
    assert!(
        !lap_runs.is_empty(),
        "seed 21 should give some lap-tagging runs"
    );
    let expected = t["cramps"]
        .as_array()
        .expect("cramps")
        .iter()
        .filter(|c| {
            c["tagged"] == true && c["file"].as_str().is_some_and(|f| lap_runs.contains(&f))
        })
        .count();
    let (without, _, _) = analyze_json(&[dir.path().as_os_str()], "UTC");
    assert_eq!(without["cramps"].as_array().map(Vec::len), Some(0));
    let out = cramplab()
        .args([
            "analyze",
            "--json",
            "--lap-tags",
            "--bootstrap",
            "99",
            "--permutations",
            "99",
        ])
        .arg(dir.path())
        .output()
        .expect("runs");
    let with: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let found = with["cramps"].as_array().expect("cramps");
    assert_eq!(found.len(), expected, "{:#?}", with["warnings"]);
    assert!(found.iter().all(
        |c| c["approx"] == false && c["tag_source"].as_str().is_some_and(|s| s.contains("lap"))
    ));
}

#[test]
fn analyze_help_shows_the_library_defaults() {
    use cramplab::align::{PlaceboOptions, WindowOptions};
    use cramplab::analysis::compare::CompareOptions;
    use cramplab::analysis::response::ResponseOptions;
    use cramplab::analysis::threshold::ThresholdOptions;
    let out = cramplab()
        .args(["analyze", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    let (w, r, t, c) = (
        WindowOptions::default(),
        ResponseOptions::default(),
        ThresholdOptions::default(),
        CompareOptions::default(),
    );
    let flags: [(&str, String); 16] = [
        ("--sport", "running".to_string()),
        ("--threshold-floor", t.floor_pct.to_string()),
        ("--threshold-cap", t.cap_pct.to_string()),
        ("--baseline-window", w.baseline.to_string()),
        ("--baseline-min-moving", w.baseline_min_moving_s.to_string()),
        ("--response-window", w.response.to_string()),
        (
            "--stop-paused-fraction",
            r.stopped_paused_fraction.to_string(),
        ),
        ("--stop-speed", r.stopped_speed_mps.to_string()),
        ("--walk-cadence", r.walk_cadence_spm.to_string()),
        ("--walk-speed", r.walk_speed_mps.to_string()),
        (
            "--placebo-moments",
            PlaceboOptions::default().moments.to_string(),
        ),
        ("--bootstrap", c.bootstrap_resamples.to_string()),
        ("--permutations", c.permutations.to_string()),
        ("--power-sims", c.power_sims.to_string()),
        ("--seed", c.seed.to_string()),
        ("--response-window", "3:18".to_string()),
    ];
    // Each "[default: …]" belongs to the flag line above it.
    let mut defaults = std::collections::HashMap::new();
    let mut flag = "";
    for line in help.lines().map(str::trim) {
        if line.starts_with('-') {
            flag = line
                .split([' ', ','])
                .find(|w| w.starts_with("--"))
                .unwrap_or("");
        }
        if let Some(d) = line.split("[default: ").nth(1) {
            defaults.insert(flag, d.trim_end_matches(']').to_string());
        }
    }
    for (flag, value) in flags {
        assert_eq!(
            defaults.get(flag),
            Some(&value),
            "{flag} shows the library's default:\n{help}"
        );
    }
}

#[test]
fn every_input_is_listed_in_files_and_the_terminal_counts_agree_with_the_json() {
    // A run, a TCX course and a GPX route without times: two non-activities
    // that a folder scan skips, each listed with its reason.
    let dir = tempfile::tempdir().expect("tempdir");
    for f in [
        "fit/tormoder-fit__activity-small-fenix2-run.fit",
        "tcx/togeojson__tcx-courses.tcx",
        "gpx/georust-gpx__strava_route_example.gpx",
    ] {
        let from = crate::common::corpus().join(f);
        let name = Path::new(f).file_name().expect("a file name");
        std::fs::copy(&from, dir.path().join(name)).expect("copy");
    }
    let (v, code, _) = analyze_json(&[dir.path().as_os_str()], "UTC");
    assert_eq!(code, 0);
    let files = v["files"].as_array().expect("files[]");
    assert_eq!(files.len(), 3, "{files:#?}");
    let row = |needle: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.contains(needle)))
            .unwrap_or_else(|| panic!("no files[] row for {needle}: {files:#?}"))
    };
    assert_eq!(row("fenix2-run")["status"], "ok");
    let course = row("tcx-courses");
    assert_eq!(course["status"], "skipped");
    assert!(
        course["error"]
            .as_str()
            .is_some_and(|e| e.contains("TCX course holds no activity")),
        "{course}"
    );
    let route = row("strava_route_example");
    assert_eq!(route["status"], "skipped");
    assert!(
        route["error"]
            .as_str()
            .is_some_and(|e| e.contains("has no timestamps")),
        "{route}"
    );
    assert_eq!(v["skipped_non_activities"], 2);

    let out = cramplab()
        .arg("analyze")
        .arg(dir.path())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("cramplab: 1 activity analysed, 2 skipped, 0 failed"),
        "{text}"
    );
}

#[test]
fn a_p_value_below_one_in_a_thousand_prints_as_less_than_0_001_not_as_zero() {
    // 9,999 permutations can reach p < 0.001 (999 cannot); the sample
    // history's full-duration comparison does.
    let args = [
        "--bootstrap",
        "999",
        "--permutations",
        "9999",
        "--power-sims",
        "0",
    ];
    let run = |json: bool| {
        let mut cmd = cramplab();
        cmd.arg("analyze")
            .args(args)
            .arg(root().join("sample-data"));
        if json {
            cmd.arg("--json");
        }
        cmd.output().expect("runs").stdout
    };
    let v: Value = serde_json::from_slice(&run(true)).expect("JSON");
    let full = &v["comparison"]["sensitivity"][0];
    assert_eq!(full["label"], "full_duration");
    let p = full["p_value"].as_f64().expect("a p-value");
    assert!(p < 0.001, "the sample history's full-duration p is {p}");
    let text = String::from_utf8_lossy(&run(false)).to_string();
    let line = text
        .lines()
        .find(|l| l.contains("full duration"))
        .unwrap_or_else(|| panic!("no full-duration row: {text}"));
    assert!(line.contains("< 0.001"), "{line}");
    assert!(
        !text.contains("0.0000") && !text.contains("p = 0.000"),
        "{text}"
    );
}
