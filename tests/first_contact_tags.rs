//! Issue 13, the tag items, as a runner meets them in the first hour: a
//! hand-written `cramps.csv` next to copies of real running files, given to
//! `cramplab analyze` the ways people do (a folder, `runs/*`, one file, a
//! zip). Tags that cannot be used are named with their line and the fix,
//! `cramps.csv` is found wherever it lies, and the same cramp tagged twice
//! counts once.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{FAST_STATS, corpus, cramplab};

/// A real FIT run: 2015-08-15, 47:13 long, recorded at UTC+02:00.
const FENIX: &str = "fit/tormoder-fit__activity-small-fenix2-run.fit";
/// A real GPX run: starts 2017-07-29 14:46:35 UTC, 1:31:38 long, no UTC offset.
const GARMIN_GPX: &str = "gpx/georust-gpx__garmin-activity.gpx";

/// A folder `runs/` with `run.fit` (the fenix run), `morning.gpx` (the GPX
/// run) and this `cramps.csv`.
fn runs_with(cramps_csv: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let runs = dir.path().join("runs");
    std::fs::create_dir_all(&runs).expect("mkdir");
    std::fs::copy(corpus().join(FENIX), runs.join("run.fit")).expect("copy");
    std::fs::copy(corpus().join(GARMIN_GPX), runs.join("morning.gpx")).expect("copy");
    std::fs::write(runs.join("cramps.csv"), cramps_csv).expect("write");
    (dir, runs)
}

/// `analyze ARGS` run in `cwd`: (stdout, stderr, exit code).
fn analyze(cwd: &Path, args: &[&str]) -> (String, String, i32) {
    let out = cramplab()
        .current_dir(cwd)
        .arg("analyze")
        .args(FAST_STATS)
        .args(args)
        .output()
        .expect("runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// The JSON document's warnings: the batch's, then each file's.
fn all_warnings(v: &Value) -> Vec<&str> {
    v["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .chain(
            v["files"]
                .as_array()
                .expect("files")
                .iter()
                .flat_map(|f| f["warnings"].as_array().into_iter().flatten()),
        )
        .filter_map(Value::as_str)
        .collect()
}

fn json(stdout: &str, stderr: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {stderr}"))
}

/// The rows a runner typically gets wrong, with one good row first.
const MISTAKES: &str = "\
file,start,end,severity
run.fit,+20:00,+21:10,2
morning.gpx,2017-07-29 17:10:00,,1
run.fit,+50:00,,2
";

// ---- item 1: tag problems are named, and cost the exit status ----

#[test]
fn every_lost_tag_is_named_in_the_summary_with_its_line_and_the_fix_and_the_run_exits_2() {
    let (dir, _) = runs_with(MISTAKES);
    let (out, err, code) = analyze(dir.path(), &["runs"]);
    assert_eq!(code, 2, "a run that lost tags exits 2: {out}{err}");
    // The first lines say how many rows were used of how many.
    let head: String = out.lines().take(2).collect::<Vec<_>>().join("\n");
    assert!(head.contains("tag rows: 1 of 3 used"), "{head}");
    // A local time on a GPX run that records no offset: line 3, and --tz.
    let gpx = out
        .lines()
        .find(|l| l.contains("runs/cramps.csv:3:"))
        .unwrap_or_else(|| panic!("line 3 not named: {out}"));
    assert!(
        gpx.contains("records no UTC offset") && gpx.contains("--tz"),
        "{gpx}"
    );
    // +50:00 on a 47:13 run: line 4, with the range it must lie in.
    let late = out
        .lines()
        .find(|l| l.contains("runs/cramps.csv:4:"))
        .unwrap_or_else(|| panic!("line 4 not named: {out}"));
    assert!(late.contains("between +0:00 and +47:13"), "{late}");
}

#[test]
fn quiet_does_not_hide_lost_tags_they_go_to_stderr_as_failed_inputs_do() {
    let (dir, _) = runs_with(MISTAKES);
    let (out, err, code) = analyze(dir.path(), &["-q", "runs"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "-q prints no summary: {out}");
    for line in ["runs/cramps.csv:3:", "runs/cramps.csv:4:"] {
        assert!(
            err.lines()
                .any(|l| l.starts_with("cramplab: ") && l.contains(line)),
            "{line} not on stderr: {err}"
        );
    }
    // With --json the document carries them, and stderr names them too.
    let (out, err, code) = analyze(dir.path(), &["--json", "runs"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("runs/cramps.csv:4:"), "{err}");
    let v = json(&out, &err);
    assert!(
        all_warnings(&v)
            .iter()
            .any(|w| w.starts_with("runs/cramps.csv:4: ")),
        "{v:#}"
    );
}

#[test]
fn an_unpaired_lap_press_is_named_in_the_summary_and_its_cramp_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        corpus().join("fit/python-fitparse__2013-02-06-12-11-14.fit"),
        dir.path().join("laps.fit"),
    )
    .expect("copy");
    let (out, err, code) = analyze(dir.path(), &["--lap-tags", "laps.fit"]);
    assert_eq!(code, 0, "a kept cramp is not a lost one: {out}{err}");
    let caveat = out
        .lines()
        .find(|l| l.contains("manual lap press"))
        .unwrap_or_else(|| panic!("the unpaired press is not named: {out}"));
    assert!(
        caveat.contains("laps.fit") && caveat.contains("no second press"),
        "{caveat}"
    );
}

// ---- item 2: tag files are found where runners keep them ----

#[test]
fn a_cramps_csv_among_the_files_given_is_read_as_tags_not_refused() {
    // `analyze runs/*` in a shell names every file, cramps.csv included.
    let (dir, _) = runs_with("file,start,end\nrun.fit,+20:00,+21:10\n");
    let (out, err, code) = analyze(
        dir.path(),
        &[
            "--json",
            "runs/cramps.csv",
            "runs/morning.gpx",
            "runs/run.fit",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("unknown"), "{err}");
    let v = json(&out, &err);
    assert_eq!(v["cramps"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert_eq!(v["cramps"][0]["tag_source"], "runs/cramps.csv:2");
}

#[test]
fn a_file_given_alone_takes_the_cramps_csv_of_its_folder() {
    // One row for each run; only the FIT run is given (as `runs/*.fit`).
    let (dir, _) =
        runs_with("file,start,end\nrun.fit,+20:00,+21:10\nmorning.gpx,2017-07-29T15:10:00Z,\n");
    let (out, err, code) = analyze(dir.path(), &["--json", "runs/run.fit"]);
    assert_eq!(code, 0, "the GPX row is for a run not given: {err}");
    let v = json(&out, &err);
    assert_eq!(v["cramps"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert_eq!(v["cramps"][0]["tag_source"], "runs/cramps.csv:2");
    // The summary accounts for the other row without calling it lost.
    let (out, _, code) = analyze(dir.path(), &["runs/run.fit"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("tag rows: 1 of 2 used") && out.contains("1 are for activities not given"),
        "{out}"
    );
    // From inside the folder, a bare file name works the same.
    let (out, err, code) = analyze(&dir.path().join("runs"), &["--json", "run.fit"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out, &err)["cramps"][0]["tag_source"], "cramps.csv:2");
}

#[test]
fn a_cramps_csv_inside_a_zip_tags_that_archives_activities() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let zip_path = dir.path().join("export.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("create"));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("activities/run.fit", opts).expect("entry");
    w.write_all(&std::fs::read(corpus().join(FENIX)).expect("read"))
        .expect("write");
    w.start_file("cramps.csv", opts).expect("entry");
    w.write_all(b"file,start,end,severity\nrun.fit,+20:00,+21:10,2\n")
        .expect("write");
    w.finish().expect("finish");

    let (out, err, code) = analyze(dir.path(), &["--json", "export.zip"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out, &err);
    assert_eq!(v["cramps"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert_eq!(v["cramps"][0]["tag_source"], "export.zip/cramps.csv:2");
    assert_eq!(v["cramps"][0]["file"], "export.zip/activities/run.fit");
}

// ---- item 7: the same cramp tagged twice counts once ----

#[test]
fn the_same_cramp_in_cramps_csv_and_in_tags_counts_once_with_a_warning_naming_both_lines() {
    let (dir, _) = runs_with("file,start,end,severity\nrun.fit,+20:00,+21:10,2\n");
    std::fs::write(
        dir.path().join("more.csv"),
        "file,start,severity\nrun.fit,+20:01,2\n",
    )
    .expect("write");
    let (out, err, code) = analyze(dir.path(), &["--json", "--tags", "more.csv", "runs"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out, &err);
    let cramps = v["cramps"].as_array().expect("cramps");
    assert_eq!(cramps.len(), 1, "{v:#}");
    assert!(
        !cramps[0]["flags"].to_string().contains("earlier cramp"),
        "{v:#}"
    );
    let said = all_warnings(&v);
    assert!(
        said.iter()
            .any(|w| w.contains("runs/cramps.csv:2 and more.csv:2 tag the same cramp")),
        "{said:?}"
    );
}

#[test]
fn a_row_repeated_in_cramps_csv_counts_once() {
    let (dir, _) =
        runs_with("file,start,end,severity\nrun.fit,+20:00,+21:10,2\nrun.fit,+20:00,+21:10,2\n");
    let (out, err, code) = analyze(dir.path(), &["--json", "runs"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out, &err);
    assert_eq!(v["cramps"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert_eq!(v["cramps"][0]["outcome"], "landmark", "{v:#}");
}

// ---- polish: durations, names, hints, one line style, --tz ----

#[test]
fn durations_are_read_as_90s_1m30s_and_1_30() {
    let (dir, _) = runs_with(
        "file,start,duration\nrun.fit,+10:00,90s\nrun.fit,+20:00,1m30s\nrun.fit,+30:00,1:30\n",
    );
    let (out, err, code) = analyze(dir.path(), &["--json", "runs"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out, &err);
    let durations: Vec<f64> = v["cramps"]
        .as_array()
        .expect("cramps")
        .iter()
        .filter_map(|c| c["duration_s"].as_f64())
        .collect();
    assert_eq!(durations, vec![90.0; 3], "{v:#}");
}

#[test]
fn a_file_name_off_by_case_or_extension_is_not_matched_but_suggested() {
    let (dir, _) = runs_with("file,start\nRun.FIT,+20:00\nrun.gpx,+30:00\n");
    let (out, _, code) = analyze(dir.path(), &["runs"]);
    assert_eq!(code, 2, "{out}");
    for line in ["runs/cramps.csv:2:", "runs/cramps.csv:3:"] {
        let l = out
            .lines()
            .find(|l| l.contains(line))
            .unwrap_or_else(|| panic!("{line} not named: {out}"));
        assert!(l.contains("did you mean `run.fit`?"), "{l}");
    }
    assert!(out.contains("tag rows: 0 of 2 used"), "{out}");
}

#[test]
fn an_end_before_its_start_gets_a_fix() {
    let (dir, _) = runs_with("file,start,end\nrun.fit,+41:30,+1:15\n");
    let (out, _, code) = analyze(dir.path(), &["runs"]);
    assert_eq!(code, 2, "{out}");
    let l = out
        .lines()
        .find(|l| l.contains("runs/cramps.csv:2:"))
        .unwrap_or_else(|| panic!("not named: {out}"));
    assert!(
        l.contains("move it to `duration`") && l.contains("+42:45"),
        "{l}"
    );
}

#[test]
fn every_tag_problem_names_its_line_as_path_colon_line() {
    // Line 2 is refused reading the file, line 3 matching it to the run.
    let (dir, _) = runs_with("file,start\nrun.fit,noon\nrun.fit,+50:00\n");
    let (out, err, _) = analyze(dir.path(), &["--json", "runs"]);
    let v = json(&out, &err);
    let mut located: Vec<&str> = all_warnings(&v)
        .into_iter()
        .filter(|w| w.starts_with("runs/cramps.csv"))
        .collect();
    located.sort();
    assert_eq!(located.len(), 2, "{located:?}");
    assert!(located[0].starts_with("runs/cramps.csv:2: "), "{located:?}");
    assert!(located[1].starts_with("runs/cramps.csv:3: "), "{located:?}");
}

#[test]
fn a_mistyped_tz_is_refused_with_the_nearest_zone_names() {
    let (dir, _) = runs_with(MISTAKES);
    let (_, err, code) = analyze(dir.path(), &["--tz", "Europe/Berln", "runs"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("did you mean Europe/Berlin"), "{err}");
}

#[test]
fn tz_accepts_a_fixed_offset() {
    // 17:10 at +02:00 is 15:10 UTC, 23:25 into the GPX run.
    let (dir, _) = runs_with("file,start\nmorning.gpx,2017-07-29 17:10:00\n");
    let (out, err, code) = analyze(dir.path(), &["--json", "--tz", "+02:00", "runs"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out, &err);
    assert_eq!(v["cramps"][0]["start_utc"], "2017-07-29T15:10:00Z", "{v:#}");
}
