//! `cramplab inspect`: what each file holds, as readable blocks or JSON
//! (rendered by [`cramplab::report::inspect`]).

use std::io::Write;
use std::path::PathBuf;

use clap::Args as ClapArgs;
use cramplab::ingest::inputs::{Content, Inputs, Limits};
use cramplab::report::inspect::{self, Row};

use super::Status;

/// Flags of `cramplab inspect`.
#[derive(Debug, ClapArgs)]
pub struct InspectArgs {
    /// Activity files, archives or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print one JSON array instead of readable blocks.
    #[arg(long)]
    pub json: bool,
}

/// Run `cramplab inspect`.
pub fn run(cfg: &InspectArgs) -> anyhow::Result<Status> {
    let mut inputs = Inputs::find(&cfg.paths, Limits::default());
    super::require_activity_files(&mut inputs, &cfg.paths)?;
    for note in inputs.take_notes() {
        eprintln!("cramplab: warning: {note}");
    }
    let mut rows: Vec<Row> = Vec::new();
    for file in inputs.read_all() {
        match file.content {
            Content::Activities(acts) => {
                rows.extend(acts.into_iter().map(|(_, a)| Row::Activity(Box::new(a))))
            }
            Content::Skipped(reason) => rows.push(Row::Skipped {
                path: file.display,
                reason,
            }),
            Content::Failed(e) => rows.push(Row::Failed {
                path: file.display,
                error: e.to_string(),
            }),
        }
    }
    let failed = rows
        .iter()
        .filter(|r| matches!(r, Row::Failed { .. }))
        .count();
    let rendered = if cfg.json {
        inspect::json(&rows)
    } else {
        inspect::text(&rows)
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&rendered)?;
    out.flush()?;
    for row in &rows {
        if let Row::Failed { error, .. } = row {
            eprintln!("cramplab: {error}");
        }
    }
    Ok(if failed > 0 {
        Status::SomeFailed
    } else {
        Status::Ok
    })
}
