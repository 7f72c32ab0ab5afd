//! The between-runner (two-stage) analysis of DESIGN §5: a random-effects
//! meta-analysis of each runner's own log duration ratio, which answers "how
//! much do runners differ, and what would a new runner see?" — a question
//! the pooled one-stage ratio cannot answer.
//!
//! Pure: studies in, numbers out, everything on the log scale (the caller
//! exponentiates). The model is yᵢ ~ N(μ, vᵢ + τ²) with vᵢ = SEᵢ² known
//! (DerSimonian & Laird 1986, Control. Clin. Trials 7:177); τ² by REML (Viechtbauer 2005), the mean's
//! interval by Hartung–Knapp–Sidik–Jonkman, heterogeneity as Cochran's Q and
//! I² (Higgins & Thompson 2002), and the prediction interval for a new runner
//! of Higgins, Thompson & Spiegelhalter (2009). Each formula matches metafor's
//! `rma(yi, vi, method = "REML", test = "knha")` except where a doc comment
//! says otherwise. `tests/reference/meta_reference.py` recomputes every
//! number with a different algorithm.

use super::stats::t_quantile;

/// One runner's own estimate, as the meta-analysis needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Study {
    /// The runner's log duration ratio b_r (slowed vs kept pace).
    pub estimate: f64,
    /// Its standard error SE_r (finite and positive).
    pub se: f64,
}

/// Why no random-effects summary was computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetaRefusal {
    /// Fewer than 3 runners: τ² and the prediction interval (t with k − 2 df)
    /// need at least 3.
    #[error(
        "between-runner analysis needs at least 3 runners with ≥3 slowed and ≥3 kept-pace \
         cramps each; {k} qualified"
    )]
    TooFewRunners {
        /// How many runners qualified.
        k: usize,
    },
    /// A study's estimate is not finite, or its SE is not finite and positive.
    #[error(
        "runner {index}: {what} (estimate {estimate}, SE {se}); need a finite estimate and a finite SE > 0"
    )]
    InvalidStudy {
        /// Position of the study in the input.
        index: usize,
        /// What is wrong with it.
        what: &'static str,
        /// The estimate given.
        estimate: f64,
        /// The SE given.
        se: f64,
    },
    /// α must lie in (0, 0.5), so that both the 1 − α and 1 − 2α intervals exist.
    #[error("alpha must be between 0 and 0.5 (got {alpha})")]
    InvalidAlpha {
        /// The α given.
        alpha: f64,
    },
    /// The REML iteration did not settle within its iteration cap.
    #[error(
        "REML estimate of the between-runner variance did not converge in {iterations} iterations"
    )]
    NotConverged {
        /// Iterations run.
        iterations: usize,
    },
}

/// A random-effects summary of k runners, all on the log scale.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomEffects {
    /// Number of runners (studies).
    pub k: usize,
    /// Pooled mean μ̂ = Σwᵢyᵢ / Σwᵢ with wᵢ = 1/(SEᵢ² + τ̂²).
    pub mu: f64,
    /// Model-based SE of μ̂, 1/√Σwᵢ (used by the prediction interval).
    pub se_mu: f64,
    /// Hartung–Knapp–Sidik–Jonkman SE of μ̂, √q (used by both CIs).
    pub se_hksj: f64,
    /// The 1 − α (default 95 %) HKSJ interval for μ.
    pub ci: (f64, f64),
    /// The 1 − 2α (default 90 %) HKSJ interval for μ.
    pub ci90: (f64, f64),
    /// REML between-runner variance τ̂², truncated at 0.
    pub tau2: f64,
    /// Cochran's Q (fixed-effect weights 1/SEᵢ²), on k − 1 df.
    pub q: f64,
    /// I² in percent, as metafor defines it.
    pub i2_pct: f64,
    /// The 1 − α prediction interval for a new runner's own log ratio.
    pub pi: (f64, f64),
    /// Each study's share of the random-effects weight, in percent (sums to
    /// 100), in input order — marker sizes for a forest plot.
    pub weights_pct: Vec<f64>,
    /// τ̂² = 0 or k < 20: the prediction interval may be too narrow, because
    /// heterogeneity smaller than the runners' own uncertainty cannot be seen
    /// (DESIGN §5).
    pub pi_may_be_too_narrow: bool,
    /// Fisher-scoring iterations the REML estimate took.
    pub iterations: usize,
}

/// The α of the default 95 % intervals (and 90 % for `ci90`).
pub const DEFAULT_ALPHA: f64 = 0.05;

/// Below this many runners a prediction interval is flagged as possibly too
/// narrow even when τ̂² > 0 (DESIGN §5; with few studies τ̂² is imprecise and
/// REML-based prediction intervals under-cover: Partlett & Riley 2017, Stat.
/// Med. 36:301).
const PI_RELIABLE_MIN_K: usize = 20;

/// REML stops when τ² moves less than this between iterations.
const REML_TOLERANCE: f64 = 1e-10;
/// REML gives up (and says so) after this many iterations.
const REML_MAX_ITERATIONS: usize = 200;

/// Random-effects meta-analysis of `studies` at level 1 − `alpha`
/// ([`DEFAULT_ALPHA`] for 95 %).
///
/// - τ̂²: REML by Fisher scoring, truncated at 0 ([`reml_tau2`]).
/// - μ̂ = Σwᵢyᵢ/Σwᵢ, wᵢ = 1/(vᵢ + τ̂²).
/// - CI: μ̂ ± t_{k−1, 1−α/2}·√q with
///   q = Σwᵢ(yᵢ − μ̂)² / ((k − 1)·Σwᵢ) (Hartung & Knapp 2001, Stat. Med.
///   20:3875; Sidik & Jonkman 2002, Stat. Med. 21:3153). This is plain HKSJ,
///   metafor's `test = "knha"`: q is **not** truncated at 1 (the ad-hoc
///   max(1, q) of Röver, Knapp & Friede 2015), so when the runners agree more
///   closely than their SEs suggest, the interval can be narrower than the
///   normal-theory one (IntHout, Ioannidis & Borm 2014, BMC Med. Res.
///   Methodol. 14:25, compare both). `ci90` uses t_{k−1, 1−α} with the same q.
/// - Q = Σ(yᵢ − μ̂_FE)²/vᵢ (Cochran 1954, Biometrics 10:101); I² = 100·τ̂²/(τ̂² + s̃²) with the
///   "typical" within-study variance s̃² = (k − 1)·Σw⁰/((Σw⁰)² − Σ(w⁰)²),
///   w⁰ = 1/vᵢ (Higgins & Thompson 2002, Stat. Med. 21:1539; metafor's
///   definition, which uses τ̂² rather than Q).
/// - Prediction interval: μ̂ ± t_{k−2, 1−α/2}·√(τ̂² + SE(μ̂)²), SE(μ̂) =
///   1/√Σwᵢ (Higgins, Thompson & Spiegelhalter 2009, J. R. Stat. Soc. A
///   172:137; IntHout et al. 2016, BMJ Open 6:e010247). Note: metafor
///   with `test = "knha"` would use the HKSJ SE and k − 1 df here instead.
///
/// Refuses k < 3, a non-finite estimate, a non-finite or non-positive SE, α
/// outside (0, 0.5), and a REML iteration that does not converge.
pub fn random_effects(studies: &[Study], alpha: f64) -> Result<RandomEffects, MetaRefusal> {
    if !(alpha > 0.0 && alpha < 0.5) {
        return Err(MetaRefusal::InvalidAlpha { alpha });
    }
    for (index, s) in studies.iter().enumerate() {
        let what = if !s.estimate.is_finite() {
            Some("estimate is not finite")
        } else if !s.se.is_finite() {
            Some("SE is not finite")
        } else if s.se <= 0.0 {
            Some("SE is not positive")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(MetaRefusal::InvalidStudy {
                index,
                what,
                estimate: s.estimate,
                se: s.se,
            });
        }
    }
    let k = studies.len();
    if k < 3 {
        return Err(MetaRefusal::TooFewRunners { k });
    }
    let y: Vec<f64> = studies.iter().map(|s| s.estimate).collect();
    let v: Vec<f64> = studies.iter().map(|s| s.se * s.se).collect();

    let (tau2, iterations) = reml_tau2(&y, &v)?;
    let w: Vec<f64> = v.iter().map(|vi| 1.0 / (vi + tau2)).collect();
    let sw: f64 = w.iter().sum();
    let mu = weighted_mean(&y, &w);
    let se_mu = 1.0 / sw.sqrt();

    let kf = k as f64;
    let q_hksj: f64 = y
        .iter()
        .zip(&w)
        .map(|(yi, wi)| wi * (yi - mu).powi(2))
        .sum::<f64>()
        / ((kf - 1.0) * sw);
    let se_hksj = q_hksj.sqrt();
    let t_ci = t_quantile(1.0 - alpha / 2.0, kf - 1.0).expect("0 < α < 0.5 and k − 1 ≥ 2");
    let t_ci90 = t_quantile(1.0 - alpha, kf - 1.0).expect("0 < α < 0.5 and k − 1 ≥ 2");
    let t_pi = t_quantile(1.0 - alpha / 2.0, kf - 2.0).expect("0 < α < 0.5 and k − 2 ≥ 1");

    let w0: Vec<f64> = v.iter().map(|vi| 1.0 / vi).collect();
    let sw0: f64 = w0.iter().sum();
    let sw0_sq: f64 = w0.iter().map(|x| x * x).sum();
    let mu_fe = weighted_mean(&y, &w0);
    let q: f64 = y
        .iter()
        .zip(&w0)
        .map(|(yi, wi)| wi * (yi - mu_fe).powi(2))
        .sum();
    // (Σw)² − Σw² = Σ_{i≠j} wᵢwⱼ > 0 for k ≥ 2 positive weights.
    let s2_typical = (kf - 1.0) * sw0 / (sw0 * sw0 - sw0_sq);
    let i2_pct = 100.0 * tau2 / (tau2 + s2_typical);

    let half_pi = t_pi * (tau2 + se_mu * se_mu).sqrt();
    Ok(RandomEffects {
        k,
        mu,
        se_mu,
        se_hksj,
        ci: (mu - t_ci * se_hksj, mu + t_ci * se_hksj),
        ci90: (mu - t_ci90 * se_hksj, mu + t_ci90 * se_hksj),
        tau2,
        q,
        i2_pct,
        pi: (mu - half_pi, mu + half_pi),
        weights_pct: w.iter().map(|wi| 100.0 * wi / sw).collect(),
        pi_may_be_too_narrow: tau2 == 0.0 || k < PI_RELIABLE_MIN_K,
        iterations,
    })
}

/// Σwᵢyᵢ / Σwᵢ.
fn weighted_mean(y: &[f64], w: &[f64]) -> f64 {
    let sw: f64 = w.iter().sum();
    y.iter().zip(w).map(|(yi, wi)| wi * yi).sum::<f64>() / sw
}

/// The restricted log-likelihood of τ², up to a constant (Viechtbauer 2005,
/// J. Educ. Behav. Stat. 30:261):
/// −½Σ log(vᵢ + τ²) − ½ log Σwᵢ − ½ Σwᵢ(yᵢ − μ̂(τ²))².
fn restricted_loglik(y: &[f64], v: &[f64], tau2: f64) -> f64 {
    let w: Vec<f64> = v.iter().map(|vi| 1.0 / (vi + tau2)).collect();
    let sw: f64 = w.iter().sum();
    let mu = weighted_mean(y, &w);
    let log_det: f64 = v.iter().map(|vi| (vi + tau2).ln()).sum();
    let rss: f64 = y
        .iter()
        .zip(&w)
        .map(|(yi, wi)| wi * (yi - mu).powi(2))
        .sum();
    -0.5 * (log_det + sw.ln() + rss)
}

/// REML estimate of τ² and the number of iterations it took.
///
/// Fisher scoring (Viechtbauer 2005; as metafor's `rma.uni`):
/// τ² ← τ² + (y′PPy − tr P) / tr(PP), with P = W − W11′W/Σw, so that
/// y′PPy = Σwᵢ²(yᵢ − μ̂)², tr P = Σw − Σw²/Σw and
/// tr(PP) = Σw² − 2Σw³/Σw + (Σw²)²/(Σw)² (score ½(y′PPy − tr P), expected
/// information ½tr(PP)). Started from the Hedges (1983, Psychol. Bull.
/// 93:388) moment estimator, each step is projected onto τ² ≥ 0 (the truncation at
/// 0: a boundary maximum stays at 0) and halved while it would lower the
/// restricted likelihood. Converged when τ² moves less than 1e-10.
fn reml_tau2(y: &[f64], v: &[f64]) -> Result<(f64, usize), MetaRefusal> {
    let kf = y.len() as f64;
    let mean = y.iter().sum::<f64>() / kf;
    let hedges = y.iter().map(|yi| (yi - mean).powi(2)).sum::<f64>() / (kf - 1.0)
        - v.iter().sum::<f64>() / kf;
    let mut tau2 = hedges.max(0.0);
    let mut ll = restricted_loglik(y, v, tau2);
    for iteration in 1..=REML_MAX_ITERATIONS {
        let w: Vec<f64> = v.iter().map(|vi| 1.0 / (vi + tau2)).collect();
        let sw: f64 = w.iter().sum();
        let sw2: f64 = w.iter().map(|x| x * x).sum();
        let sw3: f64 = w.iter().map(|x| x * x * x).sum();
        let mu = weighted_mean(y, &w);
        let ypppy: f64 = y
            .iter()
            .zip(&w)
            .map(|(yi, wi)| (wi * (yi - mu)).powi(2))
            .sum();
        let tr_p = sw - sw2 / sw;
        let tr_pp = sw2 - 2.0 * sw3 / sw + (sw2 / sw).powi(2);
        let mut step = (ypppy - tr_p) / tr_pp;
        let mut next = (tau2 + step).max(0.0);
        let mut next_ll = restricted_loglik(y, v, next);
        // Step halving: Fisher scoring can overshoot far from the maximum.
        let mut halvings = 0;
        while (next_ll < ll || next_ll.is_nan()) && halvings < 60 {
            step *= 0.5;
            next = (tau2 + step).max(0.0);
            next_ll = restricted_loglik(y, v, next);
            halvings += 1;
        }
        if !next.is_finite() {
            break;
        }
        let moved = (next - tau2).abs();
        tau2 = next;
        ll = next_ll.max(ll);
        if moved < REML_TOLERANCE {
            return Ok((tau2, iteration));
        }
    }
    Err(MetaRefusal::NotConverged {
        iterations: REML_MAX_ITERATIONS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    macro_rules! assert_close {
        ($a:expr, $b:expr, $rel:expr) => {{
            let (a, b): (f64, f64) = ($a, $b);
            assert!(close(a, b, $rel), "{} = {a}, expected {b}", stringify!($a));
        }};
    }

    fn studies(y: &[f64], se: &[f64]) -> Vec<Study> {
        y.iter()
            .zip(se)
            .map(|(&estimate, &se)| Study { estimate, se })
            .collect()
    }

    /// metafor's `dat.bcg` (Colditz et al. 1994, JAMA 271:698): the 13 BCG
    /// trials' (tpos, tneg, cpos, cneg).
    const BCG: [(f64, f64, f64, f64); 13] = [
        (4.0, 119.0, 11.0, 128.0),
        (6.0, 300.0, 29.0, 274.0),
        (3.0, 228.0, 11.0, 209.0),
        (62.0, 13536.0, 248.0, 12619.0),
        (33.0, 5036.0, 47.0, 5761.0),
        (180.0, 1361.0, 372.0, 1079.0),
        (8.0, 2537.0, 10.0, 619.0),
        (505.0, 87886.0, 499.0, 87892.0),
        (29.0, 7470.0, 45.0, 7232.0),
        (17.0, 1699.0, 65.0, 1600.0),
        (186.0, 50448.0, 141.0, 27197.0),
        (5.0, 2493.0, 3.0, 2338.0),
        (27.0, 16886.0, 29.0, 17825.0),
    ];

    /// Log risk ratios as metafor's `escalc(measure = "RR")`:
    /// yᵢ = ln((a/(a+b))/(c/(c+d))), vᵢ = 1/a − 1/(a+b) + 1/c − 1/(c+d).
    fn bcg() -> Vec<Study> {
        BCG.iter()
            .map(|&(a, b, c, d)| Study {
                estimate: ((a / (a + b)) / (c / (c + d))).ln(),
                se: (1.0 / a - 1.0 / (a + b) + 1.0 / c - 1.0 / (c + d)).sqrt(),
            })
            .collect()
    }

    /// What tests/reference/meta_reference.py prints for one case.
    struct Reference {
        tau2: f64,
        mu: f64,
        se_mu: f64,
        se_hksj: f64,
        ci: (f64, f64),
        ci90: (f64, f64),
        q: f64,
        i2_pct: f64,
        pi: (f64, f64),
        weights_pct: &'static [f64],
    }

    /// Agreement to 1e-8 relative: the script's τ² is the root of a
    /// numerical derivative of the likelihood, good to ~3e-10 relative
    /// (checked against the analytic REML score).
    fn assert_matches(got: &RandomEffects, want: &Reference) {
        const REL: f64 = 1e-8;
        if want.tau2 == 0.0 {
            assert_eq!(got.tau2, 0.0, "τ² should truncate to exactly 0");
        } else {
            assert_close!(got.tau2, want.tau2, REL);
        }
        assert_close!(got.mu, want.mu, REL);
        assert_close!(got.se_mu, want.se_mu, REL);
        assert_close!(got.se_hksj, want.se_hksj, REL);
        assert_close!(got.ci.0, want.ci.0, REL);
        assert_close!(got.ci.1, want.ci.1, REL);
        assert_close!(got.ci90.0, want.ci90.0, REL);
        assert_close!(got.ci90.1, want.ci90.1, REL);
        assert_close!(got.q, want.q, REL);
        if want.i2_pct == 0.0 {
            assert_eq!(got.i2_pct, 0.0);
        } else {
            assert_close!(got.i2_pct, want.i2_pct, REL);
        }
        assert_close!(got.pi.0, want.pi.0, REL);
        assert_close!(got.pi.1, want.pi.1, REL);
        assert_eq!(got.weights_pct.len(), want.weights_pct.len());
        for (g, w) in got.weights_pct.iter().zip(want.weights_pct) {
            assert_close!(*g, *w, REL);
        }
    }

    // --- Student t quantiles (stats::t_quantile) ---------------------------

    #[test]
    fn t_quantile_matches_scipy_including_one_df_and_fractional_df() {
        // python3 -c "from scipy import stats; print(repr(float(stats.t.ppf(p, df))))"
        // (scipy 1.17.1)
        let cases = [
            (0.975, 1.0, 12.706204736174694),
            (0.975, 2.0, 4.302652729749462),
            (0.975, 12.0, 2.1788128296672284),
            (0.95, 3.0, 2.3533634348018233),
            (0.025, 11.0, -2.2009851600916392),
            (0.995, 40.0, 2.7044592674331622),
            (0.6, 5.0, 0.2671808657041451),
            (0.975, 2.5, 3.5746548420036817),
            (0.9999, 1.0, 3183.098757118502),
        ];
        for (p, df, want) in cases {
            let got = t_quantile(p, df).expect("valid p and df");
            assert!(
                close(got, want, 1e-10),
                "t_quantile({p}, {df}) = {got}, scipy {want}"
            );
        }
    }

    #[test]
    fn t_quantile_refuses_probabilities_outside_zero_one_and_bad_df() {
        for (p, df) in [
            (0.0, 3.0),
            (1.0, 3.0),
            (-0.1, 3.0),
            (f64::NAN, 3.0),
            (0.5, 0.0),
        ] {
            assert_eq!(t_quantile(p, df), None, "p = {p}, df = {df}");
        }
        for df in [-1.0, f64::INFINITY, f64::NAN] {
            assert_eq!(t_quantile(0.975, df), None, "df = {df}");
        }
    }

    // --- published values ---------------------------------------------------

    #[test]
    fn bcg_trials_reproduce_metafor_published_reml_output() {
        // metafor's documentation and Viechtbauer (2010, J. Stat. Softw.
        // 36(3)): `dat <- escalc(measure = "RR", ai = tpos, bi = tneg,
        // ci = cpos, di = cneg, data = dat.bcg); rma(yi, vi, data = dat)`
        // prints tau^2 = 0.3132, I^2 = 92.22%, Q(df = 12) = 152.2330,
        // estimate = -0.7145 (to the printed decimals).
        let re = random_effects(&bcg(), DEFAULT_ALPHA).expect("13 valid trials");
        assert_eq!(re.k, 13);
        assert!((re.tau2 - 0.3132).abs() < 0.5e-4, "τ² = {}", re.tau2);
        assert!((re.i2_pct - 92.22).abs() < 0.5e-2, "I² = {}", re.i2_pct);
        assert!((re.q - 152.2330).abs() < 0.5e-4, "Q = {}", re.q);
        assert!((re.mu - -0.7145).abs() < 0.5e-4, "μ = {}", re.mu);
        assert!((re.se_mu - 0.1798).abs() < 0.5e-4, "SE(μ) = {}", re.se_mu);
        assert!(re.pi_may_be_too_narrow, "k = 13 < 20");
    }

    // --- independent scipy implementation ------------------------------------
    // Every value below is printed by
    //   python3 tests/reference/meta_reference.py   (numpy 2.4.6, scipy 1.17.1)
    // which maximises the restricted likelihood with
    // scipy.optimize.minimize_scalar(method = "bounded") — not Fisher scoring.

    #[test]
    fn bcg_trials_match_the_scipy_reference_to_ten_digits() {
        let re = random_effects(&bcg(), DEFAULT_ALPHA).expect("13 valid trials");
        assert_matches(
            &re,
            &Reference {
                tau2: 0.313243258099656,
                mu: -0.71453234215477,
                se_mu: 0.179781516096697,
                se_hksj: 0.180791744092074,
                ci: (-1.1084437136805, -0.320620970629046),
                ci90: (-1.03675521781421, -0.392309466495331),
                q: 152.233008082373,
                i2_pct: 92.2213845204256,
                pi: (-2.00837590684454, 0.579311222535001),
                weights_pct: &[
                    5.0594827341794,
                    6.36467937242212,
                    4.4360274024057,
                    9.69874701907444,
                    8.86845639129958,
                    10.0957385444448,
                    6.02718141428785,
                    10.1894390373142,
                    8.74313321168159,
                    8.3676072578916,
                    9.92502699999432,
                    3.82162906279423,
                    8.40285155221023,
                ],
            },
        );
    }

    #[test]
    fn three_runners_match_the_scipy_reference() {
        let re = random_effects(
            &studies(&[-0.5, 0.1, -0.9], &[0.3, 0.25, 0.4]),
            DEFAULT_ALPHA,
        )
        .expect("3 valid runners");
        assert_matches(
            &re,
            &Reference {
                tau2: 0.154662161990957,
                mu: -0.37433102168191,
                se_mu: 0.290249972811204,
                se_hksj: 0.288705203510218,
                ci: (-1.61652925365802, 0.867867210294203),
                ci90: (-1.21734605290483, 0.468684009541013),
                q: 5.24895920066611,
                i2_pct: 61.6817533847917,
                pi: (-6.58488693380499, 5.83622489044117),
                weights_pct: &[34.4332143684803, 38.7936120844168, 26.7731735471028],
            },
        );
    }

    #[test]
    fn homogeneous_runners_truncate_tau2_at_zero_and_flag_the_prediction_interval() {
        let re = random_effects(
            &studies(&[-0.30, -0.28, -0.32, -0.29], &[0.2, 0.25, 0.3, 0.22]),
            DEFAULT_ALPHA,
        )
        .expect("4 valid runners");
        assert_matches(
            &re,
            &Reference {
                tau2: 0.0,
                mu: -0.295817234286868,
                se_mu: 0.117224137085483,
                se_hksj: 0.0073010253046938,
                ci: (-0.319052355292574, -0.272582113281162),
                ci90: (-0.312999200275497, -0.278635268298239),
                q: 0.0116373708185592,
                i2_pct: 0.0,
                pi: (-0.800191987710247, 0.208557519136512),
                weights_pct: &[
                    34.3537457885904,
                    21.9863973046978,
                    15.2683314615957,
                    28.391525445116,
                ],
            },
        );
        assert!(re.pi_may_be_too_narrow);
        // Plain HKSJ, no max(1, q): agreement tighter than the SEs makes the
        // HKSJ SE far smaller than the model SE.
        assert!(re.se_hksj < 0.1 * re.se_mu);
    }

    #[test]
    fn four_runners_with_unequal_ses_match_the_scipy_reference() {
        let re = random_effects(
            &studies(&[-1.2, 0.3, -0.4, -0.05], &[0.15, 0.6, 0.3, 0.9]),
            DEFAULT_ALPHA,
        )
        .expect("4 valid runners");
        assert_matches(
            &re,
            &Reference {
                tau2: 0.330725268346958,
                mu: -0.525405897725539,
                se_mu: 0.364364824457932,
                se_hksj: 0.333296195843667,
                ci: (-1.58610314475333, 0.535291349302254),
                ci90: (-1.30977297798257, 0.258961182531494),
                q: 11.4762521588946,
                i2_pct: 72.719364627731,
                pi: (-3.45464667366983, 2.40383487821876),
                weights_pct: &[
                    37.58556853069,
                    19.2206266928651,
                    31.555443727895,
                    11.63836104855,
                ],
            },
        );
    }

    // --- refusals -------------------------------------------------------------

    #[test]
    fn two_runners_are_refused_with_the_reason() {
        let err = random_effects(&studies(&[-0.5, 0.1], &[0.3, 0.25]), DEFAULT_ALPHA)
            .expect_err("k = 2 must be refused");
        assert_eq!(err, MetaRefusal::TooFewRunners { k: 2 });
        let text = err.to_string();
        assert!(text.contains("at least 3 runners"), "{text}");
        assert!(text.contains("≥3 slowed and ≥3 kept-pace"), "{text}");
        assert_eq!(
            random_effects(&[], DEFAULT_ALPHA),
            Err(MetaRefusal::TooFewRunners { k: 0 })
        );
    }

    #[test]
    fn non_finite_or_non_positive_standard_errors_and_estimates_are_refused() {
        let y = [-0.5, 0.1, -0.9];
        for (bad_se, what) in [
            (0.0, "SE is not positive"),
            (-0.2, "SE is not positive"),
            (f64::NAN, "SE is not finite"),
            (f64::INFINITY, "SE is not finite"),
        ] {
            let err = random_effects(&studies(&y, &[0.3, bad_se, 0.4]), DEFAULT_ALPHA)
                .expect_err("bad SE must be refused");
            assert!(
                matches!(err, MetaRefusal::InvalidStudy { index: 1, what: w, .. } if w == what),
                "{err:?}"
            );
        }
        let err = random_effects(&studies(&[-0.5, 0.1, f64::NAN], &[0.3, 0.25, 0.4]), 0.05)
            .expect_err("NaN estimate must be refused");
        assert!(
            matches!(err, MetaRefusal::InvalidStudy { index: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn alpha_outside_zero_to_half_is_refused() {
        let s = studies(&[-0.5, 0.1, -0.9], &[0.3, 0.25, 0.4]);
        for alpha in [0.0, 0.5, -0.1, f64::NAN] {
            assert!(
                matches!(
                    random_effects(&s, alpha),
                    Err(MetaRefusal::InvalidAlpha { .. })
                ),
                "alpha = {alpha}"
            );
        }
    }

    // --- properties -------------------------------------------------------------

    #[test]
    fn shifting_every_estimate_shifts_the_mean_and_both_intervals_alike() {
        let base = bcg();
        let c = 1.234;
        let shifted: Vec<Study> = base
            .iter()
            .map(|s| Study {
                estimate: s.estimate + c,
                se: s.se,
            })
            .collect();
        let a = random_effects(&base, DEFAULT_ALPHA).expect("valid");
        let b = random_effects(&shifted, DEFAULT_ALPHA).expect("valid");
        let tol = 1e-9;
        assert!((b.mu - (a.mu + c)).abs() < tol);
        assert!((b.ci.0 - (a.ci.0 + c)).abs() < tol && (b.ci.1 - (a.ci.1 + c)).abs() < tol);
        assert!((b.ci90.0 - (a.ci90.0 + c)).abs() < tol);
        assert!((b.ci90.1 - (a.ci90.1 + c)).abs() < tol);
        assert!((b.pi.0 - (a.pi.0 + c)).abs() < tol && (b.pi.1 - (a.pi.1 + c)).abs() < tol);
        assert!((b.tau2 - a.tau2).abs() < tol && (b.i2_pct - a.i2_pct).abs() < tol);
    }

    #[test]
    fn weights_sum_to_one_hundred_percent_and_the_90_ci_nests_in_the_95_ci() {
        for s in [
            bcg(),
            studies(&[-0.5, 0.1, -0.9], &[0.3, 0.25, 0.4]),
            studies(&[-0.30, -0.28, -0.32, -0.29], &[0.2, 0.25, 0.3, 0.22]),
        ] {
            let re = random_effects(&s, DEFAULT_ALPHA).expect("valid");
            let total: f64 = re.weights_pct.iter().sum();
            assert!((total - 100.0).abs() < 1e-10, "weights sum to {total}");
            assert!(re.ci.0 < re.ci90.0 && re.ci90.0 < re.mu && re.mu < re.ci90.1);
            assert!(re.ci90.1 < re.ci.1);
        }
    }

    #[test]
    fn twenty_heterogeneous_runners_clear_the_narrow_prediction_interval_flag() {
        // Estimates spread far beyond their SEs, so τ̂² > 0, and k = 20.
        let y: Vec<f64> = (0..20).map(|i| -1.0 + 0.1 * f64::from(i)).collect();
        let se = vec![0.1; 20];
        let re = random_effects(&studies(&y, &se), DEFAULT_ALPHA).expect("valid");
        assert!(re.tau2 > 0.0);
        assert!(!re.pi_may_be_too_narrow);
        let re19 = random_effects(&studies(&y[..19], &se[..19]), DEFAULT_ALPHA).expect("valid");
        assert!(re19.pi_may_be_too_narrow, "k = 19 < 20");
    }
}
