"""The continuous-review (r, Q) policy with backorders: exact cost, exact optimum, heuristics.

Model (Snyder & Shen, *Fundamentals of Supply Chain Theory*, chapter 5)
-----------------------------------------------------------------------
Demand arrives at rate λ = E[D] units per period (D is the demand of one period).  Whenever the
inventory position (on hand + on order - backorders) falls to the **reorder point** r or below, an
order of **Q** units is placed; it arrives after the lead time L.  Unmet demand is backordered.
Costs per period: h per unit on hand, p per unit backordered, K per order.

In steady state the inventory position is uniform on {r+1, ..., r+Q} (discrete demand) or on
(r, r+Q] (continuous demand), and the inventory level L periods later is the position minus the
**lead-time demand** D_L.  With the newsvendor-type cost of a position y,

    g(y) = h E[(y - D_L)^+] + p E[(D_L - y)^+],

the expected cost per period is

    C(r, Q) = (K λ + sum_{y=r+1}^{r+Q} g(y)) / Q          (discrete demand)
    C(r, Q) = (K λ + integral_r^{r+Q} g(y) dy) / Q        (continuous demand).

Both are evaluated in closed form with the second-order loss function n2 of D_L: the sum (or the
integral) of n(y) = E[(D_L - y)^+] over the window is n2(r) - n2(r + Q), so the expected
backorders are B = (n2(r) - n2(r+Q)) / Q and the expected on-hand stock is
r + (Q+1)/2 - E[D_L] + B (discrete; r + Q/2 - E[D_L] + B continuous).  The **fill rate** is
1 - (n(r) - n(r+Q)) / Q and the **cycle service level** (no stockout while an order is on its
way) is P(D_L <= r).

Demand and lead time
--------------------
``demand`` is the demand of one period: a scipy frozen Poisson or normal distribution, any discrete
scipy distribution on the non-negative integers, a :class:`~casekit.distributions.DiscreteDistribution`
or a dict ``{units: probability}``.  ``lead_time`` is a number of periods (an int, or for Poisson and
normal demand any real L >= 0: D_L is then Poisson(λL) or N(μL, σ²L), demand as a process in
continuous time) or a random number of whole periods (a dict ``{periods: probability}`` or a
discrete scipy distribution): D_L is then the compound sum of
:func:`casekit.leadtime.lead_time_demand` (discrete demand) or the mixture of N(μl, σ²l) over l
(normal demand).  A normal D_L can be negative: that is the textbook model, kept as is.

Optimisation
------------
* Discrete demand: the algorithm of Federgruen & Zheng (1992).  g is convex, so the Q positions
  {r+1..r+Q} of the optimum are the Q smallest values of g; adding positions in increasing order of
  g, C first rises when the next value of g is at least the current average cost.  Exact.
* Normal demand: at the optimum g(r) = g(r+Q) = C* (the two first-order conditions), so
  C* is the level c at which the area between c and g over the level set {g <= c} equals K λ:
  integral (c - g(y))^+ dy = K λ.  That area grows with c; casekit finds c by a root-finder and
  the level set's ends by another (tolerance about 1e-12).  Exact to rounding.
* Heuristics beside the optimum (Snyder & Shen section 5.2): **EOQ-B** (Q from the EOQ with planned
  backorders, then the best r for that Q), **EOQ + SS** (the EOQ and the newsvendor reorder point
  r = F_L^{-1}(p / (p + h))) and the **loss-function** approximation (drop the n2(r + Q) term and
  iterate the two first-order conditions).  :func:`compare_rq_heuristics` shows their gaps.

References: A. Federgruen and Y.-S. Zheng, An efficient algorithm for computing an optimal (r, Q)
policy in continuous review stochastic inventory systems, *Operations Research* 40(4), 808-813
(1992); L. V. Snyder and Z.-J. M. Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., ch. 5.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from casekit.distributions import _is_continuous_frozen, _is_discrete_frozen, _is_frozen, as_discrete
from casekit.validate import check_nonnegative, check_positive, check_real

__all__ = ["RQResult", "rq_cost", "evaluate_rq", "rq_cost_grid", "optimize_rq", "rq_heuristic",
           "compare_rq_heuristics", "HEURISTICS"]

#: The heuristics :func:`rq_heuristic` knows, in the order :func:`compare_rq_heuristics` shows them.
HEURISTICS = ("EOQ-B", "EOQ + SS", "loss function")
#: Largest support of the lead-time demand held as an array (8 bytes a value; a few such arrays).
_MAX_SUPPORT = 20_000_000


# ---------------------------------------------------------------------- lead-time demand
class _LTD:
    """Lead-time demand D_L: a discrete pmf, or a mixture of normals (weights w, means m, sds s)."""

    def __init__(self, dist=None, w=None, m=None, s=None):
        self.dist = dist
        self.discrete = dist is not None
        if not self.discrete:
            self.w, self.m, self.s = (np.asarray(a, dtype=float) for a in (w, m, s))

    def mean(self) -> float:
        return self.dist.mean() if self.discrete else float(self.w @ self.m)

    def var(self) -> float:
        if self.discrete:
            return self.dist.var()
        mu = self.mean()
        return float(self.w @ (self.s ** 2 + (self.m - mu) ** 2))

    def cdf(self, x):
        if self.discrete:
            return np.asarray(self.dist.cdf(np.floor(x)), dtype=float)
        x = np.asarray(x, dtype=float)[..., None]
        sd = np.where(self.s > 0, self.s, 1.0)
        comp = np.where(self.s > 0, stats.norm.cdf((x - self.m) / sd), (x >= self.m).astype(float))
        return comp @ self.w

    def loss(self, x):
        """n(x) = E[(D_L - x)^+]."""
        if self.discrete:
            return np.asarray(self.dist.loss(x), dtype=float)
        x = np.asarray(x, dtype=float)[..., None]
        sd = np.where(self.s > 0, self.s, 1.0)
        z = (x - self.m) / sd
        normal = sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))
        comp = np.where(self.s > 0, normal, np.maximum(self.m - x, 0.0))
        return comp @ self.w

    def loss2(self, x):
        """Second-order loss: discrete 1/2 E[(D_L-x)^+ (D_L-x-1)^+], continuous 1/2 E[((D_L-x)^+)^2]."""
        if self.discrete:
            return np.asarray(self.dist.second_order_loss(x), dtype=float)
        x = np.asarray(x, dtype=float)[..., None]
        sd = np.where(self.s > 0, self.s, 1.0)
        z = (x - self.m) / sd
        normal = 0.5 * sd ** 2 * ((z * z + 1) * stats.norm.sf(z) - z * stats.norm.pdf(z))
        comp = np.where(self.s > 0, normal, 0.5 * np.maximum(self.m - x, 0.0) ** 2)
        return comp @ self.w

    def ppf(self, q: float) -> float:
        if self.discrete:
            return float(self.dist.ppf(q))
        if not (self.s > 0).any():                      # point masses only (a lead time of 0)
            F = np.cumsum(self.w[np.argsort(self.m)])
            return float(np.sort(self.m)[np.searchsorted(F, q - 1e-12)])
        lo = float(np.min(self.m - 40 * self.s)) - 1.0
        hi = float(np.max(self.m + 40 * self.s)) + 1.0
        return float(optimize.brentq(lambda y: float(self.cdf(y)) - q, lo, hi, xtol=1e-13, rtol=1e-15))


def _is_poisson(d) -> bool:
    return _is_discrete_frozen(d) and d.dist.name == "poisson"


def _is_normal(d) -> bool:
    return _is_continuous_frozen(d) and d.dist.name == "norm"


def _lead_time_pmf(lead_time) -> dict | None:
    """{periods: probability} for a random lead time, or None for a fixed one (a real number)."""
    if isinstance(lead_time, (numbers.Real, np.integer, np.floating)) and not isinstance(lead_time, bool):
        return None
    L = as_discrete(lead_time, param="lead_time")
    return {int(k): float(q) for k, q in enumerate(L.pmf) if q > 0}


def _demand_rate(demand) -> float:
    if _is_normal(demand):
        mu = float(demand.mean())
        if mu < 0:
            raise ValueError(f"demand must have a non-negative mean, got a normal with mean {mu!r}")
        return mu
    if _is_continuous_frozen(demand):
        raise ValueError(f"demand: continuous demand must be normal (scipy.stats.norm), got "
                         f"{demand.dist.name}; round other distributions to whole units with "
                         f"casekit.distributions.as_discrete")
    _check_frozen_size(demand)
    D = as_discrete(demand, param="demand")
    if _is_frozen(demand):
        return float(demand.mean())      # exact, not the mean of the truncated pmf
    return D.mean()


def _lead_time_demand(demand, lead_time) -> _LTD:
    """D_L as a discrete pmf (discrete demand) or a normal mixture (normal demand)."""
    pmf = _lead_time_pmf(lead_time)
    if _is_normal(demand):
        mu, sd = float(demand.mean()), float(demand.std())
        if pmf is None:
            L = check_nonnegative("lead_time", lead_time)
            return _LTD(w=[1.0], m=[mu * L], s=[sd * math.sqrt(L)])
        ls = np.array(sorted(pmf), dtype=float)
        return _LTD(w=[pmf[int(k)] for k in ls], m=mu * ls, s=sd * np.sqrt(ls))
    if pmf is None:
        L = check_nonnegative("lead_time", lead_time)
        if _is_poisson(demand):
            lam = float(demand.mean()) * L
            _check_support(lam + 40 * math.sqrt(lam) + 40)
            return _LTD(as_discrete(stats.poisson(lam), param="demand") if lam > 0 else as_discrete(0))
        if L != int(L):
            raise ValueError(f"lead_time must be a whole number of periods for this demand (only Poisson "
                             f"and normal demand split over a fraction of a period), got {lead_time!r}")
        L = int(L)
    else:
        L = lead_time
    D = as_discrete(demand, param="demand")
    el = sum(k * q for k, q in pmf.items()) if pmf else L
    lmax = max(pmf) if pmf else L
    _check_support(min(lmax * D.n, el * D.mean() + 40 * math.sqrt(max(el, 1) * (D.var() + D.mean() ** 2)) + 40))
    from casekit.leadtime import lead_time_demand

    return _LTD(lead_time_demand(D, L))


def _check_frozen_size(demand) -> None:
    """Refuse, before building it, a per-period pmf too large to hold."""
    if _is_discrete_frozen(demand):
        mu, sd = float(demand.mean()), float(demand.std())
        if math.isfinite(mu) and math.isfinite(sd):
            _check_support(mu + 40 * sd + 40)


def _check_support(n: float) -> None:
    if n > _MAX_SUPPORT:
        raise ValueError(f"lead-time demand would need a table of about {n:.3g} values "
                         f"({8 * n * 6 / 1e9:.1f} GB in working arrays); casekit refuses more than "
                         f"{_MAX_SUPPORT:.0e} values: measure demand in larger units")


# ---------------------------------------------------------------------- result
@dataclass(frozen=True)
class RQResult:
    """An (r, Q) policy and its exact expected performance per period.

    Attributes
    ----------
    reorder_point : float
        r: order when the inventory position is <= r (an int for discrete demand).
    order_quantity : float
        Q: units per order (an int >= 1 for discrete demand).
    cost : float
        C(r, Q), expected cost per period (holding + backorder + ordering).
    holding_cost, backorder_cost, ordering_cost : float
        Its parts per period: h E[on hand], p E[backorders], K λ / Q.
    on_hand, backorders : float
        Expected units on hand and backordered.
    fill_rate : float
        β = 1 - (n(r) - n(r+Q)) / Q, the fraction of demand met from stock.
    cycle_service_level : float
        α = P(D_L <= r), the probability that an order cycle has no stockout.
    method : str
        ``"optimal"``, ``"given"`` or the heuristic's name.
    """

    reorder_point: float
    order_quantity: float
    cost: float
    holding_cost: float
    backorder_cost: float
    ordering_cost: float
    on_hand: float
    backorders: float
    fill_rate: float
    cycle_service_level: float
    method: str = "given"
    demand: object = field(default=None, repr=False)
    lead_time: object = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        names = ["reorder_point", "order_quantity", "cost", "holding_cost", "backorder_cost", "ordering_cost",
                 "on_hand", "backorders", "fill_rate", "cycle_service_level"]
        return pd.DataFrame({"value": [float(getattr(self, k)) for k in names]}, index=names)


# ---------------------------------------------------------------------- evaluation
def _costs(h, p, K):
    h = check_positive("holding_cost", h)
    p = check_positive("stockout_cost", p)
    K = check_nonnegative("fixed_cost", K)
    return h, p, K


def _policy(ltd: _LTD, r, Q):
    if ltd.discrete:
        r = _whole("reorder_point", r)
        Q = _whole("order_quantity", Q)
        if Q < 1:
            raise ValueError(f"order_quantity must be >= 1 (a whole number of units), got {Q!r}")
    else:
        r = check_real("reorder_point", r)
        Q = check_positive("order_quantity", Q)
    return r, Q


def _whole(name, v) -> int:
    v = check_real(name, v)
    if v != int(v):
        raise ValueError(f"{name} must be a whole number of units for discrete demand, got {v!r}")
    return int(v)


def _evaluate(ltd: _LTD, lam, h, p, K, r, Q, method, demand=None, lead_time=None) -> RQResult:
    mu = ltd.mean()
    back = float(ltd.loss2(r) - ltd.loss2(r + Q)) / Q
    half = (Q + 1) / 2 if ltd.discrete else Q / 2
    on_hand = r + half - mu + back
    fill = 1.0 - float(ltd.loss(r) - ltd.loss(r + Q)) / Q
    hc, bc, oc = h * on_hand, p * back, K * lam / Q
    return RQResult(reorder_point=r, order_quantity=Q, cost=hc + bc + oc, holding_cost=hc, backorder_cost=bc,
                    ordering_cost=oc, on_hand=on_hand, backorders=back, fill_rate=fill,
                    cycle_service_level=float(ltd.cdf(r)), method=method, demand=demand, lead_time=lead_time)


def evaluate_rq(reorder_point, order_quantity, demand, lead_time, holding_cost, stockout_cost,
                fixed_cost) -> RQResult:
    """Exact expected cost per period and service of a given (r, Q) policy (see the module docstring).

    Parameters
    ----------
    reorder_point : int or float
        r (an integer for discrete demand).
    order_quantity : int or float
        Q >= 1 (an integer) for discrete demand, Q > 0 for normal demand.
    demand : scipy frozen distribution, DiscreteDistribution or dict
        D, demand per period (Poisson, normal or any discrete distribution).
    lead_time : float, int, dict or discrete scipy distribution
        L in periods (see the module docstring).
    holding_cost : float
        h > 0 per unit on hand per period.
    stockout_cost : float
        p > 0 per unit backordered per period.
    fixed_cost : float
        K >= 0 per order.

    Returns
    -------
    RQResult

    Examples
    --------
    Snyder & Shen Example 5.8: Poisson demand of 1.5 a period, L = 2, h = 20, p = 150, K = 100,
    (r, Q) = (3, 5):

    >>> from scipy.stats import poisson
    >>> res = evaluate_rq(3, 5, poisson(1.5), 2, 20, 150, 100)
    >>> round(res.cost, 4), round(res.ordering_cost, 4)
    (107.9236, 30.0)
    """
    h, p, K = _costs(holding_cost, stockout_cost, fixed_cost)
    lam = _demand_rate(demand)
    ltd = _lead_time_demand(demand, lead_time)
    r, Q = _policy(ltd, reorder_point, order_quantity)
    return _evaluate(ltd, lam, h, p, K, r, Q, "given", demand, lead_time)


def rq_cost(reorder_point, order_quantity, demand, lead_time, holding_cost, stockout_cost, fixed_cost) -> float:
    """Expected cost per period C(r, Q) of an (r, Q) policy (:func:`evaluate_rq` gives its parts).

    Examples
    --------
    Snyder & Shen Example 5.1: demand N(1300, 150²) a year, L = 1/12 year, h = 0.225, p = 7.5,
    K = 8; the policy (126.8, 328.5) costs 78.07 a year:

    >>> from scipy.stats import norm
    >>> round(rq_cost(126.8, 328.5, norm(1300, 150), 1 / 12, 0.225, 7.5, 8), 4)
    78.0712
    """
    return evaluate_rq(reorder_point, order_quantity, demand, lead_time, holding_cost, stockout_cost,
                       fixed_cost).cost


def rq_cost_grid(reorder_points, order_quantities, demand, lead_time, holding_cost, stockout_cost,
                 fixed_cost) -> pd.DataFrame:
    """C(r, Q) on a grid of policies, with the lead-time demand built once (for cost surfaces).

    Parameters
    ----------
    reorder_points, order_quantities : sequences of numbers
        The r and Q values (whole units for discrete demand; Q >= 1, or Q > 0 for normal demand).
    demand, lead_time, holding_cost, stockout_cost, fixed_cost
        As in :func:`evaluate_rq`.

    Returns
    -------
    DataFrame
        Expected cost per period; index ``reorder_point``, columns ``order_quantity``.

    Examples
    --------
    >>> from scipy.stats import poisson
    >>> t = rq_cost_grid([2, 3, 4], [4, 5, 6], poisson(1.5), 2, 20, 150, 100)   # Example 5.8
    >>> tuple(int(v) for v in t.stack().idxmin()), round(float(t.loc[3, 5]), 4)
    ((3, 5), 107.9236)
    """
    h, p, K = _costs(holding_cost, stockout_cost, fixed_cost)
    lam = _demand_rate(demand)
    ltd = _lead_time_demand(demand, lead_time)
    rs = [_policy(ltd, r, 1)[0] for r in reorder_points]
    qs = [_policy(ltd, 0, q)[1] for q in order_quantities]
    r, Q = np.meshgrid(np.asarray(rs, dtype=float), np.asarray(qs, dtype=float), indexing="ij")
    back = (ltd.loss2(r) - ltd.loss2(r + Q)) / Q
    half = (Q + 1) / 2 if ltd.discrete else Q / 2
    cost = h * (r + half - ltd.mean() + back) + p * back + K * lam / Q
    return pd.DataFrame(cost, index=pd.Index(rs, name="reorder_point"), columns=pd.Index(qs, name="order_quantity"))


# ---------------------------------------------------------------------- exact optimum
def _g(ltd: _LTD, h, p, y):
    """g(y) = h E[(y - D_L)^+] + p E[(D_L - y)^+] = h (y - E D_L) + (h + p) n(y)."""
    return h * (np.asarray(y, dtype=float) - ltd.mean()) + (h + p) * ltd.loss(y)


def _g_integral(ltd: _LTD, h, p, a, b):
    """integral_a^b g(y) dy for continuous D_L."""
    mu = ltd.mean()
    return h * ((b - mu) ** 2 - (a - mu) ** 2) / 2 + (h + p) * float(ltd.loss2(a) - ltd.loss2(b))


def _optimum_discrete(ltd: _LTD, lam, h, p, K):
    """Federgruen & Zheng (1992): grow the window of the smallest g values while it lowers C.

    The smallest values of g are read from a window of positions around y*.  g is convex, so a
    position outside the window costs at least g at the nearer window edge: the window's sorted
    values are the true smallest ones up to the cheaper edge's value.  The answer is accepted only
    when the stopping value lies within that range; otherwise the window doubles.
    """
    ystar = int(ltd.ppf(p / (p + h)))
    width = max(16, int(4 * math.sqrt(ltd.var() + 1)))
    while True:
        ys = np.arange(ystar - width, ystar + width + 1)
        g = _g(ltd, h, p, ys)
        order = np.argsort(g, kind="stable")
        gs = g[order]
        k = np.arange(1, ys.size + 1)
        C = (K * lam + np.cumsum(gs)) / k
        stop = np.flatnonzero(gs[1:] >= C[:-1])        # the next value would not lower the average
        if stop.size and gs[stop[0] + 1] <= min(g[0], g[-1]):
            Q = int(stop[0] + 1)
            r = int(ys[order[:Q]].min()) - 1
            return r, Q
        _check_support(4 * width)
        width *= 2


def _level_set(ltd: _LTD, h, p, ystar, c):
    """The ends a <= y* <= b of {y: g(y) <= c}."""
    mu = ltd.mean()
    f = lambda y: float(_g(ltd, h, p, y)) - c  # noqa: E731
    lo, hi = mu - c / p - 1.0, mu + c / h + 1.0     # g(y) >= max(h (y - mu), p (mu - y))
    a = optimize.brentq(f, lo, ystar, xtol=1e-12, rtol=1e-15) if f(ystar) < 0 else ystar
    b = optimize.brentq(f, ystar, hi, xtol=1e-12, rtol=1e-15) if f(ystar) < 0 else ystar
    return a, b


def _optimum_continuous(ltd: _LTD, lam, h, p, K):
    """C* solves integral (C* - g)^+ = K λ; then r, r + Q are the ends of {g <= C*}."""
    ystar = ltd.ppf(p / (p + h))
    gmin = float(_g(ltd, h, p, ystar))

    def area(c):
        a, b = _level_set(ltd, h, p, ystar, c)
        return c * (b - a) - _g_integral(ltd, h, p, a, b) - K * lam

    step = max(gmin, h * math.sqrt(ltd.var()) + 1e-9, 1e-9)
    hi = gmin + step
    while area(hi) < 0:
        hi = gmin + 2 * (hi - gmin)
    c = optimize.brentq(area, gmin, hi, xtol=1e-13, rtol=1e-15)
    a, b = _level_set(ltd, h, p, ystar, c)
    return a, b - a


def optimize_rq(demand, lead_time, holding_cost, stockout_cost, fixed_cost) -> RQResult:
    """The exact optimal (r, Q) policy and its cost per period (see the module docstring).

    Parameters
    ----------
    demand : scipy frozen distribution, DiscreteDistribution or dict
        D, demand per period: Poisson, normal or any discrete distribution on the non-negative
        integers.
    lead_time : float, int, dict or discrete scipy distribution
        L in periods: a number (any real >= 0 for Poisson and normal demand) or a random whole
        number of periods.
    holding_cost : float
        h > 0 per unit on hand per period.
    stockout_cost : float
        p > 0 per unit backordered per period.
    fixed_cost : float
        K > 0 per order.

    Returns
    -------
    RQResult
        ``.reorder_point`` r*, ``.order_quantity`` Q*, ``.cost`` C(r*, Q*), its parts and service.

    Examples
    --------
    Snyder & Shen Example 5.8 (Poisson demand, Federgruen & Zheng's algorithm): r* = 3, Q* = 5.

    >>> from scipy.stats import norm, poisson
    >>> res = optimize_rq(poisson(1.5), 2, 20, 150, 100)
    >>> res.reorder_point, res.order_quantity, round(res.cost, 4)
    (3, 5, 107.9236)

    Example 5.1 (normal demand): the policy (126.8, 328.5) evaluated there costs 78.07116, within
    2e-5 of the exact optimum (the cost is flat near it):

    >>> res = optimize_rq(norm(1300, 150), 1 / 12, 0.225, 7.5, 8)
    >>> round(res.reorder_point, 3), round(res.order_quantity, 3), round(res.cost, 5)
    (126.867, 328.449, 78.07115)
    """
    h, p, _ = _costs(holding_cost, stockout_cost, fixed_cost)
    K = check_positive("fixed_cost", fixed_cost)
    lam = _demand_rate(demand)
    if lam <= 0:
        raise ValueError("demand must have a positive mean for an (r, Q) policy to order at all, got 0")
    ltd = _lead_time_demand(demand, lead_time)
    r, Q = (_optimum_discrete if ltd.discrete else _optimum_continuous)(ltd, lam, h, p, K)
    return _evaluate(ltd, lam, h, p, K, r, Q, "optimal", demand, lead_time)


# ---------------------------------------------------------------------- heuristics
def _best_r_for_q(ltd: _LTD, h, p, Q):
    """r(Q): the r minimising C(r, Q) for a fixed Q, where g(r) = g(r + Q) (continuous) or the
    window {r+1..r+Q} holds the Q smallest values of g (discrete)."""
    ystar = ltd.ppf(p / (p + h))
    if ltd.discrete:
        ystar = int(ystar)
        ys = np.arange(ystar - Q - 1, ystar + Q + 2)
        gs = _g(ltd, h, p, ys)
        sums = np.convolve(gs, np.ones(Q), mode="valid")   # sums[i] = g(ys[i]) + ... + g(ys[i+Q-1])
        return int(ys[int(np.argmin(sums))]) - 1
    f = lambda r: float(_g(ltd, h, p, r + Q) - _g(ltd, h, p, r))  # noqa: E731
    return float(optimize.brentq(f, ystar - Q, ystar, xtol=1e-12, rtol=1e-15))


def _heuristic_policy(ltd: _LTD, lam, h, p, K, method):
    eoq = math.sqrt(2 * K * lam / h)
    if method == "EOQ-B":
        Q = math.sqrt(2 * K * lam * (h + p) / (h * p))
        Q = max(1, round(Q)) if ltd.discrete else Q
        return _best_r_for_q(ltd, h, p, Q), Q
    if method == "EOQ + SS":
        Q = max(1, round(eoq)) if ltd.discrete else eoq
        return ltd.ppf(p / (p + h)) if not ltd.discrete else int(ltd.ppf(p / (p + h))), Q
    # loss function: drop n2(r + Q); iterate n(r) = h Q / (h + p) and Q = sqrt(2 (K λ + (h + p) n2(r)) / h)
    Q, seen = eoq, set()
    for _ in range(1000):
        target = h * Q / (h + p)
        if ltd.discrete:
            r = _smallest_int_with_loss_at_most(ltd, target)
        else:
            lo = ltd.mean() - target - 1.0
            while float(ltd.loss(lo)) <= target:
                lo -= 2 * (abs(lo) + 1)
            hi = ltd.mean() + 40 * math.sqrt(ltd.var()) + 1.0
            r = optimize.brentq(lambda x: float(ltd.loss(x)) - target, lo, hi, xtol=1e-12, rtol=1e-15)
        Q_new = math.sqrt(2 * (K * lam + (h + p) * float(ltd.loss2(r))) / h)
        if ltd.discrete:
            key = (r, max(1, round(Q_new)))
            if key in seen:
                return key
            seen.add(key)
        elif abs(Q_new - Q) <= 1e-11 * max(Q, 1.0):
            return r, Q_new
        Q = Q_new
    return (r, max(1, round(Q))) if ltd.discrete else (r, Q)


def _smallest_int_with_loss_at_most(ltd: _LTD, target: float) -> int:
    hi = int(math.ceil(ltd.mean())) + 1
    lo = int(math.floor(ltd.mean() - target)) - 1          # n(x) >= E[D_L] - x > target below here
    while float(ltd.loss(hi)) > target:
        hi += hi - lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if float(ltd.loss(mid)) <= target else (mid, hi)
    return hi


def rq_heuristic(demand, lead_time, holding_cost, stockout_cost, fixed_cost, method: str = "EOQ-B") -> RQResult:
    """An (r, Q) policy from a textbook heuristic, with its exact cost.

    Parameters
    ----------
    demand, lead_time, holding_cost, stockout_cost, fixed_cost
        As in :func:`optimize_rq`.
    method : {"EOQ-B", "EOQ + SS", "loss function"}
        ``"EOQ-B"``: Q = sqrt(2 K λ (h + p) / (h p)) (the EOQ with planned backorders), then the
        best r for that Q (g(r) = g(r + Q)).  ``"EOQ + SS"``: Q = sqrt(2 K λ / h) and
        r = F_L^{-1}(p / (p + h)).  ``"loss function"``: drop the small n2(r + Q) term from
        C(r, Q) and iterate its first-order conditions n(r) = h Q / (h + p) and
        Q = sqrt(2 (K λ + (h + p) n2(r)) / h) from the EOQ until Q settles.  For discrete demand
        Q is rounded to the nearest whole unit (at least 1) and r is an integer.

    Returns
    -------
    RQResult
        With ``method`` set to the heuristic's name.

    Examples
    --------
    Snyder & Shen Examples 5.4 (EOQ-B), 5.5 (EOQ + SS) and 5.6 (loss function):

    >>> from scipy.stats import norm
    >>> for m in HEURISTICS:
    ...     res = rq_heuristic(norm(1300, 150), 1 / 12, 0.225, 7.5, 8, method=m)
    ...     print(m, round(res.reorder_point, 2), round(res.order_quantity, 2))
    EOQ-B 128.64 308.57
    EOQ + SS 190.34 304.05
    loss function 126.87 328.45
    """
    if method not in HEURISTICS:
        raise ValueError(f"method must be one of {', '.join(map(repr, HEURISTICS))}; got {method!r}")
    h, p, _ = _costs(holding_cost, stockout_cost, fixed_cost)
    K = check_positive("fixed_cost", fixed_cost)
    lam = _demand_rate(demand)
    if lam <= 0:
        raise ValueError("demand must have a positive mean for an (r, Q) policy to order at all, got 0")
    ltd = _lead_time_demand(demand, lead_time)
    r, Q = _heuristic_policy(ltd, lam, h, p, K, method)
    return _evaluate(ltd, lam, h, p, K, r, Q, method, demand, lead_time)


def compare_rq_heuristics(demand, lead_time, holding_cost, stockout_cost, fixed_cost) -> pd.DataFrame:
    """The exact optimum beside every heuristic of :data:`HEURISTICS`, with its cost gap.

    Returns
    -------
    DataFrame
        Index ``method`` (``"optimal"`` first); columns ``reorder_point``, ``order_quantity``,
        ``cost`` (exact, per period), ``gap_pct`` (100 (cost - C*) / C*), ``fill_rate``,
        ``cycle_service_level``.

    Examples
    --------
    >>> from scipy.stats import norm
    >>> t = compare_rq_heuristics(norm(1300, 150), 1 / 12, 0.225, 7.5, 8)
    >>> t["gap_pct"].round(2).tolist()
    [0.0, 0.17, 11.5, 0.0]
    """
    best = optimize_rq(demand, lead_time, holding_cost, stockout_cost, fixed_cost)
    rows = [best] + [rq_heuristic(demand, lead_time, holding_cost, stockout_cost, fixed_cost, m) for m in HEURISTICS]
    table = pd.DataFrame({
        "method": [r.method for r in rows],
        "reorder_point": [r.reorder_point for r in rows],
        "order_quantity": [r.order_quantity for r in rows],
        "cost": [r.cost for r in rows],
        "gap_pct": [100 * (r.cost - best.cost) / best.cost for r in rows],
        "fill_rate": [r.fill_rate for r in rows],
        "cycle_service_level": [r.cycle_service_level for r in rows],
    })
    return table.set_index("method")
