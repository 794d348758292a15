"""Multi-echelon supply networks: stages (nodes) joined by supply lanes (edges).

A :class:`Network` is the one description of a supply chain that every multi-echelon model in
casekit reads: the Clark–Scarf serial optimiser and the guaranteed-service model
(:mod:`casekit.multiechelon`), the distribution-system approximation, and the simulators.
It holds numbers only; models live elsewhere.

Conventions
-----------
* Time is in **periods** (the demand period), money in currency units, stock in units.
* A lane ``(k, i)`` runs from supplier ``k`` (upstream) to customer ``i`` (downstream).
* **Downstream first**: the builders number stages from the customer upwards, as Clark–Scarf
  and Snyder & Shen do: in :func:`serial` stage 1 meets customer demand and stage N orders from
  an outside supplier with unlimited stock.
* The **replenishment time** of stage i is ``processing_time`` (the time the stage takes once all
  its inputs are available; for a source stage it includes the outside supplier's lead time) plus
  the longest ``lead_time`` of its inbound lanes.  In a serial system built by :func:`serial` the
  lanes carry no transit time, so stage j's replenishment time is Snyder & Shen's L_j.

Stage attributes (:class:`Stage`)
---------------------------------
========================  =====================================================================
``id``                    hashable name (int or str)
``holding_cost``          h_i, **local** (installation) holding cost per unit per period, >= 0
``processing_time``       T_i periods >= 0 (S&S: L_j in the serial model; GSM: T_i)
``demand``                external demand per period at a customer-facing stage: a scipy.stats
                          frozen distribution (``norm(5, 1)``, ``poisson(5)``) or any object with
                          ``mean()``/``std()`` (or ``mean``/``std`` attributes) and, if discrete,
                          ``pmf``; ``None`` for internal stages
``stockout_cost``         p_i per unit backordered per period, > 0 (customer-facing stages)
``capacity``              units the stage can process per period (simulation), ``None`` = no limit
``processing_time_dist``  random replenishment time for simulation, ``{periods: prob}`` or a
                          discrete scipy distribution; ``None`` = deterministic ``processing_time``
``external_inbound_cst``  GSM: service time the outside supplier commits to a source stage (0)
``external_outbound_cst`` GSM: maximum service time promised to external customers (0 if None)
``label``                 text for drawings (defaults to ``str(id)``)
``attrs``                 free-form extra data (e.g. emergency-shipment cost) for other modules
========================  =====================================================================

Lane attributes (:class:`Lane`)
-------------------------------
================  =============================================================================
``supplier``      upstream stage id
``customer``      downstream stage id
``lead_time``     transit periods >= 0 added to the customer's replenishment time (default 0)
``units``         units of the supplier's item per unit of the customer's item (assembly), > 0
``lead_time_dist`` random transit time for simulation (``{periods: prob}`` or discrete scipy)
``distance_km``   lane length in km (transport CO2 in tonne-km), ``None`` if unknown
``mode``          transport mode, e.g. ``"truck"``, ``"rail"``, ``"sea"``, ``"air"``
``attrs``         free-form extra data
================  =============================================================================

Echelon and local quantities
----------------------------
The **echelon** of stage i is i together with everything downstream of it.  Echelon stock counts
the units at i plus the units of i's item embedded in stock downstream:
``E_i = x_i + sum_c u_ic E_c`` over i's customers c (u_ic = lane units).  The **echelon holding
cost** is the value a stage adds: ``h^e_i = h_i - sum_k u_ki h_k`` over i's suppliers k.
:meth:`Network.to_echelon` / :meth:`Network.to_local` convert base-stock levels both ways;
:meth:`Network.echelon_holding_cost` gives h^e.

Examples
--------
Snyder & Shen's Example 6.1: echelon holding costs (3, 2, 2), lead times (1, 1, 2):

>>> from scipy.stats import norm
>>> net = serial(echelon_holding_cost=[3, 2, 2], lead_time=[1, 1, 2], stockout_cost=37.12,
...              demand=norm(5, 1))
>>> [net.stage(j).holding_cost for j in net.serial_order()]   # local h: 7, 4, 2
[7.0, 4.0, 2.0]
>>> net.to_local([6.49, 12.02, 22.71])                        # S_j - S_{j-1}
[6.49, 5.53, 10.69]
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, replace
from typing import Hashable, Iterable, Mapping, Sequence

import numpy as np

from casekit.validate import check_nonnegative, check_positive, check_real

__all__ = [
    "Stage", "Lane", "Network",
    "serial", "distribution", "assembly", "from_edges",
    "demand_moments", "lead_time_pmf",
]

_MODES = ("truck", "rail", "sea", "air", "barge", "pipeline", "intermodal")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def _call_or_value(x):
    return x() if callable(x) else x


def demand_moments(dist) -> tuple[float, float]:
    """(mean, standard deviation) of a demand distribution.

    Accepts a scipy.stats frozen distribution or any object with ``mean``/``std`` methods or
    attributes (e.g. a casekit discrete distribution).

    >>> from scipy.stats import poisson
    >>> demand_moments(poisson(4))
    (4.0, 2.0)
    """
    try:
        mean = float(_call_or_value(dist.mean))
        sd = float(_call_or_value(dist.std))
    except (AttributeError, TypeError) as exc:
        raise TypeError(f"demand must be a scipy.stats frozen distribution or have mean/std, "
                        f"got {dist!r}") from exc
    return mean, sd


def _check_distribution(name: str, dist) -> None:
    mean, sd = demand_moments(dist)
    if not (math.isfinite(mean) and math.isfinite(sd)):
        raise ValueError(f"{name} must have a finite mean and standard deviation, got mean {mean}, sd {sd}")
    if mean < 0:
        raise ValueError(f"{name} must have a nonnegative mean (demand per period), got {mean}")
    if sd < 0:
        raise ValueError(f"{name} must have a nonnegative standard deviation, got {sd}")


def lead_time_pmf(dist) -> dict[int, float]:
    """A random lead time as ``{periods: probability}`` (periods are integers >= 0).

    ``dist`` is a dict ``{periods: prob}`` (probabilities summing to 1) or a discrete
    scipy.stats frozen distribution (support truncated at its 1 - 1e-12 quantile).

    >>> lead_time_pmf({1: 0.5, 3: 0.5})
    {1: 0.5, 3: 0.5}
    """
    if isinstance(dist, Mapping):
        out = {}
        for k, p in dist.items():
            if isinstance(k, bool) or not isinstance(k, (numbers.Integral, np.integer)) or k < 0:
                raise ValueError(f"lead-time periods must be integers >= 0, got {k!r}")
            p = check_real(f"probability of lead time {k}", p)
            if p < 0:
                raise ValueError(f"probability of lead time {k} must be >= 0, got {p}")
            out[int(k)] = p
        total = sum(out.values())
        if not out or abs(total - 1.0) > 1e-9:
            raise ValueError(f"lead-time probabilities must sum to 1, got {total}")
        return dict(sorted(out.items()))
    if hasattr(dist, "pmf") and hasattr(dist, "ppf"):
        lo = int(max(0, dist.ppf(0.0)))
        hi = int(dist.ppf(1 - 1e-12))
        if dist.ppf(0.0) < -1:
            raise ValueError("a lead-time distribution must have support on periods >= 0")
        ks = np.arange(lo, hi + 1)
        ps = dist.pmf(ks)
        ps = ps / ps.sum()
        return {int(k): float(p) for k, p in zip(ks, ps) if p > 0}
    raise TypeError(f"a lead-time distribution must be a dict {{periods: prob}} or a discrete "
                    f"scipy distribution, got {dist!r}")


def _opt_nonneg(name, v):
    return None if v is None else check_nonnegative(name, v)


# --------------------------------------------------------------------------------------------
# stages and lanes
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Stage:
    """One stage (node, stocking point) of a supply network.  See the module docstring for units."""

    id: Hashable
    holding_cost: float
    processing_time: float = 0.0
    demand: object = None
    stockout_cost: float | None = None
    capacity: float | None = None
    processing_time_dist: object = None
    external_inbound_cst: float = 0.0
    external_outbound_cst: float | None = None
    label: str | None = None
    attrs: Mapping = field(default_factory=dict)

    def __post_init__(self):
        where = f"stage {self.id!r}"
        try:
            hash(self.id)
        except TypeError:
            raise TypeError(f"a stage id must be hashable (int or str), got {self.id!r}") from None
        set_ = object.__setattr__
        set_(self, "holding_cost", check_nonnegative(f"{where}: holding_cost", self.holding_cost))
        set_(self, "processing_time", check_nonnegative(f"{where}: processing_time", self.processing_time))
        if self.stockout_cost is not None:
            set_(self, "stockout_cost", check_positive(f"{where}: stockout_cost", self.stockout_cost))
        if self.capacity is not None:
            set_(self, "capacity", check_positive(f"{where}: capacity", self.capacity))
        set_(self, "external_inbound_cst", check_nonnegative(f"{where}: external_inbound_cst",
                                                             self.external_inbound_cst))
        set_(self, "external_outbound_cst", _opt_nonneg(f"{where}: external_outbound_cst",
                                                        self.external_outbound_cst))
        if self.demand is not None:
            _check_distribution(f"{where}: demand", self.demand)
        if self.processing_time_dist is not None:
            try:
                lead_time_pmf(self.processing_time_dist)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{where}: processing_time_dist: {exc}") from None
        if self.label is None:
            set_(self, "label", str(self.id))
        set_(self, "attrs", dict(self.attrs))

    @property
    def demand_mean(self) -> float:
        """Mean external demand per period (0 for an internal stage)."""
        return 0.0 if self.demand is None else demand_moments(self.demand)[0]

    @property
    def demand_sd(self) -> float:
        """Standard deviation of external demand per period (0 for an internal stage)."""
        return 0.0 if self.demand is None else demand_moments(self.demand)[1]


@dataclass(frozen=True, eq=False)
class Lane:
    """A supply lane from ``supplier`` (upstream) to ``customer`` (downstream)."""

    supplier: Hashable
    customer: Hashable
    lead_time: float = 0.0
    units: float = 1.0
    lead_time_dist: object = None
    distance_km: float | None = None
    mode: str | None = None
    attrs: Mapping = field(default_factory=dict)

    def __post_init__(self):
        where = f"lane {self.supplier!r}->{self.customer!r}"
        set_ = object.__setattr__
        set_(self, "lead_time", check_nonnegative(f"{where}: lead_time", self.lead_time))
        set_(self, "units", check_positive(f"{where}: units", self.units))
        set_(self, "distance_km", _opt_nonneg(f"{where}: distance_km", self.distance_km))
        if self.mode is not None and not isinstance(self.mode, str):
            raise TypeError(f"{where}: mode must be a string such as {', '.join(_MODES)}, got {self.mode!r}")
        if self.lead_time_dist is not None:
            try:
                lead_time_pmf(self.lead_time_dist)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{where}: lead_time_dist: {exc}") from None
        set_(self, "attrs", dict(self.attrs))


# --------------------------------------------------------------------------------------------
# the network
# --------------------------------------------------------------------------------------------

class Network:
    """A supply network: stages joined by lanes, validated on construction.

    Parameters
    ----------
    stages : iterable of Stage
        In the order in which they should be listed (builders list downstream first).
    lanes : iterable of Lane
        Supplier -> customer.  The network must be acyclic and connected; every stage without a
        customer must face external demand.

    Raises
    ------
    ValueError
        Naming the stage or lane and the parameter: a duplicate id, a lane to an unknown stage,
        a cycle, a disconnected stage, a stage without customers or demand.
    """

    def __init__(self, stages: Iterable[Stage], lanes: Iterable[Lane] = ()):
        stages = list(stages)
        lanes = list(lanes)
        if not stages:
            raise ValueError("stages must hold at least one Stage, got none")
        self._stages: dict = {}
        for s in stages:
            if not isinstance(s, Stage):
                raise TypeError(f"stages must be Stage objects, got {s!r}")
            if s.id in self._stages:
                raise ValueError(f"stage {s.id!r}: id is used twice")
            self._stages[s.id] = s
        self._lanes: dict = {}
        for lane in lanes:
            if not isinstance(lane, Lane):
                raise TypeError(f"lanes must be Lane objects, got {lane!r}")
            for end in ("supplier", "customer"):
                if getattr(lane, end) not in self._stages:
                    raise ValueError(f"lane {lane.supplier!r}->{lane.customer!r}: {end} "
                                     f"{getattr(lane, end)!r} is not a stage")
            if lane.supplier == lane.customer:
                raise ValueError(f"lane {lane.supplier!r}->{lane.customer!r}: a stage cannot supply itself (cycle)")
            key = (lane.supplier, lane.customer)
            if key in self._lanes:
                raise ValueError(f"lane {lane.supplier!r}->{lane.customer!r}: given twice")
            self._lanes[key] = lane
        self._sup = {i: [] for i in self._stages}
        self._cus = {i: [] for i in self._stages}
        for (k, i) in self._lanes:
            self._sup[i].append(k)
            self._cus[k].append(i)
        self._topo = self._check_acyclic()
        self._check_connected()
        for i, s in self._stages.items():
            if not self._cus[i] and s.demand is None:
                raise ValueError(f"stage {i!r}: demand is missing; a stage with no customer stage "
                                 f"must face external demand")

    # ---- validation ------------------------------------------------------------------------
    def _check_acyclic(self) -> list:
        indeg = {i: len(self._sup[i]) for i in self._stages}
        ready = [i for i in self._stages if indeg[i] == 0]
        order = []
        while ready:
            k = ready.pop(0)
            order.append(k)
            for i in self._cus[k]:
                indeg[i] -= 1
                if indeg[i] == 0:
                    ready.append(i)
        if len(order) < len(self._stages):
            stuck = [i for i in self._stages if indeg[i] > 0]
            raise ValueError(f"stage {stuck[0]!r}: lanes form a cycle through stages {stuck}; "
                             f"a supply network must be acyclic")
        return order

    def _check_connected(self) -> None:
        ids = list(self._stages)
        seen = {ids[0]}
        todo = [ids[0]]
        while todo:
            k = todo.pop()
            for j in self._sup[k] + self._cus[k]:
                if j not in seen:
                    seen.add(j)
                    todo.append(j)
        missing = [i for i in ids if i not in seen]
        if missing:
            raise ValueError(f"stage {missing[0]!r}: not connected to stage {ids[0]!r} by any lane; "
                             f"a network must be connected")

    # ---- access ----------------------------------------------------------------------------
    @property
    def stages(self) -> tuple[Stage, ...]:
        return tuple(self._stages.values())

    @property
    def lanes(self) -> tuple[Lane, ...]:
        return tuple(self._lanes.values())

    @property
    def ids(self) -> list:
        """Stage ids in listing order."""
        return list(self._stages)

    def __len__(self) -> int:
        return len(self._stages)

    def __contains__(self, node) -> bool:
        return node in self._stages

    def __repr__(self) -> str:
        return f"Network({self.kind}, {len(self)} stages, {len(self._lanes)} lanes)"

    def stage(self, node) -> Stage:
        try:
            return self._stages[node]
        except KeyError:
            raise ValueError(f"node must be one of the stages {self.ids}, got {node!r}") from None

    def lane(self, supplier, customer) -> Lane:
        try:
            return self._lanes[(supplier, customer)]
        except KeyError:
            raise ValueError(f"there is no lane {supplier!r}->{customer!r}") from None

    def suppliers(self, node) -> list:
        """Upstream neighbours of ``node`` (its predecessors)."""
        self.stage(node)
        return list(self._sup[node])

    def customers(self, node) -> list:
        """Downstream neighbours of ``node`` (its successors)."""
        self.stage(node)
        return list(self._cus[node])

    @property
    def sources(self) -> list:
        """Stages supplied from outside the network."""
        return [i for i in self._stages if not self._sup[i]]

    @property
    def sinks(self) -> list:
        """Stages with no customer stage (all face external demand)."""
        return [i for i in self._stages if not self._cus[i]]

    @property
    def demand_stages(self) -> list:
        """Stages facing external demand."""
        return [i for i, s in self._stages.items() if s.demand is not None]

    def topological_order(self) -> list:
        """Upstream first: every supplier before its customers."""
        return list(self._topo)

    def downstream_first(self) -> list:
        """Every customer before its suppliers (the order of Clark–Scarf recursions)."""
        return list(reversed(self._topo))

    # ---- structure -------------------------------------------------------------------------
    @property
    def is_tree(self) -> bool:
        """The underlying undirected graph is a tree (a spanning tree: n - 1 lanes, connected)."""
        return len(self._lanes) == len(self._stages) - 1

    @property
    def is_serial(self) -> bool:
        return self.is_tree and all(len(self._sup[i]) <= 1 and len(self._cus[i]) <= 1 for i in self._stages)

    @property
    def is_distribution(self) -> bool:
        """Every stage has at most one supplier (an arborescence fanning out downstream)."""
        return self.is_tree and all(len(self._sup[i]) <= 1 for i in self._stages)

    @property
    def is_assembly(self) -> bool:
        """Every stage has at most one customer (components merging into one product)."""
        return self.is_tree and all(len(self._cus[i]) <= 1 for i in self._stages)

    @property
    def kind(self) -> str:
        """``"serial"``, ``"distribution"``, ``"assembly"``, ``"tree"`` or ``"general"``."""
        if self.is_serial:
            return "serial"
        if self.is_distribution:
            return "distribution"
        if self.is_assembly:
            return "assembly"
        return "tree" if self.is_tree else "general"

    def serial_order(self) -> list:
        """Stage ids of a serial network, downstream first (stage 1 = the customer-facing one)."""
        if not self.is_serial:
            raise ValueError(f"network must be serial for this method, got a {self.kind} network")
        return self.downstream_first()

    def replenishment_time(self, node) -> float:
        """Processing time plus the longest inbound lane lead time (periods)."""
        s = self.stage(node)
        inbound = [self._lanes[(k, node)].lead_time for k in self._sup[node]]
        return s.processing_time + (max(inbound) if inbound else 0.0)

    def tier(self, node) -> int:
        """Distance in lanes from the customer: 1 for a stage with no customer stage."""
        self.stage(node)
        depth = {}
        for i in self.downstream_first():
            depth[i] = 1 + max((depth[c] for c in self._cus[i]), default=0)
        return depth[node]

    # ---- demand seen at each stage ---------------------------------------------------------
    def demand_mean(self, node) -> float:
        """Mean demand per period that ``node`` serves: its external demand plus
        ``sum_c u_ic * mean_c`` over its customers."""
        return self._demand_moments()[node][0]

    def demand_sd(self, node) -> float:
        """Standard deviation of demand per period that ``node`` serves, external demands
        independent: ``sqrt(sd_i^2 + sum_c u_ic^2 sd_c^2)``."""
        return math.sqrt(self._demand_moments()[node][1])

    def _demand_moments(self) -> dict:
        out = {}
        for i in self.downstream_first():
            s = self._stages[i]
            m, v = s.demand_mean, s.demand_sd ** 2
            for c in self._cus[i]:
                u = self._lanes[(i, c)].units
                m += u * out[c][0]
                v += u * u * out[c][1]
            out[i] = (m, v)
        return out

    # ---- echelon <-> local -----------------------------------------------------------------
    def _as_dict(self, name, values) -> dict:
        if isinstance(values, Mapping):
            missing = [i for i in self._stages if i not in values]
            if missing:
                raise ValueError(f"{name} has no value for stage {missing[0]!r}")
            return {i: check_real(f"{name}[{i!r}]", values[i]) for i in self._stages}
        arr = np.asarray(values, dtype=float).ravel()
        if arr.size != len(self._stages):
            raise ValueError(f"{name} must have one value per stage ({len(self._stages)}, in the "
                             f"order {self.ids}), got {arr.size}")
        return {i: check_real(f"{name}[{n}]", arr[n]) for n, i in enumerate(self._stages)}

    @staticmethod
    def _like(values, result: dict):
        if isinstance(values, Mapping):
            return result
        return [round(v, 12) for v in result.values()]

    def to_echelon(self, local):
        """Echelon levels from local (installation) levels: ``E_i = x_i + sum_c u_ic E_c``.

        ``local`` is a dict by stage id or a sequence in :attr:`ids` order; the result has the
        same form.
        """
        x = self._as_dict("local", local)
        e = {}
        for i in self.downstream_first():
            e[i] = x[i] + sum(self._lanes[(i, c)].units * e[c] for c in self._cus[i])
        return self._like(local, {i: e[i] for i in self._stages})

    def to_local(self, echelon):
        """Local (installation) levels from echelon levels: ``x_i = E_i - sum_c u_ic E_c``.

        For a serial system this is S&S's S'_j = S_j - S_{j-1}.
        """
        e = self._as_dict("echelon", echelon)
        x = {i: e[i] - sum(self._lanes[(i, c)].units * e[c] for c in self._cus[i]) for i in self._stages}
        return self._like(echelon, x)

    def echelon_holding_cost(self, node=None):
        """h^e_i = h_i - sum_k u_ki h_k over suppliers k (the value stage i adds).

        With no ``node``, a dict for every stage.
        """
        h = {i: s.holding_cost for i, s in self._stages.items()}
        he = {i: h[i] - sum(self._lanes[(k, i)].units * h[k] for k in self._sup[i]) for i in self._stages}
        return he if node is None else he[self.stage(node).id]

    # ---- edits, tables, drawing ------------------------------------------------------------
    def with_stage(self, node, **changes) -> "Network":
        """A copy with some attributes of one stage changed (validated again)."""
        s = self.stage(node)
        stages = [replace(s, **changes) if st.id == node else st for st in self.stages]
        return Network(stages, self.lanes)

    def with_lane(self, supplier, customer, **changes) -> "Network":
        """A copy with some attributes of one lane changed (validated again)."""
        lane = self.lane(supplier, customer)
        lanes = [replace(lane, **changes) if ln is lane else ln for ln in self.lanes]
        return Network(self.stages, lanes)

    def to_frame(self):
        """One row per stage: the attributes the models read, and derived quantities."""
        import pandas as pd

        he = self.echelon_holding_cost()
        rows = []
        for i, s in self._stages.items():
            rows.append({
                "stage": i, "tier": self.tier(i), "suppliers": self._sup[i], "customers": self._cus[i],
                "holding_cost": s.holding_cost, "echelon_holding_cost": he[i],
                "processing_time": s.processing_time, "replenishment_time": self.replenishment_time(i),
                "external_demand": None if s.demand is None else _describe(s.demand),
                "demand_mean": self.demand_mean(i), "demand_sd": self.demand_sd(i),
                "stockout_cost": s.stockout_cost, "capacity": s.capacity,
            })
        return pd.DataFrame(rows).set_index("stage")

    def lanes_frame(self):
        """One row per lane."""
        import pandas as pd

        return pd.DataFrame([{"supplier": ln.supplier, "customer": ln.customer, "lead_time": ln.lead_time,
                              "units": ln.units, "distance_km": ln.distance_km, "mode": ln.mode}
                             for ln in self.lanes])

    def to_networkx(self):
        """A ``networkx.DiGraph`` with the stage and lane objects as attributes
        (``G.nodes[i]["stage"]``, ``G.edges[k, i]["lane"]``)."""
        import networkx as nx

        g = nx.DiGraph()
        for i, s in self._stages.items():
            g.add_node(i, stage=s, tier=self.tier(i))
        for (k, i), ln in self._lanes.items():
            g.add_edge(k, i, lane=ln)
        return g

    def draw(self, ax=None, *, values: Mapping | None = None, value_label: str = "",
             node_size: float = 1400, title: str | None = None):
        """Draw the network left (upstream) to right (customers), one column per tier.

        ``values`` (dict by stage id) is printed under each stage label, e.g. safety stock.
        Returns the matplotlib Axes.
        """
        import matplotlib.pyplot as plt
        import networkx as nx

        g = self.to_networkx()
        max_tier = max(self.tier(i) for i in self._stages)
        for i in g.nodes:
            g.nodes[i]["layer"] = max_tier - self.tier(i)
        pos = nx.multipartite_layout(g, subset_key="layer", align="vertical")
        if ax is None:
            _, ax = plt.subplots(figsize=(1.8 + 1.6 * max_tier, 1.2 + 0.9 * max(
                sum(1 for i in self._stages if self.tier(i) == t) for t in range(1, max_tier + 1))))
        colours = ["#dd8452" if self._stages[i].demand is not None else "#4c72b0" for i in g.nodes]
        nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colours, node_size=node_size, alpha=0.9)
        nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, arrowsize=14, node_size=node_size,
                               edge_color="#555")
        labels = {}
        for i in g.nodes:
            text = self._stages[i].label
            if values is not None and i in values:
                text += f"\n{value_label}{values[i]:.3g}"
            labels[i] = text
        nx.draw_networkx_labels(g, pos, labels=labels, ax=ax, font_size=8, font_color="white")
        lane_labels = {(k, i): _lane_text(ln) for (k, i), ln in self._lanes.items() if _lane_text(ln)}
        if lane_labels:
            nx.draw_networkx_edge_labels(g, pos, edge_labels=lane_labels, ax=ax, font_size=7)
        ax.set_title(title if title is not None else f"{self.kind} network: upstream left, customers right",
                     fontsize=9)
        ax.axis("off")
        ax.margins(0.15)
        return ax


def _lane_text(ln: Lane) -> str:
    parts = []
    if ln.lead_time:
        parts.append(f"L={ln.lead_time:g}")
    if ln.units != 1:
        parts.append(f"\u00d7{ln.units:g}")
    return " ".join(parts)


def _describe(dist) -> str:
    name = getattr(getattr(dist, "dist", None), "name", type(dist).__name__)
    m, s = demand_moments(dist)
    return f"{name}(mean {m:g}, sd {s:.3g})"


# --------------------------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------------------------

def _per_stage(name, value, n, *, allow_none=False) -> list:
    if value is None and allow_none:
        return [None] * n
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ValueError(f"{name} must have {n} values (one per stage), got {len(value)}")
    return value


def serial(echelon_holding_cost: Sequence[float], lead_time: Sequence[float], stockout_cost: float,
           demand, *, capacity=None, labels: Sequence[str] | None = None) -> Network:
    """An N-stage serial system (Snyder & Shen section 6.2), stages numbered 1..N downstream first.

    Stage 1 meets external demand ``demand`` (per period) and pays ``stockout_cost`` p per unit
    backordered per period; stage N orders from an outside supplier with unlimited stock.

    Parameters
    ----------
    echelon_holding_cost : sequence of float
        h_1..h_N >= 0, echelon holding costs per unit per period, downstream first.  The local
        holding cost of stage j is h'_j = h_j + h_{j+1} + ... + h_N, which must be > 0.
    lead_time : sequence of float
        L_1..L_N >= 0 periods: the time from stage j placing an order until it arrives (from
        stage j + 1, or from the outside supplier for j = N).  Stored as ``processing_time``.
    stockout_cost : float
        p > 0 per unit backordered per period at stage 1.
    demand : scipy.stats frozen distribution
        Demand per period at stage 1, e.g. ``norm(5, 1)`` or ``poisson(5)``.
    capacity : float or sequence, optional
        Units per period each stage can process (simulation only).
    """
    h = list(np.atleast_1d(np.asarray(echelon_holding_cost, dtype=object)))
    n = len(h)
    if n < 1:
        raise ValueError("echelon_holding_cost must have at least one stage")
    he = [check_nonnegative(f"echelon_holding_cost[{j}] (stage {j + 1})", v) for j, v in enumerate(h)]
    L = _per_stage("lead_time", lead_time, n)
    L = [check_nonnegative(f"lead_time[{j}] (stage {j + 1})", v) for j, v in enumerate(L)]
    p = check_positive("stockout_cost", stockout_cost)
    caps = _per_stage("capacity", capacity, n, allow_none=True)
    labels = _per_stage("labels", labels, n, allow_none=True)
    local = np.cumsum(he[::-1])[::-1]
    stages = []
    for j in range(n):
        if local[j] <= 0:
            raise ValueError(f"echelon_holding_cost: stage {j + 1}'s local holding cost "
                             f"h_{j + 1} + ... + h_{n} must be > 0, got {local[j]}")
        stages.append(Stage(j + 1, holding_cost=float(local[j]), processing_time=L[j],
                            demand=demand if j == 0 else None, stockout_cost=p if j == 0 else None,
                            capacity=caps[j], label=labels[j] or f"{j + 1}"))
    lanes = [Lane(j + 2, j + 1) for j in range(n - 1)]
    return Network(stages, lanes)


def distribution(warehouse_holding_cost: float, retailer_holding_cost, warehouse_lead_time: float,
                 retailer_lead_time, demand, stockout_cost, *, n_retailers: int | None = None,
                 lane_lead_time=0.0, capacity=None) -> Network:
    """One warehouse (stage 0) supplying n retailers (stages 1..n) that face external demand.

    Scalars are repeated over retailers; lists give one value per retailer.  Holding costs are
    local (per unit per period at that stage); lead times in periods (the warehouse's is its
    outside supplier's; a retailer's ``retailer_lead_time`` is its own processing time and
    ``lane_lead_time`` the transit from the warehouse).

    >>> from scipy.stats import norm
    >>> net = distribution(1, 2, 2, 1, norm(10, 3), 20, n_retailers=4)
    >>> net.kind, net.demand_mean(0), net.demand_sd(0)
    ('distribution', 40.0, 6.0)
    """
    lists = [v for v in (retailer_holding_cost, retailer_lead_time, demand, stockout_cost, lane_lead_time)
             if isinstance(v, (list, tuple, np.ndarray))]
    n = n_retailers if n_retailers is not None else (len(lists[0]) if lists else None)
    if n is None:
        raise ValueError("n_retailers is needed when every retailer parameter is a scalar")
    from casekit.validate import check_int

    n = check_int("n_retailers", n, minimum=1)
    hr = _per_stage("retailer_holding_cost", retailer_holding_cost, n)
    Lr = _per_stage("retailer_lead_time", retailer_lead_time, n)
    dm = _per_stage("demand", demand, n)
    pr = _per_stage("stockout_cost", stockout_cost, n)
    ll = _per_stage("lane_lead_time", lane_lead_time, n)
    stages = [Stage(0, holding_cost=warehouse_holding_cost, processing_time=warehouse_lead_time,
                    capacity=capacity, label="W")]
    for r in range(n):
        stages.append(Stage(r + 1, holding_cost=hr[r], processing_time=Lr[r], demand=dm[r],
                            stockout_cost=pr[r], label=f"R{r + 1}"))
    lanes = [Lane(0, r + 1, lead_time=ll[r]) for r in range(n)]
    return Network(stages, lanes)


def assembly(final_holding_cost: float, final_processing_time: float, component_holding_cost,
             component_lead_time, demand, stockout_cost: float, *, units_per_parent=1.0,
             lane_lead_time=0.0) -> Network:
    """Components 2..m+1 feeding one final assembly stage 1 that faces external demand.

    ``units_per_parent[k]`` units of component k go into one finished unit.  Holding costs are
    local; the final stage's must exceed the value of its components (echelon cost >= 0 is not
    required, but is usual).

    >>> from scipy.stats import norm
    >>> net = assembly(10, 1, [2, 3], [4, 2], norm(20, 5), 50, units_per_parent=[2, 1])
    >>> net.kind, net.demand_mean(2), net.echelon_holding_cost(1)
    ('assembly', 40.0, 3.0)
    """
    hc = list(np.atleast_1d(np.asarray(component_holding_cost, dtype=object)))
    m = len(hc)
    if m < 1:
        raise ValueError("component_holding_cost must list at least one component")
    Lc = _per_stage("component_lead_time", component_lead_time, m)
    up = _per_stage("units_per_parent", units_per_parent, m)
    ll = _per_stage("lane_lead_time", lane_lead_time, m)
    stages = [Stage(1, holding_cost=final_holding_cost, processing_time=final_processing_time,
                    demand=demand, stockout_cost=stockout_cost, label="A")]
    for k in range(m):
        stages.append(Stage(k + 2, holding_cost=hc[k], processing_time=Lc[k], label=f"C{k + 1}"))
    lanes = [Lane(k + 2, 1, lead_time=ll[k], units=up[k]) for k in range(m)]
    return Network(stages, lanes)


_NODE_KEYS = {"holding_cost", "processing_time", "demand", "demand_mean", "demand_sd", "stockout_cost",
              "capacity", "processing_time_dist", "external_inbound_cst", "external_outbound_cst",
              "label", "attrs"}
_LANE_KEYS = {"lead_time", "units", "lead_time_dist", "distance_km", "mode", "attrs"}


def from_edges(edges: Iterable, nodes: Mapping) -> Network:
    """A network from plain data (any acyclic connected structure; trees for the GSM).

    Parameters
    ----------
    edges : iterable
        ``(supplier, customer)`` pairs, or ``(supplier, customer, {lane attributes})``.
    nodes : dict
        ``{id: {attribute: value}}`` with the :class:`Stage` attributes.  Instead of ``demand``,
        a customer-facing node may give ``demand_mean`` and ``demand_sd`` (normal demand;
        ``demand_sd`` 0 means deterministic demand).

    Examples
    --------
    Snyder & Shen's Example 6.5 (the GSM tree):

    >>> net = from_edges([(1, 3), (3, 2), (3, 4)], {
    ...     1: dict(holding_cost=1, processing_time=2, external_inbound_cst=1),
    ...     2: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=0),
    ...     3: dict(holding_cost=2, processing_time=1),
    ...     4: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=1)})
    >>> net.kind, round(net.demand_sd(1), 6)
    ('distribution', 1.414214)
    """
    if not isinstance(nodes, Mapping):
        raise TypeError(f"nodes must be a dict {{id: {{attribute: value}}}}, got {type(nodes).__name__}")
    stages = []
    for i, attrs in nodes.items():
        if not isinstance(attrs, Mapping):
            raise TypeError(f"node {i!r}: attributes must be a dict, got {attrs!r}")
        unknown = set(attrs) - _NODE_KEYS
        if unknown:
            raise ValueError(f"node {i!r}: unknown attribute(s) {sorted(unknown)}; allowed: {sorted(_NODE_KEYS)}")
        a = dict(attrs)
        if "holding_cost" not in a:
            raise ValueError(f"node {i!r}: holding_cost is missing")
        mean, sd = a.pop("demand_mean", None), a.pop("demand_sd", None)
        if (mean is not None or sd is not None) and a.get("demand") is not None:
            raise ValueError(f"node {i!r}: give demand or demand_mean/demand_sd, not both")
        if mean is not None or sd is not None:
            from scipy import stats

            mean = check_real(f"node {i!r}: demand_mean", 0.0 if mean is None else mean)
            sd = check_nonnegative(f"node {i!r}: demand_sd", 0.0 if sd is None else sd)
            a["demand"] = stats.norm(mean, sd) if sd > 0 else _Deterministic(mean)
        stages.append(Stage(i, **a))
    lanes = []
    for e in edges:
        e = tuple(e)
        if len(e) not in (2, 3):
            raise ValueError(f"edges must be (supplier, customer) or (supplier, customer, attrs), got {e!r}")
        extra = dict(e[2]) if len(e) == 3 else {}
        unknown = set(extra) - _LANE_KEYS
        if unknown:
            raise ValueError(f"edge {e[0]!r}->{e[1]!r}: unknown attribute(s) {sorted(unknown)}; "
                             f"allowed: {sorted(_LANE_KEYS)}")
        lanes.append(Lane(e[0], e[1], **extra))
    return Network(stages, lanes)


@dataclass(frozen=True)
class _Deterministic:
    """Demand that is always ``value`` (sd 0); has the mean()/std() of a distribution."""

    value: float

    def mean(self) -> float:
        return self.value

    def std(self) -> float:
        return 0.0

    def var(self) -> float:
        return 0.0
