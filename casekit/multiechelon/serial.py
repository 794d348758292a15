"""Serial systems under echelon base-stock policies: the exact Clark–Scarf / Chen–Zheng optimum,
exact evaluation of any policy, the Shang–Song heuristic and "every stage planning alone".

The model (Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., section 6.2)
-------------------------------------------------------------------------------------
Stages j = 1..N, **downstream first**: stage 1 meets customer demand D per period, stage N orders
from an outside supplier with unlimited stock.  Stage j's lead time is L_j periods (any L_j >= 0;
fractional allowed for normal, Poisson, negative binomial and gamma demand, whose total over L
periods is known).  h_j >= 0 is stage j's **echelon** holding cost per unit per period; unmet
demand is backordered at p per unit per period.  Every stage follows an echelon base-stock policy
with level S_j.  With D̃_j the demand over L_j periods and b = p + h_1 + ... + h_N:

    C_0(x)  = b · max(-x, 0)
    Ĉ_j(x)  = h_j x + C_{j-1}(x)
    C̄_j(y)  = E[ Ĉ_j(y - D̃_j) ]
    S*_j    = argmin_y C̄_j(y)              (a convex function of one variable)
    C_j(x)  = C̄_j(min(S*_j, x))

The optimal expected cost per period is C̄_N(S*_N).  Replacing S*_j by any given S_j evaluates
that policy exactly (Chen & Zheng 1994), which is what :func:`evaluate_serial` does.

Numerics
--------
Every function lives on one grid of step Δ.  Discrete demand: Δ = 1 and the lead-time-demand
pmf is exact (tail beyond 1 - 1e-12 dropped), so the answer is exact to ~1e-9.  Continuous demand:
Δ = min_j sd(D̃_j) / ``resolution`` (default 100), each grid point carries the probability of its
cell, and the minimiser is refined by a parabola through the three best grid points; the cost
error is O(Δ²), about 4e-6 relative at the default (the cells add Δ²/12 to the
lead-time-demand variance); the tests refine Δ to check.  A stage with a zero lead time has
C̄_j = Ĉ_j, piecewise linear with its kink on the grid, so its grid minimiser is kept as is (all
lead times 0: S* = 0, cost 0).  Discrete demand evaluated at levels that are not whole numbers
uses Δ = 1/k, k their common denominator, which keeps every kink on the grid (exact again).
The grid's size is computed first and a problem needing more than about 1 GB is refused.
Beyond the grid the functions are affine and are extended as such.  Each expectation is one
convolution (numpy, or FFT for long kernels), so an N-stage system costs N convolutions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import signal, stats

from casekit.multiechelon import _demand
from casekit.network import Network
from casekit.validate import check_array, check_choice, check_positive, check_probability

__all__ = ["SerialResult", "optimize_serial", "evaluate_serial", "shang_song", "independent_serial",
           "serial_parameters", "SerialParameters"]


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SerialParameters:
    """The numbers the serial model reads from a Network, downstream first."""

    stages: tuple            # stage ids, downstream first
    echelon_holding_cost: tuple
    lead_time: tuple
    stockout_cost: float
    demand: object

    @property
    def n(self) -> int:
        return len(self.stages)

    @property
    def local_holding_cost(self) -> tuple:
        return tuple(float(v) for v in np.cumsum(self.echelon_holding_cost[::-1])[::-1])


def serial_parameters(network: Network) -> SerialParameters:
    """Check that ``network`` is a serial system the Clark–Scarf model covers and read its numbers.

    Raises ``ValueError`` naming the stage and parameter otherwise.
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a casekit.network.Network, got {type(network).__name__}")
    if not network.is_serial:
        odd = next((i for i in network.ids if len(network.suppliers(i)) > 1 or len(network.customers(i)) > 1),
                   network.ids[0])
        raise ValueError(f"stage {odd!r}: network must be serial (a chain of stages, each with at most one "
                         f"supplier and one customer), got a {network.kind} network; use optimize_gsm or "
                         f"the distribution-system functions instead")
    order = network.serial_order()
    first = network.stage(order[0])
    if first.demand is None:
        raise ValueError(f"stage {first.id!r}: demand is missing at the customer-facing stage")
    if first.stockout_cost is None:
        raise ValueError(f"stage {first.id!r}: stockout_cost is missing at the customer-facing stage")
    for j in order[1:]:
        if network.stage(j).demand is not None:
            raise ValueError(f"stage {j!r}: demand at an upstream stage is outside the serial model "
                             f"(only stage 1 faces customers)")
    for k, i in zip(order[1:], order[:-1]):
        if network.lane(k, i).units != 1:
            raise ValueError(f"lane {k!r}->{i!r}: units must be 1 in a serial system, got {network.lane(k, i).units}")
    he = network.echelon_holding_cost()
    for j in order:
        if he[j] < -1e-12:
            raise ValueError(f"stage {j!r}: echelon holding cost h_j = {he[j]:g} is negative (local holding "
                             f"cost below its supplier's); the Clark–Scarf model needs h_j >= 0")
    return SerialParameters(
        stages=tuple(order),
        echelon_holding_cost=tuple(max(0.0, he[j]) for j in order),
        lead_time=tuple(network.replenishment_time(j) for j in order),
        stockout_cost=float(first.stockout_cost),
        demand=first.demand,
    )


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SerialResult:
    """Echelon base-stock levels of a serial system and their exact expected cost per period.

    Attributes
    ----------
    base_stock : tuple of float
        Echelon base-stock levels S_1..S_N, downstream first.
    local_base_stock : tuple of float
        Installation (local) levels S'_j = S_j - S_{j-1} (S'_1 = S_1).
    cost : float
        Expected holding + backorder cost per period, C̄_N(S_N).
    stage_cost : tuple of float
        C̄_j(S_j): the expected cost of the subsystem of stages 1..j, given that stage j+1 never
        runs short (the Clark–Scarf decomposition's stage-by-stage numbers).
    method : str
        ``"optimal"``, ``"evaluated"``, ``"shang-song"`` or ``"independent"``.
    step : float
        Grid step Δ of the computation (1 for discrete demand).
    """

    base_stock: tuple
    local_base_stock: tuple
    cost: float
    stage_cost: tuple
    method: str
    step: float
    stages: tuple = ()
    curves: dict = field(default=None, repr=False, compare=False)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"stage": list(self.stages or range(1, len(self.base_stock) + 1)),
                             "echelon_base_stock": self.base_stock,
                             "local_base_stock": self.local_base_stock,
                             "subsystem_cost": self.stage_cost}).set_index("stage")


# --------------------------------------------------------------------------------------------
# the recursion
# --------------------------------------------------------------------------------------------

def _expect(f: np.ndarray, m_lo: int, w: np.ndarray) -> np.ndarray:
    """g[k] = sum_m w[m] f[k - (m_lo + m)] on the same grid, f extended affinely beyond it."""
    if w.size == 1 and m_lo == 0:
        return f.copy()
    m_hi = m_lo + w.size - 1
    pad_l, pad_r = max(m_hi, 0), max(-m_lo, 0)
    left = f[0] - (f[1] - f[0]) * np.arange(pad_l, 0, -1)
    right = f[-1] + (f[-1] - f[-2]) * np.arange(1, pad_r + 1)
    ext = np.concatenate([left, f, right])
    if ext.size * w.size > 4_000_000:
        conv = signal.fftconvolve(ext, w)
    else:
        conv = np.convolve(ext, w)
    start = pad_l - m_lo
    return conv[start:start + f.size]


def _parabola_min(x: np.ndarray, g: np.ndarray, i: int) -> tuple[float, float]:
    if i == 0 or i == g.size - 1:
        raise RuntimeError("the minimiser reached the edge of the grid; this is a casekit bug")
    a, b, c = g[i - 1], g[i], g[i + 1]
    curv = a - 2 * b + c
    if curv <= 0:
        return float(x[i]), float(b)
    shift = 0.5 * (a - c) / curv
    step = x[1] - x[0]
    return float(x[i] + shift * step), float(b - (a - c) ** 2 / (8 * curv))


def _interp(x: np.ndarray, g: np.ndarray, y: float) -> float:
    return float(np.interp(y, x, g))


def _default_step(par: SerialParameters, resolution: float) -> float:
    if all(L == 0 for L in par.lead_time):
        return 1.0          # nothing to cover: every C̄_j is piecewise linear with its kink at 0
    sds = [_demand.moments(par.demand, L)[1] for L in par.lead_time if L > 0]
    sds = [s for s in sds if s > 0]
    if not sds:
        raise ValueError("demand over every positive lead time has zero variance: give demand with a "
                         "positive standard deviation")
    return min(sds) / resolution


#: Memory the grid recursion may use (bytes); larger problems are refused before any work.
MAX_GRID_BYTES = 1_000_000_000


def _grid_points(par: SerialParameters, step: float, S=None, keep_curves: bool = False) -> tuple[int, float]:
    """Grid size and approximate memory (bytes) of the recursion, computed before building it."""
    total_hi, total_lo, kernel_pts = 0.0, 0.0, 0.0
    for L in par.lead_time:
        if L == 0:
            continue
        sc = _demand.scaled(par.demand, L)
        if sc is not None:
            lo, hi = float(sc.ppf(_demand.TAIL)), float(sc.ppf(1 - _demand.TAIL))
        elif callable(getattr(par.demand, "ppf", None)):
            lo, hi = L * float(par.demand.ppf(_demand.TAIL)), L * float(par.demand.ppf(1 - _demand.TAIL))
        else:
            m, sd = _demand.moments(par.demand, L)
            lo, hi = 0.0, m + 12 * sd
        total_hi += max(hi, 0.0) / step
        total_lo += abs(min(lo, 0.0)) / step
        kernel_pts += (hi - lo) / step + 1
    span = total_hi + total_lo
    points = 2 * span + 0.1 * span + 21
    if S is not None:
        points += 2 * max(abs(float(v)) for v in S) / step
    arrays = 5 + (par.n if keep_curves else 0)
    return int(points), 8.0 * (arrays * points + 6 * kernel_pts)


def _discrete_unit(S) -> int:
    """k such that every level in S is a multiple of 1/k (k <= 1000), for integer demand."""
    from fractions import Fraction

    k = 1
    for v in S:
        frac = Fraction(float(v)).limit_denominator(1000)
        if abs(float(frac) - float(v)) > 1e-9:
            raise ValueError(f"base_stock levels must be multiples of 1/1000 unit for discrete demand, got {v!r}")
        k = k * frac.denominator // math.gcd(k, frac.denominator)
    if k > 1000:
        raise ValueError(f"base_stock levels must share a denominator <= 1000 for discrete demand, got {list(S)}")
    return k


def _recursion(par: SerialParameters, S=None, *, step=None, resolution=100.0, keep_curves=False):
    discrete = _demand.is_discrete(par.demand)
    unit = 1
    if discrete:
        # integer demand: a grid of step 1, or 1/k when the levels evaluated are multiples of 1/k
        # (every C̄_j is then piecewise linear between grid points, so the values are exact)
        unit = 1 if S is None else _discrete_unit(S)
        step = 1.0 / unit
    elif step is None:
        step = _default_step(par, resolution)
    points, need = _grid_points(par, step, S, keep_curves)
    if need > MAX_GRID_BYTES:
        raise ValueError(f"step={step:g} needs a grid of about {points:.3g} points (~{need / 1e9:.1f} GB of "
                         f"memory), over the {MAX_GRID_BYTES / 1e9:g} GB limit: use a larger step (the "
                         f"default, sd/{resolution:g}, is accurate to ~1e-5 relative)")
    if discrete:
        kernels = []
        for L in par.lead_time:
            m_lo, w = _demand.kernel(par.demand, L, 1.0)
            if unit > 1:
                spread = np.zeros((w.size - 1) * unit + 1)
                spread[::unit] = w
                m_lo, w = m_lo * unit, spread
            kernels.append((m_lo, w))
    else:
        kernels = [_demand.kernel(par.demand, L, step) for L in par.lead_time]
    his = [m_lo + w.size - 1 for m_lo, w in kernels]
    los = [m_lo for m_lo, _ in kernels]
    span = sum(max(h, 0) for h in his) + sum(abs(lo) for lo in los)
    margin = 10 + int(0.05 * span)
    a = -span - margin
    b = sum(max(h, 0) for h in his) + margin
    if S is not None:
        s_idx = [v / step for v in S]
        a = min(a, int(math.floor(min(s_idx))) - span - margin)
        b = max(b, int(math.ceil(max(s_idx))) + span + margin)
    x = np.arange(a, b + 1) * step
    bcoef = par.stockout_cost + sum(par.echelon_holding_cost)
    c_prev = bcoef * np.maximum(-x, 0.0)
    levels, costs, curves = [], [], []
    for j in range(par.n):
        c_hat = par.echelon_holding_cost[j] * x + c_prev
        c_bar = _expect(c_hat, *kernels[j])
        if S is None:
            i = int(np.argmin(c_bar))
            if discrete or kernels[j][1].size == 1:
                # integer demand, or a zero lead time (C̄_j = Ĉ_j is piecewise linear, its kinks on
                # the grid): the grid minimiser is exact
                s_j, v_j = float(x[i]), float(c_bar[i])
            else:
                s_j, v_j = _parabola_min(x, c_bar, i)
        else:
            s_j = float(S[j])
            v_j = _interp(x, c_bar, s_j)
        levels.append(s_j)
        costs.append(v_j)
        if keep_curves:
            curves.append(c_bar)
        c_prev = np.where(x >= s_j, v_j, c_bar)
    info = {"x": x, "C_bar": np.array(curves)} if keep_curves else None
    return levels, costs, step, info


def _result(par, levels, costs, step, method, info) -> SerialResult:
    local = [levels[0]] + [levels[j] - levels[j - 1] for j in range(1, len(levels))]
    return SerialResult(base_stock=tuple(levels), local_base_stock=tuple(local), cost=costs[-1],
                        stage_cost=tuple(costs), method=method, step=step, stages=par.stages, curves=info)


def optimize_serial(network: Network, *, step: float | None = None, resolution: float = 100.0,
                    keep_curves: bool = False) -> SerialResult:
    """Optimal echelon base-stock levels of a serial system (Clark–Scarf / Chen–Zheng), exact.

    Parameters
    ----------
    network : Network
        A serial network, e.g. from :func:`casekit.network.serial`: demand and stockout cost p at
        stage 1, echelon holding costs h_j >= 0, lead times L_j = each stage's replenishment time.
    step : float, optional
        Grid step Δ for continuous demand (ignored for discrete demand, where Δ = 1).
    resolution : float
        Default Δ = min_j sd(D̃_j) / resolution.
    keep_curves : bool
        Keep the grid and the functions C̄_j in ``result.curves`` (for plots).

    Returns
    -------
    SerialResult
        ``.base_stock`` (echelon, downstream first), ``.local_base_stock``, ``.cost``.

    Examples
    --------
    Snyder & Shen, Example 6.1 (h = (3, 2, 2), L = (1, 1, 2), p = 37.12), Poisson(5) demand:
    the published S* = (9, 15, 26); the published cost 72.0435 comes from a computation that
    drops some tail probability, the exact cost is 72.0467 (checked by direct enumeration in
    the tests):

    >>> from scipy.stats import norm, poisson
    >>> from casekit.network import serial
    >>> r = optimize_serial(serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5)))
    >>> r.base_stock, round(r.cost, 4)
    ((9.0, 15.0, 26.0), 72.0467)

    and N(5, 1) demand: S* = (6.49, 12.02, 22.71), cost 47.66:

    >>> r = optimize_serial(serial([3, 2, 2], [1, 1, 2], 37.12, norm(5, 1)))
    >>> [round(s, 2) for s in r.base_stock], round(r.cost, 2)
    ([6.49, 12.02, 22.71], 47.66)
    """
    par = serial_parameters(network)
    if step is not None:
        step = check_positive("step", step)
    resolution = check_positive("resolution", resolution)
    levels, costs, step, info = _recursion(par, None, step=step, resolution=resolution, keep_curves=keep_curves)
    return _result(par, levels, costs, step, "optimal", info)


def evaluate_serial(network: Network, base_stock, *, step: float | None = None,
                    resolution: float = 100.0, keep_curves: bool = False, method: str = "evaluated") -> SerialResult:
    """Exact expected cost per period of any echelon base-stock vector S (downstream first).

    The same recursion as :func:`optimize_serial` with S_j in place of S*_j.  For discrete
    demand, levels that are not whole numbers (e.g. the Shang–Song heuristic unrounded) are
    evaluated exactly on a grid of step 1/k, k the common denominator of the levels (<= 1000).

    >>> from scipy.stats import poisson
    >>> from casekit.network import serial
    >>> net = serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5))
    >>> round(evaluate_serial(net, [9, 15, 26]).cost, 4)
    72.0467
    """
    par = serial_parameters(network)
    S = check_array("base_stock", base_stock, ndim=1)
    if S.size != par.n:
        raise ValueError(f"base_stock must have {par.n} echelon levels (downstream first), got {S.size}")
    if step is not None:
        step = check_positive("step", step)
    levels, costs, step, info = _recursion(par, list(S), step=step, resolution=resolution, keep_curves=keep_curves)
    return _result(par, levels, costs, step, method, info)


def shang_song(network: Network, *, weight: float = 0.5, rounding: str | None = "auto",
               step: float | None = None) -> SerialResult:
    """The Shang–Song (2003) newsvendor heuristic, with its cost evaluated exactly.

    For each j, with D̃⁺_j the demand over L_1 + ... + L_j periods and p_j = p + h_{j+1} + ... + h_N,
    solve two newsvendor problems: one with holding cost h_j (critical ratio p_j/(p_j + h_j)) and
    one with holding cost h_1 + ... + h_j (ratio p_j/(p + h_1 + ... + h_N)).  The heuristic level
    is their ``weight``-average (S&S eq. 6.32).

    ``rounding``: ``"auto"`` rounds to the nearest integer for discrete demand and not at all for
    continuous demand; ``"nearest"``, ``"up"``, ``"down"`` or ``None`` force a rule.

    >>> from scipy.stats import norm
    >>> from casekit.network import serial
    >>> r = shang_song(serial([3, 2, 2], [1, 1, 2], 37.12, norm(5, 1)))
    >>> [round(s, 2) for s in r.base_stock]
    [6.49, 12.03, 22.63]
    """
    par = serial_parameters(network)
    weight = check_probability("weight", weight, open_interval=False)
    rounding = check_choice("rounding", rounding, ("auto", "nearest", "up", "down", None))
    if rounding == "auto":
        rounding = "nearest" if _demand.is_discrete(par.demand) else None
    h = par.echelon_holding_cost
    p = par.stockout_cost
    levels = []
    for j in range(par.n):
        pj = p + sum(h[j + 1:])
        cum_L = sum(par.lead_time[:j + 1])
        q_u = pj / (pj + h[j]) if pj + h[j] > 0 else 1.0
        q_l = pj / (p + sum(h))
        s_u = _demand.quantile(par.demand, cum_L, min(q_u, 1 - 1e-12))
        s_l = _demand.quantile(par.demand, cum_L, q_l)
        levels.append(weight * s_l + (1 - weight) * s_u)
    levels = _round(levels, rounding)
    return evaluate_serial(network, levels, step=step, method="shang-song")


def independent_serial(network: Network, *, step: float | None = None) -> SerialResult:
    """Every stage planning alone, as if it were a single-stage newsvendor, evaluated exactly.

    Stage j ignores the others: it covers demand over its own lead time L_j at the critical
    ratio p / (p + h'_j) of the customer's stockout cost p and its own local holding cost h'_j,
    and sets its *local* base stock to that quantile.  Echelon levels are the running sums.
    """
    par = serial_parameters(network)
    p = par.stockout_cost
    local = [_demand.quantile(par.demand, L, p / (p + hl)) for L, hl in zip(par.lead_time, par.local_holding_cost)]
    echelon = list(np.cumsum(local))
    if _demand.is_discrete(par.demand):
        echelon = _round(echelon, "nearest")
    return evaluate_serial(network, echelon, step=step, method="independent")


def _round(levels, rule):
    if rule is None:
        return [float(v) for v in levels]
    f = {"nearest": np.round, "up": np.ceil, "down": np.floor}[rule]
    return [float(f(v)) for v in levels]


def newsvendor_cost_normal(h: float, p: float, mean: float, sd: float, S: float) -> float:
    """h E[(S - D)^+] + p E[(D - S)^+] for D ~ N(mean, sd^2): a closed form used by the tests
    and notebooks to check the one-stage case."""
    z = (S - mean) / sd
    loss = sd * (stats.norm.pdf(z) - z * stats.norm.sf(z))
    return h * (S - mean + loss) + p * loss
