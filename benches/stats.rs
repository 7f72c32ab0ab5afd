//! How long the statistics of one `cramplab analyze` take at full settings
//! (10,000 run-bootstrap resamples, 9,999 permutations) on a realistic cramp
//! table: about 2,500 cramps from 1,000 runs, the size `cramp_rate` 1.8 per
//! hour gives a 1,000-run history (bench/batch.sh's simulated history holds
//! 2,473 precisely tagged cramps). Measured: the whole `compare` (primary,
//! secondary and sensitivity analyses, power simulation), the run bootstrap
//! alone and the van Elteren permutation test alone. Run with
//! `cargo bench --bench stats -- --warm-up-time 1 --measurement-time 10`.

use std::hint::black_box;

use cramplab::analysis::stats::{self, BootstrapUnit, Stratum};
use cramplab::analysis::{CompareOptions, CrampRecord, Response, compare};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

/// Runs in the simulated table.
const RUNS: u32 = 1_000;
/// The landmark: end of the response window, seconds after onset (docs/METHOD.md §3).
const LANDMARK_S: f64 = 18.0;

/// A seeded table of ~2,500 cramps shaped like a real history: 0–5 cramps a
/// run (mean 2.5), severity 1–3 with 8 % untagged, responses in roughly the
/// simulator's proportions (kept pace 40 %, slowed 35 %, walked 15 %,
/// stopped 7 %, unknown 3 %), 20 % approximate onsets, log-normal durations
/// (median 45 s, longer when severe, 0.7x when slowed), 5 % with no end.
fn cramp_table(seed: u64) -> Vec<CrampRecord> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    for run in 0..RUNS {
        let n = rng.random_range(0..=5);
        for k in 0..n {
            let severity = if rng.random_bool(0.08) {
                None
            } else {
                Some(rng.random_range(1..=3u8))
            };
            let u: f64 = rng.random();
            let response = match u {
                u if u < 0.40 => Response::KeptPace,
                u if u < 0.75 => Response::Slowed,
                u if u < 0.90 => Response::Walked,
                u if u < 0.97 => Response::Stopped,
                _ => Response::Unknown,
            };
            let slowdown_pct = match response {
                Response::KeptPace => Some(rng.random_range(-8.0..12.0)),
                Response::Slowed => Some(rng.random_range(12.0..45.0)),
                Response::Walked => Some(rng.random_range(40.0..70.0)),
                Response::Stopped => Some(rng.random_range(85.0..100.0)),
                Response::Unknown => None,
            };
            let median_s = 45.0
                * f64::from(severity.unwrap_or(2))
                * if response == Response::Slowed {
                    0.7
                } else {
                    1.0
                };
            let lognormal = LogNormal::new(median_s.ln(), 0.6).expect("sigma is positive");
            let duration_s = (!rng.random_bool(0.05)).then(|| lognormal.sample(&mut rng));
            let ended_in_window = duration_s.is_some_and(|d| d <= LANDMARK_S);
            let remaining_s = duration_s
                .filter(|&d| d > LANDMARK_S)
                .map(|d| d - LANDMARK_S);
            out.push(CrampRecord {
                run,
                severity,
                response,
                approx: rng.random_bool(0.2),
                first_in_run: k == 0,
                slowdown_pct,
                duration_s,
                remaining_s,
                ended_in_window,
            });
        }
    }
    out
}

/// The primary analysis' observations: precise onsets, slowed vs kept pace,
/// log time beyond the landmark, stratified by severity (0 = untagged).
fn primary_observations(table: &[CrampRecord]) -> Vec<BootstrapUnit> {
    table
        .iter()
        .filter(|r| !r.approx && matches!(r.response, Response::Slowed | Response::KeptPace))
        .filter_map(|r| {
            Some(BootstrapUnit {
                run: r.run,
                stratum: u32::from(r.severity.unwrap_or(0)),
                in_group: r.response == Response::Slowed,
                value: r.remaining_s?.ln(),
            })
        })
        .collect()
}

fn statistics(c: &mut Criterion) {
    let table = cramp_table(20_260_503);
    let opts = CompareOptions::default();
    let obs = primary_observations(&table);
    eprintln!(
        "cramp table: {} cramps from {RUNS} runs; primary analysis: {} observations",
        table.len(),
        obs.len()
    );

    let mut g = c.benchmark_group("stats");
    g.sample_size(10);
    g.bench_function(
        "compare (defaults: 10,000 resamples, 9,999 permutations)",
        |b| b.iter(|| compare(black_box(&table), &opts)),
    );
    g.bench_function("bootstrap_stratified_hl (10,000 resamples)", |b| {
        b.iter(|| {
            stats::bootstrap_stratified_hl(
                black_box(&obs),
                opts.bootstrap_resamples,
                (0.95, 0.90),
                opts.seed,
            )
        })
    });
    let strata: Vec<(Vec<f64>, Vec<f64>)> = (0..=3)
        .map(|s| {
            let pick = |g: bool| {
                obs.iter()
                    .filter(|o| o.stratum == s && o.in_group == g)
                    .map(|o| o.value)
                    .collect()
            };
            (pick(true), pick(false))
        })
        .collect();
    let strata: Vec<Stratum<'_>> = strata.iter().map(|(x, y)| Stratum { x, y }).collect();
    g.bench_function("van_elteren (9,999 permutations)", |b| {
        b.iter(|| stats::van_elteren(black_box(&strata), opts.permutations, opts.seed))
    });
    g.finish();
}

criterion_group!(benches, statistics);
criterion_main!(benches);
