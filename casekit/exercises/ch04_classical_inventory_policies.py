"""Exercises of notebooks/04_classical_inventory_policies.ipynb."""

from scipy import stats

from casekit.dp import optimize_finite_horizon
from casekit.exercises import Exercise, register
from casekit.rq import compare_rq_heuristics, optimize_rq

register(Exercise(
    name="04.1",
    prompt="Snyder & Shen Example 5.8 (Poisson demand of 1.5 a period, L = 2, h = 20, p = 150) with the "
           "fixed cost doubled from K = 100 to K = 200: what is the optimal order quantity Q*?",
    expected=lambda: optimize_rq(stats.poisson(1.5), 2, 20, 150, 200).order_quantity,
    hint="Predict with the EOQ's square-root law first; then solve the (r, Q) problem exactly with the "
         "new K and read its order quantity.",
    rtol=0, atol=0,
))

register(Exercise(
    name="04.2",
    prompt="With no fixed cost, no purchase cost and no discounting, h = 1 and p = 9, demand Poisson(6) "
           "per period: to what level does the optimal policy order up in every period?",
    expected=lambda: optimize_finite_horizon(stats.poisson(6), 1, 9, periods=5).order_up_to_levels[0],
    hint="Each period is a newsvendor problem: the level is the smallest y with P(D <= y) at least the "
         "critical ratio p / (p + h).",
    rtol=0, atol=0,
))


def _eoq_ss_gap():
    table = compare_rq_heuristics(stats.norm(1300, 150), 1 / 12, 0.225, 7.5, 8)
    return float(table.loc["EOQ + SS", "gap_pct"])


register(Exercise(
    name="04.3",
    prompt="Snyder & Shen Example 5.1 (N(1300, 150^2) a year, L = 1/12, h = 0.225, p = 7.5, K = 8): the "
           "policy Q = EOQ, r = newsvendor quantile of lead-time demand costs how many per cent more than "
           "the optimal (r, Q)? (one decimal)",
    expected=_eoq_ss_gap,
    hint="Evaluate that policy's exact cost and the optimum's with the same cost function; the "
         "newsvendor quantile ignores that Q units of stock already cover most of each cycle.",
    rtol=0, atol=0.05,
))
