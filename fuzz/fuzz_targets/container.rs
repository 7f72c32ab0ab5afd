//! Fuzz target: any bytes saved as a `.gz` or `.zip` and walked by
//! `discover` + `load` (small limits) give outcomes — never a panic, hang,
//! or allocation past the limits.
#![no_main]

use cramplab::ingest::container::{Limits, discover, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the container kind, so one corpus covers both.
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let name = match kind % 3 {
        0 => "run.fit.gz",
        1 => "export.zip",
        _ => "run.gpx.gz",
    };
    let dir = tempfile::tempdir().expect("a temp dir is available");
    let path = dir.path().join(name);
    std::fs::write(&path, rest).expect("the temp dir is writable");
    let limits = Limits {
        max_entry_bytes: 4 * 1024 * 1024,
        max_zip_depth: 2,
    };
    let found = discover(std::slice::from_ref(&path));
    for source in &found.sources {
        let _ = load(source, &limits);
    }
});
