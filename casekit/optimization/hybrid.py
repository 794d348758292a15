"""The GA + MILP hybrid: a genetic algorithm finds good open sets fast, the MILP refines them.

Three ways the GA helps the exact solver (the paper's "MILP + GA Hybrid" row of Table 2):

1. **warm start**: the GA's best solution (open set and its optimal assignment) is handed to the
   MILP solver as its first incumbent, so branch-and-bound prunes with a good upper bound from the
   first node and always has an answer to return when its time limit strikes;
2. **bound**: the constraint ``objective <= GA best`` is added (valid: the optimum is no worse than
   a known solution);
3. optionally, **variable fixing**: facilities on which the best ``elite_fraction`` of the final
   GA population agree (all open or all closed) are fixed (``fix_agreed=True``).  This shrinks
   the MILP but is a heuristic: the answer is then optimal only for the restricted problem, and
   the hybrid no longer claims a proof;
4. with ``then_full=True`` after the fixing: the full MILP (nothing fixed), warm-started from and
   bounded by the best solution so far, for the rest of the time.  The restricted MILP is small
   and finds a better incumbent fast; the full MILP can then prove it optimal or improve it.

The hybrid returns the better of the GA's and the MILP's solutions, so it is never worse than the
GA alone.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from casekit.optimization.ga import solve_ga
from casekit.optimization.instance import FacilityLocationInstance
from casekit.optimization.milp import solve_milp
from casekit.optimization.results import FacilityLocationResult
from casekit.validate import check_positive, check_probability

__all__ = ["solve_hybrid"]


def solve_hybrid(instance: FacilityLocationInstance, *, population: int = 40, generations: int = 60,
                 time_limit: float = 30.0, fix_agreed: bool = False, elite_fraction: float = 0.25,
                 solver: str = "highs", seed=0, ga_options: dict | None = None,
                 ga_result: FacilityLocationResult | None = None, then_full: bool = False,
                 fixed_share: float = 1 / 3) -> FacilityLocationResult:
    """Run :func:`~casekit.optimization.ga.solve_ga`, then :func:`~casekit.optimization.milp.solve_milp`
    warm-started and bounded by the GA's best, under ``time_limit`` seconds.

    Parameters
    ----------
    instance : FacilityLocationInstance
    population, generations, seed, ga_options
        Passed to the GA (``ga_options`` holds any further keyword of ``solve_ga``).
    time_limit : float
        Seconds for the MILP stage(s).
    fix_agreed : bool
        Fix the facilities that the best ``elite_fraction`` of the GA population agree on.
    then_full : bool
        With ``fix_agreed``: after the restricted MILP (at most ``fixed_share`` of ``time_limit``),
        solve the full MILP from the best solution so far for the rest of ``time_limit``; the
        hybrid proves optimality when that full MILP does.
    solver : {"highs", "cbc"}
    ga_result : FacilityLocationResult, optional
        A GA run already made on this instance (``solve_ga``'s result): the hybrid starts from it
        instead of running its own, and counts its runtime as part of the hybrid's.

    Returns
    -------
    FacilityLocationResult
        ``method="hybrid"``; ``history`` has one row per stage (``stage``, ``objective``,
        ``time_s``); ``proven_optimal`` only when the MILP proved optimality with nothing fixed.

    Examples
    --------
    >>> from casekit.optimization import load_orlib_cap, orlib_optimum
    >>> res = solve_hybrid(load_orlib_cap("cap81"), generations=10)
    >>> res.proven_optimal, abs(res.relative_error(orlib_optimum("cap81"))) < 1e-6
    (True, True)
    """
    if not isinstance(instance, FacilityLocationInstance):
        raise TypeError(f"instance must be a FacilityLocationInstance, got {type(instance).__name__}")
    time_limit = check_positive("time_limit", time_limit)
    elite_fraction = check_probability("elite_fraction", elite_fraction, open_interval=False)
    fixed_share = check_probability("fixed_share", fixed_share)
    if then_full and not fix_agreed:
        raise ValueError("then_full=True needs fix_agreed=True (it follows the restricted MILP with the full one)")
    if ga_result is not None:
        if ga_result.population is None or ga_result.instance != instance.name:
            raise ValueError("ga_result must be a solve_ga result on this instance")
        ga = ga_result
        t0 = time.perf_counter() - ga.runtime
    else:
        t0 = time.perf_counter()
        ga = solve_ga(instance, population, generations, seed=seed, **(ga_options or {}))
    t_ga = time.perf_counter() - t0
    fixed = None
    if fix_agreed:
        k = max(1, int(round(elite_fraction * len(ga.population))))
        elite = ga.population[:k]
        agree_open = elite.all(axis=0)
        agree_closed = ~elite.any(axis=0)
        fixed = {int(i): 1 for i in np.flatnonzero(agree_open)}
        fixed.update({int(i): 0 for i in np.flatnonzero(agree_closed)})
    # the cutoff carries a hair of slack so that the GA's own solution stays feasible in floating point
    cutoff = ga.objective * (1 + 1e-9) + 1e-6
    stage_time = time_limit * fixed_share if then_full else time_limit
    milp = solve_milp(instance, solver=solver, time_limit=stage_time, warm_start=ga, fixed=fixed, cutoff=cutoff)
    history = [{"stage": "ga", "objective": ga.objective, "time_s": t_ga},
               {"stage": "milp", "objective": milp.objective,
                "time_s": time.perf_counter() - t0}]
    use_milp = np.isfinite(milp.objective) and milp.objective < ga.objective
    best = milp if use_milp else ga
    restricted = bool(fixed)
    n_fixed = len(fixed) if fixed else 0
    status = (f"GA {ga.objective:.3f} in {t_ga:.2f}s; MILP {milp.status}"
              + (f"; {n_fixed} facilities fixed from GA agreement" if n_fixed else ""))
    if then_full:
        left = max(0.01, time_limit - (time.perf_counter() - t0 - t_ga))
        full = solve_milp(instance, solver=solver, time_limit=left, warm_start=best,
                          cutoff=best.objective * (1 + 1e-9) + 1e-6)
        history.append({"stage": "milp (full)", "objective": full.objective, "time_s": time.perf_counter() - t0})
        if np.isfinite(full.objective) and full.objective < best.objective:
            best = full
        milp, restricted = full, False
        status += f"; full MILP {full.status}"
    runtime = time.perf_counter() - t0
    history = pd.DataFrame(history)
    proven = bool(milp.proven_optimal and not restricted)
    lower = milp.lower_bound if not restricted else float("nan")
    if proven:
        lower = min(lower, best.objective) if np.isfinite(lower) else best.objective
    gap = 0.0 if proven else (max(0.0, (best.objective - lower) / best.objective) if np.isfinite(lower) else None)
    return FacilityLocationResult("hybrid", instance.name, best.objective, best.open.copy(), best.assignment,
                                  proven, lower, gap, runtime, status, history, population=ga.population)
