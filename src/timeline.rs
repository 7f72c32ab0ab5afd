//! The 1 Hz timeline: every later stage (the windows around a cramp, the
//! placebo moments, the `export` tracks) reads one value per elapsed second,
//! whatever rate and quirks the watch recorded at. This module resamples an
//! [`Activity`] onto that grid, marks pauses, cleans speed, and computes the
//! grade and the grade-adjusted speed (GAP) that the method compares
//! (docs/METHOD.md §3, rows *timeline*, *speed* and *grade-adjusted speed*).
//!
//! Index `i` of every channel is elapsed second `i` (wall-clock seconds since
//! the activity's `start_utc`, pauses included). Missing values are `NaN`.

use crate::activity::{Activity, Samples, haversine_m};
use crate::analysis::stats::median_mut;

/// Cost of running on the flat in J/kg/m: the constant term of Minetti's
/// polynomial (Minetti et al. 2002, J Appl Physiol 93:1039–1046).
pub const MINETTI_FLAT_COST_J_PER_KG_M: f64 = 3.6;

/// Energy cost of running at a grade (rise over horizontal run, −0.45…+0.45
/// in the source data) in J per kg per metre:
/// Cr(g) = 155.4g⁵ − 30.4g⁴ − 43.3g³ + 46.3g² + 19.5g + 3.6
/// (Minetti et al. 2002, J Appl Physiol 93:1039–1046, fitted to treadmill
/// measurements of elite mountain runners).
pub fn minetti_cost_j_per_kg_m(grade: f64) -> f64 {
    let g = grade;
    // Horner form of the polynomial above.
    ((((155.4 * g - 30.4) * g - 43.3) * g + 46.3) * g + 19.5) * g + MINETTI_FLAT_COST_J_PER_KG_M
}

/// Grade-adjusted speed: the flat speed with the same metabolic cost,
/// GAP = speed · Cr(g) / Cr(0) (Minetti et al. 2002; docs/METHOD.md §3).
pub fn grade_adjusted_speed_mps(speed_mps: f64, grade: f64) -> f64 {
    speed_mps * minetti_cost_j_per_kg_m(grade) / MINETTI_FLAT_COST_J_PER_KG_M
}

/// How the timeline is built. Defaults follow docs/METHOD.md §3; each field
/// becomes a command-line flag.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineOptions {
    /// Gaps between recorded values up to this many seconds are linearly
    /// interpolated; longer gaps stay missing unless they are a pause. 10 s.
    pub max_interp_gap_s: f64,
    /// Width in seconds (odd) of the centred rolling median applied to
    /// speed. 5 s.
    pub median_window_s: usize,
    /// A speed differing from the previous accepted one by more than this
    /// many m/s per second of time in between is a glitch and becomes
    /// missing (then refilled by interpolation). 3 m/s².
    pub max_accel_mps2: f64,
    /// Grade is the altitude change across a centred stretch of at least
    /// this much horizontal distance. 50 m.
    pub grade_window_m: f64,
    /// Grades are clipped to ± this fraction before the cost formula. 0.25.
    pub max_grade: f64,
    /// Fall back to raw speed when grade adjustment makes pace more
    /// variable (noisy GPS altitude). On.
    pub reject_noisy_grade: bool,
}

impl Default for TimelineOptions {
    fn default() -> Self {
        TimelineOptions {
            max_interp_gap_s: 10.0,
            median_window_s: 5,
            max_accel_mps2: 3.0,
            grade_window_m: 50.0,
            reject_noisy_grade: true,
            max_grade: 0.25,
        }
    }
}

impl TimelineOptions {
    /// These options as (name, value) rows of a report's settings table.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "interpolate gaps up to",
                format!("{} s", self.max_interp_gap_s),
            ),
            (
                "speed rolling median",
                format!("{} s", self.median_window_s),
            ),
            (
                "reject accelerations above",
                format!("{} m/s²", self.max_accel_mps2),
            ),
            ("grade measured over", format!("{} m", self.grade_window_m)),
            ("grade clipped to", format!("±{} %", 100.0 * self.max_grade)),
            ("reject noisy grade", self.reject_noisy_grade.to_string()),
        ]
    }
}

/// Where the timeline's speed came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeedSource {
    /// The device's own speed field (preferred: usually Doppler-based).
    Device,
    /// Differences of the device's cumulative distance.
    Distance,
    /// Great-circle steps between recorded positions.
    Positions,
    /// No speed, distance or position channel: speed is unknown (0 in pauses).
    None,
}

/// One value per elapsed second. All channels have [`Timeline::len`]
/// entries; `NaN` marks a missing value.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Cleaned speed in m/s (0 while paused).
    pub speed_mps: Vec<f64>,
    /// Grade-adjusted speed in m/s (0 while paused; equal to speed where
    /// the grade is unknown, see [`Timeline::flat_assumed_s`]).
    pub gap_mps: Vec<f64>,
    /// Heart rate in beats per minute.
    pub hr_bpm: Vec<f64>,
    /// Cadence in steps per minute.
    pub cadence_spm: Vec<f64>,
    /// Altitude in metres.
    pub altitude_m: Vec<f64>,
    /// Cumulative horizontal distance in metres.
    pub distance_m: Vec<f64>,
    /// Grade (rise over run, clipped to ± `max_grade`).
    pub grade: Vec<f64>,
    /// Whether the recording was paused during this second.
    pub paused: Vec<bool>,
    /// Where speed came from.
    pub speed_source: SpeedSource,
    /// Whether any grade could be computed (false without altitude: then
    /// GAP is raw speed throughout).
    pub has_grade: bool,
    /// Moving seconds with a known speed but no grade, whose GAP was taken
    /// as their raw speed (as if flat).
    pub flat_assumed_s: usize,
    /// Speed values dropped as impossible accelerations.
    pub accel_rejected: usize,
    /// Grade adjustment made pace more variable, not less, so the altitude
    /// was judged noise and `gap_mps` is the raw speed.
    pub grade_is_noise: bool,
}

/// Variance of 30 s block means over blocks with no pause and every second
/// known: the slow pace variation that grade adjustment should reduce for a
/// runner holding a steady effort on hills.
fn block_variance(v: &[f64], paused: &[bool]) -> f64 {
    const BLOCK_S: usize = 30;
    let means: Vec<f64> = v
        .chunks(BLOCK_S)
        .zip(paused.chunks(BLOCK_S))
        .filter(|(c, p)| {
            c.len() == BLOCK_S && c.iter().all(|x| x.is_finite()) && !p.iter().any(|&q| q)
        })
        .map(|(c, _)| c.iter().sum::<f64>() / BLOCK_S as f64)
        .collect();
    if means.len() < 2 {
        return 0.0;
    }
    let m = means.iter().sum::<f64>() / means.len() as f64;
    means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (means.len() - 1) as f64
}

impl Timeline {
    /// Resample `act` onto a 1 Hz grid `t = 0, 1, …, ⌊last elapsed⌋` and
    /// clean it (see [`TimelineOptions`] and docs/METHOD.md §3). Pure and O(n).
    pub fn build(act: &Activity, opts: &TimelineOptions) -> Timeline {
        let s = &act.samples;
        let n = match s.elapsed_s.last() {
            Some(&last) if last.is_finite() && last >= 0.0 => last.floor() as usize + 1,
            _ => 0,
        };
        let ts = &s.elapsed_s;
        let gap = opts.max_interp_gap_s;
        let grid = |ch: &Option<Vec<f64>>| match ch {
            Some(v) => resample(ts, v, n, gap),
            None => vec![f64::NAN; n],
        };
        let paused = paused_mask(act, n);

        // Cumulative distance: the device's, else summed great-circle steps.
        let (mut distance_m, distance_source) = if Samples::has(&s.distance_m) {
            (grid(&s.distance_m), SpeedSource::Distance)
        } else if let (Some(la), Some(lo)) = (&s.lat_deg, &s.lon_deg)
            && la.iter().any(|x| x.is_finite())
        {
            let cum = cumulative_path_m(la, lo);
            (resample(ts, &cum, n, gap), SpeedSource::Positions)
        } else {
            (vec![f64::NAN; n], SpeedSource::None)
        };

        let (mut speed, speed_source) = if Samples::has(&s.speed_mps) {
            (grid(&s.speed_mps), SpeedSource::Device)
        } else if distance_source != SpeedSource::None {
            (speed_from_distance(&distance_m), distance_source)
        } else {
            (vec![f64::NAN; n], SpeedSource::None)
        };
        for (v, &p) in speed.iter_mut().zip(&paused) {
            if p {
                *v = 0.0;
            }
        }
        let accel_rejected = reject_accelerations(&mut speed, &paused, opts.max_accel_mps2);
        fill_short_gaps(&mut speed, &paused, gap);
        let speed_mps = rolling_median(&speed, &paused, opts.median_window_s);

        if distance_source == SpeedSource::None {
            // Only a speed channel: integrate it so grade has a distance.
            let mut acc = 0.0;
            for (d, &v) in distance_m.iter_mut().zip(&speed_mps) {
                if v.is_finite() {
                    *d = acc;
                    acc += v;
                }
            }
        }

        let altitude_m = grid(&s.altitude_m);
        let grade = grade_over_distance(&distance_m, &altitude_m, opts);
        let has_grade = grade.iter().any(|g| g.is_finite());
        let mut flat_assumed_s = 0;
        let gap_mps: Vec<f64> = speed_mps
            .iter()
            .zip(&grade)
            .zip(&paused)
            .map(|((&v, &g), &p)| {
                if p {
                    0.0
                } else if g.is_finite() {
                    grade_adjusted_speed_mps(v, g)
                } else {
                    if v.is_finite() {
                        flat_assumed_s += 1;
                    }
                    v
                }
            })
            .collect();

        // Grade adjustment should make a steady runner's pace steadier; if
        // it makes it more variable, the altitude is noise (GPS altitude
        // without a barometer wanders by metres) and raw pace is the better
        // measure of effort.
        let grade_is_noise = has_grade
            && opts.reject_noisy_grade
            && block_variance(&gap_mps, &paused) > block_variance(&speed_mps, &paused);
        let gap_mps = if grade_is_noise {
            speed_mps.clone()
        } else {
            gap_mps
        };

        Timeline {
            grade_is_noise,
            speed_mps,
            gap_mps,
            hr_bpm: grid(&s.hr_bpm),
            cadence_spm: grid(&s.cadence_spm),
            altitude_m,
            distance_m,
            grade,
            paused,
            speed_source,
            has_grade,
            flat_assumed_s,
            accel_rejected,
        }
    }

    /// Number of seconds on the grid.
    pub fn len(&self) -> usize {
        self.paused.len()
    }

    /// Whether the grid is empty (an activity without samples).
    pub fn is_empty(&self) -> bool {
        self.paused.is_empty()
    }

    /// Whether second `i` is moving: not paused and speed known
    /// (the samples the baseline window averages, docs/METHOD.md §3).
    pub fn is_moving(&self, i: usize) -> bool {
        !self.paused[i] && self.speed_mps[i].is_finite()
    }
}

/// Values at integer seconds `0..n` from samples at times `ts`: exact where
/// a sample sits on the second, linear between two finite samples at most
/// `max_gap_s` apart, `NaN` otherwise.
fn resample(ts: &[f64], vs: &[f64], n: usize, max_gap_s: f64) -> Vec<f64> {
    let mut out = vec![f64::NAN; n];
    // The previous finite sample: time, value and its whole second (kept,
    // as float-to-integer casts are a visible cost at one per sample).
    let mut prev: Option<(f64, f64, usize)> = None;
    for (&t, &v) in ts.iter().zip(vs) {
        if !(t.is_finite() && v.is_finite() && t >= 0.0) {
            continue;
        }
        // t ≥ 0, so truncation is floor; casts avoid libm calls on the hot
        // path, and through i64 they are one instruction with saturation
        // fix-ups instead of the unsigned cast's range branches.
        let whole = t as i64 as usize;
        let on_second = whole as f64 == t;
        if let Some((tp, vp, tp_whole)) = prev
            && t - tp <= max_gap_s
            && t > tp
        {
            // Grid seconds strictly between the two samples: k0..k1.
            let k0 = tp_whole + 1;
            let k1 = if on_second { whole } else { whole + 1 }.min(n);
            if k0 < k1 {
                let slope = (v - vp) / (t - tp);
                for (k, o) in out[k0..k1].iter_mut().enumerate() {
                    *o = vp + slope * ((k0 + k) as f64 - tp);
                }
            }
        }
        if on_second && whole < n {
            out[whole] = v;
        }
        prev = Some((t, v, whole));
    }
    out
}

/// Seconds `t` with `start_s ≤ t < end_s` for some pause.
fn paused_mask(act: &Activity, n: usize) -> Vec<bool> {
    let mut paused = vec![false; n];
    for p in &act.pauses {
        if !(p.start_s.is_finite() && p.end_s.is_finite()) {
            continue;
        }
        let k0 = p.start_s.max(0.0).ceil() as usize;
        let k1 = (p.end_s.max(0.0).ceil() as usize).min(n);
        for x in paused.iter_mut().take(k1).skip(k0) {
            *x = true;
        }
    }
    paused
}

/// Cumulative great-circle distance at each sample (`NaN` where the
/// position is missing; the sum continues from the last known position).
fn cumulative_path_m(lat_deg: &[f64], lon_deg: &[f64]) -> Vec<f64> {
    let mut total = 0.0;
    let mut prev: Option<(f64, f64)> = None;
    lat_deg
        .iter()
        .zip(lon_deg)
        .map(|(&a, &o)| {
            if !(a.is_finite() && o.is_finite()) {
                return f64::NAN;
            }
            if let Some((pa, po)) = prev {
                total += haversine_m(pa, po, a, o);
            }
            prev = Some((a, o));
            total
        })
        .collect()
}

/// Speed from 1 Hz cumulative distance: centred difference where both
/// neighbours are known, one-sided at edges and next to gaps. Never negative.
fn speed_from_distance(d: &[f64]) -> Vec<f64> {
    let n = d.len();
    (0..n)
        .map(|i| {
            let here = d[i];
            let prev = if i > 0 { d[i - 1] } else { f64::NAN };
            let next = if i + 1 < n { d[i + 1] } else { f64::NAN };
            let v = if !here.is_finite() {
                f64::NAN
            } else if prev.is_finite() && next.is_finite() {
                (next - prev) / 2.0
            } else if next.is_finite() {
                next - here
            } else if prev.is_finite() {
                here - prev
            } else {
                f64::NAN
            };
            v.max(0.0)
        })
        .collect()
}

/// Blank speeds that differ from the previous accepted one by more than
/// `max_accel_mps2` per second in between (docs/METHOD.md §3: reject
/// accelerations > 3 m/s²). The rule runs forwards and backwards in time and
/// blanks what either direction rejects: forwards alone accepts the later
/// seconds of a glitch lasting a few seconds (the allowed change grows with
/// the time since the last good value), backwards catches them from the
/// glitch's other end. A pause resets the reference (the runner restarts
/// from standing). A plateau of L seconds that jumps J m/s is removed
/// whole when J > limit·⌈L/2⌉ (3 s at +8 m/s goes; 3 s at +6 m/s stays, as
/// physically possible). Returns how many values were blanked.
fn reject_accelerations(v: &mut [f64], paused: &[bool], max_accel_mps2: f64) -> usize {
    let n = v.len();
    let mut reject = vec![false; n];
    // Generic over the direction, so each pass is inlined (a `dyn Iterator`
    // cost a virtual call per second).
    fn pass(
        order: impl Iterator<Item = usize>,
        v: &[f64],
        paused: &[bool],
        max_accel_mps2: f64,
        reject: &mut [bool],
    ) {
        let mut last: Option<(usize, f64)> = None;
        for i in order {
            if paused[i] {
                last = None;
                continue;
            }
            let x = v[i];
            if !x.is_finite() {
                continue;
            }
            if let Some((j, y)) = last
                && (x - y).abs() > max_accel_mps2 * i.abs_diff(j) as f64
            {
                reject[i] = true;
                continue;
            }
            last = Some((i, x));
        }
    }
    pass(0..n, v, paused, max_accel_mps2, &mut reject);
    pass((0..n).rev(), v, paused, max_accel_mps2, &mut reject);
    let mut rejected = 0;
    for (x, r) in v.iter_mut().zip(reject) {
        if r {
            *x = f64::NAN;
            rejected += 1;
        }
    }
    rejected
}

/// Linearly fill runs of missing moving seconds whose known neighbours are
/// at most `max_gap_s` apart. Paused seconds are never used as neighbours.
fn fill_short_gaps(v: &mut [f64], paused: &[bool], max_gap_s: f64) {
    let mut last: Option<usize> = None;
    for i in 0..v.len() {
        if paused[i] {
            last = None;
            continue;
        }
        if !v[i].is_finite() {
            continue;
        }
        if let Some(j) = last
            && i - j > 1
            && (i - j) as f64 <= max_gap_s
        {
            let (a, b) = (v[j], v[i]);
            let span = (i - j) as f64;
            for (k, x) in v.iter_mut().enumerate().take(i).skip(j + 1) {
                *x = a + (b - a) * (k - j) as f64 / span;
            }
        }
        last = Some(i);
    }
}

/// Centred rolling median over `width` seconds of the known values in the
/// window (paused seconds count as 0). Missing and paused seconds stay as
/// they are. No allocation per second: windows up to 15 s are sorted on the
/// stack.
fn rolling_median(v: &[f64], paused: &[bool], width: usize) -> Vec<f64> {
    const MAX_WIDTH: usize = 15;
    let width = width.clamp(1, MAX_WIDTH);
    let half = width / 2;
    let n = v.len();
    let mut buf = [0.0f64; MAX_WIDTH];
    (0..n)
        .map(|i| {
            if paused[i] || !v[i].is_finite() || width == 1 {
                return v[i];
            }
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(n);
            let mut m = 0;
            for &x in &v[lo..hi] {
                if x.is_finite() {
                    buf[m] = x;
                    m += 1;
                }
            }
            median_mut(&mut buf[..m]).expect("the window holds second i itself")
        })
        .collect()
}

/// Grade at each second: the least-squares slope of altitude against
/// distance over a centred stretch of at least `grade_window_m` of
/// horizontal distance (half each side; at the ends of the recording the
/// stretch extends to the other side), clipped to ± `max_grade`. `NaN`
/// where distance or altitude is missing, or the whole recording covers
/// less than the window.
///
/// A regression rather than the difference of the stretch's end points:
/// GPS altitude (watches without a barometer) jumps by metres from second
/// to second, and over 50 m an end-point difference turns a 2 m jump into
/// a 4 % grade — a 20 % error in grade-adjusted speed. The slope over all
/// points of the stretch averages that noise (its standard error falls
/// with √n) while a real hill's slope is unchanged. Prefix sums: O(n).
fn grade_over_distance(distance_m: &[f64], altitude_m: &[f64], opts: &TimelineOptions) -> Vec<f64> {
    let n = distance_m.len();
    let mut grade = vec![f64::NAN; n];
    // Seconds with both distance and altitude known, in time order.
    let idx: Vec<usize> = (0..n)
        .filter(|&i| distance_m[i].is_finite() && altitude_m[i].is_finite())
        .collect();
    let m = idx.len();
    if m < 2 {
        return grade;
    }
    // Distances of those seconds, contiguous (indexed far more often than built).
    let dist: Vec<f64> = idx.iter().map(|&i| distance_m[i]).collect();
    let d0 = dist[0];
    let d = |c: usize| dist[c];
    let window = opts.grade_window_m;
    let half = window / 2.0;
    if d(m - 1) - d(0) < window {
        return grade;
    }
    // Prefix sums of x = d − d0, y = altitude, x², x·y for O(1) window sums.
    let mut px = vec![0.0; m + 1];
    let mut py = vec![0.0; m + 1];
    let mut pxx = vec![0.0; m + 1];
    let mut pxy = vec![0.0; m + 1];
    for c in 0..m {
        let x = d(c) - d0;
        let y = altitude_m[idx[c]];
        px[c + 1] = px[c] + x;
        py[c + 1] = py[c] + y;
        pxx[c + 1] = pxx[c] + x * x;
        pxy[c + 1] = pxy[c] + x * y;
    }
    // First position that is a full window past the start, and last that is
    // a full window before the end.
    let first_full = (0..m).find(|&c| d(c) - d(0) >= window).unwrap_or(m - 1);
    let last_full = (0..m)
        .rev()
        .find(|&c| d(m - 1) - d(c) >= window)
        .unwrap_or(0);
    let (mut lo, mut hi) = (0usize, 0usize);
    for c in 0..m {
        while lo < c && d(c) - d(lo + 1) >= half {
            lo += 1;
        }
        hi = hi.max(c);
        while hi + 1 < m && d(hi) - d(c) < half {
            hi += 1;
        }
        let (mut l, mut h) = (lo, hi);
        if d(c) - d(l) < half {
            h = h.max(first_full);
        }
        if d(h) - d(c) < half {
            l = l.min(last_full);
        }
        let k = (h + 1 - l) as f64;
        let sx = px[h + 1] - px[l];
        let sy = py[h + 1] - py[l];
        let sxx = pxx[h + 1] - pxx[l] - sx * sx / k;
        let sxy = pxy[h + 1] - pxy[l] - sx * sy / k;
        if sxx > 0.0 && d(h) - d(l) > 0.0 {
            let g = sxy / sxx;
            grade[idx[c]] = g.clamp(-opts.max_grade, opts.max_grade);
        }
    }
    grade
}

/// Synthetic activities for the tests of this module and of `align` and
/// `analysis::response`.
#[cfg(test)]
pub(crate) mod synth {
    use crate::activity::{
        Activity, ActivityMeta, EARTH_RADIUS_M, Format, RawSample, Sport, TrackBuilder,
    };

    /// Epoch milliseconds of the synthetic start (2023-11-14T22:13:20Z).
    pub const T0_MS: i64 = 1_700_000_000_000;

    /// A run described second by second. Positions follow a meridian from
    /// (45°N, 7°E), so the haversine distance equals the integrated speed.
    #[derive(Debug, Clone, Default)]
    pub struct Run {
        /// Speed in m/s at each second (the distance covered in the next second).
        pub speed_mps: Vec<f64>,
        /// Altitude in metres at each second.
        pub altitude_m: Option<Vec<f64>>,
        /// Heart rate.
        pub hr_bpm: Option<Vec<f64>>,
        /// Cadence in steps/min.
        pub cadence_spm: Option<Vec<f64>>,
        /// Whether to record the device speed field.
        pub device_speed: bool,
        /// Whether to record positions.
        pub positions: bool,
        /// Pauses (start, end) in seconds; no samples are recorded inside
        /// (FIT auto-pause).
        pub pauses_s: Vec<(f64, f64)>,
        /// Seconds at which nothing is recorded (gaps).
        pub drop_s: Vec<std::ops::Range<usize>>,
    }

    impl Run {
        /// A flat run at constant speed with device speed and positions.
        pub fn steady(len_s: usize, speed_mps: f64) -> Run {
            Run {
                speed_mps: vec![speed_mps; len_s],
                altitude_m: Some(vec![100.0; len_s]),
                device_speed: true,
                positions: true,
                ..Run::default()
            }
        }

        /// Build the activity through [`TrackBuilder`] (FIT format).
        pub fn build(&self) -> Activity {
            let mut b = TrackBuilder::new(ActivityMeta {
                sport: Sport::Running,
                ..ActivityMeta::new("synthetic.fit", Format::Fit)
            });
            let mut x_m = 0.0;
            for (t, &v) in self.speed_mps.iter().enumerate() {
                let tf = t as f64;
                let in_pause = self.pauses_s.iter().any(|&(a, e)| tf > a && tf < e);
                let dropped = self.drop_s.iter().any(|r| r.contains(&t));
                if !in_pause && !dropped {
                    let lat = 45.0 + (x_m / EARTH_RADIUS_M).to_degrees();
                    b.push(RawSample {
                        time_ms: T0_MS + t as i64 * 1000,
                        lat_deg: self.positions.then_some(lat),
                        lon_deg: self.positions.then_some(7.0),
                        altitude_m: self.altitude_m.as_ref().map(|a| a[t]),
                        speed_mps: self.device_speed.then_some(v),
                        hr_bpm: self.hr_bpm.as_ref().map(|h| h[t]),
                        cadence_spm: self.cadence_spm.as_ref().map(|c| c[t]),
                        ..RawSample::default()
                    });
                }
                if !in_pause {
                    x_m += v;
                }
            }
            for &(a, e) in &self.pauses_s {
                b.pauses_ms
                    .push((T0_MS + (a * 1000.0) as i64, T0_MS + (e * 1000.0) as i64));
            }
            b.finish().expect("synthetic runs have samples")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::synth::{Run, T0_MS};
    use super::*;
    use crate::activity::{ActivityMeta, EARTH_RADIUS_M, Format, RawSample, TrackBuilder};

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn minetti_cost_matches_hand_computed_values() {
        // Cr(g) = 155.4g⁵ − 30.4g⁴ − 43.3g³ + 46.3g² + 19.5g + 3.6, by hand:
        // g = +0.1: 0.001554 − 0.00304 − 0.0433 + 0.463 + 1.95 + 3.6 = 5.968214
        // g = −0.1: −0.001554 − 0.00304 + 0.0433 + 0.463 − 1.95 + 3.6 = 2.151706
        // g = +0.2: 0.049728 − 0.04864 − 0.3464 + 1.852 + 3.9 + 3.6 = 9.006688
        // g = −0.2: −0.049728 − 0.04864 + 0.3464 + 1.852 − 3.9 + 3.6 = 1.800032
        // (Minetti 2002 Table 1 reports measured 8.92 at +0.2 and 1.73 at −0.2.)
        assert_eq!(minetti_cost_j_per_kg_m(0.0), 3.6);
        for (g, want) in [
            (0.1, 5.968214),
            (-0.1, 2.151706),
            (0.2, 9.006688),
            (-0.2, 1.800032),
        ] {
            let got = minetti_cost_j_per_kg_m(g);
            assert!(close(got, want, 1e-9), "Cr({g}) = {got}, want {want}");
        }
    }

    #[test]
    fn gap_on_the_flat_equals_speed() {
        assert_eq!(grade_adjusted_speed_mps(3.3, 0.0), 3.3);
        let tl = Timeline::build(&Run::steady(300, 3.3).build(), &TimelineOptions::default());
        assert!(tl.has_grade);
        for i in 0..tl.len() {
            assert!(
                close(tl.gap_mps[i], 3.3, 1e-9),
                "second {i}: {}",
                tl.gap_mps[i]
            );
            assert!(
                tl.grade[i].abs() < 1e-12,
                "second {i}: grade {}",
                tl.grade[i]
            );
        }
    }

    /// Rolling hills, grade(x) = A·sin(2πx/L), run at the speed that keeps
    /// GAP constant: speed = GAP·3.6/Cr(grade).
    fn constant_effort_hills(gap_mps: f64, len_s: usize) -> Run {
        let (amp, wavelength_m) = (0.08, 800.0);
        let k = 2.0 * std::f64::consts::PI / wavelength_m;
        let mut x = 0.0;
        let mut speed = Vec::with_capacity(len_s);
        let mut alt = Vec::with_capacity(len_s);
        for _ in 0..len_s {
            let g = amp * (k * x).sin();
            // Altitude is the integral of the grade: −A/k·cos(kx).
            alt.push(200.0 - amp / k * (k * x).cos());
            let v = gap_mps * 3.6 / minetti_cost_j_per_kg_m(g);
            speed.push(v);
            x += v;
        }
        Run {
            speed_mps: speed,
            altitude_m: Some(alt),
            cadence_spm: Some(vec![170.0; len_s]),
            positions: true,
            ..Run::default()
        }
    }

    #[test]
    fn constant_effort_on_hills_gives_nearly_constant_gap() {
        for device_speed in [false, true] {
            let mut run = constant_effort_hills(4.0, 1800);
            run.device_speed = device_speed;
            let tl = Timeline::build(&run.build(), &TimelineOptions::default());
            assert!(tl.has_grade);
            assert_eq!(
                tl.speed_source,
                if device_speed {
                    SpeedSource::Device
                } else {
                    SpeedSource::Positions
                }
            );
            // Raw speed varies by far more than the tolerance…
            let (lo, hi) = tl.speed_mps[5..tl.len() - 5]
                .iter()
                .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            assert!(hi / lo > 1.5, "speed range {lo}–{hi}");
            // …but GAP stays within 3 % of 4.0 m/s.
            for i in 5..tl.len() - 5 {
                let g = tl.gap_mps[i];
                assert!(
                    close(g, 4.0, 0.12),
                    "second {i}: GAP {g}, speed {}",
                    tl.speed_mps[i]
                );
            }
        }
    }

    #[test]
    fn without_altitude_gap_is_speed_and_says_so() {
        let mut run = constant_effort_hills(4.0, 300);
        run.altitude_m = None;
        let tl = Timeline::build(&run.build(), &TimelineOptions::default());
        assert!(!tl.has_grade);
        assert_eq!(tl.flat_assumed_s, tl.len());
        for i in 0..tl.len() {
            assert_eq!(tl.gap_mps[i].to_bits(), tl.speed_mps[i].to_bits());
        }
    }

    #[test]
    fn gaps_up_to_ten_seconds_are_interpolated_and_longer_ones_stay_missing() {
        let mut run = Run::steady(200, 3.0);
        // Heart rate rising 1 bpm per second: interpolation must recover it.
        run.hr_bpm = Some((0..200).map(|t| 120.0 + t as f64).collect());
        // Samples at 40 and 50 (gap 10 s): filled. Samples at 100 and 116
        // (gap 16 s, moving, not a pause in FIT): missing.
        run.drop_s = vec![41..50, 101..116];
        let tl = Timeline::build(&run.build(), &TimelineOptions::default());
        for t in 41..50 {
            assert!(close(tl.hr_bpm[t], 120.0 + t as f64, 1e-9), "hr at {t}");
            assert!(close(tl.speed_mps[t], 3.0, 1e-9), "speed at {t}");
            assert!(!tl.paused[t]);
        }
        for t in 101..116 {
            assert!(tl.hr_bpm[t].is_nan(), "hr at {t}");
            assert!(tl.speed_mps[t].is_nan(), "speed at {t}");
            assert!(tl.gap_mps[t].is_nan());
            assert!(!tl.paused[t]);
        }
        assert!(close(tl.hr_bpm[116], 236.0, 1e-9));
    }

    #[test]
    fn pauses_have_zero_speed_and_are_never_interpolated() {
        let mut run = Run::steady(200, 3.0);
        run.hr_bpm = Some(vec![150.0; 200]);
        // A 6 s pause: short enough that plain interpolation would bridge it.
        run.pauses_s = vec![(60.0, 66.0), (100.0, 140.0)];
        let tl = Timeline::build(&run.build(), &TimelineOptions::default());
        for t in (60..66).chain(100..140) {
            assert!(tl.paused[t], "{t}");
            assert_eq!(tl.speed_mps[t], 0.0, "{t}");
            assert_eq!(tl.gap_mps[t], 0.0, "{t}");
        }
        assert!(!tl.paused[59] && !tl.paused[66] && !tl.paused[140]);
        // Speed right after a pause is the recorded speed, not a ramp from 0.
        assert!(close(tl.speed_mps[66], 3.0, 1e-9), "{}", tl.speed_mps[66]);
        assert!(close(tl.speed_mps[140], 3.0, 1e-9), "{}", tl.speed_mps[140]);
        // Heart rate is not invented across the 40 s pause.
        assert!(tl.hr_bpm[120].is_nan());
    }

    #[test]
    fn an_acceleration_spike_is_removed() {
        let mut run = Run::steady(120, 3.0);
        // A two-second glitch to 10 m/s (device speed): 7 m/s in 1 s.
        run.speed_mps[50] = 10.0;
        run.speed_mps[51] = 10.0;
        // A three-second one: more than the 5 s median alone can remove.
        for t in 80..83 {
            run.speed_mps[t] = 11.0;
        }
        let tl = Timeline::build(&run.build(), &TimelineOptions::default());
        assert!(tl.accel_rejected >= 4, "{}", tl.accel_rejected);
        for t in 45..57 {
            assert!(
                close(tl.speed_mps[t], 3.0, 1e-9),
                "{t}: {}",
                tl.speed_mps[t]
            );
        }
        for t in 75..90 {
            assert!(
                close(tl.speed_mps[t], 3.0, 1e-9),
                "{t}: {}",
                tl.speed_mps[t]
            );
        }
    }

    #[test]
    fn a_glitch_of_a_few_seconds_is_blanked_from_both_ends() {
        // Forwards: 10 − 3 = 7 > 3·1 and > 3·2, so both 10s are rejected
        // against the 3.0 at index 1; backwards the same from index 4.
        let mut v = vec![3.0, 3.0, 10.0, 10.0, 3.0, 3.0];
        let paused = vec![false; v.len()];
        assert_eq!(reject_accelerations(&mut v, &paused, 3.0), 2);
        assert!(v[2].is_nan() && v[3].is_nan());
        assert_eq!((v[1], v[4]), (3.0, 3.0));
        // Three seconds at 11 m/s: forwards rejects the first two
        // (8 > 3·1, 8 > 3·2), accepts the third (8 ≤ 3·3) and then rejects
        // two good seconds after it; backwards mirrors that. Together the
        // glitch goes with two good seconds either side, which interpolation
        // restores.
        let mut v = vec![3.0, 3.0, 3.0, 3.0, 11.0, 11.0, 11.0, 3.0, 3.0, 3.0, 3.0];
        let paused = vec![false; v.len()];
        assert_eq!(reject_accelerations(&mut v, &paused, 3.0), 7);
        assert!(v[2..9].iter().all(|x| x.is_nan()), "{v:?}");
        fill_short_gaps(&mut v, &paused, 10.0);
        assert!(v.iter().all(|&x| x == 3.0), "{v:?}");
    }

    #[test]
    fn smart_recording_at_irregular_intervals_resamples_to_one_hertz() {
        // Positions only, every 1–8 s, at a steady 3.2 m/s along a meridian;
        // heart rate rising 0.2 bpm/s.
        let mut b = TrackBuilder::new(ActivityMeta::new("smart.gpx", Format::Gpx));
        let steps = [1, 3, 8, 2, 5, 7, 1, 4, 6, 8, 3, 2];
        let mut t = 0i64;
        for k in 0..60 {
            let x = 3.2 * t as f64;
            b.push(RawSample {
                time_ms: T0_MS + t * 1000,
                lat_deg: Some(45.0 + (x / EARTH_RADIUS_M).to_degrees()),
                lon_deg: Some(7.0),
                hr_bpm: Some(130.0 + 0.2 * t as f64),
                ..RawSample::default()
            });
            t += steps[k % steps.len()];
        }
        let act = b.finish().expect("samples");
        let last = act.elapsed_s() as usize;
        let tl = Timeline::build(&act, &TimelineOptions::default());
        assert_eq!(tl.len(), last + 1);
        assert_eq!(tl.speed_source, SpeedSource::Positions);
        assert!(act.pauses.is_empty());
        for i in 0..tl.len() {
            assert!(
                close(tl.speed_mps[i], 3.2, 0.01),
                "{i}: {}",
                tl.speed_mps[i]
            );
            assert!(
                close(tl.distance_m[i], 3.2 * i as f64, 0.05),
                "{i}: {}",
                tl.distance_m[i]
            );
            assert!(close(tl.hr_bpm[i], 130.0 + 0.2 * i as f64, 1e-9), "{i}");
        }
    }

    #[test]
    fn device_distance_is_used_when_there_is_no_speed_field() {
        let mut b = TrackBuilder::new(ActivityMeta::new("d.fit", Format::Fit));
        for t in 0..100i64 {
            b.push(RawSample {
                time_ms: T0_MS + t * 1000,
                distance_m: Some(2.5 * t as f64),
                ..RawSample::default()
            });
        }
        let tl = Timeline::build(&b.finish().expect("samples"), &TimelineOptions::default());
        assert_eq!(tl.speed_source, SpeedSource::Distance);
        assert!(tl.speed_mps.iter().all(|&v| close(v, 2.5, 1e-9)));
    }

    #[test]
    fn grade_is_measured_over_fifty_metres_and_clipped() {
        // 3 m/s for 200 s; altitude rises 0.3 m/s (10 %) for the first 100 s,
        // then 1.5 m/s (50 %, clipped to 25 %).
        let mut run = Run::steady(200, 3.0);
        run.altitude_m = Some(
            (0..200)
                .map(|t| {
                    let t = t as f64;
                    if t < 100.0 {
                        0.3 * t
                    } else {
                        30.0 + 1.5 * (t - 100.0)
                    }
                })
                .collect(),
        );
        // Constant speed up a changing slope is not how runners hold effort,
        // so the noisy-grade fallback would (rightly) distrust it; switch it
        // off to test the grade itself.
        let opts = TimelineOptions {
            reject_noisy_grade: false,
            ..TimelineOptions::default()
        };
        let tl = Timeline::build(&run.build(), &opts);
        for t in 10..90 {
            assert!(close(tl.grade[t], 0.10, 1e-6), "{t}: {}", tl.grade[t]);
            // Cr(0.1)/3.6 = 5.968214/3.6 (hand value above).
            assert!(close(tl.gap_mps[t], 3.0 * 5.968214 / 3.6, 1e-5));
        }
        for t in 110..200 {
            assert_eq!(tl.grade[t], 0.25, "{t}");
        }
    }

    #[test]
    fn grade_from_wandering_gps_altitude_on_the_flat_is_distrusted() {
        // A flat run at a steady 3.2 m/s whose altitude wanders like GPS
        // altitude without a barometer: ±4 m over a minute or so, plus
        // metre-sized jumps. Grade adjustment would invent ±10 % hills and
        // swing GAP by tens of percent; raw pace must be kept instead.
        let mut run = Run::steady(1200, 3.2);
        run.altitude_m = Some(
            (0..1200)
                .map(|t| {
                    let t = t as f64;
                    500.0
                        + 4.0 * (t / 37.0).sin()
                        + 2.5 * (t / 11.0).sin()
                        + if (t as i64) % 7 < 3 { 1.0 } else { -1.0 }
                })
                .collect(),
        );
        let tl = Timeline::build(&run.build(), &TimelineOptions::default());
        assert!(tl.grade_is_noise);
        assert!(
            tl.gap_mps
                .iter()
                .zip(&tl.speed_mps)
                .all(|(g, v)| g == v || (g.is_nan() && v.is_nan()))
        );
        let kept = Timeline::build(
            &run.build(),
            &TimelineOptions {
                reject_noisy_grade: false,
                ..TimelineOptions::default()
            },
        );
        let spread = kept
            .gap_mps
            .iter()
            .filter(|g| g.is_finite())
            .fold(0.0f64, |m, g| m.max((g - 3.2).abs()));
        assert!(
            spread > 0.5,
            "without the fallback GAP should swing widely, got {spread}"
        );
    }

    #[test]
    fn constant_effort_hills_keep_their_grade_adjustment() {
        let tl = Timeline::build(
            &constant_effort_hills(3.0, 1800).build(),
            &TimelineOptions::default(),
        );
        assert!(!tl.grade_is_noise);
    }

    #[test]
    fn an_empty_activity_gives_an_empty_timeline() {
        let mut b = TrackBuilder::new(ActivityMeta::new("one.fit", Format::Fit));
        b.push(RawSample {
            time_ms: T0_MS,
            ..RawSample::default()
        });
        let tl = Timeline::build(
            &b.finish().expect("one sample"),
            &TimelineOptions::default(),
        );
        assert_eq!(tl.len(), 1);
        assert_eq!(tl.speed_source, SpeedSource::None);
        assert!(tl.speed_mps[0].is_nan() && !tl.has_grade);
    }
}
