"""Exercises of notebooks/11_forecasting_and_blending.ipynb."""

import pandas as pd

from casekit.exercises import Exercise, register
from casekit.forecasting import backtest, demand_uncertainty, inverse_mse_weights, load_series, rolling_forecasts


def _cola_s_safety_stock():
    from casekit.datasets.sales import load_sales

    s = load_sales()
    g = s[(s["region"] == "South") & (s["sku"] == "COLA-S")]
    y = pd.Series(g["units"].to_numpy(float), index=pd.PeriodIndex(g["date"], freq="D"))
    f = rolling_forecasts(y, ["seasonal_naive"], 2, 28)
    return demand_uncertainty(f, lead_time=2).safety_stock(0.95)


register(Exercise(
    name="11.1",
    prompt="Backtest the seasonal naive forecast on woolyrnq with horizon 4 and 8 origins. What is its MASE?",
    expected=lambda: float(backtest(load_series("woolyrnq"), ["seasonal_naive"], horizon=4,
                                    origins=8).loc["seasonal_naive", "mase"]),
    hint="backtest(load_series('woolyrnq'), ['seasonal_naive'], horizon=4, origins=8) and read the mase column.",
    rtol=0, atol=5e-4,
))

register(Exercise(
    name="11.2",
    prompt="Two members' recent mean squared errors are 4 and 12. What inverse-MSE weight does the first get?",
    expected=lambda: float(inverse_mse_weights([4.0, 12.0])[0]),
    hint="Each weight is proportional to 1/MSE; the weights sum to 1.",
    rtol=0, atol=5e-4,
))

register(Exercise(
    name="11.3",
    prompt="COLA-S, South region, seasonal naive forecasts, 28 daily origins, lead time 2 days: what safety "
           "stock gives a 95% cycle service level?",
    expected=_cola_s_safety_stock,
    hint="rolling_forecasts with horizon = lead time, then demand_uncertainty(..., lead_time=2).safety_stock(0.95).",
    rtol=0, atol=5e-3,
))
