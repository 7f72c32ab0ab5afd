//! Cramp tags: the runner's `cramps.csv` rows and the tags inside activity
//! files (GPX waypoints, FIT manual laps), resolved to UTC onsets and ends
//! for one activity at a time.
//!
//! The batch pipeline reads each activity once, in parallel, so resolution is
//! per activity: [`parse_csv`] turns a tag file into [`TagRow`]s (bad rows
//! become [`TagProblem`]s with their line number; the others are kept), then
//! for every activity the pipeline asks [`resolve_for`] about every row. A
//! row answers [`Resolution::Matches`] (here is the cramp, in UTC),
//! [`Resolution::NotThis`] (the row belongs elsewhere), or
//! [`Resolution::Problem`] (the row belongs to this activity but cannot be
//! used, with a reason the runner can act on). Finally [`check_matches`]
//! reports rows that no activity, or several, claimed.
//!
//! Time forms (DESIGN.md §2): absolute RFC 3339 (`2026-05-03T08:42:10+02:00`,
//! `…Z`), local wall-clock (`2026-05-03 08:42:10`, read with `--tz` or the
//! activity's own UTC offset) and relative to the activity's start (`+41:30`,
//! `+1:05:00`, `+95`). Nothing here reads the machine's time zone.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use chrono::{
    DateTime, FixedOffset, MappedLocalTime, NaiveDateTime, Offset, SecondsFormat, TimeDelta,
    TimeZone, Utc,
};
use chrono_tz::Tz;
use thiserror::Error;

use crate::activity::Activity;

/// How far (seconds) a resolved onset may fall outside an activity's first
/// and last sample and still belong to it: a tag marked as the watch stops
/// lands a sample interval (1 s, or several with "smart" recording) after
/// the last sample. Our choice; DESIGN.md says "more than a few seconds".
pub const SPAN_TOLERANCE_S: f64 = 5.0;

/// When a row gives both `end` and `duration`, they must agree within this
/// many seconds (DESIGN.md §2).
pub const END_DURATION_AGREEMENT_S: f64 = 5.0;

/// Longest relative time or duration accepted (30 days, in seconds): longer
/// values are typing errors, and refusing them keeps time arithmetic in range.
pub const MAX_SPAN_S: f64 = 30.0 * 86_400.0;

/// The columns a tag file may have (header names, case-insensitive).
pub const KNOWN_COLUMNS: [&str; 8] = [
    "file", "start", "end", "duration", "severity", "approx", "muscle", "note",
];

/// What a runner may write as a time, for error messages.
const TIME_FORMS: &str = "write an absolute time (2026-05-03T08:42:10+02:00 or \
    2026-05-03T06:42:10Z), a local clock time (2026-05-03 08:42:10, read with --tz or the \
    activity's own UTC offset), or a time since the activity's start (+41:30 as m:ss, \
    +1:05:00 as h:mm:ss, +95 as seconds)";

/// A time as written in a tag: its meaning may depend on the activity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeSpec {
    /// An instant: RFC 3339 with `Z` or an offset.
    Absolute(DateTime<Utc>),
    /// A wall-clock time without zone, read with `--tz` or the activity's
    /// own UTC offset.
    Local(NaiveDateTime),
    /// Seconds since the activity's first sample (wall-clock, or timer time
    /// with `--timer-offsets`).
    Relative(f64),
}

impl TimeSpec {
    /// Parse one of the time forms of DESIGN.md §2; the error says which
    /// forms are accepted.
    pub fn parse(text: &str) -> Result<TimeSpec, String> {
        let s = text.trim();
        if let Some(rest) = s.strip_prefix('+') {
            return parse_clock_span_s(rest)
                .map(TimeSpec::Relative)
                .map_err(|why| {
                    format!("`{s}` is not a time since the start ({why}); {TIME_FORMS}")
                });
        }
        let b = s.as_bytes();
        let date_first =
            b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
        if !date_first {
            if s.contains(':')
                && s.bytes()
                    .all(|c| c.is_ascii_digit() || c == b':' || c == b'.')
            {
                return Err(format!(
                    "`{s}` has neither a date nor a leading `+`: for a time since the \
                     activity's start write +{s}; for a clock time write the date too \
                     (e.g. 2026-05-03 {s})"
                ));
            }
            return Err(format!("`{s}` is not a time; {TIME_FORMS}"));
        }
        let (naive_part, offset) = split_zone(s).map_err(|why| format!("`{s}`: {why}"))?;
        let naive = parse_naive(naive_part)
            .ok_or_else(|| format!("`{s}` is not a valid date and time; {TIME_FORMS}"))?;
        Ok(match offset {
            Some(off) => TimeSpec::Absolute((naive - TimeDelta::seconds(off.into())).and_utc()),
            None => TimeSpec::Local(naive),
        })
    }
}

impl fmt::Display for TimeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeSpec::Absolute(t) => write!(f, "{}", fmt_utc(*t)),
            TimeSpec::Local(n) => write!(f, "{}", n.format("%Y-%m-%d %H:%M:%S%.f")),
            TimeSpec::Relative(s) => write!(f, "+{}", fmt_clock_span(*s)),
        }
    }
}

/// Split a date-time into its local part and its offset (seconds east of
/// UTC), if it has one: `Z`, ` UTC`, `±hh:mm`, `±hhmm` or `±hh`.
fn split_zone(s: &str) -> Result<(&str, Option<i32>), String> {
    for z in ["Z", "z", " UTC", "UTC"] {
        if let Some(rest) = s.strip_suffix(z) {
            return Ok((rest, Some(0)));
        }
    }
    // The date's own dashes end at byte 10; a sign after that starts an offset.
    // A multi-byte character across byte 10 is no date: leave it to the
    // date parser's error (slicing there panicked; found by fuzz/tags).
    let Some(pos) = s
        .get(10..)
        .and_then(|tail| tail.rfind(['+', '-']))
        .map(|p| p + 10)
    else {
        return Ok((s, None));
    };
    let sign = if s.as_bytes()[pos] == b'-' { -1 } else { 1 };
    let digits: String = s[pos + 1..].chars().filter(|c| *c != ':').collect();
    let ok = matches!(digits.len(), 2 | 4) && digits.bytes().all(|c| c.is_ascii_digit());
    let bad = || format!("the UTC offset `{}` is not ±hh:mm", &s[pos..]);
    if !ok {
        return Err(bad());
    }
    let h: i32 = digits[..2].parse().map_err(|_| bad())?;
    let m: i32 = if digits.len() == 4 {
        digits[2..].parse().map_err(|_| bad())?
    } else {
        0
    };
    // Real offsets span −12:00 … +14:00.
    if h > 14 || m > 59 {
        return Err(bad());
    }
    Ok((&s[..pos], Some(sign * (h * 3600 + m * 60))))
}

/// `2026-05-03T08:42:10`, with `T`, `t` or a space, optional fraction,
/// optional seconds.
fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let (date, time) = (s.get(..10)?, s.get(10..)?);
    let time = time.strip_prefix(['T', 't', ' ']).map(str::trim_start)?;
    let joined = format!("{date}T{time}");
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&joined, f).ok())
}

/// `95`, `95.5`, `41:30` (m:ss) or `1:05:00` (h:mm:ss) as seconds.
fn parse_clock_span_s(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(':').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err("expected seconds, m:ss or h:mm:ss".into());
    }
    let (last, whole) = parts.split_last().expect("split yields at least one part");
    let digits_dot = |p: &str| {
        p.bytes().all(|c| c.is_ascii_digit() || c == b'.')
            && p.bytes().filter(|c| *c == b'.').count() <= 1
    };
    if !digits_dot(last) || whole.iter().any(|p| !p.bytes().all(|c| c.is_ascii_digit())) {
        return Err("expected seconds, m:ss or h:mm:ss".into());
    }
    let secs: f64 = last
        .parse()
        .map_err(|_| "expected seconds, m:ss or h:mm:ss")?;
    let nums: Vec<f64> = whole
        .iter()
        .map(|p| p.parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| "expected seconds, m:ss or h:mm:ss")?;
    if !whole.is_empty() && secs >= 60.0 {
        return Err("seconds must be below 60".into());
    }
    if nums.len() == 2 && nums[1] >= 60.0 {
        return Err("minutes must be below 60 in h:mm:ss".into());
    }
    // m:ss → m·60 + s; h:mm:ss → (h·60 + m)·60 + s.
    let total = nums.iter().fold(0.0, |acc, n| (acc + n) * 60.0) + secs;
    if total > MAX_SPAN_S {
        return Err("longer than 30 days".into());
    }
    Ok(total)
}

/// Seconds as `m:ss` or `h:mm:ss` (fraction kept when there is one).
fn fmt_clock_span(s: f64) -> String {
    let whole = s.trunc() as i64;
    let frac = s - s.trunc();
    let (h, m, sec) = (whole / 3600, whole % 3600 / 60, whole % 60);
    let sec = if frac.abs() > 1e-9 {
        format!("{:04.1}", sec as f64 + frac)
    } else {
        format!("{sec:02}")
    };
    if h > 0 {
        format!("{h}:{m:02}:{sec}")
    } else {
        format!("{m}:{sec}")
    }
}

fn fmt_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// One good row of a tag file.
#[derive(Debug, Clone, PartialEq)]
pub struct TagRow {
    /// The tag file it came from (for messages and [`TagSource::Csv`]).
    pub csv_path: PathBuf,
    /// Physical line number in the tag file (header = line 1).
    pub line: usize,
    /// The folder whose activities (and those below) this row may tag;
    /// `None` for a file given with `--tags`, which tags everywhere.
    pub origin_dir: Option<PathBuf>,
    /// The `file` cell: an activity file name or a longer path suffix.
    pub file: Option<String>,
    /// Cramp onset.
    pub start: TimeSpec,
    /// Cramp over, if given.
    pub end: Option<TimeSpec>,
    /// Cramp length in seconds, if given.
    pub duration_s: Option<f64>,
    /// 1 mild, 2 moderate, 3 severe.
    pub severity: Option<u8>,
    /// Whether the onset was typed in afterwards rather than marked live.
    pub approx: bool,
    /// Which muscle.
    pub muscle: Option<String>,
    /// Free text.
    pub note: Option<String>,
}

impl TagRow {
    /// `cramps.csv line 7`, to prefix messages about this row.
    pub fn location(&self) -> String {
        format!("{} line {}", self.csv_path.display(), self.line)
    }
}

/// A row that could not be used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct TagProblem {
    /// The tag file.
    pub csv_path: PathBuf,
    /// Physical line number (header = line 1).
    pub line: usize,
    /// What is wrong, in words a runner can act on.
    pub reason: String,
}

impl fmt::Display for TagProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} line {}: {}",
            self.csv_path.display(),
            self.line,
            self.reason
        )
    }
}

/// A parsed tag file: the good rows, the bad ones, and file-level warnings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedTags {
    /// Rows that parsed.
    pub rows: Vec<TagRow>,
    /// Rows that did not, with line numbers and reasons.
    pub problems: Vec<TagProblem>,
    /// Warnings about the file as a whole (unknown or repeated columns).
    pub warnings: Vec<String>,
}

impl ParsedTags {
    /// Let every row tag activities anywhere (a file given with `--tags`)
    /// instead of only those in the tag file's folder and below.
    pub fn for_all_activities(mut self) -> ParsedTags {
        for r in &mut self.rows {
            r.origin_dir = None;
        }
        self
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

/// Read a tag file from disk and parse it with [`parse_csv`].
pub fn read_csv_file(path: &Path) -> Result<ParsedTags, TagFileError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| TagFileError::Io {
        path: shown.clone(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        TagFileError::NotUtf8 {
            path: shown,
            line: good.iter().filter(|b| **b == b'\n').count() + 1,
        }
    })?;
    parse_csv(&text, path)
}

/// Column positions found in the header.
#[derive(Debug, Default)]
struct Columns {
    file: Option<usize>,
    start: usize,
    end: Option<usize>,
    duration: Option<usize>,
    severity: Option<usize>,
    approx: Option<usize>,
    muscle: Option<usize>,
    note: Option<usize>,
}

/// Parse a tag file's text. `origin` is the tag file's path: its rows tag
/// the activities in its folder and below (see
/// [`ParsedTags::for_all_activities`] for `--tags`).
///
/// The header is required, in any column order and letter case; a UTF-8
/// BOM, CRLF line ends, blank lines and `#` comment lines are accepted, as
/// are `;` or tab as separators (spreadsheets in many locales write `;`).
/// Cells are trimmed. A missing `start` column is an error for the whole
/// file; a bad row becomes a [`TagProblem`] and the other rows are kept.
pub fn parse_csv(text: &str, origin: &Path) -> Result<ParsedTags, TagFileError> {
    let shown = origin.display().to_string();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| TagFileError::NoHeader {
            path: shown.clone(),
        })?;
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (header_line.bytes().filter(|c| c == d).count(), *d == b','))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| TagFileError::Malformed {
            path: shown.clone(),
            reason: e.to_string(),
        })?
        .clone();
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();

    let mut out = ParsedTags::default();
    let mut found: [Option<usize>; 8] = [None; 8];
    let mut unknown = Vec::new();
    let mut repeated = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match KNOWN_COLUMNS.iter().position(|k| k == name) {
            Some(k) if found[k].is_some() => repeated.push(name.clone()),
            Some(k) => found[k] = Some(i),
            None if name.is_empty() => {}
            None => unknown.push(format!("`{}`", header.get(i).unwrap_or_default())),
        }
    }
    let Some(start) = found[1] else {
        return Err(TagFileError::NoStartColumn {
            path: shown,
            found: header.iter().collect::<Vec<_>>().join(", "),
        });
    };
    let cols = Columns {
        file: found[0],
        start,
        end: found[2],
        duration: found[3],
        severity: found[4],
        approx: found[5],
        muscle: found[6],
        note: found[7],
    };
    if !unknown.is_empty() {
        out.warnings.push(format!(
            "{shown}: ignored unknown column(s) {} (known: {})",
            unknown.join(", "),
            KNOWN_COLUMNS.join(", ")
        ));
    }
    if !repeated.is_empty() {
        out.warnings.push(format!(
            "{shown}: column(s) {} appear more than once; the first of each is used",
            repeated.join(", ")
        ));
    }

    let origin_dir = Some(origin.parent().map(Path::to_path_buf).unwrap_or_default());
    let mut lines = LineCounter::new(text);
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| lines.line_of_record_at(p.byte()));
                out.problems.push(TagProblem {
                    csv_path: origin.to_path_buf(),
                    line,
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        if rec.iter().all(str::is_empty) {
            continue;
        }
        let line = rec
            .position()
            .map_or(0, |p| lines.line_of_record_at(p.byte()));
        match parse_row(&rec, &cols) {
            Ok(mut row) => {
                row.csv_path = origin.to_path_buf();
                row.line = line;
                row.origin_dir = origin_dir.clone();
                out.rows.push(row);
            }
            Err(reasons) => out.problems.push(TagProblem {
                csv_path: origin.to_path_buf(),
                line,
                reason: reasons.join("; "),
            }),
        }
    }
    Ok(out)
}

/// Physical line numbers of records. The csv crate's own `Position` points
/// just past the previous record (before blank lines, comment lines and the
/// `\n` of a CRLF), so it misnumbers rows after any of them; this skips
/// those and counts newlines. Records must be asked for in file order.
struct LineCounter<'a> {
    text: &'a [u8],
    at_byte: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            at_byte: 0,
            line: 1,
        }
    }

    /// The line on which the record the csv reader placed at `byte` starts.
    fn line_of_record_at(&mut self, byte: u64) -> usize {
        let t = self.text;
        let mut i = usize::try_from(byte).unwrap_or(usize::MAX).min(t.len());
        loop {
            match t.get(i) {
                Some(b'\r' | b'\n') => i += 1,
                Some(b'#') if i == 0 || matches!(t[i - 1], b'\n' | b'\r') => {
                    while i < t.len() && t[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        if i >= self.at_byte {
            self.line += t[self.at_byte..i].iter().filter(|b| **b == b'\n').count();
            self.at_byte = i;
        }
        self.line
    }
}

/// One data row → a [`TagRow`] (path, line and origin filled in by the
/// caller), or every reason it is bad.
fn parse_row(rec: &csv::StringRecord, cols: &Columns) -> Result<TagRow, Vec<String>> {
    let cell = |i: Option<usize>| {
        i.and_then(|i| rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let mut why = Vec::new();
    let file = cell(cols.file).map(str::to_string);

    let start = match cell(Some(cols.start)) {
        None => {
            why.push(format!(
                "start is empty (the cramp's onset is required: {TIME_FORMS})"
            ));
            None
        }
        Some(s) => match TimeSpec::parse(s) {
            Ok(t) => Some(t),
            Err(e) => {
                why.push(format!("start {e}"));
                None
            }
        },
    };
    if let Some(TimeSpec::Relative(_)) = start
        && file.is_none()
    {
        let fix = if cols.file.is_some() {
            "fill in `file`"
        } else {
            "add a `file` column"
        };
        why.push(format!(
            "start `{}` counts from the activity's start, so the row must name the activity: {fix}",
            cell(Some(cols.start)).unwrap_or_default()
        ));
    }
    let end = cell(cols.end).and_then(|s| match TimeSpec::parse(s) {
        Ok(t) => Some(t),
        Err(e) => {
            why.push(format!("end {e}"));
            None
        }
    });
    let duration_s = cell(cols.duration).and_then(|s| {
        match parse_clock_span_s(s.strip_prefix('+').unwrap_or(s)) {
            Ok(d) if d > 0.0 => Some(d),
            Ok(_) => {
                why.push(format!("duration `{s}` must be longer than 0 s"));
                None
            }
            Err(e) => {
                why.push(format!(
                    "duration `{s}` is not a length of time ({e}): write seconds (75 or 75.5) or m:ss (1:15)"
                ));
                None
            }
        }
    });
    // End against start, when both are of a kind that can be compared
    // without an activity (with one, `resolve_for` checks again in UTC).
    if let (Some(s), Some(e)) = (start, end) {
        let span_s = match (s, e) {
            (TimeSpec::Absolute(a), TimeSpec::Absolute(b)) => Some(seconds_between(a, b)),
            (TimeSpec::Local(a), TimeSpec::Local(b)) => {
                Some(seconds_between(a.and_utc(), b.and_utc()))
            }
            (TimeSpec::Relative(a), TimeSpec::Relative(b)) => Some(b - a),
            _ => None,
        };
        if let Some(span) = span_s {
            if span <= 0.0 {
                why.push(format!("end `{e}` is not after start `{s}`"));
            } else if let Some(d) = duration_s
                && !matches!(s, TimeSpec::Relative(_))
                && (span - d).abs() > END_DURATION_AGREEMENT_S
            {
                why.push(disagreement(span, d));
            }
        }
    }
    let severity = cell(cols.severity).and_then(|s| match parse_severity(s) {
        Some(v) => Some(v),
        None => {
            why.push(format!(
                "severity `{s}` is not one of 1/mild, 2/moderate, 3/severe (or leave it empty)"
            ));
            None
        }
    });
    let approx = match cell(cols.approx).map(parse_yes_no) {
        None => false,
        Some(Some(v)) => v,
        Some(None) => {
            why.push(format!(
                "approx `{}` is not yes/no (also y/n, true/false, 1/0; empty means no)",
                cell(cols.approx).unwrap_or_default()
            ));
            false
        }
    };
    match start {
        Some(start) if why.is_empty() => Ok(TagRow {
            csv_path: PathBuf::new(),
            line: 0,
            origin_dir: None,
            file,
            start,
            end,
            duration_s,
            severity,
            approx,
            muscle: cell(cols.muscle).map(str::to_string),
            note: cell(cols.note).map(str::to_string),
        }),
        _ => Err(why),
    }
}

fn disagreement(span_s: f64, duration_s: f64) -> String {
    format!(
        "end makes the cramp last {span_s:.0} s but duration says {duration_s:.0} s; they must \
         agree within {END_DURATION_AGREEMENT_S:.0} s (or leave one of them empty)"
    )
}

fn parse_severity(s: &str) -> Option<u8> {
    match s.to_lowercase().as_str() {
        "1" | "mild" => Some(1),
        "2" | "moderate" => Some(2),
        "3" | "severe" => Some(3),
        _ => None,
    }
}

fn parse_yes_no(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn seconds_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_milliseconds() as f64 / 1000.0
}

fn plus_seconds(t: DateTime<Utc>, s: f64) -> Option<DateTime<Utc>> {
    TimeDelta::try_milliseconds((s * 1000.0).round() as i64).and_then(|d| t.checked_add_signed(d))
}

/// The options that change how tags resolve (`--tz`, `--timer-offsets`,
/// `--lap-tags`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagOptions {
    /// `--tz ZONE`: the zone local tag times are read in; overrides the
    /// activities' own offsets.
    pub tz: Option<Tz>,
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
                    .map_or("each activity's own offset".to_string(), |z| {
                        z.name().to_string()
                    }),
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
    /// The row belongs to this activity but cannot be used; the reason
    /// names the time, the file and what to change. The pipeline reports it
    /// as `"{row.location()}: {reason}"` and counts the row as claimed.
    Problem(String),
}

/// Wall-clock (elapsed) seconds at which the watch's timer showed
/// `timer_s`: add the pauses that began before that moment. A timer value
/// reached exactly as a pause begins maps to the pause's start.
pub fn timer_to_elapsed_s(act: &Activity, timer_s: f64) -> f64 {
    let mut elapsed_s = timer_s;
    for p in &act.pauses {
        if p.start_s < elapsed_s {
            elapsed_s += p.duration_s();
        } else {
            break;
        }
    }
    elapsed_s
}

/// Whether the activity's display path lies in `dir` or below (compared by
/// path components, ignoring `.`).
fn path_is_under(act_path: &str, dir: &Path) -> bool {
    let norm = |p: &Path| -> Vec<String> {
        p.components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    norm(Path::new(act_path)).starts_with(&norm(dir))
}

/// Whether a `file` cell names this activity: the display path equals it
/// or ends with `/` + it, also with `.gz` dropped on either side. Names are
/// case-sensitive; `\` counts as `/`.
pub fn file_matches(act_path: &str, file: &str) -> bool {
    let f = file.trim().replace('\\', "/");
    let f = f.trim_start_matches("./");
    if f.is_empty() {
        return false;
    }
    let p = act_path.replace('\\', "/");
    let strip_gz = |s: &str| -> String {
        if s.len() > 3 && s[s.len() - 3..].eq_ignore_ascii_case(".gz") {
            s[..s.len() - 3].to_string()
        } else {
            s.to_string()
        }
    };
    let (p_gz, f_gz) = (strip_gz(&p), strip_gz(f));
    [p.as_str(), p_gz.as_str()].iter().any(|pa| {
        [f, f_gz.as_str()]
            .iter()
            .any(|fa| pa == fa || pa.ends_with(&format!("/{fa}")))
    })
}

/// Why a time could not be placed in UTC for an activity.
enum Unplaced {
    /// A local time, no `--tz`, and the activity records no offset.
    NoZone,
    /// `--tz` makes the local time ambiguous or nonexistent.
    Dst {
        message: String,
        candidates: [DateTime<Utc>; 2],
    },
}

/// How a time was placed, for messages.
fn how_read(spec: &TimeSpec, act: &Activity, opts: &TagOptions) -> String {
    match spec {
        TimeSpec::Absolute(_) => String::new(),
        TimeSpec::Local(_) => match (opts.tz, act.utc_offset) {
            (Some(tz), _) => format!(" (local time read in {})", tz.name()),
            (None, Some(o)) => format!(
                " (local time read with the file's UTC offset {})",
                fmt_offset(o.seconds)
            ),
            (None, None) => String::new(),
        },
        TimeSpec::Relative(s) if opts.timer_offsets => {
            let elapsed_s = timer_to_elapsed_s(act, *s);
            if elapsed_s > *s {
                format!(
                    " (timer time: with the {:.0} s of pauses before it, {} after the start)",
                    elapsed_s - s,
                    fmt_clock_span(elapsed_s)
                )
            } else {
                " (timer time; no pause before it)".into()
            }
        }
        TimeSpec::Relative(_) => " (wall-clock time since the start, pauses included)".into(),
    }
}

fn fmt_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// A UTC instant as the runner would read it: in `--tz`, else in the
/// activity's own offset, else in UTC.
fn fmt_for(t: DateTime<Utc>, act: &Activity, opts: &TagOptions) -> String {
    if let Some(tz) = opts.tz {
        return t
            .with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true);
    }
    if let Some(o) = act.utc_offset
        && let Some(fo) = FixedOffset::east_opt(o.seconds)
    {
        return t
            .with_timezone(&fo)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true);
    }
    fmt_utc(t)
}

/// Place a local time in UTC with `--tz`, else with the activity's offset.
fn place_local(
    naive: NaiveDateTime,
    act: &Activity,
    opts: &TagOptions,
) -> Result<DateTime<Utc>, Unplaced> {
    if let Some(tz) = opts.tz {
        return place_in_zone(naive, tz);
    }
    match act.utc_offset {
        Some(o) => Ok((naive - TimeDelta::seconds(o.seconds.into())).and_utc()),
        None => Err(Unplaced::NoZone),
    }
}

/// Place a local time in a zone; a DST change can make it ambiguous (clocks
/// went back: it happened twice) or nonexistent (clocks jumped over it).
fn place_in_zone(naive: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>, Unplaced> {
    let local = naive.format("%Y-%m-%d %H:%M:%S%.f");
    let iso = naive.format("%Y-%m-%dT%H:%M:%S%.f");
    match tz.from_local_datetime(&naive) {
        MappedLocalTime::Single(t) => Ok(t.with_timezone(&Utc)),
        MappedLocalTime::Ambiguous(a, b) => {
            let (au, bu) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            let (ao, bo) = (
                fmt_offset(a.offset().fix().local_minus_utc()),
                fmt_offset(b.offset().fix().local_minus_utc()),
            );
            Err(Unplaced::Dst {
                message: format!(
                    "local time {local} is ambiguous in {}: the clocks went back that night, \
                     so it happened twice — at {} ({iso}{ao}, {}) and at {} ({iso}{bo}, {}); \
                     write it with the offset you mean, e.g. {iso}{ao}",
                    tz.name(),
                    fmt_utc(au),
                    a.format("%Z"),
                    fmt_utc(bu),
                    b.format("%Z"),
                ),
                candidates: [au, bu],
            })
        }
        MappedLocalTime::None => {
            // The offsets in force a day either side are those just before
            // and after the jump (two changes never fall within a day).
            let off = |n: NaiveDateTime| {
                tz.offset_from_local_datetime(&n)
                    .earliest()
                    .map(|o| o.fix().local_minus_utc())
            };
            let before = off(naive - TimeDelta::days(1)).unwrap_or(0);
            let after = off(naive + TimeDelta::days(1)).unwrap_or(0);
            let at = |o: i32| (naive - TimeDelta::seconds(o.into())).and_utc();
            let (ob, oa) = (fmt_offset(before), fmt_offset(after));
            Err(Unplaced::Dst {
                message: format!(
                    "local time {local} does not exist in {}: the clocks jumped forward over it \
                     that night ({ob} to {oa}); check the time, or write it with an explicit \
                     offset — {iso}{ob} (= {}) or {iso}{oa} (= {})",
                    tz.name(),
                    fmt_utc(at(before)),
                    fmt_utc(at(after)),
                ),
                candidates: [at(before), at(after)],
            })
        }
    }
}

/// Place any time form for this activity.
fn place(spec: &TimeSpec, act: &Activity, opts: &TagOptions) -> Result<DateTime<Utc>, Unplaced> {
    match *spec {
        TimeSpec::Absolute(t) => Ok(t),
        TimeSpec::Local(n) => place_local(n, act, opts),
        TimeSpec::Relative(s) => {
            let elapsed_s = if opts.timer_offsets {
                timer_to_elapsed_s(act, s)
            } else {
                s
            };
            // MAX_SPAN_S keeps this in range; fall back to the start if not.
            Ok(plus_seconds(act.start_utc, elapsed_s).unwrap_or(act.start_utc))
        }
    }
}

fn within_span(t: DateTime<Utc>, act: &Activity) -> bool {
    let from_start_s = seconds_between(act.start_utc, t);
    from_start_s >= -SPAN_TOLERANCE_S && from_start_s <= act.elapsed_s() + SPAN_TOLERANCE_S
}

fn no_zone_message(what: &str, spec: &TimeSpec, act: &Activity) -> String {
    format!(
        "{what} `{spec}` is a local time, but {} records no UTC offset: give --tz ZONE \
         (e.g. --tz Europe/Berlin) or write the time with its offset (e.g. {}+02:00)",
        act.path,
        match spec {
            TimeSpec::Local(n) => n.format("%Y-%m-%dT%H:%M:%S").to_string(),
            _ => spec.to_string(),
        }
    )
}

/// Decide what `row` means for `act` under `opts`.
///
/// The row must come from a tag file in the activity's folder or above
/// (unless `origin_dir` is `None`). A row with `file` belongs to the
/// activity whose display path ends with it ([`file_matches`]); any trouble
/// placing its times is then a [`Resolution::Problem`]. A row without
/// `file` belongs to the activity whose span (± [`SPAN_TOLERANCE_S`])
/// contains its onset; a local time the activity cannot place (no `--tz`,
/// no recorded offset) is [`Resolution::NotThis`] and [`check_matches`]
/// explains it, while a DST-ambiguous or nonexistent local time is a
/// Problem only for an activity that one of its readings falls in.
pub fn resolve_for(row: &TagRow, act: &Activity, opts: &TagOptions) -> Resolution {
    if let Some(dir) = &row.origin_dir
        && !path_is_under(&act.path, dir)
    {
        return Resolution::NotThis;
    }
    let onset = match &row.file {
        Some(f) => {
            if !file_matches(&act.path, f) {
                return Resolution::NotThis;
            }
            let onset = match place(&row.start, act, opts) {
                Ok(t) => t,
                Err(Unplaced::NoZone) => {
                    return Resolution::Problem(no_zone_message("start", &row.start, act));
                }
                Err(Unplaced::Dst { message, .. }) => return Resolution::Problem(message),
            };
            if !within_span(onset, act) {
                return Resolution::Problem(format!(
                    "start `{}` falls at {}{}, outside {}, which runs from {} to {} ({})",
                    row.start,
                    fmt_for(onset, act, opts),
                    how_read(&row.start, act, opts),
                    act.path,
                    fmt_for(act.start_utc, act, opts),
                    fmt_for(act.end_utc(), act, opts),
                    fmt_clock_span(act.elapsed_s().round()),
                ));
            }
            onset
        }
        // A relative onset needs `file` (parse_csv refuses it without).
        None if matches!(row.start, TimeSpec::Relative(_)) => return Resolution::NotThis,
        None => match place(&row.start, act, opts) {
            Ok(t) if within_span(t, act) => t,
            Err(Unplaced::Dst {
                message,
                candidates,
            }) if candidates.iter().any(|c| within_span(*c, act)) => {
                return Resolution::Problem(message);
            }
            _ => return Resolution::NotThis,
        },
    };

    let end_from_column = match &row.end {
        None => None,
        Some(spec) => match place(spec, act, opts) {
            Ok(t) => Some(t),
            Err(Unplaced::NoZone) => {
                return Resolution::Problem(no_zone_message("end", spec, act));
            }
            Err(Unplaced::Dst { message, .. }) => return Resolution::Problem(message),
        },
    };
    let end_from_duration = row.duration_s.and_then(|d| plus_seconds(onset, d));
    if let (Some(e), Some(d)) = (end_from_column, row.duration_s) {
        let span_s = seconds_between(onset, e);
        if span_s > 0.0 && (span_s - d).abs() > END_DURATION_AGREEMENT_S {
            return Resolution::Problem(disagreement(span_s, d));
        }
    }
    let end = end_from_column.or(end_from_duration);
    if let (Some(e), Some(spec)) = (end_from_column, &row.end)
        && e <= onset
    {
        return Resolution::Problem(format!(
            "end `{spec}` falls at {}{}, not after the onset at {}",
            fmt_for(e, act, opts),
            how_read(spec, act, opts),
            fmt_for(onset, act, opts),
        ));
    }
    Resolution::Matches(CrampTag {
        line: Some(row.line),
        source: TagSource::Csv(row.csv_path.clone()),
        onset_utc: onset,
        end_utc: end,
        severity: row.severity,
        approx: row.approx,
        muscle: row.muscle.clone(),
        note: row.note.clone(),
        row_id: format!("{}:{}", row.csv_path.display(), row.line),
    })
}

/// Whether a waypoint name closes a cramp: it names a cramp and has the
/// word "end" (ends, ended, ending) or "over". Whole words, so "tender" or
/// "weekend" do not close one; "cramp_end" and "CrampEnd" do.
fn closes_cramp(lower_name: &str) -> bool {
    lower_name
        .split(|c: char| !c.is_alphabetic())
        .flat_map(|w| w.split("cramp"))
        .any(|w| matches!(w, "end" | "ends" | "ended" | "ending" | "over"))
}

/// Cramp tags recorded inside the activity file, and warnings about them
/// (without the file's path: they belong in the activity's own warnings).
///
/// GPX waypoints whose name contains "cramp" (any case) open a cramp; one
/// that also has the word "end" or "over" closes the open one. A waypoint
/// needs a time within the activity's span. When the file has closing
/// waypoints, an opener left without an end (a second opener came first, or
/// the file ended) is warned about; a file with only openers is a runner
/// who marks onsets only, and is not.
///
/// With `opts.lap_tags`, every lap whose trigger is `manual` ends at a
/// button press; consecutive presses pair up as onset and end, and an odd
/// last press is an onset without an end (with a warning). In-file tags are
/// precise (`approx = false`).
pub fn infile_tags(act: &Activity, opts: &TagOptions) -> (Vec<CrampTag>, Vec<String>) {
    let mut tags = Vec::new();
    let mut warnings = Vec::new();
    let tag = |source: TagSource, onset: DateTime<Utc>, end, note, row_id| CrampTag {
        line: None,
        source,
        onset_utc: onset,
        end_utc: end,
        severity: None,
        approx: false,
        muscle: None,
        note,
        row_id,
    };

    let mut marks = Vec::new();
    for (i, w) in act.waypoints.iter().enumerate() {
        let lower = w.name.to_lowercase();
        if !lower.contains("cramp") {
            continue;
        }
        match w.time_utc {
            None => warnings.push(format!(
                "waypoint {} \"{}\" has no time, so it cannot tag a cramp; tag it in cramps.csv",
                i + 1,
                w.name
            )),
            Some(t) if !within_span(t, act) => warnings.push(format!(
                "waypoint {} \"{}\" at {} lies outside the recording ({} to {}); ignored",
                i + 1,
                w.name,
                fmt_for(t, act, opts),
                fmt_for(act.start_utc, act, opts),
                fmt_for(act.end_utc(), act, opts),
            )),
            Some(t) => marks.push((t, i, closes_cramp(&lower))),
        }
    }
    marks.sort_by_key(|m| (m.0, m.1));
    let has_closers = marks.iter().any(|m| m.2);
    let mut open: Option<(DateTime<Utc>, usize)> = None;
    let wpt_tag = |(t, i): (DateTime<Utc>, usize), end| {
        tag(
            TagSource::GpxWaypoint,
            t,
            end,
            Some(act.waypoints[i].name.clone()),
            format!("{}#wpt{}", act.path, i + 1),
        )
    };
    for &(t, i, closes) in &marks {
        match (closes, open) {
            (true, Some(o)) => {
                tags.push(wpt_tag(o, Some(t)));
                open = None;
            }
            (true, None) => warnings.push(format!(
                "waypoint {} \"{}\" at {} ends a cramp, but none is open; ignored",
                i + 1,
                act.waypoints[i].name,
                fmt_for(t, act, opts)
            )),
            (false, prev) => {
                if let Some(o) = prev {
                    if has_closers {
                        warnings.push(format!(
                        "waypoint {} \"{}\" at {} opens a cramp while the one from waypoint {} is \
                         still open; that one is kept without an end",
                        i + 1,
                        act.waypoints[i].name,
                        fmt_for(t, act, opts),
                        o.1 + 1
                        ));
                    }
                    tags.push(wpt_tag(o, None));
                }
                open = Some((t, i));
            }
        }
    }
    if let Some(o) = open {
        if has_closers {
            warnings.push(format!(
                "waypoint {} \"{}\" opens a cramp that no waypoint closes; kept without an end",
                o.1 + 1,
                act.waypoints[o.1].name
            ));
        }
        tags.push(wpt_tag(o, None));
    }

    if opts.lap_tags {
        let mut presses: Vec<(f64, usize)> = act
            .laps
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trigger.eq_ignore_ascii_case("manual"))
            .map(|(i, l)| (l.end_s, i))
            .collect();
        presses.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in presses.chunks(2) {
            let at = |p: (f64, usize)| plus_seconds(act.start_utc, p.0);
            let Some(onset) = at(pair[0]) else { continue };
            let end = pair.get(1).and_then(|p| at(*p));
            if pair.len() == 1 {
                warnings.push(format!(
                    "manual lap press at {} ({} into the run) has no second press to end the \
                     cramp; kept without an end",
                    fmt_for(onset, act, opts),
                    fmt_clock_span(pair[0].0.round())
                ));
            }
            tags.push(tag(
                TagSource::FitLap,
                onset,
                end,
                None,
                format!("{}#lap{}", act.path, pair[0].1 + 1),
            ));
        }
    }
    tags.sort_by_key(|t| t.onset_utc);
    (tags, warnings)
}

/// Warnings for rows that no activity, or several, claimed.
///
/// `claimed_by[i]` lists the display paths of the activities for which
/// [`resolve_for`]`(&rows[i], …)` returned `Matches` or `Problem` (a
/// Problem is already reported, so it counts as claimed). Contract: the
/// pipeline drops duplicate activities of one run (FIT and GPX of the same
/// run) before filling `claimed_by`, so a row matching both is not flagged.
/// The slices run in parallel; extra entries in either are ignored.
pub fn check_matches(
    rows: &[TagRow],
    claimed_by: &[Vec<String>],
    opts: &TagOptions,
) -> Vec<String> {
    debug_assert_eq!(rows.len(), claimed_by.len(), "one claim list per row");
    let mut out = Vec::new();
    for (row, claims) in rows.iter().zip(claimed_by) {
        let under = match &row.origin_dir {
            Some(d) if d.as_os_str().is_empty() => " in its folder".to_string(),
            Some(d) => format!(" under {}", d.display()),
            None => String::new(),
        };
        match claims.len() {
            0 => {
                let why = match (&row.file, &row.start) {
                    (Some(f), _) => format!("no activity file `{f}` was read{under}"),
                    (None, TimeSpec::Local(n)) => match opts.tz {
                        Some(tz) => format!(
                            "no activity{under} was recording at local time {} in {}",
                            n.format("%Y-%m-%d %H:%M:%S"),
                            tz.name()
                        ),
                        None => format!(
                            "no activity{under} was recording at local time {} by its own UTC \
                             offset; activities whose files record no offset cannot be matched \
                             to a local time: give --tz ZONE or write the time with its offset",
                            n.format("%Y-%m-%d %H:%M:%S")
                        ),
                    },
                    (None, spec) => format!("no activity{under} was recording at {spec}"),
                };
                out.push(format!("{}: matches no activity ({why})", row.location()));
            }
            1 => {}
            n => {
                let mut names = claims.clone();
                names.sort();
                let fix = if row.file.is_some() {
                    "add a longer path in `file` (e.g. folder/name)"
                } else {
                    "name the activity in `file`"
                };
                out.push(format!(
                    "{}: matches {n} activities ({}); {fix}",
                    row.location(),
                    names.join(", ")
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{
        ActivityMeta, Format, OffsetSource, RawSample, TrackBuilder, UtcOffset, Waypoint,
    };
    use chrono::NaiveDate;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn secs(t: DateTime<Utc>, s: i64) -> DateTime<Utc> {
        t + TimeDelta::seconds(s)
    }

    /// An activity at `path` starting at `start`, sampled every 5 s for
    /// `len_s` seconds; `edit` adds offset, pauses, laps or waypoints.
    fn activity(
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

    fn with_offset(seconds: i32) -> impl FnOnce(&mut TrackBuilder) {
        move |b| {
            b.meta.utc_offset = Some(UtcOffset {
                seconds,
                source: OffsetSource::FitLocalTimestamp,
            })
        }
    }

    fn parse(text: &str) -> ParsedTags {
        parse_csv(text, Path::new("runs/cramps.csv")).unwrap()
    }

    fn one_row(text: &str) -> TagRow {
        let p = parse(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.rows.len(), 1);
        p.rows[0].clone()
    }

    fn matched(r: Resolution) -> CrampTag {
        match r {
            Resolution::Matches(t) => t,
            other => panic!("expected a match, got {other:?}"),
        }
    }

    fn problem(r: Resolution) -> String {
        match r {
            Resolution::Problem(p) => p,
            other => panic!("expected a problem, got {other:?}"),
        }
    }

    fn berlin() -> TagOptions {
        TagOptions {
            tz: Some(chrono_tz::Europe::Berlin),
            ..TagOptions::default()
        }
    }

    // ---- time forms ----

    #[test]
    fn every_time_form_parses_to_the_instant_or_clock_time_it_names() {
        // 08:42:10 at +02:00 is 06:42:10 UTC.
        let abs = TimeSpec::Absolute(utc(2026, 5, 3, 6, 42, 10));
        for s in [
            "2026-05-03T08:42:10+02:00",
            "2026-05-03T06:42:10Z",
            "2026-05-03 06:42:10z",
            "2026-05-03 08:42:10 +02:00",
            "2026-05-03T08:42:10+0200",
            "2026-05-03T08:42:10+02",
            // 03:12:10 at −03:30 is 03:12:10 + 3:30 = 06:42:10 UTC.
            "2026-05-03T03:12:10-03:30",
            "2026-05-03 06:42:10 UTC",
        ] {
            assert_eq!(TimeSpec::parse(s), Ok(abs), "{s}");
        }
        assert_eq!(
            TimeSpec::parse("2026-05-03 08:42:10.5+02:00"),
            Ok(TimeSpec::Absolute(
                utc(2026, 5, 3, 6, 42, 10) + TimeDelta::milliseconds(500)
            ))
        );
        let local = |h, m, s| {
            TimeSpec::Local(
                NaiveDate::from_ymd_opt(2026, 5, 3)
                    .unwrap()
                    .and_hms_opt(h, m, s)
                    .unwrap(),
            )
        };
        assert_eq!(TimeSpec::parse("2026-05-03 08:42:10"), Ok(local(8, 42, 10)));
        assert_eq!(TimeSpec::parse("2026-05-03T08:42:10"), Ok(local(8, 42, 10)));
        assert_eq!(TimeSpec::parse(" 2026-05-03 08:42 "), Ok(local(8, 42, 0)));
        // 41 min 30 s = 41·60 + 30 = 2490 s; 1 h 05 min = 3600 + 300 = 3900 s.
        assert_eq!(TimeSpec::parse("+41:30"), Ok(TimeSpec::Relative(2490.0)));
        assert_eq!(TimeSpec::parse("+1:05:00"), Ok(TimeSpec::Relative(3900.0)));
        assert_eq!(TimeSpec::parse("+95"), Ok(TimeSpec::Relative(95.0)));
        assert_eq!(TimeSpec::parse("+95.5"), Ok(TimeSpec::Relative(95.5)));
        assert_eq!(TimeSpec::parse("+0:07.5"), Ok(TimeSpec::Relative(7.5)));
        // 75 min in m:ss is allowed: 75·60 = 4500 s.
        assert_eq!(TimeSpec::parse("+75:00"), Ok(TimeSpec::Relative(4500.0)));
    }

    #[test]
    fn unreadable_times_are_refused_with_the_accepted_forms() {
        for s in [
            "noon",
            "2026-05-03",
            "+41:75",
            "+1:75:00",
            "+abc",
            "+1e3",
            "2026-13-03 08:00",
            "2026-05-03T08:42:10+25:00",
            "03/05/2026 08:42",
        ] {
            let e = TimeSpec::parse(s).unwrap_err();
            assert!(e.contains("+41:30") || e.contains("offset"), "{s}: {e}");
        }
        let e = TimeSpec::parse("08:42").unwrap_err();
        assert!(
            e.contains("+08:42") && e.contains("2026-05-03 08:42"),
            "{e}"
        );
    }

    #[test]
    fn relative_times_display_as_the_runner_writes_them() {
        assert_eq!(TimeSpec::Relative(2490.0).to_string(), "+41:30");
        assert_eq!(TimeSpec::Relative(3900.0).to_string(), "+1:05:00");
        assert_eq!(TimeSpec::Relative(7.5).to_string(), "+0:07.5");
    }

    // ---- the CSV ----

    #[test]
    fn a_csv_with_bom_crlf_blank_lines_and_any_column_order_parses() {
        let text = "\u{feff}Note, SEVERITY ,Start,File,Approx,muscle\r\n\
                    \r\n\
                    felt it coming,Moderate, +41:30 ,run-003.fit,YES,calf\r\n\
                    ,,,,,\r\n\
                    \"a, quoted note\",severe,2026-05-03T08:42:10Z,,,\r\n";
        let p = parse(text);
        assert!(p.problems.is_empty() && p.warnings.is_empty(), "{p:?}");
        assert_eq!(p.rows.len(), 2);
        let (a, b) = (&p.rows[0], &p.rows[1]);
        assert_eq!(a.line, 3);
        assert_eq!(a.start, TimeSpec::Relative(2490.0));
        assert_eq!(a.file.as_deref(), Some("run-003.fit"));
        assert_eq!(a.severity, Some(2));
        assert!(a.approx);
        assert_eq!(a.muscle.as_deref(), Some("calf"));
        assert_eq!(a.note.as_deref(), Some("felt it coming"));
        assert_eq!(a.origin_dir.as_deref(), Some(Path::new("runs")));
        assert_eq!(a.csv_path, Path::new("runs/cramps.csv"));
        assert_eq!(b.line, 5);
        assert_eq!(b.severity, Some(3));
        assert!(!b.approx);
        assert_eq!(b.file, None);
        assert_eq!(b.note.as_deref(), Some("a, quoted note"));
        assert_eq!(b.muscle, None);
    }

    #[test]
    fn semicolon_separated_files_and_comment_lines_are_read() {
        let p = parse(
            "# my cramps\r\nfile;start;duration;severity\r\nrun.fit;+10:00;1:15;1\r\n\
             # May\r\n\r\n# June\r\nrun.fit;+20:00;;\r\n",
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let lines: Vec<usize> = p.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 7]);
        // 1:15 = 75 s.
        assert_eq!(p.rows[0].duration_s, Some(75.0));
        assert_eq!(p.rows[0].severity, Some(1));
    }

    #[test]
    fn each_bad_row_is_reported_with_its_line_and_reason_while_good_rows_are_kept() {
        let text = "file,start,end,duration,severity,approx\n\
            run.fit,+10:00,,,mild,no\n\
            ,+12:00,,,,\n\
            run.fit,noon,,,,\n\
            run.fit,2026-05-03T09:00:00Z,2026-05-03T08:59:00Z,,,\n\
            run.fit,+20:00,,,4,\n\
            run.fit,+21:00,,,,maybe\n\
            run.fit,2026-05-03T09:00:00Z,2026-05-03T09:01:30Z,75,,\n\
            run.fit,2026-05-03T09:10:00Z,2026-05-03T09:11:18Z,75,,\n\
            ,2026-05-03T09:20:00Z,,xx,,\n\
            run.fit,,,,,\n\
            run.fit,2026-05-03 09:30:00,2026-05-03 09:30:00,,,\n";
        let p = parse(text);
        let good: Vec<usize> = p.rows.iter().map(|r| r.line).collect();
        assert_eq!(good, vec![2, 9]);
        let expect = [
            (
                3,
                "counts from the activity's start, so the row must name the activity: fill in `file`",
            ),
            (4, "start `noon` is not a time"),
            (5, "is not after start"),
            (6, "severity `4` is not one of 1/mild, 2/moderate, 3/severe"),
            (7, "approx `maybe` is not yes/no"),
            // 09:00:00 → 09:01:30 is 90 s; 90 − 75 = 15 s > 5 s.
            (8, "end makes the cramp last 90 s but duration says 75 s"),
            (10, "duration `xx` is not a length of time"),
            (11, "start is empty"),
            (12, "is not after start"),
        ];
        assert_eq!(p.problems.len(), expect.len(), "{:#?}", p.problems);
        for (prob, (line, text)) in p.problems.iter().zip(expect) {
            assert_eq!(prob.line, line, "{prob}");
            assert!(prob.reason.contains(text), "line {line}: {}", prob.reason);
        }
        assert!(p.problems[1].reason.contains("+41:30"), "forms listed");
        assert_eq!(
            p.problems[0].to_string(),
            format!("runs/cramps.csv line 3: {}", p.problems[0].reason)
        );
        // 09:10:00 → 09:11:18 is 78 s, within 5 s of 75 s: kept.
        assert_eq!(p.rows[1].duration_s, Some(75.0));
    }

    #[test]
    fn a_relative_time_without_a_file_column_asks_for_one() {
        let p = parse("start\n+5:00\n");
        assert!(
            p.problems[0].reason.contains("add a `file` column"),
            "{p:?}"
        );
    }

    #[test]
    fn a_file_without_a_start_column_or_header_is_refused_whole() {
        let e = parse_csv("file,onset\nrun.fit,+1:00\n", Path::new("c.csv")).unwrap_err();
        assert!(matches!(e, TagFileError::NoStartColumn { .. }), "{e}");
        assert!(e.to_string().contains("file, onset"), "{e}");
        for empty in ["", "\u{feff}\r\n\r\n"] {
            let e = parse_csv(empty, Path::new("c.csv")).unwrap_err();
            assert!(matches!(e, TagFileError::NoHeader { .. }), "{e}");
        }
    }

    #[test]
    fn unknown_columns_are_ignored_with_one_warning() {
        let p = parse("file,start,weather,Mood\nrun.fit,+1:00,hot,ok\n");
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.warnings.len(), 1);
        assert!(
            p.warnings[0].contains("`weather`, `Mood`"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn a_non_utf8_tag_file_is_refused_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cramps.csv");
        std::fs::write(&path, b"file,start\nr\xe9un.fit,+1:00\n").unwrap();
        let e = read_csv_file(&path).unwrap_err();
        assert!(matches!(e, TagFileError::NotUtf8 { line: 2, .. }), "{e}");
    }

    // ---- local times and zones ----

    #[test]
    fn a_local_time_is_read_in_the_tz_zone() {
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let row = one_row("file,start\nrun.fit,2026-05-03 08:42:10\n");
        // May: Berlin keeps CEST, +02:00, so 08:42:10 local = 06:42:10 UTC.
        let t = matched(resolve_for(&row, &act, &berlin()));
        assert_eq!(t.onset_utc, utc(2026, 5, 3, 6, 42, 10));
        assert_eq!(t.onset_elapsed_s(&act), 2530.0);
    }

    #[test]
    fn a_local_time_at_the_autumn_fall_back_is_ambiguous_with_both_readings() {
        // 2026-10-25 (last Sunday of October) at 01:00 UTC Berlin goes from
        // CEST +02:00 back to CET +01:00, so 02:00–03:00 local happens twice:
        // 02:30 CEST = 00:30 UTC and 02:30 CET = 01:30 UTC.
        let act = activity("runs/run.fit", utc(2026, 10, 25, 0, 0, 0), 7200, |_| {});
        let row = one_row("file,start\nrun.fit,2026-10-25 02:30:00\n");
        let p = problem(resolve_for(&row, &act, &berlin()));
        for part in [
            "ambiguous",
            "Europe/Berlin",
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:30:00Z",
            "2026-10-25T02:30:00+02:00",
            "2026-10-25T02:30:00+01:00",
            "offset",
        ] {
            assert!(p.contains(part), "missing {part}: {p}");
        }
        // A file-less row is a problem for the activity it falls in, and
        // none of a run on another day's business.
        let free = one_row("start\n2026-10-25 02:30:00\n");
        problem(resolve_for(&free, &act, &berlin()));
        let other = activity("runs/b.fit", utc(2026, 10, 26, 0, 0, 0), 7200, |_| {});
        assert_eq!(resolve_for(&free, &other, &berlin()), Resolution::NotThis);
        // Written with its offset, it resolves.
        let fixed = one_row("file,start\nrun.fit,2026-10-25T02:30:00+01:00\n");
        let t = matched(resolve_for(&fixed, &act, &berlin()));
        assert_eq!(t.onset_utc, utc(2026, 10, 25, 1, 30, 0));
    }

    #[test]
    fn a_local_time_skipped_by_the_spring_forward_does_not_exist() {
        // 2026-03-29 (last Sunday of March) at 01:00 UTC Berlin jumps from
        // 02:00 CET (+01:00) to 03:00 CEST (+02:00): 02:30 never happens.
        // Read at +01:00 it would be 01:30 UTC, at +02:00 00:30 UTC.
        let act = activity("runs/run.fit", utc(2026, 3, 29, 0, 0, 0), 7200, |_| {});
        let row = one_row("file,start\nrun.fit,2026-03-29 02:30:00\n");
        let p = problem(resolve_for(&row, &act, &berlin()));
        for part in [
            "does not exist",
            "Europe/Berlin",
            "2026-03-29T02:30:00+01:00 (= 2026-03-29T01:30:00Z)",
            "2026-03-29T02:30:00+02:00 (= 2026-03-29T00:30:00Z)",
        ] {
            assert!(p.contains(part), "missing {part}: {p}");
        }
    }

    #[test]
    fn without_tz_a_local_time_uses_the_activitys_own_offset() {
        let act = activity(
            "runs/run.fit",
            utc(2026, 5, 3, 6, 0, 0),
            3600,
            with_offset(7200),
        );
        // 08:42:10 at the file's +02:00 = 06:42:10 UTC, inside 06:00–07:00.
        let row = one_row("start\n2026-05-03 08:42:10\n");
        let t = matched(resolve_for(&row, &act, &TagOptions::default()));
        assert_eq!(t.onset_utc, utc(2026, 5, 3, 6, 42, 10));
        // --tz wins over the file's offset: 08:42:10 EDT (−04:00) is
        // 12:42:10 UTC, after this run.
        let ny = TagOptions {
            tz: Some(chrono_tz::America::New_York),
            ..TagOptions::default()
        };
        assert_eq!(resolve_for(&row, &act, &ny), Resolution::NotThis);
    }

    #[test]
    fn a_local_time_with_neither_tz_nor_file_offset_names_tz() {
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let opts = TagOptions::default();
        let named = one_row("file,start\nrun.fit,2026-05-03 08:42:10\n");
        let p = problem(resolve_for(&named, &act, &opts));
        assert!(p.contains("--tz") && p.contains("runs/run.fit"), "{p}");
        let free = one_row("start\n2026-05-03 08:42:10\n");
        assert_eq!(resolve_for(&free, &act, &opts), Resolution::NotThis);
        let w = check_matches(&[free], &[vec![]], &opts);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("runs/cramps.csv line 2: matches no activity (")
                && w[0].contains("--tz"),
            "{w:?}"
        );
    }

    // ---- relative times and pauses ----

    fn paused_run() -> Activity {
        // Paused from 600 s to 720 s elapsed (two minutes stopped).
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        activity("runs/run.fit", t0, 3600, |b| {
            let ms = t0.timestamp_millis();
            b.pauses_ms.push((ms + 600_000, ms + 720_000));
        })
    }

    #[test]
    fn relative_times_are_wall_clock_unless_timer_offsets_is_given() {
        let act = paused_run();
        let t0 = act.start_utc;
        let wall = TagOptions::default();
        let timer = TagOptions {
            timer_offsets: true,
            ..TagOptions::default()
        };
        let after = one_row("file,start,end\nrun.fit,+15:00,+16:00\n");
        // Wall-clock: 15 min = 900 s after the start.
        let t = matched(resolve_for(&after, &act, &wall));
        assert_eq!(
            (t.onset_utc, t.end_utc),
            (secs(t0, 900), Some(secs(t0, 960)))
        );
        // Timer: the watch showed 15:00 after the 120 s pause too, at
        // 900 + 120 = 1020 s; the end 16:00 at 960 + 120 = 1080 s.
        let t = matched(resolve_for(&after, &act, &timer));
        assert_eq!(
            (t.onset_utc, t.end_utc),
            (secs(t0, 1020), Some(secs(t0, 1080)))
        );
        // Before the pause both readings agree: 9 min = 540 s.
        let before = one_row("file,start\nrun.fit,+9:00\n");
        assert_eq!(
            matched(resolve_for(&before, &act, &timer)).onset_utc,
            secs(t0, 540)
        );
        assert_eq!(
            matched(resolve_for(&before, &act, &wall)).onset_utc,
            secs(t0, 540)
        );
    }

    #[test]
    fn timer_time_maps_to_elapsed_by_adding_earlier_pauses() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let act = activity("r.fit", t0, 3600, |b| {
            let ms = t0.timestamp_millis();
            b.pauses_ms.push((ms + 100_000, ms + 160_000));
            b.pauses_ms.push((ms + 300_000, ms + 330_000));
        });
        // Timer 0–100 runs at elapsed 0–100; paused to 160; timer 100–240
        // runs at elapsed 160–300; paused to 330; timer 250 is elapsed 340.
        assert_eq!(timer_to_elapsed_s(&act, 50.0), 50.0);
        assert_eq!(timer_to_elapsed_s(&act, 100.0), 100.0);
        assert_eq!(timer_to_elapsed_s(&act, 150.0), 210.0);
        assert_eq!(timer_to_elapsed_s(&act, 250.0), 340.0);
    }

    // ---- which activity ----

    #[test]
    fn file_names_match_as_path_suffixes_with_or_without_gz() {
        let member = "export.zip/activities/12.fit.gz";
        for f in [
            "12.fit.gz",
            "12.fit",
            "activities/12.fit",
            "export.zip/activities/12.fit.gz",
            "activities\\12.fit",
            "./12.fit",
        ] {
            assert!(file_matches(member, f), "{f}");
        }
        for f in ["2.fit", "12.FIT", "other/12.fit", "12", ""] {
            assert!(!file_matches(member, f), "{f}");
        }
        assert!(file_matches(
            "sample-data/history/run-003.fit",
            "run-003.fit.gz"
        ));
        assert!(file_matches("run-003.fit", "run-003.fit"));
    }

    #[test]
    fn a_longer_path_in_file_tells_two_files_of_the_same_name_apart() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let a = activity("runs/a/run.fit", t0, 3600, |_| {});
        let b = activity("runs/b/run.fit", secs(t0, 86_400), 3600, |_| {});
        let opts = TagOptions::default();
        let short = one_row("file,start\nrun.fit,+5:00\n");
        let claims: Vec<String> = [&a, &b]
            .iter()
            .filter(|act| matches!(resolve_for(&short, act, &opts), Resolution::Matches(_)))
            .map(|act| act.path.clone())
            .collect();
        assert_eq!(claims.len(), 2);
        let w = check_matches(std::slice::from_ref(&short), &[claims], &opts);
        assert_eq!(
            w,
            vec![
                "runs/cramps.csv line 2: matches 2 activities (runs/a/run.fit, runs/b/run.fit); \
                 add a longer path in `file` (e.g. folder/name)"
                    .to_string()
            ]
        );
        let long = one_row("file,start\nb/run.fit,+5:00\n");
        assert_eq!(resolve_for(&long, &a, &opts), Resolution::NotThis);
        assert_eq!(
            matched(resolve_for(&long, &b, &opts)).onset_utc,
            secs(t0, 86_400 + 300)
        );
    }

    #[test]
    fn a_tag_file_tags_only_its_folder_and_below_unless_given_with_tags() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let opts = TagOptions::default();
        let p = parse_csv(
            "file,start\nrun.fit,+5:00\n",
            Path::new("runs/2026/cramps.csv"),
        )
        .unwrap();
        let below = activity("runs/2026/may/run.fit", t0, 3600, |_| {});
        let beside = activity("runs/2025/run.fit", t0, 3600, |_| {});
        let look_alike = activity("runs/2026x/run.fit", t0, 3600, |_| {});
        matched(resolve_for(&p.rows[0], &below, &opts));
        assert_eq!(resolve_for(&p.rows[0], &beside, &opts), Resolution::NotThis);
        assert_eq!(
            resolve_for(&p.rows[0], &look_alike, &opts),
            Resolution::NotThis
        );
        let everywhere = p.for_all_activities();
        matched(resolve_for(&everywhere.rows[0], &beside, &opts));
        // `./runs` and `runs` are the same folder.
        let dotted = parse_csv(
            "file,start\nrun.fit,+5:00\n",
            Path::new("./runs/cramps.csv"),
        )
        .unwrap();
        matched(resolve_for(&dotted.rows[0], &below, &opts));
    }

    #[test]
    fn a_row_without_file_goes_to_the_activity_whose_span_holds_its_onset() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let opts = TagOptions::default();
        let morning = activity("runs/am.fit", t0, 3600, |_| {});
        let evening = activity("runs/pm.fit", secs(t0, 36_000), 3600, |_| {});
        let row = one_row("start,duration\n2026-05-03T06:30:00Z,60\n");
        let t = matched(resolve_for(&row, &morning, &opts));
        assert_eq!(t.onset_elapsed_s(&morning), 1800.0);
        assert_eq!(t.duration_s(), Some(60.0));
        assert_eq!(t.source, TagSource::Csv(PathBuf::from("runs/cramps.csv")));
        assert_eq!(t.row_id, "runs/cramps.csv:2");
        assert_eq!(t.line, Some(2));
        assert_eq!(resolve_for(&row, &evening, &opts), Resolution::NotThis);
        // 3 s past the last sample (07:00:00) still belongs; 30 s does not.
        let near = one_row("start\n2026-05-03T07:00:03Z\n");
        matched(resolve_for(&near, &morning, &opts));
        let far = one_row("start\n2026-05-03T07:00:30Z\n");
        assert_eq!(resolve_for(&far, &morning, &opts), Resolution::NotThis);
        let w = check_matches(&[far], &[vec![]], &opts);
        assert!(
            w[0].contains(
                "matches no activity (no activity under runs was recording at 2026-05-03T07:00:30Z)"
            ),
            "{w:?}"
        );
    }

    #[test]
    fn an_onset_outside_the_named_file_is_a_problem_naming_the_file_and_its_span() {
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let opts = TagOptions::default();
        let row = one_row("file,start\nrun.fit,+1:05:00\n");
        let p = problem(resolve_for(&row, &act, &opts));
        assert!(
            p.contains(
                "outside runs/run.fit, which runs from 2026-05-03T06:00:00Z to 2026-05-03T07:00:00Z"
            ),
            "{p}"
        );
        let absent = one_row("file,start\nnone.fit,+1:00\n");
        let w = check_matches(&[absent], &[vec![]], &opts);
        assert!(
            w[0].contains("no activity file `none.fit` was read under runs"),
            "{w:?}"
        );
    }

    // ---- ends ----

    #[test]
    fn the_end_comes_from_end_or_from_duration_and_both_must_agree() {
        let act = activity("runs/run.fit", utc(2026, 5, 3, 6, 0, 0), 3600, |_| {});
        let t0 = act.start_utc;
        let opts = TagOptions::default();
        let resolve = |text: &str| resolve_for(&one_row(text), &act, &opts);
        // Duration only: onset + 75 s.
        let t = matched(resolve("file,start,duration\nrun.fit,+10:00,1:15\n"));
        assert_eq!(t.end_utc, Some(secs(t0, 675)));
        // A relative end counts from the activity's start: 11:15 = 675 s.
        let t = matched(resolve(
            "file,start,end\nrun.fit,2026-05-03T06:10:00Z,+11:15\n",
        ));
        assert_eq!(t.end_utc, Some(secs(t0, 675)));
        // End 11:18 = 678 s is 78 s after the 600 s onset, within 5 s of 75.
        let t = matched(resolve(
            "file,start,end,duration\nrun.fit,2026-05-03T06:10:00Z,+11:18,75\n",
        ));
        assert_eq!(t.end_utc, Some(secs(t0, 678)));
        // End 11:30 = 690 s is 90 s after the onset: 15 s from 75.
        let p = problem(resolve(
            "file,start,end,duration\nrun.fit,2026-05-03T06:10:00Z,+11:30,75\n",
        ));
        assert!(p.contains("90 s but duration says 75 s"), "{p}");
        // An end before the onset.
        let p = problem(resolve(
            "file,start,end\nrun.fit,2026-05-03T06:10:00Z,+9:00\n",
        ));
        assert!(p.contains("not after the onset"), "{p}");
    }

    // ---- in-file tags ----

    fn wpt(t0: DateTime<Utc>, at_s: Option<i64>, name: &str) -> Waypoint {
        Waypoint {
            time_utc: at_s.map(|s| secs(t0, s)),
            name: name.to_string(),
            lat_deg: 45.0,
            lon_deg: 7.0,
        }
    }

    #[test]
    fn gpx_cramp_waypoints_pair_into_onsets_and_ends() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let act = activity("runs/run.gpx", t0, 3600, |b| {
            b.waypoints = vec![
                wpt(t0, Some(600), "Cramp"),
                wpt(t0, Some(660), "cramp over"),
                wpt(t0, Some(1200), "Cramp calf"),
                wpt(t0, Some(1300), "cramp - tender calf"),
                wpt(t0, Some(1400), "CRAMP_END"),
                wpt(t0, Some(1500), "Water"),
                wpt(t0, None, "cramp"),
                wpt(t0, Some(1700), "CrampEnded"),
                wpt(t0, Some(2000), "cramp again"),
                wpt(t0, Some(90_000), "cramp"),
            ];
        });
        let (tags, warnings) = infile_tags(&act, &TagOptions::default());
        let got: Vec<(f64, Option<f64>)> = tags
            .iter()
            .map(|t| (t.onset_elapsed_s(&act), t.end_elapsed_s(&act)))
            .collect();
        assert_eq!(
            got,
            vec![
                (600.0, Some(660.0)),
                (1200.0, None),
                (1300.0, Some(1400.0)),
                (2000.0, None)
            ]
        );
        assert!(
            tags.iter()
                .all(|t| !t.approx && t.source == TagSource::GpxWaypoint)
        );
        assert_eq!(tags[0].row_id, "runs/run.gpx#wpt1");
        assert_eq!(tags[0].note.as_deref(), Some("Cramp"));
        // No time; a second opener; a closer with nothing open; outside
        // the recording; an opener never closed in a file that has closers.
        assert_eq!(warnings.len(), 5, "{warnings:#?}");
        assert!(warnings.iter().any(|w| w.contains("has no time")));
        assert!(warnings.iter().any(|w| w.contains("still open")));
        assert!(warnings.iter().any(|w| w.contains("none is open")));
        assert!(warnings.iter().any(|w| w.contains("outside the recording")));
        assert!(warnings.iter().any(|w| w.contains("no waypoint closes")));
    }

    #[test]
    fn onset_only_waypoints_are_cramps_without_ends_and_without_warnings() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let act = activity("runs/run.gpx", t0, 3600, |b| {
            b.waypoints = vec![wpt(t0, Some(600), "cramp"), wpt(t0, Some(1800), "Cramp!")];
        });
        let (tags, warnings) = infile_tags(&act, &TagOptions::default());
        assert_eq!(tags.len(), 2);
        assert!(tags.iter().all(|t| t.end_utc.is_none()));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn fit_manual_lap_presses_pair_into_cramps_only_with_lap_tags() {
        let t0 = utc(2026, 5, 3, 6, 0, 0);
        let act = activity("runs/run.fit", t0, 3600, |b| {
            let ms = t0.timestamp_millis();
            for (a, z, trig) in [
                (0, 300, "time"),
                (300, 620, "manual"),
                (620, 700, "Manual"),
                (700, 1000, "distance"),
                (1000, 1500, "manual"),
                (1500, 3600, "session_end"),
            ] {
                b.laps_ms
                    .push((ms + a * 1000, ms + z * 1000, trig.to_string()));
            }
        });
        let (none, _) = infile_tags(&act, &TagOptions::default());
        assert!(none.is_empty());
        let opts = TagOptions {
            lap_tags: true,
            ..TagOptions::default()
        };
        let (tags, warnings) = infile_tags(&act, &opts);
        // Manual laps end at presses at 620, 700 and 1500 s: (620, 700),
        // then 1500 alone.
        let got: Vec<(f64, Option<f64>)> = tags
            .iter()
            .map(|t| (t.onset_elapsed_s(&act), t.end_elapsed_s(&act)))
            .collect();
        assert_eq!(got, vec![(620.0, Some(700.0)), (1500.0, None)]);
        assert!(
            tags.iter()
                .all(|t| !t.approx && t.source == TagSource::FitLap)
        );
        assert_eq!(tags[0].row_id, "runs/run.fit#lap2");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("no second press"), "{warnings:?}");
    }

    #[test]
    fn rows_claimed_once_raise_no_warning() {
        let row = one_row("file,start\nrun.fit,+1:00\n");
        assert!(
            check_matches(
                &[row],
                &[vec!["runs/run.fit".into()]],
                &TagOptions::default()
            )
            .is_empty()
        );
    }
}
