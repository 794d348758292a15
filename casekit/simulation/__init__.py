"""Simulate any casekit :class:`~casekit.network.Network` under a policy: a discrete-event twin
(SimPy) and a fast vectorised engine (numpy) with the same semantics.

>>> from scipy.stats import poisson
>>> from casekit.network import serial
>>> from casekit.policies import EchelonBaseStock
>>> net = serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5))          # Snyder & Shen Example 6.1
>>> res = simulate(net, EchelonBaseStock([9, 15, 26]), periods=2000, replications=10, seed=1,
...                engine="fast", warmup=50)
>>> s = res.summary()
>>> bool(s.loc["cost_per_period", "ci_low"] < 72.04 < s.loc["cost_per_period", "ci_high"])
True

Timing of a period (both engines; Snyder & Shen's serial model is the special case)
-----------------------------------------------------------------------------------
1. **Arrivals.**  Shipments due this period enter the receiving stage's input buffer; production
   batches due this period (and lateral transfers due) are put on the shelf and first serve
   waiting (backordered) customers.
2. **Demand.**  External demand at each customer-facing stage is met from the shelf; the rest is
   backordered (or lost, ``SimulationConfig(unmet="lost")``).  Emergency shipments
   (:class:`Expedite`) then cover backorders above a threshold.
3. **Orders, downstream first** (deepest stages first).  Each stage that reviews this period
   (every period, or every ``every`` periods from ``offset`` under
   :class:`~casekit.policies.Periodic`) reads its inventory position (on hand + on order -
   backorders - units owed to its customers; the *echelon* position for
   :class:`~casekit.policies.EchelonBaseStock` and ``OrderUpTo(echelon=True)``) and orders per its
   rule: base stock, (s, S), (r, Q), a forecast, or up to a level that moves every period
   (:class:`~casekit.policies.OrderUpTo` with an array or a callback);
   :class:`~casekit.policies.Mixed` gives each group of stages its own rule.  A source stage's
   order goes straight into its input buffer (the outside supplier has unlimited stock); other
   stages' orders become units their suppliers owe them.
4. **Flow, upstream first.**  Each stage starts production of as many units as its input buffers
   allow (all inputs, ``units`` per unit; at most its capacity this period; a :class:`Backup`
   source takes a share of what a cut capacity holds back), finishing after its processing time;
   then ships what it owes its customers from the shelf: everything when it can, otherwise in a
   priority order that rotates each period (or in proportion to what each is owed,
   ``rationing="proportional"``), arriving after the lane's transit time (plus its
   :class:`TransportMode`'s extra periods).  Zero times pass straight through within the
   period.  Then :class:`Transfers` move stock between stages of one echelon.
5. **Costs** at the end of the period: h_i per unit on the shelf at stage i; the supplier's h per
   unit in transit or waiting in a buffer; sum_k u_k h_k per unit in production at stage i
   (units in the pipeline to stage j are valued at h'_{j+1}, as in Snyder & Shen); p per unit
   backordered (or per unit lost); K per order placed; the emergency cost per unit expedited;
   freight per tonne-km of a chosen mode; the cost per unit transferred.  CO2 (kg CO2e) of every
   unit moved: tonne-km x the mode's emission factor.

So an order placed in period t by stage j of a serial system arrives in period t + L_j, before
that period's demand: the lead-time demand of Clark–Scarf.  (A lane's transit time ends in the
customer's input buffer, which is emptied in step 4 of that period: a lead time that should end
before demand is a processing time.)  Running a serial network at
:func:`casekit.multiechelon.optimize_serial`'s echelon levels simulates to its analytic cost
(tested for Snyder & Shen's Example 6.1 and the one-stage newsvendor).

How the fast engine is vectorised
---------------------------------
Stages are grouped by depth (longest path from a source); one numpy operation acts on all
stages of a depth x all replications (x candidate policies).  A warehouse with 2,000 retailers
is two depths.  The discrete-event twin (:mod:`casekit.simulation.des`) runs the same period
event by event; it implements every rule above except lateral transfers, backup sources and
level callbacks, which it refuses by name.

Units and randomness
--------------------
Times are whole periods (processing times, lane lead times and their distributions;
:func:`lognormal_lead_time` rounds a lognormal up to whole periods).  When all external demand
is discrete, quantities stay whole units; continuous demand draws below 0 count as 0.
Everything random (demand, processing and transit times, scenario draws) is a function of
``seed`` alone, drawn in blocks of periods from generators keyed by (seed, stream, block): the
same seed gives the same numbers, every policy run with one seed sees the same draws (common
random numbers), and both engines see the same draws, so on the same seed they agree exactly
(``tests/test_simulation.py`` and ``tests/test_engine.py`` check this, and the agreement of
independent runs within confidence intervals).  Demand can follow a known path
(:class:`DemandPath`: negative binomial around a mean per period).  Poisson and negative
binomial demand with fixed parameters is drawn by inverting its distribution function from a
table (:mod:`casekit.simulation._sampling`): the same distribution, to the resolution of the
uniform random numbers, several times faster than drawing each value by its own algorithm.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from casekit._blas import single_thread
from casekit.metrics import mean_ci
from casekit.validate import check_int
from casekit.network import Network
from casekit.policies import Policy
from casekit.simulation import scenarios
from casekit.simulation._accum import DEMAND_SERIES, SERIES, kpi_table, node_table
from casekit.simulation._model import (Backup, DemandPath, Expedite, SimulationConfig, Transfers, TransportMode,
                                       check_run, compile_network, expedite_co2_per_unit, expedite_mask,
                                       make_inputs, policy_arrays)
from casekit.simulation.scenarios import Scenario

__all__ = ["simulate", "draw_demand", "SimulationResult", "SimulationConfig", "Expedite", "TransportMode",
           "Transfers", "Backup", "DemandPath", "Scenario", "scenarios", "KPI_NAMES", "lognormal_lead_time", "compare_with_simulation", "DistributionComparison"]

KPI_NAMES = ("cost_per_period", "holding_cost", "ordering_cost", "shortage_cost", "emergency_cost",
             "transport_cost", "transfer_cost", "fill_rate", "cycle_service_level", "backorders", "on_hand",
             "bullwhip_ratio", "order_std", "co2_kg", "recovery_periods")


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    kpis : DataFrame
        One row per replication, columns :data:`KPI_NAMES` (``recovery_periods`` only when the
        scenario has a disruption).  Costs are per period; ``co2_kg`` is kg CO2e per period;
        ``fill_rate`` (β) counts units met from stock in the period demanded;
        ``bullwhip_ratio`` is Var(orders of the most upstream stage) / Var(external demand
        in its units); ``order_std`` the mean over stages of the sd of orders placed.
    stages : DataFrame or None
        Per-stage measures averaged over replications (on hand, backorders, order sd, bullwhip
        ratio Var(orders placed)/Var(demand received), fill rate), downstream first.  None when
        the run kept no per-stage measures (``SimulationConfig(keep_stages=False)``).
    series : dict of ndarray or None
        Per-period arrays of shape (replications, periods, stages) (stages in
        :attr:`stage_ids` order): ``on_hand``, ``backorders``, ``orders``, ``in_transit``,
        ``receipts``, ``shipped``, ``demand_received``, ``transfer_sent``,
        ``transfer_received``; and (replications, periods, customer-facing stages):
        ``external_demand``, ``met``, ``lost``, ``expedited``.
    totals : dict of ndarray or None
        Network totals per period, shape (replications, periods): ``demand``, ``met``,
        ``on_hand``, ``backorders``, ``expedited``, ``transfers``; and (replications,
        periods, depths), depth 0 = the source stages: ``orders_by_depth``,
        ``received_by_depth`` (orders placed / demand received by the stages of each depth).
        Kept with ``SimulationConfig(keep_totals=True)`` (default: when small).
    per_stage : dict of ndarray
        Per replication and stage (replications, stages), stages in :attr:`stage_ids` order:
        ``order_std`` (sd of orders placed), ``on_hand`` and ``backorders`` (means per period).
        With ``SimulationConfig(keep_stages=False)`` only ``order_std`` (the ``order_std`` KPI is
        its mean); asking for another table then raises a KeyError that says so.
    events : DataFrame or None
        DES only: the event log (``replication, time, period, stage, event, quantity, other``).
    """

    network: Network
    policy: Policy
    engine: str
    periods: int
    replications: int
    warmup: int
    seed: object
    scenario: Scenario | None
    kpis: object
    stages: object
    stage_ids: tuple
    demand_stage_ids: tuple
    series: dict | None = field(default=None, repr=False)
    _events: object = field(default=None, repr=False)
    elapsed: float = 0.0
    totals: dict | None = field(default=None, repr=False)
    per_stage: dict | None = field(default=None, repr=False)

    @property
    def events(self):
        ev = self._events
        if ev is None or not callable(ev):
            return ev
        df = ev()
        object.__setattr__(self, "_events", df)
        return df

    def summary(self, confidence: float = 0.95):
        """Mean of each KPI over replications with its Student-t confidence interval
        (columns ``mean``, ``ci_low``, ``ci_high``; index the KPI name)."""
        import pandas as pd

        rows = {k: mean_ci(self.kpis[k].to_numpy(), confidence) for k in self.kpis.columns}
        return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "ci_low", "ci_high"]).rename_axis("kpi")

    def series_frame(self, name: str, replication: int = 0):
        """One per-period series as a DataFrame (index: period after the warm-up; columns:
        stage ids)."""
        import pandas as pd

        if self.series is None:
            raise ValueError("this run kept no series: pass SimulationConfig(keep_series=True)")
        if name not in self.series:
            raise ValueError(f"name must be one of {sorted(self.series)}, got {name!r}")
        arr = self.series[name][replication]
        cols = self.demand_stage_ids if name in DEMAND_SERIES else self.stage_ids
        return pd.DataFrame(arr, columns=list(cols)).rename_axis("period")

    @property
    def node_periods(self) -> int:
        return self.periods * self.replications * len(self.stage_ids)


def lognormal_lead_time(median: float, sigma: float, *, minimum: int = 1, tail: float = 1e-9) -> dict:
    """A lognormal lead time rounded up to whole periods, as ``{periods: probability}``:
    L = max(ceil(X), ``minimum``) with X lognormal of median ``median`` and log-sd ``sigma``
    (sigma = 0: the constant max(ceil(median), minimum)).  The support stops where less than
    ``tail`` probability is left (that mass goes to the last period kept).

    >>> lognormal_lead_time(4.0, 0.0)
    {4: 1.0}
    >>> round(sum(k * p for k, p in lognormal_lead_time(10.0, 0.3).items()), 2)   # 10 e^0.045 + about 1/2
    10.96
    """
    from scipy import stats

    from casekit.validate import check_nonnegative, check_positive

    median = check_positive("median", median)
    sigma = check_nonnegative("sigma", sigma)
    minimum = check_int("minimum", minimum, minimum=0)
    if sigma == 0:
        return {max(int(np.ceil(median - 1e-12)), minimum): 1.0}
    X = stats.lognorm(sigma, scale=median)
    hi = int(np.ceil(X.ppf(1 - tail)))
    ks = np.arange(minimum, max(hi, minimum) + 1)
    cdf = X.cdf(ks.astype(float))
    p = np.diff(np.concatenate([[0.0], cdf]))
    p[-1] += 1.0 - cdf[-1]
    return {int(k): float(v) for k, v in zip(ks, p) if v > 0}


def _auto_progress(config, engine, work: float) -> bool:
    if config.progress is not None:
        return bool(config.progress)
    # rough throughput on a laptop core: node-periods per second
    rate = 2e7 if engine == "fast" else 2e4
    return work / rate > 3.0


def simulate(network: Network, policy: Policy, periods: int, replications: int = 10, seed=None,
             engine: str = "des", scenario: Scenario | None = None, warmup: int = 0, *,
             config: SimulationConfig | None = None) -> SimulationResult:
    """Simulate ``network`` under ``policy``.

    Parameters
    ----------
    network : Network
        Any casekit network (serial, distribution, assembly, general acyclic).  Read: local
        holding costs h_i, processing times (or ``processing_time_dist``), lane lead times (or
        ``lead_time_dist``), lane ``units``, external ``demand`` and ``stockout_cost`` p at
        customer-facing stages, ``capacity``; lane ``distance_km``/``mode`` for CO2.
    policy : Policy
        :class:`~casekit.policies.BaseStock`, :class:`~casekit.policies.EchelonBaseStock`,
        :class:`~casekit.policies.SS`, :class:`~casekit.policies.RQ`,
        :class:`~casekit.policies.ForecastOrderUpTo` or :class:`~casekit.policies.OrderUpTo`
        (levels per period, as arrays or a callback), with levels downstream first; wrapped in
        :class:`~casekit.policies.Periodic` (review every k periods) or combined per group of
        stages by :class:`~casekit.policies.Mixed`.
    periods : int
        Recorded periods per replication (after the warm-up), >= 1.
    replications : int
        Independent replications, >= 1 (>= 2 for confidence intervals).
    seed : int or numpy Generator
        Same seed, same numbers (and the same random draws for any policy).
    engine : ``"des"`` or ``"fast"``
        The SimPy discrete-event twin (with an event log) or the vectorised numpy engine.
    scenario : Scenario, optional
        Disruptions (:mod:`casekit.simulation.scenarios`); event times count from the end of the
        warm-up.
    warmup : int
        Periods simulated first and left out of every KPI and series.
    config : SimulationConfig, optional
        Lost sales, ordering costs, emergency shipments, transport modes, rationing, lateral
        transfers, a backup source, CO2 data, series, totals and per-stage measures, progress bar.

    Returns
    -------
    SimulationResult
        ``.kpis`` (one row per replication), ``.summary()``, ``.stages``, ``.series``,
        ``.events`` (DES).

    Raises
    ------
    ValueError
        A policy that does not fit the network (naming the stage), non-positive ``periods`` or
        ``replications``, a scenario naming an unknown stage, fractional lead times, a review
        interval < 1, transfers between stages of different echelons, a negative emission
        factor, a level callback returning the wrong shape or NaN, a demand path shorter than
        the run, a feature the discrete-event twin does not implement (named), a run that
        would need more than about 1 GB.
    """
    periods, replications, warmup, config = check_run(network, policy, periods, replications, warmup,
                                                      engine, scenario, config)
    if not isinstance(policy, Policy):
        raise TypeError(f"policy must be a casekit.policies policy (BaseStock, EchelonBaseStock, SS, RQ, "
                        f"ForecastOrderUpTo), got {policy!r}")
    policy.validate(network)
    comp = compile_network(network, config)
    pa = policy_arrays(comp, policy, config, warmup + periods)
    inp = make_inputs(comp, periods, replications, warmup, seed, scenario, config)
    work = comp.n * inp.T * replications
    keep_series = config.keep_series if config.keep_series is not None else work <= 3_000_000
    keep_totals = (config.keep_totals if config.keep_totals is not None
                   else periods * replications * (6 + 2 * len(comp.levels)) <= 2_000_000)
    has_disruption = scenario is not None and scenario.disruption_start is not None
    mask = expedite_mask(comp, config)
    eco2 = expedite_co2_per_unit(comp, config)
    progress = _auto_progress(config, engine, work)
    t0 = time.perf_counter()
    events = None
    # the engines' matrix products are small (stages x copies): one BLAS thread is faster, and
    # spares the other core when two simulations run side by side (casekit._blas)
    with single_thread():
        if engine == "fast":
            from casekit.simulation.fast import run_fast

            acc = run_fast(comp, pa, inp, config, keep_series=keep_series, keep_flow=has_disruption,
                           keep_totals=keep_totals, expedite_mask=mask, expedite_co2=eco2, progress=progress)
        else:
            from casekit.simulation.des import run_des

            acc, events = run_des(comp, pa, inp, config, keep_series=keep_series, keep_flow=has_disruption,
                                  keep_totals=keep_totals, expedite_mask=mask, expedite_co2=eco2,
                                  progress=progress)
    elapsed = time.perf_counter() - t0
    return _result(network, policy, engine, periods, replications, warmup, seed, scenario, comp, acc,
                   events, elapsed)


def draw_demand(network: Network, periods: int, replications: int, seed: int, warmup: int = 0, *,
                config: SimulationConfig | None = None) -> bool:
    """Draw now the external demand that :func:`simulate` of ``network`` with the same
    ``periods``, ``replications``, ``seed``, ``warmup`` and ``config`` will read, and keep it for
    those runs (the draws of the last runs are kept anyway: every policy simulated on one seed
    sees the same demand).  Drawing is the slow part of a large run's set-up, and numpy's
    samplers release the GIL: a caller about to simulate several policies on one seed can draw
    it in a background thread while it builds the policies.  ``seed`` must be an int here (a
    Generator or SeedSequence would hand this call the run's draws and the next run new ones).
    Returns False, having drawn nothing, when the demand is too large to keep (more than 400 MB).

    >>> from scipy.stats import poisson
    >>> from casekit.network import serial
    >>> net = serial([3, 2], [1, 1], 10.0, poisson(5))
    >>> draw_demand(net, periods=50, replications=4, seed=3)
    True
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a casekit.network.Network, got {type(network).__name__}")
    periods = check_int("periods", periods, minimum=1)
    replications = check_int("replications", replications, minimum=1)
    warmup = check_int("warmup", warmup, minimum=0)
    seed = check_int("seed", seed, minimum=0)
    if config is None:
        config = SimulationConfig()
    elif not isinstance(config, SimulationConfig):
        raise TypeError(f"config must be a SimulationConfig, got {type(config).__name__}")
    comp = compile_network(network, config)
    return make_inputs(comp, periods, replications, warmup, seed, None, config).draw_demand()


class _PerStage(dict):
    """The per-stage tables of a result; a table the run did not keep is named in the error."""

    def __missing__(self, key):
        if key in ("on_hand", "backorders"):
            raise KeyError(f"per_stage[{key!r}] was not kept: this run used SimulationConfig(keep_stages=False), "
                           f"which keeps only 'order_std' per stage; pass keep_stages=True")
        raise KeyError(f"per_stage has no table {key!r}; it holds {sorted(self)}")


def _result(network, policy, engine, periods, replications, warmup, seed, scenario, comp, acc, events,
            elapsed) -> SimulationResult:
    kpis = kpi_table(acc, comp, scenario, 1, replications)
    stages = node_table(acc, comp).loc[network.downstream_first()] if acc.keep_stages else None
    series = None
    if acc.series is not None:
        where = {i: k for k, i in enumerate(comp.ids)}
        order = [where[i] for i in network.downstream_first()]
        series = {}
        for k in SERIES:
            arr = np.moveaxis(acc.series[k], -1, 0)        # (R, T, items)
            series[k] = arr if k in DEMAND_SERIES else arr[:, :, order]
    totals = None
    if acc.totals is not None:
        totals = {k: np.moveaxis(v, -1, 0) for k, v in acc.totals.items()}
    dids = tuple(comp.ids[k] for k in comp.demand_idx)
    where = {i: k for k, i in enumerate(comp.ids)}
    order = [where[i] for i in network.downstream_first()]
    T = acc.T
    mq = acc.q1 / T
    per_stage = _PerStage(order_std=np.sqrt(np.maximum(acc.q2 / T - mq ** 2, 0.0))[order].T)
    if acc.keep_stages:
        per_stage["on_hand"] = (acc.on_node / T)[order].T
        per_stage["backorders"] = (acc.bo_node / T)[order].T
    return SimulationResult(network, policy, engine, periods, replications, warmup, seed, scenario, kpis,
                            stages, tuple(network.downstream_first()), dids, series, events, elapsed, totals,
                            per_stage)


from casekit.simulation.compare import DistributionComparison, compare_with_simulation  # noqa: E402
