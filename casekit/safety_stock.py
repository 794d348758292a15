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

Also here: the single-period **newsvendor** (exact for discrete and continuous demand), **dynamic
safety stock** recomputed each period from a rolling window, and :func:`variance_by_tier`, the
paper's Table 1 (variance by supply-chain tier) as a table computed from parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import integrate, stats

from casekit.distributions import DiscreteDistribution, _is_continuous_frozen, as_discrete
from casekit.leadtime import lead_time_demand
from casekit.validate import (check_array, check_choice, check_int, check_nonnegative, check_positive,
                              check_probability)

__all__ = [
    "reorder_point",
    "fill_rate",
    "reorder_point_fill_rate",
    "safety_stock",
    "NewsvendorResult",
    "newsvendor",
    "newsvendor_cost",
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

    ``cost(S) = h E[(S - D)^+] + p E[(D - S)^+]``; ``critical_ratio = p / (p + h)``.
    """

    base_stock: float
    cost: float
    critical_ratio: float
    holding_cost: float
    stockout_cost: float
    demand: object = field(repr=False)

    def cost_at(self, base_stock: float) -> float:
        """Expected cost per period of another base-stock level ``S``."""
        return newsvendor_cost(self.holding_cost, self.stockout_cost, self.demand, base_stock)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"value": [self.base_stock, self.cost, self.critical_ratio,
                                       self.holding_cost, self.stockout_cost]},
                            index=["base_stock", "cost", "critical_ratio", "holding_cost", "stockout_cost"])


def _continuous_loss(dist, S: float) -> float:
    """n(S) = E[(D - S)^+] = integral_S^inf (1 - F(x)) dx (closed form for the normal)."""
    if dist.dist.name == "norm":
        mu, sigma = dist.mean(), dist.std()
        z = (S - mu) / sigma
        return float(sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z)))
    lo = max(S, dist.support()[0])
    val, _ = integrate.quad(dist.sf, lo, np.inf, epsabs=1e-13, epsrel=1e-12, limit=200)
    return float(val + max(dist.support()[0] - S, 0.0))


def newsvendor_cost(holding_cost: float, stockout_cost: float, demand, base_stock: float) -> float:
    """Expected cost per period ``g(S) = h E[(S - D)^+] + p E[(D - S)^+]`` of base-stock level ``S``.

    >>> from scipy import stats
    >>> round(newsvendor_cost(1, 4, stats.poisson(6), 5), 6)    # Snyder & Shen
    6.590296
    """
    h = check_nonnegative("holding_cost", holding_cost)
    p = check_nonnegative("stockout_cost", stockout_cost)
    S = float(base_stock)
    if not math.isfinite(S):
        raise ValueError(f"base_stock must be a finite number, got {base_stock!r}")
    if _is_continuous_frozen(demand):
        n = _continuous_loss(demand, S)
        return float(h * (S - demand.mean() + n) + p * n)
    D = as_discrete(demand, param="demand")
    return float(h * D.complementary_loss(S) + p * D.loss(S))


def newsvendor(holding_cost: float, stockout_cost: float, demand) -> NewsvendorResult:
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

    Examples
    --------
    Snyder & Shen, *Fundamentals of Supply Chain Theory*, normal and Poisson examples:

    >>> from scipy import stats
    >>> r = newsvendor(0.18, 0.70, stats.norm(50, 8))
    >>> round(r.base_stock, 6), round(r.cost, 6)
    (56.603956, 1.997605)
    >>> r = newsvendor(1, 4, stats.poisson(6))
    >>> r.base_stock, round(r.cost, 6), round(r.cost_at(5), 6)
    (8, 3.570107, 6.590296)
    """
    h = check_positive("holding_cost", holding_cost)
    p = check_positive("stockout_cost", stockout_cost)
    ratio = p / (p + h)
    if _is_continuous_frozen(demand):
        m = demand.mean()
        if not math.isfinite(m):
            raise ValueError(f"demand must have a finite mean, got {float(m)!r}")
        S = float(demand.ppf(ratio))
    else:
        demand = as_discrete(demand, param="demand")
        S = int(demand.ppf(ratio))
    return NewsvendorResult(base_stock=S, cost=newsvendor_cost(h, p, demand, S), critical_ratio=ratio,
                            holding_cost=h, stockout_cost=p, demand=demand)


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
    """The paper's Table 1, computed: how demand and lead-time variance set safety stock, per tier.

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
