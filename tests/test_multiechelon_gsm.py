"""Guaranteed-service model: Example 6.5 and brute-force enumeration on random small trees."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from casekit.multiechelon import evaluate_gsm, optimize_gsm
from casekit.network import assembly, distribution, from_edges, serial

EX_6_5_NODES = {
    1: dict(holding_cost=1, processing_time=2, external_inbound_cst=1),
    2: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=0),
    3: dict(holding_cost=2, processing_time=1),
    4: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=1),
}
EX_6_5_EDGES = [(1, 3), (3, 2), (3, 4)]


def test_example_6_5():
    r = optimize_gsm(nodes=EX_6_5_NODES, edges=EX_6_5_EDGES, demand_bound=1)
    assert r.cst == {1: 0, 2: 0, 3: 0, 4: 1}
    assert math.isclose(r.cost, 2 * math.sqrt(2) + math.sqrt(6) + 3, rel_tol=1e-12)
    assert math.isclose(r.cost, 8.277917, abs_tol=5e-7)
    assert r.net_lead_time == {1: 3, 2: 1, 3: 1, 4: 0}
    assert math.isclose(r.safety_stock[1], math.sqrt(2) * math.sqrt(3))
    # the same through a Network
    r2 = optimize_gsm(from_edges(EX_6_5_EDGES, EX_6_5_NODES), demand_bound=1)
    assert r2.cst == r.cst and math.isclose(r2.cost, r.cost)


def brute_force(nodes, edges, z):
    """Try every integer CST vector; cost computed here, not by casekit."""
    ids = list(nodes)
    sup = {i: [k for k, j in edges if j == i] for i in ids}
    sd = {}

    def sigma(i):
        if i not in sd:
            own = nodes[i].get("demand_sd", 0.0) ** 2
            sd[i] = math.sqrt(own + sum(sigma(j) ** 2 for k, j in edges if k == i))
        return sd[i]

    horizon = sum(n["processing_time"] for n in nodes.values()) + max(n.get("external_inbound_cst", 0)
                                                                      for n in nodes.values())
    best = (math.inf, None)
    for combo in itertools.product(range(int(horizon) + 1), repeat=len(ids)):
        S = dict(zip(ids, combo))
        total, ok = 0.0, True
        for i in ids:
            n = nodes[i]
            if "demand_sd" in n and S[i] > n.get("external_outbound_cst", 0):
                ok = False
                break
            si = max(S[k] for k in sup[i]) if sup[i] else n.get("external_inbound_cst", 0)
            nlt = si + n["processing_time"] - S[i]
            if nlt < 0:
                ok = False
                break
            zi = z[i] if isinstance(z, dict) else z
            total += n["holding_cost"] * zi * sigma(i) * math.sqrt(nlt)
        if ok and total < best[0]:
            best = (total, S)
    return best


def random_tree(rng, n):
    edges = []
    for i in range(2, n + 1):
        j = int(rng.integers(1, i))
        edges.append((j, i) if rng.random() < 0.5 else (i, j))
    has_customer = {k for k, _ in edges}
    nodes = {}
    for i in range(1, n + 1):
        d = dict(holding_cost=float(rng.integers(1, 5)), processing_time=int(rng.integers(0, 3)),
                 external_inbound_cst=int(rng.integers(0, 2)))
        if i not in has_customer:
            d.update(demand_mean=10.0, demand_sd=float(rng.integers(1, 4)),
                     external_outbound_cst=int(rng.integers(0, 2)))
        nodes[i] = d
    return nodes, edges


@pytest.mark.parametrize("seed", range(8))
def test_dynamic_programme_matches_brute_force_on_random_trees(seed):
    rng = np.random.default_rng(seed)
    nodes, edges = random_tree(rng, int(rng.integers(3, 6)))
    expected, _ = brute_force(nodes, edges, 1.645)
    got = optimize_gsm(nodes=nodes, edges=edges, demand_bound=1.645)
    assert math.isclose(got.cost, expected, rel_tol=1e-9, abs_tol=1e-12)
    # and the CSTs it returns do cost what it says
    assert math.isclose(evaluate_gsm(nodes=nodes, edges=edges, cst=got.cst, demand_bound=1.645).cost, got.cost)


def test_lane_lead_time_and_fractional_times():
    # serial 2 -> 1 with a 1-period lane: stage 1's inbound CST = S_2 + 1
    net = from_edges([(2, 1, {"lead_time": 1})],
                     {2: dict(holding_cost=1, processing_time=2),
                      1: dict(holding_cost=2, processing_time=1, demand_mean=5, demand_sd=2)})
    r = optimize_gsm(net, demand_bound=2)
    # options: S_2 = 0 -> 1·2·2·√2 + 2·2·2·√2 ; S_2 = 2 -> 2·2·2·√4 = 16; pick the cheaper
    assert math.isclose(r.cost, min(4 * math.sqrt(2) + 8 * math.sqrt(2), 16.0))
    half = from_edges([(2, 1)], {2: dict(holding_cost=1, processing_time=0.5),
                                 1: dict(holding_cost=3, processing_time=0.5, demand_mean=5, demand_sd=1)})
    r = optimize_gsm(half, demand_bound=1)
    assert math.isclose(r.cost, min(math.sqrt(0.5) + 3 * math.sqrt(0.5), 3 * math.sqrt(1.0)))


def test_builders_work_with_the_gsm():
    assert optimize_gsm(serial([1, 1, 1], [1, 1, 1], 10, stats.norm(10, 2))).cost > 0
    assert optimize_gsm(distribution(1, 2, 2, 1, stats.norm(10, 3), 20, n_retailers=3)).cost > 0
    r = optimize_gsm(assembly(10, 1, [2, 3], [4, 2], stats.norm(20, 5), 50, units_per_parent=[2, 1]))
    assert set(r.cst) == {1, 2, 3}


def test_bad_input():
    with pytest.raises(ValueError, match=r"stage \d: network must be a tree.*close a loop"):
        optimize_gsm(nodes={1: dict(holding_cost=1), 2: dict(holding_cost=1),
                            3: dict(holding_cost=2, demand_mean=1, demand_sd=1)},
                     edges=[(1, 3), (2, 3), (1, 2)])
    with pytest.raises(ValueError, match=r"node 2: unknown attribute"):
        optimize_gsm(nodes={2: dict(holding_cost=1, demand_mean=1, demand_sd=1, colour=1)}, edges=[])
    with pytest.raises(ValueError, match=r"stage 3: holding_cost must be >= 0"):
        optimize_gsm(nodes={**EX_6_5_NODES, 3: dict(holding_cost=-1, processing_time=1)}, edges=EX_6_5_EDGES)
    with pytest.raises(ValueError, match=r"demand_bound must give z for every stage, missing \[3, 4\]"):
        optimize_gsm(nodes=EX_6_5_NODES, edges=EX_6_5_EDGES, demand_bound={1: 1, 2: 1})
    with pytest.raises(ValueError, match=r"demand_bound\[2\] must be >= 0"):
        optimize_gsm(nodes=EX_6_5_NODES, edges=EX_6_5_EDGES, demand_bound={1: 1, 2: -1, 3: 1, 4: 1})
    with pytest.raises(ValueError, match=r"demand_bound names unknown stage"):
        optimize_gsm(nodes=EX_6_5_NODES, edges=EX_6_5_EDGES, demand_bound={1: 1, 2: 1, 3: 1, 4: 1, 9: 1})
    with pytest.raises(ValueError, match="demand_bound must be >= 0"):
        optimize_gsm(nodes=EX_6_5_NODES, edges=EX_6_5_EDGES, demand_bound=-1)
    with pytest.raises(ValueError, match=r"stage 2: cst 1 exceeds its external_outbound_cst 0"):
        evaluate_gsm(nodes=EX_6_5_NODES, edges=EX_6_5_EDGES, cst={1: 0, 2: 1, 3: 0, 4: 0})
    with pytest.raises(ValueError, match=r"stage 3: cst 5 exceeds inbound CST"):
        evaluate_gsm(nodes=EX_6_5_NODES, edges=EX_6_5_EDGES, cst={1: 0, 2: 0, 3: 5, 4: 0})


def test_compare_placement_uniform_buffers_every_stage():
    from casekit.multiechelon import compare_placement
    from casekit.multiechelon.examples import example_6_5

    c = compare_placement(example_6_5(), demand_bound=1)
    # uniform: internal stages quote 0 (node 1 covers 1 + 2 periods, node 3 covers 1); node 2 must
    # quote 0 (covers 1 period); node 4 may quote 1 = its inbound 0 + processing 1, so holds nothing
    expected_uniform = 1 * math.sqrt(2) * math.sqrt(3) + 2 * math.sqrt(2) * 1 + 3 * 1 + 0
    assert math.isclose(c.uniform.cost, expected_uniform)
    assert math.isclose(c.optimal.cost, 2 * math.sqrt(2) + math.sqrt(6) + 3)
    assert math.isclose(c.cost_saving, 1 - c.optimal.cost / expected_uniform)
    # a looser service commitment to customers can only lower the optimal cost
    looser = compare_placement(example_6_5(), demand_bound=1, customer_cst=2)
    assert looser.optimal.cost <= c.optimal.cost


# ---------------------------------------------------------------------------------------------
# cases from stockpyl's test suite (Snyder & Shen instances)
# ---------------------------------------------------------------------------------------------

def hand_cost(nodes, edges, cst, z):
    """sum_i h_i z_i sigma_i sqrt(SI_i + T_i - S_i), computed here from the CSTs (not by casekit)."""
    sup = {i: [k for k, j in edges if j == i] for i in nodes}
    cus = {i: [j for k, j in edges if k == i] for i in nodes}

    def sigma(i):
        return math.sqrt(nodes[i].get("demand_sd", 0.0) ** 2 + sum(sigma(j) ** 2 for j in cus[i]))

    total = 0.0
    for i, n in nodes.items():
        si = max(cst[k] for k in sup[i]) if sup[i] else n.get("external_inbound_cst", 0)
        zi = z[i] if isinstance(z, dict) else z
        total += n["holding_cost"] * zi * sigma(i) * math.sqrt(si + n["processing_time"] - cst[i])
    return total


CAMERA_T = [2, 3, 2, 4, 2, 3, 6, 4, 3, 2]
CAMERA_H = [0.01, 0.03, 0.04, 0.06, 0.12, 0.13, 0.20, 0.08, 0.04, 0.50]
CAMERA_EDGES = [(1, 2), (2, 3), (3, 5), (4, 5), (5, 6), (7, 10), (6, 10), (8, 10), (9, 10)]


def camera(customer_cst, internal_demand=False):
    nodes = {i + 1: dict(holding_cost=CAMERA_H[i], processing_time=CAMERA_T[i]) for i in range(10)}
    nodes[10].update(demand_mean=0, demand_sd=10, external_outbound_cst=customer_cst)
    if internal_demand:                       # how exports write internal stages
        for i in range(1, 10):
            nodes[i].update(demand_mean=0, demand_sd=0)
    return nodes


@pytest.mark.parametrize("customer_cst,cost,cst", [
    (2, 18.8240044725922, {1: 0, 2: 3, 3: 5, 4: 4, 5: 7, 6: 0, 7: 0, 8: 0, 9: 0, 10: 2}),
    (5, 12.4686888061037, {1: 0, 2: 3, 3: 5, 4: 4, 5: 0, 6: 3, 7: 3, 8: 3, 9: 3, 10: 5}),
    (8, 3.25788236403285, {1: 0, 2: 3, 3: 1, 4: 1, 5: 3, 6: 6, 7: 6, 8: 4, 9: 3, 10: 8}),
    (12, 0.232617430735335, {1: 0, 2: 3, 3: 5, 4: 4, 5: 7, 6: 10, 7: 6, 8: 4, 9: 3, 10: 12}),
])
def test_figure_6_14_camera(customer_cst, cost, cst):
    """stockpyl's test_figure_6_14 (and _s5, _s8, _s12): the digital-camera network of S&S
    Figure 6.14, z = 1.645 (0.95 quantile), sigma = 10 at the final stage."""
    z = stats.norm.ppf(0.95)
    r = optimize_gsm(nodes=camera(customer_cst), edges=CAMERA_EDGES, demand_bound=z)
    assert r.cst == cst
    assert math.isclose(r.cost, cost, rel_tol=1e-11)
    assert math.isclose(hand_cost(camera(customer_cst), CAMERA_EDGES, r.cst, z), cost, rel_tol=1e-11)


def test_figure_6_14_internal_stages_with_zero_demand_are_internal():
    """Internal stages given demand_mean=0, demand_sd=0 (an export format) are not customer-facing:
    the camera network with s = 5 still costs 12.469, not 22.316 (all internal CSTs forced to 0)."""
    z = stats.norm.ppf(0.95)
    r = optimize_gsm(nodes=camera(5, internal_demand=True), edges=CAMERA_EDGES, demand_bound=z)
    assert math.isclose(r.cost, 12.4686888061037, rel_tol=1e-11)
    assert r.cst[5] == 0 and r.cst[6] == 3


def test_problem_6_9():
    """stockpyl's test_problem_6_9 and its two variants (z = 4 at every stage, given per stage)."""
    h = {1: 220, 2: 140, 3: 90, 4: 5, 5: 20, 6: 7.5}
    T = {1: 7, 2: 7, 3: 21, 4: 3, 5: 8, 6: 2}
    edges = [(6, 5), (4, 3), (5, 3), (3, 1), (3, 2)]

    def nodes(s1, s2):
        n = {i: dict(holding_cost=h[i] * 0.2 / 365, processing_time=T[i]) for i in h}
        n[1].update(demand_mean=22.0, demand_sd=4.1, external_outbound_cst=s1)
        n[2].update(demand_mean=15.3, demand_sd=6.2, external_outbound_cst=s2)
        return n

    z = {i: 4 for i in h}
    for (s1, s2), cost, cst in [((3, 3), 15.649530249501, {1: 3, 2: 3, 3: 0, 4: 0, 5: 0, 6: 2}),
                                ((0, 7), 13.121240238718, {1: 0, 2: 7, 3: 0, 4: 0, 5: 0, 6: 2}),
                                ((21, 5), 10.5811190103555, {1: 7, 2: 5, 3: 0, 4: 0, 5: 0, 6: 2})]:
        r = optimize_gsm(nodes=nodes(s1, s2), edges=edges, demand_bound=z)
        assert r.cst == cst
        assert math.isclose(r.cost, cost, rel_tol=1e-10)
        assert math.isclose(hand_cost(nodes(s1, s2), edges, cst, 4), cost, rel_tol=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_per_stage_demand_bound_and_zero_holding_cost_by_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    nodes, edges = random_tree(rng, int(rng.integers(3, 6)))
    z = {i: float(rng.choice([0.0, 1.0, 1.645, 2.33])) for i in nodes}
    for i in nodes:                           # about a third of the stages hold stock for free
        if rng.random() < 0.35:
            nodes[i]["holding_cost"] = 0.0
    expected, _ = brute_force(nodes, edges, z)
    got = optimize_gsm(nodes=nodes, edges=edges, demand_bound=z)
    assert math.isclose(got.cost, expected, rel_tol=1e-9, abs_tol=1e-12)
    assert got.demand_bound == z
    assert math.isclose(hand_cost(nodes, edges, got.cst, z), got.cost, rel_tol=1e-9, abs_tol=1e-12)
