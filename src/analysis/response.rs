//! Response classes: what the runner did after a cramp began — kept pace,
//! slowed, walked, stopped — judged against the runner's own threshold for
//! "slowed", which comes from how much their pace wobbles at random
//! non-cramp moments (DESIGN.md §3, rows *response class*, *threshold T*,
//! *placebo check*).

use super::Response;
use crate::align::Observation;

/// Cut-offs of the response classes. Defaults follow DESIGN.md §3; each
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

/// Classify an observation, first match wins (DESIGN.md §3):
/// **unknown** (baseline or response window lacks data) · **stopped**
/// (≥ 50 % of the response window paused, or its median raw speed
/// < 0.5 m/s) · **walked** (median cadence < 140 steps/min, or without
/// cadence median raw speed < 1.8 m/s) · **slowed** (`slowdown_pct` ≥
/// `threshold_pct`) · **kept_pace**.
pub fn classify(obs: &Observation, threshold_pct: f64, opts: &ResponseOptions) -> Response {
    let Some(slowdown_pct) = obs.slowdown_pct.filter(|_| obs.has_data()) else {
        return Response::Unknown;
    };
    let median_speed = obs.response_median_speed_mps;
    if obs.response_paused_fraction >= opts.stopped_paused_fraction
        || median_speed.is_some_and(|v| v < opts.stopped_speed_mps)
    {
        return Response::Stopped;
    }
    let walked = match obs.response_median_cadence_spm {
        Some(c) => c < opts.walk_cadence_spm,
        None => median_speed.is_some_and(|v| v < opts.walk_speed_mps),
    };
    if walked {
        Response::Walked
    } else if slowdown_pct >= threshold_pct {
        Response::Slowed
    } else {
        Response::KeptPace
    }
}

/// How the personal threshold T is set (DESIGN.md §3).
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdOptions {
    /// Percentile of the placebo slowdowns. 95.
    pub percentile: f64,
    /// T is never below this (percent). 10.
    pub floor_pct: f64,
    /// T is never above this (percent). 30.
    pub cap_pct: f64,
    /// `--threshold PCT`: use this T as given.
    pub fixed_pct: Option<f64>,
}

impl Default for ThresholdOptions {
    fn default() -> Self {
        ThresholdOptions {
            percentile: 95.0,
            floor_pct: 10.0,
            cap_pct: 30.0,
            fixed_pct: None,
        }
    }
}

impl ThresholdOptions {
    /// These options as (name, value) rows of a report's settings table.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "threshold T fixed (--threshold)",
                self.fixed_pct
                    .map_or("no (the runner's own)".to_string(), |x| format!("{x} %")),
            ),
            (
                "threshold T percentile of placebo slowdowns",
                self.percentile.to_string(),
            ),
            (
                "threshold T floor / cap",
                format!("{} % / {} %", self.floor_pct, self.cap_pct),
            ),
        ]
    }
}

/// The runner's own threshold T in percent: max(floor, p-th percentile of
/// the slowdowns at placebo moments), capped — by default max(10 %, p95)
/// capped at 30 %. Non-finite values are ignored; with no placebo value the
/// floor is returned. `fixed_pct` overrides everything.
pub fn personal_threshold(placebo_slowdowns_pct: &[f64], opts: &ThresholdOptions) -> f64 {
    if let Some(t) = opts.fixed_pct {
        return t;
    }
    let mut v: Vec<f64> = placebo_slowdowns_pct
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    v.sort_unstable_by(f64::total_cmp);
    match percentile_sorted(&v, opts.percentile) {
        Some(p) => p.max(opts.floor_pct).min(opts.cap_pct),
        None => opts.floor_pct,
    }
}

/// The `p`-th percentile (0–100) of sorted values by linear interpolation
/// between order statistics: Hyndman & Fan (1996, Am Stat 50:361–365)
/// definition 7, the default of R's `quantile` and of `numpy.percentile`.
/// With h = (n − 1)·p/100: x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋+1₎ − x₍⌊h⌋₎).
/// `None` for an empty slice.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * (p / 100.0).clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// The placebo check: percent of the classifiable placebo moments (those
/// not `unknown`) that classify as slowed at threshold T — should sit near
/// 5 % when T is the 95th percentile. `None` when no moment is classifiable.
pub fn placebo_slowed_pct(
    placebo: &[Observation],
    threshold_pct: f64,
    opts: &ResponseOptions,
) -> Option<f64> {
    let (mut known, mut slowed) = (0usize, 0usize);
    for o in placebo {
        match classify(o, threshold_pct, opts) {
            Response::Unknown => {}
            Response::Slowed => {
                known += 1;
                slowed += 1;
            }
            _ => known += 1,
        }
    }
    (known > 0).then(|| 100.0 * slowed as f64 / known as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::{PlaceboOptions, WindowOptions, observe, placebo_moments};
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

    #[test]
    fn personal_threshold_is_p95_floored_at_ten_and_capped_at_thirty() {
        let o = ThresholdOptions::default();
        // numpy 2.4.6, default method "linear" (Hyndman–Fan type 7):
        // >>> np.percentile([-5.2,3.1,0.4,12.7,-1.9,7.3,2.2,18.4,-0.6,4.8,9.9,
        // ...   1.5,-3.3,6.1,14.2,0.0,2.9,5.5,11.1,-2.4,8.8,3.7,16.0], 95)
        // 15.819999999999997    (…, 50) → 3.7    (…, 90) → 13.9
        let x = [
            -5.2, 3.1, 0.4, 12.7, -1.9, 7.3, 2.2, 18.4, -0.6, 4.8, 9.9, 1.5, -3.3, 6.1, 14.2, 0.0,
            2.9, 5.5, 11.1, -2.4, 8.8, 3.7, 16.0,
        ];
        assert!((personal_threshold(&x, &o) - 15.82).abs() < 1e-9);
        let mut s = x.to_vec();
        s.sort_by(f64::total_cmp);
        assert!((percentile_sorted(&s, 50.0).expect("n > 0") - 3.7).abs() < 1e-12);
        assert!((percentile_sorted(&s, 90.0).expect("n > 0") - 13.9).abs() < 1e-9);
        // >>> np.percentile([1.0,-2.0,3.5,0.5,4.0,-1.0,2.0,6.5], 95) → 5.625: floored to 10.
        let y = [1.0, -2.0, 3.5, 0.5, 4.0, -1.0, 2.0, 6.5];
        let mut ys = y.to_vec();
        ys.sort_by(f64::total_cmp);
        assert!((percentile_sorted(&ys, 95.0).expect("n > 0") - 5.625).abs() < 1e-9);
        assert_eq!(personal_threshold(&y, &o), 10.0);
        // >>> np.percentile([10,25,40,35,5,60,12,33,28,45], 95) → 53.25: capped at 30.
        let z = [10.0, 25.0, 40.0, 35.0, 5.0, 60.0, 12.0, 33.0, 28.0, 45.0];
        let mut zs = z.to_vec();
        zs.sort_by(f64::total_cmp);
        assert!((percentile_sorted(&zs, 95.0).expect("n > 0") - 53.25).abs() < 1e-9);
        assert_eq!(personal_threshold(&z, &o), 30.0);
        // NaN is ignored; nothing at all gives the floor; --threshold wins.
        assert_eq!(personal_threshold(&[f64::NAN], &o), 10.0);
        let fixed = ThresholdOptions {
            fixed_pct: Some(17.5),
            ..o
        };
        assert_eq!(personal_threshold(&x, &fixed), 17.5);
    }

    #[test]
    fn the_placebo_check_calls_about_five_percent_slowed_at_the_runners_own_threshold() {
        // A run whose pace wanders: every 40 s a new level drawn from a fixed
        // pseudo-random sequence (Weyl sequence of the golden ratio) in
        // 2.8…3.8 m/s, so random moments see slowdowns of all sizes.
        let len = 7200;
        let phi = 0.618_033_988_749_895;
        let run = Run {
            speed_mps: (0..len)
                .map(|t| 2.8 + ((t / 40) as f64 * phi).fract())
                .collect(),
            altitude_m: Some(vec![0.0; len]),
            cadence_spm: Some(vec![170.0; len]),
            device_speed: true,
            positions: true,
            ..Run::default()
        };
        let tl = Timeline::build(&run.build(), &TimelineOptions::default());
        let opts = PlaceboOptions {
            moments: 1000,
            ..PlaceboOptions::default()
        };
        let p = placebo_moments(&tl, &[], &opts, &WindowOptions::default(), 7);
        let slowdowns: Vec<f64> = p.moments.iter().filter_map(|m| m.slowdown_pct).collect();
        let t = personal_threshold(&slowdowns, &ThresholdOptions::default());
        assert!(t > 10.0 && t < 30.0, "T = {t}");
        let share = placebo_slowed_pct(&p.moments, t, &ResponseOptions::default())
            .expect("moments are classifiable");
        // By construction of the 95th percentile: 5 % or just above
        // (ties at T count as slowed).
        assert!((4.0..=7.0).contains(&share), "{share} %");
    }
}
