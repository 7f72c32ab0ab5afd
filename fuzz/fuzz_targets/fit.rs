//! Fuzz target: any bytes given to the FIT reader give activities or a clean
//! error — never a panic, hang or runaway allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cramplab::ingest::fit::read("fuzz.fit", data);
    // The content sniffer and dispatcher see the same bytes.
    let _ = cramplab::ingest::read_any("fuzz.fit", data);
});
