//! `cramplab analyze`: flags become a [`Config`], the batch runs, and the
//! chosen reports are printed or written. Every default shown in `--help`
//! is the library's own (`Default` of each stage's options).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args as ClapArgs;
use cramplab::align::{PlaceboOptions, RelWindow, WindowOptions};
use cramplab::analysis::compare::CompareOptions;
use cramplab::analysis::response::ResponseOptions;
use cramplab::analysis::threshold::ThresholdOptions;
use cramplab::config::{Config, SportFilter};
use cramplab::ingest::inputs::Inputs;
use cramplab::output::OutputGuard;
use cramplab::pipeline;
use cramplab::report::Exporter;
use cramplab::report::json::Json;
use cramplab::report::tables::{self, TableFormat};
use cramplab::report::terminal;
use cramplab::results::{Batch, FileStatus};

use super::Status;

/// Flags of `cramplab analyze`.
#[derive(Debug, ClapArgs)]
pub struct AnalyzeArgs {
    /// Activity files, archives or folders (default: the current folder).
    /// Each cramps.csv found under them, beside them, inside them (a zip) or
    /// given itself tags the activities in its folder and below.
    paths: Vec<PathBuf>,
    /// A tag file that tags every activity (in addition to cramps.csv files found).
    #[arg(long, value_name = "FILE")]
    tags: Vec<PathBuf>,
    /// Time zone for local wall-clock tag times (e.g. Europe/Berlin, or a fixed
    /// offset like +02:00); default: each activity's own recorded offset.
    #[arg(long, value_name = "ZONE")]
    tz: Option<cramplab::tags::TagZone>,
    /// Relative tag times (+m:ss) are timer time as the watch shows it (pauses excluded).
    #[arg(long)]
    timer_offsets: bool,
    /// FIT manual lap presses are cramp tags: onset and end in pairs.
    #[arg(long)]
    lap_tags: bool,
    /// Which sport to analyse: running (trail and treadmill count, and files
    /// that state no sport), all, or a sport name.
    #[arg(long, value_name = "SPORT", default_value_t = SportFilter::default(), value_parser = parse_sport)]
    sport: SportFilter,
    /// Print one JSON document (docs/METHOD.md §4) instead of the text summary.
    #[arg(long)]
    json: bool,
    /// Write a self-contained HTML report (verdict, charts, every cramp, settings).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Replace existing output files (never an input).
    #[arg(long)]
    force: bool,
    /// Print only errors (failed inputs, and tags that could not be used).
    #[arg(long, short)]
    quiet: bool,
    /// Write the tables cramp_results, run_summary and cramp_windows as CSV into DIR.
    #[arg(long, value_name = "DIR", help_heading = "Tables")]
    csv: Option<PathBuf>,
    /// Write the same tables as Parquet into DIR.
    #[arg(long, value_name = "DIR", help_heading = "Tables")]
    parquet: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,

    /// Fix the slowdown threshold T (percent) instead of the runner's own.
    #[arg(long, value_name = "PCT", help_heading = "Method")]
    threshold: Option<f64>,
    /// Lowest personal threshold T, percent.
    #[arg(long, value_name = "PCT", default_value_t = ThresholdOptions::default().floor_pct, help_heading = "Method")]
    threshold_floor: f64,
    /// Highest personal threshold T, percent.
    #[arg(long, value_name = "PCT", default_value_t = ThresholdOptions::default().cap_pct, help_heading = "Method")]
    threshold_cap: f64,
    /// Baseline window, seconds relative to onset.
    #[arg(long, value_name = "FROM:TO", default_value_t = WindowOptions::default().baseline, allow_hyphen_values = true, help_heading = "Method")]
    baseline_window: RelWindow,
    /// Moving seconds the baseline window needs.
    #[arg(long, value_name = "S", default_value_t = WindowOptions::default().baseline_min_moving_s, help_heading = "Method")]
    baseline_min_moving: usize,
    /// Response window, seconds relative to onset (its end is the landmark).
    #[arg(long, value_name = "FROM:TO", default_value_t = WindowOptions::default().response, allow_hyphen_values = true, help_heading = "Method")]
    response_window: RelWindow,
    /// Share of the response window paused that makes a response "stopped".
    #[arg(long, value_name = "FRACTION", default_value_t = ResponseOptions::default().stopped_paused_fraction, help_heading = "Method")]
    stop_paused_fraction: f64,
    /// Median speed (m/s) in the response window below which it is "stopped".
    #[arg(long, value_name = "MPS", default_value_t = ResponseOptions::default().stopped_speed_mps, help_heading = "Method")]
    stop_speed: f64,
    /// Median cadence (steps/min) below which a response is "walked".
    #[arg(long, value_name = "SPM", default_value_t = ResponseOptions::default().walk_cadence_spm, help_heading = "Method")]
    walk_cadence: f64,
    /// Without cadence: median speed (m/s) below which a response is "walked".
    #[arg(long, value_name = "MPS", default_value_t = ResponseOptions::default().walk_speed_mps, help_heading = "Method")]
    walk_speed: f64,
    /// Random non-cramp moments per run for the threshold and placebo check.
    #[arg(long, value_name = "N", default_value_t = PlaceboOptions::default().moments, help_heading = "Method")]
    placebo_moments: usize,
    /// Bootstrap resamples (over whole runs).
    #[arg(long, value_name = "N", default_value_t = CompareOptions::default().bootstrap_resamples, help_heading = "Method")]
    bootstrap: usize,
    /// Permutations for the stratified test.
    #[arg(long, value_name = "N", default_value_t = CompareOptions::default().permutations, help_heading = "Method")]
    permutations: usize,
    /// Simulations behind the detectable ratio (0 leaves it out).
    #[arg(long, value_name = "N", default_value_t = CompareOptions::default().power_sims, help_heading = "Method")]
    power_sims: usize,
    /// Seed for every random draw (results are reproducible).
    #[arg(long, value_name = "S", default_value_t = CompareOptions::default().seed, help_heading = "Method")]
    seed: u64,
}

/// `--sport`: every name is accepted (an unknown one matches no activity).
fn parse_sport(s: &str) -> Result<SportFilter, std::convert::Infallible> {
    Ok(SportFilter::parse(s))
}

impl AnalyzeArgs {
    /// The plain configuration the library sees.
    pub(super) fn config(&self) -> Config {
        let paths = if self.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.paths.clone()
        };
        let mut cfg = Config::new(paths);
        cfg.tag_files = self.tags.clone();
        cfg.tag_options.tz = self.tz;
        cfg.tag_options.timer_offsets = self.timer_offsets;
        cfg.tag_options.lap_tags = self.lap_tags;
        cfg.sport = self.sport.clone();
        cfg.threshold.fixed_pct = self.threshold;
        cfg.threshold.floor_pct = self.threshold_floor;
        cfg.threshold.cap_pct = self.threshold_cap;
        cfg.windows.baseline = self.baseline_window;
        cfg.windows.baseline_min_moving_s = self.baseline_min_moving;
        cfg.windows.response = self.response_window;
        cfg.response.stopped_paused_fraction = self.stop_paused_fraction;
        cfg.response.stopped_speed_mps = self.stop_speed;
        cfg.response.walk_cadence_spm = self.walk_cadence;
        cfg.response.walk_speed_mps = self.walk_speed;
        cfg.placebo.moments = self.placebo_moments;
        cfg.compare.bootstrap_resamples = self.bootstrap;
        cfg.compare.permutations = self.permutations;
        cfg.compare.power_sims = self.power_sims;
        cfg.compare.seed = self.seed;
        cfg.threads = self.jobs;
        cfg.keep_windows = self.html.is_some() || self.csv.is_some() || self.parquet.is_some();
        cfg
    }
}

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<Status> {
    let cfg = args.config();
    let inputs = Inputs::find(&cfg.paths, cfg.limits);
    let progress = super::Progress::new(inputs.sources().len(), args.quiet);
    let batch = pipeline::run(&cfg, inputs, &|failed| progress.file_done(failed))
        .context("cannot analyse")?;
    progress.finish();
    report(args, &batch)?;
    // A lost tag is a lost input: the runner must hear of it (exit 2).
    Ok(if batch.failed() > 0 || batch.tag_summary.lost_any() {
        Status::SomeFailed
    } else {
        Status::Ok
    })
}

fn report(args: &AnalyzeArgs, batch: &Batch) -> anyhow::Result<()> {
    for f in batch.files.iter().filter(|f| f.status == FileStatus::Error) {
        eprintln!("cramplab: {}", f.error.as_deref().unwrap_or("failed"));
    }
    // Tags that could not be used are named in the text summary; without
    // it (-q, --json) they go to stderr like failed inputs, so no tag is
    // ever lost without a word.
    if args.quiet || args.json {
        for lost in &batch.tag_summary.lost {
            eprintln!("cramplab: tag not used: {lost}");
        }
    }
    if let Some(path) = &args.html {
        cramplab::output::OutputGuard::new(batch.inputs.iter().map(|p| p.as_path()), args.force)
            .write(path, &cramplab::report::html::Html.render(batch))?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        out.write_all(&Json.render(batch))?;
    } else if !args.quiet {
        out.write_all(&terminal::render(batch, terminal::use_color()))?;
    }
    out.flush()?;
    write_tables(args, batch)
}

/// `--csv DIR` / `--parquet DIR`.
fn write_tables(args: &AnalyzeArgs, batch: &Batch) -> anyhow::Result<()> {
    let guard = OutputGuard::new(batch.inputs.iter().map(PathBuf::as_path), args.force);
    for (dir, format) in [
        (&args.csv, TableFormat::Csv),
        (&args.parquet, TableFormat::Parquet),
    ] {
        if let Some(dir) = dir {
            tables::write_tables(batch, dir, format, &guard)?;
        }
    }
    Ok(())
}
