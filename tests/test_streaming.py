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
    ev.loc[300, "ts"] = 0                          # hours earlier than events already seen
    ev.loc[20, "node"] = "N99"                     # unknown node
    ev.loc[30, "sku"] = "K99"                      # unknown SKU
    ev.loc[40, "type"] = "teleport"                # unknown type
    ev.loc[50, "value"] = -3.0                     # negative quantity
    dup = ev.iloc[[60, 70]]                        # duplicated events (same ids)
    ev = pd.concat([ev, dup], ignore_index=True)
    p = Pipeline(data.policy)
    with caplog.at_level(logging.WARNING, logger="casekit.streaming"):
        rep = p.process(ev)
    # each event is rejected once, for the first reason found
    assert rep.rejected == {"missing_timestamp": 1, "out_of_order": 1, "duplicate": 2, "unknown_node": 1,
                            "unknown_sku": 1, "unknown_type": 1, "bad_value": 1}
    assert p.received == len(ev) and p.accepted == len(ev) - 8
    assert p.store.count("rejected") == 8 and p.store.count("events") == p.accepted
    assert "unknown_node" in caplog.text
    # a later batch replaying old ids is caught as duplicates
    again = data.events.iloc[395:402]
    rep2 = p.process(again)
    assert rep2.rejected.get("duplicate") == 5
    bad = data.events.iloc[:50].copy()
    bad.loc[20, "node"] = "N99"
    with pytest.raises(ValueError, match="event_id 20 .* rejected: unknown node"):
        Pipeline(data.policy, strict=True).process(bad)


def test_strict_rejection_keeps_nothing_of_the_batch(data):
    p = Pipeline(data.policy, strict=True)
    p.process(data.events.iloc[:100])
    bad = data.events.iloc[100:200].copy()
    bad.loc[150, "value"] = np.inf
    with pytest.raises(ValueError, match="event_id 150 .* rejected: bad value"):
        p.process(bad)
    assert p.accepted == p.received == p.store.count("events") == 100
    p.process(data.events.iloc[100:200])           # the corrected batch goes through
    assert p.accepted == p.store.count("events") == 200


def test_one_absurd_timestamp_does_not_reject_the_stream(data, pipe):
    # a temperature reading (no effect on stock) with its timestamp multiplied by 1000: it is
    # rejected as a clock error and never becomes the ordering reference
    ev = data.events.copy()
    row = int(np.flatnonzero((ev["type"] == "temperature").to_numpy())[50])
    ev.loc[row, "ts"] = ev.loc[row, "ts"] * 1000
    p = Pipeline(data.policy).run(ev, speed=86400)
    assert p.rejections["too_far_ahead"] == 1 and p.summary()["rejected"] == 1
    pd.testing.assert_frame_equal(p.purchase_orders(), pipe.purchase_orders())
    # the same, sent as the very first event of the stream
    first = pd.concat([ev.iloc[[row]], ev.drop(index=row)], ignore_index=True)
    p = Pipeline(data.policy).run(first, speed=86400)
    assert p.summary()["rejected"] == 1
    pd.testing.assert_frame_equal(p.purchase_orders(), pipe.purchase_orders())


def test_a_rejected_event_never_moves_the_clock(data):
    ev = data.events.iloc[:300].copy()
    ev.loc[100, "ts"] = ev.loc[100, "ts"] + 10 * 86400      # far ahead, and also an unknown node
    ev.loc[100, "node"] = "N99"
    p = Pipeline(data.policy)
    rep = p.process(ev)
    assert rep.rejected == {"unknown_node": 1} and p.clock == ev["ts"].drop(index=100).max()


def test_late_events_inside_the_reorder_window_are_applied_in_time_order(data, pipe):
    # every event arrives up to 50 minutes late, in arrival order: nothing is lost and the
    # purchase orders are those of the in-order stream (the simulation's)
    ev = data.events
    delay = np.random.default_rng(5).uniform(0, 3000, len(ev))
    late = ev.iloc[np.argsort(ev["ts"].to_numpy() + delay, kind="stable")].reset_index(drop=True)
    p = Pipeline(data.policy, reorder_window_hours=1.0).run(late, speed=86400)
    assert p.summary()["rejected"] == 0 and p.pending == 0
    pd.testing.assert_frame_equal(p.purchase_orders(), pipe.purchase_orders())
    pd.testing.assert_frame_equal(p.kpis(), pipe.kpis())
    # with no reorder window the same stream loses its late events, each one counted
    q = Pipeline(data.policy, reorder_window_hours=0.0).run(late, speed=86400)
    assert q.rejections["out_of_order"] > 0
    assert q.received == len(ev) == q.accepted + q.summary()["rejected"]
    assert q.store.count("events") == q.accepted


def test_shuffled_stream_is_counted_not_lost(data):
    ev = data.events.sample(frac=1.0, random_state=3).reset_index(drop=True)
    p = Pipeline(data.policy).run(ev, speed=86400)
    s = p.summary()
    assert s["received"] == len(ev) == s["accepted"] + s["rejected"]
    assert s["rejected"] == p.store.count("rejected") and s["accepted"] == p.store.count("events")
    assert s["rejections"]["out_of_order"] > 0


def test_events_are_applied_only_when_the_reorder_window_has_passed(data):
    ev = data.events.iloc[:200]
    p = Pipeline(data.policy, reorder_window_hours=1.0)
    rep = p.process(ev)
    held = int((ev["ts"] >= ev["ts"].max() - 3600).sum())
    assert rep.accepted == 200 and rep.pending == p.pending == held
    assert p.flush().pending == 0
    # after a flush, an event older than the last applied one is too late
    old = data.events.iloc[[200]].assign(ts=int(ev["ts"].max()) - 10)
    assert p.process(old).rejected == {"out_of_order": 1}


def test_nan_and_inf_in_any_field_are_rejected_and_counted(data, pipe):
    ev = data.events.copy()
    rng = np.random.default_rng(0)
    eta = rng.choice(np.flatnonzero((ev["type"] == "eta").to_numpy()), 50, replace=False)
    ev["shipment"] = ev["shipment"].astype(float)
    ev.loc[eta, "shipment"] = np.nan                # would be stored as -2**63 if cast blindly
    sales = rng.choice(np.flatnonzero((ev["type"] == "sale").to_numpy()), 30, replace=False)
    ev["event_id"] = ev["event_id"].astype(float)
    ev.loc[sales[:10], "event_id"] = np.nan
    ev.loc[sales[10:20], "value"] = np.inf
    ev["ts"] = ev["ts"].astype(float)
    ev.loc[sales[20:], "ts"] = np.inf
    p = Pipeline(data.policy).run(ev, speed=86400)
    r = p.rejections
    assert (r["bad_shipment"], r["bad_event_id"], r["bad_value"], r["bad_timestamp"]) == (50, 10, 10, 10)
    assert p.received == len(ev) == p.accepted + sum(r.values())
    assert p.store.count("events") == p.accepted == len(ev) - 80
    shipments = p.store.query("SELECT MIN(shipment) AS lo, COUNT(DISTINCT shipment) AS n FROM events")
    assert shipments["lo"].iloc[0] >= -1
    assert shipments["n"].iloc[0] == data.events["shipment"].nunique()


def test_good_resend_after_a_bad_first_copy_is_accepted(data):
    ev = data.events.iloc[:100].copy()
    resend = ev.iloc[[40]]
    ev.loc[40, "ts"] = np.nan                        # the first copy lost its timestamp
    p = Pipeline(data.policy)
    rep = p.process(pd.concat([ev.iloc[:45], resend, ev.iloc[45:]], ignore_index=True))
    assert rep.rejected == {"missing_timestamp": 1} and rep.accepted == 100
    assert p.store.query("SELECT COUNT(*) AS n FROM events WHERE event_id = 40")["n"].iloc[0] == 1


def test_bad_policy_rows_are_refused_at_construction(data):
    pol = data.policy.copy()
    pol.loc[3, "order_quantity"] = np.nan
    with pytest.raises(ValueError, match=r"policy order_quantity must be finite.*row 3 \(node 'N1', sku 'K4'\)"):
        Pipeline(pol)
    for col, v, msg in [("order_quantity", 0, "> 0"), ("unit_cost", -1.0, ">= 0"),
                        ("demand_per_hour", np.inf, "finite"), ("lead_time_hours", -2.0, ">= 0"),
                        ("reorder_point", "ten", "must hold numbers")]:
        pol = data.policy.copy().astype({col: object})
        pol.loc[5, col] = v
        with pytest.raises((ValueError, TypeError), match=f"policy {col} .*{msg}"):
            Pipeline(pol)
    pol = data.policy.copy()
    pol.loc[0, "node"] = None
    with pytest.raises(ValueError, match="policy node must be a non-empty name"):
        Pipeline(pol)


def test_store_is_write_ahead_logged_and_transactional(tmp_path, data, monkeypatch):
    nodes, skus = sorted(data.policy["node"].unique()), sorted(data.policy["sku"].unique())
    store = EventStore(tmp_path / "s.sqlite", nodes=nodes, skus=skus)
    assert store.con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.con.execute("PRAGMA synchronous").fetchone()[0] >= 1          # NORMAL (1) or FULL (2)
    p = Pipeline(data.policy, store)
    p.process(data.events.iloc[:1000])
    before = (p.accepted, p.store.count("events"), p.store.count("purchase_orders"), len(p.purchase_orders()))

    def boom(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(p.store, "set_meta", boom)  # interrupted after the batch's other writes
    with pytest.raises(KeyboardInterrupt):
        p.process(data.events.iloc[1000:2000])
    after = (p.accepted, p.store.count("events"), p.store.count("purchase_orders"), len(p.purchase_orders()))
    assert after == before
    monkeypatch.undo()
    p.process(data.events.iloc[1000:2000])
    assert p.accepted == p.store.count("events") == 2000
    store.close()


_CRASH = """
import os, signal, sys
from casekit.datasets.events import load_events
from casekit.streaming import EventStore, Pipeline
d = load_events()
store = EventStore(sys.argv[1], nodes=sorted(d.policy["node"].unique()), skus=sorted(d.policy["sku"].unique()))
insert, calls = store.insert, [0]
def insert_then_die(table, columns):
    insert(table, columns)
    if table == "events":
        calls[0] += 1
        if calls[0] == 8:                        # the 8th batch: killed inside its transaction
            os.kill(os.getpid(), signal.SIGKILL)
store.insert = insert_then_die
Pipeline(d.policy, store).run(d.events, speed=86400)
"""


def test_resume_after_a_crash_takes_every_event_exactly_once(tmp_path, data, pipe, repo_root):
    import os
    import subprocess
    import sys

    path = tmp_path / "crash.sqlite"
    env = dict(os.environ, PYTHONPATH=str(repo_root))
    r = subprocess.run([sys.executable, "-c", _CRASH, str(path)], env=env, capture_output=True, timeout=300)
    assert r.returncode == -9, r.stderr.decode()[-2000:]
    nodes, skus = sorted(data.policy["node"].unique()), sorted(data.policy["sku"].unique())
    store = EventStore(path, nodes=nodes, skus=skus)
    kept = store.count("events")
    assert 0 < kept < len(data.events)
    p = Pipeline(data.policy, store)                  # counters rebuilt from the store
    assert p.accepted == kept and p.received == kept + store.count("rejected")
    p.run(data.events, speed=86400)                   # the source sends everything again
    assert p.accepted == store.count("events") == len(data.events)
    assert p.rejections["duplicate"] == kept and p.summary()["rejected"] == kept
    pd.testing.assert_frame_equal(p.purchase_orders(), pipe.purchase_orders())
    pd.testing.assert_frame_equal(p.kpis(), pipe.kpis())
    pd.testing.assert_frame_equal(p.state(), pipe.state())
    assert store.count("purchase_orders") == len(data.orders)
    assert set(p.alerts()["event_id"]) == set(pipe.alerts()["event_id"])
    store.close()
    # and a third Pipeline on the finished store has nothing left to do
    again = Pipeline(data.policy, EventStore(path, nodes=nodes, skus=skus))
    assert again.accepted == len(data.events) and again.pending == 0
    pd.testing.assert_frame_equal(again.purchase_orders(), pipe.purchase_orders())


def test_a_store_belongs_to_one_network(tmp_path, data):
    store = EventStore(tmp_path / "x.sqlite", nodes=["A", "B"], skus=["K1"])
    with pytest.raises(ValueError, match="store nodes"):
        Pipeline(data.policy, store)


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


def test_chart_parameters_are_checked():
    with pytest.raises(ValueError, match="sigma0 must be > 0, got -1.0"):
        ewma_chart([1, 2, 3], 0, -1)
    with pytest.raises(ValueError, match="L must be > 0"):
        ewma_chart([1, 2, 3], 0, 1, L=0)
    with pytest.raises(ValueError, match="x must be finite, got nan at index 1"):
        ewma_chart([1, np.nan, 3], 0, 1)
    with pytest.raises(ValueError, match="mad must be >= 0"):
        modified_z([1, 2], 1.0, -1.0)
    with pytest.raises(ValueError, match="median must be a finite number"):
        modified_z([1, 2], np.inf, 1.0)


@pytest.mark.parametrize("dtype", [object, "category"])
def test_text_columns_of_any_dtype_give_the_same_results(data, pipe, dtype):
    # pandas' default text columns are matched by pyarrow; object and categorical ones by pandas
    ev = data.events.astype({"type": dtype, "node": dtype, "sku": dtype})
    other = Pipeline(data.policy).run(ev, speed=6 * 3600)
    got = other.purchase_orders()[["ts", "node", "sku", "qty"]].reset_index(drop=True)
    want = data.orders.sort_values(["ts", "node", "sku"], kind="stable")[["ts", "node", "sku", "qty"]]
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(other.kpis(), pipe.kpis())
    # unknown and missing names are rejected, not matched
    bad = ev.iloc[:50].copy()
    bad["node"] = bad["node"].astype(object)
    bad.loc[bad.index[:3], "node"] = ["NOPE", None, np.nan]
    p = Pipeline(data.policy)
    p.process(bad)
    assert p.rejections["unknown_node"] == 3 and p.accepted == 47


def test_event_blocks_unpack_into_the_events_table(data):
    p = Pipeline(data.policy).run(data.events.iloc[:3000], speed=6 * 3600)
    store = p.store
    assert store.count("event_blocks") > 0 and store.count("events") == p.accepted == 3000
    assert store.materialize() == 3000 and store.count("event_blocks") == 0
    assert store.materialize() == 0
    got = store.query("SELECT event_id, ts, value, shipment FROM events ORDER BY event_id")
    want = data.events.iloc[:3000].sort_values("event_id")[["event_id", "ts", "value", "shipment"]]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    names = store.query("SELECT t.type, n.node, s.sku FROM events e JOIN types t USING (type_id) "
                        "JOIN nodes n USING (node_id) LEFT JOIN skus s USING (sku_id) ORDER BY e.event_id")
    assert (names["type"].to_numpy() == want.join(data.events["type"])["type"].to_numpy()).all()


def test_poisson_loss_arrays_and_scalars_equal_brute_force():
    d = np.arange(0, 400)
    x = np.array([-2.0, 0.0, 2.0, 3.0, 40.0])          # whole numbers (the formula is for integer x)
    mu = np.array([4.0, 0.0, 4.0, 37.5, 37.5])
    brute = [np.sum(np.maximum(d - xi, 0) * stats.poisson.pmf(d, mi)) for xi, mi in zip(x, mu)]
    assert np.allclose(poisson_loss(x, mu), brute, rtol=1e-10, atol=1e-14)
    assert [poisson_loss(float(a), float(b)) for a, b in zip(x, mu)] == pytest.approx(brute, rel=1e-10, abs=1e-14)


def test_run_equals_processing_the_replayed_batches_one_by_one(data, pipe):
    # run() parses the whole table once and slices it; process() parses each DataFrame batch
    p = Pipeline(data.policy)
    reports = [p.process(b) for b in replay(data.events, speed=6 * 3600)]
    p.flush()
    assert sum(r.received for r in reports) == len(data.events) == p.received
    pd.testing.assert_frame_equal(p.purchase_orders(), pipe.purchase_orders())
    pd.testing.assert_frame_equal(p.kpis(), pipe.kpis())
    pd.testing.assert_frame_equal(p.state(), pipe.state())
    pd.testing.assert_frame_equal(p.alerts(), pipe.alerts())
