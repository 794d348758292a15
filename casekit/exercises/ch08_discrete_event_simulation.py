"""Exercises of notebooks/08_discrete_event_simulation.ipynb."""

from scipy import stats

from casekit.exercises import Exercise, register
from casekit.network import serial
from casekit.policies import EchelonBaseStock


def _run(engine):
    from casekit.simulation import simulate

    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.poisson(5))
    return simulate(net, EchelonBaseStock([9, 15, 26]), 500, 10, seed=0, engine=engine, warmup=50)


register(Exercise(
    name="08.1",
    prompt="Example 6.1 (Poisson(5)) at S = (9, 15, 26), fast engine, seed 0, 500 periods, 10 replications, "
           "warm-up 50: the mean fill rate (3 decimals).",
    expected=lambda: float(_run("fast").summary().loc["fill_rate", "mean"]),
    hint="Call casekit.simulation.simulate with engine='fast' and read .summary().",
    rtol=0, atol=5e-4,
))

register(Exercise(
    name="08.2",
    prompt="The same run on the DES: how many 'stockout' events are in the event log (all replications)?",
    expected=lambda: int((_run("des").events["event"] == "stockout").sum()),
    hint="The result's .events is a DataFrame; count the rows whose event column is 'stockout'.",
    rtol=0, atol=0,
))
