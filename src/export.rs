//! `cramplab export`: every activity's cleaned 1 Hz track as a table
//! (DESIGN.md §4), streamed one activity at a time so a history of
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
use crate::ingest::container::{self, Limits, Location, Outcome};
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

/// Every file `paths` would read (for the output guard).
pub fn input_files(sources: &[container::Source]) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = sources
        .iter()
        .map(|s| match &s.location {
            Location::File(p) => p.clone(),
            Location::ZipEntry { archive, .. } => archive.clone(),
        })
        .collect();
    v.sort();
    v.dedup();
    v
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

/// Export the 1 Hz track of every activity under `paths` into `dir`.
/// `on_activity(failed)` is called once per input file (progress).
pub fn export(
    paths: &[PathBuf],
    dir: &Path,
    format: TableFormat,
    force: bool,
    on_file: &(dyn Fn(bool) + Sync),
) -> Result<ExportSummary, ExportError> {
    let dir_err = |source| ExportError::Dir {
        path: dir.display().to_string(),
        source,
    };
    let discovery = container::discover(paths);
    let inputs = input_files(&discovery.sources);
    let guard = OutputGuard::new(inputs.iter().map(PathBuf::as_path), force);
    let mut summary = ExportSummary {
        failed: discovery
            .failures
            .iter()
            .map(|(p, e)| (p.clone(), e.to_string()))
            .collect(),
        ..ExportSummary::default()
    };
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
    for source in &discovery.sources {
        let mut failed = false;
        for loaded in container::load(source, &Limits::default()) {
            match loaded.outcome {
                Outcome::Read(acts) => {
                    let several = acts.len() > 1;
                    for (k, act) in acts.into_iter().enumerate() {
                        let name = if several {
                            format!("{}#{}", act.path, k + 1)
                        } else {
                            act.path.clone()
                        };
                        let tl = Timeline::build(&act, &opts);
                        let fe = |source| ExportError::Frame {
                            activity: name.clone(),
                            source,
                        };
                        let df = frame::track(&name, act.start_utc, &tl).map_err(fe)?;
                        match &mut sink {
                            Sink::Csv(f) => frame::write_csv(&df, f.file(), false).map_err(fe)?,
                            Sink::Parquet(years) => {
                                use chrono::Datelike;
                                let year = act.start_utc.year();
                                if let std::collections::btree_map::Entry::Vacant(e) =
                                    years.entry(year)
                                {
                                    let ydir = dir.join(format!("year={year}"));
                                    std::fs::create_dir_all(&ydir).map_err(dir_err)?;
                                    let mut p = guard.begin(&ydir.join("part-0.parquet"))?;
                                    let handle =
                                        p.file().try_clone().map_err(|source| OutputError::Io {
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
                        summary.activities += 1;
                        summary.rows += df.height();
                    }
                }
                Outcome::Skipped(_) => summary.skipped += 1,
                Outcome::Failed(e) => {
                    failed = true;
                    summary.failed.push((loaded.display, e.to_string()));
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
                if !summary.files.contains(&old) && !inputs.contains(&old) {
                    let _ = std::fs::remove_file(&old);
                }
            }
        }
    }
    Ok(summary)
}
