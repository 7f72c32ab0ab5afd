//! Inputs found by the fuzz targets (fuzz/), kept as fixtures in
//! tests/fixtures/fuzz/ so each fixed crash stays fixed.

use std::path::Path;

use cramplab::tags::{TimeSpec, parse_csv};

use crate::common::root;

fn fixture(name: &str) -> String {
    let bytes = std::fs::read(root().join("tests/fixtures/fuzz").join(name)).expect("fixture");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn a_tag_time_with_a_multibyte_character_across_byte_ten_is_an_error_not_a_panic() {
    // fuzz/tags: `split_zone` sliced the text at byte 10 inside a character.
    let err = TimeSpec::parse("2025-02-0é").expect_err("not a date");
    assert!(err.contains("2025-02-0é"), "{err}");
    let text = fixture("tags-multibyte-across-byte-10.csv");
    let parsed = parse_csv(&text, Path::new("cramps.csv")).expect("the file itself is fine");
    assert!(parsed.rows.is_empty(), "{:?}", parsed.rows);
    assert_eq!(parsed.problems.len(), 1, "{:?}", parsed.problems);
}

#[test]
fn the_tag_file_fuzz_found_with_a_broken_character_in_a_date_parses_without_panicking() {
    let text = fixture("tags-crash-220b32cd.csv");
    let parsed = parse_csv(&text, Path::new("cramps.csv")).expect("header is fine");
    // Its other, intact rows are still read.
    assert!(!parsed.rows.is_empty());
    assert!(!parsed.problems.is_empty());
}
