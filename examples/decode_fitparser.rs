//! The Rust ecosystem's usual way to decode the same history, for
//! `bench/batch.sh`: every FIT file through `fitparser` (which builds a
//! `Vec` of records with named fields) and every GPX file through the `gpx`
//! crate, after reading and gunzipping like `decode_floor`. Counts are
//! printed so the work cannot be optimised away.
//!
//! `cargo run --release --example decode_fitparser -- DIR...`

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bytes, records and time spent per format.
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

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut fit, mut gpx) = (Tally::default(), Tally::default());
    for path in files(&args) {
        let t0 = Instant::now();
        let bytes = load(&path)?;
        let is_fit = path.to_string_lossy().to_ascii_lowercase().contains(".fit");
        if is_fit {
            fit.items += match fitparser::from_bytes(&bytes) {
                Ok(records) => records.iter().map(|r| r.fields().len()).sum(),
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    0
                }
            };
        } else {
            gpx.items += match gpx::read(&bytes[..]) {
                Ok(g) => g
                    .tracks
                    .iter()
                    .flat_map(|t| &t.segments)
                    .map(|s| s.points.len())
                    .sum(),
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    0
                }
            };
        }
        let tally = if is_fit { &mut fit } else { &mut gpx };
        tally.files += 1;
        tally.bytes += std::fs::metadata(&path)?.len();
        tally.time += t0.elapsed();
    }
    for (name, t) in [("fit", &fit), ("gpx", &gpx)] {
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
