"""Exercises of notebooks/14_genetic_algorithms.ipynb."""

from casekit.exercises import Exercise, register


def _ga_error():
    from casekit.optimization import load_orlib_cap, orlib_optimum, solve_ga
    res = solve_ga(load_orlib_cap("cap64"), population=10, generations=5, seed=1)
    return 100 * res.relative_error(orlib_optimum("cap64"))


def _priced():
    from casekit.optimization import load_orlib_cap, solve_ga
    res = solve_ga(load_orlib_cap("cap71"), seed=0)
    return int(res.history["evaluations"].iloc[-1])


register(Exercise(
    name="14.1",
    prompt="Run the GA on cap64 with population 10, 5 generations and seed 1. By how many percent "
           "is its best cost above the published optimum? (to 0.001)",
    expected=_ga_error,
    hint="solve_ga(instance, population=..., generations=..., seed=...) and then "
         "100 * result.relative_error(orlib_optimum(name)).",
    rtol=0, atol=1e-3,
))

register(Exercise(
    name="14.2",
    prompt="With default settings and seed 0 on cap71, how many transportation LPs does the GA "
           "solve (distinct open sets priced)?",
    expected=_priced,
    hint="The history's 'evaluations' column counts the LPs solved so far (cache misses).",
    rtol=0, atol=0,
))
