//! Many runners, each compared only with themselves (docs/METHOD.md §5):
//! the pooled one-stage comparison on runner × severity strata with a
//! bootstrap over whole runners, and the per-runner estimates behind the
//! between-runner (two-stage) meta-analysis.
//!
//! Runners differ in how long their cramps last and in how readily they
//! slow down; pooling their cramps without runner strata would find an
//! "effect" that is only the difference between people. Every estimate here
//! therefore compares cramps of one runner and one severity, and combines
//! those within-stratum comparisons.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::compare::{
    self, AnalysisSpec, CompareOptions, Comparison, Endpoint, derive_seed, finite, outcome_s,
};
use super::meta::{self, MetaRefusal, RandomEffects, Study};
use super::stats::{self, Stratum};
use super::verdict::{self, Evidence};
use super::{CrampRecord, Response};

/// What a cohort's analysis does with cramps that have no severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingSeverity {
    /// Leave them out (the primary analysis: a missing-severity stratum
    /// lets the confounding back in; docs/METHOD.md §5).
    LeftOut,
    /// Each runner's cramps without severity form their own stratum (a
    /// sensitivity analysis).
    OwnStrata,
}

/// One pooled analysis: which cramps, compared on what, and what becomes
/// of cramps without severity.
#[derive(Debug, Clone, PartialEq)]
pub struct PooledSpec {
    /// The selection and groups, as for one runner.
    pub base: AnalysisSpec,
    /// Cramps without severity.
    pub missing: MissingSeverity,
}

/// Every pooled analysis, in the order [`compare::assemble`] expects: the
/// primary, the secondary, then the sensitivity analyses of one runner plus
/// `missing_severity_as_strata`.
pub fn analyses() -> Vec<PooledSpec> {
    let mut specs: Vec<PooledSpec> = compare::analyses()
        .into_iter()
        .map(|base| PooledSpec {
            base,
            missing: MissingSeverity::LeftOut,
        })
        .collect();
    specs.push(PooledSpec {
        base: AnalysisSpec {
            label: "missing_severity_as_strata",
            ..AnalysisSpec::primary()
        },
        missing: MissingSeverity::OwnStrata,
    });
    specs
}

/// The pooled primary comparison with its secondary and sensitivity
/// analyses; `runners` holds each runner's cramp records (their `run`
/// indices are the runner's own). `map_all` applies the given function to
/// every spec and returns the results in order (sequentially, or on a
/// thread pool: each analysis is seeded by its own label).
pub fn compare_with(
    runners: &[Vec<CrampRecord>],
    opts: &CompareOptions,
    map_all: impl FnOnce(&[PooledSpec], &(dyn Fn(&PooledSpec) -> Comparison + Sync)) -> Vec<Comparison>,
) -> Comparison {
    let specs = analyses();
    let done = map_all(&specs, &|spec| compare_one(runners, spec, opts));
    compare::assemble(done)
}

/// [`compare_with`], one analysis after another.
pub fn compare(runners: &[Vec<CrampRecord>], opts: &CompareOptions) -> Comparison {
    compare_with(runners, opts, |specs, one| specs.iter().map(one).collect())
}

/// One compared cramp of a cohort.
struct Compared {
    runner: usize,
    run: u32,
    in_group: bool,
    seconds: f64,
}

/// The strata of one pooled analysis: per (runner, severity) the group's
/// and the reference's outcomes, seconds and logs, for the strata that hold
/// both groups (the contributing strata).
pub struct Strata {
    /// (runner, severity) → [group s, reference s, group log, reference log].
    cells: BTreeMap<(usize, Option<u8>), [Vec<f64>; 4]>,
}

impl Strata {
    fn log_strata(&self) -> Vec<Stratum<'_>> {
        self.cells
            .values()
            .map(|v| Stratum { x: &v[2], y: &v[3] })
            .collect()
    }

    /// The log-outcome cells (stratum × group) the spread is pooled over.
    fn log_cells(&self) -> Vec<&[f64]> {
        self.cells
            .values()
            .flat_map(|v| [v[2].as_slice(), v[3].as_slice()])
            .collect()
    }

    /// Per runner: (Σ wₛ·Δ̂ₛ, Σ wₛ, group cramps, reference cramps) over
    /// the runner's strata, wₛ = n₁ₛn₂ₛ/(n₁ₛ + n₂ₛ), Δ̂ₛ the stratum's
    /// Hodges–Lehmann shift of log outcomes.
    fn per_runner(&self, n_runners: usize) -> Vec<RunnerSums> {
        let mut out = vec![RunnerSums::default(); n_runners];
        for (&(runner, _), v) in &self.cells {
            let (n1, n2) = (v[2].len(), v[3].len());
            let Some(hl) = stats::hodges_lehmann(&v[2], &v[3]) else {
                continue;
            };
            let w = stats::stratum_weight(n1 as f64, n2 as f64);
            let s = &mut out[runner];
            s.weighted_shift += w * hl;
            s.weight += w;
            s.n_group += n1;
            s.n_reference += n2;
        }
        out
    }
}

/// One runner's share of a pooled estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct RunnerSums {
    weighted_shift: f64,
    weight: f64,
    n_group: usize,
    n_reference: usize,
}

/// The cramps one pooled analysis compares, grouped into strata, with the
/// counts the output reports.
struct Selection {
    compared: Vec<Compared>,
    strata: Strata,
    counts: [usize; 5],
    ended_in_window: usize,
    without_outcome: usize,
    missing_severity: usize,
    left_out_no_severity: usize,
    not_contributing: usize,
}

fn select(runners: &[Vec<CrampRecord>], spec: &PooledSpec) -> Selection {
    let base = &spec.base;
    let mut counts = [0usize; 5];
    let mut compared = Vec::new();
    let mut keys = Vec::new();
    let (mut ended_in_window, mut without_outcome, mut left_out_no_severity) = (0, 0, 0);
    for (runner, records) in runners.iter().enumerate() {
        for r in records.iter().filter(|r| {
            (base.include_approx || !r.approx) && (!base.first_per_run_only || r.first_in_run)
        }) {
            counts[response_index(r.response)] += 1;
            if r.response != base.group && r.response != base.reference {
                continue;
            }
            if r.ended_in_window {
                ended_in_window += 1;
            }
            match outcome_s(r, base.outcome) {
                Some(seconds) => {
                    if r.severity.is_none() && spec.missing == MissingSeverity::LeftOut {
                        left_out_no_severity += 1;
                        continue;
                    }
                    compared.push(Compared {
                        runner,
                        run: r.run,
                        in_group: r.response == base.group,
                        seconds,
                    });
                    keys.push((runner, r.severity));
                }
                None => {
                    if !(r.ended_in_window && base.outcome == Endpoint::RemainingS) {
                        without_outcome += 1;
                    }
                }
            }
        }
    }
    let mut cells: BTreeMap<(usize, Option<u8>), [Vec<f64>; 4]> = BTreeMap::new();
    for (c, &key) in compared.iter().zip(&keys) {
        let cell = cells.entry(key).or_default();
        let g = usize::from(!c.in_group);
        cell[g].push(c.seconds);
        cell[2 + g].push(c.seconds.ln());
    }
    // Only strata holding both groups compare anything (docs/METHOD.md §5:
    // a runner contributes through such a stratum, and only their cramps
    // count towards the tiers).
    let before = compared.len();
    let keep: Vec<bool> = keys
        .iter()
        .map(|k| {
            cells
                .get(k)
                .is_some_and(|v| !v[0].is_empty() && !v[1].is_empty())
        })
        .collect();
    cells.retain(|_, v| !v[0].is_empty() && !v[1].is_empty());
    let mut k = keep.iter();
    compared.retain(|_| *k.next().expect("one flag per compared cramp"));
    let missing_severity = keys
        .iter()
        .zip(&keep)
        .filter(|(key, kept)| **kept && key.1.is_none())
        .count();
    Selection {
        not_contributing: before - compared.len(),
        compared,
        strata: Strata { cells },
        counts,
        ended_in_window,
        without_outcome,
        missing_severity,
        left_out_no_severity,
    }
}

fn response_index(r: Response) -> usize {
    match r {
        Response::Slowed => 0,
        Response::KeptPace => 1,
        Response::Walked => 2,
        Response::Stopped => 3,
        Response::Unknown => 4,
    }
}

/// Bootstrap over whole runners of the pooled shift Σ wₛΔ̂ₛ / Σ wₛ: a
/// runner drawn c times brings each of its strata c times, which leaves the
/// stratum's Hodges–Lehmann shift unchanged and multiplies its weight by c
/// (n₁n₂/(n₁+n₂) scales linearly), so a resample's estimate is
/// Σ c_r·A_r / Σ c_r·B_r with A_r, B_r the runner's weighted shift and
/// weight — exact, and O(runners) per resample. A resample with no
/// contributing runner is redrawn. Returns the standard deviation of the
/// estimates (divisor B − 1), or `None` with fewer than 2 runners.
fn runner_bootstrap_sd(sums: &[RunnerSums], resamples: usize, seed: u64) -> Option<f64> {
    let units: Vec<(f64, f64)> = sums
        .iter()
        .filter(|s| s.weight > 0.0)
        .map(|s| (s.weighted_shift, s.weight))
        .collect();
    let c = units.len();
    if c < 2 || resamples < 2 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut n, mut mean, mut m2) = (0usize, 0.0f64, 0.0f64);
    while n < resamples {
        let (mut a, mut b) = (0.0, 0.0);
        for _ in 0..c {
            let (ar, br) = units[rng.random_range(0..c)];
            a += ar;
            b += br;
        }
        // Every drawn runner contributes (weight > 0), so b > 0 always.
        let est = a / b;
        // Welford's running variance (Welford 1962, Technometrics 4:419).
        n += 1;
        let d = est - mean;
        mean += d / n as f64;
        m2 += d * (est - mean);
    }
    finite((m2 / (n - 1) as f64).sqrt())
}

/// The CI of docs/METHOD.md §5 on the log scale: estimate ±
/// t(C − 1)·SD·√(C/(C − 1)) at two-sided level `level`, with SD the runner
/// bootstrap's standard deviation and C the contributing runners (the
/// √(C/(C−1)) undoes the bootstrap's divisor-C variance; percentile
/// intervals under-covered in simulation).
fn t_interval(estimate: f64, sd: f64, c: usize, level: f64) -> Option<(f64, f64)> {
    if c < 2 {
        return None;
    }
    let t = stats::t_quantile(1.0 - (1.0 - level) / 2.0, (c - 1) as f64)?;
    let half = t * sd * (c as f64 / (c - 1) as f64).sqrt();
    Some((estimate - half, estimate + half))
}

/// One pooled analysis of a cohort.
pub fn compare_one(
    runners: &[Vec<CrampRecord>],
    spec: &PooledSpec,
    opts: &CompareOptions,
) -> Comparison {
    let base = &spec.base;
    let sel = select(runners, spec);
    let label = base.label;
    let n_group = sel.compared.iter().filter(|c| c.in_group).count();
    let n_reference = sel.compared.len() - n_group;
    let n_runs = {
        let mut runs: Vec<(usize, u32)> = sel.compared.iter().map(|c| (c.runner, c.run)).collect();
        runs.sort_unstable();
        runs.dedup();
        runs.len()
    };
    let sums = sel.strata.per_runner(runners.len());
    let contributing = sums.iter().filter(|s| s.weight > 0.0).count();
    let strata_log = sel.strata.log_strata();
    let strata_s: Vec<Stratum<'_>> = sel
        .strata
        .cells
        .values()
        .map(|v| Stratum { x: &v[0], y: &v[1] })
        .collect();

    let log_shift = stats::stratified_hodges_lehmann(&strata_log);
    let duration_ratio = log_shift.and_then(|s| finite(s.exp()));
    let levels = (1.0 - opts.alpha, 1.0 - 2.0 * opts.alpha);
    let sd = log_shift.and_then(|_| {
        runner_bootstrap_sd(
            &sums,
            opts.bootstrap_resamples,
            derive_seed(opts.seed, label, 11),
        )
    });
    let interval = |level: f64| {
        let (lo, hi) = t_interval(log_shift?, sd?, contributing, level)?;
        Some((finite(lo.exp())?, finite(hi.exp())?))
    };
    let (ci, ci90) = (interval(levels.0), interval(levels.1));
    let ci_method = ci.map(|_| {
        format!(
            "t-interval from a bootstrap over {contributing} runners ({} resamples), log scale",
            opts.bootstrap_resamples
        )
    });

    let test = stats::van_elteren(
        &strata_log,
        opts.permutations,
        derive_seed(opts.seed, label, 12),
    );
    let test_name = test.map(|t| compare::test_name(&t, "runner × severity strata"));

    let sizes: Vec<(usize, usize)> = sel
        .strata
        .cells
        .values()
        .map(|v| (v[0].len(), v[1].len()))
        .collect();
    let detectable_ratio = compare::detectable_ratio(
        &sizes,
        &sel.strata.log_cells(),
        opts,
        derive_seed(opts.seed, label, 13),
    );

    let evidence = Evidence {
        n_group,
        n_reference,
        n_runs,
        n_runners: Some(contributing),
        missing_severity: sel.missing_severity,
        ratio: duration_ratio,
        ci,
        ci_equivalence: ci90,
        p_value: test.map(|t| t.p_value),
        detectable_ratio,
    };
    let rules = opts.rules();
    let verdict = verdict::decide(&evidence, &rules);
    let summary = verdict::summary(
        verdict,
        &evidence,
        &rules,
        base.group,
        base.reference,
        base.outcome,
    );
    let group_s: Vec<f64> = sel
        .compared
        .iter()
        .filter(|c| c.in_group)
        .map(|c| c.seconds)
        .collect();
    let reference_s: Vec<f64> = sel
        .compared
        .iter()
        .filter(|c| !c.in_group)
        .map(|c| c.seconds)
        .collect();

    Comparison {
        label: label.to_string(),
        group: base.group,
        reference: base.reference,
        outcome: base.outcome,
        slowed: sel.counts[0],
        kept_pace: sel.counts[1],
        walked: sel.counts[2],
        stopped: sel.counts[3],
        unknown: sel.counts[4],
        n_group,
        n_reference,
        n_runs,
        ended_in_window: sel.ended_in_window,
        without_outcome: sel.without_outcome,
        missing_severity: sel.missing_severity,
        runners_contributing: Some(contributing),
        not_contributing: Some(sel.not_contributing),
        left_out_no_severity: Some(sel.left_out_no_severity),
        median_group_s: stats::median(&group_s),
        median_reference_s: stats::median(&reference_s),
        duration_ratio,
        ci_low: ci.map(|c| c.0),
        ci_high: ci.map(|c| c.1),
        ci90_low: ci90.map(|c| c.0),
        ci90_high: ci90.map(|c| c.1),
        ci_method,
        p_value: test.map(|t| t.p_value),
        test: test_name,
        test_result: test,
        cliffs_delta: stats::stratified_cliffs_delta(&strata_log),
        median_diff_s: stats::stratified_hodges_lehmann(&strata_s),
        // Kendall's τ over cramps of different runners would mix people;
        // each runner's own comparison carries theirs.
        kendall_tau: None,
        kendall_tau_ci_low: None,
        kendall_tau_ci_high: None,
        kendall_n: 0,
        threshold_pct: None,
        placebo_slowed_pct: None,
        detectable_ratio,
        verdict,
        summary,
        secondary: Vec::new(),
        sensitivity: Vec::new(),
    }
}

/// One runner in the between-runner analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerEstimate {
    /// Index of the runner in the cohort.
    pub runner: usize,
    /// Slowed cramps of the pooled primary analysis.
    pub n_slowed: usize,
    /// Kept-pace cramps of the pooled primary analysis.
    pub n_kept_pace: usize,
    /// The runner's stratified log ratio b_r.
    pub log_ratio: f64,
    /// √(π/3 · s² / W_r).
    pub se: f64,
    /// W_r = Σ n₁n₂/(n₁+n₂) over the runner's strata.
    pub pairs_weight: f64,
}

/// The between-runner (two-stage) analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct BetweenRunners {
    /// Runners with ≥ 3 slowed and ≥ 3 kept-pace cramps, in cohort order.
    pub estimates: Vec<RunnerEstimate>,
    /// s²: the variance of log outcomes pooled within runner × severity ×
    /// response cells across the cohort.
    pub pooled_var: Option<f64>,
    /// The random-effects meta-analysis, or why there is none.
    pub meta: Result<RandomEffects, MetaRefusal>,
}

/// Fewest slowed and kept-pace cramps for a runner to enter the
/// between-runner analysis (docs/METHOD.md §5).
pub const MIN_PER_GROUP_FOR_META: usize = 3;

/// The between-runner analysis on the pooled primary analysis's cramps
/// (docs/METHOD.md §5): per runner b_r = Σ wₛΔ̂ₛ / W_r and SE_r =
/// √(π/3 · s² / W_r) — the large-sample variance of the Hodges–Lehmann
/// shift of normal data, π/3·σ²·(1/n₁ + 1/n₂) per stratum (Hodges &
/// Lehmann 1963, Ann. Math. Stat. 34:598; efficiency 3/π against the mean
/// difference), combined over strata with the weights W_r; then the
/// random-effects meta-analysis of [`meta::random_effects`].
pub fn between_runners(runners: &[Vec<CrampRecord>], alpha: f64) -> BetweenRunners {
    let spec = &analyses()[0];
    let sel = select(runners, spec);
    let pooled_var = stats::pooled_sd(&sel.strata.log_cells()).map(|sd| sd * sd);
    let sums = sel.strata.per_runner(runners.len());
    let estimates: Vec<RunnerEstimate> = match pooled_var {
        Some(s2) if s2 > 0.0 => sums
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.weight > 0.0
                    && s.n_group >= MIN_PER_GROUP_FOR_META
                    && s.n_reference >= MIN_PER_GROUP_FOR_META
            })
            .map(|(runner, s)| RunnerEstimate {
                runner,
                n_slowed: s.n_group,
                n_kept_pace: s.n_reference,
                log_ratio: s.weighted_shift / s.weight,
                se: (std::f64::consts::PI / 3.0 * s2 / s.weight).sqrt(),
                pairs_weight: s.weight,
            })
            .collect(),
        _ => Vec::new(),
    };
    let studies: Vec<Study> = estimates
        .iter()
        .map(|e| Study {
            estimate: e.log_ratio,
            se: e.se,
        })
        .collect();
    BetweenRunners {
        meta: meta::random_effects(&studies, alpha),
        estimates,
        pooled_var,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::verdict::Verdict;

    fn cramp(run: u32, severity: Option<u8>, response: Response, remaining_s: f64) -> CrampRecord {
        CrampRecord {
            run,
            severity,
            response,
            approx: false,
            first_in_run: false,
            slowdown_pct: None,
            duration_s: Some(18.0 + remaining_s),
            remaining_s: Some(remaining_s),
            ended_in_window: false,
        }
    }

    fn quick() -> CompareOptions {
        CompareOptions {
            bootstrap_resamples: 2_000,
            permutations: 999,
            power_sims: 50,
            ..CompareOptions::default()
        }
    }

    /// A runner whose slowed cramps last `ratio` times as long as their
    /// kept-pace ones, at a personal `scale`, over two severities.
    fn runner(scale: f64, ratio: f64, n: usize) -> Vec<CrampRecord> {
        let mut v = Vec::new();
        for i in 0..n {
            let sev = Some(1 + (i % 2) as u8);
            let jitter = 1.0 + 0.37 * ((i * 7919 % 13) as f64 / 13.0 - 0.5);
            let base = scale * jitter * if sev == Some(2) { 1.6 } else { 1.0 };
            v.push(cramp(i as u32, sev, Response::KeptPace, base));
            v.push(cramp(i as u32, sev, Response::Slowed, base * ratio));
        }
        v
    }

    #[test]
    fn one_runner_pooled_gives_that_runners_own_stratified_ratio() {
        let r = runner(30.0, 0.6, 10);
        let single = crate::analysis::compare::compare_one(&r, &AnalysisSpec::primary(), &quick());
        let pooled = compare_one(&[r], &analyses()[0], &quick());
        assert_eq!(pooled.duration_ratio, single.duration_ratio);
        assert_eq!(pooled.median_diff_s, single.median_diff_s);
        assert_eq!(pooled.runners_contributing, Some(1));
        // One runner cannot give a verdict about runners.
        assert_eq!(pooled.verdict, Verdict::NotEnoughData);
    }

    #[test]
    fn runners_who_each_did_only_one_thing_contribute_nothing() {
        // A always slows and has short cramps; B always keeps pace and has
        // long ones: pooled without strata this is a "shorter" effect.
        let a: Vec<CrampRecord> = (0..20)
            .map(|i| cramp(i, Some(2), Response::Slowed, 10.0 + f64::from(i)))
            .collect();
        let b: Vec<CrampRecord> = (0..20)
            .map(|i| cramp(i, Some(2), Response::KeptPace, 60.0 + f64::from(i)))
            .collect();
        let c = compare_one(&[a, b], &analyses()[0], &quick());
        assert_eq!(c.duration_ratio, None);
        assert_eq!((c.n_group, c.n_reference), (0, 0));
        assert_eq!(c.not_contributing, Some(40));
        assert_eq!(c.runners_contributing, Some(0));
        assert_eq!(c.verdict, Verdict::NotEnoughData);
    }

    #[test]
    fn between_runner_differences_in_scale_do_not_move_the_pooled_ratio() {
        // Twelve runners with scales from 10 s to 120 s, each with a true
        // ratio of exactly 0.6 in every pair: the pooled ratio is 0.6.
        let runners: Vec<Vec<CrampRecord>> = (0..12)
            .map(|k| runner(10.0 * f64::from(k + 1), 0.6, 8))
            .collect();
        let c = compare_one(&runners, &analyses()[0], &quick());
        let ratio = c.duration_ratio.unwrap();
        assert!((ratio - 0.6).abs() < 1e-9, "{ratio}");
        assert_eq!(c.runners_contributing, Some(12));
        assert_eq!((c.n_group, c.n_reference), (96, 96));
    }

    #[test]
    fn cramps_without_severity_are_left_out_of_the_primary_and_form_strata_in_the_sensitivity() {
        let mut r = runner(30.0, 0.6, 10);
        r.push(cramp(50, None, Response::Slowed, 5.0));
        r.push(cramp(51, None, Response::KeptPace, 90.0));
        let runners = vec![r.clone(), r];
        let all = compare(&runners, &quick());
        assert_eq!(all.left_out_no_severity, Some(4));
        assert_eq!(all.n_group, 20);
        let own = all
            .sensitivity
            .iter()
            .find(|s| s.label == "missing_severity_as_strata")
            .expect("the sensitivity analysis is there");
        assert_eq!(own.left_out_no_severity, Some(0));
        assert_eq!(own.n_group, 22);
        assert_eq!(own.missing_severity, 4);
        assert_eq!(all.secondary.len(), 2);
        assert_eq!(all.sensitivity.len(), 4);
    }

    /// The runner bootstrap's shortcut (a runner drawn c times multiplies
    /// its strata's weights by c) against recomputing the stratified
    /// Hodges–Lehmann shift on copied strata, draw for draw.
    #[test]
    fn the_runner_bootstrap_equals_recomputing_each_resample_from_copied_strata() {
        let runners: Vec<Vec<CrampRecord>> = (0..6)
            .map(|k| {
                runner(
                    12.0 + 9.0 * f64::from(k),
                    0.5 + 0.1 * f64::from(k),
                    3 + k as usize,
                )
            })
            .collect();
        let sel = select(&runners, &analyses()[0]);
        let sums = sel.strata.per_runner(runners.len());
        let (b, seed) = (300, 99);
        let sd = runner_bootstrap_sd(&sums, b, seed).unwrap();
        // Brute force with the same draws.
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let by_runner: Vec<Vec<&[Vec<f64>; 4]>> = (0..runners.len())
            .map(|r| {
                sel.strata
                    .cells
                    .iter()
                    .filter(|((rr, _), _)| *rr == r)
                    .map(|(_, v)| v)
                    .collect()
            })
            .collect();
        let mut est = Vec::new();
        for _ in 0..b {
            let mut strata = Vec::new();
            for _ in 0..runners.len() {
                for v in &by_runner[rng.random_range(0..runners.len())] {
                    strata.push(Stratum { x: &v[2], y: &v[3] });
                }
            }
            est.push(stats::stratified_hodges_lehmann(&strata).unwrap());
        }
        let mean = est.iter().sum::<f64>() / b as f64;
        let brute = (est.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (b - 1) as f64).sqrt();
        assert!((sd - brute).abs() < 1e-12, "{sd} vs {brute}");
    }

    #[test]
    fn the_t_interval_widens_the_bootstrap_sd_by_t_and_the_divisor_correction() {
        // t(0.975, 9) = 2.2621571627409915 (scipy.stats.t.ppf(0.975, 9)).
        let (lo, hi) = t_interval(0.0, 0.1, 10, 0.95).unwrap();
        let half = 2.2621571627409915 * 0.1 * (10.0f64 / 9.0).sqrt();
        assert!((hi - half).abs() < 1e-9 && (lo + half).abs() < 1e-9);
        assert_eq!(t_interval(0.0, 0.1, 1, 0.95), None);
    }

    #[test]
    fn runners_with_fewer_than_three_of_either_response_stay_out_of_the_meta_analysis() {
        let mut runners: Vec<Vec<CrampRecord>> = (0..4)
            .map(|k| runner(20.0 + 10.0 * f64::from(k), 0.6, 4))
            .collect();
        runners.push(runner(40.0, 0.6, 2)); // 2 slowed, 2 kept: out
        let b = between_runners(&runners, 0.05);
        assert_eq!(b.estimates.len(), 4);
        assert!(b.estimates.iter().all(|e| e.runner < 4));
        // SE_r = √(π/3 · s² / W_r) with W_r = 2 strata × 2·2/(2+2) = 2.
        let s2 = b.pooled_var.unwrap();
        let e = &b.estimates[0];
        assert!((e.pairs_weight - 2.0).abs() < 1e-12);
        assert!((e.se - (std::f64::consts::PI / 3.0 * s2 / 2.0).sqrt()).abs() < 1e-12);
        assert!(b.meta.is_ok());
        // Two runners are refused, with the reason.
        let b2 = between_runners(&runners[..2], 0.05);
        assert!(b2.meta.is_err());
    }
}
