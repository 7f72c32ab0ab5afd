//! Fuzz target: any bytes given as an Apple Health export.xml give workouts
//! or a clean error — never a panic, hang or runaway allocation — and the
//! streamed pass gives the same answer whether the bytes arrive whole or a
//! few at a time (the header's DTD cut and the control-byte scrub work
//! across read boundaries).
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;

/// Hands out at most `step` bytes per read.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let whole = cramplab::ingest::apple::scan("fuzz.xml", data);
    let step = 1 + data.first().copied().unwrap_or(0) as usize % 97;
    let trickled = cramplab::ingest::apple::scan("fuzz.xml", Trickle { data, step });
    match (&whole, &trickled) {
        (Ok(a), Ok(b)) => assert_eq!(a.workouts, b.workouts),
        (Err(_), Err(_)) => {}
        _ => panic!("whole and trickled reads disagree: {whole:?} vs {trickled:?}"),
    }
    let _ = cramplab::ingest::apple::read("fuzz.xml", data);
    let _ = cramplab::ingest::read_any("export.xml", data);
});
