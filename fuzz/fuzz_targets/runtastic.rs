//! Fuzz target: an adidas Running session joined with fuzzed GPS and
//! heart-rate data, split from one input at 0xFF bytes (never in the JSON
//! or GPX text of a seed): `session 0xFF gps 0xFF heart-rate`. A missing
//! part is a missing file. Each part is also read alone. Activities or a
//! clean error — never a panic, hang or runaway allocation.
#![no_main]

use cramplab::ingest::runtastic;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0xFF);
    let session = parts.next().unwrap_or_default();
    let gps = parts.next();
    let hr = parts.next();
    // The GPS part as GPX when it looks like XML, as the export's newer
    // GPS-data/<id>.gpx files are.
    let gps_name = match gps.and_then(|g| g.iter().find(|b| !b.is_ascii_whitespace())) {
        Some(b'<') => "Sport-sessions/GPS-data/x.gpx",
        _ => "Sport-sessions/GPS-data/x.json",
    };
    let _ = runtastic::read_session(
        "Sport-sessions/x.json",
        session,
        gps.map(|g| (gps_name, g)),
        hr.map(|h| ("Sport-sessions/Heart-rate-data/x.json", h)),
    );
    for part in [Some(session), gps, hr].into_iter().flatten() {
        let _ = runtastic::read("x.json", part);
    }
});
