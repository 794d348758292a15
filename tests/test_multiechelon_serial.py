"""Serial systems: Clark–Scarf / Chen–Zheng optimum and evaluation, checked against published
answers (Snyder & Shen), a closed-form newsvendor, brute-force enumeration and a simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from casekit.multiechelon import (evaluate_serial, independent_serial, optimize_serial, shang_song,
                                  simulate_serial)
from casekit.multiechelon.serial import newsvendor_cost_normal
from casekit.network import from_edges, serial

EX_6_1 = dict(echelon_holding_cost=[3, 2, 2], lead_time=[1, 1, 2], stockout_cost=37.12)
PROB_6_2 = dict(echelon_holding_cost=[2, 2, 1, 1, 1], lead_time=[0.5] * 5, stockout_cost=24)


def enumerate_cost(S, h, L, p, lam):
    """Expected cost of echelon base-stock levels S with Poisson demand by direct enumeration of
    IL_j = min(S_j, IL_{j+1}) - D~_j (downstream first), cost sum_j h_j E[IL_j] + (p + sum h) E[IL_1^-].
    Exact arithmetic over the support (tail < 1e-15), independent of the grid recursion."""
    vals, probs, total = np.array([S[-1]]), np.array([1.0]), 0.0
    for j in range(len(S) - 1, -1, -1):
        ip = np.minimum(S[j], vals)
        d = np.arange(int(stats.poisson.ppf(1 - 1e-15, lam * L[j])) + 1)
        pd = stats.poisson.pmf(d, lam * L[j])
        il = (ip[:, None] - d[None, :]).ravel()
        pr = (probs[:, None] * pd[None, :]).ravel()
        vals, inv = np.unique(il, return_inverse=True)
        probs = np.bincount(inv, pr)
        total += h[j] * float(vals @ probs)
    return total + (p + sum(h)) * float(np.maximum(-vals, 0) @ probs)


def test_example_6_1_normal():
    r = optimize_serial(serial(**EX_6_1, demand=stats.norm(5, 1)))
    # published: S* ~ (6.49, 12.02, 22.71), cost 47.66
    assert np.allclose(r.base_stock, [6.49, 12.02, 22.71], atol=0.01)
    assert abs(r.cost - 47.66) <= 0.02
    assert np.allclose(r.local_base_stock, np.diff([0, *r.base_stock]))


def test_example_6_1_poisson():
    net = serial(**EX_6_1, demand=stats.poisson(5))
    r = optimize_serial(net)
    assert r.base_stock == (9, 15, 26)                       # published S*
    exact = enumerate_cost([9, 15, 26], [3, 2, 2], [1, 1, 2], 37.12, 5)
    assert math.isclose(r.cost, exact, rel_tol=1e-9)
    # The published cost 72.0435 is 0.0032 below the exact 72.0467: the book's computation drops
    # some tail probability.  It agrees to 5e-5 relative; the exact value is what we hold.
    assert abs(r.cost - 72.0435) / 72.0435 < 5e-5
    assert round(exact, 4) == 72.0467


def test_problem_6_2_b_poisson_half_period_lead_times():
    r = optimize_serial(serial(**PROB_6_2, demand=stats.poisson(64)))
    assert r.base_stock == (41, 74, 109, 142, 174)           # published S*
    exact = enumerate_cost([41, 74, 109, 142, 174], [2, 2, 1, 1, 1], [0.5] * 5, 24, 64)
    assert math.isclose(r.cost, exact, rel_tol=1e-9)
    assert abs(r.cost - 453.6856) / 453.6856 < 5e-5          # published (tail-truncated) cost


def test_poisson_optimum_beats_every_neighbour_by_enumeration():
    S = np.array([9, 15, 26])
    best = enumerate_cost(S, [3, 2, 2], [1, 1, 2], 37.12, 5)
    for j in range(3):
        for step in (-1, 1):
            T = S.copy()
            T[j] += step
            assert enumerate_cost(T, [3, 2, 2], [1, 1, 2], 37.12, 5) > best


def test_single_stage_normal_matches_newsvendor_closed_form():
    h, p, L = 2.0, 18.0, 3
    r = optimize_serial(serial([h], [L], p, stats.norm(40, 10)))
    mu, sd = 40 * L, 10 * math.sqrt(L)
    s_star = stats.norm.ppf(p / (p + h), mu, sd)
    assert abs(r.base_stock[0] - s_star) < 1e-3 * sd
    assert math.isclose(r.cost, newsvendor_cost_normal(h, p, mu, sd, s_star), rel_tol=1e-5)


def test_normal_cost_converges_as_the_grid_is_refined():
    net = serial(**PROB_6_2, demand=stats.norm(64, 8))
    default = optimize_serial(net).cost
    fine = optimize_serial(net, resolution=320).cost
    assert abs(default - fine) / fine < 5e-5               # well inside the 0.05% target


def test_example_6_1_normal_against_simulation():
    net = serial(**EX_6_1, demand=stats.norm(5, 1))
    r = optimize_serial(net)
    sim = simulate_serial(net, r.base_stock, n_periods=3000, n_reps=16, seed=11, confidence=0.999)
    assert sim.ci_low <= r.cost <= sim.ci_high


def test_fractional_lead_times_against_simulation():
    net = serial(**PROB_6_2, demand=stats.poisson(64))
    sim = simulate_serial(net, [41, 74, 109, 142, 174], n_periods=2000, n_reps=12, seed=3, confidence=0.999)
    assert sim.ci_low <= evaluate_serial(net, [41, 74, 109, 142, 174]).cost <= sim.ci_high


def test_any_policy_is_evaluated_exactly_even_unordered_levels():
    for S in ([12, 13, 30], [15, 12, 26], [5, 20, 21]):
        got = evaluate_serial(serial(**EX_6_1, demand=stats.poisson(5)), S).cost
        assert math.isclose(got, enumerate_cost(S, [3, 2, 2], [1, 1, 2], 37.12, 5), rel_tol=1e-9)


def test_zero_lead_time_stage():
    net = serial([3, 2, 2], [0, 1, 2], 37.12, stats.poisson(5))
    r = optimize_serial(net)
    assert math.isclose(r.cost, enumerate_cost(r.base_stock, [3, 2, 2], [0, 1, 2], 37.12, 5), rel_tol=1e-9)
    assert r.base_stock[0] == 0                             # nothing to cover over a zero lead time


def test_negative_binomial_and_empirical_demand():
    nb = stats.nbinom(3, 0.4)
    r = optimize_serial(serial([1, 2, 0.5], [2, 1, 1], 10, nb))
    sim = simulate_serial(serial([1, 2, 0.5], [2, 1, 1], 10, nb), r.base_stock, n_periods=3000,
                          n_reps=16, seed=5, confidence=0.999)
    assert sim.ci_low <= r.cost <= sim.ci_high
    # an empirical pmf on 0..4 (an object with a .pmf array, like casekit's DiscreteDistribution)
    emp = stats.rv_discrete(values=(np.arange(5), [0.1, 0.2, 0.4, 0.2, 0.1]))
    r2 = optimize_serial(serial([1, 1], [1, 2], 9, emp))
    assert all(float(s).is_integer() for s in r2.base_stock)
    with pytest.raises(ValueError, match="fractional"):
        optimize_serial(serial([1, 1], [0.5, 2], 9, emp))


def test_heuristics_are_never_better_than_the_optimum():
    for demand in (stats.norm(5, 1), stats.poisson(5)):
        net = serial(**EX_6_1, demand=demand)
        opt = optimize_serial(net).cost
        ss = shang_song(net)
        alone = independent_serial(net)
        assert ss.cost >= opt - 1e-6 and alone.cost >= opt - 1e-6
        assert ss.cost / opt < 1.01                          # Shang–Song is near-optimal here
    # S&S's Shang–Song levels for Example 6.1 normal: (6.49, 12.03, 22.63)
    ss = shang_song(serial(**EX_6_1, demand=stats.norm(5, 1)))
    assert np.allclose(ss.base_stock, [6.49, 12.03, 22.63], atol=0.01)


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match=r"stage 1: network must be serial"):
        optimize_serial(from_edges([(1, 2), (1, 3)], {
            1: dict(holding_cost=1), 2: dict(holding_cost=2, demand=stats.norm(1, 1), stockout_cost=5),
            3: dict(holding_cost=2, demand=stats.norm(1, 1), stockout_cost=5)}))
    with pytest.raises(ValueError, match=r"stage 1: stockout_cost is missing"):
        optimize_serial(from_edges([(2, 1)], {1: dict(holding_cost=2, demand=stats.norm(5, 1)),
                                              2: dict(holding_cost=1)}))
    with pytest.raises(ValueError, match=r"stage 1: echelon holding cost .* negative"):
        optimize_serial(from_edges([(2, 1)], {1: dict(holding_cost=1, demand=stats.norm(5, 1), stockout_cost=9),
                                              2: dict(holding_cost=2)}))
    net = serial(**EX_6_1, demand=stats.poisson(5))
    with pytest.raises(ValueError, match="base_stock must have 3"):
        evaluate_serial(net, [1, 2])
    with pytest.raises(ValueError, match="whole numbers"):
        evaluate_serial(net, [9.5, 15, 26])


def test_casekit_discrete_distribution_is_accepted():
    from casekit.distributions import DiscreteDistribution

    dd = DiscreteDistribution.from_scipy(stats.poisson(5))
    r = optimize_serial(serial(**EX_6_1, demand=dd))
    assert r.base_stock == (9, 15, 26)
    assert math.isclose(r.cost, enumerate_cost([9, 15, 26], [3, 2, 2], [1, 1, 2], 37.12, 5), rel_tol=1e-8)
    sim = simulate_serial(serial(**EX_6_1, demand=dd), r.base_stock, n_periods=2000, n_reps=8, seed=1,
                          confidence=0.999)
    assert sim.ci_low <= r.cost <= sim.ci_high
