//! The batch behind `analyze --cohort` / `--runners` (docs/METHOD.md §5):
//! each runner is analysed exactly as `analyze` would analyse them alone —
//! their own tags, duplicates, threshold and placebo check, nothing
//! crossing runners — and only then are the runners' cramps pooled, on
//! runner × severity strata, and their own ratios meta-analysed.
//!
//! Runners are processed one after another, each on the shared thread
//! pool, so memory holds one runner's activities at a time plus the
//! growing table of files and cramps.

use std::path::PathBuf;

use rayon::prelude::*;

use super::{BatchError, records, run_in, thread_pool};
use crate::analysis::CrampRecord;
use crate::analysis::compare::CompareOptions;
use crate::analysis::pooled::{self, BetweenRunners};
use crate::config::Config;
use crate::ingest::inputs::Inputs;
use crate::results::{Batch, Cohort, FileResult, MetaResult, MetaRunner, RunnerResult};
use crate::tags::TagSummary;

/// One runner of a cohort: a name and the configuration `analyze` would
/// run on them alone (their paths and tag files; every method setting the
/// cohort's).
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The runner's name.
    pub name: String,
    /// Their batch's configuration.
    pub cfg: Config,
}

/// Run the cohort. `cfg` carries the settings shared by all runners (the
/// comparison options, threads); `on_file` is called once per input file
/// as it finishes (true when it failed), for progress display.
pub fn run(
    runners: &[RunnerConfig],
    cfg: &Config,
    on_file: &(dyn Fn(bool) + Sync),
) -> Result<Batch, BatchError> {
    let pool = thread_pool(cfg.threads)?;
    let mut all = Batch::empty(cfg);
    let mut per_runner: Vec<Vec<CrampRecord>> = Vec::with_capacity(runners.len());
    let mut results = Vec::with_capacity(runners.len());
    let mut thresholds = Vec::new();
    for r in runners {
        let inputs = Inputs::find(&r.cfg.paths, r.cfg.limits);
        let batch = match run_in(&r.cfg, inputs, on_file, &pool) {
            Ok(b) => b,
            // One runner's unreadable tag file fails that runner, not the
            // cohort: it is named like any failed input.
            Err(BatchError::Tags(e)) => {
                let mut row = FileResult::failed(r.name.clone(), e.to_string());
                row.runner = Some(r.name.clone());
                all.files.push(row);
                per_runner.push(Vec::new());
                results.push(RunnerResult {
                    runner: r.name.clone(),
                    files: 1,
                    activities: 0,
                    cramps: 0,
                    threshold_pct: None,
                    placebo_slowed_pct: None,
                    placebo_moments: 0,
                    failed: 1,
                    comparison: crate::analysis::compare::compare(&[], &cfg.compare),
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        per_runner.push(records(&batch.cramps));
        if batch.placebo_moments > 0 || !batch.cramps.is_empty() {
            thresholds.push(batch.threshold_pct);
        }
        results.push(RunnerResult {
            runner: r.name.clone(),
            files: batch.files.len(),
            activities: batch
                .files
                .iter()
                .filter(|f| f.status == crate::results::FileStatus::Ok)
                .count(),
            cramps: batch.cramps.len(),
            threshold_pct: batch.comparison.threshold_pct,
            placebo_slowed_pct: batch.placebo_slowed_pct,
            placebo_moments: batch.placebo_moments,
            failed: batch.failed(),
            comparison: batch.comparison.clone(),
        });
        absorb(&mut all, batch, &r.name);
    }
    for (i, c) in all.cramps.iter_mut().enumerate() {
        c.cramp_id = i + 1;
    }

    let compare_opts = CompareOptions {
        landmark_s: cfg.windows.response.to_s,
        ..cfg.compare
    };
    let mut comparison = pooled::compare_with(&per_runner, &compare_opts, |specs, one| {
        pool.install(|| specs.par_iter().map(one).collect())
    });
    // The cohort's threshold: the median of the runners' own.
    all.threshold_pct = crate::analysis::stats::median(&thresholds).unwrap_or(f64::NAN);
    let moments: usize = results.iter().map(|r| r.placebo_moments).sum();
    all.placebo_moments = moments;
    all.placebo_slowed_pct = (moments > 0)
        .then(|| {
            results
                .iter()
                .filter_map(|r| Some(r.placebo_slowed_pct? * r.placebo_moments as f64))
                .sum::<f64>()
                / moments as f64
        })
        .filter(|v| v.is_finite());
    comparison.threshold_pct = all.threshold_pct.is_finite().then_some(all.threshold_pct);
    comparison.placebo_slowed_pct = all.placebo_slowed_pct;
    all.comparison = comparison;
    let between = pooled::between_runners(&per_runner, cfg.compare.alpha);
    let names: Vec<&str> = runners.iter().map(|r| r.name.as_str()).collect();
    all.files
        .sort_by(|a, b| (&a.runner, &a.path).cmp(&(&b.runner, &b.path)));
    all.inputs.sort();
    all.inputs.dedup();
    all.cohort = Some(Cohort {
        runners: results,
        meta: meta_result(&between, &names),
    });
    Ok(all)
}

/// Add one runner's batch to the cohort's: rows marked with the runner,
/// messages prefixed with the runner's name.
fn absorb(all: &mut Batch, batch: Batch, name: &str) {
    let tag = |s: &str| format!("{name}: {s}");
    all.files.extend(batch.files.into_iter().map(|mut f| {
        f.runner = Some(name.to_string());
        f
    }));
    all.cramps.extend(batch.cramps.into_iter().map(|mut c| {
        c.runner = Some(name.to_string());
        c
    }));
    all.warnings.extend(batch.warnings.iter().map(|w| tag(w)));
    all.unmatched_tags.extend(batch.unmatched_tags);
    all.skipped_non_activities += batch.skipped_non_activities;
    all.tag_rows += batch.tag_rows;
    merge_tags(&mut all.tag_summary, &batch.tag_summary, name);
    all.inputs.extend(batch.inputs);
}

/// One runner's tag summary added to the cohort's.
fn merge_tags(all: &mut TagSummary, one: &TagSummary, name: &str) {
    let tag = |s: &String| format!("{name}: {s}");
    all.rows_read += one.rows_read;
    all.rows_used += one.rows_used;
    all.rows_lost += one.rows_lost;
    all.rows_elsewhere += one.rows_elsewhere;
    all.rows_merged += one.rows_merged;
    all.elsewhere.extend(one.elsewhere.iter().map(tag));
    all.lost.extend(one.lost.iter().map(tag));
    all.caveats.extend(one.caveats.iter().map(tag));
}

/// The between-runner analysis as reported: ratios, names, and a note when
/// there is none or its prediction interval may be too narrow.
pub(crate) fn meta_result(b: &BetweenRunners, names: &[&str]) -> MetaResult {
    let z = crate::analysis::stats::normal_quantile(0.975).expect("0.975 lies in (0, 1)");
    let weights = b.meta.as_ref().ok().map(|m| m.weights_pct.clone());
    let runners = b
        .estimates
        .iter()
        .enumerate()
        .map(|(i, e)| MetaRunner {
            runner: names.get(e.runner).copied().unwrap_or("?").to_string(),
            slowed: e.n_slowed,
            kept_pace: e.n_kept_pace,
            duration_ratio: e.log_ratio.exp(),
            ci_low: (e.log_ratio - z * e.se).exp(),
            ci_high: (e.log_ratio + z * e.se).exp(),
            se_log: e.se,
            weight_pct: weights.as_ref().and_then(|w| w.get(i).copied()),
        })
        .collect();
    let method = "random effects: REML τ², Hartung–Knapp–Sidik–Jonkman 95 % CI, \
                  95 % prediction interval with t(k − 2)"
        .to_string();
    match &b.meta {
        Ok(m) => MetaResult {
            k: m.k,
            duration_ratio: Some(m.mu.exp()),
            ci_low: Some(m.ci.0.exp()),
            ci_high: Some(m.ci.1.exp()),
            tau2: Some(m.tau2),
            i2_pct: Some(m.i2_pct),
            pi_low: Some(m.pi.0.exp()),
            pi_high: Some(m.pi.1.exp()),
            method,
            note: m.pi_may_be_too_narrow.then(|| {
                format!(
                    "with {} runners{}, the prediction interval may be too narrow: \
                     differences between runners smaller than their own uncertainty cannot be seen",
                    m.k,
                    if m.tau2 == 0.0 {
                        " and no heterogeneity detected (τ² = 0)"
                    } else {
                        ""
                    }
                )
            }),
            runners,
        },
        Err(why) => MetaResult {
            k: b.estimates.len(),
            method,
            note: Some(why.to_string()),
            runners,
            ..MetaResult::default()
        },
    }
}

/// Every runner's input files on disk (for the output guard before the
/// analysis runs) and how many sources they hold (for the progress bar).
pub fn survey(runners: &[RunnerConfig]) -> (Vec<PathBuf>, usize) {
    let (mut files, mut sources) = (Vec::new(), 0);
    for r in runners {
        let inputs = Inputs::find(&r.cfg.paths, r.cfg.limits);
        sources += inputs.sources().len();
        files.extend(inputs.files_on_disk());
        files.extend(r.cfg.tag_files.iter().cloned());
    }
    (files, sources)
}
