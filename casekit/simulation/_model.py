"""What both engines share: the network compiled to arrays, the configuration, and the random
inputs (drawn once, before any policy acts, so every policy and both engines see the same demand
and lead-time draws for the same seed: common random numbers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from casekit.metrics import EMISSION_FACTORS
from casekit.network import Network, lead_time_pmf
from casekit.policies import Policy
from casekit.simulation.scenarios import (CompoundDisruption, DemandSpike, PortCongestion, Scenario,
                                          SupplierShutdown, TransportDisruption)
from casekit.validate import check_choice, check_int, check_nonnegative, check_positive

__all__ = ["SimulationConfig", "Expedite"]


@dataclass(frozen=True)
class Expedite:
    """Emergency shipments: after demand, a customer-facing stage whose backorders (or, with lost
    sales, whose unmet demand this period) exceed ``threshold`` units has the excess flown in
    from an outside source within the period, at ``cost_per_unit`` and with transport CO2 of
    ``distance_km`` by ``mode``.  ``nodes=None``: every customer-facing stage."""

    cost_per_unit: float
    threshold: float = 0.0
    distance_km: float = 1000.0
    mode: str = "air"
    nodes: tuple | None = None

    def __post_init__(self):
        object.__setattr__(self, "cost_per_unit", check_nonnegative("Expedite.cost_per_unit", self.cost_per_unit))
        object.__setattr__(self, "threshold", check_nonnegative("Expedite.threshold", self.threshold))
        object.__setattr__(self, "distance_km", check_nonnegative("Expedite.distance_km", self.distance_km))
        if self.nodes is not None:
            object.__setattr__(self, "nodes", tuple(self.nodes) if isinstance(self.nodes, (list, tuple))
                               else (self.nodes,))


@dataclass(frozen=True)
class SimulationConfig:
    """Options beyond the network and the policy (all optional).

    Attributes
    ----------
    unmet : ``"backorder"`` or ``"lost"``
        What happens to external demand that cannot be met from stock: it waits (and costs the
        stage's ``stockout_cost`` p per unit per period) or it is lost (p per unit lost).
        Orders between stages are always backordered.
    order_cost : float or dict, optional
        K per order placed, per stage; default ``stage.attrs.get("order_cost", 0)``.
    expedite : Expedite, optional
        Emergency shipments (cost and CO2); none by default.
    unit_weight_kg : float
        Weight of one unit, for tonne-km and CO2 (kg).
    emission_factors : dict, optional
        kg CO2e per tonne-km by mode (default :data:`casekit.metrics.EMISSION_FACTORS`).
        Lanes with ``distance_km`` and ``mode`` emit; a source stage's inbound flow emits when its
        ``attrs`` carry ``inbound_distance_km`` and ``inbound_mode``.
    keep_series : bool, optional
        Keep per-stage, per-period series (on hand, backorders, orders, ...).  Default: when
        replications x periods x stages <= 3 million.
    initial_stock : dict, optional
        Units on hand at time 0 by stage; default the policy's ``initial_stock``.
    event_log : bool
        DES only: record every order, shipment, receipt and stockout.
    progress : bool, optional
        Show a tqdm progress bar (default: when the run is expected to take more than ~3 s).
    """

    unmet: str = "backorder"
    order_cost: object = None
    expedite: Expedite | None = None
    unit_weight_kg: float = 1.0
    emission_factors: Mapping | None = None
    keep_series: bool | None = None
    initial_stock: Mapping | None = None
    event_log: bool = True
    progress: bool | None = None

    def __post_init__(self):
        check_choice("unmet", self.unmet, ("backorder", "lost"))
        check_positive("unit_weight_kg", self.unit_weight_kg)
        if self.expedite is not None and not isinstance(self.expedite, Expedite):
            raise TypeError(f"expedite must be an Expedite, got {self.expedite!r}")


def _pmf_arrays(pmf: dict):
    ks = np.array(sorted(pmf), dtype=np.int64)
    ps = np.array([pmf[k] for k in ks], dtype=float)
    return ks, ps / ps.sum()


def _int_time(name, v):
    if abs(v - round(v)) > 1e-9:
        raise ValueError(f"{name} = {v} must be a whole number of periods to simulate "
                         f"(the simulators review once per period)")
    return int(round(v))


def _is_discrete(dist) -> bool:
    from scipy import stats

    if isinstance(getattr(dist, "pmf", None), np.ndarray):
        return True
    return isinstance(getattr(dist, "dist", None), stats.rv_discrete)


@dataclass
class Compiled:
    """The network as arrays, stages in topological order (upstream first)."""

    network: Network
    ids: list
    n: int
    h: np.ndarray                 # local holding cost per stage
    p: np.ndarray                 # stockout cost per stage (0 if no external demand)
    K: np.ndarray                 # order cost per stage
    cap: np.ndarray               # capacity per period (inf = unlimited)
    mean_demand: np.ndarray       # mean demand seen per period (for capacity factors)
    demand_idx: np.ndarray        # stages with external demand
    demand_dists: list
    integer: bool                 # all demand discrete: keep units whole
    # inbound lanes, one per (supplier, customer), plus one virtual lane per source stage
    lane_sup: np.ndarray          # supplier index, -1 for the outside supplier
    lane_cus: np.ndarray
    lane_u: np.ndarray
    lane_hv: np.ndarray           # value of a unit in transit on the lane (supplier's h, 0 outside)
    lane_co2: np.ndarray          # kg CO2e per unit shipped on the lane
    lane_pmf: list                # (ks, ps) transit time
    in_lanes: list                # per stage: its inbound lane indices
    out_lanes: list               # per stage: lanes it supplies
    proc_pmf: list                # (ks, ps) processing time per stage
    comp_value: np.ndarray        # value of the inputs of one unit in production at the stage
    A: np.ndarray                 # A[i, j]: units of i's item in one unit of j's item (echelon)
    max_delay: int
    source_top: int               # the most upstream source (for the system bullwhip ratio)

    @property
    def n_lanes(self) -> int:
        return len(self.lane_sup)


def compile_network(network: Network, config: SimulationConfig) -> Compiled:
    if not isinstance(network, Network):
        raise TypeError(f"network must be a casekit.network.Network, got {type(network).__name__}")
    ids = network.topological_order()
    idx = {i: k for k, i in enumerate(ids)}
    n = len(ids)
    st = [network.stage(i) for i in ids]
    factors = dict(EMISSION_FACTORS if config.emission_factors is None else config.emission_factors)
    w = config.unit_weight_kg / 1000.0

    h = np.array([s.holding_cost for s in st])
    p = np.array([s.stockout_cost if s.demand is not None and s.stockout_cost is not None else 0.0 for s in st])
    for s in st:
        if s.demand is not None and s.stockout_cost is None:
            raise ValueError(f"stage {s.id!r}: stockout_cost is missing at a customer-facing stage")
    if config.order_cost is None:
        K = np.array([float(s.attrs.get("order_cost", 0.0)) for s in st])
    elif isinstance(config.order_cost, Mapping):
        bad = [k for k in config.order_cost if k not in network]
        if bad:
            raise ValueError(f"order_cost names stage {bad[0]!r}, which is not in the network")
        K = np.array([check_nonnegative(f"order_cost[{s.id!r}]", config.order_cost.get(s.id, 0.0)) for s in st])
    else:
        K = np.full(n, check_nonnegative("order_cost", config.order_cost))
    cap = np.array([np.inf if s.capacity is None else s.capacity for s in st])
    mean_demand = np.array([network.demand_mean(i) for i in ids])
    demand_idx = np.array([k for k, s in enumerate(st) if s.demand is not None], dtype=np.int64)
    demand_dists = [st[k].demand for k in demand_idx]
    integer = all(_is_discrete(d) for d in demand_dists)

    lane_sup, lane_cus, lane_u, lane_hv, lane_co2, lane_pmf = [], [], [], [], [], []
    in_lanes = [[] for _ in range(n)]
    out_lanes = [[] for _ in range(n)]

    def co2_per_unit(dist, mode, where):
        if dist is None or mode is None:
            return 0.0
        if mode not in factors:
            raise ValueError(f"{where}: mode {mode!r} has no emission factor; known: {sorted(factors)}")
        return w * dist * factors[mode]

    for k, s in enumerate(st):
        sups = network.suppliers(s.id)
        if not sups:
            lane_sup.append(-1)
            lane_cus.append(k)
            lane_u.append(1.0)
            lane_hv.append(0.0)
            lane_co2.append(co2_per_unit(s.attrs.get("inbound_distance_km"), s.attrs.get("inbound_mode"),
                                         f"stage {s.id!r} inbound"))
            lane_pmf.append((np.zeros(1, dtype=np.int64), np.ones(1)))
            in_lanes[k].append(len(lane_sup) - 1)
        for sup in sups:
            ln = network.lane(sup, s.id)
            j = idx[sup]
            lane_sup.append(j)
            lane_cus.append(k)
            lane_u.append(ln.units)
            lane_hv.append(h[j])
            lane_co2.append(co2_per_unit(ln.distance_km, ln.mode, f"lane {sup!r}->{s.id!r}"))
            if ln.lead_time_dist is not None:
                pmf = lead_time_pmf(ln.lead_time_dist)
            else:
                pmf = {_int_time(f"lane {sup!r}->{s.id!r}: lead_time", ln.lead_time): 1.0}
            lane_pmf.append(_pmf_arrays(pmf))
            in_lanes[k].append(len(lane_sup) - 1)
            out_lanes[j].append(len(lane_sup) - 1)
    proc_pmf = []
    for s in st:
        if s.processing_time_dist is not None:
            pmf = lead_time_pmf(s.processing_time_dist)
        else:
            pmf = {_int_time(f"stage {s.id!r}: processing_time", s.processing_time): 1.0}
        proc_pmf.append(_pmf_arrays(pmf))
    lane_u = np.array(lane_u)
    lane_hv = np.array(lane_hv)
    comp_value = np.array([sum(lane_u[l] * lane_hv[l] for l in in_lanes[k]) for k in range(n)])
    A = np.eye(n)
    for i in reversed(range(n)):              # downstream first: customers before suppliers
        for l in out_lanes[i]:
            A[i] += lane_u[l] * A[lane_cus[l]]
    max_delay = max(int(ks.max()) for ks, _ in lane_pmf + proc_pmf)
    tiers = [network.tier(i) for i in ids]
    sources = [k for k in range(n) if lane_sup[in_lanes[k][0]] == -1]
    source_top = max(sources, key=lambda k: (tiers[k], -k))
    return Compiled(network, ids, n, h, p, K, cap, mean_demand, demand_idx, demand_dists, integer,
                    np.array(lane_sup, dtype=np.int64), np.array(lane_cus, dtype=np.int64), lane_u, lane_hv,
                    np.array(lane_co2), lane_pmf, in_lanes, out_lanes, proc_pmf, comp_value, A,
                    max_delay, source_top)


# --------------------------------------------------------------------------------------------
# policies as arrays
# --------------------------------------------------------------------------------------------

@dataclass
class PolicyArrays:
    """Per-stage parameters in topological order, shape (n, C) for C candidate policies."""

    kind: str
    echelon: bool
    a: np.ndarray                 # S (base stock), s (sS), r (rQ), cover (forecast)
    b: np.ndarray | None = None   # S (sS), Q (rQ)
    alpha: float = 0.0
    z: float = 0.0
    initial: np.ndarray = None    # (n, C) units on hand at time 0


def policy_arrays(comp: Compiled, policies, config: SimulationConfig) -> PolicyArrays:
    """Stack one or several policies of the same type into arrays (n, C)."""
    if isinstance(policies, Policy):
        policies = [policies]
    policies = list(policies)
    if not policies:
        raise ValueError("policy: give at least one policy")
    kinds = {type(p) for p in policies}
    for p in policies:
        if not isinstance(p, Policy):
            raise TypeError(f"policy must be a casekit.policies policy (BaseStock, EchelonBaseStock, SS, "
                            f"RQ, ForecastOrderUpTo), got {p!r}")
    if len(kinds) > 1:
        raise ValueError(f"candidate policies must all be of one type, got {sorted(k.__name__ for k in kinds)}")
    net = comp.network
    ids = comp.ids
    pars = [p.params(net) for p in policies]
    kind = policies[0].kind
    col = lambda key: np.array([[par[key][i] for par in pars] for i in ids], dtype=float)  # noqa: E731
    if kind in ("base-stock", "echelon-base-stock"):
        pa = PolicyArrays(kind, policies[0].echelon, col("S"))
    elif kind == "s-S":
        pa = PolicyArrays(kind, False, col("s"), col("S"))
    elif kind == "r-Q":
        pa = PolicyArrays(kind, False, col("r"), col("Q"))
    elif kind == "forecast-order-up-to":
        if len(policies) > 1:
            raise ValueError("screening several ForecastOrderUpTo policies at once is not supported")
        pa = PolicyArrays(kind, False, col("cover"), alpha=pars[0]["alpha"], z=pars[0]["z"])
    else:                                            # pragma: no cover
        raise ValueError(f"unknown policy kind {kind!r}")
    if config.initial_stock is not None:
        bad = [k for k in config.initial_stock if k not in net]
        if bad:
            raise ValueError(f"initial_stock names stage {bad[0]!r}, which is not in the network")
        init = np.array([[check_nonnegative(f"initial_stock[{i!r}]", config.initial_stock.get(i, 0.0))]
                         * len(policies) for i in ids])
    else:
        inits = [p.initial_stock(net) for p in policies]
        init = np.array([[max(ini[i], 0.0) for ini in inits] for i in ids])
    if comp.integer:
        init = np.floor(init + 1e-9)
    pa.initial = init
    return pa


# --------------------------------------------------------------------------------------------
# random inputs and scenario effects
# --------------------------------------------------------------------------------------------

@dataclass
class Inputs:
    """Random draws and scenario effects for R replications over T_total periods.

    Arrays are (items, T_total, R) so that one period is a contiguous (items, R) slice.
    """

    R: int
    T: int                        # total periods (warm-up + recorded)
    warmup: int
    demand: np.ndarray            # (nd, T, R) external demand, scenario multipliers applied
    proc_delay: np.ndarray        # (n, T, R) int, processing time of a batch started in t (+ shifts)
    lane_delay: np.ndarray        # (L, T, R) int, transit time of a shipment sent in t (+ shifts)
    cap: np.ndarray | None        # (n, T, R) capacity in t, or None (the stages' own capacity)
    cost_mult: np.ndarray | None  # (n, T, R) multiplier of ordering and emergency costs
    horizon: int = field(default=0)   # ring length: > the longest delay


def _draw(dist, shape, rng, integer):
    arr = getattr(dist, "pmf", None)
    if isinstance(arr, np.ndarray):
        pmf = np.asarray(arr, dtype=float)
        x = rng.choice(pmf.size, size=shape, p=pmf / pmf.sum()).astype(float)
    else:
        x = np.asarray(dist.rvs(size=shape, random_state=rng), dtype=float)
    if not integer:
        x = np.maximum(x, 0.0)     # documented: continuous demand below 0 counts as 0
    return x


def make_inputs(comp: Compiled, periods: int, replications: int, warmup: int, seed,
                scenario: Scenario | None) -> Inputs:
    """Draw everything random up front, in a fixed order (demand, then processing times, then
    transit times, then scenario draws), from one generator seeded by ``seed``."""
    rng = np.random.default_rng(seed)
    T = warmup + periods
    R = replications
    nd = len(comp.demand_idx)
    demand = np.empty((nd, T, R))
    for k, d in enumerate(comp.demand_dists):
        demand[k] = _draw(d, (T, R), rng, comp.integer)
    proc = np.empty((comp.n, T, R), dtype=np.int64)
    for k, (ks, ps) in enumerate(comp.proc_pmf):
        proc[k] = ks[0] if ks.size == 1 else rng.choice(ks, size=(T, R), p=ps)
    lane = np.empty((comp.n_lanes, T, R), dtype=np.int64)
    for k, (ks, ps) in enumerate(comp.lane_pmf):
        lane[k] = ks[0] if ks.size == 1 else rng.choice(ks, size=(T, R), p=ps)
    cap = None
    cost = None
    if scenario is not None and scenario.events:
        srng = rng                 # after the base draws, so they stay common to all scenarios
        idx = {i: k for k, i in enumerate(comp.ids)}
        lane_of = {(comp.ids[comp.lane_sup[l]], comp.ids[comp.lane_cus[l]]): l
                   for l in range(comp.n_lanes) if comp.lane_sup[l] >= 0}
        dem_pos = {int(k): m for m, k in enumerate(comp.demand_idx)}
        capf = np.ones((comp.n, T, R))
        cost = np.ones((comp.n, T, R))
        touched_cap = False

        def win(e):
            a = warmup + e.start
            return a, min(a + e.duration, T)

        for e in scenario.events:
            a, b = win(e)
            if a >= T:
                continue
            if isinstance(e, SupplierShutdown):
                capf[idx[e.node], a:b] = 0.0
                touched_cap = True
            elif isinstance(e, PortCongestion):
                extra = np.full((b - a, R), e.extra_periods, dtype=np.int64)
                if e.tail_probability > 0 and e.tail_periods > 0:
                    extra += e.tail_periods * (srng.random((b - a, R)) < e.tail_probability)
                if e.node is not None:
                    proc[idx[e.node], a:b] += extra
                else:
                    lane[lane_of[tuple(e.lane)], a:b] += extra
            elif isinstance(e, TransportDisruption):
                left = (b - np.arange(a, b))[:, None]          # periods left in the window
                if e.node is not None:
                    k = idx[e.node]
                    proc[k, a:b] += left
                else:
                    lane[lane_of[tuple(e.lane)], a:b] += left
            elif isinstance(e, DemandSpike):
                nodes = comp.demand_idx if e.node is None else [idx[e.node]]
                for k in nodes:
                    m = dem_pos[int(k)]
                    demand[m, a:b] *= e.multiplier
                    if comp.integer:
                        demand[m, a:b] = np.round(demand[m, a:b])
            elif isinstance(e, CompoundDisruption):
                occurs = srng.random(R) < e.probability if e.probability < 1 else np.ones(R, dtype=bool)
                for node in e.nodes:
                    k = idx[node]
                    proc[k, a:b] += e.lead_time_shift * occurs[None, :]
                    if e.capacity_factor != 1.0:
                        touched_cap = True
                        capf[k, a:b] = np.where(occurs[None, :], capf[k, a:b] * e.capacity_factor, capf[k, a:b])
                    cost[k, a:b] = np.where(occurs[None, :], cost[k, a:b] * e.cost_factor, cost[k, a:b])
                    if k in dem_pos and e.demand_factor != 1.0:
                        m = dem_pos[k]
                        demand[m, a:b] = np.where(occurs[None, :], demand[m, a:b] * e.demand_factor, demand[m, a:b])
                        if comp.integer:
                            demand[m, a:b] = np.round(demand[m, a:b])
        if touched_cap:
            # a stage without a capacity limit is taken to process its mean demand per period
            # when a scenario scales its capacity below 1 (0 still means closed)
            base = np.where(np.isinf(comp.cap), comp.mean_demand, comp.cap)[:, None, None]
            cap = np.where(capf >= 1.0, comp.cap[:, None, None], base * capf)
            if comp.integer:
                cap = np.where(np.isinf(cap), cap, np.floor(cap))
        if np.all(cost == 1.0):
            cost = None
    horizon = int(max(proc.max(initial=0), lane.max(initial=0))) + 1
    return Inputs(R, T, warmup, demand, proc, lane, cap, cost, horizon)


def check_run(network, policy, periods, replications, warmup, engine, scenario, config):
    """Boundary checks of :func:`casekit.simulation.simulate`."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a casekit.network.Network, got {type(network).__name__}")
    periods = check_int("periods", periods, minimum=1)
    replications = check_int("replications", replications, minimum=1)
    warmup = check_int("warmup", warmup, minimum=0)
    check_choice("engine", engine, ("des", "fast"))
    if scenario is not None:
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario must be a casekit.simulation.scenarios.Scenario or None, got {scenario!r}")
        scenario.validate(network)
        if scenario.disruption_start is not None and scenario.disruption_start >= periods:
            raise ValueError(f"scenario {scenario.name!r} starts in period {scenario.disruption_start}, "
                             f"after the last simulated period ({periods - 1})")
    if config is None:
        config = SimulationConfig()
    if not isinstance(config, SimulationConfig):
        raise TypeError(f"config must be a SimulationConfig, got {config!r}")
    if config.expedite is not None and config.expedite.nodes is not None:
        for nd in config.expedite.nodes:
            if nd not in network or network.stage(nd).demand is None:
                raise ValueError(f"Expedite.nodes: {nd!r} is not a customer-facing stage "
                                 f"({network.demand_stages})")
    return periods, replications, warmup, config


def expedite_mask(comp: Compiled, config: SimulationConfig) -> np.ndarray:
    """(nd,) bool: which customer-facing stages expedite."""
    ex = config.expedite
    if ex is None:
        return np.zeros(len(comp.demand_idx), dtype=bool)
    if ex.nodes is None:
        return np.ones(len(comp.demand_idx), dtype=bool)
    wanted = {comp.ids.index(nd) for nd in ex.nodes}
    return np.array([int(k) in wanted for k in comp.demand_idx])


def expedite_co2_per_unit(config: SimulationConfig) -> float:
    ex = config.expedite
    if ex is None:
        return 0.0
    factors = EMISSION_FACTORS if config.emission_factors is None else config.emission_factors
    if ex.mode not in factors:
        raise ValueError(f"Expedite.mode {ex.mode!r} has no emission factor; known: {sorted(factors)}")
    return config.unit_weight_kg / 1000.0 * ex.distance_km * factors[ex.mode]

