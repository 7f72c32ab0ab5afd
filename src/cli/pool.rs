//! `cramplab pool TABLE...`: the cohort's pooled and between-runner
//! analyses from `cramp_results` tables (CSV or Parquet) alone
//! (docs/METHOD.md §5). A table that cannot be used is refused with its
//! file and column named, and nothing is written.

use std::io::Write;
use std::path::PathBuf;

use clap::Args as ClapArgs;
use cramplab::analysis::compare::CompareOptions;
use cramplab::config::Config;
use cramplab::output::{OutputGuard, OutputSet};
use cramplab::report::Exporter;
use cramplab::report::html::Html;
use cramplab::report::json::Json;
use cramplab::report::terminal;

use super::Status;

/// Flags of `cramplab pool`.
#[derive(Debug, ClapArgs)]
pub struct PoolArgs {
    /// `cramp_results` tables (.csv or .parquet) written by `analyze --csv`
    /// / `--parquet`: one per runner (named by its folder, or its file when
    /// not called cramp_results), or with a `runner` column.
    #[arg(required = true, value_name = "TABLE")]
    tables: Vec<PathBuf>,
    /// Print one JSON document (`comparison`, `runners[]`, `meta`).
    #[arg(long)]
    json: bool,
    /// Write a self-contained HTML report with the forest plot.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Replace an existing output file (never an input).
    #[arg(long)]
    force: bool,
    /// Print only errors.
    #[arg(long, short)]
    quiet: bool,
    /// Bootstrap resamples (over whole runners).
    #[arg(long, value_name = "N", default_value_t = CompareOptions::default().bootstrap_resamples, help_heading = "Method")]
    bootstrap: usize,
    /// Permutations for the stratified test.
    #[arg(long, value_name = "N", default_value_t = CompareOptions::default().permutations, help_heading = "Method")]
    permutations: usize,
    /// Simulations behind the detectable ratio (0 leaves it out).
    #[arg(long, value_name = "N", default_value_t = CompareOptions::default().power_sims, help_heading = "Method")]
    power_sims: usize,
    /// Seed for every random draw (the same as `analyze`'s gives the same result).
    #[arg(long, value_name = "S", default_value_t = CompareOptions::default().seed, help_heading = "Method")]
    seed: u64,
}

/// Run `cramplab pool`.
pub fn run(args: &PoolArgs) -> anyhow::Result<Status> {
    let mut cfg = Config::new(Vec::new());
    cfg.compare.bootstrap_resamples = args.bootstrap;
    cfg.compare.permutations = args.permutations;
    cfg.compare.power_sims = args.power_sims;
    cfg.compare.seed = args.seed;
    let guard = OutputGuard::new(args.tables.iter().map(PathBuf::as_path), args.force);
    guard.check_all(args.html.iter().map(PathBuf::as_path))?;
    let rows = cramplab::frame::read_cramp_tables(&args.tables)?;
    let mut batch = cramplab::pool::run(&rows, &cfg);
    batch.inputs = args.tables.clone();
    let mut outputs = OutputSet::new(&guard);
    if let Some(path) = &args.html {
        outputs.add(path.clone(), Html.render(&batch));
    }
    outputs.write()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        out.write_all(&Json.render(&batch))?;
    } else if !args.quiet {
        out.write_all(&terminal::render(&batch, terminal::use_color()))?;
    }
    out.flush()?;
    Ok(Status::Ok)
}
