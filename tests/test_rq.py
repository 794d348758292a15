"""casekit.rq against Snyder & Shen's chapter 5 examples and problems (values as carried by the
textbook's companion library stockpyl 1.0.2) and against independent brute force: every expected
optimum below is found by enumerating or minimising a cost coded here from its definition."""

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import gamma, nbinom, norm, poisson

from casekit.rq import (HEURISTICS, compare_rq_heuristics, evaluate_rq, optimize_rq, rq_cost, rq_cost_grid,
                        rq_heuristic)

EX_5_1 = dict(demand=norm(1300, 150), lead_time=1 / 12, holding_cost=0.225, stockout_cost=7.5, fixed_cost=8)
PROB_5_1 = dict(demand=norm(800, 40), lead_time=4 / 365, holding_cost=3.1, stockout_cost=45, fixed_cost=50)
PROB_5_3 = dict(demand=norm(192, 17.4), lead_time=3, holding_cost=1.5 / 7, stockout_cost=40, fixed_cost=85)
EX_5_8 = dict(demand=poisson(1.5), lead_time=2, holding_cost=20, stockout_cost=150, fixed_cost=100)
PROB_5_2 = dict(demand=poisson(12), lead_time=0.5, holding_cost=4, stockout_cost=28, fixed_cost=4)


# ---------------------------------------------------------------------- independent costs
def _discrete_cost(r, Q, ltd_pmf, lam, h, p, K):
    """(K lam + sum_{y=r+1}^{r+Q} g(y)) / Q with g summed term by term over the pmf of D_L."""
    k = np.arange(ltd_pmf.size)
    total = 0.0
    for y in range(r + 1, r + Q + 1):
        total += ltd_pmf @ (h * np.maximum(y - k, 0) + p * np.maximum(k - y, 0))
    return (K * lam + total) / Q


def _brute_force_discrete(ltd_pmf, lam, h, p, K, r_range, q_range):
    costs = {(r, Q): _discrete_cost(r, Q, ltd_pmf, lam, h, p, K) for r in r_range for Q in q_range}
    best = min(costs, key=costs.get)
    return best, costs[best], costs


def _normal_mixture_g(y, weights, means, sds, h, p):
    """g(y) = h E[(y - D_L)^+] + p E[(D_L - y)^+] for a mixture of normals, term by term."""
    val = 0.0
    for w, m, s in zip(weights, means, sds):
        z = (y - m) / s
        n = s * (norm.pdf(z) - z * norm.sf(z))
        val += w * (h * (y - m + n) + p * n)
    return val


def _normal_mixture_cost(r, Q, weights, means, sds, lam, h, p, K):
    """(K lam + integral_r^{r+Q} g(y) dy) / Q by numerical quadrature of g."""
    integral, _ = integrate.quad(_normal_mixture_g, r, r + Q, args=(weights, means, sds, h, p),
                                 epsabs=1e-12, epsrel=1e-13, limit=200)
    return (K * lam + integral) / Q


def _is_local_minimum(cost, r, Q, c):
    """No neighbour (r +- d, Q +- d) costs less (C(r, Q) is jointly convex: Zheng 1992)."""
    for d in (1.0, 0.02):
        for dr in (-d, 0, d):
            for dq in (-d, 0, d):
                if (dr or dq) and cost(r + dr, Q + dq) < c - 1e-12:
                    return False
    return True


# ---------------------------------------------------------------------- Poisson demand
def test_example_5_8_poisson_cost():
    assert abs(rq_cost(3, 5, **EX_5_8) - 107.9235806331498) < 1e-9
    assert abs(rq_cost(8, 12, **EX_5_8) - 242.5281637662021) < 1e-9


def test_example_5_8_poisson_optimum_is_the_brute_force_optimum():
    pmf = poisson.pmf(np.arange(80), 3.0)
    (r, Q), c, _ = _brute_force_discrete(pmf, 1.5, 20, 150, 100, range(-3, 15), range(1, 30))
    assert (r, Q) == (3, 5)                                   # Snyder & Shen Example 5.8
    res = optimize_rq(**EX_5_8)
    assert (res.reorder_point, res.order_quantity) == (3, 5)
    assert abs(res.cost - c) < 1e-9
    assert abs(res.cost - 107.9235806331498) < 1e-9


def test_problem_5_2_poisson_cost_and_optimum():
    assert abs(rq_cost(6, 7, **PROB_5_2) - 28.241312842169155) < 1e-9
    assert abs(rq_cost(3, 9, **PROB_5_2) - 34.264154469469503) < 1e-9
    pmf = poisson.pmf(np.arange(80), 6.0)                     # lead time 0.5: Poisson(12 x 0.5)
    (r, Q), c, _ = _brute_force_discrete(pmf, 12, 4, 28, 4, range(-2, 16), range(1, 25))
    res = optimize_rq(**PROB_5_2)
    assert (res.reorder_point, res.order_quantity) == (r, Q) == (6, 7)
    assert abs(res.cost - c) < 1e-9


def test_example_5_8_parts_fill_rate_and_cycle_service_level():
    res = evaluate_rq(3, 5, **EX_5_8)
    ltd = poisson(3.0)
    ys = np.arange(4, 9)
    k = np.arange(80)
    pmf = ltd.pmf(k)
    back = np.mean([pmf @ np.maximum(k - y, 0) for y in ys])
    on_hand = np.mean([pmf @ np.maximum(y - k, 0) for y in ys])
    assert abs(res.backorders - back) < 1e-10 and abs(res.on_hand - on_hand) < 1e-10
    assert abs(res.ordering_cost - 100 * 1.5 / 5) < 1e-12
    assert abs(res.holding_cost + res.backorder_cost + res.ordering_cost - res.cost) < 1e-10
    # unit Poisson demand: a customer is served from stock when the level is >= 1 (PASTA)
    assert abs(res.fill_rate - np.mean(ltd.cdf(ys - 1))) < 1e-10
    assert abs(res.cycle_service_level - ltd.cdf(3)) < 1e-12


def test_discrete_demand_with_random_lead_time_brute_force():
    demand = {0: 0.2, 1: 0.3, 2: 0.5}
    d = np.array([0.2, 0.3, 0.5])
    lead = {1: 0.25, 2: 0.5, 4: 0.25}
    ltd = np.zeros(9)
    for L, q in lead.items():
        conv = np.array([1.0])
        for _ in range(L):
            conv = np.convolve(conv, d)
        ltd[: conv.size] += q * conv
    lam = 0.3 + 1.0
    (r, Q), c, costs = _brute_force_discrete(ltd, lam, 2, 9, 6, range(-3, 12), range(1, 20))
    res = optimize_rq(demand, lead, 2, 9, 6)
    assert (res.reorder_point, res.order_quantity) == (r, Q)
    assert abs(res.cost - c) < 1e-9
    assert abs(rq_cost(5, 3, demand, lead, 2, 9, 6) - costs[(5, 3)]) < 1e-9


def test_poisson_with_random_lead_time_matches_the_mixture():
    lead = {1: 0.5, 3: 0.5}
    k = np.arange(150)
    ltd = 0.5 * poisson.pmf(k, 4) + 0.5 * poisson.pmf(k, 12)
    (r, Q), c, _ = _brute_force_discrete(ltd, 4, 1, 10, 20, range(0, 25), range(1, 30))
    res = optimize_rq(poisson(4), lead, 1, 10, 20)
    assert (res.reorder_point, res.order_quantity) == (r, Q)
    assert abs(res.cost - c) < 1e-9


# ---------------------------------------------------------------------- normal demand
def test_example_5_1_normal_cost():
    assert abs(rq_cost(126.8, 328.5, **EX_5_1) - 78.071162509282942) < 1e-9
    assert abs(rq_cost(100, 250, **EX_5_1) - 87.346478028174985) < 1e-9


def test_problem_5_1_normal_cost():
    assert abs(rq_cost(-1.9859, 166.95, **PROB_5_1) - 4.842110418415538e+02) < 1e-9
    assert abs(rq_cost(100, 250, **PROB_5_1) - 8.303219178082192e+02) < 1e-9


@pytest.mark.parametrize("inst", [EX_5_1, PROB_5_1, PROB_5_3], ids=["example_5_1", "problem_5_1", "problem_5_3"])
def test_normal_optimum_is_the_minimum_of_an_independent_cost(inst):
    d, L = inst["demand"], inst["lead_time"]
    h, p, K = inst["holding_cost"], inst["stockout_cost"], inst["fixed_cost"]
    lam = d.mean()
    mix = ([1.0], [lam * L], [d.std() * math.sqrt(L)])
    cost = lambda r, Q: _normal_mixture_cost(r, Q, *mix, lam, h, p, K)  # noqa: E731
    res = optimize_rq(**inst)
    assert abs(res.cost - cost(res.reorder_point, res.order_quantity)) < 1e-9
    assert _is_local_minimum(cost, res.reorder_point, res.order_quantity, res.cost)
    # first-order conditions of the optimum: g(r) = g(r + Q) = C*
    for y in (res.reorder_point, res.reorder_point + res.order_quantity):
        assert abs(_normal_mixture_g(y, *mix, h, p) - res.cost) < 1e-8


def test_normal_with_random_lead_time_is_a_mixture():
    lead = {1: 0.3, 2: 0.7}
    mix = ([0.3, 0.7], [20, 40], [5, 5 * math.sqrt(2)])
    cost = lambda r, Q: _normal_mixture_cost(r, Q, *mix, 20, 1, 12, 30)  # noqa: E731
    assert abs(rq_cost(40.5, 30, norm(20, 5), lead, 1, 12, 30) - cost(40.5, 30)) < 1e-9
    res = optimize_rq(norm(20, 5), lead, 1, 12, 30)
    assert _is_local_minimum(cost, res.reorder_point, res.order_quantity, res.cost)
    for y in (res.reorder_point, res.reorder_point + res.order_quantity):
        assert abs(_normal_mixture_g(y, *mix, 1, 12) - res.cost) < 1e-8


# ---------------------------------------------------------------------- heuristics
@pytest.mark.parametrize("inst, method, r, Q, tol", [
    (EX_5_1, "EOQ-B", 1.286378144242710e+02, 3.085737801203754e+02, 1e-6),            # Example 5.4
    (PROB_5_1, "EOQ-B", -1.929822185100239, 1.660850065197970e+02, 1e-6),             # Problem 5.1(b)
    (PROB_5_3, "EOQ-B", 6.090252058220594e+02, 3.913259510944808e+02, 1e-6),          # Problem 5.3(b)
    (EX_5_1, "EOQ + SS", 1.903369965715624e+02, 3.040467800264368e+02, 1e-9),         # Example 5.5
    (PROB_5_1, "EOQ + SS", 15.125515371852014, 1.606438657804998e+02, 1e-9),          # Problem 5.1(c)
    (PROB_5_3, "EOQ + SS", 6.529638947041127e+02, 3.902819493648150e+02, 1e-9),       # Problem 5.3(c)
    (EX_5_1, "loss function", 1.268670642878315e+02, 3.284491413581765e+02, 1e-5),    # Example 5.6
    (PROB_5_1, "loss function", -1.985868645048718, 1.669501022040942e+02, 1e-5),     # Problem 5.1(d)
    (PROB_5_3, "loss function", 6.085445118000358e+02, 4.038060023373138e+02, 5e-5),  # Problem 5.3(d)
], ids=["example_5_4", "problem_5_1b", "problem_5_3b", "example_5_5", "problem_5_1c", "problem_5_3c",
        "example_5_6", "problem_5_1d", "problem_5_3d"])
def test_snyder_shen_heuristics(inst, method, r, Q, tol):
    # published values carry the tolerance of the iterations that produced them (stockpyl 1.0.2
    # stops its bisection / fixed-point loops at 1e-6); casekit solves to ~1e-12
    res = rq_heuristic(**inst, method=method)
    assert abs(res.reorder_point - r) < tol and abs(res.order_quantity - Q) < tol
    assert res.method == method


@pytest.mark.parametrize("inst", [EX_5_1, PROB_5_3, EX_5_8, PROB_5_2],
                         ids=["example_5_1", "problem_5_3", "example_5_8", "problem_5_2"])
def test_compare_heuristics_gaps_are_costs_above_the_optimum(inst):
    table = compare_rq_heuristics(**inst)
    assert list(table.index) == ["optimal", *HEURISTICS]
    assert table.loc["optimal", "gap_pct"] == 0
    assert (table["gap_pct"] >= -1e-9).all()
    for m in HEURISTICS:
        direct = rq_cost(table.loc[m, "reorder_point"], table.loc[m, "order_quantity"], **inst)
        assert abs(direct - table.loc[m, "cost"]) < 1e-9


def test_discrete_heuristics_are_whole_units():
    for m in HEURISTICS:
        res = rq_heuristic(**EX_5_8, method=m)
        assert isinstance(res.reorder_point, int) and isinstance(res.order_quantity, int)
        assert res.order_quantity >= 1


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, match", [
    (lambda: rq_cost(3, 0, **EX_5_8), "order_quantity"),
    (lambda: rq_cost(3, 2.5, **EX_5_8), "order_quantity"),
    (lambda: rq_cost(3.5, 5, **EX_5_8), "reorder_point"),
    (lambda: rq_cost(100, -5, **EX_5_1), "order_quantity"),
    (lambda: rq_cost(3, 5, poisson(1.5), 2, 0, 150, 100), "holding_cost"),
    (lambda: rq_cost(3, 5, poisson(1.5), 2, 20, -1, 100), "stockout_cost"),
    (lambda: rq_cost(3, 5, poisson(1.5), 2, 20, 150, -1), "fixed_cost"),
    (lambda: optimize_rq(poisson(1.5), 2, 20, 150, 0), "fixed_cost"),
    (lambda: optimize_rq(poisson(1.5), -1, 20, 150, 100), "lead_time"),
    (lambda: optimize_rq({0: 0.5, 1: 0.5}, 1.5, 20, 150, 100), "lead_time"),
    (lambda: optimize_rq(norm(-5, 1), 1, 1, 10, 10), "demand"),
    (lambda: optimize_rq({-1: 0.5, 1: 0.5}, 1, 1, 10, 10), "demand"),
    (lambda: optimize_rq(gamma(2), 1, 1, 10, 10), "demand"),
    (lambda: rq_heuristic(**EX_5_1, method="EOQ"), "method"),
])
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_huge_lead_time_demand_is_refused_with_its_size():
    with pytest.raises(ValueError, match=r"about [0-9.e+]+ values"):
        optimize_rq(poisson(1e8), 3, 1, 10, 100)


def test_cost_grid_equals_pointwise_cost():
    grid = rq_cost_grid([-1, 3, 8], [1, 5, 12], **EX_5_8)
    for r in (-1, 3, 8):
        for Q in (1, 5, 12):
            assert abs(grid.loc[r, Q] - rq_cost(r, Q, **EX_5_8)) < 1e-12
    grid = rq_cost_grid([100.0, 126.8], [250.0, 328.5], **EX_5_1)
    assert abs(grid.loc[126.8, 328.5] - 78.071162509282942) < 1e-9
    with pytest.raises(ValueError, match="order_quantity"):
        rq_cost_grid([3], [0], **EX_5_8)


@pytest.mark.parametrize("demand", [poisson(20), nbinom(20, 0.5)], ids=["poisson20", "nbinom20"])
def test_discrete_optimum_whose_window_reaches_past_four_sds_is_the_brute_force_optimum(demand):
    """Large K relative to h: the optimal window of g values extends well beyond 4 sd of D_L around
    y*; the optimum must still equal an enumeration of every (r, Q) (Poisson(20), L = 2 brute force
    finds (36, 50) at 46.474)."""
    k = np.arange(400)
    pmf = demand.pmf(k)
    ltd_pmf = np.convolve(pmf, pmf)[:400]                     # demand over L = 2 periods
    lam = demand.mean()
    (r, Q), c, _ = _brute_force_discrete(ltd_pmf, lam, 1, 10, 50, range(20, 45), range(30, 80))
    res = optimize_rq(demand, 2, 1, 10, 50)
    assert (res.reorder_point, res.order_quantity) == (r, Q)
    assert abs(res.cost - c) < 1e-9
