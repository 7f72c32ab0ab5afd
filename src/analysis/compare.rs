//! From a table of cramps to docs/METHOD.md §4's `comparison` object: selects the
//! cramps each analysis uses (primary, secondary, sensitivity), stratifies by
//! severity, and puts the estimate, its uncertainty, the test, the
//! dose–response and the detectable ratio next to the verdict.

use std::collections::BTreeMap;

use serde::Serialize;

use super::stats::{self, BootstrapUnit, PowerSettings, Stratum};
use super::verdict::{self, Evidence, Rules, Verdict};
use super::{CrampRecord, Response};

/// Settings of the comparison (docs/METHOD.md §3 defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareOptions {
    /// Bootstrap resamples of whole runs (10,000).
    pub bootstrap_resamples: usize,
    /// Permutation budget of the van Elteren test (9,999); exact
    /// enumeration when the relabellings are at most this many.
    pub permutations: usize,
    /// Seed every random stream is derived from.
    pub seed: u64,
    /// Simulated data sets behind the detectable ratio (500: the 20th
    /// percentile of 500 critical shifts pins the power to 0.80 ± 0.02).
    pub power_sims: usize,
    /// Power the detectable ratio is defined at (0.8).
    pub power: f64,
    /// Significance level (0.05): the CI is at 1 − α, the equivalence CI at
    /// 1 − 2α (TOST; Schuirmann 1987, J. Pharmacokinet. Biopharm. 15:657).
    pub alpha: f64,
    /// Equivalence bounds on the ratio (0.8, 1.25; Lakens 2017).
    pub equivalence: (f64, f64),
    /// Fewer cramps with an outcome in either group: not enough data (5).
    pub min_group_n: usize,
    /// Fewer cramps in either group: exploratory (15).
    pub min_verdict_n: usize,
    /// Cramps from fewer runs (in a cohort: contributing runners): not
    /// enough data (3).
    pub min_runs: usize,
    /// In a cohort, fewer contributing runners: exploratory (10;
    /// docs/METHOD.md §5).
    pub min_verdict_runners: usize,
    /// With fewer runs, exact Moses CIs replace the run bootstrap (10).
    pub min_bootstrap_runs: usize,
    /// More than this share of compared cramps without severity:
    /// exploratory (0.25).
    pub max_missing_severity_fraction: f64,
    /// The landmark: seconds after onset where the primary outcome starts
    /// counting, the end of the response window (18). Used only to word the
    /// summary; the batch sets it to the end of its response window.
    pub landmark_s: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            bootstrap_resamples: 10_000,
            permutations: 9_999,
            seed: 20_260_503,
            power_sims: 500,
            power: 0.8,
            alpha: 0.05,
            equivalence: (0.8, 1.25),
            min_group_n: 5,
            min_verdict_n: 15,
            min_runs: 3,
            min_verdict_runners: 10,
            min_bootstrap_runs: 10,
            max_missing_severity_fraction: 0.25,
            landmark_s: crate::align::WindowOptions::default().response.to_s,
        }
    }
}

impl CompareOptions {
    pub(super) fn rules(&self) -> Rules {
        Rules {
            min_group_n: self.min_group_n,
            min_verdict_n: self.min_verdict_n,
            min_runs: self.min_runs,
            min_verdict_runners: self.min_verdict_runners,
            max_missing_severity_fraction: self.max_missing_severity_fraction,
            alpha: self.alpha,
            equivalence: self.equivalence,
            landmark_s: self.landmark_s,
        }
    }

    /// These options as (name, value) rows of a report's settings table
    /// (the landmark is there as the response window's end).
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "bootstrap resamples (whole runs)",
                self.bootstrap_resamples.to_string(),
            ),
            ("permutations (van Elteren)", self.permutations.to_string()),
            ("seed", self.seed.to_string()),
            (
                "detectable-ratio simulations",
                format!("{} at power {}", self.power_sims, self.power),
            ),
            ("alpha", self.alpha.to_string()),
            (
                "equivalence bounds",
                format!("{} – {}", self.equivalence.0, self.equivalence.1),
            ),
            (
                "minimum cramps per group / for a verdict",
                format!("{} / {}", self.min_group_n, self.min_verdict_n),
            ),
            (
                "minimum runs / for the run bootstrap",
                format!("{} / {}", self.min_runs, self.min_bootstrap_runs),
            ),
            (
                "most cramps without severity for a verdict",
                format!("{} %", 100.0 * self.max_missing_severity_fraction),
            ),
        ]
    }
}

/// Which duration a comparison is about: its endpoint (serialised as the
/// `outcome` of docs/METHOD.md §4; not to be confused with a cramp's
/// [`crate::analysis::outcome::CrampOutcome`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// Time beyond +18 s among cramps still going then (primary).
    RemainingS,
    /// Full tagged duration (sensitivity).
    DurationS,
}

/// Which cramps one analysis compares, and on what.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSpec {
    /// Name in the output (`primary`, `walked_vs_kept_pace`, …).
    pub label: &'static str,
    /// First group (numerator of the ratio).
    pub group: Response,
    /// Reference group (denominator).
    pub reference: Response,
    /// Endpoint compared.
    pub outcome: Endpoint,
    /// Include cramps whose onset was typed in afterwards.
    pub include_approx: bool,
    /// Only the first cramp of each run.
    pub first_per_run_only: bool,
    /// Compute Kendall's τ of slowdown vs outcome among slowed + kept_pace.
    pub dose_response: bool,
}

impl AnalysisSpec {
    /// Slowed vs kept_pace, time beyond +18 s, precise onsets.
    pub fn primary() -> Self {
        AnalysisSpec {
            label: "primary",
            group: Response::Slowed,
            reference: Response::KeptPace,
            outcome: Endpoint::RemainingS,
            include_approx: false,
            first_per_run_only: false,
            dose_response: true,
        }
    }

    /// Walked vs kept_pace and stopped vs kept_pace, otherwise as primary.
    pub fn secondary() -> Vec<Self> {
        vec![
            AnalysisSpec {
                label: "walked_vs_kept_pace",
                group: Response::Walked,
                dose_response: false,
                ..Self::primary()
            },
            AnalysisSpec {
                label: "stopped_vs_kept_pace",
                group: Response::Stopped,
                dose_response: false,
                ..Self::primary()
            },
        ]
    }

    /// The primary comparison with one choice changed at a time: full
    /// duration; approximate onsets included; first cramp per run only.
    pub fn sensitivity() -> Vec<Self> {
        vec![
            AnalysisSpec {
                label: "full_duration",
                outcome: Endpoint::DurationS,
                ..Self::primary()
            },
            AnalysisSpec {
                label: "approx_onsets_included",
                include_approx: true,
                ..Self::primary()
            },
            AnalysisSpec {
                label: "first_cramp_per_run",
                first_per_run_only: true,
                ..Self::primary()
            },
        ]
    }
}

/// One comparison of cramp durations (docs/METHOD.md §4 `comparison`). Every
/// number that cannot be computed is `None` (JSON `null`), never NaN.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Which analysis this is.
    pub label: String,
    /// First group (numerator of the ratio).
    pub group: Response,
    /// Reference group.
    pub reference: Response,
    /// Endpoint compared.
    pub outcome: Endpoint,
    /// Cramps in this analysis's selection classified slowed.
    pub slowed: usize,
    /// … kept pace.
    pub kept_pace: usize,
    /// … walked.
    pub walked: usize,
    /// … stopped.
    pub stopped: usize,
    /// … unknown.
    pub unknown: usize,
    /// Cramps of the first group with a usable outcome.
    pub n_group: usize,
    /// Cramps of the reference group with a usable outcome.
    pub n_reference: usize,
    /// Runs those cramps come from.
    pub n_runs: usize,
    /// Compared-group cramps that ended by +18 s (outside the primary
    /// outcome; counted and shown).
    pub ended_in_window: usize,
    /// Compared-group cramps without a usable outcome (no end, censored).
    pub without_outcome: usize,
    /// Compared cramps (with outcome) that lack severity.
    pub missing_severity: usize,
    /// In a cohort: runners with a stratum holding both groups, the only
    /// ones whose cramps count (docs/METHOD.md §5). Absent for one runner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runners_contributing: Option<usize>,
    /// In a cohort: compared cramps with an outcome left out because no
    /// stratum of their runner and severity holds the other group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_contributing: Option<usize>,
    /// In a cohort's primary analysis: compared cramps with an outcome left
    /// out because they have no severity (they enter the sensitivity
    /// analysis `missing_severity_as_strata`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_out_no_severity: Option<usize>,
    /// Median outcome of the first group, seconds (unadjusted).
    pub median_group_s: Option<f64>,
    /// Median outcome of the reference group, seconds (unadjusted).
    pub median_reference_s: Option<f64>,
    /// exp(severity-stratified Hodges–Lehmann shift of log outcome).
    pub duration_ratio: Option<f64>,
    /// Lower (1 − α) CI bound of the ratio.
    pub ci_low: Option<f64>,
    /// Upper (1 − α) CI bound of the ratio.
    pub ci_high: Option<f64>,
    /// Lower (1 − 2α) CI bound (equivalence test).
    pub ci90_low: Option<f64>,
    /// Upper (1 − 2α) CI bound (equivalence test).
    pub ci90_high: Option<f64>,
    /// How the CIs were computed.
    pub ci_method: Option<String>,
    /// Two-sided p-value of the stratified test.
    pub p_value: Option<f64>,
    /// The test, in words.
    pub test: Option<String>,
    /// The test's result (how many shuffles, exact or drawn), for the
    /// text outputs to describe it in plain words; not in the JSON, which
    /// carries `test` and `p_value`.
    #[serde(skip)]
    pub test_result: Option<stats::VanElteren>,
    /// Severity-stratified Cliff's δ (positive: first group lasts longer).
    pub cliffs_delta: Option<f64>,
    /// Severity-stratified Hodges–Lehmann shift in seconds (first group
    /// minus reference).
    pub median_diff_s: Option<f64>,
    /// Kendall's τ-b of slowdown vs outcome among slowed + kept_pace.
    pub kendall_tau: Option<f64>,
    /// Lower 95 % bound of τ (Fisher z, Bonett–Wright SE).
    pub kendall_tau_ci_low: Option<f64>,
    /// Upper 95 % bound of τ.
    pub kendall_tau_ci_high: Option<f64>,
    /// Cramps entering τ.
    pub kendall_n: usize,
    /// Slowdown threshold T in percent (filled by the caller).
    pub threshold_pct: Option<f64>,
    /// Share of placebo moments classed slowed, percent (filled by the
    /// caller).
    pub placebo_slowed_pct: Option<f64>,
    /// Smallest ratio (< 1) detectable with 80 % power at these group sizes
    /// and spread.
    pub detectable_ratio: Option<f64>,
    /// The verdict tier.
    pub verdict: Verdict,
    /// One plain sentence.
    pub summary: String,
    /// Walked and stopped vs kept_pace (primary only).
    pub secondary: Vec<Comparison>,
    /// Full duration; approximate onsets included; first cramp per run
    /// (primary only).
    pub sensitivity: Vec<Comparison>,
}

/// Every analysis [`compare`] runs, in the order [`assemble`] expects:
/// the primary, then the secondary, then the sensitivity analyses.
pub fn analyses() -> Vec<AnalysisSpec> {
    let mut specs = vec![AnalysisSpec::primary()];
    specs.extend(AnalysisSpec::secondary());
    specs.extend(AnalysisSpec::sensitivity());
    specs
}

/// The primary comparison carrying its secondary and sensitivity analyses,
/// from the results of [`analyses`] in that order.
pub fn assemble(mut done: Vec<Comparison>) -> Comparison {
    let n_secondary = AnalysisSpec::secondary().len();
    let sensitivity = done.split_off(1 + n_secondary);
    let secondary = done.split_off(1);
    let mut primary = done
        .pop()
        .expect("analyses() always starts with the primary analysis");
    primary.secondary = secondary;
    primary.sensitivity = sensitivity;
    primary
}

/// The primary comparison with its secondary and sensitivity analyses,
/// each computed by `map_all`, which applies the given function to every
/// spec and returns the results in order. The analyses are independent and
/// each is seeded by its own label, so any order of evaluation — the
/// batch's thread pool included — gives the same result as [`compare`].
pub fn compare_with(
    records: &[CrampRecord],
    opts: &CompareOptions,
    map_all: impl FnOnce(
        &[AnalysisSpec],
        &(dyn Fn(&AnalysisSpec) -> Comparison + Sync),
    ) -> Vec<Comparison>,
) -> Comparison {
    let specs = analyses();
    let done = map_all(&specs, &|spec| compare_one(records, spec, opts));
    debug_assert_eq!(
        done.len(),
        specs.len(),
        "map_all returns one result per spec"
    );
    assemble(done)
}

/// The primary comparison with its secondary and sensitivity analyses,
/// one after another.
pub fn compare(records: &[CrampRecord], opts: &CompareOptions) -> Comparison {
    compare_with(records, opts, |specs, one| specs.iter().map(one).collect())
}

/// SplitMix64 finaliser (Steele, Lea & Flood 2014, OOPSLA): turns a seed
/// and a stream name into well-separated seeds for independent streams.
pub(super) fn derive_seed(seed: u64, label: &str, purpose: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325; // FNV-1a offset basis
    for b in label.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = seed ^ h ^ purpose.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The stratified test in the JSON's words, naming the strata shuffled
/// within (`severity strata`, `runner × severity strata`).
pub(super) fn test_name(t: &stats::VanElteren, strata: &str) -> String {
    if t.exact {
        format!(
            "van Elteren, exact over all {} relabellings within {strata}",
            t.permutations
        )
    } else {
        format!(
            "van Elteren, {} permutations within {strata}",
            t.permutations
        )
    }
}

/// The smallest ratio detectable with the wanted power at these stratum
/// sizes and the spread pooled over `cells` (log outcomes), simulated from
/// `seed` (docs/METHOD.md §3, *Verdict tiers*).
pub(super) fn detectable_ratio(
    sizes: &[(usize, usize)],
    cells: &[&[f64]],
    opts: &CompareOptions,
    seed: u64,
) -> Option<f64> {
    stats::pooled_sd(cells)
        .and_then(|sd| {
            stats::detectable_shift(
                sizes,
                sd,
                PowerSettings {
                    alpha: opts.alpha,
                    power: opts.power,
                    sims: opts.power_sims,
                    seed,
                },
            )
        })
        .and_then(|s| finite(s.exp()))
}

/// A finite number, else `None`.
pub(super) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// One cramp entering the comparison.
struct Compared {
    run: u32,
    severity: Option<u8>,
    in_group: bool,
    seconds: f64,
}

/// The outcome of a record in seconds, if usable (finite and positive:
/// the log scale needs it).
pub(super) fn outcome_s(r: &CrampRecord, outcome: Endpoint) -> Option<f64> {
    let v = match outcome {
        Endpoint::RemainingS => r.remaining_s,
        Endpoint::DurationS => r.duration_s,
    }?;
    (v.is_finite() && v > 0.0).then_some(v)
}

/// One analysis: the cramps `spec` selects, compared by `opts`.
pub fn compare_one(
    records: &[CrampRecord],
    spec: &AnalysisSpec,
    opts: &CompareOptions,
) -> Comparison {
    let selected: Vec<&CrampRecord> = records
        .iter()
        .filter(|r| {
            (spec.include_approx || !r.approx) && (!spec.first_per_run_only || r.first_in_run)
        })
        .collect();
    let count = |resp: Response| selected.iter().filter(|r| r.response == resp).count();
    let in_comparison =
        |r: &&&CrampRecord| r.response == spec.group || r.response == spec.reference;

    let mut compared = Vec::new();
    let mut ended_in_window = 0;
    let mut without_outcome = 0;
    for r in selected.iter().filter(in_comparison) {
        if r.ended_in_window {
            ended_in_window += 1;
        }
        match outcome_s(r, spec.outcome) {
            Some(seconds) => compared.push(Compared {
                run: r.run,
                severity: r.severity,
                in_group: r.response == spec.group,
                seconds,
            }),
            None => {
                if !(r.ended_in_window && spec.outcome == Endpoint::RemainingS) {
                    without_outcome += 1;
                }
            }
        }
    }
    let n_group = compared.iter().filter(|c| c.in_group).count();
    let n_reference = compared.len() - n_group;
    let n_runs = {
        let mut runs: Vec<u32> = compared.iter().map(|c| c.run).collect();
        runs.sort_unstable();
        runs.dedup();
        runs.len()
    };
    let missing_severity = compared.iter().filter(|c| c.severity.is_none()).count();

    // Per severity stratum: (group, reference) outcomes in seconds and logs.
    let mut by_severity: BTreeMap<Option<u8>, [Vec<f64>; 4]> = BTreeMap::new();
    for c in &compared {
        let cell = by_severity.entry(c.severity).or_default();
        let g = usize::from(!c.in_group);
        cell[g].push(c.seconds);
        cell[2 + g].push(c.seconds.ln());
    }
    let strata_log: Vec<Stratum<'_>> = by_severity
        .values()
        .map(|v| Stratum { x: &v[2], y: &v[3] })
        .collect();
    let strata_s: Vec<Stratum<'_>> = by_severity
        .values()
        .map(|v| Stratum { x: &v[0], y: &v[1] })
        .collect();

    let group_s: Vec<f64> = compared
        .iter()
        .filter(|c| c.in_group)
        .map(|c| c.seconds)
        .collect();
    let reference_s: Vec<f64> = compared
        .iter()
        .filter(|c| !c.in_group)
        .map(|c| c.seconds)
        .collect();

    let log_shift = stats::stratified_hodges_lehmann(&strata_log);
    let duration_ratio = log_shift.and_then(|s| finite(s.exp()));
    let levels = (1.0 - opts.alpha, 1.0 - 2.0 * opts.alpha);

    // Uncertainty: bootstrap over whole runs, or with few runs exact Moses
    // intervals in the largest stratum.
    let (ci, ci90, ci_method) = if log_shift.is_none() {
        (None, None, None)
    } else if n_runs >= opts.min_bootstrap_runs {
        let obs: Vec<BootstrapUnit> = compared
            .iter()
            .map(|c| BootstrapUnit {
                run: c.run,
                stratum: c.severity.map_or(0, |s| u32::from(s) + 1),
                in_group: c.in_group,
                value: c.seconds.ln(),
            })
            .collect();
        match stats::bootstrap_stratified_hl(
            &obs,
            opts.bootstrap_resamples,
            levels,
            derive_seed(opts.seed, spec.label, 1),
        ) {
            Some(b) => (
                Some(b.wide),
                Some(b.narrow),
                Some(format!(
                    "percentile bootstrap over {n_runs} runs, {} resamples",
                    b.resamples
                )),
            ),
            None => (None, None, None),
        }
    } else {
        let largest = by_severity
            .iter()
            .filter(|(_, v)| !v[0].is_empty() && !v[1].is_empty())
            .max_by_key(|(_, v)| (v[0].len() + v[1].len(), v[0].len() * v[1].len()));
        match largest {
            Some((sev, v)) => {
                let name = sev.map_or("no severity".to_string(), |s| format!("severity {s}"));
                (
                    stats::moses_ci(&v[2], &v[3], levels.0),
                    stats::moses_ci(&v[2], &v[3], levels.1),
                    Some(format!(
                        "exact Moses CI within the largest stratum ({name}; fewer than {} runs)",
                        opts.min_bootstrap_runs
                    )),
                )
            }
            None => (None, None, None),
        }
    };
    let exp_pair =
        |p: Option<(f64, f64)>| p.and_then(|(a, b)| Some((finite(a.exp())?, finite(b.exp())?)));
    let ci = exp_pair(ci);
    let ci90 = exp_pair(ci90);

    let test = stats::van_elteren(
        &strata_log,
        opts.permutations,
        derive_seed(opts.seed, spec.label, 2),
    );
    let test_name = test.map(|t| test_name(&t, "severity strata"));

    // Dose–response: slowdown vs outcome among cramps run through.
    let (kendall_tau, kendall_ci, kendall_n) = if spec.dose_response {
        let pairs: Vec<(f64, f64)> = selected
            .iter()
            .filter(|r| matches!(r.response, Response::Slowed | Response::KeptPace))
            .filter_map(|r| {
                let s = r.slowdown_pct.filter(|v| v.is_finite())?;
                Some((s, outcome_s(r, spec.outcome)?))
            })
            .collect();
        let (xs, ys): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
        let tau = stats::kendall_tau_b(&xs, &ys);
        let ci = tau.and_then(|t| stats::kendall_tau_ci(t, xs.len(), 0.95));
        (tau, ci, xs.len())
    } else {
        (None, None, 0)
    };

    let sizes: Vec<(usize, usize)> = by_severity
        .values()
        .map(|v| (v[0].len(), v[1].len()))
        .collect();
    let cells: Vec<&[f64]> = by_severity
        .values()
        .flat_map(|v| [v[2].as_slice(), v[3].as_slice()])
        .collect();
    let detectable_ratio =
        detectable_ratio(&sizes, &cells, opts, derive_seed(opts.seed, spec.label, 3));

    let evidence = Evidence {
        n_group,
        n_reference,
        n_runs,
        n_runners: None,
        missing_severity,
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
        spec.group,
        spec.reference,
        spec.outcome,
    );

    Comparison {
        label: spec.label.to_string(),
        group: spec.group,
        reference: spec.reference,
        outcome: spec.outcome,
        slowed: count(Response::Slowed),
        kept_pace: count(Response::KeptPace),
        walked: count(Response::Walked),
        stopped: count(Response::Stopped),
        unknown: count(Response::Unknown),
        n_group,
        n_reference,
        n_runs,
        ended_in_window,
        without_outcome,
        missing_severity,
        runners_contributing: None,
        not_contributing: None,
        left_out_no_severity: None,
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
        kendall_tau,
        kendall_tau_ci_low: kendall_ci.map(|c| c.0),
        kendall_tau_ci_high: kendall_ci.map(|c| c.1),
        kendall_n,
        threshold_pct: None,
        placebo_slowed_pct: None,
        detectable_ratio,
        verdict,
        summary,
        secondary: Vec::new(),
        sensitivity: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cramp(run: u32, severity: Option<u8>, response: Response, remaining_s: f64) -> CrampRecord {
        CrampRecord {
            run,
            severity,
            response,
            approx: false,
            first_in_run: false,
            slowdown_pct: Some(match response {
                Response::Slowed => 20.0,
                _ => 2.0,
            }),
            duration_s: Some(18.0 + remaining_s),
            remaining_s: Some(remaining_s),
            ended_in_window: false,
        }
    }

    fn quick() -> CompareOptions {
        CompareOptions {
            bootstrap_resamples: 500,
            permutations: 999,
            power_sims: 100,
            ..CompareOptions::default()
        }
    }

    /// Slowed B_x vs kept B_y (see stats_tests), one stratum, one cramp per
    /// run in 11 runs.
    fn small_table() -> Vec<CrampRecord> {
        let x = [12.1, 7.4, 9.9, 15.2, 8.8];
        let y = [6.1, 10.3, 5.5, 7.9, 4.2, 6.6];
        let mut v: Vec<CrampRecord> = x
            .iter()
            .map(|&s| (Response::Slowed, s))
            .chain(y.iter().map(|&s| (Response::KeptPace, s)))
            .enumerate()
            .map(|(i, (r, s))| cramp(i as u32, Some(2), r, s))
            .collect();
        for c in &mut v {
            c.first_in_run = true;
        }
        v
    }

    #[test]
    fn an_empty_table_is_not_enough_data_with_every_number_null() {
        let c = compare(&[], &quick());
        assert_eq!(c.verdict, Verdict::NotEnoughData);
        assert_eq!(c.duration_ratio, None);
        assert_eq!(c.ci_low, None);
        assert_eq!(c.p_value, None);
        assert_eq!(c.detectable_ratio, None);
        assert!(c.summary.starts_with("Not enough data"), "{}", c.summary);
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("NaN"));
        assert!(json.contains("\"duration_ratio\":null"));
    }

    #[test]
    fn the_primary_estimates_match_independent_reference_values() {
        let c = compare_one(&small_table(), &AnalysisSpec::primary(), &quick());
        // np.exp(np.median(np.subtract.outer(np.log(B_x), np.log(B_y))))
        assert!((c.duration_ratio.unwrap() - 1.5654497473226041).abs() < 1e-12);
        // np.median(np.subtract.outer(B_x, B_y)) = 3.5500000000000007
        assert!((c.median_diff_s.unwrap() - 3.5500000000000007).abs() < 1e-12);
        // Cliff's δ (numpy pair counts) = 0.7333333333333333
        assert!((c.cliffs_delta.unwrap() - 0.7333333333333333).abs() < 1e-12);
        // Exact: 24 of 462 relabellings (= scipy's exact Mann–Whitney p).
        assert!((c.p_value.unwrap() - 0.05194805194805195).abs() < 1e-12);
        assert!(c.test.unwrap().contains("exact"));
        assert_eq!((c.n_group, c.n_reference, c.n_runs), (5, 6, 11));
        // 5 and 6 cramps: enough for descriptives, not for a verdict.
        assert_eq!(c.verdict, Verdict::Exploratory);
        assert!(c.summary.contains("associated with"), "{}", c.summary);
    }

    #[test]
    fn with_fewer_than_ten_runs_the_ci_is_the_exact_moses_interval_of_the_largest_stratum() {
        let g_x = [
            31.0, 45.5, 28.2, 60.1, 39.9, 52.3, 47.0, 35.5, 41.2, 58.8, 44.4, 30.3,
        ];
        let g_y = [22.1, 30.5, 18.7, 35.2, 27.7, 25.0, 40.3, 19.9, 33.3, 28.8];
        let mut v = Vec::new();
        for (i, &s) in g_x.iter().enumerate() {
            v.push(cramp(i as u32 % 5, Some(2), Response::Slowed, s));
        }
        for (i, &s) in g_y.iter().enumerate() {
            v.push(cramp(i as u32 % 5, Some(2), Response::KeptPace, s));
        }
        // A smaller severity-1 stratum that must not be used for the CI.
        for (r, s) in [
            (Response::Slowed, 5.0),
            (Response::Slowed, 6.0),
            (Response::KeptPace, 90.0),
        ] {
            v.push(cramp(0, Some(1), r, s));
        }
        let c = compare_one(&v, &AnalysisSpec::primary(), &quick());
        assert_eq!(c.n_runs, 5);
        assert!(c.ci_method.as_deref().unwrap().contains("Moses"));
        // Python brute force over itertools.combinations(range(1, 23), 12) on
        // the logs, exp of D[c] and D[mn-c-1]:
        // 95 % -> (1.1704545454545456, 1.970491803278688)
        // 90 % -> (1.2400000000000002, 1.8642533936651586)
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-12;
        assert!(close(c.ci_low, 1.1704545454545456));
        assert!(close(c.ci_high, 1.970491803278688));
        assert!(close(c.ci90_low, 1.2400000000000002));
        assert!(close(c.ci90_high, 1.8642533936651586));
    }

    #[test]
    fn approximate_onsets_and_cramps_ended_in_the_window_stay_out_of_the_primary_outcome() {
        let mut v = small_table();
        let mut approx = cramp(20, Some(2), Response::Slowed, 500.0);
        approx.approx = true;
        v.push(approx);
        let mut short = cramp(21, Some(2), Response::KeptPace, 1.0);
        short.remaining_s = None;
        short.duration_s = Some(12.0);
        short.ended_in_window = true;
        v.push(short);
        let mut open = cramp(22, Some(2), Response::KeptPace, 1.0);
        open.remaining_s = None;
        open.duration_s = None;
        v.push(open);

        let c = compare(&v, &quick());
        let base = compare_one(&small_table(), &AnalysisSpec::primary(), &quick());
        assert_eq!(c.duration_ratio, base.duration_ratio);
        assert_eq!((c.n_group, c.n_reference), (5, 6));
        assert_eq!((c.slowed, c.kept_pace), (5, 8));
        assert_eq!((c.ended_in_window, c.without_outcome), (1, 1));

        let labels: Vec<&str> = c.sensitivity.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "full_duration",
                "approx_onsets_included",
                "first_cramp_per_run"
            ]
        );
        // Full duration includes the cramp that ended at 12 s.
        assert_eq!(c.sensitivity[0].n_reference, 7);
        assert_eq!(c.sensitivity[0].outcome, Endpoint::DurationS);
        // Approximate onsets included: one more slowed cramp.
        assert_eq!(c.sensitivity[1].n_group, 6);
        assert_eq!(c.sensitivity[1].slowed, 6);
        // First cramp per run: the added cramps are not flagged first.
        assert_eq!(
            (c.sensitivity[2].n_group, c.sensitivity[2].n_reference),
            (5, 6)
        );
    }

    #[test]
    fn secondary_comparisons_are_walked_and_stopped_against_kept_pace() {
        let c = compare(&small_table(), &quick());
        let pairs: Vec<(Response, Response, &str)> = c
            .secondary
            .iter()
            .map(|s| (s.group, s.reference, s.label.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                (Response::Walked, Response::KeptPace, "walked_vs_kept_pace"),
                (
                    Response::Stopped,
                    Response::KeptPace,
                    "stopped_vs_kept_pace"
                )
            ]
        );
        assert!(
            c.secondary
                .iter()
                .all(|s| s.verdict == Verdict::NotEnoughData)
        );
        assert!(c.secondary[0].summary.contains("walking"));
        assert!(c.secondary[0].kendall_tau.is_none());
    }

    #[test]
    fn cramps_without_severity_form_their_own_stratum_and_too_many_ask_for_tags() {
        let mut rng_like = 0u32;
        let mut v = Vec::new();
        for run in 0..20u32 {
            for k in 0..4 {
                rng_like = rng_like.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let resp = if k % 2 == 0 {
                    Response::Slowed
                } else {
                    Response::KeptPace
                };
                // Half the cramps without severity.
                let sev = (k < 2).then_some(2);
                v.push(cramp(run, sev, resp, 20.0 + f64::from(rng_like % 40)));
            }
        }
        let c = compare_one(&v, &AnalysisSpec::primary(), &quick());
        assert_eq!(c.missing_severity, 40);
        assert_eq!(c.verdict, Verdict::Exploratory);
        assert!(c.summary.contains("please tag severity"), "{}", c.summary);
    }

    #[test]
    fn the_json_object_has_every_design_field_and_snake_case_names() {
        let c = compare(&small_table(), &quick());
        let json = serde_json::to_value(&c).unwrap();
        for key in [
            "slowed",
            "kept_pace",
            "walked",
            "stopped",
            "unknown",
            "duration_ratio",
            "ci_low",
            "ci_high",
            "ci90_low",
            "ci90_high",
            "p_value",
            "test",
            "cliffs_delta",
            "median_diff_s",
            "kendall_tau",
            "threshold_pct",
            "placebo_slowed_pct",
            "detectable_ratio",
            "verdict",
            "summary",
            "secondary",
            "sensitivity",
            "label",
        ] {
            assert!(json.get(key).is_some(), "missing {key}");
        }
        assert_eq!(json["verdict"], "exploratory");
        assert_eq!(json["group"], "slowed");
        assert_eq!(json["reference"], "kept_pace");
        assert_eq!(json["outcome"], "remaining_s");
        assert_eq!(json["secondary"][0]["verdict"], "not_enough_data");
    }

    /// `small_table` plus a copy in 11 more runs with 10 % longer cramps.
    pub(crate) fn two_tables() -> Vec<CrampRecord> {
        let mut v = small_table();
        for c in small_table() {
            v.push(CrampRecord {
                run: c.run + 100,
                remaining_s: c.remaining_s.map(|s| s * 1.1),
                ..c
            });
        }
        v
    }

    #[test]
    fn the_analyses_evaluated_in_any_order_assemble_into_the_sequential_comparison() {
        let v = two_tables();
        let opts = quick();
        let sequential = compare(&v, &opts);
        // Evaluate last to first, as a thread pool might, then restore order.
        let reversed = compare_with(&v, &opts, |specs, one| {
            let mut done: Vec<Comparison> = specs.iter().rev().map(one).collect();
            done.reverse();
            done
        });
        assert_eq!(reversed, sequential);
        assert_eq!(sequential.label, "primary");
        let labels = |cs: &[Comparison]| cs.iter().map(|c| c.label.clone()).collect::<Vec<_>>();
        assert_eq!(
            labels(&sequential.secondary),
            ["walked_vs_kept_pace", "stopped_vs_kept_pace"]
        );
        assert_eq!(
            labels(&sequential.sensitivity),
            [
                "full_duration",
                "approx_onsets_included",
                "first_cramp_per_run"
            ]
        );
        // Each analysis is seeded by its label, not by its turn: the primary
        // computed alone is the primary of the whole comparison.
        let alone = compare_one(&v, &AnalysisSpec::primary(), &opts);
        assert_eq!(alone.ci_low, sequential.ci_low);
        assert_eq!(alone.p_value, sequential.p_value);
    }
}
