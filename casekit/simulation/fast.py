"""The fast engine: a vectorised periodic-review simulator (numpy over replications, candidate
policies **and the stages of one depth** at once).

Stages are grouped by depth (the longest path from a source; :class:`~casekit.simulation._model.
Compiled` keeps each depth a contiguous slice, and each supplier's out-lanes a contiguous
segment).  One Python loop runs over periods and, inside a period, over depths: the order pass
goes deepest (most downstream) first, the flow pass upstream first, and each step acts on all
stages of a depth x all B = candidates x replications copies with one numpy operation.  A
warehouse with 2,000 retailers is therefore two depths, as cheap per period as a two-stage line.

The timing of a period is the one described in :mod:`casekit.simulation` and is identical, step
by step, in the discrete-event engine (:mod:`casekit.simulation.des`); both read the same random
inputs, so for the same seed they produce the same numbers.  :class:`FastEngine` exposes the
period in its steps so that a reinforcement-learning environment can choose the orders
(:mod:`casekit.rl.serial`).
"""

from __future__ import annotations

import numpy as np

from casekit.simulation._accum import Accum, whole_quantities


def _runs(values):
    """[(start, stop, value)] of the runs of equal values."""
    v = np.asarray(values)
    if v.size == 0:
        return []
    cut = np.flatnonzero(np.diff(v) != 0) + 1
    starts = np.concatenate([[0], cut])
    stops = np.concatenate([cut, [v.size]])
    return [(int(a), int(b), int(v[a])) for a, b in zip(starts, stops)]


class _View:
    """What a level callback sees (arrays of its stages, downstream first; columns = copies).

    A callback object with a true attribute ``any_stage_order`` is instead given its stages in
    the engine's row order (``stage_ids`` says which is which): when those rows are consecutive,
    ``on_hand``, ``backorders``, ``position`` and ``demand_received`` are then read-only views of
    the engine's state rather than copies, and ``levels`` is the (stages, copies) block of the
    engine's own level array, which the callback may fill and return (no copy back).  For a
    callback over thousands of stages this saves several passes over (stages, copies) arrays a
    period.
    """

    def __init__(self, t, stage_ids, on_hand, backorders, position, demand_received, levels=None):
        self.t = t
        self.stage_ids = stage_ids
        self.on_hand = on_hand
        self.backorders = backorders
        self.position = position
        self.demand_received = demand_received
        self.levels = levels


def _as_slice(idx):
    """A slice for an index array of consecutive increasing rows (indexing by it gives a view,
    not a copy), else the array itself."""
    idx = np.asarray(idx)
    if idx.size and (np.diff(idx) == 1).all():
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def _check_levels(out, B, t, ids):
    """A level callback's answer: shape (stages, 1) or (stages, B), every level finite."""
    k = len(ids)
    if out.shape not in ((k, 1), (k, B)):
        raise ValueError(f"OrderUpTo.levels callback returned shape {out.shape} in period {t}; "
                         f"expected ({k},) or ({k}, {B}) for stages {list(ids)}")
    # one pass: the sum of finite levels is finite (unless it overflows: then look closer)
    with np.errstate(over="ignore"):
        total = out.sum()
    if not np.isfinite(total) and not np.all(np.isfinite(out)):
        raise ValueError(f"OrderUpTo.levels callback returned a non-finite level in period {t} "
                         f"for stages {list(ids)}")


def _read_only(x):
    v = x.view()
    v.flags.writeable = False
    return v


class _Level:
    """Index helpers for the stages [a, b) of one depth."""

    def __init__(self, comp, a, b):
        self.a, self.b = a, b
        self.k = b - a
        la, lb = int(comp.out_off[a]), int(comp.out_off[b])
        self.la, self.lb = la, lb
        cnt = comp.out_off[a + 1:b + 1] - comp.out_off[a:b]
        if lb == la:
            self.out = "none"
        elif (cnt == 1).all():
            self.out = "one"
        else:
            self.out = "many"
            self.rows = np.flatnonzero(cnt > 0)                      # local stages that supply
            self.starts = (comp.out_off[a:b][cnt > 0] - la).astype(np.int64)
            self.sup_local = (comp.lane_sup[la:lb] - a).astype(np.int64)
            self.seg = (comp.lane_seg[la:lb] - la).astype(np.int64)
            self.slen = comp.lane_len[la:lb].astype(np.int64)
            self.spos = comp.lane_pos[la:lb].astype(np.int64)
        self.u_out = comp.lane_u[la:lb][:, None]
        self.u_out_one = bool((self.u_out == 1).all())
        co = comp.lane_cus[la:lb]
        self.cus_out = co
        if lb > la and (co == np.arange(co[0], co[0] + co.size)).all():
            self.cus_out = slice(int(co[0]), int(co[0]) + co.size)
        inl = comp.inl1[a:b]
        if (inl >= 0).all():
            self.inp = "one"
            self.in_l = inl
            self.in_virtual = comp.lane_sup[inl] < 0
            self.in_u = comp.lane_u[inl][:, None]
            self.in_all_virtual = bool(self.in_virtual.all())
            self.in_none_virtual = not self.in_virtual.any()
            if self.in_all_virtual or self.in_none_virtual:
                self.in_contig = (inl == np.arange(inl[0], inl[0] + self.k)).all()
            else:
                self.in_contig = False
        else:
            self.inp = "many"
            self.in_l = comp.in_idx[comp.in_off[a]:comp.in_off[b]]
            self.in_offs = (comp.in_off[a:b] - comp.in_off[a]).astype(np.int64)
            self.in_cus = (comp.lane_cus[self.in_l] - a).astype(np.int64)
            self.in_virtual = comp.lane_sup[self.in_l] < 0
            self.in_u = comp.lane_u[self.in_l][:, None]
        self.owed_sum, self.owed_t = None, None     # what the suppliers owe, summed in place_orders
        self.due_rows = None                        # local rows of the stages reviewing (or None: all)
        # CO2 and freight per unit on each stage's lane from its outside supplier (if any)
        self.vco2 = np.zeros(self.k)
        self.vcost = np.zeros(self.k)
        lanes = comp.in_idx[comp.in_off[a]:comp.in_off[b]]
        owner = np.repeat(np.arange(self.k), np.diff(comp.in_off[a:b + 1]))
        virtual = comp.lane_sup[lanes] < 0
        self.vco2[owner[virtual]] = comp.lane_co2[lanes[virtual]]
        self.vcost[owner[virtual]] = comp.lane_cost[lanes[virtual]]
        self.has_virtual = bool((self.vco2 != 0).any() or (self.vcost != 0).any())
        self.co2_out = comp.lane_co2[la:lb]
        self.cost_out = comp.lane_cost[la:lb]
        self.any_cost_out = bool((self.cost_out != 0).any())
        self.has_demand = bool(((comp.demand_idx >= a) & (comp.demand_idx < b)).any())
        self.unit_in = bool((self.in_u == 1).all())
        self.any_co2_out = bool((comp.lane_co2[la:lb] != 0).any())
        self.cap = comp.cap[a:b][:, None]
        self.finite_cap = bool(np.isfinite(comp.cap[a:b]).any())

    def segsum(self, x):
        """Sum lane rows of this level's out-lanes into supplier rows (k, B)."""
        if self.out == "one":
            return x
        out = np.zeros((self.k, x.shape[1]))
        if self.out == "many":
            out[self.rows] = np.add.reduceat(x, self.starts, axis=0)
        return out


class FastEngine:
    """The state of B copies of a network and the steps of one period.

    ``run_period(t)`` does all five steps; an environment calls :meth:`arrive_and_demand`,
    :meth:`place_orders` (with orders chosen from outside), :meth:`flow` and
    :meth:`period_cost` instead.
    """

    def __init__(self, comp, pa, inp, config, *, C: int = 1, expedite_mask=None, expedite_co2=None,
                 flows: bool = True):
        self.comp, self.pa, self.inp, self.cfg = comp, pa, inp, config
        # receipts and shipments per stage are bookkeeping for the series only: skipped when
        # ``flows`` is False (a run that keeps no series)
        self.flows = bool(flows)
        n, L, R = comp.n, comp.n_lanes, inp.R
        self.n, self.L, self.C, self.R = n, L, C, R
        self.B = B = C * R
        self.H = inp.horizon
        self.integer = comp.integer
        self.lost_mode = config.unmet == "lost"
        nd = len(comp.demand_idx)
        dn = comp.demand_idx
        if nd and (np.diff(dn) == 1).all():
            self.dn = slice(int(dn[0]), int(dn[-1]) + 1)
        else:
            self.dn = dn
        self.nd = nd
        ex = config.expedite
        self.ex_mask = np.zeros(nd, dtype=bool) if expedite_mask is None else expedite_mask
        self.ex_on = ex is not None and bool(self.ex_mask.any())
        self.ex_all = bool(self.ex_mask.all())
        self.ex_thr = ex.threshold if ex is not None else 0.0
        self.ex_cost = ex.cost_per_unit if ex is not None else 0.0
        self.ex_co2 = np.zeros(nd) if expedite_co2 is None else np.asarray(expedite_co2, dtype=float)
        self.levels = [_Level(comp, a, b) for a, b in comp.levels]
        moving = np.zeros(n, dtype=bool)
        if pa.target_mask is not None:
            moving |= pa.target_mask
        for _, idx, _ in pa.callbacks:
            moving[idx] = True
        for lv in self.levels:
            a, b = lv.a, lv.b
            lv.code = pa.code[a:b]
            lv.kinds = [int(c) for c in np.unique(lv.code)]
            lv.moving = moving[a:b]
            lv.moving_any = bool(lv.moving.any())
            lv.moving_all = bool(lv.moving.all())
            lv.every = pa.every[a:b]
            lv.offset = pa.offset[a:b]
            lv.periodic = bool((lv.every > 1).any())
            lv.ech = pa.echelon_mask[a:b]
            lv.ech_all = bool(lv.ech.all())
            lv.ech_any = bool(lv.ech.any())
            # fixed delays: contiguous runs of equal delay (slices, no fancy indexing)
            lv.p_runs = _runs(inp.proc_const[a:b]) if not inp.touches("proc", a, b) else None
            if lv.p_runs is not None and len(lv.p_runs) > 64:
                lv.p_runs = None
            lv.p_all_late = lv.p_runs is not None and all(dv > 0 for _, _, dv in lv.p_runs)
            lv.l_runs = None
            if lv.out != "none" and not inp.touches("lane", lv.la, lv.lb):
                lv.l_runs = _runs(inp.lane_const[lv.la:lv.lb])
                if len(lv.l_runs) > 64:
                    lv.l_runs = None
        self._callbacks(pa)
        self.ar = np.arange(B)
        self.par_a = np.repeat(pa.a, R, axis=1)
        self.par_b = np.repeat(pa.b, R, axis=1)
        self.code = pa.code
        self.ech = pa.echelon_mask
        self.any_echelon = bool(self.ech.any())
        self.periodic = pa.periodic
        self.rationing = config.rationing
        # state
        self.on = np.repeat(pa.initial, R, axis=1).astype(float)
        self.bo = np.zeros((n, B))
        self.outst = np.zeros((n, B))
        self.owed = np.zeros((L, B))
        self.buf = np.zeros((L, B))
        self.ring = np.zeros((self.H, L, B))          # by arrival slot: ring[slot] is contiguous
        self.tr = np.zeros((L, B))
        self.pring = np.zeros((self.H, n, B))
        self.inproc = np.zeros((n, B))
        if (self.code == 3).any():
            self.F = np.repeat(comp.mean_demand[:, None], B, axis=1).astype(float)
            sd0 = np.array([comp.network.demand_sd(i) for i in comp.ids])
            self.MSE = np.repeat((sd0 ** 2)[:, None], B, axis=1)
        # backup source
        bk = config.backup
        self.backup = None
        if bk is not None:
            from casekit.simulation._model import _factor
            from casekit.metrics import EMISSION_FACTORS

            mask = np.zeros(n, dtype=bool)
            for s in bk.stages:
                mask[comp.ids.index(s)] = True
            f = _factor(EMISSION_FACTORS if config.emission_factors is None else config.emission_factors,
                        bk.mode, "Backup.mode")
            self.backup = (bk, mask, comp.unit_weight / 1000 * bk.distance_km * f)
        # lateral transfers
        self.transfers = []
        if config.transfers:
            from casekit.simulation._model import _factor
            from casekit.metrics import EMISSION_FACTORS

            fac = EMISSION_FACTORS if config.emission_factors is None else config.emission_factors
            for x in config.transfers:
                g = np.array([comp.ids.index(s) for s in x.stages], dtype=np.int64)
                co2 = comp.unit_weight[g] / 1000 * x.distance_km * _factor(fac, x.mode, "Transfers.mode")
                # (the echelon rows of the group's stages, sliced out of the sparse matrix once)
                self.transfers.append((x, g, co2, comp.A[g]))
            self.xring = np.zeros((self.H, n, B))
            self.xtr = np.zeros((n, B))
            rows = np.concatenate([g for _, g, _, _ in self.transfers])
            self.x_rows = slice(int(rows.min()), int(rows.max()) + 1)   # the only rows transfers reach
        for lv in self.levels:                   # can units reach a shelf during step 4?
            lv.restock_in_flow = not lv.p_all_late or (self.backup is not None and self.backup[1][lv.a:lv.b].any())
        self._demand_t = None                  # the period whose demand was served last
        self.rep = (lambda x: x) if C == 1 else (lambda x: np.tile(x, (1, C)))
        self.Eh = np.zeros((n, B))
        self.q = np.zeros((n, B))
        self.rd = np.zeros((n, B))
        self.receipts = np.zeros((n, B))
        self.shipped = np.zeros((n, B))
        self.zero_b = np.zeros(B)
        self.placed = np.zeros((n, B))
        self.need_pdel = any(lv.p_runs is None for lv in self.levels)
        self.need_ldel = any(lv.l_runs is None and lv.out != "none" for lv in self.levels)
        # the rings of units under way are read only where some delay can be > 0: the lanes
        # (stages) [lo, hi) of the rows that can hold units under way
        lanes, stages = [], []
        for lv in self.levels:
            if lv.out != "none":
                if lv.l_runs is None:
                    lanes += [lv.la, lv.lb - 1]
                else:
                    lanes += [lv.la + r for ga, gb, dv in lv.l_runs if dv for r in (ga, gb - 1)]
            if lv.p_runs is None or (self.backup is not None and self.backup[1][lv.a:lv.b].any()):
                stages += [lv.a, lv.b - 1]
            else:
                stages += [lv.a + r for ga, gb, dv in lv.p_runs if dv for r in (ga, gb - 1)]
        self.ring_used = bool(lanes)
        self.ring_rows = slice(min(lanes), max(lanes) + 1) if lanes else slice(0, 0)
        self.pring_used = bool(stages)
        self.pring_rows = slice(min(stages), max(stages) + 1) if stages else slice(0, 0)
        self.any_K = bool((comp.K != 0).any())
        self._scratch()

    def _callbacks(self, pa):
        """Row sets of the level callbacks, the level array they fill and the position buffer."""
        n, B = self.n, self.B
        self.cbs = []
        self.pos_span = None
        if not pa.callbacks:
            return
        covered = np.zeros(n, dtype=bool)
        for fn, idx, ids in pa.callbacks:
            direct = False
            if getattr(fn, "any_stage_order", False):
                o = np.argsort(idx, kind="stable")
                rows = _as_slice(idx[o])
                if isinstance(rows, slice):     # consecutive rows in engine order: views
                    idx, ids, direct = idx[o], tuple(ids[i] for i in o), True
            self.cbs.append((fn, rows if direct else _as_slice(idx), ids, direct))
            covered[idx] = True
        rows = np.flatnonzero(covered)
        self.cb_span = (int(rows[0]), int(rows[-1]) + 1)
        self.pos_buf = np.zeros((n, B))
        self.S = np.zeros((n, B))               # levels this period (rows of moving stages only)
        self.tg_rows = None
        if pa.target is not None:
            tg = np.flatnonzero(pa.target_mask & ~covered)
            self.tg_rows = _as_slice(tg) if tg.size else None

    # ---- one period, step by step ------------------------------------------------------------
    def _scratch(self):
        if not hasattr(self, "rd"):
            return
        if isinstance(self.dn, slice):          # arrive_and_demand writes the customer-facing rows
            self.rd[:self.dn.start] = 0.0
            self.rd[self.dn.stop:] = 0.0
        else:
            self.rd.fill(0.0)
        if self.flows:
            self.receipts.fill(0.0)
            self.shipped.fill(0.0)
        z = self.zero_b
        self.co2 = z
        self.freight = z
        self.xfer_cost = z
        self.xfer_units = z
        self.backup_units = z
        self.sent = None
        self.received = None
        self.exp_u = None
        self.lost = None

    def arrive_and_demand(self, t: int):
        """Steps 1-2: arrivals (waiting customers served first), external demand, expediting."""
        self._scratch()
        H, slot = self.H, t % self.H
        on, bo = self.on, self.bo
        flows = self.flows
        if self.ring_used:
            rr = self.ring_rows
            arr = self.ring[slot, rr]
            self.buf[rr] += arr
            self.tr[rr] -= arr
            arr[:] = 0.0
        if self.pring_used:
            pr = self.pring_rows
            done = self.pring[slot, pr]
            on[pr] += done
            self.inproc[pr] -= done
            self.outst[pr] -= done
            if flows:
                self.receipts[pr] += done
            done[:] = 0.0
        if self.transfers:
            xr = self.x_rows
            xa = self.xring[slot, xr]
            on[xr] += xa
            self.xtr[xr] -= xa
            if flows:
                self.receipts[xr] += xa
                self.received = np.zeros((self.n, self.B))
                self.received[xr] = xa
            xa[:] = 0.0
        dn = self.dn
        x = np.minimum(on[dn], bo[dn])
        on[dn] -= x
        bo[dn] -= x
        if flows:
            self.shipped[dn] += x
        D = self.rep(self.inp.demand(t))
        met = np.minimum(on[dn], D)
        on[dn] -= met
        short = D - met
        if flows:
            self.shipped[dn] += met
        if isinstance(dn, slice):
            np.add(D, 0.0, out=self.rd[dn])    # (0 + D: the rows were not cleared)
        else:
            self.rd[dn] += D
        if self.lost_mode:
            self.lost = short
        else:
            bo[dn] += short
        if self.ex_on:
            m = self.ex_mask[:, None]
            if self.lost_mode:
                e = np.maximum(self.lost - self.ex_thr, 0.0)
                if not self.ex_all:
                    e = np.where(m, e, 0.0)
                self.lost = self.lost - e
            else:
                e = np.subtract(bo[dn], self.ex_thr)
                np.maximum(e, 0.0, out=e)
                if not self.ex_all:
                    e = np.where(m, e, 0.0)
                bo[dn] -= e
            if flows:
                self.receipts[dn] += e
                self.shipped[dn] += e
            self.exp_u = e
        self.D, self.met, self.short = D, met, short
        self._demand_t = t

    def _targets(self, t):
        """Per-period levels of stages with a target array or a callback: (n, B) (or (n, 1) for
        target arrays alone); only the rows of those stages are meaningful."""
        pa = self.pa
        if not pa.callbacks:
            return pa.target[t][:, None]
        S = self.S
        if self.tg_rows is not None:            # per-period target arrays: their rows only
            S[self.tg_rows] = pa.target[t][self.tg_rows][:, None]
        # inventory position (on hand + on order - backorders) of the rows the callbacks read,
        # computed once: place_orders reuses it for the stages whose order it is
        lo, hi = self.cb_span
        pos = self.pos_buf[lo:hi]
        np.add(self.on[lo:hi], self.outst[lo:hi], out=pos)
        pos -= self.bo[lo:hi]
        self.pos_span = (lo, hi)
        pos = self.pos_buf
        for fn, rows, ids, direct in self.cbs:
            if direct:                          # engine order, consecutive rows: views, no copies
                view = _View(t, ids, _read_only(self.on[rows]), _read_only(self.bo[rows]),
                             _read_only(pos[rows]), _read_only(self.rd[rows]), S[rows])
            elif isinstance(rows, slice):
                view = _View(t, ids, self.on[rows].copy(), self.bo[rows].copy(), pos[rows].copy(),
                             self.rd[rows].copy())
            else:
                view = _View(t, ids, self.on[rows], self.bo[rows], pos[rows], self.rd[rows])
            out = fn(t, view)
            in_place = direct and out is view.levels     # written straight into the level rows
            if not in_place:
                out = np.asarray(out, dtype=float)
                if out.ndim == 1:
                    out = out[:, None]
            _check_levels(out, self.B, t, ids)
            if not in_place:
                S[rows] = out
        return S

    def place_orders(self, t: int, q_ext=None):
        """Step 3: orders, deepest first (or ``q_ext`` (n, B), orders chosen from outside)."""
        comp = self.comp
        on, bo, outst, owed, q, rd = self.on, self.bo, self.outst, self.owed, self.q, self.rd
        self.pos_span = None
        S_t = None if q_ext is not None else (
            self._targets(t) if (self.pa.target is not None or self.pa.callbacks) else None)
        Eh = self.Eh if self.any_echelon and q_ext is None else None
        for lv in reversed(self.levels):
            a, b = lv.a, lv.b
            owed_out = 0.0
            if lv.out != "none":
                ow = owed[lv.la:lv.lb]
                owed_out = lv.segsum(ow)
                if lv.out == "many":                # kept for flow (step 4) of this period
                    lv.owed_sum, lv.owed_t = owed_out, t
                rd[a:b] += lv.segsum(q[lv.cus_out] if lv.u_out_one else lv.u_out * q[lv.cus_out])
            qv = q[a:b]
            if q_ext is not None:
                ql = np.maximum(q_ext[a:b], 0.0, out=qv)
            else:
                lo, hi = self.pos_span if self.pos_span is not None else (0, 0)
                if lo <= a and b <= hi:           # computed for the callbacks this period
                    pos = self.pos_buf[a:b]
                else:
                    pos = on[a:b] + outst[a:b]
                    pos -= bo[a:b]
                if lv.out != "none":
                    pos -= owed_out
                if Eh is not None:
                    if lv.out == "none":
                        E = pos
                    else:
                        E = pos + lv.segsum(Eh[lv.cus_out] if lv.u_out_one else lv.u_out * Eh[lv.cus_out])
                    if lv.ech_all:
                        pos = E
                    elif lv.ech_any:
                        pos = np.where(lv.ech[:, None], E, pos)
                ql = self._rule(t, lv, pos, S_t, qv)
                if ql is not qv:
                    qv[...] = ql
            due = lv.due_rows if q_ext is None else None     # None: any stage may have ordered
            if due is None:
                outst[a:b] += ql
            else:
                outst[a + due] += ql[due]
            if Eh is not None:
                Eh[a:b] = E + ql
            # the orders reach the suppliers (outside supplier: straight into the input buffer)
            if lv.inp == "one":
                if lv.in_all_virtual:
                    if lv.in_contig:
                        l0 = lv.in_l[0]
                        self.buf[l0:l0 + lv.k] += ql
                    else:
                        self.buf[lv.in_l] += ql
                elif lv.in_none_virtual:
                    if lv.in_contig:
                        l0 = lv.in_l[0]
                        if due is not None and lv.unit_in:
                            owed[l0 + due] += ql[due]
                        else:
                            owed[l0:l0 + lv.k] += ql if lv.unit_in else lv.in_u * ql
                    else:
                        owed[lv.in_l] += lv.in_u * ql
                else:
                    v = lv.in_virtual
                    self.buf[lv.in_l[v]] += ql[v]
                    owed[lv.in_l[~v]] += lv.in_u[~v] * ql[~v]
            else:
                qq = lv.in_u * ql[lv.in_cus]
                v = lv.in_virtual
                self.buf[lv.in_l[v]] += ql[lv.in_cus[v]]
                owed[lv.in_l[~v]] += qq[~v]

    def _rule(self, t, lv, pos, S_t, out):
        """Orders of the stages of ``lv`` (k, B); a single rule writes them straight into ``out``
        (the engine's order rows), rather than into a temporary copied there afterwards."""
        a, b = lv.a, lv.b
        code = lv.code
        pa_ = self.par_a[a:b]
        integer = self.integer
        kinds = lv.kinds
        into = out if len(kinds) == 1 else None
        lv.due_rows = None
        if lv.periodic and kinds == [0] and not (S_t is not None and lv.moving_any and not lv.moving_all):
            rev = ((t - lv.offset) % lv.every) == 0
            if not rev.all():
                # order-up-to reviewed every few periods: the rule on the rows of the stages that
                # review today only (often a small share), no order elsewhere
                due = lv.due_rows = np.flatnonzero(rev)
                moving = S_t is not None and lv.moving_any
                S = S_t[a:b] if moving else pa_
                qd = np.take(S, due, axis=0) - np.take(pos, due, axis=0)
                np.maximum(qd, 0.0, out=qd)
                if moving and integer:
                    np.round(qd, out=qd)
                out.fill(0.0)
                out[due] = qd
                return out
        q = None
        for c in kinds:
            if c == 0:
                S = pa_
                moving = False
                if S_t is not None and lv.moving_any:
                    S = np.where(lv.moving[:, None], S_t[a:b], pa_) if not lv.moving_all else S_t[a:b]
                    moving = True
                qc = np.subtract(S, pos, out=into)
                np.maximum(qc, 0.0, out=qc)
                if moving and integer:
                    np.round(qc, out=qc)
            elif c == 1:
                qc = np.where(pos <= pa_, self.par_b[a:b] - pos, 0.0)
            elif c == 2:
                Q = self.par_b[a:b]
                # (floor((r - pos) / Q) + 1) Q when pos <= r; the same expression is <= 0 when
                # pos > r, so a maximum with 0 replaces the test (in place: no temporaries)
                qc = np.subtract(pa_, pos, out=into)
                qc /= Q
                np.floor(qc, out=qc)
                qc += 1.0
                qc *= Q
                np.maximum(qc, 0.0, out=qc)
            else:
                rd = self.rd[a:b]
                F, MSE = self.F[a:b], self.MSE[a:b]
                err = rd - F
                F += self.pa.alpha * err
                MSE += self.pa.alpha * (err * err - MSE)
                qc = np.maximum(pa_ * F + self.pa.z * np.sqrt(pa_ * MSE) - pos, 0.0)
                if integer:
                    qc = np.round(qc)
            q = qc if len(kinds) == 1 else (np.where((code == c)[:, None], qc, q if q is not None else 0.0))
        if lv.periodic:
            rev = ((t - lv.offset) % lv.every) == 0
            if not rev.all():
                q *= rev[:, None]               # stages not reviewing this period order nothing
        return q

    def flow(self, t: int):
        """Step 4: upstream first, start production (backup source where capacity is cut), serve
        waiting customers, ship what is owed (rationed), then lateral transfers."""
        comp, inp, H, ar = self.comp, self.inp, self.H, self.ar
        on, buf, owed = self.on, self.buf, self.owed
        capt = inp.cap(t) if inp.cap_active(t) else None
        capt = None if capt is None else self.rep(capt)
        for lv in self.levels:
            a, b = lv.a, lv.b
            # start production
            if lv.inp == "one":
                if lv.in_contig:
                    l0 = lv.in_l[0]
                    bl = buf[l0:l0 + lv.k]
                else:
                    bl = buf[lv.in_l]
                # whole: every unit in the buffer starts, and ``start`` is the buffer itself (no
                # copy), emptied once _finish has read it
                start = bl if lv.unit_in else bl / lv.in_u
                whole = lv.in_contig and lv.unit_in
            else:
                whole = False
                start = np.minimum.reduceat(buf[lv.in_l] / lv.in_u, lv.in_offs, axis=0)
            if self.integer and not lv.unit_in:
                start = np.floor(start + 1e-9)
            bk_units = None
            if capt is not None:
                whole = False
                nominal = np.minimum(start, lv.cap) if lv.finite_cap else start
                start = np.minimum(start, capt[a:b])
                if self.backup is not None:
                    bk, mask, _ = self.backup
                    m = mask[a:b]
                    if m.any():
                        bk_units = np.where(m[:, None], bk.share * (nominal - start), 0.0)
                        if self.integer:
                            bk_units = np.floor(bk_units + 1e-9)
            elif lv.finite_cap:
                whole = False
                start = np.minimum(start, lv.cap)
            used = start if bk_units is None else start + bk_units
            if lv.inp == "one":
                if lv.in_contig:
                    if whole:
                        pass                           # emptied below
                    elif lv.unit_in:
                        bl -= used
                    else:
                        bl -= lv.in_u * used
                else:
                    buf[lv.in_l] -= lv.in_u * used
            else:
                buf[lv.in_l] -= lv.in_u * used[lv.in_cus]
            if lv.has_virtual:
                self.co2 = self.co2 + lv.vco2 @ start
                self.freight = self.freight + lv.vcost @ start
            self._finish(t, lv, start, None if lv.p_runs is not None else self.rep(inp.proc_rows(t, a, b)))
            if whole:
                bl.fill(0.0)                           # everything in the buffer started
            if bk_units is not None:
                bk, _, bco2 = self.backup
                self._finish(t, lv, bk_units, np.full(bk_units.shape, bk.lead_time, dtype=np.int64))
                self.co2 = self.co2 + bco2[a:b] @ bk_units
                self.freight = self.freight + bk.cost_per_unit * bk_units.sum(axis=0)
                self.backup_units = self.backup_units + bk_units.sum(axis=0)
            # waiting external customers first.  Right after demand (step 2) a stage has either
            # no stock or no backorders; unless some units can reach its shelf since (a zero or
            # random processing time, a backup source), there is nobody to serve: skip the passes
            if lv.has_demand and (lv.restock_in_flow or self._demand_t != t):
                bo = self.bo[a:b]
                if bo.any():
                    x = np.minimum(on[a:b], bo)
                    on[a:b] -= x
                    bo -= x
                    if self.flows:
                        self.shipped[a:b] += x
            if lv.out == "none":
                continue
            # ship what is owed
            la, lb = lv.la, lv.lb
            ow = owed[la:lb]
            emptied = False
            if lv.out == "one":
                s = np.minimum(on[a:b], ow)
                tot = s
            else:
                avail = on[a:b]
                # what each supplier owes: unchanged since place_orders summed it this period
                need = lv.owed_sum if lv.owed_t == t else lv.segsum(ow)
                if (avail >= need).all():           # nobody is short: everyone gets what is owed
                    s = ow                          # (the owed rows themselves, emptied once sent)
                    tot = need
                    emptied = True
                elif self.rationing == "proportional":
                    frac = np.where(need > 0, np.minimum(avail / np.where(need > 0, need, 1.0), 1.0), 0.0)
                    s1 = ow * frac[lv.sup_local]
                    if self.integer:
                        s1 = np.floor(s1 + 1e-9)
                    s = s1 + self._priority(t, lv, ow - s1, avail - lv.segsum(s1))
                    tot = lv.segsum(s)
                else:
                    s = self._priority(t, lv, ow, avail)
                    tot = lv.segsum(s)
            on[a:b] -= tot
            if not emptied:
                ow -= s
            if self.flows:
                self.shipped[a:b] += tot
            if lv.any_co2_out:
                self.co2 = self.co2 + lv.co2_out @ s
            if lv.any_cost_out:
                self.freight = self.freight + lv.cost_out @ s
            self._send(t, lv, s, None if lv.l_runs is not None else self.rep(inp.lane_rows(t, la, lb)))
            if emptied:
                ow.fill(0.0)
        if self.transfers:
            self._transfer(t)

    def _priority(self, t, lv, ow, avail):
        """Serve each supplier's customers in a priority order that rotates every period."""
        perm = lv.seg + (lv.spos + t) % lv.slen            # slot -> lane (local)
        o = ow[perm]
        cs = np.cumsum(o, axis=0)
        excl = cs - o
        excl = excl - excl[lv.seg]                           # exclusive cumsum within the segment
        s_slot = np.minimum(np.maximum(avail[lv.sup_local[perm]] - excl, 0.0), o)
        s = np.empty_like(s_slot)
        s[perm] = s_slot
        return s

    def _finish(self, t, lv, start, d):
        """Units started at the stages of level ``lv`` finish after the processing delay ``d``
        (k, B; None: the constant delays)."""
        H = self.H
        a, b = lv.a, lv.b
        if d is None:
            for ga, gb, dv in lv.p_runs:
                x = start[ga:gb]
                if dv == 0:
                    self.on[a + ga:a + gb] += x
                    self.outst[a + ga:a + gb] -= x
                    if self.flows:
                        self.receipts[a + ga:a + gb] += x
                else:
                    self.pring[(t + dv) % H, a + ga:a + gb] += x
                    if not lv.p_all_late:
                        self.inproc[a + ga:a + gb] += x
            if lv.p_all_late:                          # every run is in production: one pass
                self.inproc[a:b] += start
            return
        late = np.where(d == 0, 0.0, start)
        self.pring[(t + d) % H, np.arange(a, b)[:, None], self.ar[None, :]] += late
        self.inproc[a:b] += late
        soon = start - late
        self.on[a:b] += soon
        self.outst[a:b] -= soon
        if self.flows:
            self.receipts[a:b] += soon

    def _send(self, t, lv, s, d):
        H = self.H
        la, lb = lv.la, lv.lb
        if d is None:
            for ga, gb, dv in lv.l_runs:
                x = s[ga:gb]
                if dv == 0:
                    self.buf[la + ga:la + gb] += x
                else:
                    self.ring[(t + dv) % H, la + ga:la + gb] += x
                    self.tr[la + ga:la + gb] += x
            return
        late = np.where(d == 0, 0.0, s)
        self.ring[(t + d) % H, np.arange(la, lb)[:, None], self.ar[None, :]] += late
        self.tr[la:lb] += late
        self.buf[la:lb] += s - late

    def _inbound(self):
        """Units in transit to or waiting at each stage on its lanes from other stages (own units)."""
        if not hasattr(self, "_to_stage"):
            import scipy.sparse as sp

            comp = self.comp
            real = np.flatnonzero(comp.lane_sup >= 0)
            # (n, L): stage <- its inbound lanes from other stages, 1 / units per unit
            self._to_stage = sp.csr_matrix((1.0 / comp.lane_u[real], (comp.lane_cus[real], real)),
                                           shape=(self.n, self.L))
        return np.asarray(self._to_stage @ (self.tr + self.buf))

    def _transfer(self, t):
        comp, inp = self.comp, self.inp
        mean_ext = None
        for x, g, co2, Ag in self.transfers:
            if (t - x.offset) % x.every:
                continue
            if mean_ext is None:
                mean_ext = np.zeros(self.n)
                mean_ext[comp.demand_idx] = inp.mean_demand(t)
            inb = self._inbound()
            X = self.on - self.bo + inb
            es = Ag @ X - inb[g]
            mu = np.asarray(Ag @ mean_ext).ravel()
            mu_b = np.maximum(mu, 1e-9)[:, None]
            cover = es / mu_b
            lo = np.argmin(cover, axis=0)
            hi = np.argmax(cover, axis=0)
            ar = self.ar
            gap = (cover[hi, ar] - cover[lo, ar]) / 2
            send = np.minimum(self.on[g[hi], ar] * x.share, gap * mu[lo] * x.share)
            if self.integer:
                send = np.floor(send + 1e-9)
            move = np.where(gap > x.trigger_periods, np.maximum(send, 0.0), 0.0)
            if not move.any():
                continue
            self.on[g[hi], ar] -= move
            self.shipped[g[hi], ar] += move
            if self.sent is None:
                self.sent = np.zeros((self.n, self.B))
            self.sent[g[hi], ar] += move
            if x.lead_time == 0:
                self.on[g[lo], ar] += move
                self.receipts[g[lo], ar] += move
                if self.received is None:
                    self.received = np.zeros((self.n, self.B))
                self.received[g[lo], ar] += move
            else:
                self.xring[(t + x.lead_time) % self.H, g[lo], ar] += move
                self.xtr[g[lo], ar] += move
            self.xfer_units = self.xfer_units + move
            self.xfer_cost = self.xfer_cost + x.cost_per_unit * move
            self.co2 = self.co2 + co2[hi] * move

    def period_cost(self, cm=None):
        """Step 5: (holding, shortage, ordering, emergency) cost of the period, each (B,)."""
        comp = self.comp
        hold = comp.h @ self.on + comp.lane_hv @ self.buf
        if self.pring_used:
            pr = self.pring_rows
            hold += comp.comp_value[pr] @ self.inproc[pr]
        if self.ring_used:
            rr = self.ring_rows
            hold += comp.lane_hv[rr] @ self.tr[rr]
        if self.transfers:
            hold = hold + comp.h @ self.xtr
        dn = self.dn
        if self.lost_mode:
            short = comp.p[dn] @ self.lost
        else:
            short = comp.p[dn] @ self.bo[dn]
        if not self.any_K:
            order = self.zero_b
        else:
            placed = np.greater(self.q, 0.0, out=self.placed)      # 1.0 where an order was placed
            order = comp.K @ placed if cm is None else np.einsum("i,ib,ib->b", comp.K, placed, cm)
        emerg = 0.0
        self.exp_total = None               # units expedited this period (the accumulation reuses it)
        if self.exp_u is not None:
            if cm is None:
                eu = self.exp_total = self.exp_u.sum(axis=0)
            else:
                eu = np.einsum("db,db->b", self.exp_u, cm[comp.demand_idx])
            emerg = self.ex_cost * eu
            self.co2 = self.co2 + self.ex_co2 @ self.exp_u
        return hold, short, order, emerg


def run_fast(comp, pa, inp, config, *, C: int = 1, keep_series: bool = False, keep_flow: bool = False,
             keep_totals: bool = False, expedite_mask=None, expedite_co2=None, progress=None) -> Accum:
    """Simulate C candidate policies (columns of ``pa``) x R replications of ``inp``."""
    eng = FastEngine(comp, pa, inp, config, C=C, expedite_mask=expedite_mask, expedite_co2=expedite_co2,
                     flows=keep_series)
    T, W = inp.T, inp.warmup
    acc = Accum(comp.n, len(comp.demand_idx), eng.B, T - W, keep_series, keep_flow or keep_totals,
                n_levels=len(comp.levels), keep_totals=keep_totals, keep_stages=config.keep_stages,
                whole=whole_quantities(comp, pa, config))
    periods = range(T)
    if progress:
        from tqdm.auto import tqdm

        periods = tqdm(periods, desc="fast engine", unit="period", leave=False)
    for t in periods:
        eng.arrive_and_demand(t)
        eng.place_orders(t)
        eng.flow(t)
        cm = inp.cost_mult(t)
        cm = None if cm is None else eng.rep(cm)
        hold, short, order, emerg = eng.period_cost(cm)
        if t >= W:
            acc.add_fast(eng, t - W, hold, short, order, emerg)
    acc.finish_fast(comp)
    return acc


def transit_by_stage(comp, tr, n, B):
    """Units in transit to each stage, in its own units (average over its inbound lanes for an
    assembly stage)."""
    out = np.zeros((n, B))
    for i in range(n):
        ls = [l for l in comp.in_lanes[i] if comp.lane_sup[l] >= 0]
        if ls:
            out[i] = sum(tr[l] / comp.lane_u[l] for l in ls) / len(ls)
    return out
