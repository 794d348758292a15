"""Exercises of notebooks/20_sustainability.ipynb (default parameters)."""

from functools import lru_cache

from casekit.exercises import Exercise, register


@lru_cache(maxsize=None)
def _front(case):
    from casekit.cases.sustainability import case_network_instance
    from casekit.optimization.network_design import pareto_front

    return pareto_front(case_network_instance(case, seed=0), 5)


@lru_cache(maxsize=None)
def _best_interval(case):
    from casekit.cases.sustainability import case_consolidation

    return int(case_consolidation(case, range(1, 11))["total_cost_per_day"].idxmin())


def _compare_intervals():
    e, f = _best_interval("electronics"), _best_interval("fmcg")
    return "longer" if e > f else ("shorter" if e < f else "same")


def _last_step_price(case="electronics"):
    f = _front(case)
    return float((f["cost"].iloc[-1] - f["cost"].iloc[-2]) / (f["co2"].iloc[-2] - f["co2"].iloc[-1]))


register(Exercise(
    name="20.1",
    prompt="Take the 5-point frontier of the FMCG instance (case_network_instance('fmcg', seed=0), section 2's "
           "table with the default parameters). From the table, by hand: by how many percent does the total cost "
           "rise from the cheapest design to the lowest-CO2 design? (1 decimal)",
    expected=lambda: float(100 * (_front("fmcg")["cost"].iloc[-1] / _front("fmcg")["cost"].iloc[0] - 1)),
    hint="The frontier lists the cheapest design first and the lowest-CO2 design last; a percentage rise is "
         "the ratio of the two costs minus one, times 100.",
    rtol=0, atol=0.05, kind="derive",
))

register(Exercise(
    name="20.2",
    prompt="Shipping every T days, for T from 1 to 10: will the cost-minimising interval of the electronics "
           "lanes be longer, shorter or the same as that of the FMCG lanes? Answer \"longer\", \"shorter\" or "
           "\"same\".",
    expected=_compare_intervals,
    hint="Waiting longer fills the trucks better but holds more stock. Which case moves many tonnes a day, and "
         "which ships light, valuable components that barely fill a truck?",
    kind="predict",
))

register(Exercise(
    name="20.3",
    prompt="A planner divides the electronics frontier's total cost rise (section 2, default parameters) by its total CO2 cut, calls the result "
           "\"the carbon price of our last kilograms\" and budgets it (the cell below prints it). Why does that "
           "understate what the last kilograms cost? Give the cost per kg of CO2 saved on the frontier's last "
           "step (between its last two points). (2 decimals)",
    expected=_last_step_price,
    hint="An average over the whole frontier mixes cheap early steps (a few lanes switch mode) with dear late "
         "ones (more DCs open). The price of the last kilograms is the slope of the last step: cost difference "
         "over CO2 difference between the two lowest-CO2 points.",
    rtol=0, atol=5e-3, kind="diagnose",
))
