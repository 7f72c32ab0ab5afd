//! Calibration of the primary comparison on simulated cramp histories with a
//! known truth (see `calibration_sim`): false "shorter"/"longer" verdicts
//! under severity confounding, coverage of the 95 % CI, power against a
//! halving, and proof that stratification is what removes the confounding.
//! Uses 999 bootstrap resamples and 999 permutations to stay fast;
//! `examples/calibrate.rs` repeats this at the full settings.

use std::sync::OnceLock;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::calibration_sim::{Truth, simulate_history};
use super::compare::{AnalysisSpec, CompareOptions, compare_one};
use super::stats;
use super::{Response, Verdict};

/// What one simulated history's primary comparison said.
struct HistoryResult {
    verdict: Verdict,
    ratio: Option<f64>,
    ci: Option<(f64, f64)>,
    /// exp(HL of log time-beyond-18 s pooled over severities), the estimate
    /// stratification exists to avoid.
    pooled_ratio: Option<f64>,
}

fn options(seed: u64) -> CompareOptions {
    CompareOptions {
        bootstrap_resamples: 999,
        permutations: 999,
        power_sims: 50,
        seed,
        ..CompareOptions::default()
    }
}

fn run_histories(truth: Truth, histories: u64, seed: u64) -> Vec<HistoryResult> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..histories)
        .map(|h| {
            let records = simulate_history(&truth, &mut rng);
            let c = compare_one(&records, &AnalysisSpec::primary(), &options(seed ^ h));
            let logs = |resp: Response| -> Vec<f64> {
                records
                    .iter()
                    .filter(|r| !r.approx && r.response == resp)
                    .filter_map(|r| r.remaining_s.map(f64::ln))
                    .collect()
            };
            let pooled_ratio =
                stats::hodges_lehmann(&logs(Response::Slowed), &logs(Response::KeptPace))
                    .map(f64::exp);
            HistoryResult {
                verdict: c.verdict,
                ratio: c.duration_ratio,
                ci: c.ci_low.zip(c.ci_high),
                pooled_ratio,
            }
        })
        .collect()
}

/// 1,000 histories of 60–120 cramps from 20–40 runs, no true effect, severe
/// cramps both more often slowed and longer.
fn null_histories() -> &'static [HistoryResult] {
    static CELL: OnceLock<Vec<HistoryResult>> = OnceLock::new();
    CELL.get_or_init(|| {
        run_histories(
            Truth {
                runs: (20, 40),
                cramps: (60, 120),
                ratio: 1.0,
                confounded: true,
                missing_severity: 0.03,
            },
            1_000,
            101,
        )
    })
}

/// 1,000 histories from 20–25 runs in which slowing down halves the time
/// beyond +18 s, with `cramps` cramps in each table.
fn halving_histories(cramps: usize) -> Vec<HistoryResult> {
    run_histories(
        Truth {
            runs: (20, 25),
            cramps: (cramps, cramps),
            ratio: 0.5,
            confounded: true,
            missing_severity: 0.03,
        },
        1_000,
        202 + cramps as u64,
    )
}

fn share(outcomes: &[HistoryResult], pred: impl Fn(&HistoryResult) -> bool) -> f64 {
    outcomes.iter().filter(|o| pred(o)).count() as f64 / outcomes.len() as f64
}

fn covers(o: &HistoryResult, ratio: f64) -> bool {
    o.ci.is_some_and(|(lo, hi)| lo <= ratio && ratio <= hi)
}

fn mean_log(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.map(f64::ln).collect();
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn without_a_true_effect_a_shorter_or_longer_verdict_comes_out_at_most_seven_percent_of_the_time() {
    let outcomes = null_histories();
    let rate = share(outcomes, |o| {
        matches!(o.verdict, Verdict::Shorter | Verdict::Longer)
    });
    eprintln!("false-positive rate under confounding: {rate:.3}");
    assert!(rate <= 0.07, "false-positive rate {rate}");
    // Most histories reach a verdict tier at all (otherwise the rate above
    // would be trivially low).
    let decided = share(outcomes, |o| {
        !matches!(o.verdict, Verdict::NotEnoughData | Verdict::Exploratory)
    });
    assert!(decided > 0.8, "only {decided} reached a verdict tier");
}

#[test]
fn without_a_true_effect_the_95_percent_ci_covers_a_ratio_of_one_at_least_93_percent_of_the_time() {
    let coverage = share(null_histories(), |o| covers(o, 1.0));
    eprintln!("coverage of ratio 1: {coverage:.3}");
    assert!(coverage >= 0.93, "coverage {coverage}");
}

#[test]
fn severity_stratification_removes_the_bias_a_pooled_estimate_suffers_under_confounding() {
    let outcomes = null_histories();
    let stratified = mean_log(outcomes.iter().filter_map(|o| o.ratio));
    let pooled = mean_log(outcomes.iter().filter_map(|o| o.pooled_ratio));
    eprintln!("mean log ratio: stratified {stratified:.3}, pooled {pooled:.3}");
    // The simulation's confounding shifts the pooled log ratio by about
    // 0.5·(E[sev | slowed] − E[sev | kept]) = 0.5·(2.17 − 1.60) = 0.29.
    assert!(
        pooled > 0.2,
        "pooled {pooled}: the confounding is not there"
    );
    assert!(stratified.abs() < 0.04, "stratified {stratified}");
}

/// Power, wrong-direction rate and coverage of 0.5 for a planted halving.
fn halving_performance(cramps: usize) -> (f64, f64, f64) {
    let outcomes = halving_histories(cramps);
    let power = share(&outcomes, |o| o.verdict == Verdict::Shorter);
    let wrong = share(&outcomes, |o| o.verdict == Verdict::Longer);
    let coverage = share(&outcomes, |o| covers(o, 0.5));
    eprintln!("{cramps} cramps: power for ratio 0.5 {power:.3}, coverage of 0.5 {coverage:.3}");
    (power, wrong, coverage)
}

// In the simulation about 72 % of a table's cramps enter the primary
// comparison (5 % approximate onsets, 12 % walked/stopped/unknown, 14 %
// ended within 18 s or without an end), and 43 % of those were slowed.

#[test]
fn a_planted_halving_with_sixty_compared_cramps_is_found_shorter_at_least_70_percent_of_the_time() {
    // 84 cramps in the table ≈ 60 slowed + kept-pace cramps with an outcome.
    let (power, wrong, coverage) = halving_performance(84);
    assert!(power >= 0.70, "power {power}");
    assert_eq!(wrong, 0.0);
    assert!(coverage >= 0.93, "coverage {coverage}");
}

#[test]
fn a_planted_halving_in_a_table_of_sixty_cramps_is_found_shorter_at_least_60_percent_of_the_time() {
    // Only ≈ 43 compared cramps (≈ 19 slowed): about one history in eight
    // has fewer than 15 slowed cramps and stops at "exploratory".
    let (power, wrong, coverage) = halving_performance(60);
    assert!(power >= 0.60, "power {power}");
    assert_eq!(wrong, 0.0);
    assert!(coverage >= 0.93, "coverage {coverage}");
}
