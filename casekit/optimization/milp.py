"""Capacitated facility location as a mixed-integer linear programme (PuLP; HiGHS or CBC).

The **strong formulation** adds :math:`x_{ij} \\le y_i` for every pair to the aggregated capacity
constraint.  Those m·n rows are redundant for integer y but tighten the LP relaxation enormously
(the weak formulation's LP opens a sliver of every facility), so branch-and-bound proves optimality
in a few nodes.  We also add the valid inequality :math:`\\sum_i s_i y_i \\ge \\sum_j d_j` (the open
capacity must cover the demand), which helps the LP bound when capacities are tight.

On large instances (OR-Library's capa/capb/capc: 100 x 1,000, so 100,000 linking rows) the full
strong LP is slow to solve and most of its linking rows are slack.  The rows are not needed for
correctness (with :math:`y_i = 0` the capacity row already forces every :math:`x_{ij}` to 0), only
for the bound, so ``linking="lazy"`` adds them as cutting planes: it starts from the rows of each
customer's few cheapest facilities, solves the LP relaxation, adds the rows that the LP solution
violates (:math:`x_{ij} > y_i`), and repeats until none is violated; the MILP is then solved with
the rows found, whose LP bound equals the full strong formulation's.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pulp

from casekit.optimization import _highs
from casekit.optimization.instance import FacilityLocationInstance
from casekit.optimization.results import FacilityLocationResult
from casekit.validate import check_choice, check_int, check_positive, check_real

__all__ = ["solve_milp", "build_milp"]

#: Above this many (facility, customer) pairs, ``linking="auto"`` adds the linking rows lazily.
LAZY_LINKING_PAIRS = 20_000


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
               cutoff: float | None = None, threads: int = 1, msg: bool = False, linking: str = "auto",
               seed_rows: int = 5) -> FacilityLocationResult:
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
    linking : {"auto", "all", "lazy"}
        How the linking rows :math:`x_{ij} \\le y_i` enter: ``"all"`` up front (the PuLP model of
        :func:`build_milp`), ``"lazy"`` as LP cutting planes before the branch-and-bound (HiGHS
        only, through ``highspy``; see the module docstring), ``"auto"``: lazy above
        ``LAZY_LINKING_PAIRS`` (20,000) facility-customer pairs with HiGHS, else all.
    seed_rows : int
        With lazy linking, the rows of each customer's ``seed_rows`` cheapest facilities are there
        from the start.

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
    linking = check_choice("linking", linking, ("auto", "all", "lazy"))
    seed_rows = check_int("seed_rows", seed_rows, minimum=0)
    if linking == "lazy" and solver != "highs":
        raise ValueError(f"linking='lazy' needs solver='highs' (it adds rows to HiGHS's model in memory); got "
                         f"solver={solver!r}")
    if linking == "auto":
        linking = "lazy" if solver == "highs" and instance.m * instance.n > LAZY_LINKING_PAIRS else "all"
    for i, v in (fixed or {}).items():
        if not (0 <= int(i) < instance.m) or int(v) not in (0, 1):
            raise ValueError(f"fixed must map facility indices 0..{instance.m - 1} to 0 or 1; got {i!r}: {v!r}")
    t0 = time.perf_counter()
    start = None
    if warm_start is not None:
        open_ = np.asarray(getattr(warm_start, "open", warm_start), dtype=float).round()
        if open_.shape != (instance.m,):
            raise ValueError(f"warm_start must have one 0/1 entry per facility ({instance.m}), got shape {open_.shape}")
        assignment = getattr(warm_start, "assignment", None)
        if assignment is None:
            from casekit.optimization.transport import TransportationLP
            assignment = TransportationLP(instance).solve(open_).x
        if linking == "lazy":
            start = (open_, np.asarray(assignment, dtype=float)) if assignment is not None else None
        else:
            start = {f"y_{i}": open_[i] for i in range(instance.m)}
            if assignment is not None:
                start.update({f"x_{i}_{j}": float(assignment[i, j])
                              for i in range(instance.m) for j in range(instance.n)})
    if linking == "lazy":
        res = _solve_highs_lazy(instance, time_limit=time_limit, gap_rel=gap_rel, start=start, fixed=fixed,
                                cutoff=cutoff, threads=threads, msg=msg, seed_rows=seed_rows)
        return replace(res, runtime=time.perf_counter() - t0)
    prob, y, x = build_milp(instance, fixed=fixed, cutoff=cutoff)
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
        # no incumbent (e.g. the time limit came first): the objective is +inf, the bound what
        # the solver proved so far
        lower = float(prob.solverModel.getInfo().mip_dual_bound) if solver == "highs" else float("nan")
        return FacilityLocationResult(f"milp-{solver}", instance.name, float("inf"),
                                      np.zeros(instance.m, dtype=bool), None, False, lower, None,
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


def _solve_highs_lazy(instance: FacilityLocationInstance, *, time_limit, gap_rel, start, fixed, cutoff,
                      threads, msg, seed_rows: int) -> FacilityLocationResult:
    """The strong formulation solved by HiGHS (``highspy``) with the linking rows x_ij <= y_i added
    as cutting planes (see the module docstring); built with numpy, not PuLP, for size."""
    import highspy

    t0 = time.perf_counter()
    inst = instance
    m, n = inst.m, inst.n
    inf = highspy.kHighsInf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    # columns: y_0..y_{m-1}, then x_ij at m + i * n + j
    # rows: demand j (0..n-1), capacity i (n + i), cover (n + m), then the linking rows added
    ii, jj = np.divmod(np.arange(m * n), n)
    lp = highspy.HighsLp()
    lp.num_col_ = m + m * n
    lp.num_row_ = n + m + 1
    lp.col_cost_ = np.concatenate([inst.fixed_cost, inst.cost.ravel()])
    lower, upper = np.zeros(m + m * n), np.ones(m + m * n)
    for i, v in (fixed or {}).items():
        lower[int(i)] = upper[int(i)] = float(int(v))
        if int(v) == 0:   # a facility fixed closed serves nobody: its x columns are 0
            upper[m + int(i) * n: m + (int(i) + 1) * n] = 0.0
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m, -inf), [inst.total_demand]])
    lp.row_upper_ = np.concatenate([np.ones(n), np.zeros(m), [inf]])
    index = np.empty(2 * m + 2 * m * n, dtype=np.int32)
    value = np.empty(2 * m + 2 * m * n)
    index[0:2 * m:2], value[0:2 * m:2] = n + np.arange(m), -inst.capacity        # y_i: capacity row i
    index[1:2 * m:2], value[1:2 * m:2] = n + m, inst.capacity                    # y_i: cover row
    index[2 * m::2], value[2 * m::2] = jj, 1.0                                   # x_ij: demand row j
    index[2 * m + 1::2], value[2 * m + 1::2] = n + ii, inst.demand[jj]           # x_ij: capacity row i
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * (m + m * n) + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    h.passModel(lp)
    linked = np.zeros((m, n), dtype=bool)

    def add_links(mask):
        i, j = np.nonzero(mask & ~linked)
        k = i.size
        if k:
            linked[i, j] = True
            idx = np.empty(2 * k, dtype=np.int32)
            val = np.empty(2 * k)
            idx[0::2], val[0::2] = m + i * n + j, 1.0
            idx[1::2], val[1::2] = i, -1.0
            h.addRows(k, np.full(k, -inf), np.zeros(k), 2 * k, np.arange(0, 2 * k, 2, dtype=np.int32), idx, val)
        return k

    # start: each customer's seed_rows cheapest facilities (where its demand will mostly go)
    cheapest = np.argsort(inst.cost, axis=0, kind="stable")[:min(seed_rows, m)]
    seed = np.zeros((m, n), dtype=bool)
    seed[cheapest, np.arange(n)[None, :]] = True
    seed[[int(i) for i, v in (fixed or {}).items() if int(v) == 0]] = False
    add_links(seed)
    rounds = 0
    lp_bound = -np.inf
    lp_col = None
    timed_out = False
    while True:   # cutting-plane rounds on the LP relaxation
        if time_limit is not None:
            # the LP rounds may use 60 % of the time; the branch-and-bound gets the rest (and with
            # it the chance of an incumbent), whatever rows were found by then
            left = 0.6 * time_limit - (time.perf_counter() - t0)
            if left <= 0:
                timed_out = True
                break
            h.setOptionValue("time_limit", left)
        _highs.run(h)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            timed_out = h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
            break
        rounds += 1
        lp_bound = float(h.getInfo().objective_function_value)
        col = lp_col = np.asarray(h.getSolution().col_value)
        violated = col[m:].reshape(m, n) > col[:m, None] + 1e-7
        if not add_links(violated):
            break
    n_links = int(linked.sum())
    if msg:
        print(f"lazy linking: {rounds} LP rounds, {n_links:,} of {m * n:,} linking rows, LP bound {lp_bound:.6f}, "
              f"{time.perf_counter() - t0:.1f} s")
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * m))
    h.setOptionValue("mip_rel_gap", gap_rel)
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.setOptionValue("output_flag", bool(msg))
    if cutoff is not None:
        h.setOptionValue("objective_bound", float(cutoff))
    if start is None and lp_col is not None:
        # no known solution: hand HiGHS the last LP optimum instead; HiGHS fixes the y that are
        # integral there and solves that small sub-MIP first, which usually gives a good incumbent
        start = (lp_col[:m], lp_col[m:])
    if start is not None:
        open_, assignment = start
        sol = highspy.HighsSolution()
        sol.col_value = np.concatenate([open_, np.ravel(assignment)]).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(0.01, time_limit - (time.perf_counter() - t0)))
    _highs.run(h)
    runtime = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    # the LP rounds' bound is a valid lower bound too (a relaxation); HiGHS's may be weaker when
    # the time limit struck before its root LP was solved
    lower = max(float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else -np.inf, lp_bound)
    status = (f"{h.modelStatusToString(ms)} ({rounds} LP rounds, {n_links:,} of {m * n:,} linking rows"
              f"{', time limit during the LP rounds' if timed_out else ''})")
    if info.primal_solution_status != 2:   # no feasible incumbent
        return FacilityLocationResult("milp-highs", inst.name, float("inf"), np.zeros(m, dtype=bool), None, False,
                                      lower, None, runtime, status)
    col = np.asarray(h.getSolution().col_value)
    open_ = col[:m] > 0.5
    xv = np.clip(col[m:].reshape(m, n), 0.0, 1.0)
    objective = float(inst.fixed_cost @ open_ + (inst.cost * xv).sum())
    # a proof: HiGHS says Optimal, which it does only when the gap is closed (a time-limited stop
    # is kTimeLimit), and the gap it reports is within the 1e-6 at which casekit compares optima
    proven = ms == highspy.HighsModelStatus.kOptimal and info.mip_gap <= max(gap_rel, 1e-6)
    gap = 0.0 if proven else (max(0.0, (objective - lower) / abs(objective)) if np.isfinite(lower) else None)
    if proven and not np.isfinite(lower):
        lower = objective
    return FacilityLocationResult("milp-highs", inst.name, objective, open_, xv, bool(proven), lower, gap, runtime,
                                  status, history=pd.DataFrame({"lower": [lower], "upper": [objective]}))
