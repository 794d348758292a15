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
    The pmf by the probability generating function ``G_X(z) = G_L(G_D(z)) = sum_l q_l G_D(z)^l``
    evaluated at the ``M`` roots of unity, then one inverse real FFT: no convolution, one FFT per
    call whatever the number of lead times.  For scipy **Poisson** demand (rate ``lambda``, no
    ``loc``) ``G_D(z)^l = exp(l lambda (z - 1))``, the pgf of Poisson(``l lambda``): ``X`` is a
    mixture of Poissons.  For scipy **negative binomial** demand NB(``r``, ``p``) the periods share
    ``p`` and ``G_D(z)^l = (p / (1 - (1 - p) z))^{l r}``, the pgf of NB(``l r``, ``p``): a mixture of
    negative binomials.  Both are closed forms, so the demand pmf is never tabulated.  For any
    other demand (empirical, continuous, shifted) the demand pmf is transformed once
    (``phi = FFT(p_D)``).  The lead-time probabilities are combined by Horner's rule (``sum_l q_l
    phi^l``); for the two closed forms, when the lead times are sparse (a few values far apart),
    as one power ``exp(l log G_D(z))`` per lead time instead.
    The FFT length ``M`` is chosen from a Chernoff bound, ``P(X >= M) <= min_theta E[e^{theta X}]
    e^{-theta M}``, so that the mass wrapped around by the circular convolution is at most
    ``tail/4``; truncating unbounded demand, unbounded lead times and the result's own upper tail
    take at most ``tail/4`` each.  The distance to the exact compound distribution (total
    variation) is therefore at most ``tail`` (default 1e-12), reported in the result's
    ``truncated_mass`` (for the two closed forms, with the probability beyond the FFT length
    computed exactly from the Poisson and negative-binomial tails).  Values below zero left by
    floating-point rounding (of order 1e-17) are set to zero.
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
from scipy import special, stats

from casekit.distributions import (_BYTES_PER_VALUE, DEFAULT_TAIL, DiscreteDistribution, _is_discrete_frozen,
                                   _is_frozen, as_discrete)
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


def _lead_time(lead_time, tail, lead_time_rule):
    """The lead time as a DiscreteDistribution and the probability its truncation dropped (<= tail/4)."""
    check_choice("lead_time_rule", lead_time_rule, ("round", "ceil"))
    if isinstance(lead_time, DiscreteDistribution):
        return lead_time, 0.0
    L = as_discrete(lead_time, param="lead_time", tail=tail / 4, rule=lead_time_rule)
    return L, L.truncated_mass


def _inputs(demand, lead_time, tail, lead_time_rule):
    """Discretise demand and lead time; return (D, L, truncation budget used)."""
    L, used = _lead_time(lead_time, tail, lead_time_rule)
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


def _family(demand):
    """``("poisson", (lambda,))`` or ``("nbinom", (r, p))`` for a scipy Poisson or negative binomial
    demand with no shift (``loc = 0``) and valid parameters; None for anything else."""
    name = getattr(getattr(demand, "dist", None), "name", None)
    if name not in ("poisson", "nbinom") or not _is_discrete_frozen(demand):
        return None
    keys = ("mu", "loc") if name == "poisson" else ("n", "p", "loc")
    args = dict(zip(keys, demand.args))
    args.update({k: v for k, v in demand.kwds.items() if k in keys})
    try:
        vals = [float(args[k]) for k in keys[:-1]]
        loc = float(args.get("loc", 0))
    except (KeyError, TypeError, ValueError):
        return None
    if loc != 0 or not all(math.isfinite(v) for v in vals):
        return None
    if name == "poisson":
        return (name, tuple(vals)) if vals[0] >= 0 else None
    r, p = vals
    return (name, (r, p)) if r > 0 and 0 < p <= 1 else None


def _mixture(kind, par, L: DiscreteDistribution, tail: float, lead_time=None):
    """The lead-time-demand pmf of a Poisson or NB mixture, by one inverse FFT (module doc)."""
    q = L.pmf
    l = np.flatnonzero(q > 0)
    if kind == "poisson" and par[0] == 0 or kind == "nbinom" and par[1] == 1 or l[-1] == 0:
        return np.array([1.0]), 0.0                    # no demand over the lead time
    # log E[e^{theta D}] in closed form (NB: finite for theta < -log(1 - p) only)
    if kind == "poisson":
        thetas = _THETAS
        K = par[0] * np.expm1(thetas)
    else:
        r, p = par
        thetas = -math.log1p(-p) * np.linspace(0.005, 0.995, 64)
        K = r * (math.log(p) - np.log1p(-(1 - p) * np.exp(thetas)))
    # Chernoff: P(X >= N) <= exp(log E[e^{theta X}] - theta N) <= tail / 4
    logM = _logsumexp_rows(l[None, :] * K[:, None] + np.log(q[l])[None, :])
    N = int(math.ceil(np.min((logM - math.log(tail / 4)) / thetas))) + 1
    M = sfft.next_fast_len(max(N, 2), real=True)
    horner = l[-1] + 1 <= 8 * l.size                   # dense lead times: Horner; sparse: one power each
    check_budget("lead_time", lead_time if isinstance(lead_time, (int, np.integer)) else L,
                 nbytes=16.0 * (M // 2 + 1) * (4 + (0 if horner else l.size)) + 8.0 * M * 3
                 + (_BYTES_PER_VALUE + 40.0) * N,
                 operations=(l[-1] + 1.0 if horner else 20.0 * l.size) * (M // 2 + 1) * 2,
                 what=f"the exact lead-time demand (an inverse FFT of length {M:,}, mixing "
                      f"{l.size:,} lead times up to {l[-1]:,} periods)",
                 hint="use method='normal' or 'montecarlo', or larger units of demand or time")
    # log of the demand's pgf on the unit circle, z_k = e^{-2 pi i k / M} (numpy's rfft convention)
    z = np.exp(-2j * np.pi * np.arange(M // 2 + 1) / M)
    if kind == "poisson":
        log_phi = par[0] * (z - 1)
    else:
        log_phi = r * (math.log(p) - np.log(1 - (1 - p) * z))      # Re(1 - (1-p) z) > 0: principal log
    if horner:                                          # sum_l q_l phi^l = (...(q_n phi + q_{n-1}) phi + ...) + q_0
        phi = np.exp(log_phi)
        G = np.full_like(phi, q[-1])
        for ql in q[-2::-1]:
            G *= phi
            G += ql
    else:
        G = np.exp(log_phi[None, :] * l[:, None]).T @ q[l]
    x = sfft.irfft(G, M)[:N]
    x[x < 0] = 0.0                                      # rounding noise, |x| ~ 1e-17
    x /= x.sum()
    x, cut = _cut_tail(x, tail / 4)
    # the values >= N were dropped or wrapped around by the FFT: their probability, exactly
    if kind == "poisson":
        beyond = special.pdtrc(N - 1, l * par[0])
    else:
        beyond = special.betaincc(l * r, float(N), p)  # P(NB(l r, p) > N - 1) = I_{1-p}(N, l r)
    return x, cut + float(np.dot(q[l], beyond))


def _montecarlo(demand, D: DiscreteDistribution, L: DiscreteDistribution, n_draws: int, rng):
    lead = L.rvs(n_draws, seed=rng)
    family = _family(demand)
    if family is not None and family[0] == "poisson":
        return rng.poisson(lead * family[1][0])
    if family is not None:
        r, p = family[1]
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
    family = _family(demand) if method == "exact" else None
    if family is not None:                              # Poisson or negative binomial: a closed-form mixture
        L, used = _lead_time(lead_time, tail, lead_time_rule)
        pmf, cut = _mixture(*family, L, tail, lead_time)
        return DiscreteDistribution(pmf, name="lead-time demand (exact)", truncated_mass=used + cut)
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
