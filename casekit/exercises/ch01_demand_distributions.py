"""Exercises of notebooks/01_demand_distributions.ipynb."""

import numpy as np

from casekit.distributions import DiscreteDistribution, demand_distribution, fit_demand
from casekit.exercises import Exercise, register


def _series(name):
    from pmdarima import datasets

    y = getattr(datasets, f"load_{name}")()
    return y[~np.isnan(y)]


register(Exercise(
    name="01.1",
    prompt="What is the dispersion index (sample variance with ddof=1, divided by the mean) of pmdarima's "
           "woolyrnq series? (3 significant figures are enough)",
    expected=lambda: float(np.var(_series("woolyrnq"), ddof=1) / np.mean(_series("woolyrnq"))),
    hint="Load it with pmdarima.datasets.load_woolyrnq(); the index compares the variance with the mean.",
    rtol=2e-3,
))

register(Exercise(
    name="01.2",
    prompt="Demand per period is negative binomial with mean 10 and variance 30. What is P(D = 0)? "
           "(4 decimals are enough)",
    expected=lambda: float(DiscreteDistribution.from_scipy(demand_distribution("nbinom", 10, 3)).prob(0)),
    hint="casekit.distributions.demand_distribution builds it from the mean and variance/mean; "
         "read the pmf at zero.",
    rtol=0, atol=5e-5,
))

register(Exercise(
    name="01.3",
    prompt="Which candidate does fit_demand rank first by AIC for pmdarima's ausbeer series "
           "(drop its missing last value)? Answer with the candidate's name as fit_demand spells it.",
    expected=lambda: fit_demand(_series("ausbeer")).best,
    hint="fit_demand(samples).best, or the first row of its table; the series has one NaN at the end.",
))
