"""Classic Benders decomposition of the capacitated facility location problem.

Benders (1962) splits the CFLP into

* a **master** MILP over the open decisions y and one variable :math:`\\theta` standing for the
  transportation cost: :math:`\\min f^\\top y + \\theta` subject to the cuts found so far;
* the **subproblem**, the transportation LP :math:`Q(y)` for the master's y
  (:class:`~casekit.optimization.transport.TransportationLP`).

Each round solves the master (its optimum is a **lower bound**, since it is a relaxation), then the
subproblem at the master's y:

* if y cannot serve the demand, the phase-1 duals give a **feasibility cut**
  :math:`0 \\ge \\alpha + \\beta^\\top y` that this y violates;
* otherwise :math:`f^\\top y + Q(y)` is a feasible cost (an **upper bound**), and the LP duals give
  an **optimality cut** :math:`\\theta \\ge \\alpha + \\beta^\\top y`, exact at this y and a valid
  under-estimate of :math:`Q` everywhere (weak duality).

The bounds close when the master has learnt enough of :math:`Q`: finite convergence, because
there are finitely many y and each is cut off or priced exactly once visited.

``multi_cut=True`` adds, for each customer j, a variable :math:`\\theta_j` with
:math:`\\theta \\ge \\sum_j \\theta_j` and the disaggregated cut
:math:`\\theta_j \\ge c_{kj} - \\sum_i (c_{kj} - c_{ij})^+ y_i` (k the cheapest open facility for j).
The capacitated subproblem does not separate by customer, so these per-customer cuts come from its
uncapacitated relaxation (each customer served by its cheapest open facility, which bounds
:math:`Q(y)` from below); they sit beside, not instead of, the aggregate capacitated cut, and
tell the master early what serving each customer will cost.

The master is solved by HiGHS through ``highspy`` directly, cuts being added as rows to the model
in memory (PuLP would rebuild the model every round).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from casekit.optimization import _highs
from casekit.optimization.instance import FacilityLocationInstance
from casekit.optimization.results import FacilityLocationResult
from casekit.optimization.transport import TransportationLP, _highs_quiet
from casekit.validate import check_int, check_positive, check_probability, check_real

__all__ = ["BendersCut", "solve_benders"]


@dataclass(frozen=True)
class BendersCut:
    """One cut added to the master.

    ``kind`` is ``"optimality"`` (:math:`\\theta \\ge \\alpha + \\beta^\\top y`), ``"feasibility"``
    (:math:`0 \\ge \\alpha + \\beta^\\top y`) or ``"customer"`` (multi-cut:
    :math:`\\theta_j \\ge \\alpha + \\beta^\\top y` for ``customer`` j); ``iteration`` is the round
    that found it.
    """

    kind: str
    iteration: int
    alpha: float
    beta: np.ndarray
    customer: int | None = None

    def value(self, open_) -> float:
        """The cut's right-hand side :math:`\\alpha + \\beta^\\top y` at an open set."""
        return float(self.alpha + self.beta @ np.asarray(open_, dtype=float))


def solve_benders(instance: FacilityLocationInstance, multi_cut: bool = False, *, tol: float = 1e-7,
                  max_iterations: int = 5000, time_limit: float | None = None, lp_phase: bool = True,
                  initial_open="all", stabilise: bool = False, cover_cut: bool = False,
                  round_every: int = 1, lp_share: float = 1.0) -> FacilityLocationResult:
    """Solve the CFLP by classic Benders decomposition.

    Parameters
    ----------
    instance : FacilityLocationInstance
    multi_cut : bool
        Also add the per-customer cuts described in the module docstring.
    tol : float
        Stop when ``(upper - lower) <= tol * upper``; the result is ``proven_optimal`` then.
    max_iterations, time_limit
        Stop earlier (not proven) after that many master solves or seconds.
    lp_phase : bool
        First iterate on the LP relaxation of the master (McDaniel & Devine 1977): cuts at
        fractional y are valid for every y and cost an LP, not a MILP, to find; the integer
        phase then starts with the LP bound already learnt.  False gives the textbook loop only.
    stabilise : bool
        In the LP phase, separate at a point between the master's LP solution and a "core" point
        inside the feasible region (in-out stabilisation, Ben-Ameur & Neto 2007): the master's
        LP solution oscillates from one extreme y to another, a point pulled towards the core
        gives deeper cuts, so the LP bound converges in fewer rounds.  The core starts at "all
        open" and moves halfway to each LP solution; when a cut found at the pulled point does not
        cut off the master's solution, the next round separates at the master's solution itself.
    cover_cut : bool
        Start the master with the valid inequality :math:`\\sum_i s_i y_i \\ge \\sum_j d_j` (the open
        capacity covers the demand).  It keeps the master away from open sets that cannot serve
        the demand, each of which would otherwise cost a subproblem solve and a feasibility cut;
        when every facility has the same capacity (OR-Library's capa/capb/capc) it makes every
        master solution, fractional or not, feasible for the subproblem.  False (the default) gives
        the textbook master, which learns feasibility from cuts only.
    round_every : int
        In the LP phase, price the rounded-up open set (an upper bound and one more cut) every
        ``round_every`` rounds (1: every round).
    lp_share : float
        With a ``time_limit``: the LP phase stops after ``lp_share * time_limit`` seconds, leaving
        the rest to the integer phase (1: the LP phase may use it all).
    initial_open : "all", array of 0/1 or None
        A first open set to price before the first master solve: it gives an upper bound and a
        first optimality cut at once.  The default prices "all facilities open" (always feasible);
        a heuristic's answer works too; None starts from the empty master of the textbook.

    Returns
    -------
    FacilityLocationResult
        ``history`` has one row per iteration: ``lower`` (master optimum), ``upper`` (best feasible
        cost so far), ``cut`` (kind of cut added), ``n_open`` of the master's y and ``gap``;
        ``cuts`` holds every :class:`BendersCut`.

    Examples
    --------
    >>> from casekit.optimization import load_orlib_cap
    >>> res = solve_benders(load_orlib_cap("cap71"))
    >>> round(res.objective, 2), res.proven_optimal      # published optimum 932615.750
    (932615.75, True)
    """
    if not isinstance(instance, FacilityLocationInstance):
        raise TypeError(f"instance must be a FacilityLocationInstance, got {type(instance).__name__}")
    tol = check_real("tol", tol)
    if not 0 <= tol < 1:
        raise ValueError(f"tol must be in [0, 1), got {tol!r}")
    max_iterations = check_int("max_iterations", max_iterations, minimum=1)
    round_every = check_int("round_every", round_every, minimum=1)
    lp_share = check_probability("lp_share", lp_share, open_interval=False)
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    t0 = time.perf_counter()
    inst = instance
    m, n = inst.m, inst.n
    sub = TransportationLP(inst)

    # master: columns y_0..y_{m-1} (binary), theta, then theta_j (multi-cut)
    master = _highs_quiet()
    master.setOptionValue("mip_rel_gap", 1e-10)
    master.setOptionValue("mip_feasibility_tolerance", 1e-9)
    inf = highspy.kHighsInf
    n_theta_j = n if multi_cut else 0
    ncol = m + 1 + n_theta_j
    lp = highspy.HighsLp()
    lp.num_col_ = ncol
    lp.num_row_ = 0
    lp.col_cost_ = np.concatenate([inst.fixed_cost, [1.0], np.zeros(n_theta_j)])
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = np.concatenate([np.ones(m), np.full(1 + n_theta_j, inf)])
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * (1 + n_theta_j)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.zeros(ncol + 1, dtype=np.int32)
    master.passModel(lp)
    y_idx = np.arange(m, dtype=np.int32)
    if cover_cut:   # sum_i s_i y_i >= sum_j d_j: the open capacity covers the demand
        master.addRow(inst.total_demand, inf, m, y_idx, inst.capacity)
    if multi_cut:   # theta - sum_j theta_j >= 0
        idx = np.concatenate([[m], m + 1 + np.arange(n)]).astype(np.int32)
        master.addRow(0.0, inf, idx.size, idx, np.concatenate([[1.0], -np.ones(n)]))

    cuts: list[BendersCut] = []
    rows = []
    best_ub, best_y, best_x = np.inf, None, None
    lower = 0.0
    status = "iteration limit"

    last = {}

    def price(y, it, fractional=False) -> str:
        """Solve the subproblem at y, add its cut(s) to the master; return the cut kind."""
        nonlocal best_ub, best_y, best_x
        sol = last["sol"] = sub.solve(y, fractional=fractional)
        if not sol.feasible:
            # 0 >= alpha + beta y   <=>   beta y <= -alpha
            master.addRow(-inf, -sol.alpha, m, y_idx, sol.beta)
            cuts.append(BendersCut("feasibility", it, sol.alpha, sol.beta))
            return "feasibility"
        # theta >= alpha + beta y   <=>   theta - beta y >= alpha
        master.addRow(sol.alpha, inf, m + 1, np.append(y_idx, m).astype(np.int32), np.append(-sol.beta, 1.0))
        cuts.append(BendersCut("optimality", it, sol.alpha, sol.beta))
        if fractional:
            return "optimality (LP)"
        total = float(inst.fixed_cost @ y + sol.cost)
        if total < best_ub:
            best_ub, best_y, best_x = total, y.astype(bool), sol.x
        if multi_cut:
            open_idx = np.flatnonzero(y > 0.5)
            k = open_idx[np.argmin(inst.cost[open_idx], axis=0)]        # cheapest open per customer
            ck = inst.cost[k, np.arange(n)]
            betas = -np.maximum(ck[None, :] - inst.cost, 0.0)              # (m, n)
            for j in range(n):
                master.addRow(float(ck[j]), inf, m + 1, np.append(y_idx, m + 1 + j).astype(np.int32),
                              np.append(-betas[:, j], 1.0))
                cuts.append(BendersCut("customer", it, float(ck[j]), betas[:, j].copy(), customer=j))
        return "optimality"

    if isinstance(initial_open, str):
        if initial_open != "all":
            raise ValueError(f"initial_open must be 'all', an array of 0/1 or None; got {initial_open!r}")
        initial_open = np.ones(m)
    if initial_open is not None:
        y0 = np.asarray(initial_open, dtype=float).round()
        if y0.shape != (m,):
            raise ValueError(f"initial_open must have one 0/1 entry per facility ({m}), got shape {y0.shape}")
        price(y0, 0)

    it = 0
    if lp_phase:
        # phase 1: the master's LP relaxation; stop when its bound stops moving
        master.changeColsIntegrality(m, y_idx, np.array([highspy.HighsVarType.kContinuous] * m))
        core = np.ones(m)
        in_out = stabilise
        while it < max_iterations:
            it += 1
            _highs.run(master)
            if master.getModelStatus() != highspy.HighsModelStatus.kOptimal:   # pragma: no cover
                break
            col = np.asarray(master.getSolution().col_value)
            lp_lower = float(master.getInfo().objective_function_value)
            lower = max(lower, lp_lower)
            y, theta = col[:m], col[m]
            y_sep = 0.5 * (y + core) if in_out else y
            sol_kind = price(y_sep, it, fractional=True)
            sep = last["sol"]
            # price the rounded-up open set too: a feasible integer solution (upper bound) and a cut
            # (every round_every-th round: on large instances each pricing is a big LP)
            if (it - 1) % round_every == 0:
                price((y > 1e-6).astype(float), it)
            rows.append({"iteration": it, "lower": lower, "upper": best_ub,
                         "gap": (best_ub - lower) / best_ub if np.isfinite(best_ub) else np.inf,
                         "cut": sol_kind, "n_open": int((y > 1e-6).sum()), "time_s": time.perf_counter() - t0})
            if stabilise:
                core = 0.5 * (core + y)
            if time_limit is not None and time.perf_counter() - t0 > lp_share * time_limit:
                break             # leave the rest of the time to the integer phase
            if not sol_kind.startswith("optimality"):
                continue
            # the cut at the separation point, read at the master's solution: does it cut it off?
            cut_at_y = sep.alpha + sep.beta @ y
            if cut_at_y - theta > 1e-6 * max(1.0, abs(cut_at_y)):
                in_out = stabilise    # it does: keep going (pulled towards the core again)
                continue
            if in_out:
                in_out = False        # the pulled point gave nothing new: separate at y itself next
                continue
            break                     # Q(y) = theta at the master's LP optimum: the LP bound is reached
        master.changeColsIntegrality(m, y_idx, np.array([highspy.HighsVarType.kInteger] * m))

    while it < max_iterations:
        it += 1
        if time_limit is not None:
            master.setOptionValue("time_limit", max(0.01, time_limit - (time.perf_counter() - t0)))
        _highs.run(master)
        ms = master.getModelStatus()
        if ms == highspy.HighsModelStatus.kTimeLimit:
            status = "time limit"
            break
        if ms != highspy.HighsModelStatus.kOptimal:   # pragma: no cover - the instance is feasible
            status = f"master: {master.modelStatusToString(ms)}"
            break
        info = master.getInfo()
        lower = max(lower, float(info.mip_dual_bound))
        y = np.asarray(master.getSolution().col_value[:m]).round()
        kind = price(y, it)
        gap = (best_ub - lower) / best_ub if np.isfinite(best_ub) else np.inf
        rows.append({"iteration": it, "lower": lower, "upper": best_ub, "gap": gap, "cut": kind,
                     "n_open": int(y.sum()), "time_s": time.perf_counter() - t0})
        if np.isfinite(best_ub) and best_ub - lower <= tol * abs(best_ub):
            status = "optimal (bounds closed)"
            break
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            status = "time limit"
            break
    runtime = time.perf_counter() - t0
    history = pd.DataFrame(rows, columns=["iteration", "lower", "upper", "gap", "cut", "n_open", "time_s"])
    proven = status.startswith("optimal")
    if best_y is None:   # pragma: no cover - stopped before any feasible y
        return FacilityLocationResult("benders", inst.name, np.inf, np.zeros(m, bool), None, False, lower,
                                      None, runtime, status, history, tuple(cuts))
    objective = float(inst.fixed_cost @ best_y + (inst.cost * best_x).sum())
    gap = max(0.0, (objective - lower) / objective)
    return FacilityLocationResult("benders-multi" if multi_cut else "benders", inst.name, objective, best_y,
                                  best_x, proven, lower, gap, runtime, status, history, tuple(cuts))
