//! The `cramplab` binary: parse the command line, run, turn the outcome
//! into an exit status (0 all good, 2 some inputs failed, 1 nothing done).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap exits with 2 on a usage error; docs/METHOD.md §4 keeps 2 for "some
    // inputs failed", so a bad command line is 1 like anything else that
    // stops before work begins.
    let args = match cli::Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    match cli::run(args) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("cramplab: error: {err:#}");
            ExitCode::from(1)
        }
    }
}

/// A closed pipe (`cramplab inspect … | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
