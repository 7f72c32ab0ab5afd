//! Duplicates: the same run recorded or exported twice (a watch's FIT and
//! the phone app's GPX, Garmin's and Strava's copy), and the same cramp
//! tagged twice (a lap press also typed into cramps.csv). docs/METHOD.md §2:
//! activities overlapping in time by more than half are one run, analysed
//! once from the richest recording.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::activity::{Activity, Format, Samples};
use crate::tags::CrampTag;

/// What duplicate detection needs to know of one activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// Display path (ties are broken by path order).
    pub path: String,
    /// First sample.
    pub start_utc: DateTime<Utc>,
    /// Last sample.
    pub end_utc: DateTime<Utc>,
    /// Which copy to keep: larger is richer ([`richness`]).
    pub richness: Richness,
}

/// How rich a recording is, compared in this order: FIT first (it carries
/// pauses, laps and device fields the exports drop), then the number of
/// channels recorded, then the number of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Richness {
    /// 1 for FIT, 0 otherwise.
    pub fit: u8,
    /// Channels with at least one finite value.
    pub channels: usize,
    /// Samples.
    pub samples: usize,
}

/// The richness of an activity.
pub fn richness(act: &Activity) -> Richness {
    let s = &act.samples;
    let channels = [
        &s.lat_deg,
        &s.altitude_m,
        &s.distance_m,
        &s.speed_mps,
        &s.hr_bpm,
        &s.cadence_spm,
        &s.temperature_c,
        &s.power_w,
    ]
    .iter()
    .filter(|c| Samples::has(c))
    .count();
    Richness {
        fit: u8::from(act.format == Format::Fit),
        channels,
        samples: s.len(),
    }
}

/// Pairs (dropped, kept) of indices into `recs`: recordings that overlap in
/// time by more than half of the shorter one are the same run; the richest
/// is kept (then path order). A kept recording that is itself a duplicate
/// of a third is followed to the one finally kept. Sorted by dropped index.
pub fn find(recs: &[Recording]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..recs.len()).collect();
    order.sort_by_key(|&i| (recs[i].start_utc, recs[i].path.clone()));
    let better = |a: usize, b: usize| {
        let (ra, rb) = (recs[a].richness, recs[b].richness);
        ra > rb || (ra == rb && recs[a].path < recs[b].path)
    };
    let mut dropped: BTreeMap<usize, usize> = BTreeMap::new();
    for (k, &i) in order.iter().enumerate() {
        for &j in &order[k + 1..] {
            if recs[j].start_utc >= recs[i].end_utc {
                break;
            }
            if dropped.contains_key(&i) || dropped.contains_key(&j) {
                continue;
            }
            let overlap = (recs[i].end_utc.min(recs[j].end_utc)
                - recs[j].start_utc.max(recs[i].start_utc))
            .num_milliseconds() as f64;
            let shorter = (recs[i].end_utc - recs[i].start_utc)
                .min(recs[j].end_utc - recs[j].start_utc)
                .num_milliseconds() as f64;
            if shorter > 0.0 && overlap > 0.5 * shorter {
                let (keep, drop) = if better(i, j) { (i, j) } else { (j, i) };
                dropped.insert(drop, keep);
            }
        }
    }
    let resolve = |mut k: usize| {
        while let Some(&next) = dropped.get(&k) {
            k = next;
        }
        k
    };
    dropped.keys().map(|&d| (d, resolve(dropped[&d]))).collect()
}

/// Tag rows of one activity whose onsets lie this close (seconds) are the
/// same cramp tagged twice (a repeated row, or the same row in two tag
/// files), merged by [`crate::tags::merge_repeats`]. Two seconds covers a
/// row copied with its seconds rounded; two real cramps this close would
/// be one.
pub const REPEAT_WITHIN_S: i64 = 2;

/// Whether two tag rows are the same cramp tagged twice (see
/// [`REPEAT_WITHIN_S`]).
pub fn repeated_tag(a: &CrampTag, b: &CrampTag) -> bool {
    (a.onset_utc - b.onset_utc).num_milliseconds().abs() <= REPEAT_WITHIN_S * 1000
}

/// Whether two tags mark the same cramp (one recorded twice: a lap press
/// also typed into cramps.csv, or tags of two exports of one run): onsets
/// within 10 s, or within 30 s when either was typed in afterwards
/// (typed-in onsets are off by up to ±20 s, docs/METHOD.md §2).
pub fn same_cramp(a: &CrampTag, b: &CrampTag) -> bool {
    let limit_s = if a.approx || b.approx { 30 } else { 10 };
    (a.onset_utc - b.onset_utc).num_seconds().abs() <= limit_s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rec(path: &str, start_min: i64, minutes: i64, richness: Richness) -> Recording {
        let t0 = Utc
            .with_ymd_and_hms(2026, 5, 3, 8, 0, 0)
            .single()
            .expect("valid");
        Recording {
            path: path.to_string(),
            start_utc: t0 + chrono::TimeDelta::minutes(start_min),
            end_utc: t0 + chrono::TimeDelta::minutes(start_min + minutes),
            richness,
        }
    }

    const FIT: Richness = Richness {
        fit: 1,
        channels: 5,
        samples: 3600,
    };
    const GPX: Richness = Richness {
        fit: 0,
        channels: 6,
        samples: 3600,
    };

    #[test]
    fn a_run_exported_twice_is_kept_once_from_the_fit_file() {
        // The GPX has more channels, but FIT comes first.
        let recs = [rec("b.gpx", 0, 60, GPX), rec("a.fit", 1, 60, FIT)];
        assert_eq!(find(&recs), [(0, 1)]);
    }

    #[test]
    fn overlap_of_half_the_shorter_run_is_not_enough_but_more_is() {
        // 30 of 60 minutes overlap: two runs (a double session).
        let half = [rec("a.fit", 0, 60, FIT), rec("b.fit", 30, 60, FIT)];
        assert!(find(&half).is_empty());
        // 31 minutes: one run.
        let more = [rec("a.fit", 0, 60, FIT), rec("b.fit", 29, 60, FIT)];
        assert_eq!(find(&more), [(1, 0)]);
        // A 10-minute file inside an hour-long one is the same run.
        let inside = [rec("long.gpx", 0, 60, GPX), rec("short.fit", 20, 10, FIT)];
        assert_eq!(find(&inside), [(0, 1)]);
    }

    #[test]
    fn equal_copies_keep_the_first_path_and_chains_resolve_to_the_final_keeper() {
        let recs = [
            rec("c.gpx", 0, 60, GPX),
            rec("a.gpx", 0, 60, GPX),
            rec("b.gpx", 0, 60, GPX),
        ];
        assert_eq!(find(&recs), [(0, 1), (2, 1)]);
    }

    #[test]
    fn a_typed_in_onset_matches_a_lap_press_within_thirty_seconds_precise_ones_within_ten() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 5, 3, 8, 30, 0)
            .single()
            .expect("valid");
        let tag = |s: i64, approx: bool| CrampTag {
            line: None,
            source: crate::tags::TagSource::GpxWaypoint,
            onset_utc: t0 + chrono::TimeDelta::seconds(s),
            end_utc: None,
            severity: None,
            approx,
            muscle: None,
            note: None,
            row_id: String::new(),
        };
        assert!(same_cramp(&tag(0, false), &tag(10, false)));
        assert!(!same_cramp(&tag(0, false), &tag(11, false)));
        assert!(same_cramp(&tag(0, false), &tag(30, true)));
        assert!(!same_cramp(&tag(0, true), &tag(31, false)));
    }
}
