"""An independent check of serial-system costs: simulate the physical system, unit by unit.

:func:`simulate_serial` knows nothing of the Clark–Scarf recursion.  It moves stock between
stages period by period under echelon base-stock policies and averages the costs it sees, so its
confidence interval is a test of :func:`casekit.multiechelon.evaluate_serial` (and of any other
tool's reported cost).  The simulation chapter (:mod:`casekit.simulation`) builds a general
discrete-event twin; this is the small, vectorised special case the serial model needs.

Timing within a step (all stages, all replications at once):

1. shipments due this step arrive;
2. customer demand hits stage 1 (met from stock or backordered);
3. from stage N down to stage 1, each stage orders S_j - (echelon inventory position) from its
   supplier, which ships what it has (stage N's outside supplier ships at once); a shipment
   arrives L_j steps later (at once if L_j = 0);
4. costs are recorded: h'_j per unit on hand at stage j, h'_{j+1} per unit in transit to stage j
   (h'_j = local holding cost), p per unit backordered.

An order placed in step t is therefore exposed to the demand of the L_j following steps, the
lead-time demand of Snyder & Shen's model.  Fractional lead times (0.5 periods) are simulated on
a finer clock: each period is split into ``k`` steps with demand over 1/k period each (normal,
Poisson, negative binomial or gamma demand), and costs are averaged over steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy import stats

from casekit.multiechelon import _demand
from casekit.multiechelon.serial import serial_parameters
from casekit.network import Network
from casekit.validate import check_array, check_int

__all__ = ["MonteCarloCost", "simulate_serial", "serial_demand_paths"]


@dataclass(frozen=True)
class MonteCarloCost:
    """A simulated expected cost per period with its confidence interval (over replications).

    ``per_rep`` holds each replication's average cost: with common random numbers (the same
    ``demand`` array for two policies) their paired differences give a much tighter interval.
    """

    mean: float
    ci_low: float
    ci_high: float
    std_error: float
    n_reps: int
    n_periods: int
    confidence: float
    per_rep: tuple = field(default=(), repr=False)

    def __str__(self) -> str:
        return (f"{self.mean:.4f} ({self.confidence:.0%} CI {self.ci_low:.4f} to {self.ci_high:.4f}, "
                f"{self.n_reps} x {self.n_periods} periods)")


def _steps_per_period(lead_times) -> int:
    k = 1
    for L in lead_times:
        frac = Fraction(L).limit_denominator(1000)
        if abs(float(frac) - L) > 1e-9:
            raise ValueError(f"lead_time {L} must be a fraction with a small denominator to simulate")
        k = k * frac.denominator // math.gcd(k, frac.denominator)
    return k


def serial_demand_paths(network: Network, n_periods: int, n_reps: int, seed=None) -> tuple[np.ndarray, int]:
    """Demand per step, shape (n_reps, n_periods * k), and k (steps per period).

    Draw once and pass to :func:`simulate_serial` for several policies: common random numbers.
    """
    par = serial_parameters(network)
    k = _steps_per_period(par.lead_time)
    rng = np.random.default_rng(seed)
    dist = par.demand if k == 1 else _demand.scaled(par.demand, 1.0 / k)
    if dist is None:
        raise ValueError("fractional lead times can only be simulated for normal, Poisson, negative "
                         "binomial or gamma demand")
    if isinstance(getattr(dist, "pmf", None), np.ndarray):
        pmf = np.asarray(dist.pmf, dtype=float)
        draws = rng.choice(pmf.size, size=(n_reps, n_periods * k), p=pmf / pmf.sum()).astype(float)
    else:
        draws = np.asarray(dist.rvs(size=(n_reps, n_periods * k), random_state=rng), dtype=float)
    return draws, k


def simulate_serial(network: Network, base_stock, *, n_periods: int = 5000, n_reps: int = 20,
                    warmup: int | None = None, seed=None, demand: np.ndarray | None = None,
                    confidence: float = 0.95) -> MonteCarloCost:
    """Simulated expected cost per period of echelon base-stock levels ``base_stock``.

    Parameters
    ----------
    network : Network
        A serial network (as for :func:`casekit.multiechelon.optimize_serial`).
    base_stock : sequence of float
        Echelon base-stock levels S_1..S_N, downstream first.
    n_periods, n_reps : int
        Periods per replication (after the warm-up) and independent replications.
    warmup : int, optional
        Periods discarded at the start (default: 10 x total lead time + 50).
    seed : int or numpy Generator
        For the demand draws (ignored when ``demand`` is given).
    demand : array, optional
        Demand per step from :func:`serial_demand_paths` (common random numbers across policies);
        its first ``warmup`` periods are the warm-up.
    """
    par = serial_parameters(network)
    S = check_array("base_stock", base_stock, ndim=1)
    if S.size != par.n:
        raise ValueError(f"base_stock must have {par.n} echelon levels (downstream first), got {S.size}")
    n_periods = check_int("n_periods", n_periods, minimum=10)
    n_reps = check_int("n_reps", n_reps, minimum=2)
    if warmup is None:
        warmup = int(10 * sum(par.lead_time)) + 50
    warmup = check_int("warmup", warmup, minimum=0)
    if demand is None:
        demand, k = serial_demand_paths(network, n_periods + warmup, n_reps, seed)
    else:
        k = _steps_per_period(par.lead_time)
        demand = np.asarray(demand, dtype=float)
        if demand.shape[1] < (n_periods + warmup) * k:
            raise ValueError(f"demand has {demand.shape[1]} steps, need {(n_periods + warmup) * k}")
        n_reps = demand.shape[0]
    N, R = par.n, demand.shape[0]
    L = [int(round(l * k)) for l in par.lead_time]
    hl = np.array(par.local_holding_cost)
    h_transit = np.append(hl[1:], 0.0)      # stock in transit to j is valued at h'_{j+1}
    p = par.stockout_cost

    # state: net inventory of stage 1 (negative = backorders), on hand upstream, owed, pipelines
    on_hand = np.zeros((N, R))
    on_hand[0] = S[0]
    for j in range(1, N):
        on_hand[j] = max(S[j] - S[j - 1], 0.0)
    owed = np.zeros((N, R))                  # owed[j]: units stage j+1 still owes stage j
    pipes = [np.zeros((max(L[j], 1), R)) for j in range(N)]
    transit = np.zeros((N, R))
    total = np.zeros(R)
    steps_warm = warmup * k
    n_steps = (n_periods + warmup) * k

    for t in range(n_steps):
        for j in range(N):                   # 1. arrivals
            if L[j] > 0:
                slot = t % L[j]
                arr = pipes[j][slot]
                on_hand[j] += arr
                transit[j] -= arr
                pipes[j][slot] = 0.0
        on_hand[0] -= demand[:, t]           # 2. demand (stage 1's on_hand is its net inventory)
        # 3. orders and shipments, upstream first.  Echelon j = stages 1..j; nothing moves into
        #    it before its own order in this loop, so the totals can be taken once.
        cum = np.cumsum(on_hand + transit, axis=0)
        for j in range(N - 1, -1, -1):
            position = cum[j] + owed[j]      # echelon inventory position before ordering
            q = np.maximum(S[j] - position, 0.0)
            if j == N - 1:
                ship = q                     # the outside supplier always has stock
            else:
                owed[j] += q
                ship = np.minimum(on_hand[j + 1], owed[j])
                on_hand[j + 1] -= ship
                owed[j] -= ship
            if L[j] == 0:
                on_hand[j] += ship
            else:
                pipes[j][t % L[j]] += ship
                transit[j] += ship
        if t >= steps_warm:                  # 4. costs
            ni = on_hand[0]
            cost = hl[0] * np.maximum(ni, 0.0) + p * np.maximum(-ni, 0.0)
            cost += hl[1:] @ on_hand[1:] if N > 1 else 0.0
            cost += h_transit @ transit
            total += cost
    per_rep = total / (n_steps - steps_warm)
    mean = float(per_rep.mean())
    se = float(per_rep.std(ddof=1) / math.sqrt(R))
    tq = float(stats.t.ppf(0.5 + confidence / 2, R - 1))
    return MonteCarloCost(mean=mean, ci_low=mean - tq * se, ci_high=mean + tq * se, std_error=se,
                          n_reps=R, n_periods=n_periods, confidence=confidence,
                          per_rep=tuple(float(v) for v in per_rep))
