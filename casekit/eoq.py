"""The economic order quantity (EOQ) and its classical variants: planned backorders, quantity
discounts, finite production rate and power-of-two cycle lengths.

The model (Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., chapter 3)
-----------------------------------------------------------------------------------
Demand is deterministic and continuous at rate λ units per period; orders arrive instantly; each
order costs a fixed K; one unit held for one period costs h.  Ordering Q units at a time gives a
saw-tooth inventory curve with cycle length T = Q / λ and cost per period

    g(Q) = K λ / Q + h Q / 2,        Q* = sqrt(2 K λ / h),        g* = g(Q*) = sqrt(2 K λ h).

The curve is flat near its minimum: g(Q) / g* = (Q/Q* + Q*/Q) / 2, so ordering 50 % too much costs
only 8.3 % more (:func:`eoq_cost_ratio`).  The variants in this module:

* :func:`eoq_with_backorders` -- demand may wait at p per unit per period; a fraction x of each
  cycle is spent backordered: Q* = sqrt(2Kλ(h+p)/(hp)), x* = h/(h+p), g* = sqrt(2Kλhp/(h+p)).
* :func:`eoq_all_units_discount` and :func:`eoq_incremental_discount` -- the unit price falls at
  order-size breakpoints; the purchase cost λ·c enters the cost per period and the holding cost may
  be a fraction i of the price paid (h = h_0 + i c).
* :func:`epq` -- the economic production quantity: the batch is produced at rate μ > λ, so the peak
  stock is Q(1 - ρ) with ρ = λ/μ: Q* = sqrt(2Kλ/(h(1-ρ))), g* = sqrt(2Kλh(1-ρ)).
* :func:`power_of_two` and :func:`power_of_two_items` -- cycle lengths restricted to base·2^k; the
  best such cycle costs at most (1/√2 + √2)/2 = 1.0607 times the optimum (Roundy 1985).

Numerics: every answer is a closed form (or a minimum over a handful of closed-form candidates),
exact to floating-point rounding.  Costs are per period (the period of λ and h).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from casekit.validate import check_array, check_nonnegative, check_positive, check_real

__all__ = [
    "EOQResult",
    "eoq",
    "eoq_cost",
    "eoq_cost_ratio",
    "BackorderEOQResult",
    "eoq_with_backorders",
    "eoq_with_backorders_cost",
    "QuantityDiscountResult",
    "eoq_all_units_discount",
    "eoq_incremental_discount",
    "EPQResult",
    "epq",
    "PowerOfTwoResult",
    "power_of_two",
    "PowerOfTwoItems",
    "power_of_two_items",
    "POWER_OF_TWO_BOUND",
]

#: Worst-case cost ratio of the best power-of-two cycle length to the optimal one: (1/√2 + √2)/2.
POWER_OF_TWO_BOUND = 3.0 / (2.0 * math.sqrt(2.0))


def _as_quantity(name: str, value):
    """A positive order quantity, scalar or array (array returned for array input)."""
    if np.ndim(value) == 0:
        return check_positive(name, value)
    return check_array(name, value, positive=True)


# --------------------------------------------------------------------------------------- EOQ

@dataclass(frozen=True)
class EOQResult:
    """The EOQ optimum.

    Attributes
    ----------
    order_quantity : float
        Q*, units per order.
    cost : float
        g* = g(Q*), ordering + holding cost per period.
    cycle_length : float
        T* = Q*/λ, periods between orders.
    fixed_cost, holding_cost, demand_rate : float
        The inputs K, h, λ.
    """

    order_quantity: float
    cost: float
    cycle_length: float
    fixed_cost: float
    holding_cost: float
    demand_rate: float

    def cost_at(self, order_quantity):
        """g(Q) of another order quantity (scalar or array)."""
        return eoq_cost(order_quantity, self.fixed_cost, self.holding_cost, self.demand_rate)

    def to_frame(self) -> pd.DataFrame:
        names = ["order_quantity", "cost", "cycle_length", "fixed_cost", "holding_cost", "demand_rate"]
        return pd.DataFrame({"value": [getattr(self, n) for n in names]}, index=names)


def _eoq_inputs(fixed_cost, holding_cost, demand_rate):
    return (check_positive("fixed_cost", fixed_cost), check_positive("holding_cost", holding_cost),
            check_positive("demand_rate", demand_rate))


def eoq(fixed_cost: float, holding_cost: float, demand_rate: float) -> EOQResult:
    """The economic order quantity Q* = sqrt(2Kλ/h) and its cost g* = sqrt(2Kλh) per period.

    Parameters
    ----------
    fixed_cost : float
        K > 0, cost per order.
    holding_cost : float
        h > 0, cost per unit held per period.
    demand_rate : float
        λ > 0, units demanded per period.

    Returns
    -------
    EOQResult
        ``.order_quantity`` (Q*), ``.cost`` (g*), ``.cycle_length`` (T* = Q*/λ).

    Examples
    --------
    Snyder & Shen, Example 3.1 (K = 8, h = 0.75 × 0.3, λ = 1300 per year): Q* = 304.1, g* = 68.41.

    >>> r = eoq(8, 0.75 * 0.3, 1300)
    >>> round(r.order_quantity, 4), round(r.cost, 4), round(r.cycle_length, 4)
    (304.0468, 68.4105, 0.2339)
    """
    K, h, lam = _eoq_inputs(fixed_cost, holding_cost, demand_rate)
    q = math.sqrt(2.0 * K * lam / h)
    return EOQResult(order_quantity=q, cost=math.sqrt(2.0 * K * lam * h), cycle_length=q / lam,
                     fixed_cost=K, holding_cost=h, demand_rate=lam)


def eoq_cost(order_quantity, fixed_cost: float, holding_cost: float, demand_rate: float):
    """The EOQ cost curve g(Q) = Kλ/Q + hQ/2 per period, for one Q or an array of them.

    ``fixed_cost`` may be 0 here (then g is the holding cost alone).

    >>> round(eoq_cost(300, 8, 0.225, 1300), 4)    # Snyder & Shen Example 3.1, Q = 300
    68.4167
    """
    Q = _as_quantity("order_quantity", order_quantity)
    K = check_nonnegative("fixed_cost", fixed_cost)
    h = check_positive("holding_cost", holding_cost)
    lam = check_positive("demand_rate", demand_rate)
    g = K * lam / Q + h * Q / 2.0
    return float(g) if np.ndim(g) == 0 else g


def eoq_cost_ratio(quantity_ratio):
    """g(Q)/g(Q*) = (r + 1/r)/2 as a function of r = Q/Q*: how flat the EOQ cost curve is.

    >>> round(eoq_cost_ratio(1.5), 4), round(eoq_cost_ratio(0.5), 4)
    (1.0833, 1.25)
    """
    r = _as_quantity("quantity_ratio", quantity_ratio)
    out = (r + 1.0 / r) / 2.0
    return float(out) if np.ndim(out) == 0 else out


# ------------------------------------------------------------------------ planned backorders

@dataclass(frozen=True)
class BackorderEOQResult:
    """The EOQ optimum with planned backorders.

    Attributes
    ----------
    order_quantity : float
        Q*, units per order.
    backorder_fraction : float
        x* = h/(h+p), the fraction of each cycle (and of Q) spent backordered.
    max_backorders : float
        x*Q*, the largest backlog, just before an order arrives.
    max_inventory : float
        (1 - x*)Q*, the stock just after an order arrives.
    cost : float
        g* = sqrt(2Kλhp/(h+p)), ordering + holding + backorder cost per period.
    cycle_length : float
        Q*/λ.
    """

    order_quantity: float
    backorder_fraction: float
    max_backorders: float
    max_inventory: float
    cost: float
    cycle_length: float
    fixed_cost: float
    holding_cost: float
    stockout_cost: float
    demand_rate: float

    def cost_at(self, order_quantity, backorder_fraction):
        """g(Q, x) of another order quantity and backorder fraction."""
        return eoq_with_backorders_cost(order_quantity, backorder_fraction, self.fixed_cost,
                                        self.holding_cost, self.stockout_cost, self.demand_rate)

    def to_frame(self) -> pd.DataFrame:
        names = ["order_quantity", "backorder_fraction", "max_backorders", "max_inventory", "cost",
                 "cycle_length"]
        return pd.DataFrame({"value": [getattr(self, n) for n in names]}, index=names)


def eoq_with_backorders(fixed_cost: float, holding_cost: float, stockout_cost: float,
                        demand_rate: float) -> BackorderEOQResult:
    """EOQ with planned backorders (Snyder & Shen section 3.5).

    Each cycle of length Q/λ starts with (1 - x)Q units on hand and ends with xQ units backordered;
    a backorder costs p per unit per period.  The cost per period is

        g(Q, x) = h(1 - x)²Q/2 + p x² Q/2 + Kλ/Q,

    minimised by x* = h/(h+p), Q* = sqrt(2Kλ(h+p)/(hp)), with g* = sqrt(2Kλhp/(h+p)).

    Parameters
    ----------
    fixed_cost, holding_cost, stockout_cost, demand_rate : float
        K > 0, h > 0, p > 0 (per unit backordered per period), λ > 0.

    Examples
    --------
    Snyder & Shen, Example 3.8 (Example 3.1 with p = 5): Q* = 310.81, x* = 0.0431, g* = 66.92.

    >>> r = eoq_with_backorders(8, 0.225, 5, 1300)
    >>> round(r.order_quantity, 4), round(r.backorder_fraction, 4), round(r.cost, 4)
    (310.8126, 0.0431, 66.9214)
    """
    K, h, lam = _eoq_inputs(fixed_cost, holding_cost, demand_rate)
    p = check_positive("stockout_cost", stockout_cost)
    q = math.sqrt(2.0 * K * lam * (h + p) / (h * p))
    x = h / (h + p)
    return BackorderEOQResult(order_quantity=q, backorder_fraction=x, max_backorders=x * q,
                              max_inventory=(1.0 - x) * q, cost=math.sqrt(2.0 * K * lam * h * p / (h + p)),
                              cycle_length=q / lam, fixed_cost=K, holding_cost=h, stockout_cost=p,
                              demand_rate=lam)


def eoq_with_backorders_cost(order_quantity, backorder_fraction, fixed_cost: float, holding_cost: float,
                             stockout_cost: float, demand_rate: float):
    """g(Q, x) = h(1 - x)²Q/2 + p x²Q/2 + Kλ/Q per period (scalars or broadcastable arrays).

    >>> round(eoq_with_backorders_cost(310.8126, 0.0431, 8, 0.225, 5, 1300), 4)   # Example 3.8
    66.9214
    """
    Q = _as_quantity("order_quantity", order_quantity)
    if np.ndim(backorder_fraction) == 0:
        x = check_real("backorder_fraction", backorder_fraction)
        bad = not 0.0 <= x <= 1.0
    else:
        x = check_array("backorder_fraction", backorder_fraction)
        bad = bool(((x < 0) | (x > 1)).any())
    if bad:
        raise ValueError(f"backorder_fraction must be between 0 and 1 inclusive, got {backorder_fraction!r}")
    K = check_nonnegative("fixed_cost", fixed_cost)
    h = check_positive("holding_cost", holding_cost)
    p = check_positive("stockout_cost", stockout_cost)
    lam = check_positive("demand_rate", demand_rate)
    g = h * (1.0 - x) ** 2 * Q / 2.0 + p * x ** 2 * Q / 2.0 + K * lam / Q
    return float(g) if np.ndim(g) == 0 else g


# ------------------------------------------------------------------------ quantity discounts

@dataclass(frozen=True)
class QuantityDiscountResult:
    """The optimal order quantity under a quantity-discount price schedule.

    Attributes
    ----------
    order_quantity : float
        Q*, units per order.
    cost : float
        Purchase + ordering + holding cost per period at Q*.
    region : int
        0-based index j of the price region b_j <= Q* < b_{j+1} that Q* falls in.
    unit_cost : float
        Average price paid per unit at Q* (c_j for all-units discounts; C(Q*)/Q* for incremental).
    kind : str
        ``"all-units"`` or ``"incremental"``.
    candidates : pandas.DataFrame
        One row per region: its unconstrained minimiser, whether that lies in the region
        (``realizable``), the best Q of the region and its cost (NaN when the region's infimum is
        only approached at its upper breakpoint, where the next region is cheaper).
    inputs : dict
        K, λ, breakpoints, unit costs, h_0 and i, used by :meth:`cost_at`.
    """

    order_quantity: float
    cost: float
    region: int
    unit_cost: float
    kind: str
    candidates: pd.DataFrame = field(repr=False, compare=False)
    inputs: dict = field(repr=False, compare=False, default_factory=dict)

    def cost_at(self, order_quantity):
        """Purchase + ordering + holding cost per period of any order quantity Q (scalar or array):
        the broken (all-units) or kinked (incremental) curve whose minimum is ``cost``."""
        Q = _as_quantity("order_quantity", order_quantity)
        g = _discount_cost(self.kind, np.asarray(Q, dtype=float), **self.inputs)
        return float(g) if np.ndim(g) == 0 else g

    def to_frame(self) -> pd.DataFrame:
        return self.candidates.copy()


def _discount_cost(kind, Q, fixed_cost, demand_rate, breakpoints, unit_costs, holding_cost, holding_rate):
    """g(Q) under a discount schedule, straight from its definition (price region by region)."""
    b, c = breakpoints, unit_costs
    j = np.searchsorted(b, Q, side="right") - 1                # region of each Q
    if kind == "all-units":
        purchase = c[j] * Q                                    # every unit at the region's price
    else:
        cum = np.concatenate([[0.0], np.cumsum(c[:-1] * np.diff(b))])
        purchase = cum[j] + c[j] * (Q - b[j])                  # C(Q), each unit at its own price
    return (demand_rate * (purchase + fixed_cost) / Q + holding_cost * Q / 2.0
            + holding_rate * purchase / 2.0)


def _discount_inputs(fixed_cost, demand_rate, breakpoints, unit_costs, holding_cost, holding_rate):
    K = check_positive("fixed_cost", fixed_cost)
    lam = check_positive("demand_rate", demand_rate)
    b = check_array("breakpoints", breakpoints, ndim=1, nonnegative=True, min_size=1)
    c = check_array("unit_costs", unit_costs, ndim=1, positive=True, min_size=1)
    if b.size != c.size:
        raise ValueError(f"unit_costs must have one price per breakpoint: got {c.size} prices for "
                         f"{b.size} breakpoints")
    if b[0] != 0:
        raise ValueError(f"breakpoints must start at 0 (the first price applies from the first unit), "
                         f"got breakpoints[0] = {float(b[0])!r}")
    if (np.diff(b) <= 0).any():
        i = int(np.flatnonzero(np.diff(b) <= 0)[0]) + 1
        raise ValueError(f"breakpoints must be strictly increasing, got {float(b[i])!r} at index {i} "
                         f"after {float(b[i - 1])!r}")
    if (np.diff(c) > 0).any():
        i = int(np.flatnonzero(np.diff(c) > 0)[0]) + 1
        raise ValueError(f"unit_costs must not increase with the order size (a discount schedule), got "
                         f"{float(c[i])!r} at index {i} after {float(c[i - 1])!r}")
    h0 = check_nonnegative("holding_cost", holding_cost)
    i_rate = check_nonnegative("holding_rate", holding_rate)
    if h0 == 0 and i_rate == 0:
        raise ValueError("holding_cost and holding_rate are both 0: at least one must be > 0 "
                         "(h = holding_cost + holding_rate × unit price)")
    return K, lam, b, c, h0, i_rate


def eoq_all_units_discount(fixed_cost: float, demand_rate: float, breakpoints, unit_costs, *,
                           holding_cost: float = 0.0, holding_rate: float = 0.0) -> QuantityDiscountResult:
    """EOQ with an all-units quantity discount (Snyder & Shen section 3.4).

    An order of Q units with b_j <= Q < b_{j+1} pays c_j for **every** unit.  The cost per period
    in region j is g_j(Q) = c_j λ + Kλ/Q + h_j Q/2 with h_j = h_0 + i c_j.  Each g_j is minimised
    at its own EOQ; the best Q of region j is that EOQ moved into [b_j, b_{j+1}), and Q* is the
    cheapest over the regions (it is either a realizable EOQ or a breakpoint).

    Parameters
    ----------
    fixed_cost : float
        K > 0 per order.
    demand_rate : float
        λ > 0 units per period.
    breakpoints : sequence of float
        b_0 = 0 < b_1 < ... : the order size at which each price starts.
    unit_costs : sequence of float
        c_0 >= c_1 >= ... > 0, the price per unit in each region.
    holding_cost : float, optional
        h_0 >= 0, holding cost per unit per period not tied to the price.
    holding_rate : float, optional
        i >= 0, holding cost per period as a fraction of the unit price (e.g. an interest rate).

    Examples
    --------
    Nahmias, *Production and Operations Analysis*, Example 4.4 (trash bags: λ = 600 per year,
    K = 8, i = 0.2, 30¢ below 500 bags, 29¢ from 500, 28¢ from 1,000): order 500 bags at a cost
    of $198.10 per year.

    >>> r = eoq_all_units_discount(8, 600, [0, 500, 1000], [0.30, 0.29, 0.28], holding_rate=0.2)
    >>> r.order_quantity, round(r.cost, 2), r.region
    (500.0, 198.1, 1)
    """
    K, lam, b, c, h0, i_rate = _discount_inputs(fixed_cost, demand_rate, breakpoints, unit_costs,
                                               holding_cost, holding_rate)
    upper = np.append(b[1:], np.inf)
    h = h0 + i_rate * c
    q_eoq = np.sqrt(2.0 * K * lam / h)
    realizable = (q_eoq >= b) & (q_eoq < upper)
    best_q = np.maximum(q_eoq, np.maximum(b, np.finfo(float).tiny))
    reachable = best_q < upper                       # otherwise the infimum sits at b_{j+1}: next region
    best_q = np.where(reachable, best_q, np.nan)
    cost = c * lam + K * lam / best_q + h * best_q / 2.0
    inputs = dict(fixed_cost=K, demand_rate=lam, breakpoints=b, unit_costs=c, holding_cost=h0,
                  holding_rate=i_rate)
    return _discount_result("all-units", q_eoq, realizable, best_q, cost, c, b, inputs)


def eoq_incremental_discount(fixed_cost: float, demand_rate: float, breakpoints, unit_costs, *,
                             holding_cost: float = 0.0, holding_rate: float = 0.0) -> QuantityDiscountResult:
    """EOQ with an incremental quantity discount (Snyder & Shen section 3.4).

    The units of an order between b_j and b_{j+1} cost c_j each, so an order of Q units in region
    j costs C(Q) = C(b_j) + c_j (Q - b_j).  With the holding cost h_0 Q/2 + i C(Q)/2 (interest on
    the money tied up in the average stock), the cost per period in region j is

        g_j(Q) = c_j λ + (K + C(b_j) - c_j b_j) λ/Q + (h_0 + i c_j) Q/2 + i (C(b_j) - c_j b_j)/2,

    an EOQ curve with fixed cost K + C(b_j) - c_j b_j.  g is continuous in Q, so Q* is the best
    of the regions' minimisers, each clamped into its region [b_j, b_{j+1}].

    Parameters are those of :func:`eoq_all_units_discount`.

    Examples
    --------
    The trash bags of Nahmias's Example 4.4 priced incrementally (30¢ for the first 500 bags of an
    order, 29¢ for the next 500, 28¢ beyond): the region-0 EOQ, 400 bags, is optimal.

    >>> r = eoq_incremental_discount(8, 600, [0, 500, 1000], [0.30, 0.29, 0.28], holding_rate=0.2)
    >>> round(r.order_quantity, 6), round(r.cost, 2), r.region
    (400.0, 204.0, 0)
    """
    K, lam, b, c, h0, i_rate = _discount_inputs(fixed_cost, demand_rate, breakpoints, unit_costs,
                                               holding_cost, holding_rate)
    upper = np.append(b[1:], np.inf)
    cum = np.concatenate([[0.0], np.cumsum(c[:-1] * np.diff(b))])     # C(b_j)
    extra = cum - c * b                                                # C(b_j) - c_j b_j >= 0
    h = h0 + i_rate * c
    q_eoq = np.sqrt(2.0 * (K + extra) * lam / h)
    realizable = (q_eoq >= b) & (q_eoq <= upper)
    best_q = np.clip(q_eoq, np.maximum(b, np.finfo(float).tiny), upper)
    cost = c * lam + (K + extra) * lam / best_q + h * best_q / 2.0 + i_rate * extra / 2.0
    inputs = dict(fixed_cost=K, demand_rate=lam, breakpoints=b, unit_costs=c, holding_cost=h0,
                  holding_rate=i_rate)
    return _discount_result("incremental", q_eoq, realizable, best_q, cost, c, b, inputs, cum=cum)


def _discount_result(kind, q_eoq, realizable, best_q, cost, c, b, inputs, cum=None) -> QuantityDiscountResult:
    j = int(np.nanargmin(cost))
    q = float(best_q[j])
    if kind == "all-units":
        unit = float(c[j])
    else:
        unit = float((cum[j] + c[j] * (q - b[j])) / q)
    table = pd.DataFrame({"breakpoint": b, "unit_cost": c, "eoq": q_eoq, "realizable": realizable,
                          "best_order_quantity": best_q, "cost": cost})
    table.index.name = "region"
    return QuantityDiscountResult(order_quantity=q, cost=float(cost[j]), region=j, unit_cost=unit,
                                  kind=kind, candidates=table, inputs=inputs)


# ------------------------------------------------------------------------ production quantity

@dataclass(frozen=True)
class EPQResult:
    """The economic production quantity.

    Attributes
    ----------
    order_quantity : float
        Q*, the batch size.
    cost : float
        g* = sqrt(2Kλh(1-ρ)), setup + holding cost per period.
    cycle_length : float
        Q*/λ.
    production_time : float
        Q*/μ, the part of each cycle spent producing.
    max_inventory : float
        Q*(1 - ρ), the stock at the end of a production run.
    utilization : float
        ρ = λ/μ.
    """

    order_quantity: float
    cost: float
    cycle_length: float
    production_time: float
    max_inventory: float
    utilization: float

    def to_frame(self) -> pd.DataFrame:
        names = ["order_quantity", "cost", "cycle_length", "production_time", "max_inventory", "utilization"]
        return pd.DataFrame({"value": [getattr(self, n) for n in names]}, index=names)


def epq(fixed_cost: float, holding_cost: float, demand_rate: float, production_rate: float) -> EPQResult:
    """The economic production quantity (Snyder & Shen section 3.6).

    A batch of Q is produced at rate μ while demand consumes at rate λ < μ, so stock peaks at
    Q(1 - ρ), ρ = λ/μ, and g(Q) = Kλ/Q + h(1 - ρ)Q/2: the EOQ with h replaced by h(1 - ρ).

    Parameters
    ----------
    fixed_cost, holding_cost, demand_rate : float
        K > 0 (per setup), h > 0, λ > 0.
    production_rate : float
        μ > λ, units produced per period while producing.

    Examples
    --------
    Snyder & Shen, Problem 3.22 (K = 4, h = 0.08, λ = 80, μ = 110):

    >>> r = epq(4, 0.08, 80, 110)
    >>> round(r.order_quantity, 4), round(r.cost, 4)
    (171.2698, 3.7368)
    """
    K, h, lam = _eoq_inputs(fixed_cost, holding_cost, demand_rate)
    mu = check_positive("production_rate", production_rate)
    if mu <= lam:
        raise ValueError(f"production_rate must exceed demand_rate ({lam!r}), got {mu!r}: production "
                         f"could not keep up with demand")
    rho = lam / mu
    q = math.sqrt(2.0 * K * lam / (h * (1.0 - rho)))
    return EPQResult(order_quantity=q, cost=math.sqrt(2.0 * K * lam * h * (1.0 - rho)), cycle_length=q / lam,
                     production_time=q / mu, max_inventory=q * (1.0 - rho), utilization=rho)


# ------------------------------------------------------------------------ power-of-two policies

@dataclass(frozen=True)
class PowerOfTwoResult:
    """The best cycle length of the form T = base_period · 2^k for one item.

    Attributes
    ----------
    cycle_length : float
        T = base_period · 2^k.
    exponent : int
        k (negative when T is shorter than the base period).
    order_quantity : float
        λT.
    cost : float
        K/T + hλT/2 per period.
    optimal_cycle_length : float
        T* = sqrt(2K/(hλ)), the unrestricted optimum.
    optimal_cost : float
        g* = sqrt(2Kλh).
    cost_ratio : float
        cost / optimal_cost, never above :data:`POWER_OF_TWO_BOUND` (1.0607).
    """

    cycle_length: float
    exponent: int
    order_quantity: float
    cost: float
    optimal_cycle_length: float
    optimal_cost: float
    cost_ratio: float

    def to_frame(self) -> pd.DataFrame:
        names = ["cycle_length", "exponent", "order_quantity", "cost", "optimal_cycle_length",
                 "optimal_cost", "cost_ratio"]
        return pd.DataFrame({"value": [getattr(self, n) for n in names]}, index=names)


def _best_exponent(t_star: np.ndarray, base: float, K: np.ndarray, hl: np.ndarray) -> np.ndarray:
    """The k minimising K/T + hλT/2 over T = base·2^k: the floor of log2(T*/base) or one more."""
    k0 = np.floor(np.log2(t_star / base))
    cost = lambda k: K / (base * 2.0 ** k) + hl * base * 2.0 ** k / 2.0
    return np.where(cost(k0 + 1) < cost(k0), k0 + 1, k0).astype(int)


def power_of_two(fixed_cost: float, holding_cost: float, demand_rate: float,
                 base_period: float = 1.0) -> PowerOfTwoResult:
    """Round the EOQ cycle length to the best power-of-two multiple of a base period.

    Practice often restricts reorder intervals to a day, two days, a week, two weeks, ... : T =
    base_period · 2^k, k an integer.  The EOQ cost in terms of T is g(T) = K/T + hλT/2; since
    g(T)/g* = (T/T* + T*/T)/2 and some power of two lies in [T*/√2, √2 T*], the best one costs at most
    (1/√2 + √2)/2 ≈ 1.0607 times g*, whatever the data (Roundy 1985).

    Parameters
    ----------
    fixed_cost, holding_cost, demand_rate : float
        K > 0, h > 0, λ > 0.
    base_period : float
        The base period, > 0, in the units of λ's period (e.g. 1/52 for a week when λ is per year).

    Examples
    --------
    Snyder & Shen Example 3.1 (T* = 0.2339 years, 12.2 weeks) with a one-week base period: the
    candidates are 8 and 16 weeks; 16 weeks (T/T* = 1.32) costs 3.8 % above g*, 8 weeks
    (T/T* = 0.66) 8.9 %:

    >>> r = power_of_two(8, 0.225, 1300, base_period=1 / 52)
    >>> r.exponent, round(r.cycle_length * 52, 1), round(r.cost, 2), round(r.cost_ratio, 4)
    (4, 16.0, 71.0, 1.0379)
    """
    K, h, lam = _eoq_inputs(fixed_cost, holding_cost, demand_rate)
    base = check_positive("base_period", base_period)
    t_star = math.sqrt(2.0 * K / (h * lam))
    k = int(_best_exponent(np.array(t_star), base, np.array(K), np.array(h * lam)))
    T = base * 2.0 ** k
    g = K / T + h * lam * T / 2.0
    g_star = math.sqrt(2.0 * K * lam * h)
    return PowerOfTwoResult(cycle_length=T, exponent=k, order_quantity=lam * T, cost=g,
                            optimal_cycle_length=t_star, optimal_cost=g_star, cost_ratio=g / g_star)


@dataclass(frozen=True)
class PowerOfTwoItems:
    """Power-of-two cycle lengths for several items on one common base period.

    Attributes
    ----------
    cycle_length, exponent, order_quantity, cost, optimal_cycle_length, optimal_cost : tuple
        Per item, as in :class:`PowerOfTwoResult`.
    total_cost, total_optimal_cost : float
        Sums over the items.
    cost_ratio : float
        total_cost / total_optimal_cost, at most :data:`POWER_OF_TWO_BOUND`.
    base_period : float
    """

    cycle_length: tuple
    exponent: tuple
    order_quantity: tuple
    cost: tuple
    optimal_cycle_length: tuple
    optimal_cost: tuple
    total_cost: float
    total_optimal_cost: float
    cost_ratio: float
    base_period: float

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame({"optimal_cycle_length": self.optimal_cycle_length, "exponent": self.exponent,
                           "cycle_length": self.cycle_length, "order_quantity": self.order_quantity,
                           "cost": self.cost, "optimal_cost": self.optimal_cost})
        df.index.name = "item"
        return df


def power_of_two_items(fixed_costs, holding_costs, demand_rates, base_period: float = 1.0) -> PowerOfTwoItems:
    """Each item's best power-of-two cycle length on a common base period.

    Items share the base period (so their orders nest: an item ordering every 2^k base periods
    orders together with every item of a shorter interval) but no joint ordering cost, so each
    item is rounded on its own as in :func:`power_of_two`; the total cost is within 1.0607 of the
    sum of the items' EOQ costs.

    Parameters
    ----------
    fixed_costs, holding_costs, demand_rates : sequence of float
        K_n > 0, h_n > 0, λ_n > 0, one per item, of equal length.
    base_period : float
        > 0.

    Examples
    --------
    >>> r = power_of_two_items([8, 50], [0.225, 1.0], [1300, 200], base_period=1 / 52)
    >>> r.exponent, round(r.cost_ratio, 4) <= 1.0607
    ((4, 5), True)
    """
    K = check_array("fixed_costs", fixed_costs, ndim=1, positive=True, min_size=1)
    h = check_array("holding_costs", holding_costs, ndim=1, positive=True, min_size=1)
    lam = check_array("demand_rates", demand_rates, ndim=1, positive=True, min_size=1)
    if not K.size == h.size == lam.size:
        raise ValueError(f"fixed_costs, holding_costs and demand_rates must have one value per item, got "
                         f"lengths {K.size}, {h.size}, {lam.size}")
    base = check_positive("base_period", base_period)
    t_star = np.sqrt(2.0 * K / (h * lam))
    k = _best_exponent(t_star, base, K, h * lam)
    T = base * 2.0 ** k
    g = K / T + h * lam * T / 2.0
    g_star = np.sqrt(2.0 * K * lam * h)
    tup = lambda a: tuple(float(v) for v in a)
    return PowerOfTwoItems(cycle_length=tup(T), exponent=tuple(int(v) for v in k), order_quantity=tup(lam * T),
                           cost=tup(g), optimal_cycle_length=tup(t_star), optimal_cost=tup(g_star),
                           total_cost=float(g.sum()), total_optimal_cost=float(g_star.sum()),
                           cost_ratio=float(g.sum() / g_star.sum()), base_period=base)
