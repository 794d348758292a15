"""Exercises of notebooks/10_simulation_optimisation.ipynb (default parameters)."""

from scipy import stats

from casekit.exercises import Exercise, register


def _setup():
    from casekit.multiechelon import shang_song
    from casekit.network import serial
    from casekit.policies import EchelonBaseStock
    from casekit.simulation.optimize import neighbourhood

    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.poisson(5))
    return net, neighbourhood(EchelonBaseStock(list(shang_song(net).base_stock)), radius=2)


def _chosen_cost():
    from casekit.multiechelon import evaluate_serial
    from casekit.simulation.optimize import tune

    net, cands = _setup()
    r = tune(net, cands, finalists=3, screen_periods=800, screen_replications=10, confirm_periods=800,
             confirm_replications=4, seed=0)
    return evaluate_serial(net, list(r.policy.levels)).cost


register(Exercise(
    name="10.1",
    prompt="How many candidates does the screening grid of section 2 hold (default parameters)?",
    expected=lambda: len(_setup()[1]),
    hint="A (2r + 1)^3 grid, minus the vectors whose echelon levels decrease going upstream; len() of the list.",
    rtol=0, atol=0,
))

register(Exercise(
    name="10.2",
    prompt="The exact Clark–Scarf cost of the policy tune chooses in section 3 (2 decimals).",
    expected=_chosen_cost,
    hint="Pass the chosen policy's levels to casekit.multiechelon.evaluate_serial.",
    rtol=0, atol=5e-3,
))
