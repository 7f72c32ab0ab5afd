//! Fuzz target: the direct FIT decoder gives exactly what the rustyfit path
//! gives — activities, warnings and errors alike — or hands the file over.
#![no_main]

use cramplab::ingest::fit;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let direct = format!("{:?}", fit::read("fuzz.fit", data));
    let reference = format!("{:?}", fit::read_with_rustyfit("fuzz.fit", data));
    assert!(
        direct == reference,
        "direct decoder differs from rustyfit\n direct: {direct}\n rustyfit: {reference}"
    );
});
