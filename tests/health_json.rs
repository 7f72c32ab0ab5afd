//! The Polar Flow, adidas Running and Huawei HiTrack readers through the
//! real binary: `cramplab inspect --json` on every real file of
//! `tests/corpus/health-apps/{polar,runtastic,huawei}` states workouts,
//! samples, heart rate and pauses as the file holds them, counted here
//! without cramplab's readers (plain serde_json, line splitting), or refuses
//! the file with a reason.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::common::{corpus, cramplab, root};

fn health(rel: &str) -> PathBuf {
    corpus().join("health-apps").join(rel)
}

/// `cramplab inspect --json` on `paths`: the rows and the exit status.
fn inspect(paths: &[&Path]) -> (Vec<Value>, i32) {
    let out = cramplab()
        .args(["inspect", "--json"])
        .args(paths)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let rows = v.as_array().expect("an array").clone();
    (rows, out.status.code().unwrap_or(-1))
}

/// The one row of an activity file that reads.
fn one_ok(path: &Path) -> Value {
    let (rows, status) = inspect(&[path]);
    assert_eq!(status, 0, "{rows:?}");
    assert_eq!(rows.len(), 1, "one workout: {rows:?}");
    assert_eq!(rows[0]["status"], "ok", "{:?}", rows[0]);
    rows[0].clone()
}

fn local(t: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.3f").expect("a Polar local time")
}

#[test]
fn the_real_polar_session_states_its_heart_rate_route_and_offset() {
    let path = health("polar/AlexanderFabisch-slither__test_data__running.json");
    let file: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("readable")).expect("JSON");
    let ex = &file["exercises"][0];
    let hr = ex["samples"]["heartRate"].as_array().expect("heart rate");
    let route = ex["samples"]["recordedRoute"].as_array().expect("route");
    let time = |e: &Value| local(e["dateTime"].as_str().expect("dateTime"));
    let offset_min = ex["timezoneOffset"].as_i64().expect("offset");
    let row = one_ok(&path);

    assert_eq!(row["format"], "polar");
    assert_eq!(row["sport"], "running");
    // Every heart-rate entry has a value and its own second; the route has
    // as many points, each joining one of those seconds.
    assert!(hr.iter().all(|e| e["value"].is_number()));
    assert_eq!(row["samples"], hr.len());
    assert_eq!(route.len(), hr.len());
    assert_eq!(
        (row["has_hr"].as_bool(), row["has_gps"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(row["utc_offset_s"], offset_min * 60);
    assert_eq!(row["utc_offset_source"], "polar_offset_field");
    let start = time(&hr[0]) - chrono::Duration::minutes(offset_min);
    assert_eq!(
        row["start_utc"],
        start.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    );
    let span = (time(&hr[hr.len() - 1]) - time(&hr[0])).num_milliseconds() as f64 / 1000.0;
    assert_eq!(row["elapsed_s"], span);
    assert_eq!(row["pauses"], 0);
    // The route's clock is moved by the difference of the first times, and
    // the warning says by how much.
    let shift = (time(&route[0]) - time(&hr[0])).num_milliseconds() as f64 / 1000.0;
    assert!(shift > 4000.0, "the catalogued ~80 min: {shift}");
    let warnings = row["warnings"].to_string();
    assert!(
        warnings.contains(&format!("runs {shift:.1} s")) && warnings.contains("moved back"),
        "{warnings}"
    );
}

#[test]
fn the_hand_written_newer_polar_shape_reads_with_its_nan_values_missing() {
    let path = root().join("tests/fixtures/health-apps/polar-newer-shape.json");
    let text = std::fs::read_to_string(&path).expect("readable");
    let row = one_ok(&path);
    assert_eq!(row["format"], "polar");
    // 8 values per series at 1000 ms, and two bare NaNs in the text (the
    // only `NaN`s in it).
    assert_eq!(row["samples"], 8);
    assert_eq!(text.matches("NaN").count(), 2);
    assert!(row["warnings"].to_string().contains("2 bare NaN"));
    assert_eq!(row["utc_offset_s"], -420 * 60);
    assert_eq!(row["device"], "Polar Vantage V2");
    assert_eq!(
        (row["has_hr"].as_bool(), row["has_gps"].as_bool()),
        (Some(true), Some(true))
    );
}

/// One HiTrack file counted line by line, independently of the reader.
#[derive(Debug, Default)]
struct HiTrackCounts {
    /// Distinct times of positions, heart rate, step rate and altitude.
    times: BTreeSet<i64>,
    heart_rates: usize,
    speeds: usize,
    positions: usize,
    /// Pause markers with a position after them (the last one is the stop).
    pauses: usize,
}

/// A HiTrack time in ms: seconds below 10^11, else milliseconds.
fn hitrack_ms(v: &str) -> i64 {
    let x: f64 = v.parse().expect("a number");
    if x < 1e11 {
        (x * 1000.0).round() as i64
    } else {
        x.round() as i64
    }
}

fn count_hitrack(text: &str) -> HiTrackCounts {
    let mut c = HiTrackCounts::default();
    let mut markers_open = 0usize;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let field = |k: &str| {
            line.split(';')
                .find_map(|f| f.strip_prefix(&format!("{k}=")))
                .expect("the field is there")
        };
        match field("tp") {
            "lbs" if field("lat") == "90.0" && field("lon") == "-80.0" => markers_open += 1,
            "lbs" => {
                c.positions += 1;
                c.times.insert(hitrack_ms(field("t")));
                c.pauses += usize::from(markers_open > 0);
                markers_open = 0;
            }
            "h-r" | "s-r" | "alti" => {
                c.times.insert(hitrack_ms(field("k")));
                c.heart_rates += usize::from(field("tp") == "h-r");
            }
            "rs" => c.speeds += 1,
            _ => {}
        }
    }
    c
}

#[test]
fn every_real_hitrack_file_states_the_samples_heart_rate_and_pauses_it_holds() {
    let dir = health("huawei");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "the catalogued four");
    for path in files {
        let c = count_hitrack(&std::fs::read_to_string(&path).expect("text"));
        let row = one_ok(&path);
        let name = path.display().to_string();
        assert_eq!(row["format"], "huawei", "{name}");
        // Speeds go with heart-rate times (as many of each), so the
        // samples are the distinct times of the other records.
        assert_eq!(c.speeds, c.heart_rates, "{name}");
        assert_eq!(row["samples"], c.times.len(), "{name}");
        assert_eq!(row["has_hr"], c.heart_rates > 0, "{name}");
        assert_eq!(row["has_gps"], c.positions > 0, "{name}");
        assert_eq!(row["pauses"], c.pauses, "{name}");
        assert_eq!(
            row["utc_offset_s"],
            Value::Null,
            "{name}: HiTrack has no offset"
        );
        let first = c.times.first().expect("timed records");
        let last = c.times.last().expect("timed records");
        assert_eq!(row["elapsed_s"], (last - first) as f64 / 1000.0, "{name}");
    }
}

#[test]
fn the_hitrack_example_matches_its_file_name_and_the_converters_readme() {
    // The converter's README: start 2019-03-04 20:42:00 (UTC), 1.70 km, 7:49.
    let path = health(
        "huawei/aricooperdavis-Huawei-TCX-Converter__Examples__HiTrack_1551732120000155173259000030001",
    );
    let row = one_ok(&path);
    assert_eq!(row["start_utc"], "2019-03-04T20:42:00Z");
    assert_eq!(row["elapsed_s"], 7.0 * 60.0 + 49.0);
    let km = row["distance_m"].as_f64().expect("distance") / 1000.0;
    assert!((km - 1.70).abs() < 0.01, "{km}");
}

#[test]
fn the_long_hitrack_ride_has_its_three_marked_pauses() {
    // Its four lat=90/lon=-80 records: three pauses and the stop. Around
    // them (grep -n 'lat=90' and the lines beside): positions at
    // 1543650186→1543650253, 1543650465→1543650563, 1543650641→1543650759 s.
    let path =
        health("huawei/aricooperdavis-Huawei-TCX-Converter__Development_Tools__Testing__HiTrack_2");
    let row = one_ok(&path);
    assert_eq!(row["pauses"], 3);
    assert_eq!(row["paused_s"], f64::from(67 + 98 + 118));
    assert_eq!(row["sport"], "cycling", "its step rates are all but one 0");
}

/// The real adidas Running files by their catalogue names.
fn runtastic(name: &str) -> PathBuf {
    health(&format!(
        "runtastic/fcrespel-runtastic-export-converter__src__test__resources__me__crespel__runtastic__{name}"
    ))
}

fn distinct_timestamps(path: &Path) -> usize {
    let v: Value = serde_json::from_slice(&std::fs::read(path).expect("readable")).expect("JSON");
    v.as_array()
        .expect("a list")
        .iter()
        .map(|e| e["timestamp"].as_str().expect("timestamp").to_string())
        .collect::<BTreeSet<_>>()
        .len()
}

#[test]
fn real_adidas_running_sample_files_read_alone_with_their_offset() {
    for (name, hr, gps) in [
        ("GpsData.json", false, true),
        ("HeartRateData.json", true, false),
    ] {
        let path = runtastic(name);
        let row = one_ok(&path);
        assert_eq!(row["format"], "runtastic", "{name}");
        assert_eq!(row["samples"], distinct_timestamps(&path), "{name}");
        assert_eq!(
            (row["has_hr"].as_bool(), row["has_gps"].as_bool()),
            (Some(hr), Some(gps))
        );
        // "+0200" on every timestamp.
        assert_eq!(row["utc_offset_s"], 7200, "{name}");
        assert_eq!(row["start_utc"], "2018-09-01T09:28:34Z", "{name}");
    }
}

#[test]
fn adidas_running_files_without_samples_are_refused_saying_what_they_are() {
    let cases = [
        ("SportSession.json", "Heart-rate-data"),
        ("Shoe.json", "shoe record"),
        ("user.json", "user profile"),
        ("ImagesMetaData.json", "photo description"),
        ("ImagesMetaData2.json", "photo description"),
        ("SportSessionAlbums.json", "photo album"),
    ];
    let paths: Vec<PathBuf> = cases.iter().map(|(n, _)| runtastic(n)).collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (rows, status) = inspect(&refs);
    assert_eq!(status, 2, "named inputs that fail: {rows:?}");
    assert_eq!(rows.len(), cases.len());
    for (name, reason) in cases {
        let row = rows
            .iter()
            .find(|r| r["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .expect("a row for every file");
        assert_eq!(row["status"], "error", "{name}");
        let e = row["error"].as_str().expect("an error");
        assert!(e.contains(name) && e.contains(reason), "{name}: {e}");
    }
}

#[test]
fn health_app_inspection_does_not_depend_on_the_machine_zone() {
    let paths = [
        health("polar/AlexanderFabisch-slither__test_data__running.json"),
        runtastic("GpsData.json"),
        health("huawei/aricooperdavis-Huawei-TCX-Converter__Development_Tools__Testing__HiTrack_3"),
    ];
    let run = |tz: &str| {
        cramplab()
            .env("TZ", tz)
            .args(["inspect", "--json"])
            .args(&paths)
            .output()
            .expect("runs")
            .stdout
    };
    assert_eq!(run("UTC"), run("Pacific/Chatham"));
}
