//! `analyze --csv DIR` / `--parquet DIR`: the batch as three tables (four for a cohort) in a
//! folder (docs/METHOD.md §4) — `cramp_results`, `run_summary` and
//! `cramp_windows`, each `.csv` or `.parquet`. Unlike the single-document
//! [`super::Exporter`]s this writes several files, so it lives beside them
//! rather than behind the trait; the DataFrames and encodings are in
//! [`crate::frame`]. Every file goes through an [`OutputGuard`]: written
//! whole or not at all, never over an input, over an existing file only
//! with `--force`. All the paths are checked before the first is written,
//! so a refusal leaves the folder as it was; `analyze` checks them together
//! with its other outputs ([`encode_tables`] and an [`OutputSet`]).

use std::path::{Path, PathBuf};

use crate::frame;
use crate::output::{OutputError, OutputGuard, OutputSet};
use crate::results::Batch;

/// Which encoding the tables get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// RFC 4180 CSV, formula-like text made inert.
    Csv,
    /// Parquet (zstd).
    Parquet,
}

impl TableFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Parquet => "parquet",
        }
    }
}

/// The tables' names, in the order they are written.
pub const TABLES: [&str; 3] = ["cramp_results", "run_summary", "cramp_windows"];

/// The table a cohort adds (docs/METHOD.md §5): one row per runner.
pub const COHORT_TABLE: &str = "runner_summary";

/// The tables a batch gets: [`TABLES`], and for a cohort [`COHORT_TABLE`].
pub fn tables(cohort: bool) -> Vec<&'static str> {
    let mut t = TABLES.to_vec();
    if cohort {
        t.push(COHORT_TABLE);
    }
    t
}

/// Why the tables were not written.
#[derive(Debug, thiserror::Error)]
pub enum TablesError {
    /// A file may not be written, or writing it failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A table could not be built or encoded.
    #[error("cannot build the {table} table: {source}")]
    Frame {
        /// Which table.
        table: &'static str,
        /// What polars said.
        source: frame::FrameError,
    },
}

/// The files `dir` gets in `format`, in [`tables`] order.
pub fn table_paths(dir: &Path, format: TableFormat, cohort: bool) -> Vec<PathBuf> {
    tables(cohort)
        .iter()
        .map(|t| dir.join(format!("{t}.{}", format.extension())))
        .collect()
}

/// The tables, encoded, each with the path it goes to in `dir`; for
/// an [`OutputSet`] that writes them together with a command's other
/// outputs.
pub fn encode_tables(
    batch: &Batch,
    dir: &Path,
    format: TableFormat,
) -> Result<Vec<(PathBuf, Vec<u8>)>, TablesError> {
    let mut encoded = Vec::new();
    let cohort = batch.cohort.is_some();
    for (table, path) in tables(cohort)
        .into_iter()
        .zip(table_paths(dir, format, cohort))
    {
        let fe = |source| TablesError::Frame { table, source };
        let df = match table {
            "cramp_results" => frame::cramp_results(batch),
            "run_summary" => frame::run_summary(batch),
            COHORT_TABLE => frame::runner_summary(batch),
            _ => frame::cramp_windows(batch),
        }
        .map_err(fe)?;
        let mut bytes = Vec::new();
        match format {
            TableFormat::Csv => frame::write_csv(&df, &mut bytes, true),
            TableFormat::Parquet => frame::write_parquet(&df, &mut bytes),
        }
        .map_err(fe)?;
        encoded.push((path, bytes));
    }
    Ok(encoded)
}

/// Write the tables into `dir` (created if missing), all or none;
/// returns the paths written.
pub fn write_tables(
    batch: &Batch,
    dir: &Path,
    format: TableFormat,
    guard: &OutputGuard,
) -> Result<Vec<PathBuf>, TablesError> {
    guard.check_folder(dir)?;
    let mut set = OutputSet::new(guard);
    for (path, bytes) in encode_tables(batch, dir, format)? {
        set.add(path, bytes);
    }
    Ok(set.write()?)
}
