"""casekit.simulation: both engines against theory, against each other, and their bookkeeping.

Expected values come from the literature (Snyder & Shen's published costs) or from direct
scipy sums of textbook formulas, never from the simulators."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.stats import norm, poisson

from casekit.multiechelon import evaluate_serial
from casekit.network import Lane, Network, Stage, assembly, distribution, serial
from casekit.policies import RQ, SS, BaseStock, EchelonBaseStock, ForecastOrderUpTo
from casekit.simulation import KPI_NAMES, Expedite, SimulationConfig, simulate
from casekit.simulation.optimize import neighbourhood, paired_difference, screen, tune
from casekit.simulation.scenarios import (CompoundDisruption, DemandSpike, PortCongestion, Scenario,
                                          SupplierShutdown, TransportDisruption, library)

EX61 = dict(echelon_holding_cost=[3, 2, 2], lead_time=[1, 1, 2], stockout_cost=37.12)


def _in_ci(res, value, kpi="cost_per_period"):
    s = res.summary().loc[kpi]
    return s["ci_low"] <= value <= s["ci_high"], (s["ci_low"], s["mean"], s["ci_high"])


# --------------------------------------------------------------------------------------------
# against theory
# --------------------------------------------------------------------------------------------

def _newsvendor_poisson(h, p, lam):
    """Optimal base stock and cost by direct sums over the Poisson pmf (independent of casekit)."""
    k = np.arange(0, 200)
    pmf = poisson.pmf(k, lam)
    costs = [(h * np.maximum(S - k, 0) + p * np.maximum(k - S, 0)) @ pmf for S in range(40)]
    S = int(np.argmin(costs))
    return S, costs[S]


@pytest.mark.parametrize("engine, periods, reps", [("fast", 4000, 20), ("des", 1500, 8)])
def test_one_stage_newsvendor_poisson6(engine, periods, reps):
    # echelon holding cost 1, lead time 1, stockout cost 4, Poisson(6): exact newsvendor cost 3.5701
    S, cost = _newsvendor_poisson(1, 4, 6)
    assert S == 8 and round(cost, 4) == 3.5701
    net = serial([1], [1], 4, poisson(6))
    res = simulate(net, EchelonBaseStock([S]), periods, reps, seed=2, engine=engine, warmup=10)
    ok, ci = _in_ci(res, 3.5701)
    assert ok, ci


@pytest.mark.parametrize("engine, periods, reps", [("fast", 3000, 20), ("des", 1500, 8)])
def test_example_6_1_poisson_clark_scarf_optimum(engine, periods, reps):
    # Snyder & Shen Example 6.1 with Poisson(5) demand: S* = (9, 15, 26), published cost 72.04
    net = serial(demand=poisson(5), **EX61)
    res = simulate(net, EchelonBaseStock([9, 15, 26]), periods, reps, seed=5, engine=engine, warmup=100)
    ok, ci = _in_ci(res, 72.04)
    assert ok, ci
    # a one-period timing error would move the cost far outside: a policy one unit off is
    # distinguishable on common random numbers
    worse = simulate(net, EchelonBaseStock([6, 12, 23]), periods, reps, seed=5, engine=engine, warmup=100)
    assert worse.summary().loc["cost_per_period", "ci_low"] > 72.04


def test_example_6_1_normal_simulates_to_published_cost():
    # N(5, 1) demand: S* = (6.49, 12.02, 22.71), published cost 47.66
    net = serial(demand=norm(5, 1), **EX61)
    res = simulate(net, EchelonBaseStock([6.49, 12.02, 22.71]), 3000, 20, seed=2, engine="fast", warmup=100)
    ok, ci = _in_ci(res, 47.66)
    assert ok, ci


def test_expedite_everything_costs_the_loss_function():
    # one stage, S = 8, Poisson(6), lead time 1, every backorder flown in at once: each period
    # expedites (D - 8)^+ and holds (8 - D)^+ units
    k = np.arange(200)
    pmf = poisson.pmf(k, 6)
    short = np.maximum(k - 8, 0) @ pmf
    over = np.maximum(8 - k, 0) @ pmf
    net = serial([1], [1], 4, poisson(6))
    res = simulate(net, BaseStock([8]), 4000, 10, seed=4, engine="fast", warmup=5,
                   config=SimulationConfig(expedite=Expedite(cost_per_unit=9.0)))
    s = res.summary()
    assert s.loc["backorders", "mean"] == 0
    assert s.loc["emergency_cost", "ci_low"] <= 9 * short <= s.loc["emergency_cost", "ci_high"]
    assert s.loc["holding_cost", "ci_low"] <= over <= s.loc["holding_cost", "ci_high"]
    assert s.loc["co2_kg", "mean"] > 0


def test_lost_sales_one_period_lead_time_zero_is_a_newsvendor():
    # lead time 0: each period starts at S on the shelf; lost units = (D - S)^+ exactly
    net = serial([1], [0], 4, poisson(6))
    res = simulate(net, BaseStock([8]), 3000, 10, seed=4, engine="fast", config=SimulationConfig(unmet="lost"))
    k = np.arange(200)
    lost = np.maximum(k - 8, 0) @ poisson.pmf(k, 6)
    ok, ci = _in_ci(res, 4 * lost, "shortage_cost")
    assert ok, ci
    fill = 1 - lost / 6
    ok, ci = _in_ci(res, fill, "fill_rate")
    assert ok, ci


# --------------------------------------------------------------------------------------------
# the two engines
# --------------------------------------------------------------------------------------------

def _networks():
    dist = distribution(1, 2, 2, 1, poisson(10), 20, n_retailers=3, lane_lead_time=1)
    asm = assembly(10, 1, [2, 3], [4, 2], poisson(8), 50, units_per_parent=[2, 1])
    rnd = Network([Stage("R", 3, processing_time_dist={1: 0.6, 3: 0.4}, demand=poisson(7), stockout_cost=12),
                   Stage("W", 1, processing_time=2, capacity=9)],
                  [Lane("W", "R", lead_time_dist={0: 0.5, 1: 0.5}, distance_km=300, mode="truck")])
    return {"distribution": dist, "assembly": asm, "random lead times": rnd}


def _guess_levels(net):
    return BaseStock({i: float(round(net.demand_mean(i) * (net.replenishment_time(i) + 2)
                                     + 2 * net.demand_sd(i) * math.sqrt(net.replenishment_time(i) + 2)))
                      for i in net.ids})


@pytest.mark.parametrize("name", ["distribution", "assembly", "random lead times"])
def test_engines_identical_on_the_same_seed(name):
    net = _networks()[name]
    sc = library(net, start=20)["compound_crisis"]
    for cfg in (SimulationConfig(), SimulationConfig(unmet="lost", expedite=Expedite(5.0, threshold=2))):
        a = simulate(net, _guess_levels(net), 60, 3, seed=9, engine="fast", scenario=sc, warmup=10, config=cfg)
        b = simulate(net, _guess_levels(net), 60, 3, seed=9, engine="des", scenario=sc, warmup=10, config=cfg)
        np.testing.assert_allclose(a.kpis.to_numpy(), b.kpis.to_numpy(), rtol=1e-10, atol=1e-9)
        for k in a.series:
            np.testing.assert_allclose(a.series[k], b.series[k], atol=1e-9)


@pytest.mark.parametrize("policy", [SS(6, 14), RQ([6, 4, 8], [5, 5, 10]), ForecastOrderUpTo(0.3, 1.65)])
def test_engines_identical_for_every_policy_kind(policy):
    net = serial(demand=poisson(5), **EX61)
    a = simulate(net, policy, 80, 2, seed=1, engine="fast", warmup=5)
    b = simulate(net, policy, 80, 2, seed=1, engine="des", warmup=5)
    np.testing.assert_allclose(a.kpis.to_numpy(), b.kpis.to_numpy(), rtol=1e-10, atol=1e-9)


def test_engines_agree_within_confidence_intervals_on_independent_draws():
    net = _networks()["random lead times"]
    pol = _guess_levels(net)
    a = simulate(net, pol, 1500, 10, seed=1, engine="fast", warmup=50)
    b = simulate(net, pol, 1500, 10, seed=2, engine="des", warmup=50)
    for kpi in ("cost_per_period", "fill_rate", "on_hand"):
        x, y = a.kpis[kpi], b.kpis[kpi]
        t = stats.ttest_ind(x, y, equal_var=False)
        assert t.pvalue > 0.01, (kpi, x.mean(), y.mean())


def test_installation_and_echelon_base_stock_coincide_in_a_serial_system():
    net = serial(demand=poisson(5), **EX61)
    a = simulate(net, EchelonBaseStock([9, 15, 26]), 300, 3, seed=2, engine="fast")
    b = simulate(net, BaseStock([9, 6, 11]), 300, 3, seed=2, engine="fast")
    np.testing.assert_array_equal(a.kpis.to_numpy(), b.kpis.to_numpy())


def test_des_event_log():
    net = serial(demand=poisson(5), **EX61)
    res = simulate(net, EchelonBaseStock([9, 15, 26]), 50, 2, seed=2, engine="des")
    ev = res.events
    assert {"demand", "order", "shipment", "receipt", "stockout"} <= set(ev["event"])
    # every unit shipped on a lane is received
    ship = ev[ev.event == "shipment"].groupby(["replication", "other"])["quantity"].sum()
    rec = ev[ev.event == "receipt"].groupby(["replication", "stage"])["quantity"].sum()
    assert (ship.reindex(rec.index) - rec).abs().max() <= 3 * 5 * 4     # at most what is still in transit
    assert simulate(net, EchelonBaseStock([9, 15, 26]), 20, 1, seed=2, engine="fast").events is None


# --------------------------------------------------------------------------------------------
# bookkeeping
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["fast", "des"])
@pytest.mark.parametrize("unmet", ["backorder", "lost"])
def test_conservation_and_no_negative_stock(engine, unmet):
    net = _networks()["distribution"]
    pol = _guess_levels(net)
    sc = Scenario("mix", (SupplierShutdown(0, 10, 5), DemandSpike(20, 4, 2.0)))
    res = simulate(net, pol, 60, 3, seed=4, engine=engine, scenario=sc,
                   config=SimulationConfig(unmet=unmet, keep_series=True, expedite=Expedite(3.0, threshold=4)))
    s = res.series
    init = np.array([pol.levels_for(net)[i] for i in res.stage_ids])
    # initial stock + receipts = on hand + shipped, per stage and period (warmup 0)
    lhs = init[None, None, :] + np.cumsum(s["receipts"], axis=1)
    rhs = s["on_hand"] + np.cumsum(s["shipped"], axis=1)
    np.testing.assert_allclose(lhs, rhs, atol=1e-9)
    assert s["on_hand"].min() >= 0
    assert s["backorders"].min() >= 0
    # customers: demand = met from stock + lost + expedited + change in backorders (+ backorders served later)
    d = s["external_demand"].sum(axis=1)
    assert np.all(s["met"] <= s["external_demand"] + 1e-12)
    if unmet == "lost":
        np.testing.assert_allclose(d, s["met"].sum(axis=1) + s["lost"].sum(axis=1) + s["expedited"].sum(axis=1))


def _keep_stages_pair(net, policy, engine, threshold, scenario=None):
    """The same run with and without per-stage measures."""
    def run(keep):
        cfg = SimulationConfig(expedite=Expedite(3.0, threshold=threshold), keep_totals=True, keep_stages=keep)
        return simulate(net, policy, 150, 3, seed=4, engine=engine, warmup=10, scenario=scenario, config=cfg)
    return run(True), run(False)


@pytest.mark.parametrize("engine", ["fast", "des"])
def test_keep_stages_false_same_kpis_example_6_1(engine):
    # Snyder & Shen Example 6.1 at S* = (9, 15, 26) with expediting and a demand spike: whole
    # units throughout, so every KPI, network total and order sd is the same number
    net = serial(demand=poisson(5), **EX61)
    full, lean = _keep_stages_pair(net, EchelonBaseStock([9, 15, 26]), engine, 4,
                                   Scenario("spike", (DemandSpike(40, 10, 1.8),)))
    assert lean.kpis.equals(full.kpis)
    assert set(lean.totals) == set(full.totals)
    for k in full.totals:
        np.testing.assert_array_equal(lean.totals[k], full.totals[k], err_msg=k)
    np.testing.assert_array_equal(lean.per_stage["order_std"], full.per_stage["order_std"])
    assert full.stages is not None and lean.stages is None
    for name in ("on_hand", "backorders"):
        assert name in full.per_stage
        with pytest.raises(KeyError, match=r"not kept: .*keep_stages=False.*pass keep_stages=True"):
            lean.per_stage[name]


@pytest.mark.parametrize("engine", ["fast", "des"])
def test_keep_stages_false_same_kpis_with_fractional_backorders(engine):
    # an expediting threshold of 2.5 units leaves fractional backorders (and stock), where the
    # order of adding up matters: still every KPI and network total is the same number
    net = _networks()["distribution"]
    full, lean = _keep_stages_pair(net, _guess_levels(net), engine, 2.5,
                                   Scenario("shut", (SupplierShutdown(0, 20, 12),)))
    assert (full.totals["backorders"] % 1 != 0).any()          # the fractional case is exercised
    assert lean.kpis.equals(full.kpis)
    for k in full.totals:
        np.testing.assert_array_equal(lean.totals[k], full.totals[k], err_msg=k)


def test_network_totals_added_in_any_order_only_where_quantities_are_whole():
    """The fast engine adds stages by one BLAS product, in another order than numpy's sum, for
    the quantities ``whole_quantities`` calls whole: they must be whole in every period."""
    from casekit.policies import OrderUpTo
    from casekit.simulation._accum import whole_quantities
    from casekit.simulation._model import compile_network, policy_arrays

    net = serial(demand=poisson(5), **EX61)
    moving = OrderUpTo({1: 9.0 + (np.arange(160) % 3), 2: 6.0, 3: 11.0})     # stage 1 faces demand
    # a warehouse W that faces demand itself supplies X, which supplies the shop R
    chain = Network([Stage("W", 1, processing_time=1, demand=poisson(3), stockout_cost=9),
                     Stage("X", 1, processing_time=1), Stage("R", 2, processing_time=1, demand=poisson(5),
                                                          stockout_cost=9)],
                    [Lane("W", "X"), Lane("X", "R")])
    chain_moving = OrderUpTo({"R": 11.0 + (np.arange(160) % 2), "X": 12.0, "W": 6.0 + (np.arange(160) % 2)})
    cases = [(net, EchelonBaseStock([9, 15, 26]), 4, {"demand", "orders", "all"}),
             (net, moving, 2.5, {"demand", "orders"}),
             (net, BaseStock([9, 6, 11]), 2.5, {"demand"}),
             (chain, chain_moving, 2.5, {"demand", "orders"}),         # X's stock comes in fractions
             (serial(demand=norm(5, 1), **EX61), EchelonBaseStock([6.49, 12.02, 22.71]), 4, set())]
    for network, pol, thr, claimed in cases:
        cfg = SimulationConfig(expedite=Expedite(3.0, threshold=thr), keep_series=True)
        comp = compile_network(network, cfg)
        assert whole_quantities(comp, policy_arrays(comp, pol, cfg, 160), cfg) == claimed
        res = simulate(network, pol, 150, 2, seed=3, engine="fast", warmup=10, config=cfg)
        s = res.series
        kinds = {"demand": ("external_demand",), "orders": ("orders", "demand_received"),
                 "all": ("on_hand", "backorders", "met", "expedited")}
        for kind in claimed:
            for name in kinds[kind]:
                assert (s[name] % 1 == 0).all(), (kind, name)
        if claimed == {"demand", "orders"}:
            assert (s["on_hand"] % 1 != 0).any()               # and "all" would have been wrong
        if network is chain:                                   # fractions shipped by W, X's orders whole
            assert (s["on_hand"][:, :, res.stage_ids.index("X")] % 1 != 0).any()


def test_same_seed_same_numbers_other_seed_other_numbers():
    net = serial(demand=poisson(5), **EX61)
    a = simulate(net, EchelonBaseStock([9, 15, 26]), 200, 3, seed=7, engine="fast")
    b = simulate(net, EchelonBaseStock([9, 15, 26]), 200, 3, seed=7, engine="fast")
    c = simulate(net, EchelonBaseStock([9, 15, 26]), 200, 3, seed=8, engine="fast")
    assert a.kpis.equals(b.kpis)
    assert not a.kpis.equals(c.kpis)
    g = simulate(net, EchelonBaseStock([9, 15, 26]), 200, 3, seed=np.random.default_rng(7), engine="fast")
    assert g.kpis.equals(a.kpis)


def test_kpi_names_and_summary_shape():
    net = serial(demand=poisson(5), **EX61)
    res = simulate(net, EchelonBaseStock([9, 15, 26]), 100, 4, seed=1, engine="fast")
    assert list(res.kpis.columns) == [k for k in KPI_NAMES if k != "recovery_periods"]
    assert len(res.kpis) == 4
    s = res.summary()
    assert list(s.columns) == ["mean", "ci_low", "ci_high"]
    assert (s["ci_low"] <= s["mean"]).all() and (s["mean"] <= s["ci_high"]).all()
    # base stock passes demand straight up the chain: every stage orders exactly what it sees
    assert res.summary().loc["bullwhip_ratio", "mean"] == pytest.approx(1.0)
    assert res.series_frame("on_hand").shape == (100, 3)


def test_forecast_policy_whips():
    net = serial(demand=poisson(20), **EX61)
    res = simulate(net, ForecastOrderUpTo(alpha=0.4, z=1.0), 1000, 4, seed=1, engine="fast", warmup=50)
    st = res.stages
    assert res.summary().loc["bullwhip_ratio", "ci_low"] > 2
    assert (st["bullwhip_ratio"] > 1).all()


# --------------------------------------------------------------------------------------------
# scenarios
# --------------------------------------------------------------------------------------------

def test_shutdown_hurts_and_recovers():
    net = serial([1, 1, 1], [1, 1, 2], 10, poisson(5))
    pol = EchelonBaseStock([8, 15, 27])
    base = simulate(net, pol, 120, 6, seed=3, engine="fast", warmup=20)
    shut = simulate(net, pol, 120, 6, seed=3, engine="fast", warmup=20,
                    scenario=Scenario("fire", (SupplierShutdown(3, 40, 10),)))
    assert "recovery_periods" not in base.kpis and "recovery_periods" in shut.kpis
    assert shut.summary().loc["fill_rate", "mean"] < base.summary().loc["fill_rate", "mean"] - 0.05
    rec = shut.kpis["recovery_periods"]
    assert (rec > 0).all() and (rec < 80).all()


def test_scenario_effects():
    net = serial([1, 1], [1, 2], 10, poisson(5))
    pol = EchelonBaseStock([8, 20])
    cfg = SimulationConfig(keep_series=True)
    run = lambda sc: simulate(net, pol, 80, 3, seed=1, engine="fast", scenario=sc, config=cfg)  # noqa: E731
    base = run(None)
    spike = run(Scenario("promo", (DemandSpike(10, 5, 3.0),)))
    d0, d1 = base.series["external_demand"], spike.series["external_demand"]
    np.testing.assert_array_equal(d1[:, 10:15], np.round(3 * d0[:, 10:15]))
    np.testing.assert_array_equal(d1[:, 15:], d0[:, 15:])
    # a compound disruption that never happens changes nothing (its draw is separate: CRN kept)
    never = run(Scenario("maybe", (CompoundDisruption((1, 2), 10, 5, lead_time_shift=3, probability=0.0),)))
    np.testing.assert_array_equal(never.series["on_hand"], base.series["on_hand"])
    late = run(Scenario("port", (PortCongestion(10, 5, node=2, extra_periods=3),)))
    assert late.summary().loc["holding_cost", "mean"] != base.summary().loc["holding_cost", "mean"]
    held = run(Scenario("road", (TransportDisruption(10, 6, lane=(2, 1)),)))
    assert held.series["receipts"][:, 10:16, 0].sum() < base.series["receipts"][:, 10:16, 0].sum()


# --------------------------------------------------------------------------------------------
# simulation-optimisation
# --------------------------------------------------------------------------------------------

def test_simulation_optimisation_example_6_1_within_one_percent():
    net = serial(demand=poisson(5), **EX61)
    optimum = 72.0467            # exact Clark–Scarf cost (published 72.04)
    cands = neighbourhood(EchelonBaseStock([10, 17, 24]), radius=2)
    r = tune(net, cands, finalists=3, screen_periods=1000, screen_replications=10, confirm_periods=800,
             confirm_replications=4, seed=0)
    assert len(r.screening) == len(cands) and len(r.confirmation) == 3
    assert r.ci_low <= r.cost <= r.ci_high
    analytic = evaluate_serial(net, list(r.policy.levels)).cost
    assert analytic <= 1.01 * optimum, (r.policy, analytic)


def test_common_random_numbers_shrink_the_interval():
    net = serial(demand=poisson(5), **EX61)
    crn = paired_difference(net, EchelonBaseStock([9, 15, 26]), EchelonBaseStock([10, 16, 25]), 500, 8, seed=1)
    ind = paired_difference(net, EchelonBaseStock([9, 15, 26]), EchelonBaseStock([10, 16, 25]), 500, 8, seed=1,
                            common=False)
    assert crn[2] - crn[1] < 0.5 * (ind[2] - ind[1])


def test_screen_ranks_the_newsvendor_optimum_first():
    net = serial([1], [1], 4, poisson(6))
    t = screen(net, neighbourhood(EchelonBaseStock([8]), radius=3), periods=3000, replications=8, seed=2)
    assert t.sort_values("mean").iloc[0]["policy"] == "EchelonBaseStock(8)"


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------

def test_bad_input():
    net = serial(demand=poisson(5), **EX61)
    pol = EchelonBaseStock([9, 15, 26])
    with pytest.raises(ValueError, match="levels"):
        simulate(net, EchelonBaseStock([9, 15]), 10, 2)
    with pytest.raises(ValueError, match="levels"):
        simulate(net, BaseStock({1: 3, 2: 3, 9: 3}), 10, 2)
    with pytest.raises(ValueError, match="below the echelon"):
        simulate(net, EchelonBaseStock([9, 8, 26]), 10, 2)
    with pytest.raises(ValueError, match="periods"):
        simulate(net, pol, 0, 2)
    with pytest.raises(ValueError, match="replications"):
        simulate(net, pol, 10, 0)
    with pytest.raises(ValueError, match="node 7"):
        simulate(net, pol, 10, 2, scenario=Scenario("x", (SupplierShutdown(7, 1, 2),)))
    with pytest.raises(ValueError, match="engine"):
        simulate(net, pol, 10, 2, engine="monte carlo")
    with pytest.raises(ValueError, match="whole number of periods"):
        simulate(serial([1], [0.5], 4, poisson(6)), BaseStock([5]), 10, 2)
    with pytest.raises(ValueError, match="s < S"):
        SS(5, 3).validate(net)
    with pytest.raises(ValueError, match="after the last simulated period"):
        simulate(net, pol, 10, 2, scenario=Scenario("late", (SupplierShutdown(3, 20, 2),)))
    with pytest.raises(TypeError, match="policy"):
        simulate(net, [9, 15, 26], 10, 2)
    with pytest.raises(TypeError, match="keep_stages must be True or False, got 'no'"):
        SimulationConfig(keep_stages="no")


@pytest.mark.parametrize("engine", ["fast", "des"])
def test_runs_that_would_take_too_long_are_refused_before_they_start(engine):
    import time

    net = serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"periods=1000000000, replications=100 .* too large: 3e\+11 node-periods"):
        simulate(net, BaseStock([9, 6, 11]), periods=10**9, replications=100, engine=engine)
    assert time.perf_counter() - start < 30.0   # refused up front, not after minutes of work


def test_a_case_run_with_ten_million_replications_is_refused_up_front():
    from casekit.cases import electronics

    with pytest.raises(ValueError, match="replications=10000000 .* too large"):
        electronics.run(horizon_days=60, replications=10**7)


# --- draw_demand: the demand of a run drawn ahead of it (common random numbers) ---------------

def _draw_counter(monkeypatch):
    from casekit.simulation import _model

    calls = []
    real = _model._DemandGroups.draw

    def spy(self, *args):
        calls.append(args[2])                 # t0 of the block
        return real(self, *args)

    monkeypatch.setattr(_model._DemandGroups, "draw", spy)
    return calls


def test_draw_demand_draws_what_simulate_then_reads_and_changes_no_number(monkeypatch):
    """Snyder & Shen's Example 6.1 network: drawn ahead, the run draws nothing itself and gives the
    same numbers as a run that drew its own demand."""
    from casekit.simulation import _model, draw_demand

    net = serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5))
    pol = EchelonBaseStock([9, 15, 26])
    kw = dict(periods=90, replications=3, seed=17, warmup=10)
    _model._DEMAND_STORE.clear()
    own = simulate(net, pol, engine="fast", **kw)
    _model._DEMAND_STORE.clear()
    assert draw_demand(net, **kw) is True
    calls = _draw_counter(monkeypatch)
    ahead = simulate(net, pol, engine="fast", **kw)
    assert calls == []
    assert own.kpis.equals(ahead.kpis)
    simulate(net, pol, engine="fast", **{**kw, "seed": 18})      # another seed draws its own
    assert calls == list(range(0, 100, _model.CHUNK))


def test_draw_demand_keeps_nothing_too_large_to_keep(monkeypatch):
    from casekit.simulation import _model, draw_demand

    net = serial([3, 2], [1, 1], 10.0, poisson(5))
    monkeypatch.setattr(_model, "DEMAND_STORE_BYTES", 1_000)
    calls = _draw_counter(monkeypatch)
    assert draw_demand(net, periods=90, replications=3, seed=2) is False
    assert calls == []


@pytest.mark.parametrize("kw, err, match", [
    (dict(seed=np.random.default_rng(1)), TypeError, "seed must be an integer"),
    (dict(seed=None), TypeError, "seed must be an integer"),
    (dict(seed=-1), ValueError, "seed must be >= 0, got -1"),
    (dict(periods=0), ValueError, "periods must be >= 1, got 0"),
    (dict(replications=2.0), TypeError, "replications must be an integer"),
    (dict(warmup=-3), ValueError, "warmup must be >= 0, got -3"),
    (dict(config="lost sales"), TypeError, "config must be a SimulationConfig, got str"),
    (dict(network="serial"), TypeError, "network must be a casekit.network.Network, got str"),
])
def test_draw_demand_refuses_bad_input(kw, err, match):
    """A Generator seed would hand the early draw the run's numbers and the run new ones: refused."""
    from casekit.simulation import draw_demand

    args = {**dict(network=serial([3, 2], [1, 1], 10.0, poisson(5)), periods=20, replications=2, seed=1), **kw}
    with pytest.raises(err, match=match):
        draw_demand(**args)
