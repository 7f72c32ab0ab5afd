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
    /// Walked when the response window's median cadence is below this; a
    /// baseline whose median cadence is below it was not running
    /// ([`running_baseline`]). 140 steps/min.
    pub walk_cadence_spm: f64,
    /// Without cadence: walked when the median raw speed is below this. A
    /// baseline whose mean GAP is below it was not running. 1.8 m/s.
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
            (
                "running baseline: mean GAP and median cadence at least",
                format!(
                    "{} m/s, {} steps/min",
                    self.walk_speed_mps, self.walk_cadence_spm
                ),
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
    /// The baseline or response window lacks data, or the runner was not
    /// running before the onset ([`running_baseline`]).
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

/// Whether the runner was running in the baseline window (docs/METHOD.md
/// §3, *baseline window*): its mean GAP at least the walking speed
/// (`walk_speed_mps`, 1.8 m/s) and, where the baseline has a cadence, its
/// median at least the walking cadence (`walk_cadence_spm`, 140
/// steps/min). `false` when the baseline is unknown. A slowdown measured
/// against a standing or walking baseline means nothing: from 0.09 m/s, a
/// jog reads as a slowdown of −4,000 %.
pub fn running_baseline(obs: &Observation, opts: &ResponseOptions) -> bool {
    obs.baseline_gap_mps
        .is_some_and(|gap| gap >= opts.walk_speed_mps)
        && obs
            .baseline_median_cadence_spm
            .is_none_or(|c| c >= opts.walk_cadence_spm)
}

/// Why a known baseline was not running, as a cramp's flag: "not running
/// before the onset" and the value that failed [`running_baseline`].
/// `None` when the baseline was running or is unknown (an unknown
/// baseline has its own flag).
pub fn not_running_before(obs: &Observation, opts: &ResponseOptions) -> Option<String> {
    let gap = obs.baseline_gap_mps?;
    if gap < opts.walk_speed_mps {
        return Some(format!(
            "not running before the onset (baseline {} m/s grade-adjusted, \
             below the walking speed {} m/s)",
            shown_below(gap, opts.walk_speed_mps, 2),
            opts.walk_speed_mps
        ));
    }
    let cadence = obs
        .baseline_median_cadence_spm
        .filter(|c| *c < opts.walk_cadence_spm)?;
    Some(format!(
        "not running before the onset (baseline cadence {} steps/min, \
         below the walking cadence {} steps/min)",
        shown_below(cadence, opts.walk_cadence_spm, 0),
        opts.walk_cadence_spm
    ))
}

/// `value` (below `cut`) with `decimals` decimals, or more if rounding
/// would show it at or above the cut (1.797 against 1.8 reads "1.797").
fn shown_below(value: f64, cut: f64, decimals: usize) -> String {
    (decimals..decimals + 6)
        .map(|d| format!("{value:.d$}"))
        .find(|s| s.parse::<f64>().is_ok_and(|v| v < cut))
        .unwrap_or_else(|| value.to_string())
}

/// The threshold-free part of the classification (docs/METHOD.md §3),
/// first match wins: **unknown** (baseline or response window lacks data,
/// or the baseline was not running: [`running_baseline`]) · **stopped**
/// (≥ 50 % of the response window paused, or its median raw speed
/// < 0.5 m/s) · **walked** (median cadence < 140 steps/min, or without
/// cadence median raw speed < 1.8 m/s) · otherwise ran on. Placebo moments
/// go through the same rules, so a random moment after a stand or a walk
/// is unknown too and sets neither T nor the placebo check.
pub fn motion(obs: &Observation, opts: &ResponseOptions) -> Motion {
    let Some(slowdown_pct) = obs.slowdown_pct.filter(|_| obs.has_data()) else {
        return Motion::Unknown;
    };
    if !running_baseline(obs, opts) {
        return Motion::Unknown;
    }
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
    fn a_jog_after_standing_is_unknown_not_a_huge_negative_slowdown() {
        // Standing (0.09 m/s, not paused) for the baseline, then 4 m/s from
        // the onset: the slowdown is about −4,300 %, which means nothing.
        let mut run = Run::steady(900, 0.09);
        for v in &mut run.speed_mps[ONSET..] {
            *v = 4.0;
        }
        let (class, obs) = class_of(&run, ONSET, 10.0);
        assert!(obs.slowdown_pct.expect("measured") < -1000.0, "{obs:?}");
        assert_eq!(class, Response::Unknown);
        assert!(!running_baseline(&obs, &ResponseOptions::default()));
        let why = not_running_before(&obs, &ResponseOptions::default()).expect("a reason");
        assert!(
            why.starts_with("not running before the onset (baseline 0.09 m/s"),
            "{why}"
        );
    }

    #[test]
    fn a_baseline_at_walking_cadence_is_not_running_even_at_jogging_speed() {
        // 2.2 m/s (above the walking speed) at 120 steps/min: a brisk walk.
        let mut run = Run::steady(900, 2.2);
        run.cadence_spm = Some(vec![120.0; 900]);
        let (class, obs) = class_of(&run, ONSET, 10.0);
        assert_eq!(obs.baseline_median_cadence_spm, Some(120.0));
        assert_eq!(class, Response::Unknown);
        let why = not_running_before(&obs, &ResponseOptions::default()).expect("a reason");
        assert!(why.contains("baseline cadence 120 steps/min"), "{why}");
        // The same speed at running cadence is a running baseline.
        run.cadence_spm = Some(vec![160.0; 900]);
        let (class, obs) = class_of(&run, ONSET, 10.0);
        assert!(running_baseline(&obs, &ResponseOptions::default()));
        assert_eq!(not_running_before(&obs, &ResponseOptions::default()), None);
        assert_eq!(class, Response::KeptPace);
    }

    #[test]
    fn a_baseline_just_under_the_cut_off_never_reads_as_at_it() {
        assert_eq!(shown_below(1.797, 1.8, 2), "1.797");
        assert_eq!(shown_below(0.0858, 1.8, 2), "0.09");
        assert_eq!(shown_below(139.6, 140.0, 0), "139.6");
        assert_eq!(shown_below(120.0, 140.0, 0), "120");
    }

    #[test]
    fn the_walking_cut_offs_move_the_running_baseline_rule_with_them() {
        let (_, obs) = class_of(&Run::steady(900, 2.0), ONSET, 10.0);
        let opts = ResponseOptions::default();
        assert!(running_baseline(&obs, &opts));
        let slower_walkers = ResponseOptions {
            walk_speed_mps: 2.5,
            ..opts
        };
        assert!(!running_baseline(&obs, &slower_walkers));
        assert_eq!(motion(&obs, &slower_walkers), Motion::Unknown);
    }

    #[test]
    fn placebo_moments_after_a_stand_are_unknown_like_cramps() {
        use crate::align::{PlaceboOptions, placebo_moments};
        use crate::analysis::placebo::PlaceboMoment;
        // 20 minutes standing (not paused), then 20 minutes at 3.5 m/s.
        let mut run = Run::steady(2400, 3.5);
        run.speed_mps[..1200].fill(0.09);
        let tl = Timeline::build(&run.build(), &TimelineOptions::default());
        let every = PlaceboOptions {
            moments: 2400,
            ..PlaceboOptions::default()
        };
        let opts = ResponseOptions::default();
        let p = placebo_moments(&tl, &[], &every, &WindowOptions::default(), 1);
        let (mut standing, mut running) = (0, 0);
        for o in &p.moments {
            let m = PlaceboMoment::new(o, &opts);
            // The whole baseline stood: unknown, whatever came after.
            if o.onset_s <= 1200.0 + 14.0 {
                assert_eq!(m.class_at(10.0), Response::Unknown, "{o:?}");
                assert_eq!(m.running_slowdown_pct(), None);
                standing += 1;
            } else if o.onset_s >= 1200.0 + 120.0 {
                assert_eq!(m.class_at(10.0), Response::KeptPace, "{o:?}");
                running += 1;
            }
        }
        assert!(standing > 900 && running > 800, "{standing} {running}");
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
