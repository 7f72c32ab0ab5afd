//! The command line: clap's derive types, turned into plain config structs
//! before library code sees them. One file per subcommand.

mod analyze;
mod inspect;

use std::path::PathBuf;

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
    Analyze(analyze::AnalyzeArgs),
    /// What a file holds: format, device, start, duration, channels, laps, pauses.
    Inspect {
        /// Activity files, archives or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print one JSON array instead of readable blocks.
        #[arg(long)]
        json: bool,
    },
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
    /// The process exit code (DESIGN.md §4).
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
        Command::Inspect { paths, json } => inspect::run(&inspect::Config { paths, json }),
    }
}
