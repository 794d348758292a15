"""Exercises of notebooks/12_real_time_analytics.ipynb."""

from casekit.exercises import Exercise, register
from casekit.streaming import modified_z, poisson_loss


def _orders_n1_k1():
    from casekit.datasets.events import load_events
    from casekit.streaming import Pipeline

    d = load_events()
    po = Pipeline(d.policy).run(d.events).purchase_orders()
    return int(((po["node"] == "N1") & (po["sku"] == "K1")).sum())


register(Exercise(
    name="12.1",
    prompt="In the shipped stream, how many purchase orders does the pipeline trigger for store N1, SKU K1?",
    expected=_orders_n1_k1,
    hint="Run Pipeline(policy).run(events) and filter purchase_orders() by node and SKU.",
    rtol=0, atol=0,
))

register(Exercise(
    name="12.2",
    prompt="Demand is Poisson with mean 6 and 4 units are on hand. Expected units short, E[(D-4)+]?",
    expected=lambda: float(poisson_loss(4, 6.0)),
    hint="Sum (d - 4) P(D = d) over d > 4, or use the loss-function identity n(x) = (mu - x)(1 - F(x)) + mu f(x).",
    rtol=0, atol=5e-5,
))

register(Exercise(
    name="12.3",
    prompt="Calibration median 0.5 h, MAD 2 h: modified z-score of a 9.5 h ETA drift?",
    expected=lambda: float(modified_z(9.5, 0.5, 2.0)),
    hint="M = 0.6745 (x - median) / MAD.",
    rtol=0, atol=5e-4,
))
