//! Calibration of the pooled cohort analysis (docs/METHOD.md §5) at the full
//! default settings (10,000 bootstrap resamples of runners, 9,999
//! permutations) on simulated cohorts with a known truth — the scenarios of
//! `src/analysis/calibration_cohort_tests.rs`, which runs them with fewer
//! resamples inside `cargo test`. Prints every figure with its Monte Carlo
//! error √(p(1 − p)/B), B the number of cohorts. Run with
//! `nice cargo run --release --example calibrate_cohort -- [--cohorts B]
//! [--resamples N] [--permutations N]`.

use std::time::Instant;

use cramplab::analysis::CompareOptions;
use cramplab::analysis::pooled::{analyses, between_runners, compare_one};
use cramplab::analysis::{CrampRecord, Response, Verdict};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

#[path = "../src/analysis/calibration_cohort_sim.rs"]
mod calibration_cohort_sim;

use calibration_cohort_sim::{CohortTruth, SimRunner, draw_log_ratio, simulate_cohort};

/// What one simulated cohort's analyses said, next to its truth.
struct CohortResult {
    verdict: Verdict,
    ratio: Option<f64>,
    ci: Option<(f64, f64)>,
    merged_ratio: Option<f64>,
    weighted_log_ratio: Option<f64>,
    pi: Option<(f64, f64)>,
    new_log_ratio: f64,
    contributing: usize,
    meta_k: usize,
}

/// W_r = Σ over the runner's severity strata of n₁n₂/(n₁ + n₂), counted
/// from the records (precise-onset slowed/kept-pace cramps with a severity
/// and a time beyond +18 s), not taken from the analysis.
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

fn weighted_log_ratio(cohort: &[SimRunner]) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for r in cohort {
        let w = pairs_weight(&r.records);
        num += w * r.log_ratio;
        den += w;
    }
    (den > 0.0).then(|| num / den)
}

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

fn run_cohort(truth: &CohortTruth, seed: u64, index: usize, base: &CompareOptions) -> CohortResult {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    let cohort = simulate_cohort(truth, &mut rng);
    let new_log_ratio = draw_log_ratio(truth, &mut rng);
    let records: Vec<Vec<CrampRecord>> = cohort.iter().map(|r| r.records.clone()).collect();
    let spec = &analyses()[0];
    let opts = CompareOptions {
        seed: seed ^ index as u64,
        ..*base
    };
    let c = compare_one(&records, spec, &opts);
    let quick = CompareOptions {
        bootstrap_resamples: 0,
        permutations: 0,
        ..opts
    };
    let merged_ratio = compare_one(&[merged(&cohort)], spec, &quick).duration_ratio;
    let meta = between_runners(&records, opts.alpha).meta.ok();
    CohortResult {
        verdict: c.verdict,
        ratio: c.duration_ratio,
        ci: c.ci_low.zip(c.ci_high),
        merged_ratio,
        weighted_log_ratio: weighted_log_ratio(&cohort),
        pi: meta.as_ref().map(|m| m.pi),
        new_log_ratio,
        contributing: c.runners_contributing.unwrap_or(0),
        meta_k: meta.map_or(0, |m| m.k),
    }
}

/// "0.0655 ± 0.0055": a share and its Monte Carlo error.
fn share(outcomes: &[CohortResult], pred: impl Fn(&CohortResult) -> bool) -> String {
    let b = outcomes.len() as f64;
    let p = outcomes.iter().filter(|o| pred(o)).count() as f64 / b;
    format!("{p:.4} ± {:.4}", (p * (1.0 - p) / b).sqrt())
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

fn arg(args: &[String], flag: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{flag} takes a whole number, got {v}"))
        })
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cohorts = arg(&args, "--cohorts", 2_000);
    let base = CompareOptions {
        bootstrap_resamples: arg(&args, "--resamples", 10_000),
        permutations: arg(&args, "--permutations", 9_999),
        // The verdict does not use the detectable ratio.
        power_sims: 0,
        ..CompareOptions::default()
    };
    println!(
        "{cohorts} cohorts per scenario; {} bootstrap resamples of runners, {} permutations; \
         every runner 8-20 compared cramps, runner SD 0.5, severity and runner confounding; \
         figures are shares ± √(p(1−p)/B)",
        base.bootstrap_resamples, base.permutations
    );
    let scenarios: [(usize, f64, f64, f64); 11] = [
        (20, 1.0, 0.0, 0.5),
        (20, 1.0, 0.0, 1.1),
        (20, 0.6, 0.0, 0.5),
        (20, 0.6, 0.0, 1.1),
        (20, 0.6, 0.2, 0.5),
        (20, 0.6, 0.2, 1.1),
        (80, 0.6, 0.2, 1.1),
        (40, 0.6, 0.2, 0.5),
        (40, 0.6, 0.2, 1.1),
        (40, 0.6, 0.4, 0.5),
        (40, 0.6, 0.4, 1.1),
    ];
    for (i, &(runners, ratio, effect_sd, sigma)) in scenarios.iter().enumerate() {
        let truth = CohortTruth {
            runners,
            compared: (8, 20),
            ratio,
            effect_sd,
            sigma,
            runner_sd: 0.5,
            confound_severity: true,
            confound_runners: true,
        };
        let start = Instant::now();
        let seed = 17_000 + i as u64;
        let outcomes: Vec<CohortResult> = (0..cohorts)
            .into_par_iter()
            .map(|c| run_cohort(&truth, seed, c, &base))
            .collect();
        let o = &outcomes;
        println!(
            "\nθ {ratio}, effect_sd {effect_sd}, {runners} runners, σ {sigma} ({:.0} s; mean {:.1} runners contribute, {:.1} in the meta-analysis)",
            start.elapsed().as_secs_f64(),
            mean(o.iter().map(|r| r.contributing as f64)),
            mean(o.iter().map(|r| r.meta_k as f64)),
        );
        println!(
            "  verdict shorter {}, longer {}, exploratory or not enough data {}",
            share(o, |r| r.verdict == Verdict::Shorter),
            share(o, |r| r.verdict == Verdict::Longer),
            share(o, |r| matches!(
                r.verdict,
                Verdict::Exploratory | Verdict::NotEnoughData
            )),
        );
        println!(
            "  mean log pooled ratio {:.4} (ln θ {:.4}); merged into one runner: mean ratio {:.3}, mean log {:.4}",
            mean(o.iter().filter_map(|r| r.ratio.map(f64::ln))),
            ratio.ln(),
            mean(o.iter().filter_map(|r| r.merged_ratio)),
            mean(o.iter().filter_map(|r| r.merged_ratio.map(f64::ln))),
        );
        let covers = |r: &CohortResult, log_t: f64| {
            r.ci.is_some_and(|(lo, hi)| lo.ln() <= log_t && log_t <= hi.ln())
        };
        println!(
            "  95 % CI covers θ {}, covers the information-weighted mean of the runners' ratios {}",
            share(o, |r| covers(r, ratio.ln())),
            share(o, |r| r.weighted_log_ratio.is_some_and(|t| covers(r, t))),
        );
        println!(
            "  95 % prediction interval covers a new runner's ratio {} (no meta-analysis {})",
            share(o, |r| r.pi.is_some_and(
                |(lo, hi)| lo <= r.new_log_ratio && r.new_log_ratio <= hi
            )),
            share(o, |r| r.pi.is_none()),
        );
    }
}
