//! Issue 13, wording and `report`: what a runner reads in the text
//! summary, the HTML pages and `report RUN` — missing numbers say why,
//! responses and verdicts are words, ranges with a negative end read "to",
//! p-values have three decimals, the test is described without jargon —
//! and `report` prints clock times in UTC and local time, warns only about
//! its own run's tags, and takes `analyze`'s tag, sport and `-q` flags
//! (`simulate -q` too).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::common::{corpus, cramplab, root};

/// Fewer resamples: the statistics are tested elsewhere, the words here.
const FAST: [&str; 4] = ["--bootstrap", "199", "--permutations", "199"];

/// A small simulated history (3 runs, too few cramps for some intervals):
/// its folder, and `analyze`'s text, JSON and HTML page of it.
struct Small {
    _dir: tempfile::TempDir,
    runs: PathBuf,
    text: String,
    json: Value,
    page: String,
}

fn small() -> &'static Small {
    static SMALL: OnceLock<Small> = OnceLock::new();
    SMALL.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let runs = dir.path().join("runs");
        let o = cramplab()
            .args(["simulate", "--runs", "3", "--seed", "2", "--out"])
            .arg(&runs)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let analyze = |extra: &[&str]| {
            let o = cramplab()
                .arg("analyze")
                .arg(&runs)
                .args(FAST)
                .args(extra)
                .output()
                .expect("runs");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8(o.stdout).expect("UTF-8")
        };
        let text = analyze(&[]);
        let json = serde_json::from_str(&analyze(&["--json"])).expect("JSON");
        let html = dir.path().join("report.html");
        analyze(&["-q", "--html", html.to_str().expect("UTF-8 path")]);
        let page = std::fs::read_to_string(&html).expect("the page was written");
        Small {
            _dir: dir,
            runs,
            text,
            json,
            page,
        }
    })
}

/// The activity files of a folder, sorted.
fn activities(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p.to_string_lossy();
            [".fit", ".gpx", ".tcx", ".gz"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
        .collect();
    out.sort();
    out
}

/// `cramplab report ARGS…`: (exit code, stdout, stderr).
fn report(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let o = cramplab().arg("report").args(args).output().expect("runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A sample-history run copied into a fresh folder, with `csv` as the
/// cramps.csv beside it.
fn sample_run(dir: &Path, name: &str, csv: &str) -> PathBuf {
    let run = dir.join(name);
    std::fs::copy(root().join("sample-data/history").join(name), &run).expect("copy");
    std::fs::write(dir.join("cramps.csv"), csv).expect("write");
    run
}

/// The rows of the comparisons table, as trimmed cells.
fn comparison_rows(text: &str) -> Vec<Vec<String>> {
    let table = text
        .split("Comparisons (")
        .nth(1)
        .expect("a comparisons table");
    table
        .lines()
        .filter(|l| l.starts_with('│'))
        .skip(1)
        .map(|l| {
            l.trim_matches('│')
                .split('┆')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn a_missing_confidence_interval_reads_not_computed_with_the_reason() {
    let s = small();
    let c = &s.json["comparison"];
    assert!(
        c["ci_low"].is_null() && c["duration_ratio"].is_number(),
        "this history leaves the primary CI out: {c:#}"
    );
    assert!(!s.text.contains("—–—"), "{}", s.text);
    let line = s
        .text
        .lines()
        .find(|l| l.trim_start().starts_with("duration ratio"))
        .expect("a duration ratio line");
    assert!(line.contains("not computed: too few cramps"), "{line}");
    // In the table, the CI cell says it too (over two lines).
    let table = s.text.split("Comparisons (").nth(1).expect("table");
    assert!(
        table.contains("not computed:") && table.contains("too few cramps"),
        "{table}"
    );
    assert!(!s.page.contains("–––"), "no dashes for a CI in the page");
    assert!(s.page.contains("not computed: too few cramps"));
}

#[test]
fn text_outputs_name_responses_and_verdicts_in_words_and_json_keeps_snake_case() {
    let s = small();
    assert!(s.json.to_string().contains("\"kept_pace\""));
    assert!(s.text.contains("Verdict: not enough data"), "{}", s.text);
    for snake in ["kept_pace", "not_enough_data", "no_meaningful_difference"] {
        assert!(!s.text.contains(snake), "{snake} in:\n{}", s.text);
        assert!(!s.page.contains(snake), "{snake} in the page");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seen = String::new();
    for run in activities(&s.runs) {
        let (code, out, err) = report(&[run.as_os_str()]);
        assert_eq!(code, Some(0), "{err}");
        seen.push_str(&out);
        let html = dir.path().join("run.html");
        let (code, _, err) = report(&[
            run.as_os_str(),
            "--force".as_ref(),
            "--html".as_ref(),
            html.as_os_str(),
        ]);
        assert_eq!(code, Some(0), "{err}");
        let page = std::fs::read_to_string(&html).expect("written");
        assert!(
            !page.contains("kept_pace"),
            "kept_pace in {}",
            run.display()
        );
    }
    assert!(seen.contains(": kept pace,"), "{seen}");
    assert!(!seen.contains("kept_pace"), "{seen}");
}

#[test]
fn a_range_with_a_negative_end_reads_with_to_and_never_as_dash_minus() {
    let s = small();
    let c = &s.json["comparison"];
    let (lo, hi) = (
        c["kendall_tau_ci_low"].as_f64().expect("τ CI"),
        c["kendall_tau_ci_high"].as_f64().expect("τ CI"),
    );
    assert!(lo < 0.0, "this history's τ CI has a negative end: {lo}");
    let expected = format!("(95 % CI {lo:.2} to {hi:.2}, n = ");
    assert!(s.text.contains(&expected), "{expected} in:\n{}", s.text);
    assert!(s.page.contains(&expected), "{expected} in the page");
    for (what, text) in [("text", &s.text), ("page", &s.page)] {
        assert!(
            !text.contains("–-"),
            "an en dash before a minus in the {what}"
        );
    }
}

#[test]
fn every_p_value_in_the_summary_has_three_decimals_as_in_the_sentence() {
    let s = small();
    let rows = comparison_rows(&s.text);
    assert!(rows.len() >= 4, "{}", s.text);
    let mut shown = 0;
    for row in &rows {
        let p = &row[5];
        if p.is_empty() {
            continue;
        }
        shown += 1;
        let decimals = p.split('.').nth(1).map_or(0, str::len);
        assert!(p == "< 0.001" || decimals == 3, "p cell {p:?} in {row:?}");
    }
    assert!(shown > 0, "{}", s.text);
    let line = s
        .text
        .lines()
        .find(|l| l.contains(": p "))
        .expect("the test line");
    let p = line
        .split(": p ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .expect("a p-value");
    assert!(
        p == "< 0.001"
            || p.strip_prefix("= ")
                .and_then(|v| v.split('.').nth(1))
                .map(str::len)
                == Some(3),
        "{line}"
    );
}

#[test]
fn the_stratified_test_is_described_in_plain_words() {
    let s = small();
    for (what, text) in [("text", &s.text), ("page", &s.page)] {
        for jargon in ["relabelling", "permutations within"] {
            assert!(!text.contains(jargon), "{jargon:?} in the {what}");
        }
        assert!(
            text.contains("shuffled") || text.contains("possible shuffles"),
            "the {what} says how the p-value was found"
        );
    }
}

#[test]
fn report_prints_clock_times_with_the_runners_local_time_beside_utc() {
    let dir = tempfile::tempdir().expect("tempdir");
    // run-004 starts 2025-02-10 05:28:11 UTC and records UTC+01:00.
    let run = sample_run(
        dir.path(),
        "run-004_2025-02-10.fit",
        "file,start,end,severity\nrun-004_2025-02-10.fit,+1:05:00,+1:06:00,2\n",
    );
    let (code, out, err) = report(&[run.as_os_str()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("2025-02-10 05:28:11 UTC (local 2025-02-10 06:28:11 +01:00)"),
        "{out}"
    );
    assert!(out.contains(", 1:28:11, 1 cramp(s)"), "{out}");
    assert!(
        out.contains("#1 at +1:05:00 (06:33:11 UTC, 07:33:11 local): "),
        "{out}"
    );
    // --tz shows local times in that zone instead.
    let (_, out, _) = report(&[
        run.as_os_str(),
        "--tz".as_ref(),
        "America/New_York".as_ref(),
    ]);
    assert!(out.contains("(06:33:11 UTC, 01:33:11 local)"), "{out}");
}

#[test]
fn report_warns_about_its_own_runs_tags_and_not_about_other_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = "file,start,end,severity\n\
               run-004_2025-02-10.fit,+9:27,+10:26,1\n\
               Run-004_2025-02-10.FIT,+28:38,+29:24,1\n\
               run-006_2025-02-15.fit,+12:00,+12:40,2\n\
               run-099_2025-03-01.fit,+5:00,+5:40,2\n\
               ,2025-03-02T08:00:00Z,,2\n";
    let run = sample_run(dir.path(), "run-004_2025-02-10.fit", csv);
    let (code, out, err) = report(&[run.as_os_str()]);
    assert!(code == Some(0) || code == Some(2), "{err}");
    // The row meant for this run, its name off by letter case, is named …
    assert!(out.contains("Run-004_2025-02-10.FIT"), "{out}");
    // … and the rows of other runs are not this run's business.
    for other in ["run-006", "run-099", "2025-03-02"] {
        assert!(!out.contains(other), "{other} in:\n{out}");
        assert!(!err.contains(other), "{other} in:\n{err}");
    }
}

#[test]
fn report_takes_the_timer_offsets_sport_lap_tags_and_quiet_flags_of_analyze() {
    // Timer time: run-011 pauses 1:48 before +50:00 on its timer.
    let dir = tempfile::tempdir().expect("tempdir");
    let run = sample_run(
        dir.path(),
        "run-011_2025-03-07.fit",
        "file,start,end,severity\nrun-011_2025-03-07.fit,+50:00,+50:40,2\n",
    );
    let (code, out, err) = report(&[run.as_os_str()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("#1 at +50:00 "), "{out}");
    let (code, out, err) = report(&[run.as_os_str(), "--timer-offsets".as_ref()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("#1 at +51:48 "), "{out}");

    // -q: nothing but errors.
    let (code, out, err) = report(&[run.as_os_str(), "-q".as_ref()]);
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "", ""));

    // --sport: any sport by default (the run was named), running on request.
    let ride = corpus().join("fit/tormoder-fit__Edge810-Vector-2013-08-16-15-35-10.fit");
    let (code, out, _) = report(&[ride.as_os_str()]);
    assert_eq!(code, Some(0));
    assert!(!out.contains("only running is analysed"), "{out}");
    let (code, out, _) = report(&[ride.as_os_str(), "--sport".as_ref(), "running".as_ref()]);
    assert_eq!(code, Some(0));
    assert!(out.contains("only running is analysed"), "{out}");

    // The shared flags read the same in both commands' help.
    let help = |cmd: &str| {
        let o = cramplab().args([cmd, "--help"]).output().expect("runs");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let (analyze, report_help) = (help("analyze"), help("report"));
    for flag in [
        "--timer-offsets",
        "--lap-tags",
        "--sport <SPORT>",
        "-q, --quiet",
    ] {
        let line = |h: &str| {
            h.lines()
                .find(|l| l.trim_start().starts_with(flag))
                .map(|l| {
                    let words = l.split_whitespace().collect::<Vec<_>>().join(" ");
                    words
                        .split(" [default")
                        .next()
                        .unwrap_or_default()
                        .to_string()
                })
        };
        let a = line(&analyze).unwrap_or_else(|| panic!("{flag} in analyze:\n{analyze}"));
        assert_eq!(
            line(&report_help),
            Some(a),
            "{flag} in report:\n{report_help}"
        );
    }
}

#[test]
fn simulate_quiet_writes_the_history_and_prints_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("sim");
    let o = cramplab()
        .args(["simulate", "--runs", "2", "-q", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    assert!(out.join("cramps.csv").is_file() && out.join("truth.json").is_file());
    assert_eq!(activities(&out).len(), 2);
}
