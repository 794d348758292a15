"""casekit.simulation's one engine: the features the case studies need, checked against a
hand computation, against the discrete-event twin, and for conservation and bad input.

The ten-day trace is computed in this file by a plain day-by-day loop over three stages written
from the period timing documented in :mod:`casekit.simulation` (no engine code involved)."""

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from scipy.stats import poisson

from casekit.metrics import EMISSION_FACTORS
from casekit.network import Lane, Network, Stage, distribution
from casekit.policies import RQ, BaseStock, Mixed, OrderUpTo, Periodic
from casekit.simulation import (Backup, DemandPath, Expedite, SimulationConfig, Transfers, TransportMode,
                                lognormal_lead_time, simulate)
from casekit.simulation.scenarios import DemandSpike, Scenario, SupplierShutdown


def _point(k):
    """Demand of exactly k units every period (a one-point pmf)."""
    return stats.rv_discrete(values=([k], [1.0]))


def _trace_network():
    w = {"unit_weight_kg": 1000.0}
    return Network(
        [Stage("W", 1.0, processing_time=1, attrs={"order_cost": 5.0, "inbound_distance_km": 100.0,
                                                    "inbound_mode": "truck", **w}),
         Stage("A", 2.0, processing_time=1, demand=_point(4), stockout_cost=10.0, attrs=w),
         Stage("B", 2.0, processing_time=1, demand=_point(1), stockout_cost=10.0, attrs=w)],
        [Lane("W", "A", distance_km=50.0, mode="truck"), Lane("W", "B", distance_km=50.0, mode="truck")])


def _by_hand(days=10):
    """The period of casekit.simulation, written out for this network: W reviews every 3 days
    (order up to 10 on its local position), A and B order up to 5 and 3 daily, everything takes
    one day, expedite backorders above 1 unit, A's demand doubles on days 2-4, transfers
    between A and B on odd days, W rations proportionally (remainder by the rotating priority)."""
    truck, air = EMISSION_FACTORS["truck"], EMISSION_FACTORS["air"]
    on = {"W": 10.0, "A": 5.0, "B": 3.0}
    bo = {"A": 0.0, "B": 0.0}
    owed = {"A": 0.0, "B": 0.0}           # W owes the retailers
    outst = {"W": 0.0, "A": 0.0, "B": 0.0}
    due = {}                               # (stage, day) -> units finishing production
    mu = {"A": 4.0, "B": 1.0}
    S = {"A": 5.0, "B": 3.0}
    rows = []
    hold = short = order = emerg = xfer = co2 = 0.0
    for t in range(days):
        # 1. arrivals, waiting customers first
        for i in on:
            x = due.pop((i, t), 0.0)
            on[i] += x
            outst[i] -= x
        for i in bo:
            x = min(on[i], bo[i])
            on[i] -= x
            bo[i] -= x
        # 2. demand, backorders, express shipments above 1 unit
        D = {"A": 8.0 if 2 <= t <= 4 else 4.0, "B": 1.0}
        exp = {}
        for i in D:
            met = min(on[i], D[i])
            on[i] -= met
            bo[i] += D[i] - met
            exp[i] = max(bo[i] - 1.0, 0.0)
            bo[i] -= exp[i]
        # 3. orders: retailers, then W every third day
        q = {}
        for i in ("A", "B"):
            q[i] = max(S[i] - (on[i] + outst[i] - bo[i]), 0.0)
            outst[i] += q[i]
            owed[i] += q[i]
        q["W"] = max(10.0 - (on["W"] + outst["W"] - owed["A"] - owed["B"]), 0.0) if t % 3 == 0 else 0.0
        outst["W"] += q["W"]
        # 4. flow: W starts what it ordered (done tomorrow), ships (proportional, remainder by
        #    priority A, B on even days and B, A on odd days); retailers start what arrived
        start_w = q["W"]
        if start_w:
            due[("W", t + 1)] = due.get(("W", t + 1), 0.0) + start_w
        need = owed["A"] + owed["B"]
        if on["W"] >= need:
            ship = dict(owed)
        else:
            frac = on["W"] / need
            ship = {i: math.floor(owed[i] * frac + 1e-9) for i in owed}
            left = on["W"] - sum(ship.values())
            for i in (("A", "B") if t % 2 == 0 else ("B", "A")):
                x = min(left, owed[i] - ship[i])
                ship[i] += x
                left -= x
        for i in ship:
            on["W"] -= ship[i]
            owed[i] -= ship[i]
            if ship[i]:
                due[(i, t + 1)] = due.get((i, t + 1), 0.0) + ship[i]
        sent = {"A": 0.0, "B": 0.0}
        if t % 2 == 1:                      # transfers: cover = (on - bo) / mean demand
            cover = {i: (on[i] - bo[i]) / mu[i] for i in ("A", "B")}
            hi = max(("A", "B"), key=lambda i: (cover[i], i == "A"))   # first of equal covers
            lo = min(("A", "B"), key=lambda i: (cover[i], i != "A"))
            gap = (cover[hi] - cover[lo]) / 2
            if gap > 0.5:
                m = math.floor(min(on[hi] * 0.5, gap * mu[lo] * 0.5) + 1e-9)
                on[hi] -= m
                on[lo] += m
                sent[hi] = m
        # 5. costs at the end of the day
        in_prod_retail = sum(v for (i, d), v in due.items() if i in ("A", "B") and d > t)
        hold += 1.0 * on["W"] + 2.0 * (on["A"] + on["B"]) + 1.0 * in_prod_retail
        short += 10.0 * (bo["A"] + bo["B"])
        order += 5.0 * (q["W"] > 0)
        emerg += 7.0 * (exp["A"] + exp["B"])
        xfer += 1.0 * sum(sent.values())
        co2 += (start_w * 100 * truck + (ship["A"] + ship["B"]) * 50 * truck
                + (exp["A"] + exp["B"]) * 300 * air + sum(sent.values()) * 20 * truck)
        rows.append({"t": t, "q": dict(q), "ship_w": ship["A"] + ship["B"], "exp": dict(exp),
                     "on": dict(on), "bo": dict(bo), "sent": dict(sent)})
    return rows, {"holding_cost": hold / days, "shortage_cost": short / days, "ordering_cost": order / days,
                  "emergency_cost": emerg / days, "transfer_cost": xfer / days, "co2_kg": co2 / days}


def _trace_run(engine="fast"):
    net = _trace_network()
    pol = Mixed({("A", "B"): BaseStock({"A": 5, "B": 3, "W": 0}),
                 "W": Periodic(BaseStock({"A": 0, "B": 0, "W": 10}), every=3)})
    cfg = SimulationConfig(expedite=Expedite(7.0, threshold=1.0, distance_km=300.0, mode="air"),
                           transfers=Transfers(("A", "B"), every=2, offset=1, trigger_periods=0.5, share=0.5,
                                               cost_per_unit=1.0, distance_km=20.0, mode="truck"),
                           rationing="proportional", keep_series=True)
    sc = Scenario("promo", (DemandSpike(2, 3, 2.0, node="A"),))
    return simulate(net, pol, 10, 1, seed=0, engine=engine, scenario=sc, config=cfg)


def test_two_stage_ten_day_trace_by_hand():
    rows, costs = _by_hand()
    res = _trace_run()
    s = res.series
    col = {i: k for k, i in enumerate(res.stage_ids)}
    dcol = {i: k for k, i in enumerate(res.demand_stage_ids)}
    for r in rows:
        t = r["t"]
        for i in ("W", "A", "B"):
            assert s["orders"][0, t, col[i]] == r["q"][i], (t, i, "order")
            assert s["on_hand"][0, t, col[i]] == r["on"][i], (t, i, "on hand")
        for i in ("A", "B"):
            assert s["expedited"][0, t, dcol[i]] == r["exp"][i], (t, i, "express")
            assert s["backorders"][0, t, col[i]] == r["bo"][i], (t, i, "backorders")
            assert s["transfer_sent"][0, t, col[i]] == r["sent"][i], (t, i, "transfer")
    # something happens in this trace: express units, a transfer, rationing, a periodic review
    assert sum(r["exp"]["A"] for r in rows) > 0
    assert sum(sum(r["sent"].values()) for r in rows) > 0
    assert sum(r["q"]["W"] > 0 for r in rows) >= 2
    k = res.kpis.iloc[0]
    for name, value in costs.items():
        assert k[name] == pytest.approx(value, abs=1e-9), name


def test_conservation_per_stage_and_period_with_transfers_backup_and_modes():
    """initial + receipts = on hand + shipped (+ lost) per stage and period; transfers: sent =
    received + in transit."""
    net = distribution(1, 2, 2, 1, poisson(6), 15, n_retailers=3, lane_lead_time=1)
    net = net.with_stage(0, attrs={"inbound_distance_km": 200.0, "inbound_mode": "truck"})
    pol = Mixed({(1, 2, 3): BaseStock({0: 0, 1: 14, 2: 14, 3: 14}),
                 0: Periodic(OrderUpTo({0: 60, 1: 0, 2: 0, 3: 0}, echelon=True), every=4)})
    for unmet in ("backorder", "lost"):
        cfg = SimulationConfig(unmet=unmet, keep_series=True, rationing="proportional",
                               expedite=Expedite(3.0, threshold=4),
                               transfers=Transfers((1, 2, 3), every=3, trigger_periods=0.2, lead_time=2),
                               backup=Backup((0,), share=0.5, lead_time=1),
                               modes={(None, 0): TransportMode("rail", extra_periods=1, cost_per_tonne_km=0.01)})
        sc = Scenario("mix", (SupplierShutdown(0, 10, 8), DemandSpike(20, 4, 2.0)))
        res = simulate(net, pol, 60, 3, seed=4, engine="fast", scenario=sc, config=cfg)
        s = res.series
        ini = pol.initial_stock(net)                 # retailers at 14, the warehouse at its echelon level 60
        assert ini == {0: 60.0, 1: 14.0, 2: 14.0, 3: 14.0}
        init = np.array([ini[i] for i in res.stage_ids])
        lhs = init[None, None, :] + np.cumsum(s["receipts"], axis=1)
        rhs = s["on_hand"] + np.cumsum(s["shipped"], axis=1)
        np.testing.assert_allclose(lhs, rhs, atol=1e-9)
        assert s["on_hand"].min() >= 0 and s["backorders"].min() >= 0
        sent = s["transfer_sent"].sum(axis=2).cumsum(axis=1)
        got = s["transfer_received"].sum(axis=2).cumsum(axis=1)
        assert sent[:, -1].sum() > 0
        transit = sent - got
        assert transit.min() >= -1e-9
        # with a two-period transfer lead time, what is in transit is what was sent in the last two periods
        per = s["transfer_sent"].sum(axis=2)
        recent = per + np.concatenate([np.zeros((per.shape[0], 1)), per[:, :-1]], axis=1)
        np.testing.assert_allclose(transit, recent, atol=1e-9)
        assert res.kpis["transport_cost"].gt(0).all() and res.kpis["transfer_cost"].ge(0).all()


def _rich_case():
    """Two warehouses, four retailers with demand paths; (r, Q) retailers, echelon order-up-to
    warehouses with a per-period target reviewed every 3 periods (staggered), rail with freight,
    per-retailer express distances, proportional rationing."""
    T = 70
    t = np.arange(T)
    stages = [Stage("P", 0.5, processing_time=1),
              Stage("W1", 1.0, processing_time_dist={1: 0.5, 3: 0.5}, attrs={"order_cost": 20}),
              Stage("W2", 1.0, processing_time=2, attrs={"order_cost": 20})]
    lanes = [Lane("P", "W1", lead_time_dist={0: 0.5, 2: 0.5}, distance_km=300, mode="truck"),
             Lane("P", "W2", lead_time=1, distance_km=200, mode="truck")]
    for j in range(4):
        path = 5 + 2 * np.sin(t / 7 + j)
        stages.append(Stage(f"R{j}", 2.0, processing_time=j % 2, demand=DemandPath(path, 4.0), stockout_cost=12,
                            attrs={"order_cost": 3}))
        lanes.append(Lane("W1" if j < 2 else "W2", f"R{j}", lead_time_dist={0: 0.7, 1: 0.3}, distance_km=40 + j,
                          mode="truck"))
    net = Network(stages, lanes)
    tgt = {"W1": 40 + 5 * np.sin(t / 9), "W2": np.full(T, 42.0)}
    pol = Mixed({("R0", "R1", "R2", "R3"): RQ({**{f"R{j}": 6 for j in range(4)}, "W1": 0, "W2": 0, "P": 0},
                                              {**{f"R{j}": 5 for j in range(4)}, "W1": 1, "W2": 1, "P": 1}),
                 ("W1", "W2"): Periodic(OrderUpTo({**tgt, **{f"R{j}": 0 for j in range(4)}, "P": 0.0}, echelon=True),
                                        every={"W1": 3, "W2": 3}, offset={"W1": 0, "W2": 1}),
                 "P": OrderUpTo(0.0)})
    cfg = SimulationConfig(rationing="proportional", keep_series=True, keep_totals=True,
                           expedite=Expedite(4.0, threshold=3, distance_km={f"R{j}": 100.0 * j for j in range(4)}),
                           modes={("P", "W1"): TransportMode("rail", extra_periods=1, cost_per_tonne_km=2.0)})
    return net, pol, cfg


def test_fast_equals_des_on_the_same_draws_for_the_case_features():
    net, pol, cfg = _rich_case()
    sc = Scenario("fire", (SupplierShutdown("W1", 20, 6),))
    a = simulate(net, pol, 60, 3, seed=5, engine="fast", warmup=10, scenario=sc, config=cfg)
    b = simulate(net, pol, 60, 3, seed=5, engine="des", warmup=10, scenario=sc, config=cfg)
    np.testing.assert_allclose(a.kpis.to_numpy(), b.kpis.to_numpy(), rtol=1e-10, atol=1e-9)
    for k in a.series:
        np.testing.assert_allclose(a.series[k], b.series[k], atol=1e-9, err_msg=k)
    for k in a.totals:
        np.testing.assert_allclose(a.totals[k], b.totals[k], atol=1e-9, err_msg=k)
    assert a.kpis["transport_cost"].gt(0).all()
    # the review schedule holds: W2 orders only in periods t with (t - 1) % 3 == 0
    q = a.series["orders"][:, :, a.stage_ids.index("W2")]
    periods = np.arange(10, 70)
    assert (q[:, (periods - 1) % 3 != 0] == 0).all() and q.sum() > 0


def test_a_callback_gives_the_same_run_as_the_same_levels_as_arrays():
    net, pol, cfg = _rich_case()
    t = np.arange(70)
    arrays = {"W1": 40 + 5 * np.sin(t / 9), "W2": np.full(70, 42.0)}

    def levels(period, view):
        assert set(view.stage_ids) == {"W1", "W2"} and view.position.shape == (2, 2)
        return np.array([arrays[i][period] for i in view.stage_ids])

    cb = Mixed({("R0", "R1", "R2", "R3"): pol.parts[0][1],
                ("W1", "W2"): Periodic(OrderUpTo(levels, echelon=True), every={"W1": 3, "W2": 3},
                                       offset={"W1": 0, "W2": 1}),
                "P": OrderUpTo(0.0)})
    cfg_cb = SimulationConfig(rationing="proportional", keep_series=False, expedite=cfg.expedite, modes=cfg.modes,
                              initial_stock={**{f"R{j}": 11.0 for j in range(4)}, "W1": 40.0, "W2": 42.0, "P": 0.0})
    cfg_arr = SimulationConfig(rationing="proportional", keep_series=False, expedite=cfg.expedite, modes=cfg.modes,
                               initial_stock=cfg_cb.initial_stock)
    a = simulate(net, pol, 60, 2, seed=3, engine="fast", warmup=10, config=cfg_arr)
    b = simulate(net, cb, 60, 2, seed=3, engine="fast", warmup=10, config=cfg_cb)
    np.testing.assert_allclose(a.kpis.to_numpy(), b.kpis.to_numpy(), rtol=1e-12)


def test_des_refuses_what_it_does_not_implement_by_name():
    net, pol, _ = _rich_case()
    with pytest.raises(ValueError, match="lateral transfers"):
        simulate(net, pol, 20, 2, engine="des", config=SimulationConfig(transfers=Transfers(("R0", "R1"))))
    with pytest.raises(ValueError, match="backup"):
        simulate(net, pol, 20, 2, engine="des", config=SimulationConfig(backup=Backup(("W1",))))
    cb = Mixed({("R0", "R1", "R2", "R3"): pol.parts[0][1], ("W1", "W2"): OrderUpTo(lambda t, v: np.zeros(2)),
                "P": OrderUpTo(0.0)})
    with pytest.raises(ValueError, match="callbacks"):
        simulate(net, cb, 20, 2, engine="des")


def test_bad_input_names_the_parameter():
    net, pol, _ = _rich_case()
    with pytest.raises(ValueError, match="stage 'W2' has no policy"):
        simulate(net, Mixed({("R0", "R1", "R2", "R3", "W1", "P"): BaseStock({i: 5 for i in net.ids})}),
                 10, 2, engine="fast")
    with pytest.raises(ValueError, match="Transfers.stages must lie in one echelon"):
        simulate(net, pol, 10, 2, engine="fast", config=SimulationConfig(transfers=Transfers(("R0", "W1"))))
    with pytest.raises(ValueError, match="review interval"):
        simulate(net, Periodic(BaseStock({i: 5 for i in net.ids}), every=0), 10, 2, engine="fast")
    with pytest.raises(ValueError, match="emission factor"):
        TransportMode("rail", kg_co2e_per_tonne_km=-0.1)
    with pytest.raises(ValueError, match="emission_factors"):
        SimulationConfig(emission_factors={"truck": -1.0})
    for bad, msg in ((lambda t, v: np.zeros(3), "shape"), (lambda t, v: np.array([np.nan, 1.0]), "non-finite")):
        cb = Mixed({("R0", "R1", "R2", "R3"): pol.parts[0][1], ("W1", "W2"): OrderUpTo(bad), "P": OrderUpTo(0.0)})
        with pytest.raises(ValueError, match=msg):
            simulate(net, cb, 10, 2, engine="fast")
    with pytest.raises(ValueError, match="needs one level per simulated period"):
        simulate(net, Mixed({("R0", "R1", "R2", "R3"): pol.parts[0][1],
                             ("W1", "W2"): OrderUpTo({"W1": np.ones(5), "W2": 1.0, "P": 0.0,
                                                      **{f"R{j}": 0 for j in range(4)}}),
                             "P": OrderUpTo(0.0)}),
                 10, 2, engine="fast")
    with pytest.raises(ValueError, match="DemandPath.mean"):
        simulate(net, BaseStock({i: 5 for i in net.ids}), 100, 2, engine="fast")   # the paths cover 70 periods
    with pytest.raises(ValueError, match="modes: lane"):
        simulate(net, pol, 10, 2, engine="fast", config=SimulationConfig(modes={("W1", "R3"): TransportMode("rail")}))


def test_lognormal_lead_time_rounded_up_matches_sampling():
    pmf = lognormal_lead_time(12.0, 0.45)
    rng = np.random.default_rng(0)
    x = np.maximum(np.ceil(rng.lognormal(np.log(12.0), 0.45, size=400_000)), 1)
    for k in (8, 12, 16, 25):
        assert pmf.get(k, 0.0) == pytest.approx(np.mean(x == k), abs=3e-3)
    assert sum(pmf.values()) == pytest.approx(1.0)
    assert lognormal_lead_time(3.0, 0.0) == {3: 1.0}


def test_models_import_no_simulation():
    code = ("import sys, casekit.distributions, casekit.leadtime, casekit.safety_stock, casekit.network, "
            "casekit.multiechelon, casekit.forecasting, casekit.optimization; "
            "print('casekit.simulation' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
