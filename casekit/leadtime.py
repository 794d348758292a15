"""Demand over a random lead time: exact convolution, the normal approximation, Monte Carlo.

An order placed now arrives after ``L`` periods; meanwhile customers take ``D_1 + ... + D_L`` units,
the **lead-time demand** (LTD) ``X``.  With per-period demands ``D_t`` independent and identically
distributed, and independent of ``L``, ``X`` is a *compound* (random) sum whose pmf is the mixture of
convolution powers

    P(X = x) = sum_l P(L = l) P(D^{*l} = x),

where ``D^{*l}`` is the sum of ``l`` independent copies of ``D`` (``D^{*0} = 0``).  Its first two
moments are the textbook identities

    E[X]   = E[L] E[D],
    Var[X] = E[L] Var[D] + Var[L] E[D]^2.

:func:`lead_time_demand` returns ``X`` as a :class:`~casekit.distributions.DiscreteDistribution` by
one of three methods:

``"exact"``
    The pmf by the probability generating function ``G_X(z) = G_L(G_D(z))`` evaluated on the unit
    circle with a real FFT: transform the demand pmf once (``phi = FFT(p_D)``), combine the
    lead-time probabilities by Horner's rule (``sum_l q_l phi^l``), transform back.  The FFT length
    ``M`` is chosen from a Chernoff bound, ``P(X >= M) <= min_theta E[e^{theta X}] e^{-theta M}``,
    so that the mass wrapped around by the circular convolution is at most ``tail/4``; truncating
    unbounded demand, unbounded lead times and the result's own upper tail take at most ``tail/4``
    each.  The distance to the exact compound distribution (total variation) is therefore at most
    ``tail`` (default 1e-12), reported in the result's ``truncated_mass``.  Values below zero left
    by floating-point rounding (of order 1e-17) are set to zero.
``"normal"``
    The normal approximation with the mean and variance above, discretised by rounding
    (``P(X <= k) = Phi((k + 1/2 - mu) / sigma)``, a continuity correction; negative values count
    as 0).
``"montecarlo"``
    ``n_draws`` seeded draws of ``L`` and of the demand in each of its periods; the empirical pmf.
    For scipy Poisson and negative-binomial demand the sum of ``l`` periods is drawn directly
    (``Poisson(l lambda)``, ``NB(l r, p)``), which is exact in distribution and much faster.

Lead times come as an int (fixed), a dict ``{periods: probability}``, a discrete scipy
distribution, or a continuous one (gamma, lognormal, ...) discretised to whole periods by
``lead_time_rule``: ``"round"`` (nearest whole period, the default) or ``"ceil"`` (round up);
see :mod:`casekit.distributions`.  Continuous demand is discretised by rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft
from scipy import stats

from casekit.distributions import (DEFAULT_TAIL, DiscreteDistribution, _is_discrete_frozen, _is_frozen,
                                   as_discrete)
from casekit.validate import check_budget, check_choice, check_int, check_probability, check_seed

__all__ = ["lead_time_demand", "lead_time_demand_moments", "LTDMoments", "METHODS"]

METHODS = ("exact", "normal", "montecarlo")
_THETAS = np.geomspace(1e-6, 40.0, 64)   # Chernoff-bound search grid (any theta > 0 gives a valid bound)


@dataclass(frozen=True)
class LTDMoments:
    """Moments of lead-time demand by the compound-sum identities (units, periods)."""

    mean_demand: float
    var_demand: float
    mean_lead_time: float
    var_lead_time: float
    mean: float            #: E[X] = E[L] E[D]
    var_from_demand: float   #: E[L] Var[D]
    var_from_lead_time: float  #: Var[L] E[D]^2
    var: float             #: the sum of the two parts

    @property
    def std(self) -> float:
        return math.sqrt(self.var)


def _inputs(demand, lead_time, tail, lead_time_rule):
    """Discretise demand and lead time; return (D, L, truncation budget used)."""
    check_choice("lead_time_rule", lead_time_rule, ("round", "ceil"))
    used = 0.0
    if isinstance(lead_time, DiscreteDistribution):
        L = lead_time
    else:
        L = as_discrete(lead_time, param="lead_time", tail=tail / 4, rule=lead_time_rule)
        used += L.truncated_mass
    if isinstance(demand, DiscreteDistribution):
        D = demand
    else:
        if _is_frozen(demand):
            mean = demand.mean()
            if not (math.isfinite(mean) and mean >= 0):
                raise ValueError(f"demand must have a finite non-negative mean, got {float(mean)!r}")
        # each of the at most L.n periods may lose delta of mass: L.n * delta <= tail / 4
        delta = max(tail / 4 / max(L.n, 1), 1e-16)
        D = as_discrete(demand, param="demand", tail=delta, rule="round")
        used += L.n * D.truncated_mass
    return D, L, used


def lead_time_demand_moments(demand, lead_time, *, lead_time_rule: str = "round") -> LTDMoments:
    """E[X] = E[L]E[D] and Var[X] = E[L]Var[D] + Var[L]E[D]^2, split into the demand and lead-time parts.

    Moments are those of the discretised inputs (see :func:`lead_time_demand`).

    >>> m = lead_time_demand_moments({0: 0.2, 1: 0.8}, {2: 0.5, 4: 0.5})
    >>> round(m.mean, 12), round(m.var_from_demand, 12), round(m.var_from_lead_time, 12)
    (2.4, 0.48, 0.64)
    """
    D, L, _ = _inputs(demand, lead_time, DEFAULT_TAIL, lead_time_rule)
    ed, vd, el, vl = D.mean(), D.var(), L.mean(), L.var()
    return LTDMoments(ed, vd, el, vl, el * ed, el * vd, vl * ed ** 2, el * vd + vl * ed ** 2)


def _cut_tail(pmf: np.ndarray, eps: float):
    """Cut at the first n with P(X > n) <= eps, lumping the cut mass into n."""
    above = np.cumsum(pmf[::-1])[::-1]                  # P(X >= k)
    sf = np.append(above[1:], 0.0)                      # P(X > k)
    n = int(np.argmax(sf <= eps))
    out = pmf[: n + 1].copy()
    cut = float(sf[n])
    out[-1] += cut
    return out, cut


def _logsumexp_rows(a: np.ndarray) -> np.ndarray:
    m = a.max(axis=1)
    return m + np.log(np.exp(a - m[:, None]).sum(axis=1))


def _exact(D: DiscreteDistribution, L: DiscreteDistribution, tail: float, lead_time=None):
    q, p = L.pmf, D.pmf
    if L.n == 0 or D.n == 0:                            # L = 0 or D = 0: no demand over the lead time
        return np.array([1.0]), 0.0
    # Chernoff bound on the FFT length: P(X >= N) <= exp(logM_X(theta) - theta N) <= tail / 4
    k = np.flatnonzero(p > 0)
    K = _logsumexp_rows(_THETAS[:, None] * k[None, :] + np.log(p[k])[None, :])   # log E[e^{theta D}]
    lv = np.flatnonzero(q > 0)
    logM = _logsumexp_rows(lv[None, :] * K[:, None] + np.log(q[lv])[None, :])  # log E[e^{theta X}]
    bound = np.min((logM - math.log(tail / 4)) / _THETAS)
    support_max = L.n * D.n                             # no wrap-around at all beyond this
    N = int(min(math.ceil(bound) + 1, support_max + 1))
    M = sfft.next_fast_len(max(N, 2), real=True)
    check_budget("lead_time", lead_time if isinstance(lead_time, (int, np.integer)) else L,
                 nbytes=16.0 * (M // 2 + 1) * 4 + 8.0 * M * 3, operations=(L.n + 1.0) * (M // 2 + 1) * 2,
                 what=f"the exact lead-time demand (an FFT of length {M:,} for demand up to {D.n:,} units, "
                      f"combined over lead times up to {L.n:,} periods)",
                 hint="use method='normal' or 'montecarlo', or larger units of demand or time")
    phi = sfft.rfft(p, M)
    G = np.full_like(phi, q[-1])
    for ql in q[-2::-1]:                                # Horner: sum_l q_l phi^l
        G = G * phi + ql
    x = sfft.irfft(G, M)[:N]
    x[x < 0] = 0.0                                      # rounding noise, |x| ~ 1e-17
    x /= x.sum()
    x, cut = _cut_tail(x, tail / 4)
    alias = 0.0 if N > support_max else tail / 4
    return x, cut + alias


def _montecarlo(demand, D: DiscreteDistribution, L: DiscreteDistribution, n_draws: int, rng):
    lead = L.rvs(n_draws, seed=rng)
    name = getattr(getattr(demand, "dist", None), "name", None)
    no_loc = _is_discrete_frozen(demand) and demand.kwds.get("loc", 0) == 0 and \
        (len(demand.args) < 3 if name == "nbinom" else len(demand.args) < 2)
    if name == "poisson" and no_loc:
        lam = demand.args[0] if demand.args else demand.kwds["mu"]
        return rng.poisson(lead * lam)
    if name == "nbinom" and no_loc:
        args = list(demand.args) + [demand.kwds[k] for k in ("n", "p") if k in demand.kwds]
        r, p = args
        out = np.zeros(n_draws, dtype=np.int64)
        pos = lead > 0
        out[pos] = rng.negative_binomial(lead[pos] * r, p)
        return out
    # generic: draw every period's demand, then add them up per lead time, in chunks
    out = np.empty(n_draws, dtype=np.int64)
    chunk = max(1, 2_000_000 // max(L.n, 1))
    for s in range(0, n_draws, chunk):
        ls = lead[s: s + chunk]
        draws = D.rvs(int(ls.sum()), seed=rng)
        owner = np.repeat(np.arange(ls.size), ls)
        out[s: s + chunk] = np.bincount(owner, weights=draws, minlength=ls.size).astype(np.int64)
    return out


def lead_time_demand(demand, lead_time, method: str = "exact", *, tail: float = DEFAULT_TAIL,
                     n_draws: int = 100_000, seed=None, lead_time_rule: str = "round") -> DiscreteDistribution:
    """The distribution of total demand over a random lead time (see the module docstring).

    Parameters
    ----------
    demand : DiscreteDistribution, scipy.stats frozen distribution, dict or int
        Demand per period ``D`` (units), i.i.d. across periods and independent of the lead time.
        Continuous distributions are rounded to whole units.
    lead_time : int, dict, DiscreteDistribution or scipy.stats frozen distribution
        Lead time ``L`` in whole periods; continuous ones are discretised by ``lead_time_rule``.
    method : {"exact", "normal", "montecarlo"}
    tail : float
        Largest total probability the exact method may lose to truncation (0 < tail < 1e-6).
    n_draws : int
        Monte Carlo sample size.
    seed : int or numpy.random.Generator, optional
        Monte Carlo seed.
    lead_time_rule : {"round", "ceil"}
        How a continuous lead time becomes whole periods.

    Returns
    -------
    DiscreteDistribution
        The lead-time demand ``X`` on 0..n.

    Examples
    --------
    Poisson(4) demand per period and a lead time of 3 periods: LTD is Poisson(12).

    >>> from scipy import stats
    >>> X = lead_time_demand(stats.poisson(4), 3)
    >>> round(X.mean(), 9), round(X.var(), 9), X.ppf(0.95) == int(stats.poisson(12).ppf(0.95))
    (12.0, 12.0, True)

    A lead time of 1 or 2 periods with equal probability:

    >>> X = lead_time_demand({0: 0.5, 1: 0.5}, {1: 0.5, 2: 0.5})
    >>> X.pmf.round(12).tolist()
    [0.375, 0.5, 0.125]
    """
    check_choice("method", method, METHODS)
    tail = check_probability("tail", tail)
    if tail > 1e-6:
        raise ValueError(f"tail must be at most 1e-06 (a truncation, not an approximation), got {tail!r}")
    n_draws = check_int("n_draws", n_draws, minimum=1)
    D, L, used = _inputs(demand, lead_time, tail, lead_time_rule)
    if method == "exact":
        pmf, cut = _exact(D, L, tail, lead_time)
        return DiscreteDistribution(pmf, name="lead-time demand (exact)", truncated_mass=used + cut)
    ed, vd, el, vl = D.mean(), D.var(), L.mean(), L.var()
    if method == "normal":
        mu, var = el * ed, el * vd + vl * ed ** 2
        if var <= 0:
            return DiscreteDistribution.from_dict({int(round(mu)): 1.0}, name="lead-time demand (normal)")
        return DiscreteDistribution.from_continuous(stats.norm(mu, math.sqrt(var)), rule="round",
                                                    name="lead-time demand (normal)")
    check_budget("n_draws", n_draws, nbytes=40.0 * n_draws, operations=4.0 * n_draws * max(L.mean(), 1.0),
                 what=f"{n_draws:,} Monte Carlo draws of lead-time demand (lead times up to {L.n:,} periods)",
                 hint="a few hundred thousand draws already give the pmf to about 3 decimals")
    rng = np.random.default_rng(check_seed("seed", seed))
    draws = _montecarlo(demand, D, L, n_draws, rng)
    return DiscreteDistribution.from_samples(draws, name=f"lead-time demand (Monte Carlo, {n_draws} draws)")
