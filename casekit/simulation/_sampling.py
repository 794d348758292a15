"""Fast exact sampling of discrete demand by inversion of its cumulative distribution.

numpy's Poisson and negative binomial samplers run a small algorithm per draw (several
uniforms or a rejection loop each).  When many draws share a few distributions, as the
stages of a distribution network with Poisson(5) demand do, it is faster to invert the
cumulative distribution function F once into a table and look every draw up in it:

    X = the smallest x with F(x) > U,  U ~ Uniform[0, 1),

which has exactly the distribution F (inversion).  The look-up uses an index ("guide") table
(Chen and Asau, 1974): the interval [0, 1) is cut into G equal cells and ``guide[j]`` is the
answer for the cell's left end j / G, so a draw starts at ``guide[floor(U G)]`` and moves up
past the few table entries inside its cell.  With G several times the table length almost
every draw needs one comparison.  All of it is a handful of vectorised numpy passes over the
draws.

The table stops at the value x_max whose upper tail P(X > x_max) is below 1e-16, smaller than
the spacing of the uniforms (2^-53): the leftover mass is given to x_max, so the sampler agrees
with the distribution to the resolution of the random numbers it reads.
"""

from __future__ import annotations

import numpy as np

#: Upper-tail probability left out of a table (given to its last value).
TAIL = 1e-16
#: Largest table (values per distribution) and most distributions per sampler.
MAX_WIDTH = 1 << 16
MAX_TABLES = 256


def cdf_table(dist) -> np.ndarray:
    """F(0), F(1), ..., F(x_max) of a frozen scipy discrete distribution on 0, 1, 2, ...
    (x_max: the upper tail beyond it is below :data:`TAIL`); the last entry is set to 1."""
    hi = int(np.ceil(float(dist.isf(TAIL))))
    if not np.isfinite(hi) or hi + 1 > MAX_WIDTH:
        raise ValueError(f"a demand table for {dist.dist.name}{dist.args} would need {hi + 1} values "
                         f"(at most {MAX_WIDTH})")
    F = np.asarray(dist.cdf(np.arange(hi + 1)), dtype=float)
    F = np.maximum.accumulate(F)
    F[-1] = 1.0
    return F


class TableSampler:
    """Inversion sampler for a few discrete distributions on 0, 1, 2, ...

    Parameters
    ----------
    tables : list of ndarray
        Cumulative distribution functions F(0..x_max), each non-decreasing with last entry 1.

    ``draw(u, which)`` maps uniforms ``u`` (any shape) to values of distribution ``which[...]``
    (an integer array broadcastable to ``u``, or None when there is one table).

    >>> from scipy import stats
    >>> s = TableSampler([cdf_table(stats.poisson(5.0))])
    >>> u = np.random.default_rng(1).random(200_000)
    >>> x = s.draw(u)
    >>> bool(abs(x.mean() - 5.0) < 0.03 and abs(x.var() - 5.0) < 0.1)
    True
    """

    def __init__(self, tables):
        tables = [np.asarray(F, dtype=float) for F in tables]
        if not tables or len(tables) > MAX_TABLES:
            raise ValueError(f"TableSampler needs 1 to {MAX_TABLES} tables, got {len(tables)}")
        W = max(F.size for F in tables)
        self.k = len(tables)
        self.width = W
        # one flat array of tables of equal width (padded with 1: never passed, as U < 1)
        Fs = np.ones((self.k, W))
        for i, F in enumerate(tables):
            if F.ndim != 1 or F[-1] != 1.0 or (np.diff(F) < 0).any():
                raise ValueError("each table must be a non-decreasing F(0..x_max) ending in 1")
            Fs[i, :F.size] = F
        G = 1 << int(np.ceil(np.log2(max(8 * W, 64))))
        self.G = G
        cells = np.arange(G) / G
        # guide[i, j]: the value for U = j / G (the smallest x with F(x) > j / G)
        self.guide = np.stack([np.searchsorted(Fs[i], cells, side="right") for i in range(self.k)])
        self.F = Fs.ravel()
        self.guide_flat = self.guide.ravel()

    def draw(self, u: np.ndarray, which=None) -> np.ndarray:
        """Values X = min{x : F(x) > u} as an integer array of ``u``'s shape."""
        u = np.asarray(u, dtype=float)
        j = (u * self.G).astype(np.intp)
        F = self.F
        if which is None:
            x = self.guide_flat[j]
            x += F[x] <= u                      # the one step inside the cell most draws need
            rest = np.flatnonzero(F[x] <= u)    # cells holding several table entries (tails)
            if rest.size:
                x.ravel()[rest] = (F[None, :] <= u.ravel()[rest][:, None]).sum(axis=1)
            return x
        which = np.asarray(which, dtype=np.intp)
        base = which * self.width
        j += which * self.G
        x = self.guide_flat[j]
        x += F[base + x] <= u
        rest = np.flatnonzero(F[base + x] <= u)
        if rest.size:
            rows = np.broadcast_to(which, u.shape).ravel()[rest]
            x.ravel()[rest] = (F.reshape(self.k, self.width)[rows] <= u.ravel()[rest][:, None]).sum(axis=1)
        return x
