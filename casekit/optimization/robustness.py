"""Robustness of a facility-location design under disruption, and the design that plans for it.

A design is an open set :math:`y \\in \\{0,1\\}^m` (from any method: MILP, GA, hybrid, Benders).
A **disruption scenario** w multiplies each facility's capacity by a factor
:math:`a_{iw} \\in [0, 1]` (0: the facility fails, 1: untouched).  The design is kept (the
facilities are built, their fixed costs :math:`f_i` are paid); only the flows are re-optimised:

.. math::

    C_w(y) = f^\\top y + \\min_{x, u} \\sum_{ij} c_{ij} x_{ij} + p \\sum_j d_j u_j
    \\quad\\text{s.t.}\\quad \\sum_i x_{ij} + u_j = 1,\\qquad
    \\sum_j d_j x_{ij} \\le a_{iw} s_i y_i,\\qquad 0 \\le x_{ij} \\le y_i,\\ u_j \\ge 0,

where :math:`u_j` is the fraction of customer j's demand left unserved, charged at **p per unit**
of demand (a lost sale, or an emergency supplier).  The default p is *twice the dearest
per-unit delivery in the instance*, :math:`p = 2 \\max_{ij} c_{ij} / d_j` (:func:`default_penalty`),
so a unit that a surviving open facility has spare capacity for is always served rather than
dropped (demand is left unserved only where serving it would mean displacing other customers
along a chain of reassignments dearer than p).  The undisrupted cost :math:`C_0(y)` is the same LP with every
:math:`a_{i} = 1`; for a design whose open capacity covers the demand it is the usual
:math:`f^\\top y + Q(y)` unless p is so low that dropping demand is cheaper than serving it.

Reported per scenario: the **% cost increase** :math:`100\\,(C_w(y) - C_0(y)) / C_0(y)` and the
units left unserved; over a scenario set, its probability-weighted mean and its worst case.

Scenario sets (:func:`disruption_scenarios`):

* ``"single"``: every single facility failing in turn (:math:`a_{i} = 0` for one i), equally
  likely; given a design, only its *open* facilities (a closed one failing changes nothing);
* ``"shock"``: each facility's capacity multiplied by an independent uniform factor in
  ``shock_range`` (inside (0, 1]), and with probability ``failure_prob`` failing outright; N
  sampled scenarios of probability 1/N (seeded).

The robust reference (:func:`solve_stochastic_design`) is the two-stage stochastic MILP over a
scenario set: choose y (first stage) to minimise :math:`f^\\top y + \\sum_w \\pi_w [\\text{flow and
penalty cost of scenario } w]`, with one copy of the flow variables per scenario (second stage),
written out as one MILP (the extensive form) and solved by HiGHS under a time limit.  Its design is
optimal for the scenarios it saw; evaluating it on a fresh sample shows how much of that survives
out of sample.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Mapping

import highspy
import numpy as np
import pandas as pd

from casekit.optimization import _highs
from casekit.optimization.instance import FacilityLocationInstance
from casekit.optimization.results import FacilityLocationResult
from casekit.validate import (check_array, check_choice, check_int, check_positive, check_probability,
                              check_real, check_seed)

__all__ = [
    "SCENARIO_KINDS", "MAX_STOCHASTIC_VARIABLES", "DisruptionScenarios", "RobustnessResult",
    "default_penalty", "disruption_scenarios", "evaluate_robustness", "solve_stochastic_design",
    "compare_robustness",
]

#: The scenario kinds :func:`disruption_scenarios` draws.
SCENARIO_KINDS = ("single", "shock")

#: The largest extensive form :func:`solve_stochastic_design` sets out to solve (variables);
#: beyond it a MILP solve takes far longer than a chapter or a test can wait.
MAX_STOCHASTIC_VARIABLES = 400_000


def _check_instance(instance) -> FacilityLocationInstance:
    if not isinstance(instance, FacilityLocationInstance):
        raise TypeError(f"instance must be a FacilityLocationInstance, got {type(instance).__name__}")
    return instance


def _open_set(instance: FacilityLocationInstance, design) -> np.ndarray:
    """The design's open set as booleans (m,): from a result (``.open``) or a 0/1 array."""
    raw = getattr(design, "open", design)
    y = check_array("design", raw, ndim=1)
    if y.shape != (instance.m,):
        raise ValueError(f"design must have one 0/1 entry per facility ({instance.m}), got shape {y.shape}")
    if not np.isin(y, (0.0, 1.0)).all():
        bad = y[~np.isin(y, (0.0, 1.0))][0]
        raise ValueError(f"design must hold 0/1 (closed/open) entries, got {float(bad)!r}")
    if not y.any():
        raise ValueError(f"design opens no facility (all {instance.m} entries are 0): there is nothing to disrupt; "
                         "pass the open set of a solution")
    return y.astype(bool)


def default_penalty(instance: FacilityLocationInstance) -> float:
    """p: the cost per unit of unserved demand used by default, twice the dearest per-unit delivery
    :math:`2 \\max_{ij} c_{ij} / d_j` over customers with positive demand.

    >>> from casekit.optimization import FacilityLocationInstance
    >>> default_penalty(FacilityLocationInstance([10, 10], [5, 7], [4, 8], [[1, 9], [6, 2]]))
    3.0
    """
    inst = _check_instance(instance)
    served = inst.demand > 0
    if not served.any():
        return 1.0
    return float(2.0 * (inst.cost[:, served] / inst.demand[served]).max()) or 1.0


@dataclass(frozen=True, eq=False)
class DisruptionScenarios:
    """A set of disruption scenarios: capacity factors and probabilities.

    Attributes
    ----------
    factors : numpy.ndarray (N, m)
        :math:`a_{iw}`: facility i keeps the fraction ``factors[w, i]`` of its capacity in
        scenario w (0 = fails, 1 = untouched).
    prob : numpy.ndarray (N,)
        :math:`\\pi_w`, summing to 1.
    kind : str
        ``"single"``, ``"shock"`` or ``"custom"``.
    labels : tuple of str
        One label per scenario (``"facility 3 fails"``, ``"shock 7"``).
    """

    factors: np.ndarray
    prob: np.ndarray
    kind: str = "custom"
    labels: tuple = field(default=(), repr=False)

    def __post_init__(self):
        a = check_array("factors", self.factors, ndim=2, nonnegative=True, min_size=1)
        if (a > 1).any():
            idx = tuple(int(i) for i in np.argwhere(a > 1)[0])
            raise ValueError(f"factors must be in [0, 1] (the share of capacity kept), got {float(a[idx])!r} at {idx}")
        p = check_array("prob", self.prob, ndim=1, nonnegative=True)
        if p.shape != (a.shape[0],):
            raise ValueError(f"prob must have one entry per scenario ({a.shape[0]}), got shape {p.shape}")
        if abs(p.sum() - 1) > 1e-9:
            raise ValueError(f"prob must sum to 1, got {p.sum()!r}")
        labels = tuple(self.labels) or tuple(f"scenario {w}" for w in range(a.shape[0]))
        if len(labels) != a.shape[0]:
            raise ValueError(f"labels must have one entry per scenario ({a.shape[0]}), got {len(labels)}")
        a.setflags(write=False)
        p.setflags(write=False)
        object.__setattr__(self, "factors", a)
        object.__setattr__(self, "prob", p)
        object.__setattr__(self, "labels", labels)

    def __len__(self) -> int:
        return int(self.factors.shape[0])

    @property
    def m(self) -> int:
        return int(self.factors.shape[1])


def disruption_scenarios(instance: FacilityLocationInstance, kind: str = "single", *, design=None,
                         n_scenarios: int = 50, shock_range=(0.5, 1.0), failure_prob: float = 0.0,
                         seed=None) -> DisruptionScenarios:
    """Draw a set of disruption scenarios for ``instance``.

    Parameters
    ----------
    instance : FacilityLocationInstance
    kind : {"single", "shock"}
        ``"single"``: each facility failing alone, one scenario each, equally likely (with
        ``design``: only its open facilities).  ``"shock"``: ``n_scenarios`` samples in which every
        facility keeps a uniform random share of its capacity in ``shock_range`` and, with
        probability ``failure_prob``, fails outright.
    design : FacilityLocationResult or array of 0/1 (m,), optional
        For ``"single"``: restrict the failures to the facilities this design opens.
    n_scenarios : int
        Number of sampled scenarios (``"shock"`` only).
    shock_range : (low, high)
        The share of capacity a facility keeps under a shock, drawn uniformly in [low, high]; the
        bounds must satisfy 0 < low <= high <= 1 (a share of 0 is a failure: use ``failure_prob``).
    failure_prob : float
        Probability in [0, 1) that a facility fails outright in a ``"shock"`` scenario.
    seed : int or numpy.random.Generator
        Same seed, same scenarios.

    Examples
    --------
    >>> from casekit.optimization import FacilityLocationInstance
    >>> inst = FacilityLocationInstance([12, 12, 12], [5, 8, 6], [4, 8], [[1, 9], [6, 2], [4, 4]])
    >>> disruption_scenarios(inst, "single", design=[1, 0, 1]).factors.tolist()
    [[0.0, 1.0, 1.0], [1.0, 1.0, 0.0]]
    """
    inst = _check_instance(instance)
    kind = check_choice("kind", kind, SCENARIO_KINDS)
    m = inst.m
    if kind == "single":
        facilities = np.flatnonzero(_open_set(inst, design)) if design is not None else np.arange(m)
        factors = np.ones((facilities.size, m))
        factors[np.arange(facilities.size), facilities] = 0.0
        labels = tuple(f"facility {i} fails" for i in facilities)
        return DisruptionScenarios(factors, np.full(facilities.size, 1.0 / facilities.size), "single", labels)
    n_scenarios = check_int("n_scenarios", n_scenarios, minimum=1)
    try:
        low, high = (check_real("shock_range", v) for v in shock_range)
    except TypeError:
        raise TypeError(f"shock_range must be a pair (low, high) of numbers, got {shock_range!r}") from None
    except ValueError:
        raise ValueError(f"shock_range must be a pair (low, high) with 0 < low <= high <= 1, "
                         f"got {shock_range!r}") from None
    if not 0 < low <= high <= 1:
        raise ValueError(f"shock_range must be a pair (low, high) with 0 < low <= high <= 1 (the share of "
                         f"capacity a shocked facility keeps), got {tuple(shock_range)!r}")
    failure_prob = check_probability("failure_prob", failure_prob, open_interval=False)
    if failure_prob >= 1:
        raise ValueError(f"failure_prob must be in [0, 1), got {failure_prob!r}")
    if float(n_scenarios) * m > 50_000_000:
        raise ValueError(f"n_scenarios={n_scenarios} is too large: {n_scenarios:,} x {m} factors")
    rng = np.random.default_rng(check_seed("seed", seed))
    factors = rng.uniform(low, high, size=(n_scenarios, m))
    fails = rng.random((n_scenarios, m)) < failure_prob
    factors[fails] = 0.0
    labels = tuple(f"shock {w}" for w in range(n_scenarios))
    return DisruptionScenarios(factors, np.full(n_scenarios, 1.0 / n_scenarios), "shock", labels)


class _DisruptedFlows:
    """The flow LP with unserved demand, kept in HiGHS memory and re-solved per scenario
    (only the capacity row bounds and the x upper bounds change)."""

    def __init__(self, instance: FacilityLocationInstance, penalty: float):
        inst = self.instance = instance
        m, n = inst.m, inst.n
        self.m, self.n = m, n
        # columns: x_ij (k = i * n + j), then u_j; rows: demand j (= 1), then capacity i (<= a_i s_i y_i)
        ii, jj = np.divmod(np.arange(m * n), n)
        start = np.concatenate([np.arange(0, 2 * m * n, 2), 2 * m * n + np.arange(n + 1)]).astype(np.int32)
        index = np.empty(2 * m * n + n, dtype=np.int32)
        index[0:2 * m * n:2] = jj
        index[1:2 * m * n:2] = n + ii
        index[2 * m * n:] = np.arange(n)
        value = np.empty(2 * m * n + n)
        value[0:2 * m * n:2] = 1.0
        value[1:2 * m * n:2] = inst.demand[jj]
        value[2 * m * n:] = 1.0
        lp = highspy.HighsLp()
        lp.num_col_ = m * n + n
        lp.num_row_ = n + m
        lp.col_cost_ = np.concatenate([inst.cost.ravel(), penalty * inst.demand])
        lp.col_lower_ = np.zeros(m * n + n)
        lp.col_upper_ = np.concatenate([np.ones(m * n), np.full(n, highspy.kHighsInf)])
        lp.row_lower_ = np.concatenate([np.ones(n), np.full(m, -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([np.ones(n), inst.capacity])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        h = self._h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.passModel(lp)

    def solve(self, y: np.ndarray, factors: np.ndarray) -> tuple[float, float]:
        """(flow + penalty cost, units unserved) for open set y under capacity factors."""
        m, n, h = self.m, self.n, self._h
        yf = y.astype(float)
        h.changeColsBounds(m * n, np.arange(m * n, dtype=np.int32), np.zeros(m * n), np.repeat(yf, n))
        h.changeRowsBounds(m, np.arange(n, n + m, dtype=np.int32), np.full(m, -highspy.kHighsInf),
                           self.instance.capacity * factors * yf)
        _highs.run(h)
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:   # pragma: no cover - always feasible (u >= 0)
            raise RuntimeError(f"disrupted flow LP not solved: {h.modelStatusToString(status)}")
        u = np.asarray(h.getSolution().col_value)[m * n:]
        return float(h.getInfo().objective_function_value), float(np.maximum(u, 0.0) @ self.instance.demand)


@dataclass(frozen=True, eq=False)
class RobustnessResult:
    """How one design fares under a set of disruption scenarios.

    Attributes
    ----------
    instance : str
    open : numpy.ndarray of bool (m,)
        The design y.
    kind : str
        The scenario set's kind.
    penalty : float
        p, cost per unit of unserved demand.
    nominal_cost : float
        :math:`C_0(y)`, total cost with no disruption (fixed + flows, + penalty if the design
        cannot serve everyone).
    costs : numpy.ndarray (N,)
        :math:`C_w(y)` per scenario.
    unserved : numpy.ndarray (N,)
        Units of demand left unserved per scenario.
    prob : numpy.ndarray (N,)
        Scenario probabilities.
    labels : tuple of str
    """

    instance: str
    open: np.ndarray
    kind: str
    penalty: float
    nominal_cost: float
    costs: np.ndarray = field(repr=False)
    unserved: np.ndarray = field(repr=False)
    prob: np.ndarray = field(repr=False)
    labels: tuple = field(default=(), repr=False)

    @property
    def pct_increase(self) -> np.ndarray:
        """100 (C_w - C_0) / C_0 per scenario."""
        return 100.0 * (self.costs - self.nominal_cost) / self.nominal_cost

    @property
    def mean_pct(self) -> float:
        """Probability-weighted mean % cost increase."""
        return float(self.prob @ self.pct_increase)

    @property
    def worst_pct(self) -> float:
        """Largest % cost increase over the scenarios."""
        return float(self.pct_increase.max())

    @property
    def mean_cost(self) -> float:
        """Expected total cost under the scenarios, :math:`\\sum_w \\pi_w C_w(y)`."""
        return float(self.prob @ self.costs)

    @property
    def worst_cost(self) -> float:
        return float(self.costs.max())

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario: label, probability, cost, % increase, units unserved."""
        return pd.DataFrame({"scenario": list(self.labels), "prob": self.prob, "cost": self.costs,
                             "pct_increase": self.pct_increase, "unserved": self.unserved})

    def summary(self) -> dict:
        """The numbers a table row needs."""
        return {"n_open": int(self.open.sum()), "nominal_cost": self.nominal_cost, "n_scenarios": len(self.costs),
                "mean_pct": self.mean_pct, "worst_pct": self.worst_pct, "mean_cost": self.mean_cost,
                "worst_cost": self.worst_cost, "mean_unserved": float(self.prob @ self.unserved)}


def _check_penalty(instance, penalty) -> float:
    return default_penalty(instance) if penalty is None else check_positive("penalty", penalty)


def _check_scenarios(instance, scenarios) -> DisruptionScenarios:
    if not isinstance(scenarios, DisruptionScenarios):
        raise TypeError(f"scenarios must be DisruptionScenarios (see disruption_scenarios), "
                        f"got {type(scenarios).__name__}")
    if scenarios.m != instance.m:
        raise ValueError(f"scenarios must have one capacity factor per facility ({instance.m}), got {scenarios.m}")
    return scenarios


def evaluate_robustness(instance: FacilityLocationInstance, design, scenarios: DisruptionScenarios | str = "single",
                        *, penalty: float | None = None) -> RobustnessResult:
    """Cost of a design under each disruption scenario, flows re-optimised, design kept.

    Parameters
    ----------
    instance : FacilityLocationInstance
    design : FacilityLocationResult or array of 0/1 (m,)
        The open set y (any method's result, or the array itself); it must open a facility.
    scenarios : DisruptionScenarios or "single"
        A scenario set, or ``"single"`` for every single *open* facility of the design failing.
    penalty : float, optional
        p, cost per unit of unserved demand; default :func:`default_penalty`.

    Returns
    -------
    RobustnessResult

    Examples
    --------
    Two customers (demand 4 and 8), three facilities of capacity 12 (fixed costs 5, 8, 6).  Open
    facilities 0 and 1: undisrupted, each customer goes to its cheap facility, cost
    5 + 8 + 1 + 2 = 16.  If facility 0 fails, facility 1 serves both: 13 + 6 + 2 = 21 (+31.25 %);
    if facility 1 fails, facility 0 serves both: 13 + 1 + 9 = 23 (+43.75 %):

    >>> from casekit.optimization import FacilityLocationInstance
    >>> inst = FacilityLocationInstance([12, 12, 12], [5, 8, 6], [4, 8], [[1, 9], [6, 2], [4, 4]])
    >>> r = evaluate_robustness(inst, [1, 1, 0])
    >>> r.nominal_cost, r.costs.tolist(), r.pct_increase.tolist(), r.mean_pct
    (16.0, [21.0, 23.0], [31.25, 43.75], 37.5)
    """
    inst = _check_instance(instance)
    y = _open_set(inst, design)
    if isinstance(scenarios, str):
        if scenarios != "single":
            raise ValueError(f"scenarios must be DisruptionScenarios or 'single', got {scenarios!r}")
        scenarios = disruption_scenarios(inst, "single", design=y)
    scenarios = _check_scenarios(inst, scenarios)
    p = _check_penalty(inst, penalty)
    lp = _DisruptedFlows(inst, p)
    fixed = float(inst.fixed_cost @ y)
    nominal, _ = lp.solve(y, np.ones(inst.m))
    out = np.array([lp.solve(y, a) for a in scenarios.factors])
    return RobustnessResult(inst.name, y, scenarios.kind, p, fixed + nominal, fixed + out[:, 0], out[:, 1],
                            scenarios.prob, scenarios.labels)


def solve_stochastic_design(instance: FacilityLocationInstance, scenarios: DisruptionScenarios, *,
                            penalty: float | None = None, time_limit: float | None = 60.0,
                            gap_rel: float = 1e-6) -> FacilityLocationResult:
    """The design that minimises the expected cost over disruption scenarios (two-stage SP).

    The extensive form::

        min  sum_i f_i y_i + sum_w pi_w [ sum_ij c_ij x_ijw + p sum_j d_j u_jw ]
        s.t. sum_i x_ijw + u_jw = 1                 each customer j, scenario w
             sum_j d_j x_ijw <= a_iw s_i y_i        each facility i, scenario w
             x_ijw <= y_i                           each i, j, w (strong linking)
             y_i in {0, 1},  x, u >= 0

    solved by HiGHS (one thread) under ``time_limit`` seconds, relative gap ``gap_rel``.

    Parameters
    ----------
    instance : FacilityLocationInstance
    scenarios : DisruptionScenarios
        The sampled scenarios and their probabilities.
    penalty : float, optional
        p per unit of unserved demand (default :func:`default_penalty`).
    time_limit : float or None
        Seconds; a stop on the limit returns the incumbent with ``proven_optimal=False`` and its gap.

    Returns
    -------
    FacilityLocationResult
        ``method="stochastic-milp"``; ``objective`` is the expected total cost of the returned
        design over ``scenarios``, recomputed by :func:`evaluate_robustness`; ``assignment`` is None
        (there is one flow per scenario).  Refused up front (ValueError with the size) above
        :data:`MAX_STOCHASTIC_VARIABLES` variables.

    Examples
    --------
    Undisrupted, facility 2 alone is cheapest (6 + 4 + 4 = 14; facility 0 alone costs
    5 + 1 + 9 = 15).  If facility 2 fails half the time, all 12 units go unserved then
    (p = 3 per unit: 6 + 36 = 42), an expected 28; facility 0 alone costs 15 either way:

    >>> from casekit.optimization import FacilityLocationInstance
    >>> inst = FacilityLocationInstance([12, 12, 12], [5, 8, 6], [4, 8], [[1, 9], [6, 2], [4, 4]])
    >>> sc = DisruptionScenarios([[1, 1, 1], [1, 1, 0]], [0.5, 0.5])
    >>> res = solve_stochastic_design(inst, sc)
    >>> res.open.astype(int).tolist(), res.objective, res.proven_optimal
    ([1, 0, 0], 15.0, True)
    """
    inst = _check_instance(instance)
    scenarios = _check_scenarios(inst, scenarios)
    p = _check_penalty(inst, penalty)
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    gap_rel = check_real("gap_rel", gap_rel)
    if not 0 <= gap_rel < 1:
        raise ValueError(f"gap_rel must be in [0, 1), got {gap_rel!r}")
    m, n, N = inst.m, inst.n, len(scenarios)
    size = m + N * (m * n + n)
    if size > MAX_STOCHASTIC_VARIABLES:
        raise ValueError(f"scenarios of size {N} are too many for a {m} x {n} instance: the extensive form would "
                         f"have {size:,} variables (casekit refuses more than {MAX_STOCHASTIC_VARIABLES:,}); use "
                         "fewer scenarios or a smaller instance")
    t0 = time.perf_counter()
    # columns: y_i (m), then per scenario w: x_wij (m n), u_wj (n)
    nx = m * n + n
    col_cost = np.concatenate([inst.fixed_cost] + [
        scenarios.prob[w] * np.concatenate([inst.cost.ravel(), p * inst.demand]) for w in range(N)])
    ncol = m + N * nx
    col_upper = np.concatenate([np.ones(m)] + [np.concatenate([np.ones(m * n), np.full(n, highspy.kHighsInf)])] * N)
    # rows (triplets): demand (N n, = 1), capacity (N m, <= 0), linking (N m n, <= 0)
    w_, i_, j_ = np.meshgrid(np.arange(N), np.arange(m), np.arange(n), indexing="ij")
    w_, i_, j_ = w_.ravel(), i_.ravel(), j_.ravel()
    xcol = m + w_ * nx + i_ * n + j_
    ucol = m + np.repeat(np.arange(N), n) * nx + m * n + np.tile(np.arange(n), N)
    dem_row_x = w_ * n + j_
    dem_row_u = np.arange(N * n)
    cap0 = N * n
    cap_row_x = cap0 + w_ * m + i_
    cap_row_y = cap0 + np.arange(N * m)
    link0 = cap0 + N * m
    link_row = link0 + np.arange(N * m * n)
    rows = np.concatenate([dem_row_x, dem_row_u, cap_row_x, cap_row_y, link_row, link_row])
    cols = np.concatenate([xcol, ucol, xcol, np.tile(np.arange(m), N), xcol, i_])
    vals = np.concatenate([np.ones(xcol.size), np.ones(ucol.size), inst.demand[j_],
                           -(scenarios.factors * inst.capacity).ravel(), np.ones(xcol.size), -np.ones(xcol.size)])
    nrow = link0 + N * m * n
    order = np.lexsort((rows, cols))
    rows, cols, vals = rows[order], cols[order], vals[order]
    start = np.searchsorted(cols, np.arange(ncol + 1)).astype(np.int32)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = ncol, nrow
    lp.col_cost_ = col_cost
    lp.col_lower_ = np.zeros(ncol)
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.concatenate([np.ones(N * n), np.full(nrow - N * n, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.ones(N * n), np.zeros(nrow - N * n)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = vals
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * (N * nx)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", gap_rel)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    h.passModel(lp)
    _highs.run(h)
    status = h.getModelStatus()
    info = h.getInfo()
    runtime = time.perf_counter() - t0
    words = h.modelStatusToString(status)
    if info.primal_solution_status != 2:   # no feasible incumbent
        return FacilityLocationResult("stochastic-milp", inst.name, float("inf"), np.zeros(m, dtype=bool), None,
                                      False, float(info.mip_dual_bound), None, runtime, words)
    y = np.asarray(h.getSolution().col_value)[:m] > 0.5
    proven = status == highspy.HighsModelStatus.kOptimal
    objective = evaluate_robustness(inst, y, scenarios, penalty=p).mean_cost if y.any() else float("inf")
    lower = float(info.mip_dual_bound)
    gap = max(0.0, (objective - lower) / abs(objective)) if np.isfinite(lower) and np.isfinite(objective) else None
    return FacilityLocationResult("stochastic-milp", inst.name, objective, y, None, bool(proven), lower, gap,
                                  runtime, words)


def compare_robustness(instance: FacilityLocationInstance, designs: Mapping[str, object],
                       scenarios: Mapping[str, DisruptionScenarios | str], *,
                       penalty: float | None = None) -> pd.DataFrame:
    """Evaluate several designs on the same scenario sets; one tidy row per (design, scenario set).

    Parameters
    ----------
    designs : mapping name -> design (a result or a 0/1 array)
    scenarios : mapping label -> DisruptionScenarios or "single"
        ``"single"`` evaluates each design on the failures of its own open facilities.

    Returns
    -------
    pandas.DataFrame
        Columns ``design, scenarios, n_open, nominal_cost, nominal_vs_best_pct`` (the design's
        undisrupted cost above the cheapest design's, in %), ``n_scenarios, mean_pct, worst_pct,
        mean_cost, worst_cost, mean_unserved`` (see :class:`RobustnessResult`).  Designs with the
        same open set are evaluated once.
    """
    inst = _check_instance(instance)
    p = _check_penalty(inst, penalty)
    if not designs:
        raise ValueError("designs must name at least one design")
    if not scenarios:
        raise ValueError("scenarios must name at least one scenario set")
    rows, done = [], {}
    for name, design in designs.items():
        y = _open_set(inst, design)
        for label, sc in scenarios.items():
            key = (y.tobytes(), label)      # methods that found the same design share its evaluation
            if key not in done:
                done[key] = evaluate_robustness(inst, y, sc, penalty=p).summary()
            rows.append({"design": name, "scenarios": label, **done[key]})
    df = pd.DataFrame(rows)
    best = df["nominal_cost"].min()
    df.insert(4, "nominal_vs_best_pct", 100.0 * (df["nominal_cost"] - best) / best)
    df.attrs["penalty"] = p
    return df
