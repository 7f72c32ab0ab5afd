//! The analysis stage: what a cramp's response was and, across cramps,
//! whether slowing down went with shorter cramps (DESIGN.md §3).

pub mod response;

/// What the runner did in the seconds after a cramp began (DESIGN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Ran on at about the same grade-adjusted pace.
    KeptPace,
    /// Slowed by at least the threshold T but kept running.
    Slowed,
    /// Walked (cadence under 140 steps/min, or slow without cadence).
    Walked,
    /// Stopped (mostly paused, or hardly moving).
    Stopped,
    /// Too little data before or after the onset to say.
    Unknown,
}
