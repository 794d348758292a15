"""Exercises of notebooks/00_welcome.ipynb."""

from scipy import stats

from casekit.exercises import Exercise, register
from casekit.intro import poisson_cover


def _smallest_stock(mean, level=0.95):
    return next(s for s in range(10_000) if poisson_cover(mean, s).service_level >= level)


def _doubling():
    ratio = _smallest_stock(20) / _smallest_stock(10)
    return "less" if ratio < 2 else ("double" if ratio == 2 else "more")


register(Exercise(
    name="00.1",
    prompt="Demand is Poisson with mean 10 per period. By hand (or with a calculator), what is the "
           "probability that 12 units meet all demand? (4 decimals are enough)",
    expected=lambda: poisson_cover(10, 12).service_level,
    hint="12 units meet all demand when D is at most 12: add the Poisson probabilities "
         "P(D = d) = e^(-10) 10^d / d! for d = 0, 1, ..., 12.",
    rtol=0, atol=5e-5, kind="derive",
))

register(Exercise(
    name="00.2",
    prompt="Find, on the chart above, the smallest stock that meets Poisson(10) demand with probability at "
           "least 0.95. If mean demand doubles to 20, will the stock needed for the same 0.95 be less than "
           "double, exactly double, or more than double? Answer \"less\", \"double\" or \"more\".",
    expected=_doubling,
    hint="The stock is the mean plus a buffer. A Poisson's standard deviation is the square root of "
         "its mean: when the mean doubles, how does the spread grow?",
    kind="predict",
))


register(Exercise(
    name="00.3",
    prompt="A spreadsheet reports a lower probability that 12 units meet Poisson(10) demand than this "
           "notebook does (the cell below prints both). Its formula gives the probability that demand is "
           "strictly below the stock. Which probability did it leave out? Give it (4 decimals are enough).",
    expected=lambda: float(stats.poisson(10).pmf(12)),
    hint="Demand that exactly equals the stock is still met in full. Compare 'D < 12' with 'D <= 12': "
         "which single outcome separates them?",
    rtol=0, atol=5e-5, kind="diagnose",
))
