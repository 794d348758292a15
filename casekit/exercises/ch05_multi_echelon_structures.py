"""Exercises of notebooks/05_multi_echelon_structures.ipynb."""

from casekit.exercises import Exercise, register
from casekit.multiechelon import bullwhip_bound, risk_pooling
from casekit.network import serial


def _echelon_stage_2():
    from scipy import stats

    net = serial([1, 1, 1], [1, 1, 1], 10, stats.poisson(5))
    return net.to_echelon([4, 7, 12])[1]


register(Exercise(
    name="05.1",
    prompt="A three-stage serial chain holds local base-stock levels 4 (stage 1, the customer-facing "
           "stage), 7 (stage 2) and 12 (stage 3) units. What is stage 2's echelon base-stock level?",
    expected=_echelon_stage_2,
    hint="An echelon is a stage and everything downstream of it; Network.to_echelon converts.",
    rtol=0, atol=1e-9,
))

register(Exercise(
    name="05.2",
    prompt="Nine retailers with independent demand of equal standard deviation pool their safety stock "
           "in one warehouse. What fraction of the separate safety stock does the pooled one need? "
           "(a number between 0 and 1)",
    expected=lambda: risk_pooling([1.0] * 9).centralised / risk_pooling([1.0] * 9).decentralised,
    hint="The square-root law: pooled safety stock grows with the square root of the number of locations.",
    rtol=0, atol=5e-4,
))

register(Exercise(
    name="05.3",
    prompt="A stage orders up to L times a moving-average forecast over p = 6 periods, with lead time "
           "L = 3. By Chen et al.'s formula, by what factor does the variance of its orders exceed the "
           "variance of its demand?",
    expected=lambda: bullwhip_bound(3, 6),
    hint="1 + 2L/p + 2L²/p², or casekit.multiechelon.bullwhip_bound.",
    rtol=0, atol=5e-4,
))
