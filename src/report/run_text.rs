//! `cramplab report RUN` without `--html`: one run as a short text
//! summary — the run, its threshold, one line per cramp, then the warnings.

use super::Exporter;
use crate::results::{Batch, rfc3339};

/// The per-run text exporter.
pub struct RunText;

impl Exporter for RunText {
    fn render(&self, batch: &Batch) -> Vec<u8> {
        summary(batch).into_bytes()
    }
}

/// Minutes and seconds since the start, `+m:ss`.
fn since_start(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    format!("+{}:{:02}", s / 60, s % 60)
}

/// The text summary: the run, then one line per cramp.
fn summary(b: &Batch) -> String {
    let mut s = String::new();
    for f in &b.files {
        s.push_str(&format!(
            "{}: {}{}{}, {} cramp(s)\n",
            f.path,
            f.start_utc.map_or(String::new(), |t| t
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()),
            f.distance_m
                .map_or(String::new(), |d| format!(", {:.2} km", d / 1000.0)),
            f.elapsed_s
                .map_or(String::new(), |e| format!(", {}", since_start(e))),
            f.cramps
        ));
        if let Some(e) = &f.error {
            s.push_str(&format!("  {e}\n"));
        }
        for w in &f.warnings {
            s.push_str(&format!("  warning: {w}\n"));
        }
    }
    if !b.cramps.is_empty() {
        s.push_str(&format!("slowdown threshold T: {:.1} %\n", b.threshold_pct));
    }
    for c in &b.cramps {
        s.push_str(&format!(
            "#{} at {} {}: {}{}{}{}{}\n",
            c.cramp_id,
            since_start(c.elapsed_at_onset_s),
            rfc3339(c.start_utc),
            c.response.as_str(),
            c.slowdown_pct
                .map_or(String::new(), |x| format!(", slowdown {x:.1} %")),
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
