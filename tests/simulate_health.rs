//! `cramplab simulate --formats apple,polar`: the Apple Health export and
//! the Polar Flow sessions it writes, read back with readers that share no
//! code with cramplab's (roxmltree's DOM for the XML, plain serde_json for
//! the JSON, the zip crate for the archive) and checked against the
//! history's `truth.json`.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use serde_json::Value;

use crate::common::cramplab;

const GPX_NS: &str = "http://www.topografix.com/GPX/1/1";

fn simulate(dir: &Path, args: &[&str]) {
    let out = cramplab()
        .args(["simulate", "--out"])
        .arg(dir)
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "simulate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("readable")).expect("JSON")
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

/// `2025-02-03 07:12:05 +0100` as Apple writes dates.
fn apple_date(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S %z")
        .unwrap_or_else(|e| panic!("{s:?} is not an Apple date: {e}"))
}

/// Every entry of a zip: name → bytes.
fn unzip(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(path).expect("zip opens")).expect("a zip archive");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut e = zip.by_index(i).expect("entry");
        let mut bytes = Vec::new();
        e.read_to_end(&mut bytes).expect("entry inflates");
        out.insert(e.name().to_string(), bytes);
    }
    out
}

fn parse_xml(text: &str) -> roxmltree::Document<'_> {
    let opt = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, opt).expect("well-formed XML")
}

/// The truth's runs of one format.
fn runs_of<'a>(truth: &'a Value, format: &str) -> Vec<&'a Value> {
    truth["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .filter(|r| r["format"] == format)
        .collect()
}

fn pauses(run: &Value) -> Vec<(i64, i64)> {
    run["pauses"]
        .as_array()
        .expect("pauses")
        .iter()
        .map(|p| (p[0].as_i64().expect("s"), p[1].as_i64().expect("s")))
        .collect()
}

fn strictly_inside(pauses: &[(i64, i64)], t: i64) -> bool {
    pauses.iter().any(|&(a, b)| a < t && t < b)
}

/// A history with Apple and Polar runs, simulated once for the tests that
/// only read it.
fn history() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        simulate(
            dir.path(),
            &["--formats", "apple,polar", "--runs", "16", "--seed", "21"],
        );
        dir
    })
    .path()
}

#[test]
fn apple_workouts_in_export_xml_match_the_truth_with_heart_rate_pauses_and_offsets() {
    let dir = history();
    let truth = read_json(&dir.join("truth.json"));
    let apple = runs_of(&truth, "apple");
    assert!(
        apple.len() >= 5,
        "too few Apple runs to judge: {}",
        apple.len()
    );
    assert_eq!(truth["summary"]["apple_workouts"], apple.len());
    let zip = unzip(&dir.join("export.zip"));
    let xml = String::from_utf8(zip["apple_health_export/export.xml"].clone()).expect("UTF-8");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE HealthData ["));
    assert!(zip.contains_key("apple_health_export/export_cda.xml"));
    let doc = parse_xml(&xml);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "HealthData");
    assert_eq!(root.attribute("locale"), Some("en_US"));
    let children: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(children[0].tag_name().name(), "ExportDate");
    assert_eq!(children[1].tag_name().name(), "Me");
    // Records come before workouts.
    let first_workout = children
        .iter()
        .position(|n| n.has_tag_name("Workout"))
        .expect("a workout");
    assert!(
        children[first_workout..]
            .iter()
            .all(|n| !n.has_tag_name("Record"))
    );
    let workouts: Vec<_> = children
        .iter()
        .filter(|n| n.has_tag_name("Workout"))
        .collect();
    assert_eq!(workouts.len(), apple.len(), "one workout per Apple run");
    let hr: Vec<_> = children
        .iter()
        .filter(|n| {
            n.has_tag_name("Record")
                && n.attribute("type") == Some("HKQuantityTypeIdentifierHeartRate")
        })
        .map(|n| {
            (
                n.attribute("sourceName").expect("sourceName").to_string(),
                apple_date(n.attribute("startDate").expect("startDate")),
                n.attribute("value")
                    .and_then(|v| v.parse::<f64>().ok())
                    .expect("a numeric value"),
            )
        })
        .collect();
    let (mut duplicated, mut paused_runs, mut manual, mut layouts) = (0, 0, 0, HashSet::new());
    for (run, w) in apple.iter().zip(&workouts) {
        let name = run["file"].as_str().expect("file");
        let start = apple_date(w.attribute("startDate").expect("startDate"));
        let end = apple_date(w.attribute("endDate").expect("endDate"));
        assert_eq!(
            w.attribute("workoutActivityType"),
            Some("HKWorkoutActivityTypeRunning")
        );
        assert_eq!(
            start.with_timezone(&Utc),
            utc(run["start_utc"].as_str().unwrap()),
            "{name}"
        );
        assert_eq!(
            end.with_timezone(&Utc),
            utc(run["end_utc"].as_str().unwrap()),
            "{name}"
        );
        let offset = run["utc_offset_s"].as_i64().expect("offset") as i32;
        assert_eq!(
            start.offset().local_minus_utc(),
            offset,
            "{name}: the runner's offset"
        );
        let source = w.attribute("sourceName").expect("sourceName");
        assert_eq!(source, run["apple"]["source_name"], "{name}");
        assert!(source.ends_with("\u{2019}s Apple Watch"), "{source}");
        let meta = |key: &str| {
            w.children()
                .find(|c| c.has_tag_name("MetadataEntry") && c.attribute("key") == Some(key))
                .and_then(|c| c.attribute("value"))
        };
        assert_eq!(meta("HKIndoorWorkout"), Some("0"));
        assert_eq!(meta("HKTimeZone"), run["zone"].as_str());

        // Heart rate of the workout's own source, about every 5 s of
        // workout time and never inside a pause.
        let t0 = start.timestamp();
        let ps = pauses(run);
        let own: Vec<i64> = hr
            .iter()
            .filter(|(s, t, _)| s == source && *t >= start && *t <= end)
            .map(|(_, t, _)| t.timestamp() - t0)
            .collect();
        let timer_s = run["timer_s"].as_f64().expect("timer");
        let expected = timer_s / 5.0;
        assert!(
            (own.len() as f64 - expected).abs() <= 0.1 * expected + 3.0,
            "{name}: {} heart-rate records in {timer_s} s of workout time",
            own.len()
        );
        assert_eq!(own.len(), run["apple"]["hr_records"], "{name}");
        for &t in &own {
            assert!(
                !strictly_inside(&ps, t),
                "{name}: heart rate at +{t} s inside a pause"
            );
        }
        // The resting records of the two hours around it are outside it,
        // in the same offset (runs are days apart, so these are its own).
        let around = chrono::Duration::hours(2) + chrono::Duration::minutes(30);
        let resting: Vec<_> = hr
            .iter()
            .filter(|(s, t, _)| {
                s == source && (*t < start || *t > end) && *t > start - around && *t < end + around
            })
            .collect();
        assert_eq!(resting.len(), run["apple"]["resting_hr_records"], "{name}");
        for (_, t, _) in resting {
            assert_eq!(
                t.offset().local_minus_utc(),
                offset,
                "{name}: resting record offset"
            );
        }
        // Another app's duplicates, only where planned.
        let others: Vec<&(String, DateTime<FixedOffset>, f64)> = hr
            .iter()
            .filter(|(s, t, _)| s != source && *t >= start && *t <= end)
            .collect();
        match run["apple"]["duplicate_source"].as_str() {
            Some(app) => {
                duplicated += 1;
                assert!(!others.is_empty(), "{name}: {app} wrote nothing");
                assert!(others.iter().all(|(s, _, _)| s == app), "{name}");
                assert_eq!(others.len(), run["apple"]["duplicate_hr_records"], "{name}");
                // Off by a little from a record of the watch 1–2 s earlier.
                for (_, t, v) in &others {
                    let near = hr.iter().find(|(s, u, _)| {
                        s == source && (1..=2).contains(&(t.timestamp() - u.timestamp()))
                    });
                    let (_, _, own_v) = near.unwrap_or_else(|| panic!("{name}: stray duplicate"));
                    assert!(
                        (v - own_v).abs() <= 3.0 && v != own_v,
                        "{name}: {v} vs {own_v}"
                    );
                }
            }
            None => assert!(others.is_empty(), "{name}: unplanned duplicates"),
        }

        // Pause events pair up into the run's pauses, of the planned kind.
        let events = |parent: &roxmltree::Node| -> Vec<(String, i64)> {
            parent
                .children()
                .filter(|c| c.has_tag_name("WorkoutEvent"))
                .map(|c| {
                    (
                        c.attribute("type").expect("type").to_string(),
                        apple_date(c.attribute("date").expect("date")).timestamp() - t0,
                    )
                })
                .collect()
        };
        let ev = events(w);
        let stops: Vec<(String, i64)> = ev
            .iter()
            .filter(|(k, _)| k.ends_with("TypePause") || k.ends_with("MotionPaused"))
            .cloned()
            .collect();
        let restarts: Vec<i64> = ev
            .iter()
            .filter(|(k, _)| k.ends_with("TypeResume") || k.ends_with("MotionResumed"))
            .map(|(_, t)| *t)
            .collect();
        let got: Vec<(i64, i64)> = stops.iter().map(|s| s.1).zip(restarts).collect();
        assert_eq!(got, ps, "{name}: pauses");
        let kinds: Vec<&str> = stops
            .iter()
            .map(|(k, _)| {
                if k.ends_with("TypePause") {
                    "manual"
                } else {
                    "motion"
                }
            })
            .collect();
        let want: Vec<&str> = run["apple"]["pause_kinds"]
            .as_array()
            .expect("kinds")
            .iter()
            .map(|k| k.as_str().expect("kind"))
            .collect();
        assert_eq!(kinds, want, "{name}");
        paused_runs += usize::from(!ps.is_empty());
        manual += kinds.iter().filter(|k| **k == "manual").count();
        assert!(
            ev.iter().any(|(k, _)| k == "HKWorkoutEventTypeSegment"),
            "{name}: splits"
        );

        // Layout: the newer one repeats the events under WorkoutActivity and
        // keeps the distance only in WorkoutStatistics.
        let layout = run["apple"]["layout"].as_str().expect("layout");
        layouts.insert(layout.to_string());
        let activity = w.children().find(|c| c.has_tag_name("WorkoutActivity"));
        let stat_km = w
            .children()
            .find(|c| {
                c.has_tag_name("WorkoutStatistics")
                    && c.attribute("type") == Some("HKQuantityTypeIdentifierDistanceWalkingRunning")
            })
            .map(|c| {
                assert_eq!(c.attribute("unit"), Some("km"));
                c.attribute("sum")
                    .and_then(|v| v.parse::<f64>().ok())
                    .expect("sum")
            });
        let km = if layout == "workout_activity" {
            let a = activity.unwrap_or_else(|| panic!("{name}: no WorkoutActivity"));
            assert_eq!(
                events(&a),
                ev,
                "{name}: events repeated under WorkoutActivity"
            );
            assert!(w.attribute("totalDistance").is_none(), "{name}");
            stat_km.unwrap_or_else(|| panic!("{name}: no distance statistics"))
        } else {
            assert!(activity.is_none() && stat_km.is_none(), "{name}");
            assert_eq!(w.attribute("totalDistanceUnit"), Some("km"));
            w.attribute("totalDistance")
                .and_then(|v| v.parse::<f64>().ok())
                .expect("totalDistance")
        };
        // A plausible running pace over the workout time.
        let mps = km * 1000.0 / timer_s;
        assert!((1.5..6.0).contains(&mps), "{name}: {mps} m/s");

        // The route: named as in the truth, inside the workout, none while
        // paused, Apple's extensions, some repeated times allowed.
        let route = w
            .children()
            .find(|c| c.has_tag_name("WorkoutRoute"))
            .expect("a route");
        let path = route
            .children()
            .find(|c| c.has_tag_name("FileReference"))
            .and_then(|c| c.attribute("path"))
            .expect("a file reference");
        let base = run["apple"]["route_file"].as_str().expect("route file");
        assert_eq!(path, format!("/workout-routes/{base}"));
        assert_eq!(
            name,
            format!("export.zip/apple_health_export/workout-routes/{base}"),
            "truth names the route inside the export"
        );
        assert!(
            base.starts_with("route_") && base.ends_with(".gpx"),
            "{base}"
        );
        let gpx_text =
            String::from_utf8(zip[&format!("apple_health_export{path}")].clone()).expect("UTF-8");
        let gpx = parse_xml(&gpx_text);
        let g = gpx.root_element();
        assert_eq!(g.tag_name().namespace(), Some(GPX_NS));
        assert_eq!(g.attribute("creator"), Some("Apple Health Export"));
        assert_eq!(g.attribute("version"), Some("1.1"));
        let points: Vec<_> = g
            .descendants()
            .filter(|n| n.has_tag_name((GPX_NS, "trkpt")))
            .collect();
        assert_eq!(points.len(), run["apple"]["route_points"], "{name}");
        let mut times = Vec::with_capacity(points.len());
        for p in &points {
            let child = |tag: &str| {
                p.descendants()
                    .find(|c| c.has_tag_name((GPX_NS, tag)))
                    .and_then(|c| c.text())
                    .unwrap_or_else(|| panic!("{name}: trkpt without {tag}"))
            };
            let t = utc(child("time"));
            assert!(child("time").ends_with('Z'));
            let rel = t.timestamp() - t0;
            assert!(
                rel >= 0 && t <= end,
                "{name}: point at +{rel} s outside the workout"
            );
            assert!(
                !strictly_inside(&ps, rel),
                "{name}: point at +{rel} s inside a pause"
            );
            let speed: f64 = child("speed").parse().expect("speed");
            assert!((0.0..15.0).contains(&speed), "{name}: speed {speed} m/s");
            for tag in ["course", "hAcc", "vAcc", "ele"] {
                child(tag).parse::<f64>().expect("a number");
            }
            assert!(
                p.descendants().all(|c| !c.has_tag_name("hr")),
                "no heart rate in routes"
            );
            times.push(t);
        }
        let repeated = times.windows(2).filter(|w| w[0] == w[1]).count();
        assert_eq!(repeated, run["apple"]["repeated_times"], "{name}");
    }
    assert!(
        duplicated > 0,
        "the history should hold a duplicated source"
    );
    assert!(duplicated < apple.len(), "and workouts without one");
    assert!(
        paused_runs > 0 && manual > 0,
        "paused runs, manual pauses among them"
    );
    assert_eq!(layouts.len(), 2, "both layouts: {layouts:?}");
    // Each Apple run's route is in the zip, and nothing else is.
    let routes = zip
        .keys()
        .filter(|k| k.contains("/workout-routes/"))
        .count();
    assert_eq!(routes, apple.len());
}

/// `cramps.csv` rows name an Apple run by its route file and a Polar run by
/// its session file.
#[test]
fn cramps_csv_names_apple_routes_and_polar_session_files() {
    let dir = history();
    let truth = read_json(&dir.join("truth.json"));
    let mut names = HashSet::new();
    for r in truth["runs"].as_array().expect("runs") {
        let file = r["file"].as_str().expect("file");
        let base = file.rsplit('/').next().expect("a name");
        names.insert(base.to_string());
        match r["format"].as_str() {
            Some("polar") => assert!(dir.join(file).is_file(), "{file}"),
            Some("apple") => assert!(file.starts_with("export.zip/")),
            other => panic!("unexpected format {other:?}"),
        }
    }
    let mut reader = csv::Reader::from_path(dir.join("cramps.csv")).expect("cramps.csv");
    let (mut apple_rows, mut polar_rows) = (0, 0);
    for row in reader.records() {
        let row = row.expect("a row");
        let file = &row[0];
        if file.is_empty() {
            continue;
        }
        assert!(names.contains(file), "{file} names no simulated run");
        assert!(!file.contains('/'), "{file}: a bare file name");
        if file.starts_with("route_") {
            apple_rows += 1;
        } else if file.starts_with("training-session-") {
            polar_rows += 1;
        }
    }
    assert!(
        apple_rows > 0 && polar_rows > 0,
        "{apple_rows} {polar_rows}"
    );
}

/// The newer Polar shape with its bare `NaN`s, made JSON here by turning
/// them into `null` (outside strings: the file holds no `NaN` text in a
/// string).
fn newer_polar_json(text: &str) -> (Value, usize) {
    let n = text.matches("NaN").count();
    let fixed = text.replace("NaN", "null");
    (
        serde_json::from_str(&fixed).expect("JSON once NaN is null"),
        n,
    )
}

/// Naive local time plus an offset in minutes → UTC.
fn polar_utc(naive: &str, offset_min: i64) -> DateTime<Utc> {
    let fmt = if naive.contains('.') {
        "%Y-%m-%dT%H:%M:%S%.3f"
    } else {
        "%Y-%m-%dT%H:%M:%S"
    };
    let t = NaiveDateTime::parse_from_str(naive, fmt).expect("a naive time");
    t.and_utc() - chrono::Duration::minutes(offset_min)
}

#[test]
fn polar_sessions_come_in_both_shapes_in_kmh_with_nan_and_missing_values() {
    let dir = history();
    let truth = read_json(&dir.join("truth.json"));
    let polar = runs_of(&truth, "polar");
    assert_eq!(truth["summary"]["polar_files"], polar.len());
    let on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("training-session-"))
        .collect();
    assert_eq!(on_disk.len(), polar.len());
    let (mut older, mut newer) = (0, 0);
    for run in &polar {
        let name = run["file"].as_str().expect("file");
        // training-session-<yyyy-MM-dd>-<id>-<uuid>.json
        let rest = name
            .strip_prefix("training-session-")
            .and_then(|r| r.strip_suffix(".json"))
            .expect("Polar's name");
        assert_eq!(rest.len(), 10 + 1 + 10 + 1 + 36, "{name}");
        assert_eq!(
            &rest[11..21],
            run["polar"]["session_id"].to_string(),
            "{name}"
        );
        let text = std::fs::read_to_string(dir.join(name)).expect("readable");
        let offset_s = run["utc_offset_s"].as_i64().expect("offset");
        let start = utc(run["start_utc"].as_str().expect("start"));
        let mut distance_from_speed = 0.0;
        let total_m = match run["polar"]["shape"].as_str() {
            Some("older") => {
                older += 1;
                assert!(!text.contains("NaN"));
                let v: Value = serde_json::from_str(&text).expect("the older shape is JSON");
                assert_eq!(v["exportVersion"], "1.3");
                assert_eq!(v["timeZoneOffset"].as_i64(), Some(offset_s / 60));
                let ex = &v["exercises"][0];
                assert_eq!(
                    ex["timezoneOffset"].as_i64(),
                    Some(offset_s / 60),
                    "inner spelling"
                );
                assert_eq!(ex["sport"], "RUNNING");
                assert_eq!(
                    polar_utc(v["startTime"].as_str().unwrap(), offset_s / 60),
                    start
                );
                let samples = &ex["samples"];
                let mut missing = 0;
                let mut times = HashSet::new();
                for key in ["heartRate", "speed", "cadence", "altitude", "distance"] {
                    for s in samples[key].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                        times.insert(s["dateTime"].as_str().expect("dateTime").to_string());
                        if s.get("value").is_none() {
                            missing += 1;
                        }
                    }
                }
                assert_eq!(missing, run["polar"]["missing_values"], "{name}");
                assert!(missing > 0, "{name}: no sample without a value");
                // Samples at whole seconds, none inside a pause.
                let ps = pauses(run);
                for t in &times {
                    let rel = (polar_utc(t, offset_s / 60) - start).num_seconds();
                    assert!(
                        !strictly_inside(&ps, rel),
                        "{name}: sample at +{rel} s paused"
                    );
                }
                // The route runs on the samples' clock.
                let route = samples["recordedRoute"].as_array().expect("route");
                assert_eq!(route.len(), run["polar"]["route_points"]);
                assert!(
                    route
                        .iter()
                        .all(|p| times.contains(p["dateTime"].as_str().expect("dateTime")))
                );
                let speeds = samples["speed"].as_array().expect("speed");
                for s in speeds {
                    if let Some(kmh) = s["value"].as_f64() {
                        distance_from_speed += kmh / 3.6;
                    }
                }
                ex["distance"].as_f64().expect("distance")
            }
            Some("newer") => {
                newer += 1;
                let (v, nans) = newer_polar_json(&text);
                assert_eq!(nans, run["polar"]["nan_values"], "{name}");
                assert!(nans > 0, "{name}: no NaN");
                assert!(v.get("exportVersion").is_none());
                assert_eq!(v["timezoneOffsetMinutes"].as_i64(), Some(offset_s / 60));
                assert_eq!(
                    polar_utc(v["startTime"].as_str().unwrap(), offset_s / 60),
                    start
                );
                assert_eq!(
                    v["durationMillis"].as_i64(),
                    run["elapsed_s"].as_i64().map(|s| s * 1000)
                );
                let ex = &v["exercises"][0];
                let channels = ex["samples"]["samples"]
                    .as_array()
                    .expect("samples.samples");
                let channel = |kind: &str| {
                    channels
                        .iter()
                        .find(|c| c["type"] == kind)
                        .unwrap_or_else(|| panic!("{name}: no {kind}"))
                };
                for c in channels {
                    assert_eq!(c["intervalMillis"], 1000);
                    assert_eq!(
                        c["values"].as_array().expect("values").len(),
                        run["polar"]["samples"]
                    );
                }
                // Nothing but NaN strictly inside a pause.
                let ps = pauses(run);
                for c in channels {
                    for (i, x) in c["values"].as_array().expect("values").iter().enumerate() {
                        if strictly_inside(&ps, i as i64) {
                            assert!(x.is_null(), "{name}: {} at +{i} s paused", c["type"]);
                        }
                    }
                }
                for x in channel("SPEED")["values"].as_array().expect("values") {
                    if let Some(kmh) = x.as_f64() {
                        distance_from_speed += kmh / 3.6;
                    }
                }
                let route = &ex["routes"]["route"];
                let route_start = polar_utc(route["startTime"].as_str().unwrap(), offset_s / 60);
                assert_eq!(
                    (route_start - start).num_seconds(),
                    run["polar"]["first_fix_s"].as_i64().unwrap(),
                    "the route counts from the first fix"
                );
                let points = route["wayPoints"].as_array().expect("wayPoints");
                assert_eq!(points.len(), run["polar"]["route_points"]);
                assert!(points[0]["elapsedMillis"] == 0);
                ex["distanceMeters"].as_f64().expect("distanceMeters")
            }
            other => panic!("{name}: shape {other:?}"),
        };
        // Speed in km/h: summed over the 1 s samples (÷ 3.6) it makes the
        // distance the file states. In m/s the sum would be 3.6 times short.
        assert!(
            (distance_from_speed / total_m - 1.0).abs() < 0.03,
            "{name}: {distance_from_speed:.0} m from speeds vs {total_m:.0} m"
        );
    }
    assert!(
        older > 0 && newer > 0,
        "both shapes: {older} older, {newer} newer"
    );
}

#[test]
fn the_same_seed_writes_identical_bytes_including_the_export_zip() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let args = ["--formats", "apple,polar,fit", "--runs", "6", "--seed", "8"];
    simulate(a.path(), &args);
    simulate(b.path(), &args);
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(a.path()), names(b.path()));
    assert!(names(a.path()).contains(&"export.zip".to_string()));
    for n in names(a.path()) {
        assert!(
            std::fs::read(a.path().join(&n)).unwrap() == std::fs::read(b.path().join(&n)).unwrap(),
            "{n} differs between two runs with the same seed"
        );
    }
}

#[test]
fn force_removes_a_previous_export_zip_and_polar_sessions_but_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    simulate(
        dir.path(),
        &["--formats", "apple,polar", "--runs", "4", "--seed", "2"],
    );
    std::fs::write(dir.path().join("mine.zip"), b"keep me").expect("write");
    simulate(
        dir.path(),
        &["--formats", "fit", "--runs", "2", "--seed", "3", "--force"],
    );
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let truth = read_json(&dir.path().join("truth.json"));
    let mut want: Vec<String> = truth["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r["file"].as_str().expect("file").to_string())
        .collect();
    want.extend(["cramps.csv", "mine.zip", "truth.json"].map(String::from));
    want.sort();
    assert_eq!(
        left, want,
        "export.zip and the Polar files are gone, mine.zip stays"
    );
}

#[test]
fn a_cohort_of_apple_runners_gets_one_export_zip_each_named_after_its_owner() {
    let dir = tempfile::tempdir().expect("tempdir");
    simulate(
        dir.path(),
        &[
            "--formats",
            "apple",
            "--runners",
            "3",
            "--runs",
            "3",
            "--seed",
            "5",
        ],
    );
    let top = read_json(&dir.path().join("truth.json"));
    let runners = top["runners"].as_array().expect("runners");
    assert_eq!(runners.len(), 3);
    for r in runners {
        let name = r["name"].as_str().expect("name");
        let folder = dir.path().join(name);
        let truth = read_json(&folder.join("truth.json"));
        let runs = truth["runs"].as_array().expect("runs");
        assert_eq!(r["files"]["apple"], runs.len(), "{name}");
        assert!(runs.iter().all(|x| x["format"] == "apple"));
        let zip = unzip(&folder.join("export.zip"));
        let xml = String::from_utf8(zip["apple_health_export/export.xml"].clone()).expect("UTF-8");
        let doc = parse_xml(&xml);
        let workouts: Vec<_> = doc
            .root_element()
            .children()
            .filter(|n| n.has_tag_name("Workout"))
            .collect();
        assert_eq!(workouts.len(), runs.len(), "{name}");
        let owner = format!("{name}\u{2019}s Apple Watch");
        assert!(
            workouts
                .iter()
                .all(|w| w.attribute("sourceName") == Some(owner.as_str()))
        );
        // Nothing but the export, the tags and the truth in the folder.
        let mut files: Vec<String> = std::fs::read_dir(&folder)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["cramps.csv", "export.zip", "truth.json"]);
    }
}
