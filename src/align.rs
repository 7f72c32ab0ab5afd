//! The windows around a cramp: what the runner's pace and heart rate did
//! before and after the tagged onset, measured on the 1 Hz [`Timeline`]
//! (docs/METHOD.md §3, rows *baseline window*, *response window*, *slowdown*,
//! *HR features*, *threshold T*). The same measurement is taken at random
//! non-cramp moments ([`placebo_moments`]) so each runner's ordinary pace
//! wobble sets their own threshold for "slowed", and the seconds around each
//! onset are listed for the `cramp_windows` table ([`window_samples`], §4).
//!
//! Windows are given in seconds relative to the onset and include both ends:
//! the baseline −120…−15 s covers the grid seconds `t` with
//! `onset − 120 ≤ t ≤ onset − 15`.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::analysis::stats::median_mut;
use crate::timeline::Timeline;

/// A window relative to a cramp onset, in seconds, both ends included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelWindow {
    /// First second relative to the onset (negative: before it).
    pub from_s: f64,
    /// Last second relative to the onset.
    pub to_s: f64,
}

impl RelWindow {
    /// A window from `from_s` to `to_s` seconds after the onset.
    pub const fn new(from_s: f64, to_s: f64) -> Self {
        RelWindow { from_s, to_s }
    }

    /// Grid seconds of this window around `onset_s`: the nominal count
    /// (inside the recording or not) and the part inside `0..len`.
    fn span(&self, onset_s: f64, len: usize) -> (usize, std::ops::Range<usize>) {
        let lo = (onset_s + self.from_s).ceil();
        let hi = (onset_s + self.to_s).floor();
        if !(lo.is_finite() && hi.is_finite()) || hi < lo {
            return (0, 0..0);
        }
        let nominal = (hi - lo) as usize + 1;
        let a = lo.max(0.0);
        let b = (hi + 1.0).min(len as f64);
        if b <= a {
            return (nominal, 0..0);
        }
        (nominal, a as usize..b as usize)
    }
}

/// `FROM:TO` in seconds, as `--baseline-window` takes it: `-120:-15`.
impl std::fmt::Display for RelWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.from_s, self.to_s)
    }
}

/// Reads what [`Display`](std::fmt::Display) writes: `FROM:TO` in seconds,
/// ending after it begins.
impl std::str::FromStr for RelWindow {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s
            .split_once(':')
            .ok_or("write the window as FROM:TO in seconds, e.g. -120:-15")?;
        let from_s: f64 = a
            .trim()
            .parse()
            .map_err(|_| format!("{a:?} is not a number of seconds"))?;
        let to_s: f64 = b
            .trim()
            .parse()
            .map_err(|_| format!("{b:?} is not a number of seconds"))?;
        if to_s <= from_s {
            return Err(format!("the window {s} ends before it begins"));
        }
        Ok(RelWindow { from_s, to_s })
    }
}

/// A window as the settings table shows it: "-120 s to -15 s" with signs.
fn window_setting(w: &RelWindow) -> String {
    format!("{:+} s to {:+} s", w.from_s, w.to_s)
}

/// How the windows around a cramp are measured. Defaults follow docs/METHOD.md
/// §3; each field becomes a command-line flag.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowOptions {
    /// Baseline pace: mean GAP over moving seconds. −120…−15 s.
    pub baseline: RelWindow,
    /// Moving seconds (not paused, speed known) the baseline needs, else
    /// it is unknown. 60.
    pub baseline_min_moving_s: usize,
    /// Response pace: mean GAP with paused seconds counting as 0. +3…+18 s.
    pub response: RelWindow,
    /// Share of the response window's seconds that must have a value
    /// (paused seconds count as present, at speed 0), else the response is
    /// unknown. 0.75, i.e. 12 of the 16 seconds: short dropouts are already
    /// interpolated by the timeline, so a missing second here is part of a
    /// gap over 10 s, and a mean of fewer than three quarters of the window
    /// would describe a different moment. The same share applies to seconds
    /// past either end of the recording.
    pub response_min_present: f64,
    /// Share of a window's moving seconds that must have a cadence for its
    /// median to count: in the response window it decides "walked" (with
    /// less, the speed rule decides), in the baseline window "not running
    /// before the onset" (with less, the baseline GAP alone decides). 0.5.
    pub cadence_min_present: f64,
    /// Heart rate before the cramp. −120…−15 s.
    pub hr_baseline: RelWindow,
    /// Heart rate at onset. −30…0 s.
    pub hr_onset: RelWindow,
    /// Heart rate after HR's ~60 s lag behind a change of pace. +60…+120 s.
    pub hr_response: RelWindow,
    /// Share of an HR window's seconds that must have a heart rate. 0.5.
    pub hr_min_present: f64,
    /// Heart-rate change per m/s of GAP, to predict the HR drop a slowdown
    /// should cause: 24 bpm per m/s. An assumption, not a measurement: it
    /// is the slope cramplab's simulator uses (HR rises roughly linearly
    /// with submaximal running speed; the slope varies between runners).
    pub hr_bpm_per_gap_mps: f64,
    /// Cadence lock: |HR − cadence| at most this many (bpm vs steps/min). 3.
    pub cadence_lock_tolerance: f64,
    /// Cadence lock: for at least this many consecutive seconds. 30.
    pub cadence_lock_min_s: usize,
    /// Cadence lock: searched within this window. −120…+120 s.
    pub cadence_lock_window: RelWindow,
}

impl Default for WindowOptions {
    fn default() -> Self {
        WindowOptions {
            baseline: RelWindow::new(-120.0, -15.0),
            baseline_min_moving_s: 60,
            response: RelWindow::new(3.0, 18.0),
            response_min_present: 0.75,
            cadence_min_present: 0.5,
            hr_baseline: RelWindow::new(-120.0, -15.0),
            hr_onset: RelWindow::new(-30.0, 0.0),
            hr_response: RelWindow::new(60.0, 120.0),
            hr_min_present: 0.5,
            hr_bpm_per_gap_mps: 24.0,
            cadence_lock_tolerance: 3.0,
            cadence_lock_min_s: 30,
            cadence_lock_window: RelWindow::new(-120.0, 120.0),
        }
    }
}

impl WindowOptions {
    /// The options a report lists, as (name, value) rows of its settings
    /// table.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("baseline window", window_setting(&self.baseline)),
            (
                "baseline needs moving samples",
                self.baseline_min_moving_s.to_string(),
            ),
            ("response window", window_setting(&self.response)),
            (
                "response window needs present share",
                self.response_min_present.to_string(),
            ),
            ("HR baseline window", window_setting(&self.hr_baseline)),
            ("HR onset window", window_setting(&self.hr_onset)),
            ("HR response window", window_setting(&self.hr_response)),
        ]
    }
}

/// What the timeline shows around one moment (a cramp onset or a placebo
/// moment). Unknown values are `None`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Observation {
    /// The moment, in elapsed seconds since the activity's start.
    pub onset_s: f64,
    /// Mean GAP over the baseline window's moving seconds (m/s); `None`
    /// with fewer than `baseline_min_moving_s` of them.
    pub baseline_gap_mps: Option<f64>,
    /// Mean raw speed over the same seconds (m/s).
    pub baseline_speed_mps: Option<f64>,
    /// Moving seconds in the baseline window.
    pub baseline_moving_s: usize,
    /// Median cadence over the baseline window's moving seconds
    /// (steps/min); `None` when fewer than `cadence_min_present` of them
    /// have one. With the baseline GAP it tells whether the runner was
    /// running before the onset ([`crate::analysis::response::running_baseline`]).
    pub baseline_median_cadence_spm: Option<f64>,
    /// Mean GAP over the response window, paused seconds as 0 (m/s);
    /// `None` when too little of the window has data.
    pub response_gap_mps: Option<f64>,
    /// Mean raw speed over the response window, paused seconds as 0 (m/s).
    pub response_speed_mps: Option<f64>,
    /// Share of the response window's nominal seconds with a value.
    pub response_present: f64,
    /// 100·(1 − response GAP / baseline GAP): percent, negative when the
    /// runner sped up. `None` when either is unknown or the baseline is 0.
    pub slowdown_pct: Option<f64>,
    /// Share of the response window's nominal seconds that were paused.
    pub response_paused_fraction: f64,
    /// Median raw speed over the response window's present seconds,
    /// paused as 0 (m/s).
    pub response_median_speed_mps: Option<f64>,
    /// Median cadence over the response window's moving seconds (steps/min);
    /// `None` when fewer than `cadence_min_present` of them have one.
    pub response_median_cadence_spm: Option<f64>,
    /// Mean heart rate −120…−15 s.
    pub hr_baseline_bpm: Option<f64>,
    /// Mean heart rate −30…0 s.
    pub hr_onset_bpm: Option<f64>,
    /// Mean heart rate +60…+120 s.
    pub hr_response_bpm: Option<f64>,
    /// The heart-rate drop the GAP change predicts:
    /// `hr_bpm_per_gap_mps` · (baseline GAP − response GAP).
    pub hr_drop_predicted_bpm: Option<f64>,
    /// The observed drop from onset to response: `hr_onset_bpm − hr_response_bpm`.
    pub hr_drop_observed_bpm: Option<f64>,
    /// Whether heart rate followed cadence (|HR − steps/min| ≤ 3 for ≥ 30 s
    /// in −120…+120 s): an optical sensor locked onto the arm swing, so the
    /// HR features are not heart rate.
    pub cadence_lock: bool,
}

impl Observation {
    /// Whether both the baseline and the response windows had enough data
    /// (otherwise the response class is `unknown`).
    pub fn has_data(&self) -> bool {
        self.baseline_gap_mps.is_some() && self.response_gap_mps.is_some()
    }
}

/// Measure the windows around `onset_s` (elapsed seconds).
pub fn observe(tl: &Timeline, onset_s: f64, opts: &WindowOptions) -> Observation {
    let mut o = observe_pace(tl, onset_s, opts, &mut Vec::new());
    let hr_mean = |w: &RelWindow| mean_present(&tl.hr_bpm, w, onset_s, opts.hr_min_present);
    o.hr_baseline_bpm = hr_mean(&opts.hr_baseline);
    o.hr_onset_bpm = hr_mean(&opts.hr_onset);
    o.hr_response_bpm = hr_mean(&opts.hr_response);
    o.hr_drop_observed_bpm = match (o.hr_onset_bpm, o.hr_response_bpm) {
        (Some(a), Some(b)) => Some(a - b),
        _ => None,
    };
    o.cadence_lock = cadence_lock(tl, onset_s, opts);
    o
}

/// The pace half of [`observe`] (baseline, response, slowdown, medians and
/// the predicted HR drop), with a reusable buffer for the medians. The
/// heart-rate windows and the cadence-lock scan are left unmeasured
/// (`None`, `false`): the response class does not read them, and skipping
/// them makes a placebo moment about three times cheaper.
fn observe_pace(
    tl: &Timeline,
    onset_s: f64,
    opts: &WindowOptions,
    scratch: &mut Vec<f64>,
) -> Observation {
    let n = tl.len();

    // Baseline: moving seconds only.
    let (_, range) = opts.baseline.span(onset_s, n);
    let (mut sum_gap, mut sum_speed, mut moving) = (0.0, 0.0, 0usize);
    scratch.clear();
    // Zipped slices rather than indices: no bounds check per second (the
    // placebo moments make this the pipeline's hottest loop after decoding).
    let seconds = tl.paused[range.clone()]
        .iter()
        .zip(&tl.speed_mps[range.clone()])
        .zip(&tl.gap_mps[range.clone()])
        .zip(&tl.cadence_spm[range]);
    for (((&p, &speed), &gap), &cadence) in seconds {
        // Moving (`Timeline::is_moving`) with a known GAP.
        if !p && speed.is_finite() && gap.is_finite() {
            sum_gap += gap;
            sum_speed += speed;
            moving += 1;
            if cadence.is_finite() {
                scratch.push(cadence);
            }
        }
    }
    let enough = moving >= opts.baseline_min_moving_s.max(1);
    let baseline_gap_mps = enough.then(|| sum_gap / moving as f64);
    let baseline_speed_mps = enough.then(|| sum_speed / moving as f64);
    let baseline_median_cadence_spm =
        if enough && scratch.len() as f64 >= opts.cadence_min_present * moving as f64 {
            median_mut(scratch)
        } else {
            None
        };

    // Response: paused seconds count as 0.
    let (nominal, range) = opts.response.span(onset_s, n);
    let (mut sum_gap, mut sum_speed, mut present, mut paused) = (0.0, 0.0, 0usize, 0usize);
    let (mut moving_s, mut cadence_n) = (0usize, 0usize);
    scratch.clear();
    let seconds = tl.paused[range.clone()]
        .iter()
        .zip(&tl.speed_mps[range.clone()])
        .zip(&tl.gap_mps[range.clone()]);
    for ((&p, &speed), &gap) in seconds {
        if p {
            paused += 1;
            present += 1;
            scratch.push(0.0);
        } else if gap.is_finite() {
            present += 1;
            moving_s += 1;
            sum_gap += gap;
            sum_speed += speed;
            scratch.push(speed);
        }
    }
    let frac = |k: usize| {
        if nominal == 0 {
            0.0
        } else {
            k as f64 / nominal as f64
        }
    };
    let response_present = frac(present);
    let response_ok = nominal > 0 && present > 0 && response_present >= opts.response_min_present;
    let response_gap_mps = response_ok.then(|| sum_gap / present as f64);
    let response_speed_mps = response_ok.then(|| sum_speed / present as f64);
    let response_median_speed_mps = if present > 0 {
        median_mut(scratch)
    } else {
        None
    };
    scratch.clear();
    let seconds = tl.paused[range.clone()]
        .iter()
        .zip(&tl.gap_mps[range.clone()])
        .zip(&tl.cadence_spm[range]);
    for ((&p, &gap), &cadence) in seconds {
        if !p && gap.is_finite() && cadence.is_finite() {
            scratch.push(cadence);
            cadence_n += 1;
        }
    }
    let response_median_cadence_spm =
        if moving_s > 0 && cadence_n as f64 >= opts.cadence_min_present * moving_s as f64 {
            median_mut(scratch)
        } else {
            None
        };

    let slowdown_pct = match (baseline_gap_mps, response_gap_mps) {
        (Some(b), Some(r)) if b > 0.0 => Some(100.0 * (1.0 - r / b)),
        _ => None,
    };

    let hr_drop_predicted_bpm = match (baseline_gap_mps, response_gap_mps) {
        (Some(b), Some(r)) => Some(opts.hr_bpm_per_gap_mps * (b - r)),
        _ => None,
    };

    Observation {
        onset_s,
        baseline_gap_mps,
        baseline_speed_mps,
        baseline_moving_s: moving,
        baseline_median_cadence_spm,
        response_gap_mps,
        response_speed_mps,
        response_present,
        slowdown_pct,
        response_paused_fraction: frac(paused),
        response_median_speed_mps,
        response_median_cadence_spm,
        hr_baseline_bpm: None,
        hr_onset_bpm: None,
        hr_response_bpm: None,
        hr_drop_predicted_bpm,
        hr_drop_observed_bpm: None,
        cadence_lock: false,
    }
}

/// Mean of the finite values in a window, `None` when fewer than
/// `min_present` of its nominal seconds have one.
fn mean_present(v: &[f64], w: &RelWindow, onset_s: f64, min_present: f64) -> Option<f64> {
    let (nominal, range) = w.span(onset_s, v.len());
    let (mut sum, mut k) = (0.0, 0usize);
    for &x in &v[range] {
        if x.is_finite() {
            sum += x;
            k += 1;
        }
    }
    (k > 0 && k as f64 >= min_present * nominal as f64).then(|| sum / k as f64)
}

/// Whether |HR − cadence| ≤ tolerance for at least `cadence_lock_min_s`
/// consecutive seconds of the lock window.
fn cadence_lock(tl: &Timeline, onset_s: f64, opts: &WindowOptions) -> bool {
    let (_, range) = opts.cadence_lock_window.span(onset_s, tl.len());
    let mut run = 0usize;
    for i in range {
        let (h, c) = (tl.hr_bpm[i], tl.cadence_spm[i]);
        if h.is_finite() && c.is_finite() && (h - c).abs() <= opts.cadence_lock_tolerance {
            run += 1;
            if run >= opts.cadence_lock_min_s {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// One second of the `cramp_windows` table (docs/METHOD.md §4); the caller adds
/// the `cramp_id`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WindowSample {
    /// Seconds since the onset, rounded to the whole second.
    pub t_rel_s: i32,
    /// Cleaned speed in m/s.
    pub speed_mps: Option<f64>,
    /// Grade-adjusted speed in m/s.
    pub gap_mps: Option<f64>,
    /// Heart rate in bpm.
    pub hr_bpm: Option<f64>,
    /// Cadence in steps per minute.
    pub cadence_spm: Option<f64>,
    /// Whether the recording was paused.
    pub paused: bool,
}

/// Default rows of the `cramp_windows` table: −180…+300 s (docs/METHOD.md §4).
pub const CRAMP_WINDOW_TABLE_S: std::ops::RangeInclusive<i32> = -180..=300;

/// The 1 Hz rows around `onset_s` (rounded to the nearest second) for each
/// `t_rel_s` in `t_rel_s`; seconds outside the recording are skipped.
pub fn window_samples(
    tl: &Timeline,
    onset_s: f64,
    t_rel_s: std::ops::RangeInclusive<i32>,
) -> Vec<WindowSample> {
    if !onset_s.is_finite() {
        return Vec::new();
    }
    let onset = onset_s.round() as i64;
    let known = |x: f64| x.is_finite().then_some(x);
    t_rel_s
        .filter_map(|r| {
            let t = onset + i64::from(r);
            let i = usize::try_from(t).ok().filter(|&i| i < tl.len())?;
            Some(WindowSample {
                t_rel_s: r,
                speed_mps: known(tl.speed_mps[i]),
                gap_mps: known(tl.gap_mps[i]),
                hr_bpm: known(tl.hr_bpm[i]),
                cadence_spm: known(tl.cadence_spm[i]),
                paused: tl.paused[i],
            })
        })
        .collect()
}

/// How the random non-cramp moments are drawn (docs/METHOD.md §3, *threshold T*).
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceboOptions {
    /// Moments per run. 200.
    pub moments: usize,
    /// Minimum distance in seconds from any tag and from either end of the
    /// run. 180.
    pub min_gap_s: f64,
}

impl Default for PlaceboOptions {
    fn default() -> Self {
        PlaceboOptions {
            moments: 200,
            min_gap_s: 180.0,
        }
    }
}

impl PlaceboOptions {
    /// These options as (name, value) rows of a report's settings table.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("placebo moments per run", self.moments.to_string()),
            (
                "placebo moments keep away from tags and ends by",
                format!("{} s", self.min_gap_s),
            ),
        ]
    }
}

/// Random non-cramp moments of one run, measured like cramps.
#[derive(Debug, Clone, PartialEq)]
pub struct Placebo {
    /// Every eligible second (elapsed seconds, ascending): moving, at least
    /// `min_gap_s` from each tag and from the run's ends. A caller that
    /// learns of more tags can filter these and call [`draw_placebo`].
    pub candidates_s: Vec<f64>,
    /// The drawn moments, in time order, each measured like a cramp for
    /// pace only: the heart-rate fields are `None` and `cadence_lock` is
    /// false (the threshold and the placebo check read pace alone).
    pub moments: Vec<Observation>,
}

/// Seconds eligible as placebo moments: moving (not paused, speed known),
/// at least `min_gap_s` from every tag onset and from the first and last
/// second of the run. Ascending.
pub fn placebo_candidates(tl: &Timeline, tag_onsets_s: &[f64], min_gap_s: f64) -> Vec<f64> {
    let n = tl.len();
    if n == 0 {
        return Vec::new();
    }
    let mut tags: Vec<f64> = tag_onsets_s
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .collect();
    tags.sort_unstable_by(f64::total_cmp);
    let last = (n - 1) as f64;
    let mut next_tag = 0usize;
    let mut out = Vec::new();
    for i in 0..n {
        let t = i as f64;
        if t < min_gap_s || t > last - min_gap_s || !tl.is_moving(i) {
            continue;
        }
        // Tags more than min_gap_s behind t can never matter again.
        while next_tag < tags.len() && tags[next_tag] <= t - min_gap_s {
            next_tag += 1;
        }
        let near = tags
            .get(next_tag)
            .is_some_and(|&g| (g - t).abs() < min_gap_s);
        if !near {
            out.push(t);
        }
    }
    out
}

/// Draw up to `opts.moments` distinct moments from `candidates_s` with
/// ChaCha8 seeded by `seed` (all of them when there are fewer) and measure
/// each like a cramp, for pace only (see [`Placebo::moments`]). Deterministic for a given seed and candidate list.
pub fn draw_placebo(
    tl: &Timeline,
    candidates_s: &[f64],
    opts: &PlaceboOptions,
    window: &WindowOptions,
    seed: u64,
) -> Vec<Observation> {
    let mut chosen: Vec<f64> = if candidates_s.len() <= opts.moments {
        candidates_s.to_vec()
    } else {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rand::seq::index::sample(&mut rng, candidates_s.len(), opts.moments)
            .into_iter()
            .map(|k| candidates_s[k])
            .collect()
    };
    chosen.sort_unstable_by(f64::total_cmp);
    let mut scratch = Vec::new();
    chosen
        .into_iter()
        .map(|t| observe_pace(tl, t, window, &mut scratch))
        .collect()
}

/// [`placebo_candidates`] then [`draw_placebo`]: the random moments that
/// set the runner's own threshold T and the placebo check (docs/METHOD.md §3).
/// The caller derives `seed` from the activity (e.g. its path) so results
/// do not depend on thread order.
pub fn placebo_moments(
    tl: &Timeline,
    tag_onsets_s: &[f64],
    opts: &PlaceboOptions,
    window: &WindowOptions,
    seed: u64,
) -> Placebo {
    let candidates_s = placebo_candidates(tl, tag_onsets_s, opts.min_gap_s);
    let moments = draw_placebo(tl, &candidates_s, opts, window, seed);
    Placebo {
        candidates_s,
        moments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::TimelineOptions;
    use crate::timeline::synth::Run;

    fn timeline(run: &Run) -> Timeline {
        Timeline::build(&run.build(), &TimelineOptions::default())
    }

    #[test]
    fn a_planted_quarter_slowdown_is_measured_within_two_points() {
        // 3.6 m/s, then 2.7 m/s from onset + 3 s: 1 − 2.7/3.6 = 25 %.
        let mut run = Run::steady(900, 3.6);
        let onset = 400;
        for v in &mut run.speed_mps[onset + 3..] {
            *v = 2.7;
        }
        let obs = observe(&timeline(&run), onset as f64, &WindowOptions::default());
        let s = obs.slowdown_pct.expect("known");
        assert!((s - 25.0).abs() <= 2.0, "{s}");
        assert_eq!(obs.baseline_moving_s, 106);
        assert!((obs.baseline_speed_mps.expect("known") - 3.6).abs() < 1e-9);
        assert!((obs.response_speed_mps.expect("known") - 2.7).abs() < 0.1);
        // Predicted HR drop: 24 bpm per m/s × 0.9 m/s = 21.6 bpm.
        assert!((obs.hr_drop_predicted_bpm.expect("known") - 21.6).abs() < 2.0);
    }

    #[test]
    fn a_baseline_with_fewer_than_sixty_moving_seconds_is_unknown() {
        let mut run = Run::steady(900, 3.5);
        // 70 s paused inside the 106 s baseline of an onset at 400 s.
        run.pauses_s = vec![(300.0, 370.0)];
        let obs = observe(&timeline(&run), 400.0, &WindowOptions::default());
        assert_eq!(obs.baseline_moving_s, 106 - 70);
        assert!(obs.baseline_gap_mps.is_none() && obs.slowdown_pct.is_none());
        assert!(!obs.has_data());
    }

    #[test]
    fn the_baseline_median_cadence_needs_cadence_on_half_its_moving_seconds() {
        let onset = 400usize;
        let mut run = Run::steady(900, 3.2);
        // −120…−15 s is 280..=385: 60 s at 120 and 46 s at 170 steps/min.
        run.cadence_spm = Some(
            (0..900)
                .map(|t| if t < 340 { 120.0 } else { 170.0 })
                .collect(),
        );
        let w = WindowOptions::default();
        let obs = observe(&timeline(&run), onset as f64, &w);
        assert_eq!(obs.baseline_median_cadence_spm, Some(120.0));
        // Cadence on 40 of the 106 moving seconds: too few for a median.
        let mut sparse = Run::steady(900, 3.2);
        sparse.cadence_spm = Some(
            (0..900)
                .map(|t| {
                    if (300..340).contains(&t) {
                        170.0
                    } else {
                        f64::NAN
                    }
                })
                .collect(),
        );
        let obs = observe(&timeline(&sparse), onset as f64, &w);
        assert_eq!(obs.baseline_median_cadence_spm, None);
        // No cadence channel at all.
        let obs = observe(&timeline(&Run::steady(900, 3.2)), onset as f64, &w);
        assert_eq!(obs.baseline_median_cadence_spm, None);
    }

    #[test]
    fn a_cramp_thirty_seconds_after_the_start_has_no_baseline() {
        let obs = observe(
            &timeline(&Run::steady(900, 3.5)),
            30.0,
            &WindowOptions::default(),
        );
        assert!(obs.baseline_gap_mps.is_none());
        assert!(obs.response_gap_mps.is_some());
        assert!(!obs.has_data());
    }

    #[test]
    fn a_response_window_past_the_end_of_the_recording_is_unknown() {
        let tl = timeline(&Run::steady(600, 3.5));
        // +3…+18 s of an onset 8 s before the last second: 6 of 16 present.
        let obs = observe(&tl, 591.0, &WindowOptions::default());
        assert!(obs.response_gap_mps.is_none(), "{obs:?}");
        assert!((obs.response_present - 6.0 / 16.0).abs() < 1e-12);
    }

    #[test]
    fn paused_seconds_count_as_zero_in_the_response() {
        let mut run = Run::steady(900, 3.0);
        // Paused from +2 s to +10 s: +3…+9 (7 of 16 seconds) are 0.
        run.pauses_s = vec![(402.0, 410.0)];
        let obs = observe(&timeline(&run), 400.0, &WindowOptions::default());
        assert!((obs.response_paused_fraction - 7.0 / 16.0).abs() < 1e-12);
        let want = 3.0 * 9.0 / 16.0;
        let got = obs.response_gap_mps.expect("known");
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }

    #[test]
    fn heart_rate_windows_average_their_own_seconds() {
        let mut run = Run::steady(900, 3.0);
        // HR 150 until the onset at 400 s, then 130; 140 between −30 and 0.
        run.hr_bpm = Some(
            (0..900)
                .map(|t| match t {
                    ..370 => 150.0,
                    370..=400 => 140.0,
                    _ => 130.0,
                })
                .collect(),
        );
        let obs = observe(&timeline(&run), 400.0, &WindowOptions::default());
        // −120…−15: 280..=385 → 90 s at 150 and 16 s at 140.
        let want = (90.0 * 150.0 + 16.0 * 140.0) / 106.0;
        assert!((obs.hr_baseline_bpm.expect("hr") - want).abs() < 1e-9);
        assert_eq!(obs.hr_onset_bpm, Some(140.0));
        assert_eq!(obs.hr_response_bpm, Some(130.0));
        assert_eq!(obs.hr_drop_observed_bpm, Some(10.0));
    }

    #[test]
    fn cadence_lock_fires_on_a_synthetic_lock_and_not_otherwise() {
        let base = {
            let mut r = Run::steady(900, 3.2);
            r.cadence_spm = Some(vec![170.0; 900]);
            r
        };
        let mut honest = base.clone();
        honest.hr_bpm = Some(vec![152.0; 900]);
        let mut locked = base.clone();
        // From onset −20 s for 40 s the optical sensor reads the cadence ± 2.
        locked.hr_bpm = Some(
            (0..900)
                .map(|t| {
                    if (380..420).contains(&t) {
                        168.0
                    } else {
                        152.0
                    }
                })
                .collect(),
        );
        let mut brief = base.clone();
        // Only 20 s of lock: under the 30 s needed.
        brief.hr_bpm = Some(
            (0..900)
                .map(|t| {
                    if (380..400).contains(&t) {
                        171.0
                    } else {
                        152.0
                    }
                })
                .collect(),
        );
        let o = WindowOptions::default();
        assert!(!observe(&timeline(&honest), 400.0, &o).cadence_lock);
        assert!(observe(&timeline(&locked), 400.0, &o).cadence_lock);
        assert!(!observe(&timeline(&brief), 400.0, &o).cadence_lock);
        // A lock far from this cramp does not count.
        assert!(!observe(&timeline(&locked), 700.0, &o).cadence_lock);
    }

    #[test]
    fn window_rows_span_minus_180_to_300_and_skip_seconds_outside_the_recording() {
        let mut run = Run::steady(600, 3.0);
        run.pauses_s = vec![(410.0, 420.0)];
        let tl = timeline(&run);
        let rows = window_samples(&tl, 400.0, CRAMP_WINDOW_TABLE_S);
        // 400 − 180 = 220 … 599 (last second): t_rel −180…199.
        assert_eq!(rows.len(), 380);
        assert_eq!(rows[0].t_rel_s, -180);
        assert_eq!(rows.last().map(|r| r.t_rel_s), Some(199));
        let r = &rows[(10 + 180) as usize];
        assert_eq!((r.t_rel_s, r.paused, r.speed_mps), (10, true, Some(0.0)));
        assert_eq!(rows[180].hr_bpm, None);
        // Near the start the early rows are skipped.
        let rows = window_samples(&tl, 100.4, CRAMP_WINDOW_TABLE_S);
        assert_eq!(rows[0].t_rel_s, -100);
    }

    #[test]
    fn placebo_moments_keep_away_from_tags_and_ends_and_repeat_for_a_seed() {
        let mut run = Run::steady(3600, 3.3);
        run.pauses_s = vec![(2000.0, 2100.0)];
        let tl = timeline(&run);
        let tags = [900.0, 1500.5];
        let o = PlaceboOptions::default();
        let w = WindowOptions::default();
        let p = placebo_moments(&tl, &tags, &o, &w, 42);
        assert_eq!(p.moments.len(), 200);
        for t in p
            .candidates_s
            .iter()
            .chain(p.moments.iter().map(|m| &m.onset_s))
        {
            assert!(*t >= 180.0 && *t <= 3599.0 - 180.0, "{t}");
            assert!(tags.iter().all(|g| (g - t).abs() >= 180.0), "{t}");
            assert!(!(2000.0..2100.0).contains(t), "{t} is paused");
        }
        // Eligible: 180…3419 (3240 s) minus 2×359 s around the integer tag,
        // 360 around 1500.5 (1321…1680), and 100 paused.
        assert_eq!(p.candidates_s.len(), 3240 - 359 - 360 - 100);
        let again = placebo_moments(&tl, &tags, &o, &w, 42);
        assert_eq!(p, again);
        let other = placebo_moments(&tl, &tags, &o, &w, 43);
        assert_ne!(p.moments, other.moments);
        assert!(p.moments.windows(2).all(|m| m[0].onset_s < m[1].onset_s));
        // A steady run: no placebo moment slows down unless its response
        // window runs into the pause.
        for m in &p.moments {
            if m.response_paused_fraction == 0.0 {
                assert!(m.slowdown_pct.is_none_or(|s| s.abs() < 1e-9), "{m:?}");
            }
        }
    }

    #[test]
    fn a_placebo_moment_measures_pace_exactly_as_a_cramp_and_skips_heart_rate() {
        let mut run = Run::steady(3600, 3.3);
        for (i, v) in run.speed_mps.iter_mut().enumerate() {
            *v += 0.4 * (i as f64 / 47.0).sin();
        }
        run.hr_bpm = Some((0..3600).map(|i| 150.0 + (i % 60) as f64 / 6.0).collect());
        run.cadence_spm = Some(vec![170.0; 3600]);
        let tl = timeline(&run);
        let w = WindowOptions::default();
        let p = placebo_moments(&tl, &[], &PlaceboOptions::default(), &w, 9);
        assert_eq!(p.moments.len(), 200);
        for m in &p.moments {
            let full = observe(&tl, m.onset_s, &w);
            assert!(full.hr_onset_bpm.is_some() && full.hr_drop_observed_bpm.is_some());
            let pace_only = Observation {
                hr_baseline_bpm: None,
                hr_onset_bpm: None,
                hr_response_bpm: None,
                hr_drop_observed_bpm: None,
                cadence_lock: false,
                ..full
            };
            assert_eq!(*m, pace_only);
        }
    }

    #[test]
    fn a_short_run_offers_every_candidate() {
        let tl = timeline(&Run::steady(400, 3.0));
        let p = placebo_moments(
            &tl,
            &[],
            &PlaceboOptions::default(),
            &WindowOptions::default(),
            1,
        );
        // 180…219: 40 candidates, fewer than 200.
        assert_eq!(p.candidates_s.len(), 40);
        assert_eq!(p.moments.len(), 40);
    }
}
