"""Running totals both engines fill in the same way, and the KPIs computed from them.

Each KPI is the formula of :mod:`casekit.metrics` applied to per-period quantities; to keep
memory flat over long runs the engines accumulate sums (and sums of squares for variances)
instead of storing every period, so e.g. the bullwhip ratio uses Var(x) = E[x^2] - E[x]^2,
the same population variance as :func:`casekit.metrics.bullwhip_ratio`.  On request they also
keep per-stage series (``keep_series``) and network totals per period (``keep_totals``: demand,
met, on hand, backorders, expedited units, and orders placed and demand received per depth),
from which the metrics of any time bucket can be computed afterwards.

Without per-stage measures (``SimulationConfig(keep_stages=False)``) they keep per-stage sums
only where a network KPI is computed from them, so every KPI stays the same number: orders
placed and on hand at every stage (``order_std``, bullwhip, on hand), demand, met,
stockout-free periods and backorders at the customer-facing stages (fill rate, cycle service
level, backorders).  Where a quantity is a whole number of units its network total per period
is exact, so it replaces that quantity's per-stage sum (the fast engine: demand with discrete
demand; met, on hand and backorders when every quantity is whole).  The backorders of the
other stages and the moments of the demand each stage receives (only the per-stage table reads
them) are not kept.
"""

from __future__ import annotations

import numpy as np

SERIES = ("on_hand", "backorders", "orders", "in_transit", "receipts", "shipped", "demand_received",
          "external_demand", "met", "lost", "expedited", "transfer_sent", "transfer_received")
DEMAND_SERIES = ("external_demand", "met", "lost", "expedited")
TOTALS = ("demand", "met", "on_hand", "backorders", "expedited", "transfers", "orders_by_depth",
          "received_by_depth")


class Accum:
    """The running sums of one run, per copy (B = candidates x replications).

    ``keep_stages``: keep the per-stage sums of every table (``bo_node``, ``rd1``, ``rd2``;
    otherwise they are None and ``bo_dn`` holds backorders at the customer-facing stages only).
    ``whole``: which per-period quantities are whole numbers of units (:func:`whole_quantities`),
    whose network totals may then add the stages in any order; without per-stage measures such a
    total summed over periods (``dem_net``, ``met_net``, ``on``, ``bo``) then replaces the
    per-stage sum (``dem``, ``met``, ``on_node``, ``bo_dn`` are None)."""

    def __init__(self, n: int, nd: int, B: int, T: int, keep_series: bool, keep_flow: bool, *,
                 n_levels: int = 1, keep_totals: bool = False, keep_stages: bool = True,
                 whole: frozenset = frozenset()):
        z = lambda *s: np.zeros(s)  # noqa: E731
        self.T = T
        self.keep_stages = bool(keep_stages)
        self.whole = frozenset(whole)
        self.hold, self.short, self.order, self.emerg, self.co2 = z(B), z(B), z(B), z(B), z(B)
        self.freight, self.xfer, self.xfer_units, self.backup_units = z(B), z(B), z(B), z(B)
        lean = not self.keep_stages
        self._net_dem = lean and "demand" in self.whole
        self._net_all = lean and "all" in self.whole
        self.dem = None if self._net_dem else z(nd, B)
        self.met = None if self._net_all else z(nd, B)
        self.dem_net = z(B) if self._net_dem else None
        self.met_net = z(B) if self._net_all else None
        # periods without a stockout, per customer-facing stage: a count, kept in integers (adding
        # a boolean array to an int32 array is about 3x cheaper than to a float one)
        self.ok = np.zeros((nd, B), dtype=np.int32)
        self.bo, self.on, self.lost, self.exp_units = z(B), z(B), z(B), z(B)
        self._tmp = z(n, B)
        self.q1, self.q2 = z(n, B), z(n, B)
        self.on_node = None if self._net_all else z(n, B)
        if self.keep_stages:
            self.bo_node = z(n, B)
            self.rd1, self.rd2 = z(n, B), z(n, B)
            self.bo_dn = None
        else:
            self.bo_node = self.rd1 = self.rd2 = None
            self.bo_dn = None if self._net_all else z(nd, B)
        self.ed1, self.ed2 = z(B), z(B)
        keep_flow = keep_flow or keep_totals
        self.flow_dem = z(T, B) if keep_flow else None      # total external demand per period
        self.flow_met = z(T, B) if keep_flow else None      # total met from stock per period
        self.totals = None
        if keep_totals:
            # demand and met per period are the two arrays above (one copy each)
            self.totals = {k: self.flow_dem if k == "demand" else self.flow_met if k == "met" else z(T, B)
                           for k in TOTALS[:6]}
            self.totals["orders_by_depth"] = z(T, n_levels, B)
            self.totals["received_by_depth"] = z(T, n_levels, B)
        self.series = {k: z(T, nd if k in DEMAND_SERIES else n, B) for k in SERIES} if keep_series else None
        self._ones = np.ones(max(n, nd, 1))

    def net(self, x, kind: str = "all"):
        """Network total of the rows of ``x`` (rows, B), one per copy; ``kind``: which quantity
        ``x`` is (``"demand"``, ``"orders"`` or ``"all"`` for any other).

        ``x.sum(axis=0)`` over a (2,000, 30) array is slow (numpy runs an inner loop of only 30
        per row); a product with a vector of ones is one BLAS call, about 5x faster.  The two add
        the rows in different orders, which gives the same number only when every partial sum is
        exact, i.e. when the quantity is a whole number of units in every row; otherwise numpy's
        order is kept, so no figure depends on this shortcut."""
        if kind in self.whole or "all" in self.whole:
            return self._ones[:x.shape[0]] @ x
        return x.sum(axis=0)

    def finish_fast(self, comp):
        """After the last period of a fast run: network on hand and backorders summed over
        periods (from the per-stage sums, rather than one sum per period; without them they
        were added up period by period)."""
        if self.on_node is not None:
            self.on = self.on_node.sum(axis=0)
        if self.bo_node is not None:
            self.bo = self.bo_node[comp.demand_idx].sum(axis=0)
        elif self.bo_dn is not None:
            self.bo = self.bo_dn.sum(axis=0)

    def add_fast(self, eng, k: int, hold, short, order, emerg):
        """Book period k (after the warm-up) of a :class:`~casekit.simulation.fast.FastEngine`."""
        comp = eng.comp
        on, bo, q, rd, D, met = eng.on, eng.bo, eng.q, eng.rd, eng.D, eng.met
        net = self.net
        self.hold += hold
        self.short += short
        self.order += order
        self.emerg += emerg
        self.freight += eng.freight
        self.xfer += eng.xfer_cost
        self.xfer_units += eng.xfer_units
        self.backup_units += eng.backup_units
        if eng.lost is not None:
            self.lost += net(eng.lost)
        exp_t = None
        if eng.exp_u is not None:
            # period_cost has summed the units expedited already (when costs are not scaled)
            exp_t = getattr(eng, "exp_total", None)
            if exp_t is None:
                exp_t = net(eng.exp_u)
            self.exp_units += exp_t
        self.co2 += eng.co2
        tot, flow = self.totals, self.flow_dem is not None
        bo_dn = bo[eng.dn]
        # network totals of this period, each computed once where something needs it
        dem_t = net(D, "demand") if flow or self._net_dem else None
        met_t = net(met) if flow or self._net_all else None
        on_t = net(on) if tot is not None or self._net_all else None
        bo_t = net(bo_dn) if tot is not None or self._net_all else None
        if self._net_dem:
            self.dem_net += dem_t
        else:
            self.dem += D
        if self._net_all:
            self.met_net += met_t
            self.on += on_t
            self.bo += bo_t
        else:
            self.met += met
            self.on_node += on
            if self.keep_stages:
                self.bo_node += bo
            else:
                self.bo_dn += bo_dn
        self.ok += (eng.short <= 0)
        tmp = self._tmp
        self.q1 += q
        np.square(q, out=tmp)                      # (the same numbers as q * q, a little faster)
        self.q2 += tmp
        if self.keep_stages:
            self.rd1 += rd
            np.square(rd, out=tmp)
            self.rd2 += tmp
        ed = comp.ed_w @ D
        self.ed1 += ed
        self.ed2 += ed * ed
        if flow:                                   # (totals["demand"] and ["met"] are these)
            self.flow_dem[k] = dem_t
            self.flow_met[k] = met_t
        if tot is not None:
            tot["on_hand"][k] = on_t
            tot["backorders"][k] = bo_t
            if exp_t is not None:
                tot["expedited"][k] = exp_t
            tot["transfers"][k] = eng.xfer_units
            # orders placed and demand received (customers' orders and external demand) by depth
            for d, (a, b) in enumerate(comp.levels):
                tot["orders_by_depth"][k, d] = net(q[a:b], "orders")
                tot["received_by_depth"][k, d] = net(rd[a:b], "orders")
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


def whole_quantities(comp, pa, config) -> frozenset:
    """Which per-period quantities of a run are whole numbers of units in every row, so that
    their network totals are exact in any order of addition: ``"demand"`` (external demand: all
    demand distributions discrete), ``"orders"`` (orders placed, and so the demand each stage
    receives: every stage's order is rounded by its rule, or computed from whole quantities) and
    ``"all"`` (every quantity: whole policy parameters, lane units, capacities and expediting
    threshold; rationed shares, transfers and backup units are rounded down by the engines)."""
    if not comp.integer:
        return frozenset()

    def whole(x):
        x = np.asarray(x, dtype=float)
        x = x[np.isfinite(x)]
        return bool((x == np.floor(x)).all())

    out = {"demand"}
    code = pa.code
    everything = (whole(pa.a[code != 3]) and whole(pa.b[(code == 1) | (code == 2)]) and whole(comp.lane_u)
                  and whole(comp.cap) and (config.expedite is None or whole([config.expedite.threshold])))
    if everything:
        return frozenset({"demand", "orders", "all"})
    # Orders are whole when each stage's order is: its level moves every period (target or
    # callback: rounded) or comes from a forecast (rounded); it is a whole number of lots Q; or the
    # stage orders up to a whole level from its own position (not the echelon's) and serves no
    # external demand.  Such a position (on hand + on order - owed to customers) changes only by
    # the stage's own orders and its customers' orders (arrivals and shipments move units
    # between its terms), so it stays whole even when a supplier ships fractions.  A stage
    # facing demand is not covered: expediting above a fractional threshold moves its position.
    if not (whole(comp.lane_u) and whole(comp.cap)):
        return frozenset(out)
    moving = np.zeros(code.size, dtype=bool) if pa.target_mask is None else pa.target_mask.copy()
    for _, idx, _ in pa.callbacks:
        moving[idx] = True
    rows = lambda x: np.array([whole(r) for r in x])  # noqa: E731
    inner = np.ones(code.size, dtype=bool)
    inner[comp.demand_idx] = False
    inner &= ~pa.echelon_mask
    ok = ((moving & (code == 0)) | (code == 3) | ((code == 2) & rows(pa.b))
          | (inner & (code == 0) & rows(pa.a)) | (inner & (code == 1) & rows(pa.b)))
    if ok.all():
        out.add("orders")
    return frozenset(out)


def kpi_table(acc: Accum, comp, scenario, C: int, R: int):
    """One row per (candidate, replication): the KPI table."""
    import pandas as pd

    from casekit import metrics

    T = acc.T
    hold, short, order, emerg = acc.hold / T, acc.short / T, acc.order / T, acc.emerg / T
    freight, xfer = acc.freight / T, acc.xfer / T
    dem_tot = acc.dem.sum(axis=0) if acc.dem is not None else acc.dem_net
    met_tot = acc.met.sum(axis=0) if acc.met is not None else acc.met_net
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(dem_tot > 0, met_tot / np.where(dem_tot > 0, dem_tot, 1), np.nan)
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

    if not acc.keep_stages:
        raise ValueError("this run kept no per-stage measures: pass SimulationConfig(keep_stages=True)")

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
