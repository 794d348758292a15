"""The transportation subproblem: the cheapest way to serve every customer from a given open set.

For a fixed open set :math:`y \\in \\{0,1\\}^m` the CFLP reduces to the linear programme

.. math::

    Q(y) = \\min_x \\sum_{ij} c_{ij} x_{ij}
    \\quad\\text{s.t.}\\quad \\sum_i x_{ij} = 1 \\;(u_j),\\qquad
    \\sum_j d_j x_{ij} \\le s_i y_i \\;(\\lambda_i \\le 0),\\qquad 0 \\le x_{ij} \\le y_i .

It is the fitness of the genetic algorithm (plus :math:`f^\\top y`) and the subproblem of Benders
decomposition.  Its dual value, written as a function of y,

.. math::

    Q(y) \\ge \\sum_j u_j + \\sum_i y_i \\Big(\\lambda_i s_i + \\sum_j \\min(\\bar c_{ij}, 0)\\Big),
    \\qquad \\bar c_{ij} = c_{ij} - u_j - \\lambda_i d_j ,

holds for every y (the duals stay feasible when y changes; :math:`-\\min(\\bar c_{ij},0)` is the dual
of the bound :math:`x_{ij} \\le y_i`), with equality at the y it was computed for: that is a
Benders optimality cut.  When y cannot serve the demand, the same construction on the phase-1
problem (minimise the unserved fractions) gives a feasibility cut ``0 >= alpha + beta y``.

The LP is solved with HiGHS through ``highspy`` directly, kept in memory and re-solved from the
previous basis when only y changes (bounds), which is what makes thousands of evaluations cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from casekit.optimization import _highs
from casekit.optimization.instance import FacilityLocationInstance

__all__ = ["TransportationLP", "OpenSetTransport", "TransportSolution", "transport_cost", "facility_savings"]


@dataclass(frozen=True)
class TransportSolution:
    """The subproblem's answer for one open set.

    ``feasible`` is False when the open capacity is below the demand; then ``cost`` is ``inf``,
    ``x`` is None and (``alpha``, ``beta``) define the feasibility cut ``0 >= alpha + beta @ y``.
    Otherwise ``cost`` is Q(y), ``x[i, j]`` the fraction of customer j served by facility i, and
    ``cost >= alpha + beta @ y'`` for every y' (the optimality cut), with equality at this y.
    ``prices`` are the optimal customer duals :math:`u_j` when the solver reports them
    (:class:`OpenSetTransport`), else None.
    """

    feasible: bool
    cost: float
    x: np.ndarray | None
    alpha: float
    beta: np.ndarray
    prices: np.ndarray | None = None


def _silence_banner() -> None:
    """HiGHS prints a copyright banner (at C level) when the first model of a process is created;
    create that first model with the standard output redirected so scripts and doctests stay quiet."""
    import os
    import sys

    try:
        sys.stdout.flush()
        fd = sys.__stdout__.fileno()
        saved = os.dup(fd)
    except (AttributeError, OSError, ValueError):   # pragma: no cover - no real stdout
        highspy.Highs()
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            highspy.Highs()
    finally:
        os.dup2(saved, fd)
        os.close(saved)


_silence_banner()


def _highs_quiet() -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    return h


class TransportationLP:
    """A reusable HiGHS model of the transportation subproblem of one instance.

    >>> from casekit.optimization import FacilityLocationInstance
    >>> inst = FacilityLocationInstance([12, 10], [5, 7], [4, 8], [[1, 9], [6, 2]])
    >>> TransportationLP(inst).solve([1, 1]).cost      # each customer from its cheap facility
    3.0
    >>> TransportationLP(inst).solve([1, 0]).cost      # only facility 0 open
    10.0
    """

    def __init__(self, instance: FacilityLocationInstance):
        self.instance = inst = instance
        m, n = inst.m, inst.n
        self._m, self._n = m, n
        # column k = i * n + j; column-wise matrix: x_ij appears in demand row j (coef 1) and in
        # capacity row n + i (coef d_j)
        ii, jj = np.divmod(np.arange(m * n), n)
        start = np.arange(0, 2 * m * n + 1, 2, dtype=np.int32)
        index = np.empty(2 * m * n, dtype=np.int32)
        index[0::2] = jj
        index[1::2] = n + ii
        value = np.empty(2 * m * n)
        value[0::2] = 1.0
        value[1::2] = inst.demand[jj]
        self._start, self._index, self._value = start, index, value
        self._h = self._build(inst.cost.ravel(), np.ones(n), extra_cols=0)
        self._h1 = None   # phase-1 model, built when first needed
        self.evaluations = 0

    def _build(self, col_cost, demand_rhs, extra_cols: int) -> highspy.Highs:
        m, n = self._m, self._n
        lp = highspy.HighsLp()
        lp.num_col_ = m * n + extra_cols
        lp.num_row_ = n + m
        lp.col_cost_ = np.asarray(col_cost, dtype=float)
        lp.col_lower_ = np.zeros(m * n + extra_cols)
        lp.col_upper_ = np.ones(m * n + extra_cols)
        lp.row_lower_ = np.concatenate([demand_rhs, np.full(m, -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([demand_rhs, self.instance.capacity])
        start, index, value = self._start, self._index, self._value
        if extra_cols:
            # artificial a_j in demand row j
            start = np.concatenate([start, start[-1] + np.arange(1, extra_cols + 1, dtype=np.int32)])
            index = np.concatenate([index, np.arange(extra_cols, dtype=np.int32)])
            value = np.concatenate([value, np.ones(extra_cols)])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        h = _highs_quiet()
        h.passModel(lp)
        return h

    def _set_open(self, h: highspy.Highs, y: np.ndarray) -> None:
        m, n = self._m, self._n
        ub = np.repeat(y.astype(float), n)
        h.changeColsBounds(m * n, np.arange(m * n, dtype=np.int32), np.zeros(m * n), ub)
        h.changeRowsBounds(m, np.arange(n, n + m, dtype=np.int32), np.full(m, -highspy.kHighsInf),
                           self.instance.capacity * y)

    def _cut(self, h: highspy.Highs, col_cost: np.ndarray) -> tuple[float, np.ndarray]:
        m, n = self._m, self._n
        sol = h.getSolution()
        rd = np.asarray(sol.row_dual)
        u, lam = rd[:n], np.minimum(rd[n:], 0.0)
        rc = col_cost[: m * n].reshape(m, n) - u[None, :] - lam[:, None] * self.instance.demand[None, :]
        beta = lam * self.instance.capacity + np.minimum(rc, 0.0).sum(axis=1)
        return float(u.sum()), beta

    def _phase1(self, y: np.ndarray) -> TransportSolution:
        if self._h1 is None:
            cost1 = np.concatenate([np.zeros(self._m * self._n), np.ones(self._n)])
            self._h1 = self._build(cost1, np.ones(self._n), extra_cols=self._n)
            self._cost1 = cost1
        self._set_open(self._h1, y)
        _highs.run(self._h1)
        alpha, beta = self._cut(self._h1, self._cost1)
        return TransportSolution(False, float("inf"), None, alpha, beta)

    def solve(self, open_, *, fractional: bool = False) -> TransportSolution:
        """Solve the subproblem for the open set ``open_`` (booleans or 0/1, length m).

        With ``fractional=True``, y may take values in [0, 1] (the LP relaxation of the master in
        Benders' first phase): facility i then offers capacity :math:`s_i y_i` and at most the
        fraction :math:`y_i` of each customer.
        """
        y = np.asarray(open_, dtype=float)
        y = np.clip(y, 0.0, 1.0) if fractional else y.round()
        if y.shape != (self._m,):
            raise ValueError(f"open must have one entry per facility ({self._m}), got shape {y.shape}")
        self.evaluations += 1
        inst = self.instance
        if not fractional and not inst.is_capacity_feasible(y > 0.5):
            return self._phase1(y)
        h = self._h
        self._set_open(h, y)
        _highs.run(h)
        status = h.getModelStatus()
        if fractional and status in (highspy.HighsModelStatus.kInfeasible,
                                     highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return self._phase1(y)
        if status != highspy.HighsModelStatus.kOptimal:   # pragma: no cover - defensive
            raise RuntimeError(f"transportation LP not solved: {h.modelStatusToString(status)}")
        sol = h.getSolution()
        x = np.asarray(sol.col_value).reshape(self._m, self._n)
        alpha, beta = self._cut(h, inst.cost.ravel())
        cost = float(h.getInfo().objective_function_value)
        prices = None if fractional else np.asarray(sol.row_dual)[: self._n].copy()
        return TransportSolution(True, cost, x, alpha, beta, prices)


def transport_cost(instance: FacilityLocationInstance, open_) -> float:
    """Q(y): the optimal transportation cost of serving every customer from the open set
    (``inf`` when the open capacity is below the demand)."""
    return TransportationLP(instance).solve(open_).cost


def facility_savings(instance: FacilityLocationInstance, u) -> np.ndarray:
    """For customer prices ``u`` (any real vector, length n), the most each facility can save:
    :math:`\\beta_i = -\\max \\{\\sum_j (u_j - c_{ij}) x_j : \\sum_j d_j x_j \\le s_i,\\ 0 \\le x \\le 1\\}`,
    a fractional knapsack (customers taken in decreasing :math:`(u_j - c_{ij}) / d_j`).

    By LP duality, :math:`\\beta_i = \\max_{\\lambda_i \\le 0} \\lambda_i s_i + \\sum_j \\min(c_{ij} - u_j -
    \\lambda_i d_j, 0)`, so for every open set y'

    .. math::   Q(y') \\ge \\sum_j u_j + \\sum_i \\beta_i y'_i

    (the Benders optimality cut with each facility's best capacity dual), with equality at an
    open set whose optimal customer duals are u.  The GA's local search uses it to rank moves and
    to skip, exactly, the ones that cannot improve.

    >>> inst = FacilityLocationInstance([5, 10], [0, 0], [4, 8], [[4, 24], [8, 8]])
    >>> facility_savings(inst, [6.0, 30.0]).tolist()   # facility 0 has room for 5/8 of customer 1
    [-3.75, -22.0]
    """
    u = np.asarray(u, dtype=float)
    if u.shape != (instance.n,):
        raise ValueError(f"u must have one price per customer ({instance.n}), got shape {u.shape}")
    gain = np.maximum(u[None, :] - instance.cost, 0.0)              # (m, n) value of serving j from i
    d = np.broadcast_to(instance.demand, gain.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(d > 0, gain / np.where(d > 0, d, 1.0), np.inf)
    ratio = np.where(gain > 0, ratio, -1.0)                           # worthless customers last
    order = np.argsort(-ratio, axis=1, kind="stable")
    g = np.take_along_axis(gain, order, axis=1)
    w = np.take_along_axis(d, order, axis=1)
    room = instance.capacity[:, None] - (np.cumsum(w, axis=1) - w)    # capacity left before item
    frac = np.clip(np.where(w > 0, room / np.where(w > 0, w, 1.0), 1.0), 0.0, 1.0)
    return -(g * frac).sum(axis=1)


class OpenSetTransport:
    """Q(y) for one open set at a time, built for large instances (100 x 1,000 and up).

    Three exact shortcuts make it fast where :class:`TransportationLP` (one LP over all m x n
    columns) is slow:

    1. only open facilities enter the LP, and the bound :math:`x_{ij} \\le 1` is dropped
       (implied by :math:`\\sum_i x_{ij} = 1`);
    2. when every customer fits at its cheapest open facility, that assignment is optimal and no
       LP is solved;
    3. otherwise (on an instance larger than :attr:`PERSISTENT_LP_COLUMNS`; a smaller one keeps
       one :class:`TransportationLP` and re-solves it from its last basis) the LP starts, when it
       has more than :attr:`FULL_LP_COLUMNS` columns, with each
       customer's ``nearest`` cheapest open facilities only, from
       the basis "every customer at its cheapest facility" (dual feasible, so the dual simplex
       only has to repair the overloaded capacities); then every left-out column is priced with
       the duals and the ones with negative reduced cost are added and the LP re-solved, until
       none is left (column generation), so the answer is the optimum of the full LP.  Should
       the nearest columns alone be unable to serve everyone (the LP infeasible), all columns of
       the open facilities are added.

    ``solve`` returns a :class:`TransportSolution` with the customer ``prices`` u and, with
    ``cut=True``, ``alpha, beta`` the cut ``Q(y') >= alpha + beta @ y'`` of
    :func:`facility_savings` (else ``nan, None``).
    An open set whose capacity is below the demand gets ``cost = inf`` and no cut.

    >>> inst = FacilityLocationInstance([12, 10], [5, 7], [4, 8], [[1, 9], [6, 2]])
    >>> OpenSetTransport(inst).solve([1, 1]).cost, OpenSetTransport(inst).solve([1, 0]).cost
    (3.0, 10.0)
    >>> small = FacilityLocationInstance([6, 10], [5, 7], [4, 8], [[1, 9], [6, 2]])
    >>> OpenSetTransport(small).solve([1, 1]).cost      # customer 1 cannot all fit at facility 1
    3.0
    """

    #: Up to this many columns (open facilities x customers) the LP takes them all at once.
    FULL_LP_COLUMNS = 5_000
    #: Up to this size (all facilities x customers) one :class:`TransportationLP` is kept and
    #: re-solved from its previous basis instead (fastest on small instances such as cap41-cap134).
    PERSISTENT_LP_COLUMNS = 5_000

    def __init__(self, instance: FacilityLocationInstance, nearest: int = 4):
        from casekit.validate import check_int

        self.instance = instance
        self.nearest = check_int("nearest", nearest, minimum=1)
        self.evaluations = 0
        self.lp_solves = 0
        self.fallbacks = 0
        self._persistent = (TransportationLP(instance) if instance.m * instance.n <= self.PERSISTENT_LP_COLUMNS
                            else None)

    def _lp(self, idx: np.ndarray, C: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """The LP over the open facilities ``idx`` (cost rows ``C``): (cost, z, u, lam)."""
        inst = self.instance
        k, n = C.shape
        d, cap = inst.demand, inst.capacity[idx]
        # (K, n): each customer's K cheapest open facilities, row 0 the cheapest; a small LP gets all
        K = k if k * n <= self.FULL_LP_COLUMNS else min(self.nearest, k)
        near = np.argsort(C, axis=0, kind="stable")[:K]
        rows = near.ravel()
        cols = np.tile(np.arange(n), near.shape[0])
        h = _highs_quiet()
        lp = highspy.HighsLp()
        lp.num_col_ = 0
        lp.num_row_ = n + k
        lp.row_lower_ = np.concatenate([np.ones(n), np.full(k, -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([np.ones(n), cap])
        h.passModel(lp)

        def add(r, j):
            nc = r.size
            h.addCols(nc, C[r, j], np.zeros(nc), np.full(nc, highspy.kHighsInf), 2 * nc,
                      np.arange(0, 2 * nc, 2, dtype=np.int32),
                      np.ravel(np.column_stack([j, n + r])).astype(np.int32),
                      np.ravel(np.column_stack([np.ones(nc), d[j]])))

        add(rows, cols)
        # starting basis: customer j's cheapest column (the first n columns) and every capacity slack
        basis = highspy.HighsBasis()
        basis.col_status = [highspy.HighsBasisStatus.kBasic] * n + \
            [highspy.HighsBasisStatus.kLower] * (rows.size - n)
        basis.row_status = [highspy.HighsBasisStatus.kUpper] * n + [highspy.HighsBasisStatus.kBasic] * k
        basis.valid = True
        h.setBasis(basis)
        in_model = np.zeros((k, n), dtype=bool)
        in_model[rows, cols] = True
        scale = max(1.0, float(np.abs(C).max()))
        while True:
            _highs.run(h)
            self.lp_solves += 1
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kInfeasible and not in_model.all():
                # the nearest facilities of some customers are too small together: take every column
                self.fallbacks += 1
                r, j = np.nonzero(~in_model)
                in_model[r, j] = True
                rows, cols = np.concatenate([rows, r]), np.concatenate([cols, j])
                add(r, j)
                continue
            if status != highspy.HighsModelStatus.kOptimal:   # pragma: no cover - capacity was checked
                raise RuntimeError(f"transportation LP not solved: {h.modelStatusToString(status)}")
            sol = h.getSolution()
            rd = np.asarray(sol.row_dual)
            u, lam = rd[:n], np.minimum(rd[n:], 0.0)
            reduced = C - u[None, :] - lam[:, None] * d[None, :]
            enter = (reduced < -1e-9 * scale) & ~in_model
            if not enter.any():
                break
            r, j = np.nonzero(enter)
            in_model[r, j] = True
            rows, cols = np.concatenate([rows, r]), np.concatenate([cols, j])
            add(r, j)
        z = np.zeros((k, n))
        np.add.at(z, (rows, cols), np.asarray(sol.col_value))
        return float(h.getInfo().objective_function_value), z, u, lam

    def solve(self, open_, *, cut: bool = False) -> TransportSolution:
        """Solve the transportation problem of the open set ``open_`` (booleans or 0/1, length m)."""
        inst = self.instance
        y = np.asarray(open_, dtype=float).round().astype(bool)
        if y.shape != (inst.m,):
            raise ValueError(f"open must have one entry per facility ({inst.m}), got shape {y.shape}")
        self.evaluations += 1
        if not inst.is_capacity_feasible(y):
            return TransportSolution(False, float("inf"), None, float("nan"), None)
        idx = np.flatnonzero(y)
        C = inst.cost[idx]
        best = np.argmin(C, axis=0)
        load = np.bincount(best, weights=inst.demand, minlength=idx.size)
        if np.all(load <= inst.capacity[idx]):        # everyone fits at their cheapest: optimal
            z = np.zeros_like(C)
            z[best, np.arange(inst.n)] = 1.0
            u = C[best, np.arange(inst.n)]
            cost = float(u.sum())
        elif self._persistent is not None:
            sol = self._persistent.solve(y)
            self.lp_solves += 1
            cost, z, u = sol.cost, sol.x[idx], sol.prices
        else:
            cost, z, u, _ = self._lp(idx, C)
        x = np.zeros((inst.m, inst.n))
        x[idx] = z
        if cut:
            return TransportSolution(True, cost, x, float(u.sum()), facility_savings(inst, u), u)
        return TransportSolution(True, cost, x, float("nan"), None, u)
