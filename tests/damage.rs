//! Damage on purpose: every real corpus file, cut short and with bytes
//! flipped, and small FIT files mangled many times over, must read as
//! activities (maybe with warnings) or a clean error that names the file —
//! never a panic — and a cut FIT must keep the records before the cut.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use cramplab::activity::Activity;
use cramplab::error::IngestError;
use cramplab::ingest::{fit, read_any};
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

#[test]
fn cut_and_bit_flipped_corpus_files_read_or_fail_cleanly_without_panicking() {
    let mut failures = Vec::new();
    let mut cases = 0usize;
    for (name, bytes) in corpus_files() {
        let n = bytes.len();
        let header_len = if name.starts_with("fit/") {
            14.min(n)
        } else {
            // The XML declaration and the root element's opening.
            200.min(n)
        };
        let mut damaged: Vec<(String, Vec<u8>)> = vec![
            ("empty".into(), Vec::new()),
            ("header only".into(), bytes[..header_len].to_vec()),
        ];
        for pct in [10, 50, 90] {
            damaged.push((format!("cut at {pct} %"), bytes[..n * pct / 100].to_vec()));
        }
        let mut state = 0x9E37_79B9_7F4A_7C15 ^ n as u64;
        for _ in 0..8 {
            let at = (xorshift(&mut state) % n.max(1) as u64) as usize;
            let mut b = bytes.clone();
            if let Some(byte) = b.get_mut(at) {
                *byte ^= (xorshift(&mut state) % 255 + 1) as u8;
            }
            damaged.push((format!("byte flipped at {at}"), b));
        }
        // A run of garbage in the middle (a bad sector).
        let mut b = bytes.clone();
        let start = n / 3;
        for byte in b.iter_mut().skip(start).take(512) {
            *byte = (xorshift(&mut state) & 0xff) as u8;
        }
        damaged.push((format!("512 random bytes at {start}"), b));

        for (case, b) in damaged {
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
