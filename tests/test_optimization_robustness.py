"""Table 2's robustness and scalability columns: designs under disruption, the two-stage stochastic
design, runtime-growth fits and the large-instance benchmark file.

Expected values are worked out by hand (the three-facility instance below) or computed
independently with scipy's ``linprog`` and brute-force enumeration of every open set.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from casekit.optimization import (
    DisruptionScenarios, FacilityLocationInstance, compare_robustness, default_penalty, disruption_scenarios,
    evaluate_robustness, fit_runtime_growth, generate_instance, load_orlib_cap, load_table2_large,
    solve_milp, solve_stochastic_design,
)
from casekit.optimization import comparison


def hand_instance(capacity=12.0):
    """Two customers (demand 4, 8), three facilities (fixed 5, 8, 6); c_ij for all of j's demand."""
    return FacilityLocationInstance([capacity] * 3, [5, 8, 6], [4, 8], [[1, 9], [6, 2], [4, 4]], name="hand")


def scipy_disrupted_cost(inst, y, factors, penalty):
    """Independent: fixed cost + min sum c x + p sum d u over x in [0, y], u >= 0 (scipy's HiGHS)."""
    m, n = inst.m, inst.n
    cost = np.concatenate([inst.cost.ravel(), penalty * inst.demand])
    a_eq = np.hstack([np.tile(np.eye(n), m), np.eye(n)])
    a_ub = np.hstack([np.kron(np.eye(m), inst.demand[None, :]), np.zeros((m, n))])
    bounds = [(0, float(y[i])) for i in range(m) for _ in range(n)] + [(0, None)] * n
    res = linprog(cost, A_ub=a_ub, b_ub=inst.capacity * factors * y, A_eq=a_eq, b_eq=np.ones(n),
                  bounds=bounds, method="highs")
    assert res.status == 0
    return float(inst.fixed_cost @ y + res.fun)


# ------------------------------------------------------------------ single failures, by hand

def test_hand_instance_single_failures_percent_increase():
    # design {0, 1}: undisrupted 5 + 8 + 1 + 2 = 16; facility 0 fails -> facility 1 serves both,
    # 13 + 6 + 2 = 21 (+31.25 %); facility 1 fails -> facility 0 serves both, 13 + 1 + 9 = 23 (+43.75 %)
    r = evaluate_robustness(hand_instance(), [1, 1, 0])
    assert r.nominal_cost == pytest.approx(16.0)
    assert r.costs.tolist() == pytest.approx([21.0, 23.0])
    assert r.pct_increase.tolist() == pytest.approx([31.25, 43.75])
    assert r.mean_pct == pytest.approx(37.5) and r.worst_pct == pytest.approx(43.75)
    assert r.unserved.tolist() == [0.0, 0.0]
    assert r.labels == ("facility 0 fails", "facility 1 fails")


def test_hand_instance_unserved_demand_at_the_stated_penalty():
    # capacity 10, p = 10 per unit.  Facility 0 fails: facility 1 takes customer 1 (8 units, 2) and
    # 2 units of customer 0 (half of 6 = 3), 2 units unserved (20): 13 + 25 = 38 (+137.5 %).
    # Facility 1 fails: facility 0 takes customer 0 (1) and 6 of customer 1's 8 units (0.75 * 9 =
    # 6.75), 2 units unserved (20): 13 + 27.75 = 40.75 (+154.6875 %).
    r = evaluate_robustness(hand_instance(10.0), [1, 1, 0], penalty=10.0)
    assert r.nominal_cost == pytest.approx(16.0)
    assert r.costs.tolist() == pytest.approx([38.0, 40.75])
    assert r.unserved.tolist() == pytest.approx([2.0, 2.0])
    assert r.pct_increase.tolist() == pytest.approx([137.5, 154.6875])


def test_default_penalty_is_twice_the_dearest_delivery_per_unit():
    # per-unit costs c_ij / d_j: 1/4, 9/8, 6/4, 2/8, 4/4, 4/8 -> dearest 1.5 -> p = 3
    assert default_penalty(hand_instance()) == pytest.approx(3.0)


def test_a_spare_facility_loses_less_than_none():
    inst = hand_instance()
    lean, spare = evaluate_robustness(inst, [1, 1, 0]), evaluate_robustness(inst, [1, 1, 1])
    # spare: 19 + 3 = 22; fail 0 -> 19 + 4 + 2 = 25; fail 1 -> 19 + 1 + 4 = 24; fail 2 -> 22
    assert spare.costs.tolist() == pytest.approx([25.0, 24.0, 22.0])
    assert spare.mean_pct < lean.mean_pct and spare.worst_pct < lean.worst_pct
    assert spare.worst_pct == pytest.approx(300 / 22)


def test_spare_capacity_never_raises_the_flow_cost_under_the_same_shocks():
    inst = load_orlib_cap("cap81")
    best = solve_milp(inst)
    y = best.open
    extra = y.copy()
    extra[np.flatnonzero(~y)[0]] = True
    sc = disruption_scenarios(inst, "shock", n_scenarios=15, shock_range=(0.4, 1.0), failure_prob=0.1, seed=3)
    a, b = evaluate_robustness(inst, y, sc), evaluate_robustness(inst, extra, sc)
    assert a.nominal_cost == pytest.approx(838499.288, rel=1e-9)       # cap81's published optimum
    flows_a = a.costs - inst.fixed_cost @ y
    flows_b = b.costs - inst.fixed_cost @ extra
    assert (flows_b <= flows_a + 1e-6 * flows_a).all()
    assert (b.unserved <= a.unserved + 1e-6).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_scenario_costs_match_an_independent_scipy_lp(seed):
    inst = generate_instance(5, 9, capacity_ratio=1.4, fixed_cost=3000.0, seed=seed)
    y = np.array([1, 1, 0, 1, 1], dtype=bool)
    sc = disruption_scenarios(inst, "shock", n_scenarios=6, shock_range=(0.3, 0.9), failure_prob=0.2, seed=seed)
    p = 0.5 * default_penalty(inst)
    r = evaluate_robustness(inst, y, sc, penalty=p)
    expected = [scipy_disrupted_cost(inst, y, a, p) for a in sc.factors]
    assert r.costs == pytest.approx(expected, rel=1e-7)
    assert r.nominal_cost == pytest.approx(scipy_disrupted_cost(inst, y, np.ones(5), p), rel=1e-7)


# ------------------------------------------------------------------ the two-stage stochastic design

def test_stochastic_design_equals_brute_force_enumeration():
    inst = generate_instance(5, 8, capacity_ratio=1.8, fixed_cost=2500.0, seed=4)
    sc = disruption_scenarios(inst, "shock", n_scenarios=4, shock_range=(0.3, 1.0), failure_prob=0.25, seed=7)
    p = default_penalty(inst)
    best = min((sum(pw * scipy_disrupted_cost(inst, np.array(y, float), a, p)
                    for pw, a in zip(sc.prob, sc.factors)), y)
               for y in itertools.product((0, 1), repeat=inst.m) if any(y))
    res = solve_stochastic_design(inst, sc, time_limit=60)
    assert res.proven_optimal
    assert res.objective == pytest.approx(best[0], rel=1e-6)
    assert res.lower_bound <= res.objective * (1 + 1e-6)


def test_stochastic_design_beats_the_deterministic_optimum_in_sample():
    inst = hand_instance()
    sc = DisruptionScenarios([[1, 1, 1], [1, 1, 0]], [0.5, 0.5])
    det = solve_milp(inst)
    assert det.open.tolist() == [False, False, True]           # 6 + 4 + 4 = 14 undisrupted
    sp = solve_stochastic_design(inst, sc)
    assert sp.open.tolist() == [True, False, False] and sp.objective == pytest.approx(15.0)
    assert evaluate_robustness(inst, det, sc).mean_cost == pytest.approx(28.0)   # (14 + 6 + 3 * 12) / 2


# ------------------------------------------------------------------ seeds, comparison, bad input

def test_same_seed_same_scenarios_and_costs():
    inst = load_orlib_cap("cap41")
    a = disruption_scenarios(inst, "shock", n_scenarios=5, failure_prob=0.1, seed=11)
    b = disruption_scenarios(inst, "shock", n_scenarios=5, failure_prob=0.1, seed=11)
    c = disruption_scenarios(inst, "shock", n_scenarios=5, failure_prob=0.1, seed=12)
    assert np.array_equal(a.factors, b.factors) and not np.array_equal(a.factors, c.factors)
    y = solve_milp(inst).open
    assert np.array_equal(evaluate_robustness(inst, y, a).costs, evaluate_robustness(inst, y, b).costs)
    assert ((a.factors >= 0.5) | (a.factors == 0)).all() and (a.factors <= 1).all()


def test_compare_robustness_rows_and_shared_designs():
    inst = hand_instance()
    sc = DisruptionScenarios([[1, 1, 1], [1, 1, 0]], [0.5, 0.5], labels=("calm", "facility 2 down"))
    df = compare_robustness(inst, {"A": [1, 1, 0], "B": np.array([True, True, False]), "C": [0, 0, 1]},
                            {"single": "single", "two": sc})
    assert list(df["design"]) == ["A", "A", "B", "B", "C", "C"]
    a, b = df[df.design == "A"].reset_index(drop=True), df[df.design == "B"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns="design"), b.drop(columns="design"))
    row = df[(df.design == "A") & (df.scenarios == "single")].iloc[0]
    assert row.mean_pct == pytest.approx(37.5) and row.nominal_vs_best_pct == pytest.approx(100 * 2 / 14)


def test_bad_input_names_the_parameter():
    inst = hand_instance()
    with pytest.raises(ValueError, match="kind must be one of 'single', 'shock'; got 'flood'"):
        disruption_scenarios(inst, "flood")
    for bad in [(0.0, 1.0), (0.5, 1.2), (0.8, 0.5), (-0.1, 0.5)]:
        with pytest.raises(ValueError, match=r"shock_range must be a pair \(low, high\) with 0 < low <= high <= 1"):
            disruption_scenarios(inst, "shock", shock_range=bad)
    with pytest.raises(ValueError, match="failure_prob must be in"):
        disruption_scenarios(inst, "shock", failure_prob=1.0)
    with pytest.raises(ValueError, match="design opens no facility"):
        evaluate_robustness(inst, [0, 0, 0])
    with pytest.raises(ValueError, match="design opens no facility"):
        disruption_scenarios(inst, "single", design=[0, 0, 0])
    with pytest.raises(ValueError, match=r"design must have one 0/1 entry per facility \(3\)"):
        evaluate_robustness(inst, [1, 1])
    with pytest.raises(ValueError, match="design must hold 0/1"):
        evaluate_robustness(inst, [1, 0.5, 0])
    with pytest.raises(ValueError, match="scenarios must be DisruptionScenarios or 'single', got 'double'"):
        evaluate_robustness(inst, [1, 1, 0], "double")
    with pytest.raises(ValueError, match="penalty must be > 0"):
        evaluate_robustness(inst, [1, 1, 0], penalty=0)
    with pytest.raises(ValueError, match="factors must be in"):
        DisruptionScenarios([[1, 2, 1]], [1.0])
    with pytest.raises(ValueError, match="prob must sum to 1"):
        DisruptionScenarios([[1, 1, 1], [0, 1, 1]], [0.5, 0.6])
    with pytest.raises(ValueError, match=r"one capacity factor per facility \(3\)"):
        evaluate_robustness(inst, [1, 1, 0], DisruptionScenarios([[1, 1]], [1.0]))
    big = load_orlib_cap("cap131")
    with pytest.raises(ValueError, match=r"would have 1,275,050 variables"):
        solve_stochastic_design(big, disruption_scenarios(big, "shock", n_scenarios=500, seed=0))
    with pytest.raises(ValueError, match="designs must name at least one design"):
        compare_robustness(inst, {}, {"single": "single"})


# ------------------------------------------------------------------ scalability fit

def test_runtime_growth_fit_recovers_an_exact_power_law():
    sizes = np.array([16 * 50, 25 * 50, 50 * 50, 100 * 1000])
    df = pd.DataFrame({"method": "x", "m": sizes, "n": 1, "runtime_s": 2e-4 * sizes ** 1.25})
    fit = fit_runtime_growth(df).loc["x"]
    assert fit.exponent == pytest.approx(1.25, abs=1e-12) and fit.intercept == pytest.approx(np.log(2e-4))
    assert fit.ci_low == pytest.approx(1.25, abs=1e-9) and fit.ci_high == pytest.approx(1.25, abs=1e-9)


def test_runtime_growth_interval_covers_the_true_exponent_about_95_percent_of_the_time():
    rng = np.random.default_rng(2024)
    sizes = np.repeat([800.0, 2500.0, 100_000.0], 2)      # the ladder cap41 -> cap131 -> capa/b/c, twice
    reps = 400
    t = 0.01 * sizes ** 0.8 * np.exp(rng.normal(0, 0.3, (reps, sizes.size)))
    df = pd.DataFrame({"method": np.repeat(np.arange(reps), sizes.size), "m": np.tile(sizes, reps), "n": 1,
                       "runtime_s": t.ravel()})
    fit = fit_runtime_growth(df)
    hits = int(((fit.ci_low <= 0.8) & (0.8 <= fit.ci_high)).sum())
    estimates = fit.exponent
    assert 0.91 <= hits / 400 <= 0.99          # binomial(400, 0.95): sd 0.011
    assert np.mean(estimates) == pytest.approx(0.8, abs=0.02)


def test_runtime_growth_per_method_and_too_few_points():
    df = pd.DataFrame({"method": ["a", "a", "b", "b", "b"], "m": [16, 50, 16, 50, 100], "n": [50, 50, 50, 50, 1000],
                       "runtime_s": [0.1, 1.0, 0.2, 0.3, 5.0]})
    fit = fit_runtime_growth(df)
    assert list(fit.index) == ["a", "b"]
    assert fit.loc["a", "exponent"] == pytest.approx(np.log(10) / np.log(2500 / 800))
    assert np.isnan(fit.loc["a", "ci_low"]) and fit.loc["b", "points"] == 3
    with pytest.raises(ValueError, match="runtime_s must hold positive finite seconds"):
        fit_runtime_growth(df.assign(runtime_s=0.0))
    with pytest.raises(ValueError, match="missing m"):
        fit_runtime_growth(df.drop(columns="m"))


# ------------------------------------------------------------------ the large-instance file

LARGE = """# Table 2 on Beasley's capa/capb/capc (100 x 1,000)
# date: 2026-12-02T04:00Z; machine: test box, 2 cores
# command: python benchmarks/bench_table2.py
instance,capacity,method,objective,proven_optimal,runtime_s
capa,8000,milp,19240822.449,True,120.5
capa,8000,ga,19300000.0,False,40.0
capb,5000,hybrid,13656379.578,True,90.25
capc,5000,benders,11646596.974,False,600
"""


def test_load_table2_large_reads_rows_header_and_sizes(tmp_path):
    path = tmp_path / "table2_large.csv"
    path.write_text(LARGE, encoding="utf-8")
    df = load_table2_large(path)
    assert list(df.columns[:6]) == ["instance", "capacity", "method", "objective", "proven_optimal", "runtime_s"]
    assert df["proven_optimal"].tolist() == [True, False, True, False]
    assert df["runtime_s"].tolist() == [120.5, 40.0, 90.25, 600.0]
    assert df["row"].tolist() == ["MILP", "GA", "MILP + GA hybrid", "Benders"]
    assert (df["m"] == 100).all() and (df["n"] == 1000).all()
    assert df.attrs["header"][1] == "date: 2026-12-02T04:00Z; machine: test box, 2 cores"


def test_load_table2_large_absent_and_malformed(tmp_path, monkeypatch):
    monkeypatch.setattr(comparison, "TABLE2_LARGE_PATH", tmp_path / "nowhere.csv")
    assert load_table2_large() is None
    with pytest.raises(FileNotFoundError, match="no large-instance Table 2 file"):
        load_table2_large(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text(LARGE.replace("runtime_s\n", "seconds\n"), encoding="utf-8")
    with pytest.raises(ValueError, match="columns must be exactly instance, capacity, method"):
        load_table2_large(bad)
    bad.write_text(LARGE.replace("capa,8000,ga", "capa,8000,tabu"), encoding="utf-8")
    with pytest.raises(ValueError, match="method must be one of milp, ga, hybrid, benders; got 'tabu'"):
        load_table2_large(bad)
    bad.write_text(LARGE.replace("True,120.5", "True,-1"), encoding="utf-8")
    with pytest.raises(ValueError, match="runtime_s must hold a positive number, got '-1'"):
        load_table2_large(bad)
    bad.write_text(LARGE.replace("False,40.0", "maybe,40.0"), encoding="utf-8")
    with pytest.raises(ValueError, match="proven_optimal must hold True/False, got 'maybe'"):
        load_table2_large(bad)
    bad.write_text(LARGE.replace("capc,5000", "capz,5000"), encoding="utf-8")
    with pytest.raises(ValueError, match="got 'capz'"):
        load_table2_large(bad)


# ------------------------------------------------------------------ verdicts beside the paper

def test_table2_verdicts_against_the_papers_rows():
    from casekit.optimization import table2_verdicts
    m = pd.DataFrame({
        "runtime_vs_milp": [1.0, 0.2, 0.9, np.nan], "training_vs_execution": [np.nan, np.nan, np.nan, 2.3],
        "pct_of_optimal": [100.0, 93.5, 100.0, 92.0],
        "robustness_mean_pct": [5.0, 3.0, 5.0, np.nan], "robustness_worst_pct": [9.0, 8.0, 9.0, np.nan],
        "exponent": [2.0, 1.0, 2.5, np.nan], "exponent_low": [1.8, 0.9, 1.5, np.nan],
        "exponent_high": [2.2, 1.1, 3.5, np.nan]},
        index=["MILP", "GA", "MILP + GA Hybrid", "Simulation + RL Hybrid"])
    v = table2_verdicts(m)
    verdict = v.xs("verdict", axis=1, level=1)
    # paper: GA 25/180 = 0.14x, hybrid 60/180 = 0.33x; 0.2 is within a factor 2, 0.9 is not but < 1
    assert verdict["runtime"].tolist() == ["reference", "reproduced", "same direction", "same direction"]
    # paper: 100, 93, 98, 96
    assert verdict["% of optimal"].tolist() == ["reproduced", "reproduced", "opposite", "same direction"]
    # paper: Medium, High, Very High -> GA and hybrid more robust than MILP
    assert verdict["robustness"].tolist() == ["reference", "same direction", "no difference measured", "not measured"]
    # paper: Low, High, Medium-High -> both scale better than MILP
    assert verdict["scalability"].tolist() == ["reference", "same direction", "opposite (intervals overlap)",
                                               "not measured"]
    assert v.loc["GA", ("runtime", "paper")] == "25 min (0.14x MILP)"
    assert v.loc["Simulation + RL Hybrid", ("runtime", "paper")].endswith("(training / execution 6x)")
    with pytest.raises(ValueError, match="must have a 'MILP' row"):
        table2_verdicts(m.drop(index="MILP"))
    with pytest.raises(ValueError, match="got 'Tabu'"):
        table2_verdicts(m.rename(index={"GA": "Tabu"}))


def test_compare_methods_keeps_each_design_and_runs_each_method_once_per_instance():
    from casekit.optimization import compare_methods, default_methods
    inst = generate_instance(5, 10, capacity_ratio=1.6, fixed_cost=3000.0, seed=2)
    methods = default_methods(time_limit=5, generations=3, population=6)
    first = methods["MILP"](inst)
    frame = compare_methods([inst], methods)
    assert methods["MILP"](inst) is first
    row = frame[frame.method == "MILP"].iloc[0]
    assert row.open.dtype == bool and np.array_equal(row.open, first.open)
    assert row.objective == pytest.approx(inst.fixed_cost @ row.open + comparison_transport(inst, row.open))


def comparison_transport(inst, y):
    """Independent Q(y) with scipy, no unserved demand allowed."""
    m, n = inst.m, inst.n
    a_eq = np.tile(np.eye(n), m)
    a_ub = np.kron(np.eye(m), inst.demand[None, :])
    bounds = [(0, float(y[i])) for i in range(m) for _ in range(n)]
    res = linprog(inst.cost.ravel(), A_ub=a_ub, b_ub=inst.capacity * y, A_eq=a_eq, b_eq=np.ones(n),
                  bounds=bounds, method="highs")
    return float(res.fun)
