"""Exercises of notebooks/13_milp_network_design.ipynb."""

import numpy as np

from casekit.exercises import Exercise, register


def _cap41_all_open():
    from casekit.optimization import load_orlib_cap, transport_cost
    inst = load_orlib_cap("cap41")
    y = np.ones(inst.m, dtype=bool)
    return float(inst.fixed_cost @ y + transport_cost(inst, y))


def _cap41_open_count():
    from casekit.optimization import load_orlib_cap, solve_milp
    return solve_milp(load_orlib_cap("cap41")).n_open


def _pooled_safety_stock():
    from casekit.optimization import evaluate_design, example_network_design
    inst = example_network_design()
    return float(evaluate_design(inst, [0] * inst.n, [0] * inst.n)["safety_stock"][0])


register(Exercise(
    name="13.1",
    prompt="Open all 16 facilities of cap41. What is the total cost (fixed costs plus the optimal "
           "transportation cost)? (to 0.01)",
    expected=_cap41_all_open,
    hint="Add instance.fixed_cost.sum() and casekit.optimization.transport_cost(instance, open) "
         "with every entry of open True.",
    rtol=0, atol=0.01,
))

register(Exercise(
    name="13.2",
    prompt="How many facilities does the optimal solution of cap41 open?",
    expected=_cap41_open_count,
    hint="solve_milp returns a result whose .open marks the open facilities (or use .n_open).",
    rtol=0, atol=0,
))

register(Exercise(
    name="13.3",
    prompt="In example_network_design(), if DC 0 served every retailer, how many units of safety "
           "stock would it hold? (to 0.01)",
    expected=_pooled_safety_stock,
    hint="The square-root law: z times the square root of (lead time times the SUM of the "
         "retailers' demand variances); evaluate_design computes it for a given assignment.",
    rtol=0, atol=0.01,
))
