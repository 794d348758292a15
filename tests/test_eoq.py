"""EOQ family, checked against published answers (Snyder & Shen, *Fundamentals of Supply Chain Theory*,
ch. 3, with the values pinned by its companion library stockpyl; Nahmias, *Production and Operations
Analysis*) and against independent computations: numerical minimisation of the cost written out
here, and brute force over integer order quantities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from casekit.eoq import (POWER_OF_TWO_BOUND, eoq, eoq_all_units_discount, eoq_cost, eoq_cost_ratio,
                         eoq_incremental_discount, eoq_with_backorders, eoq_with_backorders_cost, epq,
                         power_of_two, power_of_two_items)


def numeric_min(f, lo, hi):
    """Minimise a unimodal f on [lo, hi] with scipy's bounded Brent search (tolerance 1e-10)."""
    res = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    return res.x, res.fun


# ----------------------------------------------------------------------------------- EOQ

def test_example_3_1_snyder_shen():
    """Example 3.1: K = 8, h = 0.75 × 0.3, λ = 1300; printed Q* = 304.1, g* = 68.4."""
    r = eoq(8, 0.75 * 0.3, 1300)
    q_num, g_num = numeric_min(lambda q: 8 * 1300 / q + 0.225 * q / 2, 1, 5000)
    assert abs(r.order_quantity - q_num) < 1e-4          # the flat minimum limits Brent's accuracy in Q
    assert abs(r.cost - g_num) < 1e-9
    assert abs(r.order_quantity - math.sqrt(2 * 8 * 1300 / 0.225)) < 1e-9
    assert abs(r.order_quantity - 304.0467800264368) < 1e-9      # stockpyl's pinned value
    assert abs(r.cost - 68.41052550594829) < 1e-9
    # printed g* = 68.4 is the exact value to its digits; printed Q* = 304.1 is not: Q* = 304.0468
    # is 304.0 to one decimal, and 304.1 comes from rounding twice (304.0468 -> 304.05 -> 304.1)
    assert round(r.cost, 1) == 68.4
    assert round(r.order_quantity, 1) == 304.0 and round(r.order_quantity, 2) == 304.05
    assert 0.05 < 304.1 - r.order_quantity < 0.06
    assert abs(r.cycle_length - r.order_quantity / 1300) < 1e-15
    # the best whole-number order is 304 units, and it costs less than 1e-5 more
    q = np.arange(1, 2000)
    assert q[np.argmin(eoq_cost(q, 8, 0.225, 1300))] == 304
    assert 0 < eoq_cost(304, 8, 0.225, 1300) - r.cost < 1e-5


def test_problem_3_1_snyder_shen():
    r = eoq(2250, 275, 500 * 365)
    assert abs(r.order_quantity - 1728.109844993551) < 1e-9
    assert abs(r.cost - 475230.2073732266) < 1e-6
    assert abs(r.cost - r.cost_at(r.order_quantity)) < 1e-6


def test_flat_cost_curve_section_3_2_sensitivity():
    """g(Q)/g(Q*) = (Q/Q* + Q*/Q)/2 (Snyder & Shen eq. for EOQ sensitivity), checked pointwise."""
    r = eoq(8, 0.225, 1300)
    q = np.linspace(50, 1500, 300)
    ratio = eoq_cost(q, 8, 0.225, 1300) / r.cost
    assert np.allclose(ratio, 0.5 * (q / r.order_quantity + r.order_quantity / q), rtol=1e-12)
    assert np.allclose(eoq_cost_ratio(q / r.order_quantity), ratio, rtol=1e-12)
    assert abs(eoq_cost_ratio(1.5) - 13 / 12) < 1e-15         # 50 % too much costs 8.3 % more
    assert r.to_frame().loc["order_quantity", "value"] == r.order_quantity


# ------------------------------------------------------------------------- backorders

def brute_force_eoqb(K, h, p, lam):
    """Minimise g(Q, x) = h(1-x)^2 Q/2 + p x^2 Q/2 + K lam / Q numerically in two variables."""
    g = lambda v: h * (1 - v[1]) ** 2 * v[0] / 2 + p * v[1] ** 2 * v[0] / 2 + K * lam / v[0]
    res = optimize.minimize(g, x0=[100.0, 0.5], method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20000})
    return res.x, res.fun


def test_example_3_8_snyder_shen():
    """Example 3.8: Example 3.1 with p = 5; printed Q* = 310.8, x* = 0.043, g* = 66.9."""
    r = eoq_with_backorders(8, 0.225, 5, 1300)
    (q, x), g = brute_force_eoqb(8, 0.225, 5, 1300)
    assert abs(r.order_quantity - q) < 1e-4 and abs(r.backorder_fraction - x) < 1e-7
    assert abs(r.cost - g) < 1e-9
    assert abs(r.order_quantity - 310.8125551589646) < 1e-9
    assert abs(r.backorder_fraction - 0.043062200956938) < 1e-12
    assert abs(r.cost - 66.921363550973254) < 1e-9
    assert round(r.order_quantity, 1) == 310.8 and round(r.cost, 1) == 66.9
    assert abs(r.max_backorders + r.max_inventory - r.order_quantity) < 1e-9
    assert abs(r.cost_at(r.order_quantity, r.backorder_fraction) - r.cost) < 1e-9


def test_problem_3_2_b_snyder_shen():
    r = eoq_with_backorders(40, 165 * 0.17 + 12, 60, 40 * 52)
    assert abs(r.order_quantity - 83.235448128898042) < 1e-9
    assert abs(r.backorder_fraction - 0.400299850074962) < 1e-12
    assert abs(r.cost - 1999.148244415212) < 1e-8


def test_backorders_tend_to_plain_eoq_as_stockout_cost_grows():
    plain, b = eoq(8, 0.225, 1300), eoq_with_backorders(8, 0.225, 1e9, 1300)
    assert abs(b.order_quantity - plain.order_quantity) < 1e-4 and b.backorder_fraction < 1e-9


# ------------------------------------------------------------------------- discounts

NAHMIAS = dict(fixed_cost=8, demand_rate=600, breakpoints=[0, 500, 1000], unit_costs=[0.30, 0.29, 0.28])


def all_units_cost(q, K, lam, b, c, i):
    j = np.searchsorted(b, q, side="right") - 1
    price = np.asarray(c)[j]
    return price * lam + K * lam / q + i * price * q / 2


def incremental_cost(q, K, lam, b, c, i):
    b, c = np.asarray(b, float), np.asarray(c, float)
    units = np.clip(q[:, None] - b[None, :], 0, np.append(np.diff(b), np.inf)[None, :])
    purchase = units @ c                                   # C(Q), unit by unit
    return lam * purchase / q + K * lam / q + i * purchase / 2


def test_example_4_4_nahmias_all_units():
    """Trash bags: EOQs printed 400, 406, 414 (406 and 414 not realizable); G(400) = 204.00,
    G(500) = 198.10, G(1000) = 200.80; order 500.  The printed EOQs are truncated, not rounded:
    the 29¢ EOQ is sqrt(2·8·600/0.058) = 406.84."""
    r = eoq_all_units_discount(**NAHMIAS, holding_rate=0.2)
    assert r.order_quantity == 500 and r.region == 1 and r.unit_cost == 0.29
    assert abs(r.cost - 198.10) < 1e-9 and round(r.cost, 2) == 198.10
    t = r.to_frame()
    assert list(np.floor(t["eoq"]).astype(int)) == [400, 406, 414]       # as printed
    assert abs(t.loc[1, "eoq"] - math.sqrt(2 * 8 * 600 / 0.058)) < 1e-12 and round(t.loc[1, "eoq"]) == 407
    assert list(t["realizable"]) == [True, False, False]
    assert np.allclose(t["cost"], [204.0, 198.1, 200.8], atol=1e-9)
    # brute force over whole numbers of bags
    q = np.arange(1, 5001, dtype=float)
    costs = all_units_cost(q, 8, 600, [0, 500, 1000], [0.30, 0.29, 0.28], 0.2)
    assert q[np.argmin(costs)] == 500 and abs(costs.min() - r.cost) < 1e-9
    assert np.allclose(r.cost_at(q), costs, rtol=1e-13)
    assert r.cost_at(499.999) > r.cost_at(500)                # the price break makes the curve jump


def test_all_units_optimum_inside_the_cheapest_region():
    """When the cheapest price's EOQ is realizable it is optimal (brute force agrees to 1e-4)."""
    r = eoq_all_units_discount(100, 10000, [0, 200, 600], [5.0, 4.8, 4.7], holding_rate=0.25)
    q_eoq = math.sqrt(2 * 100 * 10000 / (0.25 * 4.7))
    assert r.region == 2 and abs(r.order_quantity - q_eoq) < 1e-9
    q = np.arange(1, 5000, 0.01)
    costs = all_units_cost(q, 100, 10000, [0, 200, 600], [5.0, 4.8, 4.7], 0.25)
    assert 0 <= costs.min() - r.cost < 1e-6


def test_incremental_discount_brute_force_nahmias_data():
    """The trash-bag prices applied incrementally: the brute-force optimum over whole numbers is
    400 bags at 204.00, matching the region-0 EOQ; region 1's EOQ (518.6) is realizable but dearer."""
    r = eoq_incremental_discount(**NAHMIAS, holding_rate=0.2)
    q = np.arange(1, 5001, dtype=float)
    costs = incremental_cost(q, 8, 600, [0, 500, 1000], [0.30, 0.29, 0.28], 0.2)
    assert q[np.argmin(costs)] == 400 and abs(costs.min() - r.cost) < 1e-9
    assert np.allclose(r.cost_at(q), costs, rtol=1e-13)
    assert abs(r.cost_at(500 - 1e-9) - r.cost_at(500)) < 1e-6   # continuous at the breakpoint
    assert r.region == 0 and abs(r.order_quantity - 400) < 1e-9
    t = r.to_frame()
    assert bool(t.loc[1, "realizable"]) and abs(t.loc[1, "eoq"] - math.sqrt(2 * (8 + 5) * 600 / 0.058)) < 1e-9
    # the curve is continuous, so the table's costs match the brute force at their own Q
    for j in range(3):
        qj = t.loc[j, "best_order_quantity"]
        assert abs(t.loc[j, "cost"] - incremental_cost(np.array([qj]), 8, 600, [0, 500, 1000],
                                                       [0.30, 0.29, 0.28], 0.2)[0]) < 1e-9


def test_incremental_discount_with_a_large_order_optimal():
    """A steep discount pushes the optimum into the last region; fine brute force within 1e-6."""
    args = dict(fixed_cost=200, demand_rate=5000, breakpoints=[0, 100, 300], unit_costs=[10, 8, 6])
    r = eoq_incremental_discount(**args, holding_cost=0.5, holding_rate=0.1)
    q = np.arange(1, 4000, 0.01)
    c = incremental_cost(q, 200, 5000, [0, 100, 300], [10, 8, 6], 0.1) + 0.5 * q / 2
    assert r.region == 2 and abs(q[np.argmin(c)] - r.order_quantity) < 0.02
    assert 0 <= c.min() - r.cost < 1e-6


# ------------------------------------------------------------------------- EPQ

def test_problem_3_22_snyder_shen_epq():
    r = epq(4, 0.08, 80, 110)
    assert abs(r.order_quantity - 171.2697677155351) < 1e-9
    assert abs(r.cost - 3.736794931975310) < 1e-12
    q_num, g_num = numeric_min(lambda q: 4 * 80 / q + 0.08 * (1 - 80 / 110) * q / 2, 1, 2000)
    assert abs(r.order_quantity - q_num) < 1e-5 and abs(r.cost - g_num) < 1e-12
    assert abs(r.max_inventory - r.order_quantity * 30 / 110) < 1e-12


def test_example_3_1_with_production_rate_2000_stockpyl():
    """stockpyl's EPQ test: Example 3.1's data with μ = 2000."""
    r = epq(8, 0.225, 1300, 2000)
    assert abs(r.order_quantity - 513.9328595516969) < 1e-9
    assert abs(r.cost - 40.472212689696120) < 1e-9


# ------------------------------------------------------------------------- power of two

def test_power_of_two_brute_force_over_exponents_and_the_1_06_bound():
    rng = np.random.default_rng(7)
    for _ in range(200):
        K, h, lam, base = rng.uniform(1, 500), rng.uniform(0.01, 10), rng.uniform(1, 1e4), rng.uniform(0.001, 2)
        r = power_of_two(K, h, lam, base)
        ks = np.arange(-60, 61)
        T = base * 2.0 ** ks
        costs = K / T + h * lam * T / 2
        assert abs(r.cost - costs.min()) <= 1e-12 * costs.min()
        assert r.cost_ratio <= POWER_OF_TWO_BOUND + 1e-12
        assert abs(r.optimal_cost - eoq(K, h, lam).cost) < 1e-9 * r.optimal_cost


def test_power_of_two_worst_case_attains_the_bound():
    """T* = √2 × base: both neighbours cost (1/√2 + √2)/2 = 1.06066 times g* (Roundy's bound)."""
    K, h, lam = 1.0, 1.0, 1.0            # T* = √2
    r = power_of_two(K, h, lam, base_period=1.0)
    assert abs(r.cost_ratio - (1 / math.sqrt(2) + math.sqrt(2)) / 2) < 1e-12
    assert round(POWER_OF_TWO_BOUND, 4) == 1.0607


def test_power_of_two_items_round_each_item_on_the_common_base():
    K, h, lam = [8, 50, 3], [0.225, 1.0, 2.0], [1300, 200, 40]
    r = power_of_two_items(K, h, lam, base_period=1 / 52)
    for n in range(3):
        single = power_of_two(K[n], h[n], lam[n], base_period=1 / 52)
        assert r.exponent[n] == single.exponent and abs(r.cost[n] - single.cost) < 1e-12
    assert r.cost_ratio <= POWER_OF_TWO_BOUND and len(r.to_frame()) == 3


# ------------------------------------------------------------------------- bad input

def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match=r"fixed_cost must be > 0, got 0"):
        eoq(0, 0.225, 1300)
    with pytest.raises(ValueError, match=r"holding_cost must be > 0, got -1"):
        eoq(8, -1, 1300)
    with pytest.raises(ValueError, match=r"demand_rate must be > 0, got -5"):
        eoq(8, 0.225, -5)
    with pytest.raises(TypeError, match=r"fixed_cost must be a real number"):
        eoq("banana", 0.225, 1300)
    with pytest.raises(ValueError, match=r"order_quantity must be > 0"):
        eoq_cost([10, 0], 8, 0.225, 1300)
    with pytest.raises(ValueError, match=r"stockout_cost must be > 0"):
        eoq_with_backorders(8, 0.225, 0, 1300)
    with pytest.raises(ValueError, match=r"backorder_fraction must be between 0 and 1"):
        eoq_with_backorders_cost(300, 1.2, 8, 0.225, 5, 1300)
    with pytest.raises(ValueError, match=r"production_rate must exceed demand_rate"):
        epq(8, 0.225, 1300, 1300)
    with pytest.raises(ValueError, match=r"breakpoints must be strictly increasing, got 400.0 at index 2"):
        eoq_all_units_discount(8, 600, [0, 500, 400], [0.3, 0.29, 0.28], holding_rate=0.2)
    with pytest.raises(ValueError, match=r"breakpoints must be >= 0"):
        eoq_all_units_discount(8, 600, [0, -500, 1000], [0.3, 0.29, 0.28], holding_rate=0.2)
    with pytest.raises(ValueError, match=r"breakpoints must start at 0"):
        eoq_incremental_discount(8, 600, [100, 500], [0.3, 0.29], holding_rate=0.2)
    with pytest.raises(ValueError, match=r"unit_costs must have one price per breakpoint"):
        eoq_all_units_discount(8, 600, [0, 500], [0.3, 0.29, 0.28], holding_rate=0.2)
    with pytest.raises(ValueError, match=r"unit_costs must not increase"):
        eoq_all_units_discount(8, 600, [0, 500], [0.3, 0.31], holding_rate=0.2)
    with pytest.raises(ValueError, match=r"holding_cost and holding_rate are both 0"):
        eoq_all_units_discount(8, 600, [0, 500], [0.3, 0.29])
    with pytest.raises(ValueError, match=r"base_period must be > 0"):
        power_of_two(8, 0.225, 1300, base_period=0)
    with pytest.raises(ValueError, match=r"one value per item"):
        power_of_two_items([8, 9], [1.0], [100, 200])
