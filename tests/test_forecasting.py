"""casekit.forecasting: textbook formulas, backtest measures, blending, promotions, error -> demand."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from casekit.forecasting import (Blend, Forecaster, MovingAverage, Naive, SeasonalNaive, Arima, backtest, combine_forecasts,
                                 demand_uncertainty, load_series, make_forecaster, promo_adjusted_forecast,
                                 promotion_effects, rolling_forecasts, refit_comparison, score)


def quarterly(values, start="2000Q1"):
    return pd.Series(np.asarray(values, float), index=pd.period_range(start, periods=len(values), freq="Q"))


# ------------------------------------------------------------------ shipped series
def test_shipped_series_lengths_and_seasonality():
    # lengths of the series as published (R packages fma/fpp): wineind 176 months from Jan 1980,
    # woolyrnq 119 quarters from 1965Q1, ausbeer 211 quarters from 1956Q1 (pmdarima adds one NaN)
    w, q, b = load_series("wineind"), load_series("woolyrnq"), load_series("ausbeer")
    assert (len(w), len(q), len(b)) == (176, 119, 211)
    assert str(w.index[0]) == "1980-01" and str(q.index[0]) == "1965Q1" and str(b.index[-1]) == "2008Q3"
    assert b.attrs["removed"] == 1 and not b.isna().any()
    with pytest.raises(ValueError, match="name must be one of"):
        load_series("gasoline")


# ------------------------------------------------------------------ baselines (FPP 5.2 formulas by hand)
def test_fpp_seasonal_naive_forecast_and_interval():
    y = quarterly([1, 2, 3, 4, 5, 6, 7, 8])
    fc = SeasonalNaive().fit(y).predict(6)
    assert fc.mean.tolist() == [5, 6, 7, 8, 5, 6]
    # residuals y_t - y_{t-4} are all 4, so sigma = 4; sigma_h = sigma sqrt(floor((h-1)/m) + 1)
    z = stats.norm.ppf(0.9)
    assert np.allclose(fc.upper - fc.mean, z * 4 * np.sqrt([1, 1, 1, 1, 2, 2]))
    assert str(fc.index[0]) == "2002Q1"


def test_fpp_naive_interval_grows_with_sqrt_h():
    y = np.array([10.0, 12, 11, 13, 12, 14])
    fc = Naive(level=0.95).fit(y).predict(4)
    sigma = np.sqrt(np.mean(np.diff(y) ** 2))
    assert np.allclose(fc.mean, 14)
    assert np.allclose(fc.upper - fc.mean, 1.959964 * sigma * np.sqrt([1, 2, 3, 4]), rtol=1e-6)


def test_moving_average_is_mean_of_window():
    y = np.array([3.0, 5, 4, 6, 8, 7])
    fc = MovingAverage(window=3).fit(y).predict(2)
    assert np.allclose(fc.mean, (6 + 8 + 7) / 3)


# ------------------------------------------------------------------ bad input
def test_missing_timestamp_is_an_error():
    idx = pd.PeriodIndex(["2000-01", "2000-02", "2000-04", "2000-05"], freq="M")
    with pytest.raises(ValueError, match="missing timestamps: 2000-02 is followed by 2000-04"):
        Naive().fit(pd.Series([1.0, 2, 3, 4], index=idx))


def test_unsorted_and_duplicated_timestamps_are_errors():
    idx = pd.PeriodIndex(["2000-01", "2000-03", "2000-02"], freq="M")
    with pytest.raises(ValueError, match="unsorted"):
        Naive().fit(pd.Series([1.0, 2, 3], index=idx))
    idx = pd.PeriodIndex(["2000-01", "2000-01", "2000-02"], freq="M")
    with pytest.raises(ValueError, match="duplicated"):
        Naive().fit(pd.Series([1.0, 2, 3], index=idx))


def test_series_too_short_for_seasonality_or_horizon():
    y = load_series("wineind")[:20]
    with pytest.raises(ValueError, match="too short for ets with seasonal period m=12"):
        make_forecaster("ets").fit(y)
    with pytest.raises(ValueError, match="too short for 10 origins with horizon 6"):
        backtest(y, ["seasonal_naive"], horizon=6, origins=10)
    with pytest.raises(ValueError, match="seasonal_naive needs a seasonal period"):
        SeasonalNaive().fit(np.arange(20.0))
    with pytest.raises(ValueError, match="must be finite"):
        Naive().fit([1.0, np.nan, 3.0])


def test_unknown_model_name():
    with pytest.raises(ValueError, match="model must be one of"):
        backtest(load_series("woolyrnq"), ["prophet"], horizon=2, origins=2)


# ------------------------------------------------------------------ backtest measures (independent loop)
def test_backtest_naive_measures_match_a_hand_loop():
    y = load_series("woolyrnq")
    tab = backtest(y, ["naive", "seasonal_naive"], horizon=2, origins=10)
    v = y.to_numpy()
    n = v.size
    ae, sc, e, inside = [], [], [], []
    z = stats.norm.ppf(0.9)
    for t in range(n - 2 - 9, n - 2 + 1):           # training lengths of the 10 origins
        train = v[:t]
        sigma = np.sqrt(np.mean(np.diff(train) ** 2))
        scale = np.mean(np.abs(train[4:] - train[:-4]))
        for h in (1, 2):
            err = v[t + h - 1] - train[-1]
            ae.append(abs(err)), e.append(err), sc.append(abs(err) / scale)
            inside.append(abs(err) <= z * sigma * np.sqrt(h))
    row = tab.loc["naive"]
    assert row["n"] == 20
    assert row["mae"] == pytest.approx(np.mean(ae))
    assert row["rmse"] == pytest.approx(np.sqrt(np.mean(np.square(e))))
    assert row["mase"] == pytest.approx(np.mean(sc))
    assert row["bias"] == pytest.approx(np.mean(e))
    assert row["coverage"] == pytest.approx(np.mean(inside))
    assert list(tab.columns[:5]) == ["mae", "rmse", "mase", "bias", "coverage"]


# ------------------------------------------------------------------ blending
class Constant(Forecaster):
    """Always forecasts ``c`` (a member whose errors we know)."""

    def __init__(self, c, name):
        super().__init__()
        self.c, self.name = c, name

    def _fit(self):
        pass

    def _predict(self, h, exog):
        m = np.full(h, float(self.c))
        return m, m - 1, m + 1


def test_blend_inverse_mse_weights_bates_granger():
    y = np.full(30, 10.0)
    b = Blend([Constant(9, "low"), Constant(12, "high")], window=5).fit(y)
    # errors 1 and -2: MSE 1 and 4, weights (1/1, 1/4) normalised = 0.8, 0.2
    assert b.weights_ == pytest.approx({"low": 0.8, "high": 0.2})
    assert b.predict(1).mean[0] == pytest.approx(0.8 * 9 + 0.2 * 12)
    eq = Blend([Constant(9, "low"), Constant(12, "high")], window=5, scheme="equal").fit(y)
    assert eq.predict(1).mean[0] == pytest.approx(10.5)


def test_blend_reweights_as_data_arrives():
    y = np.full(20, 10.0)
    b = Blend([Constant(9, "low"), Constant(12, "high")], window=3).fit(y)
    assert b.weights_["low"] == pytest.approx(0.8)
    # demand jumps to 12: "high" becomes exact over the window, so it takes all the weight
    y2 = np.concatenate([y, np.full(3, 12.0)])
    b.update(y2)
    assert b.weights_ == {"low": 0.0, "high": 1.0}
    assert len(b.weights_frame()) == 2
    # one observation later the window still holds only 12s
    b.update(np.concatenate([y2, [12.0]]))
    assert b.predict(1).mean[0] == pytest.approx(12.0)


def test_blend_of_real_models_is_no_worse_than_its_worst_member():
    y = load_series("woolyrnq")
    tab = backtest(y, ["naive", "seasonal_naive",
                       Blend(["naive", "seasonal_naive"], window=8)], horizon=2, origins=12)
    assert tab.loc["blend", "rmse"] <= tab.loc[["naive", "seasonal_naive"], "rmse"].max()


# ------------------------------------------------------------------ static vs rolling
def test_static_model_keeps_its_parameters():
    y = load_series("woolyrnq")
    a = Arima(order=(1, 0, 0), seasonal_order=(0, 1, 1, 4)).fit(y[:80])
    p0 = a.model_.params().copy()
    a.update(y[:100], refit=False)
    assert np.allclose(a.model_.params(), p0)
    a.update(y[:110], refit=True)
    assert not np.allclose(a.model_.params(), p0)
    tab = refit_comparison(y, ["ets"], horizon=1, origins=6)
    assert set(tab.columns) == {"rmse_static", "rmse_rolling", "change"}
    assert tab.loc["ets", "change"] == pytest.approx(tab.loc["ets", "rmse_rolling"] / tab.loc["ets", "rmse_static"] - 1)


def test_update_must_extend_the_history():
    y = np.arange(1.0, 30.0)
    f = Naive().fit(y[:20])
    with pytest.raises(ValueError, match="fitted history extended"):
        f.update(y[1:25])


# ------------------------------------------------------------------ promotions
def test_promotion_effects_recover_simulated_truth():
    rng = np.random.default_rng(7)
    n = 4000
    promo = (rng.random(n) < 0.15).astype(int)
    sub = (rng.random(n) < 0.15).astype(int)
    dow = np.arange(n) % 7
    mu = 20 * np.array([0.9, 0.9, 1, 1, 1.1, 1.3, 0.8])[dow] * 1.5 ** promo * 0.75 ** sub
    df = pd.DataFrame({"units": rng.poisson(mu), "promo": promo, "substitute_promo": sub, "dow": dow})
    eff = promotion_effects(df, trend=False)
    assert eff.uplift == pytest.approx(0.5, abs=0.03)
    assert eff.cannibalisation == pytest.approx(0.25, abs=0.03)
    assert eff.uplift_ci[0] < 0.5 < eff.uplift_ci[1]
    adj = promo_adjusted_forecast([10.0, 10.0, 10.0], [0, 1, 0], [0, 0, 1], eff)
    assert adj == pytest.approx([10.0, 10 * (1 + eff.uplift), 10 * (1 - eff.cannibalisation)])


def test_promotion_effects_on_the_shipped_sales_track_the_generator():
    from casekit.datasets.sales import load_sales, truth

    sales = load_sales()
    tr = truth().set_index(["region", "sku"])
    est, true = [], []
    for (region, sku), g in sales.groupby(["region", "sku"]):
        e = promotion_effects(g.reset_index(drop=True))
        est += [e.uplift, e.cannibalisation]
        true += [tr.loc[(region, sku), "uplift"], tr.loc[(region, sku), "cannibalisation"]]
    est, true = np.array(est), np.array(true)
    assert np.corrcoef(est, true)[0, 1] > 0.9
    assert np.mean(np.abs(est - true)) < 0.06


def test_missing_promotion_column_is_named():
    with pytest.raises(ValueError, match="missing column"):
        promotion_effects(pd.DataFrame({"units": [1] * 20, "dow": [0] * 20}), substitute_promo=None)


# ------------------------------------------------------------------ errors -> demand uncertainty
def test_demand_uncertainty_sums_errors_over_the_lead_time():
    rows = []
    errs = {10: [1.0, 2.0, 5.0], 11: [-1.0, 0.0, 0.0], 12: [2.0, 2.0, 2.0], 13: [0.0, -3.0, 1.0]}
    for origin, e in errs.items():
        for h, err in enumerate(e, start=1):
            rows.append({"model": "m", "origin": origin, "step": h, "actual": 50 + err, "forecast": 50.0,
                         "lower": 0, "upper": 100, "error": err, "scale": 1.0})
    f = pd.DataFrame(rows)
    du = demand_uncertainty(f, lead_time=2)
    cum = np.array([3.0, -1.0, 4.0, -3.0])
    assert du.sigma == pytest.approx(np.std(cum, ddof=1))
    assert du.mean == 100.0 and du.bias == pytest.approx(cum.mean())
    assert du.safety_stock(0.95) == pytest.approx(1.6448536 * np.std(cum, ddof=1), rel=1e-6)
    d = du.distribution()
    assert d.mean() == 100.0 and d.std() == pytest.approx(du.sigma)
    from casekit.safety_stock import reorder_point

    assert reorder_point(d, 0.95) == int(np.ceil(stats.norm(100, du.sigma).ppf(0.95) - 0.5))
    emp = du.distribution("empirical")
    assert emp.pmf[97] == pytest.approx(0.25) and emp.pmf[104] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="exceeds the backtest horizon"):
        demand_uncertainty(f, lead_time=4)


def test_rolling_forecasts_feed_safety_stock():
    y = load_series("woolyrnq")
    f = rolling_forecasts(y, ["seasonal_naive"], horizon=2, origins=12)
    du = demand_uncertainty(f, lead_time=2)
    assert du.sigma > 0 and len(du.errors) == 12
    assert score(f).loc["seasonal_naive", "n"] == 24


def test_combine_forecasts_reweights_by_previous_one_step_errors():
    # two members with known errors at 4 origins; window 2
    rows = []
    err = {"a": [1.0, 1.0, 3.0, 0.0], "b": [2.0, 2.0, 1.0, 0.0]}
    for j, origin in enumerate([10, 11, 12, 13]):
        for m in ("a", "b"):
            for step in (1, 2):
                rows.append({"model": m, "origin": origin, "step": step, "actual": 10.0,
                             "forecast": 10.0 - err[m][j], "lower": 0.0, "upper": 20.0,
                             "error": err[m][j], "scale": 1.0})
    f = pd.DataFrame(rows)
    out = combine_forecasts(f, window=2)
    w = out.drop_duplicates("origin").set_index("origin")["w_a"]
    assert w[10] == pytest.approx(0.5)                      # no history: equal weights
    assert w[11] == pytest.approx((1 / 1) / (1 / 1 + 1 / 4))  # MSE a = 1, b = 4
    # origin 13 sees origins 11, 12: MSE a = (1 + 9)/2 = 5, b = (4 + 1)/2 = 2.5
    assert w[13] == pytest.approx((1 / 5) / (1 / 5 + 1 / 2.5))
    o11 = out[(out["origin"] == 11) & (out["step"] == 1)].iloc[0]
    assert o11["forecast"] == pytest.approx(0.8 * 9 + 0.2 * 8)
    assert score(pd.concat([f, out])).index.tolist() == ["a", "b", "blend"]


def test_static_gradient_boosting_keeps_its_trees():
    y = load_series("woolyrnq")
    g = make_forecaster("gbm").fit(y[:90])
    trees = g.model_
    g.update(y[:100], refit=False)
    assert g.model_ is trees
    # fed the new data, it forecasts from the new end of the series
    assert g.predict(1).mean[0] != make_forecaster("gbm").fit(y[:90]).predict(1).mean[0]
    g.update(y[:101], refit=True)
    assert g.model_ is not trees


def test_irregular_datetime_index_is_an_error():
    idx = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05", "2024-01-06"])
    with pytest.raises(ValueError, match="missing or irregular timestamps: 2024-01-03 00:00:00 is followed by 2024-01-05"):
        Naive().fit(pd.Series(np.arange(5.0), index=idx))
    ok = pd.date_range("2024-01-01", periods=30, freq="MS")    # months: unequal day counts are fine
    assert SeasonalNaive().fit(pd.Series(np.arange(30.0), index=ok)).m_ == 12


def test_rolling_arima_refit_keeps_the_intercept_of_the_selected_model():
    """A re-fit warm-starts from the previous coefficients; on woolyrnq auto-ARIMA selects a model
    without an intercept, so the re-fit must not add one (the coefficient vectors would not line
    up: statsmodels raised IndexError in untransform_params)."""
    import warnings

    from casekit.forecasting import backtest, load_series

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = backtest(load_series("woolyrnq"), ["arima"], horizon=4, origins=3)
    assert int(tab.loc["arima", "n"]) == 12
    assert np.isfinite(tab.loc["arima", "rmse"])
