"""Inventory policies as small frozen objects the simulators accept.

A policy says, at each periodic review, how much a stage orders from its supplier(s) given its
**inventory position** (on hand + on order - backorders - units owed to its customers).  The
simulators in :mod:`casekit.simulation` apply it to every stage of a
:class:`casekit.network.Network`; :meth:`Policy.validate` checks that it fits the network.

=============================  ==============================================================
``BaseStock(levels)``          installation base stock: order up to S_i on the stage's own
                               (local) inventory position
``EchelonBaseStock(levels)``   echelon base stock (Clark–Scarf): order up to S_i on the
                               *echelon* position (stage i and everything downstream of it)
``SS(s, S)``                   (s, S): when the position is <= s, order up to S
``RQ(r, Q)``                   (r, Q): when the position is <= r, order the smallest multiple
                               of Q that lifts it above r
``ForecastOrderUpTo(...)``     order up to (lead time + 1) periods of a smoothed forecast of
                               the demand the stage sees, plus z standard deviations: the
                               policy behind the bullwhip effect (Chen et al. 2000)
=============================  ==============================================================

Levels are given **downstream first** (stage 1 = the stage that meets customer demand) as a
list in :meth:`Network.downstream_first` order, or as a dict ``{stage id: value}``; a single
number is used for every stage (``SS``, ``RQ``, ``ForecastOrderUpTo`` only).

>>> from scipy.stats import poisson
>>> from casekit.network import serial
>>> net = serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5))
>>> EchelonBaseStock([9, 15, 26]).levels_for(net)        # by stage id
{1: 9.0, 2: 15.0, 3: 26.0}
>>> EchelonBaseStock([9, 15, 26]).local_levels(net)      # S'_j = S_j - S_{j-1}
{1: 9.0, 2: 6.0, 3: 11.0}
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from casekit.validate import check_positive, check_real

__all__ = ["Policy", "BaseStock", "EchelonBaseStock", "SS", "RQ", "ForecastOrderUpTo"]


def _freeze(name, values):
    """Store levels as a tuple (sequence, downstream first), a tuple of pairs (dict) or a float."""
    if isinstance(values, Mapping):
        return tuple((k, check_real(f"{name}[{k!r}]", v)) for k, v in values.items())
    if isinstance(values, (numbers.Real, np.integer, np.floating)) and not isinstance(values, bool):
        return check_real(name, values)
    try:
        arr = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a list (downstream first), a dict {{stage: value}} or a "
                        f"number, got {values!r}") from None
    if not arr:
        raise ValueError(f"{name} must hold at least one value, got an empty list")
    return tuple(check_real(f"{name}[{j}]", v) for j, v in enumerate(arr))


def _per_stage(name, stored, network, *, scalar_ok) -> dict:
    ids = network.downstream_first()
    if isinstance(stored, float):
        if not scalar_ok:
            raise ValueError(f"{name} must give one value per stage ({len(ids)}), got a single number")
        return {i: stored for i in ids}
    if stored and isinstance(stored[0], tuple):
        d = dict(stored)
        unknown = [k for k in d if k not in network]
        if unknown:
            raise ValueError(f"{name} names stage {unknown[0]!r}, which is not in the network "
                             f"(stages {network.ids})")
        missing = [i for i in ids if i not in d]
        if missing:
            raise ValueError(f"{name} has no value for stage {missing[0]!r}")
        return {i: d[i] for i in ids}
    if len(stored) != len(ids):
        raise ValueError(f"{name} must have one value per stage, downstream first ({len(ids)} for "
                         f"stages {ids}), got {len(stored)}")
    return dict(zip(ids, stored))


class Policy:
    """Base class: a rule turning inventory positions into orders.  Subclasses are frozen
    dataclasses; :meth:`params` gives the numbers per stage the simulators read."""

    kind = "policy"
    echelon = False          # True when the rule reads the echelon inventory position

    def params(self, network) -> dict:        # pragma: no cover - abstract
        raise NotImplementedError

    def validate(self, network) -> "Policy":
        """Raise ``ValueError`` if the policy does not fit ``network``; return self."""
        self.params(network)
        return self

    def initial_stock(self, network) -> dict:
        """Units on hand at each stage at time 0 (pipelines start empty)."""
        raise NotImplementedError

    def describe(self, network) -> str:
        par = self.params(network)
        parts = [f"{k}={v}" for k, v in par.items() if k != "stages"]
        return f"{type(self).__name__}({', '.join(parts)})"


@dataclass(frozen=True)
class BaseStock(Policy):
    """Installation base stock: each stage orders up to S_i on its local inventory position.

    In a serial system, local levels S'_j equal to the differences of echelon levels
    (S'_1 = S_1, S'_j = S_j - S_{j-1}) give the same orders as :class:`EchelonBaseStock` as long
    as every S'_j >= 0 (Axsäter, *Inventory Control*, section 8.2).
    """

    levels: object
    kind = "base-stock"

    def __post_init__(self):
        object.__setattr__(self, "levels", _freeze("levels", self.levels))

    def levels_for(self, network) -> dict:
        lv = _per_stage("levels", self.levels, network, scalar_ok=False)
        for i, v in lv.items():
            if v < 0:
                raise ValueError(f"levels: the base-stock level of stage {i!r} must be >= 0, got {v}")
        return lv

    def params(self, network) -> dict:
        return {"S": self.levels_for(network)}

    def initial_stock(self, network) -> dict:
        return self.levels_for(network)


@dataclass(frozen=True)
class EchelonBaseStock(Policy):
    """Echelon base stock (Clark–Scarf): stage i orders up to S_i on its **echelon** inventory
    position, the stock at i and everywhere downstream of it (in i's units) plus what i has on
    order, minus external backorders.  Optimal for serial systems (Clark & Scarf 1960);
    :func:`casekit.multiechelon.optimize_serial` gives the optimal S.
    """

    levels: object
    kind = "echelon-base-stock"
    echelon = True

    def __post_init__(self):
        object.__setattr__(self, "levels", _freeze("levels", self.levels))

    def levels_for(self, network) -> dict:
        return _per_stage("levels", self.levels, network, scalar_ok=False)

    def local_levels(self, network) -> dict:
        """Installation levels x_i = S_i - sum_c u_ic S_c (S&S: S'_j = S_j - S_{j-1})."""
        return {i: round(v, 12) for i, v in network.to_local(self.levels_for(network)).items()}

    def params(self, network) -> dict:
        lv = self.levels_for(network)
        for i, v in self.local_levels(network).items():
            if v < -1e-9:
                raise ValueError(f"levels: echelon level of stage {i!r} ({lv[i]}) is below the echelon "
                                 f"levels downstream of it (local level {v:g}); echelon levels must "
                                 f"not decrease going upstream")
        return {"S": lv}

    def initial_stock(self, network) -> dict:
        self.params(network)
        return {i: max(v, 0.0) for i, v in self.local_levels(network).items()}


@dataclass(frozen=True)
class SS(Policy):
    """(s, S): at a review where the inventory position is <= s, order up to S (s < S)."""

    s: object
    S: object
    kind = "s-S"

    def __post_init__(self):
        object.__setattr__(self, "s", _freeze("s", self.s))
        object.__setattr__(self, "S", _freeze("S", self.S))

    def params(self, network) -> dict:
        s = _per_stage("s", self.s, network, scalar_ok=True)
        S = _per_stage("S", self.S, network, scalar_ok=True)
        for i in s:
            if not s[i] < S[i]:
                raise ValueError(f"s and S: stage {i!r} needs s < S, got s={s[i]}, S={S[i]}")
            if S[i] < 0:
                raise ValueError(f"S: stage {i!r} must have S >= 0, got {S[i]}")
        return {"s": s, "S": S}

    def initial_stock(self, network) -> dict:
        return self.params(network)["S"]

    @classmethod
    def from_result(cls, result) -> "SS":
        """The policy of an :class:`casekit.ss.SSResult` (e.g. from :func:`casekit.ss.optimize_ss`)."""
        return cls(result.s, result.S)

    @classmethod
    def optimal(cls, demand, holding_cost, stockout_cost, fixed_cost, lead_time=0) -> "SS":
        """The optimal (s, S) of :func:`casekit.ss.optimize_ss` (Zheng–Federgruen), as a policy.

        Timing: the (s, S) model reviews at the start of a period and charges the end-of-period level
        after L + 1 periods of demand.  :func:`casekit.simulation.simulate` reviews after the period's
        demand and an order arrives L' periods later before that period's demand, so the model's
        lead time L is a network lead time L' = L + 1 (the simulated cost per period, with the stage's
        order cost K, then estimates :func:`casekit.ss.ss_cost`).

        >>> from scipy.stats import poisson
        >>> SS.optimal(poisson(6), 1, 4, 5)            # Snyder & Shen Example 4.7
        SS(s=4.0, S=10.0)
        """
        from casekit.ss import optimize_ss

        return cls.from_result(optimize_ss(demand, holding_cost, stockout_cost, fixed_cost, lead_time))


@dataclass(frozen=True)
class RQ(Policy):
    """(r, Q): at a review where the inventory position is <= r, order n·Q units with n the
    smallest integer lifting the position above r (Q > 0)."""

    r: object
    Q: object
    kind = "r-Q"

    def __post_init__(self):
        object.__setattr__(self, "r", _freeze("r", self.r))
        object.__setattr__(self, "Q", _freeze("Q", self.Q))

    def params(self, network) -> dict:
        r = _per_stage("r", self.r, network, scalar_ok=True)
        Q = _per_stage("Q", self.Q, network, scalar_ok=True)
        for i, q in Q.items():
            check_positive(f"Q[{i!r}]", q)
        return {"r": r, "Q": Q}

    def initial_stock(self, network) -> dict:
        p = self.params(network)
        return {i: max(p["r"][i] + p["Q"][i], 0.0) for i in p["r"]}

    @classmethod
    def from_result(cls, result) -> "RQ":
        """The policy of an :class:`casekit.rq.RQResult` (e.g. from :func:`casekit.rq.optimize_rq`)."""
        return cls(result.reorder_point, result.order_quantity)

    @classmethod
    def optimal(cls, demand, lead_time, holding_cost, stockout_cost, fixed_cost) -> "RQ":
        """The optimal (r, Q) of :func:`casekit.rq.optimize_rq`, as a policy.

        Timing: in :func:`casekit.simulation.simulate` the position after a review is uniform on
        {r+1..r+Q} (integer demand) and the level at the end of the period in which an order placed
        after this review arrives (network lead time L) is that position minus L periods of
        demand: the (r, Q) model with lead time L.  Holding and backorder costs then match
        :func:`casekit.rq.rq_cost`; the ordering cost differs because a review that finds the
        position far below r places one order of n·Q units (one K) where continuous review places n.

        >>> from scipy.stats import poisson
        >>> RQ.optimal(poisson(1.5), 2, 20, 150, 100)     # Snyder & Shen Example 5.8
        RQ(r=3.0, Q=5.0)
        """
        from casekit.rq import optimize_rq

        return cls.from_result(optimize_rq(demand, lead_time, holding_cost, stockout_cost, fixed_cost))


@dataclass(frozen=True)
class ForecastOrderUpTo(Policy):
    """Order up to a forecast: S_t = (T_i + 1)·F_t + z·sqrt(T_i + 1)·σ_t.

    F_t is an exponentially smoothed forecast (smoothing constant ``alpha``) of the demand the
    stage sees each period (its external demand plus its customers' orders, in its units);
    σ_t is the exponentially smoothed root-mean-square forecast error; T_i is the stage's mean
    replenishment time (processing time + inbound lane lead time).  Each review orders
    max(0, S_t - inventory position).  Updating S_t with the forecast amplifies demand
    variability upstream: the **bullwhip effect** (Chen, Drezner, Ryan & Simchi-Levi 2000).

    Parameters
    ----------
    alpha : float in (0, 1]
        Smoothing constant; larger reacts faster (and whips more).
    z : float
        Safety factor (standard deviations of forecast error), e.g. 1.65.
    """

    alpha: float = 0.3
    z: float = 1.65
    kind = "forecast-order-up-to"

    def __post_init__(self):
        a = check_real("alpha", self.alpha)
        if not 0 < a <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {a}")
        object.__setattr__(self, "alpha", a)
        object.__setattr__(self, "z", check_real("z", self.z))

    def params(self, network) -> dict:
        cover = {i: _mean_replenishment(network, i) + 1.0 for i in network.downstream_first()}
        return {"alpha": self.alpha, "z": self.z, "cover": cover}

    def initial_stock(self, network) -> dict:
        cover = self.params(network)["cover"]
        return {i: cover[i] * network.demand_mean(i) + self.z * math.sqrt(cover[i]) * network.demand_sd(i)
                for i in cover}


def _mean_replenishment(network, node) -> float:
    """Mean processing time plus the longest mean inbound lane transit (periods)."""
    from casekit.network import lead_time_pmf

    s = network.stage(node)
    proc = (sum(k * p for k, p in lead_time_pmf(s.processing_time_dist).items())
            if s.processing_time_dist is not None else s.processing_time)
    lanes = []
    for k in network.suppliers(node):
        ln = network.lane(k, node)
        lanes.append(sum(a * p for a, p in lead_time_pmf(ln.lead_time_dist).items())
                     if ln.lead_time_dist is not None else ln.lead_time)
    return float(proc + (max(lanes) if lanes else 0.0))



# --------------------------------------------------------------------------------------------
# per-period targets, review schedules and one rule per group of stages
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderUpTo(Policy):
    """Order up to a target that may move every period: at a review, order
    max(0, S_i(t) - position), on the local (installation) position or, with ``echelon=True``,
    the echelon position.

    ``levels`` is one number per stage (then it is :class:`BaseStock` /
    :class:`EchelonBaseStock`), a 1-D array per stage with one level per simulated period
    (warm-up included: forecast-driven targets computed ahead), or a **callback**
    ``levels(t, view)`` returning the levels of all stages this period, shape (stages,) or
    (stages, copies) with stages downstream first; ``view`` carries ``t``, ``stage_ids``, and
    (stages, copies) arrays ``on_hand``, ``backorders``, ``position`` and
    ``demand_received`` (what each stage saw this period so far: its external demand).  A
    callback over thousands of stages can set a true attribute ``any_stage_order``: the fast
    engine then hands it its stages in the engine's own row order, as views of its state, and a
    ``levels`` block to fill in place (no copies; see :class:`casekit.simulation.fast._View`).
    Levels are given downstream first (list) or as a dict ``{stage: value or array}``.
    With whole-unit demand, orders are rounded to whole units.

    >>> from scipy.stats import poisson
    >>> from casekit.network import serial
    >>> net = serial([1, 1], [1, 1], 9, poisson(4))
    >>> OrderUpTo({1: [8, 9, 10], 2: 20}).params(net)["S"][2]
    20.0
    """

    levels: object
    echelon: bool = False
    kind = "order-up-to"

    def __post_init__(self):
        if callable(self.levels):
            return
        if isinstance(self.levels, Mapping):
            items = list(self.levels.items())
        elif isinstance(self.levels, (numbers.Real, np.integer, np.floating)):
            object.__setattr__(self, "levels", check_real("levels", self.levels))
            return
        else:
            items = list(enumerate(self.levels))
        frozen = []
        for k, v in items:
            if np.ndim(v) == 0:
                frozen.append((k, check_real(f"levels[{k!r}]", v)))
            else:
                arr = np.asarray(v, dtype=float)
                if arr.ndim != 1 or not np.all(np.isfinite(arr)):
                    raise ValueError(f"levels[{k!r}] must be a number or a 1-D array of finite levels per "
                                     f"period, got shape {arr.shape}")
                arr.setflags(write=False)
                frozen.append((k, arr))
        object.__setattr__(self, "levels", (isinstance(self.levels, Mapping), tuple(frozen)))

    def params(self, network) -> dict:
        lv = self.levels
        if callable(lv):
            return {"S": lv}
        if not isinstance(lv, float):
            by_id, items = lv
            lv = items if by_id else tuple(v for _, v in items)
        return {"S": _per_stage("levels", lv, network, scalar_ok=True)}

    def initial_stock(self, network) -> dict:
        lv = self.params(network)["S"]
        if callable(lv):
            return {i: 0.0 for i in network.downstream_first()}
        first = {i: float(v) if np.ndim(v) == 0 else float(v[0]) for i, v in lv.items()}
        if self.echelon:
            return {i: max(v, 0.0) for i, v in network.to_local(first).items()}
        return {i: max(v, 0.0) for i, v in first.items()}


@dataclass(frozen=True)
class Periodic(Policy):
    """``policy`` applied only at reviews: stage i reviews in periods t with
    (t - offset_i) % every_i == 0 (t counted from the first simulated period, warm-up
    included) and orders nothing in between.  ``every`` and ``offset`` are a number or one
    value per stage (list downstream first, or dict)."""

    policy: Policy
    every: object = 1
    offset: object = 0

    def __post_init__(self):
        if not isinstance(self.policy, Policy):
            raise TypeError(f"Periodic.policy must be a casekit policy, got {self.policy!r}")
        for name in ("every", "offset"):
            v = getattr(self, name)
            if isinstance(v, Mapping):
                object.__setattr__(self, name, tuple(v.items()))
            elif np.ndim(v) > 0:
                object.__setattr__(self, name, tuple(int(x) for x in v))

    @property
    def kind(self):
        return self.policy.kind

    @property
    def echelon(self):
        return self.policy.echelon

    def schedule(self, network) -> tuple[dict, dict]:
        """({stage: every}, {stage: offset}), validated: every >= 1, offset >= 0."""
        memo = self.__dict__.get("_memo")
        if memo is not None and memo[0] is network:
            return memo[1]
        out = self._schedule(network)
        object.__setattr__(self, "_memo", (network, out))
        return out

    def _schedule(self, network) -> tuple[dict, dict]:
        ids = network.downstream_first()
        out = []
        for name in ("every", "offset"):
            v = getattr(self, name)
            if isinstance(v, tuple) and v and isinstance(v[0], tuple):
                d = dict(v)
                unknown = [k for k in d if k not in network]
                if unknown:
                    raise ValueError(f"Periodic.{name} names stage {unknown[0]!r}, which is not in the network")
                d = {i: d.get(i, 1 if name == "every" else 0) for i in ids}
            elif isinstance(v, tuple):
                if len(v) != len(ids):
                    raise ValueError(f"Periodic.{name} must have one value per stage, downstream first "
                                     f"({len(ids)}), got {len(v)}")
                d = dict(zip(ids, v))
            else:
                d = {i: v for i in ids}
            for i, x in d.items():
                if isinstance(x, bool) or not isinstance(x, (numbers.Integral, np.integer)):
                    raise TypeError(f"Periodic.{name} of stage {i!r} must be a whole number of periods, got {x!r}")
                if name == "every" and x < 1:
                    raise ValueError(f"Periodic.every (review interval) of stage {i!r} must be >= 1, got {x}")
                if name == "offset" and x < 0:
                    raise ValueError(f"Periodic.offset of stage {i!r} must be >= 0, got {x}")
            out.append({i: int(x) for i, x in d.items()})
        return out[0], out[1]

    def params(self, network) -> dict:
        self.schedule(network)
        return self.policy.params(network)

    def initial_stock(self, network) -> dict:
        return self.policy.initial_stock(network)


@dataclass(frozen=True)
class Mixed(Policy):
    """One rule per group of stages: ``parts`` maps a stage id, or a tuple of stage ids, to the
    policy those stages follow (e.g. (r, Q) at the retailers and periodic order-up-to at the
    warehouse).  Every stage must be covered exactly once; each part's policy is given values
    for every stage of the network (a number or a dict covers that)."""

    parts: object

    def __post_init__(self):
        if not isinstance(self.parts, Mapping) and not isinstance(self.parts, tuple):
            raise TypeError(f"Mixed.parts must be a dict {{stage or tuple of stages: policy}}, got {self.parts!r}")
        items = tuple(self.parts.items()) if isinstance(self.parts, Mapping) else self.parts
        for k, p in items:
            if not isinstance(p, Policy):
                raise TypeError(f"Mixed.parts[{k!r}] must be a casekit policy, got {p!r}")
        object.__setattr__(self, "parts", items)

    kind = "mixed"

    @property
    def echelon(self):
        return any(p.echelon for _, p in self.parts)

    def parts_for(self, network) -> list:
        memo = self.__dict__.get("_memo")
        if memo is not None and memo[0] is network:
            return memo[1]
        out = self._parts_for(network)
        object.__setattr__(self, "_memo", (network, out))
        return out

    def _parts_for(self, network) -> list:
        seen = {}
        out = []
        for key, pol in self.parts:
            stages = key if isinstance(key, tuple) else (key,)
            for s in stages:
                if s not in network:
                    raise ValueError(f"Mixed.parts names stage {s!r}, which is not in the network")
                if s in seen:
                    raise ValueError(f"Mixed.parts: stage {s!r} has two policies")
                seen[s] = pol
            pol.validate(network)
            out.append((stages, pol))
        missing = [i for i in network.downstream_first() if i not in seen]
        if missing:
            raise ValueError(f"Mixed.parts: stage {missing[0]!r} has no policy")
        return out

    def params(self, network) -> dict:
        return {"parts": self.parts_for(network)}

    def initial_stock(self, network) -> dict:
        out = {}
        for stages, pol in self.parts_for(network):
            ini = pol.initial_stock(network)
            out.update({s: ini[s] for s in stages})
        return out


__all__ += ["OrderUpTo", "Periodic", "Mixed"]
