"""casekit.ss against Zheng & Federgruen's (1991) table, Snyder & Shen's section 4.6 examples and
problems (values as carried by the textbook's companion library stockpyl 1.0.2), and an independent
computation: the stationary distribution of the inventory position as a Markov chain, solved as a
linear system, and brute-force enumeration of (s, S) with it."""

import functools

import numpy as np
import pytest
from scipy.stats import norm, poisson

from casekit.ss import (MAX_GAP, compare_ss_heuristics, evaluate_ss, optimize_ss, ss_cost, ss_cost_grid,
                        ss_power_approximation)


# ---------------------------------------------------------------------- independent cost
@functools.lru_cache(maxsize=None)
def _pmfs(mean, lead_time):
    kmax = int(mean * (lead_time + 1) + 12 * np.sqrt(mean * (lead_time + 1)) + 30)
    k = np.arange(kmax)
    return k, poisson.pmf(k, mean), poisson.pmf(k, mean * (lead_time + 1))


def _markov_cost(s, S, mean, h, p, K, lead_time=0):
    """Cost per period of (s, S) under Poisson(mean) demand from the Markov chain of the position y
    after ordering (states s+1..S): pi P = pi, cost = sum pi(y) [G(y) + K P(y - D <= s)]."""
    k, d, x = _pmfs(mean, lead_time)
    states = np.arange(s + 1, S + 1)
    n = states.size
    gap = states[:, None] - states[None, :]                    # y - z: demand that moves y to z
    P = np.where(gap >= 0, d[np.clip(gap, 0, k.size - 1)], 0.0) * (gap < k.size)
    order = poisson.sf(states - s - 1, mean)                    # P(y - D <= s): order up to S
    P[:, -1] += order
    A = np.vstack([P.T - np.eye(n), np.ones(n)])
    pi = np.linalg.lstsq(A, np.append(np.zeros(n), 1.0), rcond=None)[0]
    diff = states[:, None] - k[None, :]
    G = (h * np.maximum(diff, 0) + p * np.maximum(-diff, 0)) @ x
    return float(pi @ (G + K * order))


def _brute_force(mean, h, p, K, s_range, S_max, lead_time=0):
    costs = {(s, S): _markov_cost(s, S, mean, h, p, K, lead_time) for s in s_range for S in range(s + 1, S_max + 1)}
    best = min(costs, key=costs.get)
    return best, costs[best]


# ---------------------------------------------------------------------- Snyder & Shen
def test_example_4_7_cost():
    assert abs(ss_cost(4, 10, poisson(6), 1, 4, 5) - 8.034111561471644) < 1e-9
    assert abs(ss_cost(6, 18, poisson(6), 1, 4, 5) - 10.193798671644046) < 1e-9
    assert abs(ss_cost(4, 10, poisson(6), 1, 4, 5) - _markov_cost(4, 10, 6, 1, 4, 5)) < 1e-9


def test_example_4_7_optimum_is_the_brute_force_optimum():
    (s, S), c = _brute_force(6, 1, 4, 5, range(-2, 9), 26)
    res = optimize_ss(poisson(6), 1, 4, 5)
    assert (res.s, res.S) == (s, S) == (4, 10)
    assert abs(res.cost - c) < 1e-9


def test_problem_4_31_cost_and_optimum():
    assert abs(ss_cost(4, 10, poisson(4), 40, 125, 150) - 2.622755613772775e+02) < 1e-9
    assert abs(ss_cost(2, 7, poisson(4), 40, 125, 150) - 2.235748295669688e+02) < 1e-9
    (s, S), c = _brute_force(4, 40, 125, 150, range(-2, 8), 20)
    res = optimize_ss(poisson(4), 40, 125, 150)
    assert (res.s, res.S) == (s, S) == (2, 7)
    assert abs(res.cost - c) < 1e-9


def test_example_4_7_parts():
    res = evaluate_ss(4, 10, poisson(6), 1, 4, 5)
    assert abs(res.holding_cost + res.backorder_cost + res.ordering_cost - res.cost) < 1e-12
    assert abs(res.ordering_cost - 5 * res.order_frequency) < 1e-12
    assert res.holding_cost == pytest.approx(res.on_hand) and res.backorder_cost == pytest.approx(4 * res.backorders)
    assert 0 < res.order_frequency < 1


# ---------------------------------------------------------------------- Zheng & Federgruen (1991)
# Poisson demand, h = 1, p = 9, K = 64: mean demand, s*, S*, c* as printed (three decimals)
ZF_1991 = [
    (10, 6, 40, 35.022), (15, 10, 49, 42.698), (20, 14, 62, 49.173), (25, 19, 56, 54.262),
    (30, 23, 66, 57.819), (35, 28, 77, 61.215), (40, 33, 87, 64.512), (45, 37, 97, 67.776),
    (50, 42, 108, 70.975), (55, 47, 118, 74.149), (60, 52, 129, 77.306), (65, 56, 75, 78.518),
    (70, 62, 81, 79.037), (75, 67, 86, 79.554), (21, 15, 65, 50.406), (22, 16, 68, 51.632),
    (23, 17, 52, 52.757), (24, 18, 54, 53.518), (51, 43, 110, 71.611), (52, 44, 112, 72.246),
    (59, 51, 126, 76.679), (61, 52, 131, 77.929), (63, 54, 73, 78.287), (64, 55, 74, 78.402),
]


@pytest.mark.parametrize("mean, s, S, cost", ZF_1991, ids=[f"mean_{r[0]}" for r in ZF_1991])
def test_zheng_federgruen_1991_table(mean, s, S, cost):
    res = optimize_ss(poisson(mean), 1, 9, 64)
    assert (res.s, res.S) == (s, S)
    # the printed cost is the exact one rounded to three decimals (not truncated)
    exact = _markov_cost(s, S, mean, 1, 9, 64)
    assert abs(res.cost - exact) < 1e-9
    assert round(exact, 3) == cost


@pytest.mark.parametrize("mean", [10, 25, 65])
def test_zheng_federgruen_1991_optimum_is_the_local_brute_force_optimum(mean):
    # the exact cost of every (s, S) within 3 units of the printed optimum is at least its cost
    row = next(r for r in ZF_1991 if r[0] == mean)
    s0, S0 = row[1], row[2]
    c0 = _markov_cost(s0, S0, mean, 1, 9, 64)
    for s in range(s0 - 3, s0 + 4):
        for S in range(max(S0 - 3, s + 1), S0 + 4):
            assert _markov_cost(s, S, mean, 1, 9, 64) >= c0 - 1e-12


def test_zheng_federgruen_mean_10_global_brute_force():
    (s, S), c = _brute_force(10, 1, 9, 64, range(0, 12), 55)
    assert (s, S) == (6, 40)
    assert abs(optimize_ss(poisson(10), 1, 9, 64).cost - c) < 1e-9


def test_lead_time_uses_demand_over_lead_time_plus_one_periods():
    (s, S), c = _brute_force(6, 1, 4, 5, range(4, 18), 32, lead_time=2)
    res = optimize_ss(poisson(6), 1, 4, 5, lead_time=2)
    assert (res.s, res.S) == (s, S)
    assert abs(res.cost - c) < 1e-9


def test_general_discrete_demand_matches_a_dict_and_its_scipy_twin():
    pmf = {k: float(poisson.pmf(k, 3)) for k in range(40)}
    total = sum(pmf.values())
    pmf = {k: v / total for k, v in pmf.items()}
    assert abs(ss_cost(1, 9, pmf, 1, 6, 10) - ss_cost(1, 9, poisson(3), 1, 6, 10)) < 1e-9


# ---------------------------------------------------------------------- power approximation
@pytest.mark.parametrize("demand, h, p, K, s, S", [
    (norm(50, 8), 0.18, 0.70, 2.5, 40.194616956474071, 74.290170109805786),     # Example 4.8
    (norm(190, 48), 2, 36, 60, 2.266137928222839e+02, 3.243797868133974e+02),  # Problem 4.32
], ids=["example_4_8", "problem_4_32"])
def test_snyder_shen_power_approximation(demand, h, p, K, s, S):
    res = ss_power_approximation(demand, h, p, K)
    assert abs(res.s - s) < 1e-9 and abs(res.S - S) < 1e-9
    assert np.isnan(res.cost)


def test_power_approximation_gap_for_discrete_demand():
    table = compare_ss_heuristics(poisson(25), 1, 9, 64)
    assert list(table.index) == ["optimal", "power approximation"]
    assert table.loc["optimal", "gap_pct"] == 0 and table.loc["power approximation", "gap_pct"] >= 0
    s, S = table.loc["power approximation", ["s", "S"]]
    assert abs(table.loc["power approximation", "cost"] - _markov_cost(int(s), int(S), 25, 1, 9, 64)) < 1e-9


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, match", [
    (lambda: ss_cost(10, 10, poisson(6), 1, 4, 5), "s < S"),
    (lambda: ss_cost(12, 10, poisson(6), 1, 4, 5), "s < S"),
    (lambda: ss_cost(4.5, 10, poisson(6), 1, 4, 5), "s must be a whole number"),
    (lambda: ss_cost(4, 10, norm(6, 1), 1, 4, 5), "demand must be discrete"),
    (lambda: ss_cost(4, 10, {-1: 0.5, 2: 0.5}, 1, 4, 5), "demand"),
    (lambda: ss_cost(4, 10, poisson(6), 0, 4, 5), "holding_cost"),
    (lambda: ss_cost(4, 10, poisson(6), 1, -4, 5), "stockout_cost"),
    (lambda: ss_cost(4, 10, poisson(6), 1, 4, -5), "fixed_cost"),
    (lambda: optimize_ss(poisson(6), 1, 4, 0), "fixed_cost"),
    (lambda: optimize_ss(poisson(6), 1, 4, 5, lead_time=-1), "lead_time"),
    (lambda: optimize_ss({0: 1.0}, 1, 4, 5), "always 0"),
    (lambda: ss_cost(0, MAX_GAP + 1, poisson(6), 1, 4, 5), "refuses S - s"),
    (lambda: ss_cost(0, 10, poisson(1e9), 1, 4, 5), "about [0-9.e+]+ values"),
])
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_integer_lead_time_is_a_type_error():
    with pytest.raises(TypeError, match="lead_time"):
        optimize_ss(poisson(6), 1, 4, 5, lead_time=1.5)


def test_cost_grid_equals_pointwise_cost_and_marks_infeasible_pairs():
    grid = ss_cost_grid([2, 4, 6], [5, 10, 18], poisson(6), 1, 4, 5)
    assert abs(grid.loc[4, 10] - 8.034111561471644) < 1e-9 and abs(grid.loc[6, 18] - 10.193798671644046) < 1e-9
    assert np.isnan(grid.loc[6, 5]) and abs(grid.loc[2, 5] - _markov_cost(2, 5, 6, 1, 4, 5)) < 1e-9
