//! Hostile inputs: decompression bombs, nested archives, XML entity tricks,
//! absurdly deep nesting, impossible numbers and dangerous text. Each must be
//! refused or read safely, with a message, and never leak or write anything.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use cramplab::error::IngestError;
use cramplab::ingest::container::{Limits, LoadResult, discover, load};
use serde_json::Value;

use crate::common::cramplab;

const TPX1: &str = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1";

/// One GPX track point at `t` (RFC 3339) with heart rate text `hr`.
fn trkpt(lat: &str, lon: &str, t: &str, hr: &str) -> String {
    format!(
        "<trkpt lat=\"{lat}\" lon=\"{lon}\"><ele>100</ele><time>{t}</time>\
         <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr>\
         </gpxtpx:TrackPointExtension></extensions></trkpt>\n"
    )
}

/// A plausible 10-minute run at 1 Hz, 3 m/s north-east-ish, HR 150, with
/// `doctype` before the root and `extra` inside the first segment's end.
fn gpx_run(doctype: &str, name: &str, extra: &str) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{doctype}\n\
         <gpx version=\"1.1\" creator=\"test\" xmlns=\"http://www.topografix.com/GPX/1/1\" \
         xmlns:gpxtpx=\"{TPX1}\"><trk><name>{name}</name><type>running</type><trkseg>\n"
    );
    for i in 0..600 {
        // 3 m/s north: 3 / 111_195 m per degree of latitude (R = 6371.0088 km).
        let lat = 48.0 + f64::from(i) * 3.0 / 111_195.0;
        let t = format!("2025-03-01T08:{:02}:{:02}Z", i / 60, i % 60);
        s += &trkpt(&format!("{lat:.7}"), "11.0", &t, "150");
    }
    s += extra;
    s += "</trkseg></trk></gpx>\n";
    s
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("compress");
    e.finish().expect("compress")
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        w.write_all(bytes).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn small_limits() -> Limits {
    Limits {
        max_entry_bytes: 1024 * 1024,
        max_zip_depth: 3,
    }
}

fn load_all(path: &Path, limits: &Limits) -> Vec<cramplab::ingest::container::Loaded> {
    let d = discover(&[path.to_path_buf()]);
    assert!(d.failures.is_empty(), "{:?}", d.failures);
    d.sources.iter().flat_map(|s| load(s, limits)).collect()
}

fn is_too_large(o: &LoadResult) -> bool {
    matches!(o, LoadResult::Failed(IngestError::TooLarge { .. }))
}

#[test]
fn a_gzip_inflating_past_the_limit_is_refused_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bomb.gpx.gz");
    // 8 MiB of zeros compress to a few KiB and inflate 8x past the limit.
    std::fs::write(&path, gzip(&vec![0u8; 8 * 1024 * 1024])).expect("write");
    let loaded = load_all(&path, &small_limits());
    assert_eq!(loaded.len(), 1);
    assert!(is_too_large(&loaded[0].result), "{:?}", loaded[0].result);
    let LoadResult::Failed(e) = &loaded[0].result else {
        unreachable!()
    };
    assert!(
        e.to_string().contains("bomb.gpx.gz") && e.to_string().contains("limit"),
        "{e}"
    );
}

#[test]
fn a_zip_entry_inflating_past_the_limit_is_refused_and_its_siblings_still_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.zip");
    let run = gpx_run("", "ok", "");
    let zeros = vec![b' '; 8 * 1024 * 1024];
    std::fs::write(
        &path,
        zip_of(&[("a/run.gpx", run.as_bytes()), ("b/bomb.gpx", &zeros)]),
    )
    .expect("write");
    let loaded = load_all(&path, &small_limits());
    let bomb = loaded
        .iter()
        .find(|l| l.display.ends_with("bomb.gpx"))
        .expect("the bomb entry is listed");
    assert!(is_too_large(&bomb.result), "{:?}", bomb.result);
    let good = loaded
        .iter()
        .find(|l| l.display.ends_with("run.gpx"))
        .expect("the good entry is listed");
    assert!(matches!(&good.result, LoadResult::Read(a) if a[0].samples.len() == 600));
}

#[test]
fn a_gzip_inside_a_zip_inflating_past_the_limit_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.zip");
    let bomb = gzip(&vec![0u8; 8 * 1024 * 1024]);
    std::fs::write(&path, zip_of(&[("bomb.fit.gz", &bomb)])).expect("write");
    let loaded = load_all(&path, &small_limits());
    assert!(is_too_large(&loaded[0].result), "{:?}", loaded[0].result);
}

#[test]
fn zips_nested_forty_deep_are_refused_past_the_depth_limit_without_overflow() {
    let mut z = zip_of(&[("run.gpx", gpx_run("", "deep", "").as_bytes())]);
    for _ in 0..40 {
        z = zip_of(&[("inner.zip", &z)]);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("deep.zip");
    std::fs::write(&path, z).expect("write");
    let loaded = load_all(&path, &small_limits());
    assert!(
        loaded
            .iter()
            .all(|l| !matches!(l.result, LoadResult::Read(_))),
        "nothing past the depth limit is read"
    );
    assert!(loaded.iter().any(|l| matches!(
        &l.result,
        LoadResult::Failed(IngestError::Archive { reason, .. }) if reason.contains("nested deeper than 3")
    )));
}

#[test]
fn a_real_600_mb_gzip_bomb_is_refused_by_the_binary_with_exit_status_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bomb.gpx.gz");
    // Stream 600 MiB of zeros through the encoder in 1 MiB blocks (about
    // 600 KiB compressed): past the default 512 MB limit (docs/METHOD.md §2).
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).expect("create"),
        flate2::Compression::fast(),
    );
    let block = vec![0u8; 1024 * 1024];
    for _ in 0..600 {
        e.write_all(&block).expect("compress");
    }
    e.finish().expect("finish");
    assert!(std::fs::metadata(&path).expect("meta").len() < 8 * 1024 * 1024);
    let out = cramplab()
        .args(["analyze", "--json"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let file = &json["files"][0];
    assert_eq!(file["status"], "error", "{file}");
    let reason = file["error"].as_str().unwrap_or_default();
    assert!(reason.contains("512 MB limit"), "{reason}");
}

/// The classic "billion laughs": ten levels of ten references each.
fn billion_laughs() -> String {
    let mut d = String::from("<!DOCTYPE gpx [\n<!ENTITY lol0 \"lol\">\n");
    for i in 1..10 {
        let refs = format!("&lol{};", i - 1).repeat(10);
        d += &format!("<!ENTITY lol{i} \"{refs}\">\n");
    }
    d += "]>";
    d
}

#[test]
fn billion_laughs_is_not_expanded_and_the_track_reads_unchanged() {
    let doc = gpx_run(
        &billion_laughs(),
        "&lol9;",
        &trkpt("48.1", "11.0", "2025-03-01T08:10:00Z", "&lol9;"),
    );
    let started = std::time::Instant::now();
    let acts = cramplab::ingest::read_any("laughs.gpx", doc.as_bytes()).expect("reads");
    assert!(
        started.elapsed().as_secs() < 5,
        "took {:?}",
        started.elapsed()
    );
    let s = &acts[0].samples;
    assert_eq!(s.len(), 601);
    let hr = s.hr_bpm.as_ref().expect("hr");
    assert!(hr[..600].iter().all(|&v| v == 150.0));
    assert!(hr[600].is_nan(), "the entity is not a number: {}", hr[600]);
    assert!(
        acts[0].warnings.iter().any(|w| w.contains("entit")),
        "an unexpanded entity is reported: {:?}",
        acts[0].warnings
    );
}

#[test]
fn an_external_entity_is_never_fetched_and_its_content_never_appears_in_the_output() {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let doctype = "<!DOCTYPE gpx [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";
    let doc = gpx_run(
        doctype,
        "&xxe;",
        &trkpt("48.1", "11.0", "2025-03-01T08:10:00Z", "&xxe;"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("xxe.gpx");
    std::fs::write(&path, &doc).expect("write");
    let acts = cramplab::ingest::read_any("xxe.gpx", doc.as_bytes()).expect("reads");
    assert_eq!(acts[0].samples.len(), 601);
    let hr = acts[0].samples.hr_bpm.as_ref().expect("hr");
    assert!(hr[..600].iter().all(|&v| v == 150.0));
    for args in [vec!["analyze", "--json"], vec!["inspect", "--json"]] {
        let out = cramplab().args(&args).arg(&path).output().expect("run");
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            !text.contains("root:"),
            "{args:?} leaked /etc/passwd: {text}"
        );
        if let Some(first) = passwd.lines().next().filter(|l| l.len() > 8) {
            assert!(!text.contains(first), "{args:?} leaked /etc/passwd");
        }
    }
}

#[test]
fn elements_nested_two_hundred_thousand_deep_do_not_overflow_the_stack() {
    let depth = 200_000;
    let deep = format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth));
    let doc = gpx_run("", "deep", &format!("<extensions>{deep}</extensions>"));
    // Run on a thread with a small stack: recursion per level would overflow.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            cramplab::ingest::read_any("deep.gpx", doc.as_bytes())
                .map(|a| (a[0].samples.len(), a[0].warnings.join("\n")))
        })
        .expect("spawn");
    let (points, warnings) = handle
        .join()
        .expect("no panic or overflow")
        .expect("the points before the nesting are kept");
    assert_eq!(points, 600);
    // Reading stops at 65,535 open elements, as quick-xml's NsReader does,
    // rather than growing its stacks with the document.
    assert!(
        warnings.contains("deeper than the supported limit"),
        "{warnings}"
    );
    // Unclosed nesting (a cut file) is a clean error or a partial read.
    let open = format!(
        "{}{}",
        gpx_run("", "deep", "").replace("</trkseg></trk></gpx>\n", ""),
        "<x>".repeat(depth)
    );
    let r = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || cramplab::ingest::read_any("open.gpx", open.as_bytes()).is_ok())
        .expect("spawn")
        .join();
    assert!(r.is_ok(), "no panic on unclosed nesting");
    // TCX too.
    let tcx = format!(
        "<?xml version=\"1.0\"?><TrainingCenterDatabase xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\">{}{}</TrainingCenterDatabase>",
        "<x>".repeat(depth),
        "</x>".repeat(depth)
    );
    let r = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || cramplab::ingest::read_any("deep.tcx", tcx.as_bytes()).is_ok())
        .expect("spawn")
        .join();
    assert!(r.is_ok(), "no panic on deep TCX");
}

/// A run whose points carry impossible values: NaN and infinite numbers,
/// heart rate 0 and 255, 100 m/s jumps, and time going backwards.
fn absurd_run() -> String {
    let mut extra = String::new();
    extra += &trkpt("NaN", "11.0", "2025-03-01T08:10:00Z", "NaN");
    extra += &trkpt("48.1", "inf", "2025-03-01T08:10:01Z", "inf");
    extra += &trkpt("48.1", "11.0", "2025-03-01T08:10:02Z", "0");
    extra += &trkpt("48.1", "11.0", "2025-03-01T08:10:03Z", "255");
    extra += &trkpt("-INF", "1e308", "2025-03-01T08:10:04Z", "-1e308");
    // 100 m/s: 0.0009 degrees of latitude (100 m) in one second.
    extra += &trkpt("48.1009", "11.0", "2025-03-01T08:10:05Z", "150");
    extra += &trkpt("48.1", "11.0", "2025-03-01T08:05:00Z", "150");
    gpx_run("", "absurd", &extra)
}

#[test]
fn timestamps_in_1989_and_2100_are_kept_by_the_reader_and_the_run_is_listed_not_analysed() {
    let mut extra = String::new();
    extra += &trkpt("48.1", "11.0", "1989-01-01T00:00:00Z", "150");
    extra += &trkpt("48.1", "11.0", "2100-01-01T00:00:00Z", "150");
    let doc = gpx_run("", "clock", &extra);
    let acts = cramplab::ingest::read_any("clock.gpx", doc.as_bytes()).expect("reads");
    assert_eq!(acts[0].samples.len(), 602, "the reader drops nothing");
    assert!(
        acts[0].warnings.iter().any(|w| w.contains("backwards")),
        "{:?}",
        acts[0].warnings
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("clock.gpx"), doc).expect("write");
    std::fs::write(
        dir.path().join("cramps.csv"),
        "file,start,muscle
clock.gpx,2025-03-01T08:05:00Z,calf
",
    )
    .expect("write");
    let started = std::time::Instant::now();
    let out = cramplab()
        .args(["analyze", "--json"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let f = &json["files"][0];
    assert_eq!(f["status"], "skipped", "{f}");
    assert!(
        f["error"].as_str().is_some_and(|e| e.contains("days")),
        "{f}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("NaN"));
}

#[test]
fn impossible_numbers_are_flagged_with_warnings_and_never_become_nan_in_the_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("absurd.gpx");
    std::fs::write(&path, absurd_run()).expect("write");
    let acts = cramplab::ingest::read_any("absurd.gpx", absurd_run().as_bytes()).expect("reads");
    let a = &acts[0];
    assert!(
        a.warnings.iter().any(|w| w.contains("heart rate")),
        "{:?}",
        a.warnings
    );
    assert!(a.warnings.len() >= 2, "{:?}", a.warnings);
    assert!(a.samples.elapsed_s.iter().all(|t| t.is_finite()));
    assert!(
        a.warnings.iter().any(|w| w.contains("backwards")),
        "{:?}",
        a.warnings
    );
    let tags = dir.path().join("cramps.csv");
    std::fs::write(
        &tags,
        "file,start,end,muscle\nabsurd.gpx,+5:00,+6:00,calf\n",
    )
    .expect("write");
    for sub in [["analyze", "--json"], ["inspect", "--json"]] {
        let out = cramplab().args(sub).arg(dir.path()).output().expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        let json: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{sub:?}: {e}: {text}"));
        for bad in ["NaN", "Infinity", "inf"] {
            assert!(!text.contains(bad), "{sub:?} printed {bad}: {text}");
        }
        assert!(json.is_object() || json.is_array());
    }
}

#[test]
fn a_file_with_impossible_values_leaves_the_other_files_statistics_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Same folder name in both: placebo moments are seeded by the path.
    let clean = dir.path().join("clean/batch");
    cramplab()
        .args(["simulate", "--runs", "12", "--seed", "9", "--out"])
        .arg(&clean)
        .assert()
        .success();
    let with = dir.path().join("with/batch");
    copy_dir(&clean, &with);
    std::fs::write(with.join("zz-absurd.gpx"), absurd_run()).expect("write");
    let run = |p: &Path| -> Value {
        let out = cramplab()
            .current_dir(p.parent().expect("parent"))
            .args([
                "analyze",
                "--json",
                "--bootstrap",
                "199",
                "--permutations",
                "199",
                "batch",
            ])
            .output()
            .expect("run");
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    let (a, b) = (run(&clean), run(&with));
    assert_same_cramps(&a["cramps"], &b["cramps"]);
    // The absurd file is still a readable 10-minute run, so its random
    // placebo moments rightly join the placebo rate; every cramp statistic
    // must be untouched.
    let without_placebo = |v: &Value| {
        let mut v = v.clone();
        strip_key(&mut v, "placebo_slowed_pct");
        v
    };
    assert_eq!(
        without_placebo(&a["comparison"]),
        without_placebo(&b["comparison"])
    );
    let absurd = b["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| {
            f["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("zz-absurd.gpx"))
        })
        .expect("listed");
    assert!(
        !absurd["warnings"].as_array().expect("warnings").is_empty(),
        "{absurd}"
    );
}

/// Cramps with the folder part of `file` and `tag_source` removed, to
/// compare batches read from different copies of a folder.
pub fn strip_paths(cramps: &Value) -> Value {
    let mut c = cramps.clone();
    if let Some(arr) = c.as_array_mut() {
        for x in arr {
            for key in ["file", "tag_source"] {
                if let Some(f) = x[key].as_str() {
                    let base = f.rsplit(['/', '\\']).next().unwrap_or(f).to_string();
                    x[key] = Value::String(base);
                }
            }
        }
    }
    c
}

/// The two `cramps[]` are equal but for folders; on failure, say which
/// cramp differs first instead of printing hundreds of them.
pub fn assert_same_cramps(a: &Value, b: &Value) {
    let (a, b) = (strip_paths(a), strip_paths(b));
    let (a, b) = (
        a.as_array().expect("cramps[]"),
        b.as_array().expect("cramps[]"),
    );
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x, y, "first differing cramp");
    }
    assert_eq!(a.len(), b.len(), "cramp counts differ");
}

/// Remove `key` from every object inside `v`.
fn strip_key(v: &mut Value, key: &str) {
    match v {
        Value::Object(m) => {
            m.remove(key);
            m.values_mut().for_each(|x| strip_key(x, key));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| strip_key(x, key)),
        _ => {}
    }
}

/// Copy a flat folder.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

/// Every file under `dir` (recursively), sorted.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir_list(dir);
    out.sort();
    out
}

fn walkdir_list(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walkdir_list(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn dangerous_names_notes_and_muscles_round_trip_exactly_through_the_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let name = "<script>alert(1)<\\script> \"q\" ,=cmd.gpx";
    let note = "=HYPERLINK(\"http://x\") \u{2028} <b>&amp;</b>";
    let muscle = "</script><img src=x onerror=alert(1)>";
    std::fs::write(data.join(name), gpx_run("", "x", "")).expect("write");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["file", "start", "end", "muscle", "note"])
        .expect("csv");
    w.write_record([name, "+5:00", "+5:45", muscle, note])
        .expect("csv");
    std::fs::write(data.join("cramps.csv"), w.into_inner().expect("csv")).expect("write");
    let before = tree(dir.path());
    let out = cramplab()
        .current_dir(dir.path())
        .args(["analyze", "--json"])
        .arg(&data)
        .output()
        .expect("run");
    let json: Value = serde_json::from_slice(&out.stdout).expect("valid JSON whatever the text");
    let cramp = &json["cramps"][0];
    assert_eq!(cramp["muscle"], muscle, "{json}");
    assert_eq!(cramp["note"], note);
    assert!(
        cramp["file"].as_str().is_some_and(|f| f.ends_with(name)),
        "{cramp}"
    );
    assert!(
        json["files"][0]["path"]
            .as_str()
            .is_some_and(|f| f.ends_with(name))
    );
    // Nothing written beside the inputs or in the working folder.
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn a_file_spanning_weeks_is_listed_but_not_analysed_as_one_run() {
    // One point every 40 h for 20 days: no gap long enough to be a wrong
    // clock, but 480 h of 1 Hz timeline is no run.
    let mut pts = String::new();
    for i in 0..13 {
        let h = i * 40;
        let t = format!("2025-03-{:02}T{:02}:00:00Z", 1 + h / 24, h % 24);
        pts += &trkpt("48.1", "11.0", &t, "150");
    }
    let doc = gpx_run("", "weeks", "").replace("</trkseg>", &format!("{pts}</trkseg>"));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("weeks.gpx"), doc).expect("write");
    let out = cramplab()
        .args(["analyze", "--json"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let f = &json["files"][0];
    assert_eq!(f["status"], "skipped", "{f}");
    assert!(
        f["error"]
            .as_str()
            .is_some_and(|e| e.contains("spans 20 days")),
        "{f}"
    );
}
