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
from scipy import integrate, optimize, stats

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
    """The q-quantile of demand over L periods.

    * closed form (normal, Poisson, negative binomial, gamma): scipy's ``ppf`` of the L-period
      distribution;
    * any other discrete demand: the smallest grid value with cdf >= q of the exact L-fold pmf;
    * any other continuous demand: the root of ``F_L(x) = q`` (Brent's method, to 1e-10 in x) on
      the cdf of the L-period total, :func:`sum_cdf`; for L = 1 this is scipy's ``ppf``.
    """
    if L == 0:
        return 0.0
    sc = scaled(dist, L)
    if sc is not None:
        return float(sc.ppf(q))
    if is_discrete(dist):
        m_lo, w = kernel(dist, L, 1.0)
        k = int(np.searchsorted(np.cumsum(w), q - 1e-12))
        return float(m_lo + k)
    if abs(L - round(L)) > 1e-12:
        raise ValueError(f"lead_time {L} is fractional: for this continuous demand only integer "
                         f"lead times are supported (normal and gamma allow any L >= 0)")
    n = int(round(L))
    if n == 1:
        return float(dist.ppf(q))
    # bracket from the quantiles of one period (the total lies between n * min and n * max of a
    # period's quantiles), then solve F_n(x) = q
    lo, hi = float(dist.ppf(min(q, TAIL))), float(dist.ppf(max(q, 1 - TAIL)))
    a, b = n * lo, n * hi
    if not (sum_cdf(dist, n, a) <= q <= sum_cdf(dist, n, b)):
        a, b = n * float(dist.ppf(TAIL)), n * float(dist.ppf(1 - TAIL))
    return float(optimize.brentq(lambda x: sum_cdf(dist, n, x) - q, a, b, xtol=1e-10, rtol=1e-14))


#: Gauss–Legendre nodes and weights on [0, 1] for the inner levels of :func:`sum_cdf`.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(20)
_GL_X, _GL_W = (_GL_X + 1.0) / 2.0, _GL_W / 2.0


def _graded_rule(depth: int = 24, order: int = 12):
    """Nodes and weights on [0, 1] of Gauss–Legendre panels graded geometrically towards 0 and 1."""
    g = 0.5 ** np.arange(depth, 0, -1)                       # 2^-depth .. 1/2
    edges = np.concatenate([[0.0], g, 1.0 - g[::-1][1:], [1.0]])
    x, w = np.polynomial.legendre.leggauss(order)
    lo, hi = edges[:-1, None], edges[1:, None]
    return (lo + (hi - lo) * (x + 1) / 2).ravel(), ((hi - lo) * w / 2).ravel()


_GRADED_T, _GRADED_W = _graded_rule()
#: Largest number of cdf evaluations :func:`sum_cdf` may spend on one point.
_SUM_CDF_WORK = 2_000_000


def sum_cdf(dist, n: int, x: float) -> float:
    """``F_n(x) = P(X_1 + ... + X_n <= x)`` for n independent copies of a continuous ``dist``.

    Recursion in quantile space: ``F_k(x) = integral_0^1 F_{k-1}(x - F^{-1}(v)) dv``, each
    integral cut into panels at every point where the integrand has a kink (where ``x - F^{-1}(v)``
    meets a sum of support edges).  Inner levels use 20-point Gauss–Legendre per panel: exact for
    piecewise-polynomial densities such as the uniform.  For n <= 3 the outer level uses panels
    graded geometrically towards each kink, which also integrates densities with a singular edge
    (e.g. the lognormal at 0): n = 2 is accurate to ~1e-10 for any distribution (checked against
    adaptive quadrature in the tests).  For n = 4 a singular-edge density is accurate to ~1e-5
    only.  Work grows as (20 (k+1))^(n-2); n >= 5 is refused (about 1e7 cdf evaluations per
    point).
    """
    lo, hi = (float(v) for v in dist.support())

    def knots(k, xs):
        """Values of v where x - F^{-1}(v) crosses a kink of F_{k-1}: (k-1)-fold sums of edges."""
        cols = [np.zeros_like(xs), np.ones_like(xs)]
        for j in range(k):
            edge = j * lo + (k - 1 - j) * hi
            if math.isfinite(edge):
                cols.append(np.clip(dist.cdf(xs - edge), 0.0, 1.0))
        return np.sort(np.stack(cols, axis=1), axis=1)

    def inner(k, xs):
        if k == 1:
            return dist.cdf(xs)
        E = knots(k, xs)
        a, b = E[:, :-1, None], E[:, 1:, None]
        V = a + (b - a) * _GL_X
        W = (b - a) * _GL_W
        vals = inner(k - 1, (xs[:, None, None] - dist.ppf(V)).ravel()).reshape(V.shape)
        return np.sum(W * vals, axis=(1, 2))

    if n == 1:
        return float(dist.cdf(x))
    graded = n <= 3
    work = (len(_GRADED_T) if graded else 20) * (n + 1)
    for k in range(2, n):
        work *= 20 * (k + 1)
    if work > _SUM_CDF_WORK:
        raise ValueError(f"lead_time {n}: the quantile of the {n}-period demand of this distribution "
                         f"(no closed form for its sum) would need about {work:.2g} cdf evaluations per "
                         f"point; use at most 4 periods, or normal, gamma, Poisson or negative binomial "
                         f"demand (closed-form sums)")
    if not graded:
        return min(max(float(inner(n, np.array([float(x)]))[0]), 0.0), 1.0)
    # outer level: Gauss–Legendre on panels graded geometrically towards every knot, which
    # integrates endpoint singularities (a density that vanishes or blows up at an edge) to ~1e-12
    E = knots(n, np.array([float(x)]))[0]
    a, b = E[:-1, None], E[1:, None]
    V = (a + (b - a) * _GRADED_T).ravel()
    W = ((b - a) * _GRADED_W).ravel()
    keep = W > 0
    vals = inner(n - 1, float(x) - dist.ppf(V[keep]))
    total = float(np.dot(W[keep], vals))
    return min(max(total, 0.0), 1.0)
