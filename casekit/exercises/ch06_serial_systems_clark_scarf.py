"""Exercises of notebooks/06_serial_systems_clark_scarf.ipynb."""

import numpy as np
from scipy import stats

from casekit.exercises import Exercise, register
from casekit.multiechelon import optimize_serial
from casekit.network import serial


def _changed_stages():
    before = optimize_serial(serial([3, 2, 2], [1, 1, 2], 37.12, stats.norm(5, 1))).base_stock
    after = optimize_serial(serial([3, 2, 2], [1, 1, 1], 37.12, stats.norm(5, 1))).base_stock
    changed = np.flatnonzero(np.abs(np.subtract(after, before)) > 1e-6) + 1
    return ",".join(str(j) for j in changed) or "none"


register(Exercise(
    name="06.1",
    prompt="Example 6.1 with Poisson(5) demand, but the stockout cost doubled to p = 74.24. By hand, what "
           "is stage 1's optimal echelon base-stock level S*_1?",
    expected=lambda: optimize_serial(serial([3, 2, 2], [1, 1, 2], 74.24, stats.poisson(5))).base_stock[0],
    hint="Stage 1's step of the recursion is a newsvendor problem over its own lead time: overage cost "
         "h_1, underage cost p plus the holding costs upstream of it (a unit short at stage 1 also saves "
         "nothing upstream). Find its critical ratio and the matching Poisson quantile.",
    rtol=0, atol=0, kind="derive",
))

register(Exercise(
    name="06.2",
    prompt="Example 6.1 with N(5, 1) demand. Stage 3's lead time falls from 2 periods to 1. Which stages' "
           "optimal echelon base-stock levels change? Answer with the stage numbers, e.g. \"1,2,3\" or "
           "\"2\".",
    expected=_changed_stages,
    hint="The recursion starts at stage 1 and moves upstream: stage j's cost function uses only the "
         "stages below it and its own lead time. Which optimisation steps see stage 3's lead time?",
    kind="predict",
))

register(Exercise(
    name="06.3",
    prompt="Example 6.1 with N(5, 1) demand. A planner reads the optimal echelon levels printed below and "
           "tells the stage-3 warehouse to keep its own inventory position at S*_3. The warehouse ends up "
           "with far more stock than the optimal plan intends. What local base-stock level should stage 3 "
           "have been given? (2 decimals are enough)",
    expected=lambda: optimize_serial(serial([3, 2, 2], [1, 1, 2], 37.12, stats.norm(5, 1))).local_base_stock[2],
    hint="An echelon level counts the stage's own stock and everything downstream of it, in transit "
         "included. Stage 3's share is what is left after taking out the echelon level of the stage "
         "just below it.",
    rtol=0, atol=5e-3, kind="diagnose",
))
