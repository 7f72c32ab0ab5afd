//! Reading a `cramps.csv` into [`TagRow`]s: the header in any column order
//! and letter case, the separators spreadsheets write, physical line
//! numbers, and every fault of a bad row named (the other rows are kept).
//! Times stay as written ([`TimeSpec`]); what they mean depends on the
//! activity, which [`super::resolve_for`] decides.

use std::path::{Path, PathBuf};

use super::END_DURATION_AGREEMENT_S;
use super::problem::{
    ColumnWarning, RowFault, TagFileError, TagProblem, TagProblemKind, TimeColumn,
};
use super::time::{TimeSpec, parse_duration_s, seconds_between};

/// The columns a tag file may have (header names, case-insensitive).
pub const KNOWN_COLUMNS: [&str; 8] = [
    "file", "start", "end", "duration", "severity", "approx", "muscle", "note",
];

/// One good row of a tag file.
#[derive(Debug, Clone, PartialEq)]
pub struct TagRow {
    /// The tag file it came from (for messages and [`super::TagSource::Csv`]).
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
    /// A problem with this row.
    pub(super) fn problem(&self, kind: TagProblemKind) -> TagProblem {
        TagProblem {
            csv_path: self.csv_path.clone(),
            line: self.line,
            kind,
        }
    }
}

/// A parsed tag file: the good rows, the bad ones, and header warnings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedTags {
    /// Rows that parsed.
    pub rows: Vec<TagRow>,
    /// Rows that did not, with line numbers and what is wrong.
    pub problems: Vec<TagProblem>,
    /// Warnings about the file as a whole (unknown or repeated columns).
    pub warnings: Vec<ColumnWarning>,
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

/// Read a tag file from disk and parse it with [`parse_csv`].
pub fn read_csv_file(path: &Path) -> Result<ParsedTags, TagFileError> {
    let bytes = std::fs::read(path).map_err(|source| TagFileError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_bytes(bytes, path)
}

/// A tag file's bytes (from disk or from an archive, shown as `path`),
/// which must be UTF-8 text, parsed with [`parse_csv`].
pub fn parse_bytes(bytes: Vec<u8>, path: &Path) -> Result<ParsedTags, TagFileError> {
    let shown = path.display().to_string();
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
    let mut unknown: Vec<String> = Vec::new();
    let mut repeated = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match KNOWN_COLUMNS.iter().position(|k| k == name) {
            Some(k) if found[k].is_some() => repeated.push(name.clone()),
            Some(k) => found[k] = Some(i),
            None if name.is_empty() => {}
            None => unknown.push(header.get(i).unwrap_or_default().to_string()),
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
        out.warnings.push(ColumnWarning::Unknown {
            csv_path: origin.to_path_buf(),
            columns: unknown,
        });
    }
    if !repeated.is_empty() {
        out.warnings.push(ColumnWarning::Repeated {
            csv_path: origin.to_path_buf(),
            columns: repeated,
        });
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
                    kind: TagProblemKind::UnreadableRow {
                        error: e.to_string(),
                    },
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
            Err(faults) => out.problems.push(TagProblem {
                csv_path: origin.to_path_buf(),
                line,
                kind: TagProblemKind::BadRow(faults),
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
/// caller), or every fault it has, in column order.
fn parse_row(rec: &csv::StringRecord, cols: &Columns) -> Result<TagRow, Vec<RowFault>> {
    let cell = |i: Option<usize>| {
        i.and_then(|i| rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let mut why = Vec::new();
    let file = cell(cols.file).map(str::to_string);

    let start = match cell(Some(cols.start)) {
        None => {
            why.push(RowFault::StartEmpty);
            None
        }
        Some(s) => match TimeSpec::parse(s) {
            Ok(t) => Some(t),
            Err(error) => {
                why.push(RowFault::UnreadableTime {
                    column: TimeColumn::Start,
                    error,
                });
                None
            }
        },
    };
    if let Some(TimeSpec::Relative(_)) = start
        && file.is_none()
    {
        why.push(RowFault::RelativeStartWithoutFile {
            start: cell(Some(cols.start)).unwrap_or_default().to_string(),
            has_file_column: cols.file.is_some(),
        });
    }
    let end = cell(cols.end).and_then(|s| match TimeSpec::parse(s) {
        Ok(t) => Some(t),
        Err(error) => {
            why.push(RowFault::UnreadableTime {
                column: TimeColumn::End,
                error,
            });
            None
        }
    });
    let duration_s = cell(cols.duration).and_then(|s| {
        match parse_duration_s(s.strip_prefix('+').unwrap_or(s)) {
            Ok(d) if d > 0.0 => Some(d),
            Ok(_) => {
                why.push(RowFault::DurationNotPositive {
                    text: s.to_string(),
                });
                None
            }
            Err(error) => {
                why.push(RowFault::UnreadableDuration {
                    text: s.to_string(),
                    error,
                });
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
                why.push(RowFault::EndNotAfterStart { start: s, end: e });
            } else if let Some(d) = duration_s
                && !matches!(s, TimeSpec::Relative(_))
                && (span - d).abs() > END_DURATION_AGREEMENT_S
            {
                why.push(RowFault::EndDisagreesWithDuration {
                    span_s: span,
                    duration_s: d,
                });
            }
        }
    }
    let severity = cell(cols.severity).and_then(|s| match parse_severity(s) {
        Some(v) => Some(v),
        None => {
            why.push(RowFault::UnknownSeverity {
                text: s.to_string(),
            });
            None
        }
    });
    let approx = match cell(cols.approx).map(parse_yes_no) {
        None => false,
        Some(Some(v)) => v,
        Some(None) => {
            why.push(RowFault::NotYesNo {
                text: cell(cols.approx).unwrap_or_default().to_string(),
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::test_support::parse;

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
            let reason = prob.kind.to_string();
            assert!(reason.contains(text), "line {line}: {reason}");
        }
        assert!(
            p.problems[1].kind.to_string().contains("+41:30"),
            "forms listed"
        );
        // Problems found reading the file print as `path:line: reason`.
        assert_eq!(
            p.problems[0].to_string(),
            format!("runs/cramps.csv:3: {}", p.problems[0].kind)
        );
        // 09:10:00 → 09:11:18 is 78 s, within 5 s of 75 s: kept.
        assert_eq!(p.rows[1].duration_s, Some(75.0));
    }

    #[test]
    fn durations_may_carry_units_and_an_unreadable_one_names_every_form() {
        let p = parse(
            "file,start,duration\nrun.fit,+10:00,1m30s\nrun.fit,+20:00,90 sec\nrun.fit,+30:00,soon\n",
        );
        let durations: Vec<Option<f64>> = p.rows.iter().map(|r| r.duration_s).collect();
        assert_eq!(durations, vec![Some(90.0), Some(90.0)]);
        let why = p.problems[0].to_string();
        assert!(
            why.starts_with("runs/cramps.csv:4: duration `soon`") && why.contains("1m15s"),
            "{why}"
        );
    }

    #[test]
    fn an_end_before_its_start_says_what_to_write_instead() {
        let p = parse(
            "file,start,end\nrun.fit,+41:30,+1:15\nrun.fit,+41:30,+41:30\n\
             run.fit,2026-05-03T09:00:00Z,2026-05-03T08:59:00Z\n",
        );
        let why: Vec<String> = p.problems.iter().map(|q| q.kind.to_string()).collect();
        // 41:30 + 1:15 = 42:45.
        assert!(
            why[0].contains("if 1:15 is how long the cramp lasted, move it to `duration`")
                && why[0].contains("+42:45"),
            "{why:?}"
        );
        assert!(why[1].contains("longer than 0 s"), "{why:?}");
        assert!(why[2].contains("correct the end"), "{why:?}");
    }

    #[test]
    fn a_relative_time_without_a_file_column_asks_for_one() {
        let p = parse("start\n+5:00\n");
        assert!(
            p.problems[0]
                .kind
                .to_string()
                .contains("add a `file` column"),
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
            p.warnings[0].to_string().contains("`weather`, `Mood`"),
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
}
