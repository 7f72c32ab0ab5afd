//! The Rust ecosystem's usual way to decode the same history, for
//! `bench/batch.sh`: every FIT file through `fitparser` (which builds a
//! `Vec` of records with named fields) and every GPX file through the `gpx`
//! crate, after reading and gunzipping like `decode_floor`. Counts are
//! printed so the work cannot be optimised away.
//!
//! `cargo run --release --example decode_fitparser -- DIR...`

use std::path::Path;

mod harness;

/// Fields of every record fitparser decodes.
fn fitparser_pass(path: &Path, bytes: &[u8]) -> usize {
    match fitparser::from_bytes(bytes) {
        Ok(records) => records.iter().map(|r| r.fields().len()).sum(),
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            0
        }
    }
}

/// Track points of every segment the gpx crate reads.
fn gpx_crate_pass(path: &Path, bytes: &[u8]) -> usize {
    match gpx::read(bytes) {
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
    }
}

fn main() -> std::io::Result<()> {
    harness::run(fitparser_pass, gpx_crate_pass)
}
