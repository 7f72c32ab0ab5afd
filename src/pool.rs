//! `cramplab pool TABLE...`: the pooled and between-runner analyses of
//! docs/METHOD.md §5 from `cramp_results` tables alone — no tracks, no raw
//! files — so a study can collect only these tables from runners who ran
//! cramplab themselves. The rows become the same cramp records `analyze
//! --cohort` compares, so both give the same `comparison` and `meta`.

use std::collections::{BTreeMap, HashMap};

use crate::analysis::compare::{self, CompareOptions};
use crate::analysis::{CrampRecord, pooled};
use crate::config::Config;
use crate::frame::PoolRow;
use crate::results::{Batch, Cohort, CrampOutcome, RunnerResult};

/// The rows of each runner as the statistics see them, runners in name
/// order. Within a runner, rows keep their table order (a `cramp_results`
/// table lists cramps in path then onset order, as `analyze` numbers
/// them): each file is one run, and the first row of a file is its run's
/// first cramp — the same records `analyze` builds from its cramps.
pub fn records_by_runner(rows: &[PoolRow]) -> Vec<(String, Vec<CrampRecord>)> {
    let mut by_runner: BTreeMap<&str, Vec<&PoolRow>> = BTreeMap::new();
    for r in rows {
        by_runner.entry(r.runner.as_str()).or_default().push(r);
    }
    by_runner
        .into_iter()
        .map(|(name, rows)| {
            let mut runs: HashMap<&str, u32> = HashMap::new();
            let records = rows
                .iter()
                .map(|r| {
                    let next = runs.len() as u32;
                    let mut first_in_run = false;
                    let run = *runs.entry(r.file.as_str()).or_insert_with(|| {
                        first_in_run = true;
                        next
                    });
                    CrampRecord {
                        run,
                        severity: r.severity,
                        response: r.response,
                        approx: r.approx,
                        first_in_run,
                        slowdown_pct: r.slowdown_pct,
                        duration_s: r.duration_s.filter(|_| r.outcome.has_duration()),
                        remaining_s: r.remaining_s,
                        ended_in_window: r.outcome == CrampOutcome::EndedInWindow,
                    }
                })
                .collect();
            (name.to_string(), records)
        })
        .collect()
}

/// The pooled comparison, each runner's own comparison and the
/// between-runner analysis of the rows, as a batch the cohort reports can
/// print (it holds no files and no cramps: the tables are the inputs).
pub fn run(rows: &[PoolRow], cfg: &Config) -> Batch {
    let runners = records_by_runner(rows);
    let opts = CompareOptions {
        landmark_s: cfg.windows.response.to_s,
        ..cfg.compare
    };
    let records: Vec<Vec<CrampRecord>> = runners.iter().map(|(_, r)| r.clone()).collect();
    let names: Vec<&str> = runners.iter().map(|(n, _)| n.as_str()).collect();
    let mut batch = Batch::empty(cfg);
    batch.comparison = pooled::compare(&records, &opts);
    let between = pooled::between_runners(&records, opts.alpha);
    let results = runners
        .iter()
        .map(|(name, recs)| RunnerResult {
            runner: name.clone(),
            files: 0,
            activities: {
                let mut runs: Vec<u32> = recs.iter().map(|r| r.run).collect();
                runs.sort_unstable();
                runs.dedup();
                runs.len()
            },
            cramps: recs.len(),
            threshold_pct: None,
            placebo_slowed_pct: None,
            placebo_moments: 0,
            failed: 0,
            comparison: compare::compare(recs, &opts),
        })
        .collect();
    batch.cohort = Some(Cohort {
        runners: results,
        meta: crate::pipeline::cohort::meta_result(&between, &names),
    });
    batch
}
