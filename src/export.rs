//! `cramplab export`: every activity's cleaned 1 Hz track as a table
//! (docs/METHOD.md §4), streamed one activity at a time so a history of
//! thousands of runs never sits in memory.
//!
//! - CSV: one file, `DIR/tracks.csv`, the header once and then each
//!   activity's rows in path order (one file is what a spreadsheet or a
//!   `read_csv` call wants; the `activity` column tells runs apart).
//! - Parquet: hive-partitioned by the UTC year of each activity's start,
//!   `DIR/year=2025/part-0.parquet`, one file per year holding one row
//!   group per activity; the names depend only on the data, so a rerun
//!   writes the same files. The `year` column lives in the folder name
//!   only (hive style); `time_utc` carries it too.
//!
//! Every file is written under a temporary name and renamed when complete
//! (an [`OutputGuard`]): never over an input, over an existing file only
//! with `--force`. With `--force`, part files of years this run did not
//! write are removed, so the folder holds exactly this export.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::frame::{self, ParquetStream};
use chrono::{DateTime, Datelike, Utc};

use crate::ingest::inputs::{Content, Inputs};
use crate::output::{OutputError, OutputGuard, PendingFile};
use crate::report::tables::TableFormat;
use crate::timeline::{Timeline, TimelineOptions};

/// The columns of a track, in order.
pub const TRACK_COLUMNS: [&str; 10] = [
    "activity",
    "time_utc",
    "elapsed_s",
    "distance_m",
    "speed_mps",
    "gap_mps",
    "hr_bpm",
    "cadence_spm",
    "altitude_m",
    "paused",
];

/// What an export wrote.
#[derive(Debug, Default)]
pub struct ExportSummary {
    /// Activities written.
    pub activities: usize,
    /// Rows written (seconds, over all activities).
    pub rows: usize,
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Inputs that could not be read: (display path, reason).
    pub failed: Vec<(String, String)>,
    /// Non-activity files skipped inside folders and archives.
    pub skipped: usize,
}

/// Why the export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The folder could not be made or listed.
    #[error("cannot use {path}: {source}")]
    Dir {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file may not be written, or writing it failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A track could not be built or encoded.
    #[error("cannot write the track of {activity}: {source}")]
    Frame {
        /// The activity.
        activity: String,
        /// What polars said.
        source: frame::FrameError,
    },
}

/// Existing `year=*/part-*.parquet` files under `dir`.
fn existing_parts(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(years) = std::fs::read_dir(dir) else {
        return out;
    };
    for y in years.flatten() {
        if !y.file_name().to_string_lossy().starts_with("year=") {
            continue;
        }
        if let Ok(parts) = std::fs::read_dir(y.path()) {
            for p in parts.flatten() {
                let n = p.file_name().to_string_lossy().to_string();
                if n.starts_with("part-") && n.ends_with(".parquet") {
                    out.push(p.path());
                }
            }
        }
    }
    out.sort();
    out
}

enum Sink {
    Csv(PendingFile),
    Parquet(BTreeMap<i32, (PendingFile, ParquetStream<std::fs::File>)>),
}

/// Export the 1 Hz track of every activity of `inputs` into `dir`.
/// `on_file(failed)` is called once per input file (progress).
pub fn export(
    mut inputs: Inputs,
    dir: &Path,
    format: TableFormat,
    force: bool,
    on_file: &(dyn Fn(bool) + Sync),
) -> Result<ExportSummary, ExportError> {
    let dir_err = |source| ExportError::Dir {
        path: dir.display().to_string(),
        source,
    };
    let mut input_files = inputs.files_on_disk();
    input_files.sort();
    input_files.dedup();
    let guard = OutputGuard::new(input_files.iter().map(PathBuf::as_path), force);
    let mut summary = ExportSummary::default();
    for f in inputs.take_failures() {
        if let Content::Failed(e) = f.content {
            summary.failed.push((f.display, e.to_string()));
        }
    }
    // `-` and a file in the folder's place are refused, not made into a folder.
    guard.check_folder(dir)?;
    std::fs::create_dir_all(dir).map_err(dir_err)?;
    let old_parts = existing_parts(dir);
    let mut sink = match format {
        TableFormat::Csv => {
            let mut f = guard.begin(&dir.join("tracks.csv"))?;
            writeln!(f.file(), "{}", TRACK_COLUMNS.join(",")).map_err(|source| {
                OutputError::Io {
                    path: f.path().display().to_string(),
                    source,
                }
            })?;
            Sink::Csv(f)
        }
        TableFormat::Parquet => {
            // Refuse before reading anything if a previous export is there.
            if let Some(p) = old_parts.first() {
                guard.check(p)?;
            }
            Sink::Parquet(BTreeMap::new())
        }
    };
    let opts = TimelineOptions::default();
    for i in 0..inputs.sources().len() {
        let mut failed = false;
        for file in inputs.read(i) {
            match file.content {
                Content::Activities(acts) => {
                    for (name, act) in acts {
                        let tl = Timeline::build(&act, &opts);
                        let rows = sink.write(&name, act.start_utc, &tl, dir, &guard)?;
                        summary.activities += 1;
                        summary.rows += rows;
                    }
                }
                Content::Skipped(_) => summary.skipped += 1,
                Content::Failed(e) => {
                    failed = true;
                    summary.failed.push((file.display, e.to_string()));
                }
            }
        }
        on_file(failed);
    }
    match sink {
        Sink::Csv(f) => {
            summary.files.push(f.path().to_path_buf());
            f.commit()?;
        }
        Sink::Parquet(years) => {
            for (_, (p, w)) in years {
                let fe = |source| ExportError::Frame {
                    activity: p.path().display().to_string(),
                    source,
                };
                w.finish().map_err(fe)?;
                summary.files.push(p.path().to_path_buf());
                p.commit()?;
            }
            // Only reached with --force when old parts existed (checked above).
            for old in old_parts {
                if !summary.files.contains(&old) && !input_files.contains(&old) {
                    let _ = std::fs::remove_file(&old);
                }
            }
        }
    }
    Ok(summary)
}

impl Sink {
    /// Append one activity's track; the number of rows written.
    fn write(
        &mut self,
        name: &str,
        start_utc: DateTime<Utc>,
        tl: &Timeline,
        dir: &Path,
        guard: &OutputGuard,
    ) -> Result<usize, ExportError> {
        let fe = |source| ExportError::Frame {
            activity: name.to_string(),
            source,
        };
        let df = frame::track(name, start_utc, tl).map_err(fe)?;
        match self {
            Sink::Csv(f) => frame::write_csv(&df, f.file(), false).map_err(fe)?,
            Sink::Parquet(years) => {
                let year = start_utc.year();
                if let std::collections::btree_map::Entry::Vacant(e) = years.entry(year) {
                    let ydir = dir.join(format!("year={year}"));
                    std::fs::create_dir_all(&ydir).map_err(|source| ExportError::Dir {
                        path: ydir.display().to_string(),
                        source,
                    })?;
                    let mut p = guard.begin(&ydir.join("part-0.parquet"))?;
                    let handle = p.file().try_clone().map_err(|source| OutputError::Io {
                        path: p.path().display().to_string(),
                        source,
                    })?;
                    let w = ParquetStream::new(handle, &df).map_err(fe)?;
                    e.insert((p, w));
                }
                if let Some((_, w)) = years.get_mut(&year) {
                    w.write(&df).map_err(fe)?;
                }
            }
        }
        Ok(df.height())
    }
}
