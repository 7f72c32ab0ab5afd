//! The analysis behind `cramplab analyze`: from a table of cramps (what the
//! runner did after each onset, and how long the cramp lasted) to a
//! severity-stratified comparison, its uncertainty, and a verdict in words.
//!
//! Everything here is pure — slices in, values out, no I/O, no clocks, no
//! threads — and every random stream is seeded, so the same table always
//! gives the same report. The method is docs/METHOD.md §3; the output is §4's
//! `comparison` object.

pub mod compare;
pub mod meta;
pub mod outcome;
pub mod placebo;
pub mod pooled;
pub mod response;
pub mod stats;
pub mod threshold;
pub mod verdict;

#[cfg(test)]
mod calibration_cohort_sim;
#[cfg(test)]
mod calibration_cohort_tests;
#[cfg(test)]
mod calibration_sim;
#[cfg(test)]
mod calibration_tests;

use serde::{Deserialize, Serialize};

pub use compare::{AnalysisSpec, CompareOptions, Comparison, Endpoint, compare, compare_one};
pub use verdict::Verdict;

/// What the runner did in the response window (+3 s to +18 s after onset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Ran on at about the same pace (slowdown below the threshold).
    KeptPace,
    /// Ran on, but slowed by at least the threshold.
    Slowed,
    /// Walked (low cadence or low speed).
    Walked,
    /// Stopped (paused, or barely moving).
    Stopped,
    /// The baseline or response window lacked data.
    Unknown,
}

impl Response {
    /// The snake_case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Response::KeptPace => "kept_pace",
            Response::Slowed => "slowed",
            Response::Walked => "walked",
            Response::Stopped => "stopped",
            Response::Unknown => "unknown",
        }
    }
}

/// One tagged cramp, as the analysis needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrampRecord {
    /// Index of the activity (run) it happened in; the bootstrap resamples
    /// whole runs, because cramps in one run share that run's fatigue.
    pub run: u32,
    /// 1 (mild) to 3 (severe); `None` forms its own stratum.
    pub severity: Option<u8>,
    /// What the runner did after the onset.
    pub response: Response,
    /// The onset was typed in afterwards rather than marked at the moment.
    pub approx: bool,
    /// This is the first cramp of its run.
    pub first_in_run: bool,
    /// 100·(1 − response GAP / baseline GAP); negative = sped up.
    pub slowdown_pct: Option<f64>,
    /// Full tagged duration; `None` when the cramp has no end or ran past
    /// the end of the recording.
    pub duration_s: Option<f64>,
    /// Time the cramp lasted beyond +18 s (the primary outcome); `None`
    /// unless the cramp was still going at +18 s and has an end.
    pub remaining_s: Option<f64>,
    /// The cramp was over by +18 s: counted and shown, not in the primary
    /// outcome.
    pub ended_in_window: bool,
}
