"""METRIC beside simulation: a model of the distribution system (one warehouse, n retailers,
:func:`casekit.multiechelon.evaluate_distribution`) checked against :func:`casekit.simulation.simulate`.

The comparison lives on the simulation side so that the models (``casekit.multiechelon``) never
import the simulator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from casekit.multiechelon.distribution import (DistributionResult, _is_poisson, _ltd, _two_echelon,
                                               evaluate_distribution)
from casekit.network import Network, demand_moments
from casekit.validate import check_choice, check_int, check_nonnegative, check_probability

__all__ = ["DistributionComparison", "compare_with_simulation"]


# --------------------------------------------------------------------------------------------

_MEASURES = ("backorders", "on_hand", "ready_rate", "fill_rate")


@dataclass(frozen=True, eq=False)
class DistributionComparison:
    """METRIC's prediction beside the simulated value, per stage and measure.

    ``table`` has one row per (measure, stage) and the columns ``metric``, ``sim_mean``,
    ``ci_low``, ``ci_high`` (the simulation's Student-t interval over replications at
    ``confidence``), ``gap = metric - sim_mean`` and ``inside`` (the METRIC value lies in the
    interval, widened by ``atol`` on each side).  ``samples`` holds the per-replication time
    averages behind it (one column per (measure, stage)), so :meth:`interval` can redo the table
    at another confidence level.
    """

    metric: DistributionResult
    table: object = field(repr=False)
    samples: object = field(repr=False)
    periods: int
    replications: int
    warmup: int
    confidence: float
    atol: float = 1e-3
    elapsed: float = 0.0

    @property
    def agrees(self) -> bool:
        """True when every METRIC value lies inside the simulation's confidence interval."""
        return bool(self.table["inside"].all())

    def interval(self, confidence: float):
        """The comparison table with intervals at another ``confidence`` level.  With k rows,
        each at 1 - a/k, all k intervals hold together with probability >= 1 - a (Bonferroni)."""
        return _comparison_table(self.samples, self.table["metric"], check_probability("confidence", confidence),
                                 self.atol)

    def to_frame(self):
        return self.table.copy()

    def measure(self, name: str):
        """The rows of one measure (index: stage id)."""
        check_choice("name", name, _MEASURES)
        return self.table.xs(name, level="measure")


def _comparison_table(samples, predicted, confidence: float, atol: float):
    import pandas as pd

    from casekit.metrics import mean_ci

    rows = []
    for key in samples.columns:
        mean, lo, hi = mean_ci(samples[key].to_numpy(), confidence)
        pred = float(predicted[key])
        tol = atol + 1e-9 * abs(pred)
        rows.append({"measure": key[0], "stage": key[1], "metric": pred, "sim_mean": mean, "ci_low": lo,
                     "ci_high": hi, "gap": pred - mean, "inside": bool(lo - tol <= pred <= hi + tol)})
    return pd.DataFrame(rows).set_index(["measure", "stage"])


def _metric_fill_rate(network: Network, r, S: float, W: float, poisson: bool) -> float:
    """Fill rate (beta) of retailer r in this period-based model, METRIC's delay W plugged in.

    An order placed in period t arrives in period t + L (L = L_r + W), before that period's
    demand, so after arrivals the net inventory is S - X(L - 1) and the units short in the period
    are (X(L) - S)^+ - (X(L - 1) - S)^+, X(m) = demand over m periods.  Hence
    beta = 1 - [G(L) - G(L - 1)] / mu with G(m) = E[(X(m) - S)^+]; exact when W = 0."""
    d = network.stage(r).demand
    mu = demand_moments(d)[0]
    if mu <= 0:
        return math.nan
    L = network.replenishment_time(r) + W
    short = _ltd([d], L, poisson).loss(S) - _ltd([d], max(L - 1.0, 0.0), poisson).loss(S)
    return 1.0 - short / mu


def compare_with_simulation(network: Network, base_stock, *, periods: int = 2000, replications: int = 20,
                            seed=None, warmup: int = 100, confidence: float = 0.95,
                            atol: float = 1e-3) -> DistributionComparison:
    """Evaluate installation base-stock levels by METRIC and by simulation, side by side.

    The simulation is :func:`casekit.simulation.simulate` (fast engine) with
    :class:`~casekit.policies.BaseStock` at the same levels, ``replications`` independent runs of
    ``periods`` periods after ``warmup``; each measure is a time average per replication, reported
    as the mean with its ``confidence`` Student-t interval.  Both sides use the same timing (an
    order placed in period t by a stage whose supplier has stock arrives in period t + L, before
    demand) and measure at the end of each period:

    ``backorders``
        E[B_i]: units backordered at retailer i (customers waiting); at the warehouse, units it
        owes the retailers, E[B_0].  (The simulator does not log the warehouse's owed units; they
        follow from its inventory position, which stays at S_0: B_0 = on hand + pipeline - S_0.)
    ``on_hand``
        E[I_i], units on the shelf.
    ``ready_rate``
        P(no backorders at the end of a period) = P(lead-time demand <= S_i), METRIC's
        ``service_level``.
    ``fill_rate``
        Retailers only: the fraction of demand met from stock in the period it occurs (beta).
        METRIC does not give it directly; here it is the period-model formula
        1 - [G(L_i + W) - G(L_i + W - 1)] / mu_i with METRIC's mean delay W
        (G(m) = E[(demand over m periods - S_i)^+]), exact when W = 0.

    A METRIC value counts as ``inside`` when it lies in the interval widened by ``atol`` (units
    or probability): an event too rare for the run to see (say a 5e-5 chance that the warehouse
    is out of stock) leaves a zero-width interval that no nonzero prediction could hit.

    What to expect.  With Poisson demand the warehouse's rows are exact for any S_0 (it sees
    Poisson demand Λ and one-for-one orders).  The retailers' rows are exact when the warehouse
    never runs out (S_0 large, W = 0), and, with one retailer, when S_0 = 0 (a constant delay
    L_0).  In between METRIC replaces the random warehouse delay by its mean W = E[B_0]/Λ
    (Little's law) and keeps retailer lead-time demand Poisson: it ignores the delay's variance
    and so understates retailer backorders (Graves 1985; Sherbrooke 1986, the motivation for
    VARI-METRIC).  Since E[I_i] - E[B_i] = S_i - mu_i (L_i + W) holds exactly when every retailer
    waits W on average, the on-hand gap then equals the backorder gap.  The simulated warehouse
    serves retailers in a priority order that rotates each period, not first come first served,
    which makes a retailer's delays vary more than under FIFO: with n >= 2 retailers even S_0 = 0,
    where METRIC is exact for FIFO (every unit waits exactly L_0), shows a gap in the simulation.

    >>> from scipy.stats import poisson
    >>> from casekit.network import distribution
    >>> net = distribution(1, 2, 2, 1, poisson(5), 19, n_retailers=2)
    >>> c = compare_with_simulation(net, {0: 40, 1: 8, 2: 8}, periods=1000, replications=10, seed=1)
    >>> round(c.metric.expected_backorders[1], 4)        # ample warehouse stock: E[(Poisson(5) - 8)^+]
    0.1221
    >>> list(c.measure("backorders").index), bool(c.interval(0.999)["inside"].all())
    ([0, 1, 2], True)
    """
    import time

    import pandas as pd

    from casekit.policies import BaseStock
    from casekit.simulation import SimulationConfig, simulate

    w, retailers = _two_echelon(network)
    for s in network.stages:
        if s.capacity is not None or s.processing_time_dist is not None:
            raise ValueError(f"stage {s.id!r}: METRIC assumes unlimited capacity and fixed lead times; "
                             f"capacity={s.capacity}, processing_time_dist={s.processing_time_dist}")
    for ln in network.lanes:
        if ln.lead_time_dist is not None:
            raise ValueError(f"lane {ln.supplier!r}->{ln.customer!r}: METRIC assumes fixed lead times, "
                             f"got lead_time_dist={ln.lead_time_dist}")
    periods = check_int("periods", periods, minimum=1)
    replications = check_int("replications", replications, minimum=2)
    warmup = check_int("warmup", warmup, minimum=0)
    confidence = check_probability("confidence", confidence)
    met = evaluate_distribution(network, base_stock)
    S = met.base_stock
    for i, v in S.items():
        if v < 0:
            raise ValueError(f"base_stock[{i!r}] must be >= 0 for a base-stock policy, got {v}")
    t0 = time.perf_counter()
    sim = simulate(network, BaseStock(S), periods=periods, replications=replications, seed=seed,
                   engine="fast", warmup=warmup, config=SimulationConfig(keep_series=True))
    elapsed = time.perf_counter() - t0
    ser = sim.series
    col = {i: k for k, i in enumerate(sim.stage_ids)}
    dcol = {i: k for k, i in enumerate(sim.demand_stage_ids)}
    j0 = col[w]
    owed0 = ser["on_hand"][:, :, j0] + ser["in_transit"][:, :, j0] - S[w]     # (R, T)
    owed0 = np.where(np.abs(owed0) < 1e-9, 0.0, owed0)
    per_rep = {(w, "backorders"): owed0.mean(axis=1),
               (w, "on_hand"): ser["on_hand"][:, :, j0].mean(axis=1),
               (w, "ready_rate"): (owed0 <= 1e-9).mean(axis=1)}
    dists = [network.stage(r).demand for r in retailers]
    poisson = all(_is_poisson(d) for d in dists)
    predicted = {(w, "backorders"): met.expected_backorders[w], (w, "on_hand"): met.expected_on_hand[w],
                 (w, "ready_rate"): met.service_level[w]}
    for r in retailers:
        j, k = col[r], dcol[r]
        bo = ser["backorders"][:, :, j]
        per_rep[(r, "backorders")] = bo.mean(axis=1)
        per_rep[(r, "on_hand")] = ser["on_hand"][:, :, j].mean(axis=1)
        per_rep[(r, "ready_rate")] = (bo <= 1e-9).mean(axis=1)
        dem = ser["external_demand"][:, :, k].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_rep[(r, "fill_rate")] = np.where(dem > 0, ser["met"][:, :, k].sum(axis=1) / dem, np.nan)
        predicted[(r, "backorders")] = met.expected_backorders[r]
        predicted[(r, "on_hand")] = met.expected_on_hand[r]
        predicted[(r, "ready_rate")] = met.service_level[r]
        predicted[(r, "fill_rate")] = _metric_fill_rate(network, r, S[r], met.warehouse_delay, poisson)
    order = {m: k for k, m in enumerate(_MEASURES)}
    pos = {i: k for k, i in enumerate(network.ids)}
    keys = sorted(per_rep, key=lambda key: (order[key[1]], pos[key[0]]))
    samples = pd.DataFrame({(m, i): per_rep[(i, m)] for i, m in keys})
    samples.columns = pd.MultiIndex.from_tuples(samples.columns, names=["measure", "stage"])
    samples.index.name = "replication"
    pred = pd.Series({(m, i): float(predicted[(i, m)]) for i, m in keys})
    atol = check_nonnegative("atol", atol)
    table = _comparison_table(samples, pred, confidence, atol)
    return DistributionComparison(metric=met, table=table, samples=samples, periods=periods,
                                  replications=replications, warmup=warmup, confidence=confidence,
                                  atol=atol, elapsed=elapsed)
