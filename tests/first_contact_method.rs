//! Issue 13, method and the activity view: what a new runner meets when a
//! cramp follows a stand, a track has a hole, or a watch's clocks disagree.
//! Each test copies real corpus files into a fresh folder, writes the
//! `cramps.csv` a runner would, and runs the binary as they would.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{corpus, cramplab, root};

/// The FIT run with a stand before `+25:00` (baseline 0.09 m/s).
const STANDING_START_FIT: &str = "python-fitparse__2013-02-06-12-11-14.fit";

/// A folder holding a copy of `file` (relative to `base`) and, if given, a
/// hand-written `cramps.csv`.
fn folder_with(base: &Path, file: &str, cramps_csv: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let name = Path::new(file).file_name().expect("a file name");
    let copy = dir.path().join(name);
    std::fs::copy(base.join(file), &copy).expect("copy the file");
    if let Some(csv) = cramps_csv {
        std::fs::write(dir.path().join("cramps.csv"), csv).expect("write cramps.csv");
    }
    (dir, copy)
}

/// The standing start at +25:00 and, for the charts, an ordinary cramp at
/// +35:00 (the runner stopped).
fn standing_start() -> tempfile::TempDir {
    let csv = format!(
        "file,start,end,severity\n\
         {STANDING_START_FIT},+25:00,+26:30,2\n\
         {STANDING_START_FIT},+35:00,+36:10,2\n"
    );
    folder_with(&corpus().join("fit"), STANDING_START_FIT, Some(&csv)).0
}

#[test]
fn a_cramp_after_standing_is_unknown_not_kept_pace_and_leaves_the_comparison() {
    let dir = standing_start();
    let out = cramplab()
        .args(["analyze", "--json"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let first = &v["cramps"][0];
    assert_eq!(
        first["tag_source"]
            .as_str()
            .map(|s| s.ends_with("cramps.csv:2")),
        Some(true)
    );
    // The baseline stood: 0.09 m/s, far under the walking speed.
    assert!(
        first["baseline_gap_mps"].as_f64().expect("measured") < 0.2,
        "{first}"
    );
    assert_eq!(first["response"], "unknown", "{first}");
    let flags = first["flags"].to_string();
    assert!(flags.contains("not running before the onset"), "{flags}");
    assert!(flags.contains("below the walking speed 1.8 m/s"), "{flags}");
    // The other cramp is unaffected, and nothing is left to keep pace.
    assert_eq!(v["cramps"][1]["response"], "stopped");
    assert_eq!(v["comparison"]["kept_pace"], 0);
    assert_eq!(v["comparison"]["unknown"], 1);
}

#[test]
fn the_slowdown_chart_keeps_its_axis_and_says_how_many_points_lie_outside() {
    let dir = standing_start();
    let html = dir.path().join("report.html");
    let out = cramplab()
        .arg("analyze")
        .arg(dir.path())
        .arg("--html")
        .arg(&html)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).expect("the report");
    let at = page
        .find("slowdown after onset")
        .expect("the slowdown chart is drawn");
    let svg = &page[page[..at].rfind("<svg").expect("svg start")..];
    let svg = &svg[..svg.find("</svg>").expect("svg end")];
    let texts = svg_texts(svg);
    // Before: the −4,408 % standing start stretched the axis to −4,000.
    for label in ["-4000", "-1000", "-500"] {
        assert!(!texts.iter().any(|t| t == label), "{label} in {texts:?}");
    }
    for label in [
        "-40",
        "100",
        "1 of 2 points outside the axes, drawn on the edge as triangles",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label} not in {texts:?}");
    }
}

/// The trimmed contents of an SVG's `<text>` elements.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            Some(body.trim().to_string())
        })
        .collect()
}

#[test]
fn inspect_counts_a_38_minute_hole_and_warns_about_it() {
    let (dir, _) = folder_with(
        &corpus().join("gpx"),
        "togeojson__Friday-Evening-Run.gpx",
        None,
    );
    let out = cramplab()
        .arg("inspect")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  pauses    0 (0:00 paused)"), "{text}");
    assert!(
        text.contains("  holes     2 (42:13 without samples, longest 38:37)"),
        "{text}"
    );
    assert!(
        text.contains("warning   42:13 of the 42:49 elapsed has no samples"),
        "{text}"
    );

    let out = cramplab()
        .args(["inspect", "--json"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let raw = String::from_utf8_lossy(&out.stdout);
    assert!(!raw.contains("-0.0"), "{raw}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let a = &v[0];
    assert_eq!(a["pauses"], 0);
    assert_eq!(a["paused_s"], 0.0);
    assert_eq!(a["holes"], 2);
    assert_eq!(a["longest_hole_s"], 2317.0);
    assert!(a["holes_s"].as_f64().expect("total") > 0.9 * 2569.0, "{a}");
    assert!(a["warnings"].to_string().contains("has no samples"), "{a}");
}

#[test]
fn a_run_without_holes_shows_none_and_no_warning() {
    let (dir, _) = folder_with(
        &root().join("sample-data/real"),
        "tormoder-fit__activity-small-fenix2-run.fit",
        None,
    );
    let out = cramplab()
        .args(["inspect", "--json"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v[0]["holes"], 0, "{}", v[0]);
    assert!(!v[0]["warnings"].to_string().contains("no samples"));
}

#[test]
fn inspect_cuts_timer_and_elapsed_times_to_the_second_the_same_way() {
    // Elapsed 1,992.0 s and timer 1,992.78 s: one clock must not read
    // 33:12 and the other 33:13.
    let (dir, _) = folder_with(
        &root().join("sample-data/real"),
        "python-tcxparser__test.tcx",
        None,
    );
    let out = cramplab()
        .arg("inspect")
        .arg(dir.path())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  elapsed   33:12   timer 33:12"), "{text}");
}

#[test]
fn inspect_says_what_a_local_timestamp_decades_off_means_for_the_tags() {
    for (file, away) in [
        (
            "tormoder-fit__0134902991.fit",
            "273,276 h behind its UTC time",
        ),
        // The run the issue quotes: 189,124 h.
        (
            "python-fitparse__compressed-speed-distance.fit",
            "189,124 h ahead of its UTC time",
        ),
    ] {
        let (dir, _) = folder_with(&corpus().join("fit"), file, None);
        let out = cramplab()
            .arg("inspect")
            .arg(dir.path())
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let warning = text
            .lines()
            .find(|l| l.contains("local_timestamp"))
            .unwrap_or_else(|| panic!("no local-time warning in\n{text}"));
        for needle in [
            away,
            "ignored",
            "local clock times need --tz ZONE",
            "absolute times",
        ] {
            assert!(warning.contains(needle), "{needle:?} missing in {warning}");
        }
    }
}

#[test]
fn report_says_why_a_standing_start_is_unknown_instead_of_printing_its_slowdown() {
    let dir = standing_start();
    let out = cramplab()
        .arg("report")
        .arg(dir.path().join(STANDING_START_FIT))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("#1 "))
        .unwrap_or_else(|| panic!("no line for the first cramp: {text}"));
    assert!(
        line.contains("unknown: not running before the onset"),
        "{line}"
    );
    assert!(!line.contains("slowdown"), "{line}");
}

#[test]
fn the_summary_names_each_file_warning_it_counts() {
    // The standing-start FIT repeats timestamps: a warning about the file.
    let dir = standing_start();
    let out = cramplab()
        .arg("analyze")
        .arg(dir.path())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let header = text
        .lines()
        .find(|l| l.starts_with("Warnings ("))
        .unwrap_or_else(|| panic!("no warnings section: {text}"));
    assert!(header.contains("1 in files"), "{header}");
    assert!(
        text.lines()
            .any(|l| l.contains(STANDING_START_FIT) && l.contains("repeated an earlier timestamp")),
        "the file's warning is not named: {text}"
    );
}
