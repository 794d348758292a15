"""casekit.framework's classical planner: forecast-updating order-up-to upstream (Chen et al. 2000),
(r, Q) optimised downstream, the refit and transport_mode levers, free-parameter validation."""

from functools import partial

import numpy as np
import pytest

from casekit import framework as fw
from casekit.cases import CasePolicy, CaseSystem, run_case


def _serial_system(days, n=4, mean=10.0, lead_up=2):
    """One upstream node serving ``n`` downstream nodes with i.i.d. (near-Poisson) daily demand."""
    return CaseSystem(
        name="toy", parent=np.zeros(n, dtype=int), mu=np.full((days, n), mean), dispersion=1e6,
        lead_dn=np.ones(n, dtype=int), lead_up_median=np.array([float(lead_up)]), lead_up_sigma=np.array([0.0]),
        h_dn=np.full(n, 0.01), h_up=np.array([0.005]), p=np.full(n, 1.0), K_dn=0.0, K_up=0.0, weight_kg=1.0,
        dist_dn=np.full(n, 10.0), dist_up=np.array([100.0]), factors={"truck": 0.1}, emergency_cost=0.0,
        emergency_mode="truck", emergency_km=np.zeros(n), dn_modes=("truck",) * n)


@pytest.mark.parametrize("cover, window", [(2, 5), (1, 8)])
def test_moving_average_order_up_to_matches_chen_drezner_ryan_simchi_levi_2000(cover, window):
    """Chen, Drezner, Ryan & Simchi-Levi (2000, Management Science 46(3)): an order-up-to level
    S_t = C·(moving average of the last p observed demands) + constant, on i.i.d. demand, gives
    Var(q) / Var(D) = 1 + 2C/p + 2C²/p² (their lower bound, an equality when the safety term is
    fixed).  Downstream nodes pass demand through ((r, Q) with Q = 1), the upstream planner reviews
    daily; the ratio is measured on 12 x 1,500 days."""
    days, n, mean = 1_600, 4, 10.0
    S = _serial_system(days, n, mean)
    r = np.full(n, 60.0)
    Q = np.ones(n)
    up = {"prior": np.array([n * mean]), "cover": np.array([float(cover)]), "const": np.array([200.0]),
          "review": 1, "window": window}
    planner = partial(fw._Planner, n=n, parent=S.parent, every=np.ones(n, int), offset=np.zeros(n, int), r=r, Q=Q,
                      up=up)
    pol = CasePolicy("chen", "rQ", r, Q, np.array([400.0]), 1, False, up_mode="truck", planner=planner)
    run = run_case(S, pol, horizon=1_500, replications=12, seed=7, warmup=50)
    tot = run.simulation.totals
    ratio = tot["orders_by_depth"][:, :, 1].var(axis=1, ddof=1).mean() / tot["demand"].var(axis=1, ddof=1).mean()
    expected = 1 + 2 * cover / window + 2 * cover ** 2 / window ** 2
    assert ratio == pytest.approx(expected, rel=0.05)


def test_static_level_passes_demand_through_with_ratio_one():
    """The same system with a very long window (the level barely moves) gives a ratio near 1 + 2C/p → 1."""
    days, n, mean = 1_600, 4, 10.0
    S = _serial_system(days, n, mean)
    r, Q = np.full(n, 60.0), np.ones(n)
    up = {"prior": np.array([n * mean]), "cover": np.array([2.0]), "const": np.array([200.0]), "review": 1,
          "window": 400}
    planner = partial(fw._Planner, n=n, parent=S.parent, every=np.ones(n, int), offset=np.zeros(n, int), r=r, Q=Q,
                      up=up)
    pol = CasePolicy("static", "rQ", r, Q, np.array([400.0]), 1, False, up_mode="truck", planner=planner)
    tot = run_case(S, pol, horizon=1_500, replications=8, seed=3, warmup=50).simulation.totals
    ratio = tot["orders_by_depth"][:, :, 1].var(axis=1, ddof=1).mean() / tot["demand"].var(axis=1, ddof=1).mean()
    assert ratio == pytest.approx(1 + 2 * 2 / 400 + 2 * 4 / 400 ** 2, rel=0.05)


def test_planner_rq_rule_orders_what_the_engines_rq_rule_orders():
    """Downstream (r, Q) through the planner's callback gives the same run as the engine's own (r, Q)."""
    days, n = 200, 3
    S = _serial_system(days, n, 5.0)
    r, Q = np.array([8.0, 10.0, 12.0]), np.array([5.0, 7.0, 9.0])
    plain = CasePolicy("rq", "rQ", r, Q, np.array([150.0]), 7, False, up_mode="truck")
    planner = partial(fw._Planner, n=n, parent=S.parent, every=np.ones(n, int), offset=np.zeros(n, int), r=r, Q=Q)
    viacb = CasePolicy("rq", "rQ", r, Q, np.array([150.0]), 7, False, up_mode="truck", planner=planner)
    a = run_case(S, plain, horizon=120, replications=3, seed=11, warmup=20).simulation.totals
    b = run_case(S, viacb, horizon=120, replications=3, seed=11, warmup=20).simulation.totals
    np.testing.assert_array_equal(a["orders_by_depth"], b["orders_by_depth"])
    np.testing.assert_array_equal(a["met"], b["met"])


def test_optimized_rq_reproduces_snyder_shen_example_5_8():
    """Snyder & Shen Example 5.8: Poisson(1.5) demand, L = 2, h = 20, p = 150, K = 100 -> r = 3, Q = 5.
    The planner's cycle-service target β prices p = h β / (1 - β): β = 150/170 gives p = 150;
    a huge k makes the negative binomial Poisson."""
    r, Q = fw.optimized_rq([1.5, 1.5], [2, 2], [20.0, 20.0], 150 / 170, 100.0, 1e9)
    assert (r.tolist(), Q.tolist()) == ([3.0, 3.0], [5.0, 5.0])


def test_optimized_rq_caps_the_lot_and_keeps_the_best_reorder_point_for_it():
    """With the lot capped, r is the best r >= 0 for the capped Q: checked by brute force over r
    (the mean is a demand-class centre, so the optimiser sees exactly this demand)."""
    from scipy import stats

    from casekit.rq import rq_cost

    m, L, h, beta, K, k = fw.RQ_CLASS_RATIO ** 7, 2, 0.002, 0.9, 12.0, 8.0
    r, Q = fw.optimized_rq([m], [L], [h], beta, K, k, max_lot_days=10)
    assert Q[0] == np.floor(10 * m) == 19
    p = h * beta / (1 - beta)
    costs = [rq_cost(rr, 19, stats.nbinom(k, k / (k + m)), L, h, p, K) for rr in range(0, 40)]
    assert r[0] == int(np.argmin(costs))


# ------------------------------------------------------------------ levers and validation

@pytest.fixture(scope="module")
def fmcg_small():
    return fw.case_system("fmcg", horizon_days=120, outlets=40, dispersion_scale=1.0, lead_time_sigma_scale=1.0)


def test_traditional_upstream_re_estimates_its_level_from_observed_orders(fmcg_small):
    p = fw.build_policy("fmcg", fmcg_small, (), ma_window=3)
    assert p.kind == "rQ" and p.planner is not None and p.up_review == 30 and not p.up_echelon
    cb = p.planner()
    assert cb.plans_upstream and cb.up["window"] == 3
    assert fw.build_policy("fmcg", fmcg_small, ["echelon_position"]).planner is None


def test_refit_lever_needs_blend_and_runs(fmcg_small):
    assert fw.resolve("fmcg", ["refit"]) == ("blend", "refit")
    cal = {**fw._DEFAULT, "ma_window": 2}
    a = fw.evaluate("fmcg", ["refit"], system=fmcg_small, horizon_days=120, replications=2, seed=5, calibration=cal,
                    recovery=False)
    b = fw.evaluate("fmcg", ["blend"], system=fmcg_small, horizon_days=120, replications=2, seed=5, calibration=cal,
                    recovery=False)
    assert not np.allclose(a.values["total_cost"], b.values["total_cost"])


def test_transport_mode_lever_chooses_per_lane_by_landed_cost(fmcg_small):
    """Independent recomputation of the landed cost for the longest lane (WH-W, 650 km truck,
    715 km rail, two more days)."""
    chosen = fw.choose_lane_modes(fmcg_small)
    assert len(chosen) == fmcg_small.m
    p = fw.build_policy("fmcg", fmcg_small, ["transport_mode"])
    assert p.info["up_modes"] == tuple(c[0] for c in chosen)
    expensive = fw.choose_lane_modes(fmcg_small, carbon_price=100.0)     # CO2 priced very high: all rail
    assert all(m == "rail" and e == 2 for m, e in expensive)


@pytest.mark.parametrize("name, value", [("service_level", 0.2), ("ma_window", 0), ("shutdown_days", 500),
                                         ("dispersion_scale", -1.0), ("max_lot_days", 1000),
                                         ("up_service_level", 0.3), ("shutdown_capacity", 0.95)])
def test_bad_input_names_the_parameter(name, value):
    lo, hi = fw.PARAMETER_RANGES[name]
    with pytest.raises(ValueError, match=rf"{name} must be .*\[{lo}, {hi}\]"):
        fw.calibrate("electronics", grid={name: (value,)}, replications=2, horizon_days=60)
    with pytest.raises(ValueError, match=name):
        fw.evaluate("electronics", (), replications=2, horizon_days=60, calibration={name: value})


def test_every_free_parameter_has_a_range_a_grid_inside_it_and_a_default():
    assert set(fw.FREE_PARAMETERS) == set(fw.PARAMETER_RANGES) == set(fw._DEFAULT)
    for name, grid in fw.FREE_PARAMETERS.items():
        lo, hi = fw.PARAMETER_RANGES[name]
        assert all(lo <= v <= hi for v in grid) and lo <= fw._DEFAULT[name] <= hi, name
    steps = np.diff(fw.FREE_PARAMETERS["service_level"])
    assert np.allclose(steps, 0.01)                                          # a continuous target: a fine grid


def test_upstream_service_level_sets_only_the_upstream_buffer_z_sigma_root_l_plus_r(fmcg_small):
    """The upstream buffer is z(β_up) σ √(L + R): for two upstream targets its ratio is the ratio of
    the standard normal quantiles (scipy), and the customer-facing (r, Q) does not move."""
    from scipy import stats

    a = fw.build_policy("fmcg", fmcg_small, (), service_level=0.9, up_service_level=0.8)
    b = fw.build_policy("fmcg", fmcg_small, (), service_level=0.9, up_service_level=0.99)
    assert np.allclose(b.info["up_buffer"] / a.info["up_buffer"], stats.norm.ppf(0.99) / stats.norm.ppf(0.8))
    assert np.array_equal(a.level, b.level) and np.array_equal(a.Q, b.Q)
    c = fw.build_policy("fmcg", fmcg_small, (), service_level=0.8)          # not given: the same target as downstream
    assert np.allclose(c.info["up_buffer"], a.info["up_buffer"]) and c.info["up_service_level"] == 0.8
    with pytest.raises(ValueError, match="up_service_level"):
        fw.build_policy("fmcg", fmcg_small, (), up_service_level=1.0)


def test_partial_shutdown_keeps_the_stated_share_of_supply(fmcg_small):
    """A shutdown that keeps half the supply is a capacity factor of 0.5 on every stopped upstream
    node over the same window; over a 40-day shutdown it meets more demand than a full stop (same
    random numbers); a share of 1 or more is refused."""
    from casekit.cases._system import case_scenario
    from casekit.simulation.scenarios import CompoundDisruption, SupplierShutdown

    sc = case_scenario(fmcg_small, "supplier_shutdown", 40, 14, 1.5, shutdown_capacity=0.5)
    (ev,) = sc.events
    assert isinstance(ev, CompoundDisruption) and ev.capacity_factor == 0.5
    assert (ev.start, ev.duration, len(ev.nodes)) == (40, 14, fmcg_small.m)
    full = case_scenario(fmcg_small, "supplier_shutdown", 40, 14, 1.5)
    assert all(isinstance(e, SupplierShutdown) for e in full.events) and len(full.events) == fmcg_small.m
    with pytest.raises(ValueError, match="shutdown_capacity"):
        case_scenario(fmcg_small, "supplier_shutdown", 40, 14, 1.5, shutdown_capacity=1.0)
    pol = fw.build_policy("fmcg", fmcg_small, (), service_level=0.9, up_service_level=0.6)
    kw = dict(horizon=120, replications=3, seed=4, warmup=56, scenario="supplier_shutdown", shutdown_start=40,
              shutdown_days=40)
    met = {c: run_case(fmcg_small, pol, shutdown_capacity=c, **kw).simulation.totals["met"].sum() for c in (0.0, 0.5)}
    assert met[0.5] > met[0.0]


def test_recovery_reason_states_the_two_modes_and_the_supply_chain_bound():
    """Electronics: the shutdown stops the overseas supplier (median lead time 28 days, its SKUs'
    downstream lead time 14 transit + 1 assembly = 15 days, casekit/datasets/electronics/suppliers.csv),
    so a dented replication needs at least 28 + 15 + 6 (the 7-day window's tail) = 49 days."""
    sysm = fw.case_system("electronics", horizon_days=60, dispersion_scale=1.0, lead_time_sigma_scale=1.0)
    targets = {"fill_rate": 91.0, "bullwhip": 1.45, "order_cycle_std": 5.8, "recovery_days": 9.0}
    meas = {**targets, "recovery_days": 15.0, "recovery_zero_share": 0.75, "recovery_positive_median": 60.0}
    txt = fw._reason("recovery_days", targets, meas, None, system=sysm)
    assert "75 % of the replications recover in 0 days" in txt and "others in 60 days (median)" in txt and "at least 28" in txt and "15 (downstream" in txt
    assert "about 49 days" in txt


def test_calibration_score_counts_a_row_by_its_tolerance_or_its_precision_whichever_is_wider():
    """Hand-computed: fill rate 1 point off with a 0.3 half-width -> 1 / (1 + 0.09); bullwhip on target;
    recovery 20 days off with a 30-day half-width -> 400 / (4 + 900)."""
    targets = {"fill_rate": 91.0, "bullwhip": 1.45, "recovery_days": 9.0}
    meas = {"fill_rate": 92.0, "fill_rate_hw": 0.3, "bullwhip": 1.45, "bullwhip_hw": 0.05,
            "recovery_days": 29.0, "recovery_days_hw": 30.0}
    assert fw._score(meas, targets) == pytest.approx(1 / 1.09 + 400 / 904)


def test_missed_target_reason_reads_the_search_trials():
    targets = {"fill_rate": 89.0, "bullwhip": 1.38, "order_cycle_std": 6.1, "recovery_days": 8.0}
    trials = [({"service_level": 0.8}, {"fill_rate": 89.2, "bullwhip": 1.10, "recovery_days": 8.5}),
              ({"service_level": 0.9}, {"fill_rate": 91.5, "bullwhip": 1.40, "recovery_days": 8.0})]
    txt = fw._reason("fill_rate", targets, {"fill_rate": 91.5}, None, trials=trials)
    assert "1 of the search's 2 trials" in txt and "service_level 0.8" in txt and "bullwhip is 1.1 (target 1.38)" in txt
    txt = fw._reason("bullwhip", targets, {"bullwhip": 1.0}, None, trials=trials[:1])
    assert "none of the search's 1 trials" in txt and "closest, 1.1" in txt


def test_stored_calibration_says_why_a_target_is_missed():
    import json

    stored = json.loads(fw.CALIBRATION_PATH.read_text())
    for case in fw.CASES:
        assert set(stored[case]["parameters"]) == set(fw.FREE_PARAMETERS)
        for row, f in stored[case]["fit"].items():
            assert f["within"] or f["reason"]
        ocs = stored[case]["fit"]["order_cycle_std"]
        if not ocs["within"]:
            assert "demand CV" in ocs["reason"]


def test_write_calibration_writes_the_file_in_one_step(tmp_path):
    import json

    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"fmcg": {"parameters": {"service_level": 0.9}}}))
    out = fw.write_calibration(path, cases=("electronics",), grid={"ma_window": (2,)}, start={"service_level": 0.9},
                               replications=2, horizon_days=60, sweeps=1)
    stored = json.loads(path.read_text())
    assert stored["electronics"]["parameters"] == out["electronics"]["parameters"]
    assert stored["fmcg"] == {"parameters": {"service_level": 0.9}}          # other cases kept
    assert [p.name for p in tmp_path.iterdir()] == ["cal.json"]              # no temporary file left
