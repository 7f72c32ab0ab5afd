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
use cramplab::cohort;
use cramplab::config::Config;
use cramplab::ingest::inputs::Inputs;
use cramplab::output::{OutputError, OutputGuard, OutputSet};
use cramplab::pipeline;
use cramplab::pipeline::cohort::RunnerConfig;
use cramplab::report::Exporter;
use cramplab::report::html::Html;
use cramplab::report::json::Json;
use cramplab::report::tables::{self, TableFormat};
use cramplab::report::terminal;
use cramplab::results::{Batch, FileStatus};

use super::Status;
use super::common::CommonArgs;

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
    // --timer-offsets, --lap-tags, --sport, -q: shared with `report`.
    #[command(flatten)]
    common: CommonArgs,
    /// Print one JSON document (docs/METHOD.md §4) instead of the text summary.
    #[arg(long)]
    json: bool,
    /// Write a self-contained HTML report (verdict, charts, every cramp, settings).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Replace existing output files (never an input).
    #[arg(long)]
    force: bool,
    /// Write the tables cramp_results, run_summary and cramp_windows as CSV into DIR.
    #[arg(long, value_name = "DIR", help_heading = "Tables")]
    csv: Option<PathBuf>,
    /// Write the same tables as Parquet into DIR.
    #[arg(long, value_name = "DIR", help_heading = "Tables")]
    parquet: Option<PathBuf>,
    /// A cohort: every entry directly under DIR (a folder, a .zip export, a
    /// single file) is one runner, compared only with themselves, then
    /// pooled (docs/METHOD.md §5). Repeatable.
    #[arg(long, value_name = "DIR", help_heading = "Many runners")]
    cohort: Vec<PathBuf>,
    /// A cohort from a `runner,path` CSV manifest (paths relative to it; a
    /// .csv path is that runner's tag file).
    #[arg(long, value_name = "FILE", help_heading = "Many runners")]
    runners: Option<PathBuf>,
    /// Replace runner names by R001…, file paths by R001/0001… (the same
    /// KEY gives the same pseudonyms), and leave out muscles, notes and
    /// every message that could name a file.
    #[arg(long, value_name = "KEY", help_heading = "Many runners")]
    anonymize: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,

    /// Fix the slowdown threshold T (percent, 0 to 100) instead of the runner's own.
    #[arg(long, value_name = "PCT", value_parser = parse_pct, allow_negative_numbers = true, help_heading = "Method")]
    threshold: Option<f64>,
    /// Lowest personal threshold T, percent.
    #[arg(long, value_name = "PCT", default_value_t = ThresholdOptions::default().floor_pct, value_parser = parse_pct, allow_negative_numbers = true, help_heading = "Method")]
    threshold_floor: f64,
    /// Highest personal threshold T, percent.
    #[arg(long, value_name = "PCT", default_value_t = ThresholdOptions::default().cap_pct, value_parser = parse_pct, allow_negative_numbers = true, help_heading = "Method")]
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
    /// Median cadence (steps/min) below which a response is "walked" and a baseline is not running.
    #[arg(long, value_name = "SPM", default_value_t = ResponseOptions::default().walk_cadence_spm, help_heading = "Method")]
    walk_cadence: f64,
    /// Without cadence: median speed (m/s) below which a response is "walked"; also the baseline GAP a running baseline needs.
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

/// A slowdown threshold: a percentage from 0 to 100 (`%` allowed). Negative
/// numbers reach this parser (`allow_negative_numbers`), so `-5` is refused
/// for its range rather than taken for a flag.
fn parse_pct(s: &str) -> Result<f64, String> {
    let pct: f64 = s
        .trim()
        .trim_end_matches('%')
        .trim_end()
        .parse()
        .map_err(|_| format!("`{s}` is not a number: give a percentage from 0 to 100, e.g. 15"))?;
    if (0.0..=100.0).contains(&pct) {
        Ok(pct)
    } else {
        Err(format!(
            "{s} is outside 0 to 100: the threshold is a slowdown in percent of the pace before the cramp"
        ))
    }
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
        self.common.apply(&mut cfg);
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
    if !args.cohort.is_empty() || args.runners.is_some() {
        return run_cohort(args, &cfg);
    }
    if args.anonymize.is_some() {
        anyhow::bail!(
            "--anonymize works on a cohort (--cohort DIR or --runners FILE): it replaces runner names"
        );
    }
    let mut inputs = Inputs::find(&cfg.paths, cfg.limits);
    super::require_activity_files(&mut inputs, &cfg.paths)?;
    // Refuse an output that may not be written now, not after the analysis
    // (the tag files found under the paths are checked again after it).
    let mut known_inputs = inputs.files_on_disk();
    known_inputs.extend(cfg.tag_files.iter().cloned());
    OutputGuard::new(known_inputs.iter().map(PathBuf::as_path), args.force)
        .check_all(output_paths(args)?.iter().map(PathBuf::as_path))?;
    let progress = super::Progress::new(inputs.sources().len(), args.common.quiet);
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

/// `analyze --cohort DIR… / --runners FILE`: each runner analysed as on
/// their own, then pooled.
fn run_cohort(args: &AnalyzeArgs, cfg: &Config) -> anyhow::Result<Status> {
    if !args.paths.is_empty() {
        anyhow::bail!(
            "give the runners with --cohort DIR or --runners FILE, not as paths too: {} would belong to no runner",
            args.paths[0].display()
        );
    }
    if let Some(t) = args.tags.first() {
        anyhow::bail!(
            "--tags {} would tag every runner's runs: put each runner's cramps.csv in their own folder, or name it in the --runners manifest",
            t.display()
        );
    }
    let mut parts = Vec::new();
    if !args.cohort.is_empty() {
        parts.push(cohort::from_dirs(&args.cohort)?);
    }
    if let Some(m) = &args.runners {
        parts.push(cohort::from_manifest(m)?);
    }
    let layout = cohort::combine(parts)?;
    // A note names a file: under --anonymize only that there were some.
    match (&args.anonymize, layout.notes.len()) {
        (_, 0) => {}
        (Some(_), n) => eprintln!(
            "cramplab: {n} entries of the cohort folders are not runners (names withheld: --anonymize)"
        ),
        (None, _) => layout.notes.iter().for_each(|n| eprintln!("cramplab: {n}")),
    }
    let runners: Vec<RunnerConfig> = layout
        .runners
        .iter()
        .map(|r| RunnerConfig {
            name: r.name.clone(),
            cfg: Config {
                paths: r.paths.clone(),
                tag_files: r.tag_files.clone(),
                ..cfg.clone()
            },
        })
        .collect();
    let (mut known_inputs, files) = pipeline::cohort::survey(&runners);
    known_inputs.extend(args.runners.iter().cloned());
    OutputGuard::new(known_inputs.iter().map(PathBuf::as_path), args.force)
        .check_all(output_paths(args)?.iter().map(PathBuf::as_path))?;
    let progress = super::Progress::new(files, args.common.quiet);
    let mut batch = pipeline::cohort::run(&runners, cfg, &|failed| progress.file_done(failed))
        .context("cannot analyse")?;
    progress.finish();
    if let Some(key) = &args.anonymize {
        cramplab::anonymize::apply(&mut batch, key);
    }
    report(args, &batch)?;
    Ok(if batch.failed() > 0 || batch.tag_summary.lost_any() {
        Status::SomeFailed
    } else {
        Status::Ok
    })
}

/// The `--csv DIR` / `--parquet DIR` folders with their encodings.
fn table_dirs(args: &AnalyzeArgs) -> impl Iterator<Item = (&PathBuf, TableFormat)> {
    [
        (args.csv.as_ref(), TableFormat::Csv),
        (args.parquet.as_ref(), TableFormat::Parquet),
    ]
    .into_iter()
    .filter_map(|(dir, format)| Some((dir?, format)))
}

/// Every file `--html`, `--csv` and `--parquet` would write (the table
/// folders checked as folders first).
fn output_paths(args: &AnalyzeArgs) -> Result<Vec<PathBuf>, OutputError> {
    let mut paths: Vec<PathBuf> = args.html.iter().cloned().collect();
    for (dir, format) in table_dirs(args) {
        OutputGuard::default().check_folder(dir)?;
        paths.extend(tables::table_paths(
            dir,
            format,
            !args.cohort.is_empty() || args.runners.is_some(),
        ));
    }
    Ok(paths)
}

/// Failed inputs on stderr; then every output file, all written or none
/// (docs/METHOD.md §4); then the summary or JSON on stdout.
fn report(args: &AnalyzeArgs, batch: &Batch) -> anyhow::Result<()> {
    for f in batch.files.iter().filter(|f| f.status == FileStatus::Error) {
        eprintln!("cramplab: {}", f.error.as_deref().unwrap_or("failed"));
    }
    // Tags that could not be used are named in the text summary; without
    // it (-q, --json) they go to stderr like failed inputs, so no tag is
    // ever lost without a word.
    if args.common.quiet || args.json {
        for lost in &batch.tag_summary.lost {
            eprintln!("cramplab: tag not used: {lost}");
        }
    }
    let guard = OutputGuard::new(batch.inputs.iter().map(PathBuf::as_path), args.force);
    guard.check_all(output_paths(args)?.iter().map(PathBuf::as_path))?;
    let mut outputs = OutputSet::new(&guard);
    if let Some(path) = &args.html {
        outputs.add(path.clone(), Html.render(batch));
    }
    for (dir, format) in table_dirs(args) {
        for (path, bytes) in tables::encode_tables(batch, dir, format)? {
            outputs.add(path, bytes);
        }
    }
    outputs.write()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        out.write_all(&Json.render(batch))?;
    } else if !args.common.quiet {
        out.write_all(&terminal::render(batch, terminal::use_color()))?;
    }
    out.flush()?;
    Ok(())
}
