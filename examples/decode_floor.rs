//! The decode floor for `bench/batch.sh`: the least work any FIT/GPX tool
//! must do on a history — read each file, gunzip `.gz`, run rustyfit's
//! streaming decoder over every FIT message and a bare quick-xml event pass
//! over every GPX document — with the same crate versions cramplab links.
//! Nothing is kept; counts are printed so the work cannot be optimised away.
//!
//! `cargo run --release --example decode_floor -- DIR...`

use std::hint::black_box;

use quick_xml::events::Event;
use rustyfit::{Decoder, DecoderEvent, StreamingIterator};

mod harness;

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

fn main() -> std::io::Result<()> {
    harness::run(|_, b| rustyfit_pass(b), |_, b| quick_xml_pass(b))
}
