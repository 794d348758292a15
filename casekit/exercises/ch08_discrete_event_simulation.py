"""Exercises of notebooks/08_discrete_event_simulation.ipynb."""

import math
from functools import lru_cache

from scipy import stats

from casekit.exercises import Exercise, register
from casekit.network import serial
from casekit.policies import EchelonBaseStock


def _net():
    return serial([3, 2, 2], [1, 1, 2], 37.12, stats.poisson(5))


@lru_cache(maxsize=None)
def _run(periods, replications, warmup):
    from casekit.simulation import simulate

    return simulate(_net(), EchelonBaseStock([9, 15, 26]), periods, replications, seed=0, engine="fast",
                    warmup=warmup)


def _half_width(res):
    row = res.summary().loc["fill_rate"]
    return (row["ci_high"] - row["ci_low"]) / 2


def _shrink():
    ratio = _half_width(_run(500, 40, 50)) / _half_width(_run(500, 10, 50))
    options = {"quarter": 0.25, "half": 0.5, "same": 1.0}
    return min(options, key=lambda k: abs(math.log(ratio / options[k])))


def _pipeline():
    from casekit.multiechelon import serial_parameters

    params = serial_parameters(_net())
    return float(params.demand.mean() * sum(params.lead_time))


register(Exercise(
    name="08.1",
    prompt="Example 6.1 with Poisson(5) demand: lead times 1, 1 and 2 periods on the three lanes. By "
           "hand, how many units are in transit on average, summed over the three lanes, once the "
           "system runs in steady state under a base-stock policy?",
    expected=_pipeline,
    hint="Under a base-stock policy every unit demanded is reordered at once, so each lane carries the "
         "demand rate. Little's law: units in a stage of a process = flow rate times time spent there.",
    rtol=0, atol=1e-9, kind="derive",
))

register(Exercise(
    name="08.2",
    prompt="Example 6.1 (Poisson(5)) at S = (9, 15, 26), fast engine, seed 0, 500 periods, 50-period "
           "warm-up. The 95% confidence interval of the mean fill rate is computed from 10 replications. "
           "With 40 replications, will its half-width be about the same, about half or about a quarter? "
           "Answer \"same\", \"half\" or \"quarter\".",
    expected=_shrink,
    hint="A confidence interval of a mean narrows with the standard error, the standard deviation over "
         "the square root of the number of independent replications.",
    kind="predict",
))

register(Exercise(
    name="08.3",
    prompt="Same system and policy. A run of 20 periods with no warm-up (40 replications, seed 0, the cell "
           "below) reports a higher fill rate than a long run of the same system gives. The policy is the "
           "same, so why? Rerun it the way a steady-state estimate "
           "needs (500 periods after a 50-period warm-up, 10 replications, seed 0, fast engine) and give "
           "that mean fill rate (3 decimals).",
    expected=lambda: float(_run(500, 10, 50).summary().loc["fill_rate", "mean"]),
    hint="Look at how a run starts: every stage holds its full base-stock level and nothing is owed "
         "to anyone. How many periods pass before an order placed at the top can reach the customers? "
         "Those first periods say little about the long run: drop them and run longer.",
    rtol=0, atol=5e-4, kind="diagnose",
))
