//! `cramplab report RUN`: one run on its own. The batch pipeline runs on
//! that single file (with `--tags` and any `cramps.csv` beside it), the
//! run's timeline is read again for its profile, and the result is a short
//! text summary ([`cramplab::report::run_text`]) or, with `--html FILE`, a
//! self-contained page.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args as ClapArgs;
use cramplab::config::{Config, SportFilter};
use cramplab::ingest::inputs::Inputs;
use cramplab::output::OutputGuard;
use cramplab::pipeline;
use cramplab::report::Exporter;
use cramplab::report::html::RunHtml;
use cramplab::report::run_text::RunText;
use cramplab::results::FileStatus;

use super::Status;

/// Flags of `cramplab report`.
#[derive(Debug, ClapArgs)]
pub struct ReportArgs {
    /// The activity file (FIT, GPX or TCX, possibly gzipped).
    file: PathBuf,
    /// A tag file (in addition to a cramps.csv beside the run).
    #[arg(long, value_name = "FILE")]
    tags: Vec<PathBuf>,
    /// Time zone for local wall-clock tag times (e.g. Europe/Berlin, or +02:00).
    #[arg(long, value_name = "ZONE")]
    tz: Option<cramplab::tags::TagZone>,
    /// FIT manual lap presses are cramp tags: onset and end in pairs.
    #[arg(long)]
    lap_tags: bool,
    /// Write a self-contained HTML report instead of the text summary.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Replace an existing output file (never an input).
    #[arg(long)]
    force: bool,
}

/// Run `cramplab report`.
pub fn run(args: &ReportArgs) -> anyhow::Result<Status> {
    let mut cfg = Config::new(vec![args.file.clone()]);
    cfg.tag_files = args.tags.clone();
    let beside = args
        .file
        .parent()
        .map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                d.to_path_buf()
            }
        })
        .map(|d| d.join("cramps.csv"));
    let same = |a: &PathBuf, b: &PathBuf| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    };
    if let Some(b) = beside.filter(|b| b.is_file())
        && !cfg.tag_files.iter().any(|t| same(t, &b))
    {
        cfg.tag_files.push(b);
    }
    cfg.tag_options.tz = args.tz;
    cfg.tag_options.lap_tags = args.lap_tags;
    cfg.sport = SportFilter::All;
    cfg.keep_windows = true;
    cfg.keep_timelines = true;
    let inputs = Inputs::find(&cfg.paths, cfg.limits);
    let mut batch = pipeline::run(&cfg, inputs, &|_| {}).context("cannot analyse")?;
    // Rows of a shared cramps.csv that name other runs are not this run's problem.
    batch.warnings.retain(|w| !w.contains("no activity"));
    for f in batch.files.iter().filter(|f| f.status == FileStatus::Error) {
        eprintln!("cramplab: {}", f.error.as_deref().unwrap_or("failed"));
    }
    if batch.failed() > 0 && batch.cramps.is_empty() && batch.files.len() == batch.failed() {
        anyhow::bail!("nothing to report on in {}", args.file.display());
    }
    match &args.html {
        Some(path) => {
            // The run's profile: the first activity analysed from the file.
            let timeline = batch.timelines.values().next();
            let page = RunHtml {
                timeline,
                path: args.file.display().to_string(),
            }
            .render(&batch);
            OutputGuard::new(batch.inputs.iter().map(|p| p.as_path()), args.force)
                .write(path, &page)?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&RunText.render(&batch))?;
            out.flush()?;
        }
    }
    Ok(if batch.failed() > 0 {
        Status::SomeFailed
    } else {
        Status::Ok
    })
}
