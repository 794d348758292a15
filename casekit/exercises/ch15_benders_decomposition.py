"""Exercises of notebooks/15_benders_decomposition.ipynb."""

from casekit.exercises import Exercise, register


def _textbook(name="cap71"):
    from casekit.optimization import load_orlib_cap, solve_benders
    return solve_benders(load_orlib_cap(name), lp_phase=False, initial_open=None)


register(Exercise(
    name="15.1",
    prompt="Run textbook Benders (lp_phase=False, initial_open=None) on cap71. How many "
           "iterations (master solves) does it take to close the bounds?",
    expected=lambda: len(_textbook().history),
    hint="Each row of the result's history is one master solve.",
    rtol=0, atol=0,
))

register(Exercise(
    name="15.2",
    prompt="In that same run, what is the lower bound (the master's optimum) after iteration 3? "
           "(to 0.01)",
    expected=lambda: float(_textbook().history.set_index("iteration").loc[3, "lower"]),
    hint="The result's history has one row per iteration with its 'lower' and 'upper' bounds.",
    rtol=0, atol=0.01,
))
