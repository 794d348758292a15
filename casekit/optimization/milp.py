"""Capacitated facility location as a mixed-integer linear programme (PuLP; HiGHS or CBC).

The **strong formulation** adds :math:`x_{ij} \\le y_i` for every pair to the aggregated capacity
constraint.  Those m·n rows are redundant for integer y but tighten the LP relaxation enormously
(the weak formulation's LP opens a sliver of every facility), so branch-and-bound proves optimality
in a few nodes.  We also add the valid inequality :math:`\\sum_i s_i y_i \\ge \\sum_j d_j` (the open
capacity must cover the demand), which helps the LP bound when capacities are tight.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pulp

from casekit.optimization import _highs
from casekit.optimization.instance import FacilityLocationInstance
from casekit.optimization.results import FacilityLocationResult
from casekit.validate import check_choice, check_positive, check_real

__all__ = ["solve_milp", "build_milp"]


class _HiGHSWarm(pulp.HiGHS):
    """PuLP's in-memory HiGHS interface plus a MIP start (``setSolution``) before the run."""

    def __init__(self, *args, start: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._start = start

    def callSolver(self, lp):
        if self._start:
            import highspy

            values = [0.0] * len(lp.variables())
            for var in lp.variables():
                values[var.index] = float(self._start.get(var.name, 0.0))
            sol = highspy.HighsSolution()
            sol.col_value = values
            sol.value_valid = True
            lp.solverModel.setSolution(sol)
        _highs.run(lp.solverModel)


def build_milp(instance: FacilityLocationInstance, *, fixed: dict[int, int] | None = None,
               cutoff: float | None = None):
    """The PuLP model of the strong formulation; returns ``(problem, y, x)`` with ``y[i]`` and
    ``x[i][j]`` the PuLP variables.  ``fixed`` maps facility index -> 0/1 to fix ``y_i``;
    ``cutoff`` adds ``objective <= cutoff`` (a known upper bound, e.g. from a heuristic)."""
    inst = instance
    m, n = inst.m, inst.n
    prob = pulp.LpProblem(f"cflp_{inst.name}", pulp.LpMinimize)
    y = [prob.add_variable(f"y_{i}", cat=pulp.LpBinary) for i in range(m)]
    x = [[prob.add_variable(f"x_{i}_{j}", lowBound=0, upBound=1) for j in range(n)] for i in range(m)]
    cost = inst.cost
    objective = pulp.LpAffineExpression(
        [(y[i], float(inst.fixed_cost[i])) for i in range(m)]
        + [(x[i][j], float(cost[i, j])) for i in range(m) for j in range(n)])
    prob += objective
    for j in range(n):
        prob += pulp.LpAffineExpression([(x[i][j], 1.0) for i in range(m)]) == 1, f"demand_{j}"
    for i in range(m):
        prob += (pulp.LpAffineExpression([(x[i][j], float(inst.demand[j])) for j in range(n)]
                                         + [(y[i], -float(inst.capacity[i]))]) <= 0, f"capacity_{i}")
        for j in range(n):
            prob += x[i][j] - y[i] <= 0, f"link_{i}_{j}"
    prob += (pulp.LpAffineExpression([(y[i], float(inst.capacity[i])) for i in range(m)])
             >= inst.total_demand, "cover_demand")
    for i, v in (fixed or {}).items():
        prob += y[int(i)] == int(v), f"fix_{int(i)}"
    if cutoff is not None:
        prob += objective <= float(cutoff), "cutoff"
    return prob, y, x


def solve_milp(instance: FacilityLocationInstance, solver: str = "highs", time_limit: float | None = None,
               *, gap_rel: float = 1e-9, warm_start=None, fixed: dict[int, int] | None = None,
               cutoff: float | None = None, threads: int = 1, msg: bool = False) -> FacilityLocationResult:
    """Solve the CFLP exactly with the strong MILP formulation.

    Parameters
    ----------
    instance : FacilityLocationInstance
    solver : {"highs", "cbc"}
        HiGHS in memory through ``pulp.HiGHS`` (default) or CBC through ``pulp.PULP_CBC_CMD``.
    time_limit : float, optional
        Seconds; when the solver stops on it, the incumbent is returned with
        ``proven_optimal=False`` and the remaining gap (HiGHS reports it; CBC does not).
    gap_rel : float
        Relative MIP gap at which the solver may stop.  The default 1e-9 is far below the 1e-6
        at which we compare with published optima (HiGHS's own default, 1e-4, is not).
    warm_start : array of 0/1 (m,) or FacilityLocationResult, optional
        A known solution handed to the solver as its first incumbent (the GA+MILP hybrid).
    fixed : dict, optional
        ``{facility: 0 or 1}``: fix some ``y_i`` (then optimality is only within that restriction).
    cutoff : float, optional
        Add ``objective <= cutoff`` (a known upper bound).
    threads, msg
        Solver threads (1 keeps runs reproducible on a shared machine) and solver log on/off.

    Returns
    -------
    FacilityLocationResult
        ``proven_optimal`` is True only when PuLP's ``sol_status == 1`` (a proof), never on a
        time-limited stop even when the solver's status reads "Optimal".

    Examples
    --------
    The OR-Library instance cap41 has the published optimum 1 040 444.375:

    >>> from casekit.optimization import load_orlib_cap
    >>> res = solve_milp(load_orlib_cap("cap41"))
    >>> round(res.objective, 3), res.proven_optimal
    (1040444.375, True)
    """
    if not isinstance(instance, FacilityLocationInstance):
        raise TypeError(f"instance must be a FacilityLocationInstance, got {type(instance).__name__}")
    solver = check_choice("solver", solver, ("highs", "cbc"))
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    gap_rel = check_real("gap_rel", gap_rel)
    if not 0 <= gap_rel < 1:
        raise ValueError(f"gap_rel must be in [0, 1), got {gap_rel!r}")
    t0 = time.perf_counter()
    prob, y, x = build_milp(instance, fixed=fixed, cutoff=cutoff)
    start = None
    if warm_start is not None:
        open_ = np.asarray(getattr(warm_start, "open", warm_start), dtype=float).round()
        if open_.shape != (instance.m,):
            raise ValueError(f"warm_start must have one 0/1 entry per facility ({instance.m}), got shape {open_.shape}")
        assignment = getattr(warm_start, "assignment", None)
        if assignment is None:
            from casekit.optimization.transport import TransportationLP
            assignment = TransportationLP(instance).solve(open_).x
        start = {f"y_{i}": open_[i] for i in range(instance.m)}
        if assignment is not None:
            start.update({f"x_{i}_{j}": float(assignment[i, j])
                          for i in range(instance.m) for j in range(instance.n)})
    if solver == "highs":
        engine = _HiGHSWarm(msg=msg, timeLimit=time_limit, gapRel=gap_rel, threads=threads, start=start,
                            mip_feasibility_tolerance=1e-9)
    else:
        if start:
            for var in prob.variables():
                if var.name in start:
                    var.setInitialValue(start[var.name])
        with warnings.catch_warnings():
            # PuLP 3.3 deprecates the bundled-CBC class in favour of COIN_CMD, which needs a
            # system cbc; the bundled binary is the one every install has.
            warnings.simplefilter("ignore", DeprecationWarning)
            engine = pulp.PULP_CBC_CMD(msg=msg, timeLimit=time_limit, gapRel=gap_rel, threads=threads,
                                       warmStart=bool(start))
    prob.solve(engine)
    runtime = time.perf_counter() - t0
    proven = prob.sol_status == pulp.LpSolutionOptimal
    has_solution = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    status = f"{pulp.LpStatus[prob.status]} / {pulp.LpSolution[prob.sol_status]}"
    if not has_solution:
        return FacilityLocationResult(f"milp-{solver}", instance.name, float("inf"),
                                      np.zeros(instance.m, dtype=bool), None, False, float("nan"), None,
                                      runtime, status)
    open_ = np.array([v.varValue > 0.5 for v in y])
    xv = np.array([[x[i][j].varValue or 0.0 for j in range(instance.n)] for i in range(instance.m)])
    xv = np.clip(xv, 0.0, 1.0)
    # the objective of the returned solution, recomputed from the data (not the solver's number)
    objective = float(instance.fixed_cost @ open_ + (instance.cost * xv).sum())
    lower = float("nan")
    gap = 0.0 if proven else None
    if solver == "highs":
        info = prob.solverModel.getInfo()
        lower = float(info.mip_dual_bound)
        if not proven:
            gap = max(0.0, (objective - lower) / abs(objective)) if np.isfinite(lower) else None
    elif proven:
        lower = objective * (1 - gap_rel)
    if proven and not np.isfinite(lower):
        lower = objective
    return FacilityLocationResult(f"milp-{solver}", instance.name, objective, open_, xv, bool(proven),
                                  lower, gap, runtime, status,
                                  history=pd.DataFrame({"lower": [lower], "upper": [objective]}))
