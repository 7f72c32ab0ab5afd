//! Cramp tags: the runner's `cramps.csv` rows and the tags inside activity
//! files (GPX waypoints, FIT manual laps), resolved to UTC onsets and ends
//! for one activity at a time. All tag logic lives here; the pipeline only
//! calls it.
//!
//! The batch pipeline reads each activity once, in parallel, so resolution is
//! per activity: [`read_tags`] finds and reads every tag file of the batch
//! ([`parse_csv`] turns one into [`TagRow`]s; bad rows become
//! [`TagProblem`]s with their line number, the others are kept), then for
//! every activity the pipeline asks [`resolve_for`] about the rows a
//! tag index offers it. A row answers [`Resolution::Matches`] (here is
//! the cramp, in UTC), [`Resolution::NotThis`] (the row belongs elsewhere),
//! or [`Resolution::Problem`] (the row belongs to this activity but cannot
//! be used, with a reason the runner can act on). Finally
//! [`check_matches`] reports rows that no activity, or several, claimed.
//! [`infile_tags`] reads the tags an activity file carries itself.
//!
//! Time forms (docs/METHOD.md §2): absolute RFC 3339 (`2026-05-03T08:42:10+02:00`,
//! `…Z`), local wall-clock (`2026-05-03 08:42:10`, read with `--tz` or the
//! activity's own UTC offset) and relative to the activity's start (`+41:30`,
//! `+1:05:00`, `+95`). Nothing here reads the machine's time zone.
//!
//! What became of every tag is accounted for ([`TagSummary`]): used, lost
//! (named with its line and the fix; the run exits 2), used with a caveat,
//! or for an activity that was not given.
//!
//! One concern per file:
//!
//! | file | holds |
//! |---|---|
//! | `discover.rs` | finding the batch's `cramps.csv` files (in folders, beside files, in archives) and reading them all ([`read_tags`]) |
//! | `csv.rs` | one tag file's text → [`TagRow`]s ([`parse_csv`]) |
//! | `time.rs` | the time forms ([`TimeSpec`]), durations, and placing them in UTC for an activity |
//! | `zone.rs` | `--tz`: a zone name or a fixed offset ([`TagZone`]) |
//! | `matching.rs` | which rows belong to which activity ([`resolve_for`], [`check_matches`], the index) |
//! | `repeats.rs` | the same cramp tagged twice by rows, merged ([`merge_repeats`]) |
//! | `suggest.rs` | "did you mean": the activity a `file` cell nearly names |
//! | `infile.rs` | GPX cramp waypoints and FIT lap presses ([`infile_tags`]) |
//! | `problem.rs` | everything that can be wrong with a tag, and its message |
//! | `summary.rs` | what became of the batch's tags ([`TagSummary`]) |

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::activity::Activity;

mod csv;
mod discover;
mod infile;
mod matching;
mod problem;
mod repeats;
mod suggest;
mod summary;
#[cfg(test)]
mod test_support;
mod time;
mod zone;

pub use self::csv::{KNOWN_COLUMNS, ParsedTags, TagRow, parse_bytes, parse_csv, read_csv_file};
pub use self::discover::{
    ArchivedTagFile, FoundTagFile, Reach, TAG_FILE_NAME, TagFileOrigin, TagSet, find_tag_files,
    is_tag_file_name, read_tags,
};
pub use self::infile::infile_tags;
pub(crate) use self::matching::{Resolved, TagIndex, base_name, resolve_rows};
pub use self::matching::{SPAN_TOLERANCE_S, check_matches, file_matches, resolve_for};
pub use self::problem::{
    ColumnWarning, DstProblem, InFileWarning, RepeatedTag, RowFault, SpanError, TagFileError,
    TagProblem, TagProblemKind, TimeColumn, TimeError,
};
pub use self::repeats::merge_repeats;
pub use self::summary::TagSummary;
pub(crate) use self::summary::{RowFate, summarize};
pub use self::time::{MAX_SPAN_S, TimeReading, TimeSpec, timer_to_elapsed_s};
pub use self::zone::{TagZone, ZoneError};

use self::time::seconds_between;

/// When a row gives both `end` and `duration`, they must agree within this
/// many seconds (docs/METHOD.md §2).
pub const END_DURATION_AGREEMENT_S: f64 = 5.0;

/// The options that change how tags resolve (`--tz`, `--timer-offsets`,
/// `--lap-tags`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagOptions {
    /// `--tz ZONE`: the zone (or fixed offset) local tag times are read
    /// in; overrides the activities' own offsets.
    pub tz: Option<TagZone>,
    /// `--timer-offsets`: relative times are timer time (pauses excluded).
    pub timer_offsets: bool,
    /// `--lap-tags`: FIT manual lap presses mark cramp onsets and ends.
    pub lap_tags: bool,
}

impl TagOptions {
    /// These options as (name, value) rows of a report's settings table.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "tag time zone (--tz)",
                self.tz
                    .map_or("each activity's own offset".to_string(), |z| z.to_string()),
            ),
            (
                "relative tags are timer time",
                self.timer_offsets.to_string(),
            ),
            ("FIT lap presses are tags", self.lap_tags.to_string()),
        ]
    }
}

/// Where a cramp tag came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagSource {
    /// A row of this tag file.
    Csv(PathBuf),
    /// A GPX waypoint named "cramp…".
    GpxWaypoint,
    /// FIT manual lap presses (`--lap-tags`).
    FitLap,
}

/// A cramp tag resolved for one activity, times in UTC.
#[derive(Debug, Clone, PartialEq)]
pub struct CrampTag {
    /// Line in the tag file (`None` for in-file tags).
    pub line: Option<usize>,
    /// Where the tag came from.
    pub source: TagSource,
    /// Cramp onset.
    pub onset_utc: DateTime<Utc>,
    /// Cramp over, if known.
    pub end_utc: Option<DateTime<Utc>>,
    /// 1 mild, 2 moderate, 3 severe.
    pub severity: Option<u8>,
    /// Whether the onset was typed in afterwards (in-file tags: never).
    pub approx: bool,
    /// Which muscle.
    pub muscle: Option<String>,
    /// Free text (for a waypoint: its name).
    pub note: Option<String>,
    /// Stable identifier of the tag's origin: `cramps.csv:7`,
    /// `run.gpx#wpt3` (waypoint index), `run.fit#lap5` (lap index of the
    /// onset press).
    pub row_id: String,
}

impl CrampTag {
    /// Seconds from the activity's start to the onset (wall-clock).
    pub fn onset_elapsed_s(&self, act: &Activity) -> f64 {
        seconds_between(act.start_utc, self.onset_utc)
    }

    /// Seconds from the activity's start to the end, if known.
    pub fn end_elapsed_s(&self, act: &Activity) -> Option<f64> {
        self.end_utc.map(|e| seconds_between(act.start_utc, e))
    }

    /// Tagged length of the cramp in seconds, if the end is known.
    pub fn duration_s(&self) -> Option<f64> {
        self.end_utc.map(|e| seconds_between(self.onset_utc, e))
    }
}

/// What a tag row means for one activity.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// The row tags a cramp in this activity.
    Matches(CrampTag),
    /// The row belongs to another activity (or none).
    NotThis,
    /// The row belongs to this activity but cannot be used; the problem
    /// names the time, the file and what to change. The pipeline reports it
    /// as a warning of the activity and counts the row as claimed.
    Problem(TagProblem),
}
