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
    let err = TimeSpec::parse("2025-02-0é")
        .expect_err("not a date")
        .to_string();
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

#[test]
fn a_tcx_lap_of_ten_quadrillion_seconds_is_ignored_with_a_warning_not_an_overflow() {
    // fuzz/tcx: a lap's end, start + TotalTimeSeconds·1000, overflowed i64
    // (a panic with overflow checks, a wrapped end time without).
    let bytes = std::fs::read(
        root().join("tests/fixtures/fuzz/tcx-lap-total-time-1e16-overflows-lap-end.tcx"),
    )
    .expect("fixture");
    // No trackpoint: a clean error, not a panic.
    assert!(cramplab::ingest::read_any("lap.tcx", &bytes).is_err());

    // The same lap in front of real trackpoints: the points are read, the
    // lap time is dropped with a warning and no timer time is claimed.
    let mut doc = String::from(
        r#"<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities><Activity Sport="Running"><Id>2020-02-07T05:04:04Z</Id><Lap StartTime="2020-02-07T05:04:04Z"><TotalTimeSeconds>22855555555555550</TotalTimeSeconds><Track>"#,
    );
    for i in 0..5 {
        doc += &format!(
            "<Trackpoint><Time>2020-02-07T05:04:0{i}Z</Time><DistanceMeters>{}</DistanceMeters></Trackpoint>",
            3 * i
        );
    }
    doc += "</Track></Lap></Activity></Activities></TrainingCenterDatabase>";
    let acts = cramplab::ingest::read_any("lap.tcx", doc.as_bytes()).expect("readable");
    assert_eq!(acts[0].samples.len(), 5);
    assert_eq!(acts[0].timer_s, None);
    assert!(
        acts[0].warnings.iter().any(|w| w.contains("lap time")),
        "{:?}",
        acts[0].warnings
    );
    assert!(
        acts[0].laps.iter().all(|l| l.end_s < 86_400.0),
        "{:?}",
        acts[0].laps
    );
}
