"""casekit.safety_stock: published newsvendor answers, brute-force service levels, rolling windows by pandas."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from casekit.distributions import DiscreteDistribution
from casekit.leadtime import lead_time_demand
from casekit.safety_stock import (EXAMPLE_TIERS, dynamic_safety_stock, fill_rate, newsvendor, newsvendor_cost,
                                  reorder_point, reorder_point_fill_rate, safety_stock, variance_by_tier)


# -- Snyder & Shen, Fundamentals of Supply Chain Theory: the newsvendor examples ------------------
def test_example_newsvendor_normal_snyder_shen():
    r = newsvendor(0.18, 0.70, stats.norm(50, 8))
    assert r.base_stock == pytest.approx(56.603956, abs=5e-7)
    assert r.cost == pytest.approx(1.997605, abs=5e-7)
    assert r.critical_ratio == pytest.approx(0.70 / 0.88)


def test_example_newsvendor_poisson_snyder_shen():
    r = newsvendor(1, 4, stats.poisson(6))
    assert r.base_stock == 8
    assert r.cost == pytest.approx(3.570107, abs=5e-7)
    assert r.cost_at(5) == pytest.approx(6.590296, abs=5e-7)
    assert newsvendor_cost(1, 4, stats.poisson(6), 5) == pytest.approx(6.590296, abs=5e-7)


def test_newsvendor_continuous_non_normal_by_brute_force():
    D = stats.gamma(3, scale=10)
    r = newsvendor(2, 7, D)
    assert D.cdf(r.base_stock) == pytest.approx(7 / 9, rel=1e-9)
    x = np.linspace(0, 400, 400_001)
    dens = D.pdf(x)
    brute = np.trapezoid((2 * np.maximum(r.base_stock - x, 0) + 7 * np.maximum(x - r.base_stock, 0)) * dens, x)
    assert r.cost == pytest.approx(brute, rel=1e-6)
    # the optimum really is optimal
    assert r.cost < r.cost_at(r.base_stock - 1) and r.cost < r.cost_at(r.base_stock + 1)


def test_newsvendor_discrete_optimum_by_enumeration():
    D = stats.nbinom(3, 0.2)
    r = newsvendor(1.5, 6, D)
    k = np.arange(400)
    costs = [np.sum((1.5 * np.maximum(S - k, 0) + 6 * np.maximum(k - S, 0)) * D.pmf(k)) for S in range(60)]
    assert r.base_stock == int(np.argmin(costs))
    assert r.cost == pytest.approx(min(costs), rel=1e-9)


# -- reorder points ------------------------------------------------------------------------------
def test_reorder_point_is_scipy_quantile():
    for lam in (0.5, 3, 12, 80):
        for csl in (0.5, 0.9, 0.95, 0.99):
            assert reorder_point(stats.poisson(lam), csl) == stats.poisson.ppf(csl, lam)


def test_reorder_point_of_exact_ltd_by_brute_force():
    # demand {0: .5, 1: .3, 3: .2}, lead time {1: .5, 2: .5}: enumerate all outcomes
    d = {0: 0.5, 1: 0.3, 3: 0.2}
    probs = {}
    for l, ql in {1: 0.5, 2: 0.5}.items():
        outcomes = [(0, 1.0)]
        for _ in range(l):
            outcomes = [(s + v, w * pv) for s, w in outcomes for v, pv in d.items()]
        for s, w in outcomes:
            probs[s] = probs.get(s, 0) + ql * w
    X = lead_time_demand(d, {1: 0.5, 2: 0.5})
    for csl in (0.3, 0.6, 0.8, 0.95):
        cum, r = 0.0, None
        for x in sorted(probs):
            cum += probs[x]
            if cum >= csl - 1e-12:
                r = x
                break
        assert reorder_point(X, csl) == r


def test_fill_rate_by_brute_force_and_search():
    X = DiscreteDistribution.from_scipy(stats.poisson(12))
    k = np.arange(120)
    p = stats.poisson.pmf(k, 12)
    n = lambda x: np.sum(np.maximum(k - x, 0) * p)
    Q = 20
    for r in (5, 10, 14):
        assert fill_rate(X, r, Q) == pytest.approx(1 - (n(r) - n(r + Q)) / Q, abs=1e-12)
    rates = {r: 1 - (n(r) - n(r + Q)) / Q for r in range(-30, 40)}
    for beta in (0.5, 0.9, 0.95, 0.99):
        assert reorder_point_fill_rate(X, beta, Q) == min(r for r, b in rates.items() if b >= beta)


def test_fill_rate_allows_negative_reorder_points():
    # tiny lead-time demand and a big order quantity: a negative r already gives a high fill rate
    assert reorder_point_fill_rate(stats.poisson(1), 0.9, 50) < 0


def test_safety_stock_is_reorder_point_minus_mean():
    X = lead_time_demand(stats.poisson(5), {2: 0.5, 4: 0.5})
    assert safety_stock(X, 0.95) == pytest.approx(reorder_point(X, 0.95) - 15, abs=1e-9)
    assert safety_stock(X, fill_rate=0.99, order_quantity=30) == pytest.approx(
        reorder_point_fill_rate(X, 0.99, 30) - 15, abs=1e-9)


@pytest.mark.parametrize("call, match", [
    (lambda: reorder_point(stats.poisson(3), 1.0), r"csl must be strictly between 0 and 1, got 1.0"),
    (lambda: reorder_point(stats.poisson(3), 0), r"csl must be strictly between 0 and 1, got 0.0"),
    (lambda: reorder_point(stats.poisson(3), float("nan")), r"csl must be a finite number, got nan"),
    (lambda: reorder_point_fill_rate(stats.poisson(3), 1.2, 10), r"fill_rate must be strictly between 0 and 1, got 1.2"),
    (lambda: reorder_point_fill_rate(stats.poisson(3), 0.9, -5), r"order_quantity must be > 0, got -5"),
    (lambda: newsvendor(-1, 4, stats.poisson(6)), r"holding_cost must be > 0, got -1"),
    (lambda: newsvendor(1, 4, stats.norm(-np.inf, 3)), r"demand must have a finite mean"),
    (lambda: safety_stock(stats.poisson(3)), r"give exactly one of csl or fill_rate"),
    (lambda: safety_stock(stats.poisson(3), fill_rate=0.9), r"order_quantity must be given"),
    (lambda: dynamic_safety_stock([], lead_time=2), r"demand must have at least 2"),
    (lambda: dynamic_safety_stock([1, 2, -3], lead_time=2), r"demand must be >= 0"),
    (lambda: dynamic_safety_stock([1, 2, 3], lead_time=2, window=1), r"window must be >= 2, got 1"),
    (lambda: dynamic_safety_stock([1, 2, 3]), r"give exactly one of lead_times"),
    (lambda: variance_by_tier(csl=1.5), r"csl must be strictly between 0 and 1, got 1.5"),
    (lambda: variance_by_tier([dict(tier="a", demand_mean=-1, demand_sd=1, lead_time_mean=1, lead_time_sd=0)]),
     r"tiers.demand_mean must be >= 0"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# -- dynamic safety stock --------------------------------------------------------------------------
def test_dynamic_normal_matches_pandas_rolling():
    rng = np.random.default_rng(0)
    d = rng.poisson(20, 60).astype(float)
    lt = np.where(rng.random(60) < 0.3, rng.integers(2, 7, 60), np.nan)
    res = dynamic_safety_stock(d, lead_times=lt, window=10, csl=0.9).table
    z = stats.norm.ppf(0.9)
    mu_d = pd.Series(d).rolling(10).mean()
    var_d = pd.Series(d).rolling(10).var()
    for t in range(30, 60):
        seen = lt[: t + 1][~np.isnan(lt[: t + 1])][-10:]
        mu_l, var_l = seen.mean(), seen.var(ddof=1)
        sd = math.sqrt(mu_l * var_d[t] + mu_d[t] ** 2 * var_l)
        assert res.loc[t, "safety_stock"] == pytest.approx(z * sd, rel=1e-12)
        assert res.loc[t, "reorder_point"] == math.ceil(mu_l * mu_d[t] + z * sd)
    assert res["reorder_point"].iloc[:9].isna().all()


def test_dynamic_with_forecast_errors():
    d = np.array([10, 14, 9, 11, 13, 10, 12, 30, 8, 11], dtype=float)
    f = np.full(10, 11.0)
    res = dynamic_safety_stock(d, lead_time=3, forecasts=f, window=5, csl=0.95).table
    t = 9
    errs = d[5:10] - 11.0
    sd = math.sqrt(3 * np.mean(errs ** 2))
    assert res.loc[t, "safety_stock"] == pytest.approx(stats.norm.ppf(0.95) * sd, rel=1e-12)
    assert res.loc[t, "ltd_mean"] == pytest.approx(33.0)


def test_dynamic_exact_uses_window_empirical_distributions():
    d = np.array([0, 2, 1, 0, 3, 1, 0, 2], dtype=float)
    res = dynamic_safety_stock(d, lead_time=2, window=4, csl=0.9, method="exact").table
    X = lead_time_demand(DiscreteDistribution.from_samples(d[4:8]), 2)
    assert res.loc[7, "reorder_point"] == X.ppf(0.9)
    # by hand: window {3, 1, 0, 2} uniform; two-period sums: P(sum <= 4) = 13/16 < 0.9, P(<= 5) = 15/16
    assert res.loc[7, "reorder_point"] == 5


# -- Table 1 ---------------------------------------------------------------------------------------
def test_variance_by_tier_formula_and_growth_upstream():
    t = variance_by_tier(csl=0.95)
    z = stats.norm.ppf(0.95)
    for row in EXAMPLE_TIERS.itertuples():
        var = row.lead_time_mean * row.demand_sd ** 2 + row.demand_mean ** 2 * row.lead_time_sd ** 2
        assert t.loc[row.tier, "ltd_var"] == pytest.approx(var)
        assert t.loc[row.tier, "safety_stock"] == pytest.approx(z * math.sqrt(var))
    assert list(t.index) == list(EXAMPLE_TIERS["tier"])
    assert t["safety_stock"].is_monotonic_increasing


def test_variance_by_tier_agrees_with_exact_ltd_variance():
    # a tier whose inputs are real distributions: the formula's variance equals the exact LTD's
    D = stats.poisson(9)
    L = {2: 0.25, 3: 0.5, 6: 0.25}
    el, vl = 3.5, 0.25 * 2.25 + 0.5 * 0.25 + 0.25 * 6.25
    t = variance_by_tier([dict(tier="x", demand_mean=9, demand_sd=3, lead_time_mean=el,
                               lead_time_sd=math.sqrt(vl))])
    assert t.loc["x", "ltd_var"] == pytest.approx(lead_time_demand(D, L).var(), rel=1e-9)


def test_compare_methods_low_volume_normal_underprices():
    from casekit.safety_stock import compare_methods
    c = compare_methods(stats.poisson(0.5), 3, 0.99, n_draws=20_000, seed=2)
    t = c.table
    assert t.loc["exact", "reorder_point"] == stats.poisson.ppf(0.99, 1.5)
    mu, sd = 1.5, math.sqrt(1.5)
    # normal with continuity correction: smallest k with k + 1/2 >= mu + z sd
    assert t.loc["normal", "reorder_point"] == math.ceil(mu + stats.norm.ppf(0.99) * sd - 0.5)
    assert t.loc["normal", "achieved_csl"] == pytest.approx(stats.poisson.cdf(4, 1.5))
    assert t.loc["normal", "achieved_csl"] < 0.99
    assert t.loc["normal", "excess_units"] == -1
