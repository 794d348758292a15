"""The digital twin: its initial state is the real-time pipeline's state, and with no randomness its
projection is the hand computation.

Expected values come from the shipped stream's own files (``orders.csv``, the receipts in
``events.csv``) and from a recurrence written out here, never from casekit.twin itself.
"""

import numpy as np
import pandas as pd
import pytest

from casekit.datasets.events import load_events
from casekit.streaming import Pipeline
from casekit.twin import DAY, HOUR, TwinState, compare_levers, project, state_from_pipeline, twin_state


@pytest.fixture(scope="module")
def data():
    return load_events()


@pytest.mark.parametrize("day", [3, 8])
def test_twin_state_equals_pipeline_state_and_the_stream_files(data, day):
    now = day * DAY
    events = data.events
    pipe = Pipeline(data.policy).run(events[events["ts"] <= now], speed=6 * 3600.0)
    state = state_from_pipeline(pipe)
    ps = pipe.state().set_index(["node", "sku"])
    st = state.stock.set_index(["node", "sku"])
    assert np.array_equal(st["on_hand"] - st["backorders"], ps["net_inventory"])
    assert (st[["on_hand", "backorders"]] >= 0).all().all()
    assert np.allclose(st["on_order"], ps["on_order"])
    open_qty = state.open_orders.groupby(["node", "sku"])["qty"].sum().reindex(ps.index, fill_value=0.0)
    assert np.allclose(open_qty, ps["on_order"])
    # independently, from the files: orders placed by now whose shipment has not been received by now
    orders = data.orders[data.orders["ts"] <= now]
    received = events.loc[(events["type"] == "receipt") & (events["ts"] <= now), "shipment"]
    expected = orders[~orders["shipment"].isin(received)].sort_values("shipment")
    got = state.open_orders.sort_values("shipment")
    assert got["shipment"].tolist() == expected["shipment"].tolist()
    assert np.allclose(got["qty"], expected["qty"])
    # the latest ETA sent by now for each open shipment
    eta = events[(events["type"] == "eta") & (events["ts"] <= now)].groupby("shipment")["value"].last()
    assert np.allclose(got["eta"], eta.reindex(got["shipment"]).to_numpy())
    # and the engine starts from it: net inventory at hour 0 of a projection
    pr = project(state, days=1, replications=3, seed=0)
    assert np.array_equal(pr.net_inventory[:, 0, :], np.tile((st["on_hand"] - st["backorders"]).to_numpy(), (3, 1)))


def test_twin_state_by_replay_equals_the_pipeline_state(data):
    a = twin_state(data.events, data.policy, now=2 * DAY)
    pipe = Pipeline(data.policy).run(data.events[data.events["ts"] <= 2 * DAY], speed=6 * 3600.0)
    b = state_from_pipeline(pipe)
    pd.testing.assert_frame_equal(a.stock, b.stock)
    pd.testing.assert_frame_equal(a.open_orders, b.open_orders)


def tiny_state(on_hand=50.0, backorders=0.0, eta_hours=5.5):
    stock = pd.DataFrame({"node": ["N1"], "sku": ["K1"], "on_hand": [on_hand], "backorders": [backorders],
                          "on_order": [30.0], "reorder_point": [10.0], "order_quantity": [40.0],
                          "lead_time_hours": [24.0], "observed_lead_time_hours": [24.0], "demand_per_hour": [2.0],
                          "units_per_customer": [1.0], "shortage_cost": [5.0]})
    now = 10 * DAY
    oo = pd.DataFrame({"shipment": [7], "node": ["N1"], "sku": ["K1"], "qty": [30.0], "ordered_ts": [now - 20 * HOUR],
                       "eta": [now + eta_hours * HOUR], "eta_updates": [1]})
    return TwinState(now, stock, oo)


def hand_projection(hours, ni0=50.0, arrival_hour=5, qty=30.0, rate=2.0, R=10.0, Q=40.0, L=24):
    """The (R, nQ) store hour by hour: arrivals first, then demand, then review the position."""
    ni, ip = ni0, ni0 + qty
    due = {arrival_hour: qty}
    path, short = [ni0], []
    for t in range(hours):
        ni += due.pop(t, 0.0)
        short.append(min(rate, max(0.0, rate - max(ni, 0.0))))
        ni -= rate
        ip -= rate
        if ip <= R:
            n = np.floor((R - ip) / Q) + 1
            ip += n * Q
            due[t + L] = due.get(t + L, 0.0) + n * Q
        path.append(ni)
    return np.array(path), np.array(short)


def test_deterministic_projection_is_the_hand_computation():
    pr = project(tiny_state(), days=3, replications=2, seed=0, demand="deterministic", lead_time_cv=0.0)
    path, short = hand_projection(72)
    assert np.allclose(pr.net_inventory[0, :, 0], path) and np.allclose(pr.net_inventory[1, :, 0], path)
    assert np.allclose(pr.short[0, :, 0], short)
    # by hand: 50 on hand + 30 arriving in hour 5, 2 a day-hour sold: empty after hour 39 (80 / 2 = 40
    # hours), so the first unit is short in hour 40; the order placed when IP hit R = 10 (after hour
    # 34) arrives in hour 58; at the end of hour 71 NI = 80 - 2 * 72 + 40 = -24.
    assert pr.stores().loc["N1", "stockout_day"] == pytest.approx(40 / 24)
    assert pr.net_inventory[0, -1, 0] == pytest.approx(-24.0)
    assert pr.fill_rate == pytest.approx(1 - short.sum() / 144)


def test_overdue_order_arrives_in_the_first_hour():
    pr = project(tiny_state(eta_hours=-3.0), days=1, replications=2, seed=0, demand="deterministic",
                 lead_time_cv=0.0)
    assert pr.net_inventory[0, 1, 0] == pytest.approx(50 + 30 - 2)


def test_projection_is_seeded_and_scenarios_share_the_demand(data):
    st = twin_state(data.events, data.policy, now=3 * DAY)
    a = project(st, days=3, replications=20, seed=4)
    b = project(st, days=3, replications=20, seed=4)
    assert np.array_equal(a.net_inventory, b.net_inventory)
    stop = project(st, days=3, replications=20, seed=4, scenario="supplier stops tomorrow")
    assert np.array_equal(stop.demand, a.demand)                 # common random numbers
    assert stop.short.sum() >= a.short.sum()
    table = compare_levers(st, days=3, replications=20, seed=4)
    assert list(table.index) == ["as is", "reorder points +25%", "order quantities x2"]
    assert table.loc["as is", "fill_rate"] == pytest.approx(stop.fill_rate)


@pytest.mark.parametrize("kw, name", [({"days": 0}, "days"), ({"replications": 1}, "replications"),
                                      ({"scenario": "meteor"}, "scenario"), ({"lever": "pray"}, "lever"),
                                      ({"demand": "magic"}, "demand"), ({"lead_time_cv": -1}, "lead_time_cv")])
def test_bad_input_names_the_parameter(kw, name):
    with pytest.raises(ValueError, match=name):
        project(tiny_state(), **kw)


def test_twin_started_before_the_stream_names_now(data):
    with pytest.raises(ValueError, match="now must be at or after the stream's first event"):
        twin_state(data.events, data.policy, now=-1.0)


def test_too_large_projection_refused_with_its_size():
    with pytest.raises(ValueError, match=r"replications=100000 .* too large"):
        project(tiny_state(), days=28, replications=100_000)


def test_what_if_panel_shows_errors_escaped_without_traceback(monkeypatch):
    import ipywidgets as W

    from casekit.widgets import streaming as ws

    def boom(*args, **kwargs):
        raise ValueError("bad <img src=x> horizon")

    monkeypatch.setattr(ws, "what_if", boom)
    day_w, node_w = W.IntSlider(value=10), W.Dropdown(options=["network"], value="network")
    panel = ws.what_if_panel(None, None, day_w, node_w, _states={10: tiny_state()})
    run = [w for box in panel.children if isinstance(box, W.HBox) for w in box.children if isinstance(w, W.Button)]
    run[0].click()
    errors = [w.value for w in panel.children if isinstance(w, W.HTML) and "ck-error" in w.value]
    assert len(errors) == 1 and "<img" not in errors[0] and "Cannot run the twin: bad &lt;img" in errors[0]


def test_what_if_is_project_from_the_days_state():
    st = tiny_state()
    a = project(st, 2, replications=5, seed=3)
    from casekit.twin import what_if

    b = what_if(None, None, 10, state=st, days=2, replications=5, seed=3)
    assert np.array_equal(a.net_inventory, b.net_inventory)
    with pytest.raises(ValueError, match="state is for now"):
        what_if(None, None, 9, state=st, days=2)


@pytest.mark.parametrize("rate, u", [(1.2, 1.0), (4.78, 2.0), (4.06, 3.0)])
def test_hourly_demand_has_the_compound_poisson_moments(rate, u):
    """D = sum of N ~ Poisson(rate / u) purchases of 1 + Poisson(u - 1) units: E D = rate and
    Var D = (rate / u) E[X^2] with E[X^2] = (u - 1) + u^2 (the compound Poisson variance)."""
    from casekit.twin import _demand

    d = _demand(rate, u, deterministic=False)
    assert d.mean() == pytest.approx(rate, rel=1e-9)
    assert d.var() == pytest.approx(rate / u * ((u - 1) + u ** 2), rel=1e-7)


def test_no_disruption_projection_covers_the_replay_of_the_next_days(data):
    """The stream was made by an independent event-by-event simulation; before any lane slips (day 3),
    the twin's 90% bands should hold the replay's day-end net inventory about 90% of the time:
    at least 80% of the 64 store-SKU-days (measured: 58 of 64)."""
    pipe = Pipeline(data.policy)
    pipe.process(data.events)
    pipe.flush()
    day_end = pipe.kpis().set_index(["window_start", "node", "sku"])["net_inventory"]
    pr = project(twin_state(data.events, data.policy, now=3 * DAY), days=4, replications=200, seed=0)
    inside = total = 0
    for day in range(1, 5):
        lo, hi = np.quantile(pr.net_inventory[:, 24 * day, :], [0.05, 0.95], axis=0)
        for j, (n, s) in enumerate(pr.groups):
            key = ((3 + day - 1) * DAY, n, s)
            if key in day_end.index:
                inside += int(lo[j] <= day_end[key] <= hi[j])
                total += 1
    assert total == 64 and inside >= 0.8 * total
