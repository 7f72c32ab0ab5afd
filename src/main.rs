//! The `cramplab` binary: parse the command line, run, turn the outcome
//! into an exit status (0 all good, 2 some inputs failed, 1 nothing done).
//! Every error goes to stderr as one `cramplab: …` line (clap's argument
//! errors too), each thing said once.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::Args::try_parse() {
        Ok(a) => a,
        Err(e) => return usage_error(&e),
    };
    match cli::run(args) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("cramplab: {}", message(&err));
            ExitCode::from(1)
        }
    }
}

/// clap's outcome when parsing stopped: `--help` and `--version` go to
/// stdout with status 0; an argument error gets the `cramplab:` prefix in
/// place of clap's `error:` and status 1. (clap exits with 2 on a usage
/// error; docs/METHOD.md §4 keeps 2 for "some inputs failed", so a bad
/// command line is 1 like anything else that stops before work begins.)
fn usage_error(e: &clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.render().to_string();
    match text.strip_prefix("error: ") {
        Some(rest) => eprint!("cramplab: {rest}"),
        // `cramplab` alone: the help, which is not an error message.
        None => eprint!("{text}"),
    }
    ExitCode::from(1)
}

/// The error and its causes joined with `: `, leaving out a cause whose
/// text is already there (a message that embeds its source, as `cannot read
/// X: No such file or directory` does, would otherwise say it twice).
fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// A closed pipe (`cramplab inspect … | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        #[derive(Debug, thiserror::Error)]
        #[error("cannot read x.csv: {source}")]
        struct E {
            source: std::io::Error,
        }
        let err = anyhow::Error::new(E { source: io }).context("cannot analyse");
        assert_eq!(
            message(&err),
            "cannot analyse: cannot read x.csv: no such file"
        );
    }
}
