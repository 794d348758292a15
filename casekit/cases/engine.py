"""A vectorised two-echelon case simulator: upstream nodes (regional warehouses or Tier-2
suppliers) each serve a group of downstream nodes (retail outlets or finished SKUs).

Why a dedicated engine?  :func:`casekit.simulation.simulate` loops over stages in Python; the FMCG
case has 2,000 outlets, so here **one numpy operation acts on all replications x nodes at once**
(arrays of shape ``(R, N)`` downstream and ``(R, M)`` upstream) and the only Python loop runs
over days.  The timing of a day follows :mod:`casekit.simulation`:

1. **Arrivals** from the pipelines (upstream from the outside source, downstream from their
   upstream node); arrivals first serve backorders.
2. **Demand** at downstream nodes: met from stock, the rest backordered.  Reactive **emergency
   shipments** (if the policy has them) clear backorders above a threshold at
   ``c_e`` per unit by the express mode (the units come from outside, e.g. a spot buy).
3. **Orders**: downstream nodes order per their policy (``(r, Q)`` or order-up-to a daily
   target); upstream nodes order from the source on their review days, on the *local* inventory
   position (traditional) or the *echelon* position (hybrid: their own position plus their
   downstream nodes', possible only when point-of-sale data are shared).
4. **Shipments**: each upstream node ships what its downstream nodes are owed, rationed
   proportionally when short; shipments arrive after the lane's lead time.  Optionally
   (hybrid FMCG) stock is **reallocated** between upstream nodes.
5. **Costs** at the end of the day (per day, whole system): holding h on hand, shortage p per
   unit backordered, K per order, c_e per unit expedited; CO2 of every shipment (kg CO2e =
   tonne-km x the mode's factor, :func:`casekit.metrics.co2_kg`).

Demand is negative binomial (gamma-Poisson) around a daily mean profile ``mu[t, j]``; the same
``seed`` gives the same demand and lead-time draws to every policy (common random numbers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from casekit import metrics
from casekit.validate import check_choice, check_int

__all__ = ["CaseSystem", "CasePolicy", "CaseRun", "run_case", "SCENARIOS", "METRICS"]

#: Scenarios every case understands (days count from the end of the warm-up).
SCENARIOS = ("none", "supplier_shutdown", "demand_surge")

#: The metrics of the seed's Table 3, in order (one value per replication).
METRICS = ("fill_rate", "backorders", "total_cost", "holding_cost", "ordering_cost", "shortage_cost",
           "emergency_transport_cost", "bullwhip_ratio", "co2_kg", "order_cycle_std", "recovery_days")


@dataclass(frozen=True, eq=False)
class CaseSystem:
    """The physical system and its costs (all per day; quantities in units).

    ``parent[j]`` is the upstream node serving downstream node j.  ``mu`` holds the true mean
    demand per day, shape ``(days, N)``, for warm-up + horizon (+ lookahead) days.
    """

    name: str
    parent: np.ndarray            # (N,) int
    mu: np.ndarray                # (days, N) true daily mean demand
    dispersion: float             # negative binomial k: Var = mu + mu^2 / k
    lead_dn: np.ndarray           # (N,) int days, upstream -> downstream lane
    lead_up_median: np.ndarray    # (M,) days, source -> upstream (lognormal median)
    lead_up_sigma: np.ndarray     # (M,) log-sd of that lead time (0 = deterministic)
    h_dn: np.ndarray              # (N,) holding cost per unit-day downstream
    h_up: np.ndarray              # (M,) holding cost per unit-day upstream
    p: np.ndarray                 # (N,) backorder cost per unit-day
    K_dn: float                   # cost per downstream order
    K_up: float                   # cost per upstream order
    weight_kg: object             # kg per unit shipped: a number or (N,) per downstream node
    dist_dn: np.ndarray           # (N,) km upstream -> downstream
    dist_up: np.ndarray           # (M,) km source -> upstream
    factors: dict                 # kg CO2e per tonne-km by mode
    emergency_cost: float         # c_e per unit expedited
    emergency_mode: str
    emergency_km: np.ndarray      # (N,) km of an emergency shipment
    dn_modes: tuple = ()          # mode of each downstream lane (empty: the policy's dn_mode)
    transfer_km: float = 300.0    # km between upstream nodes (reallocation)
    transfer_cost: float = 0.05   # cost per unit reallocated
    shutdown_mask: tuple = ()     # upstream nodes whose source a supplier_shutdown stops (empty: all)

    @property
    def n(self) -> int:
        return int(self.parent.size)

    @property
    def m(self) -> int:
        return int(self.lead_up_median.size)


@dataclass(frozen=True, eq=False)
class CasePolicy:
    """How the system is run.

    Downstream: ``kind="rQ"`` (reorder point ``level`` (N,), lot ``Q`` (N,)) or
    ``kind="order_up_to"`` (a daily target ``level`` of shape (days, N)).
    Upstream: order-up-to ``up_level`` (M,) or (days, M) every ``up_review`` days on the local
    (``up_echelon=False``) or echelon position; ``up_mode`` the source -> upstream mode and
    ``up_extra_days`` its extra lead time (e.g. rail instead of truck).
    """

    name: str
    kind: str
    level: np.ndarray
    Q: np.ndarray | None
    up_level: np.ndarray
    up_review: int
    up_echelon: bool
    up_mode: str
    dn_mode: str | None = None     # None: each lane's own mode (CaseSystem.dn_modes)
    up_extra_days: int = 0
    dn_review: object = 1         # days between downstream reviews: int or (N,) (staggered by node)
    expedite_threshold: float | None = None     # None: no emergency shipments
    reallocate: bool = False
    backup_share: float = 0.0    # share of upstream orders a pre-allocated backup source ships in a shutdown
    backup_lead: int = 3
    backup_mode: str = "truck"
    backup_km: float = 400.0
    info: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CaseRun:
    """Per-replication metrics (``kpis``: one row per replication, columns :data:`METRICS`) and
    system-level daily series for the first replication (``series``)."""

    case: str
    policy: str
    scenario: str
    kpis: object
    series: dict
    node_periods: int
    elapsed: float

    def summary(self, confidence: float = 0.95):
        import pandas as pd

        rows = {k: metrics.mean_ci(self.kpis[k].to_numpy(), confidence) for k in self.kpis.columns}
        return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "ci_low", "ci_high"]).rename_axis("metric")


def _at(arr, t):
    """Row t of a time-varying (days, X) array, or the array itself if static (X,)."""
    return arr[t] if arr.ndim == 2 else arr


def run_case(system: CaseSystem, policy: CasePolicy, *, horizon: int, replications: int, seed: int,
             warmup: int = 60, scenario: str = "none", shutdown_start: int = 90, shutdown_days: int = 30,
             surge: float = 1.5) -> CaseRun:
    """Simulate ``replications`` x ``horizon`` recorded days (after ``warmup``) of ``system``
    under ``policy``; see the module docstring for the timing of a day."""
    import pandas as pd

    horizon = check_int("horizon_days", horizon, minimum=30)
    R = check_int("replications", replications, minimum=2)
    warmup = check_int("warmup", warmup, minimum=0)
    check_choice("scenario", scenario, SCENARIOS)
    if scenario != "none":
        check_int("shutdown_start", shutdown_start, minimum=1, maximum=horizon - 1)
    S = system
    N, M, T = S.n, S.m, warmup + horizon
    if S.mu.shape[0] < T:
        raise ValueError(f"the system's demand profile covers {S.mu.shape[0]} days, need {T}")
    par = S.parent
    lead_dn = S.lead_dn.astype(int)
    H = int(max(lead_dn.max(), 1) + np.ceil(np.max(S.lead_up_median) * np.exp(4 * np.max(S.lead_up_sigma)))
            + policy.up_extra_days + shutdown_days + policy.backup_lead + 8)
    rng_d = np.random.default_rng([seed, 1])     # demand stream
    rng_l = np.random.default_rng([seed, 2])     # lead-time stream
    k = S.dispersion
    f = S.factors
    modes = [policy.dn_mode] * N if policy.dn_mode is not None else list(S.dn_modes)
    w = np.broadcast_to(np.asarray(S.weight_kg, dtype=float), (N,))
    wu = np.bincount(par, weights=w, minlength=M) / np.maximum(np.bincount(par, minlength=M), 1)
    co2_dn = w / 1000 * S.dist_dn * np.array([f[m] for m in modes])   # kg CO2e per unit shipped, (N,)
    co2_up = wu / 1000 * S.dist_up * f[policy.up_mode]                # (M,)
    co2_em = w / 1000 * S.emergency_km * f[S.emergency_mode]          # (N,)
    co2_tr = float(w.mean()) / 1000 * S.transfer_km * f["truck"]
    co2_bk = wu / 1000 * policy.backup_km * f[policy.backup_mode]     # (M,)
    stop = np.ones(M, dtype=bool) if not len(S.shutdown_mask) else np.asarray(S.shutdown_mask, dtype=bool)
    s0, s1 = warmup + shutdown_start, warmup + shutdown_start + shutdown_days

    rQ = policy.kind == "rQ"
    rev_dn = None if np.all(np.asarray(policy.dn_review) == 1) else np.broadcast_to(
        np.asarray(policy.dn_review, dtype=int), (N,))[None, :]
    lv0 = _at(policy.level, 0)
    on = np.broadcast_to(lv0 + (policy.Q if rQ else 0.0), (R, N)).astype(float).copy()
    on_up = np.broadcast_to(_at(policy.up_level, 0) * 0.5, (R, M)).astype(float).copy()
    bo = np.zeros((R, N))
    owed = np.zeros((R, N))          # upstream owes downstream (ordered, not shipped)
    pipe = np.zeros((R, N))          # shipped to downstream, in transit
    pipe_up = np.zeros((R, M))
    ring = np.zeros((H, R, N))
    ring_up = np.zeros((H, R, M))
    rr = np.arange(R)[:, None]
    jj = np.arange(N)[None, :]
    mm = np.arange(M)[None, :]
    onehot = np.zeros((N, M))
    onehot[np.arange(N), par] = 1.0
    sys_dem = np.zeros((R, horizon))
    sys_met = np.zeros((R, horizon))
    up_orders = np.zeros((R, horizon))
    cost = {c: np.zeros(R) for c in ("holding", "ordering", "shortage", "emergency")}
    co2 = np.zeros(R)
    bo_sum = np.zeros(R)
    q1 = np.zeros((R, N))
    q2 = np.zeros((R, N))
    keep = {"on_hand": np.zeros(horizon), "backorders": np.zeros(horizon), "upstream_orders": np.zeros(horizon),
            "demand": np.zeros(horizon), "met": np.zeros(horizon)}
    t0 = time.perf_counter()
    for t in range(T):
        slot = t % H
        rec = t >= warmup
        # 1. arrivals
        a = ring[slot]
        on += a
        pipe -= a
        ring[slot] = 0.0
        a_up = ring_up[slot]
        on_up += a_up
        pipe_up -= a_up
        ring_up[slot] = 0.0
        x = np.minimum(on, bo)
        on -= x
        bo -= x
        # 2. demand (common random numbers: drawn the same way for every policy)
        mu_t = S.mu[t]
        if scenario == "demand_surge" and s0 <= t < s1:
            mu_t = mu_t * surge
        lam = rng_d.gamma(k, 1.0, size=(R, N)) * (mu_t / k)
        D = rng_d.poisson(lam).astype(float)
        met = np.minimum(on, D)
        on -= met
        bo += D - met
        exp_u = None
        if policy.expedite_threshold is not None:
            exp_u = np.maximum(bo - policy.expedite_threshold, 0.0)
            bo -= exp_u
        # 3. downstream orders
        ip = on + pipe + owed - bo
        if rQ:
            below = ip <= policy.level
            nq = np.where(below, np.floor((policy.level - ip) / policy.Q) + 1, 0.0)
            q = nq * policy.Q
        else:
            q = np.maximum(np.round(_at(policy.level, t) - ip), 0.0)
            if rev_dn is not None:
                q = np.where(((t + jj) % rev_dn) == 0, q, 0.0)
        owed += q
        # upstream orders on review days
        lt = rng_l.lognormal(np.log(S.lead_up_median), np.maximum(S.lead_up_sigma, 1e-12), size=(R, M))
        lt = np.maximum(np.ceil(lt), 1).astype(int) + policy.up_extra_days
        if t % policy.up_review == 0:
            ip_up = on_up + pipe_up - owed @ onehot
            if policy.up_echelon:
                ip_up = ip_up + (on + pipe + owed - bo) @ onehot
            qu = np.maximum(np.round(_at(policy.up_level, t) - ip_up), 0.0)
        else:
            qu = np.zeros((R, M))
        if qu.any():
            arrive = t + lt
            if scenario == "supplier_shutdown" and s0 <= t < s1:
                arrive = np.where(stop, np.maximum(arrive, s1 + lt), arrive)   # the source restarts at s1
                if policy.backup_share > 0:
                    qb = np.where(stop, np.round(qu * policy.backup_share), 0.0)
                    ring_up[(t + policy.backup_lead) % H, rr, mm] += qb
                    pipe_up += qb
                    if rec:
                        co2 += qb @ co2_bk
                    qu_src = qu - qb
                    ring_up[arrive % H, rr, mm] += qu_src
                    pipe_up += qu_src
            elif scenario == "supplier_shutdown" and t < s0:
                # an order placed before the shutdown and due during it waits for the restart
                arrive = np.where(stop & (arrive >= s0) & (arrive < s1), s1, arrive)
            if not (scenario == "supplier_shutdown" and s0 <= t < s1 and policy.backup_share > 0):
                ring_up[arrive % H, rr, mm] += qu
                pipe_up += qu
        # 4. shipments: ration upstream stock proportionally to what each node is owed
        need = owed @ onehot                          # (R, M)
        frac = np.where(need > 0, np.minimum(on_up / np.where(need > 0, need, 1.0), 1.0), 0.0)
        ship = np.floor(owed * frac[:, par])
        on_up -= ship @ onehot
        owed -= ship
        pipe += ship
        ring[(t + lead_dn) % H, rr, jj] += ship
        tr = 0.0
        if policy.reallocate and M > 1 and t % 7 == 0:
            cover = (on_up + (on + pipe - bo) @ onehot) / np.maximum(mu_t @ onehot, 1e-9)
            lo, hi = np.argmin(cover, axis=1), np.argmax(cover, axis=1)
            r_ = np.arange(R)
            gap = (cover[r_, hi] - cover[r_, lo]) / 2
            move = np.where(gap > 3, np.minimum(on_up[r_, hi] * 0.5,
                                                np.floor(gap * (mu_t @ onehot)[lo] * 0.5)), 0.0)
            on_up[r_, hi] -= move
            on_up[r_, lo] += move               # a one-day truck transfer, booked on arrival
            tr = move
        # 5. record
        if rec:
            d = t - warmup
            cost["holding"] += on @ S.h_dn + on_up @ S.h_up
            cost["shortage"] += bo @ S.p
            cost["ordering"] += (q > 0).sum(axis=1) * S.K_dn + (qu > 0).sum(axis=1) * S.K_up
            c = ship @ co2_dn + qu @ co2_up + tr * co2_tr
            if exp_u is not None:
                cost["emergency"] += exp_u.sum(axis=1) * S.emergency_cost
                c = c + exp_u @ co2_em
            if policy.reallocate and M > 1:
                cost["emergency"] += np.asarray(tr) * S.transfer_cost
            co2 += c
            bo_sum += bo.sum(axis=1)
            q1 += q
            q2 += q * q
            sys_dem[:, d] = D.sum(axis=1)
            sys_met[:, d] = met.sum(axis=1)
            up_orders[:, d] = qu.sum(axis=1)
            keep["on_hand"][d] = on[0].sum() + on_up[0].sum()
            keep["backorders"][d] = bo[0].sum()
            keep["upstream_orders"][d] = up_orders[0, d]
            keep["demand"][d] = sys_dem[0, d]
            keep["met"][d] = sys_met[0, d]
    elapsed = time.perf_counter() - t0
    n = float(horizon)
    hold, order, short, emerg = (cost[c] / n for c in ("holding", "ordering", "shortage", "emergency"))
    var_q = np.maximum(q2 / n - (q1 / n) ** 2, 0.0)
    if scenario == "none":
        recovery = np.zeros(R)
    else:
        recovery = np.asarray(metrics.recovery_time(sys_dem, sys_met, start=shutdown_start, window=7),
                              dtype=float)
    kpis = pd.DataFrame({
        "fill_rate": sys_met.sum(axis=1) / sys_dem.sum(axis=1),
        "backorders": bo_sum / n,
        "total_cost": hold + order + short + emerg,
        "holding_cost": hold,
        "ordering_cost": order,
        "shortage_cost": short,
        "emergency_transport_cost": emerg,
        "bullwhip_ratio": metrics.bullwhip_ratio(up_orders, sys_dem),
        "co2_kg": co2 / n,
        "order_cycle_std": np.sqrt(var_q).mean(axis=1),
        "recovery_days": recovery,
    }).rename_axis("replication")
    return CaseRun(S.name, policy.name, scenario, kpis, keep, T * R * (N + M), elapsed)
