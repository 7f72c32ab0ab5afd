//! Tables people take elsewhere: `analyze --csv/--parquet`, `export`, and
//! the terminal report's tables — snapshots of what a person sees, a
//! Parquet round trip, spreadsheet-formula safety, and the output guard.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, TimeDelta};
use cramplab::frame;
use cramplab::ingest::container::{self, Limits, LoadResult};
use cramplab::timeline::{Timeline, TimelineOptions};
use polars::prelude::{AnyValue, DataFrame};

use crate::common::{cramplab, root};

/// Fewer resamples than the defaults: the statistics are tested elsewhere.
const FAST: [&str; 4] = ["--bootstrap", "999", "--permutations", "999"];

/// Run `analyze` from the crate root (paths in the output are relative).
fn analyze(args: &[&std::ffi::OsStr]) -> std::process::Output {
    cramplab()
        .current_dir(root())
        .arg("analyze")
        .args(FAST)
        .args(args)
        .output()
        .expect("runs")
}

/// Machine-specific paths out of a text, so snapshots are stable.
fn normalise(text: &str, tmp: Option<&Path>) -> String {
    let mut t = text.replace(&root().display().to_string(), "[ROOT]");
    if let Some(tmp) = tmp {
        t = t.replace(&tmp.display().to_string(), "[TMP]");
    }
    t
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("csv opens");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("record").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// `analyze sample-data --csv DIR --parquet DIR`, once per test binary.
fn sample_tables() -> &'static (tempfile::TempDir, String) {
    static ONCE: std::sync::OnceLock<(tempfile::TempDir, String)> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = analyze(&[
            "sample-data/history".as_ref(),
            "--csv".as_ref(),
            tmp.path().join("csv").as_os_str(),
            "--parquet".as_ref(),
            tmp.path().join("parquet").as_os_str(),
        ]);
        assert!(
            out.status.code() == Some(0),
            "analyze failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = normalise(&String::from_utf8_lossy(&out.stdout), Some(tmp.path()));
        (tmp, text)
    })
}

#[test]
fn the_terminal_report_of_the_sample_history_reads_as_tables_within_100_columns() {
    let (_, text) = sample_tables();
    for line in text.lines() {
        // Prose lines wrap in the terminal; the tables must fit.
        if line.starts_with(['│', '╞', '├', '┌', '└', '╭', '╰']) {
            assert!(line.chars().count() <= 100, "too wide: {line}");
        }
    }
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes when stdout is not a terminal"
    );
    insta::assert_snapshot!("analyze_sample_history_terminal", text);
}

#[test]
fn the_cramp_results_csv_of_the_sample_history_matches_its_snapshot_and_the_json() {
    let (tmp, _) = sample_tables();
    let path = tmp.path().join("csv/cramp_results.csv");
    let text = std::fs::read_to_string(&path).expect("cramp_results.csv");
    insta::assert_snapshot!("analyze_sample_history_cramp_results_csv", text);

    // Independent of the snapshot: every cramp of the JSON is one row, with
    // the same id, file, response and outcome.
    let out = analyze(&["sample-data/history".as_ref(), "--json".as_ref()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let cramps = v["cramps"].as_array().expect("cramps");
    let (header, rows) = read_csv(&path);
    assert_eq!(rows.len(), cramps.len());
    let idx = |name: &str| header.iter().position(|h| h == name).expect(name);
    for (row, c) in rows.iter().zip(cramps) {
        assert_eq!(row[idx("cramp_id")], c["cramp_id"].to_string());
        assert_eq!(row[idx("file")], c["file"].as_str().expect("file"));
        assert_eq!(row[idx("response")], c["response"].as_str().expect("r"));
        assert_eq!(row[idx("outcome")], c["outcome"].as_str().expect("o"));
        match c["slowdown_pct"].as_f64() {
            Some(x) => {
                let y: f64 = row[idx("slowdown_pct")].parse().expect("a number");
                assert!((x - y).abs() < 1e-9, "{x} vs {y}");
            }
            None => assert_eq!(row[idx("slowdown_pct")], "", "unknown is empty"),
        }
    }
}

fn cell(df: &DataFrame, col: &str, row: usize) -> String {
    match df.column(col).expect(col).get(row).expect("row") {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Boolean(b) => b.to_string(),
        AnyValue::Float64(x) => format!("{x}"),
        other => other.to_string(),
    }
}

#[test]
fn parquet_tables_read_back_with_polars_equal_the_csv_tables() {
    let (tmp, _) = sample_tables();
    for table in ["cramp_results", "run_summary", "cramp_windows"] {
        let f = std::fs::File::open(tmp.path().join(format!("parquet/{table}.parquet")))
            .expect("parquet exists");
        let df = frame::read_parquet(f).expect("polars reads it back");
        let (header, rows) = read_csv(&tmp.path().join(format!("csv/{table}.csv")));
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, header, "{table}: same columns");
        assert_eq!(df.height(), rows.len(), "{table}: same rows");
        assert!(!rows.is_empty(), "{table} has rows");
        for (i, row) in rows.iter().enumerate() {
            for (j, name) in header.iter().enumerate() {
                let p = cell(&df, name, i);
                let c = row[j].strip_prefix('\'').unwrap_or(&row[j]);
                match (p.parse::<f64>(), c.parse::<f64>()) {
                    (Ok(a), Ok(b)) => assert!((a - b).abs() < 1e-9, "{table}.{name}[{i}]"),
                    _ => assert_eq!(p, c, "{table}.{name}[{i}]"),
                }
            }
        }
    }
}

#[test]
fn cramp_windows_span_minus_180_to_plus_300_seconds_around_each_onset() {
    let (tmp, _) = sample_tables();
    let (header, rows) = read_csv(&tmp.path().join("csv/cramp_windows.csv"));
    assert_eq!(
        header,
        [
            "cramp_id",
            "t_rel_s",
            "speed_mps",
            "gap_mps",
            "hr_bpm",
            "cadence_spm",
            "paused"
        ]
    );
    let t: Vec<i32> = rows.iter().map(|r| r[1].parse().expect("int")).collect();
    assert!(t.iter().all(|&x| (-180..=300).contains(&x)));
    // A cramp in the middle of a long run has all 481 seconds.
    let mut per: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in &rows {
        *per.entry(r[0].as_str()).or_default() += 1;
    }
    assert!(per.values().any(|&n| n == 481), "{per:?}");
}

/// A folder with one sample activity and a tag file whose text cells
/// would be formulas in a spreadsheet.
fn hostile_tags(dir: &Path) {
    std::fs::copy(
        root().join("sample-data/history/run-004_2025-02-10.fit"),
        dir.join("run-004_2025-02-10.fit"),
    )
    .expect("copy");
    std::fs::write(
        dir.join("cramps.csv"),
        "file,start,end,duration,severity,muscle,approx,note\n\
         run-004_2025-02-10.fit,+9:27,+10:26,,1,+1,no,\"=HYPERLINK(\"\"http://x\"\")\"\n",
    )
    .expect("write");
}

#[test]
fn formula_like_notes_and_muscles_come_out_inert_in_csv() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    hostile_tags(&data);
    let out = analyze(&[
        data.as_os_str(),
        "--csv".as_ref(),
        tmp.path().join("out").as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = std::fs::read_to_string(tmp.path().join("out/cramp_results.csv")).expect("csv");
    let (header, rows) = read_csv(&tmp.path().join("out/cramp_results.csv"));
    let idx = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert_eq!(rows.len(), 1, "{raw}");
    // RFC 4180 parsing gives back the text with one leading quote: a
    // spreadsheet shows it as text instead of running it.
    assert_eq!(rows[0][idx("note")], "'=HYPERLINK(\"http://x\")");
    assert_eq!(rows[0][idx("muscle")], "'+1");
    assert!(raw.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{raw}");
    // Numbers are not text: a negative number is written as a number.
    assert!(
        rows[0].iter().all(|c| !c.starts_with(['=', '+', '@'])),
        "{raw}"
    );
}

/// Every activity's timeline length under `path`, computed through the
/// library (an independent path from the export's files).
fn timeline_seconds(path: &Path) -> (usize, std::collections::BTreeSet<i32>) {
    use chrono::Datelike;
    let mut total = 0;
    let mut years = std::collections::BTreeSet::new();
    for s in container::discover(&[path.to_path_buf()]).sources {
        for l in container::load(&s, &Limits::default()) {
            if let LoadResult::Read(acts) = l.result {
                for a in acts {
                    total += Timeline::build(&a, &TimelineOptions::default()).len();
                    years.insert(a.start_utc.year());
                }
            }
        }
    }
    (total, years)
}

#[test]
fn export_parquet_writes_one_partition_per_year_and_one_row_per_timeline_second() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input: PathBuf = root().join("sample-data/real");
    let out = cramplab()
        .args(["export"])
        .arg(&input)
        .arg("--parquet")
        .arg(tmp.path())
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (expected_rows, years) = timeline_seconds(&input);
    let mut rows = 0;
    let mut found = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(tmp.path()).expect("list") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().to_string();
        let year: i32 = name
            .strip_prefix("year=")
            .unwrap_or_else(|| panic!("only year= folders, found {name}"))
            .parse()
            .expect("a year");
        found.insert(year);
        let part = e.path().join("part-0.parquet");
        let df = frame::read_parquet(std::fs::File::open(&part).expect("part")).expect("reads");
        rows += df.height();
        // Each activity's rows are its timeline's seconds, in order and
        // without gaps: elapsed_s counts 0, 1, 2, … and time_utc is the
        // activity's first time plus elapsed_s.
        let mut start: Option<(String, DateTime<FixedOffset>)> = None;
        let mut previous_s = 0;
        for i in 0..df.height() {
            let t = cell(&df, "time_utc", i);
            assert!(t.starts_with(&format!("{year}-")), "{t} in year={year}");
            let time = DateTime::parse_from_rfc3339(&t)
                .unwrap_or_else(|e| panic!("row {i}: time_utc {t:?} is not RFC 3339: {e}"));
            let activity = cell(&df, "activity", i);
            let elapsed_s: i64 = cell(&df, "elapsed_s", i).parse().expect("whole seconds");
            match &start {
                Some((current, first)) if *current == activity => {
                    assert_eq!(
                        elapsed_s,
                        previous_s + 1,
                        "{activity}: row {i} after {previous_s} s"
                    );
                    assert_eq!(
                        time - *first,
                        TimeDelta::seconds(elapsed_s),
                        "{activity}: {t} at {elapsed_s} s"
                    );
                }
                _ => {
                    assert_eq!(elapsed_s, 0, "{activity} starts at second 0");
                    start = Some((activity, time));
                }
            }
            previous_s = elapsed_s;
        }
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, cramplab::export::TRACK_COLUMNS);
    }
    assert_eq!(found, years);
    assert_eq!(rows, expected_rows);
}

#[test]
fn export_csv_writes_one_tracks_file_with_every_second() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input: PathBuf = root().join("sample-data/real");
    let out = cramplab()
        .args(["export"])
        .arg(&input)
        .arg("--csv")
        .arg(tmp.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let (header, rows) = read_csv(&tmp.path().join("tracks.csv"));
    assert_eq!(header, cramplab::export::TRACK_COLUMNS);
    assert_eq!(rows.len(), timeline_seconds(&input).0);
}

#[test]
fn an_existing_table_is_refused_without_force_and_left_intact() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    hostile_tags(&data);
    let out_dir = tmp.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    std::fs::write(out_dir.join("run_summary.csv"), "precious\n").expect("write");
    let args = [
        data.as_os_str(),
        "--csv".as_ref(),
        out_dir.as_os_str(),
        "--quiet".as_ref(),
    ];
    let out = analyze(&args);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert!(out.stdout.is_empty(), "--quiet prints only errors");
    assert_eq!(
        std::fs::read_to_string(out_dir.join("run_summary.csv")).expect("read"),
        "precious\n"
    );
    // Checked before anything is written: no table appeared beside it.
    assert!(!out_dir.join("cramp_results.csv").exists());

    let mut forced = args.to_vec();
    forced.push("--force".as_ref());
    let out = analyze(&forced);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(out_dir.join("run_summary.csv")).expect("read");
    assert!(text.starts_with("path,status,"), "{text}");

    // `export` guards its files the same way: a second export needs --force.
    let out = cramplab()
        .args(["export"])
        .arg(&data)
        .arg("--parquet")
        .arg(&out_dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let again = cramplab()
        .args(["export"])
        .arg(&data)
        .arg("--parquet")
        .arg(&out_dir)
        .output()
        .expect("runs");
    assert_eq!(
        again.status.code(),
        Some(1),
        "a second export needs --force"
    );
}
