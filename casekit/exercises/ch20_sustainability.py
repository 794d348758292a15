"""Exercises of notebooks/20_sustainability.ipynb."""

from casekit.exercises import Exercise, register


def _front(case):
    from casekit.cases.sustainability import case_network_instance
    from casekit.optimization.network_design import pareto_front

    return pareto_front(case_network_instance(case, seed=0), 5)


register(Exercise(
    name="20.1",
    prompt="For the FMCG network instance (casekit.cases.sustainability.case_network_instance('fmcg', seed=0)), "
           "by how many percent does the total cost rise from the cheapest design to the lowest-CO2 design of "
           "the 5-point epsilon-constraint frontier? (1 decimal)",
    expected=lambda: float(100 * (_front("fmcg")["cost"].iloc[-1] / _front("fmcg")["cost"].iloc[0] - 1)),
    hint="pareto_front returns the cheapest design first and the lowest-CO2 design last.",
    rtol=0, atol=0.05,
))

register(Exercise(
    name="20.2",
    prompt="Electronics frontier (same function, case 'electronics', seed 0): what does each kg of CO2 saved "
           "cost per day between the last two points of the frontier? (cost difference / CO2 difference, "
           "2 decimals)",
    expected=lambda: float((_front("electronics")["cost"].iloc[-1] - _front("electronics")["cost"].iloc[-2])
                           / (_front("electronics")["co2"].iloc[-2] - _front("electronics")["co2"].iloc[-1])),
    hint="A slope of the frontier: divide the cost step by the CO2 step between two neighbouring points.",
    rtol=0, atol=5e-3,
))

register(Exercise(
    name="20.3",
    prompt="FMCG consolidation (casekit.cases.sustainability.case_consolidation('fmcg', range(1, 11))): "
           "which shipping interval in days gives the lowest transport + holding cost per day?",
    expected=lambda: int(__import__("casekit.cases.sustainability", fromlist=["x"])
                         .case_consolidation("fmcg", range(1, 11))["total_cost_per_day"].idxmin()),
    hint="Look at the total_cost_per_day column and find the interval where it is smallest.",
    rtol=0, atol=0,
))
