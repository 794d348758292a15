"""Demand over a lead time of L periods, as weights on a grid (the kernels of the Clark–Scarf
recursion).

Snyder & Shen's serial model treats demand as a process whose total over L periods is known for
any L >= 0, fractional included:

* normal N(mu, sigma^2) per period -> N(mu L, sigma^2 L) over L periods;
* Poisson(lambda) -> Poisson(lambda L);
* negative binomial nbinom(n, q) -> nbinom(n L, q) (infinitely divisible, so any L >= 0);
* gamma(a, scale) -> gamma(a L, scale);
* any other discrete distribution (scipy, or an object with a ``.pmf`` array on 0..n such as
  ``casekit.distributions.DiscreteDistribution``): the L-fold convolution, integer L only.

A kernel is ``(m_lo, w)``: the lead-time demand takes the grid value ``(m_lo + m) * step`` with
probability ``w[m]``.  Discrete demand uses ``step = 1`` and the exact pmf (tail beyond the
1 - 1e-12 quantile dropped and the rest renormalised); continuous demand puts on each grid point
the probability of the cell of width ``step`` centred on it (cdf differences).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

TAIL = 1e-12


def _scipy_name(dist) -> str | None:
    d = getattr(dist, "dist", None)
    return getattr(d, "name", None) if d is not None else None


def is_discrete(dist) -> bool:
    """True for integer-valued demand (scipy discrete, or an object with a ``pmf`` array)."""
    if isinstance(getattr(dist, "pmf", None), np.ndarray) or isinstance(dist, stats.rv_discrete):
        return True
    d = getattr(dist, "dist", None)
    return isinstance(d, stats.rv_discrete)


def _pmf_array(dist) -> np.ndarray:
    """pmf on 0..n of a discrete one-period demand (tail <= 1e-12 dropped)."""
    arr = getattr(dist, "pmf", None)
    if isinstance(arr, np.ndarray):
        p = np.asarray(arr, dtype=float)
        return p / p.sum()
    lo = dist.support()[0]
    if lo < 0:
        raise ValueError(f"demand must be nonnegative (integer support from 0), got support from {lo}")
    hi = int(dist.ppf(1 - TAIL))
    p = dist.pmf(np.arange(hi + 1))
    return p / p.sum()


def _shape_args(dist):
    return dict(zip(dist.dist.shapes.replace(" ", "").split(","), dist.args)) if dist.dist.shapes else {}


def scaled(dist, L: float):
    """The frozen scipy distribution of demand over ``L`` periods, when it has a closed form,
    else ``None``.  ``L`` = 0 is handled by the caller."""
    name = _scipy_name(dist)
    kw = dict(getattr(dist, "kwds", {}))
    args = tuple(getattr(dist, "args", ()))
    if name == "norm":
        m, s = dist.mean(), dist.std()
        return stats.norm(m * L, s * math.sqrt(L))
    if name == "poisson":
        return stats.poisson(dist.mean() * L)
    if name == "nbinom":
        params = {**dict(zip(("n", "p", "loc"), args)), **kw}
        if params.get("loc", 0) != 0:
            return None
        return stats.nbinom(params["n"] * L, params["p"])
    if name == "gamma":
        params = {**dict(zip(("a", "loc", "scale"), args)), **kw}
        if params.get("loc", 0) != 0:
            return None
        return stats.gamma(params["a"] * L, scale=params.get("scale", 1.0))
    return None


def kernel(dist, L: float, step: float) -> tuple[int, np.ndarray]:
    """Lead-time demand over ``L`` periods as grid weights ``(m_lo, w)`` (see the module doc)."""
    if L == 0:
        return 0, np.ones(1)
    disc = is_discrete(dist)
    sc = scaled(dist, L)
    if disc:
        if sc is not None:
            hi = int(sc.ppf(1 - TAIL))
            w = sc.pmf(np.arange(hi + 1))
            return 0, w / w.sum()
        if abs(L - round(L)) > 1e-12:
            raise ValueError(f"lead_time {L} is fractional: demand over a fractional number of periods "
                             f"is defined for normal, Poisson, negative binomial and gamma demand only")
        base = _pmf_array(dist)
        w = np.ones(1)
        for _ in range(int(round(L))):
            w = np.convolve(w, base)
        cut = np.searchsorted(np.cumsum(w), 1 - TAIL) + 1
        w = w[:cut]
        return 0, w / w.sum()
    if sc is None:
        if abs(L - round(L)) > 1e-12:
            raise ValueError(f"lead_time {L} is fractional: for this continuous demand only integer "
                             f"lead times are supported (normal and gamma allow any L >= 0)")
        # one-period cell weights, convolved L times
        m_lo, w1 = _cells(dist, step)
        w = np.ones(1)
        for _ in range(int(round(L))):
            w = np.convolve(w, w1)
        return m_lo * int(round(L)), w / w.sum()
    return _cells(sc, step)


def _cells(dist, step: float) -> tuple[int, np.ndarray]:
    lo, hi = dist.ppf(TAIL), dist.ppf(1 - TAIL)
    m_lo, m_hi = int(math.floor(lo / step)), int(math.ceil(hi / step))
    edges = (np.arange(m_lo, m_hi + 2) - 0.5) * step
    cdf = dist.cdf(edges)
    w = np.diff(cdf)
    return m_lo, w / w.sum()


def moments(dist, L: float) -> tuple[float, float]:
    """Mean and standard deviation of demand over L periods (independent increments)."""
    m = float(dist.mean() if callable(dist.mean) else dist.mean)
    s = float(dist.std() if callable(dist.std) else dist.std)
    return m * L, s * math.sqrt(L)


def quantile(dist, L: float, q: float) -> float:
    """The q-quantile of demand over L periods (exact where a closed form exists, else from the
    kernel)."""
    if L == 0:
        return 0.0
    sc = scaled(dist, L)
    if sc is not None:
        return float(sc.ppf(q))
    step = 1.0 if is_discrete(dist) else moments(dist, L)[1] / 200
    m_lo, w = kernel(dist, L, step)
    k = int(np.searchsorted(np.cumsum(w), q - 1e-12))
    return (m_lo + k) * step
