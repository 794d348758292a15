"""Exercises of notebooks/03_safety_stock_convolution.ipynb."""

from scipy import stats

from casekit.distributions import demand_distribution, lead_time_distribution
from casekit.exercises import Exercise, register
from casekit.leadtime import lead_time_demand
from casekit.safety_stock import compare_methods, newsvendor, reorder_point_fill_rate


def _normal_vs_exact():
    c = compare_methods(demand_distribution("nbinom", 5, 2), lead_time_distribution("gamma", 4, 0.5), 0.99)
    normal, exact = c.reorder_point("normal"), c.reorder_point("exact")
    return "higher" if normal > exact else ("lower" if normal < exact else "same")


register(Exercise(
    name="03.1",
    prompt="A newsvendor pays h = 1 per unit left over and p = 9 per unit short; demand is Poisson(12). "
           "By hand, what is the optimal base-stock level?",
    expected=lambda: newsvendor(1, 9, stats.poisson(12)).base_stock,
    hint="Stock one more unit while the chance it is needed, 1 - F(S), times p beats the chance it is "
         "left over, F(S), times h. That gives a critical ratio p / (p + h); the optimal S is the "
         "smallest level whose cumulative probability reaches it.",
    rtol=0, atol=0, kind="derive",
))

register(Exercise(
    name="03.2",
    prompt="Demand is negative binomial with mean 5 and variance 10 per period; the lead time is gamma "
           "with mean 4 periods and cv 0.5, rounded to whole periods. For a 99% cycle service level, will "
           "the normal approximation's reorder point be higher than, lower than or the same as the exact "
           "one? Answer \"higher\", \"lower\" or \"same\".",
    expected=_normal_vs_exact,
    hint="A random sum of skewed demands over a skewed lead time is itself skewed to the right. Where "
         "does a symmetric bell put its 99% quantile compared with a distribution that has a long "
         "right tail?",
    kind="predict",
))

register(Exercise(
    name="03.3",
    prompt="Demand is Poisson(20) per period, the lead time is fixed at 4 periods and orders are for 50 "
           "units. A planner sets the reorder point for a 98% cycle service level and then measures a "
           "fill rate far above 98% (the cell below prints both). Is the measurement wrong? Find the "
           "smallest reorder point whose fill rate is at least 98%.",
    expected=lambda: reorder_point_fill_rate(lead_time_demand(stats.poisson(20), 4), 0.98, 50),
    hint="The cycle service level counts replenishment cycles without a stockout; the fill rate counts "
         "units. A cycle that does run short misses only a few of the 50 units it has to cover. Find "
         "the smallest r with 1 - [n(r) - n(r + Q)] / Q >= 0.98, n being the expected shortfall of "
         "lead-time demand beyond a level.",
    rtol=0, atol=0, kind="diagnose",
))
