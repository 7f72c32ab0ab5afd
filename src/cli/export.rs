//! `cramplab export PATH... (--csv DIR | --parquet DIR)`: flags to
//! [`cramplab::export::export`], a progress bar on a terminal, failures on
//! stderr.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args as ClapArgs;
use cramplab::report::tables::TableFormat;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let n = cramplab::ingest::container::discover(&args.paths)
            .sources
            .len() as u64;
        let bar = ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} files  {msg}  {per_sec}  eta {eta}")
                .expect("the template is valid"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let failed = std::sync::atomic::AtomicUsize::new(0);
    let on_file = |did_fail: bool| {
        if did_fail {
            let f = failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bar.set_message(format!("{f} failed"));
        }
        bar.inc(1);
    };
    let summary = cramplab::export::export(&args.paths, dir, format, args.force, &on_file)?;
    bar.finish_and_clear();
    for (path, reason) in &summary.failed {
        eprintln!("cramplab: {path}: {reason}");
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
