"""Exercises of notebooks/09_disruptions_and_resilience.ipynb (default parameters)."""

import math
from functools import lru_cache

from scipy import stats

from casekit.exercises import Exercise, register


def _run(scenario):
    from casekit.multiechelon import optimize_serial
    from casekit.network import serial
    from casekit.policies import EchelonBaseStock
    from casekit.simulation import simulate

    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.poisson(5))
    policy = EchelonBaseStock(list(optimize_serial(net).base_stock))
    return simulate(net, policy, 150, 40, seed=0, engine="fast", scenario=scenario, warmup=30)


def _shutdown(duration):
    from casekit.simulation.scenarios import Scenario, SupplierShutdown

    return Scenario("shut", (SupplierShutdown(3, 40, duration),))


@lru_cache(maxsize=None)
def _doubling():
    base = _run(None).summary().loc["backorders", "mean"]
    extra = {d: _run(_shutdown(d)).summary().loc["backorders", "mean"] - base for d in (8, 16)}
    ratio = extra[16] / extra[8]
    return "less" if ratio < 1.8 else ("more" if ratio > 2.2 else "double")


def _all_three_apart():
    from casekit.simulation.scenarios import CompoundDisruption

    nodes = (1, 2, 3)
    apart = (CompoundDisruption(nodes, 40, 8, lead_time_shift=2, probability=0.5),
             CompoundDisruption(nodes, 40, 8, capacity_factor=0.5, probability=0.5),
             CompoundDisruption(nodes, 40, 8, demand_factor=1.3, probability=0.5))
    return math.prod(e.probability for e in apart)


@lru_cache(maxsize=None)
def _window_fill_rate():
    res = _run(_shutdown(8))
    met, demand = res.series["met"][:, 40:68, 0], res.series["external_demand"][:, 40:68, 0]
    return float(met.sum() / demand.sum())


register(Exercise(
    name="09.1",
    prompt="Section 3 shuts stage 3 for 8 periods. If the shutdown lasts 16 periods instead, will the extra "
           "backorders it causes (mean backorders per period minus the baseline's, same run settings) be "
           "less than double, about double (within 10%) or more than double? Answer \"less\", \"double\" "
           "or \"more\".",
    expected=_doubling,
    hint="The stock already downstream of stage 3 keeps customers served for a while after the shutdown "
         "starts, and a backorder counts in every period until it is filled. In a longer shutdown, are "
         "there more units short, do they wait longer, or both?",
    kind="predict",
))

register(Exercise(
    name="09.2",
    prompt="Section 5's \"apart\" scenario: three effects (lead time +2, capacity halved, demand +30%) each "
           "strike a replication independently with probability 1/2. By hand, in what fraction of "
           "replications do all three strike together? (The \"together\" scenario makes it 1/2.)",
    expected=_all_three_apart,
    hint="Independent events: the probability that all of them happen is the product of their "
         "probabilities.",
    rtol=0, atol=1e-9, kind="derive",
))

register(Exercise(
    name="09.3",
    prompt="A colleague measures the damage of section 1's 8-period shutdown of stage 3 by the fill rate over "
           "all 150 recorded periods and reports a modest drop from the baseline (the cell below). Why does "
           "that understate what customers lived through? Give the fill rate over the disruption window "
           "instead: periods 40 to 67 (the shutdown and the 20 periods after it), pooled over replications "
           "(3 decimals).",
    expected=_window_fill_rate,
    hint="An average over 150 periods dilutes 8 bad periods with more than a hundred ordinary ones. "
         "Restrict both the units met and the units demanded at stage 1 to the window, then divide.",
    rtol=0, atol=5e-4, kind="diagnose",
))
