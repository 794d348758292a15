"""What both engines share: the network compiled to arrays, the configuration, the policy as
per-stage arrays, and the random inputs.

Random inputs are a function of ``seed`` alone, never of the policy: demand and lead times are
drawn in blocks of :data:`CHUNK` periods from generators keyed by (seed, stream, block), so every
policy and both engines see the same draws for the same seed (common random numbers), and a
long run never holds more than a few blocks of demand in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from casekit.metrics import EMISSION_FACTORS
from casekit.network import Network, lead_time_pmf
from casekit.policies import Policy
from casekit.simulation.scenarios import (CompoundDisruption, DemandSpike, PortCongestion, Scenario,
                                          SupplierShutdown, TransportDisruption)
from casekit.validate import check_choice, check_int, check_nonnegative, check_positive, check_probability

__all__ = ["SimulationConfig", "Expedite", "TransportMode", "Transfers", "Backup", "DemandPath"]

#: Periods of demand and lead-time draws generated at once.
CHUNK = 32
#: Largest state the engines agree to hold (floats), about 1 GB.
MAX_FLOATS = 125_000_000
#: Demand draws of the last runs kept for the next policy on the same seed (bytes, all runs kept).
DEMAND_STORE_BYTES = 400_000_000
_DEMAND_STORE: dict = {}


# --------------------------------------------------------------------------------------------
# configuration objects
# --------------------------------------------------------------------------------------------

def _factor(factors, mode, where):
    if mode not in factors:
        raise ValueError(f"{where}: mode {mode!r} has no emission factor; known: {sorted(factors)}")
    return factors[mode]


def _km_map(name, value):
    if isinstance(value, Mapping):
        return {k: check_nonnegative(f"{name}[{k!r}]", v) for k, v in value.items()}
    return check_nonnegative(name, value)


@dataclass(frozen=True)
class Expedite:
    """Emergency shipments: after demand, a customer-facing stage whose backorders (or, with lost
    sales, whose unmet demand this period) exceed ``threshold`` units has the excess flown in
    from an outside source within the period, at ``cost_per_unit`` and with transport CO2 of
    ``distance_km`` (a number, or ``{stage: km}``) by ``mode``.  ``nodes=None``: every
    customer-facing stage."""

    cost_per_unit: float
    threshold: float = 0.0
    distance_km: object = 1000.0
    mode: str = "air"
    nodes: tuple | None = None

    def __post_init__(self):
        object.__setattr__(self, "cost_per_unit", check_nonnegative("Expedite.cost_per_unit", self.cost_per_unit))
        object.__setattr__(self, "threshold", check_nonnegative("Expedite.threshold", self.threshold))
        object.__setattr__(self, "distance_km", _km_map("Expedite.distance_km", self.distance_km))
        if self.nodes is not None:
            object.__setattr__(self, "nodes", tuple(self.nodes) if isinstance(self.nodes, (list, tuple))
                               else (self.nodes,))


@dataclass(frozen=True)
class TransportMode:
    """A way of moving goods on a lane: ``extra_periods`` of transit on top of the lane's own
    lead time, a freight cost per tonne-km and an emission factor in kg CO2e per tonne-km
    (``None``: the factor of ``name`` in the emission table)."""

    name: str
    extra_periods: int = 0
    cost_per_tonne_km: float = 0.0
    kg_co2e_per_tonne_km: float | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"TransportMode.name must be a non-empty string, got {self.name!r}")
        object.__setattr__(self, "extra_periods", check_int(f"TransportMode({self.name!r}).extra_periods",
                                                            self.extra_periods, minimum=0))
        object.__setattr__(self, "cost_per_tonne_km", check_nonnegative(
            f"TransportMode({self.name!r}).cost_per_tonne_km", self.cost_per_tonne_km))
        if self.kg_co2e_per_tonne_km is not None:
            object.__setattr__(self, "kg_co2e_per_tonne_km", check_nonnegative(
                f"TransportMode({self.name!r}).kg_co2e_per_tonne_km (emission factor)", self.kg_co2e_per_tonne_km))


@dataclass(frozen=True)
class Transfers:
    """Lateral transfers (reallocation) between ``stages`` of one echelon.

    Every ``every`` periods (in periods t with (t - ``offset``) % ``every`` == 0), after the
    period's shipments, the stage with the most cover (echelon stock / mean demand per period
    through it) sends stock to the one with the least when half their cover gap exceeds
    ``trigger_periods``: ``share`` of its on-hand stock, at most ``share`` x half the gap x the
    receiver's mean demand per period (whole units).  The units arrive ``lead_time`` periods
    later (0: the same period), cost ``cost_per_unit`` each and emit the CO2 of ``distance_km``
    by ``mode``.
    """

    stages: tuple
    every: int = 7
    offset: int = 0
    trigger_periods: float = 3.0
    share: float = 0.5
    cost_per_unit: float = 0.0
    lead_time: int = 0
    distance_km: float = 0.0
    mode: str = "truck"

    def __post_init__(self):
        st = tuple(self.stages) if isinstance(self.stages, (list, tuple)) else (self.stages,)
        if len(st) < 2:
            raise ValueError(f"Transfers.stages must name at least two stages of one echelon, got {self.stages!r}")
        object.__setattr__(self, "stages", st)
        object.__setattr__(self, "every", check_int("Transfers.every", self.every, minimum=1))
        object.__setattr__(self, "offset", check_int("Transfers.offset", self.offset, minimum=0))
        object.__setattr__(self, "trigger_periods", check_nonnegative("Transfers.trigger_periods",
                                                                      self.trigger_periods))
        object.__setattr__(self, "share", check_probability("Transfers.share", self.share, open_interval=False))
        object.__setattr__(self, "cost_per_unit", check_nonnegative("Transfers.cost_per_unit", self.cost_per_unit))
        object.__setattr__(self, "lead_time", check_int("Transfers.lead_time", self.lead_time, minimum=0))
        object.__setattr__(self, "distance_km", check_nonnegative("Transfers.distance_km", self.distance_km))


@dataclass(frozen=True)
class Backup:
    """A reserved backup source (capacity pre-allocation) for ``stages``: in a period in which a
    stage's capacity is cut below what it would have started (a scenario's shutdown),
    the backup starts ``share`` of the shortfall (whole units when demand is discrete), finished
    ``lead_time`` periods later, at ``cost_per_unit`` and with the CO2 of ``distance_km`` by
    ``mode``."""

    stages: tuple
    share: float = 0.5
    lead_time: int = 3
    cost_per_unit: float = 0.0
    distance_km: float = 400.0
    mode: str = "truck"

    def __post_init__(self):
        st = tuple(self.stages) if isinstance(self.stages, (list, tuple)) else (self.stages,)
        object.__setattr__(self, "stages", st)
        object.__setattr__(self, "share", check_probability("Backup.share", self.share, open_interval=False))
        object.__setattr__(self, "lead_time", check_int("Backup.lead_time", self.lead_time, minimum=0))
        object.__setattr__(self, "cost_per_unit", check_nonnegative("Backup.cost_per_unit", self.cost_per_unit))
        object.__setattr__(self, "distance_km", check_nonnegative("Backup.distance_km", self.distance_km))


class DemandPath:
    """Demand per period around a known mean path: negative binomial (gamma-Poisson) with mean
    ``mean[t]`` in period t (counted from the first simulated period, warm-up included) and
    Var = mu + mu^2 / ``dispersion`` (``dispersion=inf``: Poisson).  Usable as a stage's
    ``demand``; ``mean()``/``std()`` describe the average period.

    >>> d = DemandPath([2.0, 4.0], dispersion=float("inf"))
    >>> d.mean()
    3.0
    """

    def __init__(self, mean, dispersion: float = math.inf):
        from casekit.validate import check_array

        self.path = check_array("DemandPath.mean", mean, ndim=1, nonnegative=True, min_size=1)
        if isinstance(dispersion, bool) or not isinstance(dispersion, (int, float, np.floating, np.integer)) \
                or not dispersion > 0:
            raise ValueError(f"DemandPath.dispersion must be > 0 (inf for Poisson), got {dispersion!r}")
        self.dispersion = float(dispersion)
        m = self.path
        var = m + (0.0 if math.isinf(self.dispersion) else m ** 2 / self.dispersion) + (m - m.mean()) ** 2
        self._moments = (float(m.mean()), float(np.sqrt(var.mean())))

    def mean(self) -> float:
        return self._moments[0]

    def std(self) -> float:
        return self._moments[1]

    def __repr__(self):
        return f"DemandPath({self.path.size} periods, mean {self.mean():.3g}, k={self.dispersion:g})"


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
        Weight of one unit, for tonne-km and CO2 (kg); a stage's ``attrs["unit_weight_kg"]``
        (its item) and a lane's ``attrs["unit_weight_kg"]`` (what it carries) override it.
    emission_factors : dict, optional
        kg CO2e per tonne-km by mode (default :data:`casekit.metrics.EMISSION_FACTORS`).
        Lanes with ``distance_km`` and ``mode`` emit; a source stage's inbound flow emits when its
        ``attrs`` carry ``inbound_distance_km`` and ``inbound_mode``.
    modes : dict, optional
        ``{(supplier, customer): TransportMode}`` (a source stage's inbound flow: key
        ``(None, stage)``): the mode chosen for a lane, with its extra transit periods, freight
        cost per tonne-km and emission factor.  Lanes not named use their own ``mode`` and pay
        no freight.
    rationing : ``"priority"`` or ``"proportional"``
        How a stage short of stock shares it among the customers it owes: in a priority order
        that rotates each period, or in proportion to what each is owed (whole units when demand
        is discrete, the remainder by the rotating priority).
    transfers : Transfers or tuple of Transfers, optional
        Lateral transfers between stages of one echelon (fast engine only).
    backup : Backup, optional
        A backup source for stages whose capacity a scenario cuts (fast engine only).
    keep_series : bool, optional
        Keep per-stage, per-period series (on hand, backorders, orders, ...).  Default: when
        replications x periods x stages <= 3 million.
    keep_totals : bool, optional
        Keep network totals per period (:attr:`SimulationResult.totals`).  Default: when
        periods x replications x (6 + 2 x depths) <= 2 million.
    keep_stages : bool
        Keep the per-stage measures (:attr:`SimulationResult.stages`, and the ``on_hand`` and
        ``backorders`` tables of :attr:`SimulationResult.per_stage`); default True.  False
        keeps per stage only what the KPIs are computed from (every KPI is the same number),
        which lightens the per-period bookkeeping of a large network.
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
    keep_totals: bool | None = None
    initial_stock: Mapping | None = None
    event_log: bool = True
    progress: bool | None = None
    modes: Mapping | None = None
    rationing: str = "priority"
    transfers: object = None
    backup: Backup | None = None
    keep_stages: bool = True

    def __post_init__(self):
        check_choice("unmet", self.unmet, ("backorder", "lost"))
        check_choice("rationing", self.rationing, ("priority", "proportional"))
        check_positive("unit_weight_kg", self.unit_weight_kg)
        if not isinstance(self.keep_stages, (bool, np.bool_)):
            raise TypeError(f"keep_stages must be True or False, got {self.keep_stages!r}")
        if self.expedite is not None and not isinstance(self.expedite, Expedite):
            raise TypeError(f"expedite must be an Expedite, got {self.expedite!r}")
        tr = self.transfers
        if tr is not None:
            tr = (tr,) if isinstance(tr, Transfers) else tuple(tr)
            for x in tr:
                if not isinstance(x, Transfers):
                    raise TypeError(f"transfers must be Transfers objects, got {x!r}")
            object.__setattr__(self, "transfers", tr)
        if self.backup is not None and not isinstance(self.backup, Backup):
            raise TypeError(f"backup must be a Backup, got {self.backup!r}")
        if self.modes is not None:
            for k, m in self.modes.items():
                if not isinstance(m, TransportMode):
                    raise TypeError(f"modes[{k!r}] must be a TransportMode, got {m!r}")
        if self.emission_factors is not None:
            for k, v in self.emission_factors.items():
                check_nonnegative(f"emission_factors[{k!r}] (kg CO2e per tonne-km)", v)


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

    if isinstance(dist, DemandPath):
        return True
    if isinstance(getattr(dist, "pmf", None), np.ndarray):
        return True
    return isinstance(dist, stats.rv_discrete) or isinstance(getattr(dist, "dist", None), stats.rv_discrete)


# --------------------------------------------------------------------------------------------
# the network as arrays
# --------------------------------------------------------------------------------------------

@dataclass
class Compiled:
    """The network as arrays.  Stages are in topological order sorted by **depth** (the longest
    path from a source), so every depth is a contiguous slice ``levels[d] = (a, b)``; lanes are
    sorted by supplier (the virtual lanes from the outside supplier of the source stages first),
    so a supplier's out-lanes are a contiguous segment ``out_off[i]:out_off[i + 1]``."""

    network: Network
    ids: list
    n: int
    depth: np.ndarray
    levels: list                  # [(a, b)] stage slices, upstream first
    h: np.ndarray
    p: np.ndarray
    K: np.ndarray
    cap: np.ndarray
    mean_demand: np.ndarray       # mean demand seen per period (echelon, for capacity factors)
    demand_idx: np.ndarray
    demand_dists: list
    integer: bool
    lane_sup: np.ndarray          # -1 for the outside supplier
    lane_cus: np.ndarray
    lane_u: np.ndarray
    lane_hv: np.ndarray
    lane_co2: np.ndarray          # kg CO2e per unit shipped
    lane_cost: np.ndarray         # freight cost per unit shipped
    lane_pmf: list
    in_lanes: list
    out_lanes: list
    proc_pmf: list
    comp_value: np.ndarray
    A: object                     # scipy.sparse csr: A[i, j] units of i's item in one unit of j's
    source_top: int
    unit_weight: np.ndarray       # kg per unit of each stage's item
    inl1: np.ndarray              # (n,) the inbound lane when a stage has exactly one, else -1
    in_idx: np.ndarray            # inbound lanes sorted by customer
    in_off: np.ndarray            # (n + 1,) offsets into in_idx
    out_off: np.ndarray           # (n + 1,) offsets of each stage's out-lane segment
    lane_pos: np.ndarray          # position of a lane in its supplier's segment
    lane_seg: np.ndarray          # (L,) segment start of the lane's supplier
    lane_len: np.ndarray          # (L,) segment length
    mode_extra: np.ndarray        # (L,) extra transit of the chosen mode
    source_extra: np.ndarray      # (n,) extra replenishment periods of a source's inbound mode
    nvirt: int                    # virtual lanes (one per source stage) come first
    ed_w: np.ndarray = None       # units of the top source's item per unit of each external demand
    mean_ext: np.ndarray = None   # mean external demand per period at each stage

    @property
    def n_lanes(self) -> int:
        return len(self.lane_sup)

    @property
    def max_delay(self) -> int:
        """Longest processing or transit time (periods) any draw can give."""
        return int(max(max(int(ks.max()) for ks, _ in self.proc_pmf) + int(self.source_extra.max(initial=0)),
                       max(int(ks.max()) for ks, _ in self.lane_pmf) + int(self.mode_extra.max(initial=0))))


def _depths(network: Network, order: list) -> dict:
    d = {}
    for i in order:
        sups = network.suppliers(i)
        d[i] = 0 if not sups else 1 + max(d[k] for k in sups)
    return d


_COMPILED: dict = {}


def compile_network(network: Network, config: SimulationConfig) -> Compiled:
    """The network as arrays (cached for the last few networks and configurations: the case
    studies simulate one network under several policies)."""
    key = (id(network), repr((config.order_cost, config.unit_weight_kg, config.emission_factors,
                              None if config.modes is None else sorted(config.modes.items(), key=repr))))
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is network:
        return hit[1]
    comp = _compile(network, config)
    if len(_COMPILED) >= 4:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[key] = (network, comp)
    return comp


def _compile(network: Network, config: SimulationConfig) -> Compiled:
    import scipy.sparse as sp

    if not isinstance(network, Network):
        raise TypeError(f"network must be a casekit.network.Network, got {type(network).__name__}")
    topo = network.topological_order()
    dep = _depths(network, topo)
    pos0 = {i: k for k, i in enumerate(topo)}

    def proc_key(i):                 # stages of a depth with equal fixed processing times together
        s = network.stage(i)
        if s.processing_time_dist is not None or abs(s.processing_time - round(s.processing_time)) > 1e-9:
            return 10 ** 9
        return int(round(s.processing_time))

    # depth by depth: stages supplied by the same stage together (so a supplier's customers are
    # a contiguous slice), then equal fixed processing times together
    ids, idx = [], {}
    for d in range(max(dep.values()) + 1):
        level = [i for i in topo if dep[i] == d]
        level.sort(key=lambda i: (min((idx[k] for k in network.suppliers(i)), default=-1), proc_key(i), pos0[i]))
        for i in level:
            idx[i] = len(ids)
            ids.append(i)
    n = len(ids)
    st = [network.stage(i) for i in ids]
    factors = dict(EMISSION_FACTORS if config.emission_factors is None else config.emission_factors)
    depth = np.array([dep[i] for i in ids])
    levels = []
    for d in range(int(depth.max()) + 1):
        w = np.flatnonzero(depth == d)
        levels.append((int(w[0]), int(w[-1]) + 1))

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
    demand_idx = np.array([k for k, s in enumerate(st) if s.demand is not None], dtype=np.int64)
    demand_dists = [st[k].demand for k in demand_idx]
    integer = all(_is_discrete(d) for d in demand_dists)
    w0 = config.unit_weight_kg
    unit_weight = np.array([float(s.attrs.get("unit_weight_kg", w0)) for s in st])
    modes = dict(config.modes or {})
    for key in modes:
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ValueError(f"modes: key {key!r} must be (supplier, customer) or (None, source stage)")
        sup_, cus_ = key
        if cus_ not in network or (sup_ is not None and sup_ not in network):
            raise ValueError(f"modes: lane {key!r} is not a lane of the network")
        if sup_ is None and network.suppliers(cus_):
            raise ValueError(f"modes: (None, {cus_!r}) names the inbound flow of a source stage, but stage "
                             f"{cus_!r} has suppliers {network.suppliers(cus_)}")
        if sup_ is not None:
            try:
                network.lane(sup_, cus_)
            except ValueError:
                raise ValueError(f"modes: lane {key!r} is not a lane of the network") from None

    def mode_terms(key, dist, mode, weight, where):
        """(kg CO2e per unit, freight cost per unit, extra periods) of a lane's flow."""
        m = modes.get(key)
        if m is not None:
            f = m.kg_co2e_per_tonne_km if m.kg_co2e_per_tonne_km is not None else _factor(factors, m.name, where)
            km = dist or 0.0
            return weight / 1000 * km * f, weight / 1000 * km * m.cost_per_tonne_km, m.extra_periods
        if dist is None or mode is None:
            return 0.0, 0.0, 0
        return weight / 1000 * dist * _factor(factors, mode, where), 0.0, 0

    # lanes: virtual inbound lanes of the sources first, then real lanes sorted by supplier
    lane_sup, lane_cus, lane_u, lane_hv, lane_co2, lane_cost, lane_pmf, extra = [], [], [], [], [], [], [], []
    source_extra = np.zeros(n, dtype=np.int64)
    sups_of = {i: network.suppliers(i) for i in ids}
    for k, s in enumerate(st):
        if not sups_of[s.id]:
            c, f, e = mode_terms((None, s.id), s.attrs.get("inbound_distance_km"), s.attrs.get("inbound_mode"),
                                 unit_weight[k], f"stage {s.id!r} inbound")
            lane_sup.append(-1)
            lane_cus.append(k)
            lane_u.append(1.0)
            lane_hv.append(0.0)
            lane_co2.append(c)
            lane_cost.append(f)
            lane_pmf.append((np.zeros(1, dtype=np.int64), np.ones(1)))
            extra.append(0)
            source_extra[k] = e
    nvirt = len(lane_sup)
    for j, s in enumerate(st):
        for cus in sorted(network.customers(s.id), key=idx.__getitem__):
            ln = network.lane(s.id, cus)
            k = idx[cus]
            wgt = float(ln.attrs.get("unit_weight_kg", unit_weight[j]))
            c, f, e = mode_terms((s.id, cus), ln.distance_km, ln.mode, wgt, f"lane {s.id!r}->{cus!r}")
            lane_sup.append(j)
            lane_cus.append(k)
            lane_u.append(ln.units)
            lane_hv.append(h[j])
            lane_co2.append(c)
            lane_cost.append(f)
            if ln.lead_time_dist is not None:
                pmf = lead_time_pmf(ln.lead_time_dist)
            else:
                pmf = {_int_time(f"lane {s.id!r}->{cus!r}: lead_time", ln.lead_time): 1.0}
            lane_pmf.append(_pmf_arrays(pmf))
            extra.append(e)
    L = len(lane_sup)
    lane_sup = np.array(lane_sup, dtype=np.int64)
    lane_cus = np.array(lane_cus, dtype=np.int64)
    in_lanes = [[] for _ in range(n)]
    out_lanes = [[] for _ in range(n)]
    for l in range(L):
        in_lanes[lane_cus[l]].append(l)
        if lane_sup[l] >= 0:
            out_lanes[lane_sup[l]].append(l)
    proc_pmf = []
    for s in st:
        if s.processing_time_dist is not None:
            pmf = lead_time_pmf(s.processing_time_dist)
        else:
            pmf = {_int_time(f"stage {s.id!r}: processing_time", s.processing_time): 1.0}
        proc_pmf.append(_pmf_arrays(pmf))
    lane_u = np.array(lane_u)
    lane_hv = np.array(lane_hv)
    comp_value = np.zeros(n)
    np.add.at(comp_value, lane_cus, lane_u * lane_hv)
    # echelon matrix A = I + sum over out-lanes u * A[customer] (customers are deeper: deepest first)
    rows = [{k: 1.0} for k in range(n)]
    for i in reversed(range(n)):
        for l in out_lanes[i]:
            for j, v in rows[lane_cus[l]].items():
                rows[i][j] = rows[i].get(j, 0.0) + lane_u[l] * v
    r_ = [i for i, row in enumerate(rows) for _ in row]
    c_ = [j for row in rows for j in row]
    v_ = [v for row in rows for v in row.values()]
    A = sp.csr_matrix((v_, (r_, c_)), shape=(n, n))
    mean_ext = np.zeros(n)
    seen = {}                              # stages often share one distribution object
    for k, dd in zip(demand_idx, demand_dists):
        if id(dd) not in seen:
            seen[id(dd)] = float(dd.mean() if callable(getattr(dd, "mean", None)) else dd.mean)
        mean_ext[k] = seen[id(dd)]
    mean_demand = A @ mean_ext
    sources = [k for k in range(n) if not sups_of[ids[k]]]
    source_top = max(sources, key=lambda k: (network.tier(ids[k]), -pos0[ids[k]]))
    inl1 = np.array([in_lanes[i][0] if len(in_lanes[i]) == 1 else -1 for i in range(n)], dtype=np.int64)
    in_idx = np.array([l for i in range(n) for l in in_lanes[i]], dtype=np.int64)
    in_off = np.concatenate([[0], np.cumsum([len(x) for x in in_lanes])]).astype(np.int64)
    cnt = np.bincount(lane_sup[nvirt:], minlength=n)
    out_off = (nvirt + np.concatenate([[0], np.cumsum(cnt)])).astype(np.int64)
    lane_seg = np.arange(L, dtype=np.int64)
    lane_len = np.ones(L, dtype=np.int64)
    lane_pos = np.zeros(L, dtype=np.int64)
    for i in range(n):
        a, b = out_off[i], out_off[i + 1]
        lane_seg[a:b] = a
        lane_len[a:b] = b - a
        lane_pos[a:b] = np.arange(b - a)
    return Compiled(network, ids, n, depth, levels, h, p, K, cap, mean_demand, demand_idx, demand_dists, integer,
                    lane_sup, lane_cus, lane_u, lane_hv, np.array(lane_co2), np.array(lane_cost), lane_pmf,
                    in_lanes, out_lanes, proc_pmf, comp_value, A, source_top, unit_weight, inl1, in_idx, in_off,
                    out_off, lane_pos, lane_seg, lane_len, np.array(extra, dtype=np.int64), source_extra, nvirt,
                    np.asarray(A[source_top].toarray()).ravel()[demand_idx], mean_ext)


# --------------------------------------------------------------------------------------------
# policies as arrays
# --------------------------------------------------------------------------------------------

@dataclass
class PolicyArrays:
    """Per-stage rules in the compiled stage order; numbers of shape (n, C) for C candidates.

    ``code`` per stage: 0 order up to ``a`` (base stock, echelon base stock, order-up-to a
    target), 1 (s, S) with s = ``a``, S = ``b``, 2 (r, Q) with r = ``a``, Q = ``b``, 3 forecast
    order-up-to with cover ``a``.  ``echelon_mask`` per stage: the rule reads the echelon
    position.  ``every``/``offset``: the stage reviews in periods t with
    (t - offset) % every == 0.  ``target``: (T, n) per-period levels (NaN where a stage's level
    is fixed); ``callbacks``: [(function, stage indices, stage ids)] giving levels each period.
    """

    kind: str
    code: np.ndarray
    echelon_mask: np.ndarray
    a: np.ndarray
    b: np.ndarray
    every: np.ndarray
    offset: np.ndarray
    alpha: float = 0.0
    z: float = 0.0
    target: np.ndarray | None = None
    target_mask: np.ndarray | None = None
    callbacks: list = field(default_factory=list)
    initial: np.ndarray = None

    @property
    def echelon(self) -> bool:
        return bool(self.echelon_mask.any())

    @property
    def periodic(self) -> bool:
        return bool((self.every > 1).any())


def _leaf_rules(policy, network, stages):
    """({stage id: rule}, extra) for a leaf policy."""
    from casekit.policies import OrderUpTo

    par = policy.params(network)
    if isinstance(policy, OrderUpTo):
        lv = par["S"]
        out = {}
        for i in stages:
            if callable(lv):
                out[i] = dict(code=0, a=0.0, b=0.0, echelon=policy.echelon, callback=lv)
            elif np.ndim(lv[i]) == 0:
                out[i] = dict(code=0, a=float(lv[i]), b=0.0, echelon=policy.echelon)
            else:
                out[i] = dict(code=0, a=0.0, b=0.0, echelon=policy.echelon, target=np.asarray(lv[i], dtype=float))
        return out, {}
    kind = policy.kind
    out, extra = {}, {}
    for i in stages:
        if kind in ("base-stock", "echelon-base-stock"):
            out[i] = dict(code=0, a=par["S"][i], b=0.0, echelon=policy.echelon)
        elif kind == "s-S":
            out[i] = dict(code=1, a=par["s"][i], b=par["S"][i], echelon=False)
        elif kind == "r-Q":
            out[i] = dict(code=2, a=par["r"][i], b=par["Q"][i], echelon=False)
        elif kind == "forecast-order-up-to":
            out[i] = dict(code=3, a=par["cover"][i], b=0.0, echelon=False)
            extra = {"alpha": par["alpha"], "z": par["z"]}
        else:                                            # pragma: no cover
            raise ValueError(f"unknown policy kind {kind!r}")
    return out, extra


def _rules(policy, network, stages, every=None, offset=None):
    """Walk :class:`~casekit.policies.Mixed` / :class:`~casekit.policies.Periodic` down to
    leaf policies; returns ({stage id: rule}, extra)."""
    from casekit.policies import Mixed, Periodic

    if isinstance(policy, Periodic):
        ev, off = policy.schedule(network)
        return _rules(policy.policy, network, stages, ev, off)
    if isinstance(policy, Mixed):
        out, extra = {}, {}
        for part_stages, pol in policy.parts_for(network):
            keep = set(part_stages)
            o, e = _rules(pol, network, [i for i in stages if i in keep], every, offset)
            out.update(o)
            extra.update(e)
        return out, extra
    out, extra = _leaf_rules(policy, network, stages)
    for i in out:
        out[i]["every"] = 1 if every is None else int(every[i])
        out[i]["offset"] = 0 if offset is None else int(offset[i])
    return out, extra


def policy_arrays(comp: Compiled, policies, config: SimulationConfig, total_periods: int | None = None) -> PolicyArrays:
    """Stack one or several policies (the same rule at every stage, different numbers) into
    per-stage arrays (n, C)."""
    if isinstance(policies, Policy):
        policies = [policies]
    policies = list(policies)
    if not policies:
        raise ValueError("policy: give at least one policy")
    for p in policies:
        if not isinstance(p, Policy):
            raise TypeError(f"policy must be a casekit.policies policy (BaseStock, EchelonBaseStock, SS, "
                            f"RQ, ForecastOrderUpTo, OrderUpTo, Periodic, Mixed), got {p!r}")
    kinds = {type(p) for p in policies}
    if len(kinds) > 1:
        raise ValueError(f"candidate policies must all be of one type, got {sorted(k.__name__ for k in kinds)}")
    net = comp.network
    ids = comp.ids
    n, C = comp.n, len(policies)
    rules, extra = [], {}
    for p in policies:
        r, e = _rules(p, net, list(net.downstream_first()))
        rules.append(r)
        extra.update(e)
    first = rules[0]
    pick = lambda r, key: np.array([r[i][key] for i in ids])  # noqa: E731
    code = pick(first, "code").astype(np.int64)
    ech = pick(first, "echelon").astype(bool)
    every = pick(first, "every").astype(np.int64)
    offset = pick(first, "offset").astype(np.int64)
    for r in rules[1:]:
        if (pick(r, "code") != code).any() or (pick(r, "echelon") != ech).any() or (pick(r, "every") != every).any():
            raise ValueError("candidate policies screened together must use the same rule (kind, position, "
                             "review period) at every stage")
    if C > 1 and (code == 3).any():
        raise ValueError("screening several ForecastOrderUpTo policies at once is not supported")
    a = np.array([[r[i]["a"] for r in rules] for i in ids], dtype=float)
    b = np.array([[r[i]["b"] for r in rules] for i in ids], dtype=float)
    targ = tmask = None
    tg = {i: first[i]["target"] for i in ids if first[i].get("target") is not None}
    if tg:
        if C > 1:
            raise ValueError("screening several policies with per-period targets at once is not supported")
        T = total_periods
        targ = np.zeros((T, n))
        tmask = np.zeros(n, dtype=bool)
        where = {i: k for k, i in enumerate(ids)}
        for i, arr in tg.items():
            k = where[i]
            if arr.ndim != 1 or arr.size < T:
                raise ValueError(f"OrderUpTo.levels: stage {i!r} needs one level per simulated period "
                                 f"(warm-up + periods = {T}), got shape {arr.shape}")
            if not np.all(np.isfinite(arr[:T])):
                raise ValueError(f"OrderUpTo.levels: stage {i!r} has a non-finite level")
            targ[:, k] = arr[:T]
            tmask[k] = True
    cbs = []
    seen = {}
    for i in net.downstream_first():
        cb = first[i].get("callback")
        if cb is not None:
            if C > 1:
                raise ValueError("screening several policies with level callbacks at once is not supported")
            seen.setdefault(id(cb), (cb, []))[1].append(i)
    where = {i: k for k, i in enumerate(ids)}
    for cb, sts in seen.values():
        cbs.append((cb, np.array([where[i] for i in sts], dtype=np.int64), tuple(sts)))
    pa = PolicyArrays(policies[0].kind, code, ech, a, b, every, offset, alpha=extra.get("alpha", 0.0),
                      z=extra.get("z", 0.0), target=targ, target_mask=tmask, callbacks=cbs)
    if config.initial_stock is not None:
        bad = [k for k in config.initial_stock if k not in net]
        if bad:
            raise ValueError(f"initial_stock names stage {bad[0]!r}, which is not in the network")
        init = np.array([[check_nonnegative(f"initial_stock[{i!r}]", config.initial_stock.get(i, 0.0))]
                         * C for i in ids])
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

def _seed_seq(seed) -> np.random.SeedSequence:
    """The seed sequence of a run: the next child of ``seed``'s sequence (an int, None, a
    SeedSequence or a Generator).  A fresh ``default_rng(7)`` and ``7`` give the same run; a
    Generator used again gives new draws."""
    if isinstance(seed, np.random.Generator):
        return seed.bit_generator.seed_seq.spawn(1)[0]
    if isinstance(seed, np.random.SeedSequence):
        return seed.spawn(1)[0]
    return np.random.SeedSequence(seed).spawn(1)[0]


def _child(ss: np.random.SeedSequence, *key) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + key))


def _tables_for(dists, ms):
    """(sampler, which) drawing the Poisson or negative binomial demand of stages ``ms`` by table
    inversion (:mod:`casekit.simulation._sampling`), or None when their distributions are too
    many or too wide for tables (numpy's samplers are used then)."""
    from casekit.simulation._sampling import MAX_TABLES, MAX_WIDTH, TableSampler, cdf_table

    keys = [(dists[m].dist.name, tuple(float(a) for a in dists[m].args)) for m in ms]
    uniq = list(dict.fromkeys(keys))
    if len(uniq) > MAX_TABLES:
        return None
    hit = _TABLES.get(tuple(uniq))
    if hit is None:
        first = {k: dists[m] for k, m in zip(reversed(keys), reversed(ms))}
        try:
            hi = [float(first[k].isf(1e-16)) for k in uniq]
        except Exception:                                      # pragma: no cover - scipy edge cases
            return None
        if not all(np.isfinite(hi)) or max(hi) + 1 > MAX_WIDTH:
            return None
        hit = TableSampler([cdf_table(first[k]) for k in uniq])
        if len(_TABLES) >= 8:
            _TABLES.pop(next(iter(_TABLES)))
        _TABLES[tuple(uniq)] = hit
    pos = {k: i for i, k in enumerate(uniq)}
    which = None if len(uniq) == 1 else np.array([pos[k] for k in keys], dtype=np.intp)
    return hit, which


_TABLES: dict = {}


class _DemandGroups:
    """Demand stages grouped so that each group is drawn by one vectorised numpy call."""

    def __init__(self, dists):
        self.groups = []                      # (kind, positions, parameters)
        by = {}
        for m, d in enumerate(dists):
            if isinstance(d, DemandPath):
                key = ("path", d.dispersion)
            else:
                name = getattr(getattr(d, "dist", None), "name", None)
                args = getattr(d, "args", ())
                simple = not getattr(d, "kwds", {}) and (
                    (name == "poisson" and len(args) == 1) or (name == "nbinom" and len(args) == 2)
                    or (name == "norm" and len(args) <= 2))
                key = (name,) if simple else ("other", m)
            by.setdefault(key, []).append(m)
        for key, ms in by.items():
            ms_a = np.array(ms, dtype=np.int64)
            if key[0] == "path":
                self.groups.append(("path", ms_a, (np.stack([dists[m].path for m in ms]), key[1])))
            elif key[0] in ("poisson", "nbinom") and (tab := _tables_for(dists, ms)) is not None:
                self.groups.append(("table", ms_a, tab))
            elif key[0] == "poisson":
                self.groups.append(("poisson", ms_a, np.array([float(dists[m].args[0]) for m in ms])))
            elif key[0] == "norm":
                self.groups.append(("norm", ms_a, (np.array([dists[m].mean() for m in ms]),
                                                   np.array([dists[m].std() for m in ms]))))
            elif key[0] == "nbinom":
                self.groups.append(("nbinom", ms_a, (np.array([float(dists[m].args[0]) for m in ms]),
                                                     np.array([float(dists[m].args[1]) for m in ms]))))
            else:
                self.groups.append(("other", ms_a, [dists[m] for m in ms]))
        self.paths = [g for g in self.groups if g[0] == "path"]

    def check_length(self, T, ids):
        for _, ms, (P, _k) in self.paths:
            short = np.flatnonzero(np.zeros(len(ms)) + P.shape[1] < T)
            if P.shape[1] < T:
                raise ValueError(f"DemandPath.mean of stage {ids[int(ms[short[0]])]!r} covers {P.shape[1]} "
                                 f"periods; the run needs {T} (warm-up + periods)")

    def draw(self, rng, nd, t0, t1, R, integer):
        """Demand of periods [t0, t1): shape (t1 - t0, nd, R), each period a contiguous block."""
        c = t1 - t0
        out = np.empty((c, nd, R))
        for kind, ms, par in self.groups:
            g = ms.size
            if kind == "table":
                sampler, which = par
                x = sampler.draw(rng.random((c, g, R)), None if which is None else which[None, :, None])
            elif kind == "poisson":
                vals = np.unique(par)
                if vals.size == 1:
                    x = rng.poisson(vals[0], size=(c, g, R))
                else:
                    x = rng.poisson(par[None, :, None], size=(c, g, R))
            elif kind == "norm":
                x = rng.normal(par[0][None, :, None], par[1][None, :, None], size=(c, g, R))
            elif kind == "nbinom":
                x = rng.negative_binomial(par[0][None, :, None], par[1][None, :, None], size=(c, g, R))
            elif kind == "path":
                P, k = par
                mu = P[:, t0:t1].T[:, :, None]
                if math.isinf(k):
                    x = rng.poisson(np.broadcast_to(mu, (c, g, R)))
                else:
                    x = rng.poisson(rng.gamma(k, 1.0, size=(c, g, R)) * (mu / k))
            else:
                x = np.empty((c, g, R))
                for m_, d in enumerate(par):
                    arr = getattr(d, "pmf", None)
                    if isinstance(arr, np.ndarray):
                        pmf = np.asarray(arr, dtype=float)
                        x[:, m_] = rng.choice(pmf.size, size=(c, R), p=pmf / pmf.sum())
                    else:
                        x[:, m_] = np.asarray(d.rvs(size=(c, R), random_state=rng), dtype=float)
            if g == nd:
                out[...] = x
            else:
                out[:, ms] = x
        if not integer:
            np.maximum(out, 0.0, out=out)     # documented: continuous demand below 0 counts as 0
        return out

    def mean_at(self, base_mean: np.ndarray, t: int) -> np.ndarray:
        if not self.paths:
            return base_mean
        out = base_mean.copy()
        for _, ms, (P, _k) in self.paths:
            out[ms] = P[:, min(t, P.shape[1] - 1)]
        return out


class Inputs:
    """Random draws and scenario effects for R replications over T periods, served one period at
    a time: ``demand(t)`` (nd, R), ``proc(t)`` (n, R) int, ``lane(t)`` (L, R) int, ``cap(t)``
    (n, R) or None, ``cost_mult(t)`` (n, R) or None.  Blocks of :data:`CHUNK` periods are
    generated when first asked for, from generators keyed by (seed, stream, block): the numbers
    depend on the seed only, not on who asks or in which order."""

    def __init__(self, comp: Compiled, periods: int, replications: int, warmup: int, seed,
                 scenario: Scenario | None, config: SimulationConfig | None = None):
        self.comp = comp
        self.R = R = replications
        self.T = T = warmup + periods
        self.warmup = warmup
        self.ss = _seed_seq(seed)
        self.nd = len(comp.demand_idx)
        self.groups = _DemandGroups(comp.demand_dists)
        self.groups.check_length(T, [comp.ids[k] for k in comp.demand_idx])
        self.base_mean = np.asarray(comp.mean_ext[comp.demand_idx], dtype=float)
        self.proc_const = np.array([ks[0] for ks, _ in comp.proc_pmf], dtype=np.int64) + comp.source_extra
        self.proc_rand = np.array([k for k, (ks, _) in enumerate(comp.proc_pmf) if ks.size > 1], dtype=np.int64)
        self.lane_const = np.array([ks[0] for ks, _ in comp.lane_pmf], dtype=np.int64) + comp.mode_extra
        self.lane_rand = np.array([k for k, (ks, _) in enumerate(comp.lane_pmf) if ks.size > 1], dtype=np.int64)
        self._cache = {}
        self.shifts = []          # ("proc" | "lane", index, a, b, extra (b - a, R) int)
        self.cap_events = []      # (index, a, b, factor: scalar or (R,))
        self.cost_events = []     # (index, a, b, factor (R,))
        self.demand_events = []   # (positions, a, b, factor: scalar or (R,))
        max_shift = 0
        if scenario is not None and scenario.events:
            srng = _child(self.ss, 3)          # scenario draws: their own stream, CRN kept
            idx = {i: k for k, i in enumerate(comp.ids)}
            lane_of = {(comp.ids[comp.lane_sup[l]], comp.ids[comp.lane_cus[l]]): l
                       for l in range(comp.n_lanes) if comp.lane_sup[l] >= 0}
            dem_pos = {int(k): m for m, k in enumerate(comp.demand_idx)}
            for e in scenario.events:
                a = warmup + e.start
                b = min(a + e.duration, T)
                if a >= T:
                    continue
                if isinstance(e, SupplierShutdown):
                    self.cap_events.append((idx[e.node], a, b, 0.0))
                elif isinstance(e, PortCongestion):
                    extra = np.full((b - a, R), e.extra_periods, dtype=np.int64)
                    if e.tail_probability > 0 and e.tail_periods > 0:
                        extra += e.tail_periods * (srng.random((b - a, R)) < e.tail_probability)
                    tgt = ("proc", idx[e.node]) if e.node is not None else ("lane", lane_of[tuple(e.lane)])
                    self.shifts.append((*tgt, a, b, extra))
                    max_shift = max(max_shift, int(extra.max(initial=0)))
                elif isinstance(e, TransportDisruption):
                    left = np.repeat((b - np.arange(a, b))[:, None], R, axis=1).astype(np.int64)
                    tgt = ("proc", idx[e.node]) if e.node is not None else ("lane", lane_of[tuple(e.lane)])
                    self.shifts.append((*tgt, a, b, left))
                    max_shift = max(max_shift, b - a)
                elif isinstance(e, DemandSpike):
                    nodes = comp.demand_idx if e.node is None else [idx[e.node]]
                    self.demand_events.append((np.array([dem_pos[int(k)] for k in nodes], dtype=np.int64),
                                               a, b, e.multiplier))
                elif isinstance(e, CompoundDisruption):
                    occurs = srng.random(R) < e.probability if e.probability < 1 else np.ones(R, dtype=bool)
                    for node in e.nodes:
                        k = idx[node]
                        shift = np.repeat((e.lead_time_shift * occurs)[None, :], b - a, axis=0).astype(np.int64)
                        self.shifts.append(("proc", k, a, b, shift))
                        max_shift = max(max_shift, e.lead_time_shift)
                        if e.capacity_factor != 1.0:
                            self.cap_events.append((k, a, b, np.where(occurs, e.capacity_factor, 1.0)))
                        if e.cost_factor != 1.0:
                            self.cost_events.append((k, a, b, np.where(occurs, e.cost_factor, 1.0)))
                        if k in dem_pos and e.demand_factor != 1.0:
                            self.demand_events.append((np.array([dem_pos[k]]), a, b,
                                                       np.where(occurs, e.demand_factor, 1.0)))
        self.has_cap = bool(self.cap_events)
        extra_lead = 0
        if config is not None and config.backup is not None:
            extra_lead = config.backup.lead_time
        if config is not None and config.transfers:
            extra_lead = max(extra_lead, max(x.lead_time for x in config.transfers))
        mp = max(int(ks.max()) for ks, _ in comp.proc_pmf) + int(comp.source_extra.max(initial=0))
        ml = max(int(ks.max()) for ks, _ in comp.lane_pmf) + int(comp.mode_extra.max(initial=0))
        self.horizon = max(mp, ml, extra_lead) + max_shift + 1

    def _raw_demand(self, c: int, t0: int, t1: int):
        """Block c of demand before scenario effects.  The blocks of the last few runs are kept
        (together up to :data:`DEMAND_STORE_BYTES`): the next policy simulated on the same seed
        and network reuses them, as common random numbers allow (a case study evaluates several
        policies, with and without a disruption, on one seed, between runs on other seeds)."""
        comp = self.comp
        key = (self.ss.entropy, tuple(self.ss.spawn_key), self.R, self.T, comp.integer,
               tuple(id(d) for d in comp.demand_dists))
        store = _DEMAND_STORE
        size = self.nd * self.T * self.R * 8
        keep = size <= DEMAND_STORE_BYTES
        entry = store.get(key) if keep else None
        if entry is not None and all(a is b for a, b in zip(entry["refs"], comp.demand_dists)):
            store[key] = store.pop(key)                       # most recently used last
            hit = entry["blocks"].get(c)
            if hit is not None:
                return hit
        elif keep:
            store.pop(key, None)
            while store and sum(e["size"] for e in store.values()) + size > DEMAND_STORE_BYTES:
                store.pop(next(iter(store)))                  # least recently used first
            entry = store[key] = dict(refs=list(comp.demand_dists), blocks={}, size=size)
        D = self.groups.draw(_child(self.ss, 1, c), self.nd, t0, t1, self.R, comp.integer)
        if keep:
            D.setflags(write=False)
            entry["blocks"][c] = D
        return D

    def draw_demand(self) -> bool:
        """Draw every block of demand of the run now, into the store the next runs on the same
        seed, size and network read (:meth:`_raw_demand`); False (and nothing drawn) when the run's
        demand is too large to keep.  Reads nothing but this run's own generators, so a caller can
        run it in a background thread (numpy's samplers release the GIL) while it builds policies."""
        if self.nd * self.T * self.R * 8 > DEMAND_STORE_BYTES:
            return False
        for c in range(-(-self.T // CHUNK)):
            self._raw_demand(c, c * CHUNK, min((c + 1) * CHUNK, self.T))
        return True

    def _block(self, c: int):
        hit = self._cache.get(c)
        if hit is not None:
            return hit
        comp, R = self.comp, self.R
        t0, t1 = c * CHUNK, min((c + 1) * CHUNK, self.T)
        D = self._raw_demand(c, t0, t1)
        if self.demand_events:
            D = D.copy()
        lr = _child(self.ss, 2, c)
        P = Lr = None
        if self.proc_rand.size:
            P = np.empty((self.proc_rand.size, t1 - t0, R), dtype=np.int64)
            for m, k in enumerate(self.proc_rand):
                ks, ps = comp.proc_pmf[k]
                P[m] = lr.choice(ks, size=(t1 - t0, R), p=ps) + comp.source_extra[k]
        if self.lane_rand.size:
            Lr = np.empty((self.lane_rand.size, t1 - t0, R), dtype=np.int64)
            for m, k in enumerate(self.lane_rand):
                ks, ps = comp.lane_pmf[k]
                Lr[m] = lr.choice(ks, size=(t1 - t0, R), p=ps) + comp.mode_extra[k]
        for pos, a, b, f in self.demand_events:          # in the order the scenario lists them
            lo, hi = max(a, t0), min(b, t1)
            if lo < hi:
                blk = D[lo - t0:hi - t0][:, pos] * (f if np.ndim(f) == 0 else np.asarray(f)[None, None, :])
                D[lo - t0:hi - t0, pos] = np.round(blk) if comp.integer else blk
        if len(self._cache) >= 2:
            self._cache.pop(min(self._cache))
        self._cache[c] = (t0, D, P, Lr)
        return self._cache[c]

    def demand(self, t: int) -> np.ndarray:
        t0, D, _, _ = self._block(t // CHUNK)
        return D[t - t0]

    def proc(self, t: int) -> np.ndarray:
        t0, _, P, _ = self._block(t // CHUNK)
        out = np.repeat(self.proc_const[:, None], self.R, axis=1)
        if P is not None:
            out[self.proc_rand] = P[:, t - t0]
        for kind, k, a, b, extra in self.shifts:
            if kind == "proc" and a <= t < b:
                out[k] += extra[t - a]
        return out

    def lane(self, t: int) -> np.ndarray:
        t0, _, _, Lr = self._block(t // CHUNK)
        out = np.repeat(self.lane_const[:, None], self.R, axis=1)
        if Lr is not None:
            out[self.lane_rand] = Lr[:, t - t0]
        for kind, k, a, b, extra in self.shifts:
            if kind == "lane" and a <= t < b:
                out[k] += extra[t - a]
        return out

    def proc_rows(self, t: int, a: int, b: int) -> np.ndarray:
        """``proc(t)[a:b]``, computing only those rows."""
        return self._rows(t, "proc", a, b)

    def lane_rows(self, t: int, a: int, b: int) -> np.ndarray:
        """``lane(t)[a:b]``, computing only those rows."""
        return self._rows(t, "lane", a, b)

    def _rows(self, t, kind, a, b):
        t0, _, P, Lr = self._block(t // CHUNK)
        const, rand, draws = ((self.proc_const, self.proc_rand, P) if kind == "proc"
                              else (self.lane_const, self.lane_rand, Lr))
        out = np.repeat(const[a:b, None], self.R, axis=1)
        if draws is not None:
            sel = np.flatnonzero((rand >= a) & (rand < b))
            if sel.size:
                out[rand[sel] - a] = draws[sel, t - t0]
        for knd, k, ea, eb, extra in self.shifts:
            if knd == kind and ea <= t < eb and a <= k < b:
                out[k - a] += extra[t - ea]
        return out

    def cap_active(self, t: int) -> bool:
        """False when :meth:`cap` would only repeat the stages' own capacities this period (no
        capacity event under way), so an engine can apply those directly."""
        if not self.has_cap:
            return False
        if any(a <= t < b for _, a, b, _ in self.cap_events):
            return True
        fin = self.comp.cap[np.isfinite(self.comp.cap)]
        return bool(self.comp.integer and (fin != np.floor(fin)).any())

    def touches(self, kind: str, a: int, b: int) -> bool:
        """True when a processing (``"proc"``) or transit (``"lane"``) time of rows [a, b) is random
        or shifted by a scenario."""
        rand = self.proc_rand if kind == "proc" else self.lane_rand
        if ((rand >= a) & (rand < b)).any():
            return True
        return any(k == kind and a <= i < b for k, i, *_ in self.shifts)

    @property
    def constant_times(self) -> bool:
        """True when every processing and transit time is a constant (no draws, no shifts)."""
        return not (self.proc_rand.size or self.lane_rand.size or self.shifts)

    def cap(self, t: int):
        """Capacity per stage this period (n, R), or None when no scenario touches capacity."""
        if not self.has_cap:
            return None
        comp = self.comp
        f = np.ones((comp.n, self.R))
        for k, a, b, fac in self.cap_events:
            if a <= t < b:
                f[k] *= fac
        # a stage without a capacity limit is taken to process its mean demand per period when a
        # scenario scales its capacity below 1 (0 still means closed)
        base = np.where(np.isinf(comp.cap), comp.mean_demand, comp.cap)[:, None]
        cap = np.where(f >= 1.0, comp.cap[:, None], base * f)
        if comp.integer:
            cap = np.where(np.isinf(cap), cap, np.floor(cap))
        return cap

    def cost_mult(self, t: int):
        if not self.cost_events:
            return None
        f = np.ones((self.comp.n, self.R))
        for k, a, b, fac in self.cost_events:
            if a <= t < b:
                f[k] *= fac
        return f

    def mean_demand(self, t: int) -> np.ndarray:
        """Mean external demand per customer-facing stage in period t (no scenario effects)."""
        return self.groups.mean_at(self.base_mean, t)

    def dense(self):
        """Every period at once, for the discrete-event twin (small networks): demand
        (nd, T, R), processing (n, T, R), transit (L, T, R), capacity and cost multipliers."""
        T = self.T
        dem = np.stack([self.demand(t) for t in range(T)], axis=1)
        proc = np.stack([self.proc(t) for t in range(T)], axis=1)
        lane = np.stack([self.lane(t) for t in range(T)], axis=1)
        cap = None if not self.has_cap else np.stack([self.cap(t) for t in range(T)], axis=1)
        cost = None if not self.cost_events else np.stack([self.cost_mult(t) for t in range(T)], axis=1)
        return dem, proc, lane, cap, cost


def make_inputs(comp: Compiled, periods: int, replications: int, warmup: int, seed,
                scenario: Scenario | None, config: SimulationConfig | None = None) -> Inputs:
    """The random inputs of a run (see :class:`Inputs`)."""
    return Inputs(comp, periods, replications, warmup, seed, scenario, config)


#: Rough throughput of each engine on one laptop core, in node-periods per second (measured by
#: ``benchmarks/bench_simulation.py``); used only to refuse, up front, runs that would take too long.
ENGINE_RATE = {"fast": 1e7, "des": 6e4}
#: The longest run :func:`casekit.simulation.simulate` starts, in estimated seconds.
MAX_RUN_SECONDS = 600.0


def check_simulation_size(stages: int, periods: int, replications: int, warmup: int, engine: str) -> None:
    """Refuse a run whose stages x (warm-up + periods) x replications would take more than
    :data:`MAX_RUN_SECONDS` at the engine's typical rate, with the size in the message."""
    work = float(stages) * float(periods + warmup) * float(replications)
    seconds = work / ENGINE_RATE[engine]
    if seconds > MAX_RUN_SECONDS:
        raise ValueError(
            f"periods={periods}, replications={replications} (warm-up {warmup}, {stages} stages) is too large: "
            f"{work:.3g} node-periods would take about {seconds / 60:.0f} minutes on the {engine!r} engine "
            f"(casekit refuses runs over {MAX_RUN_SECONDS / 60:.0f} minutes); use fewer periods or replications")


def check_run(network, policy, periods, replications, warmup, engine, scenario, config):
    """Boundary checks of :func:`casekit.simulation.simulate`."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a casekit.network.Network, got {type(network).__name__}")
    periods = check_int("periods", periods, minimum=1)
    replications = check_int("replications", replications, minimum=1)
    warmup = check_int("warmup", warmup, minimum=0)
    check_choice("engine", engine, ("des", "fast"))
    check_simulation_size(len(network.downstream_first()), periods, replications, warmup, engine)
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
    ex = config.expedite
    if ex is not None and ex.nodes is not None:
        for nd in ex.nodes:
            if nd not in network or network.stage(nd).demand is None:
                raise ValueError(f"Expedite.nodes: {nd!r} is not a customer-facing stage "
                                 f"({network.demand_stages})")
    if ex is not None and isinstance(ex.distance_km, Mapping):
        for nd in ex.distance_km:
            if nd not in network or network.stage(nd).demand is None:
                raise ValueError(f"Expedite.distance_km: {nd!r} is not a customer-facing stage")
    for tr in config.transfers or ():
        for s in tr.stages:
            if s not in network:
                raise ValueError(f"Transfers.stages: {s!r} is not a stage of the network")
        tiers = {s: network.tier(s) for s in tr.stages}
        if len(set(tiers.values())) > 1:
            raise ValueError(f"Transfers.stages must lie in one echelon; got stages of different echelons "
                             f"(tiers {tiers})")
    if config.backup is not None:
        for s in config.backup.stages:
            if s not in network:
                raise ValueError(f"Backup.stages: {s!r} is not a stage of the network")
    if engine == "des":
        for feat, on in (("lateral transfers (SimulationConfig.transfers)", bool(config.transfers)),
                         ("a backup source (SimulationConfig.backup)", config.backup is not None)):
            if on:
                raise ValueError(f"the discrete-event twin does not implement {feat}; use engine='fast'")
    size = len(network.ids) + len(network.lanes)
    need = size * replications * 48 * 8
    if need > 8 * MAX_FLOATS:
        raise ValueError(f"this run would hold about {need / 1e9:.1f} GB of state ({size} stages and lanes x "
                         f"{replications} replications); use fewer replications or a smaller network")
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


def expedite_co2_per_unit(comp: Compiled, config: SimulationConfig) -> np.ndarray:
    """(nd,) kg CO2e per unit expedited to each customer-facing stage."""
    ex = config.expedite
    nd = len(comp.demand_idx)
    if ex is None:
        return np.zeros(nd)
    factors = EMISSION_FACTORS if config.emission_factors is None else config.emission_factors
    f = _factor(factors, ex.mode, "Expedite.mode")
    km = ex.distance_km
    kms = np.array([km.get(comp.ids[k], 0.0) if isinstance(km, Mapping) else km for k in comp.demand_idx])
    return comp.unit_weight[comp.demand_idx] / 1000.0 * kms * f
