"""Dynamic programming for inventory over a finite horizon: Wagner–Whitin lot sizing for known
demand (with the Silver–Meal heuristic beside it) and the stochastic finite-horizon inventory DP
whose optimal policies are base-stock (no fixed cost) or (s, S) (fixed cost).

Deterministic lot sizing (Snyder & Shen, *Fundamentals of Supply Chain Theory*, section 3.7)
-------------------------------------------------------------------------------------------
Periods t = 0..T-1 (0-based throughout casekit) have known demands d_t; an order placed in period
t costs K_t and arrives at once; every unit left at the end of period t costs h_t.  No shortages.
Wagner & Whitin (1958) showed an optimal plan orders only when stock runs out, so each order covers
the demand of a run of whole periods i..j-1, and

    F(j) = min_{i < j} [ F(i) + K_i + Σ_{k=i}^{j-1} d_k (h_i + ... + h_{k-1}) ],   F(0) = 0,

is the cheapest way to meet the demand of periods 0..j-1: O(T²) time, O(T) memory.  Runs of zero
demand need no order and cost nothing.  Silver & Meal (1973) extend each order period by period
while the cost per period covered keeps falling: quick, usually within a few per cent.

The stochastic finite-horizon DP (Snyder & Shen section 4.3; Scarf 1960; Veinott 1965)
-------------------------------------------------------------------------------------
Periods t = 0..T-1 start with inventory level x (on hand minus backorders, an integer).  We order
up to y >= x, paying K_t·[y > x] + c_t (y - x); the order arrives at once; demand D_t (discrete,
independent, possibly different each period) occurs; unmet demand is backordered; the period-end
level y - D_t is charged h_t per unit held and p_t per unit backordered.  Future costs are
discounted by γ in (0, 1]; what is left at the end pays the terminal cost
θ(x) = θ_h x⁺ + θ_p x⁻ (θ_h < 0 is a salvage value).  With L_t(y) = E[h_t (y-D_t)⁺ + p_t (D_t-y)⁺]:

    θ_T(x) = θ(x)
    H_t(y) = c_t y + L_t(y) + γ E[θ_{t+1}(y - D_t)]            (cost of starting the period at y)
    θ_t(x) = min( H_t(x),  K_t + min_{y >= x} H_t(y) ) - c_t x

When K_t >= γ K_{t+1} (always true for a constant K), H_t is K_t-convex (Scarf), so the optimum is
an (s_t, S_t) policy: S_t minimises H_t, and we order up to S_t exactly when x <= s_t, the largest
level with H_t(x) > K_t + H_t(S_t).  With K_t = 0
this is a base-stock policy (s_t = S_t - 1): the level we order up to does not depend on where we
start.  :func:`optimize_finite_horizon` computes the DP without assuming any of this and
:meth:`FiniteHorizonResult.structure` checks it on the computed solution.

Numerics: the levels live on an integer grid [lo, hi].  hi = max(x_0, Σ_t max D_t) is never
exceeded by an optimal order-up-to level (a unit beyond all possible demand only costs holding),
and below lo every period orders, so θ_t is exactly linear there (slope -c_t; -θ_p at the end)
and is extended as such; lo is moved down until this holds.  Demand distributions with unbounded
support are cut where P(D > n) <= 1e-12 (see :mod:`casekit.distributions`), so costs are exact to
about 1e-9 relative.  Work is O(T · n · m) for n levels and m demand values (FFT beyond 2e7 per
period); tables needing more than 1 GB are refused up front.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import signal

from casekit.distributions import as_discrete
from casekit.validate import check_array, check_int, check_nonnegative, check_real

__all__ = [
    "LotSizingResult",
    "wagner_whitin",
    "silver_meal",
    "lot_sizing_cost",
    "FiniteHorizonResult",
    "optimize_finite_horizon",
    "k_convexity_violation",
    "MAX_TABLE_BYTES",
]

#: Largest DP table (value, post-order cost and decision arrays together) casekit builds.
MAX_TABLE_BYTES = 1_000_000_000


# =============================================================================================
# deterministic lot sizing
# =============================================================================================

@dataclass(frozen=True)
class LotSizingResult:
    """An ordering plan for known per-period demand.

    Attributes
    ----------
    cost : float
        Total fixed + holding cost of the plan over the horizon.
    order_periods : tuple of int
        0-based periods in which an order is placed.
    order_quantities : tuple of float
        Amount ordered in each period (0 when none), one per period.
    ending_inventory : tuple of float
        Stock left at the end of each period.
    method : str
        ``"wagner-whitin"`` (optimal) or ``"silver-meal"`` (heuristic).
    """

    cost: float
    order_periods: tuple
    order_quantities: tuple
    ending_inventory: tuple
    method: str
    demand: tuple = field(repr=False)
    fixed_cost: tuple = field(repr=False)
    holding_cost: tuple = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        q = np.array(self.order_quantities)
        df = pd.DataFrame({"demand": self.demand, "order_quantity": q,
                           "ending_inventory": self.ending_inventory,
                           "fixed_cost": np.where(q > 0, self.fixed_cost, 0.0),
                           "holding_cost": np.array(self.holding_cost) * np.array(self.ending_inventory)})
        df.index.name = "period"
        return df


def _per_period(name: str, value, T: int, *, positive: bool = False) -> np.ndarray:
    """A scalar or a length-T sequence of non-negative (or positive) numbers, as a length-T array."""
    if np.ndim(value) == 0:
        v = check_real(name, value)
        arr = np.full(T, v)
    else:
        arr = check_array(name, value, ndim=1)
        if arr.size != T:
            raise ValueError(f"{name} must be a number or have one value per period ({T}), got {arr.size} values")
    bad = (arr <= 0) if positive else (arr < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = "" if np.ndim(value) == 0 else f" in period {i}"
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'}, got {float(arr[i])!r}{where}")
    return arr


def _lot_sizing_inputs(demand, fixed_cost, holding_cost):
    d = check_array("demand", demand, ndim=1, nonnegative=True)
    if d.size < 1:
        raise ValueError("demand must cover at least 1 period (the horizon must be >= 1), got 0 periods")
    T = d.size
    return d, _per_period("fixed_cost", fixed_cost, T), _per_period("holding_cost", holding_cost, T, positive=True)


def _plan(d, K, h, starts, method) -> LotSizingResult:
    """Build the result of a plan whose orders (each covering up to the next start) begin at ``starts``."""
    T = d.size
    q = np.zeros(T)
    bounds = list(starts) + [T]
    for i, j in zip(bounds[:-1], bounds[1:]):
        q[i] = d[i:j].sum()
    ending = np.cumsum(q - d)
    ending[np.abs(ending) < 1e-9 * max(1.0, d.sum())] = 0.0
    periods = tuple(int(i) for i in np.flatnonzero(q > 0))
    cost = float(K[q > 0].sum() + h @ ending)
    return LotSizingResult(cost=cost, order_periods=periods, order_quantities=tuple(float(v) for v in q),
                           ending_inventory=tuple(float(v) for v in ending), method=method,
                           demand=tuple(float(v) for v in d), fixed_cost=tuple(float(v) for v in K),
                           holding_cost=tuple(float(v) for v in h))


def wagner_whitin(demand, fixed_cost, holding_cost) -> LotSizingResult:
    """The optimal ordering plan for known time-varying demand (Wagner & Whitin 1958).

    Parameters
    ----------
    demand : sequence of float
        d_t >= 0, the demand of each period t = 0..T-1 (T >= 1).
    fixed_cost : float or sequence of float
        K_t >= 0, the cost of placing an order in period t.
    holding_cost : float or sequence of float
        h_t > 0, the cost per unit left at the end of period t.

    Returns
    -------
    LotSizingResult
        ``.cost``, ``.order_periods`` (0-based), ``.order_quantities`` (one per period).

    Examples
    --------
    Snyder & Shen, Example 3.9 (d = 90, 120, 80, 70; K = 500; h = 2): order 210 in the first period
    and 150 in the third, at a cost of 1,380.

    >>> r = wagner_whitin([90, 120, 80, 70], 500, 2)
    >>> r.cost, r.order_periods, r.order_quantities
    (1380.0, (0, 2), (210.0, 0.0, 150.0, 0.0))
    """
    d, K, h = _lot_sizing_inputs(demand, fixed_cost, holding_cost)
    T = d.size
    H = np.concatenate([[0.0], np.cumsum(h)])           # H[m] = h_0 + ... + h_{m-1}
    D = np.concatenate([[0.0], np.cumsum(d)])           # D[m] = d_0 + ... + d_{m-1}
    A = np.concatenate([[0.0], np.cumsum(d * H[:-1])])  # A[m] = Σ_{k<m} d_k H[k]
    tol = 1e-12 * max(1.0, D[-1])
    F = np.zeros(T + 1)
    last = np.zeros(T + 1, dtype=int)
    for j in range(1, T + 1):
        i = np.arange(j)
        block = D[j] - D[i]
        carry = (A[j] - A[i]) - H[i] * block            # Σ_{k=i}^{j-1} d_k (h_i + ... + h_{k-1})
        total = F[i] + np.where(block > tol, K[i], 0.0) + carry
        last[j] = int(np.argmin(total))
        F[j] = total[last[j]]
    starts, j = [], T
    while j > 0:
        starts.append(last[j])
        j = last[j]
    result = _plan(d, K, h, starts[::-1], "wagner-whitin")
    return result


def silver_meal(demand, fixed_cost, holding_cost) -> LotSizingResult:
    """The Silver–Meal heuristic: each order covers periods while the cost per period falls.

    From an order period i, covering periods i..j-1 costs K_i plus the holding of the demand carried
    forward; the order is extended to one more period as long as that cost divided by the number of
    periods covered (j - i) decreases, and the next order is placed where it stops.  Periods with
    no demand before an order are skipped.  Same parameters and result type as
    :func:`wagner_whitin`.

    Examples
    --------
    Snyder & Shen's Example 3.9: costs per period covered from period 0 are 500, 370, 353.3, 370,
    so the first order covers three periods (290 units) and a second one the last: 1,560 against
    the optimal 1,380.

    >>> r = silver_meal([90, 120, 80, 70], 500, 2)
    >>> r.cost, r.order_periods, r.order_quantities
    (1560.0, (0, 3), (290.0, 0.0, 0.0, 70.0))
    """
    d, K, h = _lot_sizing_inputs(demand, fixed_cost, holding_cost)
    T = d.size
    H = np.concatenate([[0.0], np.cumsum(h)])
    starts, i = [], 0
    while i < T and d[i] == 0:
        i += 1
    while i < T:
        starts.append(i)
        best, carry, j = K[i], 0.0, i + 1       # covering period i alone costs K_i
        while j < T:
            extra = d[j] * (H[j] - H[i])
            if (K[i] + carry + extra) / (j - i + 1) >= best:
                break
            carry += extra
            best = (K[i] + carry) / (j - i + 1)
            j += 1
        while j < T and d[j] == 0:              # nothing to order for empty periods
            j += 1
        i = j
    if not starts:
        starts = [0]
    return _plan(d, K, h, starts, "silver-meal")


def lot_sizing_cost(order_quantities, demand, fixed_cost, holding_cost) -> float:
    """Total fixed + holding cost of any ordering plan that never runs short.

    >>> lot_sizing_cost([210, 0, 150, 0], [90, 120, 80, 70], 500, 2)   # Snyder & Shen Example 3.9
    1380.0
    """
    d, K, h = _lot_sizing_inputs(demand, fixed_cost, holding_cost)
    q = check_array("order_quantities", order_quantities, ndim=1, nonnegative=True)
    if q.size != d.size:
        raise ValueError(f"order_quantities must have one value per period ({d.size}), got {q.size}")
    ending = np.cumsum(q - d)
    tol = 1e-9 * max(1.0, d.sum())
    if (ending < -tol).any():
        t = int(np.flatnonzero(ending < -tol)[0])
        raise ValueError(f"order_quantities run short in period {t} (ending inventory {float(ending[t]):g}); "
                         f"the lot-sizing model allows no shortages")
    return float(K[q > 0].sum() + h @ np.maximum(ending, 0.0))


# =============================================================================================
# stochastic finite-horizon DP
# =============================================================================================

def k_convexity_violation(values, fixed_cost: float) -> float:
    """How far a function on consecutive integers is from being K-convex (0 when it is).

    g is K-convex when K + g(w) >= g(z) + (w - z)(g(z) - g(u))/(z - u) for all u < z <= w (Scarf
    1960; K = 0 is ordinary convexity).  Returns the largest shortfall over all such triples of
    grid points, O(n²) work.

    >>> k_convexity_violation([4, 1, 0, 1, 4], 0.0)            # convex
    0.0
    >>> k_convexity_violation([0, 1, 0, 5], 0.5)   # (u, z, w) = (0, 1, 2): 1 + 1·1 - 0 - 0.5
    1.5
    """
    g = check_array("values", values, ndim=1, min_size=1)
    K = check_nonnegative("fixed_cost", fixed_cost)
    n = g.size
    if n > 20_000:
        raise ValueError(f"values has {n} points; the O(n²) check is limited to 20,000")
    worst = 0.0
    x = np.arange(n, dtype=float)
    for start in range(1, n, 256):                            # blocks of middle points z
        z = np.arange(start, min(n, start + 256))
        run = x[None, :] - z[:, None]                         # u - z (left of z) or w - z (right)
        with np.errstate(divide="ignore", invalid="ignore"):
            chord = np.where(run < 0, (g[z][:, None] - g[None, :]) / -run, -np.inf)
        slope = chord.max(axis=1)                             # steepest chord into z from the left
        gap = np.where(run >= 0, g[z][:, None] + run * slope[:, None] - g[None, :] - K, -np.inf)
        worst = max(worst, float(gap.max()))                  # shortfall over every w >= z
    return worst


@dataclass(frozen=True)
class FiniteHorizonResult:
    """The optimal policy of the finite-horizon stochastic inventory problem.

    Attributes
    ----------
    cost : float
        θ_0(x_0): the optimal expected discounted cost from the initial level.
    reorder_points : tuple of int
        s_t: the highest level at which period t orders (order iff x <= s_t when the policy is (s, S)).
    order_up_to_levels : tuple of int
        S_t = argmin H_t (the smallest minimiser).
    initial_level : int
    levels : numpy.ndarray
        The integer grid of inventory levels x.
    value : numpy.ndarray
        value[t, i] = θ_t(levels[i]), shape (T + 1, n); row T is the terminal cost.
    order_up_to : numpy.ndarray
        order_up_to[t, i] = the optimal level y after ordering in period t from x = levels[i]
        (equal to x when no order is placed; ties go to not ordering), shape (T, n).
    post_order_cost : numpy.ndarray
        post_order_cost[t, i] = H_t(levels[i]), shape (T, n).
    fixed_cost : tuple of float
        K_t, used by :meth:`structure`.
    """

    cost: float
    reorder_points: tuple
    order_up_to_levels: tuple
    initial_level: int
    levels: np.ndarray = field(repr=False, compare=False)
    value: np.ndarray = field(repr=False, compare=False)
    order_up_to: np.ndarray = field(repr=False, compare=False)
    post_order_cost: np.ndarray = field(repr=False, compare=False)
    fixed_cost: tuple = field(repr=False, default=())

    @property
    def periods(self) -> int:
        return len(self.order_up_to_levels)

    def _index(self, level) -> int:
        x = check_int("level", level)
        lo, hi = int(self.levels[0]), int(self.levels[-1])
        if not lo <= x <= hi:
            raise ValueError(f"level must lie on the computed grid [{lo}, {hi}], got {x}")
        return x - lo

    def _period(self, period) -> int:
        return check_int("period", period, minimum=0, maximum=self.periods - 1)

    def cost_at(self, level, period: int = 0) -> float:
        """θ_t(x): optimal expected cost from level x at the start of period t."""
        t = check_int("period", period, minimum=0, maximum=self.periods)
        return float(self.value[t, self._index(level)])

    def order_up_to_at(self, level, period: int = 0) -> int:
        """The optimal level after ordering in period t from level x (x itself if no order)."""
        return int(self.order_up_to[self._period(period), self._index(level)])

    def policy(self, period: int = 0, levels=None) -> pd.DataFrame:
        """The optimal decision of one period for a range of starting levels (default: s_t - 5 .. S_t + 5)."""
        t = self._period(period)
        if levels is None:
            lo, hi = int(self.levels[0]), int(self.levels[-1])
            levels = range(max(lo, self.reorder_points[t] - 5), min(hi, self.order_up_to_levels[t] + 5) + 1)
        rows = [(x, self.order_up_to_at(x, t)) for x in levels]
        df = pd.DataFrame(rows, columns=["level", "order_up_to"]).set_index("level")
        df["order_quantity"] = df["order_up_to"] - df.index
        df["cost"] = [self.cost_at(x, t) for x in df.index]
        return df

    def k_convexity_violation(self, period: int = 0, window: int | None = None) -> float:
        """Largest K_t-convexity shortfall of H_t on the grid (0 up to rounding when K_t >= γK_{t+1}).

        ``window`` limits the check to levels within that distance of [s_t, S_t]; the default,
        2(S_t - s_t) + 10, covers where the policy's decisions are made.  Pass the grid size for
        the whole grid (O(n²) work)."""
        t = self._period(period)
        lo = int(self.levels[0])
        a, b = self.reorder_points[t] - lo, self.order_up_to_levels[t] - lo
        if window is None:
            window = 2 * (b - a) + 10
        window = check_int("window", window, minimum=0)
        i0, i1 = max(0, a - window), min(self.levels.size, b + window + 1)
        return k_convexity_violation(self.post_order_cost[t, i0:i1], self.fixed_cost[t])

    def structure(self) -> pd.DataFrame:
        """Check, period by period, that the computed optimum has the (s, S) / base-stock form.

        Columns: ``s``, ``S``; ``orders_up_to_S_below_s`` (every level x <= s_t orders up to the
        same S_t: for K = 0, the optimal order-up-to level does not depend on the starting level);
        ``never_orders_above_s`` (no level above s_t orders); ``base_stock`` (s_t = S_t - 1);
        ``k_convexity_violation`` of H_t (0 up to rounding).
        """
        rows = []
        lo = int(self.levels[0])
        for t in range(self.periods):
            s, S = self.reorder_points[t], self.order_up_to_levels[t]
            y = self.order_up_to[t]
            below, above = slice(0, s - lo + 1), slice(s - lo + 1, None)
            rows.append({"period": t, "s": s, "S": S,
                         "orders_up_to_S_below_s": bool((y[below] == S).all()),
                         "never_orders_above_s": bool((y[above] == self.levels[above]).all()),
                         "base_stock": s == S - 1,
                         "k_convexity_violation": self.k_convexity_violation(t)})
        return pd.DataFrame(rows).set_index("period")

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame({"reorder_point": self.reorder_points, "order_up_to_level": self.order_up_to_levels})
        df.index.name = "period"
        return df


def _demands(demand, periods):
    if isinstance(demand, (list, tuple)):
        if len(demand) < 1:
            raise ValueError("demand must hold at least 1 period's distribution (the horizon must be >= 1), got 0")
        if periods is not None and check_int("periods", periods) != len(demand):
            raise ValueError(f"periods must match the {len(demand)} demand distributions given, got {periods}")
        return [as_discrete(d, param=f"demand[{t}]") for t, d in enumerate(demand)]
    if periods is None:
        raise ValueError("periods is required when one demand distribution serves every period")
    T = check_int("periods", periods, minimum=1)
    one = as_discrete(demand, param="demand")
    return [one] * T


def _expect_on_grid(ext: np.ndarray, pmf: np.ndarray, m: int, n: int) -> np.ndarray:
    """E[f(y - D)] for the n grid levels y, from f on the extended grid [lo - m, hi] (length n + m)."""
    if ext.size * pmf.size > 20_000_000:
        conv = signal.fftconvolve(ext, pmf)
    else:
        conv = np.convolve(ext, pmf)
    return conv[m:m + n]


def optimize_finite_horizon(demand, holding_cost, stockout_cost, *, periods: int | None = None,
                            fixed_cost=0.0, purchase_cost=0.0, discount_factor: float = 1.0,
                            terminal_holding_cost: float = 0.0, terminal_stockout_cost: float = 0.0,
                            initial_level: int = 0) -> FiniteHorizonResult:
    """Solve the finite-horizon stochastic inventory problem by dynamic programming.

    See the module docstring for the model and the recursion.

    Parameters
    ----------
    demand : distribution or sequence of distributions
        D_t, demand per period on the non-negative integers: a scipy.stats frozen distribution
        (continuous ones are rounded to whole units), a dict ``{value: probability}`` or a
        :class:`~casekit.distributions.DiscreteDistribution`.  One distribution (then ``periods``
        gives the horizon) or a list with one per period (non-stationary demand).
    holding_cost : float or sequence of float
        h_t > 0 per unit left at the end of period t.
    stockout_cost : float or sequence of float
        p_t > 0 per unit backordered at the end of period t.
    periods : int, optional
        T >= 1; required when ``demand`` is a single distribution.
    fixed_cost : float or sequence of float
        K_t >= 0 per order placed in period t.
    purchase_cost : float or sequence of float
        c_t >= 0 per unit ordered in period t.
    discount_factor : float
        γ in (0, 1].
    terminal_holding_cost, terminal_stockout_cost : float
        θ_h, θ_p: the cost per unit left over / still backordered after the last period.  θ_h may
        be negative (a salvage value) but not below -min c_t, and θ_h + θ_p >= 0 (convex terminal
        cost); θ_p >= 0.
    initial_level : int
        x_0, the inventory level at the start of period 0.

    Returns
    -------
    FiniteHorizonResult
        ``.cost``, ``.reorder_points`` (s_t), ``.order_up_to_levels`` (S_t), the value function and
        decisions on the grid, and :meth:`~FiniteHorizonResult.structure` to check the (s, S) form.

    Raises
    ------
    ValueError
        For bad input (naming the parameter), when backordering would be cheaper than ordering in
        some period (p_t <= c_t - γ c_{t+1}, so no finite policy exists), and when the tables would
        need more than 1 GB (the size is in the message).

    Examples
    --------
    Snyder & Shen Problem 4.29 (T = 10, h = 1, p = 25, c = 1, K = 0, γ = 0.98, terminal costs h and
    p) with its N(18, 3²) demand rounded to whole units.  Before the last period the optimal level is
    the myopic F⁻¹((p - c + γc)/(p + h)) = F⁻¹(0.9608): 23.28 for the continuous normal, 23 in whole
    units.  In the last period the terminal cost sets the fractile, (p + γθ_p - c)/(p + h + γ(θ_h +
    θ_p)) = 0.9421: 22.72 for the continuous normal, and still 23 in whole units.

    >>> from scipy import stats
    >>> r = optimize_finite_horizon(stats.norm(18, 3), 1, 25, periods=10, purchase_cost=1,
    ...                             discount_factor=0.98, terminal_holding_cost=1,
    ...                             terminal_stockout_cost=25)
    >>> r.order_up_to_levels
    (23, 23, 23, 23, 23, 23, 23, 23, 23, 23)
    >>> bool(r.structure()["base_stock"].all())
    True

    Problem 4.30 adds a fixed cost K = 40: the optimum becomes (s, S) in every period.

    >>> r = optimize_finite_horizon(stats.norm(18, 3), 1, 25, periods=10, fixed_cost=40,
    ...                             purchase_cost=1, discount_factor=0.98,
    ...                             terminal_holding_cost=1, terminal_stockout_cost=25)
    >>> st = r.structure()
    >>> bool(st["orders_up_to_S_below_s"].all() and st["never_orders_above_s"].all())
    True
    """
    D = _demands(demand, periods)
    T = len(D)
    h = _per_period("holding_cost", holding_cost, T, positive=True)
    p = _per_period("stockout_cost", stockout_cost, T, positive=True)
    K = _per_period("fixed_cost", fixed_cost, T)
    c = _per_period("purchase_cost", purchase_cost, T)
    gamma = check_real("discount_factor", discount_factor)
    if not 0.0 < gamma <= 1.0:
        raise ValueError(f"discount_factor must be in (0, 1], got {gamma!r}")
    th = check_real("terminal_holding_cost", terminal_holding_cost)
    tp = check_nonnegative("terminal_stockout_cost", terminal_stockout_cost)
    if th < -float(c.min()):
        raise ValueError(f"terminal_holding_cost must be >= -min(purchase_cost) = {-float(c.min())!r}, got {th!r}: "
                         f"a salvage value above the purchase price would make unlimited ordering profitable")
    if th + tp < 0:
        raise ValueError(f"terminal_holding_cost + terminal_stockout_cost must be >= 0 (a convex terminal cost), "
                         f"got {th!r} + {tp!r}")
    x0 = check_int("initial_level", initial_level)
    c_next = np.append(c[1:], tp)
    short = p + gamma * c_next <= c
    if short.any():
        t = int(np.flatnonzero(short)[0])
        nxt = "terminal_stockout_cost" if t == T - 1 else f"purchase_cost[{t + 1}]"
        raise ValueError(f"stockout_cost in period {t} ({float(p[t])!r}) must exceed purchase_cost[{t}] - "
                         f"discount_factor × {nxt} = {float(c[t] - gamma * c_next[t])!r}: otherwise backordering "
                         f"for ever is cheaper than ordering and no finite policy is optimal")

    pmfs = [d.pmf for d in D]
    m_max = max(f.size - 1 for f in pmfs)
    hi = max(x0, int(sum(f.size - 1 for f in pmfs)))
    lo = min(x0, 0) - m_max - 1
    for _ in range(60):
        n = hi - lo + 1
        size = (T + 1) * n * 8 + T * n * 8 * 2
        if size > MAX_TABLE_BYTES:
            raise ValueError(f"the DP over {T} periods and {n:,} inventory levels needs {size / 1e9:.2f} GB of "
                             f"tables, above the {MAX_TABLE_BYTES / 1e9:.0f} GB limit: shorten the horizon or "
                             f"measure demand in larger units")
        solved = _solve(pmfs, h, p, K, c, gamma, th, tp, lo, hi)
        if solved is not None:
            break
        lo -= max(n, m_max + 1)              # some period does not order at the grid bottom: widen
    else:                                    # pragma: no cover - the slope condition above prevents it
        raise RuntimeError("the order region was not found below the grid; this is a casekit bug")
    levels, V, Y, H = solved
    for a in (levels, V, Y, H):
        a.setflags(write=False)
    s = tuple(int(levels[np.flatnonzero(Y[t] != levels)[-1]]) for t in range(T))
    S = tuple(int(levels[np.argmin(H[t])]) for t in range(T))
    return FiniteHorizonResult(cost=float(V[0, x0 - lo]), reorder_points=s, order_up_to_levels=S,
                               initial_level=x0, levels=levels, value=V, order_up_to=Y, post_order_cost=H,
                               fixed_cost=tuple(float(v) for v in K))


def _solve(pmfs, h, p, K, c, gamma, th, tp, lo, hi):
    """Backward recursion on [lo, hi]; None when some period does not order at lo (grid too high)."""
    T = len(pmfs)
    levels = np.arange(lo, hi + 1)
    n = levels.size
    V = np.empty((T + 1, n))
    Y = np.empty((T, n), dtype=np.int64)
    H = np.empty((T, n))
    V[T] = th * np.maximum(levels, 0) + tp * np.maximum(-levels, 0)
    slope_below = -tp                                        # θ_{t+1} is linear below lo with this slope
    idx = np.arange(n)
    for t in range(T - 1, -1, -1):
        f = pmfs[t]
        m = f.size - 1
        below = V[t + 1, 0] + slope_below * (np.arange(lo - m, lo) - lo)
        ext = np.concatenate([below, V[t + 1]])
        Ht = c[t] * levels + _loss_cost(levels, f, h[t], p[t]) + gamma * _expect_on_grid(ext, f, m, n)
        # best level to order up to from x: the smallest minimiser of H over y >= x (suffix minimum)
        rev = Ht[::-1]
        run = np.minimum.accumulate(rev)
        prev = np.concatenate([[np.inf], run[:-1]])
        pos = np.maximum.accumulate(np.where(rev <= prev, idx, 0))
        best = (n - 1 - pos)[::-1]                           # index of argmin_{y >= x} H(y)
        best_cost = run[::-1]
        tol = 1e-12 * np.maximum(1.0, np.abs(Ht))
        order = K[t] + best_cost < Ht - tol
        if not order[0]:
            return None
        Y[t] = np.where(order, levels[best], levels)
        V[t] = np.where(order, K[t] + best_cost, Ht) - c[t] * levels
        H[t] = Ht
        slope_below = -c[t]
    return levels, V, Y, H


def _loss_cost(levels, f, h, p):
    """L(y) = h E[(y - D)^+] + p E[(D - y)^+] on the grid, from cumulative sums of the pmf."""
    d = np.arange(f.size, dtype=float)
    cdf = np.cumsum(f)
    part = np.cumsum(d * f)                                  # Σ_{k<=j} k f_k
    mean = part[-1]
    j = np.clip(levels, -1, f.size - 1)
    F = np.where(j >= 0, cdf[np.maximum(j, 0)], 0.0)
    Pm = np.where(j >= 0, part[np.maximum(j, 0)], 0.0)
    over = levels * F - Pm                                   # E[(y - D)^+]
    under = (mean - Pm) - levels * (1.0 - F)                 # E[(D - y)^+]
    return h * over + p * under
