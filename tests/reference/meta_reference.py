#!/usr/bin/env python3
"""Independent reference values for src/analysis/meta.rs (random-effects
meta-analysis of per-runner log ratios). Not needed at test time: its output
is pasted into the Rust tests, which name this script.

Run:  python3 tests/reference/meta_reference.py

Deliberately a different algorithm from the Rust code: the Rust code finds
the REML tau^2 by Fisher scoring (Viechtbauer 2005); here the restricted
log-likelihood is maximised directly with scipy.optimize.minimize_scalar
(bounded Brent), then polished by bracketing the root of its numerical
derivative with scipy.optimize.brentq, so that the recorded digits are not
limited by the flatness of the likelihood at its maximum. Quantiles come
from scipy.stats.t.
"""

import math

import numpy as np
from scipy import optimize, stats


def neg_restricted_loglik(tau2, y, v):
    """-log L_R(tau2) up to a constant (Viechtbauer 2005, eq. 7):
    log L_R = -1/2 sum log(v_i + tau2) - 1/2 log sum w_i
              - 1/2 sum w_i (y_i - mu(tau2))^2,  w_i = 1/(v_i + tau2)."""
    w = 1.0 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return 0.5 * (np.sum(np.log(v + tau2)) + math.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))


def reml_tau2(y, v):
    upper = 10.0 * (np.var(y, ddof=1) + np.max(v)) + 1.0
    res = optimize.minimize_scalar(
        neg_restricted_loglik, bounds=(0.0, upper), args=(y, v), method="bounded",
        options={"xatol": 1e-14, "maxiter": 10_000},
    )
    assert res.success, res
    t = res.x
    # Truncation at 0: the maximum is on the boundary when the likelihood
    # still falls as tau2 leaves 0.
    h = 1e-7
    slope0 = -(neg_restricted_loglik(h, y, v) - neg_restricted_loglik(0.0, y, v)) / h
    if slope0 <= 0.0:
        return 0.0, t

    # Polish: root of the central-difference derivative of -log L_R,
    # bracketed around the Brent optimum.
    def dnll(x):
        e = 1e-6 * max(x, 1e-6)
        return (neg_restricted_loglik(x + e, y, v) - neg_restricted_loglik(x - e, y, v)) / (2 * e)

    lo, hi = t * 0.9, t * 1.1
    while dnll(lo) > 0:
        lo *= 0.5
    while dnll(hi) < 0:
        hi *= 2.0
    polished = optimize.brentq(dnll, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    return polished, t


def analyse(y, se, alpha=0.05):
    y = np.asarray(y, dtype=float)
    se = np.asarray(se, dtype=float)
    v = se ** 2
    k = len(y)
    tau2, brent_only = reml_tau2(y, v)
    assert abs(tau2 - brent_only) <= 1e-6 * max(1.0, tau2), (tau2, brent_only)
    w = 1.0 / (v + tau2)
    sw = np.sum(w)
    mu = np.sum(w * y) / sw
    se_mu = 1.0 / math.sqrt(sw)
    # Hartung & Knapp 2001; Sidik & Jonkman 2002 (metafor test="knha").
    q_hk = np.sum(w * (y - mu) ** 2) / ((k - 1) * sw)
    se_hk = math.sqrt(q_hk)
    t1 = stats.t.ppf(1 - alpha / 2, k - 1)
    t90 = stats.t.ppf(1 - alpha, k - 1)
    # Cochran's Q with fixed-effect weights; I^2 as metafor (Higgins &
    # Thompson 2002, "typical" within-study variance).
    w0 = 1.0 / v
    mu_fe = np.sum(w0 * y) / np.sum(w0)
    q = np.sum(w0 * (y - mu_fe) ** 2)
    s2 = (k - 1) * np.sum(w0) / (np.sum(w0) ** 2 - np.sum(w0 ** 2))
    i2 = 100.0 * tau2 / (tau2 + s2)
    # Prediction interval, t with k-2 df (Higgins, Thompson & Spiegelhalter 2009).
    t2 = stats.t.ppf(1 - alpha / 2, k - 2)
    half_pi = t2 * math.sqrt(tau2 + se_mu ** 2)
    out = {
        "tau2": tau2,
        "mu": mu,
        "se_mu": se_mu,
        "se_hksj": se_hk,
        "ci_low": mu - t1 * se_hk,
        "ci_high": mu + t1 * se_hk,
        "ci90_low": mu - t90 * se_hk,
        "ci90_high": mu + t90 * se_hk,
        "q": q,
        "i2_pct": i2,
        "pi_low": mu - half_pi,
        "pi_high": mu + half_pi,
        "weights_pct": list(100.0 * w / sw),
    }
    return out


def bcg():
    # metafor dat.bcg (Colditz et al. 1994): tpos, tneg, cpos, cneg.
    counts = [
        (4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209),
        (62, 13536, 248, 12619), (33, 5036, 47, 5761), (180, 1361, 372, 1079),
        (8, 2537, 10, 619), (505, 87886, 499, 87892), (29, 7470, 45, 7232),
        (17, 1699, 65, 1600), (186, 50448, 141, 27197), (5, 2493, 3, 2338),
        (27, 16886, 29, 17825),
    ]
    y, se = [], []
    for a, b, c, d in counts:
        # escalc(measure="RR"): log((a/(a+b))/(c/(c+d))), v = 1/a - 1/(a+b) + 1/c - 1/(c+d)
        y.append(math.log((a / (a + b)) / (c / (c + d))))
        se.append(math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)))
    return y, se


CASES = {
    "bcg": bcg(),
    "k3": ([-0.5, 0.1, -0.9], [0.3, 0.25, 0.4]),
    "homogeneous": ([-0.30, -0.28, -0.32, -0.29], [0.2, 0.25, 0.3, 0.22]),
    "k4_unequal": ([-1.2, 0.3, -0.4, -0.05], [0.15, 0.6, 0.3, 0.9]),
}

if __name__ == "__main__":
    import scipy
    print(f"# numpy {np.__version__}, scipy {scipy.__version__}")
    for name, (y, se) in CASES.items():
        print(f"== {name}")
        for key, val in analyse(y, se).items():
            if isinstance(val, list):
                print(f"  {key} = [{', '.join(f'{x:.15g}' for x in val)}]")
            else:
                print(f"  {key} = {val:.15g}")
