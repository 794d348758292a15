"""A genetic algorithm for capacitated facility location, written in numpy.

Chromosome: a bit string :math:`y \\in \\{0,1\\}^m` (facility i open or closed).  Fitness (to be
minimised) is the true cost of the open set,

.. math::   F(y) = f^\\top y + Q(y),

where :math:`Q(y)` is the **optimal** transportation cost of the open set, an LP solved exactly
(:class:`~casekit.optimization.transport.TransportationLP`), so the GA searches only over the
open/close decisions and every chromosome is priced at its best assignment.  Evaluated chromosomes
are cached: late generations are mostly copies of good ones and cost nothing.

One generation (Holland 1975; Goldberg 1989):

1. **elitism**: the ``elite`` best chromosomes pass unchanged;
2. **tournament selection**: each parent is the fittest of ``tournament`` chromosomes drawn at
   random (selection pressure grows with the tournament size);
3. **uniform crossover** (probability ``crossover_rate``): each gene comes from either parent
   with probability 1/2;
4. **bit-flip mutation**: each gene flips with probability ``mutation_rate`` (default 1/m);
5. **repair**: a child whose open capacity is below the total demand would be infeasible; closed
   facilities are opened, cheapest per unit of capacity first (key
   :math:`f_i / s_i + \\operatorname{mean}_j c_{ij}/d_j`), until the capacity covers the demand.

6. **local search** (the "memetic" step, Moscato 1989): the ``local_search_best`` best chromosomes
   not yet improved are replaced by a local optimum of :func:`local_search` (close one facility,
   open one, or swap one open for one closed, until no such move lowers the cost).

A GA proves nothing: ``proven_optimal`` is always False and there is no lower bound.

Pricing an open set is the expensive part.  It is done by
:class:`~casekit.optimization.transport.OpenSetTransport` (an exact LP over the open facilities
only, skipped when every customer fits at its cheapest open facility), so a 100 x 1,000 instance
costs milliseconds per chromosome instead of the second a full m x n LP would take.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from casekit.optimization.instance import FacilityLocationInstance
from casekit.optimization.results import FacilityLocationResult
from casekit.optimization.transport import OpenSetTransport, facility_savings
from casekit.validate import check_int, check_positive, check_probability

__all__ = ["solve_ga", "repair", "local_search"]


def _repair_order(inst: FacilityLocationInstance) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(inst.demand > 0, inst.cost / np.where(inst.demand > 0, inst.demand, 1.0), 0.0)
    key = inst.fixed_cost / inst.capacity + per_unit.mean(axis=1)
    return np.argsort(key, kind="stable")


def repair(instance: FacilityLocationInstance, chromosome, order=None) -> np.ndarray:
    """Open closed facilities (cheapest per unit of capacity first) until the open capacity covers
    the total demand; a feasible chromosome is returned unchanged.

    >>> from casekit.optimization import FacilityLocationInstance
    >>> inst = FacilityLocationInstance([5, 5, 5], [1, 9, 2], [4, 4], [[1, 1], [1, 1], [1, 1]])
    >>> repair(inst, [0, 0, 0]).astype(int).tolist()    # opens the cheapest per unit first
    [1, 0, 1]
    """
    y = np.asarray(chromosome, dtype=bool).copy()
    order = _repair_order(instance) if order is None else order
    need = instance.total_demand * (1 - 1e-12)
    have = instance.capacity[y].sum()
    for i in order:
        if have >= need:
            break
        if not y[i]:
            y[i] = True
            have += instance.capacity[i]
    return y


def local_search(instance: FacilityLocationInstance, chromosome, *, transport: OpenSetTransport | None = None,
                 cache: dict | None = None, time_limit: float | None = None) -> tuple[np.ndarray, float]:
    """Improve an open set one facility at a time until no single move lowers its cost.

    Moves: **drop** (close one open facility), **add** (open one closed facility) and **swap**
    (close one, open another), keeping the open capacity above the demand.  Every move is priced
    exactly (fixed costs plus the optimal transportation cost), and the first improving one, in
    the order below, is made; the search stops at a local optimum.

    Trying every move exactly would cost one LP per move (hundreds for a swap neighbourhood), so
    moves are first ranked by a lower bound on their cost: with the customer prices :math:`u_j` of
    the current solution, :math:`F(y') \\ge \\sum_j u_j + \\sum_{i: y'_i = 1} (f_i + \\beta_i)`
    (:func:`~casekit.optimization.transport.facility_savings`).  Moves are priced in increasing
    order of that bound, and as soon as the bound reaches the current cost no remaining move can
    improve: the search never misses an improving move and never prices one its bound rules out.

    Parameters
    ----------
    instance : FacilityLocationInstance
    chromosome : array (m,) of 0/1
        The starting open set (repaired first if its capacity is below the demand).
    transport : OpenSetTransport, optional
        The pricing solver to use (the GA passes its own); a new one by default.
    cache : dict, optional
        ``packbits(y).tobytes() -> cost``, read and filled (the GA shares its fitness cache).
    time_limit : float, optional
        Seconds after which the search stops at the best open set found so far (then not
        necessarily a local optimum).

    Returns
    -------
    (numpy.ndarray of bool, float)
        The locally optimal open set and its cost :math:`f^\\top y + Q(y)`.

    Examples
    --------
    >>> inst = FacilityLocationInstance([10, 10, 10], [5, 5, 30], [4, 4], [[1, 8], [8, 1], [1, 1]])
    >>> y, cost = local_search(inst, [0, 0, 1])     # swap 2 for 0 (cost 32 -> 14), then open 1 (-> 12)
    >>> y.astype(int).tolist(), cost
    ([1, 1, 0], 12.0)
    """
    inst = instance
    t0 = time.perf_counter()
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    transport = OpenSetTransport(inst) if transport is None else transport
    cache = {} if cache is None else cache
    y = repair(inst, chromosome)
    need = inst.total_demand * (1 - 1e-12)
    sol = transport.solve(y)
    cost = float(inst.fixed_cost @ y + sol.cost)
    cache[np.packbits(y).tobytes()] = cost
    while True:
        # the lower bound F(y') >= sum(u) + sum over open i of g_i, from the prices u at y
        g = inst.fixed_cost + facility_savings(inst, sol.prices)
        opened, closed = np.flatnonzero(y), np.flatnonzero(~y)
        have = inst.capacity[y].sum()
        base = sol.prices.sum() + g[y].sum()        # the bound at y itself (= cost)
        # all moves as (facility to close or -1, facility to open or -1) with their bounds
        drop_a, add_b = opened, closed
        swap_a, swap_b = np.repeat(opened, closed.size), np.tile(closed, opened.size)
        close = np.concatenate([drop_a, np.full(add_b.size, -1), swap_a])
        open_ = np.concatenate([np.full(drop_a.size, -1), add_b, swap_b])
        delta = np.where(open_ >= 0, g[open_], 0.0) - np.where(close >= 0, g[close], 0.0)
        cap = have + np.where(open_ >= 0, inst.capacity[open_], 0.0) - np.where(close >= 0, inst.capacity[close], 0.0)
        bound = base + delta
        tol = 1e-9 * abs(cost)
        keep = (cap >= need) & (bound < cost - tol)
        order = np.flatnonzero(keep)[np.argsort(bound[keep], kind="stable")]
        moved = False
        for k in order:
            if time_limit is not None and time.perf_counter() - t0 > time_limit:
                return y, cost
            y2 = y.copy()
            if close[k] >= 0:
                y2[close[k]] = False
            if open_[k] >= 0:
                y2[open_[k]] = True
            key = np.packbits(y2).tobytes()
            if key in cache and cache[key] >= cost - tol:
                continue
            sol2 = transport.solve(y2)
            cost2 = float(inst.fixed_cost @ y2 + sol2.cost)
            cache[key] = cost2
            if cost2 < cost - tol:
                y, sol, cost, moved = y2, sol2, cost2, True
                break
        if not moved:
            return y, cost


def solve_ga(instance: FacilityLocationInstance, population: int = 40, generations: int = 60, *,
             tournament: int = 3, crossover_rate: float = 0.9, mutation_rate: float | None = None,
             elite: int = 2, local_search_best: int = 1, initial=None, seed=0,
             time_limit: float | None = None) -> FacilityLocationResult:
    """Search open sets with a genetic algorithm; each open set is priced by its optimal LP.

    Parameters
    ----------
    instance : FacilityLocationInstance
    population : int
        Chromosomes per generation (>= 4).
    generations : int
        Generations after the initial population (>= 1).
    tournament : int
        Tournament size for parent selection (>= 2).
    crossover_rate : float
        Probability that two parents are recombined (uniform crossover) rather than copied.
    mutation_rate : float, optional
        Per-gene flip probability; default 1/m.
    elite : int
        Best chromosomes copied unchanged into the next generation.
    local_search_best : int
        How many of the best chromosomes of each generation are improved by :func:`local_search`
        (each one only once); 0 gives the plain GA.
    initial : array (k, m) of 0/1, optional
        Chromosomes to seed the first population with; the greedy open set follows them and the
        rest are random.
    seed : int or numpy.random.Generator
    time_limit : float, optional
        Stop after the generation in which this many seconds have passed (a local search
        running at that moment stops with the best open set it has found).

    Returns
    -------
    FacilityLocationResult
        ``history`` has per generation ``best``, ``mean`` (of the population's fitness),
        ``evaluations`` (open sets priced so far, cache misses, local search included) and
        ``time_s``; ``population`` is the final population (rows sorted best first).
        ``proven_optimal`` is False.

    Examples
    --------
    >>> from casekit.optimization import load_orlib_cap, orlib_optimum
    >>> res = solve_ga(load_orlib_cap("cap71"), seed=0)
    >>> res.relative_error(orlib_optimum("cap71")) < 0.005
    True
    """
    if not isinstance(instance, FacilityLocationInstance):
        raise TypeError(f"instance must be a FacilityLocationInstance, got {type(instance).__name__}")
    inst = instance
    m = inst.m
    population = check_int("population", population, minimum=4)
    generations = check_int("generations", generations, minimum=1)
    tournament = check_int("tournament", tournament, minimum=2, maximum=population)
    crossover_rate = check_probability("crossover_rate", crossover_rate, open_interval=False)
    mutation_rate = 1.0 / m if mutation_rate is None else check_probability(
        "mutation_rate", mutation_rate, open_interval=False)
    elite = check_int("elite", elite, minimum=0, maximum=population - 1)
    local_search_best = check_int("local_search_best", local_search_best, minimum=0, maximum=population)
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    transport = OpenSetTransport(inst)
    order = _repair_order(inst)
    cache: dict[bytes, float] = {}      # open set -> f @ y + Q(y)
    searched: set[bytes] = set()        # open sets already improved by local search

    def fitness(pop: np.ndarray) -> np.ndarray:
        out = np.empty(len(pop))
        for k, y in enumerate(pop):
            key = np.packbits(y).tobytes()
            if key not in cache:
                cache[key] = float(inst.fixed_cost @ y + transport.solve(y).cost)
            out[k] = cache[key]
        return out

    def improve(pop: np.ndarray, fit: np.ndarray) -> None:
        """Replace each of the ``local_search_best`` best chromosomes not searched before by its
        local optimum (in place)."""
        for k in np.argsort(fit, kind="stable")[:local_search_best]:
            key = np.packbits(pop[k]).tobytes()
            if key in searched:
                continue
            left = None if time_limit is None else time_limit - (time.perf_counter() - t0)
            if left is not None and left <= 0:
                return
            y, cost = local_search(inst, pop[k], transport=transport, cache=cache, time_limit=left)
            searched.add(key)
            searched.add(np.packbits(y).tobytes())
            pop[k], fit[k] = y, cost

    # initial population: seeds, the greedy open set (nothing open, repaired: the cheapest
    # facilities per unit of capacity until the demand is covered), then random bit strings with
    # about half the facilities open
    pop = rng.random((population, m)) < 0.5
    seeds = np.zeros((1, m), dtype=bool)
    if initial is not None:
        given = np.atleast_2d(np.asarray(initial, dtype=float).round().astype(bool))
        if given.shape[1] != m:
            raise ValueError(f"initial must have {m} columns (one per facility), got shape {given.shape}")
        seeds = np.concatenate([given, seeds])
    pop[: min(len(seeds), population)] = seeds[:population]
    pop = np.array([repair(inst, y, order) for y in pop])
    fit = fitness(pop)
    improve(pop, fit)
    rows = [{"generation": 0, "best": fit.min(), "mean": fit.mean(), "evaluations": transport.evaluations,
             "time_s": time.perf_counter() - t0}]
    status = "generation limit"
    for g in range(1, generations + 1):
        rank = np.argsort(fit, kind="stable")
        new = [pop[rank[:elite]]]
        n_children = population - elite
        # tournament selection: for each of 2 * n_children parents, the best of `tournament` draws
        draws = rng.integers(0, population, size=(2 * n_children, tournament))
        parents = pop[draws[np.arange(2 * n_children), np.argmin(fit[draws], axis=1)]]
        a, b = parents[0::2], parents[1::2]
        cross = rng.random(n_children) < crossover_rate
        mask = rng.random((n_children, m)) < 0.5
        children = np.where(cross[:, None] & mask, b, a)
        children ^= rng.random((n_children, m)) < mutation_rate
        children = np.array([repair(inst, y, order) for y in children])
        new.append(children)
        pop = np.concatenate(new)
        fit = fitness(pop)
        improve(pop, fit)
        rows.append({"generation": g, "best": fit.min(), "mean": fit.mean(), "evaluations": transport.evaluations,
                     "time_s": time.perf_counter() - t0})
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            status = "time limit"
            break
    rank = np.argsort(fit, kind="stable")
    pop, fit = pop[rank], fit[rank]
    best = pop[0]
    x = transport.solve(best).x          # the optimal assignment of the best open set
    objective = float(inst.fixed_cost @ best + (inst.cost * x).sum())
    history = pd.DataFrame(rows)
    history["best"] = history["best"].cummin()   # elitism keeps the best; cummin guards float ties
    return FacilityLocationResult("ga", inst.name, objective, best.copy(), x, False, float("nan"), None,
                                  time.perf_counter() - t0, f"{status} ({len(cache)} open sets priced)",
                                  history, population=pop)
