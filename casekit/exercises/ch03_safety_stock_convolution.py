"""Exercises of notebooks/03_safety_stock_convolution.ipynb."""

from scipy import stats

from casekit.distributions import demand_distribution, lead_time_distribution
from casekit.exercises import Exercise, register
from casekit.leadtime import lead_time_demand
from casekit.safety_stock import newsvendor, reorder_point, reorder_point_fill_rate

register(Exercise(
    name="03.1",
    prompt="Demand is negative binomial with mean 5 and variance 10 per period; the lead time is gamma with "
           "mean 4 periods and cv 0.5, rounded to whole periods. What is the exact reorder point for a 99% "
           "cycle service level?",
    expected=lambda: reorder_point(lead_time_demand(demand_distribution("nbinom", 5, 2),
                                                    lead_time_distribution("gamma", 4, 0.5)), 0.99),
    hint="Build both distributions from their moments, convolve with lead_time_demand, then reorder_point.",
    rtol=0, atol=0,
))

register(Exercise(
    name="03.2",
    prompt="Demand is Poisson(20) per period and the lead time is fixed at 4 periods; orders are for 50 units. "
           "What is the smallest reorder point with a fill rate of at least 98%?",
    expected=lambda: reorder_point_fill_rate(lead_time_demand(stats.poisson(20), 4), 0.98, 50),
    hint="The fill rate of reorder point r is 1 - [n(r) - n(r + Q)] / Q, with n the loss function of "
         "lead-time demand.",
    rtol=0, atol=0,
))

register(Exercise(
    name="03.3",
    prompt="A newsvendor pays h = 1 per unit left over and p = 9 per unit short; demand is Poisson(12). "
           "What is the expected cost per period at the optimal base-stock level? (4 decimals are enough)",
    expected=lambda: newsvendor(1, 9, stats.poisson(12)).cost,
    hint="The optimal S is the smallest integer with F(S) >= p / (p + h); the cost is h E[(S-D)+] + p E[(D-S)+].",
    rtol=0, atol=5e-5,
))
