"""Exercises of notebooks/09_disruptions_and_resilience.ipynb (default parameters)."""

from scipy import stats

from casekit.exercises import Exercise, register


def _run(scenario):
    from casekit.network import serial
    from casekit.policies import EchelonBaseStock
    from casekit.simulation import simulate

    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.poisson(5))
    return simulate(net, EchelonBaseStock([9, 15, 26]), 150, 40, seed=0, engine="fast", scenario=scenario, warmup=30)


def _port():
    from casekit.network import serial
    from casekit.simulation.scenarios import library

    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.poisson(5))
    return float(_run(library(net, start=40, duration=8)["port_congestion"]).summary().loc["fill_rate", "mean"])


def _recovery12():
    from casekit.simulation.scenarios import Scenario, SupplierShutdown

    res = _run(Scenario("shut", (SupplierShutdown(3, 40, 12),)))
    return float(res.summary().loc["recovery_periods", "mean"])


register(Exercise(
    name="09.1",
    prompt="Stress test with default parameters: the mean fill rate under port_congestion (3 decimals).",
    expected=_port,
    hint="Read the fill_rate column of the stress-test table, or rerun simulate with that scenario.",
    rtol=0, atol=5e-4,
))

register(Exercise(
    name="09.2",
    prompt="A 12-period shutdown of stage 3 from period 40 (section 4's settings): the mean recovery time "
           "(1 decimal).",
    expected=_recovery12,
    hint="Build Scenario('shut', (SupplierShutdown(3, 40, 12),)) and read recovery_periods from the summary.",
    rtol=0, atol=0.05,
))
