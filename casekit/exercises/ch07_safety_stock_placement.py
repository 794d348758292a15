"""Exercises of notebooks/07_safety_stock_placement.ipynb."""

from casekit.exercises import Exercise, register
from casekit.multiechelon import compare_placement, optimize_gsm
from casekit.multiechelon.examples import example_6_1, example_6_5

register(Exercise(
    name="07.1",
    prompt="Example 6.5 with demand bound z = 2 instead of 1: what is the optimal safety-stock cost "
           "per period? (4 decimals)",
    expected=lambda: optimize_gsm(example_6_5(), demand_bound=2).cost,
    hint="Cost is linear in z, or rerun optimize_gsm with demand_bound=2.",
    rtol=0, atol=5e-5,
))

register(Exercise(
    name="07.2",
    prompt="Example 6.5, z = 1, but both customer-facing stages may now promise a service time of 2 "
           "periods. What is node 3's optimal committed service time?",
    expected=lambda: compare_placement(example_6_5(), demand_bound=1, customer_cst=2).optimal.cst[3],
    hint="Set external_outbound_cst at the demand nodes (compare_placement's customer_cst does it) and read .cst.",
    rtol=0, atol=0,
))

register(Exercise(
    name="07.3",
    prompt="Example 6.1's serial chain as a guaranteed-service network (z = 1.645): what fraction of the "
           "uniform placement's safety-stock cost does the optimal placement save? (3 decimals)",
    expected=lambda: compare_placement(example_6_1(), demand_bound=1.645).cost_saving,
    hint="compare_placement(...).cost_saving.",
    rtol=0, atol=5e-4,
))
