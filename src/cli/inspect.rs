//! `cramplab inspect`: what each file holds, as readable blocks or JSON
//! (rendered by [`cramplab::report::inspect`]).

use std::io::Write;
use std::path::PathBuf;

use cramplab::ingest::container::{self, Limits, Outcome};
use cramplab::report::inspect::{self, Row};

use super::Status;

/// What `inspect` was asked to do.
pub struct Config {
    /// Files, archives or folders.
    pub paths: Vec<PathBuf>,
    /// JSON instead of text.
    pub json: bool,
}

pub fn run(cfg: &Config) -> anyhow::Result<Status> {
    let discovery = container::discover(&cfg.paths);
    let limits = Limits::default();
    let mut rows: Vec<Row> = discovery
        .failures
        .iter()
        .map(|(path, e)| Row::Failed {
            path: path.clone(),
            error: e.to_string(),
        })
        .collect();
    for source in &discovery.sources {
        for loaded in container::load(source, &limits) {
            match loaded.outcome {
                Outcome::Read(acts) => {
                    rows.extend(acts.into_iter().map(|a| Row::Activity(Box::new(a))))
                }
                Outcome::Skipped(reason) => rows.push(Row::Skipped {
                    path: loaded.display,
                    reason,
                }),
                Outcome::Failed(e) => rows.push(Row::Failed {
                    path: loaded.display,
                    error: e.to_string(),
                }),
            }
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
