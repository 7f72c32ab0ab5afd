//! The statistics `cramplab analyze` rests on, as small pure functions: each
//! takes slices and returns `Option`s (`None` where a quantity is undefined —
//! an empty group, a constant variable — never `NaN`), documents its formula
//! and cites where the formula comes from. Reference values in the tests come
//! from scipy/numpy or from brute-force enumeration in Python.
//!
//! Cost: the Hodges–Lehmann shift is found by selection among the m·n
//! differences without forming them, and the run bootstrap reuses a ladder
//! of precomputed pivots per stratum, so 10,000 resamples of ~1,800 compared
//! cramps take about 0.2 s in release; a whole `compare` (six analyses,
//! each with bootstrap, permutations and power simulation) of a 1,000-run,
//! 2,500-cramp history about 1.2 s on a shared 2-core machine
//! (`examples/calibrate.rs` measures it).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

// ---------------------------------------------------------------------------
// The normal distribution
// ---------------------------------------------------------------------------

/// Complementary error function erfc(x) = 1 − erf(x), to about 1e-14
/// relative error.
///
/// For |x| < 2: erf(x) = (2/√π)·e^(−x²)·Σₙ 2ⁿx^(2n+1)/(1·3·…·(2n+1))
/// (Abramowitz & Stegun 1964, eq. 7.1.6; all terms positive, so no
/// cancellation). For x ≥ 3: the continued fraction
/// erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …))))
/// (A&S eq. 7.1.14), evaluated bottom-up from 200 terms (converged to
/// f64 precision at x = 2 and faster beyond).
fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    // 1/√π
    const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;
    if x < 2.0 {
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - 2.0 * FRAC_1_SQRT_PI * (-x2).exp() * sum
    } else {
        let mut t = x;
        for k in (1..=200).rev() {
            t = x + (f64::from(k) / 2.0) / t;
        }
        (-x * x).exp() * FRAC_1_SQRT_PI / t
    }
}

/// Standard normal distribution function Φ(z) = ½·erfc(−z/√2).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Standard normal quantile Φ⁻¹(p) for 0 < p < 1, by bisection on
/// [`normal_cdf`] (monotone; 200 halvings of [−40, 40] reach the f64
/// resolution). `None` outside (0, 1).
pub fn normal_quantile(p: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    let (mut lo, mut hi) = (-40.0_f64, 40.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

// ---------------------------------------------------------------------------
// Order statistics
// ---------------------------------------------------------------------------

/// Sorts finite values ascending (total order; callers pass finite data).
fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Sample quantile of type 7 (Hyndman & Fan 1996, Am. Stat. 50:361 —
/// R's default and numpy's `linear`): with the values sorted x₁ ≤ … ≤ xₙ and
/// h = (n − 1)·p, Q(p) = x₍⌊h⌋₊₁₎ + (h − ⌊h⌋)·(x₍⌊h⌋₊₂₎ − x₍⌊h⌋₊₁₎).
/// `None` for an empty slice or p outside [0, 1].
pub fn quantile(xs: &[f64], p: f64) -> Option<f64> {
    quantile_sorted(&sorted(xs), p)
}

/// [`quantile`] on values already sorted ascending.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Sample median: the middle value, or the mean of the two middle values
/// (the type-7 quantile at ½, computed as a midpoint). `None` for an empty
/// slice. Callers pass finite values.
pub fn median(xs: &[f64]) -> Option<f64> {
    median_mut(&mut xs.to_vec())
}

/// [`median`] in place, reordering `v`: the one median of the crate, also
/// behind the timeline's rolling median (up to 15 values a second), the
/// response window's medians and the charts. Callers pass finite values.
pub fn median_mut(v: &mut [f64]) -> Option<f64> {
    let m = v.len();
    if m == 0 {
        return None;
    }
    if m > SMALL_SORT_MAX {
        // A baseline window's ~100 cadences per placebo moment: selecting
        // the middle is O(n) where sorting was most of the per-file stage's
        // added cost. The same values as sorting: the upper middle in place,
        // the lower middle the largest value left of it.
        let (left, mid, _) = v.select_nth_unstable_by(m / 2, f64::total_cmp);
        let upper = *mid;
        return Some(if m % 2 == 1 {
            upper
        } else {
            let lower =
                left.iter().copied().max_by(f64::total_cmp).expect(
                    "an even count above the small-sort size leaves values left of the middle",
                );
            (lower + upper) / 2.0
        });
    }
    sort_small(v);
    Some(if m % 2 == 1 {
        v[m / 2]
    } else {
        (v[m / 2 - 1] + v[m / 2]) / 2.0
    })
}

/// Up to this many values, [`median_mut`] sorts by insertion.
const SMALL_SORT_MAX: usize = 32;

/// Sort finite values ascending, cheaply when there are few. For the ≤ 16
/// values of a rolling window or a response window a plain insertion sort
/// with `<` is several times cheaper than `sort_unstable_by(f64::total_cmp)`
/// (which also sorts by insertion at this size, through more machinery;
/// with `total_cmp` in this loop the pipeline cost 3 % more instructions);
/// [`median_mut`] selects instead above [`SMALL_SORT_MAX`] values. Callers
/// pass finite values only (they filter with `is_finite`), for which `<` is
/// the same order as `total_cmp` except that −0 and +0 tie: a median may
/// then be −0 where it was +0, the same number.
fn sort_small(w: &mut [f64]) {
    for i in 1..w.len() {
        let x = w[i];
        let mut j = i;
        while j > 0 && x < w[j - 1] {
            w[j] = w[j - 1];
            j -= 1;
        }
        w[j] = x;
    }
}

// ---------------------------------------------------------------------------
// Hodges–Lehmann shift by selection in X − Y
// ---------------------------------------------------------------------------

/// A sample sorted ascending with a positive integer multiplicity per value
/// (1 for plain data; the number of times a bootstrap resample drew it).
#[derive(Debug, Clone, Copy)]
pub struct WeightedSorted<'a> {
    /// Values, ascending.
    pub values: &'a [f64],
    /// Multiplicity of each value (same length as `values`, all > 0).
    pub weights: &'a [u64],
}

impl WeightedSorted<'_> {
    fn total(&self) -> u64 {
        self.weights.iter().sum()
    }
}

/// The matrix of differences D(i, k) = xᵢ − y₍q−1−k₎ between two ascending
/// samples: with y read backwards it increases along rows and columns, which
/// is what selection in a sorted matrix needs.
struct DiffMatrix<'a> {
    x: WeightedSorted<'a>,
    y: WeightedSorted<'a>,
    /// `col_weight_prefix[k]` = total weight of columns 0..k.
    col_weight_prefix: Vec<u64>,
}

impl<'a> DiffMatrix<'a> {
    fn new(x: WeightedSorted<'a>, y: WeightedSorted<'a>) -> Self {
        let q = y.values.len();
        let mut col_weight_prefix = Vec::with_capacity(q + 1);
        col_weight_prefix.push(0);
        let mut acc = 0;
        for k in 0..q {
            acc += y.weights[q - 1 - k];
            col_weight_prefix.push(acc);
        }
        DiffMatrix {
            x,
            y,
            col_weight_prefix,
        }
    }

    fn rows(&self) -> usize {
        self.x.values.len()
    }

    fn cols(&self) -> usize {
        self.y.values.len()
    }

    #[inline]
    fn at(&self, i: usize, k: usize) -> f64 {
        self.x.values[i] - self.y.values[self.cols() - 1 - k]
    }

    /// For every row, how many columns hold a difference below `t`
    /// (`strict`: D < t; else D ≤ t). Rows are monotone, so one staircase
    /// walk costs O(rows + cols).
    fn staircase(&self, t: f64, strict: bool, out: &mut Vec<usize>) {
        out.clear();
        let mut k = self.cols();
        for i in 0..self.rows() {
            while k > 0 {
                let d = self.at(i, k - 1);
                let below = if strict { d < t } else { d <= t };
                if below {
                    break;
                }
                k -= 1;
            }
            out.push(k);
        }
    }

    /// Weight of the cells of row i in columns lo..hi.
    #[inline]
    fn row_weight(&self, i: usize, lo: usize, hi: usize) -> u64 {
        self.x.weights[i] * (self.col_weight_prefix[hi] - self.col_weight_prefix[lo])
    }

    /// Weight of all cells with D ≤ t, and the smallest difference above t
    /// (if any).
    fn weight_le_and_next(&self, t: f64, buf: &mut Vec<usize>) -> (u64, Option<f64>) {
        self.staircase(t, false, buf);
        let mut w = 0;
        let mut next: Option<f64> = None;
        for (i, &k) in buf.iter().enumerate() {
            w += self.row_weight(i, 0, k);
            if k < self.cols() {
                let d = self.at(i, k);
                next = Some(next.map_or(d, |n| n.min(d)));
            }
        }
        (w, next)
    }

    /// The `rank`-th smallest difference (1-based, counting each cell
    /// wᵢ·vⱼ times), by selection in the sorted matrix without forming it.
    ///
    /// The active cells (those that may still hold the answer) are, per row,
    /// a column range between two staircases. Each round takes a systematic
    /// sample of 192 active cells and uses its order statistics just below
    /// and above the target's relative position (± 2.5 binomial SE, the
    /// Floyd & Rivest 1975, CACM 18:165, idea) as two pivots; one O(rows +
    /// cols) staircase walk per pivot counts the weight at or below it, and
    /// typically leaves a sixth of the active cells. When a round makes no
    /// progress (heavy ties), a Johnson & Mizoguchi (1978, SIAM J. Comput.
    /// 7:147) step — pivot = weighted median of the active rows' middle
    /// cells — discards at least a quarter of them, as in Monahan's (1984,
    /// ACM TOMS 10:265) Hodges–Lehmann algorithm. At most 128 active cells
    /// are finally sorted. Cost O((m + n)·log(m·n)) instead of sorting all
    /// m·n differences.
    fn select(&self, rank: u64) -> f64 {
        const SAMPLE: usize = 192;
        const GATHER: usize = 128;
        let (p, q) = (self.rows(), self.cols());
        // Cells in columns < lo[i] lie below the answer (their weight is
        // `below`), cells in columns ≥ hi[i] above it (the weight of all
        // cells in columns < hi[i] is `at_or_below_hi`).
        let mut lo = vec![0usize; p];
        let mut hi = vec![q; p];
        let mut below: u64 = 0;
        let mut at_or_below_hi: u64 = self.x.total() * self.y.total();
        let mut stair = Vec::with_capacity(p);
        let mut strict = Vec::with_capacity(p);
        let mut starts = vec![0usize; p + 1];
        let mut sample: Vec<f64> = Vec::with_capacity(SAMPLE);
        loop {
            let mut active = 0;
            for i in 0..p {
                starts[i] = active;
                active += hi[i] - lo[i];
            }
            starts[p] = active;
            if active <= GATHER {
                let mut cells: Vec<(f64, u64)> = Vec::with_capacity(active);
                for i in 0..p {
                    for k in lo[i]..hi[i] {
                        cells.push((self.at(i, k), self.x.weights[i] * self.y.weights[q - 1 - k]));
                    }
                }
                cells.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut acc = below;
                for &(d, w) in &cells {
                    acc += w;
                    if acc >= rank {
                        return d;
                    }
                }
                // Unreachable: the active cells hold the answer.
                return cells.last().map_or(self.at(p - 1, q - 1), |c| c.0);
            }

            // Two pivots from a systematic sample of the active cells.
            sample.clear();
            let mut row = 0;
            for s in 0..SAMPLE {
                let pos = (2 * s + 1) * active / (2 * SAMPLE);
                while starts[row + 1] <= pos {
                    row += 1;
                }
                sample.push(self.at(row, lo[row] + pos - starts[row]));
            }
            let frac = (rank - below) as f64 / (at_or_below_hi - below) as f64;
            let spread = 2.5 * (frac * (1.0 - frac) / SAMPLE as f64).sqrt() + 1.0 / SAMPLE as f64;
            let mut pivots = [None, None];
            if frac - spread > 0.0 {
                let k = ((frac - spread) * SAMPLE as f64) as usize;
                pivots[0] = Some(*sample.select_nth_unstable_by(k, f64::total_cmp).1);
            }
            if frac + spread < 1.0 {
                let k = (((frac + spread) * SAMPLE as f64) as usize).min(SAMPLE - 1);
                pivots[1] = Some(*sample.select_nth_unstable_by(k, f64::total_cmp).1);
            }
            let before = active;
            for t in pivots.into_iter().flatten() {
                let w = self.count_le_within(t, &lo, &hi, below, &mut stair);
                if w >= rank {
                    // The answer is ≤ t: drop the cells above t.
                    hi.copy_from_slice(&stair);
                    at_or_below_hi = w;
                } else {
                    lo.copy_from_slice(&stair);
                    below = w;
                }
            }
            let after: usize = lo.iter().zip(&hi).map(|(&l, &h)| h - l).sum();
            if after * 8 < before * 7 {
                continue;
            }

            // Little progress: a Johnson–Mizoguchi step, which also settles
            // a block of ties at the answer.
            let mut pivots: Vec<(f64, usize)> = (0..p)
                .filter(|&i| hi[i] > lo[i])
                .map(|i| (self.at(i, (lo[i] + hi[i] - 1) / 2), hi[i] - lo[i]))
                .collect();
            pivots.sort_by(|a, b| a.0.total_cmp(&b.0));
            let half = after.div_ceil(2);
            let mut acc = 0;
            let mut t = pivots[0].0;
            for &(v, c) in &pivots {
                acc += c;
                if acc >= half {
                    t = v;
                    break;
                }
            }
            self.staircase(t, true, &mut strict);
            let w_le = self.count_le(t, &mut stair);
            let w_lt: u64 = strict
                .iter()
                .enumerate()
                .map(|(i, &k)| self.row_weight(i, 0, k))
                .sum();
            if rank <= w_lt {
                for i in 0..p {
                    hi[i] = strict[i].clamp(lo[i], hi[i]);
                }
                at_or_below_hi = w_lt;
            } else if rank <= w_le {
                return t;
            } else {
                for i in 0..p {
                    lo[i] = stair[i].clamp(lo[i], hi[i]);
                }
                below = w_le;
            }
        }
    }

    /// Weight of the cells with D ≤ t and their staircase (per row, the
    /// number of such columns) in `stair`, for a pivot t taken from the
    /// active cells: then every cell left of `lo` is ≤ t and every cell
    /// from `hi` on is > t, so each row's count lies in lo[i]..=hi[i] and
    /// only the active columns need to be walked (`below` = weight left of
    /// `lo`).
    fn count_le_within(
        &self,
        t: f64,
        lo: &[usize],
        hi: &[usize],
        below: u64,
        stair: &mut Vec<usize>,
    ) -> u64 {
        stair.clear();
        let mut w = below;
        let mut k = self.cols();
        for i in 0..self.rows() {
            // Counts fall from row to row; start from the previous one.
            k = k.min(hi[i]).max(lo[i]);
            while k > lo[i] && self.at(i, k - 1) > t {
                k -= 1;
            }
            w += self.row_weight(i, lo[i], k);
            stair.push(k);
        }
        w
    }

    /// Weight of the cells with D ≤ t, and the staircase (per row, the
    /// number of such columns) in `stair`.
    fn count_le(&self, t: f64, stair: &mut Vec<usize>) -> u64 {
        self.staircase(t, false, stair);
        stair
            .iter()
            .enumerate()
            .map(|(i, &k)| self.row_weight(i, 0, k))
            .sum()
    }
}

/// Hodges–Lehmann shift of two weighted sorted samples: the median of all
/// pairwise differences xᵢ − yⱼ, each counted wᵢ·vⱼ times (the mean of the
/// two middle ones when their number is even). `None` if either is empty.
pub fn hodges_lehmann_weighted(x: WeightedSorted<'_>, y: WeightedSorted<'_>) -> Option<f64> {
    let total = x.total() * y.total();
    if total == 0 {
        return None;
    }
    let m = DiffMatrix::new(x, y);
    if total % 2 == 1 {
        return Some(m.select(total.div_ceil(2)));
    }
    let lower = m.select(total / 2);
    let mut buf = Vec::new();
    let (w_le, next) = m.weight_le_and_next(lower, &mut buf);
    let upper = if w_le > total / 2 {
        lower
    } else {
        next.unwrap_or(lower)
    };
    Some(0.5 * (lower + upper))
}

/// Hodges–Lehmann two-sample shift estimate (Hodges & Lehmann 1963, Ann.
/// Math. Stat. 34:598): Δ̂ = median{xᵢ − yⱼ : all i, j}. Positive when x
/// tends to be larger. Computed by selection, not by sorting all m·n
/// differences. `None` if either sample is empty.
pub fn hodges_lehmann(x: &[f64], y: &[f64]) -> Option<f64> {
    let (xs, ys) = (sorted(x), sorted(y));
    let (wx, wy) = (vec![1; xs.len()], vec![1; ys.len()]);
    hodges_lehmann_weighted(
        WeightedSorted {
            values: &xs,
            weights: &wx,
        },
        WeightedSorted {
            values: &ys,
            weights: &wy,
        },
    )
}

/// One severity stratum of a two-group comparison: the first group's and
/// the reference group's outcomes.
#[derive(Debug, Clone, Copy)]
pub struct Stratum<'a> {
    /// Outcomes of the first group (e.g. slowed).
    pub x: &'a [f64],
    /// Outcomes of the reference group (e.g. kept pace).
    pub y: &'a [f64],
}

/// Weight of a stratum with group sizes n₁, n₂ when combining stratum
/// estimates: n₁n₂/(n₁ + n₂) = 1/(1/n₁ + 1/n₂), proportional to the inverse
/// variance of a two-sample location estimate (docs/METHOD.md §3 "effect"; the same
/// weighting as van Elteren 1960, Bull. Int. Stat. Inst. 37:351).
pub fn stratum_weight(n1: f64, n2: f64) -> f64 {
    n1 * n2 / (n1 + n2)
}

/// Weighted mean of per-stratum estimates over the strata where both
/// groups are present, weights [`stratum_weight`].
fn combine_strata(
    strata: &[Stratum<'_>],
    estimate: impl Fn(&[f64], &[f64]) -> Option<f64>,
) -> Option<f64> {
    let mut num = 0.0;
    let mut den = 0.0;
    for s in strata {
        if s.x.is_empty() || s.y.is_empty() {
            continue;
        }
        let w = stratum_weight(s.x.len() as f64, s.y.len() as f64);
        num += w * estimate(s.x, s.y)?;
        den += w;
    }
    (den > 0.0).then(|| num / den)
}

/// Severity-stratified Hodges–Lehmann shift: Σₛ wₛ·Δ̂ₛ / Σₛ wₛ with
/// wₛ = n₁ₛn₂ₛ/(n₁ₛ + n₂ₛ), over strata holding both groups. `None` when no
/// stratum does.
pub fn stratified_hodges_lehmann(strata: &[Stratum<'_>]) -> Option<f64> {
    combine_strata(strata, hodges_lehmann)
}

/// Cliff's δ (Cliff 1993, Psychol. Bull. 114:494):
/// δ = (#{xᵢ > yⱼ} − #{xᵢ < yⱼ}) / (m·n), in [−1, 1]; positive when the
/// first group tends to be larger. `None` if either sample is empty.
pub fn cliffs_delta(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.is_empty() || y.is_empty() {
        return None;
    }
    let ys = sorted(y);
    let mut diff: i64 = 0;
    for &v in x {
        let less = ys.partition_point(|&w| w < v) as i64;
        let greater = (ys.len() - ys.partition_point(|&w| w <= v)) as i64;
        diff += less - greater;
    }
    Some(diff as f64 / (x.len() as f64 * ys.len() as f64))
}

/// Severity-stratified Cliff's δ: the within-stratum δ combined with the
/// same weights as [`stratified_hodges_lehmann`], so that a confounded mix
/// of severities does not masquerade as a difference.
pub fn stratified_cliffs_delta(strata: &[Stratum<'_>]) -> Option<f64> {
    combine_strata(strata, cliffs_delta)
}

// ---------------------------------------------------------------------------
// Ranks, Mann–Whitney, Moses
// ---------------------------------------------------------------------------

/// Ranks 1..n of the values, tied values sharing the mean of their ranks
/// (midranks; Hollander, Wolfe & Chicken 2014, Nonparametric Statistical
/// Methods, 3rd ed., §4.1).
pub fn midranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && values[order[j]] == values[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j share their mean.
        let r = (i + 1 + j) as f64 / 2.0;
        for &o in &order[i..j] {
            ranks[o] = r;
        }
        i = j;
    }
    ranks
}

/// Exact null distribution of the Mann–Whitney U for sample sizes m and n
/// (no ties): `pmf[u]` = P(U = u), u = 0..=mn.
///
/// The counts are the coefficients of the Gaussian binomial coefficient
/// [m+n choose m]_q = Πᵢ₌₁..ₘ (1 − q^(n+i))/(1 − q^i) (Andrews 1976, The
/// Theory of Partitions, Thm 3.1; Di Bucchianico 1999, J. Stat. Plan.
/// Inference 79:349). Factor i is applied as a division by (1 − q^i) (a
/// running sum) and a multiplication by (1 − q^(n+i)), then the
/// coefficients are scaled by i/(n+i) so they stay probabilities
/// (C(n+i, i) = C(n+i−1, i−1)·(n+i)/i). Cost O(min(m,n)·m·n).
pub fn mann_whitney_null_pmf(m: usize, n: usize) -> Vec<f64> {
    let (m, n) = if m <= n { (m, n) } else { (n, m) };
    let len = m * n + 1;
    let mut c = vec![0.0; len];
    c[0] = 1.0;
    for i in 1..=m {
        let top = i * n; // highest degree after factor i
        for k in i..=top {
            c[k] += c[k - i];
        }
        for k in (n + i..=top).rev() {
            c[k] -= c[k - n - i];
        }
        let scale = i as f64 / (n + i) as f64;
        for v in c.iter_mut().take(top + 1) {
            *v = (*v * scale).max(0.0);
        }
    }
    c
}

/// Exact distribution-free confidence interval for the shift Δ (x − y)
/// (Moses 1953; Hollander, Wolfe & Chicken 2014 §4.3): with D₍₁₎ ≤ … ≤ D₍ₘₙ₎
/// the ordered differences xᵢ − yⱼ and c the largest integer with
/// P(U ≤ c) ≤ (1 − level)/2 under the exact null distribution of U, the
/// interval is [D₍c+1₎, D₍ₘₙ₋c₎], with coverage 1 − 2·P(U ≤ c) ≥ level.
/// When min(m,n)·m·n exceeds 5·10⁷ the exact distribution is replaced by the
/// large-sample c = ⌊mn/2 − z·√(mn(m+n+1)/12)⌋ (same source).
/// `None` if either sample is empty or the samples are too small for the
/// level (c < 0).
pub fn moses_ci(x: &[f64], y: &[f64], level: f64) -> Option<(f64, f64)> {
    let (m, n) = (x.len(), y.len());
    if m == 0 || n == 0 || !(level > 0.0 && level < 1.0) {
        return None;
    }
    let half_alpha = (1.0 - level) / 2.0;
    let mn = (m * n) as u64;
    let c: Option<u64> = if m.min(n) * m * n <= 50_000_000 {
        let pmf = mann_whitney_null_pmf(m, n);
        let mut acc = 0.0;
        let mut c = None;
        for (u, p) in pmf.iter().enumerate() {
            acc += p;
            // Tolerance for rounding in the running sum.
            if acc <= half_alpha * (1.0 + 1e-9) {
                c = Some(u as u64);
            } else {
                break;
            }
        }
        c
    } else {
        let z = normal_quantile(1.0 - half_alpha)?;
        let (mf, nf) = (m as f64, n as f64);
        let c = (mf * nf / 2.0 - z * (mf * nf * (mf + nf + 1.0) / 12.0).sqrt()).floor();
        (c >= 0.0).then_some(c as u64)
    };
    let c = c?;
    let (xs, ys) = (sorted(x), sorted(y));
    let (wx, wy) = (vec![1; m], vec![1; n]);
    let mat = DiffMatrix::new(
        WeightedSorted {
            values: &xs,
            weights: &wx,
        },
        WeightedSorted {
            values: &ys,
            weights: &wy,
        },
    );
    Some((mat.select(c + 1), mat.select(mn - c)))
}

// ---------------------------------------------------------------------------
// van Elteren stratified rank-sum test
// ---------------------------------------------------------------------------

/// A van Elteren test result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VanElteren {
    /// V = Σₛ R₁ₛ/(Nₛ + 1), R₁ₛ the first group's midrank sum in stratum s.
    pub statistic: f64,
    /// Expectation of V under the null: Σₛ n₁ₛ/2.
    pub expected: f64,
    /// Two-sided permutation p-value: P(|V* − E| ≥ |V − E|).
    pub p_value: f64,
    /// Whether every relabelling was enumerated (else Monte Carlo).
    pub exact: bool,
    /// Relabellings enumerated (exact) or drawn (Monte Carlo).
    pub permutations: usize,
}

/// Binomial coefficient as f64 (exact up to 2⁵³, then approximate).
fn choose(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    let mut c = 1.0;
    for i in 0..k {
        c = c * (n - i) as f64 / (i + 1) as f64;
    }
    c.round()
}

/// Every sum of `k` of the `ranks` (one per subset).
fn subset_sums(ranks: &[f64], k: usize) -> Vec<f64> {
    fn go(ranks: &[f64], k: usize, start: usize, acc: f64, out: &mut Vec<f64>) {
        if k == 0 {
            out.push(acc);
            return;
        }
        for i in start..=ranks.len() - k {
            go(ranks, k - 1, i + 1, acc + ranks[i], out);
        }
    }
    let mut out = Vec::new();
    go(ranks, k, 0, 0.0, &mut out);
    out
}

/// van Elteren's stratified Wilcoxon rank-sum test (van Elteren 1960, Bull.
/// Int. Stat. Inst. 37:351): V = Σₛ R₁ₛ/(Nₛ + 1), ranks within each stratum
/// (midranks for ties). Its null distribution is obtained by permuting the
/// group labels within strata: exactly, over all Πₛ C(Nₛ, n₁ₛ) relabellings,
/// when there are at most `permutations` of them (p = #{|V*−E| ≥ |V−E|} /
/// #relabellings), else by `permutations` random relabellings drawn with
/// `ChaCha8Rng::seed_from_u64(seed)`, p = (1 + #{|V*−E| ≥ |V−E|})/(1 + B)
/// (Phipson & Smyth 2010, Stat. Appl. Genet. Mol. Biol. 9:39). Two-sided.
/// Strata lacking either group carry no information and are skipped.
/// `None` if no stratum holds both groups.
pub fn van_elteren(strata: &[Stratum<'_>], permutations: usize, seed: u64) -> Option<VanElteren> {
    struct S {
        ranks: Vec<f64>,
        n1: usize,
        scale: f64,
    }
    let mut ss = Vec::new();
    let mut v_obs = 0.0;
    let mut expected = 0.0;
    for s in strata {
        if s.x.is_empty() || s.y.is_empty() {
            continue;
        }
        let pooled: Vec<f64> = s.x.iter().chain(s.y).copied().collect();
        let ranks = midranks(&pooled);
        let scale = 1.0 / (pooled.len() as f64 + 1.0);
        v_obs += ranks[..s.x.len()].iter().sum::<f64>() * scale;
        expected += s.x.len() as f64 / 2.0;
        ss.push(S {
            ranks,
            n1: s.x.len(),
            scale,
        });
    }
    if ss.is_empty() {
        return None;
    }
    let observed = (v_obs - expected).abs();
    // Values of V are sums of multiples of 1/(2(Nₛ+1)); allow for rounding.
    let tol = 1e-9 * expected.max(1.0);
    let extreme = |v: f64| (v - expected).abs() >= observed - tol;

    let relabellings: f64 = ss.iter().map(|s| choose(s.ranks.len(), s.n1)).product();
    if relabellings <= permutations as f64 {
        let mut dist = vec![0.0];
        for s in &ss {
            let sums = subset_sums(&s.ranks, s.n1);
            let mut next = Vec::with_capacity(dist.len() * sums.len());
            for &a in &dist {
                for &b in &sums {
                    next.push(a + b * s.scale);
                }
            }
            dist = next;
        }
        let hits = dist.iter().filter(|&&v| extreme(v)).count();
        return Some(VanElteren {
            statistic: v_obs,
            expected,
            p_value: hits as f64 / dist.len() as f64,
            exact: true,
            permutations: dist.len(),
        });
    }

    // Word-buffered draws, the same as rand's `random_range` on this seed.
    let mut rng = BufferedWords::new(seed);
    let mut pools: Vec<Vec<f64>> = ss.iter().map(|s| s.ranks.clone()).collect();
    let totals: Vec<f64> = ss.iter().map(|s| s.ranks.iter().sum()).collect();
    let mut hits = 0usize;
    for _ in 0..permutations {
        let mut v = 0.0;
        for ((s, pool), total) in ss.iter().zip(pools.iter_mut()).zip(&totals) {
            // Draw the smaller group by a partial Fisher–Yates shuffle; the
            // pool's current order does not matter, so it is never reset.
            let n = pool.len();
            let k = s.n1.min(n - s.n1);
            let mut sum = 0.0;
            for i in 0..k {
                let j = rng.range(i, n);
                pool.swap(i, j);
                sum += pool[i];
            }
            let r1 = if k == s.n1 { sum } else { total - sum };
            v += r1 * s.scale;
        }
        if extreme(v) {
            hits += 1;
        }
    }
    Some(VanElteren {
        statistic: v_obs,
        expected,
        p_value: (1 + hits) as f64 / (1 + permutations) as f64,
        exact: false,
        permutations,
    })
}

// ---------------------------------------------------------------------------
// Kendall's τ-b and the Bonett–Wright interval
// ---------------------------------------------------------------------------

/// Kendall's τ-b with ties (Kendall 1945, Biometrika 33:239):
/// τ_b = (n_c − n_d)/√((n₀ − n₁)(n₀ − n₂)), n₀ = n(n−1)/2, n₁ and n₂ the
/// pairs tied in x and in y. Pairs are counted directly (O(n²); n is the
/// number of cramps). `None` for unequal lengths, n < 2, or a constant
/// variable.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n != y.len() || n < 2 {
        return None;
    }
    let (mut s, mut tied_x, mut tied_y, mut pairs) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..n {
        for j in (i + 1)..n {
            let dx = sign(x[i] - x[j]);
            let dy = sign(y[i] - y[j]);
            pairs += 1;
            if dx == 0 {
                tied_x += 1;
            }
            if dy == 0 {
                tied_y += 1;
            }
            s += dx * dy;
        }
    }
    let den = ((pairs - tied_x) as f64 * (pairs - tied_y) as f64).sqrt();
    (den > 0.0).then(|| s as f64 / den)
}

/// −1, 0 or 1.
fn sign(d: f64) -> i64 {
    i64::from(d > 0.0) - i64::from(d < 0.0)
}

/// Confidence interval for Kendall's τ by Fisher's z with the Bonett &
/// Wright (2000, Psychometrika 65:23) standard error:
/// tanh(atanh(τ) ± z₁₋α/₂·√(0.437/(n − 4))). `None` for n ≤ 4 or |τ| = 1
/// (where atanh is infinite).
pub fn kendall_tau_ci(tau: f64, n: usize, level: f64) -> Option<(f64, f64)> {
    if n <= 4 || tau.abs() >= 1.0 || !tau.is_finite() {
        return None;
    }
    let z = normal_quantile(0.5 + level / 2.0)?;
    // 0.437: Bonett & Wright (2000), the variance of Fisher's z of τ.
    let se = (0.437 / (n as f64 - 4.0)).sqrt();
    let centre = tau.atanh();
    Some(((centre - z * se).tanh(), (centre + z * se).tanh()))
}

// ---------------------------------------------------------------------------
// Bootstrap over whole runs
// ---------------------------------------------------------------------------

/// One compared cramp for the bootstrap: its run, its stratum, its group and
/// its outcome (already on the scale the shift is estimated on, e.g. log s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapUnit {
    /// Run (activity) index; the resampling unit.
    pub run: u32,
    /// Stratum index (any dense or sparse key).
    pub stratum: u32,
    /// In the first group (e.g. slowed) rather than the reference.
    pub in_group: bool,
    /// Outcome value.
    pub value: f64,
}

/// Percentile bootstrap intervals for a shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapCi {
    /// Central interval at the first level asked for (e.g. 95 %).
    pub wide: (f64, f64),
    /// Central interval at the second level (e.g. 90 %).
    pub narrow: (f64, f64),
    /// Resamples that entered the intervals.
    pub resamples: usize,
    /// Resamples redrawn because no stratum held both groups.
    pub redrawn: usize,
}

/// Precomputed pivots for the bootstrap's many weighted Hodges–Lehmann
/// selections on the same two samples, where only the multiplicities change
/// from resample to resample.
///
/// A resample's median difference lies, in terms of the full sample's
/// differences, near their middle: its cell fraction varies with standard
/// deviation ≈ 1/√(12·n₁n₂/(n₁+n₂)) whatever the distribution (the
/// asymptotic variance of the Hodges–Lehmann estimator times the density of
/// the differences at their median; Hodges & Lehmann 1963). So a ladder of
/// 513 pivot values spanning ± 6 of those standard deviations around the
/// median (room for the extra spread that resampling whole runs brings), with each pivot's staircase (per row, the number of columns at or
/// below it) computed once, lets every resample find its answer with a
/// interpolation search over the ladder — each probe one weighted sum over
/// the rows, no walking — and a sort of the few cells between two rungs. Resamples
/// whose answer falls outside the ladder (rare: strong clustering) use the
/// general selection.
struct ShiftLadder {
    /// First sample, ascending.
    x: Vec<f64>,
    /// Second sample, descending, so x[i] − y_desc[k] increases in k.
    y_desc: Vec<f64>,
    /// Pivot values, ascending.
    rungs: Vec<f64>,
    /// `stairs[l * rows + i]`: columns of row i with a difference ≤ rungs[l].
    stairs: Vec<u32>,
    /// Cells (unweighted) with a difference ≤ rungs[l].
    cells_at: Vec<u64>,
}

/// Number of rungs in a [`ShiftLadder`].
const LADDER_RUNGS: usize = 513;

impl ShiftLadder {
    /// Builds the ladder for ascending samples `x` and `y` (both non-empty).
    fn new(x: &[f64], y: &[f64]) -> Self {
        let (p, q) = (x.len(), y.len());
        let ones_x = vec![1; p];
        let ones_y = vec![1; q];
        let full = DiffMatrix::new(
            WeightedSorted {
                values: x,
                weights: &ones_x,
            },
            WeightedSorted {
                values: y,
                weights: &ones_y,
            },
        );
        let cells = (p * q) as f64;
        let n_eff = (p * q) as f64 / (p + q) as f64;
        let span = (6.0 / (12.0 * n_eff).sqrt()).min(0.5);
        let at_fraction =
            |f: f64| full.select(((f * cells).round() as u64).clamp(1, (p * q) as u64));
        // Rungs evenly spaced in value between exact cell quantiles at the
        // middle and at ± span; differences are dense and smooth there, so
        // each gap holds about the same number of cells.
        let (low, mid, high) = (
            at_fraction(0.5 - span),
            at_fraction(0.5),
            at_fraction(0.5 + span),
        );
        let half = LADDER_RUNGS / 2;
        let rungs: Vec<f64> = (0..LADDER_RUNGS)
            .map(|l| {
                if l <= half {
                    low + (mid - low) * l as f64 / half as f64
                } else {
                    mid + (high - mid) * (l - half) as f64 / half as f64
                }
            })
            .collect();
        let mut stairs = Vec::with_capacity(LADDER_RUNGS * p);
        let mut cells_at = Vec::with_capacity(LADDER_RUNGS);
        let mut stair = Vec::with_capacity(p);
        for &t in &rungs {
            full.staircase(t, false, &mut stair);
            stairs.extend(stair.iter().map(|&k| k as u32));
            cells_at.push(stair.iter().map(|&k| k as u64).sum());
        }
        ShiftLadder {
            x: x.to_vec(),
            y_desc: y.iter().rev().copied().collect(),
            rungs,
            stairs,
            cells_at,
        }
    }

    /// Weighted median of the differences xᵢ − yⱼ with multiplicities `wx`
    /// (per x, ascending order) and `wy` (per y, ascending order; zeros
    /// allowed). `None` if either total is zero.
    fn weighted_median(&self, wx: &[u64], wy: &[u64], scratch: &mut LadderScratch) -> Option<f64> {
        let (p, q) = (self.x.len(), self.y_desc.len());
        let total_x: u64 = wx.iter().sum();
        let prefix = &mut scratch.col_prefix;
        prefix.clear();
        prefix.push(0);
        let mut acc = 0;
        for k in 0..q {
            acc += wy[q - 1 - k];
            prefix.push(acc);
        }
        let total = total_x * acc;
        if total == 0 {
            return None;
        }
        let rank = total.div_ceil(2);
        let weight_at = |l: usize| -> u64 {
            let stair = &self.stairs[l * p..(l + 1) * p];
            wx.iter()
                .zip(stair)
                .map(|(&w, &k)| w * prefix[k as usize])
                .sum()
        };
        // Bracket the answer between two adjacent rungs by interpolation
        // search: predict the rung from the full sample's cell counts
        // (`cells_at`), first scaled by the total weight, then between the
        // bracketing rungs found so far; fall back to bisection when a
        // prediction makes little headway.
        let last = self.rungs.len() - 1;
        let cells = (p * q) as f64;
        let rung_for = |c: f64| self.cells_at.partition_point(|&k| (k as f64) < c);
        // Virtual rungs −1 (weight 0) and L (weight total) bound the search.
        let (mut lo, mut w_lo): (isize, u64) = (-1, 0);
        let (mut hi, mut w_hi): (isize, u64) = (last as isize + 1, total);
        let cells_of = |l: isize| -> f64 {
            if l < 0 {
                0.0
            } else if l as usize > last {
                cells
            } else {
                self.cells_at[l as usize] as f64
            }
        };
        let mut guess = rung_for(rank as f64 / total as f64 * cells) as isize;
        while hi - lo > 1 {
            let l = guess.clamp(lo + 1, hi - 1);
            let w = weight_at(l as usize);
            if w >= rank {
                hi = l;
                w_hi = w;
            } else {
                lo = l;
                w_lo = w;
            }
            let (c_lo, c_hi) = (cells_of(lo), cells_of(hi));
            let c = c_lo + (rank - w_lo) as f64 / (w_hi - w_lo) as f64 * (c_hi - c_lo);
            let predicted = rung_for(c) as isize;
            // Keep the next probe strictly inside, and bisect when the
            // prediction hugs one end of a wide bracket.
            guess = if hi - lo > 8 && (predicted <= lo + 1 || predicted >= hi - 1) {
                (lo + hi) / 2
            } else {
                predicted
            };
        }
        if lo < 0 || hi as usize > last {
            return self.fallback(wx, wy);
        }
        let (lo, hi, below_lo) = (lo as usize, hi as usize, w_lo);
        let mut acc = below_lo;
        let lower = self.gather(wx, wy, lo, hi, &mut scratch.cells);
        for (j, &(d, w)) in lower.iter().enumerate() {
            acc += w;
            if acc >= rank {
                if total % 2 == 1 || acc > rank {
                    return Some(d);
                }
                // Even total: the other middle difference is the next cell
                // with weight, in this gap or the next non-empty one.
                if let Some(&(next, _)) = lower.get(j + 1) {
                    return Some(0.5 * (d + next));
                }
                for gap in hi..last {
                    let next = self.gather(wx, wy, gap, gap + 1, &mut scratch.cells);
                    if let Some(&(next, _)) = next.first() {
                        return Some(0.5 * (d + next));
                    }
                }
                return self.fallback(wx, wy);
            }
        }
        // Unreachable: the gap between the rungs holds the answer.
        self.fallback(wx, wy)
    }

    /// The cells with positive weight between rungs lo and hi (above lo, at
    /// or below hi), sorted by value, as (difference, weight).
    fn gather<'s>(
        &self,
        wx: &[u64],
        wy: &[u64],
        lo: usize,
        hi: usize,
        cells: &'s mut Vec<(f64, u64)>,
    ) -> &'s [(f64, u64)] {
        let (p, q) = (self.x.len(), self.y_desc.len());
        cells.clear();
        let (s_lo, s_hi) = (
            &self.stairs[lo * p..(lo + 1) * p],
            &self.stairs[hi * p..(hi + 1) * p],
        );
        for i in 0..p {
            if wx[i] == 0 {
                continue;
            }
            for k in s_lo[i] as usize..s_hi[i] as usize {
                let w = wy[q - 1 - k];
                if w > 0 {
                    cells.push((self.x[i] - self.y_desc[k], wx[i] * w));
                }
            }
        }
        cells.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        cells
    }

    /// The general weighted selection on the cells with positive weight.
    fn fallback(&self, wx: &[u64], wy: &[u64]) -> Option<f64> {
        let (xv, xw): (Vec<f64>, Vec<u64>) = self
            .x
            .iter()
            .zip(wx)
            .filter(|(_, w)| **w > 0)
            .map(|(&v, &w)| (v, w))
            .unzip();
        let q = self.y_desc.len();
        let (yv, yw): (Vec<f64>, Vec<u64>) = (0..q)
            .filter(|&j| wy[j] > 0)
            .map(|j| (self.y_desc[q - 1 - j], wy[j]))
            .unzip();
        hodges_lehmann_weighted(
            WeightedSorted {
                values: &xv,
                weights: &xw,
            },
            WeightedSorted {
                values: &yv,
                weights: &yw,
            },
        )
    }
}

/// Reusable buffers for [`ShiftLadder::weighted_median`].
#[derive(Default)]
struct LadderScratch {
    col_prefix: Vec<u64>,
    cells: Vec<(f64, u64)>,
}

/// Per stratum and group: values sorted ascending with the dense run index
/// of each.
struct SortedGroup {
    values: Vec<f64>,
    runs: Vec<usize>,
}

/// Percentile bootstrap CIs (Efron & Tibshirani 1993, An Introduction to the
/// Bootstrap, §13.3) of the severity-stratified Hodges–Lehmann shift,
/// resampling whole runs with replacement (a cluster bootstrap: Davison &
/// Hinkley 1997, Bootstrap Methods, §3.8), because cramps in one run share
/// that run's fatigue. Each resample draws as many runs as the data hold;
/// a resample in which no stratum holds both groups is redrawn (at most
/// 10·B + 100 redraws in all, else `None`). The intervals are type-7
/// quantiles of the B estimates at (1 ± level)/2.
/// Multiplicities are carried as weights on the presorted data, and each
/// stratum's selection runs on a precomputed ladder of pivots (see
/// `ShiftLadder`), so a resample costs O(N) plus a few weighted sums.
/// `None` without observations in both groups.
pub fn bootstrap_stratified_hl(
    obs: &[BootstrapUnit],
    resamples: usize,
    levels: (f64, f64),
    seed: u64,
) -> Option<BootstrapCi> {
    // Dense run and stratum indices.
    let mut run_ids: Vec<u32> = obs.iter().map(|o| o.run).collect();
    run_ids.sort_unstable();
    run_ids.dedup();
    let mut stratum_ids: Vec<u32> = obs.iter().map(|o| o.stratum).collect();
    stratum_ids.sort_unstable();
    stratum_ids.dedup();
    let mut groups: Vec<[SortedGroup; 2]> = stratum_ids
        .iter()
        .map(|_| {
            [
                SortedGroup {
                    values: Vec::new(),
                    runs: Vec::new(),
                },
                SortedGroup {
                    values: Vec::new(),
                    runs: Vec::new(),
                },
            ]
        })
        .collect();
    let mut order: Vec<&BootstrapUnit> = obs.iter().collect();
    order.sort_by(|a, b| a.value.total_cmp(&b.value));
    for o in order {
        let s = stratum_ids.binary_search(&o.stratum).ok()?;
        let r = run_ids.binary_search(&o.run).ok()?;
        let g = &mut groups[s][usize::from(!o.in_group)];
        g.values.push(o.value);
        g.runs.push(r);
    }
    if !groups
        .iter()
        .any(|[a, b]| !a.values.is_empty() && !b.values.is_empty())
    {
        return None;
    }

    let ladders: Vec<Option<ShiftLadder>> = groups
        .iter()
        .map(|[a, b]| {
            (!a.values.is_empty() && !b.values.is_empty())
                .then(|| ShiftLadder::new(&a.values, &b.values))
        })
        .collect();

    let n_runs = run_ids.len();
    let mut rng = BufferedWords::new(seed);
    let pick_run = BufferedUniform::new(n_runs)?;
    let mut counts = vec![0u64; n_runs];
    let mut estimates = Vec::with_capacity(resamples);
    let mut redrawn = 0usize;
    let max_redraws = 10 * resamples + 100;
    let mut wx = Vec::new();
    let mut wy = Vec::new();
    let mut scratch = LadderScratch::default();
    while estimates.len() < resamples {
        counts.iter_mut().for_each(|c| *c = 0);
        pick_run.tally(&mut rng, n_runs, &mut counts);
        let mut num = 0.0;
        let mut den = 0.0;
        for ([a, b], ladder) in groups.iter().zip(&ladders) {
            let Some(ladder) = ladder else { continue };
            wx.clear();
            wx.extend(a.runs.iter().map(|&r| counts[r]));
            wy.clear();
            wy.extend(b.runs.iter().map(|&r| counts[r]));
            let (n1, n2): (u64, u64) = (wx.iter().sum(), wy.iter().sum());
            if n1 == 0 || n2 == 0 {
                continue;
            }
            let hl = ladder.weighted_median(&wx, &wy, &mut scratch)?;
            let w = stratum_weight(n1 as f64, n2 as f64);
            num += w * hl;
            den += w;
        }
        if den > 0.0 {
            estimates.push(num / den);
        } else {
            redrawn += 1;
            if redrawn > max_redraws {
                return None;
            }
        }
    }
    estimates.sort_by(f64::total_cmp);
    let interval = |level: f64| -> Option<(f64, f64)> {
        let a = (1.0 - level) / 2.0;
        Some((
            quantile_sorted(&estimates, a)?,
            quantile_sorted(&estimates, 1.0 - a)?,
        ))
    };
    Some(BootstrapCi {
        wide: interval(levels.0)?,
        narrow: interval(levels.1)?,
        resamples,
        redrawn,
    })
}

/// A ChaCha8 generator's `u32` words read a block at a time: the same words
/// in the same order as repeated `next_u32` (rand_core's block generator
/// fills whole words in turn), without a call per word. The bootstrap and
/// the permutation test draw 10⁷ integers at 1,000 runs, and the call per
/// draw was a fifth of their time (callgrind). Reading ahead is safe only
/// because nothing else uses the generator.
struct BufferedWords {
    rng: ChaCha8Rng,
    words: Box<[u32]>,
    next: usize,
}

impl BufferedWords {
    fn new(seed: u64) -> Self {
        BufferedWords {
            rng: ChaCha8Rng::seed_from_u64(seed),
            words: vec![0; 1024].into_boxed_slice(),
            next: 1024,
        }
    }

    /// The words not yet read, refilled with the next block when none are
    /// left; the caller marks what it used with `self.next += used`.
    #[inline]
    fn unread(&mut self) -> &[u32] {
        if self.next == self.words.len() {
            self.rng.fill(&mut self.words[..]);
            self.next = 0;
        }
        &self.words[self.next..]
    }

    #[inline]
    fn next_u32(&mut self) -> u32 {
        let word = self.unread()[0];
        self.next += 1;
        word
    }

    /// `rng.random_range(low..high)` under rand 0.9 for `usize` bounds below
    /// 2^32: Canon's method on `u32` words, biased in at most 1 draw in 2^96
    /// (rand's `UniformInt::sample_single_inclusive`, default features).
    #[inline]
    fn range(&mut self, low: usize, high: usize) -> usize {
        debug_assert!(low < high && high <= u32::MAX as usize);
        let range = (high - 1 - low) as u32 + 1;
        let m = u64::from(self.next_u32()) * u64::from(range);
        let (mut result, low_half) = ((m >> 32) as u32, m as u32);
        if low_half > range.wrapping_neg() {
            let carry = (u64::from(self.next_u32()) * u64::from(range)) >> 32;
            result += u32::from(low_half.checked_add(carry as u32).is_none());
        }
        low + result as usize
    }
}

/// Uniform draws from `0..n` that are exactly `rng.sample(Uniform::new(0,
/// n))` under rand 0.9 (`UniformUsize` for ranges below 2^32: Lemire's
/// multiply-and-reject on one `u32` per try; Lemire, "Fast random integer
/// generation in an interval", ACM TOMACS 29(1), 2019), on [`BufferedWords`].
struct BufferedUniform {
    range: u32,
    /// Products whose low half falls below this are rejected.
    reject_below: u32,
}

impl BufferedUniform {
    /// `None` for an empty range or one beyond `u32` (rand then draws `u64`s).
    fn new(n: usize) -> Option<Self> {
        let range = u32::try_from(n).ok().filter(|&r| r > 0)?;
        Some(BufferedUniform {
            range,
            reject_below: range.wrapping_neg() % range,
        })
    }

    /// Add `draws` draws to `counts` (one per index drawn): `draws` draws
    /// in a loop that keeps its place in a register.
    fn tally(&self, words: &mut BufferedWords, draws: usize, counts: &mut [u64]) {
        self.for_each(words, draws, |i| counts[i] += 1);
    }

    /// Call `f` with each of `draws` draws, in order.
    #[inline]
    fn for_each(&self, words: &mut BufferedWords, draws: usize, mut f: impl FnMut(usize)) {
        let mut left = draws;
        while left > 0 {
            let mut used = 0;
            for &word in words.unread() {
                used += 1;
                let product = u64::from(word) * u64::from(self.range);
                if product as u32 >= self.reject_below {
                    f((product >> 32) as usize);
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
            }
            words.next += used;
        }
    }

    #[cfg(test)]
    fn sample(&self, words: &mut BufferedWords) -> usize {
        let mut drawn = 0;
        self.for_each(words, 1, |i| drawn = i);
        drawn
    }
}

// ---------------------------------------------------------------------------
// Detectable ratio by simulation
// ---------------------------------------------------------------------------

/// Pooled within-cell standard deviation: √(Σ (v − mean of its cell)² /
/// (N − #cells)), the cells being the (stratum, group) combinations. `None`
/// with fewer than one residual degree of freedom.
pub fn pooled_sd(cells: &[&[f64]]) -> Option<f64> {
    let mut ss = 0.0;
    let mut n = 0usize;
    let mut k = 0usize;
    for c in cells.iter().filter(|c| !c.is_empty()) {
        let mean = c.iter().sum::<f64>() / c.len() as f64;
        ss += c.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
        n += c.len();
        k += 1;
    }
    (n > k).then(|| (ss / (n - k) as f64).sqrt())
}

/// Settings of the power simulation behind [`detectable_shift`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerSettings {
    /// Two-sided significance level of the test.
    pub alpha: f64,
    /// Wanted power (e.g. 0.8).
    pub power: f64,
    /// Simulated data sets.
    pub sims: usize,
    /// Seed of the ChaCha8 stream.
    pub seed: u64,
}

/// An integer whose order is `f64::total_cmp`'s: the bits with the
/// magnitude of negative numbers flipped (as `total_cmp` itself does).
/// Integer comparisons sort faster than `total_cmp` calls.
#[inline]
fn total_key(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    b ^ (((b >> 63) as u64) >> 1) as i64
}

/// The number [`total_key`] was made from (the flip is its own inverse).
#[inline]
fn from_total_key(k: i64) -> f64 {
    f64::from_bits((k ^ (((k >> 63) as u64) >> 1) as i64) as u64)
}

/// Sort by `f64::total_cmp`, through [`total_key`]: the same order. The
/// keys are held in the slice itself (as bit patterns), so nothing is
/// allocated per sort.
fn sort_total(v: &mut [f64]) {
    for x in v.iter_mut() {
        *x = f64::from_bits(total_key(*x) as u64);
    }
    v.sort_unstable_by_key(|x| x.to_bits() as i64);
    for x in v.iter_mut() {
        *x = from_total_key(x.to_bits() as i64);
    }
}

/// The smallest downward shift of the first group (in units of the outcome
/// scale's standard deviation `sd`) that the stratified rank test detects
/// with the wanted power, at the given per-stratum group sizes (n₁ₛ, n₂ₛ).
/// Returns the shift on the outcome's scale (negative: the first group
/// lower), or `None` when no shift is detectable at these sizes, no stratum
/// holds both groups, or `sd` is not positive.
///
/// Method: each simulated data set draws standard normal outcomes for every
/// stratum and group (ChaCha8 stream from `seed`), multiplies by `sd`, and
/// finds by safeguarded regula falsi (to 0.001·sd) the largest shift δ ≤ 0
/// at which the van Elteren statistic's normal approximation,
/// Z = (V − Σn₁ₛ/2)/√(Σ n₁ₛn₂ₛ/(12(Nₛ+1))) (van Elteren 1960), is below
/// −z₁₋α/₂ — Z is monotone in δ, so every data set has one such critical
/// shift, found with one O(N) merge per step on presorted samples. The
/// test rejects toward "shorter" at shift δ exactly when δ ≤ that data set's
/// critical shift, so the power at δ is the share of critical shifts ≥ δ,
/// and the shift with the wanted power is their (1 − power) quantile
/// (type 7). Normal outcomes on the log scale are lognormal durations; runs
/// are treated as independent, which slightly flatters power when cramps
/// in a run are correlated.
pub fn detectable_shift(sizes: &[(usize, usize)], sd: f64, settings: PowerSettings) -> Option<f64> {
    let sizes: Vec<(usize, usize)> = sizes
        .iter()
        .copied()
        .filter(|&(a, b)| a > 0 && b > 0)
        .collect();
    if sizes.is_empty() || sd.is_nan() || sd <= 0.0 || settings.sims == 0 {
        return None;
    }
    let z_crit = normal_quantile(1.0 - settings.alpha / 2.0)?;
    let expected: f64 = sizes.iter().map(|&(a, _)| a as f64 / 2.0).sum();
    let var: f64 = sizes
        .iter()
        .map(|&(a, b)| (a * b) as f64 / (12.0 * (a + b + 1) as f64))
        .sum();
    // Reject toward "shorter" when V < v_crit.
    let v_crit = expected - z_crit * var.sqrt();

    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let mut samples: Vec<(Vec<f64>, Vec<f64>)> = sizes
        .iter()
        .map(|&(a, b)| (vec![0.0; a], vec![0.0; b]))
        .collect();
    let statistic = |samples: &[(Vec<f64>, Vec<f64>)], delta: f64| -> f64 {
        let mut v = 0.0;
        for (x, y) in samples {
            // U = #{xᵢ + δ > yⱼ} by merging two sorted lists.
            let mut u = 0usize;
            let mut j = 0usize;
            for &xi in x {
                let xv = xi + delta;
                while j < y.len() && y[j] < xv {
                    j += 1;
                }
                u += j;
            }
            let n1 = x.len() as f64;
            let r1 = u as f64 + n1 * (n1 + 1.0) / 2.0;
            v += r1 / ((x.len() + y.len()) as f64 + 1.0);
        }
        v
    };
    // Large-sample guess of the answer: the normal-approximation power of
    // the van Elteren test for a normal shift, P(X > Y) − ½ ≈ δ/(2·sd·√π),
    // gives δ₀ = −(z₁₋α/₂ + z_power)·sd·√(π/(3·Σ n₁ₛn₂ₛ/(Nₛ+1)))
    // (Noether 1987, JASA 82:645, in its asymptotic-efficiency form).
    let info: f64 = sizes
        .iter()
        .map(|&(a, b)| (a * b) as f64 / (a + b + 1) as f64)
        .sum();
    let z_power = normal_quantile(settings.power)?;
    let guess = -(z_crit + z_power) * sd * (std::f64::consts::PI / (3.0 * info)).sqrt();
    let mut critical = Vec::with_capacity(settings.sims);
    for _ in 0..settings.sims {
        let mut spread_hi = f64::NEG_INFINITY;
        for (x, y) in samples.iter_mut() {
            for v in x.iter_mut().chain(y.iter_mut()) {
                let z: f64 = rng.sample(StandardNormal);
                *v = sd * z;
            }
            sort_total(x);
            sort_total(y);
            spread_hi = spread_hi.max(x[x.len() - 1] - y[0]);
        }
        if statistic(&samples, 0.0) < v_crit {
            critical.push(0.0);
            continue;
        }
        // At δ below every difference x − y, U = 0 in every stratum: the
        // most extreme value V can take.
        let mut lo = -spread_hi.max(0.0) - sd;
        if statistic(&samples, lo) >= v_crit {
            critical.push(f64::NEG_INFINITY);
            continue;
        }
        // Illinois regula falsi (Dowell & Jarratt 1971, BIT 11:168) on
        // g(δ) = V(δ) − v_crit, started at the analytic guess; stops when
        // the bracket is narrower than 0.001·sd.
        let g = |d: f64| statistic(&samples, d) - v_crit;
        let (mut a, mut ga) = (lo, g(lo));
        let (mut b, mut gb) = (0.0, g(0.0));
        let mut c = guess.clamp(a + 0.05 * (b - a), b - 0.05 * (b - a));
        let mut kept = 0i8;
        loop {
            let gc = g(c);
            if gc < 0.0 {
                a = c;
                ga = gc;
                if kept < 0 {
                    gb *= 0.5;
                }
                kept = -1;
            } else {
                b = c;
                gb = gc;
                if kept > 0 {
                    ga *= 0.5;
                }
                kept = 1;
            }
            let w = b - a;
            if w <= 1e-3 * sd {
                break;
            }
            c = (b - gb * w / (gb - ga)).clamp(a + 0.02 * w, b - 0.02 * w);
        }
        lo = a;
        critical.push(lo);
    }
    critical.sort_by(f64::total_cmp);
    // −∞ (never rejects) arises for every data set or none: it depends only
    // on the sizes, not on the draws.
    if critical.first().is_some_and(|c| c.is_infinite()) {
        return None;
    }
    let shift = quantile_sorted(&critical, 1.0 - settings.power)?;
    shift.is_finite().then_some(shift)
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;

// ---------------------------------------------------------------------------
// Student's t distribution
// ---------------------------------------------------------------------------

/// The p-quantile of Student's t distribution with `df` degrees of freedom,
/// for the between-runner meta-analysis (`analysis::meta`: HKSJ interval with
/// k − 1 df, prediction interval with k − 2 df).
///
/// Computed by `statrs` as F⁻¹(p) = sign(p − ½)·√(ν(1 − x)/x) with
/// x = I⁻¹(ν/2, ½; 2·min(p, 1 − p)), since the two-sided tail of t is a
/// regularised incomplete beta function (Abramowitz & Stegun 1964, eq.
/// 26.7.1); statrs inverts it with Algorithms AS 63/64/109 (Majumder &
/// Bhattacharjee 1973; Cran, Martin & Thomas 1977). `None` unless
/// 0 < p < 1 and `df` is finite and positive.
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let valid = p > 0.0 && p < 1.0 && df.is_finite() && df > 0.0;
    if !valid {
        return None;
    }
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let q = t.inverse_cdf(p);
    q.is_finite().then_some(q)
}
