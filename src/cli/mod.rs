//! The command line: clap's derive types, turned into plain config structs
//! before library code sees them. One file per subcommand, and `common.rs`
//! for the flags `analyze` and `report` share.

mod analyze;
mod common;
mod export;
mod inspect;
mod pool;
mod report;
mod simulate;
use std::io::Write;

use clap::{CommandFactory, Parser, Subcommand};

/// When a muscle cramp hits mid-run, does easing off the pace make it pass sooner?
#[derive(Debug, Parser)]
#[command(name = "cramplab", version, about, long_about = None)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every activity under PATHs: what the runner did after each tagged
    /// cramp, and whether slowing down went with shorter cramps.
    Analyze(Box<analyze::AnalyzeArgs>),
    /// One run: its pace, heart rate and elevation with cramps and pauses
    /// marked, and pace/HR around each cramp (text, or --html FILE).
    Report(report::ReportArgs),
    /// What a file holds: format, device, start, duration, channels, laps, pauses.
    Inspect(inspect::InspectArgs),
    /// Every activity's cleaned 1 Hz track as a table (CSV: DIR/tracks.csv;
    /// Parquet: DIR/year=YYYY/part-0.parquet).
    Export(export::ExportArgs),
    /// Pool many runners' `cramp_results` tables (CSV or Parquet): the
    /// pooled comparison, each runner's own, and the between-runner
    /// meta-analysis, from the tables alone.
    Pool(pool::PoolArgs),
    /// Write simulated runs with cramps and a planted truth (FIT/GPX/TCX,
    /// cramps.csv, truth.json) to test the analysis against a known answer.
    Simulate(simulate::SimulateArgs),
    /// Print a shell completion script, e.g. `cramplab completions bash >
    /// ~/.local/share/bash-completion/completions/cramplab`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `cramplab man | man -l -`;
    /// `cramplab man analyze` prints the page of one command.
    Man {
        /// A command whose page to print (default: cramplab's own).
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
}

/// What `analyze`, `inspect` and `export` look for, as the user is told
/// when they find none.
pub const LOOKED_FOR: &str = "looked for .fit, .gpx and .tcx files, each also gzipped as .gz, .zip archives, Apple Health exports, Polar Flow and adidas Running sessions, and Huawei HiTrack files";

/// Stop when the paths hold no file to read: an empty folder or a mistyped
/// path is "nothing found", not "nothing tagged". The paths that could not
/// be looked at are named first, each with its reason.
pub fn require_activity_files(
    inputs: &mut cramplab::ingest::inputs::Inputs,
    paths: &[std::path::PathBuf],
) -> anyhow::Result<()> {
    if !inputs.sources().is_empty() {
        return Ok(());
    }
    for failure in inputs.take_failures() {
        match failure.content {
            cramplab::ingest::inputs::Content::Failed(e) => eprintln!("cramplab: {e}"),
            // Passed over, with why (an export without workouts, a cohort).
            cramplab::ingest::inputs::Content::Skipped(why)
                if why.starts_with(&failure.display) =>
            {
                eprintln!("cramplab: skipped {why}")
            }
            cramplab::ingest::inputs::Content::Skipped(why) => {
                eprintln!("cramplab: skipped {}: {why}", failure.display)
            }
            cramplab::ingest::inputs::Content::Activities(_) => {}
        }
    }
    let under = paths
        .iter()
        .map(|p| match p.to_str() {
            Some(".") => "the current folder".to_string(),
            _ => p.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    anyhow::bail!("found no activity files under {under} ({LOOKED_FOR})")
}

/// The batch progress bar on stderr (files done, files failed, throughput),
/// shown only on a terminal and never with `--quiet`; shared by `analyze`
/// and `export`.
pub struct Progress {
    bar: indicatif::ProgressBar,
    failed: std::sync::atomic::AtomicUsize,
}

impl Progress {
    /// A bar for `files` input files (or a hidden one).
    pub fn new(files: usize, quiet: bool) -> Progress {
        use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
        use std::io::IsTerminal;
        let bar = if !quiet && std::io::stderr().is_terminal() {
            let bar =
                ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} files  {msg}  {rate}  eta {eta}",
                )
                .expect("the template is valid")
                // indicatif's {per_sec} prints four decimals; whole files/s
                // is what a reader wants.
                .with_key(
                    "rate",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0}/s", s.per_sec());
                    },
                ),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            failed: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// One input file finished (`failed`: it could not be read).
    pub fn file_done(&self, failed: bool) {
        if failed {
            let f = self
                .failed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1;
            self.bar.set_message(format!("{f} failed"));
        }
        self.bar.inc(1);
    }

    /// Remove the bar before the report is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// How a run ended, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything was read.
    Ok,
    /// Finished, but some inputs failed (each named on stderr).
    SomeFailed,
}

impl Status {
    /// The process exit code (docs/METHOD.md §4).
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::SomeFailed => 2,
        }
    }
}

/// Run the parsed command line.
pub fn run(args: Args) -> anyhow::Result<Status> {
    match args.command {
        Command::Analyze(a) => analyze::run(&a),
        Command::Report(r) => report::run(&r),
        Command::Export(a) => export::run(&a),
        Command::Inspect(a) => inspect::run(&a),
        Command::Simulate(a) => simulate::run(&a),
        Command::Pool(a) => pool::run(&a),
        Command::Completions { shell } => {
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut Args::command(), "cramplab", &mut out);
            out.flush()?;
            Ok(Status::Ok)
        }
        Command::Man { command } => {
            man(command.as_deref())?;
            Ok(Status::Ok)
        }
    }
}

/// `cramplab man [COMMAND]`: the manual page of cramplab or of one command.
fn man(command: Option<&str>) -> anyhow::Result<()> {
    let mut cmd = Args::command();
    cmd.build();
    let page = match command {
        None => clap_mangen::Man::new(cmd),
        Some(name) => {
            let sub = cmd.find_subcommand(name).cloned().ok_or_else(|| {
                let names: Vec<&str> = cmd
                    .get_subcommands()
                    .map(|c| c.get_name())
                    .filter(|n| *n != "help")
                    .collect();
                anyhow::anyhow!(
                    "there is no command `{name}` (the commands are {})",
                    names.join(", ")
                )
            })?;
            clap_mangen::Man::new(sub.version(env!("CARGO_PKG_VERSION")))
                .title(format!("cramplab-{name}"))
        }
    };
    let mut out = std::io::stdout().lock();
    page.render(&mut out)?;
    out.flush()?;
    Ok(())
}
