"""Running totals both engines fill in the same way, and the KPIs computed from them.

Each KPI is the formula of :mod:`casekit.metrics` applied to per-period quantities; to keep
memory flat over long runs the engines accumulate sums (and sums of squares for variances)
instead of storing every period, so e.g. the bullwhip ratio uses Var(x) = E[x^2] - E[x]^2,
the same population variance as :func:`casekit.metrics.bullwhip_ratio`.  On request they also
keep per-stage series (``keep_series``) and network totals per period (``keep_totals``: demand,
met, on hand, backorders, expedited units, and orders placed and demand received per depth),
from which the metrics of any time bucket can be computed afterwards.
"""

from __future__ import annotations

import numpy as np

SERIES = ("on_hand", "backorders", "orders", "in_transit", "receipts", "shipped", "demand_received",
          "external_demand", "met", "lost", "expedited", "transfer_sent", "transfer_received")
DEMAND_SERIES = ("external_demand", "met", "lost", "expedited")
TOTALS = ("demand", "met", "on_hand", "backorders", "expedited", "transfers", "orders_by_depth",
          "received_by_depth")


class Accum:
    def __init__(self, n: int, nd: int, B: int, T: int, keep_series: bool, keep_flow: bool, *,
                 n_levels: int = 1, keep_totals: bool = False):
        z = lambda *s: np.zeros(s)  # noqa: E731
        self.T = T
        self.hold, self.short, self.order, self.emerg, self.co2 = z(B), z(B), z(B), z(B), z(B)
        self.freight, self.xfer, self.xfer_units, self.backup_units = z(B), z(B), z(B), z(B)
        self.dem, self.met, self.ok = z(nd, B), z(nd, B), z(nd, B)
        self.bo, self.on, self.lost, self.exp_units = z(B), z(B), z(B), z(B)
        self.on_node, self.bo_node = z(n, B), z(n, B)
        self._tmp = z(n, B)
        self.q1, self.q2, self.rd1, self.rd2 = z(n, B), z(n, B), z(n, B), z(n, B)
        self.ed1, self.ed2 = z(B), z(B)
        self.flow_dem = z(T, B) if keep_flow else None      # total external demand per period
        self.flow_met = z(T, B) if keep_flow else None      # total met from stock per period
        self.totals = None
        if keep_totals:
            self.totals = {k: z(T, B) for k in TOTALS[:6]}
            self.totals["orders_by_depth"] = z(T, n_levels, B)
            self.totals["received_by_depth"] = z(T, n_levels, B)
        self.series = {k: z(T, nd if k in DEMAND_SERIES else n, B) for k in SERIES} if keep_series else None

    def finish_fast(self, comp):
        """After the last period of a fast run: network on hand and backorders summed over
        periods (from the per-stage sums, rather than one sum per period)."""
        self.on = self.on_node.sum(axis=0)
        self.bo = self.bo_node[comp.demand_idx].sum(axis=0)

    def add_fast(self, eng, k: int, hold, short, order, emerg):
        """Book period k (after the warm-up) of a :class:`~casekit.simulation.fast.FastEngine`."""
        comp = eng.comp
        on, bo, q, rd, D, met = eng.on, eng.bo, eng.q, eng.rd, eng.D, eng.met
        self.hold += hold
        self.short += short
        self.order += order
        self.emerg += emerg
        self.freight += eng.freight
        self.xfer += eng.xfer_cost
        self.xfer_units += eng.xfer_units
        self.backup_units += eng.backup_units
        if eng.lost is not None:
            self.lost += eng.lost.sum(axis=0)
        if eng.exp_u is not None:
            self.exp_units += eng.exp_u.sum(axis=0)
        self.co2 += eng.co2
        self.dem += D
        self.met += met
        self.ok += (eng.short <= 0)
        self.on_node += on
        self.bo_node += bo
        self.q1 += q
        tmp = self._tmp
        np.multiply(q, q, out=tmp)
        self.q2 += tmp
        self.rd1 += rd
        np.multiply(rd, rd, out=tmp)
        self.rd2 += tmp
        ed = comp.ed_w @ D
        self.ed1 += ed
        self.ed2 += ed * ed
        if self.flow_dem is not None:
            self.flow_dem[k] = D.sum(axis=0)
            self.flow_met[k] = met.sum(axis=0)
        tot = self.totals
        if tot is not None:
            tot["demand"][k] = self.flow_dem[k]
            tot["met"][k] = self.flow_met[k]
            tot["on_hand"][k] = on.sum(axis=0)
            tot["backorders"][k] = bo[eng.dn].sum(axis=0)
            if eng.exp_u is not None:
                tot["expedited"][k] = eng.exp_u.sum(axis=0)
            tot["transfers"][k] = eng.xfer_units
            for d, (a, b) in enumerate(comp.levels):
                tot["orders_by_depth"][k, d] = q[a:b].sum(axis=0)
                tot["received_by_depth"][k, d] = rd[a:b].sum(axis=0)
        ser = self.series
        if ser is not None:
            from casekit.simulation.fast import transit_by_stage

            n, B = comp.n, eng.B
            ser["on_hand"][k] = on
            ser["backorders"][k] = bo
            ser["orders"][k] = q
            ser["in_transit"][k] = eng.inproc + transit_by_stage(comp, eng.tr, n, B)
            ser["receipts"][k] = eng.receipts
            ser["shipped"][k] = eng.shipped
            ser["demand_received"][k] = rd
            ser["external_demand"][k] = D
            ser["met"][k] = met
            ser["lost"][k] = 0.0 if eng.lost is None else eng.lost
            ser["expedited"][k] = 0.0 if eng.exp_u is None else eng.exp_u
            ser["transfer_sent"][k] = 0.0 if eng.sent is None else eng.sent
            ser["transfer_received"][k] = 0.0 if eng.received is None else eng.received


def kpi_table(acc: Accum, comp, scenario, C: int, R: int):
    """One row per (candidate, replication): the KPI table."""
    import pandas as pd

    from casekit import metrics

    T = acc.T
    hold, short, order, emerg = acc.hold / T, acc.short / T, acc.order / T, acc.emerg / T
    freight, xfer = acc.freight / T, acc.xfer / T
    dem_tot = acc.dem.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(dem_tot > 0, acc.met.sum(axis=0) / np.where(dem_tot > 0, dem_tot, 1), np.nan)
        mq = acc.q1 / T
        vq = np.maximum(acc.q2 / T - mq ** 2, 0.0)
        me = acc.ed1 / T
        ve = np.maximum(acc.ed2 / T - me ** 2, 0.0)
        bull = np.where(ve > 0, vq[comp.source_top] / np.where(ve > 0, ve, 1), np.nan)
    data = {
        "cost_per_period": hold + order + short + emerg + freight + xfer,
        "holding_cost": hold,
        "ordering_cost": order,
        "shortage_cost": short,
        "emergency_cost": emerg,
        "transport_cost": freight,
        "transfer_cost": xfer,
        "fill_rate": fill,
        "cycle_service_level": (acc.ok / T).mean(axis=0),
        "backorders": acc.bo / T,
        "on_hand": acc.on / T,
        "bullwhip_ratio": bull,
        "order_std": np.sqrt(vq).mean(axis=0),
        "co2_kg": acc.co2 / T,
    }
    if scenario is not None and scenario.disruption_start is not None and acc.flow_dem is not None:
        start = scenario.disruption_start
        data["recovery_periods"] = np.asarray(
            metrics.recovery_time(acc.flow_dem.T, acc.flow_met.T, start=max(start, 1)), dtype=float)
    df = pd.DataFrame(data)
    if C > 1:
        df.insert(0, "replication", np.tile(np.arange(R), C))
        df.insert(0, "candidate", np.repeat(np.arange(C), R))
    else:
        df.index.name = "replication"
    return df


def node_table(acc: Accum, comp):
    """Per stage, averaged over replications."""
    import pandas as pd

    T = acc.T
    mq = acc.q1 / T
    vq = np.maximum(acc.q2 / T - mq ** 2, 0.0)
    mr = acc.rd1 / T
    vr = np.maximum(acc.rd2 / T - mr ** 2, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        bull = np.where(vr > 0, vq / np.where(vr > 0, vr, 1), np.nan)
    fill = np.full(comp.n, np.nan)
    csl = np.full(comp.n, np.nan)
    for m, k in enumerate(comp.demand_idx):
        d = acc.dem[m].sum()
        fill[k] = acc.met[m].sum() / d if d > 0 else np.nan
        csl[k] = (acc.ok[m] / T).mean()
    ok = np.isfinite(bull)
    cnt = ok.sum(axis=1)
    bmean = np.where(cnt > 0, np.where(ok, bull, 0.0).sum(axis=1) / np.maximum(cnt, 1), np.nan)
    return pd.DataFrame({
        "stage": comp.ids,
        "on_hand": (acc.on_node / T).mean(axis=1),
        "backorders": (acc.bo_node / T).mean(axis=1),
        "mean_order": mq.mean(axis=1),
        "order_std": np.sqrt(vq).mean(axis=1),
        "demand_received_std": np.sqrt(vr).mean(axis=1),
        "bullwhip_ratio": bmean,
        "fill_rate": fill,
        "cycle_service_level": csl,
    }).set_index("stage")
