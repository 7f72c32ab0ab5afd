//! When cramps strike a simulated runner, how bad they are, what the runner
//! does about them and how long they last — the planted truth the analysis
//! should recover.
//!
//! Onsets follow a hazard that grows late in a run and when the runner goes
//! faster than usual (exercise-associated muscle cramps are linked to
//! fatigue and relative intensity: Schwellnus 2009, Br J Sports Med 43:401;
//! Schwellnus et al. 2011, Br J Sports Med 45:650). Durations are lognormal.
//! The one planted effect: a slowed runner's cramp lasts `effect_ratio`
//! times as long as it otherwise would. With `confound`, severe cramps are
//! more often met by slowing, walking or stopping *and* last longer, so only
//! a severity-stratified comparison finds the planted ratio.

use serde::Serialize;

use super::random::{SimRng, normal, pick, uniform};

/// What the runner did in the seconds after a cramp began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// Ran on at (almost) the same effort.
    KeptPace,
    /// Jogged on 12–35 % slower.
    Slowed,
    /// Walked.
    Walked,
    /// Stopped (stretching); auto-pause may remove the stop from timer time.
    Stopped,
}

impl Response {
    /// All responses, in the order of [`CrampParams::response_weights`].
    pub const ALL: [Response; 4] = [
        Response::KeptPace,
        Response::Slowed,
        Response::Walked,
        Response::Stopped,
    ];

    /// Name as the analysis reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            Response::KeptPace => "kept_pace",
            Response::Slowed => "slowed",
            Response::Walked => "walked",
            Response::Stopped => "stopped",
        }
    }
}

/// Which muscle cramped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Muscle {
    /// Calf (gastrocnemius/soleus), the most common running cramp.
    Calf,
    /// Hamstring.
    Hamstring,
    /// Quadriceps.
    Quad,
    /// Foot.
    Foot,
}

impl Muscle {
    /// All muscles, in the order of [`CrampParams::muscle_weights`].
    pub const ALL: [Muscle; 4] = [Muscle::Calf, Muscle::Hamstring, Muscle::Quad, Muscle::Foot];

    /// Name as written in `cramps.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Muscle::Calf => "calf",
            Muscle::Hamstring => "hamstring",
            Muscle::Quad => "quad",
            Muscle::Foot => "foot",
        }
    }
}

/// Parameters of the cramp model.
#[derive(Debug, Clone, Serialize)]
pub struct CrampParams {
    /// Onset hazard at the start of a run at the runner's usual pace, per
    /// hour of running. Chosen so a cramp-prone runner has about three
    /// cramps on a typical run (a deliberately cramp-rich history).
    pub rate_per_hour: f64,
    /// Hazard multiplier exp(`late_coef` × elapsed fraction of the planned
    /// run): 4.5× at the end with 1.5.
    pub late_coef: f64,
    /// Hazard multiplier exp(`speed_coef` × (effort ÷ usual pace − 1)).
    pub speed_coef: f64,
    /// Onsets before this many seconds are rare (the analysis's baseline
    /// window needs −120…−15 s).
    pub early_onset_s: f64,
    /// Hazard multiplier before [`CrampParams::early_onset_s`].
    pub early_factor: f64,
    /// No new onset within this many seconds after the previous cramp's
    /// recovery, nor in the planned run's last this-many seconds.
    pub quiet_after_s: f64,
    /// Severity 1, 2, 3 weights.
    pub severity_weights: [f64; 3],
    /// Calf, hamstring, quad, foot weights.
    pub muscle_weights: [f64; 4],
    /// Kept pace, slowed, walked, stopped weights.
    pub response_weights: [f64; 4],
    /// With `confound`: response weight multipliers per severity (rows
    /// 1–3, columns as `response_weights`): severe cramps are slowed,
    /// walked or stopped more often.
    pub confound_response_factors: [[f64; 4]; 3],
    /// With `confound`: duration multiplier per severity.
    pub confound_duration_factors: [f64; 3],
    /// Median cramp duration, s (exercise-associated cramps typically last
    /// seconds to a few minutes: Miller et al. 2022, J Athl Train 57:5).
    pub duration_median_s: f64,
    /// SD of log duration.
    pub duration_log_sd: f64,
    /// Shortest duration, s.
    pub duration_min_s: f64,
    /// Longest duration, s.
    pub duration_max_s: f64,
    /// The response arrives this many seconds after onset (range).
    pub response_delay_min_s: f64,
    /// See [`CrampParams::response_delay_min_s`].
    pub response_delay_max_s: f64,
    /// The runner stays slow up to this many seconds after the cramp ends.
    pub recovery_max_s: f64,
    /// Slowed: effort reduced by this fraction (range).
    pub slowed_min_frac: f64,
    /// See [`CrampParams::slowed_min_frac`].
    pub slowed_max_frac: f64,
    /// Kept pace: effort reduced by up to this fraction.
    pub kept_max_dip_frac: f64,
    /// Walked: walking speed range, m/s.
    pub walk_min_mps: f64,
    /// See [`CrampParams::walk_min_mps`].
    pub walk_max_mps: f64,
}

impl Default for CrampParams {
    fn default() -> Self {
        CrampParams {
            rate_per_hour: 1.8,
            late_coef: 1.5,
            speed_coef: 4.0,
            early_onset_s: 150.0,
            early_factor: 0.5,
            quiet_after_s: 150.0,
            severity_weights: [0.45, 0.40, 0.15],
            muscle_weights: [0.55, 0.20, 0.15, 0.10],
            response_weights: [0.40, 0.35, 0.15, 0.10],
            confound_response_factors: [
                [1.4, 0.8, 0.6, 0.5],
                [1.0, 1.0, 1.0, 1.0],
                [0.5, 1.4, 2.0, 2.4],
            ],
            confound_duration_factors: [0.75, 1.0, 1.5],
            duration_median_s: 60.0,
            duration_log_sd: 0.55,
            duration_min_s: 8.0,
            duration_max_s: 900.0,
            response_delay_min_s: 2.0,
            response_delay_max_s: 6.0,
            recovery_max_s: 60.0,
            slowed_min_frac: 0.12,
            slowed_max_frac: 0.35,
            kept_max_dip_frac: 0.04,
            walk_min_mps: 1.2,
            walk_max_mps: 1.6,
        }
    }
}

/// One cramp as drawn, before it is placed in a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrampPlan {
    /// 1 mild, 2 moderate, 3 severe.
    pub severity: u8,
    /// Muscle.
    pub muscle: Muscle,
    /// What the runner does.
    pub response: Response,
    /// How long the cramp lasts, s (after any planted multiplier).
    pub duration_s: f64,
    /// Seconds from onset until the response shows in the runner's speed.
    pub delay_s: f64,
    /// Seconds the runner stays slow after the cramp is over.
    pub recovery_s: f64,
    /// Fraction by which effort drops (slowed, kept pace; 0 otherwise).
    pub slowdown_frac: f64,
    /// Walking speed for walked cramps, m/s.
    pub walk_mps: f64,
}

/// Onset hazard per second at `elapsed_s` into a run planned for
/// `planned_s`, running at `effort_rel` × the runner's usual pace.
pub fn hazard_per_s(p: &CrampParams, elapsed_s: f64, planned_s: f64, effort_rel: f64) -> f64 {
    let frac = (elapsed_s / planned_s.max(1.0)).clamp(0.0, 1.0);
    let early = if elapsed_s < p.early_onset_s {
        p.early_factor
    } else {
        1.0
    };
    p.rate_per_hour / 3600.0
        * (p.late_coef * frac).exp()
        * (p.speed_coef * (effort_rel - 1.0)).exp()
        * early
}

/// Draw a cramp: severity, muscle, response, duration and how the runner
/// behaves. `effect_ratio` multiplies the duration of slowed cramps.
pub fn plan_cramp(
    rng: &mut SimRng,
    p: &CrampParams,
    effect_ratio: f64,
    confound: bool,
) -> CrampPlan {
    let severity = pick(rng, &p.severity_weights) as u8 + 1;
    let muscle = Muscle::ALL[pick(rng, &p.muscle_weights)];
    let mut weights = p.response_weights;
    if confound {
        for (w, f) in weights
            .iter_mut()
            .zip(p.confound_response_factors[severity as usize - 1])
        {
            *w *= f;
        }
    }
    let response = Response::ALL[pick(rng, &weights)];
    // Lognormal: median × exp(σ z).
    let mut duration_s = p.duration_median_s * (p.duration_log_sd * normal(rng)).exp();
    if response == Response::Slowed {
        duration_s *= effect_ratio;
    }
    if confound {
        duration_s *= p.confound_duration_factors[severity as usize - 1];
    }
    let duration_s = duration_s.clamp(p.duration_min_s, p.duration_max_s);
    let delay_s = uniform(rng, p.response_delay_min_s, p.response_delay_max_s);
    let recovery_s = uniform(rng, 0.0, p.recovery_max_s);
    let slowdown_frac = match response {
        Response::Slowed => uniform(rng, p.slowed_min_frac, p.slowed_max_frac),
        Response::KeptPace => uniform(rng, 0.0, p.kept_max_dip_frac),
        _ => 0.0,
    };
    let walk_mps = uniform(rng, p.walk_min_mps, p.walk_max_mps);
    CrampPlan {
        severity,
        muscle,
        response,
        duration_s,
        delay_s,
        recovery_s,
        slowdown_frac,
        walk_mps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::random::sub_rng;

    fn median(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    /// Geometric-mean and median ratios of slowed to kept-pace durations
    /// within each severity, from a large seeded batch.
    fn ratios(effect: f64, confound: bool) -> Vec<(f64, f64)> {
        let p = CrampParams::default();
        let mut rng = sub_rng(2024, 7);
        let plans: Vec<CrampPlan> = (0..120_000)
            .map(|_| plan_cramp(&mut rng, &p, effect, confound))
            .collect();
        (1..=3)
            .map(|sev| {
                let dur = |r: Response| -> Vec<f64> {
                    plans
                        .iter()
                        .filter(|c| c.severity == sev && c.response == r)
                        .map(|c| c.duration_s)
                        .collect()
                };
                let (s, k) = (dur(Response::Slowed), dur(Response::KeptPace));
                let gm = |v: &[f64]| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp();
                (gm(&s) / gm(&k), median(s) / median(k))
            })
            .collect()
    }

    #[test]
    fn slowed_cramps_last_the_planted_ratio_of_kept_pace_ones_within_each_severity() {
        for (sev, (gm, med)) in ratios(0.5, false).into_iter().enumerate() {
            // The planted ratio is 0.5; the clamp at 8 s shifts the
            // geometric mean by well under 1 %.
            assert!(
                (gm / 0.5 - 1.0).abs() < 0.04,
                "severity {}: gm {gm}",
                sev + 1
            );
            assert!(
                (med / 0.5 - 1.0).abs() < 0.06,
                "severity {}: median {med}",
                sev + 1
            );
        }
    }

    #[test]
    fn the_severity_confounder_keeps_the_within_severity_ratio_at_the_planted_value() {
        for (sev, (gm, _)) in ratios(0.5, true).into_iter().enumerate() {
            assert!(
                (gm / 0.5 - 1.0).abs() < 0.05,
                "severity {}: gm {gm}",
                sev + 1
            );
        }
    }

    #[test]
    fn without_a_planted_effect_slowed_and_kept_cramps_last_alike() {
        for (sev, (gm, _)) in ratios(1.0, false).into_iter().enumerate() {
            assert!((gm - 1.0).abs() < 0.04, "severity {}: gm {gm}", sev + 1);
        }
    }

    #[test]
    fn the_confounder_makes_severe_cramps_more_often_stopped_and_longer() {
        let p = CrampParams::default();
        let mut rng = sub_rng(5, 7);
        let plans: Vec<CrampPlan> = (0..40_000)
            .map(|_| plan_cramp(&mut rng, &p, 1.0, true))
            .collect();
        let share_stopped = |sev: u8| {
            let s: Vec<_> = plans.iter().filter(|c| c.severity == sev).collect();
            s.iter().filter(|c| c.response == Response::Stopped).count() as f64 / s.len() as f64
        };
        assert!(share_stopped(3) > 2.0 * share_stopped(1));
        let med = |sev: u8| {
            median(
                plans
                    .iter()
                    .filter(|c| c.severity == sev)
                    .map(|c| c.duration_s)
                    .collect(),
            )
        };
        assert!(med(3) > 1.5 * med(1));
    }

    #[test]
    fn hazard_grows_late_in_a_run_and_with_speed() {
        let p = CrampParams::default();
        let early = hazard_per_s(&p, 600.0, 3600.0, 1.0);
        let late = hazard_per_s(&p, 3500.0, 3600.0, 1.0);
        let fast = hazard_per_s(&p, 600.0, 3600.0, 1.1);
        // exp(1.5 × (3500 − 600)/3600) = 3.35; exp(4 × 0.1) = 1.49.
        assert!((late / early - 3.35).abs() < 0.01);
        assert!((fast / early - 1.4918).abs() < 0.001);
        assert!(hazard_per_s(&p, 60.0, 3600.0, 1.0) < 0.6 * early);
    }
}
