"""Exercises of notebooks/10_simulation_optimisation.ipynb (default parameters)."""

import math
from functools import lru_cache

from scipy import stats

from casekit.exercises import Exercise, register


@lru_cache(maxsize=None)
def _width_ratio(other):
    """Width of the independent-draws 95% CI of the cost difference over the CRN one (section 1's run)."""
    from casekit.network import serial
    from casekit.policies import EchelonBaseStock
    from casekit.simulation.optimize import paired_difference

    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.poisson(5))
    a, b = EchelonBaseStock([9, 15, 26]), EchelonBaseStock(list(other))
    crn = paired_difference(net, a, b, 800, 10, seed=0)
    ind = paired_difference(net, a, b, 800, 10, seed=0, common=False)
    return (ind[2] - ind[1]) / (crn[2] - crn[1])


register(Exercise(
    name="10.1",
    prompt="Section 1 compares S = (9, 15, 26) with the nearby (10, 16, 25): common random numbers make the "
           "interval on the cost difference several times narrower than independent draws. Compare "
           "(9, 15, 26) with the far-away (12, 20, 35) instead, same settings. Will CRN's advantage (the "
           "ratio of the two widths) be larger or smaller? Answer \"larger\" or \"smaller\".",
    expected=lambda: "larger" if _width_ratio((12, 20, 35)) > _width_ratio((10, 16, 25)) else "smaller",
    hint="CRN cancels the noise the two runs share. Two policies that hold very different stock react to "
         "the same demand surge in very different ways: how much of their noise do they still share?",
    kind="predict",
))

register(Exercise(
    name="10.2",
    prompt="Two policies' costs per replication each have standard deviation 2.0. Run on common random "
           "numbers, the two costs are correlated with correlation 0.9. By hand, what is the standard "
           "deviation of the difference of the two costs in one replication? (3 decimals)",
    expected=lambda: math.sqrt(2.0 ** 2 + 2.0 ** 2 - 2 * 0.9 * 2.0 * 2.0),
    hint="Var(A - B) = Var(A) + Var(B) - 2 Cov(A, B), and the covariance is the correlation times the "
         "two standard deviations. With independent draws the covariance is zero.",
    rtol=0, atol=5e-4, kind="derive",
))

register(Exercise(
    name="10.3",
    prompt="A colleague compares (9, 15, 26) with (10, 16, 25) on 10 independent replications (no common "
           "random numbers), sees a wide interval on the difference and asks for more replications to "
           "separate them. Why does CRN do better? Show what independent draws would cost: how many "
           "independent replications would give an interval as narrow as CRN's with 10? (Use section 1's "
           "widths; the nearest whole number within 2% is accepted.)",
    expected=lambda: 10 * _width_ratio((10, 16, 25)) ** 2,
    hint="An interval's width shrinks with the square root of the number of replications. By what factor "
         "must the independent interval narrow, and what does that factor become in replications?",
    rtol=0.02, kind="diagnose",
))
