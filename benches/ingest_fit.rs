//! FIT ingest speed against the floor it cannot beat: a bare rustyfit
//! streaming decode (default options, every message visited) of the same
//! bytes. The budget: `fit::read` within 1.3x of the bare decode.
//! `fit_read_rustyfit` is the same read forced through rustyfit, the path
//! the direct record decoder (`ingest/fit/direct.rs`) must beat clearly.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rustyfit::{Decoder, DecoderEvent, StreamingIterator};

/// The corpus's largest FIT files (long multisport, long ride, mid ride).
const FILES: [&str; 3] = [
    "tormoder-fit__activity-large-fenxi2-multisport.fit",
    "python-fitparse__2019-02-17-062644-ELEMNT-297E-195-0.fit",
    "tormoder-fit__garmin.fit",
];

/// Decode every message with rustyfit's defaults; count them so the work
/// cannot be optimised away.
fn bare_rustyfit(bytes: &[u8]) -> usize {
    let mut dec = Decoder::new();
    let mut reader: &[u8] = bytes;
    let mut stream = dec.stream(&mut reader);
    let mut messages = 0;
    while let Some(ev) = stream.next() {
        match ev {
            Ok(DecoderEvent::Message(m)) => messages += m.fields.len(),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    messages
}

fn ingest_fit(c: &mut Criterion) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/fit");
    for file in FILES {
        let bytes = std::fs::read(corpus.join(file)).expect("corpus file");
        let mut g = c.benchmark_group(format!("ingest_fit/{file}"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("bare_rustyfit", |b| {
            b.iter(|| bare_rustyfit(black_box(&bytes)))
        });
        g.bench_function("fit_read", |b| {
            b.iter(|| cramplab::ingest::fit::read(file, black_box(&bytes)).map(|a| a.len()))
        });
        g.bench_function("fit_read_rustyfit", |b| {
            b.iter(|| {
                cramplab::ingest::fit::read_with_rustyfit(file, black_box(&bytes)).map(|a| a.len())
            })
        });
        g.finish();
    }
}

criterion_group!(benches, ingest_fit);
criterion_main!(benches);
