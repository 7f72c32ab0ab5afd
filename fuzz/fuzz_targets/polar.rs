//! Fuzz target: any bytes given to the Polar Flow reader give activities or
//! a clean error — never a panic, hang or runaway allocation (bare `NaN`
//! repair, both export shapes, the route-clock check).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cramplab::ingest::polar::read("training-session.json", data);
    // The content sniffer and dispatcher see the same bytes.
    let _ = cramplab::ingest::read_any("training-session.json", data);
});
