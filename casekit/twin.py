"""A digital twin of the replayed store network: "what if, from now?".

The paper "Hybrid Optimization Framework for Multi-Echelon Inventory Control Integrating Stochastic
Demand, Lead Time Uncertainty, and Real-Time Data Analytics" (its Figure 1 and section 2.3) pairs
the physical network with a virtual copy that mirrors it in real time and is stress-tested
before events happen.  Here the copy is built in two steps:

1. **State** (:func:`twin_state`, :func:`state_from_pipeline`): the real-time pipeline of
   :mod:`casekit.streaming` replays the stream up to ``now``; its state becomes the twin's
   initial state, per (store, SKU): units on hand and backordered (from the net inventory NI:
   on hand ``NI+``, backorders ``NI-``), every open purchase order with its quantity and the
   carrier's latest ETA (:meth:`casekit.streaming.Pipeline.open_orders`), the (R, nQ) policy,
   and the demand rate observed so far.
2. **Projection** (:func:`project`): the one simulation engine
   (:class:`casekit.simulation.fast.FastEngine`) starts from that state and steps forward hour
   by hour (one period = one hour) for ``days`` days, ``replications`` times, seeded:

   * demand per hour is compound Poisson, as in the stream: customers arrive at
     ``lambda = rate / units_per_customer`` per hour and each buys ``1 + Poisson(units_per_customer
     - 1)`` units, so ``D = N + Poisson(N (u - 1))`` with ``N ~ Poisson(lambda)`` (exact pmf);
     ``demand="deterministic"`` uses the constant rate instead;
   * an open order whose ETA the carrier has updated arrives at the start of the hour in which
     its latest ETA falls (an overdue one in the first hour); one with only its planned ETA has a
     random lead time (gamma, cv ``lead_time_cv``) conditioned on not having arrived yet;
   * new orders follow the (R, nQ) rule reviewed every hour and take the store's recently
     observed mean lead time (``lead_times="observed"``; or the policy's, ``"planned"``), gamma
     with cv ``lead_time_cv`` rounded to whole hours (``lead_time_cv=0``: fixed);
   * a scenario from :data:`SCENARIOS` starts "tomorrow" (24 hours from now) and lasts to the
     end of the horizon; a lever from :data:`LEVERS` changes the policy from now on.

The store-SKUs share no stock: each is a one-stage network, and all of them are stepped together
by one engine, one demand stream each, so every lever and scenario run with one seed sees the
same demand (common random numbers).  What the twin cannot know: a delay that no receipt or ETA
update has revealed yet, and shrinkage between RFID counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from casekit.distributions import DiscreteDistribution
from casekit.network import Network, Stage
from casekit.policies import RQ
from casekit.simulation import scenarios as sc
from casekit.simulation._model import SimulationConfig, compile_network, make_inputs, policy_arrays
from casekit.simulation.fast import FastEngine
from casekit.validate import check_choice, check_int, check_nonnegative, check_real, check_seed

__all__ = ["TwinState", "TwinProjection", "twin_state", "state_from_pipeline", "project", "compare_levers",
           "what_if", "SCENARIOS", "LEVERS", "HOUR", "DAY", "RECENT_DAYS"]

HOUR, DAY = 3600, 86400
#: Days of receipts behind the twin's observed lead times.
RECENT_DAYS = 3

#: What may happen from tomorrow (24 hours after now) to the end of the horizon.
SCENARIOS = {
    "as planned": "no disruption: demand and lead times as observed",
    "supplier stops tomorrow": "the supplier ships nothing new from tomorrow (orders already on their way arrive)",
    "demand +50% from tomorrow": "every store sells half as much again from tomorrow",
    "lead times +24 h from tomorrow": "every order dispatched from tomorrow takes a day longer",
}

#: Policy changes applied from now.
LEVERS = {
    "as is": "the (R, nQ) policy as configured",
    "reorder points +25%": "R raised by a quarter (more safety stock)",
    "order quantities x2": "Q doubled (fewer, larger orders)",
}


@dataclass(frozen=True)
class TwinState:
    """The network at time ``now`` (seconds since the stream's start), as the pipeline sees it.

    Attributes
    ----------
    now : int
    stock : DataFrame
        One row per (node, sku): ``on_hand`` and ``backorders`` (units), ``on_order`` (units
        ordered, not yet received), ``reorder_point`` R, ``order_quantity`` Q,
        ``lead_time_hours`` L (planned), ``observed_lead_time_hours`` (mean order-to-receipt time
        of the store's shipments received in the last :data:`RECENT_DAYS` days; the planned L
        when none), ``demand_per_hour`` (observed so far), ``units_per_customer``,
        ``shortage_cost`` p.
    open_orders : DataFrame
        ``shipment, node, sku, qty, ordered_ts, eta`` (seconds) of every open order.
    """

    now: int
    stock: pd.DataFrame = field(repr=False)
    open_orders: pd.DataFrame = field(repr=False)

    def arrivals(self, lead_times: str = "observed") -> pd.DataFrame:
        """The open orders with ``expected`` (arrival time, seconds) and ``hour``, the hour from
        now in which each arrives (0 = the first hour; an overdue order arrives in it).

        An order whose ETA the carrier has updated arrives at its latest ETA.  One with only the
        planned ETA arrives then (``lead_times="planned"``) or, with ``"observed"``, at its order
        time plus the lead time its store has recently seen (``observed_lead_time_hours``)."""
        check_choice("lead_times", lead_times, ("observed", "planned"))
        oo = self.open_orders
        expected = oo["eta"].to_numpy(float)
        if lead_times == "observed" and len(oo):
            lead = self.stock.groupby("node")["observed_lead_time_hours"].mean()
            seen = oo["ordered_ts"].to_numpy(float) + lead.reindex(oo["node"]).to_numpy(float) * HOUR
            expected = np.where(oo["eta_updates"].to_numpy() == 0, seen, expected)
        hour = np.maximum(np.floor((expected - self.now) / HOUR), 0).astype(int)
        return oo.assign(expected=expected, hour=hour)


def state_from_pipeline(pipeline, policy: pd.DataFrame | None = None) -> TwinState:
    """The twin's initial state from a :class:`casekit.streaming.Pipeline` that has replayed the
    stream so far (``now`` = the latest event it applied).  ``policy`` (the pipeline's own by
    default) supplies ``units_per_customer`` (1 when absent)."""
    from casekit.streaming import Pipeline

    if not isinstance(pipeline, Pipeline):
        raise TypeError(f"pipeline must be a casekit.streaming.Pipeline, got {type(pipeline).__name__}")
    if pipeline.t_first is None:
        raise ValueError("pipeline has applied no event yet: the twin needs a state to start from")
    pol = pipeline._pol if policy is None else policy
    now = int(min(pipeline.clock, pipeline.frontier))
    st = pipeline.state()
    g = (pd.Categorical(st["node"], pipeline.nodes).codes * pipeline.n_skus
         + pd.Categorical(st["sku"], pipeline.skus).codes)
    keyed = pol.assign(node=pol["node"].astype(str), sku=pol["sku"].astype(str)).set_index(["node", "sku"])
    idx = pd.MultiIndex.from_frame(st[["node", "sku"]])
    upc = (keyed["units_per_customer"].reindex(idx).to_numpy(float) if "units_per_customer" in keyed
           else np.ones(len(st)))
    ni = st["net_inventory"].to_numpy(float)
    planned = pipeline.lead_time[g] / HOUR
    lt = pipeline.lead_time_kpis()
    lt = lt[(lt["window_start"] >= now - RECENT_DAYS * DAY) & lt["lead_time_hours"].notna()]
    total = (lt["lead_time_hours"] * lt["received"]).groupby(lt["node"]).sum()
    count = lt.groupby("node")["received"].sum()
    observed = (total / count).reindex(st["node"]).to_numpy(float)
    stock = pd.DataFrame({
        "node": st["node"], "sku": st["sku"], "on_hand": np.maximum(ni, 0.0), "backorders": np.maximum(-ni, 0.0),
        "on_order": st["on_order"].to_numpy(float), "reorder_point": st["reorder_point"].to_numpy(float),
        "order_quantity": pipeline.Q[g], "lead_time_hours": planned,
        "observed_lead_time_hours": np.where(np.isnan(observed), planned, observed),
        "demand_per_hour": pipeline.demand_rate(now)[g] * HOUR, "units_per_customer": upc,
        "shortage_cost": pipeline.shortage_cost[g]})
    return TwinState(now, stock, pipeline.open_orders())


def twin_state(events: pd.DataFrame, policy: pd.DataFrame, now: float) -> TwinState:
    """Send ``events`` with ``ts <= now`` through a new pipeline (in one batch) and return its state.

    Raises ``ValueError`` naming ``now`` when it lies before the stream's first event."""
    from casekit.streaming import Pipeline

    now = check_real("now", now)
    ts = pd.to_numeric(events["ts"], errors="coerce")
    first = float(ts.min())
    if not now >= first:
        raise ValueError(f"now must be at or after the stream's first event (ts = {first:g} s), got {now:g}")
    cut = int(np.searchsorted(np.maximum.accumulate(ts.fillna(-np.inf).to_numpy()), now, side="right"))
    pipe = Pipeline(policy)
    pipe.process(events.iloc[:cut])          # one batch: the state does not depend on the batching
    pipe.flush()
    state = state_from_pipeline(pipe, policy)
    return TwinState(int(now), state.stock, state.open_orders)


# ----------------------------------------------------------------------------- the projection
@dataclass(frozen=True)
class TwinProjection:
    """What :func:`project` returns.

    ``net_inventory`` (replications, hours + 1, groups): on hand minus backorders at the end of
    each hour (index 0 = now); ``demand`` and ``short`` (replications, hours, groups): units
    demanded and not met from stock in each hour; ``groups`` the (node, sku) pairs.
    """

    state: TwinState = field(repr=False)
    scenario: str
    lever: str
    days: int
    replications: int
    seed: object
    groups: tuple = field(repr=False)
    net_inventory: np.ndarray = field(repr=False)
    demand: np.ndarray = field(repr=False)
    short: np.ndarray = field(repr=False)

    @property
    def fill_rate(self) -> float:
        """Units met from stock / units demanded over the horizon, all replications."""
        d = float(self.demand.sum())
        return 1.0 - float(self.short.sum()) / d if d else float("nan")

    def _cols(self, node=None, sku=None):
        sel = [k for k, (n, s) in enumerate(self.groups) if (node is None or n == node) and (sku is None or s == sku)]
        if not sel:
            raise ValueError(f"node, sku = {node!r}, {sku!r} select nothing; nodes "
                             f"{sorted({n for n, _ in self.groups})}, skus {sorted({s for _, s in self.groups})}")
        return sel

    def fan(self, node: str | None = None, sku: str | None = None, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)):
        """Quantiles over replications of the selection's net inventory (summed over its
        SKUs) at the end of every hour: DataFrame indexed by ``day`` (hours / 24)."""
        x = self.net_inventory[:, :, self._cols(node, sku)].sum(axis=2)
        q = np.quantile(x, quantiles, axis=0).T
        return pd.DataFrame(q, columns=[f"q{round(100 * p)}" for p in quantiles],
                            index=pd.Index(np.arange(x.shape[1]) / 24, name="day")).assign(mean=x.mean(axis=0))

    def summary(self) -> dict:
        """The headline numbers: network ``fill_rate``, mean ``units_short`` per future,
        ``stores_out`` (stores with ``p_stockout >= 0.5``), ``first_store_out`` and its
        ``stockout_day`` (the earliest median stockout day; ``""`` and NaN when no store is
        likely to run out)."""
        s = self.stores()
        out = s[s["p_stockout"] >= 0.5]
        first = out["stockout_day"].idxmin() if len(out) and out["stockout_day"].notna().any() else ""
        return {"fill_rate": self.fill_rate, "units_short": float(s["units_short"].sum()),
                "stores_out": int(len(out)), "first_store_out": first,
                "stockout_day": float(out.loc[first, "stockout_day"]) if first else float("nan")}

    def stores(self) -> pd.DataFrame:
        """Per store: ``p_stockout`` (share of replications in which some demand goes unmet from
        stock within the horizon), ``stockout_day`` (median over replications of the day, from now,
        of the first unmet unit; NaN when fewer than half the replications run out),
        ``first_stockout_day`` (the earliest over replications), ``units_short`` (mean) and
        ``fill_rate``."""
        rows = []
        for node in sorted({n for n, _ in self.groups}):
            c = self._cols(node)
            short = self.short[:, :, c].sum(axis=2)                     # (R, H)
            hit = short > 1e-9
            any_ = hit.any(axis=1)
            first = np.where(any_, hit.argmax(axis=1), np.inf) / 24.0   # day of the first unmet unit
            d = float(self.demand[:, :, c].sum())
            rows.append({"node": node, "p_stockout": float(any_.mean()),
                         "stockout_day": float(np.median(first)) if any_.mean() >= 0.5 else float("nan"),
                         "first_stockout_day": float(first.min()) if any_.any() else float("nan"),
                         "units_short": float(short.sum(axis=1).mean()),
                         "fill_rate": 1.0 - float(short.sum()) / d if d else float("nan")})
        return pd.DataFrame(rows).set_index("node")


@dataclass(frozen=True)
class _Constant:
    """Demand that is exactly ``value`` every hour (a distribution with sd 0)."""

    value: float

    def mean(self) -> float:
        return self.value

    def std(self) -> float:
        return 0.0

    def rvs(self, size=None, random_state=None):
        return np.full(size, self.value)


def _demand(rate: float, units_per_customer: float, deterministic: bool):
    """The demand of one hour: compound Poisson with mean ``rate`` (or the constant ``rate``)."""
    if deterministic:
        return _Constant(float(rate))
    if rate <= 0:
        return DiscreteDistribution([1.0], name="no demand")
    u = max(float(units_per_customer), 1.0)
    lam = rate / u
    kmax = int(stats.poisson.ppf(1 - 1e-12, lam)) + 1
    k = np.arange(kmax + 1)
    pk = stats.poisson.pmf(k, lam)
    top = int(kmax + stats.poisson.ppf(1 - 1e-12, kmax * (u - 1)) + 1) if u > 1 else kmax
    d = np.arange(top + 1)
    # P(D = d) = sum_k P(N = k) P(Poisson(k (u - 1)) = d - k)
    extra = d[None, :] - k[:, None]
    inner = np.where(extra >= 0, stats.poisson.pmf(np.maximum(extra, 0), k[:, None] * (u - 1)), 0.0)
    if u == 1:
        inner = (extra == 0).astype(float)
    pmf = pk @ inner
    lost = max(0.0, 1.0 - pmf.sum())
    pmf[-1] += lost
    return DiscreteDistribution(pmf / pmf.sum(), name=f"compound Poisson({lam:.3g} x {u:g})", truncated_mass=lost)


def _lead_time(hours: float, cv: float):
    """A lead time in whole hours: fixed (cv = 0) or gamma rounded to the nearest hour."""
    if cv == 0:
        return int(round(hours)), None
    g = stats.gamma(1 / cv ** 2, scale=hours * cv ** 2)
    hi = int(math.ceil(g.ppf(1 - 1e-9))) + 1
    k = np.arange(0, hi + 1)
    p = np.diff(g.cdf(np.concatenate([[0.0], k + 0.5])))
    p[-1] += 1.0 - p.sum()
    pmf = {int(a): float(b) for a, b in zip(k, p) if b > 0}
    return 0, pmf


def _arrival_hours(state, arrivals, stock, lead_times, cv, replications, seed) -> np.ndarray:
    """The hour (from now) in which each open order arrives, per replication (orders, R).

    An order with an updated ETA arrives in the hour of its latest ETA.  One with only the plan
    has a random lead time: gamma with the store's mean lead time (observed or planned) and
    coefficient of variation ``cv``, conditioned on being longer than the time already elapsed
    since the order (it has not arrived yet); ``cv = 0`` puts it at :meth:`TwinState.arrivals`'s
    expected hour."""
    hours = np.repeat(arrivals["hour"].to_numpy(int)[:, None], replications, axis=1)
    unsure = np.flatnonzero(arrivals["eta_updates"].to_numpy() == 0)
    if cv == 0 or not unsure.size:
        return hours
    col = "observed_lead_time_hours" if lead_times == "observed" else "lead_time_hours"
    mean = stock.groupby("node")[col].mean().reindex(arrivals["node"].iloc[unsure]).to_numpy(float)[:, None]
    ordered = arrivals["ordered_ts"].to_numpy(float)[unsure, None]
    g = stats.gamma(1 / cv ** 2, scale=mean * cv ** 2)
    f0 = g.cdf((state.now - ordered) / HOUR)
    u = np.random.default_rng(seed).random((unsure.size, replications))
    lead = g.ppf(f0 + u * (1 - f0))
    hours[unsure] = np.maximum(np.floor((ordered + lead * HOUR - state.now) / HOUR), 0).astype(int)
    return hours


def _scenario(name: str, stages, horizon: int):
    """The scenario's events at every store-SKU, from hour 24 to the end of the horizon."""
    start, duration = 24, horizon - 24
    if name == "as planned" or duration < 1:
        return None
    make = {"supplier stops tomorrow": lambda i: sc.SupplierShutdown(i, start, duration),
            "demand +50% from tomorrow": lambda i: sc.DemandSpike(start, duration, 1.5, i),
            "lead times +24 h from tomorrow": lambda i: sc.PortCongestion(start, duration, node=i,
                                                                         extra_periods=24)}[name]
    return sc.Scenario(name, [make(i) for i in stages])


class _Stores(Network):
    """Store-SKUs that share no stock: independent one-stage networks held (and simulated) as one,
    so that the engine steps them all at once.  Only the connectedness check is relaxed."""

    def _check_connected(self) -> None:
        return None


#: The most hourly cells (replications x hours x store-SKUs) one projection keeps: about 40 MB.
MAX_CELLS = 5_000_000


def project(state: TwinState, days: int = 7, *, scenario: str = "as planned", lever: str = "as is",
            replications: int = 100, seed=0, demand: str = "stream", lead_times: str = "observed",
            lead_time_cv: float = 0.25) -> TwinProjection:
    """Simulate the network forward from ``state`` for ``days`` days, hour by hour.

    Parameters
    ----------
    state : TwinState
        From :func:`twin_state` or :func:`state_from_pipeline`.
    days : int
        Horizon, 1 to 28 days.
    scenario : str
        A key of :data:`SCENARIOS` (it starts 24 hours from now).
    lever : str
        A key of :data:`LEVERS` (from now).
    replications : int
        Independent futures, >= 2.
    seed
        Same seed, same futures (and the same demand for every lever and scenario).
    demand : ``"stream"`` or ``"deterministic"``
        Compound Poisson at the observed rate, or exactly the observed rate every hour.
    lead_times : ``"observed"`` or ``"planned"``
        New orders take the store's recently observed mean lead time (and open orders without an
        ETA update are expected after it, :meth:`TwinState.arrivals`), or the policy's planned one.
    lead_time_cv : float
        Coefficient of variation of new orders' lead times (0 = exactly the mean).

    Returns
    -------
    TwinProjection

    Examples
    --------
    >>> from casekit.datasets.events import load_events
    >>> d = load_events()
    >>> st = twin_state(d.events, d.policy, now=3 * DAY)
    >>> pr = project(st, days=2, replications=20, seed=1)
    >>> pr.net_inventory.shape, bool(0 < pr.fill_rate <= 1)
    ((20, 49, 16), True)
    """
    if not isinstance(state, TwinState):
        raise TypeError(f"state must be a TwinState (from twin_state or state_from_pipeline), got "
                        f"{type(state).__name__}")
    days = check_int("days", days, minimum=1, maximum=28)
    check_choice("scenario", scenario, tuple(SCENARIOS))
    check_choice("lever", lever, tuple(LEVERS))
    replications = check_int("replications", replications, minimum=2)
    check_choice("demand", demand, ("stream", "deterministic"))
    lead_time_cv = check_nonnegative("lead_time_cv", lead_time_cv)
    seed = check_seed("seed", seed)
    st = state.stock.reset_index(drop=True)
    T, G = 24 * days, len(st)
    cells = replications * (T + 1) * G
    if cells > MAX_CELLS:
        raise ValueError(f"replications={replications} x {T} hours x {G} store-SKUs = {cells:,} cells is too "
                         f"large (casekit keeps at most {MAX_CELLS:,}); use fewer replications or days")
    check_choice("lead_times", lead_times, ("observed", "planned"))
    arrivals = state.arrivals(lead_times)
    R_scale = 1.25 if lever == "reorder points +25%" else 1.0
    Q_scale = 2.0 if lever == "order quantities x2" else 1.0
    ids = [f"{n}/{s}" for n, s in zip(st["node"], st["sku"])]
    stages = []
    for sid, row in zip(ids, st.itertuples()):
        mean_lead = row.observed_lead_time_hours if lead_times == "observed" else row.lead_time_hours
        fixed, pmf = _lead_time(float(mean_lead), lead_time_cv)
        stages.append(Stage(sid, holding_cost=0.0, processing_time=fixed, processing_time_dist=pmf,
                            demand=_demand(float(row.demand_per_hour), float(row.units_per_customer),
                                           demand == "deterministic"),
                            stockout_cost=max(float(row.shortage_cost), 1e-9)))
    net = _Stores(stages)
    policy = RQ(dict(zip(ids, st["reorder_point"].to_numpy(float) * R_scale)),
                dict(zip(ids, st["order_quantity"].to_numpy(float) * Q_scale)))
    config = SimulationConfig(keep_series=False, keep_totals=False, progress=False)
    comp = compile_network(net, config)
    pa = policy_arrays(comp, policy, config, T)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(
        int(seed.integers(2 ** 63)) if isinstance(seed, np.random.Generator) else seed)
    engine_seed, arr_seed = root.spawn(2)
    inp = make_inputs(comp, T, replications, 0, engine_seed, _scenario(scenario, ids, T), config)
    eng = FastEngine(comp, pa, inp, config)
    # the pipeline's state is the engine's state at hour 0 (engine rows in its own stage order)
    row_of = np.array([comp.ids.index(i) for i in ids])
    col_of = np.array([list(comp.demand_idx).index(r) for r in row_of])
    eng.on[row_of, :] = st["on_hand"].to_numpy(float)[:, None]
    eng.bo[row_of, :] = st["backorders"].to_numpy(float)[:, None]
    g_of = pd.Series(np.arange(G), index=pd.MultiIndex.from_frame(st[["node", "sku"]]))
    qty = arrivals["qty"].to_numpy(float)
    if len(arrivals):
        g = g_of.reindex(pd.MultiIndex.from_frame(arrivals[["node", "sku"]])).to_numpy(float)
        if np.isnan(g).any():
            raise ValueError("state.open_orders names a (node, sku) that state.stock does not hold")
        rows = row_of[g.astype(int)]
    else:
        rows = np.zeros(0, int)
    hours = _arrival_hours(state, arrivals, st, lead_times, lead_time_cv, replications, arr_seed)  # (orders, R)
    due = np.zeros((T, comp.n, replications))
    o, r = np.nonzero(hours < T)
    np.add.at(due, (hours[o, r], rows[o], r), qty[o])
    on_order = np.zeros(comp.n)
    np.add.at(on_order, rows, qty)
    eng.outst += on_order[:, None]
    eng.inproc += on_order[:, None]
    ni = np.zeros((replications, T + 1, G))
    dem = np.zeros((replications, T, G))
    short = np.zeros((replications, T, G))
    ni[:, 0, :] = (st["on_hand"] - st["backorders"]).to_numpy(float)
    for t in range(T):
        eng.pring[t % eng.H] += due[t]                   # open orders arriving this hour
        eng.arrive_and_demand(t)
        dem[:, t, :] = eng.D[col_of].T
        short[:, t, :] = eng.short[col_of].T
        eng.place_orders(t)
        eng.flow(t)
        ni[:, t + 1, :] = (eng.on[row_of] - eng.bo[row_of]).T
    groups = tuple(zip(st["node"], st["sku"]))
    return TwinProjection(state, scenario, lever, days, replications, seed, groups, ni, dem, short)


def what_if(events: pd.DataFrame, policy: pd.DataFrame, day: float, *, state: TwinState | None = None,
            **kwargs) -> TwinProjection:
    """The control tower's "what if, from now": the twin started at the end of ``day`` (days since
    the stream's start; ``state`` when already built for that moment) and projected with
    :func:`project`'s keyword arguments."""
    day = check_real("day", day)
    if state is None:
        state = twin_state(events, policy, day * DAY)
    elif state.now != int(day * DAY):
        raise ValueError(f"state is for now = {state.now} s, not day {day:g} ({int(day * DAY)} s)")
    return project(state, **kwargs)


def compare_levers(state: TwinState, days: int = 7, *, scenario: str = "supplier stops tomorrow",
                   replications: int = 100, seed=0, **kwargs) -> pd.DataFrame:
    """Each lever of :data:`LEVERS` under one scenario, on the same random futures: network fill
    rate, mean units short, stores likely to run out (p >= 0.5) and the earliest median stockout day."""
    rows = []
    for lever in LEVERS:
        pr = project(state, days, scenario=scenario, lever=lever, replications=replications, seed=seed, **kwargs)
        s = pr.stores()
        rows.append({"lever": lever, "fill_rate": pr.fill_rate, "units_short": float(s["units_short"].sum()),
                     "stores_out": int((s["p_stockout"] >= 0.5).sum()),
                     "earliest_stockout_day": float(s["stockout_day"].min())})
    return pd.DataFrame(rows).set_index("lever")
