//! Simulated cramp histories with a known truth, for calibrating the
//! comparison: how often it cries "shorter"/"longer" when nothing is going
//! on, how often its CI covers the planted ratio, how often it finds a real
//! halving. Compiled into the unit tests and, by `#[path]`, into
//! `examples/calibrate.rs`. It deliberately uses nothing from the analysis
//! code (only `rand`), so that the analysis cannot grade its own homework.
//!
//! The model, per history:
//! * runs, each with a random effect u ~ N(0, 0.3²) on log duration (a
//!   tired day makes every cramp of that run longer);
//! * cramps spread over the runs (every run gets at least one);
//! * severity 1/2/3 with probabilities 0.40/0.35/0.25, recorded as missing
//!   with probability `missing_severity`;
//! * response: walked 5 %, stopped 4 %, unknown 3 %; the rest ran on and
//!   slowed with probability 0.25/0.45/0.70 by severity when `confounded`
//!   (severe cramps are more often slowed), else 0.45;
//! * 10 % end inside the response window (duration 5–18 s), 4 % have no end;
//!   the rest last 18 s + R with
//!   log R = ln 30 + severity effect (0.5 per level when `confounded`) + u
//!   \+ ln(ratio)·\[slowed\] + ε, ε ~ N(0, 0.6²) — so the planted `ratio`
//!   acts exactly on the primary outcome, the time beyond +18 s, and the
//!   median tagged duration is about 60 s;
//! * onsets typed in afterwards with probability 5 %.

use rand::Rng;
use rand_distr::{Distribution, Normal};

use super::{CrampRecord, Response};

/// The truth one simulated history is drawn from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truth {
    /// Fewest and most runs (inclusive).
    pub runs: (u32, u32),
    /// Fewest and most cramps (inclusive).
    pub cramps: (usize, usize),
    /// Planted duration ratio slowed ÷ kept_pace on the time beyond +18 s.
    pub ratio: f64,
    /// Severe cramps both more often slowed and longer.
    pub confounded: bool,
    /// Probability that a cramp's severity was not tagged.
    pub missing_severity: f64,
}

/// Draws one cramp history from `truth`.
pub fn simulate_history(truth: &Truth, rng: &mut impl Rng) -> Vec<CrampRecord> {
    let n_runs = rng.random_range(truth.runs.0..=truth.runs.1);
    let n_cramps = rng
        .random_range(truth.cramps.0..=truth.cramps.1)
        .max(n_runs as usize);
    let run_sd = Normal::new(0.0, 0.3).expect("positive sd");
    let noise = Normal::new(0.0, 0.6).expect("positive sd");
    let run_effect: Vec<f64> = (0..n_runs).map(|_| run_sd.sample(rng)).collect();

    let mut runs: Vec<u32> = (0..n_runs).collect();
    runs.extend((n_runs as usize..n_cramps).map(|_| rng.random_range(0..n_runs)));

    let mut seen = vec![false; n_runs as usize];
    let mut out = Vec::with_capacity(n_cramps);
    for run in runs {
        let u: f64 = rng.random();
        let severity: u8 = if u < 0.40 {
            1
        } else if u < 0.75 {
            2
        } else {
            3
        };
        let u: f64 = rng.random();
        let response = if u < 0.05 {
            Response::Walked
        } else if u < 0.09 {
            Response::Stopped
        } else if u < 0.12 {
            Response::Unknown
        } else {
            let p_slowed = if truth.confounded {
                [0.25, 0.45, 0.70][usize::from(severity - 1)]
            } else {
                0.45
            };
            if rng.random::<f64>() < p_slowed {
                Response::Slowed
            } else {
                Response::KeptPace
            }
        };
        let slowdown_pct = match response {
            Response::Slowed => Some(10.0 + 30.0 * rng.random::<f64>()),
            Response::KeptPace => Some(-5.0 + 14.0 * rng.random::<f64>()),
            Response::Walked => Some(40.0 + 30.0 * rng.random::<f64>()),
            Response::Stopped => Some(100.0),
            Response::Unknown => None,
        };
        let severity_effect = if truth.confounded {
            0.5 * f64::from(severity - 1)
        } else {
            0.0
        };
        let u: f64 = rng.random();
        let (duration_s, remaining_s, ended_in_window) = if u < 0.10 {
            (Some(5.0 + 13.0 * rng.random::<f64>()), None, true)
        } else if u < 0.14 {
            (None, None, false)
        } else {
            let slowed = if response == Response::Slowed {
                truth.ratio.ln()
            } else {
                0.0
            };
            let log_r = 30f64.ln()
                + severity_effect
                + run_effect[run as usize]
                + slowed
                + noise.sample(rng);
            let r = log_r.exp();
            (Some(18.0 + r), Some(r), false)
        };
        let recorded_severity = (rng.random::<f64>() >= truth.missing_severity).then_some(severity);
        let first_in_run = !seen[run as usize];
        seen[run as usize] = true;
        out.push(CrampRecord {
            run,
            severity: recorded_severity,
            response,
            approx: rng.random::<f64>() < 0.05,
            first_in_run,
            slowdown_pct,
            duration_s,
            remaining_s,
            ended_in_window,
        });
    }
    out
}
