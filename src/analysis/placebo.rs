//! Placebo moments: random non-cramp moments of each run, measured and
//! classified exactly as cramps are (docs/METHOD.md §3, rows *threshold T* and
//! *placebo check*). Their running slowdowns set the threshold T; the share
//! of them that T calls slowed is the placebo check, near 5 % when T is
//! the 95th percentile.

use super::Response;
use super::response::{Motion, ResponseOptions, motion};
use crate::align::Observation;

/// One placebo moment reduced to what the threshold and the placebo check
/// need: its [`Motion`] (a full [`Observation`] per moment would cost
/// ~40 KB a run, which at thousands of runs is most of the batch's memory).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaceboMoment {
    motion: Motion,
}

impl PlaceboMoment {
    /// Classify a measured moment with the cramps' rules.
    pub fn new(obs: &Observation, opts: &ResponseOptions) -> PlaceboMoment {
        PlaceboMoment {
            motion: motion(obs, opts),
        }
    }

    /// Its class at threshold `t_pct`.
    pub fn class_at(self, t_pct: f64) -> Response {
        self.motion.response(t_pct)
    }

    /// The slowdown of a moment the runner ran on: the values that set T.
    /// Moments the runner stood or walked (traffic lights, a steep ramp) say
    /// nothing about the boundary between slowing and keeping pace, and
    /// their near-100 % slowdowns would push the percentile past every real
    /// slowdown.
    pub fn running_slowdown_pct(self) -> Option<f64> {
        self.motion.running_slowdown_pct()
    }
}

/// The placebo check: the percent of classifiable moments (not unknown)
/// that their own run's threshold calls slowed. `runs` pairs each run's
/// moments with its T. `None` when no moment is classifiable.
pub fn placebo_slowed_pct<'a>(
    runs: impl IntoIterator<Item = (&'a [PlaceboMoment], f64)>,
) -> Option<f64> {
    let (mut called, mut classifiable) = (0usize, 0usize);
    for (moments, t_pct) in runs {
        for m in moments {
            match m.class_at(t_pct) {
                Response::Unknown => {}
                Response::Slowed => {
                    called += 1;
                    classifiable += 1;
                }
                _ => classifiable += 1,
            }
        }
    }
    (classifiable > 0).then(|| 100.0 * called as f64 / classifiable as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::{PlaceboOptions, WindowOptions, placebo_moments};
    use crate::analysis::response::classify;
    use crate::analysis::threshold::{ThresholdOptions, run_thresholds};
    use crate::timeline::synth::Run;
    use crate::timeline::{Timeline, TimelineOptions};

    /// A run whose pace wanders: every 40 s a new level drawn from a fixed
    /// pseudo-random sequence (Weyl sequence of the golden ratio) in
    /// 2.8…3.8 m/s, so random moments see slowdowns of all sizes; a stop
    /// and a walk make some moments stopped or walked.
    fn wandering_run(len: usize) -> Timeline {
        let phi = 0.618_033_988_749_895;
        let mut speed_mps: Vec<f64> = (0..len)
            .map(|t| 2.8 + ((t / 40) as f64 * phi).fract())
            .collect();
        let mut cadence: Vec<f64> = vec![170.0; len];
        speed_mps[2000..2300].fill(0.2);
        speed_mps[4000..4400].fill(1.4);
        cadence[4000..4400].fill(110.0);
        let run = Run {
            speed_mps,
            altitude_m: Some(vec![0.0; len]),
            cadence_spm: Some(cadence),
            device_speed: true,
            positions: true,
            ..Run::default()
        };
        Timeline::build(&run.build(), &TimelineOptions::default())
    }

    fn measured(tl: &Timeline, n: usize, seed: u64) -> Vec<Observation> {
        let opts = PlaceboOptions {
            moments: n,
            ..PlaceboOptions::default()
        };
        placebo_moments(tl, &[], &opts, &WindowOptions::default(), seed).moments
    }

    #[test]
    fn a_placebo_moment_gets_the_class_a_cramp_would_get_at_every_threshold() {
        let tl = wandering_run(7200);
        let opts = ResponseOptions::default();
        let mut obs = measured(&tl, 1000, 3);
        // A moment measured too near the start has no baseline: unknown.
        obs.push(crate::align::observe(&tl, 30.0, &WindowOptions::default()));
        let moments: Vec<PlaceboMoment> =
            obs.iter().map(|o| PlaceboMoment::new(o, &opts)).collect();
        let mut seen = std::collections::HashSet::new();
        for (o, m) in obs.iter().zip(&moments) {
            for t in [-5.0, 0.0, 5.0, 10.0, 17.3, 30.0, f64::INFINITY] {
                let c = classify(o, t, &opts);
                assert_eq!(m.class_at(t), c, "{o:?} at {t}");
                seen.insert(c);
            }
        }
        // The run exercises every class, so the comparison means something.
        assert_eq!(seen.len(), 5, "{seen:?}");
    }

    #[test]
    fn the_placebo_check_calls_about_five_percent_slowed_at_the_runners_own_threshold() {
        let opts = ResponseOptions::default();
        let runs: Vec<Vec<PlaceboMoment>> = [7u64, 8, 9]
            .iter()
            .map(|&seed| {
                measured(&wandering_run(7200), 1000, seed)
                    .iter()
                    .map(|o| PlaceboMoment::new(o, &opts))
                    .collect()
            })
            .collect();
        let running: Vec<Vec<f64>> = runs
            .iter()
            .map(|r| r.iter().filter_map(|m| m.running_slowdown_pct()).collect())
            .collect();
        let t = run_thresholds(&running, &ThresholdOptions::default());
        for &ti in &t.per_run_pct {
            assert!(ti > 10.0 && ti < 30.0, "T = {ti}");
        }
        let share = placebo_slowed_pct(
            runs.iter()
                .zip(&t.per_run_pct)
                .map(|(r, &ti)| (r.as_slice(), ti)),
        )
        .expect("moments are classifiable");
        // Of the moments run on, 5 % or just above by construction of the
        // 95th percentile (ties at T count as slowed); stopped and walked
        // moments are classifiable but never slowed, so the share is a
        // little lower.
        let ran_on: usize = running.iter().map(Vec::len).sum();
        let classifiable: usize = runs
            .iter()
            .flatten()
            .filter(|m| m.class_at(f64::INFINITY) != Response::Unknown)
            .count();
        assert!(
            ran_on < classifiable,
            "the run has stopped and walked moments"
        );
        let expected = 5.0 * ran_on as f64 / classifiable as f64;
        assert!(
            (expected - 0.5..=expected + 2.0).contains(&share),
            "{share} % (expected about {expected} %)"
        );
        // A threshold nobody reaches calls nothing slowed; a threshold of
        // −∞ calls every moment run on slowed.
        let none = placebo_slowed_pct(runs.iter().map(|r| (r.as_slice(), f64::INFINITY)));
        assert_eq!(none, Some(0.0));
        let all = placebo_slowed_pct(runs.iter().map(|r| (r.as_slice(), f64::NEG_INFINITY)))
            .expect("classifiable");
        assert!((all - 100.0 * ran_on as f64 / classifiable as f64).abs() < 1e-9);
        assert_eq!(placebo_slowed_pct(std::iter::empty()), None);
    }
}
