"""Wagner–Whitin, Silver–Meal and the finite-horizon stochastic inventory DP, checked against
published answers (Snyder & Shen, *Fundamentals of Supply Chain Theory*, ch. 3 and 4, with the
values pinned by its companion library stockpyl; Wagner & Whitin 1958), brute-force enumeration of
plans and policies written out here, the newsvendor critical fractile and Veinott's myopic result."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from casekit.distributions import DiscreteDistribution
from casekit.dp import (k_convexity_violation, lot_sizing_cost, optimize_finite_horizon, silver_meal,
                        wagner_whitin)


# ------------------------------------------------------------------------------------------
# deterministic lot sizing
# ------------------------------------------------------------------------------------------

def brute_force_lot_sizing(d, K, h):
    """Cheapest plan over every set of order periods (each order covers demand up to the next one;
    an order of nothing costs nothing); costs are summed period by period, independently of casekit."""
    d, T = np.asarray(d, float), len(d)
    K = np.broadcast_to(np.asarray(K, float), (T,))
    h = np.broadcast_to(np.asarray(h, float), (T,))
    best = (math.inf, None)
    for mask in itertools.product([0, 1], repeat=T):
        starts = [t for t in range(T) if mask[t]]
        if not starts or d[:starts[0]].sum() > 0:       # demand before the first order: infeasible
            continue
        q = np.zeros(T)
        for i, j in zip(starts, starts[1:] + [T]):
            q[i] = d[i:j].sum()
        stock, cost = 0.0, 0.0
        for t in range(T):
            stock += q[t] - d[t]
            cost += (K[t] if q[t] > 0 else 0.0) + h[t] * stock
        if cost < best[0] - 1e-9:
            best = (cost, q)
    return best


def test_example_3_9_snyder_shen():
    r = wagner_whitin([90, 120, 80, 70], 500, 2)
    assert r.cost == 1380 and r.order_periods == (0, 2)
    assert r.order_quantities == (210, 0, 150, 0)
    cost, q = brute_force_lot_sizing([90, 120, 80, 70], 500, 2)
    assert cost == r.cost and tuple(q) == r.order_quantities
    assert r.to_frame()["ending_inventory"].tolist() == [120, 0, 70, 0]


def test_problem_3_27_snyder_shen():
    r = wagner_whitin([150, 100, 80, 200], 120, 0.8)
    assert abs(r.cost - 424) < 1e-9 and r.order_quantities == (150, 180, 0, 200)
    assert abs(brute_force_lot_sizing([150, 100, 80, 200], 120, 0.8)[0] - 424) < 1e-9


def test_problem_3_29_snyder_shen():
    r = wagner_whitin([730, 580, 445, 650, 880], 100, 0.1)
    assert abs(r.cost - 423) < 1e-9 and r.order_quantities == (1310, 0, 1095, 0, 880)
    assert r.order_periods == (0, 2, 4)


def test_all_scalar_instance_stockpyl_tie():
    """stockpyl's all-scalar test (5 periods of 200, K = 100, h = 0.1): cost 280.  Two plans tie at
    280 (order 400 then 600, or 600 then 400); ties go to the earlier last order, stockpyl's plan."""
    r = wagner_whitin([200] * 5, 100, 0.1)
    assert abs(r.cost - 280) < 1e-9 and r.order_quantities == (400, 0, 600, 0, 0)
    assert abs(lot_sizing_cost([600, 0, 0, 400, 0], [200] * 5, 100, 0.1) - 280) < 1e-9
    assert abs(brute_force_lot_sizing([200] * 5, 100, 0.1)[0] - 280) < 1e-9


def test_wagner_whitin_1958_example():
    """Wagner & Whitin's own 12-month example (setup costs vary by month, holding 1 per unit-month):
    optimal cost 864, ordering in months 1, 3, 5, 8, 10 and 11."""
    d = [69, 29, 36, 61, 61, 26, 34, 67, 45, 67, 79, 56]
    K = [85, 102, 102, 101, 98, 114, 105, 86, 119, 110, 98, 114]
    r = wagner_whitin(d, K, 1)
    assert r.cost == 864 and r.order_periods == (0, 2, 4, 7, 9, 10)
    cost, q = brute_force_lot_sizing(d, K, 1)             # all 2^12 sets of order periods
    assert cost == 864 and tuple(q) == r.order_quantities
    assert lot_sizing_cost(r.order_quantities, d, K, 1) == 864


def test_wagner_whitin_per_period_costs_and_zero_demand_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(25):
        T = int(rng.integers(1, 10))
        d = rng.integers(0, 50, T) * (rng.random(T) < 0.8)
        if d.sum() == 0:
            d[-1] = 5
        K, h = rng.uniform(0, 200, T), rng.uniform(0.1, 3, T)
        r = wagner_whitin(d, K, h)
        assert abs(r.cost - brute_force_lot_sizing(d, K, h)[0]) < 1e-9
        assert abs(r.cost - lot_sizing_cost(r.order_quantities, d, K, h)) < 1e-9


def test_silver_meal_example_3_9_by_hand():
    """Cost per period covered from period 0: 500, (500+240)/2 = 370, (740+320)/3 = 353.3,
    (1060+420)/4 = 370 -> stop after three periods; then 500 for the last: 1,560."""
    r = silver_meal([90, 120, 80, 70], 500, 2)
    assert r.order_periods == (0, 3) and r.order_quantities == (290, 0, 0, 70) and r.cost == 1560
    assert r.method == "silver-meal"


def test_silver_meal_never_beats_wagner_whitin():
    rng = np.random.default_rng(11)
    gaps = []
    for _ in range(40):
        T = int(rng.integers(2, 15))
        d, K, h = rng.integers(0, 100, T), rng.uniform(20, 300), rng.uniform(0.2, 2)
        if d.sum() == 0:
            continue
        sm, ww = silver_meal(d, K, h), wagner_whitin(d, K, h)
        assert sm.cost >= ww.cost - 1e-9
        assert abs(sm.cost - lot_sizing_cost(sm.order_quantities, d, K, h)) < 1e-9
        assert np.allclose(np.cumsum(sm.order_quantities)[-1], d.sum())
        gaps.append(sm.cost / ww.cost - 1)
    assert max(gaps) > 0                                   # the heuristic is not always optimal


# ------------------------------------------------------------------------------------------
# stochastic finite-horizon DP
# ------------------------------------------------------------------------------------------

def smallest_fractile(pmf, ratio):
    """Smallest integer y with P(D <= y) >= ratio, by scanning the cdf."""
    return int(np.flatnonzero(np.cumsum(pmf) >= ratio - 1e-12)[0])


def test_one_period_is_the_newsvendor_critical_fractile():
    h, p = 1.0, 4.0
    D = stats.poisson(6)
    r = optimize_finite_horizon(D, h, p, periods=1)
    d = np.arange(60)
    f = D.pmf(d)
    S = smallest_fractile(f, p / (p + h))
    assert r.order_up_to_levels == (S,) and S == 8
    newsvendor = lambda y: float(f @ (h * np.maximum(y - d, 0) + p * np.maximum(d - y, 0)))
    assert abs(r.cost - newsvendor(S)) < 1e-9
    assert abs(r.cost - 3.570107) < 5e-7                  # Snyder & Shen's Poisson newsvendor, 3.570107
    assert abs(r.cost_at(12) - newsvendor(12)) < 1e-9     # above S: no order
    assert r.order_up_to_at(12) == 12 and r.order_up_to_at(-3) == 8
    # with a purchase cost the fractile becomes (p - c)/(p + h)
    r = optimize_finite_horizon(D, h, p, periods=1, purchase_cost=2)
    assert r.order_up_to_levels == (smallest_fractile(f, (p - 2) / (p + h)),)


def policy_cost(policy, x0, pmfs, h, p, K, c, gamma, th, tp):
    """Exact expected cost of a policy {(t, x): y} by enumerating every demand path."""
    def go(t, x):
        if t == len(pmfs):
            return th * max(x, 0) + tp * max(-x, 0)
        y = policy[(t, x)]
        cost = (K[t] if y > x else 0.0) + c[t] * (y - x)
        for dem, pr in enumerate(pmfs[t]):
            if pr > 0:
                cost += pr * (h[t] * max(y - dem, 0) + p[t] * max(dem - y, 0) + gamma * go(t + 1, y - dem))
        return cost
    return go(0, x0)


def test_two_periods_against_every_policy():
    """All 7 × 7³ = 2,401 deterministic policies on a two-period instance (x_0 = 0, levels up to 6,
    demand 0, 1 or 2): the DP's cost is the least of them, and its own policy attains it."""
    pmfs = [np.array([0.2, 0.5, 0.3]), np.array([0.6, 0.1, 0.3])]
    h, p, K, c = [1.0, 2.0], [6.0, 9.0], [3.0, 1.0], [1.0, 0.5]
    gamma, th, tp = 0.9, -0.5, 4.0
    best = math.inf
    for y0 in range(0, 7):
        xs = [y0 - dem for dem in range(3)]
        for ys in itertools.product(*[range(x, 7) for x in xs]):
            policy = {(0, 0): y0, **{(1, x): y for x, y in zip(xs, ys)}}
            best = min(best, policy_cost(policy, 0, pmfs, h, p, K, c, gamma, th, tp))
    r = optimize_finite_horizon([DiscreteDistribution(f) for f in pmfs], h, p, fixed_cost=K, purchase_cost=c,
                                discount_factor=gamma, terminal_holding_cost=th, terminal_stockout_cost=tp)
    assert abs(r.cost - best) < 1e-12
    own = {(0, 0): r.order_up_to_at(0, 0)}
    own.update({(1, x): r.order_up_to_at(x, 1) for x in range(own[(0, 0)] - 2, own[(0, 0)] + 1)})
    assert abs(policy_cost(own, 0, pmfs, h, p, K, c, gamma, th, tp) - best) < 1e-12


def tree_optimum(t, x, pmfs, h, p, K, c, gamma, th, tp, top):
    """Optimal cost by plain recursion over the scenario tree, trying every order-up-to level."""
    if t == len(pmfs):
        return th * max(x, 0) + tp * max(-x, 0)
    best = math.inf
    for y in range(x, max(x, top) + 1):
        cost = (K[t] if y > x else 0.0) + c[t] * (y - x)
        for dem, pr in enumerate(pmfs[t]):
            if pr > 0:
                cost += pr * (h[t] * max(y - dem, 0) + p[t] * max(dem - y, 0)
                              + gamma * tree_optimum(t + 1, y - dem, pmfs, h, p, K, c, gamma, th, tp, top))
        best = min(best, cost)
    return best


def test_three_nonstationary_periods_against_the_scenario_tree():
    pmfs = [np.array([0.1, 0.3, 0.4, 0.2]), np.array([0.5, 0.0, 0.5]), np.array([0.0, 0.2, 0.3, 0.5])]
    h, p, K, c = [1.0, 0.5, 2.0], [5.0, 8.0, 6.0], [4.0, 0.0, 2.5], [1.0, 2.0, 0.5]
    gamma, th, tp = 0.95, 0.0, 3.0
    r = optimize_finite_horizon([DiscreteDistribution(f) for f in pmfs], h, p, fixed_cost=K, purchase_cost=c,
                                discount_factor=gamma, terminal_holding_cost=th, terminal_stockout_cost=tp,
                                initial_level=1)
    top = 1 + sum(f.size - 1 for f in pmfs)
    assert abs(r.cost - tree_optimum(0, 1, pmfs, h, p, K, c, gamma, th, tp, top)) < 1e-12
    for x in (-4, 0, 3):
        assert abs(r.cost_at(x, 1) - tree_optimum(1, x, pmfs, h, p, K, c, gamma, th, tp, top + 4)) < 1e-12


def test_myopic_base_stock_is_optimal_with_salvage_at_cost_veinott():
    """Stationary, K = 0, leftover stock valued at c at the end: the myopic level
    F⁻¹((p - (1 - γ)c)/(p + h)) is optimal in every period (Veinott 1965; Snyder & Shen §4.3),
    and the order-up-to level does not depend on the starting level below it."""
    D = stats.poisson(10)
    h, p, c, gamma = 1.0, 9.0, 2.0, 0.9
    r = optimize_finite_horizon(D, h, p, periods=8, purchase_cost=c, discount_factor=gamma,
                                terminal_holding_cost=-c, terminal_stockout_cost=c)
    S = smallest_fractile(D.pmf(np.arange(80)), (p - (1 - gamma) * c) / (p + h))
    assert r.order_up_to_levels == (S,) * 8
    st = r.structure()
    assert st["base_stock"].all() and st["orders_up_to_S_below_s"].all() and st["never_orders_above_s"].all()
    assert (st["k_convexity_violation"] <= 1e-9 * r.cost).all()
    assert all(r.order_up_to_at(x, t) == S for t in range(8) for x in range(-30, S))


def test_problem_4_29_snyder_shen_myopic_levels():
    """Problem 4.29 (T = 10, h = 1, p = 25, c = 1, K = 0, γ = 0.98, terminal h and p) with N(18, 3²)
    demand rounded to whole units.  Periods before the last: the myopic fractile (p - c + γc)/(p + h);
    last period: (p + γθ_p - c)/(p + h + γ(θ_h + θ_p)); the continuous versions are 23.279 and 22.72."""
    f = stats.norm(18, 3)
    k = np.arange(60)
    pmf = np.diff(np.concatenate([[0.0], f.cdf(k + 0.5)]))
    r = optimize_finite_horizon(f, 1, 25, periods=10, purchase_cost=1, discount_factor=0.98,
                                terminal_holding_cost=1, terminal_stockout_cost=25)
    assert r.order_up_to_levels[:9] == (smallest_fractile(pmf, (25 - 1 + 0.98) / 26),) * 9
    assert r.order_up_to_levels[9] == smallest_fractile(pmf, (25 + 0.98 * 25 - 1) / (26 + 0.98 * 26))
    assert abs(f.ppf(24.98 / 26) - 23.27904955) < 1e-7       # the continuous myopic level (stockpyl)


def test_fixed_cost_gives_s_S_and_k_convexity_problem_4_30_data():
    """Problem 4.30 (Problem 4.29 with K = 40) and a non-stationary variant: every period's optimum
    is (s_t, S_t), H_t is K-convex but not convex, and s_t < S_t - 1."""
    demand = [stats.poisson(m) for m in (8, 15, 20, 12, 6, 18)]
    for dem, kw in [(stats.norm(18, 3), dict(periods=10)), (demand, {})]:
        r = optimize_finite_horizon(dem, 1, 25, fixed_cost=40, purchase_cost=1, discount_factor=0.98,
                                    terminal_holding_cost=1, terminal_stockout_cost=25, **kw)
        st = r.structure()
        assert st["orders_up_to_S_below_s"].all() and st["never_orders_above_s"].all()
        assert not st["base_stock"].any()
        assert (st["k_convexity_violation"] <= 1e-9 * r.cost).all()
    # the value function θ_t itself is not convex with K > 0, only K-convex
    t0 = r.value[0]
    assert k_convexity_violation(t0, 0.0) > 1.0 and k_convexity_violation(t0, 40.0) <= 1e-9 * r.cost


def test_structure_check_can_fail_when_setup_costs_rise_scarf_condition():
    """Scarf's (s, S) result needs K_t >= γK_{t+1}.  With K = 0, 250, 5 it fails in period 0: from
    levels up to 6 the optimum orders up to 6, from 7 and 8 it tops up to 9 to avoid period 1's
    setup.  The plain scenario-tree recursion confirms the costs, and structure() reports it."""
    pmf = np.array([0.05, 0.0, 0.2, 0.75])
    D = DiscreteDistribution(pmf)
    h, p, K, c = [0.75] * 3, [10.0] * 3, [0.0, 250.0, 5.0], [0.0] * 3
    r = optimize_finite_horizon([D, D, D], 0.75, 10, fixed_cost=K)
    for x in range(-2, 10):
        assert abs(r.cost_at(x, 0) - tree_optimum(0, x, [pmf] * 3, h, p, K, c, 1.0, 0.0, 0.0, 9)) < 1e-12
    assert [r.order_up_to_at(x, 0) for x in range(4, 10)] == [6, 6, 6, 9, 9, 9]
    st = r.structure()
    assert not st.loc[0, "orders_up_to_S_below_s"] and st.loc[0, "k_convexity_violation"] > 1.0
    assert st.loc[1:, "orders_up_to_S_below_s"].all() and st.loc[1:, "never_orders_above_s"].all()


def test_k_convexity_violation_against_every_triple():
    """The blocked computation equals the definition checked over every triple u < z <= w."""
    def by_definition(g, K):
        worst = 0.0
        for u, z, w in itertools.combinations_with_replacement(range(len(g)), 3):
            if u < z:
                worst = max(worst, g[z] + (w - z) * (g[z] - g[u]) / (z - u) - g[w] - K)
        return worst
    rng = np.random.default_rng(5)
    for K in (0.0, 0.7, 3.0):
        g = rng.normal(size=300).cumsum()
        assert abs(k_convexity_violation(g[:40], K) - by_definition(g[:40], K)) < 1e-12
    assert k_convexity_violation((np.arange(-300, 300) / 7.0) ** 2, 0.0) <= 1e-9


def naive_dp(T, pmf, h, p, K, c, gamma, lo=-1500, hi=400):
    """Backward recursion on a wide grid, written plainly: every expectation as a matrix of
    (level, demand) pairs, every order decision by scanning min_{y >= x} H(y) level by level."""
    d = np.arange(pmf.size)
    x = np.arange(lo, hi + 1)
    V = np.zeros(x.size)                                   # no terminal cost
    s_t, S_t = [], []
    for _ in range(T):
        z = x[:, None] - d[None, :]
        slope = V[1] - V[0]
        Vz = np.where(z >= lo, V[np.clip(z - lo, 0, x.size - 1)], V[0] + slope * (z - lo))
        L = (h * np.maximum(z, 0) + p * np.maximum(-z, 0)) @ pmf
        H = c * x + L + gamma * (Vz @ pmf)
        new, s = np.empty(x.size), None
        for i in range(x.size):
            best = K + H[i:].min()
            if best < H[i] - 1e-9:
                new[i], s = best - c * x[i], int(x[i])
            else:
                new[i] = H[i] - c * x[i]
        V = new
        s_t.insert(0, s)
        S_t.insert(0, int(x[np.argmin(H)]))
    return V[-lo], tuple(s_t), tuple(S_t)


def test_period_two_pattern_in_s_t_is_real_naive_dp():
    """Poisson(50) demand, K = 100, c = 1, h = 1, p = 10, γ = 0.99, no terminal cost: s_t alternates
    between two values period after period.  A plain wide-grid recursion finds the same policy
    and cost, so the pattern belongs to the problem, not to casekit's grid."""
    D = stats.poisson(50)
    pmf = D.pmf(np.arange(200))
    pmf /= pmf.sum()
    cost, s, S = naive_dp(12, pmf, 1.0, 10.0, 100.0, 1.0, 0.99)
    r = optimize_finite_horizon(D, 1, 10, periods=12, fixed_cost=100, purchase_cost=1, discount_factor=0.99)
    assert abs(r.cost - cost) < 1e-9 * cost
    assert r.reorder_points == s and r.order_up_to_levels == S
    assert r.reorder_points[0] != r.reorder_points[1] and r.reorder_points[0] == r.reorder_points[2]


def test_long_discounted_horizon_poisson_5_settles_on_one_policy():
    """Poisson(5), K = 20, γ = 0.95 over 40 periods: the first 20 periods share one (s, S)."""
    r = optimize_finite_horizon(stats.poisson(5), 1, 10, periods=40, fixed_cost=20, discount_factor=0.95)
    assert len(set(r.order_up_to_levels[:20])) == 1 and len(set(r.reorder_points[:20])) == 1
    df = r.to_frame()
    assert list(df.columns) == ["reorder_point", "order_up_to_level"] and len(df) == 40
    pol = r.policy(0)
    assert (pol.loc[pol.index <= r.reorder_points[0], "order_up_to"] == r.order_up_to_levels[0]).all()


# ------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------

def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match=r"demand must be >= 0, got -5.0 at index 1"):
        wagner_whitin([10, -5], 100, 1)
    with pytest.raises(ValueError, match=r"horizon must be >= 1"):
        wagner_whitin([], 100, 1)
    with pytest.raises(ValueError, match=r"holding_cost must be > 0, got 0.0"):
        wagner_whitin([10, 5], 100, 0)
    with pytest.raises(ValueError, match=r"holding_cost must be > 0, got -1.0 in period 1"):
        silver_meal([10, 5], 100, [1, -1])
    with pytest.raises(ValueError, match=r"fixed_cost must be >= 0, got -100.0"):
        wagner_whitin([10, 5], -100, 1)
    with pytest.raises(ValueError, match=r"fixed_cost must be a number or have one value per period \(2\)"):
        wagner_whitin([10, 5], [1, 2, 3], 1)
    with pytest.raises(ValueError, match=r"run short in period 1"):
        lot_sizing_cost([10, 0], [10, 5], 100, 1)
    D = stats.poisson(5)
    with pytest.raises(ValueError, match=r"periods must be >= 1, got 0"):
        optimize_finite_horizon(D, 1, 10, periods=0)
    with pytest.raises(ValueError, match=r"periods is required"):
        optimize_finite_horizon(D, 1, 10)
    with pytest.raises(ValueError, match=r"horizon must be >= 1"):
        optimize_finite_horizon([], 1, 10)
    with pytest.raises(ValueError, match=r"discount_factor must be in \(0, 1\], got 1.5"):
        optimize_finite_horizon(D, 1, 10, periods=3, discount_factor=1.5)
    with pytest.raises(ValueError, match=r"discount_factor must be in \(0, 1\], got 0.0"):
        optimize_finite_horizon(D, 1, 10, periods=3, discount_factor=0)
    with pytest.raises(ValueError, match=r"holding_cost must be > 0, got 0.0"):
        optimize_finite_horizon(D, 0, 10, periods=3)
    with pytest.raises(ValueError, match=r"stockout_cost must be > 0, got -2.0 in period 2"):
        optimize_finite_horizon([D, D, D], 1, [10, 10, -2])
    with pytest.raises(ValueError, match=r"demand\[1\] key must be >= 0, got -1"):
        optimize_finite_horizon([D, {-1: 0.5, 2: 0.5}], 1, 10)
    with pytest.raises(ValueError, match=r"fixed_cost must be >= 0"):
        optimize_finite_horizon(D, 1, 10, periods=3, fixed_cost=-1)
    with pytest.raises(ValueError, match=r"terminal_holding_cost must be >= -min\(purchase_cost\)"):
        optimize_finite_horizon(D, 1, 10, periods=3, purchase_cost=1, terminal_holding_cost=-2)
    with pytest.raises(ValueError, match=r"stockout_cost in period 1 \(1.0\) must exceed"):
        optimize_finite_horizon(D, 1, 1, periods=2, purchase_cost=3)
    with pytest.raises(ValueError, match=r"needs [0-9.]+ GB of tables"):
        optimize_finite_horizon(stats.poisson(100_000), 1, 10, periods=200)
    with pytest.raises(ValueError, match=r"level must lie on the computed grid"):
        optimize_finite_horizon(D, 1, 10, periods=2).cost_at(10_000)
