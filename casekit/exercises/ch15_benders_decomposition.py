"""Exercises of notebooks/15_benders_decomposition.ipynb."""

import itertools
from functools import lru_cache

import numpy as np

from casekit.exercises import Exercise, register

#: A two-facility master problem after one optimality cut: fixed costs f, cut theta >= alpha + beta' y.
TOY_FIXED, TOY_ALPHA, TOY_BETA = np.array([40.0, 60.0]), 200.0, np.array([-90.0, -120.0])


@lru_cache(maxsize=None)
def _textbook(start="none"):
    from casekit.optimization import load_orlib_cap, solve_benders, solve_milp
    inst = load_orlib_cap("cap71")
    initial = None if start == "none" else solve_milp(inst).open.astype(int)
    return solve_benders(inst, lp_phase=False, initial_open=initial)


def _from_optimum():
    scratch, warm = len(_textbook("none").history), len(_textbook("optimum").history)
    return "fewer" if warm < scratch else ("more" if warm > scratch else "same")


def _toy_master():
    """Brute force over the open sets with at least one facility open; theta >= 0 (costs are >= 0)."""
    sets = [np.array(y, dtype=float) for y in itertools.product((0, 1), repeat=2) if any(y)]
    return float(min(TOY_FIXED @ y + max(0.0, TOY_ALPHA + TOY_BETA @ y) for y in sets))


def _reported_gap():
    h = _textbook("none").history.set_index("iteration")
    from casekit.optimization import orlib_optimum
    return float(100 * (orlib_optimum("cap71") / h.loc[3, "lower"] - 1))


register(Exercise(
    name="15.1",
    prompt="Textbook Benders (no LP phase) on cap71 starting from no open facility closes the bounds in the "
           "number of iterations shown in \"The textbook loop and its bounds\". Start it instead from the optimal open set (the MILP's). "
           "Will it need fewer, the same or more iterations? Answer \"fewer\", \"same\" or \"more\".",
    expected=_from_optimum,
    hint="Starting at the optimum makes the upper bound optimal at once. What else has to happen before "
         "Benders can stop, and does knowing the best design give the master the cuts it needs elsewhere?",
    kind="predict",
))

register(Exercise(
    name="15.2",
    prompt="A master problem with two facilities (fixed costs 40 and 60, at least one must open) has one "
           "optimality cut: θ ≥ 200 - 90 y_1 - 120 y_2, and θ ≥ 0 since transportation costs are never "
           "negative. By hand, what is the master's optimum, the new lower bound?",
    expected=_toy_master,
    hint="The master minimises fixed cost plus θ, and θ sits on the highest of its lower limits. Try each "
         "open set allowed and keep the cheapest.",
    rtol=0, atol=1e-9, kind="derive",
))

register(Exercise(
    name="15.3",
    prompt="A student stops textbook Benders on cap71 after iteration 3 and reports the lower bound printed "
           "below as \"the optimal cost\". Why is that wrong? By how many percent does the published optimum "
           "exceed the value he reported? (2 decimals)",
    expected=_reported_gap,
    hint="The master optimises with only some of the cuts, so its value is a bound on the optimum, not the "
         "cost of any design; the optimum lies between the two bounds. Compare it with the published value.",
    rtol=0, atol=5e-3, kind="diagnose",
))
