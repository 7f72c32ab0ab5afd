//! Calibration of the pooled cohort analysis (docs/METHOD.md §5) on
//! simulated cohorts with a known truth (see `calibration_cohort_sim`):
//! false "shorter"/"longer" verdicts when runners and severities are both
//! confounded with slowing down, proof that runner strata are what removes
//! the runner confounding, power against a ratio of 0.6, coverage of the
//! 95 % CI, and coverage of a new runner's ratio by the meta-analysis's
//! prediction interval — each at a within-runner SD σ of 0.5 and of 1.1.
//!
//! 2,000 cohorts per scenario, with 1,000 bootstrap resamples, 999
//! permutations and no detectable-ratio simulations (`power_sims` 0; the
//! verdict does not use it) to stay within about a minute;
//! `examples/calibrate_cohort.rs` repeats this at the full settings
//! (10,000 / 9,999). A share p from B = 2,000 cohorts has a Monte Carlo SE
//! of √(p(1 − p)/B): 0.006 at p = 0.07, 0.009 at p = 0.8.

use std::sync::OnceLock;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::calibration_cohort_sim::{CohortTruth, SimRunner, draw_log_ratio, simulate_cohort};
use super::compare::CompareOptions;
use super::pooled::{analyses, between_runners, compare_one};
use super::{CrampRecord, Response, Verdict};

/// Cohorts per scenario.
const COHORTS: usize = 2_000;

/// What one simulated cohort's analyses said, next to its truth.
struct CohortResult {
    verdict: Verdict,
    /// The pooled ratio.
    ratio: Option<f64>,
    /// The pooled 95 % CI on the ratio.
    ci: Option<(f64, f64)>,
    /// The pooled ratio with all runners' cramps merged into one runner
    /// (strata = severity only); computed only where asked for.
    merged_ratio: Option<f64>,
    /// Σ W_r ln θ_r / Σ W_r, W_r = Σ over the runner's severity strata of
    /// n₁n₂/(n₁ + n₂), counted here from the records.
    weighted_log_ratio: Option<f64>,
    /// The meta-analysis's 95 % prediction interval, log scale.
    pi: Option<(f64, f64)>,
    /// A fresh runner's true log ratio, drawn for this cohort.
    new_log_ratio: f64,
}

/// One calibration scenario.
struct Scenario {
    truth: CohortTruth,
    seed: u64,
    merged: bool,
}

fn options(seed: u64) -> CompareOptions {
    CompareOptions {
        bootstrap_resamples: 1_000,
        permutations: 999,
        power_sims: 0,
        seed,
        ..CompareOptions::default()
    }
}

fn truth(runners: usize, ratio: f64, effect_sd: f64, sigma: f64) -> CohortTruth {
    CohortTruth {
        runners,
        compared: (8, 20),
        ratio,
        effect_sd,
        sigma,
        runner_sd: 0.5,
        confound_severity: true,
        confound_runners: true,
    }
}

/// W_r for one runner, from its records alone: the compared cramps are
/// precise-onset slowed/kept-pace cramps with a severity and a time beyond
/// +18 s; W_r = Σₛ n₁ₛn₂ₛ/(n₁ₛ + n₂ₛ) over severities s.
fn pairs_weight(records: &[CrampRecord]) -> f64 {
    let mut n = [[0usize; 2]; 3];
    for r in records {
        let group = match r.response {
            Response::Slowed => 0,
            Response::KeptPace => 1,
            _ => continue,
        };
        if let (false, Some(sev), Some(_)) = (r.approx, r.severity, r.remaining_s) {
            n[usize::from(sev - 1)][group] += 1;
        }
    }
    n.iter()
        .filter(|[a, b]| a + b > 0)
        .map(|&[a, b]| (a * b) as f64 / (a + b) as f64)
        .sum()
}

/// Σ W_r ln θ_r / Σ W_r, or `None` when no runner compares anything.
fn weighted_log_ratio(cohort: &[SimRunner]) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for r in cohort {
        let w = pairs_weight(&r.records);
        num += w * r.log_ratio;
        den += w;
    }
    (den > 0.0).then(|| num / den)
}

/// All runners' cramps as one runner's, run indices made unique.
fn merged(cohort: &[SimRunner]) -> Vec<CrampRecord> {
    let mut out = Vec::new();
    let mut offset = 0u32;
    for r in cohort {
        let runs = r.records.iter().map(|c| c.run + 1).max().unwrap_or(0);
        out.extend(r.records.iter().map(|c| CrampRecord {
            run: c.run + offset,
            ..c.clone()
        }));
        offset += runs;
    }
    out
}

fn run_cohort(s: &Scenario, index: usize) -> CohortResult {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    rng.set_stream(index as u64);
    let cohort = simulate_cohort(&s.truth, &mut rng);
    let new_log_ratio = draw_log_ratio(&s.truth, &mut rng);
    let records: Vec<Vec<CrampRecord>> = cohort.iter().map(|r| r.records.clone()).collect();
    let spec = &analyses()[0];
    let opts = options(s.seed ^ index as u64);
    let c = compare_one(&records, spec, &opts);
    let merged_ratio = s
        .merged
        .then(|| {
            // Only the point estimate is wanted: no bootstrap, no test.
            let quick = CompareOptions {
                bootstrap_resamples: 0,
                permutations: 0,
                ..opts
            };
            compare_one(&[merged(&cohort)], spec, &quick).duration_ratio
        })
        .flatten();
    let pi = between_runners(&records, opts.alpha)
        .meta
        .ok()
        .map(|m| m.pi);
    CohortResult {
        verdict: c.verdict,
        ratio: c.duration_ratio,
        ci: c.ci_low.zip(c.ci_high),
        merged_ratio,
        weighted_log_ratio: weighted_log_ratio(&cohort),
        pi,
        new_log_ratio,
    }
}

fn run_scenario(s: &Scenario) -> Vec<CohortResult> {
    (0..COHORTS)
        .into_par_iter()
        .map(|i| run_cohort(s, i))
        .collect()
}

/// The scenarios, each computed once and shared by the tests that read it.
const SCENARIOS: usize = 9;
/// No effect, both confoundings, 20 runners, σ = 0.5.
const NULL_05: usize = 0;
/// No effect, both confoundings, 20 runners, σ = 1.1.
const NULL_11: usize = 1;
/// θ = 0.6, effect_sd 0.2, 20 runners, σ = 0.5.
const EFFECT_20_05: usize = 2;
/// θ = 0.6, effect_sd 0.2, 20 runners, σ = 1.1.
const EFFECT_20_11: usize = 3;
/// θ = 0.6, effect_sd 0.2, 80 runners, σ = 1.1.
const EFFECT_80_11: usize = 4;
/// θ = 0.6, effect_sd 0.4, 40 runners, σ = 0.5.
const SPREAD_40_05: usize = 5;
/// θ = 0.6, effect_sd 0.4, 40 runners, σ = 1.1.
const SPREAD_40_11: usize = 6;
/// θ = 0.6, effect_sd 0, 20 runners, σ = 0.5.
const FIXED_20_05: usize = 7;
/// θ = 0.6, effect_sd 0, 20 runners, σ = 1.1.
const FIXED_20_11: usize = 8;

fn scenario(id: usize) -> &'static [CohortResult] {
    static CELLS: [OnceLock<Vec<CohortResult>>; SCENARIOS] = [const { OnceLock::new() }; SCENARIOS];
    CELLS[id].get_or_init(|| {
        let (truth, merged) = match id {
            NULL_05 => (truth(20, 1.0, 0.0, 0.5), true),
            NULL_11 => (truth(20, 1.0, 0.0, 1.1), true),
            EFFECT_20_05 => (truth(20, 0.6, 0.2, 0.5), false),
            EFFECT_20_11 => (truth(20, 0.6, 0.2, 1.1), false),
            EFFECT_80_11 => (truth(80, 0.6, 0.2, 1.1), false),
            SPREAD_40_05 => (truth(40, 0.6, 0.4, 0.5), false),
            SPREAD_40_11 => (truth(40, 0.6, 0.4, 1.1), false),
            FIXED_20_05 => (truth(20, 0.6, 0.0, 0.5), false),
            FIXED_20_11 => (truth(20, 0.6, 0.0, 1.1), false),
            _ => unreachable!("scenario ids are the constants above"),
        };
        run_scenario(&Scenario {
            truth,
            seed: 7_000 + id as u64,
            merged,
        })
    })
}

fn share(outcomes: &[CohortResult], pred: impl Fn(&CohortResult) -> bool) -> f64 {
    outcomes.iter().filter(|o| pred(o)).count() as f64 / outcomes.len() as f64
}

fn covers(o: &CohortResult, ratio: f64) -> bool {
    o.ci.is_some_and(|(lo, hi)| lo <= ratio && ratio <= hi)
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn without_a_true_effect_a_shorter_or_longer_verdict_comes_out_at_most_seven_percent_of_the_time() {
    for (id, sigma) in [(NULL_05, 0.5), (NULL_11, 1.1)] {
        let outcomes = scenario(id);
        let rate = share(outcomes, |o| {
            matches!(o.verdict, Verdict::Shorter | Verdict::Longer)
        });
        let decided = share(outcomes, |o| {
            !matches!(o.verdict, Verdict::NotEnoughData | Verdict::Exploratory)
        });
        eprintln!("σ {sigma}: false shorter/longer {rate:.4}; reached a verdict tier {decided:.4}");
        assert!(rate <= 0.07, "σ {sigma}: false-positive rate {rate}");
        // The rate above is not low merely because cohorts stop short of a
        // verdict tier.
        assert!(
            decided > 0.95,
            "σ {sigma}: only {decided} reached a verdict tier"
        );
    }
}

#[test]
fn merging_all_runners_into_one_finds_an_effect_that_runner_strata_remove() {
    for (id, sigma) in [(NULL_05, 0.5), (NULL_11, 1.1)] {
        let outcomes = scenario(id);
        let merged = mean(outcomes.iter().filter_map(|o| o.merged_ratio));
        let merged_log = mean(outcomes.iter().filter_map(|o| o.merged_ratio.map(f64::ln)));
        let stratified_log = mean(outcomes.iter().filter_map(|o| o.ratio.map(f64::ln)));
        eprintln!(
            "σ {sigma}: mean ratio merged into one runner {merged:.3} (mean log {merged_log:.3}); \
             runner × severity strata mean log {stratified_log:.4}"
        );
        assert!(
            merged <= 0.85,
            "σ {sigma}: merged ratio {merged}: the runner confounding is not there"
        );
        assert!(
            stratified_log.abs() < 0.03,
            "σ {sigma}: stratified mean log ratio {stratified_log}"
        );
    }
}

#[test]
fn without_a_spread_between_runners_the_95_percent_ci_covers_the_ratio_at_least_93_percent_of_the_time()
 {
    for (id, ratio, sigma) in [
        (NULL_05, 1.0, 0.5),
        (NULL_11, 1.0, 1.1),
        (FIXED_20_05, 0.6, 0.5),
        (FIXED_20_11, 0.6, 1.1),
    ] {
        let coverage = share(scenario(id), |o| covers(o, ratio));
        eprintln!("θ {ratio}, σ {sigma}, 20 runners: CI covers θ {coverage:.4}");
        assert!(
            coverage >= 0.93,
            "θ {ratio}, σ {sigma}: coverage {coverage}"
        );
    }
}

#[test]
fn a_ratio_of_0_6_is_found_shorter_in_80_percent_of_cohorts_of_20_runners_at_sigma_0_5() {
    let outcomes = scenario(EFFECT_20_05);
    let power = share(outcomes, |o| o.verdict == Verdict::Shorter);
    let wrong = share(outcomes, |o| o.verdict == Verdict::Longer);
    eprintln!("θ 0.6, effect_sd 0.2, 20 runners, σ 0.5: shorter {power:.4}, longer {wrong:.4}");
    assert!(power >= 0.80, "power {power}");
    assert_eq!(wrong, 0.0);
}

#[test]
fn a_ratio_of_0_6_is_found_shorter_in_85_percent_of_cohorts_of_80_runners_at_sigma_1_1() {
    let outcomes = scenario(EFFECT_80_11);
    let power = share(outcomes, |o| o.verdict == Verdict::Shorter);
    let wrong = share(outcomes, |o| o.verdict == Verdict::Longer);
    eprintln!("θ 0.6, effect_sd 0.2, 80 runners, σ 1.1: shorter {power:.4}, longer {wrong:.4}");
    // Reported, not asserted: 20 runners at σ 1.1.
    let small = share(scenario(EFFECT_20_11), |o| o.verdict == Verdict::Shorter);
    eprintln!("θ 0.6, effect_sd 0.2, 20 runners, σ 1.1: shorter {small:.4} (not asserted)");
    assert!(power >= 0.85, "power {power}");
    assert_eq!(wrong, 0.0);
}

#[test]
fn with_runners_differing_the_95_percent_ci_covers_their_information_weighted_mean_ratio_at_least_90_percent()
 {
    for (id, runners, sigma) in [
        (EFFECT_20_05, 20, 0.5),
        (EFFECT_20_11, 20, 1.1),
        (EFFECT_80_11, 80, 1.1),
    ] {
        let outcomes = scenario(id);
        let coverage = share(outcomes, |o| {
            o.weighted_log_ratio.is_some_and(|t| covers(o, t.exp()))
        });
        let of_theta = share(outcomes, |o| covers(o, 0.6));
        eprintln!(
            "effect_sd 0.2, {runners} runners, σ {sigma}: CI covers the weighted mean ratio \
             {coverage:.4} (θ itself {of_theta:.4})"
        );
        assert!(
            coverage >= 0.90,
            "{runners} runners, σ {sigma}: coverage {coverage}"
        );
    }
}

#[test]
fn the_prediction_interval_covers_a_new_runners_ratio_at_least_88_percent_with_40_runners_at_effect_sd_0_4()
 {
    let pi_covers = |o: &CohortResult| {
        o.pi.is_some_and(|(lo, hi)| lo <= o.new_log_ratio && o.new_log_ratio <= hi)
    };
    // Reported, not asserted: effect_sd 0.2.
    for (id, runners, sigma) in [
        (EFFECT_20_05, 20, 0.5),
        (EFFECT_20_11, 20, 1.1),
        (EFFECT_80_11, 80, 1.1),
    ] {
        let coverage = share(scenario(id), pi_covers);
        eprintln!(
            "effect_sd 0.2, {runners} runners, σ {sigma}: PI covers a new runner {coverage:.4} (not asserted)"
        );
    }
    for (id, sigma) in [(SPREAD_40_05, 0.5), (SPREAD_40_11, 1.1)] {
        let outcomes = scenario(id);
        let refused = share(outcomes, |o| o.pi.is_none());
        let coverage = share(outcomes, pi_covers);
        eprintln!(
            "effect_sd 0.4, 40 runners, σ {sigma}: PI covers a new runner {coverage:.4} \
             (no meta-analysis {refused:.4})"
        );
        // Asserted at σ 0.5. At σ 1.1 the runners' own estimates are so
        // imprecise that REML's τ² is often underestimated and the interval
        // under-covers (about 85 % in 2,000 cohorts): a known limit of
        // prediction intervals with imprecise studies (Partlett & Riley
        // 2017, Stat. Med. 36:301), reported in docs/METHOD.md §5 and the
        // README rather than hidden by a looser bound.
        if sigma < 1.0 {
            assert!(coverage >= 0.88, "σ {sigma}: coverage {coverage}");
        } else {
            assert!(
                coverage >= 0.80,
                "σ {sigma}: coverage {coverage} fell below even the known 85 %"
            );
        }
    }
}
