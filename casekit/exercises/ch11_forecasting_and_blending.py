"""Exercises of notebooks/11_forecasting_and_blending.ipynb."""

import math

import pandas as pd

from casekit.exercises import Exercise, register
from casekit.forecasting import backtest, demand_uncertainty, inverse_mse_weights, load_series, rolling_forecasts


def _cola_s_sigmas():
    from casekit.datasets.sales import load_sales

    s = load_sales()
    g = s[(s["region"] == "South") & (s["sku"] == "COLA-S")]
    y = pd.Series(g["units"].to_numpy(float), index=pd.PeriodIndex(g["date"], freq="D"))
    f = rolling_forecasts(y, ["seasonal_naive"], 4, 28)
    return demand_uncertainty(f, lead_time=2).sigma, demand_uncertainty(f, lead_time=4).sigma


def _growth():
    two, four = _cola_s_sigmas()
    ratio = (four / two) / math.sqrt(2)
    return "less" if ratio < 0.9 else ("more" if ratio > 1.1 else "about")


def _seasonal_naive(name, column):
    return float(backtest(load_series(name), ["seasonal_naive"], horizon=4, origins=8).loc["seasonal_naive", column])


register(Exercise(
    name="11.1",
    prompt="Two members' recent one-step errors have mean squared errors 4 and 12. By hand, what weight does "
           "the inverse-MSE blend give the first member?",
    expected=lambda: float(inverse_mse_weights([4.0, 12.0])[0]),
    hint="Each weight is proportional to 1/MSE, and the weights sum to 1.",
    rtol=0, atol=5e-4, kind="derive",
))

register(Exercise(
    name="11.2",
    prompt="COLA-S in the South region, seasonal naive forecasts from 28 daily origins. σ_L, the standard "
           "deviation of the lead-time-demand forecast error, is measured for a lead time of 2 days. With a "
           "lead time of 4 days, will σ_L grow by about √2 (within 10%), by less, or by more? Answer "
           "\"about\", \"less\" or \"more\".",
    expected=_growth,
    hint="√2 is what independent errors would give: variances add. A forecast made today for day 3 and "
         "day 4 builds on the same stale information as its day-1 and day-2 forecasts. Are the errors of "
         "one origin's successive steps independent, or do they move together?",
    kind="predict",
))

register(Exercise(
    name="11.3",
    prompt="A colleague backtests the seasonal naive forecast (horizon 4, 8 origins) on wineind and on ausbeer "
           "and, from the MAEs the cell below prints, concludes that it forecasts ausbeer about two hundred "
           "times better. What is wrong with the comparison? Give the ratio it should have reported: "
           "wineind's MASE divided by ausbeer's. (3 decimals)",
    expected=lambda: _seasonal_naive("wineind", "mase") / _seasonal_naive("ausbeer", "mase"),
    hint="An MAE is in the units of its series: bottles of wine and megalitres of beer are not comparable. "
         "A scaled error divides by what a simple benchmark achieves on the same series.",
    rtol=0, atol=5e-4, kind="diagnose",
))
