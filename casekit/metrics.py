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

The measures of the paper's Table 3, as its §7.3 defines them (compare with the paper's figures
in :mod:`casekit.paper`; :data:`METRICS` gives each one's unit, range and better direction):

==========================  ===================================================================
fill_rate_pct               100 · units met from stock without delay / units demanded  [%];
                            :func:`change_in_points` for gains in points
total_cost                  holding + ordering + shortage; emergency transport and reallocation
                            are separate rows (:class:`CostBreakdown`)
paired_change               % change (or points) vs the baseline per replication pair on common
                            random numbers, with a Student-t interval
bucketed_bullwhip           Var(orders) / Var(demand) per bucket of a stated length, not shorter
                            than the longest review period compared; per echelon and network
order_cycle_std             std of the units ordered per bucket (same bucket rule)
recovery_time_vs_twin       periods from the END of a disruption until rolling service is back
                            within a band of a no-disruption twin on the same random numbers
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


# =============================================================================================
# Table 3 metrics as the paper defines them (§7.3 of "Hybrid Optimization Framework for
# Multi-Echelon Inventory Control ..."): fill rate in %, total cost = holding + ordering +
# shortage, paired changes on common random numbers, bullwhip and order-cycle stability on a
# stated common time bucket, and recovery time measured against a no-disruption twin.
# =============================================================================================

from dataclasses import dataclass, field  # noqa: E402  (kept beside the functions that use them)

import pandas as pd  # noqa: E402

from casekit.validate import (  # noqa: E402
    check_array, check_choice, check_int, check_nonnegative, check_probability, check_real,
)

__all__ += [
    "MetricSpec", "METRICS", "metric_spec", "improved", "check_metric_value", "fill_rate_pct", "change_in_points",
    "CostBreakdown", "total_cost", "PairedChange", "paired_change", "aggregate_to_buckets",
    "Bullwhip", "bucketed_bullwhip", "OrderCycleStd", "order_cycle_std", "Recovery",
    "recovery_time_vs_twin",
]

_INF = math.inf


@dataclass(frozen=True)
class MetricSpec:
    """What one performance measure is: its unit, the range of values it can take, and which
    direction is better (``"higher"`` or ``"lower"``)."""

    name: str
    unit: str
    low: float
    high: float
    better: str
    definition: str

    def contains(self, value: float) -> bool:
        """True when ``value`` lies in the measure's range ``[low, high]``."""
        return self.low <= value <= self.high


def _pct_change_spec(name, what):
    return MetricSpec(name, "% change vs baseline", -100.0, _INF, "lower",
                      f"100 (x_hybrid - x_baseline) / x_baseline, x = {what}")


#: The measures casekit reports against the paper's figures, by name (the names
#: :attr:`casekit.paper.Claim.metric` uses).  Ranges are the values the measure can take.
METRICS = {spec.name: spec for spec in (
    MetricSpec("fill_rate_pct", "%", 0.0, 100.0, "higher",
               "100 · Σ met from stock without delay / Σ demanded"),
    MetricSpec("fill_rate_change_points", "percentage points", -100.0, 100.0, "higher",
               "fill_rate_pct(hybrid) - fill_rate_pct(baseline)"),
    MetricSpec("service_level_change", "% or points (as stated)", -100.0, 100.0, "higher",
               "change of a service level"),
    _pct_change_spec("total_cost_change_pct", "holding + ordering + shortage cost"),
    _pct_change_spec("holding_cost_change_pct", "holding cost"),
    _pct_change_spec("ordering_cost_change_pct", "ordering cost"),
    _pct_change_spec("shortage_cost_change_pct", "shortage cost"),
    _pct_change_spec("emergency_cost_change_pct", "emergency (expediting) transport cost"),
    _pct_change_spec("reallocation_cost_change_pct", "reallocation (lateral transfer) cost"),
    _pct_change_spec("co2_change_pct", "transport kg CO2e"),
    _pct_change_spec("backorders_change_pct", "backordered units"),
    _pct_change_spec("inventory_change_pct", "total system inventory in units"),
    _pct_change_spec("forecast_error_change_pct", "forecast error"),
    _pct_change_spec("bullwhip_change_pct", "bullwhip ratio"),
    MetricSpec("bullwhip", "ratio", 0.0, _INF, "lower",
               "Var(orders placed upstream per bucket) / Var(demand received per bucket)"),
    MetricSpec("order_cycle_std", "units per bucket", 0.0, _INF, "lower",
               "standard deviation of the order quantity placed per bucket"),
    MetricSpec("recovery_periods", "periods (days for a daily model)", 0.0, _INF, "lower",
               "periods from the end of a disruption until rolling service is back within a band "
               "of the no-disruption twin"),
)}


def metric_spec(name: str) -> MetricSpec:
    """The :class:`MetricSpec` of a measure; ``ValueError`` listing the known names otherwise.

    >>> metric_spec("bullwhip").better
    'lower'
    """
    if not isinstance(name, str) or name not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, METRICS))}; got {name!r}")
    return METRICS[name]


def improved(name: str, change):
    """Whether a change (new - baseline, in any unit) moves measure ``name`` in its better
    direction: True for a fall of a "lower is better" measure or a rise of a "higher is better"
    one, False otherwise (0 is not an improvement).  For colouring tables: green = better,
    whatever the sign.

    >>> improved("fill_rate_pct", +6.0), improved("total_cost_change_pct", -15.0), improved("bullwhip", 0.2)
    (True, True, False)
    """
    spec = metric_spec(name)
    c = _arr("change", change)
    out = c > 0 if spec.better == "higher" else c < 0
    return bool(out) if out.ndim == 0 else out


def check_metric_value(name: str, value, parameter: str = "target") -> float:
    """Return ``value`` as a float if it lies in the range of measure ``name`` (e.g. a calibration
    target), else raise ``ValueError`` naming ``parameter``, the value and the range.

    >>> check_metric_value("fill_rate_pct", 91)
    91.0
    >>> check_metric_value("fill_rate_pct", 120)
    Traceback (most recent call last):
    ...
    ValueError: target for 'fill_rate_pct' must be in [0, 100] (%), got 120.0
    """
    spec = metric_spec(name)
    v = check_real(parameter, value)
    if not spec.contains(v):
        raise ValueError(f"{parameter} for {name!r} must be in [{spec.low:g}, {spec.high:g}] ({spec.unit}), "
                         f"got {v!r}")
    return v


def _arr(name, value, **kw):
    """check_array that also names the parameter for a single number (0-d input)."""
    if np.ndim(value) == 0:
        return check_array(name, [value], min_size=1, **kw).reshape(())
    return check_array(name, value, min_size=1, **kw)


def _flows(demand, met):
    d = _arr("demand", demand, nonnegative=True)
    m = _arr("met", met, nonnegative=True)
    if d.shape != m.shape:
        raise ValueError(f"demand and met must have the same shape, got {d.shape} and {m.shape}")
    bad = m > d + 1e-9 * np.maximum(d, 1.0)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at index {idx if len(idx) > 1 else idx[0]}" if idx else ""
        raise ValueError(f"met must not exceed demand, got met {float(m[idx])!r} > demand {float(d[idx])!r}{where}")
    return d, m


def fill_rate_pct(demand, met, axis=-1):
    """Fill rate in percent, as Table 3 of the paper reports it (its §7.3: the share of demand met
    without delay):

        FR = 100 · Σ_t met_t / Σ_t D_t        [%]

    with ``met_t`` the units of period t's demand D_t served from stock in period t (units served
    later from backorders, by emergency shipment or not at all do not count).  Time on ``axis``;
    ``nan`` where nothing was demanded.

    >>> round(fill_rate_pct([5, 7, 3, 6], [5, 4, 3, 6]), 3)     # 100 · 18 / 21
    85.714
    """
    d, m = _flows(demand, met)
    out = 100.0 * np.asarray(fill_rate(d, m, axis=axis), dtype=float)
    return float(out) if out.ndim == 0 else out


def change_in_points(baseline_pct, new_pct):
    """Change of a percentage in points: Δ = new - baseline [percentage points], as the paper
    reports fill-rate gains (91 % -> 97 % is +6 points, not +6.6 %).  Both must be in [0, 100].

    >>> change_in_points(91, 97)
    6.0
    """
    b = _arr("baseline_pct", baseline_pct)
    n = _arr("new_pct", new_pct)
    for name, a in (("baseline_pct", b), ("new_pct", n)):
        if ((a < 0) | (a > 100)).any():
            raise ValueError(f"{name} must be percentages in [0, 100], got {a[(a < 0) | (a > 100)].ravel()[0]!r}")
    out = n - b
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class CostBreakdown:
    """Cost rows of one run (or one value per replication), all in the same money unit per period
    (or per horizon: whatever unit was passed in).

    Attributes
    ----------
    holding, ordering, shortage : float or ndarray
        The three parts of the paper's total cost (§7.3).
    emergency : float or ndarray
        Emergency (expedited) transport cost: a separate row, NOT in ``total``.
    reallocation : float or ndarray
        Reallocation (lateral transfer) cost: a separate row, NOT in ``total``.
    """

    holding: object
    ordering: object
    shortage: object
    emergency: object = 0.0
    reallocation: object = 0.0

    @property
    def total(self):
        """Total cost C = holding + ordering + shortage (the paper's definition, §7.3)."""
        return self.holding + self.ordering + self.shortage

    @property
    def total_with_transport(self):
        """holding + ordering + shortage + emergency + reallocation: everything spent (not the
        paper's total; shown so that no cost is hidden)."""
        return self.total + self.emergency + self.reallocation

    def to_frame(self) -> pd.DataFrame:
        """One row per cost part (``total`` and ``total_with_transport`` included); one column
        per replication when the parts are arrays."""
        rows = {"holding": self.holding, "ordering": self.ordering, "shortage": self.shortage,
                "total": self.total, "emergency": self.emergency, "reallocation": self.reallocation,
                "total_with_transport": self.total_with_transport}
        shape = np.broadcast(*[np.asarray(v, dtype=float) for v in rows.values()]).shape
        return pd.DataFrame({k: np.broadcast_to(np.asarray(v, dtype=float), shape).ravel()
                             for k, v in rows.items()}).T


def total_cost(holding, ordering, shortage, *, emergency=0.0, reallocation=0.0) -> CostBreakdown:
    """Total cost as the paper defines it (§7.3): C = holding + ordering + shortage.

    Emergency transport and reallocation (lateral transfer) costs are kept as separate rows of the
    result and are NOT part of ``total`` (Table 3 reports them as rows of their own).  Each part is
    a number or an array (one value per replication, same shape for all), >= 0.

    >>> c = total_cost(120.0, 30.0, 50.0, emergency=40.0, reallocation=10.0)
    >>> c.total, c.total_with_transport
    (200.0, 250.0)
    """
    parts = {}
    shape = None
    for name, v in (("holding", holding), ("ordering", ordering), ("shortage", shortage),
                    ("emergency", emergency), ("reallocation", reallocation)):
        a = _arr(name, v, nonnegative=True)
        if name in ("holding", "ordering", "shortage") or a.ndim:
            if shape is None:
                shape = a.shape
            elif a.shape != shape and a.ndim:
                raise ValueError(f"{name} must have the shape of holding {shape}, got {a.shape}")
        parts[name] = float(a) if a.ndim == 0 else a
    return CostBreakdown(**parts)


@dataclass(frozen=True)
class PairedChange:
    """A change of a measure against a baseline, estimated from paired replications (the same
    random numbers drive the baseline and the treatment in replication i).

    Attributes
    ----------
    kind : str
        ``"percent"`` (100 (y_i - x_i) / x_i), ``"points"`` or ``"difference"`` (y_i - x_i).
    mean, low, high : float
        Mean change over the pairs and its Student-t confidence interval.
    confidence : float
    n : int
        Number of pairs.
    unit : str
    per_replication : ndarray
        The n paired changes.
    """

    kind: str
    mean: float
    low: float
    high: float
    confidence: float
    n: int
    unit: str
    per_replication: np.ndarray = field(repr=False)

    def contains(self, value: float) -> bool:
        """True when ``value`` (e.g. the paper's figure) lies inside the confidence interval."""
        return self.low <= value <= self.high

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies strictly on one side of 0 (a clear change)."""
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict:
        return {"mean": self.mean, "ci_low": self.low, "ci_high": self.high, "n": self.n,
                "confidence": self.confidence, "unit": self.unit}


_KINDS = {"percent": "% change vs baseline", "points": "percentage points", "difference": "difference"}


def paired_change(baseline, treatment, *, kind: str = "percent", confidence: float = 0.95) -> PairedChange:
    """Change of a measure vs a baseline on common random numbers, with a paired t interval.

    For replication pairs i = 1..n (x_i baseline, y_i treatment, same random numbers):

        c_i = 100 (y_i - x_i) / x_i          kind="percent"   [% change vs baseline]
        c_i = y_i - x_i                      kind="points" (x, y in %) or "difference"

    and the result is c̄ ± t_{(1+γ)/2, n-1} s_c / sqrt(n).  Pairing removes the variance the two
    runs share, so the interval is much narrower than the one of two independent means.

    Raises ``ValueError`` when n < 2 (no interval), when the arrays differ in shape, or, for
    ``"percent"``, when a baseline is 0 (the change is undefined; the replication is named).

    >>> r = paired_change([100, 200, 400], [90, 170, 360])      # changes -10, -15, -10 %
    >>> round(r.mean, 4), round(r.high - r.mean, 3)               # t(0.975, 2) · 2.8868 / sqrt(3)
    (-11.6667, 7.171)
    """
    kind = check_choice("kind", kind, tuple(_KINDS))
    confidence = check_probability("confidence", confidence)
    x = check_array("baseline", baseline, ndim=1)
    y = check_array("treatment", treatment, ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"baseline and treatment must be paired replications of the same length, "
                         f"got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError(f"replications must be >= 2 for a confidence interval, got {x.size}")
    if kind == "percent":
        zero = np.flatnonzero(x == 0)
        if zero.size:
            raise ValueError(f"baseline must be non-zero for a percent change, got 0 in replication {int(zero[0])}")
        c = 100.0 * (y - x) / x
    else:
        if kind == "points":
            for name, a in (("baseline", x), ("treatment", y)):
                if ((a < 0) | (a > 100)).any():
                    raise ValueError(f"{name} must be percentages in [0, 100] for kind='points', "
                                     f"got {a[(a < 0) | (a > 100)][0]!r}")
        c = y - x
    mean, low, high = mean_ci(c, confidence)
    return PairedChange(kind, mean, low, high, confidence, int(c.size), _KINDS[kind], c)


# ---------------------------------------------------------------------------------------------
# bucketed bullwhip and order-cycle stability
# ---------------------------------------------------------------------------------------------

def _review_periods(review_periods) -> int:
    rp = np.atleast_1d(np.asarray(review_periods, dtype=object))
    if rp.size == 0:
        raise ValueError("review_periods must name at least one review period, got an empty sequence")
    for r in rp:
        check_int("review_periods", r, minimum=1)
    return int(max(int(r) for r in rp))


def _bucket(bucket, review_periods) -> int:
    bucket = check_int("bucket", bucket, minimum=1)
    longest = _review_periods(review_periods)
    if bucket < longest:
        raise ValueError(f"bucket must be >= the longest review period compared ({longest} periods), "
                         f"got {bucket}: a shorter bucket measures order batching, not amplification")
    return bucket


def aggregate_to_buckets(x, bucket: int, *, warmup: int = 0, axis: int = -1):
    """Sum a per-period series into consecutive buckets of ``bucket`` periods.

    The first ``warmup`` periods are discarded; a final incomplete bucket is discarded too and
    reported.  Returns ``(sums, periods_dropped)`` with the bucket axis last.

    >>> aggregate_to_buckets([1, 2, 3, 4, 5, 6, 7], 3)
    (array([ 6., 15.]), 1)
    """
    a = check_array("x", x, min_size=1)
    bucket = check_int("bucket", bucket, minimum=1)
    warmup = check_int("warmup", warmup, minimum=0)
    a = np.moveaxis(a, axis, -1)[..., warmup:]
    n = a.shape[-1] // bucket
    dropped = a.shape[-1] - n * bucket
    sums = a[..., : n * bucket].reshape(*a.shape[:-1], n, bucket).sum(axis=-1)
    return sums, int(dropped)


def _bucketed(name, x, bucket, warmup, axis):
    a = check_array(name, x, min_size=1)
    a = np.moveaxis(a, axis, -1)
    if a.ndim == 1:
        a = a[None, :]
    if a.shape[-1] - warmup < 2 * bucket:
        raise ValueError(f"{name} must cover at least 2 buckets of {bucket} periods after a warm-up of "
                         f"{warmup}, got {a.shape[-1]} periods")
    return aggregate_to_buckets(a, bucket, warmup=warmup)


@dataclass(frozen=True)
class Bullwhip:
    """Bullwhip ratios on a stated time bucket.

    Attributes
    ----------
    per_echelon : ndarray, shape (..., N)
        Var(orders echelon j places, per bucket) / Var(demand echelon j receives, per bucket),
        echelon 0 the most downstream.
    network : ndarray, shape (...)
        Var(orders the most upstream echelon places) / Var(demand the most downstream echelon
        receives), per bucket: the amplification across the whole network.
    bucket : int
        Bucket length in periods; ``period`` names the period (e.g. "day").
    n_buckets, periods_dropped : int
        Buckets used; periods of an incomplete final bucket left out.
    """

    per_echelon: np.ndarray
    network: np.ndarray
    bucket: int
    period: str
    n_buckets: int
    periods_dropped: int

    @property
    def bucket_label(self) -> str:
        return f"{self.bucket} {self.period}{'s' if self.bucket != 1 else ''}"

    def to_frame(self) -> pd.DataFrame:
        """Mean over replications (leading axes) per echelon and for the network."""
        pe = np.asarray(self.per_echelon, dtype=float).reshape(-1, np.shape(self.per_echelon)[-1])
        nw = np.atleast_1d(np.asarray(self.network, dtype=float)).ravel()
        rows = [{"series": f"echelon {j}", "bullwhip": float(pe[:, j].mean())} for j in range(pe.shape[1])]
        rows.append({"series": "network", "bullwhip": float(nw.mean())})
        df = pd.DataFrame(rows).set_index("series")
        df.attrs["bucket"] = self.bucket_label
        return df


def bucketed_bullwhip(orders, demand, *, bucket: int, review_periods, warmup: int = 0, axis: int = -1,
                      period: str = "day") -> Bullwhip:
    """Bullwhip ratio as the paper defines it (variance of orders placed upstream over variance of
    demand received, §7.3), on one common time bucket.

    With o_{j,b} the units echelon j orders in bucket b (``bucket`` consecutive periods) and
    d_{j,b} the units of demand it receives in that bucket,

        BW_j       = Var_b(o_{j,b}) / Var_b(d_{j,b})            per echelon j
        BW_network = Var_b(o_{N-1,b}) / Var_b(d_{0,b})          most upstream orders / customer demand

    (sample variances over the complete buckets after ``warmup``).  The bucket must be at least
    the longest review period of the policies being compared (``review_periods``: one int or all
    of them): on a shorter bucket a policy that reviews every R periods orders R periods' demand
    at once and the ratio measures that batching (for i.i.d. demand of mean μ and variance σ² it is
    1 + (R - 1) μ²/σ² per period, e.g. 700 for daily data with R = 30 and μ/σ ≈ 4.9), not
    amplification.  Choose a bucket that is a multiple of every review period.

    Parameters
    ----------
    orders, demand : array_like, shape (T,) or (..., N, T)
        Units ordered / units of demand received per period; time on ``axis`` (default last),
        echelons (downstream first) on the axis before time once time is moved last.  A 1-D
        series is one echelon; pass ``x[..., None, :]`` for replications of one echelon.
    bucket : int
        Common time bucket in periods (e.g. 28 for four weeks of days).
    review_periods : int or sequence of int
        Review periods of every policy compared; ``bucket`` must not be shorter than the longest.
    warmup : int
        Leading periods discarded.
    period : str
        Name of one period, for labels.

    >>> d = [1, 3, 2, 6, 4, 4, 3, 1]                    # per 2 days: 4, 8, 8, 4 (mean 6, deviations ±2)
    >>> o = [0, 0, 0, 12, 0, 12, 0, 0]                  # per 2 days: 0, 12, 12, 0 (mean 6, deviations ±6)
    >>> float(bucketed_bullwhip(o, d, bucket=2, review_periods=2).network)
    9.0
    >>> bucketed_bullwhip(o, d, bucket=1, review_periods=2)
    Traceback (most recent call last):
    ...
    ValueError: bucket must be >= the longest review period compared (2 periods), got 1: a shorter bucket measures order batching, not amplification
    """
    bucket = _bucket(bucket, review_periods)
    warmup = check_int("warmup", warmup, minimum=0)
    if not isinstance(period, str) or not period:
        raise TypeError(f"period must be a non-empty string such as 'day', got {period!r}")
    o = check_array("orders", orders, min_size=1)
    d = check_array("demand", demand, min_size=1)
    if o.shape != d.shape:
        raise ValueError(f"orders and demand must have the same shape, got {o.shape} and {d.shape}")
    ob, dropped = _bucketed("orders", o, bucket, warmup, axis)
    db, _ = _bucketed("demand", d, bucket, warmup, axis)
    vo = np.var(ob, axis=-1, ddof=1)
    vd = np.var(db, axis=-1, ddof=1)
    if (vd <= 0).any():
        j = tuple(int(i) for i in np.argwhere(vd <= 0)[0])
        raise ValueError(f"demand has zero variance across buckets at echelon index {j}: the ratio is undefined")
    per = vo / vd                      # (..., N); a 1-D input is one echelon: shape (1,)
    net = vo[..., -1] / vd[..., 0]
    return Bullwhip(per, float(net) if np.ndim(net) == 0 else net, bucket, period,
                    int(ob.shape[-1]), dropped)


@dataclass(frozen=True)
class OrderCycleStd:
    """Order-cycle stability: the standard deviation of order quantities per bucket.

    Attributes
    ----------
    per_echelon : ndarray, shape (..., N)
        Sample standard deviation over buckets of the units each echelon orders per bucket.
    unit : str
        E.g. "units per 28 days".
    bucket, n_buckets, periods_dropped : int
    """

    per_echelon: np.ndarray
    unit: str
    bucket: int
    n_buckets: int
    periods_dropped: int


def order_cycle_std(orders, *, bucket: int, review_periods, warmup: int = 0, axis: int = -1,
                    period: str = "day", unit: str = "units") -> OrderCycleStd:
    """Order-cycle stability (Table 3's "Order Cycle Stability (Std. Dev.)") on a stated bucket:

        σ_j = sqrt( (1/(B-1)) Σ_b (o_{j,b} - ō_j)² )      [``unit`` per bucket]

    with o_{j,b} the quantity echelon j orders in bucket b.  The same bucket rule as
    :func:`bucketed_bullwhip` applies (not shorter than the longest review period compared), so
    that two policies are compared on the same footing.  Shapes as in :func:`bucketed_bullwhip`.

    >>> r = order_cycle_std([0, 2, 0, 10, 0, 10, 0, 2], bucket=2, review_periods=2)
    >>> float(r.per_echelon[0]), r.unit                 # buckets 2, 10, 10, 2: sd = sqrt(64 / 3)
    (4.618802153517006, 'units per 2 days')
    """
    bucket = _bucket(bucket, review_periods)
    warmup = check_int("warmup", warmup, minimum=0)
    o = check_array("orders", orders, min_size=1)
    ob, dropped = _bucketed("orders", o, bucket, warmup, axis)
    sd = np.std(ob, axis=-1, ddof=1)
    label = f"{unit} per {bucket} {period}{'s' if bucket != 1 else ''}"
    return OrderCycleStd(sd, label, bucket, int(ob.shape[-1]), dropped)


# ---------------------------------------------------------------------------------------------
# recovery time against a no-disruption twin
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recovery:
    """Recovery time after a disruption, measured against a no-disruption twin.

    Attributes
    ----------
    periods : float or ndarray
        Periods from the end of the disruption until service is back within ``band`` of the twin
        for good (0 when it never left the band after the disruption ended).
    censored : bool or ndarray
        True where service is still outside the band in the last period observed; ``periods`` is
        then the number of periods observed after the disruption (a lower bound).
    band : float
    disruption_end : int
    """

    periods: object
    censored: object
    band: float
    disruption_end: int


def recovery_time_vs_twin(service, twin_service, *, disruption_end: int, band: float) -> Recovery:
    """Recovery time = periods from the END of a disruption until the service measure is back
    within ``band`` of a twin run without the disruption on the same random numbers.

    With s_t the rolling service measure of the disrupted run (e.g.
    :func:`rolling_fill_rate`, a fraction), s̃_t the twin's, and E = ``disruption_end`` (the
    first period after the disruption):

        τ = min { k >= 0 : |s_t - s̃_t| <= band for every t >= E + k }      [periods]

    So τ = 0 when the disruption never moved service outside the band (or the dent healed before
    the disruption ended), and a dent that lasts k periods past E gives k.  If service is outside
    the band in the last period, τ = T - E is a lower bound and ``censored`` is True.  Note that a
    rolling measure over w periods keeps a dent visible for w - 1 periods after it ends.

    Parameters
    ----------
    service, twin_service : array_like, shape (..., T)
        The same service measure for the disrupted run and its twin (same units as ``band``).
    disruption_end : int
        First period after the disruption, 0 <= E < T.
    band : float
        Tolerance, >= 0, in the unit of the service measure (0.02 = two points of fill rate).

    >>> s = [1, 1, .5, .5, .6, .8, .99, 1, 1, 1]         # disruption in periods 2..3, E = 4
    >>> float(recovery_time_vs_twin(s, [1] * 10, disruption_end=4, band=0.02).periods)
    2.0
    """
    s = check_array("service", service, min_size=1)
    tw = check_array("twin_service", twin_service, min_size=1)
    if s.shape != tw.shape:
        raise ValueError(f"service and twin_service must have the same shape, got {s.shape} and {tw.shape}")
    T = s.shape[-1]
    disruption_end = check_int("disruption_end", disruption_end, minimum=0, maximum=T - 1)
    band = check_nonnegative("band", band)
    outside = np.abs(s - tw)[..., disruption_end:] > band
    n = outside.shape[-1]
    # index of the last period outside the band (+1), 0 when none
    last = np.where(outside.any(axis=-1), n - np.argmax(outside[..., ::-1], axis=-1), 0)
    censored = outside[..., -1]
    periods = last.astype(float)
    if periods.ndim == 0:
        return Recovery(float(periods), bool(censored), band, disruption_end)
    return Recovery(periods, censored, band, disruption_end)
