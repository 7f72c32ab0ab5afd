//! Every real file in the corpus, through the real binary: files the catalog
//! calls `ok` read cleanly with the channels it lists; `unusual` and
//! `corrupt` ones read with warnings or fail with a message naming the file;
//! nothing panics.

use serde_json::Value;

use crate::common::{catalog, corpus, cramplab};

fn inspect_corpus() -> (Vec<Value>, String, i32) {
    let out = cramplab()
        .arg("inspect")
        .arg("--json")
        .arg(corpus())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json: Value = serde_json::from_slice(&out.stdout).expect("inspect --json prints JSON");
    let rows = json.as_array().expect("a JSON array").clone();
    (rows, stderr, out.status.code().unwrap_or(-1))
}

fn rows_for<'a>(rows: &'a [Value], file: &str) -> Vec<&'a Value> {
    rows.iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(file)))
        .collect()
}

#[test]
fn every_corpus_file_is_read_or_refused_with_a_reason_and_nothing_panics() {
    let (rows, stderr, code) = inspect_corpus();
    assert!(!stderr.contains("panicked"), "a reader panicked:\n{stderr}");
    assert!(code == 0 || code == 2, "exit status {code}\n{stderr}");
    let mut problems = Vec::new();
    for row in catalog() {
        let found = rows_for(&rows, &row.file);
        if found.is_empty() {
            problems.push(format!("{}: missing from inspect output", row.file));
            continue;
        }
        for r in &found {
            let status = r["status"].as_str().unwrap_or("?");
            if row.expected.starts_with("ok") && status != "ok" {
                problems.push(format!(
                    "{}: catalog says ok, got {status}: {}",
                    row.file, r["error"]
                ));
            }
            if status != "ok" {
                let err = r["error"].as_str().unwrap_or("");
                let name = row.file.rsplit('/').next().expect("a file name");
                if !err.contains(name) {
                    problems.push(format!("{}: error does not name the file: {err}", row.file));
                }
            }
            if row.expected.starts_with("corrupt") && status == "ok" {
                let warned = r["warnings"].as_array().is_some_and(|w| !w.is_empty());
                if !warned {
                    problems.push(format!(
                        "{}: corrupt file read without any warning",
                        row.file
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn heart_rate_is_found_exactly_where_the_catalog_lists_it() {
    let (rows, _, _) = inspect_corpus();
    let mut problems = Vec::new();
    for row in catalog().iter().filter(|r| r.expected.starts_with("ok")) {
        let expect_hr = row.has_heart_rate.starts_with('y');
        let any_hr = rows_for(&rows, &row.file)
            .iter()
            .any(|r| r["has_hr"] == Value::Bool(true));
        if any_hr != expect_hr {
            problems.push(format!(
                "{}: catalog heart rate {:?}, read has_hr={any_hr}",
                row.file, row.has_heart_rate
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_multisport_fit_gives_one_activity_per_session() {
    let (rows, _, _) = inspect_corpus();
    let sessions = rows_for(&rows, "tormoder-fit__activity-large-fenxi2-multisport.fit");
    assert!(sessions.len() >= 3, "got {} activities", sessions.len());
    assert!(sessions.iter().any(|r| r["sport"] == "running"));
    assert!(sessions.iter().any(|r| r["sport"] == "cycling"));
}

#[test]
fn routes_and_courses_inside_a_folder_are_skipped_not_failed() {
    let (rows, _, _) = inspect_corpus();
    for file in [
        "georust-gpx__strava_route_example.gpx",
        "togeojson__tcx-courses.tcx",
    ] {
        let r = rows_for(&rows, file);
        assert_eq!(r.len(), 1, "{file}");
        assert_eq!(r[0]["status"], "skipped", "{file}: {}", r[0]);
    }
}
