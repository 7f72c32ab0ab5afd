//! Builders shared by the tag modules' unit tests: activities with a given
//! span, offset, pauses, laps or waypoints, and one-line tag files.

use std::path::Path;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::{CrampTag, ParsedTags, Resolution, TagOptions, TagRow, parse_csv};
use crate::activity::{
    Activity, ActivityMeta, Format, OffsetSource, RawSample, TrackBuilder, UtcOffset,
};

pub(super) fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

pub(super) fn secs(t: DateTime<Utc>, s: i64) -> DateTime<Utc> {
    t + TimeDelta::seconds(s)
}

/// An activity at `path` starting at `start`, sampled every 5 s for
/// `len_s` seconds; `edit` adds offset, pauses, laps or waypoints.
pub(super) fn activity(
    path: &str,
    start: DateTime<Utc>,
    len_s: i64,
    edit: impl FnOnce(&mut TrackBuilder),
) -> Activity {
    let mut b = TrackBuilder::new(ActivityMeta::new(path, Format::Fit));
    let t0 = start.timestamp_millis();
    for t in (0..=len_s).step_by(5) {
        b.push(RawSample {
            time_ms: t0 + t * 1000,
            ..RawSample::default()
        });
    }
    edit(&mut b);
    b.finish().unwrap()
}

pub(super) fn with_offset(seconds: i32) -> impl FnOnce(&mut TrackBuilder) {
    move |b| {
        b.meta.utc_offset = Some(UtcOffset {
            seconds,
            source: OffsetSource::FitLocalTimestamp,
        })
    }
}

/// A tag file's text as if read from `runs/cramps.csv`.
pub(super) fn parse(text: &str) -> ParsedTags {
    parse_csv(text, Path::new("runs/cramps.csv")).unwrap()
}

/// The one good row of a tag file's text.
pub(super) fn one_row(text: &str) -> TagRow {
    let p = parse(text);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.rows.len(), 1);
    p.rows[0].clone()
}

pub(super) fn matched(r: Resolution) -> CrampTag {
    match r {
        Resolution::Matches(t) => t,
        other => panic!("expected a match, got {other:?}"),
    }
}

/// The reason of a [`Resolution::Problem`], without its location.
pub(super) fn problem(r: Resolution) -> String {
    match r {
        Resolution::Problem(p) => p.kind.to_string(),
        other => panic!("expected a problem, got {other:?}"),
    }
}

pub(super) fn berlin() -> TagOptions {
    TagOptions {
        tz: Some(chrono_tz::Europe::Berlin.into()),
        ..TagOptions::default()
    }
}
