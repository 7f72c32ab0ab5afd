//! The one place that knows polars: the tables of docs/METHOD.md §4 as
//! DataFrames (`cramp_results`, `run_summary`, `cramp_windows` from a
//! [`Batch`]; 1 Hz tracks from a [`Timeline`] for `export`), and writing
//! them as CSV or Parquet. Keeping polars behind this module keeps the rest
//! of the crate free of its types and lets it be swapped or feature-gated.
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

use std::io::Write;

use chrono::{DateTime, Utc};
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{
    Column, CsvWriter, DataFrame, DataType, NamedFrom, ParquetReader, ParquetWriter, PolarsError,
    PolarsResult, QuoteStyle, SerReader, SerWriter, Series,
};

use crate::results::{Batch, CrampResult, rfc3339};
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

/// `cramp_results`: one row per analysed cramp, the `cramps[]` fields of
/// the JSON plus `note`, `tag_source`, `threshold_pct`, the HR-drop check,
/// `cadence_lock` and `flags`.
pub fn cramp_results(batch: &Batch) -> PolarsResult<DataFrame> {
    let c = &batch.cramps;
    let f = |g: fn(&CrampResult) -> Option<f64>| -> Vec<Option<f64>> {
        c.iter().map(|x| num(g(x))).collect()
    };
    let columns = vec![
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
    ];
    DataFrame::new(c.len(), columns)
}

/// `run_summary`: one row per input file or activity, the `files[]` fields
/// of the JSON (`cramps` is a count; `warnings` are joined with `"; "`).
pub fn run_summary(batch: &Batch) -> PolarsResult<DataFrame> {
    let r = &batch.files;
    let columns = vec![
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
    ];
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

#[cfg(test)]
mod tests {
    use super::*;

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
