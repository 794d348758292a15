"""Exercises of notebooks/01_demand_distributions.ipynb."""

import numpy as np

from casekit.distributions import DiscreteDistribution, demand_distribution
from casekit.exercises import Exercise, register


def _series(name):
    from pmdarima import datasets

    y = getattr(datasets, f"load_{name}")()
    return y[~np.isnan(y)]


def _dispersion_index(y):
    return float(np.var(y, ddof=1) / np.mean(y))


def _cover(dispersion, stock=15, mean=10):
    return DiscreteDistribution.from_scipy(demand_distribution("nbinom" if dispersion > 1 else "poisson", mean,
                                                               dispersion)).cdf(stock)


register(Exercise(
    name="01.1",
    prompt="Two demand models have the same mean of 10 units per period: Poisson (variance 10) and "
           "negative binomial (variance 30). Will 15 units meet all demand with a higher or a lower "
           "probability under the negative binomial? Answer \"higher\" or \"lower\".",
    expected=lambda: "higher" if _cover(3) > _cover(1) else "lower",
    hint="With the same mean, a larger variance moves probability into both tails. 15 units is above "
         "the mean: which tail decides whether 15 units are enough?",
    kind="predict",
))

register(Exercise(
    name="01.2",
    prompt="Demand per period is negative binomial with mean 10 and variance 30. Work out its parameters "
           "by hand, then P(D = 0). (4 decimals are enough)",
    expected=lambda: float(DiscreteDistribution.from_scipy(demand_distribution("nbinom", 10, 3)).prob(0)),
    hint="For the negative binomial (number of failures before the r-th success, success probability p): "
         "mean = r(1-p)/p and variance = mean/p. Solve for p and r; then P(D = 0) = p^r.",
    rtol=0, atol=5e-5, kind="derive",
))

register(Exercise(
    name="01.3",
    prompt="pmdarima's woolyrnq series (quarterly production of woollen yarn in Australia, in tonnes) has a "
           "dispersion index (variance / mean) in the hundreds, which a colleague reads as \"wildly "
           "over-dispersed\". The cell below prints it. Why is the number not evidence of anything? Show it: "
           "what would the index be if the same series were recorded in thousands of tonnes? "
           "(3 significant figures are enough)",
    expected=lambda: _dispersion_index(_series("woolyrnq") / 1000),
    hint="Variance has the units squared, the mean has the units: their ratio keeps one unit. What happens "
         "to each when every value is divided by 1000?",
    rtol=2e-3, kind="diagnose",
))
