//! The command line: clap's derive types, turned into plain config structs
//! before library code sees them. One file per subcommand, and `common.rs`
//! for the flags `analyze` and `report` share.

mod analyze;
mod common;
mod export;
mod inspect;
mod report;
mod simulate;
use clap::{Parser, Subcommand};

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
    /// Write simulated runs with cramps and a planted truth (FIT/GPX/TCX,
    /// cramps.csv, truth.json) to test the analysis against a known answer.
    Simulate(simulate::SimulateArgs),
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
    }
}
