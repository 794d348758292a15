"""Simulation-optimisation: tune policy parameters with the simulator as the oracle.

Three ideas, each a function:

* **Common random numbers** (CRN).  Every candidate is simulated on the *same* demand and
  lead-time draws (one seed), so the differences between candidates are not drowned in sampling
  noise: comparing two policies on shared draws needs far fewer replications than on
  independent ones (:func:`paired_difference` shows the variance reduction).
* **Screening** (:func:`screen`).  Many candidates, short runs, on the fast engine, all at once:
  the candidates are stacked along the replication axis of one vectorised run.
* **Multi-fidelity confirmation** (:func:`confirm`, :func:`tune`).  The few best candidates of the
  screen are rerun on the discrete-event twin with fresh draws and longer horizons; the winner is
  the lowest confirmed mean, reported with its 95% confidence interval.

>>> from scipy.stats import poisson
>>> from casekit.network import serial
>>> net = serial([1], [1], 4, poisson(6))            # the one-stage newsvendor: S* = 8
>>> cands = neighbourhood(EchelonBaseStock([7]), radius=2)
>>> [c.levels for c in cands]
[(5.0,), (6.0,), (7.0,), (8.0,), (9.0,)]
>>> table = screen(net, cands, periods=2000, replications=8, seed=0)
>>> table.sort_values("mean").iloc[0]["policy"]
'EchelonBaseStock(8)'
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from casekit.metrics import mean_ci
from casekit.policies import BaseStock, EchelonBaseStock, Policy
from casekit.simulation._accum import kpi_table
from casekit.simulation._model import (SimulationConfig, check_run, compile_network, expedite_co2_per_unit,
                                       expedite_mask, make_inputs, policy_arrays)
from casekit.validate import check_int

__all__ = ["neighbourhood", "screen", "confirm", "tune", "TuningResult", "paired_difference"]


def _label(p: Policy) -> str:
    if isinstance(p, (BaseStock, EchelonBaseStock)):
        lv = p.levels
        body = ", ".join(f"{v:g}" for v in lv) if isinstance(lv, tuple) and lv and not isinstance(lv[0], tuple) \
            else str(lv)
        return f"{type(p).__name__}({body})"
    return repr(p)


def neighbourhood(policy: Policy, radius: int = 1, step: float = 1.0) -> list:
    """All base-stock policies whose levels differ from ``policy``'s by at most ``radius`` steps
    at each stage (a (2·radius + 1)^N grid), keeping only valid ones (levels >= 0, echelon levels
    non-decreasing upstream)."""
    if not isinstance(policy, (BaseStock, EchelonBaseStock)):
        raise TypeError(f"policy must be a BaseStock or EchelonBaseStock, got {policy!r}")
    radius = check_int("radius", radius, minimum=0)
    levels = policy.levels
    if not isinstance(levels, tuple) or (levels and isinstance(levels[0], tuple)):
        raise ValueError("neighbourhood needs levels given as a list (downstream first)")
    out = []
    for d in itertools.product(range(-radius, radius + 1), repeat=len(levels)):
        lv = [v + step * k for v, k in zip(levels, d)]
        if min(lv) < 0:
            continue
        if isinstance(policy, EchelonBaseStock) and any(b < a for a, b in zip(lv, lv[1:])):
            continue
        out.append(type(policy)(lv))
    return out


def screen(network, candidates, periods: int = 1000, replications: int = 10, seed=0, *, warmup: int = 50,
           scenario=None, config: SimulationConfig | None = None, objective: str = "cost_per_period",
           confidence: float = 0.95, chunk: int = 50_000):
    """Simulate every candidate on the fast engine with common random numbers.

    All candidates are run on the same draws (``seed``), stacked ``chunk`` systems at a time
    into one vectorised run.  Returns a DataFrame, one row per candidate (in the order given):
    ``policy`` (a label), ``mean``, ``ci_low``, ``ci_high`` of ``objective`` over replications,
    and ``candidate`` (index into ``candidates``).
    """
    import pandas as pd

    candidates = list(candidates)
    if not candidates:
        raise ValueError("candidates must hold at least one policy")
    periods, replications, warmup, config = check_run(network, candidates[0], periods, replications, warmup,
                                                      "fast", scenario, config)
    for c in candidates:
        if not isinstance(c, Policy):
            raise TypeError(f"candidates must be casekit policies, got {c!r}")
        c.validate(network)
    comp = compile_network(network, config)
    inp = make_inputs(comp, periods, replications, warmup, seed, scenario, config)
    from casekit.simulation.fast import run_fast

    per = max(1, chunk // replications)
    frames = []
    has_disruption = scenario is not None and scenario.disruption_start is not None
    for a in range(0, len(candidates), per):
        group = candidates[a:a + per]
        pa = policy_arrays(comp, group, config, warmup + periods)
        acc = run_fast(comp, pa, inp, config, C=len(group), keep_flow=has_disruption,
                       expedite_mask=expedite_mask(comp, config), expedite_co2=expedite_co2_per_unit(comp, config))
        k = kpi_table(acc, comp, scenario, len(group), replications)
        if len(group) == 1:
            k = k.reset_index()
            k.insert(0, "candidate", 0)
        k["candidate"] += a
        frames.append(k)
    kp = pd.concat(frames, ignore_index=True)
    if objective not in kp.columns:
        raise ValueError(f"objective must be a KPI name ({', '.join(c for c in kp.columns if c not in ('candidate', 'replication'))}), got {objective!r}")
    rows = []
    for c, g in kp.groupby("candidate", sort=True):
        m, lo, hi = mean_ci(g[objective].to_numpy(), confidence)
        rows.append({"candidate": int(c), "policy": _label(candidates[int(c)]), "mean": m, "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows)
    out.attrs["kpis"] = kp
    return out


def confirm(network, candidates, periods: int = 2000, replications: int = 10, seed=1, *, warmup: int = 50,
            engine: str = "des", scenario=None, config: SimulationConfig | None = None,
            objective: str = "cost_per_period", confidence: float = 0.95):
    """Rerun finalists with fresh draws (``seed``), longer runs, by default on the DES twin.
    Each candidate uses the same seed (CRN among finalists).  Same table as :func:`screen`."""
    import pandas as pd

    from casekit.simulation import simulate

    rows = []
    for k, c in enumerate(candidates):
        res = simulate(network, c, periods, replications, seed=seed, engine=engine, scenario=scenario,
                       warmup=warmup, config=config or SimulationConfig(keep_series=False, event_log=False))
        m, lo, hi = mean_ci(res.kpis[objective].to_numpy(), confidence)
        rows.append({"candidate": k, "policy": _label(c), "mean": m, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class TuningResult:
    """The outcome of :func:`tune`.

    ``policy`` is the chosen candidate; ``cost``, ``ci_low``, ``ci_high`` its confirmed objective
    and 95% CI; ``screening`` and ``confirmation`` the two tables; ``finalists`` the policies
    rerun at high fidelity."""

    policy: Policy
    cost: float
    ci_low: float
    ci_high: float
    screening: object = field(repr=False)
    confirmation: object = field(repr=False)
    finalists: tuple = field(repr=False, default=())


def tune(network, candidates, *, finalists: int = 5, screen_periods: int = 1000, screen_replications: int = 10,
         confirm_periods: int = 2000, confirm_replications: int = 10, seed=0, warmup: int = 50,
         confirm_engine: str = "des", scenario=None, config: SimulationConfig | None = None,
         objective: str = "cost_per_period") -> TuningResult:
    """Multi-fidelity simulation-optimisation: screen all ``candidates`` on the fast engine (CRN,
    ``seed``), keep the ``finalists`` best means, confirm them on ``confirm_engine`` with fresh
    draws (``seed + 1``) and longer runs, and choose the lowest confirmed mean."""
    candidates = list(candidates)
    finalists = check_int("finalists", finalists, minimum=1)
    sc = screen(network, candidates, screen_periods, screen_replications, seed, warmup=warmup,
                scenario=scenario, config=config, objective=objective)
    best = sc.sort_values("mean").head(finalists)
    fin = [candidates[int(c)] for c in best["candidate"]]
    conf_seed = (seed + 1) if isinstance(seed, (int, np.integer)) else None
    cf = confirm(network, fin, confirm_periods, confirm_replications, conf_seed, warmup=warmup,
                 engine=confirm_engine, scenario=scenario, config=config, objective=objective)
    j = int(cf["mean"].idxmin())
    return TuningResult(fin[j], float(cf.loc[j, "mean"]), float(cf.loc[j, "ci_low"]), float(cf.loc[j, "ci_high"]),
                        sc, cf, tuple(fin))


def paired_difference(network, policy_a: Policy, policy_b: Policy, periods: int = 1000, replications: int = 10,
                      seed=0, *, warmup: int = 50, common: bool = True, objective: str = "cost_per_period",
                      confidence: float = 0.95):
    """Difference in ``objective`` between two policies (a - b) with its confidence interval,
    on common random numbers (``common=True``: both on ``seed``) or independent draws (b on
    ``seed + 1``).  Returns (mean, ci_low, ci_high)."""
    from casekit.simulation import simulate

    cfg = SimulationConfig(keep_series=False)
    a = simulate(network, policy_a, periods, replications, seed, engine="fast", warmup=warmup, config=cfg)
    b = simulate(network, policy_b, periods, replications, seed if common else seed + 1, engine="fast",
                 warmup=warmup, config=cfg)
    return mean_ci(a.kpis[objective].to_numpy() - b.kpis[objective].to_numpy(), confidence)
