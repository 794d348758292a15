"""Strategic safety-stock placement: the guaranteed-service model (GSM) on trees.

The model (Graves & Willems 2000; Snyder & Shen, section 6.3)
-------------------------------------------------------------
Every stage i quotes its customers an outbound **committed service time** (CST) S_i: an order
placed now is filled S_i periods later, always (demand beyond the bound is handled outside the
model, by expediting or overtime).  Stage i can start work once all its inputs are in, after its
inbound service time SI_i = max over suppliers k of (S_k + lane lead time l_ki); a source stage
gets SI_i >= its external inbound CST.  It then takes T_i periods (its processing time).  Its
**net lead time** NLT_i = SI_i + T_i - S_i is the time its own stock must cover, so with demand
bound z (one for all stages, or z_i per stage) it holds safety stock z σ_i √NLT_i, where σ_i is
the standard deviation of the demand it serves per period (independent external demands, summed
over its customers). The optimiser chooses CSTs to minimise total safety-stock holding cost

    Σ_i h_i z σ_i √(SI_i + T_i - S_i)

subject to NLT_i >= 0, S_i <= the maximum CST promised to external customers at customer-facing
stages, and SI_i >= S_k + l_ki for every supplier k.

Algorithm: Graves & Willems' dynamic programme over the tree.  Stages are labelled by peeling
leaves; each stage k, given its already-solved neighbours with smaller labels, tabulates
f_k(S) (min cost of its side of the tree given its outbound CST S, when its remaining neighbour
is downstream) or g_k(SI) (given its inbound CST, when that neighbour is upstream).  Times are
put on a common grid (integers, or 1/k periods for fractional data), where the optimum lies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

import numpy as np

from casekit.network import Network, from_edges
from casekit.validate import check_nonnegative

__all__ = ["GSMResult", "optimize_gsm", "evaluate_gsm", "gsm_inputs", "PlacementComparison",
           "compare_placement", "by_tier"]


@dataclass(frozen=True)
class GSMResult:
    """CSTs and safety stock by stage (dicts keyed by stage id).

    Attributes
    ----------
    cst : dict
        Outbound committed service time S_i (periods).
    inbound_cst : dict
        SI_i (periods).
    net_lead_time : dict
        NLT_i = SI_i + T_i - S_i (periods).
    safety_stock : dict
        z σ_i √NLT_i (units).
    holding_cost : dict
        h_i × safety stock (per period).
    cost : float
        Total safety-stock holding cost per period.
    base_stock : dict
        μ_i NLT_i + safety stock: the base-stock level that covers the net lead time.
    demand_bound : float or dict
        z (one for all stages), or z_i by stage when given per stage.
    """

    cst: dict
    inbound_cst: dict
    net_lead_time: dict
    safety_stock: dict
    holding_cost: dict
    cost: float
    base_stock: dict
    demand_bound: object

    @property
    def total_safety_stock(self) -> float:
        """Units of safety stock summed over stages."""
        return float(sum(self.safety_stock.values()))

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"inbound_cst": self.inbound_cst, "cst": self.cst,
                             "net_lead_time": self.net_lead_time, "safety_stock": self.safety_stock,
                             "base_stock": self.base_stock, "holding_cost": self.holding_cost}).rename_axis("stage")


@dataclass(frozen=True)
class _Inputs:
    ids: list
    h: dict
    T: dict
    sigma: dict
    mu: dict
    s_in: dict
    s_out: dict
    lane: dict      # (k, i) -> lead time
    sup: dict
    cus: dict


def gsm_inputs(network: Network | None = None, *, nodes: Mapping | None = None, edges=None) -> Network:
    """The Network the GSM reads: ``network`` itself, or one built from plain data by
    :func:`casekit.network.from_edges`.  Raises ``ValueError`` if it is not a tree."""
    if network is None:
        if nodes is None:
            raise ValueError("give a network, or nodes= (and edges=) as plain data")
        network = from_edges(edges or [], nodes)
    elif nodes is not None or edges is not None:
        raise ValueError("give either network or nodes/edges, not both")
    if not isinstance(network, Network):
        raise TypeError(f"network must be a casekit.network.Network, got {type(network).__name__}")
    if not network.is_tree:
        import networkx as nx

        cycle = nx.cycle_basis(network.to_networkx().to_undirected())[0]
        raise ValueError(f"stage {cycle[0]!r}: network must be a tree for the GSM dynamic programme, but "
                         f"the lanes between stages {sorted(cycle, key=str)} close a loop "
                         f"({len(network.lanes)} lanes for {len(network)} stages; a tree has {len(network) - 1})")
    return network


def _faces_customers(network: Network, i) -> bool:
    """True if stage i serves external customers.  A stage with customers downstream whose
    external demand is identically zero (mean 0 and sd 0, as exports write internal stages) does
    not: its CST is not bounded by an external promise."""
    st = network.stage(i)
    if st.demand is None:
        return False
    if network.customers(i) and network.stage(i).demand_mean == 0 and network.stage(i).demand_sd == 0:
        return False
    return True


def _read(network: Network) -> _Inputs:
    ids = network.ids
    return _Inputs(
        ids=ids,
        h={i: network.stage(i).holding_cost for i in ids},
        T={i: network.stage(i).processing_time for i in ids},
        sigma={i: network.demand_sd(i) for i in ids},
        mu={i: network.demand_mean(i) for i in ids},
        s_in={i: network.stage(i).external_inbound_cst for i in ids},
        s_out={i: (network.stage(i).external_outbound_cst or 0.0) if _faces_customers(network, i)
               else math.inf for i in ids},
        lane={(ln.supplier, ln.customer): ln.lead_time for ln in network.lanes},
        sup={i: network.suppliers(i) for i in ids},
        cus={i: network.customers(i) for i in ids},
    )


def _grid_unit(values) -> int:
    k = 1
    for v in values:
        if math.isinf(v):
            continue
        frac = Fraction(v).limit_denominator(100)
        if abs(float(frac) - v) > 1e-9:
            raise ValueError(f"times must be multiples of 1/100 period for the GSM, got {v}")
        k = k * frac.denominator // math.gcd(k, frac.denominator)
    return k


def _demand_bounds(network: Network, demand_bound) -> dict:
    """z_i for every stage: one number for all, or a dict {stage: z} covering every stage."""
    if isinstance(demand_bound, Mapping):
        unknown = [i for i in demand_bound if i not in network]
        if unknown:
            raise ValueError(f"demand_bound names unknown stage(s) {unknown}; stages are {network.ids}")
        missing = [i for i in network.ids if i not in demand_bound]
        if missing:
            raise ValueError(f"demand_bound must give z for every stage, missing {missing}")
        return {i: check_nonnegative(f"demand_bound[{i!r}]", demand_bound[i]) for i in network.ids}
    z = check_nonnegative("demand_bound", demand_bound)
    return {i: z for i in network.ids}


def _longest_inbound(inp: _Inputs, network: Network) -> dict:
    """Latest possible inbound service time of each stage (every upstream stage quoting its max)."""
    out = {}
    for i in network.topological_order():
        out[i] = max([inp.s_in[i]] + [out[k] + inp.T[k] + inp.lane[(k, i)] for k in inp.sup[i]])
    return out


def optimize_gsm(network: Network | None = None, *, nodes: Mapping | None = None, edges=None,
                 demand_bound: float = 1.645) -> GSMResult:
    """Optimal committed service times and safety stock of a tree network (guaranteed service).

    Parameters
    ----------
    network : Network, optional
        A tree: :func:`casekit.network.from_edges`, ``serial``, ``distribution`` or ``assembly``.
        Reads ``holding_cost`` h_i, ``processing_time`` T_i, lane ``lead_time``, demand at
        customer-facing stages, ``external_inbound_cst`` (sources) and ``external_outbound_cst``
        (customer-facing stages; 0 if not given).
    nodes, edges : plain data, instead of ``network``
        ``nodes={id: dict(holding_cost, processing_time, demand_mean, demand_sd,
        external_inbound_cst, external_outbound_cst)}``, ``edges=[(supplier, customer), ...]``.
    demand_bound : float or dict
        z >= 0: each stage covers demand up to μ·NLT + z σ √NLT (z = 1.645 ~ 95% service); or a
        dict ``{stage: z_i}`` giving every stage its own bound.

    Notes
    -----
    A stage with zero holding cost is allowed (its stock costs nothing, so the optimiser is free
    to buffer there).  A stage that has customers downstream and external demand with mean 0 and
    sd 0 (how many exports write internal stages) is treated as internal: no external promise
    bounds its CST.

    Examples
    --------
    Snyder & Shen, Example 6.5: optimal CSTs {1: 0, 2: 0, 3: 0, 4: 1}, cost 2√2 + √6 + 3:

    >>> r = optimize_gsm(nodes={
    ...     1: dict(holding_cost=1, processing_time=2, external_inbound_cst=1),
    ...     2: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=0),
    ...     3: dict(holding_cost=2, processing_time=1),
    ...     4: dict(holding_cost=3, processing_time=1, demand_mean=0, demand_sd=1, external_outbound_cst=1)},
    ...     edges=[(1, 3), (3, 2), (3, 4)], demand_bound=1)
    >>> r.cst, round(r.cost, 6)
    ({1: 0, 2: 0, 3: 0, 4: 1}, 8.277917)
    """
    network = gsm_inputs(network, nodes=nodes, edges=edges)
    z = _demand_bounds(network, demand_bound)
    inp = _read(network)
    k = _grid_unit(list(inp.T.values()) + list(inp.s_in.values()) + list(inp.s_out.values())
                   + list(inp.lane.values()))
    # integer grid in units of 1/k period
    T = {i: int(round(inp.T[i] * k)) for i in inp.ids}
    s_in = {i: int(round(inp.s_in[i] * k)) for i in inp.ids}
    s_out = {i: (int(round(inp.s_out[i] * k)) if math.isfinite(inp.s_out[i]) else None) for i in inp.ids}
    lane = {e: int(round(v * k)) for e, v in inp.lane.items()}
    latest = _longest_inbound(_Inputs(inp.ids, inp.h, T, inp.sigma, inp.mu, s_in, s_out, lane, inp.sup, inp.cus),
                              network)
    M = int(max(latest[i] + T[i] for i in inp.ids)) + 1
    grid = np.arange(M + 1)
    INF = math.inf

    # label stages by peeling leaves of the undirected tree
    nbrs = {i: set(inp.sup[i]) | set(inp.cus[i]) for i in inp.ids}
    remaining = {i: set(v) for i, v in nbrs.items()}
    order, done = [], set()
    while len(order) < len(inp.ids):
        leaf = next(i for i in inp.ids if i not in done and len(remaining[i]) <= 1)
        order.append(leaf)
        done.add(leaf)
        for j in remaining[leaf]:
            remaining[j].discard(leaf)
    label = {i: n for n, i in enumerate(order)}

    tables = {}   # k -> ("f" or "g" or "root", value array or matrix, argmin array)
    for node in order:
        children = [j for j in nbrs[node] if label[j] < label[node]]
        parent = [j for j in nbrs[node] if label[j] > label[node]]
        S = grid[:, None].astype(float)
        SI = grid[None, :].astype(float)
        nlt = SI + T[node] / 1.0 - S
        cost = np.where(nlt >= 0, inp.h[node] * z[node] * inp.sigma[node] * np.sqrt(np.maximum(nlt, 0) / k), INF)
        if not inp.sup[node]:
            cost = np.where(SI >= s_in[node], cost, INF)
        if s_out[node] is not None:
            cost = np.where(S <= s_out[node], cost, INF)
        for c in children:
            kind, val, _ = tables[c]
            if c in inp.sup[node]:            # an upstream child: S_c <= SI - l
                F = np.minimum.accumulate(val)
                idx = grid - lane[(c, node)]
                add = np.where(idx >= 0, F[np.clip(idx, 0, M)], INF)
                cost = cost + add[None, :]
            else:                             # a downstream child: SI_c >= S + l
                G = np.minimum.accumulate(val[::-1])[::-1]
                idx = grid + lane[(node, c)]
                add = np.where(idx <= M, G[np.clip(idx, 0, M)], INF)
                cost = cost + add[:, None]
        if not parent:
            tables[node] = ("root", cost, None)
        elif parent[0] in inp.cus[node]:      # parent downstream: f(S) = min over SI
            arg = np.argmin(cost, axis=1)
            tables[node] = ("f", cost[grid, arg], arg)
        else:                                 # parent upstream: g(SI) = min over S
            arg = np.argmin(cost, axis=0)
            tables[node] = ("g", cost[arg, grid], arg)

    root = order[-1]
    _, mat, _ = tables[root]
    flat = int(np.argmin(mat))
    best = float(mat.flat[flat])
    if not math.isfinite(best):
        raise ValueError("no feasible committed service times: a customer-facing stage's "
                         "external_outbound_cst is below what the stock-less upstream chain allows?")
    s_root, si_root = divmod(flat, M + 1)
    S_opt, SI_opt = {root: s_root}, {root: si_root}

    def descend(node):
        for c in nbrs[node]:
            if label[c] > label[node] or c in S_opt:
                continue
            kind, val, arg = tables[c]
            if c in inp.sup[node]:
                limit = SI_opt[node] - lane[(c, node)]
                s_c = int(np.argmin(val[:limit + 1]))
                S_opt[c], SI_opt[c] = s_c, int(arg[s_c])
            else:
                start = S_opt[node] + lane[(node, c)]
                si_c = start + int(np.argmin(val[start:]))
                SI_opt[c], S_opt[c] = si_c, int(arg[si_c])
            descend(c)

    descend(root)
    cst = {i: _tidy(S_opt[i] / k) for i in inp.ids}
    return evaluate_gsm(network, cst, demand_bound=demand_bound)


def _tidy(v: float):
    return int(v) if float(v).is_integer() else float(v)


def evaluate_gsm(network: Network | None = None, cst: Mapping | None = None, *, nodes=None, edges=None,
                 demand_bound: float = 1.645) -> GSMResult:
    """Safety stock and cost of given outbound CSTs ``cst`` (dict by stage id).

    Each stage's inbound CST is the latest of its suppliers' CSTs plus lane lead times (its
    external inbound CST at a source).  Raises ``ValueError`` naming the stage if a net lead time
    is negative or a CST exceeds the maximum promised to external customers.

    >>> from casekit.network import serial
    >>> from scipy.stats import norm
    >>> net = serial([1, 1, 1], [1, 1, 1], 10, norm(0, 1))
    >>> round(evaluate_gsm(net, {1: 0, 2: 0, 3: 0}, demand_bound=1).cost, 6)   # 3·1 + 2·1 + 1·1
    6.0
    """
    network = gsm_inputs(network, nodes=nodes, edges=edges)
    z = _demand_bounds(network, demand_bound)
    if not isinstance(cst, Mapping):
        raise TypeError(f"cst must be a dict {{stage: committed service time}}, got {type(cst).__name__}")
    inp = _read(network)
    S, SI, nlt, ss, hc, bs = {}, {}, {}, {}, {}, {}
    for i in network.topological_order():
        if i not in cst:
            raise ValueError(f"cst has no committed service time for stage {i!r}")
        S[i] = check_nonnegative(f"cst[{i!r}]", cst[i])
        if S[i] > inp.s_out[i] + 1e-9:
            raise ValueError(f"stage {i!r}: cst {S[i]:g} exceeds its external_outbound_cst {inp.s_out[i]:g}")
        SI[i] = max([inp.s_in[i]] if not inp.sup[i] else [S[k] + inp.lane[(k, i)] for k in inp.sup[i]])
        nlt[i] = SI[i] + inp.T[i] - S[i]
        if nlt[i] < -1e-9:
            raise ValueError(f"stage {i!r}: cst {S[i]:g} exceeds inbound CST + processing time "
                             f"({SI[i]:g} + {inp.T[i]:g}): the net lead time would be negative")
        nlt[i] = max(nlt[i], 0.0)
        ss[i] = z[i] * inp.sigma[i] * math.sqrt(nlt[i])
        hc[i] = inp.h[i] * ss[i]
        bs[i] = inp.mu[i] * nlt[i] + ss[i]
    order = network.ids
    pick = lambda d: {i: _tidy(d[i]) if isinstance(d[i], float) and float(d[i]).is_integer() else d[i]
                      for i in order}
    return GSMResult(cst={i: _tidy(S[i]) for i in order}, inbound_cst=pick(SI), net_lead_time=pick(nlt),
                     safety_stock={i: ss[i] for i in order}, holding_cost={i: hc[i] for i in order},
                     cost=float(sum(hc.values())), base_stock={i: bs[i] for i in order},
                     demand_bound=dict(z) if isinstance(demand_bound, Mapping) else z[order[0]])


@dataclass(frozen=True)
class PlacementComparison:
    """Optimal (echelon-aware) placement against uniform per-stage safety stock.

    ``uniform``: every internal stage quotes CST 0 and so buffers its own full replenishment time,
    the placement a stage-by-stage planner produces; a customer-facing stage quotes what its
    customers accept (capped by its own inbound + processing time).  Savings are fractions of the
    uniform figures.
    """

    optimal: GSMResult
    uniform: GSMResult

    @property
    def cost_saving(self) -> float:
        return 1.0 - self.optimal.cost / self.uniform.cost if self.uniform.cost > 0 else 0.0

    @property
    def unit_saving(self) -> float:
        u = self.uniform.total_safety_stock
        return 1.0 - self.optimal.total_safety_stock / u if u > 0 else 0.0

    def to_frame(self):
        import pandas as pd

        o, u = self.optimal, self.uniform
        return pd.DataFrame({"uniform_cst": u.cst, "uniform_safety_stock": u.safety_stock,
                             "optimal_cst": o.cst, "optimal_safety_stock": o.safety_stock}).rename_axis("stage")


def compare_placement(network: Network, *, demand_bound: float = 1.645,
                      customer_cst: float | None = None) -> PlacementComparison:
    """Optimal GSM placement vs every stage holding stock for its own lead time (internal CSTs 0).

    ``customer_cst``, if given, replaces the maximum CST promised to external customers at every
    customer-facing stage (the service commitment).
    """
    network = gsm_inputs(network)
    if customer_cst is not None:
        customer_cst = check_nonnegative("customer_cst", customer_cst)
        for i in network.demand_stages:
            network = network.with_stage(i, external_outbound_cst=customer_cst)
    opt = optimize_gsm(network, demand_bound=demand_bound)
    inp = _read(network)
    uniform = {}
    for i in network.topological_order():
        si = max([inp.s_in[i]] if not inp.sup[i] else [uniform[k] + inp.lane[(k, i)] for k in inp.sup[i]])
        uniform[i] = 0.0 if math.isinf(inp.s_out[i]) else min(inp.s_out[i], si + inp.T[i])
    uni = evaluate_gsm(network, {i: _tidy(uniform[i]) for i in network.ids}, demand_bound=demand_bound)
    return PlacementComparison(optimal=opt, uniform=uni)


def by_tier(network: Network, values: Mapping) -> dict:
    """Sum ``values`` (a dict by stage id) over tiers: {1: customer-facing tier, 2: next, ...}."""
    out: dict = {}
    for i, v in values.items():
        t = network.tier(i)
        out[t] = out.get(t, 0.0) + float(v)
    return dict(sorted(out.items()))
