//! Everything that can be wrong with a tag, as types, and the one place
//! each is put into words. The values a message needs travel in the
//! variant, so code that finds a problem never assembles text. A message
//! says what is wrong with which value and what to change: how to write
//! it instead, or what to check.
//!
//! Where a row problem is: [`TagProblem`] always reads `cramps.csv:7: …`
//! (path, line, reason), whether it was found reading the file or matching
//! its rows to activities.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, Utc};
use chrono_tz::Tz;
use thiserror::Error;

use super::END_DURATION_AGREEMENT_S;
use super::csv::KNOWN_COLUMNS;
use super::time::{TimeReading, TimeSpec, fmt_clock_span, fmt_offset, fmt_utc};
use super::zone::TagZone;

/// What a runner may write as a time, for error messages.
pub(super) const TIME_FORMS: &str = "write an absolute time (2026-05-03T08:42:10+02:00 or \
    2026-05-03T06:42:10Z), a local clock time (2026-05-03 08:42:10, read with --tz or the \
    activity's own UTC offset), or a time since the activity's start (+41:30 as m:ss, \
    +1:05:00 as h:mm:ss, +95 as seconds)";

/// A tag row that cannot be used (or did not find exactly one activity):
/// where it is, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct TagProblem {
    /// The tag file.
    pub csv_path: PathBuf,
    /// Physical line number (header = line 1).
    pub line: usize,
    /// What is wrong.
    pub kind: TagProblemKind,
}

/// `cramps.csv:7: reason`.
impl fmt::Display for TagProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.csv_path.display(),
            self.line,
            self.kind
        )
    }
}

/// Which time column of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeColumn {
    /// `start`: the cramp's onset.
    Start,
    /// `end`: the cramp is over.
    End,
}

impl fmt::Display for TimeColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeColumn::Start => "start",
            TimeColumn::End => "end",
        })
    }
}

/// What is wrong with a tag row. The message ([`fmt::Display`]) is the
/// reason alone, without the location.
#[derive(Debug, Clone, PartialEq)]
pub enum TagProblemKind {
    // ---- found reading the tag file ----
    /// The CSV layer could not split the row into cells.
    UnreadableRow {
        /// The CSV reader's words.
        error: String,
    },
    /// Cells of the row are wrong; every fault is named, in column order
    /// (never empty).
    BadRow(Vec<RowFault>),

    // ---- found placing the row in an activity ----
    /// A local time, but neither `--tz` nor the activity gives a zone.
    LocalTimeWithoutZone {
        /// The column it is in.
        column: TimeColumn,
        /// The time as written.
        local: NaiveDateTime,
        /// The activity's display path.
        activity: String,
    },
    /// A local time that a DST change in `--tz` makes ambiguous or skips.
    Dst(DstProblem),
    /// The onset of a row that names its activity falls outside it.
    StartOutsideActivity {
        /// The start as written.
        start: TimeSpec,
        /// Where it fell, as the runner reads times.
        onset: String,
        /// How it was read.
        reading: TimeReading,
        /// The activity's display path.
        activity: String,
        /// The activity's first sample, as the runner reads times.
        from: String,
        /// Its last sample, likewise.
        to: String,
        /// Its length in whole seconds.
        length_s: f64,
    },
    /// `end` and `duration` give ends more than
    /// [`END_DURATION_AGREEMENT_S`] apart.
    EndDisagreesWithDuration {
        /// Onset to `end`, seconds.
        span_s: f64,
        /// The `duration` cell, seconds.
        duration_s: f64,
    },
    /// `end` falls at or before the onset.
    EndNotAfterOnset {
        /// The end as written.
        end: TimeSpec,
        /// Where it fell, as the runner reads times.
        at: String,
        /// How it was read.
        reading: TimeReading,
        /// The onset, as the runner reads times.
        onset: String,
    },

    // ---- found checking the whole batch ----
    /// The row names a file, and no activity of that name was read.
    NoActivityFile {
        /// The `file` cell.
        file: String,
        /// The folder searched (the tag file's); `None` for `--tags`.
        searched: Option<PathBuf>,
        /// Names of activities read that the cell nearly names (letter
        /// case, extension, a typo), nearest first.
        nearest: Vec<String>,
    },
    /// The row names no file, and no activity was recording at its onset.
    NoActivityRecording {
        /// The start as written.
        start: TimeSpec,
        /// The folder searched (the tag file's); `None` for `--tags`.
        searched: Option<PathBuf>,
    },
    /// The row names no file, and no activity was recording at its local
    /// onset (read in `--tz`, or in each activity's own offset).
    NoActivityRecordingLocal {
        /// The start as written.
        local: NaiveDateTime,
        /// `--tz`, if given.
        tz: Option<TagZone>,
        /// The folder searched (the tag file's); `None` for `--tags`.
        searched: Option<PathBuf>,
    },
    /// The row tags a cramp of an activity that is not analysed (another
    /// sport, or longer than a week).
    ActivityNotAnalysed {
        /// The activity's display path.
        activity: String,
        /// Why it is not analysed, with what to do.
        reason: String,
    },
    /// More than one activity claimed the row.
    SeveralActivities {
        /// Their display paths, sorted.
        activities: Vec<String>,
        /// Whether the row names a file (then a longer path tells them apart).
        names_file: bool,
    },
}

/// ` under runs`, ` in its folder`, or nothing for a `--tags` file.
fn searched_in(dir: &Option<PathBuf>) -> String {
    match dir {
        Some(d) if d.as_os_str().is_empty() => " in its folder".to_string(),
        Some(d) => format!(" under {}", d.display()),
        None => String::new(),
    }
}

/// What to do about an end at or before the onset. A `+` end counts from
/// the activity's start, not from the onset, so a small one is most likely
/// the cramp's length; `start` is the row's start when it is known.
fn end_fix(end: &TimeSpec, start: Option<&TimeSpec>) -> String {
    match (end, start) {
        (TimeSpec::Relative(e), Some(TimeSpec::Relative(s))) if e == s => {
            "a cramp lasts longer than 0 s: correct the end, or leave it empty if you don't know \
             when the cramp was over"
                .to_string()
        }
        (TimeSpec::Relative(e), Some(TimeSpec::Relative(s))) => format!(
            "a `+` end counts from the activity's start, like the start does; if {} is how \
             long the cramp lasted, move it to `duration` (or write the end as +{})",
            fmt_clock_span(*e),
            fmt_clock_span(s + e)
        ),
        (TimeSpec::Relative(e), _) => format!(
            "a `+` end counts from the activity's start, not from the onset; if {} is how long \
             the cramp lasted, move it to `duration`",
            fmt_clock_span(*e)
        ),
        _ => "correct the end (its date, time or offset), or leave it empty and give `duration` \
              instead"
            .to_string(),
    }
}

fn disagreement(f: &mut fmt::Formatter<'_>, span_s: f64, duration_s: f64) -> fmt::Result {
    write!(
        f,
        "end makes the cramp last {span_s:.0} s but duration says {duration_s:.0} s; they must \
         agree within {END_DURATION_AGREEMENT_S:.0} s (or leave one of them empty)"
    )
}

impl fmt::Display for TagProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagProblemKind::UnreadableRow { error } => write!(
                f,
                "unreadable row: {error}; a cell that holds the separator or a line break must be \
                 in double quotes, with each quote inside it doubled (\"\")"
            ),
            TagProblemKind::BadRow(faults) => {
                for (i, fault) in faults.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{fault}")?;
                }
                Ok(())
            }
            TagProblemKind::LocalTimeWithoutZone {
                column,
                local,
                activity,
            } => write!(
                f,
                "{column} `{}` is a local time, but {activity} records no UTC offset: give --tz \
                 ZONE (e.g. --tz Europe/Berlin or --tz +02:00) or write the time with its offset \
                 (e.g. {}+02:00)",
                TimeSpec::Local(*local),
                local.format("%Y-%m-%dT%H:%M:%S"),
            ),
            TagProblemKind::Dst(p) => write!(f, "{p}"),
            TagProblemKind::StartOutsideActivity {
                start,
                onset,
                reading,
                activity,
                from,
                to,
                length_s,
            } => {
                write!(
                    f,
                    "start `{start}` falls at {onset}{reading}, outside {activity}, which runs \
                     from {from} to {to} ({}): ",
                    fmt_clock_span(*length_s),
                )?;
                match (start, reading) {
                    (TimeSpec::Relative(_), _) => write!(
                        f,
                        "a time since the start must lie between +0:00 and +{}; check the time, \
                         and that `file` names the run it happened on",
                        fmt_clock_span(*length_s)
                    ),
                    (_, TimeReading::LocalAtFileOffset(_)) => f.write_str(
                        "check the date and time, and that `file` names the run it happened on; \
                         if you wrote it in another zone than the watch's, give --tz",
                    ),
                    _ => f.write_str(
                        "check the date, time and offset, and that `file` names the run it \
                         happened on",
                    ),
                }
            }
            TagProblemKind::EndDisagreesWithDuration { span_s, duration_s } => {
                disagreement(f, *span_s, *duration_s)
            }
            TagProblemKind::EndNotAfterOnset {
                end,
                at,
                reading,
                onset,
            } => write!(
                f,
                "end `{end}` falls at {at}{reading}, not after the onset at {onset}: {}",
                end_fix(end, None)
            ),
            TagProblemKind::NoActivityFile {
                file,
                searched,
                nearest,
            } => {
                write!(
                    f,
                    "matches no activity (no activity file `{file}` was read{})",
                    searched_in(searched)
                )?;
                match nearest.as_slice() {
                    [] => f.write_str(
                        "; check `file` against the activity files' names (letter case and \
                         extension count), or give that file as a PATH",
                    ),
                    [one] => write!(
                        f,
                        "; did you mean `{one}`? `file` must name it exactly, letter case and \
                         extension included"
                    ),
                    more => {
                        let quoted: Vec<String> = more.iter().map(|n| format!("`{n}`")).collect();
                        write!(
                            f,
                            "; did you mean {}? `file` must name it exactly, letter case and \
                             extension included",
                            quoted.join(" or ")
                        )
                    }
                }
            }
            TagProblemKind::NoActivityRecording { start, searched } => write!(
                f,
                "matches no activity (no activity{} was recording at {start}); check the date \
                 and time, or name the activity in `file`",
                searched_in(searched)
            ),
            TagProblemKind::NoActivityRecordingLocal {
                local,
                tz: Some(tz),
                searched,
            } => write!(
                f,
                "matches no activity (no activity{} was recording at local time {} in {tz}); \
                 check the date, time and --tz, or name the activity in `file`",
                searched_in(searched),
                local.format("%Y-%m-%d %H:%M:%S"),
            ),
            TagProblemKind::NoActivityRecordingLocal {
                local,
                tz: None,
                searched,
            } => write!(
                f,
                "matches no activity (no activity{} was recording at local time {} by its own \
                 UTC offset; activities whose files record no offset cannot be matched to a \
                 local time: give --tz ZONE or write the time with its offset)",
                searched_in(searched),
                local.format("%Y-%m-%d %H:%M:%S")
            ),
            TagProblemKind::ActivityNotAnalysed { activity, reason } => write!(
                f,
                "tags a cramp in {activity}, which is not analysed: {reason}"
            ),
            TagProblemKind::SeveralActivities {
                activities,
                names_file,
            } => {
                let fix = if *names_file {
                    "add a longer path in `file` (e.g. folder/name)"
                } else {
                    "name the activity in `file`"
                };
                write!(
                    f,
                    "matches {} activities ({}); {fix}",
                    activities.len(),
                    activities.join(", ")
                )
            }
        }
    }
}

/// One wrong cell (or pair of cells) of a row, found reading the file.
#[derive(Debug, Clone, PartialEq)]
pub enum RowFault {
    /// `start` is empty.
    StartEmpty,
    /// `start` or `end` is not one of the time forms.
    UnreadableTime {
        /// Which column.
        column: TimeColumn,
        /// What is wrong with it.
        error: TimeError,
    },
    /// A relative `start` in a row that names no activity.
    RelativeStartWithoutFile {
        /// The `start` cell as written.
        start: String,
        /// Whether the file has a `file` column (to fill in) or not (to add).
        has_file_column: bool,
    },
    /// `duration` is zero or negative.
    DurationNotPositive {
        /// The cell as written.
        text: String,
    },
    /// `duration` is not a length of time.
    UnreadableDuration {
        /// The cell as written.
        text: String,
        /// What is wrong with it.
        error: SpanError,
    },
    /// `end` is not after `start` (both of a kind comparable without an
    /// activity).
    EndNotAfterStart {
        /// The start as read.
        start: TimeSpec,
        /// The end as read.
        end: TimeSpec,
    },
    /// `end` and `duration` give ends more than
    /// [`END_DURATION_AGREEMENT_S`] apart.
    EndDisagreesWithDuration {
        /// Start to `end`, seconds.
        span_s: f64,
        /// The `duration` cell, seconds.
        duration_s: f64,
    },
    /// `severity` is not one of the three levels.
    UnknownSeverity {
        /// The cell as written.
        text: String,
    },
    /// `approx` is not yes or no.
    NotYesNo {
        /// The cell as written.
        text: String,
    },
}

impl fmt::Display for RowFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowFault::StartEmpty => write!(
                f,
                "start is empty (the cramp's onset is required: {TIME_FORMS})"
            ),
            RowFault::UnreadableTime { column, error } => write!(f, "{column} {error}"),
            RowFault::RelativeStartWithoutFile {
                start,
                has_file_column,
            } => {
                let fix = if *has_file_column {
                    "fill in `file`"
                } else {
                    "add a `file` column"
                };
                write!(
                    f,
                    "start `{start}` counts from the activity's start, so the row must name the \
                     activity: {fix}"
                )
            }
            RowFault::DurationNotPositive { text } => {
                write!(f, "duration `{text}` must be longer than 0 s")
            }
            RowFault::UnreadableDuration { text, error } => write!(
                f,
                "duration `{text}` is not a length of time ({error}): write seconds (75 or 75.5), \
                 m:ss (1:15) or with units (75s, 1m15s)"
            ),
            RowFault::EndNotAfterStart { start, end } => write!(
                f,
                "end `{end}` is not after start `{start}`: {}",
                end_fix(end, Some(start))
            ),
            RowFault::EndDisagreesWithDuration { span_s, duration_s } => {
                disagreement(f, *span_s, *duration_s)
            }
            RowFault::UnknownSeverity { text } => write!(
                f,
                "severity `{text}` is not one of 1/mild, 2/moderate, 3/severe (or leave it empty)"
            ),
            RowFault::NotYesNo { text } => write!(
                f,
                "approx `{text}` is not yes/no (also y/n, true/false, 1/0; empty means no)"
            ),
        }
    }
}

/// Why a cell is not one of the time forms of docs/METHOD.md §2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// `+…` that is not seconds, m:ss or h:mm:ss.
    NotASpan {
        /// The text, trimmed.
        text: String,
        /// What is wrong with the span.
        why: SpanError,
    },
    /// A clock time without date or `+` (`08:42`).
    ClockWithoutDate {
        /// The text, trimmed.
        text: String,
    },
    /// Neither date-first nor `+`.
    NotATime {
        /// The text, trimmed.
        text: String,
    },
    /// A date-time whose UTC offset is not ±hh:mm (or beyond ±14:59).
    BadOffset {
        /// The text, trimmed.
        text: String,
        /// The offset part.
        offset: String,
    },
    /// Starts like a date but is no valid date and time.
    NotADateTime {
        /// The text, trimmed.
        text: String,
    },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::NotASpan { text, why } => write!(
                f,
                "`{text}` is not a time since the start ({why}); {TIME_FORMS}"
            ),
            TimeError::ClockWithoutDate { text } => write!(
                f,
                "`{text}` has neither a date nor a leading `+`: for a time since the \
                 activity's start write +{text}; for a clock time write the date too \
                 (e.g. 2026-05-03 {text})"
            ),
            TimeError::NotATime { text } => write!(f, "`{text}` is not a time; {TIME_FORMS}"),
            TimeError::BadOffset { text, offset } => {
                write!(f, "`{text}`: the UTC offset `{offset}` is not ±hh:mm")
            }
            TimeError::NotADateTime { text } => {
                write!(f, "`{text}` is not a valid date and time; {TIME_FORMS}")
            }
        }
    }
}

impl std::error::Error for TimeError {}

/// Why a text is not a length of time (seconds, m:ss or h:mm:ss).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SpanError {
    /// Not digits and colons in one of the three shapes.
    #[error("expected seconds, m:ss or h:mm:ss")]
    NotAClockSpan,
    /// `m:ss` or `h:mm:ss` with 60 seconds or more.
    #[error("seconds must be below 60")]
    SecondsOver59,
    /// `h:mm:ss` with 60 minutes or more.
    #[error("minutes must be below 60 in h:mm:ss")]
    MinutesOver59,
    /// Longer than [`super::MAX_SPAN_S`].
    #[error("longer than 30 days")]
    TooLong,
}

/// A local time that `--tz` cannot place on its own, because of a DST change.
#[derive(Debug, Clone, PartialEq)]
pub enum DstProblem {
    /// The clocks went back: the time happened twice.
    Ambiguous {
        /// The time as written.
        local: NaiveDateTime,
        /// The zone (`--tz`).
        tz: Tz,
        /// The earlier reading.
        first: DateTime<Tz>,
        /// The later reading.
        second: DateTime<Tz>,
    },
    /// The clocks jumped forward over the time: it never happened.
    Skipped {
        /// The time as written.
        local: NaiveDateTime,
        /// The zone (`--tz`).
        tz: Tz,
        /// The UTC offset before the jump, seconds.
        offset_before_s: i32,
        /// The UTC offset after it, seconds.
        offset_after_s: i32,
    },
}

impl DstProblem {
    /// The two instants the runner may have meant.
    pub fn candidates(&self) -> [DateTime<Utc>; 2] {
        match self {
            DstProblem::Ambiguous { first, second, .. } => {
                [first.with_timezone(&Utc), second.with_timezone(&Utc)]
            }
            DstProblem::Skipped {
                local,
                offset_before_s,
                offset_after_s,
                ..
            } => [*offset_before_s, *offset_after_s]
                .map(|o| (*local - TimeDelta::seconds(o.into())).and_utc()),
        }
    }
}

impl fmt::Display for DstProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a_utc, b_utc] = self.candidates();
        match self {
            DstProblem::Ambiguous {
                local,
                tz,
                first,
                second,
            } => {
                let iso = local.format("%Y-%m-%dT%H:%M:%S%.f");
                let (ao, bo) = (
                    fmt_offset(first.offset().fix().local_minus_utc()),
                    fmt_offset(second.offset().fix().local_minus_utc()),
                );
                write!(
                    f,
                    "local time {} is ambiguous in {}: the clocks went back that night, \
                     so it happened twice — at {} ({iso}{ao}, {}) and at {} ({iso}{bo}, {}); \
                     write it with the offset you mean, e.g. {iso}{ao}",
                    local.format("%Y-%m-%d %H:%M:%S%.f"),
                    tz.name(),
                    fmt_utc(a_utc),
                    first.format("%Z"),
                    fmt_utc(b_utc),
                    second.format("%Z"),
                )
            }
            DstProblem::Skipped {
                local,
                tz,
                offset_before_s,
                offset_after_s,
            } => {
                let iso = local.format("%Y-%m-%dT%H:%M:%S%.f");
                let (ob, oa) = (fmt_offset(*offset_before_s), fmt_offset(*offset_after_s));
                write!(
                    f,
                    "local time {} does not exist in {}: the clocks jumped forward over it \
                     that night ({ob} to {oa}); check the time, or write it with an explicit \
                     offset — {iso}{ob} (= {}) or {iso}{oa} (= {})",
                    local.format("%Y-%m-%d %H:%M:%S%.f"),
                    tz.name(),
                    fmt_utc(a_utc),
                    fmt_utc(b_utc),
                )
            }
        }
    }
}

/// Something about a tag file's header that does not stop it being read.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnWarning {
    /// Columns that are none of [`KNOWN_COLUMNS`]; they are ignored.
    Unknown {
        /// The tag file.
        csv_path: PathBuf,
        /// The header cells, as written.
        columns: Vec<String>,
    },
    /// Known columns named twice or more; the first of each is used.
    Repeated {
        /// The tag file.
        csv_path: PathBuf,
        /// The column names, lower case.
        columns: Vec<String>,
    },
}

impl fmt::Display for ColumnWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnWarning::Unknown { csv_path, columns } => {
                let quoted: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
                write!(
                    f,
                    "{}: ignored unknown column(s) {} (known: {})",
                    csv_path.display(),
                    quoted.join(", "),
                    KNOWN_COLUMNS.join(", ")
                )
            }
            ColumnWarning::Repeated { csv_path, columns } => write!(
                f,
                "{}: column(s) {} appear more than once; the first of each is used",
                csv_path.display(),
                columns.join(", ")
            ),
        }
    }
}

/// Something wrong with the tags inside an activity file. The message
/// names no file: it joins the activity's own warnings.
#[derive(Debug, Clone, PartialEq)]
pub enum InFileWarning {
    /// A cramp waypoint without a time.
    WaypointWithoutTime {
        /// 1-based index among the file's waypoints.
        index: usize,
        /// Its name.
        name: String,
    },
    /// A cramp waypoint outside the recording.
    WaypointOutsideRecording {
        /// 1-based index among the file's waypoints.
        index: usize,
        /// Its name.
        name: String,
        /// Its time, as the runner reads times.
        at: String,
        /// The recording's first sample, likewise.
        from: String,
        /// Its last sample, likewise.
        to: String,
    },
    /// A closing waypoint with no cramp open.
    CloserWithoutOpener {
        /// 1-based index among the file's waypoints.
        index: usize,
        /// Its name.
        name: String,
        /// Its time, as the runner reads times.
        at: String,
    },
    /// An opening waypoint while another cramp is open (in a file that has
    /// closing waypoints).
    OpenerWhileOpen {
        /// 1-based index among the file's waypoints.
        index: usize,
        /// Its name.
        name: String,
        /// Its time, as the runner reads times.
        at: String,
        /// 1-based index of the waypoint that opened the open cramp.
        open_index: usize,
    },
    /// An opening waypoint that nothing closes (in a file that has closing
    /// waypoints).
    OpenerNeverClosed {
        /// 1-based index among the file's waypoints.
        index: usize,
        /// Its name.
        name: String,
    },
    /// An odd last manual lap press (`--lap-tags`).
    UnpairedLapPress {
        /// Its time, as the runner reads times.
        at: String,
        /// Seconds into the run, whole.
        into_run_s: f64,
    },
}

impl fmt::Display for InFileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InFileWarning::WaypointWithoutTime { index, name } => write!(
                f,
                "waypoint {index} \"{name}\" has no time, so it cannot tag a cramp; tag it in \
                 cramps.csv"
            ),
            InFileWarning::WaypointOutsideRecording {
                index,
                name,
                at,
                from,
                to,
            } => write!(
                f,
                "waypoint {index} \"{name}\" at {at} lies outside the recording ({from} to \
                 {to}); ignored: move it onto the run in the GPX file, or tag the cramp in \
                 cramps.csv"
            ),
            InFileWarning::CloserWithoutOpener { index, name, at } => write!(
                f,
                "waypoint {index} \"{name}\" at {at} ends a cramp, but none is open; ignored: \
                 mark the onset with a waypoint named `cramp`, or tag the cramp in cramps.csv"
            ),
            InFileWarning::OpenerWhileOpen {
                index,
                name,
                at,
                open_index,
            } => write!(
                f,
                "waypoint {index} \"{name}\" at {at} opens a cramp while the one from waypoint \
                 {open_index} is still open; that one is kept without an end"
            ),
            InFileWarning::OpenerNeverClosed { index, name } => write!(
                f,
                "waypoint {index} \"{name}\" opens a cramp that no waypoint closes; kept without \
                 an end"
            ),
            InFileWarning::UnpairedLapPress { at, into_run_s } => write!(
                f,
                "manual lap press at {at} ({} into the run) has no second press to end the \
                 cramp; kept without an end",
                fmt_clock_span(*into_run_s)
            ),
        }
    }
}

impl InFileWarning {
    /// Whether the warning is about a cramp marker that tags nothing (a
    /// waypoint without a time, outside the recording, or closing no
    /// cramp); the others keep their cramp, without an end.
    pub fn loses_tag(&self) -> bool {
        matches!(
            self,
            InFileWarning::WaypointWithoutTime { .. }
                | InFileWarning::WaypointOutsideRecording { .. }
                | InFileWarning::CloserWithoutOpener { .. }
        )
    }
}

/// Two tags of one activity whose onsets lie within
/// [`crate::duplicates::REPEAT_WITHIN_S`]: the same cramp tagged twice (a
/// row repeated, or the same row in `cramps.csv` and in a `--tags` file).
/// They are merged into the first.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatedTag {
    /// The tag kept (`cramps.csv:4`).
    pub kept: String,
    /// The copy merged into it.
    pub copy: String,
    /// The activity's display path.
    pub activity: String,
    /// Seconds between the two onsets.
    pub apart_s: f64,
}

impl fmt::Display for RepeatedTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} and {} tag the same cramp in {} (onsets {:.0} s apart); counted once, as {}: \
             delete one of them",
            self.kept, self.copy, self.activity, self.apart_s, self.kept
        )
    }
}

/// Why a whole tag file could not be used (the run stops with exit 1).
#[derive(Debug, Error)]
pub enum TagFileError {
    /// The file could not be read.
    #[error("cannot read tag file {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bytes are not UTF-8 text.
    #[error(
        "tag file {path} is not UTF-8 text (first bad byte on line {line}); save it as \"CSV UTF-8\""
    )]
    NotUtf8 {
        /// The path.
        path: String,
        /// The line of the first invalid byte.
        line: usize,
    },
    /// The file has no header line.
    #[error(
        "tag file {path} is empty: its first line must name the columns, e.g. file,start,end,severity"
    )]
    NoHeader {
        /// The path.
        path: String,
    },
    /// The header has no `start` column.
    #[error(
        "tag file {path} has no `start` column (its header names: {found}); the first line must name the columns, e.g. file,start,end,severity"
    )]
    NoStartColumn {
        /// The path.
        path: String,
        /// The header cells found, comma-separated.
        found: String,
    },
    /// The CSV layer could not read the header.
    #[error("tag file {path}: unreadable header: {reason}")]
    Malformed {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
}
