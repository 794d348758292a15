"""Exercises of notebooks/02_lead_time_variability.ipynb."""

from scipy import stats

from casekit.distributions import DiscreteDistribution, lead_time_distribution
from casekit.exercises import Exercise, register
from casekit.leadtime import lead_time_demand
from casekit.safety_stock import reorder_point, variance_by_tier

register(Exercise(
    name="02.1",
    prompt="A lead time is gamma with mean 6 periods and coefficient of variation 0.5. Rounded UP to whole "
           "periods (rule 'ceil'), what is its mean? (4 decimals are enough)",
    expected=lambda: DiscreteDistribution.from_continuous(lead_time_distribution("gamma", 6, 0.5), rule="ceil").mean(),
    hint="Build the gamma with lead_time_distribution, discretise it with DiscreteDistribution.from_continuous.",
    rtol=0, atol=5e-5,
))

register(Exercise(
    name="02.2",
    prompt="In variance_by_tier() with its example tiers and csl 0.95, what share of the manufacturer's "
           "lead-time-demand variance comes from lead-time variability? (3 decimals are enough)",
    expected=lambda: float(variance_by_tier(csl=0.95).loc["manufacturer", "lead_time_share"]),
    hint="The share is the lead-time part mu_D^2 sigma_L^2 over the whole variance.",
    rtol=0, atol=5e-4,
))

register(Exercise(
    name="02.3",
    prompt="Demand is Poisson(20) per period; the lead time is lognormal with mean 8 periods and cv 0.5, "
           "rounded to whole periods. What is the exact reorder point for a 95% cycle service level?",
    expected=lambda: reorder_point(lead_time_demand(stats.poisson(20), lead_time_distribution("lognorm", 8, 0.5)), 0.95),
    hint="lead_time_demand(demand, lead_time) gives the exact lead-time demand; reorder_point does the rest.",
    rtol=0, atol=0,
))
