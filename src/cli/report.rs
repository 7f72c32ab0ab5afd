//! `cramplab report RUN`: one run on its own. The batch pipeline runs on
//! that single file (with `--tags` and any `cramps.csv` beside it), the
//! run's timeline is read again for its profile, and the result is a short
//! text summary ([`cramplab::report::run_text`]) or, with `--html FILE`, a
//! self-contained page. It takes `analyze`'s tag, sport and `-q` flags
//! ([`super::common`]), but any sport by default: the run was named.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args as ClapArgs;
use cramplab::config::Config;
use cramplab::ingest::inputs::Inputs;
use cramplab::output::OutputGuard;
use cramplab::pipeline;
use cramplab::report::Exporter;
use cramplab::report::html::RunHtml;
use cramplab::report::run_text::RunText;
use cramplab::results::FileStatus;
use cramplab::tags::{TagProblem, TagProblemKind};

use super::Status;
use super::common::CommonArgs;

/// Flags of `cramplab report`.
#[derive(Debug, ClapArgs)]
// The run was named, so its sport is taken whatever it is unless --sport says otherwise.
#[command(mut_arg("sport", |a| a.default_value("all")))]
pub struct ReportArgs {
    /// The activity file (FIT, GPX or TCX, possibly gzipped).
    file: PathBuf,
    /// A tag file (in addition to a cramps.csv beside the run, or beside an Apple export's XML for one of its route files).
    #[arg(long, value_name = "FILE")]
    tags: Vec<PathBuf>,
    /// Time zone for local wall-clock tag times and the local times shown
    /// (e.g. Europe/Berlin, or +02:00); default: the run's own recorded offset.
    #[arg(long, value_name = "ZONE")]
    tz: Option<cramplab::tags::TagZone>,
    // --timer-offsets, --lap-tags, --sport (default here: all), -q: as `analyze`.
    #[command(flatten)]
    common: CommonArgs,
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
    // A route file of an unpacked Apple export: the runner keeps the tag
    // file beside the export's XML, not among the route files.
    let beside_export = cramplab::ingest::container::apple_export_of_route(&args.file)
        .and_then(|xml| Some(xml.parent()?.join("cramps.csv")));
    for b in [beside, beside_export].into_iter().flatten() {
        if b.is_file() && !cfg.tag_files.iter().any(|t| same(t, &b)) {
            cfg.tag_files.push(b);
        }
    }
    cfg.tag_options.tz = args.tz;
    args.common.apply(&mut cfg);
    cfg.keep_windows = true;
    cfg.keep_timelines = true;
    let inputs = Inputs::find(&cfg.paths, cfg.limits);
    let mut batch = pipeline::run(&cfg, inputs, &|_| {}).context("cannot analyse")?;
    let elsewhere: HashSet<String> = batch
        .unmatched_tags
        .iter()
        .filter(|p| about_another_run(p, &args.file))
        .map(ToString::to_string)
        .collect();
    batch.warnings.retain(|w| !elsewhere.contains(w));
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
                tz: args.tz,
            }
            .render(&batch);
            OutputGuard::new(batch.inputs.iter().map(|p| p.as_path()), args.force)
                .write(path, &page)?;
        }
        None if args.common.quiet => {}
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&RunText { tz: args.tz }.render(&batch))?;
            out.flush()?;
        }
    }
    Ok(if batch.failed() > 0 {
        Status::SomeFailed
    } else {
        Status::Ok
    })
}

/// Whether a tag row that no activity claimed belongs to another run than
/// `run`: one naming another file, or naming none at a moment outside this
/// run. A row naming this run's file with another letter case or
/// extension (`Run-04.FIT`, `run-04.gpx`) is this run's: it was meant for
/// it and silently tags nothing.
fn about_another_run(p: &TagProblem, run: &Path) -> bool {
    match &p.kind {
        TagProblemKind::NoActivityFile { file, .. } => stem(file) != stem(&run.to_string_lossy()),
        TagProblemKind::NoActivityRecording { .. }
        | TagProblemKind::NoActivityRecordingLocal { .. } => true,
        _ => false,
    }
}

/// A file name without folders, activity extensions or letter case:
/// `runs/Run-04.fit.GZ` → `run-04`.
fn stem(path: &str) -> String {
    let mut name = path
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_lowercase();
    while let Some(cut) = [".gz", ".zip", ".fit", ".gpx", ".tcx"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext).map(str::len))
    {
        name.truncate(cut);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_off_by_case_or_extension_has_the_same_stem() {
        assert_eq!(stem("runs/Run-04.FIT.gz"), "run-04");
        assert_eq!(stem("run-04.gpx"), "run-04");
        assert_eq!(stem(r"C:\runs\run-04.fit"), "run-04");
        assert_eq!(stem("2025.02.10 run.fit"), "2025.02.10 run");
        assert_ne!(stem("run-05.fit"), stem("run-04.fit"));
    }
}
