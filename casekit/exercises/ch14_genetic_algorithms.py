"""Exercises of notebooks/14_genetic_algorithms.ipynb."""

import dataclasses
from functools import lru_cache

import numpy as np

from casekit.exercises import Exercise, register


@lru_cache(maxsize=None)
def _mean_error(mutation_rate):
    """Mean % error over seeds 0, 1, 2 of the GA on cap64 (population 20, 30 generations)."""
    from casekit.optimization import load_orlib_cap, orlib_optimum, solve_ga
    inst, kw = load_orlib_cap("cap64"), ({} if mutation_rate is None else {"mutation_rate": mutation_rate})
    return float(np.mean([100 * solve_ga(inst, 20, 30, seed=s, **kw).relative_error(orlib_optimum("cap64"))
                          for s in range(3)]))


def _no_mutation():
    off, on = _mean_error(0.0), _mean_error(None)
    return "larger" if off > on + 1e-9 else ("smaller" if off < on - 1e-9 else "same")


def uncapacitated_design():
    """The open set a fitness that ignores capacities finds best for cap64 (its optimum with
    every capacity raised to the total demand)."""
    from casekit.optimization import load_orlib_cap, solve_milp
    inst = load_orlib_cap("cap64")
    return solve_milp(dataclasses.replace(inst, capacity=np.full(inst.m, inst.total_demand))).open


def _true_cost():
    from casekit.optimization import load_orlib_cap, transport_cost
    inst, y = load_orlib_cap("cap64"), uncapacitated_design()
    return float(inst.fixed_cost @ y + transport_cost(inst, y))


register(Exercise(
    name="14.1",
    prompt="The GA picks each parent as the fittest of 3 chromosomes drawn at random, with replacement, from "
           "a population of 40. By hand, what is the probability that the population's best chromosome "
           "becomes a given parent? (4 decimals)",
    expected=lambda: 1 - (39 / 40) ** 3,
    hint="The best chromosome wins any tournament it enters. So the question is the chance that it is "
         "drawn at least once in 3 draws: one minus the chance it is missed every time.",
    rtol=0, atol=5e-5, kind="derive",
))

register(Exercise(
    name="14.2",
    prompt="On cap64 with population 20 and 30 generations, the GA's mean error over seeds 0, 1 and 2 is "
           "measured with the default mutation rate (one gene in m flips). With mutation switched off "
           "(rate 0), will the mean error be larger, smaller or the same? Answer \"larger\", \"smaller\" "
           "or \"same\".",
    expected=_no_mutation,
    hint="Crossover only recombines genes the parents already have. If every chromosome of the population "
         "has facility 7 closed, can crossover ever open it?",
    kind="predict",
))

register(Exercise(
    name="14.3",
    prompt="A student's GA prices an open set by sending each customer to its cheapest open facility, ignoring "
           "capacities, and reports a design for cap64 cheaper than the published optimum (the cell below). "
           "What went wrong? Price his design properly (fixed costs plus the optimal transportation with "
           "capacities): what does it really cost? (to 0.01)",
    expected=_true_cost,
    hint="A heuristic's design can never cost less than a proven optimum of the same problem, so the "
         "student solved a different problem. With capacities, customers cannot all go to their cheapest "
         "open facility: the transportation is an LP, as in the chapter's fitness function.",
    rtol=0, atol=0.01, kind="diagnose",
))
