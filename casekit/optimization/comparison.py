"""The paper's Table 2, measured: runtime and % of optimal of each method on a ladder of sizes.

The paper's Table 2 numbers are not available to casekit; only its qualitative claim is (below,
:data:`PAPER_CLAIMS`).  :func:`compare_methods` measures every method on every instance here, and
:func:`table2` lays the measurements out in the table's shape, one row per method, with the claim
beside them.  Methods are plain callables ``instance -> result`` (anything with ``.objective``,
``.runtime`` and ``.proven_optimal``), so a later chapter adds a row (e.g. "Simulation + RL
hybrid") by passing one more entry in ``methods``.

"% of optimal" is ``100 * reference / objective`` (a cost, so 100 % is optimal and a worse
solution scores lower).  The reference is the published optimum when there is one, else the best
proven optimum found by any method in the run, else the best lower bound any method proved (then
the percentage is a guaranteed *lower* estimate, flagged in ``reference_kind``).
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
import pandas as pd

from casekit.optimization.benders import solve_benders
from casekit.optimization.ga import solve_ga
from casekit.optimization.hybrid import solve_hybrid
from casekit.optimization.instance import FacilityLocationInstance
from casekit.optimization.milp import solve_milp
from casekit.validate import check_positive

__all__ = ["PAPER_CLAIMS", "default_methods", "compare_methods", "table2"]

#: The paper's qualitative claims for Table 2 (its numbers are not available to us).
PAPER_CLAIMS = {
    "MILP": "exact, but slow at scale",
    "GA": "fast, but approximate",
    "MILP + GA hybrid": "combines both: near-optimal quality at lower runtime than the MILP",
    "Benders": "scales to large instances",
}


def default_methods(time_limit: float = 10.0, *, seed=0, population: int = 40,
                    generations: int = 60) -> dict[str, Callable]:
    """The four methods of Table 2, each under ``time_limit`` seconds.

    The GA runs its generation budget (stopping early at ``time_limit``); the hybrid starts from
    that very GA run (its runtime includes the GA's) and gives its MILP stage ``time_limit``
    seconds, so the hybrid is never worse than the GA row.
    """
    time_limit = check_positive("time_limit", time_limit)
    ga_runs: dict[int, object] = {}

    def ga(inst):
        if id(inst) not in ga_runs:
            ga_runs[id(inst)] = solve_ga(inst, population, generations, seed=seed, time_limit=time_limit)
        return ga_runs[id(inst)]

    return {
        "MILP": lambda inst: solve_milp(inst, time_limit=time_limit),
        "GA": ga,
        "MILP + GA hybrid": lambda inst: solve_hybrid(inst, time_limit=time_limit, ga_result=ga(inst)),
        "Benders": lambda inst: solve_benders(inst, time_limit=time_limit),
    }


def compare_methods(instances, methods: Mapping[str, Callable] | None = None, *,
                    optima: Mapping[str, float] | None = None, time_limit: float = 10.0,
                    seed=0) -> pd.DataFrame:
    """Run every method on every instance; one tidy row per (instance, method).

    Parameters
    ----------
    instances : sequence of FacilityLocationInstance
    methods : mapping name -> callable(instance) -> result, optional
        Default :func:`default_methods` (``time_limit``, ``seed``).
    optima : mapping instance name -> known optimum, optional
        E.g. :func:`~casekit.optimization.orlib_optima` for the OR-Library instances.

    Returns
    -------
    pandas.DataFrame
        Columns ``instance, size, m, n, method, objective, runtime_s, proven_optimal,
        lower_bound, reference, reference_kind, pct_of_optimal``.
    """
    methods = dict(methods) if methods is not None else default_methods(time_limit, seed=seed)
    optima = dict(optima or {})
    rows = []
    for inst in instances:
        if not isinstance(inst, FacilityLocationInstance):
            raise TypeError(f"instances must hold FacilityLocationInstance objects, got {type(inst).__name__}")
        results = {name: fn(inst) for name, fn in methods.items()}
        proven = [r.objective for r in results.values() if getattr(r, "proven_optimal", False)]
        bounds = [getattr(r, "lower_bound", np.nan) for r in results.values()]
        bounds = [b for b in bounds if b is not None and np.isfinite(b)]
        if inst.name in optima:
            ref, kind = float(optima[inst.name]), "published optimum"
        elif proven:
            ref, kind = float(min(proven)), "proven optimum"
        elif bounds:
            ref, kind = float(max(bounds)), "best lower bound"
        else:
            ref, kind = float(min(r.objective for r in results.values())), "best found"
        for name, r in results.items():
            rows.append({
                "instance": inst.name, "size": f"{inst.m}x{inst.n}", "m": inst.m, "n": inst.n,
                "method": name, "objective": float(r.objective), "runtime_s": float(r.runtime),
                "proven_optimal": bool(getattr(r, "proven_optimal", False)),
                "lower_bound": float(getattr(r, "lower_bound", np.nan)),
                "reference": ref, "reference_kind": kind,
                "pct_of_optimal": 100.0 * ref / float(r.objective) if np.isfinite(r.objective) else 0.0,
            })
    return pd.DataFrame(rows)


def table2(frame: pd.DataFrame, claims: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Pivot :func:`compare_methods` into Table 2's shape: one row per method; for each instance
    (in ladder order) the runtime in seconds and the % of optimal; then the paper's claim.

    Rows follow the order in which methods appear in ``frame``, so a method added later (a new
    row) lands at the bottom.
    """
    claims = dict(PAPER_CLAIMS if claims is None else claims)
    order_m = list(dict.fromkeys(frame["method"]))
    order_i = list(dict.fromkeys(frame["instance"]))
    labels = {i: f"{i} ({s})" for i, s in zip(frame["instance"], frame["size"])}
    wide = frame.pivot(index="method", columns="instance", values=["runtime_s", "pct_of_optimal"])
    wide = wide.reindex(index=order_m)
    cols = []
    for inst in order_i:
        cols += [("runtime_s", inst), ("pct_of_optimal", inst)]
    wide = wide[cols]
    wide.columns = pd.MultiIndex.from_tuples(
        [(labels[i], "runtime (s)" if k == "runtime_s" else "% of optimal") for k, i in cols])
    wide[("paper's claim", "")] = [claims.get(m, "") for m in wide.index]
    return wide
