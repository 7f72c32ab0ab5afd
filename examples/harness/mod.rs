//! What the decode examples for `bench/batch.sh` share: find the FIT and GPX
//! files (plain or `.gz`) under the arguments, read and gunzip each, time a
//! decoder per format, and print one line per format that the script parses:
//! `fit: files N bytes B items I seconds S`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bytes, decoded items and time spent per format.
#[derive(Default)]
struct Tally {
    files: usize,
    bytes: u64,
    items: usize,
    time: Duration,
}

/// The file's bytes, gunzipped when the name ends in `.gz`.
fn load(path: &Path) -> std::io::Result<Vec<u8>> {
    let raw = std::fs::read(path)?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Activity files under the given paths, sorted.
fn files(args: &[String]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = args
        .iter()
        .flat_map(|a| walkdir::WalkDir::new(a).into_iter().filter_map(Result::ok))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let n = p.to_string_lossy().to_ascii_lowercase();
            n.ends_with(".fit")
                || n.ends_with(".fit.gz")
                || n.ends_with(".gpx")
                || n.ends_with(".gpx.gz")
        })
        .collect();
    out.sort();
    out
}

/// Decode every file named by the command-line arguments with `fit` or
/// `gpx` (each returns how many items it decoded) and print the tallies.
pub fn run(
    mut fit: impl FnMut(&Path, &[u8]) -> usize,
    mut gpx: impl FnMut(&Path, &[u8]) -> usize,
) -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut fit_tally, mut gpx_tally) = (Tally::default(), Tally::default());
    for path in files(&args) {
        let t0 = Instant::now();
        let bytes = load(&path)?;
        let is_fit = path.to_string_lossy().to_ascii_lowercase().contains(".fit");
        let (tally, items) = if is_fit {
            (&mut fit_tally, fit(&path, &bytes))
        } else {
            (&mut gpx_tally, gpx(&path, &bytes))
        };
        tally.items += items;
        tally.files += 1;
        tally.bytes += std::fs::metadata(&path)?.len();
        tally.time += t0.elapsed();
    }
    for (name, t) in [("fit", &fit_tally), ("gpx", &gpx_tally)] {
        println!(
            "{name}: files {} bytes {} items {} seconds {:.3}",
            t.files,
            t.bytes,
            t.items,
            t.time.as_secs_f64()
        );
    }
    Ok(())
}
