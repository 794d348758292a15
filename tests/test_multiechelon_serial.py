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
    with pytest.raises(ValueError, match="multiples of 1/1000"):
        evaluate_serial(net, [9.123456789, 15, 26])


def test_casekit_discrete_distribution_is_accepted():
    from casekit.distributions import DiscreteDistribution

    dd = DiscreteDistribution.from_scipy(stats.poisson(5))
    r = optimize_serial(serial(**EX_6_1, demand=dd))
    assert r.base_stock == (9, 15, 26)
    assert math.isclose(r.cost, enumerate_cost([9, 15, 26], [3, 2, 2], [1, 1, 2], 37.12, 5), rel_tol=1e-8)
    sim = simulate_serial(serial(**EX_6_1, demand=dd), r.base_stock, n_periods=2000, n_reps=8, seed=1,
                          confidence=0.999)
    assert sim.ci_low <= r.cost <= sim.ci_high


# ---------------------------------------------------------------------------------------------
# cases from stockpyl's test suite (Snyder & Shen instances), expected values independent
# ---------------------------------------------------------------------------------------------

def test_zero_leadtime_stockpyl_issue_173():
    """stockpyl's test_zero_leadtime: two stages, both lead times 0, N(50, 10) demand.  With
    nothing to cover, S* = (0, 0) and the cost is 0 (every order arrives at once)."""
    r = optimize_serial(serial([1, 1], [0, 0], 2, stats.norm(50, 10)))
    assert r.base_stock == (0.0, 0.0) and r.cost == 0.0
    r = optimize_serial(serial([3, 2, 2], [0, 0, 0], 37.12, stats.poisson(5)))
    assert r.base_stock == (0.0, 0.0, 0.0) and r.cost == 0.0


def test_one_zero_leadtime_stockpyl_against_closed_form():
    """stockpyl's test_one_zero_leadtime (L = (0, 1), N(50, 10), echelon h = (1, 1), p = 2), solved
    by hand: b = p + h_1 + h_2 = 4, Ĉ_1(x) = x + 4 max(-x, 0) is least at S_1 = 0 (cost 0), so
    C_1(x) = 3 max(-x, 0) and Ĉ_2(x) = x + 3 max(-x, 0) = (x)^+ + 2 (-x)^+: stage 2 is a newsvendor
    on N(50, 10) with h = 1, p = 2, S_2 = F^-1(2/3), cost from the normal loss closed form."""
    r = optimize_serial(serial([1, 1], [0, 1], 2, stats.norm(50, 10)))
    assert r.base_stock[0] == 0.0
    s2 = stats.norm(50, 10).ppf(2 / 3)
    assert abs(r.base_stock[1] - s2) < 1e-3
    assert math.isclose(r.cost, newsvendor_cost_normal(1, 2, 50, 10, s2), rel_tol=1e-5)


def test_problem_6_2b_shang_song_unrounded_for_discrete_demand():
    """stockpyl's newsvendor-heuristic test for Problem 6.2(b) (Poisson(64), L = 0.5 each): the
    unrounded levels are (41, 74.5, 110, 143, 175.5); casekit evaluates them exactly (grid of step
    1/2), checked by direct enumeration."""
    net = serial(**PROB_6_2, demand=stats.poisson(64))
    r = shang_song(net, rounding=None)
    assert np.allclose(r.base_stock, [41, 74.5, 110, 143, 175.5], atol=1e-9)
    assert r.step == 0.5
    exact = enumerate_cost(list(r.base_stock), [2, 2, 1, 1, 1], [0.5] * 5, 24, 64)
    assert math.isclose(r.cost, exact, rel_tol=1e-9)


def test_fractional_levels_with_discrete_demand_are_evaluated_exactly():
    net = serial(**EX_6_1, demand=stats.poisson(5))
    for S in ([9.5, 15, 26], [9, 15.4, 26.8], [8.25, 14.75, 25.5]):
        got = evaluate_serial(net, S).cost
        assert math.isclose(got, enumerate_cost(S, [3, 2, 2], [1, 1, 2], 37.12, 5), rel_tol=1e-9)


def test_example_6_1_uniform_shang_song_levels_are_exact_quantiles():
    """stockpyl's test_example_6_1_uniform (newsvendor heuristic): uniform demand on 5 -+ sqrt(3).
    The levels are averages of quantiles of sums of 1, 2 and 4 uniforms, computed here from the
    Irwin–Hall cdf (a closed form, independent of casekit).  stockpyl's S_3 = 22.668511750026827
    agrees to 1e-9."""
    from scipy import optimize, special

    lo, width = 5 - math.sqrt(3), 2 * math.sqrt(3)

    def irwin_hall_ppf(q, n):
        cdf = lambda t: sum((-1) ** k * special.comb(n, k) * (t - k) ** n
                            for k in range(int(math.floor(t)) + 1)) / math.factorial(n)
        return n * lo + width * optimize.brentq(lambda t: cdf(t) - q, 0, n, xtol=1e-14)

    h, L, p = [3, 2, 2], [1, 1, 2], 37.12
    expected = []
    for j in range(3):
        pj, n = p + sum(h[j + 1:]), sum(L[:j + 1])
        expected.append(0.5 * irwin_hall_ppf(pj / (pj + h[j]), n) + 0.5 * irwin_hall_ppf(pj / (p + sum(h)), n))
    r = shang_song(serial(h, L, p, stats.uniform(lo, width)))
    assert np.allclose(r.base_stock, expected, atol=1e-9, rtol=0)
    assert abs(r.base_stock[2] - 22.668511750026827) < 1e-9


def test_quantile_of_a_two_period_lognormal_sum_against_adaptive_quadrature():
    from scipy import integrate, optimize

    from casekit.multiechelon._demand import quantile

    ln = stats.lognorm(0.6, scale=4)
    cdf2 = lambda x: integrate.quad(lambda u: ln.pdf(u) * ln.cdf(x - u), 0, x, epsabs=1e-14,
                                    epsrel=1e-13, limit=400)[0]
    expected = optimize.brentq(lambda x: cdf2(x) - 0.9, 1, 60, xtol=1e-12)
    assert abs(quantile(ln, 2, 0.9) - expected) < 1e-8
    with pytest.raises(ValueError, match="lead_time 5"):
        quantile(ln, 5, 0.9)


def test_a_grid_too_fine_is_refused_up_front_with_its_size():
    import time

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"step=1e-07 needs a grid of about .* GB"):
        optimize_serial(serial(**EX_6_1, demand=stats.norm(5, 1)), step=1e-7)
    assert time.perf_counter() - t0 < 30.0   # refused before allocating, not after
