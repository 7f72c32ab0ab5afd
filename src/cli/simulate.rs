//! `cramplab simulate`: write a simulated history (activity files,
//! `cramps.csv`, `truth.json`) with a planted effect, to test the analysis
//! against a known answer.

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
        .map(|f| f.ext())
        .collect::<Vec<_>>()
        .join(",")
});

/// Flags of `cramplab simulate`.
#[derive(Debug, ClapArgs)]
pub struct SimulateArgs {
    /// Output folder; created, and it must be empty unless --force.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of runs.
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
    /// Formats to mix (mostly FIT, some GPX, few TCX).
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
    let sim = simulate::generate(&params, cfg.seed)?;
    let written = simulate::write_dir(&sim, &cfg.out, cfg.force)?;
    if cfg.quiet {
        return Ok(Status::Ok);
    }
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
