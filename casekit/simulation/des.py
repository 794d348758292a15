"""The discrete-event twin: a SimPy model of any casekit network.

Every stage is a SimPy **process** that wakes twice a period: once to review its inventory
position and order (stages wake downstream first), once to start production from the inputs it
has received and ship what it owes its customers (upstream first).  Customers are processes too
(one per customer-facing stage), and every shipment and production batch is a SimPy **event**
scheduled for the period it arrives, whose callback puts the units where they belong.  Within a
period the clock reads

=============  ===============================================================
t + 0.0        shipments and finished batches arrive (event callbacks)
t + 0.2        customers demand (customer processes)
t + 0.4 + ε·k  stage reviews and orders, downstream first
t + 0.6 + ε·k  stage starts production and ships, upstream first
t + 0.9        the recorder process books costs and KPIs
=============  ===============================================================

which is exactly the period of the fast engine (:mod:`casekit.simulation.fast`); both read the
same random inputs, so on the same seed they give the same numbers, while the twin also keeps an
event log of every order, shipment, receipt and stockout.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from casekit.simulation._accum import Accum

EPS = 1e-4


def run_des(comp, pa, inp, config, *, keep_series=False, keep_flow=False, keep_totals=False, expedite_mask=None,
            expedite_co2=None, progress=None):
    if pa.callbacks:
        raise ValueError("the discrete-event twin does not implement OrderUpTo level callbacks; "
                         "give the levels as arrays or use engine='fast'")
    R = inp.R
    acc = Accum(comp.n, len(comp.demand_idx), R, inp.T - inp.warmup, keep_series, keep_flow or keep_totals,
                n_levels=len(comp.levels), keep_totals=keep_totals, keep_stages=config.keep_stages)
    dense = inp.dense()
    if expedite_co2 is None:
        expedite_co2 = np.zeros(len(comp.demand_idx))
    logs = [] if config.event_log else None
    reps = range(R)
    if progress:
        from tqdm.auto import tqdm

        reps = tqdm(reps, desc="DES twin", unit="replication", leave=False)
    for r in reps:
        _Twin(comp, pa, dense, config, r, acc, logs, expedite_mask, expedite_co2, inp.warmup).run()
    events = None
    if logs is not None:
        ids = comp.ids

        def build():
            import pandas as pd

            df = pd.DataFrame(logs, columns=["replication", "time", "period", "stage", "event", "quantity", "other"])
            df["stage"] = [ids[k] for k in df["stage"]]
            df["other"] = pd.Series([None if k < 0 else ids[k] for k in df["other"]], dtype=object)
            return df
        events = build
    return acc, events


class _Twin:
    """One replication of the network as SimPy processes (state in plain Python floats)."""

    def __init__(self, comp, pa, dense, config, r, acc, logs, ex_mask, ex_co2, warmup):
        self.c, self.pa, self.cfg, self.r, self.acc = comp, pa, config, r, acc
        self.W = warmup
        dem, proc, lane, capd, costd = dense
        self.T = dem.shape[1]
        n, L = comp.n, comp.n_lanes
        self.env = simpy.Environment()
        self.on = [float(v) for v in pa.initial[:, 0]]
        self.bo = [0.0] * n
        self.outst = [0.0] * n
        self.inproc = [0.0] * n
        self.owed = [0.0] * L
        self.buf = [0.0] * L
        self.tr = [0.0] * L
        self.demand = dem[:, :, r].T.tolist()          # [t][m]
        self.pdel = proc[:, :, r].T.tolist()           # [t][i]
        self.ldel = lane[:, :, r].T.tolist()           # [t][l]
        self.cap = None if capd is None else capd[:, :, r].T.tolist()
        self.cm = None if costd is None else costd[:, :, r].T.tolist()
        self.code = pa.code.tolist()
        self.ech = pa.echelon_mask.tolist()
        self.every = pa.every.tolist()
        self.offset = pa.offset.tolist()
        self.target = None if pa.target is None else pa.target.tolist()
        self.tmask = None if pa.target_mask is None else pa.target_mask.tolist()
        self.freight = 0.0
        self.proportional = config.rationing == "proportional"
        self.log = logs
        self.ex = config.expedite
        self.ex_mask = [False] * len(comp.demand_idx) if ex_mask is None else [bool(x) for x in ex_mask]
        self.ex_co2 = [float(x) for x in ex_co2]
        self.lost_mode = config.unmet == "lost"
        self.dn = [int(k) for k in comp.demand_idx]
        self.sup = [int(k) for k in comp.lane_sup]
        self.cus = [int(k) for k in comp.lane_cus]
        self.u = [float(x) for x in comp.lane_u]
        self.A = comp.A.toarray().tolist()
        self.par_a = pa.a[:, 0].tolist()
        self.par_b = None if pa.b is None else pa.b[:, 0].tolist()
        if 3 in self.code:
            self.F = comp.mean_demand.astype(float).tolist()
            self.MSE = [comp.network.demand_sd(i) ** 2 for i in comp.ids]
        # per-period scratch, reset by the recorder
        self.q = [0.0] * n
        self.rd = [0.0] * n
        self.receipts = [0.0] * n
        self.shipped = [0.0] * n
        self.met = [0.0] * len(self.dn)
        self.D = [0.0] * len(self.dn)
        self.short = [0.0] * len(self.dn)
        self.lost = [0.0] * len(self.dn)
        self.exp = [0.0] * len(self.dn)
        self.co2 = 0.0
        # per-replication totals
        self.tot = dict(hold=0.0, short=0.0, order=0.0, emerg=0.0, co2=0.0, bo=0.0, on=0.0, lost=0.0, exp=0.0,
                        ed1=0.0, ed2=0.0, freight=0.0)
        self.dem = [0.0] * len(self.dn)
        self.mets = [0.0] * len(self.dn)
        self.ok = [0.0] * len(self.dn)
        self.on_node = [0.0] * n
        self.bo_node = [0.0] * n
        self.q1, self.q2, self.rd1, self.rd2 = [0.0] * n, [0.0] * n, [0.0] * n, [0.0] * n
        self.ed_w = [float(x) for x in comp.ed_w]

    # ---- event log -------------------------------------------------------------------------
    def note(self, t, stage, event, qty, other=-1):
        if self.log is not None and qty:
            self.log.append((self.r, round(self.env.now, 4), t, stage, event, qty, other))

    # ---- callbacks of arrival events -------------------------------------------------------
    def _arrive(self, l, s, t):
        def cb(_event):
            self.buf[l] += s
            self.tr[l] -= s
            self.note(t, self.cus[l], "receipt", s, self.sup[l])
        return cb

    def _complete(self, i, s, t):
        def cb(_event):
            self.inproc[i] -= s
            self._shelve(i, s)
            self.note(t, i, "batch done", s)
        return cb

    def _shelve(self, i, s):
        self.on[i] += s
        self.outst[i] -= s
        self.receipts[i] += s
        if self.bo[i] > 0:
            x = min(self.on[i], self.bo[i])
            self.on[i] -= x
            self.bo[i] -= x
            self.shipped[i] += x

    def _wait_until(self, time):
        return self.env.timeout(max(time - self.env.now, 0.0))

    # ---- processes ---------------------------------------------------------------------------
    def customer(self, m):
        i = self.dn[m]
        for t in range(self.T):
            yield self._wait_until(t + 0.2)
            D = self.demand[t][m]
            met = min(self.on[i], D)
            self.on[i] -= met
            short = D - met
            self.shipped[i] += met
            self.rd[i] += D
            self.D[m], self.met[m], self.short[m] = D, met, short
            self.note(t, i, "demand", D)
            if short > 0:
                self.note(t, i, "stockout", short)
            if self.lost_mode:
                self.lost[m] = short
            else:
                self.bo[i] += short
            if self.ex is not None and self.ex_mask[m]:
                if self.lost_mode:
                    e = max(self.lost[m] - self.ex.threshold, 0.0)
                    self.lost[m] -= e
                else:
                    e = max(self.bo[i] - self.ex.threshold, 0.0)
                    self.bo[i] -= e
                self.exp[m] = e
                self.receipts[i] += e
                self.shipped[i] += e
                self.note(t, i, "emergency shipment", e)

    def _rule(self, i, t, pos):
        """The stage's ordering rule (the same formulas as the fast engine)."""
        code = self.code[i]
        if self.ech[i]:
            pos = sum(a * self._position(j) for j, a in enumerate(self.A[i]) if a)
        if code == 0:
            moving = self.tmask is not None and self.tmask[i]
            S = self.target[t][i] if moving else self.par_a[i]
            q = max(S - pos, 0.0)
            if moving and self.c.integer:
                q = float(np.round(q))
        elif code == 1:
            q = self.par_b[i] - pos if pos <= self.par_a[i] else 0.0
        elif code == 2:
            Q = self.par_b[i]
            q = (math.floor((self.par_a[i] - pos) / Q) + 1) * Q if pos <= self.par_a[i] else 0.0
        else:
            err = self.rd[i] - self.F[i]
            self.F[i] += self.pa.alpha * err
            self.MSE[i] += self.pa.alpha * (err * err - self.MSE[i])
            cov = self.par_a[i]
            q = max(cov * self.F[i] + self.pa.z * math.sqrt(cov * self.MSE[i]) - pos, 0.0)
            if self.c.integer:
                q = float(np.round(q))
        if (t - self.offset[i]) % self.every[i]:
            q = 0.0
        return q

    def _allocate(self, i, t, outs):
        """Units shipped on each out-lane: rotating priority, or proportional then priority."""
        k0 = t % len(outs)
        order = outs[k0:] + outs[:k0]
        give = {l: 0.0 for l in outs}
        avail = self.on[i]
        if self.proportional:
            need = sum(self.owed[l] for l in outs)
            frac = min(avail / need, 1.0) if need > 0 else 0.0
            for l in outs:
                x = self.owed[l] * frac
                if self.c.integer:
                    x = math.floor(x + 1e-9)
                give[l] = x
            avail = avail - sum(give.values())
        for l in order:
            x = min(max(avail, 0.0), self.owed[l] - give[l])
            give[l] += x
            avail -= x
        return [(l, give[l]) for l in order]

    def stage(self, i):
        c, n = self.c, self.c.n
        in_l = c.in_lanes[i]
        outs = c.out_lanes[i]
        virtual = self.sup[in_l[0]] < 0
        for t in range(self.T):
            # review and order (downstream first: larger index = deeper = wakes earlier)
            yield self._wait_until(t + 0.4 + EPS * (n - 1 - i))
            q = self._rule(i, t, self._position(i))
            self.q[i] = q
            if q:
                self.outst[i] += q
                self.note(t, i, "order", q, -1 if virtual else self.sup[in_l[0]])
                for l in in_l:
                    if self.sup[l] < 0:
                        self.buf[l] += q
                    else:
                        self.owed[l] += self.u[l] * q
                        self.rd[self.sup[l]] += self.u[l] * q
            # start production and ship (upstream first)
            yield self._wait_until(t + 0.6 + EPS * i)
            start = min(self.buf[l] / self.u[l] for l in in_l)
            if self.c.integer:
                start = math.floor(start + 1e-9)
            cap = c.cap[i] if self.cap is None else self.cap[t][i]
            if start > cap:
                start = cap
            if start > 0:
                for l in in_l:
                    self.buf[l] -= self.u[l] * start
                for l in in_l:
                    if self.sup[l] < 0:
                        self.co2 += c.lane_co2[l] * start
                        self.freight += c.lane_cost[l] * start
                d = self.pdel[t][i]
                self.note(t, i, "batch start", start)
                if d == 0:
                    self._shelve(i, start)
                else:
                    self.inproc[i] += start
                    ev = self.env.timeout(t + d - self.env.now)
                    ev.callbacks.append(self._complete(i, start, t + d))
            if outs:
                for l, s in self._allocate(i, t, outs):
                    if s <= 0:
                        continue
                    self.on[i] -= s
                    self.owed[l] -= s
                    self.shipped[i] += s
                    self.co2 += c.lane_co2[l] * s
                    self.freight += c.lane_cost[l] * s
                    d = self.ldel[t][l]
                    self.note(t, i, "shipment", s, self.cus[l])
                    if d == 0:
                        self.buf[l] += s
                        self.note(t, self.cus[l], "receipt", s, i)
                    else:
                        self.tr[l] += s
                        ev = self.env.timeout(t + d - self.env.now)
                        ev.callbacks.append(self._arrive(l, s, t + d))

    def _position(self, i):
        owed_out = sum(self.owed[l] for l in self.c.out_lanes[i])
        return self.on[i] + self.outst[i] - self.bo[i] - owed_out

    def recorder(self):
        c, acc, r = self.c, self.acc, self.r
        W = self.W
        h, p, K = c.h.tolist(), c.p.tolist(), c.K.tolist()
        hv, cv = c.lane_hv.tolist(), c.comp_value.tolist()
        n, L, nd = c.n, c.n_lanes, len(self.dn)
        ser = acc.series
        tot = self.tot
        for t in range(self.T):
            yield self._wait_until(t + 0.9)
            if t >= W:
                k = t - W
                tot["hold"] += (sum(h[i] * self.on[i] for i in range(n))
                                + sum(hv[l] * (self.tr[l] + self.buf[l]) for l in range(L))
                                + sum(cv[i] * self.inproc[i] for i in range(n)))
                if self.lost_mode:
                    tot["short"] += sum(p[self.dn[m]] * self.lost[m] for m in range(nd))
                    tot["lost"] += sum(self.lost)
                else:
                    tot["short"] += sum(p[i] * self.bo[i] for i in range(n))
                cm = self.cm[t] if self.cm is not None else None
                tot["order"] += sum(K[i] * (1.0 if cm is None else cm[i]) for i in range(n) if self.q[i] > 0)
                co2 = self.co2
                if self.ex is not None:
                    eu = sum(self.exp[m] * (1.0 if cm is None else cm[self.dn[m]]) for m in range(nd))
                    tot["emerg"] += self.ex.cost_per_unit * eu
                    tot["exp"] += sum(self.exp)
                    co2 += sum(w * e for w, e in zip(self.ex_co2, self.exp))
                tot["co2"] += co2
                tot["freight"] += self.freight
                for m in range(nd):
                    self.dem[m] += self.D[m]
                    self.mets[m] += self.met[m]
                    self.ok[m] += self.short[m] <= 0
                tot["bo"] += sum(self.bo[i] for i in self.dn)
                tot["on"] += sum(self.on)
                for i in range(n):
                    self.q1[i] += self.q[i]
                    self.q2[i] += self.q[i] * self.q[i]
                    self.on_node[i] += self.on[i]
                if acc.keep_stages:
                    for i in range(n):
                        self.bo_node[i] += self.bo[i]
                        self.rd1[i] += self.rd[i]
                        self.rd2[i] += self.rd[i] * self.rd[i]
                ed = sum(w * d for w, d in zip(self.ed_w, self.D))
                tot["ed1"] += ed
                tot["ed2"] += ed * ed
                if acc.totals is not None:
                    tt = acc.totals
                    tt["demand"][k, r] = sum(self.D)
                    tt["met"][k, r] = sum(self.met)
                    tt["on_hand"][k, r] = sum(self.on)
                    tt["backorders"][k, r] = sum(self.bo[i] for i in self.dn)
                    tt["expedited"][k, r] = sum(self.exp)
                    for d, (a, b) in enumerate(c.levels):
                        tt["orders_by_depth"][k, d, r] = sum(self.q[a:b])
                        tt["received_by_depth"][k, d, r] = sum(self.rd[a:b])
                if acc.flow_dem is not None:
                    acc.flow_dem[k, r] = sum(self.D)
                    acc.flow_met[k, r] = sum(self.met)
                if ser is not None:
                    ser["on_hand"][k, :, r] = self.on
                    ser["backorders"][k, :, r] = self.bo
                    ser["orders"][k, :, r] = self.q
                    transit = [0.0] * n
                    for i in range(n):
                        ls = [l for l in c.in_lanes[i] if self.sup[l] >= 0]
                        if ls:
                            transit[i] = sum(self.tr[l] / self.u[l] for l in ls) / len(ls)
                    ser["in_transit"][k, :, r] = [a + b for a, b in zip(self.inproc, transit)]
                    ser["receipts"][k, :, r] = self.receipts
                    ser["shipped"][k, :, r] = self.shipped
                    ser["demand_received"][k, :, r] = self.rd
                    ser["external_demand"][k, :, r] = self.D
                    ser["met"][k, :, r] = self.met
                    ser["lost"][k, :, r] = self.lost
                    ser["expedited"][k, :, r] = self.exp
            # reset the period's scratch
            self.q = [0.0] * n
            self.rd = [0.0] * n
            self.receipts = [0.0] * n
            self.shipped = [0.0] * n
            self.lost = [0.0] * nd
            self.exp = [0.0] * nd
            self.co2 = 0.0
            self.freight = 0.0

    def run(self):
        env = self.env
        for m in range(len(self.dn)):
            env.process(self.customer(m))
        for i in range(self.c.n):
            env.process(self.stage(i))
        env.process(self.recorder())
        env.run()
        acc, r, tot = self.acc, self.r, self.tot
        acc.hold[r], acc.short[r], acc.order[r], acc.emerg[r] = tot["hold"], tot["short"], tot["order"], tot["emerg"]
        acc.co2[r], acc.bo[r], acc.on[r], acc.lost[r], acc.exp_units[r] = (tot["co2"], tot["bo"], tot["on"],
                                                                           tot["lost"], tot["exp"])
        acc.ed1[r], acc.ed2[r] = tot["ed1"], tot["ed2"]
        acc.freight[r] = tot["freight"]
        acc.dem[:, r], acc.met[:, r], acc.ok[:, r] = self.dem, self.mets, self.ok
        acc.q1[:, r], acc.q2[:, r], acc.on_node[:, r] = self.q1, self.q2, self.on_node
        if acc.keep_stages:
            acc.bo_node[:, r] = self.bo_node
            acc.rd1[:, r], acc.rd2[:, r] = self.rd1, self.rd2
