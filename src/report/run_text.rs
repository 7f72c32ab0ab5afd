//! `cramplab report RUN` without `--html`: one run as a short text
//! summary — the run, its threshold, one line per cramp, then the warnings.
//! Times read as the runner reads them: the run's length as a clock
//! (`1:28:11`), each onset since the start as `cramps.csv` takes it
//! (`+9:27`) and as a clock time, in UTC and the runner's local time.

use super::Exporter;
use super::text::{self, LocalTime};
use crate::analysis::Response;
use crate::results::{Batch, FileResult};
use crate::tags::TagZone;

/// The per-run text exporter.
#[derive(Debug, Clone, Default)]
pub struct RunText {
    /// `--tz`: local times in this zone instead of the file's own offset.
    pub tz: Option<TagZone>,
}

impl Exporter for RunText {
    fn render(&self, batch: &Batch) -> Vec<u8> {
        summary(batch, self.tz).into_bytes()
    }
}

/// The run's header line: `path: start, distance, length, cramps`.
fn run_line(f: &FileResult, local: Option<LocalTime>) -> String {
    let mut parts = vec![];
    if let Some(t) = f.start_utc {
        parts.push(text::start(t, local));
    }
    if let Some(d) = f.distance_m {
        parts.push(format!("{} km", text::fixed(d / 1000.0, 2)));
    }
    if let Some(e) = f.elapsed_s {
        parts.push(text::clock(e));
    }
    parts.push(format!("{} cramp(s)", f.cramps));
    format!("{}: {}\n", f.path, parts.join(", "))
}

/// The text summary: the run, then one line per cramp.
fn summary(b: &Batch, tz: Option<TagZone>) -> String {
    let local_of = |f: &FileResult| LocalTime::of(tz, f.utc_offset_s);
    let mut s = String::new();
    for f in &b.files {
        s.push_str(&run_line(f, local_of(f)));
        if let Some(e) = &f.error {
            s.push_str(&format!("  {e}\n"));
        }
        for w in &f.warnings {
            s.push_str(&format!("  warning: {w}\n"));
        }
    }
    if !b.cramps.is_empty() {
        s.push_str(&format!(
            "slowdown threshold T: {} %\n",
            text::fixed(b.threshold_pct, 1)
        ));
    }
    for c in &b.cramps {
        let run = b.files.iter().find(|f| f.path == c.file);
        let start = run.and_then(|f| f.start_utc).unwrap_or(c.start_utc);
        let local = run.and_then(local_of);
        s.push_str(&format!(
            "#{} at {} ({}): {}{}{}{}{}\n",
            c.cramp_id,
            text::since_start(c.elapsed_at_onset_s),
            text::moment(c.start_utc, local, start),
            text::response(c.response),
            // An unknown response's slowdown means nothing (a standing
            // start's is thousands of percent); say why it is unknown.
            if c.response == Response::Unknown {
                let why: Vec<&str> = c.flags.iter().map(String::as_str).collect();
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", why.join("; "))
                }
            } else {
                c.slowdown_pct.map_or(String::new(), |x| {
                    format!(", slowdown {} %", text::fixed(x, 1))
                })
            },
            c.duration_s
                .map_or(", no end tagged".to_string(), |d| format!(
                    ", lasted {d:.0} s"
                )),
            c.severity
                .map_or(String::new(), |x| format!(", severity {x}")),
            c.muscle
                .as_deref()
                .map_or(String::new(), |m| format!(", {m}")),
        ));
    }
    for w in &b.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}
