//! `cramplab export PATH... (--csv DIR | --parquet DIR)`: flags to
//! [`cramplab::export::export`], a progress bar on a terminal, failures on
//! stderr.

use std::path::PathBuf;

use clap::Args as ClapArgs;
use cramplab::ingest::inputs::{Inputs, Limits};
use cramplab::report::tables::TableFormat;

use super::Status;

/// Flags of `cramplab export`.
#[derive(Debug, ClapArgs)]
#[command(group = clap::ArgGroup::new("to").required(true).args(["csv", "parquet"]))]
pub struct ExportArgs {
    /// Activity files, archives or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write DIR/tracks.csv: every activity's seconds, one after another.
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Write DIR/year=YYYY/part-0.parquet, partitioned by the UTC year of each start.
    #[arg(long, value_name = "DIR")]
    parquet: Option<PathBuf>,
    /// Replace an earlier export (never an input).
    #[arg(long)]
    force: bool,
    /// Print only errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: &ExportArgs) -> anyhow::Result<Status> {
    let (dir, format) = match (&args.csv, &args.parquet) {
        (Some(d), _) => (d, TableFormat::Csv),
        (None, Some(d)) => (d, TableFormat::Parquet),
        (None, None) => anyhow::bail!("choose --csv DIR or --parquet DIR"),
    };
    let mut inputs = Inputs::find(&args.paths, Limits::default());
    super::require_activity_files(&mut inputs, &args.paths)?;
    for note in inputs.take_notes() {
        eprintln!("cramplab: warning: {note}");
    }
    let progress = super::Progress::new(inputs.sources().len(), args.quiet);
    let summary = cramplab::export::export(inputs, dir, format, args.force, &|failed| {
        progress.file_done(failed)
    })?;
    progress.finish();
    for (path, reason) in &summary.failed {
        // The reason names the file already (as `analyze` prints it).
        if reason.contains(path.as_str()) {
            eprintln!("cramplab: {reason}");
        } else {
            eprintln!("cramplab: {path}: {reason}");
        }
    }
    if !args.quiet {
        println!(
            "cramplab: {} activit{} exported, {} rows, {} file(s) in {}",
            summary.activities,
            if summary.activities == 1 { "y" } else { "ies" },
            summary.rows,
            summary.files.len(),
            dir.display()
        );
    }
    Ok(if summary.failed.is_empty() {
        Status::Ok
    } else {
        Status::SomeFailed
    })
}
