"""Running totals both engines fill in the same way, and the KPIs computed from them.

Each KPI is the formula of :mod:`casekit.metrics` applied to per-period quantities; to keep
memory flat over long runs the engines accumulate sums (and sums of squares for variances)
instead of storing every period, so e.g. the bullwhip ratio uses Var(x) = E[x^2] - E[x]^2,
the same population variance as :func:`casekit.metrics.bullwhip_ratio`.
"""

from __future__ import annotations

import numpy as np

SERIES = ("on_hand", "backorders", "orders", "in_transit", "receipts", "shipped", "demand_received",
          "external_demand", "met", "lost", "expedited")


class Accum:
    def __init__(self, n: int, nd: int, B: int, T: int, keep_series: bool, keep_flow: bool):
        z = lambda *s: np.zeros(s)  # noqa: E731
        self.T = T
        self.hold, self.short, self.order, self.emerg, self.co2 = z(B), z(B), z(B), z(B), z(B)
        self.dem, self.met, self.ok = z(nd, B), z(nd, B), z(nd, B)
        self.bo, self.on, self.lost, self.exp_units = z(B), z(B), z(B), z(B)
        self.on_node, self.bo_node = z(n, B), z(n, B)
        self.q1, self.q2, self.rd1, self.rd2 = z(n, B), z(n, B), z(n, B), z(n, B)
        self.ed1, self.ed2 = z(B), z(B)
        self.flow_dem = z(T, B) if keep_flow else None      # total external demand per period
        self.flow_met = z(T, B) if keep_flow else None      # total met from stock per period
        self.series = {k: z(T, nd if k in ("external_demand", "met", "lost", "expedited") else n, B)
                       for k in SERIES} if keep_series else None


def kpi_table(acc: Accum, comp, scenario, C: int, R: int):
    """One row per (candidate, replication): the KPI table of the issue's names."""
    import pandas as pd

    from casekit import metrics

    T = acc.T
    hold, short, order, emerg = acc.hold / T, acc.short / T, acc.order / T, acc.emerg / T
    dem_tot = acc.dem.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(dem_tot > 0, acc.met.sum(axis=0) / np.where(dem_tot > 0, dem_tot, 1), np.nan)
        mq = acc.q1 / T
        vq = np.maximum(acc.q2 / T - mq ** 2, 0.0)
        me = acc.ed1 / T
        ve = np.maximum(acc.ed2 / T - me ** 2, 0.0)
        bull = np.where(ve > 0, vq[comp.source_top] / np.where(ve > 0, ve, 1), np.nan)
    data = {
        "cost_per_period": hold + order + short + emerg,
        "holding_cost": hold,
        "ordering_cost": order,
        "shortage_cost": short,
        "emergency_cost": emerg,
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
    return pd.DataFrame({
        "stage": comp.ids,
        "on_hand": (acc.on_node / T).mean(axis=1),
        "backorders": (acc.bo_node / T).mean(axis=1),
        "mean_order": mq.mean(axis=1),
        "order_std": np.sqrt(vq).mean(axis=1),
        "demand_received_std": np.sqrt(vr).mean(axis=1),
        "bullwhip_ratio": np.nanmean(bull, axis=1) if np.isfinite(bull).any() else np.nan,
        "fill_rate": fill,
        "cycle_service_level": csl,
    }).set_index("stage")
