//! Damage on purpose: every real corpus file, cut short and with bytes
//! flipped, and small FIT files mangled many times over, must read as
//! activities (maybe with warnings) or a clean error that names the file —
//! never a panic — and a cut FIT must keep the records before the cut.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use cramplab::activity::Activity;
use cramplab::error::IngestError;
use cramplab::ingest::{fit, huawei, polar, read_any, runtastic};
use rand::{Rng, SeedableRng};

use crate::common::corpus;

/// Every activity file of the corpus, sorted, with its bytes.
fn corpus_files() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["fit", "gpx", "tcx"] {
        let dir = corpus().join(sub);
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("corpus folder readable")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for p in paths {
            let name = format!("{sub}/{}", p.file_name().expect("name").to_string_lossy());
            out.push((name, std::fs::read(&p).expect("corpus file readable")));
        }
    }
    assert!(
        out.len() >= 40,
        "expected the whole corpus, got {}",
        out.len()
    );
    out
}

/// A reader under test: `read_any` or one format's `read`.
type Read = fn(&str, &[u8]) -> Result<Vec<Activity>, IngestError>;

/// Read `bytes` as `name`, turning a panic into a description of the case.
fn read_without_panic(
    read: Read,
    name: &str,
    case: &str,
    bytes: &[u8],
) -> Result<Result<Vec<Activity>, IngestError>, String> {
    catch_unwind(AssertUnwindSafe(|| read(name, bytes))).map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{name} ({case}): panicked: {msg}")
    })
}

/// Deterministic xorshift64 (Marsaglia 2003, "Xorshift RNGs", shifts 13/7/17)
/// so the flipped offsets are the same on every run.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn sample_count(acts: &[Activity]) -> usize {
    acts.iter().map(|a| a.samples.len()).sum()
}

/// No activity may carry a non-finite value out of the reader, damaged or not.
fn assert_finite(name: &str, case: &str, acts: &[Activity]) -> Result<(), String> {
    for a in acts {
        let s = &a.samples;
        let channels = [
            Some(&s.elapsed_s),
            s.lat_deg.as_ref(),
            s.lon_deg.as_ref(),
            s.altitude_m.as_ref(),
            s.distance_m.as_ref(),
            s.speed_mps.as_ref(),
            s.hr_bpm.as_ref(),
            s.cadence_spm.as_ref(),
            s.temperature_c.as_ref(),
            s.power_w.as_ref(),
        ];
        // Blanked values are NaN by design (TrackBuilder), so only the time
        // axis must be finite; other channels must never be infinite.
        if s.elapsed_s.iter().any(|t| !t.is_finite()) {
            return Err(format!("{name} ({case}): non-finite elapsed_s"));
        }
        if channels
            .iter()
            .flatten()
            .any(|v| v.iter().any(|x| x.is_infinite()))
        {
            return Err(format!("{name} ({case}): an infinite sample value"));
        }
    }
    Ok(())
}

/// One damaged case: no panic, no non-finite value out of the reader, and an
/// error, if any, that names the file.
fn reads_or_fails_cleanly(read: Read, name: &str, case: &str, bytes: &[u8]) -> Result<(), String> {
    match read_without_panic(read, name, case, bytes)? {
        Ok(acts) => assert_finite(name, case, &acts),
        Err(e) if e.to_string().contains(name) => Ok(()),
        Err(e) => Err(format!("{name} ({case}): error without the file name: {e}")),
    }
}

/// The damaged copies of one file: empty, its first `header_len` bytes,
/// cut at 10/50/90 %, eight single flipped bytes, and 512 random bytes at a
/// third of the way in (a bad sector). Seeded by the file's length, so the
/// same on every run.
fn damaged_copies(bytes: &[u8], header_len: usize) -> Vec<(String, Vec<u8>)> {
    let n = bytes.len();
    let mut damaged: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("header only".into(), bytes[..header_len.min(n)].to_vec()),
    ];
    for pct in [10, 50, 90] {
        damaged.push((format!("cut at {pct} %"), bytes[..n * pct / 100].to_vec()));
    }
    let mut state = 0x9E37_79B9_7F4A_7C15 ^ n as u64;
    for _ in 0..8 {
        let at = (xorshift(&mut state) % n.max(1) as u64) as usize;
        let mut b = bytes.to_vec();
        if let Some(byte) = b.get_mut(at) {
            *byte ^= (xorshift(&mut state) % 255 + 1) as u8;
        }
        damaged.push((format!("byte flipped at {at}"), b));
    }
    let mut b = bytes.to_vec();
    let start = n / 3;
    for byte in b.iter_mut().skip(start).take(512) {
        *byte = (xorshift(&mut state) & 0xff) as u8;
    }
    damaged.push((format!("512 random bytes at {start}"), b));
    damaged
}

#[test]
fn cut_and_bit_flipped_corpus_files_read_or_fail_cleanly_without_panicking() {
    let mut failures = Vec::new();
    let mut cases = 0usize;
    for (name, bytes) in corpus_files() {
        let header_len = if name.starts_with("fit/") {
            14
        } else {
            // The XML declaration and the root element's opening.
            200
        };
        for (case, b) in damaged_copies(&bytes, header_len) {
            cases += 1;
            if let Err(e) = reads_or_fails_cleanly(read_any, &name, &case, &b) {
                failures.push(e);
            }
        }
    }
    assert!(cases > 500, "only {cases} damaged cases ran");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every Polar, adidas Running and HiTrack file of the health-app corpus
/// (`polar/…`, …), sorted, with its bytes and its own reader.
fn health_app_files() -> Vec<(String, Vec<u8>, Read)> {
    let mut out: Vec<(String, Vec<u8>, Read)> = Vec::new();
    for (sub, read) in [
        ("polar", polar::read as Read),
        ("runtastic", runtastic::read as Read),
        ("huawei", huawei::read as Read),
    ] {
        let dir = corpus().join("health-apps").join(sub);
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("corpus folder readable")
            .map(|e| e.expect("dir entry").path())
            .collect();
        paths.sort();
        for p in paths {
            let name = format!("{sub}/{}", p.file_name().expect("name").to_string_lossy());
            out.push((name, std::fs::read(&p).expect("corpus file readable"), read));
        }
    }
    assert_eq!(out.len(), 13, "1 Polar, 8 adidas Running, 4 HiTrack files");
    out
}

/// The real adidas Running session's three files (session, GPS, heart rate).
fn real_session() -> &'static (Vec<u8>, Vec<u8>, Vec<u8>) {
    static FILES: std::sync::OnceLock<(Vec<u8>, Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let read = |n: &str| {
            std::fs::read(corpus().join(format!(
                "health-apps/runtastic/fcrespel-runtastic-export-converter__src__test__resources__me__crespel__runtastic__{n}"
            )))
            .expect("corpus file readable")
        };
        (read("SportSession.json"), read("GpsData.json"), read("HeartRateData.json"))
    })
}

/// The real session joined with damaged GPS data (`name` is the session's).
fn session_with_damaged_gps(name: &str, gps: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let (session, _, hr) = real_session();
    runtastic::read_session(
        name,
        session,
        Some(("GPS-data/x.json", gps)),
        Some(("Heart-rate-data/x.json", hr)),
    )
}

/// The real session joined with damaged heart-rate data and no GPS data.
fn session_with_damaged_hr(name: &str, hr: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let (session, _, _) = real_session();
    runtastic::read_session(name, session, None, Some(("Heart-rate-data/x.json", hr)))
}

/// A damaged session with its real GPS and heart-rate data.
fn damaged_session(name: &str, session: &[u8]) -> Result<Vec<Activity>, IngestError> {
    let (_, gps, hr) = real_session();
    runtastic::read_session(
        name,
        session,
        Some(("GPS-data/x.json", gps)),
        Some(("Heart-rate-data/x.json", hr)),
    )
}

#[test]
fn cut_and_bit_flipped_health_app_files_read_or_fail_cleanly_without_panicking() {
    let mut failures = Vec::new();
    let mut cases = 0usize;
    let (session, gps, hr) = real_session();
    let mut inputs: Vec<(String, Vec<u8>, Vec<Read>)> = health_app_files()
        .into_iter()
        .map(|(name, bytes, read)| (name, bytes, vec![read, read_any as Read]))
        .collect();
    // The session join, one of its three files damaged at a time; the name
    // is the session's, which every error must carry.
    let s = "runtastic/Sport-sessions/x.json".to_string();
    inputs.push((
        s.clone(),
        gps.clone(),
        vec![session_with_damaged_gps as Read],
    ));
    inputs.push((s.clone(), hr.clone(), vec![session_with_damaged_hr as Read]));
    inputs.push((s, session.clone(), vec![damaged_session as Read]));
    for (name, bytes, readers) in inputs {
        for (case, b) in damaged_copies(&bytes, 200) {
            for read in &readers {
                cases += 1;
                if let Err(e) = reads_or_fails_cleanly(*read, &name, &case, &b) {
                    failures.push(e);
                }
            }
        }
    }
    // 13 files × 14 copies × 2 readers, and 3 × 14 joins.
    assert_eq!(cases, 13 * 14 * 2 + 3 * 14);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_hitrack_or_polar_file_cut_at_ninety_percent_keeps_most_of_its_samples() {
    // HiTrack is read line by line, so a cut keeps every whole line before
    // it; Polar is one JSON document, so a cut copy is refused, not half read.
    for (name, bytes, read) in health_app_files() {
        let Ok(whole) = read(&name, &bytes) else {
            continue;
        };
        let cut = &bytes[..bytes.len() * 9 / 10];
        match (name.split('/').next(), read(&name, cut)) {
            (Some("huawei"), Ok(acts)) => {
                let (kept, all) = (sample_count(&acts), sample_count(&whole));
                // Records are grouped by type, so a cut can take a whole
                // type's tail (heart rate last): a half at least survives.
                assert!(2 * kept >= all, "{name}: kept {kept} of {all}");
            }
            (Some("huawei"), Err(e)) => panic!("{name}: the 90 % cut was refused: {e}"),
            (Some("polar"), r) => assert!(
                matches!(r, Err(IngestError::Malformed { .. })),
                "{name}: a cut JSON document is malformed"
            ),
            _ => {}
        }
    }
}

#[test]
fn small_fit_files_with_many_damages_at_once_read_or_fail_cleanly_without_panicking() {
    // Seeded damage, one to seven hits per case, mixing flipped bytes, cuts
    // and inserted bytes (which shift every later message): 150 cases for each
    // small FIT file, through the FIT reader itself. The fixed cuts and single
    // flips above never insert a byte or combine damages.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_260_503);
    let mut failures = Vec::new();
    let mut cases = 0usize;
    for file in [
        "python-fitparse__antfs-dump.63.fit",
        "tormoder-fit__unterminated-strings.fit",
        "python-fitparse__garmin-fenix-5-run.fit",
        "python-fitparse__elemnt-bolt-no-application-id-inside-developer-data-id.fit",
        "python-fitparse__event_timestamp.fit",
        "python-fitparse__compressed-speed-distance.fit",
    ] {
        let name = format!("fit/{file}");
        let good = std::fs::read(corpus().join(&name)).expect("corpus file readable");
        for k in 0..150 {
            let mut b = good.clone();
            for _ in 0..rng.random_range(1..8) {
                let i = rng.random_range(0..b.len());
                match rng.random_range(0..3) {
                    0 => b[i] = rng.random(),
                    1 => b.truncate(i.max(1)),
                    _ => b.insert(i, rng.random()),
                }
            }
            cases += 1;
            if let Err(e) = reads_or_fails_cleanly(fit::read, &name, &format!("mangled #{k}"), &b) {
                failures.push(e);
            }
        }
    }
    assert_eq!(cases, 900);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_fit_file_cut_at_ninety_percent_keeps_at_least_eighty_percent_of_its_samples() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, bytes) in corpus_files() {
        if !name.starts_with("fit/") {
            continue;
        }
        let Ok(intact) = read_any(&name, &bytes) else {
            continue;
        };
        let whole = sample_count(&intact);
        // Files too small for a 10 % cut to be meaningful are skipped.
        if whole < 50 {
            continue;
        }
        let cut = &bytes[..bytes.len() * 9 / 10];
        let kept = match read_any(&name, cut) {
            Ok(acts) => sample_count(&acts),
            Err(e) => {
                failures.push(format!("{name}: the 90 % cut was refused: {e}"));
                continue;
            }
        };
        checked += 1;
        // Records are spread through the data section, so 90 % of the bytes
        // hold roughly 90 % of the records; 80 % leaves room for trailing
        // non-record messages (laps, session, chained hr files).
        if (kept as f64) < 0.8 * whole as f64 {
            failures.push(format!("{name}: kept {kept} of {whole} samples"));
        }
    }
    assert!(checked >= 15, "only {checked} FIT files checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn cut_gzip_and_zip_copies_of_corpus_files_load_or_fail_cleanly_without_panicking() {
    use std::io::Write;

    use cramplab::ingest::container::{Limits, discover, load};
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for (i, (name, bytes)) in corpus_files().into_iter().enumerate().step_by(5) {
        let base = name.replace('/', "_");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&bytes).expect("compress");
        let gz = gz.finish().expect("compress");
        let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zw.start_file(base.as_str(), zip::write::SimpleFileOptions::default())
            .expect("entry");
        zw.write_all(&bytes).expect("write");
        let zip = zw.finish().expect("finish").into_inner();
        for (suffix, whole) in [(".gz", &gz), (".zip", &zip)] {
            for pct in [50, 90, 99] {
                let path = dir.path().join(format!("{i}-{pct}-{base}{suffix}"));
                std::fs::write(&path, &whole[..whole.len() * pct / 100]).expect("write");
                let r = catch_unwind(AssertUnwindSafe(|| {
                    let d = discover(std::slice::from_ref(&path));
                    d.sources
                        .iter()
                        .map(|s| load(s, &Limits::default()).len())
                        .sum::<usize>()
                }));
                if r.is_err() {
                    failures.push(format!("{} panicked", path.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn cut_and_bit_flipped_apple_exports_read_or_fail_cleanly_without_panicking() {
    // Every export.xml of the health-app corpus and the hand-made iOS 16
    // one (malformed DTD, a control byte), through the Apple reader and
    // the content sniffer.
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(corpus().join("health-apps/apple"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.push(
        crate::common::root()
            .join("tests/fixtures/health-apps/apple-ios16/apple_health_export/export.xml"),
    );
    files.sort();
    // 8 standalone samples, the 2 unpacked trees' export.xml, the fixture.
    assert_eq!(files.len(), 11, "{files:?}");
    let mut failures = Vec::new();
    let mut cases = 0usize;
    for p in files {
        let bytes = std::fs::read(&p).expect("readable");
        let name = p.display().to_string();
        for (case, b) in damaged_copies(&bytes, 200) {
            for read in [cramplab::ingest::apple::read as Read, read_any as Read] {
                cases += 1;
                if let Err(e) = reads_or_fails_cleanly(read, &name, &case, &b) {
                    failures.push(e);
                }
            }
        }
    }
    assert_eq!(cases, 11 * 14 * 2);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
