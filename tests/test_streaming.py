"""casekit.streaming: the vectorised pipeline against the event-by-event simulation that made the stream."""

import logging

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from casekit.datasets.events import generate_events, load_events
from casekit.streaming import (EventStore, Pipeline, QUERIES, ewma_chart, modified_z, poisson_loss, replay)


@pytest.fixture(scope="module")
def data():
    return load_events()


@pytest.fixture(scope="module")
def pipe(data):
    return Pipeline(data.policy).run(data.events, speed=6 * 3600)


def test_purchase_orders_equal_the_simulation_loop(data, pipe):
    # the generator placed orders with a plain per-event loop; the pipeline re-derives them by
    # segmented cumulative sums and a running maximum
    got = pipe.purchase_orders()[["ts", "node", "sku", "qty"]].reset_index(drop=True)
    want = data.orders.sort_values(["ts", "node", "sku"], kind="stable")[["ts", "node", "sku", "qty"]]
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_dtype=False)
    assert pipe.summary()["rejected"] == 0


@pytest.mark.parametrize("speed", [7200.0, 86400.0 * 30])
def test_results_do_not_depend_on_the_batching(data, pipe, speed):
    other = Pipeline(data.policy).run(data.events, speed=speed)
    pd.testing.assert_frame_equal(other.purchase_orders(), pipe.purchase_orders())
    pd.testing.assert_frame_equal(other.kpis(), pipe.kpis())
    pd.testing.assert_frame_equal(other.state(), pipe.state())


def test_kpis_add_up_to_the_stream(data, pipe):
    k = pipe.kpis()
    sales = data.events[data.events["type"] == "sale"]
    assert k["demand"].sum() == pytest.approx(sales["value"].sum())
    assert (k["filled"] <= k["demand"] + 1e-9).all()
    assert k["orders"].sum() == len(data.orders)
    # inventory position = net inventory + on order, where on order = ordered - received
    st = pipe.state().set_index(["node", "sku"])
    rec = data.events[data.events["type"] == "receipt"].groupby(["node", "sku"])["value"].sum()
    ordered = data.orders.groupby(["node", "sku"])["qty"].sum()
    on_order = ordered.sub(rec, fill_value=0).reindex(st.index, fill_value=0)
    assert np.allclose(st["on_order"], on_order)


def test_bad_events_are_rejected_counted_and_logged(data, caplog):
    ev = data.events.iloc[:400].copy()
    ev.loc[5, "ts"] = np.nan                       # missing timestamp
    ev.loc[10, "ts"] = 0                           # earlier than events already seen
    ev.loc[20, "node"] = "N99"                     # unknown node
    ev.loc[30, "sku"] = "K99"                      # unknown SKU
    ev.loc[40, "type"] = "teleport"                # unknown type
    ev.loc[50, "value"] = -3.0                     # negative quantity
    dup = ev.iloc[[60, 70]]                        # duplicated events (same ids)
    ev = pd.concat([ev, dup], ignore_index=True)
    p = Pipeline(data.policy)
    with caplog.at_level(logging.WARNING, logger="casekit.streaming"):
        rep = p.process(ev)
    # each event is rejected once, for the first reason found (duplicates before order)
    assert rep.rejected == {"missing_timestamp": 1, "out_of_order": 1, "duplicate": 2, "unknown_node": 1,
                            "unknown_sku": 1, "unknown_type": 1, "bad_value": 1}
    assert p.received == len(ev) and p.accepted == len(ev) - 8
    assert p.store.count("rejected") == 8
    assert "unknown_node" in caplog.text
    # a later batch replaying old ids is caught as duplicates
    again = data.events.iloc[395:402]
    rep2 = p.process(again)
    assert rep2.rejected.get("duplicate") == 5
    bad = data.events.iloc[:50].copy()
    bad.loc[20, "node"] = "N99"
    with pytest.raises(ValueError, match="event_id 20 .* rejected: unknown node"):
        Pipeline(data.policy, strict=True).process(bad)


def test_missing_columns_and_bad_policy():
    d = generate_events(n_days=2, n_nodes=1, n_skus=1)
    with pytest.raises(ValueError, match="missing column"):
        Pipeline(d.policy).process(d.events.drop(columns="shipment"))
    with pytest.raises(ValueError, match="policy is missing"):
        Pipeline(d.policy.drop(columns="reorder_point"))


def test_poisson_loss_equals_brute_force_sum():
    d = np.arange(0, 400)
    for mu in (0.5, 4.0, 37.5):
        for x in (0, 3, 40):
            brute = np.sum(np.maximum(d - x, 0) * stats.poisson.pmf(d, mu))
            assert poisson_loss(x, mu) == pytest.approx(brute, rel=1e-10, abs=1e-14)


def test_ewma_chart_matches_montgomery_recursion():
    rng = np.random.default_rng(1)
    x = rng.normal(10, 1, 30)
    x[20:] += 2
    z, out, lim = ewma_chart(x, 10.0, 1.0, lam=0.1, L=2.7)
    zz, prev = [], 10.0
    for t, xi in enumerate(x, start=1):
        prev = 0.1 * xi + 0.9 * prev
        zz.append(prev)
        assert lim[t - 1] == pytest.approx(2.7 * np.sqrt(0.1 / 1.9 * (1 - 0.9 ** (2 * t))))
    assert np.allclose(z, zz)
    assert out.tolist() == [abs(a - 10) > b for a, b in zip(zz, lim)]
    assert out[20:].any() and not out[:20].any()


def test_modified_z_score_iglewicz_hoaglin():
    x = np.array([2.0, 3, 3, 4, 5, 30])
    med = np.median(x)
    mad = np.median(np.abs(x - med))
    m = modified_z(x, med, mad)
    assert m[-1] == pytest.approx(0.6745 * (30 - 3.5) / 1.0)
    assert (np.abs(m) > 3.5).tolist() == [False] * 5 + [True]


def test_injected_incidents_raise_the_right_alerts(data, pipe):
    al = pipe.alerts()
    assert (np.diff(al["impact"].to_numpy()) <= 1e-9).all() and (al["impact"] >= 0).all()
    # the cold-room failure (node N2, from 55% of the horizon for 6 hours)
    horizon = 14 * 86400
    t0 = 0.55 * horizon
    temp = al[(al["kind"] == "temperature") & (al["ts"] >= t0) & (al["ts"] < t0 + 6 * 3600)]
    assert set(temp["node"]) == {"N2"}
    # the late lane (node N4 after 40% of the horizon) holds most late-shipment alerts
    late = al[al["kind"] == "late_shipment"]
    assert (late["node"] == "N4").mean() > 0.5


def test_sql_window_functions_agree_with_pandas(data, pipe):
    roll = pipe.store.query("rolling_demand")
    s = data.events[data.events["type"] == "sale"].assign(hour=lambda d: d["ts"] // 3600)
    hourly = s.groupby(["node", "sku", "hour"])["value"].sum()
    one = hourly.loc[("N1", "K1")]
    full = one.reindex(range(one.index.max() + 1), fill_value=0.0)
    want = full.rolling(24, min_periods=1).sum().loc[one.index]
    got = roll[(roll["node"] == "N1") & (roll["sku"] == "K1")].set_index("hour")["units_24h"]
    assert np.allclose(got.to_numpy(), want.to_numpy())
    drift = pipe.store.query("eta_drift")
    first = drift[drift["update_no"] == 1]
    assert (first["drift_hours"] == 0).all()
    ranked = pipe.store.query("ranked_alerts")
    assert len(ranked) == len(pipe.alerts()) and ranked["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert len(pipe.store.query("order_intervals")) == len(data.orders)
    assert set(QUERIES) >= {"rolling_demand", "eta_drift", "ranked_alerts", "order_intervals"}


def test_replay_slices_by_accelerated_clock(data):
    ev = data.events
    batches = list(replay(ev, speed=3600.0, tick=2.0))     # 2 simulated hours per batch
    assert sum(len(b) for b in batches) == len(ev)
    assert all((b["ts"].max() - b["ts"].min()) < 7200 for b in batches)
    with pytest.raises(ValueError, match="speed must be > 0"):
        next(replay(ev, speed=0))


def test_event_store_on_disk(tmp_path, data):
    store = EventStore(tmp_path / "events.sqlite", nodes=sorted(data.policy["node"].unique()),
                       skus=sorted(data.policy["sku"].unique()))
    p = Pipeline(data.policy, store).run(data.events.iloc[:2000])
    p.flush_kpis()
    assert store.count("events") == 2000
    assert store.count("kpis") == len(p.kpis())
    store.close()


def test_lead_time_kpis_match_the_raw_telemetry(data, pipe):
    ev = data.events
    first_eta = ev[ev["type"] == "eta"].groupby("shipment").agg(sent=("ts", "first"), plan=("value", "first"))
    rec = ev[ev["type"] == "receipt"].set_index("shipment")[["ts", "node"]].join(first_eta)
    rec["lt"] = (rec["ts"] - rec["sent"]) / 3600
    rec["drift"] = (rec["ts"] - rec["plan"]) / 3600
    want = rec.groupby("node")[["lt", "drift"]].mean()
    lt = pipe.lead_time_kpis()
    got = lt.assign(w_lt=lt["lead_time_hours"] * lt["received"], w_d=lt["drift_hours"] * lt["received"]) \
        .groupby("node")[["w_lt", "w_d", "received"]].sum()
    assert np.allclose(got["w_lt"] / got["received"], want["lt"])
    assert np.allclose(got["w_d"] / got["received"], want["drift"])
    assert lt["received"].sum() == len(rec)
    k = pipe.kpis()
    assert np.allclose(k["demand_per_hour"], k["demand"] / 24)
