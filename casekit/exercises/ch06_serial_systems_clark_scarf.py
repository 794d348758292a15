"""Exercises of notebooks/06_serial_systems_clark_scarf.ipynb."""

from scipy import stats

from casekit.exercises import Exercise, register
from casekit.multiechelon import independent_serial, optimize_serial
from casekit.network import serial

register(Exercise(
    name="06.1",
    prompt="Example 6.1 with Poisson(5) demand, but the stockout cost doubled to p = 74.24. What is "
           "stage 1's optimal echelon base-stock level S*_1?",
    expected=lambda: optimize_serial(serial([3, 2, 2], [1, 1, 2], 74.24, stats.poisson(5))).base_stock[0],
    hint="Build the system with casekit.network.serial and solve it with optimize_serial.",
    rtol=0, atol=0,
))

register(Exercise(
    name="06.2",
    prompt="Example 6.1 with N(5, 1) demand: what is the optimal expected cost per period when stage 3's "
           "lead time falls from 2 periods to 1? (2 decimals are enough)",
    expected=lambda: optimize_serial(serial([3, 2, 2], [1, 1, 1], 37.12, stats.norm(5, 1))).cost,
    hint="Change the last lead time and rerun optimize_serial; read .cost.",
    rtol=0, atol=5e-3,
))


def _gap():
    net = serial([3, 2, 2], [1, 1, 2], 37.12, stats.norm(5, 1))
    return independent_serial(net).cost / optimize_serial(net).cost - 1


register(Exercise(
    name="06.3",
    prompt="Example 6.1 with N(5, 1) demand: by what fraction does the cost of every stage planning alone "
           "exceed the optimal cost? (e.g. 0.05 for 5%, 3 decimals)",
    expected=_gap,
    hint="Compare independent_serial(net).cost with optimize_serial(net).cost.",
    rtol=0, atol=5e-4,
))
