//! How fast the GPX and TCX readers are, next to the floor they cannot beat:
//! a bare quick-xml event pass over the same bytes. docs/METHOD.md §2 asks for a
//! streaming quick-xml reader because the `gpx` crate is ~10x slower; that
//! crate is measured too. Run with
//! `cargo bench --bench ingest_xml -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quick_xml::events::Event;

/// The largest GPX and TCX files of the corpus.
const GPX_FILE: &str = "gpx/georust-gpx__garmin_with_extensions.gpx";
const TCX_FILE: &str = "tcx/sport-activities-features__swimming_activity_1.tcx";

fn corpus(file: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(file);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every event of the document, touched and dropped: the cost of tokenising.
fn bare_pass(bytes: &[u8]) -> usize {
    let mut r = quick_xml::Reader::from_reader(bytes);
    let mut n = 0;
    loop {
        match r.read_event() {
            Ok(Event::Eof) | Err(_) => return n,
            Ok(e) => {
                black_box(&e);
                n += 1;
            }
        }
    }
}

/// The same pass with namespace bookkeeping (what our readers stand on).
fn bare_ns_pass(bytes: &[u8]) -> usize {
    let mut r = quick_xml::reader::NsReader::from_reader(bytes);
    let mut n = 0;
    loop {
        match r.read_resolved_event() {
            Ok((_, Event::Eof)) | Err(_) => return n,
            Ok(e) => {
                black_box(&e);
                n += 1;
            }
        }
    }
}

fn gpx(c: &mut Criterion) {
    let bytes = corpus(GPX_FILE);
    let mut g = c.benchmark_group("gpx");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("quick-xml bare pass", |b| {
        b.iter(|| bare_pass(black_box(&bytes)))
    });
    g.bench_function("quick-xml namespace pass", |b| {
        b.iter(|| bare_ns_pass(black_box(&bytes)))
    });
    g.bench_function("cramplab gpx::read", |b| {
        b.iter(|| cramplab::ingest::gpx::read(GPX_FILE, black_box(&bytes)).expect("reads"))
    });
    g.bench_function("gpx crate 0.10", |b| {
        b.iter(|| gpx::read(black_box(bytes.as_slice())).expect("reads"))
    });
    g.finish();
}

fn tcx(c: &mut Criterion) {
    let bytes = corpus(TCX_FILE);
    let mut g = c.benchmark_group("tcx");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("quick-xml bare pass", |b| {
        b.iter(|| bare_pass(black_box(&bytes)))
    });
    g.bench_function("quick-xml namespace pass", |b| {
        b.iter(|| bare_ns_pass(black_box(&bytes)))
    });
    g.bench_function("cramplab tcx::read", |b| {
        b.iter(|| cramplab::ingest::tcx::read(TCX_FILE, black_box(&bytes)).expect("reads"))
    });
    g.finish();
}

criterion_group!(benches, gpx, tcx);
criterion_main!(benches);
