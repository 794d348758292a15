"""Exact lead-time demand (casekit.leadtime) against Monte Carlo with 10^6 draws per SKU, on two mixes.

``narrow`` (the original mix): 1,000 SKUs, demand per period Poisson or negative binomial (half
each) with means log-uniform on 1..200 units (negative binomial dispersion index var/mean uniform on
1.5..4); lead times empirical, each SKU's distribution the frequencies of 30 observed lead times
(gamma-shaped, mean 2..20, on 1..30 periods), so typically 10-20 distinct values.

``wide``: 1,000 SKUs, lead times spread over exactly 30 consecutive values (o..o+29 periods, o
uniform on 1..10, Dirichlet(1) weights); demand per period in thirds: Poisson with mean uniform on
20..200, negative binomial with mean uniform on 20..200 and dispersion index uniform on 1.5..6, and
an empirical demand (the frequencies of 60 observed negative-binomial days with such a mean and
dispersion), which takes the general FFT route.

Both methods get the same inputs; the Monte Carlo peer is casekit's vectorised sampler: it draws
10^6 lead times at once, then for Poisson and negative binomial demand the l-period sum directly
(``Poisson(l lambda)``, ``NB(l r, p)``, exact in distribution, one numpy call), for other demand
every period's demand (one inverse-transform call per chunk) summed per draw with ``bincount``;
the pmf is the ``bincount`` of the sums.

Printed per mix, measured in one run: the exact method's total time for all SKUs (including reorder
points at csl 0.95 and 0.99); Monte Carlo's total time; their ratio; the largest |exact - Monte
Carlo| reorder point at each csl, and how many differences exceed 3 standard errors of the Monte
Carlo quantile (sampling noise, sqrt(q(1-q)/n) / f(r)).  Targets: exact >= 50x faster than Monte
Carlo for every kind of demand on every mix, under 2 s for 1,000 SKUs, reorder points within 1 unit
plus 3 Monte Carlo standard errors.

usage: python benchmarks/bench_leadtime.py [--mix both|narrow|wide] [--skus 1000] [--draws 1000000]
       [--mc-skus N] [--seed 0]
``--mc-skus N`` runs Monte Carlo on the first N SKUs of each mix only (the kinds of demand are
interleaved, so they keep their shares) and extrapolates its time per SKU to all of them (the
output line says so).
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


def make_skus(n: int, seed: int, mix: str = "narrow"):
    rng = np.random.default_rng(seed)
    skus = []
    for i in range(n):
        if mix == "narrow":
            mean = float(np.exp(rng.uniform(0, math.log(200))))
            kind = ("poisson", "nbinom")[i % 2]
            disp = rng.uniform(1.5, 4.0)
            lt_mean = rng.uniform(2, 20)
            obs = np.clip(np.rint(rng.gamma(4.0, lt_mean / 4.0, size=30)), 1, 30)
            lead = DiscreteDistribution.from_samples(obs, name="observed lead times")
        else:
            mean = rng.uniform(20, 200)
            kind = ("poisson", "nbinom", "empirical")[i % 3]
            disp = rng.uniform(1.5, 6.0)
            o = int(rng.integers(1, 11))
            pmf = np.zeros(o + 30)
            pmf[o:] = rng.dirichlet(np.ones(30))
            lead = DiscreteDistribution(pmf, name="30 lead times")
        r = mean / (disp - 1)                            # var/mean = 1 + mean/r
        if kind == "poisson":
            demand = stats.poisson(mean)
        elif kind == "nbinom":
            demand = stats.nbinom(r, r / (r + mean))
        else:
            demand = DiscreteDistribution.from_samples(rng.negative_binomial(r, r / (r + mean), size=60),
                                                       name="observed demand")
        skus.append((demand, lead, kind))
    return skus


def run_mix(mix: str, a) -> float:
    skus = make_skus(a.skus, a.seed, mix)
    mc_n = a.skus if a.mc_skus is None else min(a.mc_skus, a.skus)

    lead_time_demand(skus[0][0], skus[0][1])            # import / first-call warm-up, not timed
    kinds = sorted({k for _, _, k in skus})
    t_ex = dict.fromkeys(kinds, 0.0)
    exact_rp, exact_ltd = [], []
    for demand, lead, kind in skus:
        t0 = time.perf_counter()
        X = lead_time_demand(demand, lead, method="exact")
        exact_rp.append([X.ppf(c) for c in CSLS])
        t_ex[kind] += time.perf_counter() - t0
        exact_ltd.append(X)
    t_exact = sum(t_ex.values())

    rng = np.random.default_rng(a.seed + 1)
    t_mc_k = dict.fromkeys(kinds, 0.0)
    n_mc_k = dict.fromkeys(kinds, 0)
    mc_rp = []
    for demand, lead, kind in skus[:mc_n]:
        t0 = time.perf_counter()
        Y = lead_time_demand(demand, lead, method="montecarlo", n_draws=a.draws, seed=rng)
        mc_rp.append([Y.ppf(c) for c in CSLS])
        t_mc_k[kind] += time.perf_counter() - t0
        n_mc_k[kind] += 1
    t_mc_measured = sum(t_mc_k.values())
    n_k = {k: sum(kind == k for _, _, kind in skus) for k in kinds}
    t_mc_k = {k: t_mc_k[k] * n_k[k] / n_mc_k[k] for k in kinds}   # extrapolated per kind of demand
    t_mc = sum(t_mc_k.values())
    exact_rp, mc_rp = np.array(exact_rp), np.array(mc_rp)
    diff = np.abs(exact_rp[:mc_n] - mc_rp)
    worst_tm = max(X.truncated_mass for X in exact_ltd)
    extrap = "" if mc_n == a.skus else f" (measured on {mc_n} SKUs, {t_mc_measured:.1f} s, extrapolated per SKU)"
    ratio = t_mc / t_exact
    print(f"[{mix}] exact lead-time demand, {a.skus} SKUs: {t_exact:.3f} s total, {1e3 * t_exact / a.skus:.2f} ms/SKU "
          f"(target < 2 s: {'met' if t_exact < 2 else 'NOT met'}); largest truncated mass {worst_tm:.1e}")
    print(f"[{mix}] Monte Carlo, {a.draws:,} draws per SKU, {a.skus} SKUs: {t_mc:.1f} s total{extrap}")
    per_kind = {k: t_mc_k[k] / t_ex[k] for k in kinds}
    print(f"[{mix}] speed ratio Monte Carlo / exact: {ratio:.0f}x over all SKUs; by demand: "
          + ", ".join(f"{k} {r:.0f}x ({n_k[k]} SKUs, exact {1e3 * t_ex[k] / n_k[k]:.2f} ms/SKU, "
                      f"Monte Carlo {1e3 * t_mc_k[k] / n_k[k]:.0f} ms/SKU)" for k, r in per_kind.items())
          + f" (target >= 50x for each: {'met' if min(per_kind.values()) >= 50 else 'NOT met'})")
    ratio = min(per_kind.values())
    for j, c in enumerate(CSLS):
        # standard error of the Monte Carlo quantile, from the exact pmf at the exact reorder point
        se = np.array([math.sqrt(c * (1 - c) / a.draws) / max(X.prob(int(r)), 1e-300)
                       for X, r in zip(exact_ltd[:mc_n], exact_rp[:mc_n, j])])
        over1 = int(np.sum(diff[:, j] > 1))
        over3se = int(np.sum(diff[:, j] > 3 * se + 1))
        print(f"[{mix}] csl {c}: max |exact - Monte Carlo| reorder point {int(diff[:, j].max())} units over {mc_n} "
              f"SKUs; {over1} SKUs differ by > 1 unit, {over3se} by more than 1 unit + 3 Monte Carlo standard "
              f"errors (target: none beyond 1 unit + 3 standard errors, {'met' if over3se == 0 else 'NOT met'}; "
              f"where the lead-time demand's sd is hundreds of units the Monte Carlo quantile's own standard "
              f"error exceeds 1 unit)")
    return ratio


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mix", choices=("both", "narrow", "wide"), default="both")
    ap.add_argument("--skus", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--mc-skus", type=int, default=None, help="Monte Carlo on this many SKUs, extrapolated")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    print(f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    ratios = {mix: run_mix(mix, a) for mix in (("narrow", "wide") if a.mix == "both" else (a.mix,))}
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("smallest speed ratio (over the kinds of demand) per mix: " + ", ".join(f"{m} {r:.0f}x" for m, r in ratios.items())
          + f" (target >= 50x on every mix: {'met' if min(ratios.values()) >= 50 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
