"""Reorder points, safety stock and the newsvendor, from a lead-time-demand distribution.

Notation (Snyder & Shen, *Fundamentals of Supply Chain Theory*; Silver, Pyke & Thomas):

* ``X``: lead-time demand (LTD), a :class:`~casekit.distributions.DiscreteDistribution`, e.g. from
  :func:`casekit.leadtime.lead_time_demand`; ``F`` its cdf, ``n(x) = E[(X - x)^+]`` its loss function.
* **Cycle service level** (type-1 service, ``alpha``): the probability of no stockout in an order
  cycle, ``P(X <= r)``.  The reorder point is the smallest ``r`` with ``F(r) >= alpha``.
* **Fill rate** (type-2 service, ``beta``): the fraction of demand met from stock.  For a continuous
  review (r, Q) policy with backorders the expected units short per cycle are ``n(r) - n(r + Q)``
  (Hadley & Whitin), so ``beta(r) = 1 - [n(r) - n(r + Q)] / Q``; dropping ``n(r + Q)``, which is
  negligible unless ``r`` is very low, gives the common textbook form ``1 - n(r)/Q``.
* **Safety stock** ``ss = r - E[X]``: stock held beyond the expected lead-time demand.

Also here: the single-period **newsvendor** (exact for discrete and continuous demand) and its
variants: a lead time (demand over L + 1 periods), the revenue / purchase cost / salvage value /
goodwill form mapped to (h, p) and back (:func:`newsvendor_profit`), and the myopic multi-period
policy (:func:`myopic_policy`); the **loss functions** n, n_bar, n2, n_bar2 of any demand
distribution (:func:`loss_function` and its siblings, Snyder & Shen appendix C); **dynamic safety
stock** recomputed each period from a rolling window; and :func:`variance_by_tier`, Table 1 of the
paper "Hybrid Optimization Framework for Multi-Echelon Inventory Control Integrating Stochastic
Demand, Lead Time Uncertainty, and Real-Time Data Analytics" (variance by supply-chain tier) as a
table computed from parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import integrate, stats

from casekit.distributions import (DiscreteDistribution, _is_continuous_frozen, _is_discrete_frozen,
                                   as_discrete)
from casekit.leadtime import lead_time_demand
from casekit.validate import (check_array, check_choice, check_int, check_nonnegative, check_positive,
                              check_probability, check_real)

__all__ = [
    "reorder_point",
    "fill_rate",
    "reorder_point_fill_rate",
    "safety_stock",
    "NewsvendorResult",
    "newsvendor",
    "newsvendor_cost",
    "demand_over_periods",
    "NewsvendorProfitResult",
    "newsvendor_profit",
    "newsvendor_costs_from_prices",
    "newsvendor_prices_from_costs",
    "MyopicPolicy",
    "myopic_cost",
    "myopic_policy",
    "loss_function",
    "complementary_loss_function",
    "second_order_loss_function",
    "complementary_second_order_loss_function",
    "DynamicSafetyStock",
    "dynamic_safety_stock",
    "variance_by_tier",
    "EXAMPLE_TIERS",
    "MethodComparison",
    "compare_methods",
]


def _ltd(ltd) -> DiscreteDistribution:
    return as_discrete(ltd, param="ltd")


# ---------------------------------------------------------------------- service levels
def reorder_point(ltd, csl: float = 0.95) -> int:
    """The smallest reorder point ``r`` with ``P(X <= r) >= csl`` (cycle service level, type 1).

    Parameters
    ----------
    ltd : DiscreteDistribution or anything :func:`~casekit.distributions.as_discrete` accepts
        Lead-time demand ``X`` (units); a continuous scipy distribution is rounded to whole units.
    csl : float
        Cycle service level ``alpha``, strictly between 0 and 1.

    Examples
    --------
    Poisson(12) lead-time demand: r = 18 gives F(18) = 0.9626 >= 0.95 while F(17) = 0.9370.

    >>> from scipy import stats
    >>> reorder_point(stats.poisson(12), 0.95)
    18
    """
    csl = check_probability("csl", csl)
    return int(_ltd(ltd).ppf(csl))


def fill_rate(ltd, reorder_point: int, order_quantity: float) -> float:
    """Fill rate ``beta(r) = 1 - [n(r) - n(r + Q)] / Q`` of an (r, Q) policy with backorders.

    >>> from scipy import stats
    >>> round(fill_rate(stats.poisson(12), 14, 20), 4)
    0.9685
    """
    X = _ltd(ltd)
    check_int("reorder_point", reorder_point)
    Q = check_positive("order_quantity", order_quantity)
    return float(1.0 - (X.loss(reorder_point) - X.loss(reorder_point + Q)) / Q)


def reorder_point_fill_rate(ltd, fill_rate: float = 0.98, order_quantity: float = 1.0) -> int:
    """The smallest reorder point whose fill rate ``beta(r) = 1 - [n(r) - n(r + Q)]/Q`` reaches ``fill_rate``.

    ``r`` may be negative when ``Q`` is large compared with lead-time demand (an order is then
    placed only once backorders have built up).

    Parameters
    ----------
    ltd : lead-time demand ``X``
    fill_rate : float
        Target fraction of demand met from stock, strictly between 0 and 1.
    order_quantity : float
        ``Q`` > 0, units per order.

    Examples
    --------
    >>> from scipy import stats
    >>> reorder_point_fill_rate(stats.poisson(12), 0.95, 20)
    13
    """
    X = _ltd(ltd)
    beta = check_probability("fill_rate", fill_rate)
    Q = check_positive("order_quantity", order_quantity)
    r = np.arange(-int(math.ceil(Q)) - 1, X.n + 1)
    b = 1.0 - (X.loss(r) - X.loss(r + Q)) / Q
    return int(r[np.argmax(b >= beta - 1e-12)])


def safety_stock(ltd, csl: float | None = None, *, fill_rate: float | None = None,
                 order_quantity: float | None = None) -> float:
    """Safety stock ``ss = r - E[X]`` for a cycle service level ``csl`` or a ``fill_rate`` (with ``order_quantity``).

    Rounded to 9 decimals, so that the 1e-12 truncation of an unbounded ``X`` does not show.

    >>> from scipy import stats
    >>> safety_stock(stats.poisson(12), 0.95)
    6.0
    """
    X = _ltd(ltd)
    if (csl is None) == (fill_rate is None):
        raise ValueError(f"give exactly one of csl or fill_rate, got csl={csl!r}, fill_rate={fill_rate!r}")
    if csl is not None:
        r = reorder_point(X, csl)
    else:
        if order_quantity is None:
            raise ValueError("order_quantity must be given (> 0) with fill_rate, got None")
        r = reorder_point_fill_rate(X, fill_rate, order_quantity)
    return round(r - X.mean(), 9)


# ---------------------------------------------------------------------- three methods side by side
@dataclass(frozen=True)
class MethodComparison:
    """Reorder points by the exact, normal and Monte Carlo lead-time demand, judged by the exact one.

    ``table`` (index ``method``): ``ltd_mean``, ``ltd_std``, ``reorder_point``, ``safety_stock``,
    ``excess_units`` (reorder point minus the exact one; positive = more stock than needed), and
    ``achieved_csl``: the true cycle service level ``P(X <= r)`` of that reorder point under the
    exact distribution.  ``ltd`` maps method -> :class:`DiscreteDistribution`.
    """

    table: pd.DataFrame
    ltd: dict = field(repr=False)
    csl: float

    def reorder_point(self, method: str = "exact") -> int:
        return int(self.table.loc[method, "reorder_point"])

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def compare_methods(demand, lead_time, csl: float = 0.95, *, n_draws: int = 20_000, seed=0,
                    lead_time_rule: str = "round") -> MethodComparison:
    """Lead-time demand by ``"exact"``, ``"normal"`` and ``"montecarlo"``, and the reorder point each gives.

    Arguments as in :func:`casekit.leadtime.lead_time_demand`; ``csl`` in (0, 1).

    Low volume: Poisson(0.5) demand, 3 periods; the exact 0.99 quantile of Poisson(1.5) is 5.

    >>> from scipy import stats
    >>> c = compare_methods(stats.poisson(0.5), 3, 0.99, n_draws=10_000, seed=1)
    >>> c.reorder_point("exact"), c.reorder_point("normal")
    (5, 4)
    """
    csl = check_probability("csl", csl)
    ltd, rows = {}, []
    for method in ("exact", "normal", "montecarlo"):
        ltd[method] = lead_time_demand(demand, lead_time, method, n_draws=n_draws, seed=seed,
                                       lead_time_rule=lead_time_rule)
    exact = ltd["exact"]
    r_exact = exact.ppf(csl)
    for method, X in ltd.items():
        r = X.ppf(csl)
        rows.append(dict(method=method, ltd_mean=X.mean(), ltd_std=X.std(), reorder_point=r,
                         safety_stock=r - X.mean(), excess_units=r - r_exact, achieved_csl=float(exact.cdf(r))))
    return MethodComparison(table=pd.DataFrame(rows).set_index("method"), ltd=ltd, csl=csl)


# ---------------------------------------------------------------------- newsvendor
@dataclass(frozen=True)
class NewsvendorResult:
    """Optimal base-stock level ``S*`` and its expected cost per period.

    ``cost(S) = h E[(S - D)^+] + p E[(D - S)^+]``; ``critical_ratio = p / (p + h)``.  With a lead
    time ``L`` (periods), ``D`` is the demand over ``L + 1`` periods.
    """

    base_stock: float
    cost: float
    critical_ratio: float
    holding_cost: float
    stockout_cost: float
    demand: object = field(repr=False)
    lead_time: int = 0

    def cost_at(self, base_stock: float) -> float:
        """Expected cost per period of another base-stock level ``S``."""
        return newsvendor_cost(self.holding_cost, self.stockout_cost, self.demand, base_stock,
                               lead_time=self.lead_time)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"value": [self.base_stock, self.cost, self.critical_ratio,
                                       self.holding_cost, self.stockout_cost, self.lead_time]},
                            index=["base_stock", "cost", "critical_ratio", "holding_cost", "stockout_cost",
                                   "lead_time"])


def _continuous_loss(dist, S: float) -> float:
    """n(S) = E[(D - S)^+] = integral_S^inf (1 - F(x)) dx (closed form for the normal)."""
    if dist.dist.name == "norm":
        mu, sigma = dist.mean(), dist.std()
        z = (S - mu) / sigma
        return float(sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z)))
    lo = max(S, dist.support()[0])
    val, _ = integrate.quad(dist.sf, lo, np.inf, epsabs=1e-13, epsrel=1e-12, limit=200)
    return float(val + max(dist.support()[0] - S, 0.0))


#: Largest support (values) a convolved multi-period discrete demand may have.
_MAX_CONVOLVED_SUPPORT = 20_000_000


def demand_over_periods(demand, periods: int):
    """The demand over ``periods`` (>= 1) independent periods of per-period ``demand``.

    Closed forms keep the family: normal ``N(n mu, n sigma^2)``, Poisson ``Poisson(n lambda)``,
    negative binomial ``nbinom(n r, q)``, gamma ``gamma(n a, scale)``.  Any other discrete demand
    (scipy, :class:`~casekit.distributions.DiscreteDistribution`, dict, int) is convolved exactly
    (tail beyond 1 - 1e-12 lumped into the top value, see :mod:`casekit.distributions`).  Other
    continuous demand has no closed-form sum and is refused.

    >>> from scipy import stats
    >>> d = demand_over_periods(stats.norm(50, 8), 5)
    >>> round(float(d.mean()), 6), round(float(d.std()), 6)
    (250.0, 17.888544)
    """
    n = check_int("periods", periods, minimum=1)
    if n == 1:
        return demand
    if _is_continuous_frozen(demand) or _is_discrete_frozen(demand):
        name = demand.dist.name
        args, kw = tuple(demand.args), dict(demand.kwds)
        if name == "norm":
            return stats.norm(float(demand.mean()) * n, float(demand.std()) * math.sqrt(n))
        if name == "poisson" and demand.support()[0] == 0:
            return stats.poisson(float(demand.mean()) * n)
        if name == "nbinom":
            par = {**dict(zip(("n", "p", "loc"), args)), **kw}
            if par.get("loc", 0) == 0:
                return stats.nbinom(par["n"] * n, par["p"])
        if name == "gamma":
            par = {**dict(zip(("a", "loc", "scale"), args)), **kw}
            if par.get("loc", 0) == 0:
                return stats.gamma(par["a"] * n, scale=par.get("scale", 1.0))
        if _is_continuous_frozen(demand):
            raise ValueError(f"lead_time: demand over several periods of a {name} distribution has no closed "
                             f"form here; use normal, gamma, Poisson, negative binomial or discrete demand")
    D = as_discrete(demand, param="demand")
    if D.n * n > _MAX_CONVOLVED_SUPPORT:
        raise ValueError(f"lead_time: demand over {n} periods would have a support of {D.n * n:.3g} values, "
                         f"over the {_MAX_CONVOLVED_SUPPORT:.0e} limit")
    total = D
    for _ in range(n - 1):
        total = total + D
    return total


def _mean(demand) -> float:
    """E[D] of any demand the newsvendor functions accept."""
    if _is_continuous_frozen(demand) or _is_discrete_frozen(demand):
        return float(demand.mean())
    return as_discrete(demand, param="demand").mean()


def _periods(lead_time) -> int:
    return check_int("lead_time", lead_time, minimum=0) + 1


def newsvendor_cost(holding_cost: float, stockout_cost: float, demand, base_stock: float, *,
                    lead_time: int = 0) -> float:
    """Expected cost per period ``g(S) = h E[(S - D)^+] + p E[(D - S)^+]`` of base-stock level ``S``.

    With ``lead_time`` L > 0 periods, ``D`` is the demand over L + 1 periods (what an order placed
    now must cover until the next one arrives).

    >>> from scipy import stats
    >>> round(newsvendor_cost(1, 4, stats.poisson(6), 5), 6)    # Snyder & Shen, Example 4.7
    6.590296
    """
    h = check_nonnegative("holding_cost", holding_cost)
    p = check_nonnegative("stockout_cost", stockout_cost)
    if base_stock is None or isinstance(base_stock, (str, bytes, bool)):
        raise TypeError(f"base_stock must be a number, got {base_stock!r}")
    S = check_real("base_stock", base_stock)
    demand = demand_over_periods(demand, _periods(lead_time))
    if _is_continuous_frozen(demand):
        n = _continuous_loss(demand, S)
        return float(h * (S - demand.mean() + n) + p * n)
    D = as_discrete(demand, param="demand")
    return float(h * D.complementary_loss(S) + p * D.loss(S))


def newsvendor(holding_cost: float, stockout_cost: float, demand, *, lead_time: int = 0) -> NewsvendorResult:
    """The newsvendor: ``S* = F^{-1}(p / (p + h))`` and its expected cost per period.

    Parameters
    ----------
    holding_cost : float
        ``h`` > 0, cost per unit left over at the end of the period.
    stockout_cost : float
        ``p`` > 0, cost per unit of unmet demand.
    demand : scipy.stats frozen distribution, DiscreteDistribution, dict
        ``D``, demand in the period.  Continuous: ``S*`` is the exact critical fractile.
        Discrete: ``S*`` is the smallest integer with ``F(S) >= p/(p+h)``.
    lead_time : int
        ``L`` >= 0 periods between ordering and receiving (Snyder & Shen section 4.3.4): the
        base-stock level covers the demand over ``L + 1`` periods (:func:`demand_over_periods`).

    Examples
    --------
    Snyder & Shen, *Fundamentals of Supply Chain Theory*, Example 4.3 (h = 0.18, p = 0.70,
    D ~ N(50, 8^2); published S* = 56.6, g(S*) = 1.998):

    >>> from scipy import stats
    >>> r = newsvendor(0.18, 0.70, stats.norm(50, 8))
    >>> round(r.base_stock, 6), round(r.cost, 6)
    (56.603956, 1.997605)

    Example 4.7 (h = 1, p = 4, Poisson(6) demand; published S* = 8):

    >>> r = newsvendor(1, 4, stats.poisson(6))
    >>> r.base_stock, round(r.cost, 6), round(r.cost_at(5), 6)
    (8, 3.570107, 6.590296)

    Example 4.4 (Example 4.3 with lead time L = 4: demand over 5 periods is N(250, 5 * 8^2);
    published S* = 264.8):

    >>> round(newsvendor(0.18, 0.70, stats.norm(50, 8), lead_time=4).base_stock, 4)
    264.7669
    """
    h = check_positive("holding_cost", holding_cost)
    p = check_positive("stockout_cost", stockout_cost)
    L = _periods(lead_time) - 1
    ratio = p / (p + h)
    over = demand_over_periods(demand, L + 1)
    if _is_continuous_frozen(over):
        m = over.mean()
        if not math.isfinite(m):
            raise ValueError(f"demand must have a finite mean, got {float(m)!r}")
        S = float(over.ppf(ratio))
    else:
        over = as_discrete(over, param="demand")
        S = int(over.ppf(ratio))
        if L == 0:
            demand = over
    return NewsvendorResult(base_stock=S, cost=newsvendor_cost(h, p, over, S), critical_ratio=ratio,
                            holding_cost=h, stockout_cost=p, demand=demand, lead_time=L)


@dataclass(frozen=True)
class NewsvendorProfitResult:
    """The newsvendor in its revenue form, beside the equivalent (h, p) cost form.

    Revenue form (Snyder & Shen section 4.3.2): selling price ``r``, purchase cost ``c``, salvage
    value ``v`` per unit left over, goodwill (loss-of-goodwill) cost ``g`` per unit short, plus
    optional holding cost ``h_0`` and extra shortage cost beyond the goodwill.  Expected profit

        pi(S) = r E[min(D, S)] - c S + v E[(S - D)^+] - h_0 E[(S - D)^+] - g E[(D - S)^+]
              = (r - c) E[D] - [h E[(S - D)^+] + p E[(D - S)^+]],

    with the overage cost ``h = c - v + h_0`` and underage cost ``p = r - c + g``: maximising
    profit is minimising the newsvendor cost ``g(S)``, and ``profit = (r - c) E[D] - cost``.

    Attributes
    ----------
    base_stock, critical_ratio : float
        ``S*`` and ``p / (p + h) = (r - c + g) / (r - v + g + h_0)``.
    profit, cost : float
        Expected profit ``pi(S*)`` and the (h, p) cost ``g(S*)`` per period.
    holding_cost, stockout_cost : float
        The mapped ``h`` and ``p``.
    selling_price, purchase_cost, salvage_value, goodwill_cost, extra_holding_cost : float
        The revenue-form inputs.
    """

    base_stock: float
    profit: float
    cost: float
    critical_ratio: float
    holding_cost: float
    stockout_cost: float
    selling_price: float
    purchase_cost: float
    salvage_value: float
    goodwill_cost: float
    extra_holding_cost: float
    demand: object = field(repr=False)
    lead_time: int = 0

    @property
    def margin(self) -> float:
        """``(r - c) E[D]``: the profit if supply matched demand exactly (profit + cost)."""
        return self.profit + self.cost

    def cost_at(self, base_stock: float) -> float:
        """The (h, p) newsvendor cost ``g(S)`` of another level."""
        return newsvendor_cost(self.holding_cost, self.stockout_cost, self.demand, base_stock,
                               lead_time=self.lead_time)

    def profit_at(self, base_stock: float) -> float:
        """Expected profit of another level: ``(r - c) E[D] - g(S)``."""
        return self.margin - self.cost_at(base_stock)

    def to_frame(self) -> pd.DataFrame:
        keys = ["base_stock", "profit", "cost", "critical_ratio", "holding_cost", "stockout_cost",
                "selling_price", "purchase_cost", "salvage_value", "goodwill_cost", "extra_holding_cost"]
        return pd.DataFrame({"value": [getattr(self, k) for k in keys]}, index=keys)


def newsvendor_costs_from_prices(selling_price: float, purchase_cost: float, salvage_value: float = 0.0,
                                 goodwill_cost: float = 0.0, extra_holding_cost: float = 0.0) -> tuple:
    """``(h, p) = (c - v + h_0, r - c + g)``: the revenue form mapped to the cost form.

    Requires ``v < c + h_0`` (else leftovers earn money and ``S*`` is infinite) and
    ``c < r + g`` (else no unit is worth buying).

    >>> newsvendor_costs_from_prices(1.0, 0.3, 0.12)    # Snyder & Shen Example 4.2 -> Example 4.3
    (0.18, 0.7)
    """
    r = check_nonnegative("selling_price", selling_price)
    c = check_nonnegative("purchase_cost", purchase_cost)
    v = check_real("salvage_value", salvage_value)
    g = check_nonnegative("goodwill_cost", goodwill_cost)
    h0 = check_nonnegative("extra_holding_cost", extra_holding_cost)
    h, p = c - v + h0, r - c + g
    if not h > 0:
        raise ValueError(f"salvage_value must be below purchase_cost + extra_holding_cost ({c + h0!r}), got "
                         f"{v!r}: leftovers would earn money and the order would be unbounded")
    if not p > 0:
        raise ValueError(f"purchase_cost must be below selling_price + goodwill_cost ({r + g!r}), got {c!r}: "
                         f"no unit would be worth ordering")
    return round(h, 12), round(p, 12)


def newsvendor_prices_from_costs(holding_cost: float, stockout_cost: float, purchase_cost: float) -> tuple:
    """Back from the cost form: given ``h``, ``p`` and a purchase cost ``c`` (and no goodwill or
    extra holding cost), the selling price ``r = c + p`` and salvage value ``v = c - h``.

    >>> newsvendor_prices_from_costs(0.18, 0.7, 0.3)    # Example 4.3 -> Example 4.2
    (1.0, 0.12)
    """
    h = check_positive("holding_cost", holding_cost)
    p = check_positive("stockout_cost", stockout_cost)
    c = check_nonnegative("purchase_cost", purchase_cost)
    return round(c + p, 12), round(c - h, 12)


def newsvendor_profit(selling_price: float, purchase_cost: float, salvage_value: float, demand, *,
                      goodwill_cost: float = 0.0, extra_holding_cost: float = 0.0,
                      lead_time: int = 0) -> NewsvendorProfitResult:
    """The newsvendor with selling price, purchase cost, salvage value and goodwill cost.

    Maps to the cost form ``h = c - v + h_0``, ``p = r - c + g``
    (:func:`newsvendor_costs_from_prices`), solves it with :func:`newsvendor`, and reports both
    the expected profit ``(r - c) E[D] - g(S*)`` and the cost ``g(S*)``.

    Examples
    --------
    Snyder & Shen Example 4.2 (r = 1, c = 0.30, v = 0.12, D ~ N(50, 8^2)) is Example 4.3 in
    disguise: h = 0.18, p = 0.70, the same S* = 56.6, profit 0.70 * 50 - 1.998:

    >>> from scipy import stats
    >>> r = newsvendor_profit(1.0, 0.30, 0.12, stats.norm(50, 8))
    >>> (r.holding_cost, r.stockout_cost), round(r.base_stock, 6), round(r.profit, 6), round(r.cost, 6)
    ((0.18, 0.7), 56.603956, 33.002395, 1.997605)
    """
    h, p = newsvendor_costs_from_prices(selling_price, purchase_cost, salvage_value, goodwill_cost,
                                        extra_holding_cost)
    res = newsvendor(h, p, demand, lead_time=lead_time)
    mean = _mean(demand_over_periods(res.demand, res.lead_time + 1))
    margin = (float(selling_price) - float(purchase_cost)) * mean
    return NewsvendorProfitResult(base_stock=res.base_stock, profit=margin - res.cost, cost=res.cost,
                                  critical_ratio=res.critical_ratio, holding_cost=h, stockout_cost=p,
                                  selling_price=float(selling_price), purchase_cost=float(purchase_cost),
                                  salvage_value=float(salvage_value), goodwill_cost=float(goodwill_cost),
                                  extra_holding_cost=float(extra_holding_cost), demand=res.demand,
                                  lead_time=res.lead_time)


@dataclass(frozen=True)
class MyopicPolicy:
    """Myopic base-stock levels of a multi-period newsvendor with purchase costs that change.

    ``table`` (index ``period`` t = 1..T): ``purchase_cost`` c_t, ``c_plus`` = c_t - gamma c_{t+1},
    ``critical_ratio`` (p - c+)/(p + h), ``base_stock`` S_t, ``cost`` G_t(S_t).
    ``nondecreasing``: S_1 <= S_2 <= ... <= S_T, the condition (Veinott 1965) under which the
    myopic policy is optimal for the whole horizon when the starting inventory is at most S_1.
    """

    table: pd.DataFrame
    discount: float
    nondecreasing: bool

    @property
    def base_stock(self) -> np.ndarray:
        return self.table["base_stock"].to_numpy()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def myopic_cost(holding_cost: float, stockout_cost: float, purchase_cost: float, next_purchase_cost: float,
                demand, base_stock: float, *, discount: float = 1.0) -> float:
    """One period's myopic cost ``G_t(y) = c_t y + g(y) - gamma c_{t+1} (y - E[D])``.

    Ordering up to ``y`` costs ``c_t`` per unit; what is left (``y - D``, negative = backorders)
    is worth ``c_{t+1}`` next period, discounted by ``gamma``; ``g`` is the newsvendor cost.
    Equivalently ``G_t(y) = g'(y) + c_t E[D]``, the newsvendor cost with ``h' = h + c+`` and
    ``p' = p - c+``, ``c+ = c_t - gamma c_{t+1}``.

    >>> from scipy import stats
    >>> round(myopic_cost(0.18, 0.70, 0.30, 0.40, stats.norm(50, 8), 120, discount=0.98), 6)
    21.16
    """
    h, p, c_plus = _myopic_costs(holding_cost, stockout_cost, purchase_cost, next_purchase_cost, discount)
    return newsvendor_cost(h + c_plus, p - c_plus, demand, base_stock) + float(purchase_cost) * _mean(demand)


def _myopic_costs(holding_cost, stockout_cost, purchase_cost, next_purchase_cost, discount):
    h = check_nonnegative("holding_cost", holding_cost)
    p = check_positive("stockout_cost", stockout_cost)
    c = check_nonnegative("purchase_cost", purchase_cost)
    c_next = check_nonnegative("next_purchase_cost", next_purchase_cost)
    gamma = check_real("discount", discount)
    if not 0 < gamma <= 1:
        raise ValueError(f"discount must be in (0, 1], got {gamma!r}")
    c_plus = c - gamma * c_next
    if not -h < c_plus < p:
        raise ValueError(f"purchase_cost and next_purchase_cost give c+ = c_t - discount c_(t+1) = {c_plus:g}; "
                         f"the myopic policy needs -h < c+ < p, i.e. between {-h:g} and {p:g}")
    return h, p, c_plus


def myopic_policy(holding_cost: float, stockout_cost: float, purchase_cost, demand, *,
                  discount: float = 1.0) -> MyopicPolicy:
    """Myopic base-stock levels for periods t = 1..T (Snyder & Shen section 4.4, after Veinott).

    In period t the myopic policy orders up to the minimiser of ``G_t(y) = c+_t y + g_t(y)``
    (:func:`myopic_cost`), ``c+_t = c_t - gamma c_{t+1}``: a newsvendor with critical ratio
    ``(p - c+_t) / (p + h)``.  When the levels are non-decreasing the myopic policy is optimal.

    Parameters
    ----------
    holding_cost, stockout_cost : float
        ``h`` >= 0 and ``p`` > 0 per unit per period.
    purchase_cost : sequence of float
        ``c_1, ..., c_T, c_{T+1}``: the unit purchase cost in each period, and last the value of a
        unit carried past the horizon (e.g. its salvage value, or the next purchase cost).
    demand : distribution or sequence of T distributions
        ``D_t`` per period (one distribution for all periods, or one per period).
    discount : float
        ``gamma`` in (0, 1].

    Examples
    --------
    Example 4.3's numbers with c_1 = 0.30, c_2 = 0.35, gamma = 0.98 (stockpyl's myopic test):
    c+ = -0.043, ratio 0.7430/0.88, S = 58.0989:

    >>> from scipy import stats
    >>> pol = myopic_policy(0.18, 0.70, [0.30, 0.35], stats.norm(50, 8), discount=0.98)
    >>> round(float(pol.base_stock[0]), 4), round(float(pol.table["cost"].iloc[0]), 4)
    (58.0989, 16.6824)
    """
    costs = check_array("purchase_cost", purchase_cost, ndim=1, nonnegative=True, min_size=2)
    T = costs.size - 1
    if isinstance(demand, (list, tuple)):
        if len(demand) != T:
            raise ValueError(f"demand must be one distribution or {T} (one per period), got {len(demand)}")
        demands = list(demand)
    else:
        demands = [demand] * T
    rows = []
    for t in range(T):
        h, p, c_plus = _myopic_costs(holding_cost, stockout_cost, costs[t], costs[t + 1], discount)
        res = newsvendor(h + c_plus, p - c_plus, demands[t])
        mean = _mean(res.demand)
        rows.append(dict(period=t + 1, purchase_cost=float(costs[t]), c_plus=c_plus,
                         critical_ratio=res.critical_ratio, base_stock=res.base_stock,
                         cost=res.cost + float(costs[t]) * mean))
    table = pd.DataFrame(rows).set_index("period")
    S = table["base_stock"].to_numpy(dtype=float)
    return MyopicPolicy(table=table, discount=float(discount), nondecreasing=bool(np.all(np.diff(S) >= -1e-12)))


# ---------------------------------------------------------------------- loss functions
def _loss_demand(demand):
    """Classify ``demand`` for the loss functions: ("normal", mu, sigma), ("poisson", lam),
    ("continuous", frozen), ("discrete", frozen) or ("table", DiscreteDistribution)."""
    if _is_continuous_frozen(demand):
        m, s = float(demand.mean()), float(demand.std())
        if not (math.isfinite(m) and math.isfinite(s)):
            raise ValueError(f"demand must have a finite mean and standard deviation, got mean {m!r}, sd {s!r}")
        if demand.dist.name == "norm":
            if not s > 0:
                raise ValueError(f"demand must have a positive standard deviation, got {s!r}")
            return ("normal", m, s)
        return ("continuous", demand)
    if _is_discrete_frozen(demand):
        lo = demand.support()[0]
        m, s = float(demand.mean()), float(demand.std())
        if not (math.isfinite(m) and math.isfinite(s)):
            raise ValueError(f"demand must have a finite mean and standard deviation, got mean {m!r}, sd {s!r}")
        if not math.isfinite(lo):
            raise ValueError(f"demand must have a finite lower end of its support, got {lo}")
        if demand.dist.name == "poisson" and lo == 0:
            return ("poisson", m)
        return ("discrete", demand)
    return ("table", as_discrete(demand, param="demand"))


def _loss_x(x, *, integer: bool = False):
    """x as a finite float array (and whether it was a scalar); integers only when asked."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"x must be a number or an array of numbers, got {x!r}")
    scalar = np.ndim(x) == 0
    xa = check_array("x", np.atleast_1d(x))
    if scalar:
        xa = xa.reshape(())
    if integer and np.any(xa != np.floor(xa)):
        bad = float(xa.ravel()[np.flatnonzero(xa.ravel() != np.floor(xa.ravel()))[0]])
        raise ValueError(f"x must be a whole number for the discrete second-order loss functions, got {bad!r}")
    return xa, scalar


def _loss_out(values, scalar):
    values = np.asarray(values, dtype=float)
    return float(values) if scalar else values


def _std_normal(z):
    """phi(z), Phi(z), 1 - Phi(z) of the standard normal."""
    return stats.norm.pdf(z), stats.norm.cdf(z), stats.norm.sf(z)


def _poisson_lower(lam, m):
    """F(m), F(m - 1), F(m - 2) of Poisson(lam) (0 below the support)."""
    return stats.poisson.cdf(m, lam), stats.poisson.cdf(m - 1, lam), stats.poisson.cdf(m - 2, lam)


def _poisson_upper(lam, m):
    """P(X > m), P(X > m - 1), P(X > m - 2) of Poisson(lam) (1 below the support)."""
    return stats.poisson.sf(m, lam), stats.poisson.sf(m - 1, lam), stats.poisson.sf(m - 2, lam)


#: Largest x-range a finite discrete sum may span (terms), beyond which the loss functions refuse.
_MAX_SUM_TERMS = 10_000_000


def _discrete_lower_sums(dist, xa, order: int):
    """Exact finite sums over y <= x of (x - y) f(y) (order 1) or (x - y)(x + 1 - y) f(y) (order 2),
    for a scipy discrete distribution with a finite lower end of its support."""
    lo = int(dist.support()[0])
    out = np.zeros(xa.shape)
    for idx, x in np.ndenumerate(xa):
        top = int(math.floor(x))
        if top < lo:
            continue
        if top - lo > _MAX_SUM_TERMS:
            raise ValueError(f"x={x!r} is {top - lo:.3g} units above the bottom of the support: the exact "
                             f"sum would need more than {_MAX_SUM_TERMS:.0e} terms")
        y = np.arange(lo, top + 1, dtype=float)
        f = dist.pmf(y)
        out[idx] = np.dot((x - y) if order == 1 else (x - y) * (x + 1 - y), f)
    return out


def _table_sums(D: DiscreteDistribution, xa, kind: str):
    """The four loss functions of a pmf on 0..n by finite sums (exact; vectorised over x)."""
    y = D.support.astype(float)
    p = D.pmf
    out = np.empty(xa.shape)
    flat = xa.ravel()
    res = np.empty(flat.size)
    chunk = max(1, 5_000_000 // max(y.size, 1))
    for s in range(0, flat.size, chunk):
        x = flat[s:s + chunk, None]
        if kind == "n":
            v = np.maximum(y - x, 0.0)
        elif kind == "n_bar":
            v = np.maximum(x - y, 0.0)
        elif kind == "n2":
            v = 0.5 * np.maximum(y - x, 0.0) * np.maximum(y - x - 1, 0.0)
        else:
            v = 0.5 * np.maximum(x - y, 0.0) * np.maximum(x + 1 - y, 0.0)
        res[s:s + chunk] = v @ p
    out[...] = res.reshape(xa.shape)
    return out


def _quad(f, a, b):
    if not b > a:
        return 0.0
    val, _ = integrate.quad(f, a, b, epsabs=1e-12, epsrel=1e-10, limit=400)
    return float(val)


def _continuous_value(dist, x: float, kind: str) -> float:
    lo, hi = (float(v) for v in dist.support())
    mu = float(dist.mean())
    if kind == "n":
        return _quad(dist.sf, max(x, lo), hi) + max(lo - x, 0.0)
    if kind == "n_bar":
        return _quad(dist.cdf, lo, x) if x > lo else 0.0
    if kind == "n2":
        top = _quad(lambda y: (y - max(x, lo)) * dist.sf(y), max(x, lo), hi)
        if x >= lo:
            return top
        # below the support n(y) = mu - y, so integral_x^lo n(y) dy is elementary
        return top + mu * (lo - x) - (lo * lo - x * x) / 2.0
    return _quad(lambda y: (x - y) * dist.cdf(y), lo, x) if x > lo else 0.0


def _loss(demand, x, kind: str):
    how = _loss_demand(demand)
    second = kind in ("n2", "n_bar2")
    xa, scalar = _loss_x(x, integer=second and how[0] in ("poisson", "discrete", "table"))
    if how[0] == "normal":
        _, mu, sigma = how
        z = (xa - mu) / sigma
        phi, Phi, sf = _std_normal(z)
        if kind == "n":
            v = sigma * (phi - z * sf)
        elif kind == "n_bar":
            v = sigma * (phi + z * Phi)
        elif kind == "n2":
            v = sigma ** 2 * 0.5 * ((z * z + 1) * sf - z * phi)
        else:
            v = sigma ** 2 * 0.5 * ((z * z + 1) * Phi + z * phi)
    elif how[0] == "poisson":
        lam = how[1]
        m = np.floor(xa)
        upper = xa >= lam                      # use the tail that keeps its precision
        if kind in ("n", "n_bar"):
            s0, s1, _ = _poisson_upper(lam, m)
            F0, F1, _ = _poisson_lower(lam, m)
            n_up = lam * s1 - xa * s0          # sum_{y > x} (y - x) f(y), with y f(y) = lam f(y - 1)
            nb_lo = xa * F0 - lam * F1         # sum_{y <= x} (x - y) f(y)
            n = np.where(upper, n_up, nb_lo - (xa - lam))
            nb = np.where(upper, n_up + (xa - lam), nb_lo)
            v = n if kind == "n" else nb
        else:
            s0, s1, s2 = _poisson_upper(lam, xa)
            F0, F1, F2 = _poisson_lower(lam, xa)
            n2_up = 0.5 * (lam * lam * s2 - 2 * xa * lam * s1 + xa * (xa + 1) * s0)
            nb2_lo = 0.5 * (xa * (xa + 1) * F0 - 2 * xa * lam * F1 + lam * lam * F2)
            total = 0.5 * (lam + (lam - xa) ** 2 - (lam - xa))    # 1/2 E[(X - x)(X - x - 1)]
            v = np.where(upper, n2_up, total - nb2_lo) if kind == "n2" else np.where(upper, total - n2_up, nb2_lo)
    elif how[0] == "discrete":
        dist = how[1]
        mu, var = float(dist.mean()), float(dist.var())
        if kind in ("n", "n_bar"):
            nb = _discrete_lower_sums(dist, xa, 1)
            v = nb if kind == "n_bar" else nb - (xa - mu)
        else:
            nb2 = 0.5 * _discrete_lower_sums(dist, xa, 2)
            v = nb2 if kind == "n_bar2" else 0.5 * (var + (mu - xa) ** 2 - (mu - xa)) - nb2
    elif how[0] == "table":
        v = _table_sums(how[1], xa, kind)
    else:
        dist = how[1]
        v = np.vectorize(lambda t: _continuous_value(dist, float(t), kind), otypes=[float])(xa)
    return _loss_out(np.maximum(v, 0.0), scalar)


def loss_function(demand, x):
    r"""First-order loss function ``n(x) = E[(X - x)^+]``: expected units of demand above ``x``.

    Snyder & Shen's notation (*Fundamentals of Supply Chain Theory*, section 4.2 and appendix C):
    continuous ``n(x) = \int_x^\infty (y - x) f(y) dy = \int_x^\infty (1 - F(y)) dy``; discrete
    ``n(x) = \sum_{y > x} (y - x) f(y)``.

    Parameters
    ----------
    demand : scipy.stats frozen distribution, DiscreteDistribution, dict or int
        ``X``.  Normal and Poisson use closed forms: ``n(x) = sigma L(z)``, ``z = (x - mu)/sigma``,
        ``L(z) = phi(z) - z (1 - Phi(z))``; Poisson ``n(x) = lambda P(X >= m) - x P(X > m)``,
        ``m = floor(x)`` (from ``y f(y) = lambda f(y - 1)``).  Other continuous distributions:
        adaptive quadrature of ``1 - F`` over ``[x, inf)`` (no truncation; error ~1e-10).  Other
        discrete scipy distributions: the finite sum ``n_bar(x)`` below ``x`` and
        ``n(x) = n_bar(x) - (x - E[X])`` with scipy's exact mean (no truncation).  A
        :class:`~casekit.distributions.DiscreteDistribution`: the finite sum over its pmf.
    x : float or array_like
        Level (any finite real; for discrete ``X``, ``n`` is linear between integers).

    Examples
    --------
    Standard normal loss table: L(1.0) = 0.0833.  Poisson(6) at 8 (S&S's Poisson newsvendor):

    >>> from scipy import stats
    >>> round(loss_function(stats.norm(0, 1), 1.0), 4), round(loss_function(stats.poisson(6), 8), 6)
    (0.0833, 0.314021)
    """
    return _loss(demand, x, "n")


def complementary_loss_function(demand, x):
    r"""Complementary loss function ``n_bar(x) = E[(x - X)^+]``: expected units of ``x`` left over.

    Continuous ``n_bar(x) = \int_{-\infty}^x (x - y) f(y) dy = \int_{-\infty}^x F(y) dy``; discrete
    ``n_bar(x) = \sum_{y <= x} (x - y) f(y)``; always ``n_bar(x) = x - E[X] + n(x)``.  Normal:
    ``sigma L_bar(z)``, ``L_bar(z) = phi(z) + z Phi(z)``; Poisson: ``x F(m) - lambda F(m - 1)``,
    ``m = floor(x)``.  Other distributions as in :func:`loss_function`.

    >>> from scipy import stats
    >>> round(complementary_loss_function(stats.norm(8, 3), 11.0), 6)
    3.249946
    """
    return _loss(demand, x, "n_bar")


def second_order_loss_function(demand, x):
    r"""Second-order loss function ``n2(x)`` (Snyder & Shen appendix C).

    Continuous: ``n2(x) = 1/2 E[((X - x)^+)^2] = 1/2 \int_x^\infty (y - x)^2 f(y) dy
    = \int_x^\infty n(y) dy``; normal ``sigma^2 L2(z)``,
    ``L2(z) = 1/2 [(z^2 + 1)(1 - Phi(z)) - z phi(z)]``.

    Discrete (``x`` a whole number): ``n2(x) = 1/2 E[(X - x)^+ (X - x - 1)^+]
    = 1/2 \sum_{y > x} (y - x)(y - x - 1) f(y)``, so that ``n2(x) - n2(x + 1) = n(x + 1)``;
    Poisson ``1/2 [lambda^2 P(X > x - 2) - 2 x lambda P(X > x - 1) + x (x + 1) P(X > x)]``.
    Other distributions as in :func:`loss_function` (for discrete ones
    ``n2(x) + n_bar2(x) = 1/2 E[(X - x)(X - x - 1)]``, from the mean and variance).

    >>> from scipy import stats
    >>> round(second_order_loss_function(stats.norm(0, 1), 0.0), 6)   # 1/4 at the mean
    0.25
    >>> round(second_order_loss_function(stats.poisson(7), 5), 6)
    4.040829
    """
    return _loss(demand, x, "n2")


def complementary_second_order_loss_function(demand, x):
    r"""Complementary second-order loss function ``n_bar2(x)``.

    Continuous: ``n_bar2(x) = 1/2 E[((x - X)^+)^2] = \int_{-\infty}^x n_bar(y) dy``; normal
    ``sigma^2 L_bar2(z)``, ``L_bar2(z) = 1/2 [(z^2 + 1) Phi(z) + z phi(z)]``.  Discrete (``x`` a
    whole number): ``n_bar2(x) = 1/2 E[(x - X)^+ (x + 1 - X)^+] = 1/2 \sum_{y <= x} (x - y)(x + 1 - y) f(y)``;
    Poisson ``1/2 [x (x + 1) F(x) - 2 x lambda F(x - 1) + lambda^2 F(x - 2)]``.

    >>> from scipy import stats
    >>> round(complementary_second_order_loss_function(stats.poisson(7), 5), 6)
    0.459171
    """
    return _loss(demand, x, "n_bar2")


# ---------------------------------------------------------------------- dynamic safety stock
@dataclass(frozen=True)
class DynamicSafetyStock:
    """Reorder points recomputed at the end of every period from a rolling window.

    ``table`` has one row per period t with the window estimates (``mean_demand``, ``var_demand``,
    ``mean_lead_time``, ``var_lead_time``), lead-time-demand mean and standard deviation, the
    ``safety_stock`` and the integer ``reorder_point`` to use from period t + 1; NaN until the window
    holds ``min_periods`` observations.
    """

    table: pd.DataFrame
    csl: float
    window: int
    method: str

    @property
    def reorder_points(self) -> np.ndarray:
        return self.table["reorder_point"].to_numpy()

    @property
    def safety_stocks(self) -> np.ndarray:
        return self.table["safety_stock"].to_numpy()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def dynamic_safety_stock(demand, *, lead_times=None, lead_time=None, forecasts=None, window: int = 26,
                         csl: float = 0.95, method: str = "normal",
                         min_periods: int | None = None) -> DynamicSafetyStock:
    """Recompute safety stock and the reorder point each period from the last ``window`` observations.

    At the end of period t, using only data up to t:

    * demand per period: mean ``mu_D`` and variance ``sigma_D^2`` of the last ``window`` demands, or,
      when ``forecasts`` are given, ``mu_D = forecasts[t]`` and ``sigma_D^2`` = mean squared
      forecast error over the window, the error of period s being ``demand[s] - forecasts[s-1]``;
    * lead time: mean ``mu_L`` and variance ``sigma_L^2`` of the last ``window`` observed lead times
      (``lead_times[t]`` is the lead time of an order received in period t, NaN if none), or a
      fixed ``lead_time`` (``sigma_L = 0``);
    * ``method="normal"``: ``ss_t = z_alpha sqrt(mu_L sigma_D^2 + mu_D^2 sigma_L^2)`` and
      ``r_t = ceil(mu_L mu_D + ss_t)``; ``method="exact"``: the exact lead-time demand of the
      window's empirical demand and lead-time distributions (:func:`lead_time_demand`),
      ``r_t = reorder_point(X_t, csl)``, ``ss_t = r_t - E[X_t]`` (not with ``forecasts``).

    Parameters
    ----------
    demand : array_like
        Observed demand per period (units), non-negative.
    lead_times, lead_time : array_like or int
        Give exactly one: observed lead times (periods) aligned with ``demand``, NaN where nothing
        arrived, or a fixed lead time.
    forecasts : array_like, optional
        ``forecasts[t]``: the forecast, made at the end of period t, of demand per period from t+1 on.
    window : int
        Observations in the rolling window (>= 2).
    csl : float
        Cycle service level in (0, 1).
    min_periods : int, optional
        Observations needed before a reorder point is given (default: ``window``).

    Examples
    --------
    >>> r = dynamic_safety_stock([10, 12, 8, 10, 30, 10], lead_time=2, window=4, csl=0.9)
    >>> r.table["reorder_point"].tolist()[3:]
    [23.0, 49.0, 48.0]
    """
    d = check_array("demand", demand, ndim=1, nonnegative=True, min_size=2)
    window = check_int("window", window, minimum=2)
    csl = check_probability("csl", csl)
    check_choice("method", method, ("normal", "exact"))
    min_periods = window if min_periods is None else check_int("min_periods", min_periods, minimum=2,
                                                                 maximum=window)
    T = d.size
    if (lead_times is None) == (lead_time is None):
        raise ValueError("give exactly one of lead_times (observations) or lead_time (fixed), got "
                         f"lead_times={'None' if lead_times is None else 'an array'}, lead_time={lead_time!r}")
    if lead_times is not None:
        lt = np.asarray(lead_times, dtype=float)
        if lt.shape != (T,):
            raise ValueError(f"lead_times must have the same length as demand ({T}), got shape {lt.shape}")
        obs = lt[~np.isnan(lt)]
        check_array("lead_times", obs, nonnegative=True)
    else:
        L0 = check_nonnegative("lead_time", lead_time)
    if forecasts is not None:
        if method == "exact":
            raise ValueError("method must be 'normal' when forecasts are given, got 'exact'")
        f = check_array("forecasts", forecasts, ndim=1, nonnegative=True)
        if f.size != T:
            raise ValueError(f"forecasts must have the same length as demand ({T}), got {f.size}")
        err = np.full(T, np.nan)
        err[1:] = d[1:] - f[:-1]
    z = stats.norm.ppf(csl)

    rows = []
    for t in range(T):
        lo = max(0, t - window + 1)
        dw = d[lo: t + 1]
        if lead_times is not None:
            seen = lt[: t + 1]
            seen = seen[~np.isnan(seen)][-window:]
        row = dict(period=t, demand=d[t], mean_demand=np.nan, var_demand=np.nan, mean_lead_time=np.nan,
                   var_lead_time=np.nan, ltd_mean=np.nan, ltd_std=np.nan, safety_stock=np.nan,
                   reorder_point=np.nan)
        if forecasts is not None:
            ew = err[max(1, lo): t + 1]
            enough = ew.size >= min_periods - 1 and ew.size >= 1
            mu_d, var_d = f[t], (float(np.mean(ew ** 2)) if ew.size else np.nan)
        else:
            enough = dw.size >= min_periods
            mu_d, var_d = float(dw.mean()), (float(dw.var(ddof=1)) if dw.size > 1 else np.nan)
        if lead_times is not None:
            enough = enough and seen.size >= min(min_periods, 2)
            mu_l = float(seen.mean()) if seen.size else np.nan
            var_l = float(seen.var(ddof=1)) if seen.size > 1 else np.nan
        else:
            mu_l, var_l = L0, 0.0
        row.update(mean_demand=mu_d, var_demand=var_d, mean_lead_time=mu_l, var_lead_time=var_l)
        if enough:
            if method == "normal":
                sd = math.sqrt(mu_l * var_d + mu_d ** 2 * var_l)
                ss = z * sd
                r = math.ceil(mu_l * mu_d + ss - 1e-9)
                row.update(ltd_mean=mu_l * mu_d, ltd_std=sd, safety_stock=ss, reorder_point=float(r))
            else:
                D = DiscreteDistribution.from_samples(np.rint(dw), param="demand")
                L = DiscreteDistribution.from_samples(np.rint(seen), param="lead_times") \
                    if lead_times is not None else int(round(L0))
                X = lead_time_demand(D, L)
                r = X.ppf(csl)
                row.update(ltd_mean=X.mean(), ltd_std=X.std(), safety_stock=r - X.mean(),
                           reorder_point=float(r))
        rows.append(row)
    return DynamicSafetyStock(table=pd.DataFrame(rows).set_index("period"), csl=csl, window=window,
                              method=method)


# ---------------------------------------------------------------------- Table 1: variance by tier
#: Illustrative parameters for :func:`variance_by_tier` (downstream first).  These are teaching
#: values chosen by casekit, not numbers from the paper: demand variability grows upstream
#: (the bullwhip effect) and so do lead times and their spread.
EXAMPLE_TIERS = pd.DataFrame({
    "tier": ["retailer", "distributor", "manufacturer", "raw-material supplier"],
    "demand_mean": [100.0, 100.0, 100.0, 100.0],
    "demand_sd": [20.0, 30.0, 45.0, 65.0],
    "lead_time_mean": [2.0, 5.0, 10.0, 20.0],
    "lead_time_sd": [0.5, 1.5, 3.5, 8.0],
})


def variance_by_tier(tiers=None, *, csl: float = 0.95) -> pd.DataFrame:
    """The paper's Table 1 (variance by tier), computed: how demand and lead-time variance set safety stock.

    For each tier (downstream first), with demand per period ``D`` (mean ``mu_D``, sd ``sigma_D``)
    and lead time ``L`` (mean ``mu_L``, sd ``sigma_L``, periods), the lead-time demand variance is

        Var[X] = mu_L sigma_D^2  +  mu_D^2 sigma_L^2
                 (demand part)     (lead-time part)

    and the normal-approximation safety stock is ``ss = z_alpha sqrt(Var[X])``.  The table shows
    both parts, the lead-time part's share, the safety stock, what it would be with a fixed lead
    time (``z_alpha sqrt(mu_L) sigma_D``), and the extra safety stock lead-time variability costs.

    Parameters
    ----------
    tiers : DataFrame or list of dicts, optional
        Columns ``tier``, ``demand_mean``, ``demand_sd``, ``lead_time_mean``, ``lead_time_sd``
        (units per period, periods); means >= 0, sds >= 0.  Default: :data:`EXAMPLE_TIERS`
        (illustrative values, not the paper's).  Change any value to see its effect.
    csl : float
        Cycle service level ``alpha`` in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Indexed by tier, columns ``demand_var``, ``lead_time_var``, ``ltd_mean``,
        ``ltd_var_demand``, ``ltd_var_lead_time``, ``ltd_var``, ``lead_time_share``,
        ``safety_stock``, ``safety_stock_fixed_lead_time``, ``safety_stock_from_lead_time``.

    Examples
    --------
    >>> t = variance_by_tier([dict(tier="shop", demand_mean=10, demand_sd=3, lead_time_mean=4,
    ...                            lead_time_sd=1)], csl=0.95)
    >>> t.loc["shop", ["ltd_var_demand", "ltd_var_lead_time", "ltd_var"]].tolist()
    [36.0, 100.0, 136.0]
    """
    csl = check_probability("csl", csl)
    frame = EXAMPLE_TIERS if tiers is None else pd.DataFrame(tiers)
    needed = ["tier", "demand_mean", "demand_sd", "lead_time_mean", "lead_time_sd"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"tiers must have columns {needed}, missing {missing}")
    if frame.empty:
        raise ValueError("tiers must have at least one row, got none")
    for col in needed[1:]:
        check_array(f"tiers.{col}", frame[col].to_numpy(dtype=float), nonnegative=True)
    z = stats.norm.ppf(csl)
    mu_d, sd_d = frame["demand_mean"].astype(float), frame["demand_sd"].astype(float)
    mu_l, sd_l = frame["lead_time_mean"].astype(float), frame["lead_time_sd"].astype(float)
    out = pd.DataFrame({"tier": frame["tier"]})
    out["demand_var"] = sd_d ** 2
    out["lead_time_var"] = sd_l ** 2
    out["ltd_mean"] = mu_l * mu_d
    out["ltd_var_demand"] = mu_l * sd_d ** 2
    out["ltd_var_lead_time"] = mu_d ** 2 * sd_l ** 2
    out["ltd_var"] = out["ltd_var_demand"] + out["ltd_var_lead_time"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["lead_time_share"] = np.where(out["ltd_var"] > 0, out["ltd_var_lead_time"] / out["ltd_var"], 0.0)
    out["safety_stock"] = z * np.sqrt(out["ltd_var"])
    out["safety_stock_fixed_lead_time"] = z * np.sqrt(out["ltd_var_demand"])
    out["safety_stock_from_lead_time"] = out["safety_stock"] - out["safety_stock_fixed_lead_time"]
    return out.set_index("tier")
