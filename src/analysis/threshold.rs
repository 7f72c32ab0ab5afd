//! The runner's own threshold T for "slowed" (docs/METHOD.md §3, row *threshold
//! T*): how far their pace wobbles at random non-cramp moments sets how
//! much slowing counts as a response, measured per run.

use super::stats;

/// How the personal threshold T is set (docs/METHOD.md §3).
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

/// Fewer placebo moments than this in a run (a run under ~10 minutes): its
/// threshold is the pooled one.
pub const MIN_RUN_PLACEBO: usize = 50;

/// The runner's own threshold T in percent: max(floor, p-th percentile of
/// the slowdowns at placebo moments), capped — by default max(10 %, p95)
/// capped at 30 %. The percentile is [`stats::quantile_sorted`] (Hyndman &
/// Fan type 7, numpy's default). Non-finite values are ignored; with no
/// placebo value the floor is returned. `fixed_pct` overrides everything.
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
    match stats::quantile_sorted(&v, (opts.percentile / 100.0).clamp(0.0, 1.0)) {
        Some(p) => p.max(opts.floor_pct).min(opts.cap_pct),
        None => opts.floor_pct,
    }
}

/// The thresholds of a batch's runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunThresholds {
    /// Each run's T, percent, in the order the runs were given.
    pub per_run_pct: Vec<f64>,
    /// T from every run's moments pooled: the T of runs with too few
    /// moments of their own.
    pub pooled_pct: f64,
}

impl RunThresholds {
    /// The batch's reported T: the median of the runs' own thresholds (the
    /// pooled T when there is no run).
    pub fn median_pct(&self) -> f64 {
        let finite: Vec<f64> = self
            .per_run_pct
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        stats::median(&finite).unwrap_or(self.pooled_pct)
    }

    /// The lowest and highest run threshold.
    pub fn range_pct(&self) -> Option<(f64, f64)> {
        let lo = self
            .per_run_pct
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .per_run_pct
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
    }
}

/// T per run, from each run's running slowdowns at placebo moments (the
/// moments a threshold of ∞ calls kept pace; see [`super::placebo`]).
///
/// Measured per run because the same runner's runs differ most in how
/// noisy the measurement is (a barometric watch with a footpod against
/// GPS-only speed and GPS altitude on a trail): one pooled T would either
/// call noise "slowed" on the noisy runs or miss real slowing on the clean
/// ones. Each run's T is its own percentile (floor, cap); a run with fewer
/// than [`MIN_RUN_PLACEBO`] moments uses the pooled value. `--threshold`
/// fixes T for all.
pub fn run_thresholds(
    running_slowdowns_pct: &[Vec<f64>],
    opts: &ThresholdOptions,
) -> RunThresholds {
    let pooled: Vec<f64> = running_slowdowns_pct.iter().flatten().copied().collect();
    let pooled_pct = personal_threshold(&pooled, opts);
    let per_run_pct = running_slowdowns_pct
        .iter()
        .map(|own| {
            if own.len() >= MIN_RUN_PLACEBO {
                personal_threshold(own, opts)
            } else {
                pooled_pct
            }
        })
        .collect();
    RunThresholds {
        per_run_pct,
        pooled_pct,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_threshold_is_p95_floored_at_ten_and_capped_at_thirty() {
        let o = ThresholdOptions::default();
        // numpy 2.4.6, default method "linear" (Hyndman–Fan type 7):
        // >>> np.percentile([-5.2,3.1,0.4,12.7,-1.9,7.3,2.2,18.4,-0.6,4.8,9.9,
        // ...   1.5,-3.3,6.1,14.2,0.0,2.9,5.5,11.1,-2.4,8.8,3.7,16.0], 95)
        // 15.819999999999997
        let x = [
            -5.2, 3.1, 0.4, 12.7, -1.9, 7.3, 2.2, 18.4, -0.6, 4.8, 9.9, 1.5, -3.3, 6.1, 14.2, 0.0,
            2.9, 5.5, 11.1, -2.4, 8.8, 3.7, 16.0,
        ];
        assert!((personal_threshold(&x, &o) - 15.82).abs() < 1e-9);
        // >>> np.percentile([1.0,-2.0,3.5,0.5,4.0,-1.0,2.0,6.5], 95) → 5.625: floored to 10.
        let y = [1.0, -2.0, 3.5, 0.5, 4.0, -1.0, 2.0, 6.5];
        assert_eq!(personal_threshold(&y, &o), 10.0);
        // >>> np.percentile([10,25,40,35,5,60,12,33,28,45], 95) → 53.25: capped at 30.
        let z = [10.0, 25.0, 40.0, 35.0, 5.0, 60.0, 12.0, 33.0, 28.0, 45.0];
        assert_eq!(personal_threshold(&z, &o), 30.0);
        // With the cap raised, the percentile itself shows.
        let wide = ThresholdOptions {
            cap_pct: 100.0,
            ..o.clone()
        };
        assert!((personal_threshold(&z, &wide) - 53.25).abs() < 1e-9);
        // NaN is ignored; nothing at all gives the floor; --threshold wins.
        assert_eq!(personal_threshold(&[f64::NAN], &o), 10.0);
        let fixed = ThresholdOptions {
            fixed_pct: Some(17.5),
            ..o
        };
        assert_eq!(personal_threshold(&x, &fixed), 17.5);
    }

    /// `n` slowdowns spread evenly over 0…`top` percent.
    fn spread(n: usize, top: f64) -> Vec<f64> {
        (0..n).map(|i| top * i as f64 / (n - 1) as f64).collect()
    }

    #[test]
    fn each_run_with_enough_moments_gets_its_own_threshold_and_short_runs_the_pooled_one() {
        let o = ThresholdOptions::default();
        // A clean run (p95 of 0…16 = 15.2), a noisy one (p95 of 0…24 = 22.8),
        // and a short run with too few moments of its own.
        let runs = vec![
            spread(100, 16.0),
            spread(100, 24.0),
            spread(MIN_RUN_PLACEBO - 1, 2.0),
        ];
        let t = run_thresholds(&runs, &o);
        assert!((t.per_run_pct[0] - 15.2).abs() < 1e-9, "{:?}", t);
        assert!((t.per_run_pct[1] - 22.8).abs() < 1e-9, "{:?}", t);
        let pooled: Vec<f64> = runs.iter().flatten().copied().collect();
        assert_eq!(t.pooled_pct, personal_threshold(&pooled, &o));
        assert_eq!(t.per_run_pct[2], t.pooled_pct);
        // The reported T is the middle run's; the range spans all three.
        let mut sorted = t.per_run_pct.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(t.median_pct(), sorted[1]);
        assert_eq!(t.range_pct(), Some((sorted[0], sorted[2])));
    }

    #[test]
    fn without_runs_the_reported_threshold_is_the_floor_and_there_is_no_range() {
        let t = run_thresholds(&[], &ThresholdOptions::default());
        assert_eq!(t.median_pct(), 10.0);
        assert_eq!(t.range_pct(), None);
    }
}
