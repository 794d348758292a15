"""The case studies' systems and policies as inputs of :mod:`casekit.simulation`.

A :class:`CaseSystem` describes a two-echelon system: upstream nodes (regional warehouses or
Tier-2 suppliers) each serving a group of downstream nodes (retail outlets or finished SKUs).
A :class:`CasePolicy` says how it is run.  :func:`run_case` turns both into what the one
simulation engine reads, and simulates them there (``engine="fast"``, common random numbers):

* the system becomes a :class:`~casekit.network.Network`: a pass-through plant (the outside
  supply), one stage per upstream node (supplied from the plant in a lognormal lead time
  rounded up to days, :func:`~casekit.simulation.lognormal_lead_time`), one customer-facing
  stage per downstream node (demand a :class:`~casekit.simulation.DemandPath`: negative
  binomial around the daily mean profile), one lane per (upstream, downstream) pair with its
  transit days, distance and mode;
* the policy becomes a :class:`~casekit.policies.Mixed` policy: downstream (r, Q) or
  order-up-to a daily target (:class:`~casekit.policies.OrderUpTo`, reviewed every
  ``dn_review`` days, staggered by node), upstream :class:`~casekit.policies.Periodic`
  order-up-to on the local or echelon position;
* the rest is a :class:`~casekit.simulation.SimulationConfig`: emergency shipments
  (:class:`~casekit.simulation.Expedite`), the source mode (rail adds days,
  :class:`~casekit.simulation.TransportMode`), proportional rationing among downstream nodes,
  lateral transfers between upstream nodes (:class:`~casekit.simulation.Transfers`) and a
  reserved backup source (:class:`~casekit.simulation.Backup`);
* the scenarios are :mod:`casekit.simulation.scenarios` events: ``supplier_shutdown``
  (:class:`~casekit.simulation.scenarios.SupplierShutdown`: the upstream nodes take in nothing)
  and ``demand_surge`` (:class:`~casekit.simulation.scenarios.DemandSpike`).

The timing of a day is the engine's (see :mod:`casekit.simulation`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from casekit import metrics
from casekit.validate import check_choice, check_int

__all__ = ["CaseSystem", "CasePolicy", "CaseRun", "run_case", "case_network", "case_policy", "case_config",
           "case_scenario", "SCENARIOS", "METRICS"]

#: Scenarios every case understands (days count from the end of the warm-up).
SCENARIOS = ("none", "supplier_shutdown", "demand_surge")

#: The metrics of the paper's Table 3, in order (one value per replication).
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
    planner: object = None       # factory of an OrderUpTo level callback for the downstream (and upstream) stages
    lane_modes: tuple = ()       # ((origin stage, destination stage), mode, extra days): lane modes chosen per lane


@dataclass(frozen=True)
class CaseRun:
    """Per-replication metrics (``kpis``: one row per replication, columns :data:`METRICS`),
    system-level daily series for the first replication (``series``), and the engine's
    :class:`~casekit.simulation.SimulationResult` behind them (``simulation``: its KPIs,
    network totals per day for every replication and each stage's order sd; the per-stage
    table is not kept, see :func:`case_config`)."""

    case: str
    policy: str
    scenario: str
    kpis: object
    series: dict
    node_periods: int
    elapsed: float
    simulation: object = field(default=None, repr=False)

    def summary(self, confidence: float = 0.95):
        import pandas as pd

        rows = {k: metrics.mean_ci(self.kpis[k].to_numpy(), confidence) for k in self.kpis.columns}
        return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "ci_low", "ci_high"]).rename_axis("metric")


def _up_id(m):
    return f"up{m}"


def _dn_id(j):
    return f"dn{j}"


PLANT = "plant"


def case_network(system: CaseSystem, dn_mode: str | None = None, periods: int | None = None):
    """The system as a :class:`~casekit.network.Network`: a pass-through ``"plant"`` stage (the
    outside supply, never holding stock under :func:`case_policy`), upstream stages ``up0..``
    whose replenishment time is the lognormal lead time rounded up to days
    (:func:`~casekit.simulation.lognormal_lead_time`), downstream stages ``dn0..`` whose
    replenishment time is the lane's transit days (so an order placed on day t arrives on day
    t + L, before that day's demand, as in the chapters' serial systems).
    ``dn_mode`` overrides every downstream lane's mode; ``periods`` cuts the demand paths."""
    from casekit.network import Lane, Network, Stage
    from casekit.simulation import DemandPath, lognormal_lead_time

    S = system
    N, M = S.n, S.m
    w = np.broadcast_to(np.asarray(S.weight_kg, dtype=float), (N,))
    wu = np.bincount(S.parent, weights=w, minlength=M) / np.maximum(np.bincount(S.parent, minlength=M), 1)
    mu = S.mu if periods is None else S.mu[:periods]
    modes = [dn_mode] * N if dn_mode is not None else list(S.dn_modes)
    stages = [Stage(PLANT, 1e-9, attrs={"order_cost": 0.0, "unit_weight_kg": float(wu.mean())})]
    lanes = []
    for m in range(M):
        lt = lognormal_lead_time(float(S.lead_up_median[m]), float(S.lead_up_sigma[m]))
        kw = dict(processing_time=next(iter(lt))) if len(lt) == 1 else dict(
            processing_time=float(sum(k * p for k, p in lt.items())), processing_time_dist=lt)
        stages.append(Stage(_up_id(m), float(S.h_up[m]), **kw,
                            attrs={"order_cost": S.K_up, "unit_weight_kg": float(wu[m])}))
        lanes.append(Lane(PLANT, _up_id(m), distance_km=float(S.dist_up[m]), mode="truck",
                          attrs={"unit_weight_kg": float(wu[m])}))
    for j in range(N):
        stages.append(Stage(_dn_id(j), float(S.h_dn[j]), processing_time=int(S.lead_dn[j]),
                            demand=DemandPath(mu[:, j], S.dispersion), stockout_cost=float(S.p[j]),
                            attrs={"order_cost": S.K_dn, "unit_weight_kg": float(w[j])}))
        lanes.append(Lane(_up_id(int(S.parent[j])), _dn_id(j), distance_km=float(S.dist_dn[j]), mode=modes[j],
                          attrs={"unit_weight_kg": float(w[j])}))
    return Network(stages, lanes)


def _at0(arr):
    return arr[0] if arr.ndim == 2 else arr


def case_policy(system: CaseSystem, policy: CasePolicy):
    """The policy as a :class:`~casekit.policies.Mixed` of a downstream and an upstream rule."""
    from casekit.policies import RQ, Mixed, OrderUpTo, Periodic

    S, P = system, policy
    N, M = S.n, S.m
    dn = tuple(_dn_id(j) for j in range(N))
    up = tuple(_up_id(m) for m in range(M))
    if P.kind == "rQ":
        r = {**{i: float(v) for i, v in zip(dn, P.level)}, **{i: 0.0 for i in up + (PLANT,)}}
        Q = {**{i: float(v) for i, v in zip(dn, P.Q)}, **{i: 1.0 for i in up + (PLANT,)}}
        down = RQ(r, Q)
    else:
        lv = np.asarray(P.level, dtype=float)
        down = OrderUpTo({**{i: (lv[:, j] if lv.ndim == 2 else float(lv[j])) for j, i in enumerate(dn)},
                          **{i: 0.0 for i in up + (PLANT,)}})
    rev = np.broadcast_to(np.asarray(P.dn_review, dtype=int), (N,))
    callback = None
    if P.planner is not None:                    # a fresh planner (it keeps state) for every run
        callback = P.planner()
        down = OrderUpTo(callback)
    if (rev > 1).any():
        every = {i: int(rev[j]) for j, i in enumerate(dn)}
        offset = {i: int((-j) % rev[j]) for j, i in enumerate(dn)}
        down = Periodic(down, every, offset)
    ul = np.asarray(P.up_level, dtype=float)
    if callback is not None and getattr(callback, "plans_upstream", False):
        upper = OrderUpTo(callback)
    else:
        upper = OrderUpTo({**{i: (ul[:, m] if ul.ndim == 2 else float(ul[m])) for m, i in enumerate(up)},
                           **{i: 0.0 for i in dn}, PLANT: 0.0}, echelon=bool(P.up_echelon))
    upper = Periodic(upper, int(P.up_review), 0)
    plant = OrderUpTo(0.0)                       # passes every order straight through
    return Mixed({dn: down, up: upper, PLANT: plant})


def case_config(system: CaseSystem, policy: CasePolicy):
    """Everything else the engine reads: expediting, modes, rationing, transfers, backup.  The
    case metrics need network totals and KPIs only, so the per-stage measures are not kept
    (``keep_stages=False``: the KPIs are the same numbers, the bookkeeping lighter)."""
    from casekit.simulation import Backup, Expedite, SimulationConfig, Transfers, TransportMode

    S, P = system, policy
    N, M = S.n, S.m
    up = tuple(_up_id(m) for m in range(M))
    lv0 = _at0(np.asarray(P.level, dtype=float))
    init = {_dn_id(j): float(lv0[j] + (P.Q[j] if P.kind == "rQ" else 0.0)) for j in range(N)}
    ul0 = _at0(np.asarray(P.up_level, dtype=float))
    init.update({_up_id(m): float(np.floor(0.5 * ul0[m])) for m in range(M)})
    init[PLANT] = 0.0
    ex = None
    if P.expedite_threshold is not None:
        ex = Expedite(S.emergency_cost, threshold=float(P.expedite_threshold), mode=S.emergency_mode,
                      distance_km={_dn_id(j): float(S.emergency_km[j]) for j in range(N)})
    modes = {(PLANT, u): TransportMode(P.up_mode, extra_periods=int(P.up_extra_days)) for u in up}
    modes.update({tuple(lane): TransportMode(mode, extra_periods=int(extra)) for lane, mode, extra in P.lane_modes})
    transfers = None
    if P.reallocate and M > 1:
        transfers = Transfers(up, every=7, offset=0, trigger_periods=3.0, share=0.5, cost_per_unit=S.transfer_cost,
                              distance_km=S.transfer_km, mode="truck")
    backup = None
    if P.backup_share > 0:
        stop = np.ones(M, dtype=bool) if not len(S.shutdown_mask) else np.asarray(S.shutdown_mask, dtype=bool)
        backup = Backup(tuple(u for u, s in zip(up, stop) if s), share=float(P.backup_share),
                        lead_time=int(P.backup_lead), distance_km=float(P.backup_km), mode=P.backup_mode)
    return SimulationConfig(expedite=ex, emission_factors=dict(S.factors), modes=modes, rationing="proportional",
                            transfers=transfers, backup=backup, initial_stock=init, keep_series=False,
                            keep_totals=True, keep_stages=False, event_log=False, progress=False)


def case_scenario(system: CaseSystem, scenario: str, shutdown_start: int, shutdown_days: int, surge: float,
                  shutdown_capacity: float = 0.0):
    """The named scenario as :mod:`casekit.simulation.scenarios` events (``None`` for "none").
    A ``supplier_shutdown`` closes the stopped upstream nodes' supply (``shutdown_capacity`` 0,
    :class:`~casekit.simulation.scenarios.SupplierShutdown`) or cuts it to that share of its
    normal rate (:class:`~casekit.simulation.scenarios.CompoundDisruption` with that capacity factor)."""
    from casekit.simulation.scenarios import CompoundDisruption, DemandSpike, Scenario, SupplierShutdown

    check_choice("scenario", scenario, SCENARIOS)
    if scenario == "none":
        return None
    M = system.m
    if scenario == "supplier_shutdown":
        stop = np.ones(M, dtype=bool) if not len(system.shutdown_mask) else np.asarray(system.shutdown_mask, dtype=bool)
        cap = float(shutdown_capacity)
        if not 0.0 <= cap < 1.0:
            raise ValueError(f"shutdown_capacity must be in [0, 1) (the share of supply kept during the shutdown), "
                             f"got {shutdown_capacity!r}")
        if cap > 0:
            return Scenario("supplier_shutdown", (CompoundDisruption(tuple(_up_id(m) for m in range(M) if stop[m]),
                                                                     shutdown_start, shutdown_days,
                                                                     capacity_factor=cap),))
        return Scenario("supplier_shutdown", tuple(SupplierShutdown(_up_id(m), shutdown_start, shutdown_days)
                                                   for m in range(M) if stop[m]))
    return Scenario("demand_surge", (DemandSpike(shutdown_start, shutdown_days, surge),))


_NETS: dict = {}


def cached_for(cache: dict, system, key: tuple, build, *, limit: int):
    """``build()`` once per ``system`` object and ``key``: a small cache keyed by the system's
    identity (checked, so a recycled id never returns another system's value), oldest out first."""
    hit = cache.get((id(system),) + key)
    if hit is not None and hit[0] is system:
        return hit[1]
    value = build()
    if len(cache) > limit:
        cache.pop(next(iter(cache)))
    cache[(id(system),) + key] = (system, value)
    return value


def _network(system, dn_mode, periods):
    return cached_for(_NETS, system, (dn_mode, periods), lambda: case_network(system, dn_mode, periods), limit=4)


_POLICIES: dict = {}


def _engine_policy(system, policy):
    """:func:`case_policy` once per (system, policy) pair: a policy is usually run with and
    without a disruption (checked by identity, so a recycled id never returns another's)."""
    hit = _POLICIES.get((id(system), id(policy)))
    if hit is not None and hit[0] is system and hit[1] is policy:
        return hit[2]
    value = case_policy(system, policy)
    if len(_POLICIES) >= 4:
        _POLICIES.pop(next(iter(_POLICIES)))
    _POLICIES[(id(system), id(policy))] = (system, policy, value)
    return value


def draw_case_demand(system: CaseSystem, policy: CasePolicy, *, horizon: int, replications: int, seed: int,
                     warmup: int = 60) -> bool:
    """Draw now the customer demand that :func:`run_case` of ``system`` with these arguments will
    read, for every policy run on that seed (:func:`casekit.simulation.draw_demand`: a caller can
    do it in a background thread while it builds the policies).  False when it is too large to keep."""
    from casekit.simulation import draw_demand

    horizon = check_int("horizon_days", horizon, minimum=30)
    return draw_demand(_network(system, policy.dn_mode, None), horizon, replications, seed, warmup,
                       config=case_config(system, policy))


def run_case(system: CaseSystem, policy: CasePolicy, *, horizon: int, replications: int, seed: int,
             warmup: int = 60, scenario: str = "none", shutdown_start: int = 90, shutdown_days: int = 30,
             surge: float = 1.5, shutdown_capacity: float = 0.0) -> CaseRun:
    """Simulate ``replications`` x ``horizon`` recorded days (after ``warmup``) of ``system``
    under ``policy`` on :func:`casekit.simulation.simulate` (fast engine) and compute the
    case metrics (:data:`METRICS`) per replication.  ``shutdown_capacity``: the share of its
    normal supply a shut-down supplier keeps (0: closed; see :func:`case_scenario`)."""
    import pandas as pd

    from casekit.simulation import simulate

    horizon = check_int("horizon_days", horizon, minimum=30)
    R = check_int("replications", replications, minimum=2)
    warmup = check_int("warmup", warmup, minimum=0)
    check_choice("scenario", scenario, SCENARIOS)
    if scenario != "none":
        check_int("shutdown_start", shutdown_start, minimum=1, maximum=horizon - 1)
    S = system
    T = warmup + horizon
    if S.mu.shape[0] < T:
        raise ValueError(f"the system's demand profile covers {S.mu.shape[0]} days, need {T}")
    # one network per system and mode, for runs of any length (its demand paths cover the whole
    # profile; a run reads their first T days), so it is built and compiled once
    net = _network(S, policy.dn_mode, None)
    pol = _engine_policy(S, policy)
    cfg = case_config(S, policy)
    sc = case_scenario(S, scenario, shutdown_start, shutdown_days, surge, shutdown_capacity)
    res = simulate(net, pol, periods=horizon, replications=R, seed=seed, engine="fast", scenario=sc,
                   warmup=warmup, config=cfg)
    k = res.kpis
    tot = res.totals
    sys_dem, sys_met = tot["demand"], tot["met"]
    up_orders = tot["orders_by_depth"][:, :, 1]
    where = {i: k for k, i in enumerate(res.stage_ids)}
    dn_cols = [where[_dn_id(j)] for j in range(S.n)]
    emerg = (k["emergency_cost"] + k["transfer_cost"] + k["transport_cost"]).to_numpy()
    if scenario == "none":
        recovery = np.zeros(R)
    else:
        recovery = np.asarray(metrics.recovery_time(sys_dem, sys_met, start=shutdown_start, window=7), dtype=float)
    kpis = pd.DataFrame({
        "fill_rate": k["fill_rate"].to_numpy(),
        "backorders": k["backorders"].to_numpy(),
        "total_cost": (k["holding_cost"] + k["ordering_cost"] + k["shortage_cost"]).to_numpy() + emerg,
        "holding_cost": k["holding_cost"].to_numpy(),
        "ordering_cost": k["ordering_cost"].to_numpy(),
        "shortage_cost": k["shortage_cost"].to_numpy(),
        "emergency_transport_cost": emerg,
        "bullwhip_ratio": metrics.bullwhip_ratio(up_orders, sys_dem),
        "co2_kg": k["co2_kg"].to_numpy(),
        "order_cycle_std": res.per_stage["order_std"][:, dn_cols].mean(axis=1),
        "recovery_days": recovery,
    }).rename_axis("replication")
    keep = {"on_hand": tot["on_hand"][0], "backorders": tot["backorders"][0], "upstream_orders": up_orders[0],
            "demand": sys_dem[0], "met": sys_met[0]}
    return CaseRun(S.name, policy.name, scenario, kpis, keep, T * R * (S.n + S.m), res.elapsed, res)
