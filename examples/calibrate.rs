//! Calibration of `cramplab analyze`'s comparison at the full default
//! settings (10,000 bootstrap resamples, 9,999 permutations, 1,000 power
//! simulations) on simulated cramp histories with a known truth: prints the
//! false-positive rate under severity confounding, CI coverage, power
//! against a planted halving, and how long one `compare` takes on a
//! 1,000-run history. Run with `cargo run --release --example calibrate
//! [HISTORIES]`.

use std::time::Instant;

use cramplab::analysis::{AnalysisSpec, CompareOptions, Verdict, compare, compare_one};
// The simulator refers to these through `super::`.
use cramplab::analysis::{CrampRecord, Response};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[path = "../src/analysis/calibration_sim.rs"]
mod calibration_sim;

use calibration_sim::{Truth, simulate_history};

/// Share of verdicts, coverage of the planted ratio, mean compared sizes.
struct Tally {
    histories: usize,
    shorter: usize,
    longer: usize,
    exploratory_or_less: usize,
    covered: usize,
    n_group: usize,
    n_reference: usize,
    seconds: f64,
}

fn run(truth: Truth, histories: usize, seed: u64) -> Tally {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut t = Tally {
        histories,
        shorter: 0,
        longer: 0,
        exploratory_or_less: 0,
        covered: 0,
        n_group: 0,
        n_reference: 0,
        seconds: 0.0,
    };
    let start = Instant::now();
    for h in 0..histories {
        let records = simulate_history(&truth, &mut rng);
        let opts = CompareOptions {
            seed: seed ^ h as u64,
            ..CompareOptions::default()
        };
        let c = compare_one(&records, &AnalysisSpec::primary(), &opts);
        match c.verdict {
            Verdict::Shorter => t.shorter += 1,
            Verdict::Longer => t.longer += 1,
            Verdict::NotEnoughData | Verdict::Exploratory => t.exploratory_or_less += 1,
            _ => {}
        }
        if let (Some(lo), Some(hi)) = (c.ci_low, c.ci_high)
            && lo <= truth.ratio
            && truth.ratio <= hi
        {
            t.covered += 1;
        }
        t.n_group += c.n_group;
        t.n_reference += c.n_reference;
    }
    t.seconds = start.elapsed().as_secs_f64();
    t
}

fn report(name: &str, t: &Tally) {
    let n = t.histories as f64;
    println!(
        "{name}: {} histories, mean compared {:.1} slowed / {:.1} kept pace; shorter {:.3}, longer {:.3}, exploratory or not enough data {:.3}; 95 % CI covers planted ratio {:.3}; {:.1} ms per history",
        t.histories,
        t.n_group as f64 / n,
        t.n_reference as f64 / n,
        t.shorter as f64 / n,
        t.longer as f64 / n,
        t.exploratory_or_less as f64 / n,
        t.covered as f64 / n,
        1000.0 * t.seconds / n
    );
}

fn main() {
    let histories: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    println!("settings: {:?}", CompareOptions::default());

    let null = Truth {
        runs: (20, 40),
        cramps: (60, 120),
        ratio: 1.0,
        confounded: true,
        missing_severity: 0.03,
    };
    report(
        "no effect, severity-confounded, 60-120 cramps, 20-40 runs",
        &run(null, histories, 1),
    );
    for cramps in [60, 84] {
        let halving = Truth {
            runs: (20, 25),
            cramps: (cramps, cramps),
            ratio: 0.5,
            confounded: true,
            missing_severity: 0.03,
        };
        report(
            &format!("ratio 0.5, {cramps} cramps, 20-25 runs"),
            &run(halving, histories, 2 + cramps as u64),
        );
    }

    // Timing: one full compare (primary, 2 secondary, 3 sensitivity) on a
    // 1,000-run history of about 2,500 cramps.
    let big = Truth {
        runs: (1000, 1000),
        cramps: (2500, 2500),
        ratio: 0.7,
        confounded: true,
        missing_severity: 0.03,
    };
    let records: Vec<CrampRecord> = simulate_history(&big, &mut ChaCha8Rng::seed_from_u64(9));
    let slowed = records
        .iter()
        .filter(|r| r.response == Response::Slowed)
        .count();
    let opts = CompareOptions::default();
    let start = Instant::now();
    let primary_only = compare_one(&records, &AnalysisSpec::primary(), &opts);
    let primary_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let full = compare(&records, &opts);
    let full_s = start.elapsed().as_secs_f64();
    assert_eq!(full.duration_ratio, primary_only.duration_ratio);
    println!(
        "timing, 1,000 runs / {} cramps ({slowed} slowed; primary compares {} vs {}): primary alone {:.3} s, full compare (6 analyses) {:.3} s",
        records.len(),
        full.n_group,
        full.n_reference,
        primary_s,
        full_s
    );
    println!("  summary: {}", full.summary);
    for s in full.secondary.iter().chain(&full.sensitivity) {
        println!("  {}: {}", s.label, s.summary);
    }
}
