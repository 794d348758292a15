"""Exercises of notebooks/05_multi_echelon_structures.ipynb."""

import numpy as np

from casekit.exercises import Exercise, register
from casekit.metrics import bullwhip_ratio
from casekit.multiechelon import bullwhip_bound, risk_pooling
from casekit.network import serial


def _echelon_stage_2():
    from scipy import stats

    net = serial([1, 1, 1], [1, 1, 1], 10, stats.poisson(5))
    return net.to_echelon([4, 7, 12])[1]


def _correlated_pooling():
    independent = risk_pooling([1.0] * 9).saving
    correlated = risk_pooling([1.0] * 9, correlation=0.5).saving
    return "more" if correlated > independent else ("less" if correlated < independent else "same")


def batched_orders(seed=5, months=36, days_per_month=30, mean=20.0, window=3):
    """Daily demand and the daily order series of a store that orders once a month.

    Each month the store orders last month's demand plus the change of its order-up-to level
    (lead time one month times a moving-average forecast over ``window`` months).  Returns
    ``(daily_demand, daily_orders, monthly_demand, monthly_orders)`` after a warm-up of ``window``
    months; the same numbers as the notebook's cell.
    """
    rng = np.random.default_rng(seed)
    daily = rng.poisson(mean, months * days_per_month).astype(float)
    monthly = daily.reshape(months, days_per_month).sum(axis=1)
    forecast = np.convolve(monthly, np.ones(window) / window, mode="valid")   # month window-1 onwards
    orders = monthly[window:] + np.diff(forecast)                             # months window.. onwards
    daily_orders = np.zeros_like(daily)
    daily_orders[window * days_per_month + days_per_month - 1::days_per_month] = orders
    return daily[window * days_per_month:], daily_orders[window * days_per_month:], monthly[window:], orders


register(Exercise(
    name="05.1",
    prompt="A three-stage serial chain holds local base-stock levels 4 (stage 1, the customer-facing "
           "stage), 7 (stage 2) and 12 (stage 3) units. By hand, what is stage 2's echelon base-stock level?",
    expected=_echelon_stage_2,
    hint="An echelon is a stage together with everything downstream of it; its level counts the stock "
         "of all of them.",
    rtol=0, atol=1e-9, kind="derive",
))

register(Exercise(
    name="05.2",
    prompt="Pooling the safety stock of nine retailers with independent demands of equal standard "
           "deviation saves two thirds of it (the square-root law). If their demands are positively "
           "correlated (correlation 0.5 between every pair), will pooling save more, less or the same? "
           "Answer \"more\", \"less\" or \"same\".",
    expected=_correlated_pooling,
    hint="Pooling works because a high demand at one retailer is offset by a low one at another. How "
         "often does that happen when demands tend to move together?",
    kind="predict",
))

register(Exercise(
    name="05.3",
    prompt="A stage orders up to L times a moving-average forecast over the last p = 6 periods, with lead "
           "time L = 3. By hand (Chen et al.'s formula), by what factor does the variance of its orders "
           "exceed the variance of its demand?",
    expected=lambda: bullwhip_bound(3, 6),
    hint="The order is this period's demand plus L times the change in the forecast, and a p-period "
         "moving average changes by (d_t - d_(t-p)) / p. Write the order as a weighted sum of independent "
         "demands and add up the squared weights.",
    rtol=0, atol=5e-4, kind="derive",
))

register(Exercise(
    name="05.4",
    prompt="A store orders once a month (every 30 days); each order replaces last month's demand and "
           "adjusts a moving-average forecast. A colleague computes its bullwhip ratio from the daily order "
           "and daily demand series and gets a number in the hundreds (the cell below). Why is it "
           "meaningless? Compute the ratio the store's policy really has: on monthly totals of orders and "
           "of demand. (2 decimals are enough)",
    expected=lambda: bullwhip_ratio(*batched_orders()[3:1:-1]),
    hint="On a daily scale the orders are zero on 29 days and a whole month's worth on the 30th: that "
         "variance comes from batching, not from amplified demand. Compare like with like: sum both series "
         "over the same 30-day buckets.",
    rtol=0, atol=5e-3, kind="diagnose",
))
