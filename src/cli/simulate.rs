//! `cramplab simulate`: write a simulated history (activity files,
//! `cramps.csv`, `truth.json`) with a planted effect, to test the analysis
//! against a known answer; with `--runners N`, a cohort of N such
//! histories, one folder per runner.

use std::path::PathBuf;
use std::sync::LazyLock;

use clap::Args as ClapArgs;
use cramplab::simulate::{self, FileFormat, Params};

use super::Status;

/// `simulate --formats` default: the simulator's own mix, as `fit,gpx,tcx`.
static DEFAULT_FORMATS: LazyLock<String> = LazyLock::new(|| {
    Params::default()
        .formats
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(",")
});

/// Flags of `cramplab simulate`.
#[derive(Debug, ClapArgs)]
pub struct SimulateArgs {
    /// Output folder; created, and it must be empty unless --force.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of runs (with --runners: the typical number per runner; each
    /// runner draws 0.6–1.4 times this).
    #[arg(long, default_value_t = Params::default().runs)]
    pub runs: usize,
    /// Seed: the same seed writes byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Planted ratio of slowed to kept-pace cramp durations (1 = no effect).
    #[arg(long, default_value_t = Params::default().effect_ratio)]
    pub effect: f64,
    /// Let severity confound response and duration (severe cramps are
    /// more often slowed, walked or stopped, and last longer).
    #[arg(long)]
    pub confound: bool,
    /// Formats to mix (mostly FIT, some GPX, few TCX). Also `apple`: the
    /// Apple runs go into one Apple Health export.zip (export.xml with heart
    /// rate and workouts, route GPX files); and `polar`: one Polar Flow
    /// training-session JSON per run, in the older or newer shape.
    #[arg(long, value_delimiter = ',', default_value = DEFAULT_FORMATS.as_str(), value_parser = parse_format)]
    pub formats: Vec<FileFormat>,
    /// Gzip some activity files (about 30 % of FIT, 60 % of GPX/TCX).
    #[arg(long)]
    pub gzip: bool,
    /// Write into a non-empty folder, first removing the files a previous
    /// simulation there listed in its truth.json.
    #[arg(long)]
    pub force: bool,
    /// Cramps per hour of running before the late-run and pace factors.
    #[arg(long, value_name = "PER_HOUR", default_value_t = Params::default().cramps.rate_per_hour)]
    pub cramp_rate: f64,
    /// Simulate a cohort of N runners who differ (cramp rate and duration,
    /// readiness to slow, devices, tagging): one folder per runner
    /// (`runner01/`, …) plus a top-level truth.json.
    #[arg(long, value_name = "N")]
    pub runners: Option<usize>,
    /// With --runners: SD of the runners' log true ratios (each runner's
    /// ratio is exp(N(ln effect, S))).
    #[arg(long, value_name = "S", default_value_t = 0.0, requires = "runners")]
    pub effect_sd: f64,
    /// With --runners: runners who tend to slow have shorter cramps
    /// whatever they do (runner-level confounding).
    #[arg(long, requires = "runners")]
    pub confound_runners: bool,
    /// Print only errors (no summary of what was written).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Run `cramplab simulate`.
pub fn run(cfg: &SimulateArgs) -> anyhow::Result<Status> {
    let mut params = Params {
        runs: cfg.runs,
        effect_ratio: cfg.effect,
        confound: cfg.confound,
        formats: cfg.formats.clone(),
        gzip: cfg.gzip,
        ..Params::default()
    };
    params.cramps.rate_per_hour = cfg.cramp_rate;
    if let Some(runners) = cfg.runners {
        return run_cohort(cfg, runners, params);
    }
    let sim = simulate::generate(&params, cfg.seed)?;
    let written = simulate::write_dir(&sim, &cfg.out, cfg.force)?;
    if cfg.quiet {
        return Ok(Status::Ok);
    }
    let t = simulate::truth::build(&sim.params, sim.seed, &sim.runs).summary;
    let r = &t.tagged_by_response;
    let mut apps = String::new();
    if t.apple_workouts > 0 {
        apps.push_str(&format!(
            ", {} Apple workouts in export.zip",
            t.apple_workouts
        ));
    }
    if t.polar_files > 0 {
        apps.push_str(&format!(", {} Polar sessions", t.polar_files));
    }
    eprintln!(
        "cramplab: wrote {} files to {} ({} FIT, {} GPX, {} TCX{apps}, {} gzipped; cramps.csv; truth.json)",
        written.len(),
        cfg.out.display(),
        t.fit_files,
        t.gpx_files,
        t.tcx_files,
        t.gzipped_files
    );
    eprintln!(
        "cramplab: {} cramps, {} tagged ({} precise): {} kept pace, {} slowed, {} walked, {} stopped; planted ratio slowed/kept {}",
        t.cramps,
        t.tagged,
        t.tagged_precise,
        r.kept_pace,
        r.slowed,
        r.walked,
        r.stopped,
        cfg.effect
    );
    Ok(Status::Ok)
}

/// `simulate --runners N`.
fn run_cohort(cfg: &SimulateArgs, runners: usize, base: Params) -> anyhow::Result<Status> {
    let mut cp = simulate::cohort::CohortParams::new(runners, base);
    cp.effect_sd = cfg.effect_sd;
    cp.confound_runners = cfg.confound_runners;
    let w = simulate::cohort::write_cohort(&cp, cfg.seed, &cfg.out, cfg.force)?;
    if cfg.quiet {
        return Ok(Status::Ok);
    }
    eprintln!(
        "cramplab: wrote {} runners ({} files) to {}; truth.json lists each runner's true parameters",
        w.runners.len(),
        w.paths.len(),
        cfg.out.display()
    );
    for r in &w.runners {
        let t = &r.traits;
        eprintln!(
            "cramplab: {}: {} runs, {} cramps, {} tagged; true ratio {}, median cramp {} s, slows {:.0} %",
            t.name,
            t.runs,
            r.cramps_total,
            r.tagged_total,
            t.true_ratio,
            t.duration_median_s,
            100.0 * t.slowing_propensity
        );
    }
    eprintln!(
        "cramplab: {} club runs overlap other runners' runs",
        w.club_runs.len()
    );
    Ok(Status::Ok)
}

/// Parse a `--formats` item.
pub fn parse_format(s: &str) -> Result<FileFormat, String> {
    FileFormat::parse(s)
        .ok_or_else(|| format!("unknown format {s:?} (use fit, gpx, tcx, apple, polar)"))
}
