//! The one place that knows polars: the tables of docs/METHOD.md §4 as
//! DataFrames (`cramp_results`, `run_summary`, `cramp_windows` from a
//! [`Batch`]; 1 Hz tracks from a [`Timeline`] for `export`), writing
//! them as CSV or Parquet, and reading `cramp_results` tables back for
//! `pool` ([`read_cramp_tables`], plain Rust rows out). Keeping polars
//! behind this module keeps the rest of the crate free of its types and
//! lets it be swapped or feature-gated.
//!
//! Conventions shared by every table:
//! - units are in the column names (`elapsed_s`, `speed_mps`, `hr_bpm`);
//! - unknown values are nulls (an empty CSV cell), never NaN or 0;
//! - times are RFC 3339 UTC strings (`2025-05-03T06:42:10Z`), the same text
//!   the JSON output carries; this avoids polars' temporal features and
//!   reads the same in every spreadsheet;
//! - measured values are rounded to 4 decimals, as in the JSON;
//! - lists (warnings, flags) are joined with `"; "` into one text cell.
//!
//! CSV is plain RFC 4180 (comma, `"` quoting only where needed, `\n` line
//! ends, a header row). Spreadsheets execute a cell that begins with `=`,
//! `+`, `-` or `@` as a formula (CSV injection, OWASP "CSV Injection"), so a
//! *text* cell beginning with one of them is written with a leading single
//! quote `'` as part of the cell (`'=HYPERLINK(…)`, `'+1`), which every
//! major spreadsheet shows as text. Numbers are not text and are written as
//! they are (`-3.5` stays a number). Parquet keeps the text unchanged: it is
//! typed and not opened by spreadsheets as formulas.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{
    Column, CsvWriter, DataFrame, DataType, NamedFrom, ParquetReader, ParquetWriter, PolarsError,
    PolarsResult, QuoteStyle, SerReader, SerWriter, Series,
};

use crate::analysis::Response;
use crate::results::{Batch, CrampOutcome, CrampResult, FileResult, rfc3339};
use crate::timeline::Timeline;

/// Why a table could not be built, written or read.
pub type FrameError = PolarsError;

/// Round to 4 decimals; NaN and infinities become null.
fn num(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
        .map(|v| crate::report::round(v, 4))
}

/// A `NaN`-means-missing channel value as a nullable number.
fn nan_null(x: f64) -> Option<f64> {
    num(Some(x))
}

/// The serde name of a value (`kept_pace`, `ended_in_window`): the same
/// spelling as the JSON output.
fn serde_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn joined(list: &[String]) -> Option<String> {
    (!list.is_empty()).then(|| list.join("; "))
}

fn col<T, P: ?Sized>(name: &str, values: T) -> Column
where
    Series: NamedFrom<T, P>,
{
    Column::new(name.into(), values)
}

/// The version of the `cramp_results` layout, written in its last column
/// `table_version`: [`read_cramp_tables`] reads this version only, so a
/// change of a column's name, type or meaning must raise it.
pub const CRAMP_RESULTS_VERSION: u32 = 1;

/// A first `runner` column when any row belongs to a runner of a cohort
/// (DESIGN §5 "Output": every table gains `runner`); none for one runner,
/// so one runner's tables stay as they were.
fn runner_column<'a>(runners: impl Iterator<Item = &'a Option<String>> + Clone) -> Option<Column> {
    runners
        .clone()
        .any(|r| r.is_some())
        .then(|| col("runner", runners.cloned().collect::<Vec<Option<String>>>()))
}

/// `cramp_results`: one row per analysed cramp, the `cramps[]` fields of
/// the JSON plus `note`, `tag_source`, `threshold_pct`, the HR-drop check,
/// `cadence_lock` and `flags`; first `runner` in a cohort, last
/// `table_version` ([`CRAMP_RESULTS_VERSION`]).
pub fn cramp_results(batch: &Batch) -> PolarsResult<DataFrame> {
    cramp_table(&batch.cramps)
}

/// [`cramp_results`] of these cramps.
fn cramp_table(c: &[CrampResult]) -> PolarsResult<DataFrame> {
    let f = |g: fn(&CrampResult) -> Option<f64>| -> Vec<Option<f64>> {
        c.iter().map(|x| num(g(x))).collect()
    };
    let mut columns: Vec<Column> = runner_column(c.iter().map(|x| &x.runner))
        .into_iter()
        .collect();
    columns.extend([
        col(
            "cramp_id",
            c.iter().map(|x| x.cramp_id as u32).collect::<Vec<u32>>(),
        ),
        col(
            "file",
            c.iter().map(|x| x.file.clone()).collect::<Vec<String>>(),
        ),
        col(
            "start_utc",
            c.iter()
                .map(|x| rfc3339(x.start_utc))
                .collect::<Vec<String>>(),
        ),
        col(
            "end_utc",
            c.iter()
                .map(|x| x.end_utc.map(rfc3339))
                .collect::<Vec<Option<String>>>(),
        ),
        col("duration_s", f(|x| x.duration_s)),
        col(
            "severity",
            c.iter()
                .map(|x| x.severity.map(u32::from))
                .collect::<Vec<Option<u32>>>(),
        ),
        col(
            "muscle",
            c.iter()
                .map(|x| x.muscle.clone())
                .collect::<Vec<Option<String>>>(),
        ),
        col(
            "note",
            c.iter()
                .map(|x| x.note.clone())
                .collect::<Vec<Option<String>>>(),
        ),
        col("approx", c.iter().map(|x| x.approx).collect::<Vec<bool>>()),
        col(
            "tag_source",
            c.iter()
                .map(|x| x.tag_source.clone())
                .collect::<Vec<String>>(),
        ),
        col(
            "response",
            c.iter()
                .map(|x| serde_name(&x.response))
                .collect::<Vec<String>>(),
        ),
        col("slowdown_pct", f(|x| x.slowdown_pct)),
        col("threshold_pct", f(|x| Some(x.threshold_pct))),
        col("baseline_speed_mps", f(|x| x.baseline_speed_mps)),
        col("response_speed_mps", f(|x| x.response_speed_mps)),
        col("baseline_gap_mps", f(|x| x.baseline_gap_mps)),
        col("response_gap_mps", f(|x| x.response_gap_mps)),
        col("hr_baseline_bpm", f(|x| x.hr_baseline_bpm)),
        col("hr_onset_bpm", f(|x| x.hr_onset_bpm)),
        col("hr_response_bpm", f(|x| x.hr_response_bpm)),
        col("hr_drop_predicted_bpm", f(|x| x.hr_drop_predicted_bpm)),
        col("hr_drop_observed_bpm", f(|x| x.hr_drop_observed_bpm)),
        col(
            "cadence_lock",
            c.iter().map(|x| x.cadence_lock).collect::<Vec<bool>>(),
        ),
        col("elapsed_at_onset_s", f(|x| Some(x.elapsed_at_onset_s))),
        col(
            "outcome",
            c.iter()
                .map(|x| serde_name(&x.outcome))
                .collect::<Vec<String>>(),
        ),
        col("remaining_s", f(|x| x.remaining_s)),
        col(
            "flags",
            c.iter()
                .map(|x| joined(&x.flags))
                .collect::<Vec<Option<String>>>(),
        ),
        col("table_version", vec![CRAMP_RESULTS_VERSION; c.len()]),
    ]);
    DataFrame::new(c.len(), columns)
}

/// `run_summary`: one row per input file or activity, the `files[]` fields
/// of the JSON (`cramps` is a count; `warnings` are joined with `"; "`);
/// first `runner` in a cohort.
pub fn run_summary(batch: &Batch) -> PolarsResult<DataFrame> {
    summary_table(&batch.files)
}

/// [`run_summary`] of these rows.
fn summary_table(r: &[FileResult]) -> PolarsResult<DataFrame> {
    let mut columns: Vec<Column> = runner_column(r.iter().map(|x| &x.runner))
        .into_iter()
        .collect();
    columns.extend([
        col("path", r.iter().map(|x| x.path.clone()).collect::<Vec<_>>()),
        col(
            "status",
            r.iter()
                .map(|x| serde_name(&x.status))
                .collect::<Vec<String>>(),
        ),
        col(
            "error",
            r.iter()
                .map(|x| x.error.clone())
                .collect::<Vec<Option<String>>>(),
        ),
        col(
            "format",
            r.iter()
                .map(|x| x.format.map(str::to_string))
                .collect::<Vec<Option<String>>>(),
        ),
        col(
            "sport",
            r.iter()
                .map(|x| x.sport.clone())
                .collect::<Vec<Option<String>>>(),
        ),
        col(
            "start_utc",
            r.iter()
                .map(|x| x.start_utc.map(rfc3339))
                .collect::<Vec<Option<String>>>(),
        ),
        col(
            "elapsed_s",
            r.iter().map(|x| num(x.elapsed_s)).collect::<Vec<_>>(),
        ),
        col(
            "distance_m",
            r.iter().map(|x| num(x.distance_m)).collect::<Vec<_>>(),
        ),
        col("has_hr", r.iter().map(|x| x.has_hr).collect::<Vec<bool>>()),
        col(
            "cramps",
            r.iter().map(|x| x.cramps as u32).collect::<Vec<u32>>(),
        ),
        col(
            "warnings",
            r.iter()
                .map(|x| joined(&x.warnings))
                .collect::<Vec<Option<String>>>(),
        ),
    ]);
    DataFrame::new(r.len(), columns)
}

/// `cramp_windows`: the 1 Hz samples around each onset (−180…+300 s,
/// seconds outside the recording left out), for cramps analysed with
/// `keep_windows`.
pub fn cramp_windows(batch: &Batch) -> PolarsResult<DataFrame> {
    let rows: Vec<(u32, &crate::align::WindowSample)> = batch
        .cramps
        .iter()
        .flat_map(|c| c.window.iter().map(move |w| (c.cramp_id as u32, w)))
        .collect();
    let columns = vec![
        col("cramp_id", rows.iter().map(|r| r.0).collect::<Vec<u32>>()),
        col(
            "t_rel_s",
            rows.iter().map(|r| r.1.t_rel_s).collect::<Vec<i32>>(),
        ),
        col(
            "speed_mps",
            rows.iter().map(|r| num(r.1.speed_mps)).collect::<Vec<_>>(),
        ),
        col(
            "gap_mps",
            rows.iter().map(|r| num(r.1.gap_mps)).collect::<Vec<_>>(),
        ),
        col(
            "hr_bpm",
            rows.iter().map(|r| num(r.1.hr_bpm)).collect::<Vec<_>>(),
        ),
        col(
            "cadence_spm",
            rows.iter()
                .map(|r| num(r.1.cadence_spm))
                .collect::<Vec<_>>(),
        ),
        col(
            "paused",
            rows.iter().map(|r| r.1.paused).collect::<Vec<bool>>(),
        ),
    ];
    DataFrame::new(rows.len(), columns)
}

/// One activity's 1 Hz track for `export`: `activity, time_utc, elapsed_s,
/// distance_m, speed_mps, gap_mps, hr_bpm, cadence_spm, altitude_m,
/// paused`, one row per second of `tl` (second `k` is `start_utc + k s`).
pub fn track(activity: &str, start_utc: DateTime<Utc>, tl: &Timeline) -> PolarsResult<DataFrame> {
    let n = tl.len();
    let ch = |v: &[f64]| -> Vec<Option<f64>> { v.iter().map(|&x| nan_null(x)).collect() };
    let columns = vec![
        col("activity", vec![activity.to_string(); n]),
        col(
            "time_utc",
            (0..n)
                .map(|k| rfc3339(start_utc + chrono::Duration::seconds(k as i64)))
                .collect::<Vec<String>>(),
        ),
        col("elapsed_s", (0..n as u32).collect::<Vec<u32>>()),
        col("distance_m", ch(&tl.distance_m)),
        col("speed_mps", ch(&tl.speed_mps)),
        col("gap_mps", ch(&tl.gap_mps)),
        col("hr_bpm", ch(&tl.hr_bpm)),
        col("cadence_spm", ch(&tl.cadence_spm)),
        col("altitude_m", ch(&tl.altitude_m)),
        col("paused", tl.paused.clone()),
    ];
    DataFrame::new(n, columns)
}

/// Does a spreadsheet read this text as a formula?
fn is_formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@'])
}

/// Make a text cell inert in spreadsheets (see the module docs).
pub fn defuse_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Every text column with formula-like cells made inert.
fn defused(df: &DataFrame) -> PolarsResult<DataFrame> {
    let mut columns = Vec::with_capacity(df.width());
    for c in df.columns() {
        if c.dtype() == &DataType::String {
            let values: Vec<Option<String>> = c
                .str()?
                .iter()
                .map(|v| v.map(|s| defuse_cell(s).into_owned()))
                .collect();
            columns.push(Column::new(c.name().clone(), values));
        } else {
            columns.push(c.clone());
        }
    }
    DataFrame::new(df.height(), columns)
}

/// Write `df` as RFC 4180 CSV (with a header unless `header` is false, so
/// several frames can be appended to one file).
pub fn write_csv<W: Write>(df: &DataFrame, out: W, header: bool) -> PolarsResult<()> {
    let mut safe = defused(df)?;
    CsvWriter::new(out)
        .include_header(header)
        .with_quote_style(QuoteStyle::Necessary)
        .with_line_terminator("\n".into())
        .with_null_value("".into())
        .finish(&mut safe)
}

/// Write `df` as one Parquet file (polars' defaults: zstd, statistics).
pub fn write_parquet<W: Write>(df: &DataFrame, out: W) -> PolarsResult<()> {
    let mut df = df.clone();
    ParquetWriter::new(out).finish(&mut df).map(|_| ())
}

/// Streams several frames of one schema into one Parquet file, one row
/// group per frame, so `export` never holds more than one activity.
pub struct ParquetStream<W: Write> {
    writer: BatchedWriter<W>,
}

impl<W: Write> ParquetStream<W> {
    /// Start a file whose frames will look like `first`.
    pub fn new(out: W, first: &DataFrame) -> PolarsResult<ParquetStream<W>> {
        let writer = ParquetWriter::new(out).batched(first.schema())?;
        Ok(ParquetStream { writer })
    }

    /// Append one frame.
    pub fn write(&mut self, df: &DataFrame) -> PolarsResult<()> {
        self.writer.write_batch(df)
    }

    /// Write the footer.
    pub fn finish(self) -> PolarsResult<()> {
        self.writer.finish().map(|_| ())
    }
}

/// Read a Parquet file back (for tests and tools).
pub fn read_parquet(file: std::fs::File) -> PolarsResult<DataFrame> {
    ParquetReader::new(file).finish()
}

/// One cramp row of a `cramp_results` table, as `pool` needs it
/// (DESIGN §5 "`cramplab pool TABLE...`").
#[derive(Debug, Clone, PartialEq)]
pub struct PoolRow {
    /// The table's `runner` cell, or the runner its file names
    /// ([`runner_of_table`]).
    pub runner: String,
    /// The activity's display path.
    pub file: String,
    /// Tagged onset, RFC 3339 UTC as written.
    pub start_utc: String,
    /// 1 mild, 2 moderate, 3 severe.
    pub severity: Option<u8>,
    /// Onset typed in afterwards.
    pub approx: bool,
    /// What the runner did.
    pub response: Response,
    /// 100·(1 − GAP(response)/GAP(baseline)), percent.
    pub slowdown_pct: Option<f64>,
    /// Which outcome the cramp contributes.
    pub outcome: CrampOutcome,
    /// Tagged duration in seconds.
    pub duration_s: Option<f64>,
    /// Seconds the cramp lasted beyond the landmark.
    pub remaining_s: Option<f64>,
}

/// Why `cramp_results` tables could not be pooled. Every message names the
/// file and, where there is one, the column; data rows count from 1 (in a
/// CSV, data row n is line n + 1, after the header).
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be opened or parsed as CSV or Parquet.
    #[error("cannot read {}: {reason}", path.display())]
    Unreadable {
        /// The table.
        path: PathBuf,
        /// What the reader said.
        reason: String,
    },
    /// Neither `.csv` nor `.parquet`.
    #[error("{}: not a table cramplab reads (the name must end in .csv or .parquet)", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// Required columns are absent: another table, or not cramplab's.
    #[error("{}: not a cramp_results table: no column {}", path.display(), quoted_list(columns))]
    MissingColumns {
        /// The table.
        path: PathBuf,
        /// The required columns it lacks.
        columns: Vec<String>,
    },
    /// A column of the wrong type (`remaining_s` holding text).
    #[error("{}: column `{column}` must hold {expected}, but {found}", path.display())]
    MistypedColumn {
        /// The table.
        path: PathBuf,
        /// The column.
        column: String,
        /// What it must hold (`numbers`).
        expected: &'static str,
        /// What it holds instead (`data row 3 holds "fast"`, `its type is str`).
        found: String,
    },
    /// A required cell is empty.
    #[error("{}: column `{column}` is empty in data row {row}", path.display())]
    MissingValue {
        /// The table.
        path: PathBuf,
        /// The column.
        column: String,
        /// 1-based data row.
        row: usize,
    },
    /// A value outside the column's vocabulary (`response` = `jogged`).
    #[error("{}: column `{column}`, data row {row}: unknown value {value:?} (expected one of {allowed})", path.display())]
    UnknownValue {
        /// The table.
        path: PathBuf,
        /// The column.
        column: String,
        /// 1-based data row.
        row: usize,
        /// The value found.
        value: String,
        /// The values allowed, listed.
        allowed: String,
    },
    /// No `table_version` column: a `cramp_results` written before tables
    /// carried versions, or another table.
    #[error("{}: not a cramp_results table of version {CRAMP_RESULTS_VERSION}: no column `table_version` (rerun `cramplab analyze --csv/--parquet` to write one)", path.display())]
    NoVersion {
        /// The table.
        path: PathBuf,
    },
    /// A `table_version` this cramplab does not read.
    #[error("{}: column `table_version`, data row {row}: {}", path.display(), version_problem(*version))]
    UnsupportedVersion {
        /// The table.
        path: PathBuf,
        /// 1-based data row.
        row: usize,
        /// The version found.
        version: i64,
    },
    /// One runner in two tables: pooling would count their cramps twice or
    /// mix two people under one name.
    #[error("runner {runner:?} appears in two tables: {} and {}", first.display(), second.display())]
    DuplicateRunner {
        /// The runner.
        runner: String,
        /// The table where it appeared first.
        first: PathBuf,
        /// The table where it appeared again.
        second: PathBuf,
    },
}

fn quoted_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn version_problem(version: i64) -> String {
    if version > i64::from(CRAMP_RESULTS_VERSION) {
        format!(
            "table_version {version} was written by a newer cramplab (this one reads version {CRAMP_RESULTS_VERSION}); update cramplab"
        )
    } else {
        format!(
            "table_version {version} is not a cramp_results version (expected {CRAMP_RESULTS_VERSION}): not a cramp_results table"
        )
    }
}

/// The columns `pool` needs; others (`cramp_id`, `note`, …) are ignored.
const POOL_COLUMNS: [&str; 10] = [
    "file",
    "start_utc",
    "severity",
    "approx",
    "response",
    "slowdown_pct",
    "duration_s",
    "remaining_s",
    "outcome",
    "table_version",
];

/// The runner a table without a `runner` column belongs to: its file stem,
/// or its folder's name when the stem is `cramp_results` (the name
/// `analyze --csv DIR` writes), so `alice/cramp_results.csv` is `alice` and
/// `bob.parquet` is `bob`.
pub fn runner_of_table(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem != "cramp_results" {
        return stem;
    }
    // `cramp_results.csv` alone has an empty parent: name the folder it is
    // in, relative to the working directory.
    let parent_name = |p: &Path| {
        p.parent()
            .and_then(Path::file_name)
            .map(|s| s.to_string_lossy().into_owned())
    };
    parent_name(path)
        .or_else(|| std::path::absolute(path).ok().and_then(|a| parent_name(&a)))
        .unwrap_or(stem)
}

/// Read `cramp_results` tables (CSV or Parquet, by extension) written by
/// `analyze --csv/--parquet`, one per runner or with a `runner` column,
/// into one list of rows in table then row order. Refuses, naming file and
/// column, a table that is not a `cramp_results` table of
/// [`CRAMP_RESULTS_VERSION`], a mistyped column, an unknown response or
/// outcome, and a runner that appears in two tables. A table with no rows
/// is a runner with no cramps.
pub fn read_cramp_tables(paths: &[PathBuf]) -> Result<Vec<PoolRow>, TableError> {
    let mut rows = Vec::new();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in paths {
        let table = read_cramp_table(path)?;
        let runners: std::collections::BTreeSet<&String> =
            table.iter().map(|r| &r.runner).collect();
        for runner in runners {
            if let Some(first) = seen.get(runner) {
                return Err(TableError::DuplicateRunner {
                    runner: runner.clone(),
                    first: first.clone(),
                    second: path.clone(),
                });
            }
            seen.insert(runner.clone(), path.clone());
        }
        rows.extend(table);
    }
    Ok(rows)
}

/// How a table file is stored: CSV cells are text to parse, Parquet
/// columns carry their types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    Csv,
    Parquet,
}

/// One table's rows.
fn read_cramp_table(path: &Path) -> Result<Vec<PoolRow>, TableError> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase());
    let stored = match ext.as_deref() {
        Some("csv") => Stored::Csv,
        Some("parquet") => Stored::Parquet,
        _ => {
            return Err(TableError::UnknownFormat {
                path: path.to_path_buf(),
            });
        }
    };
    let unreadable = |reason: String| TableError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let df = match stored {
        // Every cell as text (no type inference): a column that is empty
        // throughout would be inferred as text anyway, and parsing here
        // gives the row of a bad cell. Rust's f64 parsing is correctly
        // rounded and polars writes floats in the shortest form that
        // round-trips, so numbers read back bit for bit.
        Stored::Csv => polars::prelude::CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(file)
            .finish(),
        Stored::Parquet => ParquetReader::new(file).finish(),
    }
    .map_err(|e| unreadable(e.to_string()))?;
    Table {
        path,
        df: &df,
        stored,
    }
    .rows()
}

/// A table being read, for the column readers' error messages.
struct Table<'a> {
    path: &'a Path,
    df: &'a DataFrame,
    stored: Stored,
}

/// The spellings the writer uses (its `serde_name`), so reader and writer
/// cannot disagree.
const RESPONSES: [Response; 5] = [
    Response::KeptPace,
    Response::Slowed,
    Response::Walked,
    Response::Stopped,
    Response::Unknown,
];
const OUTCOMES: [CrampOutcome; 5] = [
    CrampOutcome::Landmark,
    CrampOutcome::EndedInWindow,
    CrampOutcome::NoEnd,
    CrampOutcome::Censored,
    CrampOutcome::Excluded,
];

impl Table<'_> {
    fn rows(&self) -> Result<Vec<PoolRow>, TableError> {
        let names: Vec<String> = self
            .df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let missing: Vec<String> = POOL_COLUMNS
            .iter()
            .filter(|c| **c != "table_version" && !names.iter().any(|n| n == *c))
            .map(|c| c.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(TableError::MissingColumns {
                path: self.path.to_path_buf(),
                columns: missing,
            });
        }
        if !names.iter().any(|n| n == "table_version") {
            return Err(TableError::NoVersion {
                path: self.path.to_path_buf(),
            });
        }
        for (i, v) in self.ints("table_version")?.into_iter().enumerate() {
            let v = v.ok_or_else(|| self.missing_value("table_version", i))?;
            if v != i64::from(CRAMP_RESULTS_VERSION) {
                return Err(TableError::UnsupportedVersion {
                    path: self.path.to_path_buf(),
                    row: i + 1,
                    version: v,
                });
            }
        }
        let runners = if names.iter().any(|n| n == "runner") {
            self.required_texts("runner")?
        } else {
            vec![runner_of_table(self.path); self.df.height()]
        };
        let files = self.required_texts("file")?;
        let starts = self.required_texts("start_utc")?;
        let severities = self.ints("severity")?;
        let approx = self.bools("approx")?;
        let responses = self.named("response", &RESPONSES)?;
        let outcomes = self.named("outcome", &OUTCOMES)?;
        let slowdown = self.floats("slowdown_pct")?;
        let duration = self.floats("duration_s")?;
        let remaining = self.floats("remaining_s")?;
        let mut rows = Vec::with_capacity(self.df.height());
        for i in 0..self.df.height() {
            let severity = match severities[i] {
                None => None,
                Some(s @ 1..=3) => Some(s as u8),
                Some(s) => {
                    return Err(TableError::UnknownValue {
                        path: self.path.to_path_buf(),
                        column: "severity".into(),
                        row: i + 1,
                        value: s.to_string(),
                        allowed: "1, 2, 3 or empty".into(),
                    });
                }
            };
            rows.push(PoolRow {
                runner: runners[i].clone(),
                file: files[i].clone(),
                start_utc: starts[i].clone(),
                severity,
                approx: approx[i].ok_or_else(|| self.missing_value("approx", i))?,
                response: responses[i],
                slowdown_pct: slowdown[i],
                outcome: outcomes[i],
                duration_s: duration[i],
                remaining_s: remaining[i],
            });
        }
        Ok(rows)
    }

    fn missing_value(&self, column: &str, i: usize) -> TableError {
        TableError::MissingValue {
            path: self.path.to_path_buf(),
            column: column.into(),
            row: i + 1,
        }
    }

    fn mistyped(&self, column: &str, expected: &'static str, found: String) -> TableError {
        TableError::MistypedColumn {
            path: self.path.to_path_buf(),
            column: column.into(),
            expected,
            found,
        }
    }

    fn column(&self, name: &str) -> Result<&Column, TableError> {
        self.df
            .column(name)
            .map_err(|_| TableError::MissingColumns {
                path: self.path.to_path_buf(),
                columns: vec![name.to_string()],
            })
    }

    /// The column's cells as text; `None` when the column is not text.
    fn cells(&self, name: &str) -> Result<Option<Vec<Option<String>>>, TableError> {
        let c = self.column(name)?;
        let err = |e: PolarsError| self.mistyped(name, "text", e.to_string());
        match c.dtype() {
            DataType::String => Ok(Some(
                c.str()
                    .map_err(err)?
                    .iter()
                    .map(|v| {
                        // An empty CSV cell is a null, as the writer wrote it.
                        v.filter(|s| !s.is_empty()).map(|s| match self.stored {
                            Stored::Csv => undefuse_cell(s).to_string(),
                            Stored::Parquet => s.to_string(),
                        })
                    })
                    .collect(),
            )),
            DataType::Null => Ok(Some(vec![None; c.len()])),
            _ => Ok(None),
        }
    }

    /// A text column without empty cells.
    fn required_texts(&self, name: &str) -> Result<Vec<String>, TableError> {
        let Some(cells) = self.cells(name)? else {
            let found = format!("its type is {}", self.column(name)?.dtype());
            return Err(self.mistyped(name, "text", found));
        };
        cells
            .into_iter()
            .enumerate()
            .map(|(i, v)| v.ok_or_else(|| self.missing_value(name, i)))
            .collect()
    }

    /// A text column whose cells name one of `values` (by the writer's
    /// spelling).
    fn named<T: serde::Serialize + Copy>(
        &self,
        name: &str,
        values: &[T],
    ) -> Result<Vec<T>, TableError> {
        let spelled: Vec<(String, T)> = values.iter().map(|v| (serde_name(v), *v)).collect();
        self.required_texts(name)?
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                spelled
                    .iter()
                    .find(|(n, _)| *n == s)
                    .map(|(_, v)| *v)
                    .ok_or_else(|| TableError::UnknownValue {
                        path: self.path.to_path_buf(),
                        column: name.into(),
                        row: i + 1,
                        value: s,
                        allowed: spelled
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            })
            .collect()
    }

    /// Parse the text cells of a CSV column; a Parquet column must have the
    /// type itself.
    fn parsed<T>(
        &self,
        name: &str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<Vec<Option<T>>>, TableError> {
        let c = self.column(name)?;
        if *c.dtype() == DataType::Null {
            return Ok(Some((0..c.len()).map(|_| None).collect()));
        }
        if self.stored == Stored::Parquet || *c.dtype() != DataType::String {
            return Ok(None);
        }
        let cells = self.cells(name)?.unwrap_or_default();
        cells
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                None => Ok(None),
                Some(s) => parse(&s).map(Some).ok_or_else(|| {
                    self.mistyped(name, expected, format!("data row {} holds {s:?}", i + 1))
                }),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A nullable number column (integers read as floats).
    fn floats(&self, name: &str) -> Result<Vec<Option<f64>>, TableError> {
        const EXPECTED: &str = "numbers";
        if let Some(v) = self.parsed(name, EXPECTED, |s| s.parse::<f64>().ok())? {
            return Ok(v);
        }
        let c = self.column(name)?;
        if !(c.dtype().is_float() || c.dtype().is_integer()) {
            return Err(self.mistyped(name, EXPECTED, format!("its type is {}", c.dtype())));
        }
        let err = |e: PolarsError| self.mistyped(name, EXPECTED, e.to_string());
        let c = c.cast(&DataType::Float64).map_err(err)?;
        Ok(c.f64().map_err(err)?.iter().collect())
    }

    /// A nullable whole-number column.
    fn ints(&self, name: &str) -> Result<Vec<Option<i64>>, TableError> {
        const EXPECTED: &str = "whole numbers";
        if let Some(v) = self.parsed(name, EXPECTED, |s| s.parse::<i64>().ok())? {
            return Ok(v);
        }
        let c = self.column(name)?;
        if !c.dtype().is_integer() {
            return Err(self.mistyped(name, EXPECTED, format!("its type is {}", c.dtype())));
        }
        let err = |e: PolarsError| self.mistyped(name, EXPECTED, e.to_string());
        let c = c.cast(&DataType::Int64).map_err(err)?;
        Ok(c.i64().map_err(err)?.iter().collect())
    }

    /// A nullable true/false column.
    fn bools(&self, name: &str) -> Result<Vec<Option<bool>>, TableError> {
        const EXPECTED: &str = "true or false";
        let parse = |s: &str| match s {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        if let Some(v) = self.parsed(name, EXPECTED, parse)? {
            return Ok(v);
        }
        let c = self.column(name)?;
        if *c.dtype() != DataType::Boolean {
            return Err(self.mistyped(name, EXPECTED, format!("its type is {}", c.dtype())));
        }
        let err = |e: PolarsError| self.mistyped(name, EXPECTED, e.to_string());
        Ok(c.bool().map_err(err)?.iter().collect())
    }
}

/// Undo [`defuse_cell`]: the text a CSV cell was written from. A text that
/// itself began with `'` and a formula character (`'=x`) cannot be told
/// from a defused one and loses its quote; cramplab never writes such
/// runner names, paths or values.
fn undefuse_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_formula_like(rest) => rest,
        _ => s,
    }
}

/// `runner_summary` (a cohort only; docs/METHOD.md §5): one row per runner,
/// the `runners[]` fields of the JSON with the runner's own comparison
/// flattened, and the runner's share of the between-runner analysis.
pub fn runner_summary(batch: &Batch) -> PolarsResult<DataFrame> {
    let empty = Vec::new();
    let runners = batch.cohort.as_ref().map_or(&empty, |c| &c.runners);
    let meta = batch.cohort.as_ref().map(|c| &c.meta);
    let in_meta = |name: &str| meta.and_then(|m| m.runners.iter().find(|r| r.runner == name));
    let f = |g: &dyn Fn(&crate::results::RunnerResult) -> Option<f64>| -> Vec<Option<f64>> {
        runners.iter().map(|r| num(g(r))).collect()
    };
    let u = |g: &dyn Fn(&crate::results::RunnerResult) -> usize| -> Vec<u32> {
        runners.iter().map(|r| g(r) as u32).collect()
    };
    let columns = vec![
        col(
            "runner",
            runners
                .iter()
                .map(|r| r.runner.clone())
                .collect::<Vec<String>>(),
        ),
        col("files", u(&|r| r.files)),
        col("activities", u(&|r| r.activities)),
        col("cramps", u(&|r| r.cramps)),
        col("failed", u(&|r| r.failed)),
        col("threshold_pct", f(&|r| r.threshold_pct)),
        col("placebo_slowed_pct", f(&|r| r.placebo_slowed_pct)),
        col("slowed", u(&|r| r.comparison.n_group)),
        col("kept_pace", u(&|r| r.comparison.n_reference)),
        col("duration_ratio", f(&|r| r.comparison.duration_ratio)),
        col("ci_low", f(&|r| r.comparison.ci_low)),
        col("ci_high", f(&|r| r.comparison.ci_high)),
        col("p_value", f(&|r| r.comparison.p_value)),
        col(
            "verdict",
            runners
                .iter()
                .map(|r| serde_name(&r.comparison.verdict))
                .collect::<Vec<String>>(),
        ),
        col(
            "in_meta",
            runners
                .iter()
                .map(|r| in_meta(&r.runner).is_some())
                .collect::<Vec<bool>>(),
        ),
        col(
            "meta_se_log",
            runners
                .iter()
                .map(|r| in_meta(&r.runner).map(|m| m.se_log))
                .collect::<Vec<Option<f64>>>(),
        ),
        col(
            "meta_weight_pct",
            runners
                .iter()
                .map(|r| in_meta(&r.runner).and_then(|m| m.weight_pct))
                .collect::<Vec<Option<f64>>>(),
        ),
    ];
    DataFrame::new(runners.len(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::align::{WindowOptions, observe};
    use crate::timeline::{TimelineOptions, synth::Run};

    /// A cramp with the values `pool` reads set from `v`, the rest from a
    /// steady synthetic run.
    struct Values {
        runner: Option<&'static str>,
        file: &'static str,
        severity: Option<u8>,
        approx: bool,
        response: Response,
        slowdown_pct: Option<f64>,
        outcome: CrampOutcome,
        duration_s: Option<f64>,
        remaining_s: Option<f64>,
    }

    fn cramp(id: usize, v: &Values) -> CrampResult {
        let act = Run::steady(600, 3.0).build();
        let tl = Timeline::build(&act, &TimelineOptions::default());
        let obs = observe(&tl, 300.0, &WindowOptions::default());
        CrampResult {
            runner: v.runner.map(str::to_string),
            cramp_id: id,
            file: v.file.to_string(),
            start_utc: act.start_utc + chrono::Duration::seconds(300 + id as i64),
            end_utc: None,
            duration_s: v.duration_s,
            severity: v.severity,
            muscle: Some("calf".into()),
            note: None,
            approx: v.approx,
            tag_source: "cramps.csv:2".into(),
            response: v.response,
            slowdown_pct: v.slowdown_pct,
            threshold_pct: 9.5,
            baseline_speed_mps: obs.baseline_speed_mps,
            response_speed_mps: obs.response_speed_mps,
            baseline_gap_mps: obs.baseline_gap_mps,
            response_gap_mps: obs.response_gap_mps,
            hr_baseline_bpm: None,
            hr_onset_bpm: None,
            hr_response_bpm: None,
            hr_drop_predicted_bpm: None,
            hr_drop_observed_bpm: None,
            cadence_lock: false,
            elapsed_at_onset_s: 300.0,
            outcome: v.outcome,
            remaining_s: v.remaining_s,
            flags: vec!["x".into()],
            window: Vec::new(),
            run: 0,
            obs,
        }
    }

    /// Four cramps of two runners (or of none) with whole, fractional,
    /// negative, long-decimal and missing values: `12` must come back as
    /// 12.0, `33.3333` as the same f64.
    fn cramps(runners: [Option<&'static str>; 2]) -> Vec<CrampResult> {
        let v = [
            Values {
                runner: runners[0],
                file: "run-001.fit",
                severity: Some(2),
                approx: false,
                response: Response::Slowed,
                slowdown_pct: Some(12.0),
                outcome: CrampOutcome::Landmark,
                duration_s: Some(60.0),
                remaining_s: Some(42.0),
            },
            Values {
                runner: runners[0],
                file: "-odd,name \"quoted\".gpx",
                severity: None,
                approx: true,
                response: Response::KeptPace,
                slowdown_pct: Some(-7.123456789),
                outcome: CrampOutcome::EndedInWindow,
                duration_s: Some(12.5),
                remaining_s: None,
            },
            Values {
                runner: runners[1],
                file: "run-002.tcx",
                severity: Some(3),
                approx: false,
                response: Response::Unknown,
                slowdown_pct: None,
                outcome: CrampOutcome::NoEnd,
                duration_s: None,
                remaining_s: None,
            },
            Values {
                runner: runners[1],
                file: "run-003.fit",
                severity: Some(1),
                approx: false,
                response: Response::Walked,
                slowdown_pct: Some(100.0 / 3.0),
                outcome: CrampOutcome::Landmark,
                duration_s: Some(0.1 + 0.2),
                remaining_s: Some(1e-4 + 1234.56789),
            },
        ];
        v.iter().enumerate().map(|(i, v)| cramp(i + 1, v)).collect()
    }

    /// Write `df` into `dir/name` in the format its extension names.
    fn write_table(dir: &Path, name: &str, df: &DataFrame) -> PathBuf {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).expect("create");
        if name.ends_with(".csv") {
            write_csv(df, file, true).expect("csv");
        } else {
            write_parquet(df, file).expect("parquet");
        }
        path
    }

    fn bits(x: Option<f64>) -> Option<u64> {
        x.map(f64::to_bits)
    }

    /// The rows `pool` should read for `c`: the written (rounded) numbers.
    fn expected(c: &[CrampResult], runner: impl Fn(&CrampResult) -> String) -> Vec<PoolRow> {
        c.iter()
            .map(|x| PoolRow {
                runner: runner(x),
                file: x.file.clone(),
                start_utc: rfc3339(x.start_utc),
                severity: x.severity,
                approx: x.approx,
                response: x.response,
                slowdown_pct: num(x.slowdown_pct),
                outcome: x.outcome,
                duration_s: num(x.duration_s),
                remaining_s: num(x.remaining_s),
            })
            .collect()
    }

    fn assert_same_rows(got: &[PoolRow], want: &[PoolRow]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            // Bit for bit, not within a tolerance: pool must see what
            // analyze saw.
            assert_eq!(bits(g.slowdown_pct), bits(w.slowdown_pct), "{g:?}");
            assert_eq!(bits(g.duration_s), bits(w.duration_s), "{g:?}");
            assert_eq!(bits(g.remaining_s), bits(w.remaining_s), "{g:?}");
            assert_eq!(g, w);
        }
    }

    fn err_text(paths: &[PathBuf]) -> String {
        read_cramp_tables(paths)
            .expect_err("the table must be refused")
            .to_string()
    }

    #[test]
    fn cramp_results_has_table_version_last_and_runner_first_only_in_a_cohort() {
        let alone = cramp_table(&cramps([None, None])).expect("frame");
        let names = alone.get_column_names();
        assert_eq!(names.first().map(|n| n.as_str()), Some("cramp_id"));
        assert_eq!(names.last().map(|n| n.as_str()), Some("table_version"));
        let v = alone.column("table_version").expect("version");
        assert_eq!(v.dtype(), &DataType::UInt32);
        assert_eq!(
            v.u32().expect("u32").iter().collect::<Vec<_>>(),
            [Some(1); 4]
        );

        let cohort = cramp_table(&cramps([Some("alice"), Some("bob")])).expect("frame");
        assert_eq!(cohort.width(), alone.width() + 1);
        assert_eq!(cohort.get_column_names()[0].as_str(), "runner");

        let mut files = vec![FileResult::failed("a.fit".into(), "broken".into())];
        assert_eq!(
            summary_table(&files).expect("frame").get_column_names()[0].as_str(),
            "path"
        );
        files[0].runner = Some("alice".into());
        let s = summary_table(&files).expect("frame");
        assert_eq!(s.get_column_names()[0].as_str(), "runner");
        assert_eq!(
            s.column("runner")
                .expect("runner")
                .str()
                .expect("str")
                .get(0),
            Some("alice")
        );
    }

    #[test]
    fn csv_and_parquet_tables_read_back_every_value_bit_for_bit() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let c = cramps([Some("alice"), Some("bob")]);
        let df = cramp_table(&c).expect("frame");
        let want = expected(&c, |x| x.runner.clone().expect("set"));
        for name in ["cohort.csv", "cohort.parquet"] {
            let path = write_table(tmp.path(), name, &df);
            let got = read_cramp_tables(&[path]).expect(name);
            assert_same_rows(&got, &want);
        }
    }

    #[test]
    fn a_column_that_is_empty_throughout_reads_as_nulls() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut c = cramps([None, None]);
        for x in &mut c {
            (x.severity, x.slowdown_pct, x.duration_s, x.remaining_s) = (None, None, None, None);
        }
        let df = cramp_table(&c).expect("frame");
        let want = expected(&c, |_| "nulls".to_string());
        for name in ["nulls.csv", "nulls.parquet"] {
            let path = write_table(tmp.path(), name, &df);
            assert_same_rows(&read_cramp_tables(&[path]).expect(name), &want);
        }
    }

    #[test]
    fn formula_like_runner_names_and_paths_read_back_as_written_in_csv() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let c = cramps([Some("-fast"), Some("=1+1")]);
        let path = write_table(tmp.path(), "odd.csv", &cramp_table(&c).expect("frame"));
        let raw = std::fs::read_to_string(&path).expect("read");
        assert!(raw.contains("'-fast") && raw.contains("'=1+1"), "{raw}");
        let got = read_cramp_tables(&[path]).expect("reads");
        assert_same_rows(&got, &expected(&c, |x| x.runner.clone().expect("set")));
        assert_eq!(got[1].file, "-odd,name \"quoted\".gpx");
    }

    #[test]
    fn a_table_without_runner_column_is_the_runner_its_file_names() {
        assert_eq!(
            runner_of_table(Path::new("study/alice/cramp_results.csv")),
            "alice"
        );
        assert_eq!(runner_of_table(Path::new("study/bob.parquet")), "bob");
        assert_eq!(runner_of_table(Path::new("carol.csv")), "carol");
        let here = std::env::current_dir().expect("cwd");
        let folder = here
            .file_name()
            .expect("named")
            .to_string_lossy()
            .into_owned();
        assert_eq!(runner_of_table(Path::new("cramp_results.csv")), folder);

        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("dora");
        std::fs::create_dir(&dir).expect("mkdir");
        let c = cramps([None, None]);
        let path = write_table(
            &dir,
            "cramp_results.parquet",
            &cramp_table(&c).expect("frame"),
        );
        let got = read_cramp_tables(&[path]).expect("reads");
        assert_same_rows(&got, &expected(&c, |_| "dora".to_string()));
    }

    #[test]
    fn a_csv_saved_with_windows_line_ends_reads_the_same() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let c = cramps([Some("alice"), Some("bob")]);
        let path = write_table(tmp.path(), "crlf.csv", &cramp_table(&c).expect("frame"));
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace('\n', "\r\n")).expect("write");
        let got = read_cramp_tables(&[path]).expect("reads");
        assert_same_rows(&got, &expected(&c, |x| x.runner.clone().expect("set")));
    }

    #[test]
    fn a_table_with_no_rows_is_a_runner_without_cramps() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let df = cramp_table(&[]).expect("frame");
        for name in ["empty.csv", "empty.parquet"] {
            let path = write_table(tmp.path(), name, &df);
            assert_eq!(read_cramp_tables(&[path]).expect(name), []);
        }
    }

    #[test]
    fn the_same_runner_in_two_tables_is_refused_naming_both_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let df = cramp_table(&cramps([Some("alice"), Some("bob")])).expect("frame");
        let a = write_table(tmp.path(), "machine1.csv", &df);
        let alone = cramp_table(&cramps([None, None])).expect("frame");
        let b = write_table(tmp.path(), "bob.parquet", &alone);
        let text = err_text(&[a, b]);
        assert!(
            text.contains("\"bob\"") && text.contains("machine1.csv"),
            "{text}"
        );
        assert!(text.contains("bob.parquet"), "{text}");
    }

    /// A valid table with one column replaced, written as `name`.
    fn altered(dir: &Path, name: &str, column: Column) -> PathBuf {
        let mut df = cramp_table(&cramps([None, None])).expect("frame");
        df.with_column(column).expect("same height");
        write_table(dir, name, &df)
    }

    #[test]
    fn a_mistyped_column_is_refused_naming_file_column_and_row() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let text_values = vec![Some("12"), Some("fast"), None, Some("1")];
        let csv = altered(tmp.path(), "t.csv", col("remaining_s", text_values.clone()));
        let text = err_text(&[csv]);
        assert!(
            text.contains("t.csv") && text.contains("`remaining_s`"),
            "{text}"
        );
        assert!(text.contains("data row 2 holds \"fast\""), "{text}");
        let pq = altered(tmp.path(), "t.parquet", col("remaining_s", text_values));
        let text = err_text(&[pq]);
        assert!(
            text.contains("t.parquet") && text.contains("`remaining_s`"),
            "{text}"
        );
        assert!(text.contains("numbers") && text.contains("str"), "{text}");

        let csv = altered(
            tmp.path(),
            "s.csv",
            col("severity", vec![Some("2.5"), None, None, None]),
        );
        let text = err_text(&[csv]);
        assert!(
            text.contains("`severity`") && text.contains("whole numbers"),
            "{text}"
        );
        let csv = altered(
            tmp.path(),
            "a.csv",
            col("approx", vec!["yes", "no", "no", "no"]),
        );
        assert!(err_text(&[csv]).contains("`approx` must hold true or false"));
    }

    #[test]
    fn unknown_responses_outcomes_and_severities_are_refused_with_their_row() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let p = altered(
            tmp.path(),
            "r.csv",
            col("response", vec!["slowed", "slowed", "jogged", "slowed"]),
        );
        let text = err_text(&[p]);
        assert!(
            text.contains("r.csv") && text.contains("`response`"),
            "{text}"
        );
        assert!(
            text.contains("data row 3") && text.contains("\"jogged\""),
            "{text}"
        );
        assert!(
            text.contains("kept_pace, slowed, walked, stopped, unknown"),
            "{text}"
        );
        let p = altered(
            tmp.path(),
            "o.parquet",
            col(
                "outcome",
                vec!["landmark", "finished", "no_end", "censored"],
            ),
        );
        let text = err_text(&[p]);
        assert!(
            text.contains("`outcome`") && text.contains("data row 2"),
            "{text}"
        );
        let p = altered(
            tmp.path(),
            "s.parquet",
            col("severity", vec![Some(1u32), None, Some(4), None]),
        );
        let text = err_text(&[p]);
        assert!(
            text.contains("`severity`") && text.contains("data row 3"),
            "{text}"
        );
    }

    #[test]
    fn a_missing_or_foreign_table_version_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let p = altered(tmp.path(), "new.csv", col("table_version", vec![2u32; 4]));
        let text = err_text(&[p]);
        assert!(
            text.contains("new.csv") && text.contains("newer cramplab"),
            "{text}"
        );
        let p = altered(
            tmp.path(),
            "zero.parquet",
            col("table_version", vec![0u32; 4]),
        );
        assert!(err_text(&[p]).contains("not a cramp_results table"));

        let mut df = cramp_table(&cramps([None, None])).expect("frame");
        df = df.drop("table_version").expect("has it");
        let p = write_table(tmp.path(), "old.csv", &df);
        let text = err_text(&[p]);
        assert!(
            text.contains("old.csv") && text.contains("no column `table_version`"),
            "{text}"
        );
    }

    #[test]
    fn another_table_a_missing_column_an_odd_name_or_a_missing_file_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let files = vec![FileResult::failed("a.fit".into(), "broken".into())];
        let p = write_table(
            tmp.path(),
            "run_summary.csv",
            &summary_table(&files).expect("frame"),
        );
        let text = err_text(&[p]);
        assert!(
            text.contains("run_summary.csv: not a cramp_results table"),
            "{text}"
        );
        assert!(
            text.contains("`file`") && text.contains("`outcome`"),
            "{text}"
        );

        let df = cramp_table(&cramps([None, None])).expect("frame");
        let p = write_table(
            tmp.path(),
            "no_outcome.parquet",
            &df.drop("outcome").expect("has it"),
        );
        let text = err_text(&[p]);
        assert!(
            text.contains("no_outcome.parquet") && text.contains("no column `outcome`"),
            "{text}"
        );

        let p = tmp.path().join("table.xlsx");
        std::fs::write(&p, "x").expect("write");
        assert!(err_text(&[p]).contains("must end in .csv or .parquet"));
        let text = err_text(&[tmp.path().join("absent.csv")]);
        assert!(
            text.starts_with("cannot read") && text.contains("absent.csv"),
            "{text}"
        );
        let p = tmp.path().join("garbage.parquet");
        std::fs::write(&p, "not parquet").expect("write");
        assert!(err_text(&[p]).contains("cannot read"));
    }

    #[test]
    fn formula_like_text_gets_a_leading_quote_and_other_text_does_not() {
        for s in ["=1+1", "+1", "-calf", "@SUM(A1)"] {
            assert_eq!(defuse_cell(s), format!("'{s}"));
        }
        for s in ["calf", "1", " =x", "'quoted"] {
            assert_eq!(defuse_cell(s), s);
        }
    }

    #[test]
    fn numbers_stay_numbers_and_nulls_stay_empty_in_csv() {
        let df = DataFrame::new(
            2,
            vec![
                Column::new("x_s".into(), vec![Some(-3.5), None]),
                Column::new("t".into(), vec![Some("-3.5"), None]),
            ],
        )
        .expect("frame");
        let mut out = Vec::new();
        write_csv(&df, &mut out, true).expect("csv");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "x_s,t\n-3.5,'-3.5\n,\n"
        );
    }
}
