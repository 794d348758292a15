"""The welcome chapter's first model: how much stock covers one period of Poisson demand.

Demand in a period is D ~ Poisson(lambda).  Holding ``stock`` units at the start of the period,
the chance of meeting all demand (the cycle service level, alpha) is P(D <= stock), and the
expected shortfall is E[(D - stock)^+].  The welcome notebook's widget wires a slider to
:func:`poisson_cover`; its browser test checks the page against the same function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from casekit.validate import check_int, check_positive

__all__ = ["PoissonCover", "poisson_cover"]


@dataclass(frozen=True)
class PoissonCover:
    """What ``stock`` units achieve against Poisson(``mean``) demand in one period."""

    mean: float
    stock: int
    service_level: float
    expected_shortfall: float

    def __str__(self) -> str:
        return (f"{self.stock} units cover Poisson({self.mean:g}) demand with probability "
                f"{self.service_level:.4f}; expected shortfall {self.expected_shortfall:.4f} units")


def poisson_cover(mean: float, stock: int) -> PoissonCover:
    """Cycle service level P(D <= stock) and expected shortfall E[(D - stock)^+], D ~ Poisson(mean).

    Uses the Poisson loss-function identity E[(D - s)^+] = (lambda - s)(1 - F(s)) + lambda f(s).

    Parameters
    ----------
    mean : float
        lambda > 0, mean demand per period (units).
    stock : int
        Units on hand at the start of the period (>= 0).

    Examples
    --------
    Poisson(6) demand and 8 units (Snyder & Shen's Poisson newsvendor example):

    >>> r = poisson_cover(6, 8)
    >>> round(r.service_level, 6)
    0.847237
    """
    lam = check_positive("mean", mean)
    s = check_int("stock", stock, minimum=0)
    cdf = float(stats.poisson.cdf(s, lam))
    pmf = float(stats.poisson.pmf(s, lam))
    shortfall = (lam - s) * (1.0 - cdf) + lam * pmf
    return PoissonCover(mean=lam, stock=s, service_level=cdf, expected_shortfall=float(max(shortfall, 0.0)))


def poisson_pmf_table(mean: float, upto: int | None = None) -> np.ndarray:
    """P(D = k) for k = 0..upto (default: the 99.99% quantile), for plotting."""
    lam = check_positive("mean", mean)
    upto = int(stats.poisson.ppf(0.9999, lam)) if upto is None else check_int("upto", upto, minimum=0)
    return stats.poisson.pmf(np.arange(upto + 1), lam)
