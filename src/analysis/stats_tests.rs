//! Reference-value tests of the statistics: every expected number below was
//! computed independently — with scipy 1.17.1 / numpy 2.4.6, by brute-force
//! enumeration in Python, or by hand — and the call that produced it sits in
//! a comment next to it. The scripts are reproduced in the comments so that
//! anyone can rerun them.

use super::*;
use rand_distr::Uniform;

/// Hollander & Wolfe's depression-scale data (used in scipy's docs), as
/// two samples; y has two pairs of ties.
const A_X: [f64; 9] = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30];
#[allow(clippy::approx_constant)] // 3.14 is a measurement, not π
const A_Y: [f64; 9] = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
/// Small, no ties.
const B_X: [f64; 5] = [12.1, 7.4, 9.9, 15.2, 8.8];
const B_Y: [f64; 6] = [6.1, 10.3, 5.5, 7.9, 4.2, 6.6];
/// n = 1.
const C_X: [f64; 1] = [3.0];
const C_Y: [f64; 4] = [1.0, 2.0, 4.0, 5.0];
/// All equal.
const D_X: [f64; 3] = [2.0; 3];
const D_Y: [f64; 4] = [2.0; 4];
/// Heavy ties across groups.
const E_X: [f64; 6] = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0];
const E_Y: [f64; 5] = [2.0, 3.0, 4.0, 4.0, 5.0];
/// Durations in whole seconds (ties), from
/// `rng = np.random.default_rng(7)`;
/// `F_x = np.round(rng.lognormal(4.0, 0.6, 30), 0)`;
/// `F_y = np.round(rng.lognormal(3.7, 0.6, 25), 0)`.
const F_X: [f64; 30] = [
    55.0, 65.0, 46.0, 32.0, 42.0, 30.0, 57.0, 122.0, 41.0, 38.0, 73.0, 68.0, 58.0, 31.0, 54.0,
    83.0, 24.0, 41.0, 17.0, 25.0, 18.0, 47.0, 26.0, 64.0, 60.0, 49.0, 12.0, 40.0, 53.0, 58.0,
];
const F_Y: [f64; 25] = [
    16.0, 30.0, 22.0, 25.0, 76.0, 25.0, 40.0, 69.0, 28.0, 38.0, 43.0, 42.0, 19.0, 42.0, 91.0, 16.0,
    68.0, 43.0, 28.0, 134.0, 64.0, 20.0, 42.0, 57.0, 36.0,
];

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

macro_rules! assert_close {
    ($a:expr, $b:expr, $rel:expr) => {{
        let (a, b): (f64, f64) = ($a, $b);
        assert!(close(a, b, $rel), "{} = {a}, expected {b}", stringify!($a));
    }};
}

// --- normal distribution ---------------------------------------------------

#[test]
fn normal_cdf_matches_scipy_from_the_centre_to_far_tails_on_both_sides() {
    // scipy.stats.norm.cdf(z), scipy.stats.norm.sf(z) (= cdf(−z), which
    // checks the lower tail far out: Φ(−8) = 6.2e-16)
    let cases = [
        (-6.0, 9.865876450376946e-10, 0.9999999990134123),
        (-3.5, 0.00023262907903552502, 0.9997673709209645),
        (-1.96, 0.024997895148220435, 0.9750021048517795),
        (-0.5, 0.3085375387259869, 0.6914624612740131),
        (0.0, 0.5, 0.5),
        (0.3, 0.6179114221889526, 0.3820885778110474),
        (1.0, 0.8413447460685429, 0.15865525393145707),
        (2.5, 0.9937903346742238, 0.006209665325776132),
        (2.82, 0.9975988175258107, 0.0024011824741892525),
        (2.83, 0.9976725997932685, 0.0023274002067315515),
        (3.0, 0.9986501019683699, 0.0013498980316300933),
        (4.2, 0.9999866542509841, 1.334574901590631e-05),
        (8.0, 0.9999999999999993, 6.22096057427174e-16),
    ];
    for (z, cdf, sf) in cases {
        assert_close!(normal_cdf(z), cdf, 1e-12);
        assert_close!(normal_cdf(-z), sf, 1e-12);
    }
}

#[test]
fn normal_quantile_matches_scipy_and_rejects_probabilities_outside_zero_one() {
    // scipy.stats.norm.ppf(p)
    let cases = [
        (1e-10, -6.361340902404056),
        (0.001, -3.090232306167813),
        (0.025, -1.9599639845400545),
        (0.05, -1.6448536269514729),
        (0.2, -0.8416212335729142),
        (0.8, 0.8416212335729143),
        (0.95, 1.6448536269514722),
        (0.975, 1.959963984540054),
    ];
    for (p, z) in cases {
        assert_close!(normal_quantile(p).unwrap(), z, 1e-10);
    }
    assert!(normal_quantile(0.5).unwrap().abs() < 1e-14);
    assert_eq!(normal_quantile(0.0), None);
    assert_eq!(normal_quantile(1.0), None);
    assert_eq!(normal_quantile(f64::NAN), None);
}

// --- order statistics ------------------------------------------------------

#[test]
fn quantile_is_numpys_linear_type_seven() {
    let xs = [7.1, 0.2, 3.3, 3.3, 10.5, -1.0, 4.4];
    // np.quantile([7.1,0.2,3.3,3.3,10.5,-1.0,4.4], p)
    let cases = [
        (0.0, -1.0),
        (0.025, -0.82),
        (0.1, -0.27999999999999986),
        (0.5, 3.3),
        (0.9, 8.46),
        (0.975, 9.989999999999998),
        (1.0, 10.5),
    ];
    for (p, q) in cases {
        assert_close!(quantile(&xs, p).unwrap(), q, 1e-12);
    }
    assert_eq!(quantile(&[], 0.5), None);
    assert_eq!(quantile(&xs, 1.5), None);
}

#[test]
fn median_matches_numpy_for_odd_even_single_and_empty() {
    // np.median([3,1,2]) = 2.0; np.median([4,1,3,2]) = 2.5; np.median([5.0]) = 5.0
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&[5.0]), Some(5.0));
    assert_eq!(median(&[]), None);
}

#[test]
fn the_median_by_selection_equals_the_middle_of_the_sorted_values_at_every_size() {
    // Sizes around the switch from insertion sort to selection, odd and
    // even, with ties (cadences are whole numbers), against sorting.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let cadence = Uniform::new(100.0f64, 190.0).expect("a valid range");
    for n in (1..=40).chain([63, 64, 105, 120, 999, 1000]) {
        for _ in 0..20 {
            let v: Vec<f64> = (0..n).map(|_| rng.sample(cadence).round()).collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let want = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
            };
            assert_eq!(median(&v), Some(want), "n = {n}: {v:?}");
        }
    }
}

// --- Hodges–Lehmann --------------------------------------------------------

#[test]
fn hodges_lehmann_matches_numpy_median_of_pairwise_differences() {
    // float(np.median(np.subtract.outer(x, y).ravel()))
    let cases: [(&[f64], &[f64], f64); 6] = [
        (&A_X, &A_Y, 0.56),
        (&B_X, &B_Y, 3.5500000000000007),
        (&C_X, &C_Y, 0.0),
        (&D_X, &D_Y, 0.0),
        (&E_X, &E_Y, -1.0),
        (&F_X, &F_Y, 5.0),
    ];
    for (x, y, hl) in cases {
        assert!(
            (hodges_lehmann(x, y).unwrap() - hl).abs() < 1e-12,
            "{x:?} {y:?}"
        );
    }
}

#[test]
fn hodges_lehmann_of_an_empty_group_is_none_not_nan() {
    assert_eq!(hodges_lehmann(&[], &B_Y), None);
    assert_eq!(hodges_lehmann(&B_X, &[]), None);
}

#[test]
fn weighted_hodges_lehmann_counts_each_pair_by_its_multiplicities() {
    // X = np.repeat([1.0,2.5,4.0,7.0], w); Y = np.repeat([0.5,2.5,3.0], [1,4,2])
    // float(np.median(np.subtract.outer(X, Y).ravel()))
    // w = [2,1,3,1] (49 pairs, odd) -> 1.0; w = [2,1,3,2] (56 pairs, even) -> 1.5
    let x = [1.0, 2.5, 4.0, 7.0];
    let y = [0.5, 2.5, 3.0];
    let wy = [1, 4, 2];
    for (wx, expected) in [([2, 1, 3, 1], 1.0), ([2, 1, 3, 2], 1.5)] {
        let got = hodges_lehmann_weighted(
            WeightedSorted {
                values: &x,
                weights: &wx,
            },
            WeightedSorted {
                values: &y,
                weights: &wy,
            },
        );
        assert_eq!(got, Some(expected));
    }
}

/// Brute force: sort every difference, expanded by multiplicity.
fn brute_hl(x: &[f64], wx: &[u64], y: &[f64], wy: &[u64]) -> f64 {
    let mut d = Vec::new();
    for (a, &wa) in x.iter().zip(wx) {
        for (b, &wb) in y.iter().zip(wy) {
            for _ in 0..wa * wb {
                d.push(a - b);
            }
        }
    }
    d.sort_by(f64::total_cmp);
    let n = d.len();
    if n % 2 == 1 {
        d[n / 2]
    } else {
        0.5 * (d[n / 2 - 1] + d[n / 2])
    }
}

#[test]
fn fast_selection_equals_sorting_all_differences_on_random_tied_weighted_samples() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for case in 0..400 {
        let p = rng.random_range(1..60);
        let q = rng.random_range(1..60);
        // Coarse values so that ties are common.
        let levels = if case % 2 == 0 { 8.0 } else { 1000.0 };
        let mut x: Vec<f64> = (0..p)
            .map(|_| (rng.random::<f64>() * levels).floor())
            .collect();
        let mut y: Vec<f64> = (0..q)
            .map(|_| (rng.random::<f64>() * levels).floor() + 0.5 * f64::from(case % 3))
            .collect();
        x.sort_by(f64::total_cmp);
        y.sort_by(f64::total_cmp);
        let wx: Vec<u64> = (0..p).map(|_| rng.random_range(1..4)).collect();
        let wy: Vec<u64> = (0..q).map(|_| rng.random_range(1..4)).collect();
        let fast = hodges_lehmann_weighted(
            WeightedSorted {
                values: &x,
                weights: &wx,
            },
            WeightedSorted {
                values: &y,
                weights: &wy,
            },
        )
        .unwrap();
        assert_eq!(fast, brute_hl(&x, &wx, &y, &wy), "case {case}");
    }
}

#[test]
fn selection_finds_every_rank_of_large_tied_weighted_difference_matrices() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for case in 0..60 {
        let p = rng.random_range(50..300);
        let q = rng.random_range(50..300);
        let levels = [3.0, 40.0, 1e6][case % 3];
        let mut x: Vec<f64> = (0..p)
            .map(|_| (rng.random::<f64>() * levels).floor())
            .collect();
        let mut y: Vec<f64> = (0..q)
            .map(|_| (rng.random::<f64>() * levels).floor())
            .collect();
        x.sort_by(f64::total_cmp);
        y.sort_by(f64::total_cmp);
        let wx: Vec<u64> = (0..p).map(|_| rng.random_range(1..3)).collect();
        let wy: Vec<u64> = (0..q).map(|_| rng.random_range(1..3)).collect();
        let mut all = Vec::new();
        for (a, &wa) in x.iter().zip(&wx) {
            for (b, &wb) in y.iter().zip(&wy) {
                for _ in 0..wa * wb {
                    all.push(a - b);
                }
            }
        }
        all.sort_by(f64::total_cmp);
        let m = DiffMatrix::new(
            WeightedSorted {
                values: &x,
                weights: &wx,
            },
            WeightedSorted {
                values: &y,
                weights: &wy,
            },
        );
        let n = all.len() as u64;
        for rank in [1, 2, n / 40, n / 3, n / 2, n / 2 + 1, n - n / 40, n - 1, n] {
            let rank = rank.max(1);
            assert_eq!(
                m.select(rank),
                all[rank as usize - 1],
                "case {case} rank {rank}"
            );
        }
    }
}

#[test]
fn the_bootstrap_ladder_gives_the_same_weighted_median_as_brute_force_including_zero_weights() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let mut scratch = LadderScratch::default();
    for case in 0..330 {
        // Mostly small; the last 30 large enough for narrow ladder gaps.
        let (p, q) = if case < 300 {
            (rng.random_range(1..80), rng.random_range(1..80))
        } else {
            (rng.random_range(150..300), rng.random_range(150..300))
        };
        let levels = [4.0, 50.0, 1e6][case % 3];
        let mut x: Vec<f64> = (0..p)
            .map(|_| (rng.random::<f64>() * levels).floor())
            .collect();
        let mut y: Vec<f64> = (0..q)
            .map(|_| (rng.random::<f64>() * levels).floor())
            .collect();
        x.sort_by(f64::total_cmp);
        y.sort_by(f64::total_cmp);
        let ladder = ShiftLadder::new(&x, &y);
        for _ in 0..20 {
            // Bootstrap-like multiplicities: many zeros, some repeats; now
            // and then a lopsided draw that lands outside the ladder.
            let skew = rng.random::<f64>() < 0.1;
            let wx: Vec<u64> = (0..p)
                .map(|i| {
                    if skew && i < p / 2 {
                        0
                    } else {
                        rng.random_range(0..3)
                    }
                })
                .collect();
            let wy: Vec<u64> = (0..q).map(|_| rng.random_range(0..3)).collect();
            let got = ladder.weighted_median(&wx, &wy, &mut scratch);
            if wx.iter().sum::<u64>() == 0 || wy.iter().sum::<u64>() == 0 {
                assert_eq!(got, None);
            } else {
                assert_eq!(got, Some(brute_hl(&x, &wx, &y, &wy)), "case {case}");
            }
        }
    }
}

/// Three severity strata, the second with ties.
fn three_strata() -> [Stratum<'static>; 3] {
    [
        Stratum {
            x: &[3.1, 4.5, 2.2],
            y: &[1.9, 2.8, 3.3, 2.5],
        },
        Stratum {
            x: &[10.0, 12.0],
            y: &[9.0, 9.0, 12.0, 7.0],
        },
        Stratum {
            x: &[5.5, 6.1, 4.0],
            y: &[4.8, 5.0],
        },
    ]
}

#[test]
fn stratified_hodges_lehmann_weights_strata_by_n1n2_over_n1_plus_n2() {
    // for x, y in strata: w = len(x)*len(y)/(len(x)+len(y));
    //   h = np.median(np.subtract.outer(x, y)); num += w*h; den += w
    // -> stratum HLs 0.45, 2.0, 0.6 with weights 12/7, 4/3, 6/5; num/den:
    assert_close!(
        stratified_hodges_lehmann(&three_strata()).unwrap(),
        0.9789237668161435,
        1e-12
    );
    // A stratum with an empty group is ignored, not an error.
    let mut s = three_strata().to_vec();
    s.push(Stratum {
        x: &[100.0],
        y: &[],
    });
    assert_close!(
        stratified_hodges_lehmann(&s).unwrap(),
        0.9789237668161435,
        1e-12
    );
    assert_eq!(
        stratified_hodges_lehmann(&[Stratum { x: &[1.0], y: &[] }]),
        None
    );
}

// --- Cliff's delta ----------------------------------------------------------

#[test]
fn cliffs_delta_matches_numpy_pair_counts() {
    // d = np.subtract.outer(x, y); (np.sum(d>0) - np.sum(d<0)) / d.size
    let cases: [(&[f64], &[f64], f64); 6] = [
        (&A_X, &A_Y, 0.43209876543209874),
        (&B_X, &B_Y, 0.7333333333333333),
        (&C_X, &C_Y, 0.0),
        (&D_X, &D_Y, 0.0),
        (&E_X, &E_Y, -0.6333333333333333),
        (&F_X, &F_Y, 0.14266666666666666),
    ];
    for (x, y, d) in cases {
        assert!((cliffs_delta(x, y).unwrap() - d).abs() < 1e-12);
    }
    assert_eq!(cliffs_delta(&[], &B_Y), None);
    // The same weights as the HL across strata (Python as above): 0.42488789237668156
    assert_close!(
        stratified_cliffs_delta(&three_strata()).unwrap(),
        0.42488789237668156,
        1e-12
    );
}

// --- ranks and Mann–Whitney ------------------------------------------------

#[test]
fn midranks_match_scipy_rankdata_average() {
    // scipy.stats.rankdata(A_x + A_y)
    let a: Vec<f64> = A_X.iter().chain(&A_Y).copied().collect();
    assert_eq!(
        midranks(&a),
        [
            13.0, 1.0, 11.0, 16.0, 12.0, 14.0, 10.0, 17.0, 9.0, 4.0, 3.0, 2.0, 15.0, 5.5, 7.5, 5.5,
            18.0, 7.5
        ]
    );
    // scipy.stats.rankdata(E_x + E_y)
    let e: Vec<f64> = E_X.iter().chain(&E_Y).copied().collect();
    assert_eq!(
        midranks(&e),
        [1.0, 3.0, 3.0, 6.5, 6.5, 6.5, 3.0, 6.5, 9.5, 9.5, 11.0]
    );
    // All tied: everyone gets (1+7)/2.
    assert_eq!(midranks(&[2.0; 7]), [4.0; 7]);
}

#[test]
fn exact_null_distribution_of_u_matches_brute_force_enumeration() {
    // Python: for c in itertools.combinations(range(1, 10), 4):
    //   u = sum(c) - 4*5//2; count[u] += 1   (then / comb(9, 4) = 126)
    let counts = [
        1.0, 1.0, 2.0, 3.0, 5.0, 6.0, 8.0, 9.0, 11.0, 11.0, 12.0, 11.0, 11.0, 9.0, 8.0, 6.0, 5.0,
        3.0, 2.0, 1.0, 1.0,
    ];
    for (m, n) in [(4, 5), (5, 4)] {
        let pmf = mann_whitney_null_pmf(m, n);
        assert_eq!(pmf.len(), counts.len());
        for (p, c) in pmf.iter().zip(counts) {
            assert_close!(*p, c / 126.0, 1e-13);
        }
    }
}

/// The textbook recursion for the U distribution (Mann & Whitney 1947):
/// p(m,n,u) = m/(m+n)·p(m−1,n,u−n) + n/(m+n)·p(m,n−1,u), independent of the
/// generating-function method under test.
fn pmf_by_recursion(m: usize, n: usize) -> Vec<f64> {
    // table[i][j] = distribution for sizes (i, j)
    let mut table: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); n + 1]; m + 1];
    for i in 0..=m {
        for j in 0..=n {
            if i == 0 || j == 0 {
                table[i][j] = vec![1.0];
                continue;
            }
            let mut d = vec![0.0; i * j + 1];
            let (a, b) = (i as f64 / (i + j) as f64, j as f64 / (i + j) as f64);
            // Largest pooled value is an x: it beats all j y's.
            for (u, p) in table[i - 1][j].iter().enumerate() {
                d[u + j] += a * p;
            }
            for (u, p) in table[i][j - 1].iter().enumerate() {
                d[u] += b * p;
            }
            table[i][j] = d;
        }
    }
    table[m][n].clone()
}

#[test]
fn exact_null_distribution_stays_accurate_in_the_tails_at_larger_sizes() {
    for (m, n) in [(12, 15), (25, 30), (40, 9)] {
        let fast = mann_whitney_null_pmf(m, n);
        let slow = pmf_by_recursion(m, n);
        let mut cum_f = 0.0;
        let mut cum_s = 0.0;
        for (f, s) in fast.iter().zip(&slow) {
            cum_f += f;
            cum_s += s;
            if cum_s > 1e-12 && cum_s < 0.5 {
                assert_close!(cum_f, cum_s, 1e-9);
            }
        }
        assert_close!(cum_f, 1.0, 1e-12);
    }
}

// --- Moses CI ----------------------------------------------------------------

#[test]
fn moses_interval_matches_brute_force_enumeration_of_the_null() {
    // Python (fractions): p = exact pmf of U by itertools.combinations;
    //   c = largest u with sum(p[:u+1]) <= (1-level)/2;
    //   D = sorted(x_i - y_j); CI = (D[c], D[m*n-c-1])
    // B 0.95 -> (-0.40000000000000036, 8.6), c = 3, coverage 0.9697
    // B 0.90 -> (0.9000000000000004, 7.299999999999999), c = 5
    // A 0.95 -> (-0.3699999999999999, 1.183), c = 17
    // A 0.90 -> (-0.09799999999999998, 1.0100000000000002), c = 21
    // G 0.95 -> (6.0, 23.599999999999994), c = 29
    // G 0.90 -> (6.700000000000003, 22.0), c = 34
    let g_x = [
        31.0, 45.5, 28.2, 60.1, 39.9, 52.3, 47.0, 35.5, 41.2, 58.8, 44.4, 30.3,
    ];
    let g_y = [22.1, 30.5, 18.7, 35.2, 27.7, 25.0, 40.3, 19.9, 33.3, 28.8];
    // (x, y, level, interval)
    type Case<'a> = (&'a [f64], &'a [f64], f64, (f64, f64));
    let cases: [Case<'_>; 6] = [
        (&B_X, &B_Y, 0.95, (-0.40000000000000036, 8.6)),
        (&B_X, &B_Y, 0.90, (0.9000000000000004, 7.299999999999999)),
        (&A_X, &A_Y, 0.95, (-0.3699999999999999, 1.183)),
        (&A_X, &A_Y, 0.90, (-0.09799999999999998, 1.0100000000000002)),
        (&g_x, &g_y, 0.95, (6.0, 23.599999999999994)),
        (&g_x, &g_y, 0.90, (6.700000000000003, 22.0)),
    ];
    for (x, y, level, (lo, hi)) in cases {
        let (a, b) = moses_ci(x, y, level).unwrap();
        assert!((a - lo).abs() < 1e-12 && (b - hi).abs() < 1e-12, "{a} {b}");
    }
}

#[test]
fn moses_interval_is_none_when_the_samples_cannot_reach_the_level() {
    // 2 vs 3: P(U = 0) = 1/10 > 0.025, so no 95 % interval exists
    // (brute force above returns None).
    assert_eq!(moses_ci(&[1.0, 2.0], &[3.0, 4.0, 5.0], 0.95), None);
    assert_eq!(moses_ci(&[], &[3.0], 0.95), None);
}

// --- van Elteren -------------------------------------------------------------

#[test]
fn van_elteren_exact_p_matches_brute_force_enumeration_over_strata() {
    // Python, exact fractions: for each stratum r = rankdata(x + y);
    //   V += sum(r[:len(x)])/(N+1); E += len(x)/2;
    //   all relabellings = itertools.product of per-stratum
    //   itertools.combinations(r, len(x)) sums / (N+1);
    //   p = #{|V* - E| >= |V - E|} / #relabellings
    // -> V = 4.773809523809524, E = 4.0, 859 of 5250, p = 0.1636190476190476
    let t = van_elteren(&three_strata(), 9_999, 1).unwrap();
    assert!(t.exact);
    assert_eq!(t.permutations, 5250);
    assert_close!(t.statistic, 4.773809523809524, 1e-12);
    assert_eq!(t.expected, 4.0);
    assert_close!(t.p_value, 859.0 / 5250.0, 1e-12);
}

#[test]
fn van_elteren_with_one_stratum_is_the_exact_wilcoxon_test() {
    // Same brute force, one stratum: 24 of 462 = 0.05194805194805195, equal to
    // scipy.stats.mannwhitneyu(B_x, B_y, method='exact').pvalue
    let t = van_elteren(&[Stratum { x: &B_X, y: &B_Y }], 9_999, 1).unwrap();
    assert_close!(t.p_value, 0.05194805194805195, 1e-12);
}

#[test]
fn van_elteren_monte_carlo_agrees_with_the_exact_p_and_is_reproducible() {
    // 2,000 < 5,250 relabellings: Monte Carlo. Its SE at p = 0.164 is
    // sqrt(0.164·0.836/2000) = 0.0083; allow 4 SE.
    let a = van_elteren(&three_strata(), 2_000, 42).unwrap();
    let b = van_elteren(&three_strata(), 2_000, 42).unwrap();
    assert!(!a.exact);
    assert_eq!(a, b);
    assert!(
        (a.p_value - 0.1636190476190476).abs() < 0.033,
        "{}",
        a.p_value
    );
    // p = (1 + hits)/(1 + B) is never zero.
    let far = van_elteren(
        &[Stratum {
            x: &F_X,
            y: &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
        }],
        999,
        3,
    )
    .unwrap();
    assert_eq!(far.p_value, 1.0 / 1000.0);
}

#[test]
fn van_elteren_ignores_strata_with_one_group_and_is_none_without_any_comparable_stratum() {
    let mut s = three_strata().to_vec();
    s.push(Stratum {
        x: &[],
        y: &[1.0, 2.0],
    });
    let t = van_elteren(&s, 9_999, 1).unwrap();
    assert_close!(t.p_value, 859.0 / 5250.0, 1e-12);
    assert_eq!(
        van_elteren(&[Stratum { x: &[1.0], y: &[] }], 9_999, 1),
        None
    );
}

// --- Kendall and Bonett–Wright --------------------------------------------

const K_X: [f64; 12] = [
    12.0, -3.0, 25.0, 8.0, 8.0, 30.0, 15.0, 2.0, 18.0, 8.0, 22.0, -1.0,
];
const K_Y: [f64; 12] = [
    40.0, 55.0, 21.0, 40.0, 33.0, 18.0, 30.0, 61.0, 25.0, 47.0, 30.0, 52.0,
];

#[test]
fn kendall_tau_b_matches_scipy_with_ties_in_both_variables() {
    // float(scipy.stats.kendalltau(K_x, K_y).statistic)  (tau-b)
    assert_close!(
        kendall_tau_b(&K_X, &K_Y).unwrap(),
        -0.8346715445620434,
        1e-12
    );
    // float(scipy.stats.kendalltau(F_x[:25], F_y).statistic)
    assert_close!(
        kendall_tau_b(&F_X[..25], &F_Y).unwrap(),
        -0.10811366102046391,
        1e-12
    );
}

#[test]
fn kendall_tau_is_none_for_a_constant_variable_a_single_pair_or_unequal_lengths() {
    assert_eq!(kendall_tau_b(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
    assert_eq!(kendall_tau_b(&[1.0], &[2.0]), None);
    assert_eq!(kendall_tau_b(&[1.0, 2.0], &[2.0]), None);
}

#[test]
fn bonett_wright_interval_matches_a_hand_computation() {
    // Python: z = math.atanh(-0.8346715445620434); se = math.sqrt(0.437/(12-4));
    //   q = scipy.stats.norm.ppf(0.975); (math.tanh(z-q*se), math.tanh(z+q*se))
    // -> (-0.9304089953288291, -0.6323130296986818)
    let (lo, hi) = kendall_tau_ci(-0.8346715445620434, 12, 0.95).unwrap();
    assert_close!(lo, -0.9304089953288291, 1e-10);
    assert_close!(hi, -0.6323130296986818, 1e-10);
    assert_eq!(kendall_tau_ci(0.3, 4, 0.95), None);
    assert_eq!(kendall_tau_ci(1.0, 30, 0.95), None);
}

// --- bootstrap ----------------------------------------------------------------

fn obs(run: u32, stratum: u32, in_group: bool, value: f64) -> BootstrapUnit {
    BootstrapUnit {
        run,
        stratum,
        in_group,
        value,
    }
}

/// 20 runs, two strata, group shifted by −0.5 on the log scale.
fn bootstrap_data() -> Vec<BootstrapUnit> {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut v = Vec::new();
    for run in 0..20 {
        for k in 0..4 {
            let stratum = k % 2;
            let in_group = rng.random::<bool>();
            let z: f64 = rng.sample(StandardNormal);
            let value = 4.0 + 0.7 * f64::from(stratum) + 0.5 * z - if in_group { 0.5 } else { 0.0 };
            v.push(obs(run, stratum, in_group, value));
        }
    }
    v
}

#[test]
fn bootstrap_interval_brackets_the_estimate_and_is_reproducible_with_a_seed() {
    let data = bootstrap_data();
    let a = bootstrap_stratified_hl(&data, 999, (0.95, 0.90), 9).unwrap();
    let b = bootstrap_stratified_hl(&data, 999, (0.95, 0.90), 9).unwrap();
    assert_eq!(a, b);
    let c = bootstrap_stratified_hl(&data, 999, (0.95, 0.90), 10).unwrap();
    assert_ne!(a, c);
    let xs: Vec<Vec<f64>> = (0..2)
        .flat_map(|s| {
            [true, false].map(|g| {
                data.iter()
                    .filter(|o| o.stratum == s && o.in_group == g)
                    .map(|o| o.value)
                    .collect()
            })
        })
        .collect();
    let est = stratified_hodges_lehmann(&[
        Stratum {
            x: &xs[0],
            y: &xs[1],
        },
        Stratum {
            x: &xs[2],
            y: &xs[3],
        },
    ])
    .unwrap();
    assert!(a.wide.0 < a.narrow.0 && a.narrow.0 < est && est < a.narrow.1 && a.narrow.1 < a.wide.1);
    // Planted shift −0.5 inside the 95 % interval.
    assert!(a.wide.0 < -0.5 && -0.5 < a.wide.1, "{a:?}");
}

#[test]
fn bootstrap_resamples_whole_runs_so_copies_within_a_run_add_no_precision() {
    let data = bootstrap_data();
    let mut doubled = data.clone();
    doubled.extend(data.iter().copied());
    let a = bootstrap_stratified_hl(&data, 999, (0.95, 0.90), 9).unwrap();
    let b = bootstrap_stratified_hl(&doubled, 999, (0.95, 0.90), 9).unwrap();
    assert_eq!(a.wide, b.wide);
    assert_eq!(a.narrow, b.narrow);
}

#[test]
fn bootstrap_redraws_resamples_that_lose_a_group_and_needs_both_groups() {
    // Group only in run 0, reference only in runs 1..=4: a resample misses
    // run 0 with probability (4/5)^5 = 0.33, and must be redrawn.
    let mut data = vec![obs(0, 0, true, 1.0), obs(0, 0, true, 1.5)];
    for run in 1..=4 {
        data.push(obs(run, 0, false, f64::from(run)));
    }
    let b = bootstrap_stratified_hl(&data, 500, (0.95, 0.90), 1).unwrap();
    assert_eq!(b.resamples, 500);
    assert!(b.redrawn > 100, "{}", b.redrawn);
    let only_group = vec![obs(0, 0, true, 1.0), obs(1, 0, true, 2.0)];
    assert_eq!(
        bootstrap_stratified_hl(&only_group, 100, (0.95, 0.90), 1),
        None
    );
    assert_eq!(bootstrap_stratified_hl(&[], 100, (0.95, 0.90), 1), None);
}

// --- power ---------------------------------------------------------------

#[test]
fn pooled_sd_matches_a_hand_computation() {
    // Python: cells [1,2,4], [3,3.5], [10]; residual SS / (6 - 3), sqrt
    // -> 1.2638125740085917
    assert_close!(
        pooled_sd(&[&[1.0, 2.0, 4.0], &[3.0, 3.5], &[10.0], &[]]).unwrap(),
        1.2638125740085917,
        1e-12
    );
    assert_eq!(pooled_sd(&[&[1.0], &[2.0]]), None);
}

#[test]
fn detectable_shift_agrees_with_noethers_sample_size_formula() {
    // Noether (1987, JASA 82:645) for the rank-sum test under a normal
    // shift: P(X > Y) = 1/2 + (z.975 + z.80)/sqrt(12 n1 n2/(n1+n2+1)),
    // shift = sd·√2·Φ⁻¹(P). Python (scipy.stats.norm.ppf):
    //   (50, 50, sd 0.7) -> -0.41523425730175173
    //   (30, 20, sd 1.0) -> -0.8915417927194621
    //   (200, 150, sd 0.6) -> -0.18758070399202556
    let settings = PowerSettings {
        alpha: 0.05,
        power: 0.8,
        sims: 2_000,
        seed: 4,
    };
    for (n1, n2, sd, expected) in [
        (50, 50, 0.7, -0.41523425730175173),
        (30, 20, 1.0, -0.8915417927194621),
        (200, 150, 0.6, -0.18758070399202556),
    ] {
        let got = detectable_shift(&[(n1, n2)], sd, settings).unwrap();
        // Monte Carlo (2,000 sets) and the formula's own approximation.
        assert!(
            (got / expected - 1.0).abs() < 0.06,
            "{n1} {n2}: {got} vs {expected}"
        );
    }
}

#[test]
fn detectable_shift_is_none_when_even_total_separation_cannot_reach_significance() {
    // 2 vs 2: the most extreme rank sum gives |Z| = 0.4/sqrt(4/60) = 1.55 < 1.96.
    let settings = PowerSettings {
        alpha: 0.05,
        power: 0.8,
        sims: 200,
        seed: 1,
    };
    assert_eq!(detectable_shift(&[(2, 2)], 1.0, settings), None);
    assert_eq!(detectable_shift(&[(0, 20)], 1.0, settings), None);
    assert_eq!(detectable_shift(&[(20, 20)], 0.0, settings), None);
    // Splitting the same cramps into strata never makes a difference easier
    // to see, and more cramps make it easier.
    let one = detectable_shift(&[(40, 40)], 1.0, settings).unwrap();
    let split = detectable_shift(&[(20, 20), (20, 20)], 1.0, settings).unwrap();
    let more = detectable_shift(&[(80, 80)], 1.0, settings).unwrap();
    assert!(more > one && split <= one + 0.02, "{more} {one} {split}");
}

#[test]
fn buffered_draws_are_rands_draws() {
    // Ranges with a large rejection (or bias-correction) zone, where
    // 2^31 + 1 rejects almost half the words, as well as the usual counts.
    for (n, seed) in [
        (1, 1),
        (2, 2),
        (7, 3),
        (693, 4),
        (1000, 5),
        (1 << 31 | 1, 6),
    ] {
        let mut a = ChaCha8Rng::seed_from_u64(seed);
        let mut b = BufferedWords::new(seed);
        let reference = Uniform::new(0, n).unwrap();
        let buffered = BufferedUniform::new(n).unwrap();
        for i in 0..5_000 {
            assert_eq!(
                buffered.sample(&mut b),
                a.sample(reference),
                "n = {n}, draw {i}"
            );
            // Interleaved ranges, as a partial Fisher-Yates shuffle draws them.
            let low = i % n.min(50);
            assert_eq!(
                b.range(low, n),
                a.random_range(low..n),
                "n = {n}, range {i}"
            );
        }
    }
    let mut a = ChaCha8Rng::seed_from_u64(7);
    let mut b = BufferedWords::new(7);
    for _ in 0..10_000 {
        assert_eq!(
            b.range(3, u32::MAX as usize),
            a.random_range(3..u32::MAX as usize)
        );
    }
    assert!(BufferedUniform::new(0).is_none());
    // Tallies running across the 1,024-word blocks give the same counts.
    for n in [7, 693, 1000] {
        let mut a = ChaCha8Rng::seed_from_u64(9);
        let mut b = BufferedWords::new(9);
        let reference = Uniform::new(0, n).unwrap();
        let buffered = BufferedUniform::new(n).unwrap();
        let (mut want, mut got) = (vec![0u64; n], vec![0u64; n]);
        for _ in 0..20 {
            buffered.tally(&mut b, 693, &mut got);
            for _ in 0..693 {
                want[a.sample(reference)] += 1;
            }
            assert_eq!(got, want, "n = {n}");
        }
    }
}

#[test]
fn sorting_by_integer_keys_is_sorting_by_total_cmp() {
    use rand::Rng;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let specials = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
        -1e-300,
        f64::NAN,
        -f64::NAN,
    ];
    for n in [0, 1, 2, 17, 1000] {
        let mut v: Vec<f64> = (0..n)
            .map(|i| {
                if i % 7 == 0 {
                    specials[i % specials.len()]
                } else {
                    rng.random::<f64>() * 20.0 - 10.0
                }
            })
            .collect();
        let mut want = v.clone();
        want.sort_by(f64::total_cmp);
        sort_total(&mut v);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&v), bits(&want), "n = {n}");
    }
}
