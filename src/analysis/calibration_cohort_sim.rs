//! Simulated cohorts of runners with a known truth, for calibrating the
//! pooled (docs/METHOD.md §5) analysis: how often it cries "shorter"/"longer"
//! when nothing is going on although runners and severities are both
//! confounded with slowing down, how often it finds a real effect, whether
//! its CI covers what it claims to estimate, and whether the meta-analysis's
//! prediction interval covers a new runner. Compiled into the unit tests and,
//! by `#[path]`, into `examples/calibrate_cohort.rs`. Like `calibration_sim`
//! it deliberately uses nothing from the analysis code (only `rand` and
//! `rand_distr`), so that the analysis cannot grade its own homework.
//!
//! The model, per cohort of R runners:
//! * runner r has a baseline z_r ~ N(0, 1): its cramps last
//!   exp(`runner_sd`·z_r) times as long whatever it does (`runner_sd` 0.5);
//! * its true ratio slowed ÷ kept pace on the time beyond +18 s (the
//!   landmark outcome) is θ_r = exp(N(ln θ, `effect_sd`²));
//! * its readiness to slow down is a logit shift a_r = −0.8·z_r when
//!   `confound_runners` (runners who slow more often have shorter cramps
//!   whatever they do), else a_r = 0.8·η_r with η_r ~ N(0, 1) independent
//!   of everything (runners still differ, but not in a way that biases);
//! * it has between `compared.0` and `compared.1` *compared* cramps —
//!   slowed or kept pace, severity 1–3 recorded, onset marked at the moment,
//!   still going at +18 s with an end — plus 1–4 extra cramps that the
//!   primary analysis must leave out: walked, stopped, unknown response,
//!   slowed/kept pace without severity, over within the response window, or
//!   with an onset typed in afterwards (one kind each, uniformly);
//! * severity 1/2/3 with probabilities 0.40/0.35/0.25; a compared cramp is
//!   slowed with probability logistic(logit p_s + a_r), p_s =
//!   0.25/0.45/0.70 by severity when `confound_severity` (severe cramps are
//!   more often slowed), else 0.45;
//! * the cramps are spread over runs (a quarter to a half as many runs as
//!   cramps, every run with at least one), each run with a random effect
//!   u ~ N(0, 0.3²) on log duration (a tired day makes every cramp of that
//!   run longer);
//! * log remaining_s = ln 30 + `runner_sd`·z_r + severity effect (0.5 per
//!   level above mild when `confound_severity`) + u + ln θ_r·\[slowed\] + ε,
//!   ε ~ N(0, σ²), σ = `sigma` the within-runner SD; the full duration is
//!   18 s + remaining_s. So the planted θ_r acts exactly on the primary
//!   outcome.
//!
//! The calibration runs at σ = 0.5 and at σ = 1.1. σ = 1.1 matches the
//! spread of real-looking single-runner histories: `cramplab simulate`
//! draws durations as 60 s·exp(0.55·Z) times 0.75/1/1.5 by severity
//! (`simulate::cramps::CrampParams`), and the log of the time beyond +18 s
//! then has a within-severity SD of 0.75–1.02 (numpy, 10⁶ draws per
//! severity: `D = clip(60*f*exp(0.55*Z), 8, 900); np.log(D[D>18]-18).std()`
//! for f = 1.5, 1, 0.75), with a longer left tail than a normal's; with the
//! run effect, σ = 1.1 gives a within-severity SD of √(1.1² + 0.3²) = 1.14.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, Normal};

use super::{CrampRecord, Response};

/// The truth one simulated cohort is drawn from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortTruth {
    /// Number of runners R.
    pub runners: usize,
    /// Fewest and most compared cramps per runner (inclusive).
    pub compared: (usize, usize),
    /// θ: the median of the runners' true ratios slowed ÷ kept pace on the
    /// time beyond +18 s.
    pub ratio: f64,
    /// SD of the runners' true log ratios around ln θ.
    pub effect_sd: f64,
    /// σ: the SD of ε, the within-runner, within-run noise on log
    /// remaining_s.
    pub sigma: f64,
    /// SD of the runners' baselines on log remaining_s.
    pub runner_sd: f64,
    /// Severe cramps are both more often slowed and longer.
    pub confound_severity: bool,
    /// Runners who slow more often have shorter cramps whatever they do.
    pub confound_runners: bool,
}

/// SD of the run random effect on log remaining_s.
const RUN_SD: f64 = 0.3;
/// Logit-scale spread of the runners' readiness to slow down.
const PROPENSITY_SD: f64 = 0.8;
/// Median time beyond +18 s of a mild cramp of an average runner, s.
const MEDIAN_REMAINING_S: f64 = 30.0;
/// Severity effect on log remaining_s per level above mild, when confounded.
const SEVERITY_EFFECT: f64 = 0.5;

/// One simulated runner: its cramps and its true log ratio ln θ_r.
#[derive(Debug, Clone, PartialEq)]
pub struct SimRunner {
    /// The runner's cramp records (run indices are the runner's own).
    pub records: Vec<CrampRecord>,
    /// ln θ_r, the runner's planted log ratio.
    pub log_ratio: f64,
}

/// A runner's true log ratio: a draw from N(ln θ, `effect_sd`²) — also the
/// "new runner" a prediction interval is meant to cover.
pub fn draw_log_ratio(truth: &CohortTruth, rng: &mut impl Rng) -> f64 {
    truth.ratio.ln() + truth.effect_sd * standard_normal(rng)
}

fn standard_normal(rng: &mut impl Rng) -> f64 {
    Normal::new(0.0, 1.0)
        .expect("unit normal is valid")
        .sample(rng)
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// What kind of cramp is being drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Compared,
    Walked,
    Stopped,
    Unknown,
    NoSeverity,
    EndedInWindow,
    Approx,
}

const EXTRA_KINDS: [Kind; 6] = [
    Kind::Walked,
    Kind::Stopped,
    Kind::Unknown,
    Kind::NoSeverity,
    Kind::EndedInWindow,
    Kind::Approx,
];

/// Draws one cohort of `truth.runners` runners.
pub fn simulate_cohort(truth: &CohortTruth, rng: &mut impl Rng) -> Vec<SimRunner> {
    (0..truth.runners)
        .map(|_| simulate_runner(truth, rng))
        .collect()
}

fn simulate_runner(truth: &CohortTruth, rng: &mut impl Rng) -> SimRunner {
    let z = standard_normal(rng);
    let log_ratio = draw_log_ratio(truth, rng);
    let propensity = if truth.confound_runners {
        -PROPENSITY_SD * z
    } else {
        PROPENSITY_SD * standard_normal(rng)
    };
    let baseline = MEDIAN_REMAINING_S.ln() + truth.runner_sd * z;

    let n_compared = rng.random_range(truth.compared.0..=truth.compared.1);
    let n_extra = rng.random_range(1..=4usize);
    let mut kinds: Vec<Kind> = vec![Kind::Compared; n_compared];
    kinds.extend((0..n_extra).map(|_| EXTRA_KINDS[rng.random_range(0..EXTRA_KINDS.len())]));
    kinds.shuffle(rng);

    let n = kinds.len();
    let n_runs = rng.random_range(n.div_ceil(4)..=n.div_ceil(2)) as u32;
    let run_effect: Vec<f64> = (0..n_runs).map(|_| RUN_SD * standard_normal(rng)).collect();
    let mut runs: Vec<u32> = (0..n_runs).collect();
    runs.extend((n_runs as usize..n).map(|_| rng.random_range(0..n_runs)));
    runs.shuffle(rng);

    let noise = Normal::new(0.0, truth.sigma).expect("sigma is positive");
    let mut seen = vec![false; n_runs as usize];
    let mut records = Vec::with_capacity(n);
    for (kind, run) in kinds.into_iter().zip(runs) {
        let u: f64 = rng.random();
        let severity: u8 = if u < 0.40 {
            1
        } else if u < 0.75 {
            2
        } else {
            3
        };
        let response = match kind {
            Kind::Walked => Response::Walked,
            Kind::Stopped => Response::Stopped,
            Kind::Unknown => Response::Unknown,
            _ => {
                let p_s = if truth.confound_severity {
                    [0.25, 0.45, 0.70][usize::from(severity - 1)]
                } else {
                    0.45
                };
                if rng.random::<f64>() < logistic(logit(p_s) + propensity) {
                    Response::Slowed
                } else {
                    Response::KeptPace
                }
            }
        };
        let slowdown_pct = match response {
            Response::Slowed => Some(10.0 + 30.0 * rng.random::<f64>()),
            Response::KeptPace => Some(-5.0 + 14.0 * rng.random::<f64>()),
            Response::Walked => Some(40.0 + 30.0 * rng.random::<f64>()),
            Response::Stopped => Some(100.0),
            Response::Unknown => None,
        };
        let severity_effect = if truth.confound_severity {
            SEVERITY_EFFECT * f64::from(severity - 1)
        } else {
            0.0
        };
        let slowed = if response == Response::Slowed {
            log_ratio
        } else {
            0.0
        };
        let log_r =
            baseline + severity_effect + run_effect[run as usize] + slowed + noise.sample(rng);
        let (duration_s, remaining_s, ended_in_window) = if kind == Kind::EndedInWindow {
            (Some(5.0 + 13.0 * rng.random::<f64>()), None, true)
        } else {
            let r = log_r.exp();
            (Some(18.0 + r), Some(r), false)
        };
        let first_in_run = !seen[run as usize];
        seen[run as usize] = true;
        records.push(CrampRecord {
            run,
            severity: (kind != Kind::NoSeverity).then_some(severity),
            response,
            approx: kind == Kind::Approx,
            first_in_run,
            slowdown_pct,
            duration_s,
            remaining_s,
            ended_in_window,
        });
    }
    SimRunner { records, log_ratio }
}
