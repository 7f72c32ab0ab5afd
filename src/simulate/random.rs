//! Small random helpers shared by the simulator's parts, so every draw goes
//! through one seeded `ChaCha8Rng` and the output stays byte-stable per seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// The simulator's generator: ChaCha8 is portable and its stream is fixed for
/// a seed across platforms and `rand` versions (rand_chacha docs).
pub type SimRng = ChaCha8Rng;

/// An independent generator for one part (`stream`) of one run (`seed`):
/// the course, the runner and the sensors each get their own stream, so a
/// change in how many numbers one part draws does not shift the others.
pub fn sub_rng(seed: u64, stream: u64) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Uniform draw in `[lo, hi)`.
pub fn uniform(rng: &mut SimRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// Standard normal draw.
pub fn normal(rng: &mut SimRng) -> f64 {
    rng.sample(StandardNormal)
}

/// Whether an event of probability `p` happens (`p` clamped to 0–1).
pub fn chance(rng: &mut SimRng, p: f64) -> bool {
    rng.random::<f64>() < p.clamp(0.0, 1.0)
}

/// Index drawn with probability proportional to `weights` (non-negative;
/// all-zero weights give index 0).
pub fn pick(rng: &mut SimRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    if total <= 0.0 {
        return 0;
    }
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        let w = w.max(0.0);
        if u < w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

/// Integer draw in `lo..=hi`.
pub fn int_in(rng: &mut SimRng, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        return lo;
    }
    rng.random_range(lo..=hi)
}

/// One step of a first-order autoregressive (AR(1)) process with stationary
/// standard deviation `sd` and correlation time `corr_s`, sampled every
/// `dt_s`: x' = φx + √(1−φ²)·sd·ε with φ = exp(−dt/τ) (the discretised
/// Ornstein–Uhlenbeck process; Gillespie 1996, Am J Phys 64:225).
pub fn ar1_step(rng: &mut SimRng, x: f64, sd: f64, corr_s: f64, dt_s: f64) -> f64 {
    let phi = if corr_s > 0.0 {
        (-dt_s / corr_s).exp()
    } else {
        0.0
    };
    phi * x + (1.0 - phi * phi).sqrt() * sd * normal(rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ar1_process_has_the_stated_standard_deviation() {
        let mut rng = sub_rng(11, 0);
        let mut x = 0.0;
        let mut sum2 = 0.0;
        let n = 200_000;
        for _ in 0..n {
            x = ar1_step(&mut rng, x, 2.0, 10.0, 1.0);
            sum2 += x * x;
        }
        let sd = (sum2 / n as f64).sqrt();
        assert!((sd - 2.0).abs() < 0.1, "sd {sd}");
    }

    #[test]
    fn pick_follows_its_weights() {
        let mut rng = sub_rng(3, 0);
        let mut counts = [0usize; 3];
        for _ in 0..30_000 {
            counts[pick(&mut rng, &[1.0, 2.0, 7.0])] += 1;
        }
        // Expected shares 0.1, 0.2, 0.7 of 30 000.
        assert!((counts[0] as f64 - 3000.0).abs() < 300.0);
        assert!((counts[2] as f64 - 21000.0).abs() < 600.0);
    }
}
