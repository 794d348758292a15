"""The periodic-review (s, S) policy with a fixed ordering cost: exact cost and exact optimum.

Model (Zheng & Federgruen 1991; Snyder & Shen, *Fundamentals of Supply Chain Theory*, section 4.6)
--------------------------------------------------------------------------------------------------
At the start of each period the inventory position x is reviewed; if x <= s, an order lifts it to
S (s < S), at a cost K per order.  The order arrives L periods later; unmet demand is backordered.
Holding (h per unit) and backorder (p per unit) costs are charged on the inventory level at the end
of the period, so a period that starts at position y costs, L periods later,

    G(y) = h E[(y - D^{L+1})^+] + p E[(D^{L+1} - y)^+],

with D^{L+1} the demand over L + 1 periods.  Demand per period D is discrete (whole units) and
independent from period to period.

Exact cost (the renewal argument)
---------------------------------
A cycle starts at position S and ends at the first period whose demand brings the position to s or
below, i.e. when the cumulative demand reaches S - s.  With m(j) the expected number of periods in
which the cumulative demand since the start of the cycle is exactly j,

    m(0) = 1 / (1 - P(D = 0)),   m(j) = sum_{l=1}^{j} P(D = l) m(j - l) / (1 - P(D = 0)),

and M(n) = m(0) + ... + m(n - 1) the expected length of a cycle with S - s = n, the expected cost
per period is

    c(s, S) = (K + sum_{j=0}^{S-s-1} m(j) G(S - j)) / M(S - s).

Exact optimum
-------------
The algorithm of Zheng & Federgruen (1991): start from S = y* (the minimiser of G) and the largest
s with c(s, y*) <= G(s); then raise S one unit at a time while G(S) <= the best cost so far, and
whenever c(s, S) beats it, move S there and raise s while c(s, S) <= G(s + 1).  It evaluates about
as many policies as S* - s* and is exact.

The **power approximation** (Ehrhardt 1979, revised by Ehrhardt & Mosier 1984, as in Snyder & Shen
eqs. 4.77-4.80) needs only the mean μ and standard deviation σ of demand per period:

    Q = 1.30 μ^0.494 (K/h)^0.506 (1 + σ_L²/μ²)^0.116,   z = sqrt(Q h / (σ_L p)),
    s = 0.973 μ_L + σ_L (0.183/z + 1.063 - 2.192 z),    S = s + Q,

with μ_L = (L + 1) μ and σ_L² = (L + 1) σ².  :func:`compare_ss_heuristics` shows its gap.

Reference: Y.-S. Zheng and A. Federgruen, Finding optimal (s, S) policies is about as simple as
evaluating a single policy, *Operations Research* 39(4), 654-665 (1991).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from casekit.distributions import _is_continuous_frozen, _is_discrete_frozen, as_discrete
from casekit.validate import check_int, check_nonnegative, check_positive, check_real

__all__ = ["SSResult", "ss_cost", "evaluate_ss", "ss_cost_grid", "optimize_ss", "ss_power_approximation",
           "compare_ss_heuristics"]

#: Largest S - s whose renewal function casekit computes (about (S - s)^2 / 2 multiplications).
MAX_GAP = 100_000
_MAX_SUPPORT = 20_000_000


@dataclass(frozen=True)
class SSResult:
    """An (s, S) policy and its exact expected cost per period.

    Attributes
    ----------
    s : int
        Reorder point: order when the inventory position at a review is <= s.
    S : int
        Order-up-to level.
    cost : float
        c(s, S), expected cost per period (nan when it was not evaluated: a power approximation
        for continuous demand).
    holding_cost, backorder_cost, ordering_cost : float
        Its parts per period: h E[on hand], p E[backorders], K / M(S - s).
    on_hand, backorders : float
        Expected units on hand and backordered at the end of a period.
    order_frequency : float
        Orders per period, 1 / M(S - s) (M(S - s) is the expected length of an order cycle).
    method : str
        ``"optimal"``, ``"given"`` or ``"power approximation"``.
    """

    s: float
    S: float
    cost: float
    holding_cost: float = math.nan
    backorder_cost: float = math.nan
    ordering_cost: float = math.nan
    on_hand: float = math.nan
    backorders: float = math.nan
    order_frequency: float = math.nan
    method: str = "given"
    demand: object = field(default=None, repr=False)
    lead_time: int = field(default=0, repr=False)

    def to_frame(self) -> pd.DataFrame:
        names = ["s", "S", "cost", "holding_cost", "backorder_cost", "ordering_cost", "on_hand", "backorders",
                 "order_frequency"]
        return pd.DataFrame({"value": [float(getattr(self, k)) for k in names]}, index=names)


# ---------------------------------------------------------------------- the model's pieces
class _Model:
    """Demand per period, the cost G(y) with demand over L + 1 periods, and the renewal function m."""

    def __init__(self, demand, h, p, K, lead_time):
        if _is_continuous_frozen(demand):
            raise ValueError(f"demand must be discrete (whole units) for the exact (s, S) model, got the "
                             f"continuous {demand.dist.name}; round it with casekit.distributions.as_discrete, "
                             f"or use ss_power_approximation")
        if _is_discrete_frozen(demand) and math.isfinite(demand.mean()) and math.isfinite(demand.std()):
            _check_support(float(demand.mean()) + 40 * float(demand.std()) + 40)   # before building it
        self.D = as_discrete(demand, param="demand")
        p0 = float(self.D.pmf[0])
        if p0 >= 1.0:
            raise ValueError("demand is always 0: no order is ever placed, so (s, S) has no cycle")
        self.h, self.p, self.K, self.L = h, p, K, lead_time
        self.mean = float(demand.mean()) if _is_discrete_frozen(demand) else self.D.mean()
        periods = lead_time + 1
        if _is_discrete_frozen(demand) and demand.dist.name == "poisson":
            lam = float(demand.mean()) * periods
            _check_support(lam + 40 * math.sqrt(lam) + 40)
            self.X = as_discrete(stats.poisson(lam), param="demand")
        else:
            _check_support(periods * self.D.n)
            X = self.D
            for _ in range(lead_time):
                X = X + self.D
            self.X = X
        self.mean_X = self.mean * periods
        self._q = self.D.pmf[1:] / (1.0 - p0)        # P(D = l) / (1 - P(D = 0)), l = 1..n
        self._m = np.array([1.0 / (1.0 - p0)])

    def G(self, y):
        """h E[(y - X)^+] + p E[(X - y)^+] = h (y - E X) + (h + p) n(y), X = D^{L+1}."""
        y = np.asarray(y, dtype=float)
        return self.h * (y - self.mean_X) + (self.h + self.p) * np.asarray(self.X.loss(y), dtype=float)

    def m(self, n: int) -> np.ndarray:
        """m(0), ..., m(n - 1), extending the stored values by the renewal recursion."""
        if n > MAX_GAP:
            raise ValueError(f"S - s = {n} needs a renewal function of {n} values (about {n * n / 2:.2g} "
                             f"multiplications); casekit refuses S - s > {MAX_GAP}: measure demand in "
                             f"larger units")
        old = self._m.size
        if n > old:
            m = np.concatenate([self._m, np.zeros(n - old)])
            q = np.concatenate([self._q, np.zeros(max(0, n - self._q.size))])
            for j in range(old, n):
                m[j] = q[:j] @ m[j - 1::-1]          # sum_{l=1}^{j} q_l m(j - l)
            self._m = m
        return self._m[:n]

    def cost(self, s: int, S: int) -> float:
        n = S - s
        m = self.m(n)
        return float((self.K + m @ self.G(S - np.arange(n))) / m.sum())

    def result(self, s: int, S: int, method: str, demand) -> SSResult:
        n = S - s
        m = self.m(n)
        M = float(m.sum())
        y = S - np.arange(n)
        short = np.asarray(self.X.loss(y), dtype=float)
        back = float(m @ short) / M
        on_hand = float(m @ (y - self.mean_X + short)) / M
        hc, bc, oc = self.h * on_hand, self.p * back, self.K / M
        return SSResult(s=s, S=S, cost=hc + bc + oc, holding_cost=hc, backorder_cost=bc, ordering_cost=oc,
                        on_hand=on_hand, backorders=back, order_frequency=1.0 / M, method=method, demand=demand,
                        lead_time=self.L)


def _check_support(n: float) -> None:
    if n > _MAX_SUPPORT:
        raise ValueError(f"demand over the lead time would need a table of about {n:.3g} values "
                         f"({8 * n * 6 / 1e9:.1f} GB in working arrays); casekit refuses more than "
                         f"{_MAX_SUPPORT:.0e} values: measure demand in larger units")


def _inputs(holding_cost, stockout_cost, fixed_cost, lead_time, *, need_k: bool):
    h = check_positive("holding_cost", holding_cost)
    p = check_positive("stockout_cost", stockout_cost)
    K = check_positive("fixed_cost", fixed_cost) if need_k else check_nonnegative("fixed_cost", fixed_cost)
    L = check_int("lead_time", lead_time, minimum=0)
    return h, p, K, L


def _levels(s, S):
    vals = []
    for name, v in (("s", s), ("S", S)):
        x = check_real(name, v)
        if x != int(x):
            raise ValueError(f"{name} must be a whole number of units, got {v!r}")
        vals.append(int(x))
    s, S = vals
    if not s < S:
        raise ValueError(f"s and S: the reorder point must be below the order-up-to level (s < S), got "
                         f"s={s}, S={S}")
    return s, S


# ---------------------------------------------------------------------- public functions
def evaluate_ss(s, S, demand, holding_cost, stockout_cost, fixed_cost, lead_time=0) -> SSResult:
    """Exact expected cost per period of the (s, S) policy and its parts (see the module docstring).

    Parameters
    ----------
    s, S : int
        Reorder point and order-up-to level, s < S.
    demand : scipy frozen discrete distribution, DiscreteDistribution or dict
        D, demand per period in whole units (Poisson, negative binomial, an empirical pmf, ...).
    holding_cost : float
        h > 0 per unit on hand at the end of a period.
    stockout_cost : float
        p > 0 per unit backordered at the end of a period.
    fixed_cost : float
        K >= 0 per order.
    lead_time : int
        L >= 0 periods from order to arrival.

    Returns
    -------
    SSResult
    """
    h, p, K, L = _inputs(holding_cost, stockout_cost, fixed_cost, lead_time, need_k=False)
    s, S = _levels(s, S)
    return _Model(demand, h, p, K, L).result(s, S, "given", demand)


def ss_cost(s, S, demand, holding_cost, stockout_cost, fixed_cost, lead_time=0) -> float:
    """Expected cost per period c(s, S) (:func:`evaluate_ss` gives its parts).

    Examples
    --------
    Snyder & Shen Example 4.7: Poisson(6) demand, h = 1, p = 4, K = 5:

    >>> from scipy.stats import poisson
    >>> round(ss_cost(4, 10, poisson(6), 1, 4, 5), 4), round(ss_cost(6, 18, poisson(6), 1, 4, 5), 4)
    (8.0341, 10.1938)
    """
    return evaluate_ss(s, S, demand, holding_cost, stockout_cost, fixed_cost, lead_time).cost


def ss_cost_grid(s_values, S_values, demand, holding_cost, stockout_cost, fixed_cost, lead_time=0) -> pd.DataFrame:
    """c(s, S) on a grid of policies, with the demand tables built once (for cost surfaces).

    Returns
    -------
    DataFrame
        Expected cost per period; index ``s``, columns ``S``; nan where s >= S.

    Examples
    --------
    >>> from scipy.stats import poisson
    >>> t = ss_cost_grid(range(2, 7), range(8, 13), poisson(6), 1, 4, 5)     # Example 4.7
    >>> tuple(int(v) for v in t.stack().idxmin()), round(float(t.loc[4, 10]), 4)
    ((4, 10), 8.0341)
    """
    h, p, K, L = _inputs(holding_cost, stockout_cost, fixed_cost, lead_time, need_k=False)
    ss = [_levels(s, s + 1)[0] for s in s_values]
    SS_ = [_levels(S - 1, S)[1] for S in S_values]
    model = _Model(demand, h, p, K, L)
    cost = np.full((len(ss), len(SS_)), np.nan)
    for i, s in enumerate(ss):
        for j, S in enumerate(SS_):
            if s < S:
                cost[i, j] = model.cost(s, S)
    return pd.DataFrame(cost, index=pd.Index(ss, name="s"), columns=pd.Index(SS_, name="S"))


def optimize_ss(demand, holding_cost, stockout_cost, fixed_cost, lead_time=0) -> SSResult:
    """The optimal (s, S) policy by Zheng & Federgruen's (1991) algorithm (see the module docstring).

    Parameters
    ----------
    demand : scipy frozen discrete distribution, DiscreteDistribution or dict
        D, demand per period in whole units.
    holding_cost, stockout_cost : float
        h > 0 and p > 0 per unit per period, charged on the end-of-period level.
    fixed_cost : float
        K > 0 per order.
    lead_time : int
        L >= 0 periods.

    Returns
    -------
    SSResult
        ``.s`` s*, ``.S`` S*, ``.cost`` c(s*, S*) and its parts.

    Examples
    --------
    Snyder & Shen Example 4.7 (Poisson(6), h = 1, p = 4, K = 5) and a row of Zheng &
    Federgruen's (1991) table (Poisson(25), h = 1, p = 9, K = 64):

    >>> from scipy.stats import poisson
    >>> res = optimize_ss(poisson(6), 1, 4, 5)
    >>> res.s, res.S, round(res.cost, 4)
    (4, 10, 8.0341)
    >>> res = optimize_ss(poisson(25), 1, 9, 64)
    >>> res.s, res.S, round(res.cost, 3)
    (19, 56, 54.262)
    """
    h, p, K, L = _inputs(holding_cost, stockout_cost, fixed_cost, lead_time, need_k=True)
    model = _Model(demand, h, p, K, L)
    G = lambda y: float(model.G(y))  # noqa: E731
    ystar = int(model.X.ppf(p / (p + h)))               # the smallest minimiser of G
    s = ystar - 1
    while model.cost(s, ystar) > G(s):
        s -= 1
    S_best, c_best = ystar, model.cost(s, ystar)
    S = S_best + 1
    while G(S) <= c_best:
        if model.cost(s, S) < c_best:
            S_best = S
            while model.cost(s, S_best) <= G(s + 1):
                s += 1
            c_best = model.cost(s, S_best)
        S += 1
    return model.result(s, S_best, "optimal", demand)


def ss_power_approximation(demand, holding_cost, stockout_cost, fixed_cost, lead_time=0) -> SSResult:
    """The power approximation of (s, S) (module docstring), evaluated exactly for discrete demand.

    For discrete demand s and S are rounded to the nearest whole unit (S at least s + 1) and the
    cost is exact; for continuous demand s and S are returned as computed with ``cost`` nan.

    Examples
    --------
    Snyder & Shen Example 4.8: demand N(50, 8²), h = 0.18, p = 0.70, K = 2.5:

    >>> from scipy.stats import norm
    >>> res = ss_power_approximation(norm(50, 8), 0.18, 0.70, 2.5)
    >>> round(res.s, 4), round(res.S, 4)
    (40.1946, 74.2902)
    """
    h, p, K, L = _inputs(holding_cost, stockout_cost, fixed_cost, lead_time, need_k=True)
    if _is_continuous_frozen(demand):
        mu, sd = float(demand.mean()), float(demand.std())
    else:
        D = as_discrete(demand, param="demand")
        mu, sd = (float(demand.mean()), float(demand.std())) if _is_discrete_frozen(demand) else (D.mean(), D.std())
    if not mu > 0 or not sd > 0:
        raise ValueError(f"demand must have a positive mean and standard deviation for the power "
                         f"approximation, got mean {mu!r}, sd {sd!r}")
    mu_L, sd_L = (L + 1) * mu, math.sqrt(L + 1) * sd
    Q = 1.30 * mu ** 0.494 * (K / h) ** 0.506 * (1 + sd_L ** 2 / mu ** 2) ** 0.116
    z = math.sqrt(Q * h / (sd_L * p))
    s = 0.973 * mu_L + sd_L * (0.183 / z + 1.063 - 2.192 * z)
    S = s + Q
    if _is_continuous_frozen(demand):
        return SSResult(s=s, S=S, cost=math.nan, method="power approximation", demand=demand, lead_time=L)
    s_int = int(round(s))
    S_int = max(int(round(S)), s_int + 1)
    return _Model(demand, h, p, K, L).result(s_int, S_int, "power approximation", demand)


def compare_ss_heuristics(demand, holding_cost, stockout_cost, fixed_cost, lead_time=0) -> pd.DataFrame:
    """The exact optimum beside the power approximation, with its cost gap (discrete demand).

    Returns
    -------
    DataFrame
        Index ``method``; columns ``s``, ``S``, ``cost``, ``gap_pct`` (100 (cost - c*) / c*),
        ``order_frequency``.

    Examples
    --------
    >>> from scipy.stats import poisson
    >>> compare_ss_heuristics(poisson(6), 1, 4, 5)[["s", "S"]].values.tolist()
    [[4, 10], [4, 12]]
    """
    best = optimize_ss(demand, holding_cost, stockout_cost, fixed_cost, lead_time)
    power = ss_power_approximation(demand, holding_cost, stockout_cost, fixed_cost, lead_time)
    rows = [best, power]
    return pd.DataFrame({
        "method": [r.method for r in rows],
        "s": [r.s for r in rows],
        "S": [r.S for r in rows],
        "cost": [r.cost for r in rows],
        "gap_pct": [100 * (r.cost - best.cost) / best.cost for r in rows],
        "order_frequency": [r.order_frequency for r in rows],
    }).set_index("method")
