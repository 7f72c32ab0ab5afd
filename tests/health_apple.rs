//! Apple Health exports (DESIGN §6): every real sample reads as its catalog
//! says or is passed over with a reason; the hand-made iOS 16 export with
//! its damage reads through; folder, zip and named `export.xml` agree; tags
//! name a workout by its route file or its start.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{FAST_STATS, copy_tree, corpus, cramplab, root, zip_dir};

fn ios16() -> PathBuf {
    root().join("tests/fixtures/health-apps/apple-ios16")
}

fn apple(name: &str) -> PathBuf {
    corpus().join("health-apps/apple").join(name)
}

/// `inspect --json` rows and the exit status.
fn inspect(path: &Path) -> (Vec<Value>, i32) {
    let out = cramplab()
        .args(["inspect", "--json"])
        .arg(path)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON expected for {}: {e}\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        v.as_array().expect("an array").clone(),
        out.status.code().unwrap_or(-1),
    )
}

fn with_status<'a>(rows: &'a [Value], status: &str) -> Vec<&'a Value> {
    rows.iter().filter(|r| r["status"] == status).collect()
}

/// The value of `name="…"` in one line of XML.
fn attr<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let at = line.find(&format!(" {name}=\""))? + name.len() + 3;
    line[at..].split('"').next()
}

#[test]
fn an_ios16_export_with_a_broken_dtd_and_a_control_byte_reads_every_workout_as_its_files_hold() {
    let xml = std::fs::read(ios16().join("apple_health_export/export.xml")).expect("fixture");
    let text = String::from_utf8_lossy(&xml);
    // The damage is really there.
    assert!(text.contains("<!ATTLIST VisionPrescription\n  type"));
    assert_eq!(xml.iter().filter(|&&b| b == 0x0B).count(), 1);
    // Facts counted from the files themselves, not from our reader: the
    // watch's heart-rate records inside the first workout's window, and
    // the route's points with distinct times.
    let (start, end) = ("2022-10-02 07:15:00 +0100", "2022-10-02 07:35:00 +0100");
    let watch_hr = text
        .lines()
        .filter(|l| l.contains("HKQuantityTypeIdentifierHeartRate"))
        .filter(|l| attr(l, "sourceName") == Some("Anna’s Apple Watch"))
        .filter_map(|l| attr(l, "startDate"))
        .filter(|d| *d >= start && *d <= end)
        .count();
    assert_eq!(watch_hr, 213);
    let gpx = std::fs::read_to_string(
        ios16().join("apple_health_export/workout-routes/route_2022-10-02_7.15am.gpx"),
    )
    .expect("route");
    let mut times: Vec<&str> = gpx
        .match_indices("<time>")
        .map(|(i, _)| &gpx[i + 6..i + 26])
        .filter(|t| t.starts_with("2022-10-02T06") || t.starts_with("2022-10-02T07"))
        .collect();
    let points = gpx.matches("<trkpt ").count();
    times.dedup();
    assert_eq!((points, times.len()), (1054, 1053));

    let out = cramplab()
        .args(["inspect", "--json"])
        .arg(ios16())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    // The export's own damage is said once, on stderr, naming export.xml.
    let stderr = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "export.xml: the DTD in its header is malformed",
        "export.xml: 1 control byte(s)",
    ] {
        assert_eq!(stderr.matches(needle).count(), 1, "{needle:?} in {stderr}");
    }
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let run = rows
        .iter()
        .find(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("route_2022-10-02_7.15am.gpx"))
        })
        .expect("the run is named by its route file");
    assert_eq!(run["format"], "apple");
    assert_eq!(run["sport"], "running");
    assert_eq!(run["samples"], times.len());
    assert_eq!(run["has_hr"], true);
    assert_eq!(run["has_gps"], true);
    // Pause/Resume 07:25:00–07:27:00 (written twice: under <Workout> and
    // <WorkoutActivity>) and MotionPaused/Resumed 07:31:00–07:31:30.
    assert_eq!(run["pauses"], 2);
    assert_eq!(run["paused_s"], 150.0);
    assert_eq!(run["utc_offset_s"], 3600);
    assert_eq!(run["utc_offset_source"], "apple_workout_date");
    assert_eq!(run["start_utc"], "2022-10-02T06:15:00Z");
    assert_eq!(run["timer_s"], 17.5 * 60.0);
    let warnings = run["warnings"].to_string();
    for needle in [
        "60 heart-rate record(s) from Strava left out",
        &format!("recorded {watch_hr} in the workout"),
    ] {
        assert!(warnings.contains(needle), "{needle:?} not in {warnings}");
    }

    let walk = rows
        .iter()
        .find(|r| r["sport"] == "walking")
        .expect("the walk is read, as other sports are");
    assert_eq!(walk["samples"], 61);
    assert_eq!(walk["has_gps"], false);

    let missing = rows
        .iter()
        .find(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("export.xml#2022-10-03 07:00:00 +0100"))
        })
        .expect("the run whose route file is missing");
    assert_eq!(missing["samples"], 61);
    assert_eq!(missing["has_hr"], true);
    assert!(
        missing["warnings"]
            .to_string()
            .contains("its route file route_2022-10-03_7.00am.gpx is not in the export"),
        "{missing}"
    );
}

/// The rows without their paths' differing prefix.
fn comparable(rows: &[Value], cut: &str) -> Vec<Value> {
    let mut v: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let p = r["path"].as_str().unwrap_or("").replace(cut, "");
            r["path"] = Value::String(p);
            r
        })
        .collect();
    v.sort_by_key(|r| r["path"].to_string());
    v
}

#[test]
fn an_export_reads_alike_as_a_folder_a_zip_and_a_named_export_xml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip_path = dir.path().join("export.zip");
    zip_dir(&ios16(), &zip_path, true);
    let folder = ios16();
    let (a, _) = inspect(&folder);
    let (b, code) = inspect(&zip_path);
    assert_eq!(code, 0);
    let (c, _) = inspect(&folder.join("apple_health_export/export.xml"));
    let a = comparable(&a, &format!("{}/", folder.display()));
    assert_eq!(a, comparable(&b, &format!("{}/", zip_path.display())));
    assert_eq!(a, comparable(&c, &format!("{}/", folder.display())));
    assert_eq!(a.len(), 3);
}

#[test]
fn real_apple_samples_read_as_catalogued_or_are_passed_over_with_a_reason() {
    // (sample, workouts read, workouts passed over, refused whole), from
    // each file's CATALOG.tsv row and its XML read by hand: the paulstaab
    // fixture has 8 workouts, of which the 4 with route files are read and
    // 3 running summaries and 1 ride with nothing recorded are passed over;
    // the dogsheep tree's only route lies three years after its workout.
    let cases: [(&str, usize, usize, bool); 12] = [
        ("AlekSi-applehealth__testdata__testdata.xml", 0, 0, true),
        (
            "alxdrcirilo-apple-health-parser__tests__data__export.xml",
            0,
            0,
            true,
        ),
        (
            "alxdrcirilo-apple-health-parser__tests__data__export.zip",
            0,
            0,
            true,
        ),
        (
            "dogsheep-healthkit-to-sqlite__tests__export.xml",
            1,
            0,
            false,
        ),
        (
            "dogsheep-healthkit-to-sqlite__tests__zip_contents",
            0,
            1,
            false,
        ),
        (
            "jdecool-healthkit-parser__fixtures__exporter.xml",
            0,
            0,
            true,
        ),
        ("paulstaab-health-data-parser__tests__fixtures", 4, 4, false),
        (
            "paulstaab-health-data-parser__tests__fixtures__export.zip",
            4,
            4,
            false,
        ),
        // Its two <Workout> elements are one workout written twice (same
        // type, same start, nothing recorded): passed over once.
        (
            "sumant-28-AppleHealthParser.jl__test__data__example.xml",
            0,
            1,
            false,
        ),
        (
            "tagbug-apple-health-analyzer__tests__fixtures__export.xml",
            0,
            0,
            true,
        ),
        (
            "tdda-applehealthdata__testdata__export6s3sample.xml",
            0,
            1,
            false,
        ),
        ("y-yu-ahcd-go__test_data__export.xml", 0, 0, true),
    ];
    for (name, read, passed, refused) in cases {
        let path = apple(name);
        let out = cramplab()
            .args(["inspect", "--json"])
            .arg(&path)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if refused {
            assert!(!out.status.success(), "{name}");
            assert!(
                stderr.contains("without workouts"),
                "{name}: the reason is said: {stderr}"
            );
            continue;
        }
        let rows: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let rows = rows.as_array().expect("array");
        let ok = with_status(rows, "ok");
        let skipped = with_status(rows, "skipped");
        assert_eq!(
            (ok.len(), skipped.len()),
            (read, passed),
            "{name}: {rows:#?}"
        );
        assert!(with_status(rows, "error").is_empty(), "{name}: {rows:#?}");
        for r in &ok {
            assert_eq!(r["format"], "apple", "{name}");
        }
        for r in &skipped {
            let e = r["error"].as_str().unwrap_or("");
            assert!(
                e.contains("nothing recorded") || e.contains("without workouts"),
                "{name}: {e}"
            );
        }
    }
}

#[test]
fn the_inline_location_route_of_an_old_export_is_read_with_its_speed() {
    let (rows, code) = inspect(&apple("dogsheep-healthkit-to-sqlite__tests__export.xml"));
    assert_eq!(code, 0);
    let r = &rows[0];
    // Two <Location> elements, both dated 2016-11-14 07:25:44 -0700: one
    // sample once the repeat is merged (CATALOG: "2 Locations share the
    // same date").
    assert_eq!(r["samples"], 1);
    assert_eq!(r["has_gps"], true);
    assert!(
        r["channels"]
            .as_array()
            .expect("channels")
            .contains(&Value::from("speed"))
    );
    assert_eq!(r["utc_offset_s"], -7 * 3600);
}

#[test]
fn a_standalone_apple_route_gpx_reads_as_gpx_with_its_speed() {
    // Copied out of its export: inside one, it is its workout's route.
    let dir = tempfile::tempdir().expect("tempdir");
    let route = dir.path().join("route_2019-06-11_3.00pm.gpx");
    std::fs::copy(
        apple(
            "dogsheep-healthkit-to-sqlite__tests__zip_contents/apple_health_export/workout-routes/route_2019-06-11_3.00pm.gpx",
        ),
        &route,
    )
    .expect("copy");
    let (rows, code) = inspect(&route);
    assert_eq!(code, 0);
    assert_eq!(rows[0]["format"], "gpx");
    // 3 <trkpt>, one repeating its predecessor's time (CATALOG).
    assert_eq!(rows[0]["samples"], 2);
    assert!(
        rows[0]["channels"]
            .as_array()
            .expect("channels")
            .contains(&Value::from("speed")),
        "{}",
        rows[0]
    );
}

/// `analyze --json` of the iOS 16 export with a tag file.
fn analyze_with_tags(csv: &str) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("export");
    copy_tree(&ios16(), &export);
    std::fs::write(export.join("cramps.csv"), csv).expect("tags");
    let out = cramplab()
        .args(["analyze", "--json"])
        .args(FAST_STATS)
        .arg(&export)
        .output()
        .expect("runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn cramp_files(v: &Value) -> Vec<String> {
    v["cramps"]
        .as_array()
        .expect("cramps")
        .iter()
        .map(|c| c["file"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn a_tag_names_an_apple_workout_by_its_route_file_or_by_its_start() {
    for file in [
        "route_2022-10-02_7.15am.gpx",
        "2022-10-02 07:15:00 +0100",
        "2022-10-02 07:15",
        // As people type it: no leading zero.
        "2022-10-02 7:15",
    ] {
        let v = analyze_with_tags(&format!("file,start,end\n{file},+4:00,+4:40\n"));
        let files = cramp_files(&v);
        assert_eq!(files.len(), 1, "{file}: {v:#}");
        assert!(
            files[0].ends_with("route_2022-10-02_7.15am.gpx"),
            "{file}: {files:?}"
        );
    }
    // A local time without `file` is placed with the workout's offset.
    let v = analyze_with_tags("start,end\n2022-10-02 07:19:00,2022-10-02 07:19:40\n");
    assert_eq!(cramp_files(&v).len(), 1, "{v:#}");
}

#[test]
fn report_on_a_route_file_of_an_unpacked_export_reports_its_workout_with_heart_rate() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&ios16(), dir.path());
    let export = dir.path().join("apple_health_export");
    std::fs::write(
        export.join("cramps.csv"),
        "file,start,end,severity\nroute_2022-10-02_7.15am.gpx,+4:00,+4:40,2\n",
    )
    .expect("tags");
    // No --tags: the cramps.csv beside export.xml is found, as a runner
    // keeps it there.
    let out = cramplab()
        .arg("report")
        .arg(export.join("workout-routes/route_2022-10-02_7.15am.gpx"))
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The route file alone holds no heart rate: the workout's records do,
    // and only this workout is reported (not the walk or the other run).
    assert!(text.contains("from Strava left out"), "{text}");
    assert!(text.contains("1 cramp(s)"), "{text}");
    assert!(!text.contains("2022-10-03"), "{text}");
}

#[test]
fn a_cut_export_xml_is_reported_as_damaged_and_its_routes_are_still_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&ios16(), dir.path());
    let xml = dir.path().join("apple_health_export/export.xml");
    let bytes = std::fs::read(&xml).expect("xml");
    // Cut inside the records: every workout (they come last) is lost.
    std::fs::write(&xml, &bytes[..bytes.len() / 3]).expect("cut");
    let out = cramplab()
        .args(["inspect", "--json"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    let status = |s: &str| rows.iter().filter(|r| r["status"] == s).count();
    assert_eq!((status("ok"), status("error")), (1, 1), "{rows:#?}");
    let error = rows
        .iter()
        .find(|r| r["status"] == "error")
        .and_then(|r| r["error"].as_str())
        .expect("error");
    assert!(
        error.contains("export.xml") && error.contains("no workout was read"),
        "{error}"
    );
    assert_eq!(
        rows.iter().find(|r| r["status"] == "ok").expect("route")["format"],
        "gpx"
    );
}

#[test]
fn an_export_given_as_its_folder_its_xml_and_a_route_is_read_once() {
    let (alone, _) = inspect(&ios16());
    let export = ios16().join("apple_health_export");
    let out = cramplab()
        .args(["inspect", "--json"])
        .arg(ios16())
        .arg(export.join("export.xml"))
        .arg(export.join("workout-routes/route_2022-10-02_7.15am.gpx"))
        .output()
        .expect("runs");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(rows.len(), alone.len(), "{rows:#?}");
}

#[test]
fn no_output_replaces_a_route_file_of_an_export_even_with_force() {
    // The route file is read as part of its workout, not as a path given:
    // it was not on the list of inputs an output may never replace.
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&ios16(), dir.path());
    let route = dir
        .path()
        .join("apple_health_export/workout-routes/route_2022-10-02_7.15am.gpx");
    let before = std::fs::read(&route).expect("route");
    let out = cramplab()
        .arg("analyze")
        .arg(dir.path())
        .arg("--html")
        .arg(&route)
        .arg("--force")
        .args(FAST_STATS)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("it is one of the inputs"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&route).expect("route"), before);
}

#[test]
fn a_route_named_from_inside_its_workout_routes_folder_is_still_its_workout() {
    let routes = ios16().join("apple_health_export/workout-routes");
    let out = cramplab()
        .current_dir(&routes)
        .args(["inspect", "--json", "route_2022-10-02_7.15am.gpx"])
        .output()
        .expect("runs");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["format"], "apple");
    assert_eq!(rows[0]["has_hr"], true);
}
