"""Exercises of notebooks/07_safety_stock_placement.ipynb."""

from casekit.exercises import Exercise, register
from casekit.multiechelon import compare_placement, optimize_gsm
from casekit.multiechelon.examples import example_6_1, example_6_5


def _chain():
    return compare_placement(example_6_1(), demand_bound=1.645)


register(Exercise(
    name="07.1",
    prompt="Example 6.5's optimal safety-stock cost with demand bound z = 1 is printed in this chapter "
           "(2√2 + √6 + 3). By hand, what is the optimal cost with z = 2? (4 decimals)",
    expected=lambda: optimize_gsm(example_6_5(), demand_bound=2).cost,
    hint="Every stage's safety stock is z times its demand standard deviation times the square root of "
         "its net lead time. Does changing z change which service times are best, or only scale the cost?",
    rtol=0, atol=5e-5, kind="derive",
))

register(Exercise(
    name="07.2",
    prompt="Example 6.1's three-stage chain as a guaranteed-service network (z = 1.645, customers served "
           "immediately). In the optimal placement, how many of the three stages hold safety stock?",
    expected=lambda: int(sum(v > 1e-9 for v in _chain().optimal.safety_stock.values())),
    hint="Safety stock grows with the square root of the net lead time, which is concave: splitting "
         "a stretch of lead time between two stages costs more than covering it in one. Stock tends to "
         "sit either fully at a stage or not at all.",
    rtol=0, atol=0, kind="predict",
))

register(Exercise(
    name="07.3",
    prompt="Same chain. In the optimal placement, stage 1 (lead time 1 period) holds more safety stock "
           "than in the uniform placement, where each stage covers its own lead time (the cell below "
           "prints both). A colleague calls that a bug. What is stage 1's net lead time in the optimal "
           "placement, in periods?",
    expected=lambda: _chain().optimal.net_lead_time[1],
    hint="A stage must cover the time its supplier takes to deliver (the supplier's committed service "
         "time) plus its own lead time, minus the time it may take to serve its customers. What does "
         "stage 2 quote in the optimal placement?",
    rtol=0, atol=0, kind="diagnose",
))
