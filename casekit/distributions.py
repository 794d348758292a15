"""Discrete probability distributions on the integers 0..n, and fitting them to demand data.

Inventory models count units, so casekit works with a **probability mass function (pmf) on the
integers 0, 1, ..., n**: :class:`DiscreteDistribution`.  Every distribution a model receives
(a scipy.stats frozen distribution, a dict ``{value: probability}``, a sample of observations,
or an int meaning "always this value") is turned into one by :func:`as_discrete`, and every
later chapter (lead-time demand, safety stock, multi-echelon models) computes with its ``pmf``.

Notation (Snyder & Shen, *Fundamentals of Supply Chain Theory*, appendix C):

* ``f(x) = P(X = x)``, ``F(x) = P(X <= x)``, ``1 - F(x) = P(X > x)``;
* first-order loss function ``n(x) = E[(X - x)^+]`` (expected units short of ``x``);
* complementary loss function ``n_bar(x) = E[(x - X)^+]`` (expected units left over);
* second-order loss function, discrete form,
  ``n2(x) = 1/2 E[(X - x)^+ (X - x - 1)^+]``; it satisfies ``n2(x) - n2(x + 1) = n(x + 1)``.

How continuous distributions become discrete (:meth:`DiscreteDistribution.from_continuous`)
----------------------------------------------------------------------------------------
``rule="round"`` (the default) rounds to the nearest integer: ``P(X = k) = F(k + 1/2) - F(k - 1/2)``
for ``k >= 1`` and ``P(X = 0) = F(1/2)`` (any mass below zero, e.g. the left tail of a normal,
counts as zero demand).  ``rule="ceil"`` rounds up: ``P(X = k) = F(k) - F(k - 1)``, ``P(X = 0) =
F(0)``; use it for lead times when an order shipped during a period is usable only from the next
whole period.  The upper tail is cut where ``1 - F`` falls below ``tail`` (default 1e-12); that
mass is added to the top value and reported in ``truncated_mass``.

The same cut applies to scipy's discrete distributions (Poisson, negative binomial, ...), whose
support is unbounded: the pmf is kept up to the first ``n`` with ``P(X > n) <= tail``, and the cut
mass ``P(X > n)`` is added to ``P(X = n)``, so F(x) is exact for every x < n and the pmf sums to 1.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from casekit.validate import (check_array, check_budget, check_choice, check_int, check_probability, check_real,
                              check_seed, check_size)

__all__ = [
    "DiscreteDistribution",
    "as_discrete",
    "degenerate",
    "DemandFit",
    "fit_demand",
    "DEFAULT_TAIL",
    "demand_distribution",
    "lead_time_distribution",
]

#: Default upper-tail mass at which unbounded distributions are truncated.
DEFAULT_TAIL = 1e-12
#: How far a user-given set of probabilities may sum away from 1.
_SUM_TOL = 1e-9
#: ppf tolerance against rounding in the cumulative sum (see DiscreteDistribution.ppf).
_PPF_TOL = 1e-12
_RULES = ("round", "ceil")
#: Memory per support point of a DiscreteDistribution (pmf, cdf, sf, two tail sums, temporaries).
_BYTES_PER_VALUE = 64


def _check_support(name: str, value, top) -> None:
    """Refuse a distribution on 0..top whose arrays would not fit the memory budget."""
    check_budget(name, value, nbytes=_BYTES_PER_VALUE * (float(top) + 1.0),
                 what=f"a distribution on the integers 0..{float(top):,.0f}",
                 hint="express the quantity in larger units (e.g. hundreds of units, weeks)")


def _as_float_array(name: str, x) -> np.ndarray:
    """``x`` as a float array, or a TypeError naming ``name`` if it is not made of numbers."""
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a number or an array of numbers, got {x!r}")
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {x!r}") from None


def _is_frozen(obj) -> bool:
    return hasattr(obj, "dist") and hasattr(obj, "ppf") and hasattr(obj, "args")


def _is_discrete_frozen(obj) -> bool:
    return _is_frozen(obj) and isinstance(obj.dist, stats.rv_discrete)


def _is_continuous_frozen(obj) -> bool:
    return _is_frozen(obj) and isinstance(obj.dist, stats.rv_continuous)


class DiscreteDistribution:
    """A probability distribution on the integers ``0, 1, ..., n``, held as its pmf.

    Parameters
    ----------
    pmf : array_like of float
        ``pmf[k] = P(X = k)`` for ``k = 0..n``; non-negative, summing to 1 within 1e-9.
        A copy is stored read-only in ``.pmf``, divided by its sum.
    name : str, optional
        A label used in tables and plots, e.g. ``"Poisson(6)"``.
    truncated_mass : float, optional
        Probability of values above ``n`` that was dropped when the distribution was built from an
        unbounded one (0 for an exact finite pmf).  Informational.

    Examples
    --------
    >>> d = DiscreteDistribution([0.2, 0.5, 0.3], name="demand")
    >>> d.mean(), round(d.var(), 10)
    (1.1, 0.49)
    >>> float(d.cdf(1)), d.ppf(0.7), d.ppf(0.71)
    (0.7, 1, 2)
    >>> round(float(d.loss(1)), 10)   # E[(X - 1)^+] = 1 * 0.3
    0.3
    """

    __slots__ = ("_pmf", "_cdf", "_sf", "_tail1", "_tail2", "name", "truncated_mass")

    def __init__(self, pmf, *, name: str | None = None, truncated_mass: float = 0.0):
        arr = check_array("pmf", pmf, ndim=1, nonnegative=True, min_size=1)
        total = float(arr.sum())
        if not abs(total - 1.0) <= _SUM_TOL:
            raise ValueError(f"pmf must sum to 1 (within {_SUM_TOL:g}), got sum {total!r}")
        # drop trailing zeros so that n is the largest value with positive probability
        nz = np.flatnonzero(arr)
        arr = arr[: nz[-1] + 1] / total
        arr.setflags(write=False)
        self._pmf = arr
        # P(X <= k) and P(X > k) for k = 0..n; the tail sums are accumulated from the top so that
        # small upper-tail probabilities keep their relative accuracy.
        rev = np.cumsum(arr[::-1])[::-1]                 # P(X >= k)
        self._sf = np.append(rev[1:], 0.0)               # P(X > k)
        self._cdf = np.cumsum(arr)
        k = np.arange(arr.size, dtype=float)
        self._tail1 = np.append(np.cumsum((k * arr)[::-1])[::-1][1:], 0.0)       # sum_{j>k} j p_j
        self._tail2 = np.append(np.cumsum((k * k * arr)[::-1])[::-1][1:], 0.0)   # sum_{j>k} j^2 p_j
        self.name = name
        self.truncated_mass = float(truncated_mass)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_scipy(cls, dist, *, tail: float = DEFAULT_TAIL, rule: str = "round",
                   name: str | None = None, param: str = "dist") -> "DiscreteDistribution":
        """From a scipy.stats frozen distribution, discrete or continuous.

        A discrete one must live on the non-negative integers; it is cut at the first ``n`` with
        ``P(X > n) <= tail``.  A continuous one is discretised by ``rule`` (see
        :meth:`from_continuous`).

        >>> from scipy import stats
        >>> d = DiscreteDistribution.from_scipy(stats.poisson(6))
        >>> abs(d.mean() - 6) < 1e-10, d.truncated_mass <= 1e-12
        (True, True)
        """
        if _is_continuous_frozen(dist):
            return cls.from_continuous(dist, tail=tail, rule=rule, name=name, param=param)
        if not _is_discrete_frozen(dist):
            raise TypeError(f"{param} must be a scipy.stats frozen distribution, got {dist!r}")
        tail = check_probability("tail", tail)
        lo, _ = dist.support()
        if lo < 0:
            raise ValueError(f"{param} must have support on the non-negative integers, got a lower bound of {lo}")
        top = float(dist.isf(tail))
        if not math.isfinite(top):                    # scipy gives up on huge means: estimate the cut
            top = float(dist.mean() + 8 * dist.std())
        if not math.isfinite(top):
            raise ValueError(f"{param} must have a finite mean and variance, got {dist!r}")
        _check_support(param, _scipy_name(dist), top)
        n = int(top)
        while dist.sf(n) > tail:                      # guard against isf rounding
            n += 1
        pmf = dist.pmf(np.arange(n + 1))
        sf_n = float(dist.sf(n))
        pmf[-1] += sf_n                               # the cut tail is lumped into the top value n
        return cls(pmf / pmf.sum(), name=name or _scipy_name(dist), truncated_mass=sf_n)

    @classmethod
    def from_continuous(cls, dist, *, rule: str = "round", tail: float = DEFAULT_TAIL,
                        name: str | None = None, param: str = "dist") -> "DiscreteDistribution":
        """Discretise a continuous scipy.stats frozen distribution onto 0, 1, 2, ...

        ``rule="round"``: ``P(X=k) = F(k+1/2) - F(k-1/2)``, ``P(X=0) = F(1/2)`` (nearest integer,
        negative values counted as 0).  ``rule="ceil"``: ``P(X=k) = F(k) - F(k-1)``,
        ``P(X=0) = F(0)`` (round up to whole periods).  Cut where the upper tail ``<= tail``.

        >>> from scipy import stats
        >>> d = DiscreteDistribution.from_continuous(stats.norm(50, 8))
        >>> round(d.mean(), 6), round(d.var(), 4)    # rounding adds 1/12 to the variance
        (50.0, 64.0833)
        """
        if not _is_continuous_frozen(dist):
            raise TypeError(f"{param} must be a continuous scipy.stats frozen distribution, got {dist!r}")
        check_choice("rule", rule, _RULES)
        tail = check_probability("tail", tail)
        shift = 0.5 if rule == "round" else 0.0
        top = float(dist.isf(tail))
        if not math.isfinite(top):
            raise ValueError(f"{param} must have a finite {tail:g} upper quantile, got {top!r}")
        _check_support(param, _scipy_name(dist), top)
        n = max(0, int(math.ceil(top - shift)))
        while dist.sf(n + shift) > tail:
            n += 1
        edges = np.arange(n + 1) + shift               # upper edge of each integer's cell
        cdf = dist.cdf(edges)
        sf_n = float(dist.sf(edges[-1]))
        pmf = np.diff(cdf, prepend=0.0)
        # differences of sf are more accurate in the upper tail than differences of cdf
        sf = dist.sf(edges)
        upper = np.diff(-sf, prepend=-1.0)
        use_sf = cdf > 0.5
        pmf = np.where(use_sf, upper, pmf)
        pmf = np.clip(pmf, 0.0, None)                  # float noise only: each term is F(b)-F(a) >= 0
        pmf[-1] += sf_n                                # the cut tail is lumped into the top value n
        return cls(pmf / pmf.sum(), name=name or f"{_scipy_name(dist)} ({rule}ed)", truncated_mass=sf_n)

    @classmethod
    def from_dict(cls, probs, *, name: str | None = None, param: str = "probs") -> "DiscreteDistribution":
        """From ``{value: probability}`` with non-negative integer values and probabilities summing to 1.

        >>> DiscreteDistribution.from_dict({2: 0.25, 4: 0.75}).mean()
        3.5
        """
        if not isinstance(probs, dict) or not probs:
            raise ValueError(f"{param} must be a non-empty dict {{value: probability}}, got {probs!r}")
        keys = []
        for key in probs:
            keys.append(check_int(f"{param} key", key, minimum=0))
        vals = [check_real(f"{param}[{k}]", v) for k, v in zip(keys, probs.values())]
        for k, v in zip(keys, vals):
            if v < 0:
                raise ValueError(f"{param}[{k}] must be a probability >= 0, got {v!r}")
        total = math.fsum(vals)
        if not abs(total - 1.0) <= _SUM_TOL:
            raise ValueError(f"{param} probabilities must sum to 1 (within {_SUM_TOL:g}), got sum {total!r}")
        _check_support(f"{param} key", max(keys), max(keys))
        pmf = np.zeros(max(keys) + 1)
        np.add.at(pmf, keys, vals)
        return cls(pmf, name=name)

    @classmethod
    def from_samples(cls, samples, *, name: str | None = "empirical",
                     param: str = "samples") -> "DiscreteDistribution":
        """The empirical distribution of observed non-negative integer values.

        >>> DiscreteDistribution.from_samples([0, 0, 1, 3]).pmf.tolist()
        [0.5, 0.25, 0.0, 0.25]
        """
        arr = check_array(param, samples, nonnegative=True, min_size=1).ravel()
        ints = np.rint(arr)
        bad = np.flatnonzero(np.abs(arr - ints) > 1e-9)
        if bad.size:
            raise ValueError(f"{param} must be whole numbers (units or periods), got {float(arr[bad[0]])!r} "
                             f"at index {int(bad[0])}")
        top = float(ints.max())
        _check_support(f"{param}[{int(np.argmax(ints))}]", top, top)
        counts = np.bincount(ints.astype(np.int64))
        return cls(counts / counts.sum(), name=name)

    # ------------------------------------------------------------------ basic properties
    @property
    def pmf(self) -> np.ndarray:
        """``pmf[k] = P(X = k)``, k = 0..n (read-only)."""
        return self._pmf

    @property
    def n(self) -> int:
        """The largest value with positive probability."""
        return self._pmf.size - 1

    @property
    def support(self) -> np.ndarray:
        """The integers 0..n."""
        return np.arange(self._pmf.size)

    def mean(self) -> float:
        """E[X]."""
        return float(np.dot(self.support, self._pmf))

    def var(self) -> float:
        """Var[X] = E[(X - E[X])^2] (computed about the mean, for accuracy)."""
        return float(np.dot((self.support - self.mean()) ** 2, self._pmf))

    def std(self) -> float:
        """Standard deviation sqrt(Var[X])."""
        return math.sqrt(self.var())

    # ------------------------------------------------------------------ functions of x
    def _index(self, x):
        """floor(x) clipped to -1..n, as an int array, and whether the input was a scalar."""
        xa = _as_float_array("x", x)
        if np.isnan(xa).any():
            raise ValueError(f"x must not be NaN, got {x!r}")
        m = np.floor(xa)
        return np.clip(m, -1, self.n).astype(np.int64), xa

    @staticmethod
    def _out(values, x):
        return float(values) if np.ndim(x) == 0 else values

    def prob(self, x):
        """P(X = x); zero off the integers 0..n."""
        xa = _as_float_array("x", x)
        if np.isnan(xa).any():
            raise ValueError(f"x must not be NaN, got {x!r}")
        inside = (xa == np.floor(xa)) & (xa >= 0) & (xa <= self.n)
        idx = np.where(inside, xa, 0).astype(np.int64)
        return self._out(np.where(inside, self._pmf[idx], 0.0), x)

    def cdf(self, x):
        """F(x) = P(X <= x)."""
        m, _ = self._index(x)
        out = np.where(m < 0, 0.0, np.where(m >= self.n, 1.0, self._cdf[np.maximum(m, 0)]))
        return self._out(out, x)

    def sf(self, x):
        """P(X > x) = 1 - F(x), accumulated from the upper tail (accurate for small tails)."""
        m, _ = self._index(x)
        out = np.where(m < 0, 1.0, self._sf[np.maximum(m, 0)])
        return self._out(out, x)

    def ppf(self, q):
        """The q-quantile: the smallest integer x with F(x) >= q, for 0 < q < 1.

        A tolerance of 1e-12 absorbs rounding in the cumulative sum, so that e.g. a pmf
        (0.1, 0.2, 0.7) has F(1) = 0.3 exactly as far as ``ppf(0.3)`` is concerned.
        """
        qa = _as_float_array("q", q)
        if qa.size == 0:
            return np.zeros(qa.shape, dtype=np.int64)
        if np.isnan(qa).any() or (qa <= 0).any() or (qa >= 1).any():
            bad = qa.ravel()[np.flatnonzero(~((qa > 0) & (qa < 1)).ravel())[0]]
            raise ValueError(f"q must be strictly between 0 and 1, got {float(bad)!r}")
        idx = np.searchsorted(self._cdf, qa - _PPF_TOL, side="left")
        idx = np.minimum(idx, self.n)
        return int(idx) if np.ndim(q) == 0 else idx

    def loss(self, x):
        """First-order loss function n(x) = E[(X - x)^+], for any real x.

        >>> from scipy import stats
        >>> d = DiscreteDistribution.from_scipy(stats.poisson(6))
        >>> round(float(d.loss(8)), 6)   # Poisson identity: (lambda - x)(1 - F(x)) + lambda f(x)
        0.314021
        """
        m, xa = self._index(x)
        if (xa == -np.inf).any():
            raise ValueError(f"x must be > -inf (the loss is infinite there), got {x!r}")
        s0 = np.where(m < 0, 1.0, self._sf[np.maximum(m, 0)])
        s1 = np.where(m < 0, self.mean(), self._tail1[np.maximum(m, 0)])
        with np.errstate(invalid="ignore"):
            val = np.where(xa >= self.n, 0.0, s1 - xa * s0)     # nothing above n: n(x) = 0 there
        return self._out(np.maximum(val, 0.0), x)

    def complementary_loss(self, x):
        """Complementary loss n_bar(x) = E[(x - X)^+] = x - E[X] + n(x)."""
        xa = _as_float_array("x", x)
        if np.isnan(xa).any() or (xa == np.inf).any():
            raise ValueError(f"x must be a number below +inf (the loss is infinite there), got {x!r}")
        with np.errstate(invalid="ignore"):
            below = np.where(xa < 0, 0.0, xa - self.mean() + self.loss(np.where(xa < 0, 0.0, xa)))
        return self._out(np.maximum(below, 0.0), x)

    def second_order_loss(self, x):
        """Discrete second-order loss n2(x) = 1/2 E[(X - x)^+ (X - x - 1)^+].

        It satisfies n2(x) - n2(x + 1) = n(x + 1) for integer x, and for integer x equals
        1/2 E[(X - x)(X - x - 1)] over X > x, the quantity behind fill-rate formulas for
        periodic-review policies.
        """
        m, xa = self._index(_as_float_array("x", x) + 1.0)   # terms with X > x + 1 only
        if (xa == -np.inf).any():
            raise ValueError(f"x must be > -inf (the loss is infinite there), got {x!r}")
        j = np.maximum(m, 0)
        s0 = np.where(m < 0, 1.0, self._sf[j])
        s1 = np.where(m < 0, self.mean(), self._tail1[j])
        s2 = np.where(m < 0, self.var() + self.mean() ** 2, self._tail2[j])
        x0 = xa - 1.0
        with np.errstate(invalid="ignore"):
            val = np.where(x0 >= self.n, 0.0, 0.5 * (s2 - (2 * x0 + 1) * s1 + x0 * (x0 + 1) * s0))
        return self._out(np.maximum(val, 0.0), x)

    def rvs(self, size=None, seed=None):
        """Random draws by inverse transform; ``size`` is None (one draw), an int or a shape, ``seed``
        an int or a numpy Generator."""
        shape = check_size("size", size)
        rng = np.random.default_rng(check_seed("seed", seed))
        u = rng.random(None if size is None else shape)
        draws = np.minimum(np.searchsorted(self._cdf, u, side="right"), self.n)
        return int(draws) if size is None else draws.astype(np.int64)

    # ------------------------------------------------------------------ algebra
    def __add__(self, other: "DiscreteDistribution") -> "DiscreteDistribution":
        """The distribution of X + Y for independent X and Y (a convolution)."""
        if not isinstance(other, DiscreteDistribution):
            return NotImplemented
        from scipy.signal import fftconvolve

        _check_support("the sum's largest value", self.n + other.n, self.n + other.n)
        conv = fftconvolve(self._pmf, other._pmf) if min(self.n, other.n) > 64 else np.convolve(self._pmf, other._pmf)
        conv = np.clip(conv, 0.0, None)
        return DiscreteDistribution(conv / conv.sum(), truncated_mass=self.truncated_mass + other.truncated_mass)

    # ------------------------------------------------------------------ display
    def to_frame(self) -> pd.DataFrame:
        """Table of x, P(X = x), P(X <= x), P(X > x), n(x)."""
        k = self.support
        return pd.DataFrame({"x": k, "pmf": self._pmf, "cdf": self._cdf, "sf": self._sf,
                             "loss": self.loss(k)}).set_index("x")

    def __repr__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        return (f"DiscreteDistribution({label}support 0..{self.n}, mean {self.mean():.4g}, "
                f"sd {self.std():.4g})")

    def __eq__(self, other) -> bool:
        return isinstance(other, DiscreteDistribution) and np.array_equal(self._pmf, other._pmf)

    __hash__ = None


def _scipy_name(dist) -> str:
    args = ", ".join(f"{a:.4g}" if isinstance(a, (float, np.floating)) else str(a) for a in dist.args)
    kw = ", ".join(f"{k}={v:.4g}" if isinstance(v, (float, np.floating)) else f"{k}={v}" for k, v in dist.kwds.items())
    return f"{dist.dist.name}({', '.join(p for p in (args, kw) if p)})"


def degenerate(value: int, *, name: str | None = None) -> DiscreteDistribution:
    """The distribution that is always ``value`` (e.g. a fixed lead time of 3 periods)."""
    value = check_int("value", value, minimum=0)
    _check_support("value", value, value)
    pmf = np.zeros(value + 1)
    pmf[value] = 1.0
    return DiscreteDistribution(pmf, name=name or f"always {value}")


def as_discrete(obj, *, param: str = "distribution", tail: float = DEFAULT_TAIL,
                rule: str = "round") -> DiscreteDistribution:
    """Turn what a user passes as a distribution into a :class:`DiscreteDistribution`.

    Accepts a :class:`DiscreteDistribution` (returned as is), a non-negative int (a fixed value),
    a dict ``{value: probability}``, a scipy.stats frozen discrete distribution (cut at ``tail``),
    or a frozen continuous one (discretised by ``rule``, see the module docstring).  ``param``
    names the argument in error messages.

    >>> as_discrete(3).pmf.tolist()
    [0.0, 0.0, 0.0, 1.0]
    >>> as_discrete({1: 0.5, 2: 0.6}, param="lead_time")
    Traceback (most recent call last):
    ...
    ValueError: lead_time probabilities must sum to 1 (within 1e-09), got sum 1.1
    """
    if isinstance(obj, DiscreteDistribution):
        return obj
    if isinstance(obj, bool):
        raise TypeError(f"{param} must be a distribution, an int or a dict, got {obj!r}")
    if isinstance(obj, (numbers.Integral, np.integer)):
        value = check_int(param, obj, minimum=0)
        _check_support(param, value, value)
        return degenerate(value)
    if isinstance(obj, dict):
        return DiscreteDistribution.from_dict(obj, param=param)
    if _is_frozen(obj):
        lo = obj.support()[0]
        if _is_discrete_frozen(obj) and lo < 0:
            raise ValueError(f"{param} must live on the non-negative integers, got support from {lo}")
        mean = obj.mean()
        if not math.isfinite(mean) or mean < 0:
            raise ValueError(f"{param} must have a finite non-negative mean, got {float(mean)!r}")
        return DiscreteDistribution.from_scipy(obj, tail=tail, rule=rule, param=param)
    raise TypeError(f"{param} must be a DiscreteDistribution, an int, a dict {{value: probability}} or a "
                    f"scipy.stats frozen distribution; got {obj!r} ({type(obj).__name__})")


# ---------------------------------------------------------------------- families by their moments

DEMAND_FAMILIES = ("poisson", "nbinom", "norm")
LEAD_TIME_FAMILIES = ("fixed", "gamma", "lognorm")


def demand_distribution(family: str, mean: float, dispersion: float = 1.0):
    """A scipy.stats frozen demand distribution from its mean and dispersion index (variance / mean).

    ``"poisson"`` (dispersion must be 1), ``"nbinom"`` (dispersion > 1: ``r = mean/(dispersion-1)``,
    ``p = r/(r + mean)``), or ``"norm"`` (variance ``dispersion * mean``).

    >>> d = demand_distribution("nbinom", 10, 3)
    >>> round(float(d.mean()), 9), round(float(d.var()), 9)
    (10.0, 30.0)
    """
    check_choice("family", family, DEMAND_FAMILIES)
    mean = check_real("mean", mean)
    if mean <= 0:
        raise ValueError(f"mean must be > 0 units per period, got {mean!r}")
    dispersion = check_real("dispersion", dispersion)
    if family == "poisson":
        if dispersion != 1:
            raise ValueError(f"dispersion must be 1 for a Poisson distribution, got {dispersion!r}")
        return stats.poisson(mean)
    if family == "nbinom":
        if dispersion <= 1:
            raise ValueError(f"dispersion must be > 1 for a negative binomial (over-dispersion), got {dispersion!r}")
        r = mean / (dispersion - 1)
        return stats.nbinom(r, r / (r + mean))
    if dispersion <= 0:
        raise ValueError(f"dispersion must be > 0, got {dispersion!r}")
    return stats.norm(mean, math.sqrt(dispersion * mean))


def lead_time_distribution(family: str, mean: float, cv: float = 0.0):
    """A lead-time distribution (periods) from its mean and coefficient of variation (sd / mean).

    ``"fixed"``: the int ``round(mean)`` (``cv`` must be 0); ``"gamma"``: shape ``1/cv^2``, scale
    ``mean cv^2``; ``"lognorm"``: ``sigma^2 = log(1 + cv^2)``, ``scale = mean / sqrt(1 + cv^2)``.
    Both are right-skewed; for the same mean and cv the lognormal has the heavier right tail.

    >>> L = lead_time_distribution("lognorm", 10, 0.5)
    >>> round(float(L.mean()), 9), round(float(L.std()), 9)
    (10.0, 5.0)
    """
    check_choice("family", family, LEAD_TIME_FAMILIES)
    mean = check_real("mean", mean)
    if mean < 0:
        raise ValueError(f"mean must be >= 0 periods, got {mean!r}")
    cv = check_real("cv", cv)
    if family == "fixed":
        if cv != 0:
            raise ValueError(f"cv must be 0 for a fixed lead time, got {cv!r}")
        return int(round(mean))
    if cv <= 0 or mean <= 0:
        raise ValueError(f"cv and mean must be > 0 for a {family} lead time, got cv={cv!r}, mean={mean!r}")
    if family == "gamma":
        return stats.gamma(1 / cv ** 2, scale=mean * cv ** 2)
    s2 = math.log1p(cv ** 2)
    return stats.lognorm(math.sqrt(s2), scale=mean / math.sqrt(1 + cv ** 2))


# ---------------------------------------------------------------------- fitting demand data

@dataclass(frozen=True)
class DemandFit:
    """The result of :func:`fit_demand`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per candidate, parametric ones ranked by AIC (best first), then the empirical: parameters, log-likelihood, number of
        fitted parameters ``k``, AIC, chi-square goodness-of-fit statistic, its degrees of freedom
        and p-value, and the sample's dispersion index.
    distributions : dict
        Candidate name -> fitted :class:`DiscreteDistribution`.
    dispersion_index : float
        Sample variance / sample mean (1 for Poisson; above 1 means over-dispersion).
    best : str
        The parametric candidate with the lowest AIC ("empirical" only if it is the sole candidate).
    """

    table: pd.DataFrame
    distributions: dict = field(repr=False)
    dispersion_index: float
    best: str

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return (f"<p>dispersion index (variance/mean) = {self.dispersion_index:.3f}; "
                f"best by AIC: <b>{self.best}</b></p>" + self.table.to_html(float_format=lambda v: f"{v:.4g}"))


_CANDIDATES = ("poisson", "nbinom", "norm", "gamma", "lognorm", "empirical")
#: The largest demand per period :func:`fit_demand` takes (its candidates are pmfs on 0..max and beyond).
_FIT_MAX_VALUE = 100_000


def _rounded_logpmf(dist, values):
    """log P(round(X) = v) for a continuous X, with negative values counted as 0 (rule "round")."""
    hi = dist.logsf(values - 0.5)
    lo = dist.logsf(values + 0.5)
    # log(sf(v-1/2) - sf(v+1/2)) = hi + log1p(-exp(lo - hi)); v = 0 takes all mass below 1/2
    lo = np.where(values == 0, -np.inf, lo)
    hi = np.where(values == 0, 0.0, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = hi + np.log1p(-np.exp(lo - hi))
    return out


def _fit_two(make, values, counts, x0):
    """Maximise the rounded-discretisation likelihood of a 2-parameter continuous family."""
    def nll(theta):
        try:
            ll = _rounded_logpmf(make(*theta), values)
        except (ValueError, FloatingPointError):
            return 1e300
        total = float(np.dot(counts, ll))
        return -total if math.isfinite(total) else 1e300

    res = optimize.minimize(nll, x0, method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    return res.x, -res.fun


def fit_demand(samples, candidates=_CANDIDATES, *, min_expected: float = 5.0) -> DemandFit:
    """Fit candidate distributions to per-period demand counts and rank them by AIC.

    Every candidate is scored as a distribution **on the integers**, so the log-likelihoods (and
    AICs = 2k - 2 log L) are comparable: ``poisson`` and ``nbinom`` use their pmf; the
    continuous ``norm``, ``gamma`` and ``lognorm`` use the probability that the continuous
    variable rounds to the observed count (the ``rule="round"`` discretisation of this module),
    with parameters fitted by maximising that likelihood; ``empirical`` is the sample's own
    frequencies (k = number of distinct values - 1), a yardstick listed last: it is the data
    itself, so its in-sample likelihood is the ceiling no model can beat; it is not ranked (on
    large-valued series with nearly all values distinct its AIC can even look best).

    The goodness-of-fit statistic is Pearson's chi-square on the counts, with adjacent values
    pooled until each cell expects at least ``min_expected`` observations; degrees of freedom are
    cells - 1 - k.  The empirical candidate is not tested (p-value NaN).

    Parameters
    ----------
    samples : array_like
        Observed demand per period: non-negative whole numbers, at least 2 of them.
    candidates : sequence of str
        Any of "poisson", "nbinom", "norm", "gamma", "lognorm", "empirical".

    Notes
    -----
    The negative binomial nests the Poisson only in the limit; if the sample is not over-dispersed
    (dispersion index <= 1) its maximum-likelihood fit is that limit, so the row reports the
    Poisson fit with ``k = 2`` and a note.  ``gamma`` and ``lognorm`` need a positive sample mean.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).negative_binomial(3, 0.2, size=400)   # mean 12, var 60
    >>> fit = fit_demand(x, candidates=("poisson", "nbinom"))
    >>> fit.best, fit.dispersion_index > 3
    ('nbinom', True)
    """
    x = check_array("samples", samples, nonnegative=True, min_size=2).ravel()
    if np.any(np.abs(x - np.rint(x)) > 1e-9):
        bad = int(np.flatnonzero(np.abs(x - np.rint(x)) > 1e-9)[0])
        raise ValueError(f"samples must be whole numbers of units, got {float(x[bad])!r} at index {bad}")
    if x.max() > _FIT_MAX_VALUE:
        big = int(np.argmax(x))
        raise ValueError(f"samples[{big}]={float(x[big])!r} is too large to fit: each candidate is a pmf on "
                         f"0..{x.max():,.0f} and beyond, more memory and time than casekit allows (at most "
                         f"{_FIT_MAX_VALUE:,} units per period); express demand in larger units (e.g. hundreds)")
    if isinstance(candidates, str):
        candidates = (candidates,)
    if len(candidates) == 0:
        raise ValueError(f"candidates must name at least one of {_CANDIDATES}, got {candidates!r}")
    for c in candidates:
        check_choice("candidates", c, _CANDIDATES)
    x = np.rint(x).astype(np.int64)
    values, counts = np.unique(x, return_counts=True)
    N = x.size
    mean, var = float(x.mean()), float(x.var(ddof=1))
    dispersion = var / mean if mean > 0 else float("nan")

    rows, dists = [], {}
    for cand in candidates:
        note = ""
        if cand in ("gamma", "lognorm", "poisson", "nbinom", "norm") and var <= 0:
            rows.append(dict(candidate=cand, parameters="", k=np.nan, loglik=np.nan, aic=np.nan,
                             note="needs a sample that varies"))
            continue
        if cand == "poisson":
            frozen, k = stats.poisson(mean), 1
            ll = float(np.dot(counts, frozen.logpmf(values)))
            params = f"lambda={mean:.4g}"
            dist = DiscreteDistribution.from_scipy(frozen, name=f"Poisson({mean:.4g})")
        elif cand == "nbinom":
            k = 2
            if var <= mean:
                frozen = stats.poisson(mean)
                params, note = f"lambda={mean:.4g}", "not over-dispersed: MLE is the Poisson limit"
            else:
                def nll(theta):
                    r = math.exp(theta[0])
                    return -float(np.dot(counts, stats.nbinom.logpmf(values, r, r / (r + mean))))
                r0 = mean ** 2 / (var - mean)
                res = optimize.minimize(nll, [math.log(r0)], method="Nelder-Mead",
                                        options={"xatol": 1e-10, "fatol": 1e-12})
                r = math.exp(res.x[0])
                frozen = stats.nbinom(r, r / (r + mean))       # the MLE of the mean is the sample mean
                params = f"r={r:.4g}, p={r / (r + mean):.4g}"
            ll = float(np.dot(counts, frozen.logpmf(values)))
            dist = DiscreteDistribution.from_scipy(frozen, name=f"nbinom ({params})")
        elif cand in ("norm", "gamma", "lognorm"):
            k = 2
            sd = math.sqrt(max(var, 1e-6))
            if cand == "norm":
                make = lambda m, ls: stats.norm(m, math.exp(ls))
                theta, ll = _fit_two(make, values, counts, [mean, math.log(sd)])
                frozen = make(*theta)
                params = f"mu={theta[0]:.4g}, sigma={math.exp(theta[1]):.4g}"
            elif cand == "gamma":
                make = lambda la, ls: stats.gamma(math.exp(la), scale=math.exp(ls))
                shape0 = max(mean ** 2 / max(var, 1e-6), 1e-3)
                theta, ll = _fit_two(make, values, counts, [math.log(shape0), math.log(mean / shape0)])
                frozen = make(*theta)
                params = f"shape={math.exp(theta[0]):.4g}, scale={math.exp(theta[1]):.4g}"
            else:
                make = lambda mu, ls: stats.lognorm(math.exp(ls), scale=math.exp(mu))
                s2 = math.log1p(max(var, 1e-6) / mean ** 2)
                theta, ll = _fit_two(make, values, counts, [math.log(mean) - s2 / 2, 0.5 * math.log(s2)])
                frozen = make(*theta)
                params = f"mu_log={theta[0]:.4g}, sigma_log={math.exp(theta[1]):.4g}"
            dist = DiscreteDistribution.from_continuous(frozen, name=f"{cand} ({params}, rounded)")
        else:  # empirical
            dist = DiscreteDistribution.from_samples(x)
            k = values.size - 1
            ll = float(np.dot(counts, np.log(counts / N)))
            params = f"{values.size} distinct values"
        dists[cand] = dist
        stat, df, p = _chi_square(values, counts, dist, k if cand != "empirical" else None, min_expected)
        rows.append(dict(candidate=cand, parameters=params, k=k, loglik=ll, aic=2 * k - 2 * ll,
                         chi2=stat, df=df, p_value=p, note=note))
    table = pd.DataFrame(rows)
    for col in ("chi2", "df", "p_value"):
        if col not in table:
            table[col] = np.nan
    table["dispersion_index"] = dispersion
    # rank the parametric models by AIC; the empirical yardstick goes last whatever its AIC
    table["_yardstick"] = table["candidate"] == "empirical"
    table = table.sort_values(["_yardstick", "aic"], na_position="last").drop(columns="_yardstick")
    table = table.reset_index(drop=True)
    table.index = table.index + 1
    table.index.name = "rank"
    table = table[["candidate", "parameters", "k", "loglik", "aic", "chi2", "df", "p_value",
                   "dispersion_index", "note"]]
    best = str(table["candidate"].iloc[0])
    return DemandFit(table=table, distributions=dists, dispersion_index=dispersion, best=best)


def _chi_square(values, counts, dist: DiscreteDistribution, k, min_expected):
    """Pearson chi-square with cells pooled until each expects >= min_expected observations."""
    if k is None:
        return 0.0, np.nan, np.nan
    N = counts.sum()
    top = int(values.max())
    obs = np.zeros(top + 1)
    obs[values] = counts
    p = np.asarray(dist.prob(np.arange(top + 1)), dtype=float)
    p[-1] += dist.sf(top)                                  # last cell: top and above
    exp = N * p
    # pool from the left, then fold an under-filled final cell into its neighbour
    cells_o, cells_e, acc_o, acc_e = [], [], 0.0, 0.0
    for o, e in zip(obs, exp):
        acc_o += o
        acc_e += e
        if acc_e >= min_expected:
            cells_o.append(acc_o)
            cells_e.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0 or acc_o > 0:
        if cells_e:
            cells_o[-1] += acc_o
            cells_e[-1] += acc_e
        else:
            cells_o.append(acc_o)
            cells_e.append(acc_e)
    cells_o, cells_e = np.array(cells_o), np.array(cells_e)
    df = cells_o.size - 1 - k
    if df < 1 or (cells_e <= 0).any():
        return np.nan, max(df, 0), np.nan
    stat = float(np.sum((cells_o - cells_e) ** 2 / cells_e))
    return stat, df, float(special.chdtrc(df, stat))
