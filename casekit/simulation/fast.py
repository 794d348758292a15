"""The fast engine: a vectorised periodic-review simulator (numpy over replications and
candidate policies at once).

One Python loop runs over periods (and, inside a period, over stages); every operation acts on
a vector of B = candidates x replications systems.  The timing of a period is the one described
in :mod:`casekit.simulation` and is identical, step by step, in the discrete-event engine
(:mod:`casekit.simulation.des`); both read the same random inputs, so for the same seed they
produce the same numbers.
"""

from __future__ import annotations

import numpy as np

from casekit.simulation._accum import Accum


def run_fast(comp, pa, inp, config, *, C: int = 1, keep_series: bool = False, keep_flow: bool = False,
             expedite_mask=None, expedite_co2: float = 0.0, progress=None) -> Accum:
    """Simulate C candidate policies (columns of ``pa``) x R replications of ``inp``."""
    n, L, R, T, W = comp.n, comp.n_lanes, inp.R, inp.T, inp.warmup
    B = C * R
    H = inp.horizon
    integer = comp.integer
    lost_mode = config.unmet == "lost"
    ex = config.expedite
    ex_mask = np.zeros(len(comp.demand_idx), dtype=bool) if expedite_mask is None else expedite_mask
    ex_on = ex is not None and ex_mask.any()
    ex_thr = ex.threshold if ex is not None else 0.0
    ex_cost = ex.cost_per_unit if ex is not None else 0.0
    dn = comp.demand_idx
    nd = dn.size
    h, p, K, u = comp.h, comp.p, comp.K, comp.lane_u
    hv, cv, co2 = comp.lane_hv, comp.comp_value, comp.lane_co2
    A = comp.A
    ed_w = A[comp.source_top, dn]                  # units of the top source's item per unit of demand
    rev = list(range(n))[::-1]                     # downstream first
    sup = comp.lane_sup
    virtual = [comp.in_lanes[i][0] if sup[comp.in_lanes[i][0]] < 0 else -1 for i in range(n)]
    out_l = comp.out_lanes
    in_l = comp.in_lanes
    ar = np.arange(B)

    rep = lambda x: x if C == 1 else np.tile(x, (1,) * (x.ndim - 1) + (C,))  # noqa: E731
    par_a = np.repeat(pa.a, R, axis=1)             # (n, B)
    par_b = None if pa.b is None else np.repeat(pa.b, R, axis=1)
    kind = pa.kind

    on = np.repeat(pa.initial, R, axis=1).astype(float)   # on hand
    bo = np.zeros((n, B))                          # external backorders
    outst = np.zeros((n, B))                       # ordered, not yet produced/received (own units)
    owed = np.zeros((L, B))                        # supplier owes customer (supplier units)
    buf = np.zeros((L, B))                         # arrived inputs waiting for production
    ring = np.zeros((L, H, B))                     # shipments in transit, by arrival slot
    tr = np.zeros((L, B))
    pring = np.zeros((n, H, B))                    # production in process, by completion slot
    inproc = np.zeros((n, B))
    if kind == "forecast-order-up-to":
        F = np.repeat(comp.mean_demand[:, None], B, axis=1).astype(float)
        sd0 = np.array([comp.network.demand_sd(i) for i in comp.ids])
        MSE = np.repeat((sd0 ** 2)[:, None], B, axis=1)
        cover = par_a
    acc = Accum(n, nd, B, T - W, keep_series, keep_flow)
    ser = acc.series

    periods = range(T)
    if progress:
        from tqdm.auto import tqdm

        periods = tqdm(periods, desc="fast engine", unit="period", leave=False)
    for t in periods:
        slot = t % H
        rec = t >= W
        # 1. arrivals: shipments into input buffers, finished production onto the shelf
        arr = ring[:, slot, :]
        buf += arr
        tr -= arr
        ring[:, slot, :] = 0.0
        done = pring[:, slot, :]
        on += done
        inproc -= done
        outst -= done
        receipts = done.copy()
        pring[:, slot, :] = 0.0
        x = np.minimum(on, bo)                     # waiting customers are served first
        on -= x
        bo -= x
        shipped = x
        # 2. external demand
        D = rep(inp.demand[:, t, :])
        met = np.minimum(on[dn], D)
        on[dn] -= met
        short = D - met
        shipped[dn] += met
        rd = np.zeros((n, B))
        rd[dn] += D
        exp_u = None
        if lost_mode:
            lost = short
        else:
            bo[dn] += short
            lost = None
        cm = None if inp.cost_mult is None else rep(inp.cost_mult[:, t, :])
        if ex_on:
            if lost_mode:
                exp_u = np.where(ex_mask[:, None], np.maximum(lost - ex_thr, 0.0), 0.0)
                lost = lost - exp_u
            else:
                exp_u = np.where(ex_mask[:, None], np.maximum(bo[dn] - ex_thr, 0.0), 0.0)
                bo[dn] -= exp_u
            receipts[dn] += exp_u
            shipped[dn] += exp_u
        # 3. orders, downstream first
        pos = on + outst - bo
        owed_out = np.zeros((n, B))
        for l in range(L):
            if sup[l] >= 0:
                owed_out[sup[l]] += owed[l]
        pos = pos - owed_out
        if pa.echelon:
            E = A @ pos
        q = np.zeros((n, B))
        for i in rev:
            if pa.echelon:
                qi = np.maximum(par_a[i] - E[i], 0.0)
            else:
                pi = pos[i] - _new_orders(i, q, out_l, comp, u)
                if kind == "base-stock":
                    qi = np.maximum(par_a[i] - pi, 0.0)
                elif kind == "s-S":
                    qi = np.where(pi <= par_a[i], par_b[i] - pi, 0.0)
                elif kind == "r-Q":
                    qi = np.where(pi <= par_a[i], (np.floor((par_a[i] - pi) / par_b[i]) + 1) * par_b[i], 0.0)
                else:                              # forecast order-up-to
                    err = rd[i] - F[i]
                    F[i] += pa.alpha * err
                    MSE[i] += pa.alpha * (err * err - MSE[i])
                    target = cover[i] * F[i] + pa.z * np.sqrt(cover[i] * MSE[i])
                    qi = np.maximum(target - pi, 0.0)
                    if integer:
                        qi = np.round(qi)
            q[i] = qi
            outst[i] += qi
            for l in in_l[i]:
                if sup[l] < 0:
                    buf[l] += qi
                else:
                    owed[l] += u[l] * qi
                    rd[sup[l]] += u[l] * qi
        # 4. flow, upstream first: start production, then ship to customers
        pdel = rep(inp.proc_delay[:, t, :])
        ldel = rep(inp.lane_delay[:, t, :])
        capt = None if inp.cap is None else rep(inp.cap[:, t, :])
        co2 = np.zeros(B)
        for i in range(n):
            lanes = in_l[i]
            if len(lanes) == 1:
                l0 = lanes[0]
                start = buf[l0] / u[l0]
            else:
                start = np.min(np.stack([buf[l] / u[l] for l in lanes]), axis=0)
            if integer:
                start = np.floor(start + 1e-9)
            c = comp.cap[i] if capt is None else capt[i]
            if capt is not None or np.isfinite(c):
                start = np.minimum(start, c)
            for l in lanes:
                buf[l] -= u[l] * start
            if virtual[i] >= 0:
                co2 += comp.lane_co2[virtual[i]] * start
            d = pdel[i]
            now = d == 0
            if now.all():
                on[i] += start
                outst[i] -= start
                receipts[i] += start
            else:
                late = np.where(now, 0.0, start)
                pring[i, (t + d) % H, ar] += late
                inproc[i] += late
                soon = start - late
                on[i] += soon
                outst[i] -= soon
                receipts[i] += soon
            if bo[i].any():
                x = np.minimum(on[i], bo[i])
                on[i] -= x
                bo[i] -= x
                shipped[i] += x
            outs = out_l[i]
            if outs:
                k0 = t % len(outs)                 # rotate priority among customers
                for l in outs[k0:] + outs[:k0]:
                    s = np.minimum(on[i], owed[l])
                    on[i] -= s
                    owed[l] -= s
                    shipped[i] += s
                    co2 += co2_unit(comp, l) * s
                    d = ldel[l]
                    zero = d == 0
                    if zero.all():
                        buf[l] += s
                    else:
                        late = np.where(zero, 0.0, s)
                        ring[l, (t + d) % H, ar] += late
                        tr[l] += late
                        buf[l] += s - late
        # 5. record
        if rec:
            k = t - W
            acc.hold += h @ on + hv @ (tr + buf) + cv @ inproc
            if lost_mode:
                acc.short += p[dn] @ lost
                acc.lost += lost.sum(axis=0)
            else:
                acc.short += p @ bo
            placed = (q > 0).astype(float)
            acc.order += (K @ placed) if cm is None else np.einsum("i,ib,ib->b", K, placed, cm)
            if exp_u is not None:
                eu = exp_u.sum(axis=0) if cm is None else np.einsum("db,db->b", exp_u, cm[dn])
                acc.emerg += ex_cost * eu
                acc.exp_units += exp_u.sum(axis=0)
                co2 = co2 + expedite_co2 * exp_u.sum(axis=0)
            acc.co2 += co2
            acc.dem += D
            acc.met += met
            acc.ok += (short <= 0)
            bsum = bo.sum(axis=0)
            acc.bo += bsum
            acc.on += on.sum(axis=0)
            acc.on_node += on
            acc.bo_node += bo
            acc.q1 += q
            acc.q2 += q * q
            acc.rd1 += rd
            acc.rd2 += rd * rd
            ed = ed_w @ D
            acc.ed1 += ed
            acc.ed2 += ed * ed
            if acc.flow_dem is not None:
                acc.flow_dem[k] = D.sum(axis=0)
                acc.flow_met[k] = met.sum(axis=0)
            if ser is not None:
                ser["on_hand"][k] = on
                ser["backorders"][k] = bo
                ser["orders"][k] = q
                ser["in_transit"][k] = inproc + _transit_by_stage(comp, tr, n, B)
                ser["receipts"][k] = receipts
                ser["shipped"][k] = shipped
                ser["demand_received"][k] = rd
                ser["external_demand"][k] = D
                ser["met"][k] = met
                ser["lost"][k] = 0.0 if lost is None else lost
                ser["expedited"][k] = 0.0 if exp_u is None else exp_u
    return acc


def co2_unit(comp, l) -> float:
    return comp.lane_co2[l]


def _new_orders(i, q, out_l, comp, u):
    """Units (of stage i's item) its customers ordered earlier in this period's order pass."""
    if not out_l[i]:
        return 0.0
    return sum(u[l] * q[comp.lane_cus[l]] for l in out_l[i])


def _transit_by_stage(comp, tr, n, B):
    """Units in transit to each stage, in its own units (average over its inbound lanes for an
    assembly stage)."""
    out = np.zeros((n, B))
    for i in range(n):
        ls = [l for l in comp.in_lanes[i] if comp.lane_sup[l] >= 0]
        if ls:
            out[i] = sum(tr[l] / comp.lane_u[l] for l in ls) / len(ls)
    return out
