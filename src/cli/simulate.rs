//! `cramplab simulate`: write a simulated history (activity files,
//! `cramps.csv`, `truth.json`) with a planted effect, to test the analysis
//! against a known answer.

use std::path::PathBuf;

use cramplab::simulate::{self, FileFormat, Params};

use super::Status;

/// What `simulate` was asked to do.
pub struct Config {
    /// Output folder (created; must be empty unless `force`).
    pub out: PathBuf,
    /// Number of runs.
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// Planted duration ratio for slowed cramps.
    pub effect: f64,
    /// Severity confounder.
    pub confound: bool,
    /// Formats to draw from.
    pub formats: Vec<FileFormat>,
    /// Gzip some files.
    pub gzip: bool,
    /// Replace a previous simulation in `out`.
    pub force: bool,
    /// Cramps per hour of running (before the late-run and pace factors).
    pub cramp_rate: f64,
}

pub fn run(cfg: &Config) -> anyhow::Result<Status> {
    let mut params = Params {
        runs: cfg.runs,
        effect_ratio: cfg.effect,
        confound: cfg.confound,
        formats: cfg.formats.clone(),
        gzip: cfg.gzip,
        ..Params::default()
    };
    params.cramps.rate_per_hour = cfg.cramp_rate;
    let sim = simulate::generate(&params, cfg.seed)?;
    let written = simulate::write_dir(&sim, &cfg.out, cfg.force)?;
    let t = simulate::truth::build(&sim.params, sim.seed, &sim.runs).summary;
    let r = &t.tagged_by_response;
    eprintln!(
        "cramplab: wrote {} files to {} ({} FIT, {} GPX, {} TCX, {} gzipped; cramps.csv; truth.json)",
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

/// Parse a `--formats` item.
pub fn parse_format(s: &str) -> Result<FileFormat, String> {
    FileFormat::parse(s).ok_or_else(|| format!("unknown format {s:?} (use fit, gpx, tcx)"))
}
