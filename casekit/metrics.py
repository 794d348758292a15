"""Performance measures of an inventory system, one documented formula each.

Every function takes plain numpy arrays with **time on the last axis** (periods), so the same
formula works for one replication ``(T,)``, many ``(R, T)`` or many stages ``(R, T, N)`` after
moving the stage axis (the simulators store ``(R, T, N)``; pass ``x[..., j]`` per stage or use
``axis=``).  This module imports nothing from casekit: the simulators
(:mod:`casekit.simulation`) call these formulas to fill their KPI tables.

==========================  ===================================================================
fill rate β                 units met from stock on arrival / units demanded
cycle service level α       fraction of periods in which all demand is met from stock
backorders                  average backordered units at the end of a period
on hand                     average units on hand at the end of a period
cost parts                  holding h·(on hand), shortage p·(backorders or lost units),
                            ordering K·1{order placed}, emergency c_e·(expedited units)
bullwhip ratio              Var(orders placed) / Var(demand received), per stage (echelon)
order-cycle stability       standard deviation of order quantities per stage
recovery time               periods from a disruption until the rolling fill rate is back
                            within 2 points of its pre-disruption level
CO2                         kg CO2e = tonne-km × emission factor of the mode (kg per tonne-km)
==========================  ===================================================================

>>> import numpy as np
>>> demand = np.array([5, 7, 3, 6])
>>> met = np.array([5, 4, 3, 6])          # 3 units short in period 2
>>> round(fill_rate(demand, met), 4)      # 18 / 21
0.8571
>>> cycle_service_level(demand, met)      # 3 of 4 periods without a stockout
0.75
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = [
    "EMISSION_FACTORS", "fill_rate", "cycle_service_level", "average_backorders", "average_on_hand",
    "holding_cost", "shortage_cost", "ordering_cost", "emergency_cost", "bullwhip_ratio",
    "order_std", "rolling_fill_rate", "recovery_time", "tonne_km", "co2_kg", "mean_ci",
]

#: kg CO2e per tonne-km by transport mode.  Typical well-to-wheel averages of the order of the
#: GLEC Framework / UK DEFRA freight conversion factors (road: an average laden articulated
#: truck; sea: a container ship; air: long-haul freighter).  They vary a lot with load factor
#: and vehicle: pass your own numbers for a real study.
EMISSION_FACTORS = {
    "truck": 0.105,
    "rail": 0.028,
    "sea": 0.016,
    "barge": 0.031,
    "air": 0.602,
    "intermodal": 0.045,
    "pipeline": 0.005,
}


def _sum(x, axis):
    return np.sum(np.asarray(x, dtype=float), axis=axis)


def fill_rate(demand, met, axis=-1):
    """Fill rate β = Σ_t met_t / Σ_t D_t: the fraction of units demanded that are met from stock
    in the period they are demanded (Axsäter's S2, Snyder & Shen's type-2 service level).
    ``nan`` where nothing was demanded.  ``demand`` and ``met`` must have the same shape and be
    finite with ``0 <= met <= demand`` (a ``ValueError`` names the first offending entry)."""
    try:
        dem = np.asarray(demand, dtype=float)
        mt = np.asarray(met, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"demand and met must be arrays of numbers, got {demand!r} and {met!r}") from None
    if dem.shape != mt.shape:
        raise ValueError(f"demand and met must have the same shape, got {dem.shape} and {mt.shape}")
    for label, arr in (("demand", dem), ("met", mt)):
        bad = ~np.isfinite(arr) | (arr < 0)
        if bad.any():
            i = tuple(int(k) for k in np.argwhere(bad)[0])
            raise ValueError(f"{label} must be finite and >= 0, got {float(arr[i])!r} at index {i}")
    over = mt > dem * (1 + 1e-12) + 1e-12
    if over.any():
        i = tuple(int(k) for k in np.argwhere(over)[0])
        raise ValueError(f"met must not exceed demand, got met {float(mt[i])!r} > demand {float(dem[i])!r} "
                         f"at index {i}")
    d = _sum(dem, axis)
    m = _sum(mt, axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(d > 0, m / np.where(d > 0, d, 1.0), np.nan)
    return float(out) if np.ndim(out) == 0 else out


def cycle_service_level(demand, met, axis=-1):
    """Cycle service level α = (1/T) Σ_t 1{met_t = D_t}: the fraction of periods in which all
    demand is met from stock (Axsäter's S1, type-1 service level)."""
    ok = np.isclose(np.asarray(met, dtype=float), np.asarray(demand, dtype=float))
    out = np.mean(ok, axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def average_backorders(backorders, axis=-1):
    """Average backorders E[B] = (1/T) Σ_t B_t, B_t = units owed to customers at the end of t."""
    out = np.mean(np.asarray(backorders, dtype=float), axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def average_on_hand(on_hand, axis=-1):
    """Average on-hand inventory E[I] = (1/T) Σ_t I_t at the end of the period."""
    out = np.mean(np.asarray(on_hand, dtype=float), axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def holding_cost(units, h, axis=-1):
    """Holding cost per period = h · (1/T) Σ_t units_t (h per unit per period)."""
    return h * average_on_hand(units, axis=axis)


def shortage_cost(units, p, axis=-1):
    """Shortage cost per period = p · (1/T) Σ_t units_t, with units = backorders at the end of
    each period (p per unit per period) or units lost in each period (p per unit lost)."""
    return p * average_on_hand(units, axis=axis)


def ordering_cost(orders, K, axis=-1):
    """Ordering cost per period = K · (1/T) Σ_t 1{q_t > 0} (K per order placed)."""
    out = K * np.mean(np.asarray(orders, dtype=float) > 0, axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def emergency_cost(units, c_e, axis=-1):
    """Emergency (expediting) cost per period = c_e · (1/T) Σ_t e_t, e_t units expedited."""
    return c_e * average_on_hand(units, axis=axis)


def bullwhip_ratio(orders, demand, axis=-1):
    """Bullwhip ratio of a stage = Var(q_t) / Var(d_t): the variance of the orders it places
    over the variance of the demand it receives (Lee, Padmanabhan & Whang 1997).  > 1 means the
    stage amplifies variability upstream.  Population variances over the periods given.

    >>> bullwhip_ratio([0, 10, 0, 10], [4, 6, 4, 6])
    25.0
    """
    vq = np.var(np.asarray(orders, dtype=float), axis=axis)
    vd = np.var(np.asarray(demand, dtype=float), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(vd > 0, vq / np.where(vd > 0, vd, 1.0), np.nan)
    return float(out) if np.ndim(out) == 0 else out


def order_std(orders, axis=-1):
    """Order-cycle stability: the standard deviation of the order quantities a stage places per
    period (population sd; 0 = perfectly level orders)."""
    out = np.std(np.asarray(orders, dtype=float), axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def rolling_fill_rate(demand, met, window: int = 10):
    """Fill rate over the trailing ``window`` periods (ratio of rolling sums), one value per
    period of the last axis; the first ``window - 1`` periods use what is available."""
    d = np.asarray(demand, dtype=float)
    m = np.asarray(met, dtype=float)
    cd = np.cumsum(d, axis=-1)
    cm = np.cumsum(m, axis=-1)
    w = int(window)
    sd = cd.copy()
    sm = cm.copy()
    sd[..., w:] = cd[..., w:] - cd[..., :-w]
    sm[..., w:] = cm[..., w:] - cm[..., :-w]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sd > 0, sm / np.where(sd > 0, sd, 1.0), 1.0)


def recovery_time(demand, met, start: int, window: int = 10, tolerance: float = 0.02):
    """Recovery time after a disruption starting in period ``start``.

    The pre-disruption level is the fill rate over periods ``0 .. start - 1``.  The recovery
    time is the number of periods from ``start`` until the rolling fill rate (``window``
    periods) is back within ``tolerance`` (2 points) of that level, after having fallen below
    it; 0 if it never falls below.  A system still below at the end of the horizon is
    *censored*: the result is the number of periods observed after ``start``.  Arrays may carry
    replications on leading axes.

    >>> import numpy as np
    >>> d = np.full(40, 10.0)
    >>> m = d.copy(); m[20:26] = 0                       # six periods with nothing delivered
    >>> int(recovery_time(d, m, start=20, window=5))     # rolling fill rate back at 1 in t=30
    10
    """
    d = np.asarray(demand, dtype=float)
    m = np.asarray(met, dtype=float)
    if not 0 < start < d.shape[-1]:
        raise ValueError(f"start must be inside the horizon (1..{d.shape[-1] - 1}), got {start}")
    pre = fill_rate(d[..., :start], m[..., :start])
    pre = np.asarray(pre, dtype=float)[..., None]
    roll = rolling_fill_rate(d, m, window)[..., start:]
    below = roll < pre - tolerance
    horizon = roll.shape[-1]
    ever = below.any(axis=-1)
    first_below = np.argmax(below, axis=-1)
    idx = np.arange(horizon)
    back = (~below) & (idx >= first_below[..., None])
    has_back = back.any(axis=-1) & ever
    first_back = np.where(has_back, np.argmax(back, axis=-1), horizon)
    out = np.where(ever, first_back, 0).astype(float)
    return float(out) if np.ndim(out) == 0 else out


def tonne_km(units, weight_kg_per_unit, distance_km):
    """Freight work in tonne-km = units × (kg per unit / 1000) × km."""
    return np.asarray(units, dtype=float) * weight_kg_per_unit / 1000.0 * distance_km


def co2_kg(units, weight_kg_per_unit, distance_km, mode="truck", factors=None):
    """Transport emissions in kg CO2e = tonne-km × emission factor of ``mode`` (kg per tonne-km,
    :data:`EMISSION_FACTORS` unless ``factors`` is given).

    >>> round(float(co2_kg(1000, 2.0, 500, "truck")), 3)    # 1,000 units of 2 kg over 500 km: 1,000 t-km
    105.0
    """
    table = EMISSION_FACTORS if factors is None else factors
    if mode not in table:
        raise ValueError(f"mode must be one of {sorted(table)}, got {mode!r}")
    return tonne_km(units, weight_kg_per_unit, distance_km) * table[mode]


def mean_ci(x, confidence: float = 0.95):
    """Mean of independent replications and its Student-t confidence interval:
    x̄ ± t_{(1+c)/2, n-1} · s / sqrt(n).  Returns (mean, low, high); with one value or zero
    spread, low = high = mean.  ``confidence`` is in (0, 1).  Every replication counts: an
    infinite value, or a NaN among numbers, raises a ``ValueError`` (leave undefined replications
    out explicitly if that is meant); a quantity undefined in every replication (all NaN, e.g. a
    fill rate with no demand) gives (nan, nan, nan)."""
    import numbers

    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) \
            or not 0 < float(confidence) < 1:
        raise ValueError(f"confidence must be a number strictly between 0 and 1, got {confidence!r}")
    try:
        x = np.asarray(x, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"x must be an array of numbers, got {x!r}") from None
    n = x.size
    if n == 0:
        raise ValueError("x must hold at least one replication, got an empty array")
    if np.isinf(x).any():
        i = int(np.flatnonzero(np.isinf(x))[0])
        raise ValueError(f"x must be finite, got {float(x[i])!r} at index {i}")
    nan = np.isnan(x)
    if nan.all():
        return (math.nan, math.nan, math.nan)
    if nan.any():
        i = int(np.flatnonzero(nan)[0])
        raise ValueError(f"x must not mix NaN with numbers (replication {i} of {n} is NaN); "
                         "drop undefined replications explicitly if that is meant")
    mean = float(x.mean())
    if n < 2:
        return (mean, mean, mean)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return (mean, mean - half, mean + half)
