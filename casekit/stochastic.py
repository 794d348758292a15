"""Two-stage stochastic programming for stock positioning, with sample-average approximation.

The paper "Hybrid Optimization Framework for Multi-Echelon Inventory Control Integrating Stochastic
Demand, Lead Time Uncertainty, and Real-Time Data Analytics" places inventory with stochastic
programming modules that see demand and lead-time scenarios explicitly.  This module is a small,
complete version of that idea.

The model
---------
Sites i = 1..m may be opened (binary ``y_i``, fixed cost ``f_i``) and stocked with ``k_i`` modules
of ``u`` units each (integer, ``0 <= k_i <= K_i y_i``, holding cost ``h_i`` per unit): the
**first stage**, decided before the period starts.  Then a scenario w is revealed:

* the demand ``d_jw`` of each customer j = 1..n,
* whether each site is available, ``a_iw`` in {0, 1} (a disruption closes it for the period),
* each site's replenishment lead time ``L_iw``; a site open for the period (length ``T``) receives
  resupply at rate ``r_i`` once its lead time has passed, ``q_iw = r_i max(0, T - L_iw)`` units.

In the **second stage** the sites ship ``x_ijw >= 0`` (cost ``c_ij`` per unit) and unmet demand
``s_jw >= 0`` costs ``p_j`` per unit::

    min  sum_i (f_i y_i + h_i u k_i) + sum_w pi_w [ sum_ij c_ij x_ijw + sum_j p_j s_jw ]
    s.t. sum_i x_ijw + s_jw = d_jw                        (demand of j met or short, each w)
         sum_j x_ijw <= a_iw (u k_i + q_iw y_i)           (what site i holds or receives, each w)
         k_i <= K_i y_i,  y_i in {0,1},  k_i integer

With the scenarios written out this is one MILP, the **extensive form** (:func:`solve_extensive`).

Sample-average approximation (Kleywegt, Shapiro & Homem-de-Mello 2002; Mak, Morton & Wood 1999):
the true distribution is replaced by N sampled scenarios of probability 1/N.  Its optimum is a
biased-low estimate of the true optimum ``z*``, so the mean of M independent SAA optima is a
statistical **lower bound**; the cost of one chosen design evaluated on a large fresh sample is an
unbiased estimate of a feasible design's cost, an **upper bound**.  Their difference estimates the
optimality gap (:func:`saa_gap`).

Two classical values (Birge & Louveaux, *Introduction to Stochastic Programming*, 2nd ed., §4.1-4.2):
``VSS = EEV - RP`` (what planning for the scenarios saves over planning for the average) and
``EVPI = RP - WS`` (what knowing the scenario in advance would save), :func:`value_of_information`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pulp
from scipy import sparse, stats
from scipy.optimize import linprog

from casekit.optimization import _highs
from casekit.validate import (check_array, check_int, check_nonnegative, check_positive,
                              check_probability, check_seed)

__all__ = [
    "StockPositioningInstance",
    "Scenarios",
    "Design",
    "StochasticSolution",
    "SAAResult",
    "ValueOfInformation",
    "chapter_example",
    "sample_scenarios",
    "expected_scenario",
    "solve_extensive",
    "evaluate_design",
    "saa_gap",
    "value_of_information",
    "StockPlacement",
    "place_stock",
    "MAX_MILP_VARIABLES",
    "MAX_LP_VARIABLES",
]

#: The largest extensive form casekit sets out to solve (variables): seconds, not hours.
MAX_MILP_VARIABLES = 50_000
#: The largest second-stage evaluation LP (all scenarios at once) casekit sets out to solve.
MAX_LP_VARIABLES = 2_000_000


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class StockPositioningInstance:
    """Sites, customers, costs and the scenario distribution of the two-stage model.

    Attributes (m sites, n customers)
    ---------------------------------
    fixed_cost : (m,) ``f_i``, cost of opening site i for the period.
    holding_cost : (m,) ``h_i``, cost per unit of stock placed at site i.
    module : ``u``, units per stock module.
    max_modules : (m,) ``K_i``, the most modules site i can hold.
    transport_cost : (m, n) ``c_ij`` per unit shipped.
    penalty : (n,) ``p_j`` per unit of unmet demand.
    demand_mean, demand_cv : (n,) mean and coefficient of variation of ``d_j`` (gamma distributed).
    disruption_prob : (m,) probability that site i is unavailable for the period.
    lead_time_mean, lead_time_cv : (m,) mean (days) and cv of ``L_i`` (gamma distributed).
    resupply_rate : (m,) ``r_i``, units per day arriving once the lead time has passed.
    period : ``T``, days in the period.
    """

    fixed_cost: np.ndarray
    holding_cost: np.ndarray
    module: float
    max_modules: np.ndarray
    transport_cost: np.ndarray
    penalty: np.ndarray
    demand_mean: np.ndarray
    demand_cv: np.ndarray
    disruption_prob: np.ndarray
    lead_time_mean: np.ndarray
    lead_time_cv: np.ndarray
    resupply_rate: np.ndarray
    period: float
    name: str = "stock-positioning"

    def __post_init__(self):
        m_sites = np.asarray(self.fixed_cost).size
        set_ = object.__setattr__
        for attr in ("fixed_cost", "holding_cost", "disruption_prob", "lead_time_mean", "lead_time_cv",
                     "resupply_rate"):
            arr = check_array(attr, getattr(self, attr), ndim=1, nonnegative=True, min_size=1)
            if arr.size != m_sites:
                raise ValueError(f"{attr} must have one entry per site ({m_sites}), got {arr.size}")
            set_(self, attr, arr)
        km = check_array("max_modules", self.max_modules, ndim=1, nonnegative=True)
        if km.size != m_sites or (km != np.round(km)).any():
            raise ValueError(f"max_modules must hold {m_sites} whole numbers >= 0, got {km.tolist()}")
        set_(self, "max_modules", km.astype(int))
        if (self.disruption_prob >= 1).any():
            raise ValueError(f"disruption_prob must be < 1, got {self.disruption_prob.tolist()}")
        pen = check_array("penalty", self.penalty, ndim=1, nonnegative=True, min_size=1)
        n_cust = pen.size
        set_(self, "penalty", pen)
        for attr in ("demand_mean", "demand_cv"):
            arr = check_array(attr, getattr(self, attr), ndim=1, nonnegative=True)
            if arr.size != n_cust:
                raise ValueError(f"{attr} must have one entry per customer ({n_cust}), got {arr.size}")
            set_(self, attr, arr)
        c = check_array("transport_cost", self.transport_cost, ndim=2, nonnegative=True)
        if c.shape != (m_sites, n_cust):
            raise ValueError(f"transport_cost must have shape (sites, customers) = ({m_sites}, {n_cust}), "
                             f"got {c.shape}")
        set_(self, "transport_cost", c)
        set_(self, "module", check_positive("module", self.module))
        set_(self, "period", check_positive("period", self.period))

    @property
    def m(self) -> int:
        return int(self.fixed_cost.size)

    @property
    def n(self) -> int:
        return int(self.penalty.size)


@dataclass(frozen=True)
class Scenarios:
    """N scenarios of the second stage and their probabilities.

    ``demand`` (N, n) is ``d_jw``; ``available`` (N, m) is ``a_iw`` in {0, 1}; ``resupply`` (N, m)
    is ``q_iw``, units a site receives during the period; ``prob`` (N,) sums to 1.
    """

    demand: np.ndarray
    available: np.ndarray
    resupply: np.ndarray
    prob: np.ndarray

    def __post_init__(self):
        d = check_array("demand", self.demand, ndim=2, nonnegative=True, min_size=1)
        a = check_array("available", self.available, ndim=2, nonnegative=True)
        q = check_array("resupply", self.resupply, ndim=2, nonnegative=True)
        p = check_array("prob", self.prob, ndim=1, nonnegative=True)
        if a.shape != q.shape or a.shape[0] != d.shape[0] or p.size != d.shape[0]:
            raise ValueError(f"scenario arrays disagree: demand {d.shape}, available {a.shape}, "
                             f"resupply {q.shape}, prob {p.shape}")
        if abs(p.sum() - 1.0) > 1e-9:
            raise ValueError(f"prob must sum to 1, got {p.sum()!r}")
        for k, v in (("demand", d), ("available", a), ("resupply", q), ("prob", p)):
            object.__setattr__(self, k, v)

    def __len__(self) -> int:
        return int(self.prob.size)

    def draw(self, n_scenarios: int, seed=None) -> "Scenarios":
        """``n_scenarios`` scenarios drawn with replacement from these, by their probabilities
        (sampling from a finite distribution), each of probability 1/``n_scenarios``."""
        n_scenarios = check_int("n_scenarios", n_scenarios, minimum=1)
        rng = np.random.default_rng(check_seed("seed", seed))
        idx = rng.choice(len(self), size=n_scenarios, p=self.prob)
        return Scenarios(self.demand[idx], self.available[idx], self.resupply[idx],
                         np.full(n_scenarios, 1.0 / n_scenarios))


@dataclass(frozen=True)
class Design:
    """A first-stage decision: which sites are open (``open``) and how many modules each holds."""

    open: np.ndarray
    modules: np.ndarray

    def stock(self, instance: StockPositioningInstance) -> np.ndarray:
        """Units placed at each site, ``u k_i``."""
        return instance.module * self.modules

    def first_stage_cost(self, instance: StockPositioningInstance) -> float:
        """``sum_i f_i y_i + h_i u k_i``."""
        return float(instance.fixed_cost @ self.open + instance.holding_cost @ self.stock(instance))


@dataclass(frozen=True)
class StochasticSolution:
    """The optimum of an extensive form.

    ``objective`` = ``first_stage_cost + expected_recourse``, both recomputed from the data;
    ``proven_optimal`` is True only when HiGHS proved optimality (PuLP ``sol_status == 1``).
    """

    design: Design
    objective: float
    first_stage_cost: float
    expected_recourse: float
    proven_optimal: bool
    n_scenarios: int
    runtime: float
    status: str


@dataclass(frozen=True)
class SAAResult:
    """Sample-average approximation with an optimality-gap estimate (Mak, Morton & Wood 1999).

    ``lower`` is the mean of the ``replications`` SAA optima ``v_1..v_M`` (E v_N <= z*), with the
    two-sided ``confidence`` t-interval ``lower_ci``; ``upper`` is the chosen ``design``'s mean cost on
    a fresh sample of ``n_evaluation`` scenarios, with its interval ``upper_ci``.  ``gap = upper -
    lower``; ``gap_bound = upper_ci[1] - lower_ci[0]`` is a conservative bound on the true gap.
    """

    design: Design
    lower: float
    lower_ci: tuple
    upper: float
    upper_ci: tuple
    gap: float
    gap_bound: float
    replication_optima: np.ndarray
    n_scenarios: int
    n_evaluation: int
    confidence: float
    runtime: float


@dataclass(frozen=True)
class ValueOfInformation:
    """RP, EEV, WS on one scenario sample, and ``VSS = EEV - RP``, ``EVPI = RP - WS``.

    ``rp`` is the stochastic (recourse) problem's optimum, ``eev`` the cost of the expected-value
    design ``ev_design`` (planned for the average scenario) on the same scenarios, ``ws`` the mean of
    the per-scenario optima (wait-and-see).  On one sample ``WS <= RP <= EEV`` always holds.
    """

    rp: float
    eev: float
    ws: float
    vss: float
    evpi: float
    sp_design: Design
    ev_design: Design
    n_scenarios: int


# ----------------------------------------------------------------------------- the chapter example
def chapter_example() -> StockPositioningInstance:
    """Three candidate sites (a central warehouse, two regional depots) serving four store groups
    over a 30-day period; stock in modules of 50 units.

    >>> inst = chapter_example(); (inst.m, inst.n)
    (3, 4)
    """
    return StockPositioningInstance(
        fixed_cost=np.array([900.0, 600.0, 600.0]),
        holding_cost=np.array([2.0, 3.0, 3.0]),
        module=50.0,
        max_modules=np.array([12, 6, 6]),
        transport_cost=np.array([[4.0, 5.0, 6.0, 7.0],
                                 [2.0, 3.0, 8.0, 9.0],
                                 [9.0, 8.0, 3.0, 2.0]]),
        penalty=np.array([25.0, 25.0, 25.0, 25.0]),
        demand_mean=np.array([120.0, 90.0, 100.0, 80.0]),
        demand_cv=np.array([0.3, 0.4, 0.3, 0.5]),
        disruption_prob=np.array([0.05, 0.15, 0.15]),
        lead_time_mean=np.array([20.0, 12.0, 12.0]),
        lead_time_cv=np.array([0.3, 0.5, 0.5]),
        resupply_rate=np.array([10.0, 4.0, 4.0]),
        period=30.0,
        name="chapter-example",
    )


def _gamma(rng, mean, cv, size):
    mean = np.broadcast_to(mean, size)
    cv = np.broadcast_to(cv, size)
    out = mean.astype(float).copy()
    random = (cv > 0) & (mean > 0)
    shape = 1.0 / cv[random] ** 2
    out[random] = rng.gamma(shape, mean[random] / shape)
    return out


def sample_scenarios(instance: StockPositioningInstance, n_scenarios: int, seed=None) -> Scenarios:
    """``n_scenarios`` independent scenarios of the instance's distribution, each of probability
    1/N: gamma demands, Bernoulli availabilities, gamma lead times turned into resupply
    ``q_iw = r_i max(0, T - L_iw)``.  Same seed, same scenarios."""
    n_scenarios = check_int("n_scenarios", n_scenarios, minimum=1)
    inst = instance
    n_variables = n_scenarios * (inst.m * inst.n + inst.n)
    if n_variables > MAX_LP_VARIABLES:
        raise ValueError(f"n_scenarios={n_scenarios} is too large: {n_variables:,} second-stage variables "
                         f"(casekit refuses more than {MAX_LP_VARIABLES:,})")
    rng = np.random.default_rng(check_seed("seed", seed))
    demand = _gamma(rng, inst.demand_mean, inst.demand_cv, (n_scenarios, inst.n))
    available = (rng.random((n_scenarios, inst.m)) >= inst.disruption_prob).astype(float)
    lead = _gamma(rng, inst.lead_time_mean, inst.lead_time_cv, (n_scenarios, inst.m))
    resupply = inst.resupply_rate * np.maximum(0.0, inst.period - lead)
    return Scenarios(demand, available, resupply, np.full(n_scenarios, 1.0 / n_scenarios))


def expected_scenario(instance: StockPositioningInstance, scenarios: Scenarios | None = None) -> Scenarios:
    """The single average scenario of the expected-value problem: mean demand, mean availability
    (a fraction: the expected share of capacity usable) and mean resupply, from ``scenarios`` when
    given (their probability-weighted means), else from a 100 000-draw sample of the instance."""
    if scenarios is None:
        scenarios = sample_scenarios(instance, 100_000, seed=0)
    p = scenarios.prob
    return Scenarios((p @ scenarios.demand)[None], (p @ scenarios.available)[None],
                     (p @ scenarios.resupply)[None], np.ones(1))


# ----------------------------------------------------------------------------- the extensive form
def _check_pair(instance, scenarios):
    if not isinstance(instance, StockPositioningInstance):
        raise TypeError(f"instance must be a StockPositioningInstance, got {type(instance).__name__}")
    if not isinstance(scenarios, Scenarios):
        raise TypeError(f"scenarios must be a Scenarios object, got {type(scenarios).__name__}")
    if scenarios.demand.shape[1] != instance.n or scenarios.available.shape[1] != instance.m:
        raise ValueError(f"scenarios are for {scenarios.available.shape[1]} sites and {scenarios.demand.shape[1]} "
                         f"customers, the instance has {instance.m} and {instance.n}")


def solve_extensive(instance: StockPositioningInstance, scenarios: Scenarios, *, time_limit: float | None = 60.0,
                    gap_rel: float = 1e-9, threads: int = 1, msg: bool = False) -> StochasticSolution:
    """Solve the extensive form over ``scenarios`` with HiGHS (through PuLP).

    Parameters
    ----------
    instance : StockPositioningInstance
    scenarios : Scenarios
        The scenario set and probabilities ``pi_w`` (a SAA sample has ``pi_w = 1/N``).
    time_limit, gap_rel, threads, msg
        As in :func:`casekit.optimization.solve_milp`; ``threads=1`` keeps runs reproducible.

    Returns
    -------
    StochasticSolution
        Refused up front (ValueError with the size) above :data:`MAX_MILP_VARIABLES` variables.

    Examples
    --------
    >>> inst = chapter_example()
    >>> sol = solve_extensive(inst, sample_scenarios(inst, 20, seed=1))
    >>> sol.proven_optimal, bool(sol.objective > sol.first_stage_cost > 0)
    (True, True)
    """
    _check_pair(instance, scenarios)
    inst = instance
    m, n, N = inst.m, inst.n, len(scenarios)
    size = 2 * m + N * (m * n + n)
    if size > MAX_MILP_VARIABLES:
        raise ValueError(f"scenarios of size {N} are too many: the extensive form would have {size:,} variables "
                         f"(casekit refuses more than {MAX_MILP_VARIABLES:,}); use fewer scenarios")
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    t0 = time.perf_counter()
    prob = pulp.LpProblem(f"sp_{inst.name}", pulp.LpMinimize)
    y = [prob.add_variable(f"y_{i}", cat=pulp.LpBinary) for i in range(m)]
    k = [prob.add_variable(f"k_{i}", lowBound=0, upBound=int(inst.max_modules[i]), cat=pulp.LpInteger)
         for i in range(m)]
    x = [[[prob.add_variable(f"x_{w}_{i}_{j}", lowBound=0) for j in range(n)] for i in range(m)] for w in range(N)]
    s = [[prob.add_variable(f"s_{w}_{j}", lowBound=0) for j in range(n)] for w in range(N)]
    terms = [(y[i], float(inst.fixed_cost[i])) for i in range(m)]
    terms += [(k[i], float(inst.holding_cost[i] * inst.module)) for i in range(m)]
    for w in range(N):
        pw = float(scenarios.prob[w])
        terms += [(x[w][i][j], pw * float(inst.transport_cost[i, j])) for i in range(m) for j in range(n)]
        terms += [(s[w][j], pw * float(inst.penalty[j])) for j in range(n)]
    prob += pulp.LpAffineExpression(terms)
    for i in range(m):
        prob += k[i] - int(inst.max_modules[i]) * y[i] <= 0, f"open_to_stock_{i}"
    for w in range(N):
        for j in range(n):
            prob += (pulp.LpAffineExpression([(x[w][i][j], 1.0) for i in range(m)] + [(s[w][j], 1.0)])
                     == float(scenarios.demand[w, j]), f"demand_{w}_{j}")
        for i in range(m):
            a, q = float(scenarios.available[w, i]), float(scenarios.resupply[w, i])
            prob += (pulp.LpAffineExpression([(x[w][i][j], 1.0) for j in range(n)]
                                             + [(k[i], -a * inst.module), (y[i], -a * q)]) <= 0,
                     f"capacity_{w}_{i}")
    engine = _HiGHS(msg=msg, timeLimit=time_limit, gapRel=gap_rel, threads=threads)
    prob.solve(engine)
    runtime = time.perf_counter() - t0
    status = f"{pulp.LpStatus[prob.status]} / {pulp.LpSolution[prob.sol_status]}"
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        raise RuntimeError(f"HiGHS found no solution of the extensive form ({status})")
    design = Design(np.array([v.varValue > 0.5 for v in y], dtype=int),
                    np.array([int(round(v.varValue or 0.0)) for v in k]))
    # the objective of the returned design, recomputed from the data: recourse re-solved exactly
    recourse = evaluate_design(inst, design, scenarios)
    first = design.first_stage_cost(inst)
    return StochasticSolution(design, first + float(scenarios.prob @ recourse), first,
                              float(scenarios.prob @ recourse), prob.sol_status == pulp.LpSolutionOptimal,
                              N, runtime, status)


class _HiGHS(pulp.HiGHS):
    """PuLP's in-memory HiGHS, run through casekit's guard against a foreign thread scheduler."""

    def callSolver(self, lp):
        _highs.run(lp.solverModel)


# ----------------------------------------------------------------------------- the second stage
def evaluate_design(instance: StockPositioningInstance, design: Design, scenarios: Scenarios) -> np.ndarray:
    """The second-stage (recourse) cost of a fixed design in each scenario, shape (N,).

    Given ``y`` and ``k`` the scenarios decouple into N transportation problems with shortage; they
    are solved together as one block-diagonal LP (scipy's HiGHS), exactly.
    """
    _check_pair(instance, scenarios)
    if not isinstance(design, Design):
        raise TypeError(f"design must be a Design, got {type(design).__name__}")
    inst = instance
    m, n, N = inst.m, inst.n, len(scenarios)
    nv = m * n + n
    if N * nv > MAX_LP_VARIABLES:
        raise ValueError(f"scenarios of size {N} are too many: the evaluation LP would have {N * nv:,} variables "
                         f"(casekit refuses more than {MAX_LP_VARIABLES:,})")
    cap = scenarios.available * (inst.module * design.modules + scenarios.resupply * design.open)  # (N, m)
    # one scenario's rows: x ordered (i, j) then shortages s_j
    a_eq = np.hstack([np.tile(np.eye(n), m), np.eye(n)])                           # sum_i x_ij + s_j = d_j
    a_ub = np.hstack([np.kron(np.eye(m), np.ones((1, n))), np.zeros((m, n))])      # sum_j x_ij <= cap_i
    eye = sparse.identity(N, format="csr")
    cost = np.concatenate([inst.transport_cost.ravel(), inst.penalty])
    res = linprog(np.tile(cost, N), A_ub=sparse.kron(eye, a_ub, format="csr"), b_ub=cap.ravel(),
                  A_eq=sparse.kron(eye, a_eq, format="csr"), b_eq=scenarios.demand.ravel(),
                  bounds=(0, None), method="highs")
    if res.status != 0:
        raise RuntimeError(f"the second-stage LP failed: {res.message}")
    return (res.x.reshape(N, nv) * cost).sum(axis=1)


# ----------------------------------------------------------------------------- SAA and its gap
def _t_interval(values, confidence):
    values = np.asarray(values, float)
    mean = float(values.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size))
    return mean, (mean - half, mean + half)


def saa_gap(instance: StockPositioningInstance, n_scenarios: int = 30, replications: int = 10,
            n_evaluation: int = 5000, *, distribution: Scenarios | None = None, confidence: float = 0.95,
            seed=None) -> SAAResult:
    """Sample-average approximation with the optimality-gap estimate.

    Solve M = ``replications`` extensive forms, each on its own sample of N = ``n_scenarios``
    scenarios: their mean optimum is the lower-bound estimate (with a t-interval, M - 1 degrees of
    freedom).  The design of the first replication is then costed on a fresh sample of
    ``n_evaluation`` scenarios: the upper-bound estimate (with its t-interval).

    Parameters
    ----------
    distribution : Scenarios, optional
        Sample from this finite distribution (its scenarios and probabilities) instead of the
        instance's continuous one; with it the true optimum can be computed exactly.
    seed
        Seeds every sample (replications and evaluation draw from independent streams).

    Examples
    --------
    >>> res = saa_gap(chapter_example(), n_scenarios=10, replications=3, n_evaluation=500, seed=0)
    >>> bool(res.lower_ci[0] <= res.lower <= res.upper_ci[1])
    True
    """
    n_scenarios = check_int("n_scenarios", n_scenarios, minimum=2)
    replications = check_int("replications", replications, minimum=2)
    n_evaluation = check_int("n_evaluation", n_evaluation, minimum=2)
    confidence = check_probability("confidence", confidence)
    if distribution is not None and not isinstance(distribution, Scenarios):
        raise TypeError(f"distribution must be a Scenarios object or None, got {type(distribution).__name__}")
    if not isinstance(instance, StockPositioningInstance):
        raise TypeError(f"instance must be a StockPositioningInstance, got {type(instance).__name__}")
    # refuse up front what the solves below would refuse only after minutes of work
    per_scenario = instance.m * instance.n + instance.n
    if 2 * instance.m + n_scenarios * per_scenario > MAX_MILP_VARIABLES:
        raise ValueError(f"n_scenarios={n_scenarios} is too large: each extensive form would have "
                         f"{2 * instance.m + n_scenarios * per_scenario:,} variables (casekit refuses more than "
                         f"{MAX_MILP_VARIABLES:,})")
    if n_evaluation * per_scenario > MAX_LP_VARIABLES:
        raise ValueError(f"n_evaluation={n_evaluation} is too large: the evaluation LP would have "
                         f"{n_evaluation * per_scenario:,} variables (casekit refuses more than {MAX_LP_VARIABLES:,})")
    t0 = time.perf_counter()
    seed = check_seed("seed", seed)
    if isinstance(seed, np.random.Generator):
        seed = np.random.SeedSequence(int(seed.integers(2**63)))
    elif not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(seed)
    streams = seed.spawn(replications + 1)

    def draw(size, stream):
        if distribution is None:
            return sample_scenarios(instance, size, seed=np.random.default_rng(stream))
        return distribution.draw(size, seed=np.random.default_rng(stream))

    sols = [solve_extensive(instance, draw(n_scenarios, streams[r])) for r in range(replications)]
    if not all(s.proven_optimal for s in sols):
        raise RuntimeError("an SAA replication was not solved to proven optimality; its value is no lower bound")
    optima = np.array([s.objective for s in sols])
    lower, lower_ci = _t_interval(optima, confidence)
    design = sols[0].design
    fresh = draw(n_evaluation, streams[-1])
    costs = design.first_stage_cost(instance) + evaluate_design(instance, design, fresh)
    upper, upper_ci = _t_interval(costs, confidence)
    return SAAResult(design, lower, lower_ci, upper, upper_ci, upper - lower, upper_ci[1] - lower_ci[0],
                     optima, n_scenarios, n_evaluation, confidence, time.perf_counter() - t0)


def value_of_information(instance: StockPositioningInstance, n_scenarios: int = 50, *, seed=None,
                         scenarios: Scenarios | None = None) -> ValueOfInformation:
    """VSS and EVPI on one scenario sample (``scenarios``, or ``n_scenarios`` drawn with ``seed``).

    * RP: the extensive form's optimum on the sample;
    * EEV: the design that is optimal for the single average scenario (:func:`expected_scenario`
      of the sample), costed on the sample;
    * WS: each scenario solved with its own best design, averaged.

    ``VSS = EEV - RP >= 0`` and ``EVPI = RP - WS >= 0`` (Birge & Louveaux §4.2).

    Examples
    --------
    >>> v = value_of_information(chapter_example(), 10, seed=2)
    >>> bool(v.vss >= 0 and v.evpi >= 0)
    True
    """
    if scenarios is None:
        n_scenarios = check_int("n_scenarios", n_scenarios, minimum=2)
        scenarios = sample_scenarios(instance, n_scenarios, seed=seed)
    _check_pair(instance, scenarios)
    if len(scenarios) < 2:
        raise ValueError(f"scenarios must hold at least 2 scenarios, got {len(scenarios)}")
    rp = solve_extensive(instance, scenarios)
    ev = solve_extensive(instance, expected_scenario(instance, scenarios))
    if not (rp.proven_optimal and ev.proven_optimal):
        raise RuntimeError("the recourse or expected-value problem was not solved to proven optimality")
    eev = ev.design.first_stage_cost(instance) + float(scenarios.prob @ evaluate_design(instance, ev.design, scenarios))
    ws_each = []
    for w in range(len(scenarios)):
        one = Scenarios(scenarios.demand[w:w + 1], scenarios.available[w:w + 1], scenarios.resupply[w:w + 1],
                        np.ones(1))
        ws_each.append(solve_extensive(instance, one))
        if not ws_each[-1].proven_optimal:
            raise RuntimeError(f"scenario {w} was not solved to proven optimality; WS would be no bound")
    ws = float(scenarios.prob @ np.array([sol.objective for sol in ws_each]))
    return ValueOfInformation(rp.objective, eev, ws, eev - rp.objective, rp.objective - ws, rp.design, ev.design,
                              len(scenarios))


# ----------------------------------------------------------------------------- a lever: stock per node
@dataclass(frozen=True)
class StockPlacement:
    """Units of stock per node chosen by the two-stage model (:func:`place_stock`).

    ``stock`` (units, one per node, in ``nodes`` order), the SAA ``objective`` (holding cost of the
    stock plus expected transfer and shortage cost over the scenarios), ``proven_optimal``
    (HiGHS proved it: PuLP ``sol_status == 1``), and the ``instance`` and ``scenarios`` solved.
    """

    nodes: tuple
    stock: np.ndarray
    objective: float
    proven_optimal: bool
    period: float
    instance: StockPositioningInstance = field(repr=False)
    scenarios: Scenarios = field(repr=False)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"stock": self.stock}, index=pd.Index(self.nodes, name="node"))


def place_stock(demand_mean, holding_cost, shortage_cost, *, demand_cv=0.3, lead_time_mean=1.0, lead_time_cv=0.0,
                disruption_prob=0.0, period: float | None = None, transfer_cost: float | None = None,
                module: float = 1.0, nodes=None, scenarios: Scenarios | None = None, n_scenarios: int = 30,
                seed=None, time_limit: float = 30.0) -> StockPlacement:
    """How much stock each node should hold, positioned by the two-stage stochastic programme.

    Each of the m nodes holds stock ``S_i`` (first stage, whole ``module`` s) before a period of
    ``T`` days whose demand, lead times and disruptions are uncertain; in each scenario it then
    serves its own demand (and, with ``transfer_cost``, other nodes' at that cost per unit), is
    resupplied at its mean daily demand once its lead time has passed, ``q_iw = mu_i max(0, T -
    L_iw)`` (nothing when disrupted), and pays ``shortage_cost`` per unit short.  This is
    :func:`solve_extensive` on an instance with m sites = m customers and no fixed costs, solved
    on ``scenarios`` or on ``n_scenarios`` sampled with ``seed`` (SAA).

    Parameters
    ----------
    demand_mean : (m,) mean demand per day at each node.
    holding_cost : (m,) ``h_i`` per unit of stock placed (for the period).
    shortage_cost : (m,) ``p_i`` per unit short.
    demand_cv : float or (m,) coefficient of variation of a period's demand (gamma).
    lead_time_mean, lead_time_cv : float or (m,) replenishment lead time (days; gamma).
    disruption_prob : float or (m,) probability that a node receives nothing in the period.
    period : ``T`` in days; default the longest mean lead time (at least 1 day).
    transfer_cost : per unit moved between nodes; ``None``: none are moved.
    module : stock is placed in whole multiples of this many units.
    nodes : names of the nodes (default 0..m-1).

    Returns
    -------
    StockPlacement
        ``stock`` per node; refused with a ``ValueError`` naming the parameter and the size when
        the extensive form would exceed :data:`MAX_MILP_VARIABLES` variables; ``RuntimeError``
        when HiGHS finds no solution within ``time_limit`` seconds.

    Examples
    --------
    One node, certain lead time equal to the period (no resupply in it): the SAA newsvendor.

    >>> res = place_stock([10.0], [1.0], [4.0], demand_cv=0.3, lead_time_mean=5, seed=0, n_scenarios=40)
    >>> res.proven_optimal, res.period, res.stock.shape
    (True, 5.0, (1,))
    """
    mu = check_array("demand_mean", demand_mean, ndim=1, nonnegative=True, min_size=1)
    m = mu.size

    def per_node(name, value):
        arr = np.full(m, check_nonnegative(name, value)) if np.ndim(value) == 0 \
            else check_array(name, value, ndim=1, nonnegative=True)
        if arr.size != m:
            raise ValueError(f"{name} must have one entry per node ({m}), got {arr.size}")
        return np.array(arr, dtype=float)

    h = per_node("holding_cost", holding_cost)
    p = per_node("shortage_cost", shortage_cost)
    cv = per_node("demand_cv", demand_cv)
    lt = per_node("lead_time_mean", lead_time_mean)
    lt_cv = per_node("lead_time_cv", lead_time_cv)
    dp = per_node("disruption_prob", disruption_prob)
    T = max(float(lt.max()), 1.0) if period is None else check_positive("period", period)
    module = check_positive("module", module)
    if transfer_cost is None:
        cost = np.where(np.eye(m, dtype=bool), 0.0, p[None, :] + 1.0)      # a transfer never pays
    else:
        cost = np.where(np.eye(m, dtype=bool), 0.0, check_positive("transfer_cost", transfer_cost))
    names = tuple(range(m)) if nodes is None else tuple(nodes)
    if len(names) != m:
        raise ValueError(f"nodes must name the {m} nodes, got {len(names)} names")
    # the most a node could ever usefully hold: the largest total demand of the period, generously
    top = np.maximum(np.ceil(mu.sum() * T * (1.0 + 6.0 * cv.max()) / module), 1.0)
    inst = StockPositioningInstance(
        fixed_cost=np.zeros(m), holding_cost=h, module=module, max_modules=np.full(m, top), transport_cost=cost,
        penalty=p, demand_mean=mu * T, demand_cv=cv, disruption_prob=dp, lead_time_mean=lt, lead_time_cv=lt_cv,
        resupply_rate=mu, period=T, name="place-stock")
    if scenarios is None:
        n_scenarios = check_int("n_scenarios", n_scenarios, minimum=2)
        size = 2 * m + n_scenarios * (m * m + m)
        if size > MAX_MILP_VARIABLES:
            raise ValueError(f"n_scenarios={n_scenarios} is too large for {m} nodes: the extensive form would have "
                             f"{size:,} variables (casekit refuses more than {MAX_MILP_VARIABLES:,})")
        scenarios = sample_scenarios(inst, n_scenarios, seed=seed)
    sol = solve_extensive(inst, scenarios, time_limit=time_limit)
    return StockPlacement(names, sol.design.stock(inst).astype(float), sol.objective, sol.proven_optimal, T, inst,
                          scenarios)
