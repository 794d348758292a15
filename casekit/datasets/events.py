"""The event stream replayed by :mod:`casekit.streaming`: a small retail network simulated event by event.

Nodes (stores) sell SKUs; each (node, SKU) runs a continuous-review (R, nQ) policy with
backorders: when the inventory position ``IP = on hand + on order - backorders`` is at or below
the reorder point R after an event, n orders of Q units are placed, n the smallest integer that
lifts IP above R (Axsaeter, *Inventory Control*, 4.3).  The simulation is a plain Python loop,
written independently of the vectorised pipeline, so the pipeline's purchase orders can be
checked against the ones placed here (``orders``).

Event types (column ``type``) and what ``value`` holds:

==============  ==========================================================================
``sale``        units demanded by a customer at ``node`` for ``sku`` (backordered if short)
``receipt``     units of shipment ``shipment`` arriving at ``node``
``eta``         shipment telemetry: the carrier's estimated time of arrival, seconds since start
                (the first ``eta`` of a shipment is sent when the order is placed)
``rfid``        an RFID cycle count: units physically on the shelf (reveals shrinkage)
``temperature`` a node's cold-room reading, degrees Celsius (``sku`` empty)
``vibration``   an in-transit shipment's shock reading, g (``node`` is the destination)
==============  ==========================================================================

Timestamps ``ts`` are whole seconds since :data:`START`; events with the same timestamp are
applied in the order of :data:`EVENT_TYPES` (receipts, then counts, then sales).  Injected incidents (for anomaly
detection): a cold-room failure at one node, a delayed shipment lane, rough handling of a few
shipments, and unrecorded shrinkage found by RFID counts.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from casekit.datasets import DATASETS_DIR
from casekit.validate import check_int, check_positive

__all__ = ["START", "EVENT_TYPES", "EventData", "generate_events", "write_events", "load_events",
           "EVENTS_DIR"]

EVENTS_DIR = DATASETS_DIR / "events"
START = "2024-03-04 00:00:00"
SEED = 20240304
#: Event types, in the order events with the same timestamp are applied.
EVENT_TYPES = ("receipt", "rfid", "sale", "eta", "vibration", "temperature")
HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True)
class EventData:
    """A generated stream: ``events`` (sorted by ts, event_id), ``policy`` (one row per node and
    SKU: reorder point, order quantity, initial stock, demand rate, costs, lead time) and
    ``orders`` (the purchase orders the simulation placed: ts, node, sku, qty, shipment)."""

    events: pd.DataFrame
    policy: pd.DataFrame
    orders: pd.DataFrame


def generate_events(seed: int = SEED, *, n_days: int = 14, n_nodes: int = 4, n_skus: int = 4,
                    sale_rate: float = 1.0, sensor_minutes: int = 30) -> EventData:
    """Simulate the network and return its event stream.

    Parameters
    ----------
    seed : int
        Random seed.
    n_days, n_nodes, n_skus : int
        Length of the stream and size of the network (node ids ``N1..``, SKU ids ``K1..``).
    sale_rate : float
        Multiplies every (node, SKU) customer arrival rate (base rates 1-4 customers per hour);
        the benchmark raises it to reach 10^6 events.
    sensor_minutes : int
        Minutes between two temperature readings of a node.
    """
    check_int("seed", seed, minimum=0)
    n_days = check_int("n_days", n_days, minimum=2)
    n_nodes = check_int("n_nodes", n_nodes, minimum=1)
    n_skus = check_int("n_skus", n_skus, minimum=1)
    sale_rate = check_positive("sale_rate", sale_rate)
    sensor_minutes = check_int("sensor_minutes", sensor_minutes, minimum=1)
    rng = np.random.default_rng(seed)
    horizon = n_days * DAY
    nodes = [f"N{i + 1}" for i in range(n_nodes)]
    skus = [f"K{j + 1}" for j in range(n_skus)]

    # ---- master data
    rows = []
    for i, node in enumerate(nodes):
        for j, sku in enumerate(skus):
            arrivals = float(rng.uniform(1.0, 4.0)) * sale_rate   # customers per hour
            size = 1 + j % 3                                      # mean units per customer
            lt_hours = float(24 + 12 * (i % 3))                   # mean lead time
            demand_per_hour = arrivals * size
            ltd = demand_per_hour * lt_hours
            R = int(round(ltd + 1.65 * np.sqrt(ltd * (1 + size))))
            Q = int(round(max(demand_per_hour * 24, 10)))
            rows.append({"node": node, "sku": sku, "arrivals_per_hour": round(arrivals, 6),
                         "units_per_customer": size, "demand_per_hour": round(demand_per_hour, 6),
                         "lead_time_hours": lt_hours, "reorder_point": R, "order_quantity": Q,
                         "initial_stock": R + Q // 2, "unit_cost": round(2.0 + 3 * j, 2),
                         "shortage_cost": round(4.0 + 6 * j, 2)})
    policy = pd.DataFrame(rows)

    events = []   # (ts, kind, node, sku, value, shipment)
    orders = []
    delayed_node = nodes[-1]                  # its supplier lane slips from day 6
    cold_fail_node = nodes[min(1, n_nodes - 1)]
    fail_start, fail_end = int(0.55 * horizon), int(0.55 * horizon) + 6 * HOUR

    # ---- sales, orders, receipts, telemetry: per (node, sku) a simple event loop
    ship_id = 0
    for p in policy.itertuples():
        ip = float(p.initial_stock)        # inventory position
        on_hand = float(p.initial_stock)   # net inventory (negative = backorders)
        pending = []                       # heap of (arrival ts, qty, shipment)
        t = 0.0
        next_rfid = int(DAY * 0.5 + rng.uniform(0, DAY))
        counter = [ship_id]
        while True:
            t += rng.exponential(HOUR / p.arrivals_per_hour)
            # receipts and RFID counts due before this customer, in time order (receipt first on a tie)
            while True:
                t_rec = pending[0][0] if pending else np.inf
                due = min(t_rec, next_rfid)
                if due > min(t, horizon - 1):
                    break
                if t_rec <= next_rfid:
                    ts_r, qty, sid = heapq.heappop(pending)
                    on_hand += qty
                    events.append((ts_r, "receipt", p.node, p.sku, qty, sid))
                else:
                    shrink = float(rng.binomial(3, 0.3)) if on_hand > 3 else 0.0
                    on_hand -= shrink          # units lost without a record, found by the count
                    events.append((next_rfid, "rfid", p.node, p.sku, max(on_hand, 0.0), -1))
                    ip -= shrink
                    ip = _order(ip, p, next_rfid, events, orders, pending, rng, delayed_node, horizon,
                                counter)
                    next_rfid += DAY
            if t >= horizon:
                break
            ts = int(t)
            qty = float(1 + rng.poisson(p.units_per_customer - 1))
            on_hand -= qty
            ip -= qty
            events.append((ts, "sale", p.node, p.sku, qty, -1))
            ip = _order(ip, p, ts, events, orders, pending, rng, delayed_node, horizon, counter)
        ship_id = counter[0]

    # ---- sensors: temperature per node (cold room at 4 C), with one failure
    step = sensor_minutes * 60
    for node in nodes:
        ts = np.arange(step // 2, horizon, step)
        temp = 4.0 + rng.normal(0, 0.3, ts.size)          # thermostat-held cold room
        if node == cold_fail_node:
            inside = (ts >= fail_start) & (ts < fail_end)
            temp[inside] += np.linspace(1.0, 7.0, inside.sum())
        events.extend((int(a), "temperature", node, "", round(float(b), 2), -1) for a, b in zip(ts, temp))

    ev = pd.DataFrame(events, columns=["ts", "type", "node", "sku", "value", "shipment"])
    ev["ts"] = ev["ts"].astype(np.int64)
    order = np.lexsort((ev["shipment"].to_numpy(), ev["sku"].to_numpy(), ev["node"].to_numpy(),
                        pd.Categorical(ev["type"], categories=EVENT_TYPES).codes, ev["ts"].to_numpy()))
    ev = ev.iloc[order].reset_index(drop=True)
    ev.insert(0, "event_id", np.arange(len(ev), dtype=np.int64))
    ev["value"] = ev["value"].astype(float)
    ords = pd.DataFrame(orders, columns=["ts", "node", "sku", "qty", "shipment"])
    ords = ords.sort_values(["ts", "node", "sku", "shipment"], kind="stable").reset_index(drop=True)
    return EventData(ev, policy, ords)


def _order(ip, p, ts, events, orders, pending, rng, delayed_node, horizon, counter):
    """Place n orders of Q when IP <= R (the (R, nQ) rule); return the new IP."""
    R, Q = p.reorder_point, p.order_quantity
    if ip > R:
        return ip
    n = int((R - ip) // Q) + 1
    qty = float(n * Q)
    ip += qty
    sid = counter[0]
    counter[0] += 1
    orders.append((ts, p.node, p.sku, qty, sid))
    lt = rng.gamma(16.0, p.lead_time_hours / 16.0) * HOUR
    eta0 = ts + p.lead_time_hours * HOUR
    slip = 0.0
    if p.node == delayed_node and ts > 0.4 * horizon:
        slip = float(rng.uniform(18, 36)) * HOUR          # the lane's carrier runs late
    arrival = int(ts + lt + slip)
    events.append((ts, "eta", p.node, p.sku, float(int(eta0)), sid))
    # two telemetry updates on the way; the second reveals most of any slip
    for frac in (0.4, 0.75):
        t_upd = int(ts + frac * (arrival - ts))
        est = arrival + rng.normal(0, 2 * HOUR) * (1 - frac)
        events.append((t_upd, "eta", p.node, p.sku, float(int(est)), sid))
        rough = rng.random() < 0.03
        shock = float(round(abs(rng.normal(0.8, 0.2)) + (rng.uniform(4, 7) if rough else 0.0), 3))
        events.append((t_upd, "vibration", p.node, p.sku, shock, sid))
    if arrival < horizon:
        heapq.heappush(pending, (arrival, qty, sid))
    return ip


def write_events(directory: Path | str = EVENTS_DIR, seed: int = SEED) -> list[Path]:
    """Write ``events.csv``, ``policy.csv`` and ``orders.csv`` into ``directory``; return the paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    data = generate_events(seed)
    paths = [d / "events.csv", d / "policy.csv", d / "orders.csv"]
    data.events.to_csv(paths[0], index=False, lineterminator="\n")
    data.policy.to_csv(paths[1], index=False, lineterminator="\n")
    data.orders.to_csv(paths[2], index=False, lineterminator="\n")
    return paths


def load_events(directory: Path | str = EVENTS_DIR) -> EventData:
    """The shipped stream (``sku`` of sensor rows read as empty strings)."""
    d = Path(directory)
    if not (d / "events.csv").exists():
        raise FileNotFoundError(f"{d / 'events.csv'} is missing: regenerate it with "
                                "casekit.datasets.events.write_events()")
    ev = pd.read_csv(d / "events.csv", keep_default_na=False, dtype={"sku": str, "node": str})
    return EventData(ev, pd.read_csv(d / "policy.csv"), pd.read_csv(d / "orders.csv"))
