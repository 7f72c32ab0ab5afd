//! The decode floor for `bench/batch.sh`: the least work any FIT/GPX tool
//! must do on a history — read each file, gunzip `.gz`, run rustyfit's
//! streaming decoder over every FIT message and a bare quick-xml event pass
//! over every GPX document — with the same crate versions cramplab links.
//! Nothing is kept; counts are printed so the work cannot be optimised away.
//!
//! `cargo run --release --example decode_floor -- DIR...`

use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use quick_xml::events::Event;
use rustyfit::{Decoder, DecoderEvent, StreamingIterator};

/// Bytes, messages and time spent per format.
#[derive(Default)]
struct Tally {
    files: usize,
    bytes: u64,
    messages: usize,
    time: Duration,
}

/// Decode every message with rustyfit's defaults; count the fields.
fn rustyfit_pass(bytes: &[u8]) -> usize {
    let mut dec = Decoder::new();
    let mut reader: &[u8] = bytes;
    let mut stream = dec.stream(&mut reader);
    let mut fields = 0;
    while let Some(ev) = stream.next() {
        match ev {
            Ok(DecoderEvent::Message(m)) => fields += m.fields.len(),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    fields
}

/// Every XML event of the document, touched and dropped.
fn quick_xml_pass(bytes: &[u8]) -> usize {
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

/// The file's bytes, gunzipped when the name ends in `.gz`.
fn load(path: &Path) -> std::io::Result<Vec<u8>> {
    let raw = std::fs::read(path)?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut out)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Activity files under the given paths, sorted.
fn files(args: &[String]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = args
        .iter()
        .flat_map(|a| walkdir::WalkDir::new(a).into_iter().filter_map(Result::ok))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let n = p.to_string_lossy().to_ascii_lowercase();
            n.ends_with(".fit")
                || n.ends_with(".fit.gz")
                || n.ends_with(".gpx")
                || n.ends_with(".gpx.gz")
        })
        .collect();
    out.sort();
    out
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut fit, mut gpx) = (Tally::default(), Tally::default());
    for path in files(&args) {
        let t0 = Instant::now();
        let bytes = load(&path)?;
        let is_fit = path.to_string_lossy().to_ascii_lowercase().contains(".fit");
        let tally = if is_fit { &mut fit } else { &mut gpx };
        tally.messages += if is_fit {
            rustyfit_pass(&bytes)
        } else {
            quick_xml_pass(&bytes)
        };
        tally.files += 1;
        tally.bytes += std::fs::metadata(&path)?.len();
        tally.time += t0.elapsed();
    }
    for (name, t) in [("fit", &fit), ("gpx", &gpx)] {
        println!(
            "{name}: files {} bytes {} items {} seconds {:.3}",
            t.files,
            t.bytes,
            t.messages,
            t.time.as_secs_f64()
        );
    }
    Ok(())
}
