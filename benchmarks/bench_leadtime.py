"""Exact lead-time demand (casekit.leadtime, PGF/FFT) against Monte Carlo with 10^6 draws per SKU.

1,000 SKUs: demand per period Poisson or negative binomial (half each) with means log-uniform on
1..200 units (negative binomial dispersion index var/mean uniform on 1.5..4); lead times empirical,
each SKU's distribution the frequencies of 30 observed lead times on 1..30 periods.  Both methods
get the same inputs; the Monte Carlo peer uses casekit's fastest sampler (for Poisson and negative
binomial demand it draws the l-period sum directly, exact in distribution).

Printed, measured in one run: the exact method's total time for all SKUs (including reorder points
at csl 0.95 and 0.99); Monte Carlo's total time; their ratio; the largest |exact - Monte Carlo|
reorder point at each csl, and how many differences exceed 3 standard errors of the Monte Carlo
quantile (sampling noise, sqrt(q(1-q)/n) / f(r)).  Targets (issue 3): exact >= 50x faster, under 2 s
for all 1,000 SKUs, reorder points within 1 unit.

usage: python benchmarks/bench_leadtime.py [--skus 1000] [--draws 1000000] [--mc-skus N] [--seed 0]
``--mc-skus N`` runs Monte Carlo on the first N SKUs only and extrapolates its time per SKU to all
of them (the output line says so).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from casekit.distributions import DiscreteDistribution  # noqa: E402
from casekit.leadtime import lead_time_demand  # noqa: E402

CSLS = (0.95, 0.99)


def make_skus(n: int, seed: int):
    rng = np.random.default_rng(seed)
    skus = []
    for i in range(n):
        mean = float(np.exp(rng.uniform(0, math.log(200))))
        if i % 2 == 0:
            demand = stats.poisson(mean)
        else:
            disp = rng.uniform(1.5, 4.0)                 # var/mean = 1 + mean/r
            r = mean / (disp - 1)
            demand = stats.nbinom(r, r / (r + mean))
        lt_mean = rng.uniform(2, 20)
        obs = np.clip(np.rint(rng.gamma(4.0, lt_mean / 4.0, size=30)), 1, 30)
        lead = DiscreteDistribution.from_samples(obs, name="observed lead times")
        skus.append((demand, lead))
    return skus


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skus", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--mc-skus", type=int, default=None, help="Monte Carlo on this many SKUs, extrapolated")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    skus = make_skus(a.skus, a.seed)
    mc_n = a.skus if a.mc_skus is None else min(a.mc_skus, a.skus)

    lead_time_demand(skus[0][0], skus[0][1])            # import / first-call warm-up, not timed
    t0 = time.perf_counter()
    exact_rp, exact_ltd = [], []
    for demand, lead in skus:
        X = lead_time_demand(demand, lead, method="exact")
        exact_rp.append([X.ppf(c) for c in CSLS])
        exact_ltd.append(X)
    t_exact = time.perf_counter() - t0

    rng = np.random.default_rng(a.seed + 1)
    t0 = time.perf_counter()
    mc_rp = []
    for demand, lead in skus[:mc_n]:
        Y = lead_time_demand(demand, lead, method="montecarlo", n_draws=a.draws, seed=rng)
        mc_rp.append([Y.ppf(c) for c in CSLS])
    t_mc_measured = time.perf_counter() - t0
    t_mc = t_mc_measured * a.skus / mc_n

    exact_rp, mc_rp = np.array(exact_rp), np.array(mc_rp)
    diff = np.abs(exact_rp[:mc_n] - mc_rp)
    worst_tm = max(X.truncated_mass for X in exact_ltd)
    extrap = "" if mc_n == a.skus else f" (measured on {mc_n} SKUs, {t_mc_measured:.1f} s, extrapolated per SKU)"
    print(f"exact lead-time demand, {a.skus} SKUs: {t_exact:.3f} s total, {1e3 * t_exact / a.skus:.2f} ms/SKU "
          f"(target < 2 s: {'met' if t_exact < 2 else 'NOT met'}); largest truncated mass {worst_tm:.1e}")
    print(f"Monte Carlo, {a.draws:,} draws per SKU, {a.skus} SKUs: {t_mc:.1f} s total{extrap}")
    print(f"speed ratio Monte Carlo / exact: {t_mc / t_exact:.0f}x (target >= 50x: "
          f"{'met' if t_mc / t_exact >= 50 else 'NOT met'})")
    for j, c in enumerate(CSLS):
        # standard error of the Monte Carlo quantile, from the exact pmf at the exact reorder point
        se = np.array([math.sqrt(c * (1 - c) / a.draws) / max(X.prob(int(r)), 1e-300)
                       for X, r in zip(exact_ltd[:mc_n], exact_rp[:mc_n, j])])
        over1 = int(np.sum(diff[:, j] > 1))
        over3se = int(np.sum(diff[:, j] > 3 * se + 1))
        print(f"csl {c}: max |exact - Monte Carlo| reorder point {int(diff[:, j].max())} units over {mc_n} SKUs "
              f"(target <= 1: {'met' if diff[:, j].max() <= 1 else 'NOT met'}); {over1} SKUs differ by > 1 unit, "
              f"{over3se} by more than 1 unit + 3 Monte Carlo standard errors")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
