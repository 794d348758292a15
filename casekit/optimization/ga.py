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

A GA proves nothing: ``proven_optimal`` is always False and there is no lower bound.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from casekit.optimization.instance import FacilityLocationInstance
from casekit.optimization.results import FacilityLocationResult
from casekit.optimization.transport import TransportationLP
from casekit.validate import check_int, check_positive, check_probability

__all__ = ["solve_ga", "repair"]


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


def solve_ga(instance: FacilityLocationInstance, population: int = 40, generations: int = 60, *,
             tournament: int = 3, crossover_rate: float = 0.9, mutation_rate: float | None = None,
             elite: int = 2, initial=None, seed=0, time_limit: float | None = None) -> FacilityLocationResult:
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
    initial : array (k, m) of 0/1, optional
        Chromosomes to seed the first population with (the rest are random).
    seed : int or numpy.random.Generator
    time_limit : float, optional
        Stop after the generation in which this many seconds have passed.

    Returns
    -------
    FacilityLocationResult
        ``history`` has per generation ``best``, ``mean`` (of the population's fitness),
        ``evaluations`` (LPs solved so far, cache misses) and ``time_s``; ``population`` is the
        final population (rows sorted best first).  ``proven_optimal`` is False.

    Examples
    --------
    >>> from casekit.optimization import load_orlib_cap, orlib_optimum
    >>> res = solve_ga(load_orlib_cap("cap71"), seed=0)
    >>> res.relative_error(orlib_optimum("cap71")) < 0.02
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
    if time_limit is not None:
        time_limit = check_positive("time_limit", time_limit)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    lp = TransportationLP(inst)
    order = _repair_order(inst)
    cache: dict[bytes, float] = {}
    solutions: dict[bytes, np.ndarray] = {}

    def fitness(pop: np.ndarray) -> np.ndarray:
        out = np.empty(len(pop))
        for k, y in enumerate(pop):
            key = np.packbits(y).tobytes()
            if key not in cache:
                sol = lp.solve(y)
                cache[key] = float(inst.fixed_cost @ y + sol.cost)
                solutions[key] = sol.x
            out[k] = cache[key]
        return out

    # initial population: seeds, then random bit strings with about half the facilities open
    pop = rng.random((population, m)) < 0.5
    if initial is not None:
        seeds = np.atleast_2d(np.asarray(initial, dtype=float).round().astype(bool))
        if seeds.shape[1] != m:
            raise ValueError(f"initial must have {m} columns (one per facility), got shape {seeds.shape}")
        pop[: min(len(seeds), population)] = seeds[:population]
    pop = np.array([repair(inst, y, order) for y in pop])
    fit = fitness(pop)
    rows = [{"generation": 0, "best": fit.min(), "mean": fit.mean(), "evaluations": lp.evaluations,
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
        rows.append({"generation": g, "best": fit.min(), "mean": fit.mean(), "evaluations": lp.evaluations,
                     "time_s": time.perf_counter() - t0})
        if time_limit is not None and time.perf_counter() - t0 > time_limit:
            status = "time limit"
            break
    rank = np.argsort(fit, kind="stable")
    pop, fit = pop[rank], fit[rank]
    best = pop[0]
    x = solutions[np.packbits(best).tobytes()]
    objective = float(inst.fixed_cost @ best + (inst.cost * x).sum())
    history = pd.DataFrame(rows)
    history["best"] = history["best"].cummin()   # elitism keeps the best; cummin guards float ties
    return FacilityLocationResult("ga", inst.name, objective, best.copy(), x, False, float("nan"), None,
                                  time.perf_counter() - t0, f"{status} ({len(cache)} open sets priced)",
                                  history, population=pop)
