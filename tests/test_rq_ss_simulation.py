"""The optimal (s, S) and (r, Q) policies simulated on a one-stage network reproduce their analytic
cost within the simulation's confidence interval.

Timing in :func:`casekit.simulation.simulate`: a stage reviews after the period's demand, an order
placed in period t arrives in period t + L' before that period's demand, and costs are charged at
the end of the period.  So

* the periodic-review (s, S) model with lead time L (review at the start of a period, costs after
  L + 1 periods of demand) is the network with lead time L' = L + 1, exactly;
* the (r, Q) model with lead time L is the network with lead time L' = L for holding and backorder
  costs (the position after a review is uniform on {r+1..r+Q} and the level L periods later is
  that position minus L periods of demand); but a review that finds the position far below r places
  ONE order of n·Q units, so the simulator's ordering cost per period is
  K P(order) = (K / Q) sum_{k=1}^{Q} P(D >= k), a little below the continuous-review K λ / Q.
"""

import numpy as np
from scipy.stats import poisson

from casekit.network import serial
from casekit.policies import RQ, SS
from casekit.rq import optimize_rq
from casekit.simulation import SimulationConfig, simulate
from casekit.ss import optimize_ss


def _ci(res, kpi):
    row = res.summary().loc[kpi]
    return row["ci_low"], row["ci_high"]


def test_example_4_7_optimal_ss_simulates_to_its_cost():
    # Snyder & Shen Example 4.7 (Poisson(6), h = 1, p = 4, K = 5) with a lead time of 1 period
    best = optimize_ss(poisson(6), 1, 4, 5, lead_time=1)
    policy = SS.optimal(poisson(6), 1, 4, 5, lead_time=1)
    assert (policy.s, policy.S) == (best.s, best.S)
    config = SimulationConfig(order_cost=5)
    sim = simulate(serial([1], [2], 4, poisson(6)), policy, 3000, 16, seed=3, engine="fast", warmup=50,
                   config=config)
    lo, hi = _ci(sim, "cost_per_period")
    assert lo <= best.cost <= hi, (lo, best.cost, hi)
    lo, hi = _ci(sim, "ordering_cost")
    assert lo <= best.ordering_cost <= hi
    # the wrong timing (network lead time L instead of L + 1) is far outside the interval
    wrong = simulate(serial([1], [1], 4, poisson(6)), policy, 3000, 16, seed=3, engine="fast", warmup=50,
                     config=config)
    assert not (_ci(wrong, "cost_per_period")[0] <= best.cost <= _ci(wrong, "cost_per_period")[1])


def test_example_5_8_optimal_rq_simulates_to_its_cost():
    # Snyder & Shen Example 5.8: Poisson(1.5), L = 2, h = 20, p = 150, K = 100; (r*, Q*) = (3, 5)
    best = optimize_rq(poisson(1.5), 2, 20, 150, 100)
    policy = RQ.from_result(best)
    assert (policy.r, policy.Q) == (3, 5)
    sim = simulate(serial([20], [2], 150, poisson(1.5)), policy, 3000, 16, seed=4, engine="fast", warmup=50,
                   config=SimulationConfig(order_cost=100))
    # holding and backorder costs are the (r, Q) model's exactly
    lo, hi = _ci(sim, "holding_cost")
    assert lo <= best.holding_cost <= hi
    lo, hi = _ci(sim, "shortage_cost")
    assert lo <= best.backorder_cost <= hi
    # ordering: one K per review that orders, (K / Q) sum_{k=1}^{Q} P(D >= k) per period
    periodic_ordering = 100 / 5 * poisson.sf(np.arange(0, 5), 1.5).sum()
    assert periodic_ordering < best.ordering_cost
    lo, hi = _ci(sim, "ordering_cost")
    assert lo <= periodic_ordering <= hi
    lo, hi = _ci(sim, "cost_per_period")
    assert lo <= best.holding_cost + best.backorder_cost + periodic_ordering <= hi
