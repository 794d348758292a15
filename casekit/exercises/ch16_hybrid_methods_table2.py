"""Exercises of notebooks/16_hybrid_methods_table2.ipynb."""

from functools import lru_cache

from casekit.exercises import Exercise, register


@lru_cache(maxsize=None)
def _ga(name, seed, population=40, generations=60, local_search_best=1):
    from casekit.optimization import load_orlib_cap, solve_ga
    return solve_ga(load_orlib_cap(name), population, generations, seed=seed, local_search_best=local_search_best)


def _milp_value(name, cutoff=None):
    from casekit.optimization import load_orlib_cap, solve_milp
    return solve_milp(load_orlib_cap(name), cutoff=cutoff).objective


def _cutoff_effect():
    plain, cut = _milp_value("cap71"), _milp_value("cap71", cutoff=_ga("cap71", 0).objective)
    return "same" if abs(cut - plain) <= 1e-6 * plain else ("higher" if cut > plain else "lower")


def _worst_pct(name="cap71"):
    from casekit.optimization import orlib_optimum
    return float(min(100 * orlib_optimum(name) / _ga(name, s, 10, 10, 0).objective for s in range(3)))


register(Exercise(
    name="16.1",
    prompt="A method returns a design costing 1,050,000 on an instance whose optimum is 1,000,000. By hand, "
           "what \"% of optimal\" (100 × optimum / cost) does it reach? (3 decimals) Is that the same as "
           "100 minus its error in percent?",
    expected=lambda: 100 * 1_000_000 / 1_050_000,
    hint="The error divides by the optimum, \"% of optimal\" divides by the method's own cost: 5% above the "
         "optimum is not 95% of it.",
    rtol=0, atol=5e-4, kind="derive",
))

register(Exercise(
    name="16.2",
    prompt="The hybrid hands the MILP the GA's best cost as a cutoff: objective ≤ GA best. On cap71 (GA with "
           "default settings, seed 0), will the MILP's optimal value with the cutoff be higher, lower or the "
           "same as without it? Answer \"higher\", \"lower\" or \"same\".",
    expected=_cutoff_effect,
    hint="The GA's design is feasible, so the optimum costs at most as much as it. Which feasible designs "
         "does the cutoff remove, and is the optimum among them?",
    kind="predict",
))

register(Exercise(
    name="16.3",
    prompt="A colleague runs a short plain GA (population 10, 10 generations, no local search: "
           "local_search_best=0, seed 0) once on cap71 and reports its "
           "\"% of optimal\" as the GA's quality. The cell below reruns it with seeds 0, 1 and 2 and prints "
           "the objectives. "
           "Why is one run not a measurement of a heuristic's quality? Give the worst \"% of optimal\" over "
           "the three seeds. (3 decimals)",
    expected=_worst_pct,
    hint="A randomised method's result is a random variable: its seed is one draw. Turn each objective into a "
         "% of the published optimum and report the spread, or at least the worst case.",
    rtol=0, atol=1e-3, kind="diagnose",
))
