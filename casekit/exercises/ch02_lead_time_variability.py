"""Exercises of notebooks/02_lead_time_variability.ipynb."""

from scipy import stats

from casekit.distributions import lead_time_distribution
from casekit.exercises import Exercise, register
from casekit.leadtime import lead_time_demand
from casekit.safety_stock import reorder_point, variance_by_tier

_TIER = dict(tier="example", demand_mean=20, demand_sd=4, lead_time_mean=8, lead_time_sd=4)


def _halving():
    base = variance_by_tier([_TIER]).loc["example", "safety_stock"]
    demand = variance_by_tier([{**_TIER, "demand_sd": 2}]).loc["example", "safety_stock"]
    lead = variance_by_tier([{**_TIER, "lead_time_sd": 2}]).loc["example", "safety_stock"]
    return "demand" if base - demand > base - lead else "lead time"


def _fixed_lead_time_csl():
    r = reorder_point(lead_time_demand(stats.poisson(20), 8), 0.95)
    return float(lead_time_demand(stats.poisson(20), lead_time_distribution("lognorm", 8, 0.5)).cdf(r))


register(Exercise(
    name="02.1",
    prompt="Demand per period has mean 20 and standard deviation 4; the lead time has mean 8 periods and "
           "standard deviation 4 periods. By hand, what share of the variance of lead-time demand comes "
           "from lead-time variability? (3 decimals are enough)",
    expected=lambda: float(variance_by_tier([_TIER]).loc["example", "lead_time_share"]),
    hint="Lead-time demand is a random sum: its variance is E[L] Var[D] + Var[L] E[D]^2. The second "
         "term is the lead-time part; divide it by the whole.",
    rtol=0, atol=5e-4, kind="derive",
))

register(Exercise(
    name="02.2",
    prompt="Same tier as 02.1. You can halve either the demand standard deviation (4 to 2) or the lead-time "
           "standard deviation (4 to 2 periods). Which cuts the safety stock more? Answer \"demand\" or "
           "\"lead time\".",
    expected=_halving,
    hint="The safety stock is proportional to the square root of the variance of lead-time demand. "
         "Which of its two parts is larger here, and how does each scale with its standard deviation?",
    kind="predict",
))

register(Exercise(
    name="02.3",
    prompt="A planner sets the reorder point for a 95% cycle service level assuming the lead time is "
           "always 8 periods (demand Poisson(20)). In reality the lead time is lognormal with mean 8 and "
           "cv 0.5, rounded to whole periods, and stockouts happen in far more than 5% of cycles. What "
           "cycle service level does the planner's reorder point really give? (3 decimals are enough)",
    expected=_fixed_lead_time_csl,
    hint="A cycle is covered when lead-time demand stays at or below the reorder point. Keep the "
         "planner's reorder point but take the probability under the lead-time demand with the variable "
         "lead time.",
    rtol=0, atol=5e-4, kind="diagnose",
))
