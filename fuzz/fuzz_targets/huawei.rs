//! Fuzz target: any bytes given to the Huawei HiTrack reader give an
//! activity or a clean error — never a panic, hang or runaway allocation.
//! The name carries start and end times, as real HiTrack names do.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = "HiTrack_1551732120000155173259000030001";
    let _ = cramplab::ingest::huawei::read(name, data);
    let _ = cramplab::ingest::huawei::read("HiTrack_renamed", data);
    let _ = cramplab::ingest::read_any(name, data);
});
