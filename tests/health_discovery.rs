//! Health-app exports as people hand them over (DESIGN §6): the unpacked
//! folder, the zip, or one file; the export's other files passed over
//! quietly; tags naming a session by its file.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{FAST_STATS, corpus, cramplab, zip_dir};

fn sample(dir: &str, name: &str) -> PathBuf {
    corpus().join("health-apps").join(dir).join(name)
}

const RT: &str =
    "fcrespel-runtastic-export-converter__src__test__resources__me__crespel__runtastic__";

/// An adidas Running export tree as the app's zip unpacks, from the real
/// files of one session (and the export's other files).
fn runtastic_export(root: &Path) {
    let put = |rel: &str, from: &str| {
        let dest = root.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(sample("runtastic", &format!("{RT}{from}")), dest).expect("copy");
    };
    put("Sport-sessions/abc-123.json", "SportSession.json");
    put("Sport-sessions/GPS-data/abc-123.json", "GpsData.json");
    put(
        "Sport-sessions/Heart-rate-data/abc-123.json",
        "HeartRateData.json",
    );
    put("Shoes/s1.json", "Shoe.json");
    put("user.json", "user.json");
    put("Photos/meta.json", "ImagesMetaData.json");
    put("Photos/albums.json", "SportSessionAlbums.json");
}

fn inspect(path: &Path) -> (Vec<Value>, String, i32) {
    let out = cramplab()
        .args(["inspect", "--json"])
        .arg(path)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON for {}: {e}: {stderr}", path.display()));
    (
        v.as_array().expect("array").clone(),
        stderr,
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn an_adidas_running_export_gives_one_run_per_session_with_gps_and_heart_rate_joined() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("export");
    runtastic_export(&tree);
    let zip_path = dir.path().join("export.zip");
    zip_dir(&tree, &zip_path, false);
    // The session's facts from its own files: 999 GPS samples and 994
    // heart-rate samples (CATALOG.tsv), on one clock of +02:00 stamps.
    let gps: Value = serde_json::from_slice(
        &std::fs::read(tree.join("Sport-sessions/GPS-data/abc-123.json")).expect("gps"),
    )
    .expect("JSON");
    assert_eq!(gps.as_array().map(Vec::len), Some(999));
    for (path, prefix) in [
        (&tree, tree.display().to_string()),
        (&zip_path, zip_path.display().to_string()),
    ] {
        let (rows, stderr, code) = inspect(path);
        assert_eq!(code, 0, "{stderr}");
        // Shoes, the user file and the photos' metadata are not mentioned.
        assert_eq!(rows.len(), 1, "{rows:#?}");
        assert!(stderr.is_empty(), "{stderr}");
        let r = &rows[0];
        assert_eq!(r["path"], format!("{prefix}/Sport-sessions/abc-123.json"));
        assert_eq!(r["format"], "runtastic");
        assert_eq!(r["sport"], "running");
        assert_eq!(r["has_gps"], true);
        assert_eq!(r["has_hr"], true);
        assert_eq!(r["utc_offset_s"], 7200);
        assert_eq!(r["start_utc"], "2018-09-01T09:28:34Z");
    }
    // A lone GPS part with its session missing is passed over with why.
    std::fs::remove_file(tree.join("Sport-sessions/abc-123.json")).expect("rm");
    let out = cramplab().arg("inspect").arg(&tree).output().expect("runs");
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("whose session file"), "{text}");
}

#[test]
fn a_tag_names_an_adidas_running_session_by_its_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("export");
    runtastic_export(&tree);
    std::fs::write(
        tree.join("cramps.csv"),
        "file,start,end,severity\nabc-123.json,+20:00,+20:45,2\n",
    )
    .expect("tags");
    let out = cramplab()
        .args(["analyze", "--json"])
        .args(FAST_STATS)
        .arg(&tree)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cramps = v["cramps"].as_array().expect("cramps");
    assert_eq!(cramps.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        cramps[0]["file"]
            .as_str()
            .expect("file")
            .ends_with("Sport-sessions/abc-123.json")
    );
    // 20:00 after the session's first sample (11:28:34 +02:00).
    assert_eq!(cramps[0]["start_utc"], "2018-09-01T09:48:34Z");
}

#[test]
fn a_polar_session_is_found_among_other_json_in_a_folder_and_a_zip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("polar-user-data-export");
    std::fs::create_dir_all(&tree).expect("mkdir");
    std::fs::copy(
        sample("polar", "AlexanderFabisch-slither__test_data__running.json"),
        tree.join("training-session-2017-01-23-1234567-abcd.json"),
    )
    .expect("copy");
    std::fs::write(
        tree.join("account-data.json"),
        b"{\"username\":\"x\",\"firstName\":\"A\"}",
    )
    .expect("other");
    let zip_path = dir.path().join("polar.zip");
    zip_dir(&tree, &zip_path, false);
    for path in [&tree, &zip_path] {
        let (rows, stderr, code) = inspect(path);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(rows.len(), 1, "{rows:#?}");
        assert_eq!(rows[0]["format"], "polar");
        assert!(
            rows[0]["path"]
                .as_str()
                .expect("path")
                .ends_with("training-session-2017-01-23-1234567-abcd.json")
        );
    }
}

#[test]
fn huawei_hitrack_files_are_found_in_a_folder_by_their_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = dir.path().join("com.huawei.health/files");
    std::fs::create_dir_all(&files).expect("mkdir");
    let name = "HiTrack_1551732120000155173259000030001";
    std::fs::copy(
        sample(
            "huawei",
            &format!("aricooperdavis-Huawei-TCX-Converter__Examples__{name}"),
        ),
        files.join(name),
    )
    .expect("copy");
    std::fs::write(files.join("settings.dat"), b"\x00\x01").expect("other");
    let (rows, stderr, code) = inspect(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["format"], "huawei");
    // The file records no offset: local tag times need --tz.
    assert_eq!(rows[0]["utc_offset_s"], Value::Null);
}

#[test]
fn a_cohort_of_runners_each_with_a_health_app_export_reads_each_runner_s_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cohort = dir.path().join("club");
    // Anna hands in her Apple export.zip, Ben his unpacked adidas export.
    std::fs::create_dir_all(cohort.join("anna")).expect("mkdir");
    zip_dir(
        &crate::common::root().join("tests/fixtures/health-apps/apple-ios16"),
        &cohort.join("anna/export.zip"),
        false,
    );
    runtastic_export(&cohort.join("ben"));
    let out = cramplab()
        .args(["analyze", "--json", "--cohort"])
        .arg(&cohort)
        .args(FAST_STATS)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let runners = v["runners"].as_array().expect("runners");
    assert_eq!(runners.len(), 2, "{v:#}");
    let files = v["files"].as_array().expect("files");
    let formats = |runner: &str| -> Vec<String> {
        files
            .iter()
            .filter(|f| f["runner"] == runner && f["status"] == "ok")
            .map(|f| f["format"].as_str().unwrap_or("").to_string())
            .collect()
    };
    // Anna: the run with a route and the run whose route is missing (her
    // walk is another sport); Ben: his one session.
    assert_eq!(formats("anna"), ["apple", "apple"], "{files:#?}");
    assert_eq!(formats("ben"), ["runtastic"], "{files:#?}");
}
