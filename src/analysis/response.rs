//! Response classes: what the runner did after a cramp began — kept pace,
//! slowed, walked, stopped (docs/METHOD.md §3, row *response class*). The same
//! code classifies cramps and the placebo moments that set the threshold T
//! ([`super::threshold`], [`super::placebo`]).

use super::Response;
use crate::align::Observation;

/// Cut-offs of the response classes. Defaults follow docs/METHOD.md §3; each
/// field becomes a command-line flag.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseOptions {
    /// Stopped when at least this share of the response window was paused. 0.5.
    pub stopped_paused_fraction: f64,
    /// Stopped when the response window's median raw speed is below this. 0.5 m/s.
    pub stopped_speed_mps: f64,
    /// Walked when the response window's median cadence is below this. 140 steps/min.
    pub walk_cadence_spm: f64,
    /// Without cadence: walked when the median raw speed is below this. 1.8 m/s.
    pub walk_speed_mps: f64,
}

impl Default for ResponseOptions {
    fn default() -> Self {
        ResponseOptions {
            stopped_paused_fraction: 0.5,
            stopped_speed_mps: 0.5,
            walk_cadence_spm: 140.0,
            walk_speed_mps: 1.8,
        }
    }
}

impl ResponseOptions {
    /// These options as (name, value) rows of a report's settings table.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "stopped: paused share at least",
                self.stopped_paused_fraction.to_string(),
            ),
            (
                "stopped: median speed below",
                format!("{} m/s", self.stopped_speed_mps),
            ),
            (
                "walked: median cadence below",
                format!("{} steps/min", self.walk_cadence_spm),
            ),
            (
                "walked (no cadence): median speed below",
                format!("{} m/s", self.walk_speed_mps),
            ),
        ]
    }
}

/// What the runner did in the response window before any threshold is
/// applied: the first three classes of docs/METHOD.md §3 (*response
/// class*) need no threshold; everything else "ran on", with its slowdown.
/// Cramps and placebo moments are classified through this one function,
/// and [`Motion::response`] applies the threshold T.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Motion {
    /// The baseline or response window lacks data.
    Unknown,
    /// At least half of the response window paused, or its median raw speed
    /// below the stop speed.
    Stopped,
    /// Median cadence below the walking cadence, or without cadence, median
    /// raw speed below the walking speed.
    Walked,
    /// Ran on, slowing by `slowdown_pct` (negative: sped up).
    RanOn {
        /// 100·(1 − GAP(response)/GAP(baseline)).
        slowdown_pct: f64,
    },
}

impl Motion {
    /// The response class at threshold `threshold_pct`: a run-on slowing by
    /// at least T is slowed, otherwise kept pace.
    pub fn response(self, threshold_pct: f64) -> Response {
        match self {
            Motion::Unknown => Response::Unknown,
            Motion::Stopped => Response::Stopped,
            Motion::Walked => Response::Walked,
            Motion::RanOn { slowdown_pct } if slowdown_pct >= threshold_pct => Response::Slowed,
            Motion::RanOn { .. } => Response::KeptPace,
        }
    }

    /// The slowdown of a moment the runner ran on, when it is a number.
    pub fn running_slowdown_pct(self) -> Option<f64> {
        match self {
            Motion::RanOn { slowdown_pct } if slowdown_pct.is_finite() => Some(slowdown_pct),
            _ => None,
        }
    }
}

/// The threshold-free part of the classification (docs/METHOD.md §3),
/// first match wins: **unknown** (baseline or response window lacks data) ·
/// **stopped** (≥ 50 % of the response window paused, or its median raw
/// speed < 0.5 m/s) · **walked** (median cadence < 140 steps/min, or without
/// cadence median raw speed < 1.8 m/s) · otherwise ran on.
pub fn motion(obs: &Observation, opts: &ResponseOptions) -> Motion {
    let Some(slowdown_pct) = obs.slowdown_pct.filter(|_| obs.has_data()) else {
        return Motion::Unknown;
    };
    let median_speed = obs.response_median_speed_mps;
    if obs.response_paused_fraction >= opts.stopped_paused_fraction
        || median_speed.is_some_and(|v| v < opts.stopped_speed_mps)
    {
        return Motion::Stopped;
    }
    let walked = match obs.response_median_cadence_spm {
        Some(c) => c < opts.walk_cadence_spm,
        None => median_speed.is_some_and(|v| v < opts.walk_speed_mps),
    };
    if walked {
        Motion::Walked
    } else {
        Motion::RanOn { slowdown_pct }
    }
}

/// Classify an observation at threshold T: [`motion`], then
/// [`Motion::response`] (**slowed** when `slowdown_pct` ≥ `threshold_pct`,
/// else **kept_pace**).
pub fn classify(obs: &Observation, threshold_pct: f64, opts: &ResponseOptions) -> Response {
    motion(obs, opts).response(threshold_pct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::{WindowOptions, observe};
    use crate::timeline::synth::Run;
    use crate::timeline::{Timeline, TimelineOptions, minetti_cost_j_per_kg_m};

    const ONSET: usize = 400;

    fn class_of(run: &Run, onset: usize, threshold_pct: f64) -> (Response, Observation) {
        let tl = Timeline::build(&run.build(), &TimelineOptions::default());
        let obs = observe(&tl, onset as f64, &WindowOptions::default());
        (
            classify(&obs, threshold_pct, &ResponseOptions::default()),
            obs,
        )
    }

    /// 3.6 m/s, then `after` m/s from onset + `from` s.
    fn run_changing(after: f64, from: usize) -> Run {
        let mut run = Run::steady(900, 3.6);
        for v in &mut run.speed_mps[ONSET + from..] {
            *v = after;
        }
        run
    }

    #[test]
    fn a_planted_quarter_slowdown_classifies_slowed_at_ten_percent() {
        let (class, obs) = class_of(&run_changing(2.7, 3), ONSET, 10.0);
        let s = obs.slowdown_pct.expect("known");
        // 1 − 2.7/3.6 = 25 % by hand.
        assert!((s - 25.0).abs() <= 2.0, "{s}");
        assert_eq!(class, Response::Slowed);
        // The same slowdown under a 30 % threshold is kept pace.
        assert_eq!(
            class_of(&run_changing(2.7, 3), ONSET, 30.0).0,
            Response::KeptPace
        );
    }

    #[test]
    fn an_auto_paused_stop_classifies_stopped() {
        let mut run = Run::steady(900, 3.6);
        run.pauses_s = vec![(ONSET as f64 + 2.0, ONSET as f64 + 40.0)];
        let (class, obs) = class_of(&run, ONSET, 10.0);
        assert_eq!(obs.response_paused_fraction, 1.0);
        assert_eq!(class, Response::Stopped);
    }

    #[test]
    fn standing_still_without_a_pause_classifies_stopped() {
        let (class, _) = class_of(&run_changing(0.2, 1), ONSET, 10.0);
        assert_eq!(class, Response::Stopped);
    }

    #[test]
    fn a_walk_classifies_walked_by_speed_or_by_cadence() {
        // No cadence channel: 1.5 m/s < 1.8 m/s.
        assert_eq!(
            class_of(&run_changing(1.5, 1), ONSET, 10.0).0,
            Response::Walked
        );
        // Cadence 170 → 120 steps/min.
        let mut run = run_changing(1.5, 1);
        run.cadence_spm = Some(
            (0..900)
                .map(|t| if t > ONSET { 120.0 } else { 170.0 })
                .collect(),
        );
        let (class, obs) = class_of(&run, ONSET, 10.0);
        assert_eq!(obs.response_median_cadence_spm, Some(120.0));
        assert_eq!(class, Response::Walked);
        // A slow jog at running cadence is slowed, not walked, even below 1.8 m/s.
        let mut jog = run_changing(1.7, 1);
        jog.cadence_spm = Some(vec![166.0; 900]);
        assert_eq!(class_of(&jog, ONSET, 10.0).0, Response::Slowed);
    }

    #[test]
    fn missing_baseline_classifies_unknown() {
        let (class, _) = class_of(&Run::steady(900, 3.6), 30, 10.0);
        assert_eq!(class, Response::Unknown);
    }

    #[test]
    fn cramps_on_a_constant_effort_hill_run_keep_pace() {
        // Rolling hills ±8 % (wavelength 800 m) at constant GAP 4 m/s:
        // speed = 4·3.6/Cr(grade), positions and altitude consistent.
        let k = 2.0 * std::f64::consts::PI / 800.0;
        let (mut x, len) = (0.0, 2400);
        let mut run = Run {
            positions: true,
            cadence_spm: Some(vec![172.0; len]),
            altitude_m: Some(Vec::new()),
            ..Run::default()
        };
        for _ in 0..len {
            let g = 0.08 * (k * x).sin();
            if let Some(a) = run.altitude_m.as_mut() {
                a.push(150.0 - 0.08 / k * (k * x).cos());
            }
            let v = 4.0 * 3.6 / minetti_cost_j_per_kg_m(g);
            run.speed_mps.push(v);
            x += v;
        }
        for onset in [300, 777, 1234, 1800, 2100] {
            let (class, obs) = class_of(&run, onset, 10.0);
            assert_eq!(class, Response::KeptPace, "{onset}: {obs:?}");
            assert!(obs.slowdown_pct.expect("known").abs() < 3.0);
        }
    }
}
