"""Exercises of notebooks/16_hybrid_methods_table2.ipynb."""

from casekit.exercises import Exercise, register


def _ga_pct(name="cap131"):
    from casekit.optimization import load_orlib_cap, orlib_optimum, solve_ga
    res = solve_ga(load_orlib_cap(name), seed=0)
    return 100 * orlib_optimum(name) / res.objective


def _hybrid_fixed():
    from casekit.optimization import load_orlib_cap, solve_hybrid
    res = solve_hybrid(load_orlib_cap("cap131"), fix_agreed=True, seed=0)
    return float(res.objective)


register(Exercise(
    name="16.1",
    prompt="What '% of optimal' does the GA (default settings, seed 0) reach on cap131? (to 0.001)",
    expected=_ga_pct,
    hint="% of optimal = 100 * published optimum / GA cost.",
    rtol=0, atol=1e-3,
))

register(Exercise(
    name="16.2",
    prompt="Run the hybrid on cap131 with fix_agreed=True (seed 0). What cost does it return? (to 0.01)",
    expected=_hybrid_fixed,
    hint="solve_hybrid(instance, fix_agreed=True, seed=0).objective; compare it with the published optimum.",
    rtol=0, atol=0.01,
))
