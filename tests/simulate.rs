//! `cramplab simulate`: its files are valid for other readers (fitparser,
//! the gpx crate), the command line behaves, and the committed
//! `sample-data/history/` is exactly what the documented command writes.

use std::io::Read;
use std::path::Path;

use assert_cmd::Command;
use chrono::{DateTime, Utc};
use cramplab::simulate::{self, FileFormat, Params, SimRun, Simulation};

/// The one command that builds `sample-data/history/` (also in
/// `sample-data/README.md`).
const HISTORY_ARGS: [&str; 11] = [
    "simulate",
    "--runs",
    "45",
    "--seed",
    "2025",
    "--effect",
    "0.5",
    "--cramp-rate",
    "4",
    "--gzip",
    "--out",
];

fn short_params(formats: Vec<FileFormat>, runs: usize) -> Params {
    let mut p = Params {
        runs,
        formats,
        gzip: true,
        ..Params::default()
    };
    p.runner.duration_min_s = 600.0;
    p.runner.duration_max_s = 900.0;
    p.cramps.rate_per_hour = 6.0;
    p.tags.gpx_waypoint_run_share = 1.0;
    p
}

fn plain_bytes(run: &SimRun) -> Vec<u8> {
    if run.gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(run.bytes.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        run.bytes.clone()
    }
}

fn utc_of(run: &SimRun, t_s: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(run.start_unix_s + t_s as i64, 0).unwrap()
}

#[test]
fn fit_files_decode_in_fitparser_with_the_written_times_and_heart_rates() {
    let sim = simulate::generate(&short_params(vec![FileFormat::Fit], 6), 11).unwrap();
    let mut saw_hr = false;
    for run in &sim.runs {
        let msgs = fitparser::from_bytes(&plain_bytes(run)).unwrap();
        let records: Vec<_> = msgs
            .iter()
            .filter(|m| m.kind() == fitparser::profile::MesgNum::Record)
            .collect();
        assert_eq!(
            records.len(),
            run.recorded.records.len(),
            "{}",
            run.file_name
        );
        for (m, want) in records.iter().zip(&run.recorded.records) {
            let field = |name: &str| m.fields().iter().find(|f| f.name() == name);
            // fitparser renders times in the machine's zone (fitparse-rs#53):
            // converting back to UTC makes the check hold under any TZ.
            let ts = match field("timestamp").map(|f| f.value()) {
                Some(fitparser::Value::Timestamp(t)) => t.with_timezone(&Utc),
                other => panic!("no timestamp: {other:?}"),
            };
            assert_eq!(ts, utc_of(run, want.t_s));
            let hr = match field("heart_rate").map(|f| f.value()) {
                Some(fitparser::Value::UInt8(h)) => Some(*h),
                None => None,
                other => panic!("odd heart rate {other:?}"),
            };
            assert_eq!(hr, want.hr_bpm);
            saw_hr |= hr.is_some();
            let lat = match field("position_lat").map(|f| f.value()) {
                Some(fitparser::Value::SInt32(s)) => *s as f64 * 180.0 / 2f64.powi(31),
                other => panic!("no latitude {other:?}"),
            };
            assert!((lat - want.lat_deg).abs() < 1e-6);
        }
        // rustyfit (which cramplab's reader uses) decodes it too, CRC checked.
        let bytes = plain_bytes(run);
        let mut reader = embedded_io_adapters::std::FromStd::new(bytes.as_slice());
        let fit = rustyfit::Decoder::new()
            .decode(&mut reader)
            .unwrap()
            .unwrap();
        let n = fit
            .messages
            .iter()
            .filter(|m| m.num == rustyfit::profile::typedef::MesgNum::RECORD)
            .count();
        assert_eq!(n, run.recorded.records.len());
        let session = msgs
            .iter()
            .find(|m| m.kind() == fitparser::profile::MesgNum::Session)
            .expect("a session message");
        let sport = session
            .fields()
            .iter()
            .find(|f| f.name() == "sport")
            .unwrap();
        assert_eq!(sport.value().to_string(), "running");
    }
    assert!(saw_hr);
}

#[test]
fn fit_files_carry_the_runners_offset_in_activity_local_timestamp() {
    let sim = simulate::generate(&short_params(vec![FileFormat::Fit], 3), 5).unwrap();
    for run in &sim.runs {
        let msgs = fitparser::from_bytes(&plain_bytes(run)).unwrap();
        let act = msgs
            .iter()
            .find(|m| m.kind() == fitparser::profile::MesgNum::Activity)
            .expect("an activity message");
        let get = |name: &str| {
            act.fields()
                .iter()
                .find(|f| f.name() == name)
                .map(|f| f.value().clone())
        };
        let ts = match get("timestamp") {
            Some(fitparser::Value::Timestamp(t)) => t.timestamp(),
            other => panic!("{other:?}"),
        };
        // local_timestamp counts wall-clock seconds since the FIT epoch
        // (1989-12-31T00:00:00, Unix 631065600). fitparser reads it as a
        // wall-clock time in the machine's zone, so its naive local rendering
        // is the runner's wall clock under any TZ.
        let local = match get("local_timestamp") {
            Some(fitparser::Value::Timestamp(t)) => t.naive_local().and_utc().timestamp(),
            Some(fitparser::Value::UInt32(v)) => v as i64 + 631_065_600,
            other => panic!("{other:?}"),
        };
        assert_eq!(local - ts, run.utc_offset_s as i64, "{}", run.file_name);
    }
}

#[test]
fn gpx_files_read_back_through_the_gpx_crate_with_positions_times_and_waypoints() {
    let sim = simulate::generate(&short_params(vec![FileFormat::Gpx], 5), 3).unwrap();
    let mut waypoints = 0;
    for run in &sim.runs {
        let doc = gpx::read(plain_bytes(run).as_slice()).unwrap();
        let points = &doc.tracks[0].segments[0].points;
        assert_eq!(
            points.len(),
            run.recorded.records.len(),
            "{}",
            run.file_name
        );
        for (p, want) in points.iter().zip(&run.recorded.records) {
            // Written with 7 decimals: within 0.5e-7 degrees.
            assert!((p.point().y() - want.lat_deg).abs() <= 0.6e-7);
            assert!((p.point().x() - want.lon_deg).abs() <= 0.6e-7);
            let t = p.time.unwrap().format().unwrap();
            let t = DateTime::parse_from_rfc3339(&t)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(t, utc_of(run, want.t_s));
        }
        let names: Vec<String> = doc
            .waypoints
            .iter()
            .map(|w| w.name.clone().unwrap())
            .collect();
        let want: Vec<&str> = run.waypoints().iter().map(|w| w.1).collect();
        assert_eq!(names, want);
        waypoints += names.len();
    }
    assert!(
        waypoints > 0,
        "the batch should hold waypoint-tagged cramps"
    );
}

#[test]
fn tcx_files_are_well_formed_xml_with_one_trackpoint_per_sample() {
    let sim = simulate::generate(&short_params(vec![FileFormat::Tcx], 2), 4).unwrap();
    for run in &sim.runs {
        let text = String::from_utf8(plain_bytes(run)).unwrap();
        let mut reader = quick_xml::Reader::from_str(&text);
        let (mut points, mut cadences) = (0, 0);
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Start(e) if e.name().into_inner() == "Trackpoint" => {
                    points += 1
                }
                quick_xml::events::Event::Start(e) if e.name().into_inner() == "ns3:RunCadence" => {
                    cadences += 1
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(points, run.recorded.records.len());
        assert_eq!(cadences, run.recorded.records.len());
        assert!(text.contains("<Activity Sport=\"Running\">"));
    }
}

#[test]
fn truth_lists_every_cramp_and_every_csv_row_matches_a_tagged_cramp() {
    let sim: Simulation =
        simulate::generate(&short_params(vec![FileFormat::Fit, FileFormat::Gpx], 8), 9).unwrap();
    let truth: serde_json::Value = serde_json::from_str(&sim.truth_json).unwrap();
    let cramps = truth["cramps"].as_array().unwrap();
    let total: usize = sim.runs.iter().map(|r| r.track.cramps.len()).sum();
    assert_eq!(cramps.len(), total);
    let csv_rows = sim.cramps_csv.lines().count() - 1;
    let in_csv = cramps
        .iter()
        .filter(|c| ["lap_button", "typed", "fit_lap"].contains(&c["tag_source"].as_str().unwrap()))
        .count();
    assert_eq!(csv_rows, in_csv);
    // Every true end follows its onset.
    for c in cramps {
        assert!(c["end_utc"].as_str().unwrap() > c["onset_utc"].as_str().unwrap());
    }
}

#[test]
fn simulate_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my-run.fit"), b"precious").unwrap();
    Command::cargo_bin("cramplab")
        .unwrap()
        .args(["simulate", "--runs", "1", "--out"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicates::str::contains("not empty"));
    assert_eq!(
        std::fs::read(dir.path().join("my-run.fit")).unwrap(),
        b"precious".to_vec()
    );
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// If this fails, the simulator changed: regenerate the sample data with
/// `cargo run --release -- simulate --runs 45 --seed 2025 --effect 0.5 --gzip --out sample-data/history --force`
/// and commit it (check `sample-data/README.md` still describes it).
#[test]
fn sample_data_history_is_current_else_rerun_the_simulate_command_in_its_readme() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/history");
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/README.md"),
    )
    .unwrap();
    let documented = format!("{} sample-data/history --force", HISTORY_ARGS.join(" "));
    assert!(
        readme.contains(&documented),
        "sample-data/README.md should document `cramplab {documented}`"
    );
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("history");
    Command::cargo_bin("cramplab")
        .unwrap()
        .args(HISTORY_ARGS)
        .arg(&fresh)
        .assert()
        .success();
    let regen = format!(
        "sample-data/history is stale: regenerate it with `cargo run --release -- {documented}` and commit"
    );
    assert_eq!(file_names(&committed), file_names(&fresh), "{regen}");
    for name in file_names(&fresh) {
        let a = std::fs::read(committed.join(&name)).unwrap();
        let b = std::fs::read(fresh.join(&name)).unwrap();
        assert!(a == b, "{name} differs. {regen}");
    }
}

#[test]
fn simulated_files_read_back_through_cramplabs_own_readers_as_simulated() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("cramplab")
        .unwrap()
        .args(["simulate", "--runs", "12", "--seed", "5", "--gzip", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let out = Command::cargo_bin("cramplab")
        .unwrap()
        .env("TZ", "America/New_York")
        .args(["inspect", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("truth.json")).unwrap()).unwrap();
    let runs = truth["runs"].as_array().unwrap();
    assert_eq!(read.as_array().unwrap().len(), runs.len());
    for r in runs {
        let file = r["file"].as_str().unwrap();
        let got = read
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["path"].as_str().unwrap().ends_with(file))
            .unwrap_or_else(|| panic!("{file} not read"));
        assert_eq!(got["status"], "ok", "{file}");
        assert_eq!(got["samples"], r["samples"], "{file}: sample count");
        assert_eq!(got["start_utc"], r["start_utc"], "{file}: start");
        assert_eq!(
            got["has_hr"],
            r["hr_sensor"] != "none",
            "{file}: heart rate"
        );
        assert_eq!(
            got["pauses"].as_u64().unwrap() as usize,
            r["pauses"].as_array().unwrap().len(),
            "{file}: pauses"
        );
        let elapsed = got["elapsed_s"].as_f64().unwrap();
        assert!(
            (elapsed - r["elapsed_s"].as_f64().unwrap()).abs() <= 1.0,
            "{file}: elapsed {elapsed}"
        );
        if r["file_has_offset"] == true {
            assert_eq!(got["utc_offset_s"], r["utc_offset_s"], "{file}: UTC offset");
        }
    }
}
