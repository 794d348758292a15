"""Two-stage stochastic stock positioning: the extensive form against brute force, SAA bounds, VSS, EVPI.

Expected values come from an independent computation written here: every first-stage decision
enumerated, each scenario's second stage solved as its own dense LP (scipy ``linprog``).
"""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from casekit.stochastic import (Design, Scenarios, StockPositioningInstance, chapter_example, evaluate_design,
                                saa_gap, sample_scenarios, solve_extensive, value_of_information)


def tiny_instance():
    return StockPositioningInstance(
        fixed_cost=np.array([100.0, 60.0]), holding_cost=np.array([1.0, 1.5]), module=10.0,
        max_modules=np.array([3, 2]), transport_cost=np.array([[1.0, 4.0], [5.0, 1.0]]),
        penalty=np.array([12.0, 15.0]), demand_mean=np.array([15.0, 12.0]), demand_cv=np.array([0.4, 0.5]),
        disruption_prob=np.array([0.1, 0.3]), lead_time_mean=np.array([8.0, 5.0]),
        lead_time_cv=np.array([0.5, 0.5]), resupply_rate=np.array([0.5, 0.4]), period=10.0, name="tiny")


def finite_distribution():
    """Six atoms with unequal probabilities."""
    demand = np.array([[10, 5], [20, 15], [15, 25], [30, 10], [5, 20], [25, 25]], float)
    available = np.array([[1, 1], [1, 0], [0, 1], [1, 1], [1, 1], [1, 0]], float)
    resupply = np.array([[2, 1], [0, 3], [4, 0], [1, 1], [0, 0], [3, 2]], float)
    prob = np.array([0.25, 0.15, 0.1, 0.2, 0.2, 0.1])
    return Scenarios(demand, available, resupply, prob)


def second_stage_by_lp(inst, open_, modules, d, a, q):
    """One scenario's recourse cost as a dense LP: variables x_ij (row-major) then shortages s_j."""
    m, n = inst.m, inst.n
    c = np.concatenate([inst.transport_cost.ravel(), inst.penalty])
    a_eq = np.zeros((n, m * n + n))
    a_ub = np.zeros((m, m * n + n))
    for i in range(m):
        for j in range(n):
            a_eq[j, i * n + j] = 1.0
            a_ub[i, i * n + j] = 1.0
    for j in range(n):
        a_eq[j, m * n + j] = 1.0
    cap = a * (inst.module * modules + q * open_)
    res = linprog(c, A_ub=a_ub, b_ub=cap, A_eq=a_eq, b_eq=d, bounds=(0, None), method="highs")
    assert res.status == 0
    return res.fun


def brute_force(inst, sc):
    best = (np.inf, None)
    ranges = [range(0, int(k) + 1) for k in inst.max_modules]
    for open_ in itertools.product([0, 1], repeat=inst.m):
        for modules in itertools.product(*ranges):
            open_a, mod_a = np.array(open_), np.array(modules)
            if (mod_a > inst.max_modules * open_a).any():
                continue
            first = inst.fixed_cost @ open_a + inst.holding_cost @ (inst.module * mod_a)
            rec = sum(sc.prob[w] * second_stage_by_lp(inst, open_a, mod_a, sc.demand[w], sc.available[w],
                                                       sc.resupply[w]) for w in range(len(sc)))
            if first + rec < best[0]:
                best = (first + rec, (open_a, mod_a))
    return best


def test_extensive_form_equals_brute_force_enumeration():
    inst = tiny_instance()
    sc = sample_scenarios(inst, 8, seed=3)
    value, (open_, modules) = brute_force(inst, sc)
    sol = solve_extensive(inst, sc)
    assert sol.proven_optimal
    assert sol.objective == pytest.approx(value, rel=1e-7)
    assert np.array_equal(sol.design.open, open_) and np.array_equal(sol.design.modules, modules)


def test_extensive_form_on_finite_distribution_equals_brute_force():
    inst = tiny_instance()
    sc = finite_distribution()
    value, _ = brute_force(inst, sc)
    assert solve_extensive(inst, sc).objective == pytest.approx(value, rel=1e-7)


def test_evaluate_design_matches_per_scenario_lps():
    inst = chapter_example()
    sc = sample_scenarios(inst, 15, seed=4)
    design = Design(np.array([1, 0, 1]), np.array([5, 0, 3]))
    expected = [second_stage_by_lp(inst, design.open, design.modules, sc.demand[w], sc.available[w],
                                   sc.resupply[w]) for w in range(15)]
    assert np.allclose(evaluate_design(inst, design, sc), expected, rtol=1e-8, atol=1e-7)


def test_vss_and_evpi_nonnegative_and_ordered():
    v = value_of_information(tiny_instance(), 12, seed=5)
    assert v.vss >= -1e-7 and v.evpi >= -1e-7
    assert v.ws <= v.rp + 1e-7 <= v.eev + 2e-7
    v2 = value_of_information(chapter_example(), 12, seed=6)
    assert v2.vss >= -1e-7 and v2.evpi >= -1e-7


def test_saa_lower_interval_contains_true_optimum_of_finite_distribution():
    inst = tiny_instance()
    dist = finite_distribution()
    true_opt, _ = brute_force(inst, dist)
    res = saa_gap(inst, n_scenarios=25, replications=10, n_evaluation=4000, distribution=dist, seed=11)
    assert res.lower_ci[0] <= true_opt <= res.lower_ci[1]
    assert res.lower_ci[0] <= true_opt <= res.upper_ci[1]    # the gap interval brackets the optimum
    assert res.upper_ci[1] >= true_opt


def test_saa_is_seeded():
    a = saa_gap(tiny_instance(), 5, 3, 200, seed=7)
    b = saa_gap(tiny_instance(), 5, 3, 200, seed=7)
    assert np.array_equal(a.replication_optima, b.replication_optima) and a.upper == b.upper


@pytest.mark.parametrize("kw, name", [({"n_scenarios": 1}, "n_scenarios"), ({"replications": 1}, "replications"),
                                      ({"n_evaluation": 1}, "n_evaluation")])
def test_sample_size_below_two_names_parameter(kw, name):
    with pytest.raises(ValueError, match=name):
        saa_gap(tiny_instance(), **kw, seed=0)


def test_value_of_information_sample_size_below_two():
    with pytest.raises(ValueError, match="n_scenarios"):
        value_of_information(tiny_instance(), 1, seed=0)


def test_too_large_extensive_form_refused_with_size():
    with pytest.raises(ValueError, match=r"variables"):
        solve_extensive(chapter_example(), sample_scenarios(chapter_example(), 4000, seed=0))


def test_bad_instance_shape_names_parameter():
    with pytest.raises(ValueError, match="transport_cost"):
        StockPositioningInstance(**{**tiny_instance().__dict__, "transport_cost": np.ones((3, 2))})


def test_too_large_samples_refused_up_front_naming_parameter():
    with pytest.raises(ValueError, match=r"n_scenarios=5000 is too large.*variables"):
        saa_gap(chapter_example(), n_scenarios=5000, seed=0)
    with pytest.raises(ValueError, match=r"n_evaluation=10000000 is too large.*variables"):
        saa_gap(chapter_example(), n_evaluation=10_000_000, seed=0)


def test_saa_accepts_generator_and_seed_sequence():
    a = saa_gap(tiny_instance(), 4, 2, 50, seed=np.random.SeedSequence(9))
    b = saa_gap(tiny_instance(), 4, 2, 50, seed=np.random.SeedSequence(9))
    assert a.upper == b.upper
    saa_gap(tiny_instance(), 4, 2, 50, seed=np.random.default_rng(1))


# ----------------------------------------------------------------------------- place_stock, the lever's entry
from casekit.stochastic import place_stock  # noqa: E402


def test_place_stock_one_node_is_the_saa_newsvendor():
    """Lead time = period: nothing is resupplied, so the stock S minimises h S + p mean((D_w - S)+)
    over the sampled demands, found here by trying every whole S."""
    h, p = 1.0, 4.0
    res = place_stock([10.0], [h], [p], demand_cv=0.3, lead_time_mean=5.0, n_scenarios=40, seed=3)
    d = res.scenarios.demand[:, 0]
    S = np.arange(0, int(d.max()) + 2)
    cost = h * S + p * np.maximum(d[None, :] - S[:, None], 0).mean(axis=1)
    assert res.proven_optimal and res.period == 5.0
    assert res.stock[0] == S[np.argmin(cost)]
    assert res.objective == pytest.approx(cost.min(), rel=1e-9)


def test_place_stock_two_nodes_with_transfers_equals_enumeration():
    res = place_stock([4.0, 2.0], [1.0, 1.5], [6.0, 9.0], demand_cv=0.5, lead_time_mean=[2.0, 3.0],
                      lead_time_cv=0.4, disruption_prob=[0.1, 0.2], transfer_cost=0.5, module=5.0,
                      n_scenarios=10, seed=8, nodes=("DC1", "DC2"))
    inst, sc = res.instance, res.scenarios
    best = np.inf
    for k in itertools.product(*[range(0, int(km) + 1) for km in inst.max_modules]):
        design = Design(np.ones(2, dtype=int), np.array(k))
        best = min(best, design.first_stage_cost(inst) + float(sc.prob @ evaluate_design(inst, design, sc)))
    assert res.objective == pytest.approx(best, rel=1e-8)
    assert list(res.to_frame().index) == ["DC1", "DC2"] and (res.stock % 5 == 0).all()


@pytest.mark.parametrize("kw, name", [({"n_scenarios": 1}, "n_scenarios"), ({"holding_cost": [1.0, 2.0]}, "holding_cost"),
                                      ({"demand_cv": -0.1}, "demand_cv"), ({"module": 0}, "module"),
                                      ({"nodes": ("a", "b")}, "nodes")])
def test_place_stock_bad_input_names_the_parameter(kw, name):
    args = {"demand_mean": [5.0], "holding_cost": [1.0], "shortage_cost": [3.0], "seed": 0, **kw}
    with pytest.raises(ValueError, match=name):
        place_stock(**args)
