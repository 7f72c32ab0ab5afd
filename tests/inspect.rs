//! `cramplab inspect`: readable blocks, JSON, exit statuses, containers.

use std::io::Write;

use serde_json::Value;

use crate::common::{corpus, cramplab, root};

fn inspect_json(args: &[&std::path::Path], tz: &str) -> (Value, i32) {
    let out = cramplab()
        .env("TZ", tz)
        .arg("inspect")
        .arg("--json")
        .args(args)
        .output()
        .expect("runs");
    let v = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    (v, out.status.code().unwrap_or(-1))
}

#[test]
fn inspect_json_is_identical_under_utc_and_new_york() {
    let real = root().join("sample-data/real");
    let fit = corpus().join("fit/python-fitparse__event_timestamp.fit");
    let a = cramplab()
        .env("TZ", "UTC")
        .args(["inspect", "--json"])
        .arg(&real)
        .arg(&fit)
        .output()
        .expect("runs");
    let b = cramplab()
        .env("TZ", "America/New_York")
        .args(["inspect", "--json"])
        .arg(&real)
        .arg(&fit)
        .output()
        .expect("runs");
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn inspect_shows_format_start_and_channels_of_a_real_fit_run() {
    let f = root().join("sample-data/real/tormoder-fit__activity-small-fenix2-run.fit");
    let out = cramplab().arg("inspect").arg(&f).output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for needle in [
        "format    fit",
        "sport running",
        "heart_rate",
        "gps",
        "UTC (local ",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn a_missing_file_is_named_on_stderr_and_the_rest_is_still_inspected() {
    let good = root().join("sample-data/real/georust-gpx__garmin-activity.gpx");
    let out = cramplab()
        .args(["inspect", "--json", "no-such-run.fit"])
        .arg(&good)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-run.fit"));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ok: Vec<&Value> = v
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["status"] == "ok")
        .collect();
    assert_eq!(ok.len(), 1);
}

#[test]
fn an_unknown_file_named_explicitly_is_an_error_but_in_a_folder_is_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not an activity").expect("write");
    std::fs::copy(
        root().join("sample-data/real/python-tcxparser__test.tcx"),
        dir.path().join("run.tcx"),
    )
    .expect("copy");
    let (v, code) = inspect_json(&[&notes], "UTC");
    assert_eq!(code, 2);
    assert_eq!(v[0]["status"], "error");
    let (v, code) = inspect_json(&[dir.path()], "UTC");
    assert_eq!(code, 0);
    assert_eq!(v.as_array().map(Vec::len), Some(1));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        w.write_all(bytes).expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

/// The fields that must not change with the container (path does).
fn essence(v: &Value) -> Value {
    let mut v = v.clone();
    v.as_object_mut().expect("object").remove("path");
    v
}

#[test]
fn gzipped_zipped_and_nested_zip_copies_read_the_same_as_the_plain_files() {
    let real = root().join("sample-data/real");
    let fit =
        std::fs::read(real.join("tormoder-fit__activity-small-fenix2-run.fit")).expect("read");
    let gpx = std::fs::read(real.join("georust-gpx__garmin-activity.gpx")).expect("read");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("run.fit.gz"), gzip(&fit)).expect("write");
    let inner = zip_of(&[("DI_CONNECT/run.gpx", &gpx)]);
    let outer = zip_of(&[
        ("export/run.fit", &fit),
        ("export/inner.zip", &inner),
        ("export/readme.txt", b"hi"),
    ]);
    std::fs::write(dir.path().join("export.zip"), outer).expect("write");

    let (plain_rows, _) = inspect_json(
        &[
            &real.join("tormoder-fit__activity-small-fenix2-run.fit"),
            &real.join("georust-gpx__garmin-activity.gpx"),
        ],
        "UTC",
    );
    let plain_fit = plain_rows
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["format"] == "fit")
        .expect("fit")
        .clone();
    let plain_gpx = plain_rows
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["format"] == "gpx")
        .expect("gpx")
        .clone();
    let (packed, code) = inspect_json(&[dir.path()], "UTC");
    assert_eq!(code, 0, "{packed}");
    let rows = packed.as_array().expect("array");
    let paths: Vec<&str> = rows.iter().filter_map(|r| r["path"].as_str()).collect();
    assert_eq!(rows.len(), 3, "{paths:?}");
    let by_suffix = |s: &str| {
        rows.iter()
            .find(|r| r["path"].as_str().is_some_and(|p| p.ends_with(s)))
            .expect(s)
    };
    assert_eq!(
        essence(by_suffix("export.zip/export/run.fit")),
        essence(&plain_fit)
    );
    assert_eq!(essence(by_suffix("run.fit.gz")), essence(&plain_fit));
    assert_eq!(
        essence(by_suffix("export/inner.zip/DI_CONNECT/run.gpx")),
        essence(&plain_gpx)
    );
}

#[test]
fn a_strava_export_skips_planned_routes_and_takes_the_sport_from_activities_csv() {
    let real = root().join("sample-data/real");
    let dir = tempfile::tempdir().expect("tempdir");
    let (acts, routes) = (dir.path().join("activities"), dir.path().join("routes"));
    std::fs::create_dir_all(&acts).expect("mkdir");
    std::fs::create_dir_all(&routes).expect("mkdir");
    // A GPX without a <type>: its sport comes from activities.csv.
    let gpx = std::fs::read_to_string(real.join("georust-gpx__garmin-activity.gpx")).expect("read");
    let untyped = gpx.replace("<type>running</type>", "");
    std::fs::write(acts.join("123.gpx.gz"), gzip(untyped.as_bytes())).expect("write");
    std::fs::copy(
        corpus().join("gpx/georust-gpx__strava_route_example.gpx"),
        routes.join("1.gpx"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("activities.csv"),
        "Activity ID,Activity Date,Activity Name,Activity Type,Filename\n123,\"May 3, 2026\",\"Hills, easy\",Trail Run,activities/123.gpx.gz\n",
    )
    .expect("write");
    let (v, code) = inspect_json(&[dir.path()], "UTC");
    assert_eq!(code, 0, "{v}");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 1, "routes/ must be skipped: {v}");
    assert_eq!(rows[0]["sport"], "running");
}
