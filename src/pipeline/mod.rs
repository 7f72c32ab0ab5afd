//! The batch behind `cramplab analyze` (and `report`): find the inputs →
//! read and reduce each activity in parallel (the only place with rayon;
//! an activity's samples are dropped as soon as its cramps and placebo
//! moments are measured) → aggregate: drop duplicate recordings, check the
//! tags, set each run's threshold, classify, assign outcomes, compare.
//! Results are sorted by path so output never depends on thread timing.
//! The rules themselves live in `analysis/`, `duplicates` and `tags/`; the
//! result types in `results`.

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;

pub mod cohort;

use crate::analysis::CrampRecord;
use crate::analysis::compare::{self, CompareOptions, Comparison};
use crate::analysis::placebo;
use crate::analysis::threshold;
use crate::config::Config;
use crate::duplicates::{self, Recording};
use crate::ingest::inputs::{Content, FileContent, Inputs};
use crate::measure::{self, Reduced, Source};
use crate::results::{Batch, CrampOutcome, CrampResult, FileResult, FileStatus};
use crate::tags::{self, CrampTag, Resolved, RowFate, TagIndex};

/// Why the batch could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A tag file could not be read.
    #[error(transparent)]
    Tags(#[from] tags::TagFileError),
    /// The thread pool could not be built.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
}

/// [`compare::compare`], with its analyses run on the batch's threads:
/// the same specs and the same assembly as the sequential call, so the
/// two cannot drift apart (tested below).
fn compare_in_pool(
    records: &[CrampRecord],
    opts: &CompareOptions,
    pool: &rayon::ThreadPool,
) -> Comparison {
    compare::compare_with(records, opts, |specs, one| {
        pool.install(|| specs.par_iter().map(one).collect())
    })
}

/// Run the batch over `inputs` (found with [`Inputs::find`] from
/// `cfg.paths`). `on_file` is called once per input file as it finishes
/// (true when it failed), for progress display.
pub fn run(
    cfg: &Config,
    inputs: Inputs,
    on_file: &(dyn Fn(bool) + Sync),
) -> Result<Batch, BatchError> {
    let pool = thread_pool(cfg.threads)?;
    run_in(cfg, inputs, on_file, &pool)
}

/// The batch's thread pool: `threads` workers, or one per core.
pub(crate) fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, BatchError> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n.max(1));
    }
    pool.build()
        .map_err(|_| BatchError::Threads(threads.unwrap_or(0)))
}

/// [`run`] on a thread pool the caller owns.
pub(crate) fn run_in(
    cfg: &Config,
    mut inputs: Inputs,
    on_file: &(dyn Fn(bool) + Sync),
    pool: &rayon::ThreadPool,
) -> Result<Batch, BatchError> {
    let tag_set = tags::read_tags(
        &cfg.paths,
        &cfg.tag_files,
        inputs.read_archived_tag_files(),
        &crate::ingest::container::is_candidate,
    )?;
    let rows = &tag_set.rows;
    let mut warnings = tag_set.warnings.clone();
    warnings.extend(inputs.take_notes());
    let mut input_files = inputs.files_on_disk();
    input_files.extend(tag_set.files.iter().cloned());
    input_files.sort();
    input_files.dedup();
    let mut files: Vec<FileResult> = inputs
        .take_failures()
        .into_iter()
        .filter_map(unread_row)
        .collect();

    let index = TagIndex::new(rows);
    let per_source: Vec<(Vec<Reduced>, Vec<FileResult>)> = pool.install(|| {
        (0..inputs.sources().len())
            .into_par_iter()
            .map(|i| {
                let r = process_source(&inputs, i, cfg, &index, &[]);
                on_file(r.1.iter().any(|f| f.status == FileStatus::Error));
                r
            })
            .collect()
    });
    let mut reduced: Vec<Reduced> = Vec::new();
    for (acts, others) in per_source {
        reduced.extend(acts);
        files.extend(others);
    }
    let skipped_non_activities = files
        .iter()
        .filter(|f| f.status == FileStatus::Skipped)
        .count();

    let dropped = drop_duplicates(&mut reduced, &inputs, cfg, &index, &mut warnings);

    // Tag rows: each should tag exactly one activity; a row that tagged a
    // dropped duplicate counts for the recording that was kept.
    let kept_of: BTreeMap<usize, usize> = dropped.iter().copied().collect();
    let mut claimed_by: Vec<Vec<String>> = vec![Vec::new(); rows.len()];
    for (k, r) in reduced.iter().enumerate() {
        let owner = kept_of.get(&k).map_or(k, |&kept| kept);
        for &i in &r.claims {
            let path = &reduced[owner].file.path;
            if let Some(c) = claimed_by.get_mut(i)
                && !c.contains(path)
            {
                c.push(path.clone());
            }
        }
    }
    let activities: Vec<String> = reduced.iter().map(|r| r.file.path.clone()).collect();
    let unmatched_tags = tags::check_matches(rows, &claimed_by, &activities, &cfg.tag_options);
    let tag_summary = summarize_tags(&tag_set, &reduced, &kept_of, &unmatched_tags);
    // A row for an activity not given is no problem: no warning.
    let elsewhere: HashSet<&str> = tag_summary.elsewhere.iter().map(String::as_str).collect();
    warnings.extend(
        unmatched_tags
            .iter()
            .filter(|p| {
                !elsewhere.contains(format!("{}:{}", p.csv_path.display(), p.line).as_str())
            })
            .map(ToString::to_string),
    );

    // Sort by path: output never depends on thread timing.
    reduced.sort_by(|a, b| a.file.path.cmp(&b.file.path));
    let analysed: Vec<&Reduced> = reduced.iter().filter(|r| r.analysed).collect();

    // The threshold T per run, and the placebo check at those thresholds
    // (docs/METHOD.md §3; the rules are in analysis::threshold and ::placebo).
    let running: Vec<Vec<f64>> = analysed
        .iter()
        .map(|r| {
            r.placebo
                .iter()
                .filter_map(|m| m.running_slowdown_pct())
                .collect()
        })
        .collect();
    let thresholds = threshold::run_thresholds(&running, &cfg.threshold);
    let placebo_slowed_pct = placebo::placebo_slowed_pct(
        analysed
            .iter()
            .zip(&thresholds.per_run_pct)
            .map(|(r, &t)| (r.placebo.as_slice(), t)),
    );
    let threshold_pct = thresholds.median_pct();
    let placebo_moments: usize = analysed.iter().map(|r| r.placebo.len()).sum();

    let mut cramps = Vec::new();
    for (run, (r, &t)) in analysed.iter().zip(&thresholds.per_run_pct).enumerate() {
        cramps.extend(measure::finish_cramps(r, run as u32, t, cfg));
    }
    for (i, c) in cramps.iter_mut().enumerate() {
        c.cramp_id = i + 1;
    }
    // The verdict's words name the landmark the windows set.
    let compare_opts = CompareOptions {
        landmark_s: cfg.windows.response.to_s,
        ..cfg.compare
    };
    let mut comparison = compare_in_pool(&records(&cramps), &compare_opts, pool);
    comparison.threshold_pct = Some(threshold_pct);
    comparison.placebo_slowed_pct = placebo_slowed_pct;

    let mut timelines = BTreeMap::new();
    for r in reduced {
        if let Some(tl) = r.timeline {
            timelines.insert(r.file.path.clone(), tl);
        }
        files.push(r.file);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Batch {
        files,
        cramps,
        comparison,
        threshold_pct,
        placebo_slowed_pct,
        placebo_moments,
        threshold_range_pct: thresholds.range_pct(),
        warnings,
        unmatched_tags,
        skipped_non_activities,
        tag_rows: rows.len(),
        tag_summary,
        inputs: input_files,
        landmark_s: cfg.windows.response.to_s,
        windows: cfg.windows.clone(),
        settings: cfg.settings(),
        timelines,
        cohort: None,
    })
}

/// What became of every tag (`tags::TagSummary`): a row is used when an
/// analysed activity (or the kept copy of a dropped duplicate) tags a
/// cramp with it.
fn summarize_tags(
    set: &tags::TagSet,
    reduced: &[Reduced],
    kept_of: &BTreeMap<usize, usize>,
    unclaimed: &[tags::TagProblem],
) -> tags::TagSummary {
    let mut fates = vec![RowFate::default(); set.rows.len()];
    let (mut infile_lost, mut caveats, mut merged) = (Vec::new(), Vec::new(), 0);
    for (k, r) in reduced.iter().enumerate() {
        let owner = &reduced[kept_of.get(&k).copied().unwrap_or(k)];
        for &i in &r.matched_rows {
            let Some(fate) = fates.get_mut(i) else {
                continue;
            };
            if owner.analysed {
                fate.used = true;
            } else if fate.not_analysed.is_none() {
                let why = owner.file.error.clone().unwrap_or_default();
                fate.not_analysed = Some((owner.file.path.clone(), why));
            }
        }
        for (i, p) in &r.row_problems {
            if let Some(fate) = fates.get_mut(*i) {
                fate.problem.get_or_insert_with(|| p.clone());
            }
        }
        infile_lost.extend(r.infile_lost.iter().cloned());
        caveats.extend(r.tag_caveats.iter().cloned());
        merged += r.rows_merged;
    }
    // Each message starts with its activity's path: path order.
    infile_lost.sort();
    caveats.sort();
    tags::summarize(set, &fates, unclaimed, infile_lost, caveats, merged)
}

/// A file that was not read into activities: a failure or a skipped
/// non-activity, as its `files[]` row.
fn unread_row(f: FileContent) -> Option<FileResult> {
    match f.content {
        Content::Activities(_) => None,
        Content::Skipped(reason) => Some(FileResult::skipped(f.display, reason)),
        Content::Failed(e) => Some(FileResult::failed(f.display, e.to_string())),
    }
}

/// Mark duplicate recordings skipped (docs/METHOD.md §2), keeping the
/// richest, and move tags that lived only in a dropped copy to the kept
/// recording. Returns the (dropped, kept) pairs.
///
/// The one place a file may be read a second time: the kept recording of
/// a dropped copy that carried tags the kept one lacks, which must be
/// measured on the kept recording. Keeping every activity's timeline until
/// duplicates are known would make the batch's memory grow with the
/// history (a 1 Hz hour is ~0.2 MB); this case is rare.
fn drop_duplicates(
    reduced: &mut [Reduced],
    inputs: &Inputs,
    cfg: &Config,
    index: &TagIndex,
    warnings: &mut Vec<String>,
) -> Vec<(usize, usize)> {
    let recordings: Vec<Recording> = reduced.iter().map(|r| r.recording.clone()).collect();
    let dropped = duplicates::find(&recordings);
    let mut rehome: BTreeMap<usize, Vec<CrampTag>> = BTreeMap::new();
    for (dup, kept) in &dropped {
        let kept_path = reduced[*kept].file.path.clone();
        let d = &mut reduced[*dup];
        warnings.push(format!(
            "{} is the same run as {}; analysed once, from {}",
            d.file.path, kept_path, kept_path
        ));
        d.file.status = FileStatus::Skipped;
        d.file.error = Some(format!(
            "duplicate of {kept_path} (the richer recording was analysed)"
        ));
        d.analysed = false;
        d.timeline = None;
        let tags: Vec<CrampTag> = d.cramps.drain(..).map(|m| m.tag).collect();
        d.file.cramps = 0;
        d.placebo.clear();
        if !tags.is_empty() {
            rehome.entry(*kept).or_default().extend(tags);
        }
    }
    for (kept, extra) in rehome {
        let k = &reduced[kept];
        let mut extra: Vec<CrampTag> = extra
            .into_iter()
            .filter(|t| !k.cramps.iter().any(|m| duplicates::same_cramp(&m.tag, t)))
            .collect();
        if extra.is_empty() {
            continue;
        }
        extra.sort_by_key(|t| t.onset_utc);
        let (src_i, act_i) = (k.source_index, k.activity_index);
        let (mut again, _) = process_source(inputs, src_i, cfg, index, &extra);
        if act_i < again.len() {
            let new = again.swap_remove(act_i);
            let old = &mut reduced[kept];
            old.cramps = new.cramps;
            old.placebo = new.placebo;
            old.timeline = new.timeline;
            old.file.cramps = old.cramps.len();
        }
    }
    dropped
}

/// Read one source and reduce each of its activities; its skipped and
/// failed files become `files[]` rows.
fn process_source(
    inputs: &Inputs,
    source_index: usize,
    cfg: &Config,
    index: &TagIndex,
    extra_tags: &[CrampTag],
) -> (Vec<Reduced>, Vec<FileResult>) {
    let mut reduced = Vec::new();
    let mut others = Vec::new();
    for file in inputs.read(source_index) {
        let Content::Activities(acts) = file.content else {
            others.extend(unread_row(file));
            continue;
        };
        let mut resolved: Vec<Resolved> = acts
            .iter()
            .map(|(_, a)| tags::resolve_rows(a, index, &cfg.tag_options))
            .collect();
        // A row that tags one session of a multisport file is no problem
        // for the file's other sessions.
        let matched: HashSet<usize> = resolved
            .iter()
            .flat_map(|r| r.found.iter().map(|(i, _)| *i))
            .collect();
        for r in &mut resolved {
            r.problems.retain(|(i, _)| !matched.contains(i));
        }
        for ((name, act), res) in acts.into_iter().zip(resolved) {
            let at = Source {
                index: source_index,
                activity: reduced.len(),
            };
            reduced.push(measure::reduce(act, name, res, at, cfg, extra_tags));
        }
    }
    (reduced, others)
}

/// The statistics' view of the cramps.
pub(crate) fn records(cramps: &[CrampResult]) -> Vec<CrampRecord> {
    let mut seen_runs = HashSet::new();
    cramps
        .iter()
        .map(|c| CrampRecord {
            run: c.run,
            severity: c.severity,
            response: c.response,
            approx: c.approx,
            first_in_run: seen_runs.insert(c.run),
            slowdown_pct: c.slowdown_pct,
            duration_s: c.duration_s.filter(|_| c.outcome.has_duration()),
            remaining_s: c.remaining_s,
            ended_in_window: c.outcome == CrampOutcome::EndedInWindow,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Response;

    /// 60 cramps in 20 runs, three severities, slowed ones about 30 %
    /// shorter, with a few walked and stopped.
    fn table() -> Vec<CrampRecord> {
        (0..60u32)
            .map(|i| {
                let response = match i % 5 {
                    0 | 1 => Response::Slowed,
                    2 | 3 => Response::KeptPace,
                    _ if i % 2 == 0 => Response::Walked,
                    _ => Response::Stopped,
                };
                let base = 20.0 + f64::from((i * 37) % 61);
                let remaining_s = if response == Response::Slowed {
                    0.7 * base
                } else {
                    base
                };
                CrampRecord {
                    run: i / 3,
                    severity: Some((i % 3) as u8 + 1),
                    response,
                    approx: i % 7 == 0,
                    first_in_run: i % 3 == 0,
                    slowdown_pct: Some(f64::from(i % 40)),
                    duration_s: Some(18.0 + remaining_s),
                    remaining_s: Some(remaining_s),
                    ended_in_window: false,
                }
            })
            .collect()
    }

    #[test]
    fn the_batch_compares_on_its_threads_exactly_as_the_sequential_comparison_does() {
        let opts = CompareOptions {
            bootstrap_resamples: 400,
            permutations: 499,
            power_sims: 50,
            ..CompareOptions::default()
        };
        let records = table();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .expect("a small pool");
        let parallel = compare_in_pool(&records, &opts, &pool);
        assert_eq!(parallel, compare::compare(&records, &opts));
        // The table is rich enough that the comparison computed numbers.
        assert!(parallel.ci_low.is_some() && parallel.p_value.is_some());
        assert_eq!(parallel.secondary.len() + parallel.sensitivity.len(), 5);
    }
}
