//! The runner's body, second by second: how fast they go on the hills they
//! meet, how their heart rate and cadence follow, when cramps strike and what
//! they do about them. Produces the true track the sensors then measure.
//!
//! This is deliberately independent of cramplab's analysis: the cost-of-running
//! curve below is implemented here from the paper, not shared.

use serde::Serialize;

use super::course::Course;
use super::cramps::{self, CrampParams, CrampPlan, Response};
use super::random::{SimRng, ar1_step, chance, normal, uniform};

/// Energy cost of running on a slope in J per kg per metre of horizontal
/// distance, as a function of the grade `i` (rise over run): the fifth-order
/// polynomial fitted by Minetti AE, Moia C, Roi GS, Susta D, Ferretti G
/// (2002) "Energy cost of walking and running at extreme uphill and downhill
/// slopes", J Appl Physiol 93:1039–1046, for running:
/// C_r(i) = 155.4 i⁵ − 30.4 i⁴ − 43.3 i³ + 46.3 i² + 19.5 i + 3.6,
/// measured for −0.45 ≤ i ≤ 0.45 (clamped to that range here).
pub fn minetti_cost_j_per_kg_m(grade: f64) -> f64 {
    let i = grade.clamp(-0.45, 0.45);
    // Horner form of the polynomial above.
    ((((155.4 * i - 30.4) * i - 43.3) * i + 46.3) * i + 19.5) * i + 3.6
}

/// Raw speed that costs as much per second as `effort_mps` on the flat:
/// equal metabolic power, P = C_r(i)·v, so v = effort · C_r(0)/C_r(i).
pub fn raw_speed_for_effort(effort_mps: f64, grade: f64) -> f64 {
    effort_mps * minetti_cost_j_per_kg_m(0.0) / minetti_cost_j_per_kg_m(grade)
}

/// Grade-adjusted speed (flat-equivalent effort) of a raw speed on `grade`.
pub fn effort_of_raw_speed(raw_mps: f64, grade: f64) -> f64 {
    raw_mps * minetti_cost_j_per_kg_m(grade) / minetti_cost_j_per_kg_m(0.0)
}

/// How the runner moves and tires.
#[derive(Debug, Clone, Serialize)]
pub struct RunnerParams {
    /// Slowest base effort (grade-adjusted pace) of a run, m/s.
    pub base_pace_min_mps: f64,
    /// Fastest base effort of a run, m/s.
    pub base_pace_max_mps: f64,
    /// The runner's usual effort, m/s: cramps are likelier above it.
    pub usual_pace_mps: f64,
    /// Shortest planned run, s.
    pub duration_min_s: f64,
    /// Longest planned run, s.
    pub duration_max_s: f64,
    /// Slow wander of effort: SD as a fraction of base pace (AR(1)).
    pub wander_sd_frac: f64,
    /// Correlation time of the wander, s.
    pub wander_corr_s: f64,
    /// Largest late-run fade (fraction of effort lost by the end).
    pub fade_max_frac: f64,
    /// The fade starts at this fraction of the planned run.
    pub fade_start_frac: f64,
    /// Fastest speed-up, m/s².
    pub accel_mps2: f64,
    /// Fastest slow-down, m/s².
    pub decel_mps2: f64,
    /// Downhill, raw speed is capped at this multiple of the effort (a
    /// runner does not double their speed on a steep technical descent).
    pub max_downhill_speed_ratio: f64,
    /// Non-cramp stops (traffic lights, a drink) per hour.
    pub stops_per_hour: f64,
    /// Shortest non-cramp stop, s.
    pub stop_min_s: f64,
    /// Longest non-cramp stop, s.
    pub stop_max_s: f64,
    /// After a stopped cramp the runner jogs this much slower while recovering.
    pub post_stop_jog_frac: f64,
    /// The runner keeps going at least this long after the last cramp's
    /// recovery before stopping the watch, s.
    pub finish_after_cramp_s: f64,
}

impl Default for RunnerParams {
    fn default() -> Self {
        RunnerParams {
            base_pace_min_mps: 2.5,
            base_pace_max_mps: 4.0,
            usual_pace_mps: 3.25,
            duration_min_s: 35.0 * 60.0,
            duration_max_s: 95.0 * 60.0,
            wander_sd_frac: 0.03,
            wander_corr_s: 60.0,
            fade_max_frac: 0.10,
            fade_start_frac: 0.5,
            accel_mps2: 0.5,
            decel_mps2: 1.5,
            max_downhill_speed_ratio: 1.6,
            stops_per_hour: 0.5,
            stop_min_s: 8.0,
            stop_max_s: 45.0,
            post_stop_jog_frac: 0.25,
            finish_after_cramp_s: 120.0,
        }
    }
}

/// How heart rate follows effort.
#[derive(Debug, Clone, Serialize)]
pub struct HeartParams {
    /// Steady-state heart rate at zero effort (intercept), range, bpm.
    pub intercept_min_bpm: f64,
    /// See [`HeartParams::intercept_min_bpm`].
    pub intercept_max_bpm: f64,
    /// Steady-state rise per m/s of grade-adjusted speed (the slope of the
    /// linear HR–speed relation in trained runners, roughly 20–28 bpm per
    /// m/s: e.g. Vesterinen et al. 2016, Int J Sports Physiol Perform).
    pub bpm_per_mps: f64,
    /// Median first-order time constant of HR after a change of effort, s
    /// (HR on-kinetics τ ≈ 30–90 s in moderate exercise).
    pub tau_median_s: f64,
    /// SD of log τ between runs.
    pub tau_log_sd: f64,
    /// Shortest τ, s.
    pub tau_min_s: f64,
    /// Longest τ, s.
    pub tau_max_s: f64,
    /// Cardiac drift begins after this many seconds.
    pub drift_onset_s: f64,
    /// Drift rate range, bpm per minute.
    pub drift_min_bpm_per_min: f64,
    /// See [`HeartParams::drift_min_bpm_per_min`].
    pub drift_max_bpm_per_min: f64,
    /// Heart rate when the watch starts, range, bpm.
    pub start_min_bpm: f64,
    /// See [`HeartParams::start_min_bpm`].
    pub start_max_bpm: f64,
}

impl Default for HeartParams {
    fn default() -> Self {
        HeartParams {
            intercept_min_bpm: 70.0,
            intercept_max_bpm: 85.0,
            bpm_per_mps: 24.0,
            tau_median_s: 55.0,
            tau_log_sd: 0.3,
            tau_min_s: 20.0,
            tau_max_s: 120.0,
            drift_onset_s: 600.0,
            drift_min_bpm_per_min: 0.05,
            drift_max_bpm_per_min: 0.25,
            start_min_bpm: 80.0,
            start_max_bpm: 95.0,
        }
    }
}

/// How cadence follows speed (steps per minute; files store half of it).
#[derive(Debug, Clone, Serialize)]
pub struct CadenceParams {
    /// Running cadence at [`CadenceParams::ref_speed_mps`], range, steps/min.
    pub base_min_spm: f64,
    /// See [`CadenceParams::base_min_spm`].
    pub base_max_spm: f64,
    /// Reference speed for the base cadence, m/s.
    pub ref_speed_mps: f64,
    /// Cadence rise per m/s (runners lengthen stride more than they
    /// quicken it: roughly 5–10 steps/min per m/s, Cavanagh & Kram 1989).
    pub spm_per_mps: f64,
    /// Lowest running cadence, steps/min.
    pub run_min_spm: f64,
    /// Highest running cadence, steps/min.
    pub run_max_spm: f64,
    /// Walking cadence at 1.4 m/s, steps/min.
    pub walk_spm: f64,
    /// Walking cadence rise per m/s.
    pub walk_spm_per_mps: f64,
    /// Step-to-step noise, steps/min.
    pub noise_sd_spm: f64,
}

impl Default for CadenceParams {
    fn default() -> Self {
        CadenceParams {
            base_min_spm: 160.0,
            base_max_spm: 175.0,
            ref_speed_mps: 3.0,
            spm_per_mps: 8.0,
            run_min_spm: 150.0,
            run_max_spm: 190.0,
            walk_spm: 112.0,
            walk_spm_per_mps: 20.0,
            noise_sd_spm: 1.5,
        }
    }
}

/// Everything the runner model needs, borrowed from the full parameters.
#[derive(Debug, Clone, Copy)]
pub struct Model<'a> {
    /// Runner.
    pub runner: &'a RunnerParams,
    /// Heart.
    pub heart: &'a HeartParams,
    /// Cadence.
    pub cadence: &'a CadenceParams,
    /// Cramps.
    pub cramps: &'a CrampParams,
    /// Planted duration multiplier for slowed cramps.
    pub effect_ratio: f64,
    /// Severity confounds response and duration.
    pub confound: bool,
}

/// One run's draws: what kind of day the runner has.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDraw {
    /// Planned duration, s.
    pub planned_s: f64,
    /// Base effort (grade-adjusted pace), m/s.
    pub base_pace_mps: f64,
    /// Fraction of effort lost by the end.
    pub fade_frac: f64,
    /// Wander SD (fraction of base pace).
    pub wander_sd_frac: f64,
    /// HR intercept, bpm.
    pub hr_intercept_bpm: f64,
    /// HR time constant, s.
    pub hr_tau_s: f64,
    /// HR drift, bpm per minute after the drift onset.
    pub hr_drift_bpm_per_min: f64,
    /// HR when the watch starts, bpm.
    pub hr_start_bpm: f64,
    /// Running cadence at the reference speed, steps/min.
    pub cadence_base_spm: f64,
    /// Non-cramp stops: (start s, length s).
    pub stops: Vec<(f64, f64)>,
    /// Planned changes of effort (an interval session): from time s on,
    /// effort is multiplied by the factor. Empty in simulated histories;
    /// tests use it to step the pace.
    pub pace_changes: Vec<(f64, f64)>,
    /// Whether cramps may strike.
    pub cramps_enabled: bool,
}

impl RunDraw {
    /// Draw a run's characteristics.
    pub fn draw(rng: &mut SimRng, m: &Model) -> RunDraw {
        let r = m.runner;
        let h = m.heart;
        let planned_s = uniform(rng, r.duration_min_s, r.duration_max_s).round();
        let base_pace_mps = uniform(rng, r.base_pace_min_mps, r.base_pace_max_mps);
        let fade_frac = uniform(rng, 0.0, r.fade_max_frac);
        let hr_tau_s =
            (h.tau_median_s * (h.tau_log_sd * normal(rng)).exp()).clamp(h.tau_min_s, h.tau_max_s);
        let mut stops = Vec::new();
        let mut t = 0.0;
        loop {
            // Poisson process: exponential gaps.
            let u: f64 = uniform(rng, 1e-12, 1.0);
            t += -u.ln() * 3600.0 / r.stops_per_hour.max(1e-9);
            if t > planned_s - 120.0 {
                break;
            }
            if t > 90.0 {
                stops.push((t.round(), uniform(rng, r.stop_min_s, r.stop_max_s).round()));
            }
        }
        RunDraw {
            planned_s,
            base_pace_mps,
            fade_frac,
            wander_sd_frac: r.wander_sd_frac,
            hr_intercept_bpm: uniform(rng, h.intercept_min_bpm, h.intercept_max_bpm),
            hr_tau_s,
            hr_drift_bpm_per_min: uniform(rng, h.drift_min_bpm_per_min, h.drift_max_bpm_per_min),
            hr_start_bpm: uniform(rng, h.start_min_bpm, h.start_max_bpm),
            cadence_base_spm: uniform(rng, m.cadence.base_min_spm, m.cadence.base_max_spm),
            stops,
            pace_changes: Vec::new(),
            cramps_enabled: true,
        }
    }
}

/// A cramp as it happened in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct CrampEvent {
    /// Onset, whole seconds since the run's start.
    pub onset_s: u32,
    /// The drawn cramp (its duration is the truth).
    pub plan: CrampPlan,
    /// Effort relative to the usual pace when it struck.
    pub effort_rel: f64,
}

impl CrampEvent {
    /// True end, whole seconds since the run's start (duration rounded).
    pub fn end_s(&self) -> u32 {
        self.onset_s + self.plan.duration_s.round().max(1.0) as u32
    }

    /// When the runner is back to normal, s.
    fn back_to_normal_s(&self) -> f64 {
        self.end_s() as f64 + self.plan.recovery_s
    }
}

/// The true state of the runner, one entry per second from 0 to the end.
#[derive(Debug, Clone, Default)]
pub struct TrueTrack {
    /// Distance along the course, m.
    pub distance_m: Vec<f64>,
    /// Raw speed, m/s.
    pub speed_mps: Vec<f64>,
    /// Grade under the runner's feet.
    pub grade: Vec<f64>,
    /// Grade-adjusted speed by [`minetti_cost_j_per_kg_m`], m/s.
    pub effort_mps: Vec<f64>,
    /// True heart rate, bpm.
    pub hr_bpm: Vec<f64>,
    /// True cadence, steps/min (0 when standing).
    pub cadence_spm: Vec<f64>,
    /// Cramps in order of onset.
    pub cramps: Vec<CrampEvent>,
}

impl TrueTrack {
    /// Last second of the run.
    pub fn end_s(&self) -> u32 {
        self.speed_mps.len().saturating_sub(1) as u32
    }
}

/// What the runner is doing in a given second.
enum Mode {
    Run(f64),
    Walk(f64),
    Stand,
}

/// Simulate a run on `course` second by second.
pub fn simulate(rng: &mut SimRng, m: &Model, d: &RunDraw, course: &Course) -> TrueTrack {
    let r = m.runner;
    let h = m.heart;
    let c = m.cadence;
    let cp: &CrampParams = m.cramps;
    let mut track = TrueTrack::default();
    let mut v = 0.0f64;
    let mut dist = 0.0f64;
    let mut hr = d.hr_start_bpm;
    let mut wander = ar1_step(rng, 0.0, d.wander_sd_frac, r.wander_corr_s, 1e6);
    let mut end_s = d.planned_s;
    let mut active: Option<CrampEvent> = None;
    let mut next_onset_allowed = 0.0f64;
    let mut stop_until = -1.0f64;
    let mut next_stop = 0usize;
    let hr_keep = (-1.0 / d.hr_tau_s).exp();
    let mut t = 0u32;
    loop {
        let ts = t as f64;
        let grade = course.grade_at(dist);
        // Intended effort: base × wander × late fade × planned changes.
        let fade_x =
            ((ts / d.planned_s - r.fade_start_frac) / (1.0 - r.fade_start_frac)).clamp(0.0, 1.0);
        let change = d
            .pace_changes
            .iter()
            .filter(|(at, _)| ts >= *at)
            .map(|(_, f)| *f)
            .next_back()
            .unwrap_or(1.0);
        let effort = d.base_pace_mps * (1.0 + wander) * (1.0 - d.fade_frac * fade_x) * change;

        // Non-cramp stops happen only when no cramp is going on.
        if next_stop < d.stops.len() && ts >= d.stops[next_stop].0 {
            if active.is_none() && ts < end_s - 60.0 {
                stop_until = ts + d.stops[next_stop].1;
            }
            next_stop += 1;
        }
        let stopped_for_other = ts < stop_until;

        // A cramp may strike while running, not too soon after the last.
        if d.cramps_enabled
            && active.is_none()
            && !stopped_for_other
            && v > 1.0
            && ts >= next_onset_allowed
            && ts < d.planned_s - cp.quiet_after_s
        {
            let rel = effort / r.usual_pace_mps;
            if chance(rng, cramps::hazard_per_s(cp, ts, d.planned_s, rel)) {
                let plan = cramps::plan_cramp(rng, cp, m.effect_ratio, m.confound);
                let ev = CrampEvent {
                    onset_s: t,
                    plan,
                    effort_rel: rel,
                };
                end_s = end_s.max(ev.back_to_normal_s() + r.finish_after_cramp_s);
                active = Some(ev);
            }
        }

        let mode = match &active {
            Some(ev) if ts >= ev.onset_s as f64 + ev.plan.delay_s => {
                let p = &ev.plan;
                let over = ts >= ev.end_s() as f64;
                match p.response {
                    Response::KeptPace if !over => Mode::Run(effort * (1.0 - p.slowdown_frac)),
                    Response::KeptPace => Mode::Run(effort),
                    Response::Slowed => Mode::Run(effort * (1.0 - p.slowdown_frac)),
                    Response::Walked => Mode::Walk(p.walk_mps),
                    Response::Stopped if !over => Mode::Stand,
                    Response::Stopped => Mode::Run(effort * (1.0 - r.post_stop_jog_frac)),
                }
            }
            _ if stopped_for_other => Mode::Stand,
            _ => Mode::Run(effort),
        };
        let desired = match mode {
            Mode::Run(e) => raw_speed_for_effort(e, grade).min(e * r.max_downhill_speed_ratio),
            Mode::Walk(w) => w,
            Mode::Stand => 0.0,
        };

        // Speed follows the intended speed within the body's acceleration
        // limits (the standing start stays at 0 for its first second).
        if t > 0 {
            v = (v + (desired - v).clamp(-r.decel_mps2, r.accel_mps2)).max(0.0);
        }

        // Record this second's state.
        let eff_now = effort_of_raw_speed(v, grade);
        let cadence = if v < 0.3 {
            0.0
        } else if matches!(mode, Mode::Walk(_)) {
            c.walk_spm + c.walk_spm_per_mps * (v - 1.4) + c.noise_sd_spm * normal(rng)
        } else {
            (d.cadence_base_spm + c.spm_per_mps * (v - c.ref_speed_mps))
                .clamp(c.run_min_spm, c.run_max_spm)
                + c.noise_sd_spm * normal(rng)
        };
        track.distance_m.push(dist);
        track.speed_mps.push(v);
        track.grade.push(grade);
        track.effort_mps.push(eff_now);
        track.hr_bpm.push(hr);
        track.cadence_spm.push(cadence.max(0.0));

        if ts >= end_s {
            break;
        }

        // Advance one second.
        dist += v;
        let drift = (ts - h.drift_onset_s).max(0.0) / 60.0 * d.hr_drift_bpm_per_min;
        let hr_ss = d.hr_intercept_bpm + h.bpm_per_mps * eff_now + drift;
        hr = hr_ss + (hr - hr_ss) * hr_keep;
        wander = ar1_step(rng, wander, d.wander_sd_frac, r.wander_corr_s, 1.0);
        if let Some(ev) = &active
            && ts + 1.0 >= ev.back_to_normal_s()
        {
            next_onset_allowed = ev.back_to_normal_s() + cp.quiet_after_s;
            track.cramps.push(ev.clone());
            active = None;
        }
        t += 1;
    }
    if let Some(ev) = active {
        track.cramps.push(ev);
    }
    track
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::random::sub_rng;

    fn params() -> (RunnerParams, HeartParams, CadenceParams, CrampParams) {
        (
            RunnerParams::default(),
            HeartParams::default(),
            CadenceParams::default(),
            CrampParams::default(),
        )
    }

    fn quiet_draw(planned_s: f64, base: f64, tau: f64) -> RunDraw {
        RunDraw {
            planned_s,
            base_pace_mps: base,
            fade_frac: 0.0,
            wander_sd_frac: 0.0,
            hr_intercept_bpm: 75.0,
            hr_tau_s: tau,
            hr_drift_bpm_per_min: 0.0,
            hr_start_bpm: 90.0,
            cadence_base_spm: 168.0,
            stops: Vec::new(),
            pace_changes: Vec::new(),
            cramps_enabled: false,
        }
    }

    #[test]
    fn minetti_curve_matches_the_papers_published_values() {
        // The published polynomial gives 3.6 J/kg/m on the flat and, by hand,
        // 155.4·0.1⁵ − 30.4·0.1⁴ − 43.3·0.1³ + 46.3·0.1² + 1.95 + 3.6
        // = 0.001554 − 0.00304 − 0.0433 + 0.463 + 1.95 + 3.6 = 5.968214 at +10 %.
        assert!((minetti_cost_j_per_kg_m(0.0) - 3.6).abs() < 1e-12);
        assert!((minetti_cost_j_per_kg_m(0.1) - 5.968214).abs() < 1e-9);
        // At −10 %: −0.001554 − 0.00304 + 0.0433 + 0.463 − 1.95 + 3.6 = 2.151706.
        assert!((minetti_cost_j_per_kg_m(-0.1) - 2.151706).abs() < 1e-9);
    }

    #[test]
    fn heart_rate_follows_a_pace_step_with_the_configured_time_constant() {
        let (r, h, c, cp) = params();
        let m = Model {
            runner: &r,
            heart: &h,
            cadence: &c,
            cramps: &cp,
            effect_ratio: 1.0,
            confound: false,
        };
        let course = Course::from_grade_fn(20_000.0, 5.0, |_| 0.0);
        for tau in [30.0, 55.0, 100.0] {
            let mut d = quiet_draw(1800.0, 3.0, tau);
            d.pace_changes = vec![(900.0, 1.2)]; // 3.0 → 3.6 m/s at 900 s
            let mut rng = sub_rng(1, 2);
            let tr = simulate(&mut rng, &m, &d, &course);
            // New steady state: intercept + 24 × 3.6 = 75 + 86.4 = 161.4 bpm.
            let hr_inf = 75.0 + 24.0 * 3.6;
            // Least-squares slope of ln(HR∞ − HR) against time after the
            // speed has settled (the step takes 2 s at 0.5 m/s²).
            let pts: Vec<(f64, f64)> = (905..(905 + (2.5 * tau) as usize))
                .map(|t| (t as f64, (hr_inf - tr.hr_bpm[t]).ln()))
                .collect();
            let n = pts.len() as f64;
            let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
            let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
            let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
            let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
            let fitted_tau = -sxx / sxy;
            // Discrete update HR' = HR∞ + (HR − HR∞)·e^(−1/τ) decays with τ exactly.
            assert!(
                (fitted_tau / tau - 1.0).abs() < 0.02,
                "τ {tau}: fitted {fitted_tau}"
            );
        }
    }

    #[test]
    fn constant_effort_on_hills_keeps_grade_adjusted_speed_constant() {
        let (r, h, c, cp) = params();
        let m = Model {
            runner: &r,
            heart: &h,
            cadence: &c,
            cramps: &cp,
            effect_ratio: 1.0,
            confound: false,
        };
        // Rolling road: ±8 % sine with a 600 m wavelength.
        let course = Course::from_grade_fn(20_000.0, 5.0, |x| {
            0.08 * (x / 600.0 * std::f64::consts::TAU).sin()
        });
        let d = quiet_draw(2400.0, 3.2, 55.0);
        let mut rng = sub_rng(3, 2);
        let tr = simulate(&mut rng, &m, &d, &course);
        let eff = &tr.effort_mps[60..2300];
        let raw = &tr.speed_mps[60..2300];
        let cv = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt() / mean
        };
        // Raw speed swings with the hills (Minetti: 3.6/2.36 = 1.53× at −8 %,
        // 3.6/5.36 = 0.67× at +8 %); the grade-adjusted speed barely moves.
        assert!(cv(raw) > 0.15, "raw speed CV {}", cv(raw));
        assert!(cv(eff) < 0.01, "effort CV {}", cv(eff));
        let mean_eff = eff.iter().sum::<f64>() / eff.len() as f64;
        assert!((mean_eff - 3.2).abs() < 0.02, "mean effort {mean_eff}");
    }

    #[test]
    fn a_slowed_cramp_lowers_speed_after_its_delay_and_until_after_its_end() {
        let (r, h, c, cp) = params();
        let m = Model {
            runner: &r,
            heart: &h,
            cadence: &c,
            cramps: &cp,
            effect_ratio: 1.0,
            confound: false,
        };
        let course = Course::from_grade_fn(20_000.0, 5.0, |_| 0.0);
        // Simulate many quiet runs with cramps until one is slowed.
        let mut found = false;
        for seed in 0..200 {
            let mut d = quiet_draw(3600.0, 3.2, 55.0);
            d.cramps_enabled = true;
            let mut rng = sub_rng(seed, 2);
            let tr = simulate(&mut rng, &m, &d, &course);
            let Some(ev) = tr
                .cramps
                .iter()
                .find(|e| e.plan.response == Response::Slowed)
            else {
                continue;
            };
            let on = ev.onset_s as usize;
            let arrive = on + ev.plan.delay_s.ceil() as usize + 2;
            let expect = 3.2 * (1.0 - ev.plan.slowdown_frac);
            assert!((tr.speed_mps[on - 1] - 3.2).abs() < 0.01);
            assert!((tr.speed_mps[arrive] - expect).abs() < 0.01);
            let end = ev.end_s() as usize;
            assert!(
                (tr.speed_mps[end] - expect).abs() < 0.01,
                "still slow at the end"
            );
            found = true;
            break;
        }
        assert!(found);
    }
}
