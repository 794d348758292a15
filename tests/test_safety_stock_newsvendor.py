"""Newsvendor variants (Snyder & Shen chapter 4): lead time, revenue / purchase / salvage /
goodwill form, the myopic multi-period policy.  Expected values from the book's examples (as
pinned by stockpyl's test suite) and from independent computations done here (brute force,
numerical integration, closed forms)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from casekit.distributions import DiscreteDistribution
from casekit.safety_stock import (demand_over_periods, myopic_cost, myopic_policy, newsvendor, newsvendor_cost,
                                  newsvendor_costs_from_prices, newsvendor_prices_from_costs, newsvendor_profit)


def normal_newsvendor(h, p, mu, sigma):
    """Closed form: S* = mu + sigma z*, g(S*) = (h + p) sigma phi(z*)."""
    z = stats.norm.ppf(p / (p + h))
    return mu + sigma * z, (h + p) * sigma * stats.norm.pdf(z)


def discrete_cost(h, p, values, probs, S):
    values, probs = np.asarray(values, float), np.asarray(probs, float)
    return float(h * np.maximum(S - values, 0) @ probs + p * np.maximum(values - S, 0) @ probs)


# ---------------------------------------------------------------------------------------- lead time
def test_example_4_4_lead_time():
    """S&S Example 4.4: Example 4.3 with L = 4; stockpyl pins S* = 264.7668943741548,
    cost 4.466781004149578.  Independent: the closed form on N(250, 5 * 64)."""
    r = newsvendor(0.18, 0.70, stats.norm(50, 8), lead_time=4)
    S, g = normal_newsvendor(0.18, 0.70, 250, 8 * math.sqrt(5))
    assert math.isclose(r.base_stock, S, rel_tol=1e-12) and math.isclose(r.cost, g, rel_tol=1e-10)
    assert abs(r.base_stock - 264.7668943741548) < 1e-9 and abs(r.cost - 4.466781004149578) < 1e-9
    # stockpyl's cost of S = 180 with the same lead time
    assert abs(r.cost_at(180) - 49.000164748034095) < 1e-9
    assert r.lead_time == 4


def test_lead_time_poisson_and_empirical_by_brute_force():
    r = newsvendor(1, 4, stats.poisson(6), lead_time=2)                 # demand over 3 periods: Poisson(18)
    y = np.arange(0, 200)
    f = stats.poisson.pmf(y, 18)
    costs = [discrete_cost(1, 4, y, f, S) for S in range(60)]
    assert r.base_stock == int(np.argmin(costs))
    assert math.isclose(r.cost, min(costs), rel_tol=1e-10)
    # an empirical pmf convolved 3 times, here by np.convolve
    pmf = [0.2, 0.5, 0.3]
    three = np.convolve(np.convolve(pmf, pmf), pmf)
    r = newsvendor(2, 3, DiscreteDistribution(pmf), lead_time=2)
    costs = [discrete_cost(2, 3, np.arange(three.size), three, S) for S in range(8)]
    assert r.base_stock == int(np.argmin(costs)) and math.isclose(r.cost, min(costs), rel_tol=1e-12)
    assert math.isclose(newsvendor_cost(2, 3, {0: 0.2, 1: 0.5, 2: 0.3}, 4, lead_time=2),
                        discrete_cost(2, 3, np.arange(three.size), three, 4), rel_tol=1e-12)


def test_demand_over_periods_keeps_closed_forms():
    assert demand_over_periods(stats.poisson(6), 3).mean() == 18
    nb = demand_over_periods(stats.nbinom(3, 0.4), 2)
    assert nb.dist.name == "nbinom" and math.isclose(nb.mean(), 2 * stats.nbinom(3, 0.4).mean())
    g = demand_over_periods(stats.gamma(2, scale=3), 4)
    assert g.dist.name == "gamma" and math.isclose(g.var(), 4 * 18)
    with pytest.raises(ValueError, match="lead_time: demand over several periods of a lognorm"):
        demand_over_periods(stats.lognorm(0.5), 2)


# ---------------------------------------------------------------------------------------- revenue form
def expected_profit(r, c, v, dist, S, goodwill=0.0, h0=0.0):
    """E[r min(D, S) - c S + (v - h0) (S - D)^+ - goodwill (D - S)^+] by integrating the density."""
    f = lambda d: (r * min(d, S) - c * S + (v - h0) * max(S - d, 0) - goodwill * max(d - S, 0)) * dist.pdf(d)
    lo, hi = dist.ppf(1e-13), dist.ppf(1 - 1e-13)
    return integrate.quad(f, lo, S, epsabs=1e-12, limit=200)[0] + integrate.quad(f, S, hi, epsabs=1e-12,
                                                                                   limit=200)[0]


@pytest.mark.parametrize("goodwill,h0,S_pub,profit_pub", [
    (0.0, 0.0, 59.084578685373856, 210.4768082523147),
    (5.0, 1.0, 59.388143168769034, 195.4729310431908),
])
def test_problem_4_3b_in_flight_meals(goodwill, h0, S_pub, profit_pub):
    """S&S Problem 4.3(b): r = 7, c = 2.5, v = 1.5, D ~ N(50, 10^2) (stockpyl's values), and with
    a holding cost 1 and a goodwill cost 5.  Independent: maximise the integrated profit."""
    d = stats.norm(50, 10)
    res = newsvendor_profit(7, 2.5, 1.5, d, goodwill_cost=goodwill, extra_holding_cost=h0)
    best = optimize.minimize_scalar(lambda S: -expected_profit(7, 2.5, 1.5, d, S, goodwill, h0),
                                    bounds=(40, 80), method="bounded", options={"xatol": 1e-10})
    assert abs(res.base_stock - best.x) < 1e-5
    assert math.isclose(res.profit, -best.fun, rel_tol=1e-9)
    assert abs(res.base_stock - S_pub) < 1e-9 and abs(res.profit - profit_pub) < 1e-9
    assert math.isclose(res.profit + res.cost, (7 - 2.5) * 50)
    assert (res.holding_cost, res.stockout_cost) == (2.5 - 1.5 + h0, 7 - 2.5 + goodwill)
    assert math.isclose(res.profit_at(62), expected_profit(7, 2.5, 1.5, d, 62, goodwill, h0), rel_tol=1e-9)


@pytest.mark.parametrize("r,c,v,goodwill,h0,S_pub,profit_pub", [
    (1, 0.3, 0.12, 0, 0, 56, 33.20276478819082),            # Example 4.2, Poisson(50)
    (7, 2.5, 1.5, 0, 0, 56, 214.51727992619263),            # Problem 4.3(b), Poisson(50)
    (7, 2.5, 1.5, 5, 1, 57, 203.67269269293658),
])
def test_revenue_form_poisson_by_enumeration(r, c, v, goodwill, h0, S_pub, profit_pub):
    y = np.arange(0, 300)
    f = stats.poisson.pmf(y, 50)
    profit = lambda S: float((r * np.minimum(y, S) - c * S + (v - h0) * np.maximum(S - y, 0)
                              - goodwill * np.maximum(y - S, 0)) @ f)
    values = [profit(S) for S in range(120)]
    res = newsvendor_profit(r, c, v, stats.poisson(50), goodwill_cost=goodwill, extra_holding_cost=h0)
    assert res.base_stock == int(np.argmax(values)) == S_pub
    assert math.isclose(res.profit, max(values), rel_tol=1e-10)
    assert abs(res.profit - profit_pub) < 1e-9


def test_example_4_2_maps_to_example_4_3_and_back():
    """S&S Example 4.2 (r = 1, c = 0.30, v = 0.12) is Example 4.3 (h = 0.18, p = 0.70)."""
    assert newsvendor_costs_from_prices(1.0, 0.30, 0.12) == (0.18, 0.7)
    assert newsvendor_prices_from_costs(0.18, 0.70, 0.30) == (1.0, 0.12)
    a = newsvendor_profit(1.0, 0.30, 0.12, stats.norm(50, 8))
    b = newsvendor(0.18, 0.70, stats.norm(50, 8))
    assert a.base_stock == b.base_stock and math.isclose(a.cost, b.cost)
    assert math.isclose(a.profit, 0.7 * 50 - b.cost)
    frame = a.to_frame()
    assert frame.loc["holding_cost", "value"] == 0.18 and frame.loc["selling_price", "value"] == 1.0


def test_revenue_form_with_lead_time():
    res = newsvendor_profit(7, 2.5, 1.5, stats.norm(50, 10), lead_time=1)
    S, g = normal_newsvendor(1.0, 4.5, 100, 10 * math.sqrt(2))
    assert math.isclose(res.base_stock, S) and math.isclose(res.profit, 4.5 * 100 - g, rel_tol=1e-10)


# ---------------------------------------------------------------------------------------- myopic
def myopic_by_integration(h, p, c, c_next, gamma, dist, y):
    """G(y) = c y + E[h (y - D)^+ + p (D - y)^+] - gamma c_next E[y - D], integrated here."""
    g = integrate.quad(lambda d: (h * max(y - d, 0) + p * max(d - y, 0)) * dist.pdf(d),
                       dist.ppf(1e-13), dist.ppf(1 - 1e-13), points=[y], limit=200, epsabs=1e-12)[0]
    return c * y + g - gamma * c_next * (y - dist.mean())


@pytest.mark.parametrize("h,p,c,c_next,gamma,mu,sd,S_pub,cost_pub", [
    (0.18, 0.70, 0.30, 0.35, 0.98, 50, 8, 58.09891883213067, 16.682411764618777),      # Example 4.1 + costs
    (43, 79, 65, 55, 0.9, 900, 60, 903.0832764843523, 61416.404244990816),           # Problem 4.1 + costs
])
def test_myopic_stockpyl_instances(h, p, c, c_next, gamma, mu, sd, S_pub, cost_pub):
    d = stats.norm(mu, sd)
    pol = myopic_policy(h, p, [c, c_next], d, discount=gamma)
    best = optimize.minimize_scalar(lambda y: myopic_by_integration(h, p, c, c_next, gamma, d, y),
                                    bounds=(mu - 3 * sd, mu + 4 * sd), method="bounded",
                                    options={"xatol": 1e-10})
    assert abs(pol.base_stock[0] - best.x) < 1e-4 * sd
    assert math.isclose(pol.table["cost"].iloc[0], best.fun, rel_tol=1e-8)
    assert abs(pol.base_stock[0] - S_pub) < 1e-8 and abs(pol.table["cost"].iloc[0] - cost_pub) < 1e-6


def test_myopic_cost_stockpyl_values_and_integration():
    d = stats.norm(50, 8)
    for y, pub in ((60, 16.236131552870390), (40, 23.276131552870389), (120, 21.16), (56.6, 16.390405437438364)):
        got = myopic_cost(0.18, 0.70, 0.30, 0.40, d, y, discount=0.98)
        assert abs(got - pub) < 1e-9
        assert math.isclose(got, myopic_by_integration(0.18, 0.70, 0.30, 0.40, 0.98, d, y), rel_tol=1e-9)


def test_myopic_multi_period_levels_and_veinott_condition():
    d = stats.norm(50, 8)
    rising = myopic_policy(0.18, 0.70, [0.30, 0.32, 0.34, 0.30], d, discount=0.98)
    for t, (c, c_next) in enumerate([(0.30, 0.32), (0.32, 0.34), (0.34, 0.30)]):
        c_plus = c - 0.98 * c_next
        assert math.isclose(rising.base_stock[t], d.ppf((0.70 - c_plus) / 0.88), rel_tol=1e-12)
    assert rising.nondecreasing is False                     # the last period's level drops
    demands = [stats.poisson(5), stats.poisson(6), stats.poisson(8)]
    pol = myopic_policy(1, 4, [2, 2, 2, 2], demands)
    assert list(pol.base_stock) == [int(stats.poisson(m).ppf(4 / 5)) for m in (5, 6, 8)]
    assert pol.nondecreasing is True


@pytest.mark.parametrize("call,error,match", [
    (lambda: newsvendor(1, 4, stats.poisson(6), lead_time=-1), ValueError, r"lead_time must be >= 0, got -1"),
    (lambda: newsvendor(1, 4, stats.poisson(6), lead_time=1.5), TypeError, r"lead_time must be an integer"),
    (lambda: newsvendor_cost(1, 4, stats.poisson(6), None), TypeError, r"base_stock must be a number, got None"),
    (lambda: newsvendor_cost(1, 4, stats.poisson(6), float("nan")), ValueError, r"base_stock must be a finite"),
    (lambda: newsvendor_profit(1, 0.3, 0.5, stats.norm(50, 8)), ValueError, r"salvage_value must be below"),
    (lambda: newsvendor_profit(1, 1.5, 0.1, stats.norm(50, 8)), ValueError, r"purchase_cost must be below"),
    (lambda: newsvendor_profit(-1, 0.3, 0.1, stats.norm(50, 8)), ValueError, r"selling_price must be >= 0"),
    (lambda: newsvendor_profit(1, 0.3, 0.1, stats.norm(50, 8), goodwill_cost=-2), ValueError,
     r"goodwill_cost must be >= 0"),
    (lambda: newsvendor_prices_from_costs(0, 1, 1), ValueError, r"holding_cost must be > 0"),
    (lambda: myopic_policy(0.18, 0.7, [0.3], stats.norm(50, 8)), ValueError, r"purchase_cost must have at least 2"),
    (lambda: myopic_policy(0.18, 0.7, [0.3, 0.35], stats.norm(50, 8), discount=1.5), ValueError,
     r"discount must be in \(0, 1\], got 1.5"),
    (lambda: myopic_policy(0.18, 0.7, [2.0, 0.1], stats.norm(50, 8)), ValueError, r"c\+ .* between"),
    (lambda: myopic_policy(0.18, 0.7, [0.3, 0.3, 0.3], [stats.norm(50, 8)]), ValueError, r"demand must be one"),
    (lambda: demand_over_periods(stats.poisson(3), 0), ValueError, r"periods must be >= 1"),
])
def test_bad_input_names_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()
