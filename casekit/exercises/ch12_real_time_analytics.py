"""Exercises of notebooks/12_real_time_analytics.ipynb."""

import numpy as np

from casekit.exercises import Exercise, register
from casekit.streaming import modified_z, poisson_loss

#: ETA drifts (hours) of ten shipment updates; the last one is a genuinely late lane.
DRIFTS = np.array([0.5, -1.0, 1.5, 0.0, 2.0, -0.5, 1.0, 0.5, -1.5, 12.0])


def _masking():
    classic = (DRIFTS[-1] - DRIFTS.mean()) / DRIFTS.std(ddof=1)
    median = np.median(DRIFTS)
    robust = modified_z(DRIFTS[-1], median, np.median(np.abs(DRIFTS - median)))
    return "standard" if classic > robust else "modified"


register(Exercise(
    name="12.1",
    prompt="Demand over the next hours is Poisson with mean 6 and 4 units are on hand. By hand, how many "
           "units short do you expect, E[(D-4)+]? (4 decimals)",
    expected=lambda: float(poisson_loss(4, 6.0)),
    hint="E[(D-4)+] = E[D] - 4 + E[(4-D)+]: the last term needs only P(D = 0), ..., P(D = 3). Or use "
         "n(x) = (mu - x)(1 - F(x)) + mu f(x).",
    rtol=0, atol=5e-5, kind="derive",
))

register(Exercise(
    name="12.2",
    prompt="Ten ETA updates drift by 0.5, -1, 1.5, 0, 2, -0.5, 1, 0.5, -1.5 and 12 hours. Score the last one "
           "two ways: the standard z-score (x - mean) / standard deviation of all ten, and the modified "
           "z-score 0.6745 (x - median) / MAD. Which flags it more strongly (the larger score)? Answer "
           "\"standard\" or \"modified\".",
    expected=_masking,
    hint="The outlier itself enters the mean and, squared, the standard deviation. Does it move the "
         "median and the median absolute deviation as much?",
    kind="predict",
))

register(Exercise(
    name="12.3",
    prompt="A store has 4 units on hand and sells at Poisson rate 1 unit per hour; its shipment was due in 3 "
           "hours and is now due in 6. Each unit short costs 5. The late-shipment alert reports an "
           "expected cost of 5 n(4; 6), the expected shortfall over the whole 6 hours, and outranks alerts "
           "that matter more. What did it charge to the delay that the delay did not cause? Give the "
           "expected cost of the delay alone (4 decimals).",
    expected=lambda: float(5 * (poisson_loss(4, 6.0) - poisson_loss(4, 3.0))),
    hint="Some units would have been short even if the shipment had come on time, in the first 3 hours. "
         "The delay's cost is the extra shortfall: the expected shortfall with the new arrival time minus "
         "the one with the planned arrival time.",
    rtol=0, atol=5e-5, kind="diagnose",
))

register(Exercise(
    name="12.4",
    prompt="The calibration median of ETA drift is 0.5 h and its MAD 2 h. By hand, what is the modified "
           "z-score of an update that drifts 9.5 h, and so is it an outlier by the 3.5 rule? Give the score "
           "(3 decimals).",
    expected=lambda: float(modified_z(9.5, 0.5, 2.0)),
    hint="M = 0.6745 (x - median) / MAD; the constant makes the MAD comparable with a normal standard "
         "deviation.",
    rtol=0, atol=5e-4, kind="derive",
))


def _first_short_hour():
    import pandas as pd

    from casekit.twin import DAY, HOUR, TwinState, project

    now = 10 * DAY
    stock = pd.DataFrame({"node": ["S"], "sku": ["A"], "on_hand": [50.0], "backorders": [0.0], "on_order": [30.0],
                          "reorder_point": [10.0], "order_quantity": [40.0], "lead_time_hours": [24.0],
                          "observed_lead_time_hours": [24.0], "demand_per_hour": [2.0], "units_per_customer": [1.0],
                          "shortage_cost": [1.0]})
    orders = pd.DataFrame({"shipment": [1], "node": ["S"], "sku": ["A"], "qty": [30.0], "ordered_ts": [now - DAY],
                           "eta": [now + 5 * HOUR], "eta_updates": [1]})
    pr = project(TwinState(now, stock, orders), days=3, replications=2, seed=0, demand="deterministic",
                 lead_time_cv=0.0)
    return int(np.flatnonzero(pr.short[0, :, 0] > 0)[0])


register(Exercise(
    name="12.5",
    prompt="The twin starts a store with 50 units on hand and a shipment of 30 arriving at the start of hour 5; "
           "it sells exactly 2 units every hour. Its (R, nQ) policy (R = 10, Q = 40) reviews the inventory "
           "position after each hour's sales and a new order takes 24 hours. By hand, in which hour "
           "(counting the first hour as 0) does the first unit go short?",
    expected=_first_short_hour,
    hint="The position counts what is on hand and on its way. Find the hour after which it first reaches R, "
         "when the new order arrives, and whether the units already there last until then.",
    rtol=0, atol=0, kind="derive",
))
