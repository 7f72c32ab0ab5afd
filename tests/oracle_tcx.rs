//! The TCX reader against a plain quick-xml read of the real corpus files
//! and the corpus catalog's counts (no Rust TCX crate is among the
//! dependencies to serve as an oracle).
//!
//! As for GPX (see `oracle_gpx`), the plain read's trackpoints are grouped
//! by millisecond, first value present in file order, because cramplab
//! orders samples by time and merges repeated timestamps.

use std::fs;

use cramplab::error::IngestError;
use cramplab::ingest::tcx;

use crate::xml_corpus::{
    assert_well_formed, catalog, channel, chrono_ms, corpus_dir, counted, first_present_by_time,
    number_before, our_times_ms, plain_points,
};

#[test]
fn catalog_rows_for_tcx_hold() {
    let rows = catalog("tcx/");
    assert_eq!(rows.len(), 9);
    for row in rows {
        let bytes = fs::read(corpus_dir().join(&row.file)).expect("readable");
        let result = tcx::read(&row.file, &bytes);
        let activities = number_before(&row.notes, "activities").expect("notes count activities");
        if activities == 0 {
            // tcx-courses.tcx: a Course.
            match &result {
                Err(IngestError::NotAnActivity { file_type, .. }) => {
                    assert_eq!(file_type, "TCX course", "{}", row.file)
                }
                other => panic!("{}: {other:?}", row.file),
            }
            continue;
        }
        let acts = result.unwrap_or_else(|e| panic!("{}: {e}", row.file));
        assert_eq!(acts.len(), activities, "{}", row.file);
        let a = &acts[0];
        assert_well_formed(&row.file, a);
        if let Some(laps) = number_before(&row.notes, "laps") {
            assert_eq!(a.laps.len(), laps, "{}: laps", row.file);
        }
        assert!(a.timer_s.is_some(), "{}: laps give timer time", row.file);

        let pts = plain_points(&bytes, "Trackpoint");
        assert_eq!(
            Some(pts.len()),
            number_before(&row.notes, "trackpoints"),
            "{}: plain read vs catalog trackpoints",
            row.file
        );
        let hr_of = |p: &crate::xml_corpus::PlainPoint| {
            p.leaf(Some("HeartRateBpm"), "Value")
                .and_then(|v| v.parse::<f64>().ok())
        };
        let plain_with_hr = pts.iter().filter(|p| hr_of(p).is_some()).count();
        let hr_by_time = first_present_by_time(
            pts.iter()
                .filter_map(|p| Some((chrono_ms(p.leaf(None, "Time")?)?, hr_of(p)))),
        );
        let ours_hr = channel(&a.samples.hr_bpm, a.samples.len())
            .iter()
            .filter(|v| v.is_some())
            .count();
        match counted(&row.has_heart_rate) {
            Some(n) => {
                assert_eq!(plain_with_hr, n, "{}: plain read vs catalog", row.file);
                // Repeated timestamps merge: togeojson__bad.tcx holds its
                // 4 trackpoints twice over (two laps with the same points,
                // 2 distinct times), so 4 catalog points are 2 samples.
                let distinct = hr_by_time.values().filter(|v| v.is_some()).count();
                if row.file.ends_with("togeojson__bad.tcx") {
                    assert_eq!(distinct, 2);
                }
                assert_eq!(ours_hr, distinct, "{}: heart-rate samples", row.file);
            }
            None => assert_eq!(ours_hr, 0, "{}: catalog says no HR", row.file),
        }
        // Positions: the catalog counts trackpoints with a <Position>.
        if let Some(n) = counted(&row.has_gps) {
            let with_pos = pts
                .iter()
                .filter(|p| p.leaf(Some("Position"), "LatitudeDegrees").is_some())
                .count();
            assert_eq!(with_pos, n, "{}: plain read vs catalog positions", row.file);
        }
        if let Some(d) = row.duration_s {
            assert!(
                (a.elapsed_s() - d).abs() <= 1.0,
                "{}: {} s vs catalog {d} s",
                row.file,
                a.elapsed_s()
            );
        }
    }
}

#[test]
fn times_positions_heart_rate_and_distance_agree_with_a_plain_read() {
    let mut compared = 0;
    for row in catalog("tcx/") {
        let bytes = fs::read(corpus_dir().join(&row.file)).expect("readable");
        let Ok(acts) = tcx::read(&row.file, &bytes) else {
            continue;
        };
        // Every corpus TCX holds one activity.
        let a = &acts[0];
        let pts = plain_points(&bytes, "Trackpoint");
        let num = |s: Option<&str>| s.and_then(|v| v.trim().parse::<f64>().ok());
        let timed = || {
            pts.iter()
                .filter_map(|p| chrono_ms(p.leaf(None, "Time")?).map(|t| (t, p)))
        };
        let lat = first_present_by_time(
            timed().map(|(t, p)| (t, num(p.leaf(Some("Position"), "LatitudeDegrees")))),
        );
        let lon = first_present_by_time(
            timed().map(|(t, p)| (t, num(p.leaf(Some("Position"), "LongitudeDegrees")))),
        );
        let hr = first_present_by_time(
            timed().map(|(t, p)| (t, num(p.leaf(Some("HeartRateBpm"), "Value")))),
        );
        let dist = first_present_by_time(
            timed().map(|(t, p)| (t, num(p.leaf(Some("Trackpoint"), "DistanceMeters")))),
        );
        let times = our_times_ms(a);
        assert_eq!(
            times,
            lat.keys().copied().collect::<Vec<_>>(),
            "{}: sample times",
            row.file
        );
        let n = a.samples.len();
        let (our_lat, our_lon) = (
            channel(&a.samples.lat_deg, n),
            channel(&a.samples.lon_deg, n),
        );
        let (our_hr, our_dist) = (
            channel(&a.samples.hr_bpm, n),
            channel(&a.samples.distance_m, n),
        );
        for (i, t) in times.iter().enumerate() {
            assert_eq!(
                our_lat[i].zip(our_lon[i]),
                lat[t].zip(lon[t]),
                "{}: position at {t}",
                row.file
            );
            // Heart rate outside 20–250 bpm is blanked by TrackBuilder.
            let want_hr = hr[t].filter(|v| (20.0..=250.0).contains(v));
            assert_eq!(our_hr[i], want_hr, "{}: heart rate at {t}", row.file);
            assert_eq!(our_dist[i], dist[t], "{}: distance at {t}", row.file);
        }
        compared += 1;
    }
    assert_eq!(compared, 8);
}

#[test]
fn tcx_times_with_an_offset_give_the_runner_s_utc_offset() {
    // CATALOG.tsv: tour_hr.tcx and bad.tcx are written with +01:00.
    for row in catalog("tcx/") {
        let bytes = fs::read(corpus_dir().join(&row.file)).expect("readable");
        let Ok(acts) = tcx::read(&row.file, &bytes) else {
            continue;
        };
        let offset = acts[0].utc_offset.map(|o| o.seconds);
        if row.notes.contains("time offsets +01:00") {
            assert_eq!(offset, Some(3600), "{}", row.file);
        } else {
            assert_eq!(offset, None, "{}", row.file);
        }
    }
}
