"""Exercises of notebooks/13_milp_network_design.ipynb."""

import dataclasses
from functools import lru_cache

import numpy as np

from casekit.exercises import Exercise, register


def _cap41():
    from casekit.optimization import load_orlib_cap
    return load_orlib_cap("cap41")


@lru_cache(maxsize=None)
def _doubled_fixed_costs():
    from casekit.optimization import solve_milp
    inst = _cap41()
    before = solve_milp(inst)
    after = solve_milp(dataclasses.replace(inst, fixed_cost=2 * inst.fixed_cost))
    rise, fixed = after.objective - before.objective, float(inst.fixed_cost @ before.open)
    return "exactly" if abs(rise - fixed) <= 1e-6 * fixed else ("less" if rise < fixed else "more")


@lru_cache(maxsize=None)
def _transport_saved_by_opening_all():
    from casekit.optimization import solve_milp, transport_cost
    inst = _cap41()
    return float(transport_cost(inst, solve_milp(inst).open) - transport_cost(inst, np.ones(inst.m, dtype=bool)))


def _pooled_safety_stock():
    from casekit.optimization import evaluate_design, example_network_design
    inst = example_network_design()
    return float(evaluate_design(inst, [0] * inst.n, [0] * inst.n)["safety_stock"][0])


register(Exercise(
    name="13.1",
    prompt="In example_network_design() with its defaults, DC 0 serves every retailer. By hand from the "
           "instance's data (z, DC 0's lead time and the retailers' demand standard deviations), how many "
           "units of safety stock does it hold? (to 0.01)",
    expected=_pooled_safety_stock,
    hint="Independent demands pooled at one DC: their variances add over the lead time, and the safety "
         "stock is z times the square root of (lead time times the sum of the variances), the square-root "
         "law.",
    rtol=0, atol=0.01, kind="derive",
))

register(Exercise(
    name="13.2",
    prompt="cap41's optimal design pays a total F of fixed costs for the facilities it opens. If every "
           "facility's fixed cost doubles, will the optimal total cost rise by less than F, by exactly F, "
           "or by more than F? Answer \"less\", \"exactly\" or \"more\".",
    expected=_doubled_fixed_costs,
    hint="Is the old design still available after the change, and what would it cost now? Then ask "
         "whether the optimiser can do better than keeping it.",
    kind="predict",
))

register(Exercise(
    name="13.3",
    prompt="A student opens all 16 facilities of cap41, reasoning that every customer then gets its cheapest "
           "supplier, and is surprised that the total cost is higher than the optimum (the cell below). Find "
           "why: how much transportation cost does opening all 16 save compared with the optimal design? "
           "(to 0.01)",
    expected=_transport_saved_by_opening_all,
    hint="Total cost is fixed cost plus transportation cost. Price the transportation of both open sets "
         "(each an LP, since capacities bind), subtract, and set the saving against the fixed costs of the "
         "facilities the optimum keeps closed.",
    rtol=0, atol=0.01, kind="diagnose",
))


def _two_scenario_vss():
    """VSS of one site stocking for demand 50 or 150 (equally likely), h = 1, p = 4."""
    from casekit.stochastic import Scenarios, StockPositioningInstance, value_of_information

    inst = StockPositioningInstance(
        fixed_cost=[0.0], holding_cost=[1.0], module=1.0, max_modules=[200], transport_cost=[[0.0]],
        penalty=[4.0], demand_mean=[100.0], demand_cv=[0.5], disruption_prob=[0.0], lead_time_mean=[1.0],
        lead_time_cv=[0.0], resupply_rate=[0.0], period=1.0, name="two-scenario")
    sc = Scenarios(np.array([[50.0], [150.0]]), np.ones((2, 1)), np.zeros((2, 1)), np.array([0.5, 0.5]))
    return float(value_of_information(inst, scenarios=sc).vss)


register(Exercise(
    name="13.4",
    prompt="One site stocks units at a cost of 1 each before demand is known; demand is 50 or 150, equally "
           "likely, and each unit short costs 4. The expected-value plan stocks for the average demand of "
           "100. By hand, what is the value of the stochastic solution (VSS): how much does the best plan "
           "for the two scenarios save, in expected cost, over the expected-value plan?",
    expected=_two_scenario_vss,
    hint="Cost each plan in both scenarios and weight by 1/2. For the best plan, ask when one more unit pays: "
         "it costs 1 for sure and saves 4 only if demand exceeds the stock.",
    rtol=0, atol=1e-6, kind="derive",
))
