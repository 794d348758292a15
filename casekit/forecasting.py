"""Demand forecasting: baselines, ETS, ARIMA, gradient boosting, rolling-origin backtests and blending.

Every forecaster has the same three methods (the scikit-learn habit, adapted to time series):

* ``fit(series, exog=None)`` estimates the model on the history ``y_1..y_T``;
* ``predict(horizon, exog=None)`` returns a :class:`Forecast`: the point forecasts
  ``y_hat_{T+h|T}``, h = 1..H, and a central prediction interval at ``level`` (80% by default);
* ``update(series, exog=None, refit=True)`` moves the forecast origin to the end of a longer
  history (the old one extended).  ``refit=True`` re-estimates the parameters ("rolling re-fit");
  ``refit=False`` keeps the parameters found at ``fit`` and only conditions on the new data
  ("static" model: fitted once, still fed the latest observations).

Models (``make_forecaster(name)``; notation of Hyndman & Athanasopoulos, *Forecasting: Principles
and Practice* (FPP), 3rd ed., ch. 5, 8, 9):

``naive``            ``y_hat_{T+h} = y_T``;  ``sigma_h = sigma * sqrt(h)``.
``seasonal_naive``   ``y_hat_{T+h} = y_{T+h-m(k+1)}``, k = floor((h-1)/m);  ``sigma_h = sigma * sqrt(k+1)``.
``moving_average``   mean of the last ``window`` values; ``sigma_h = sigma`` (one-step residual sd).
``ets``              additive-error ETS with damped additive trend and additive seasonality
                     (statsmodels ``ETSModel``; ETS(A,Ad,A), or ETS(A,Ad,N) when m = 1), analytic
                     prediction intervals.
``arima``            seasonal ARIMA(p,d,q)(P,D,Q)_m whose orders pmdarima's ``auto_arima`` chooses
                     by AICc, stepwise (Hyndman & Khandakar 2008).  The order search runs at ``fit``
                     only (it takes seconds per seasonal series); ``update`` re-estimates the
                     coefficients of that order.
``gbm``              scikit-learn gradient boosting on lag, calendar (season position) and exogenous
                     (promotion) features, forecasting the deviation from the recent level and
                     recursing for h > 1.  Intervals from held-out one-step residuals scaled by
                     ``sqrt(h)``.
``lstm``             a small LSTM in numpy on sliding windows, recursive for h > 1
                     (:class:`casekit.lstm.LSTMForecaster`).
``blend``            :class:`Blend`: a weighted average of members, weights from recent accuracy.

Residual standard deviations ``sigma`` above are the in-sample one-step residuals' (FPP Table 5.2);
intervals are normal, ``y_hat +- z_{(1+level)/2} sigma_h``.

Seasonality ``m`` is inferred from the series' time index (monthly 12, quarterly 4, weekly 52,
daily 7, hourly 24) or given as ``seasonal_period``; a series without a time index is treated as
non-seasonal (m = 1) unless told otherwise.

Errors are ``e = y - y_hat`` (actual minus forecast) throughout, so a positive ``bias`` means the
model under-forecasts.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from casekit.validate import check_array, check_choice, check_int, check_probability

__all__ = [
    "Forecast",
    "Forecaster",
    "Naive",
    "SeasonalNaive",
    "MovingAverage",
    "ETS",
    "Arima",
    "GradientBoosting",
    "Blend",
    "MODEL_NAMES",
    "make_forecaster",
    "load_series",
    "SHIPPED_SERIES",
    "infer_seasonal_period",
    "rolling_forecasts",
    "score",
    "backtest",
    "refit_comparison",
    "inverse_mse_weights",
    "combine_forecasts",
    "PromotionEffects",
    "promotion_effects",
    "promo_adjusted_forecast",
    "DemandUncertainty",
    "demand_uncertainty",
]

MODEL_NAMES = ("naive", "seasonal_naive", "moving_average", "ets", "arima", "gbm", "lstm", "blend")

#: pmdarima's shipped series used by the chapter: name -> (loader, first period, frequency).
#: ``load_gasoline`` is deliberately absent: it downloads its data.
SHIPPED_SERIES = {
    "wineind": ("load_wineind", "1980-01", "M"),   # Australian wine sales, bottles <= 1 litre, monthly
    "woolyrnq": ("load_woolyrnq", "1965Q1", "Q"),  # Australian woollen yarn production, tonnes, quarterly
    "ausbeer": ("load_ausbeer", "1956Q1", "Q"),    # Australian beer production, megalitres, quarterly
}

_FREQ_TO_M = {"M": 12, "ME": 12, "MS": 12, "Q": 4, "QE": 4, "QS": 4, "W": 52, "D": 7, "B": 5,
              "H": 24, "h": 24, "Y": 1, "A": 1, "YE": 1, "YS": 1}


# ----------------------------------------------------------------------------- data helpers
def load_series(name: str) -> pd.Series:
    """One of the real series that ship inside pmdarima, with a proper ``PeriodIndex``.

    ``name`` is ``"wineind"`` (monthly, Jan 1980 - Aug 1994, 176 values), ``"woolyrnq"``
    (quarterly, 1965Q1 - 1994Q3, 119) or ``"ausbeer"`` (quarterly from 1956Q1; pmdarima's copy ends
    with one missing value, which is removed here and reported in ``series.attrs["removed"]``).
    Nothing is downloaded.

    >>> y = load_series("wineind"); (len(y), str(y.index[0]), infer_seasonal_period(y))
    (176, '1980-01', 12)
    """
    check_choice("name", name, tuple(SHIPPED_SERIES))
    import pmdarima.datasets as pmd

    loader, start, freq = SHIPPED_SERIES[name]
    values = np.asarray(getattr(pmd, loader)(), dtype=float)
    removed = 0
    # only trailing gaps may be cut: a hole inside the series would be an error, not a drop
    while values.size and np.isnan(values[-1]):
        values = values[:-1]
        removed += 1
    if np.isnan(values).any():
        raise ValueError(f"series {name!r} has a missing value inside it at position "
                         f"{int(np.flatnonzero(np.isnan(values))[0])}")
    y = pd.Series(values, index=pd.period_range(start, periods=values.size, freq=freq), name=name)
    y.attrs["removed"] = removed
    return y


def infer_seasonal_period(series) -> int | None:
    """The seasonal period m implied by a pandas time index, or None when there is none.

    >>> infer_seasonal_period(pd.Series([1.0] * 8, index=pd.period_range("2000Q1", periods=8, freq="Q")))
    4
    """
    index = getattr(series, "index", None)
    freq = None
    if isinstance(index, pd.PeriodIndex):
        freq = index.freqstr
    elif isinstance(index, pd.DatetimeIndex):
        freq = index.freqstr or (pd.infer_freq(index) if len(index) >= 3 else None)
    if not freq:
        return None
    base = freq.split("-")[0].lstrip("0123456789")
    return _FREQ_TO_M.get(base)


def _check_regular_index(index, name: str) -> None:
    """Raise if a time index is unsorted, duplicated or has missing timestamps."""
    if not isinstance(index, (pd.PeriodIndex, pd.DatetimeIndex)) or len(index) < 2:
        return
    diffs = np.diff(index.asi8)
    if (diffs <= 0).any():
        i = int(np.flatnonzero(diffs <= 0)[0])
        what = "duplicated" if diffs[i] == 0 else "unsorted"
        raise ValueError(f"{name} has {what} timestamps: {index[i]} is followed by {index[i + 1]}")
    if isinstance(index, pd.PeriodIndex):
        gaps = np.flatnonzero(diffs != 1)
        if gaps.size:
            i = int(gaps[0])
            raise ValueError(f"{name} has missing timestamps: {index[i]} is followed by {index[i + 1]} "
                             f"({int(diffs[i]) - 1} period(s) missing); fill or impute them first")
    elif len(index) >= 3 and index.freq is None and pd.infer_freq(index) is None:
        # calendar frequencies (months) have unequal nanosecond steps, hence infer_freq, not diffs
        step = np.median(diffs)
        i = int(np.flatnonzero(diffs != step)[0]) if (diffs != step).any() else 0
        raise ValueError(f"{name} has missing or irregular timestamps: {index[i]} is followed by "
                         f"{index[i + 1]}; fill or impute them first")


def _prepare(series, name: str = "series"):
    """(values, index or None) of a 1-d finite series, after the index checks."""
    index = series.index if isinstance(series, pd.Series) else None
    if index is not None:
        _check_regular_index(index, name)
    y = check_array(name, series, ndim=1, min_size=1)
    return y, index


def _prepare_exog(exog, n: int, name: str = "exog"):
    if exog is None:
        return None
    arr = check_array(name, np.asarray(exog, dtype=float) if not isinstance(exog, np.ndarray) else exog)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{name} must have one row per observation ({n}), got shape {arr.shape}")
    return arr


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Forecast:
    """Point forecasts and a central prediction interval, for steps 1..H after the origin.

    ``mean[h-1]`` is ``y_hat_{T+h|T}``; ``lower``/``upper`` bound the ``level`` prediction interval.
    ``index`` holds the future time labels when the history had a time index.
    """

    model: str
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float
    index: object = None

    @property
    def horizon(self) -> int:
        return int(self.mean.size)

    def to_frame(self) -> pd.DataFrame:
        idx = self.index if self.index is not None else pd.RangeIndex(1, self.horizon + 1, name="step")
        return pd.DataFrame({"mean": self.mean, "lower": self.lower, "upper": self.upper}, index=idx)


def _single_thread():
    """Run small linear algebra on one BLAS thread (:func:`casekit._blas.single_thread`): the
    models here factor tiny matrices thousands of times."""
    from casekit._blas import single_thread

    return single_thread()


def _normal_interval(mean, sigma_h, level):
    z = stats.norm.ppf(0.5 + level / 2)
    return mean - z * sigma_h, mean + z * sigma_h


# ----------------------------------------------------------------------------- base class
class Forecaster:
    """Base class: data handling and the fit / update / predict contract (see the module doc).

    Subclasses implement ``_fit()`` (estimate on ``self.y_``), ``_condition()`` (keep parameters,
    absorb new data; by default nothing to do, as ``predict`` reads ``self.y_``), ``_predict(h, exog)``
    returning ``(mean, lower, upper)``, and ``min_history()``.
    """

    name = "forecaster"
    uses_exog = False

    def __init__(self, seasonal_period: int | None = None, level: float = 0.8):
        if seasonal_period is not None:
            check_int("seasonal_period", seasonal_period, minimum=1)
        self.seasonal_period = seasonal_period
        self.level = check_probability("level", level)

    # -- what subclasses provide
    def min_history(self) -> int:
        return 2

    def _fit(self) -> None:
        raise NotImplementedError

    def _condition(self) -> None:
        """Keep every estimated parameter; ``predict`` reads the new data from ``self.y_``."""

    def _predict(self, h: int, exog):
        raise NotImplementedError

    # -- the contract
    def _set_data(self, series, exog, *, m=None):
        y, index = _prepare(series)
        if m is None:
            m = self.seasonal_period or infer_seasonal_period(series) or 1
        self.m_ = int(m)
        need = self.min_history()
        if y.size < need:
            raise ValueError(f"series is too short for {self.name} with seasonal period m={self.m_}: "
                             f"it has {y.size} observations, at least {need} are needed")
        self.y_, self.index_ = y, index
        self.exog_ = _prepare_exog(exog, y.size)
        if self.uses_exog is False and self.exog_ is not None:
            self.exog_ = None  # univariate model: exogenous columns play no part (documented)

    def fit(self, series, exog=None) -> "Forecaster":
        """Estimate the model on the whole history ``series`` (and ``exog``, one row per value)."""
        self._set_data(series, exog)
        with _single_thread():
            self._fit()
        self.fitted_ = True
        return self

    def update(self, series, exog=None, *, refit: bool = True) -> "Forecaster":
        """Move the origin to the end of ``series``, the fitted history extended by new values.

        ``refit=True`` re-estimates the parameters; ``refit=False`` keeps them (static model).
        """
        self._check_extends_history(series)
        self._set_data(series, exog, m=self.m_)
        with _single_thread():
            if refit:
                self._fit()
            else:
                self._condition()
        return self

    def predict(self, horizon: int, exog=None) -> Forecast:
        """Forecasts for steps 1..``horizon`` after the end of the history."""
        self._require_fitted()
        h = check_int("horizon", horizon, minimum=1)
        if self.uses_exog and self.exog_ is not None:
            if exog is None:
                raise ValueError(f"{self.name} was fitted with exog: pass exog for the {h} future periods")
            exog = _prepare_exog(exog, h)
            if exog.shape[1] != self.exog_.shape[1]:
                raise ValueError(f"exog must have {self.exog_.shape[1]} column(s) like the history, "
                                 f"got {exog.shape[1]}")
        else:
            exog = None
        with _single_thread():
            mean, lower, upper = self._predict(h, exog)
        idx = None
        if isinstance(self.index_, pd.PeriodIndex):
            idx = pd.period_range(self.index_[-1] + 1, periods=h, freq=self.index_.freq)
        return Forecast(self.name, np.asarray(mean, float), np.asarray(lower, float),
                        np.asarray(upper, float), self.level, idx)

    def _require_fitted(self):
        if not getattr(self, "fitted_", False):
            raise RuntimeError(f"{self.name}: call fit(series) before predict or update")

    def _check_extends_history(self, series) -> None:
        """``update`` takes the fitted history extended by new values, never a different series."""
        self._require_fitted()
        old = self.y_
        y, _ = _prepare(series)
        if y.size < old.size or not np.array_equal(y[:old.size], old):
            raise ValueError("series must be the fitted history extended by new observations "
                             f"(fitted on {old.size} values, got {y.size} that do not start with them)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seasonal_period={self.seasonal_period}, level={self.level})"


# ----------------------------------------------------------------------------- baselines
class Naive(Forecaster):
    """``y_hat_{T+h} = y_T``: the random-walk forecast (FPP 5.2)."""

    name = "naive"

    def _fit(self):
        r = np.diff(self.y_)
        self.sigma_ = float(np.sqrt(np.mean(r ** 2))) if r.size else 0.0

    def _predict(self, h, exog):
        mean = np.full(h, self.y_[-1])
        return (mean, *_normal_interval(mean, self.sigma_ * np.sqrt(np.arange(1, h + 1)), self.level))


class SeasonalNaive(Forecaster):
    """``y_hat_{T+h} = y_{T+h-m(k+1)}``, the value one season earlier (FPP 5.2); needs m >= 2."""

    name = "seasonal_naive"

    def min_history(self):
        return self.m_ + 1

    def _set_data(self, series, exog, *, m=None):
        super()._set_data(series, exog, m=m)
        if self.m_ < 2:
            raise ValueError("seasonal_naive needs a seasonal period m >= 2: the series has no time index "
                             "that implies one, so pass seasonal_period=")

    def _fit(self):
        m = self.m_
        r = self.y_[m:] - self.y_[:-m]
        self.sigma_ = float(np.sqrt(np.mean(r ** 2)))

    def _predict(self, h, exog):
        m = self.m_
        steps = np.arange(1, h + 1)
        k = (steps - 1) // m
        mean = self.y_[self.y_.size + steps - 1 - m * (k + 1)]
        return (mean, *_normal_interval(mean, self.sigma_ * np.sqrt(k + 1), self.level))


class MovingAverage(Forecaster):
    """Mean of the last ``window`` observations, flat over the horizon."""

    name = "moving_average"

    def __init__(self, window: int = 4, seasonal_period=None, level=0.8):
        super().__init__(seasonal_period, level)
        self.window = check_int("window", window, minimum=1)

    def min_history(self):
        return self.window + 2

    def _fit(self):
        k = self.window
        c = np.concatenate([[0.0], np.cumsum(self.y_)])
        means = (c[k:-1] - c[:-k - 1]) / k           # mean of y[t-k..t-1] for t = k..T-1
        r = self.y_[k:] - means
        self.sigma_ = float(np.sqrt(np.mean(r ** 2)))

    def _predict(self, h, exog):
        mean = np.full(h, self.y_[-self.window:].mean())
        return (mean, *_normal_interval(mean, np.full(h, self.sigma_), self.level))


# ----------------------------------------------------------------------------- ETS
class ETS(Forecaster):
    """Additive-error exponential smoothing, ETS(A,Ad,A) (statsmodels ``ETSModel``).

    State space form of FPP ch. 8: level ``l``, damped trend ``b`` (damping ``phi``) and
    seasonal ``s`` components updated by ``alpha``, ``beta``, ``gamma``; parameters by maximum
    likelihood.  Without seasonality (m = 1) the model is ETS(A,Ad,N).
    """

    name = "ets"

    def __init__(self, seasonal_period=None, level=0.8, *, trend: bool = True, damped: bool = True):
        super().__init__(seasonal_period, level)
        self.trend, self.damped = bool(trend), bool(damped)

    def min_history(self):
        return 2 * self.m_ + 4 if self.m_ > 1 else 6

    def _model(self):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        seasonal = self.m_ > 1
        return ETSModel(pd.Series(self.y_), error="add", trend="add" if self.trend else None,
                        damped_trend=self.damped and self.trend, seasonal="add" if seasonal else None,
                        seasonal_periods=self.m_ if seasonal else None)

    def _fit(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.result_ = self._model().fit(disp=False)
        self.params_ = self.result_.params

    def _condition(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.result_ = self._model().smooth(self.params_)

    def _predict(self, h, exog):
        n = self.y_.size
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = self.result_.get_prediction(start=n, end=n + h - 1).summary_frame(alpha=1 - self.level)
        return frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy()


# ----------------------------------------------------------------------------- ARIMA
class Arima(Forecaster):
    """Seasonal ARIMA with orders chosen by pmdarima's ``auto_arima`` (stepwise, AICc).

    The search is limited (p, q <= ``max_pq``; P, Q <= 1) to keep it to seconds on a seasonal
    series, with at most ``maxiter`` optimiser iterations per candidate; pass ``order`` and
    ``seasonal_order`` to skip it.  ``update(refit=True)`` re-estimates
    the coefficients of the chosen order, starting the search from the previous estimate (warm
    start); ``update(refit=False)`` keeps them
    (statsmodels ``SARIMAXResults.apply``).
    """

    name = "arima"

    def __init__(self, seasonal_period=None, level=0.8, *, order=None, seasonal_order=None,
                 max_pq: int = 2, maxiter: int = 30):
        super().__init__(seasonal_period, level)
        self.order, self.seasonal_order = order, seasonal_order
        self.maxiter = check_int("maxiter", maxiter, minimum=1)
        self.max_pq = check_int("max_pq", max_pq, minimum=0)

    def min_history(self):
        return 3 * self.m_ + 6 if self.m_ > 1 else 12

    def _fit(self):
        import pmdarima as pm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if getattr(self, "model_", None) is None and self.order is None:
                seasonal = self.m_ > 1
                self.model_ = pm.auto_arima(
                    self.y_, m=self.m_ if seasonal else 1, seasonal=seasonal, stepwise=True,
                    information_criterion="aicc", max_p=self.max_pq, max_q=self.max_pq, max_P=1,
                    max_Q=1, max_order=2 * self.max_pq + 2, maxiter=self.maxiter,
                    suppress_warnings=True, error_action="ignore")
            else:
                order = self.order if getattr(self, "model_", None) is None else self.model_.order
                sorder = (self.seasonal_order if getattr(self, "model_", None) is None
                          else self.model_.seasonal_order)
                if sorder is None:
                    sorder = (0, 0, 0, 0)
                # a re-fit (a later origin) starts the likelihood search from the previous fit's
                # coefficients: on wineind it then converges in a handful of iterations, where a
                # cold start stops at the iteration limit (50) with a lower likelihood
                # (the same model: same orders, and the same intercept / trend terms, else the
                # previous coefficients do not line up with the new model's)
                prev = getattr(self, "model_", None)
                start = None if prev is None else prev.params()
                extra = {} if prev is None else {"with_intercept": prev.with_intercept, "trend": prev.trend}
                self.model_ = pm.ARIMA(order=tuple(order), seasonal_order=tuple(sorder), start_params=start,
                                       suppress_warnings=True, **extra).fit(self.y_)

    def _condition(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model_.arima_res_ = self.model_.arima_res_.apply(self.y_)

    def _predict(self, h, exog):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean, ci = self.model_.predict(h, return_conf_int=True, alpha=1 - self.level)
        return np.asarray(mean), ci[:, 0], ci[:, 1]

    @property
    def orders(self):
        """``(order, seasonal_order)`` chosen at fit."""
        self._require_fitted()
        return tuple(self.model_.order), tuple(self.model_.seasonal_order)


# ----------------------------------------------------------------------------- gradient boosting
class GradientBoosting(Forecaster):
    """Gradient-boosted regression trees (scikit-learn ``GradientBoostingRegressor``, single-threaded,
    so timings do not depend on a busy machine's thread pool) on engineered features.

    To forecast ``y_t`` the model sees, relative to the recent level
    ``L_t = mean(y_{t-w}, ..., y_{t-1})`` (w = max(m, 4)):

    * lags ``y_{t-j} - L_t``, j = 1..p, p = max(m, 3) (so the seasonal lag ``y_{t-m}`` is in);
    * the calendar position ``t mod m`` (month of year, day of week) when m > 1;
    * exogenous columns at t, e.g. a promotion flag and a substitute's promotion flag;

    and predicts ``y_t - L_t`` (trees cannot extrapolate a level, so they learn deviations from
    it).  Forecasts for h > 1 are recursive.  The interval is built from one-step residuals on the
    last ``holdout`` fraction of the history (a model fitted without it), scaled by ``sqrt(h)``.
    """

    name = "gbm"
    uses_exog = True

    def __init__(self, seasonal_period=None, level=0.8, *, max_iter: int = 150,
                 learning_rate: float = 0.05, holdout: float = 0.2, seed: int = 0):
        super().__init__(seasonal_period, level)
        self.max_iter = check_int("max_iter", max_iter, minimum=1)
        self.learning_rate = check_probability("learning_rate", learning_rate)
        self.holdout = check_probability("holdout", holdout)
        self.seed = seed

    @property
    def _p(self):
        return max(self.m_, 3)

    @property
    def _w(self):
        return max(self.m_, 4)

    def min_history(self):
        return max(self._p, self._w) + max(2 * self.m_, 12)

    def _features(self, y, t, exog):
        """Feature rows for targets at positions ``t`` (array) given values ``y``."""
        p, w = self._p, self._w
        c = np.concatenate([[0.0], np.cumsum(y)])
        level = (c[t] - c[t - w]) / w
        lags = np.stack([y[t - j] for j in range(1, p + 1)], axis=1) - level[:, None]
        cols = [lags]
        if self.m_ > 1:
            cols.append((t % self.m_)[:, None].astype(float))
        if exog is not None:
            cols.append(exog[t])
        return np.hstack(cols), level

    def _train(self, y, exog):
        from sklearn.ensemble import GradientBoostingRegressor

        t = np.arange(max(self._p, self._w), y.size)
        X, level = self._features(y, t, exog)
        model = GradientBoostingRegressor(
            n_estimators=self.max_iter, learning_rate=self.learning_rate, max_depth=3, min_samples_leaf=5,
            random_state=self.seed)
        model.fit(X, y[t] - level)
        return model

    def _fit(self):
        y, exog = self.y_, self.exog_
        n_hold = max(int(round(self.holdout * y.size)), 4)
        cut = y.size - n_hold
        if cut >= self.min_history() - 4:
            early = self._train(y[:cut], exog[:cut] if exog is not None else None)
            t = np.arange(cut, y.size)
            X, level = self._features(y, t, exog)
            resid = y[t] - (level + early.predict(X))
        else:  # too little data to hold any out: in-sample residuals (optimistic)
            resid = None
        self.model_ = self._train(y, exog)
        if resid is None:
            t = np.arange(max(self._p, self._w), y.size)
            X, level = self._features(y, t, exog)
            resid = y[t] - (level + self.model_.predict(X))
        self.residuals_ = resid

    def _predict(self, h, exog):
        n = self.y_.size
        buf = np.concatenate([self.y_, np.zeros(h)])
        ex = None if self.exog_ is None else np.vstack([self.exog_, exog])
        for s in range(h):
            X, level = self._features(buf, np.array([n + s]), ex)
            buf[n + s] = level[0] + self.model_.predict(X)[0]
        mean = buf[n:]
        q_lo, q_hi = np.quantile(self.residuals_, [0.5 - self.level / 2, 0.5 + self.level / 2])
        scale = np.sqrt(np.arange(1, h + 1))
        return mean, mean + q_lo * scale, mean + q_hi * scale


# ----------------------------------------------------------------------------- blend
def inverse_mse_weights(mse, scheme: str = "inverse_mse") -> np.ndarray:
    """Combination weights from members' recent mean squared errors.

    ``"inverse_mse"``: ``w_i = (1/MSE_i) / sum_j (1/MSE_j)`` (Bates & Granger 1969, covariances
    ignored); a member with MSE 0 takes all the weight.  ``"equal"``: ``1/k``.  ``"best"``: all
    weight on the lowest MSE (the first one on a tie).

    >>> inverse_mse_weights([1.0, 4.0]).tolist()
    [0.8, 0.2]
    """
    check_choice("scheme", scheme, ("inverse_mse", "equal", "best"))
    mse = check_array("mse", mse, ndim=1, nonnegative=True, min_size=1)
    k = mse.size
    if scheme == "equal":
        return np.full(k, 1.0 / k)
    if scheme == "best" or (mse == 0).any():
        w = np.zeros(k)
        w[int(np.argmin(mse))] = 1.0
        return w
    inv = 1.0 / mse
    return inv / inv.sum()


class Blend(Forecaster):
    """A forecast combination weighted by each member's recent accuracy, re-weighted as data arrives.

    ``y_hat = sum_i w_i y_hat_i``.  With ``scheme="inverse_mse"`` (Bates & Granger 1969, ignoring
    error covariances) ``w_i = (1/MSE_i) / sum_j (1/MSE_j)``, where ``MSE_i`` is the mean squared
    error of member i over its last ``window`` forecast errors; ``"equal"`` gives ``w_i = 1/k``;
    ``"best"`` puts all weight on the member with the lowest recent MSE.

    Where the errors come from: at ``fit`` the members are first fitted without the last
    ``window`` observations and forecast them (steps 1..window), which seeds the error history;
    then they are re-fitted on everything.  At each ``update`` every member's forecasts for the
    observations that have just arrived (issued at the previous origin) are compared with them,
    the errors join the history, the oldest drop out of the window, and the weights are
    recomputed (``weights_history_`` keeps them).  The interval is the weighted average of the
    members' bounds (exact if the members' errors were perfectly correlated, conservative else).
    """

    name = "blend"
    uses_exog = True

    def __init__(self, members=("seasonal_naive", "ets", "arima", "gbm"), window: int = 12,
                 scheme: str = "inverse_mse", seasonal_period=None, level=0.8):
        super().__init__(seasonal_period, level)
        self.window = check_int("window", window, minimum=1)
        self.scheme = check_choice("scheme", scheme, ("inverse_mse", "equal", "best"))
        members = list(members)
        if not members:
            raise ValueError("members must name at least one forecaster")
        self.members = [make_forecaster(m, seasonal_period=seasonal_period, level=level)
                        if isinstance(m, str) else copy.deepcopy(m) for m in members]
        names = [m.name for m in self.members]
        if len(set(names)) != len(names):
            raise ValueError(f"members must have distinct names, got {names}")
        for m in self.members:
            if isinstance(m, Blend):
                raise ValueError("a Blend cannot be a member of a Blend")

    def min_history(self):
        need = []
        for mem in self.members:
            mem.m_ = self.m_
            need.append(mem.min_history())
        return max(need) + self.window

    @property
    def member_names(self):
        return [m.name for m in self.members]

    def _fit(self):
        y, ex, W = self.y_, self.exog_, self.window
        early_y = pd.Series(y[:-W]) if self.index_ is None else pd.Series(y[:-W], index=self.index_[:-W])
        self._errors = {m.name: [] for m in self.members}
        for mem in self.members:
            mem.seasonal_period = self.m_
            mem.fit(early_y, None if ex is None else ex[:-W])
            fc = mem.predict(W, None if ex is None or not mem.uses_exog else ex[-W:])
            self._errors[mem.name].extend((y[-W:] - fc.mean).tolist())
            mem.update(self._series(), ex, refit=True)
        self.weights_history_ = []
        self._reweight()

    def _series(self):
        return pd.Series(self.y_) if self.index_ is None else pd.Series(self.y_, index=self.index_)

    def _reweight(self):
        mse = np.array([np.mean(np.square(self._errors[m.name][-self.window:])) for m in self.members])
        w = inverse_mse_weights(mse, self.scheme)
        self.weights_ = dict(zip(self.member_names, w))
        self.mse_ = dict(zip(self.member_names, mse))
        self.weights_history_.append({"n": int(self.y_.size), **self.weights_})

    def _advance(self, refit):
        ex = self.exog_
        n_old = self.members[0].y_.size
        new = self.y_[n_old:]
        if new.size:
            for mem in self.members:
                fut = None if ex is None or not mem.uses_exog else ex[n_old:]
                fc = mem.predict(new.size, fut)
                self._errors[mem.name].extend((new - fc.mean).tolist())
                mem.update(self._series(), ex, refit=refit)
        self._reweight()

    def update(self, series, exog=None, *, refit: bool = True) -> "Blend":
        self._check_extends_history(series)
        self._set_data(series, exog, m=self.m_)
        with _single_thread():
            self._advance(refit)
        return self

    def _predict(self, h, exog):
        means, lows, highs = [], [], []
        for mem in self.members:
            fc = mem.predict(h, exog if mem.uses_exog else None)
            means.append(fc.mean), lows.append(fc.lower), highs.append(fc.upper)
        w = np.array([self.weights_[n] for n in self.member_names])[:, None]
        return (w * np.array(means)).sum(0), (w * np.array(lows)).sum(0), (w * np.array(highs)).sum(0)

    def weights_frame(self) -> pd.DataFrame:
        """The weights after fit and after each update, one row per origin (``n`` = history length)."""
        self._require_fitted()
        return pd.DataFrame(self.weights_history_).set_index("n")


def make_forecaster(name: str, *, seasonal_period=None, level: float = 0.8, **options) -> Forecaster:
    """A forecaster by its name in :data:`MODEL_NAMES` (options go to its constructor)."""
    check_choice("model", name, MODEL_NAMES)
    if name == "lstm":
        from casekit.lstm import LSTMForecaster   # its own module; it builds on this one

        return LSTMForecaster(seasonal_period=seasonal_period, level=level, **options)
    cls = {"naive": Naive, "seasonal_naive": SeasonalNaive, "moving_average": MovingAverage,
           "ets": ETS, "arima": Arima, "gbm": GradientBoosting, "blend": Blend}[name]
    return cls(seasonal_period=seasonal_period, level=level, **options)


# ----------------------------------------------------------------------------- backtests
def _origins(n, horizon, origins, step, min_train):
    if isinstance(origins, (int, np.integer)) and not isinstance(origins, bool):
        k = check_int("origins", origins, minimum=1)
        t = n - horizon - step * np.arange(k - 1, -1, -1)
    else:
        t = np.asarray(check_array("origins", origins, ndim=1, min_size=1), dtype=np.int64)
        if (np.diff(t) <= 0).any():
            raise ValueError(f"origins must be strictly increasing training lengths, got {t.tolist()}")
        if t[-1] + 1 > n:
            raise ValueError(f"origins must leave at least one value to forecast: the series has {n}, "
                             f"the last origin is {int(t[-1])}")
    if t[0] < min_train:
        raise ValueError(f"series is too short for {len(t)} origins with horizon {horizon} (step {step}): "
                         f"the first origin would train on {int(t[0])} values, the models need at least "
                         f"{min_train}; use fewer origins, a shorter horizon or a longer series")
    return t


def _as_model(model, m, level):
    if isinstance(model, str):
        return make_forecaster(model, seasonal_period=m, level=level)
    if not isinstance(model, Forecaster):
        raise TypeError(f"models must be names in {MODEL_NAMES} or Forecaster objects, got {model!r}")
    model = copy.deepcopy(model)
    if model.seasonal_period is None:
        model.seasonal_period = m
    return model


def rolling_forecasts(series, models, horizon: int, origins=10, *, step: int = 1,
                      seasonal_period: int | None = None, level: float = 0.8, refit: str = "rolling",
                      exog=None) -> pd.DataFrame:
    """Rolling-origin (time-series cross-validation) forecasts, one row per model, origin and step.

    At each origin ``t`` (a training length) every model is trained on ``y_1..y_t`` and forecasts
    ``y_{t+1}..y_{t+horizon}`` (FPP 5.10).  ``origins`` is the number of origins (the last one
    leaves exactly ``horizon`` values; they are ``step`` apart) or the list of training lengths.
    The model is fitted at the first origin; at the later ones it is ``update``-d with
    ``refit=True`` for ``refit="rolling"`` and ``refit=False`` for ``"static"``.

    Columns: model, origin, step, actual, forecast, lower, upper, error (= actual - forecast) and
    scale (the in-sample MAE of the seasonal naive forecast at that origin, the MASE denominator).
    """
    y, index = _prepare(series)
    h = check_int("horizon", horizon, minimum=1)
    step = check_int("step", step, minimum=1)
    check_choice("refit", refit, ("rolling", "static"))
    level = check_probability("level", level)
    m = seasonal_period if seasonal_period is not None else (infer_seasonal_period(series) or 1)
    m = check_int("seasonal_period", m, minimum=1)
    models = list(models) if not isinstance(models, (str, Forecaster)) else [models]
    if not models:
        raise ValueError("models must name at least one model")
    built = [_as_model(mod, m, level) for mod in models]
    names = [b.name for b in built]
    if len(set(names)) != len(names):
        raise ValueError(f"models must have distinct names, got {names}")
    ex = _prepare_exog(exog, y.size)
    for b in built:
        b.m_ = m
    min_train = max([b.min_history() for b in built] + [m + 1])
    ts = _origins(y.size, h, origins, step, min_train)

    def cut(t):
        return pd.Series(y[:t], index=None if index is None else index[:t])

    rows = []
    for b in built:
        for j, t in enumerate(ts):
            t = int(t)
            if j == 0:
                b.fit(cut(t), None if ex is None else ex[:t])
            else:
                b.update(cut(t), None if ex is None else ex[:t], refit=(refit == "rolling"))
            hh = min(h, y.size - t)
            fut = None if ex is None else ex[t:t + hh]
            fc = b.predict(hh, fut if b.uses_exog else None)
            d = y[m:t] - y[:t - m]
            scale = float(np.mean(np.abs(d)))
            actual = y[t:t + hh]
            rows.append(pd.DataFrame({
                "model": b.name, "origin": t, "step": np.arange(1, hh + 1), "actual": actual,
                "forecast": fc.mean, "lower": fc.lower, "upper": fc.upper,
                "error": actual - fc.mean, "scale": scale}))
    out = pd.concat(rows, ignore_index=True)
    out.attrs.update(seasonal_period=m, level=level, refit=refit, horizon=h)
    return out


def score(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Accuracy of a :func:`rolling_forecasts` frame: one row per model (in order of appearance).

    ``mae = mean|e|``, ``rmse = sqrt(mean e^2)``, ``mase = mean(|e| / scale)`` (Hyndman & Koehler
    2006, scaled per origin by the in-sample seasonal-naive MAE), ``bias = mean e`` (e = actual -
    forecast: > 0 means under-forecasting), ``coverage`` = share of actuals inside the interval.
    """
    need = {"model", "actual", "forecast", "lower", "upper", "error", "scale"}
    missing = need - set(forecasts.columns)
    if missing:
        raise ValueError(f"forecasts is missing column(s) {sorted(missing)}; use rolling_forecasts()")
    f = forecasts
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.abs(f["error"]) / f["scale"].where(f["scale"] > 0)
    tab = pd.DataFrame({
        "model": f["model"], "ae": f["error"].abs(), "se": f["error"] ** 2, "sc": scaled, "e": f["error"],
        "in": ((f["actual"] >= f["lower"]) & (f["actual"] <= f["upper"])).astype(float)})
    g = tab.groupby("model", sort=False)
    res = pd.DataFrame({"mae": g["ae"].mean(), "rmse": np.sqrt(g["se"].mean()), "mase": g["sc"].mean(),
                        "bias": g["e"].mean(), "coverage": g["in"].mean(), "n": g["e"].size()})
    res.index.name = "model"
    return res


def backtest(series, models=("naive", "seasonal_naive", "ets"), horizon: int = 6, origins=10, *,
             step: int = 1, seasonal_period: int | None = None, level: float = 0.8,
             refit: str = "rolling", exog=None) -> pd.DataFrame:
    """Rolling-origin evaluation: a DataFrame with one row per model and columns
    ``mae, rmse, mase, bias, coverage`` (and ``n``, the number of forecasts scored).

    ``models`` are names from :data:`MODEL_NAMES` or :class:`Forecaster` objects; see
    :func:`rolling_forecasts` for the other arguments and :func:`score` for the measures.

    >>> y = load_series("woolyrnq")
    >>> tab = backtest(y, ["naive", "seasonal_naive"], horizon=4, origins=8)
    >>> bool(tab.loc["seasonal_naive", "mase"] < tab.loc["naive", "mase"])
    True
    """
    return score(rolling_forecasts(series, models, horizon, origins, step=step,
                                   seasonal_period=seasonal_period, level=level, refit=refit, exog=exog))


def combine_forecasts(forecasts: pd.DataFrame, members=None, *, window: int = 6,
                      scheme: str = "inverse_mse", name: str = "blend") -> pd.DataFrame:
    """Blend the members' rolling-origin forecasts after the fact, re-weighting origin by origin.

    At each origin the weights come from each member's one-step errors at the previous ``window``
    origins (those actuals are known by then; equal weights at the first origin), through
    :func:`inverse_mse_weights`.  This is :class:`Blend`'s rule applied to a
    :func:`rolling_forecasts` frame, so that windows and schemes can be compared without
    re-fitting anything.  Returns the blend's rows (same columns, ``model = name``) with the
    weights in columns ``w_<member>``; ``score(pd.concat([forecasts, blend]))`` ranks it.
    """
    window = check_int("window", window, minimum=1)
    f = forecasts
    all_members = list(dict.fromkeys(f["model"]))
    members = all_members if members is None else list(members)
    for m in members:
        check_choice("members", m, all_members)
    wide = {c: f.pivot_table(index=["origin", "step"], columns="model", values=c, sort=True)[members]
            for c in ("forecast", "lower", "upper")}
    base = f[f["model"] == members[0]].set_index(["origin", "step"]).sort_index()
    one = f[f["step"] == 1].pivot_table(index="origin", columns="model", values="error", sort=True)[members]
    origins = base.index.get_level_values("origin").unique()
    rows = []
    for j, o in enumerate(origins):
        past = one.loc[one.index < o].iloc[-window:]
        w = (np.full(len(members), 1.0 / len(members)) if past.empty
             else inverse_mse_weights(np.mean(np.square(past.to_numpy()), axis=0), scheme))
        part = base.loc[o].copy()
        for c in ("forecast", "lower", "upper"):
            part[c] = wide[c].loc[o].to_numpy() @ w
        part["error"] = part["actual"] - part["forecast"]
        for m, wi in zip(members, w):
            part[f"w_{m}"] = wi
        part["origin"] = o
        rows.append(part.reset_index())
    out = pd.concat(rows, ignore_index=True)
    out["model"] = name
    cols = ["model", "origin", "step", "actual", "forecast", "lower", "upper", "error", "scale"]
    return out[cols + [c for c in out.columns if c.startswith("w_")]]


def refit_comparison(series, models, horizon: int = 1, origins=24, *, measure: str = "rmse",
                     seasonal_period=None, exog=None) -> pd.DataFrame:
    """Static (parameters estimated once, at the first origin) against rolling re-fit.

    Both variants see the same data at every origin; only the re-estimation differs.  Returns one
    row per model with the ``measure`` of each and ``change = (rolling - static) / static`` (negative:
    re-fitting reduced the error).
    """
    check_choice("measure", measure, ("mae", "rmse", "mase"))
    kw = dict(seasonal_period=seasonal_period, exog=exog)
    static = backtest(series, models, horizon, origins, refit="static", **kw)[measure]
    rolling = backtest(series, models, horizon, origins, refit="rolling", **kw)[measure]
    out = pd.DataFrame({f"{measure}_static": static, f"{measure}_rolling": rolling})
    out["change"] = (out[f"{measure}_rolling"] - out[f"{measure}_static"]) / out[f"{measure}_static"]
    return out


# ----------------------------------------------------------------------------- promotions
@dataclass(frozen=True)
class PromotionEffects:
    """Multiplicative promotion effects estimated by a Poisson regression (log link).

    ``uplift``: relative increase of own demand on promotion days, ``exp(beta_promo) - 1``.
    ``cannibalisation``: relative decrease of demand while the substitute is promoted,
    ``1 - exp(beta_substitute)`` (0 when no substitute column was given).
    ``*_ci``: 95% confidence intervals from the coefficient's standard error.
    """

    uplift: float
    uplift_ci: tuple
    cannibalisation: float
    cannibalisation_ci: tuple
    n: int

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"estimate": [self.uplift, self.cannibalisation],
                             "ci_low": [self.uplift_ci[0], self.cannibalisation_ci[0]],
                             "ci_high": [self.uplift_ci[1], self.cannibalisation_ci[1]]},
                            index=pd.Index(["uplift", "cannibalisation"], name="effect"))


def promotion_effects(frame: pd.DataFrame, *, units: str = "units", promo: str = "promo",
                      substitute_promo: str | None = "substitute_promo",
                      controls=("dow",), trend: bool = True) -> PromotionEffects:
    """Estimate promotion uplift and cannibalisation from history with promotion flags.

    The model (a log-linear demand model, e.g. Fildes et al. 2022, *Retail forecasting*) is
    ``log E[units_t] = a + sum_c gamma_c [control = c] + delta t + beta_p promo_t + beta_s sub_t``
    fitted as a Poisson GLM (statsmodels).  ``controls`` are categorical columns (day of week,
    region, ...); ``"dow"`` is derived from a ``date`` column when absent.
    """
    from statsmodels.genmod import families        # not statsmodels.api: its import takes about 1 s
    from statsmodels.genmod.generalized_linear_model import GLM

    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    df = frame.copy()
    if "dow" in controls and "dow" not in df:
        if "date" not in df:
            raise ValueError("controls include 'dow' but frame has neither a 'dow' nor a 'date' column")
        df["dow"] = pd.to_datetime(df["date"]).dt.day_of_week
    cols = [units, promo] + ([substitute_promo] if substitute_promo else []) + list(controls)
    missing = [c for c in cols if c not in df]
    if missing:
        raise ValueError(f"frame is missing column(s) {missing}")
    y = check_array(units, df[units], ndim=1, nonnegative=True, min_size=10)
    X = pd.DataFrame({"const": 1.0, "promo": check_array(promo, df[promo], ndim=1)})
    if substitute_promo:
        X["sub"] = check_array(substitute_promo, df[substitute_promo], ndim=1)
    if trend:
        X["trend"] = np.arange(len(df)) / max(len(df), 1) if "date" not in df else \
            (pd.to_datetime(df["date"]) - pd.to_datetime(df["date"]).min()).dt.days.to_numpy() / 365.0
    for c in controls:
        X = X.join(pd.get_dummies(df[c].astype(str), prefix=c, drop_first=True, dtype=float).reset_index(drop=True))
    X.index = range(len(X))
    # quasi-Poisson standard errors (Pearson chi2 scale): sales are over-dispersed
    res = GLM(y, X, family=families.Poisson()).fit(scale="X2")
    b, se = res.params, res.bse
    up = math.expm1(b["promo"])
    up_ci = (math.expm1(b["promo"] - 1.96 * se["promo"]), math.expm1(b["promo"] + 1.96 * se["promo"]))
    if substitute_promo:
        can = -math.expm1(b["sub"])
        can_ci = (-math.expm1(b["sub"] + 1.96 * se["sub"]), -math.expm1(b["sub"] - 1.96 * se["sub"]))
    else:
        can, can_ci = 0.0, (0.0, 0.0)
    return PromotionEffects(up, up_ci, can, can_ci, int(len(df)))


def promo_adjusted_forecast(baseline, promo, substitute_promo, effects: PromotionEffects) -> np.ndarray:
    """``baseline * (1 + uplift)^promo * (1 - cannibalisation)^substitute_promo``, element-wise.

    ``baseline`` is a forecast made without promotions (e.g. from non-promoted history); the
    flags are 0/1 for each forecast period.
    """
    base = check_array("baseline", baseline, ndim=1)
    p = check_array("promo", promo, ndim=1)
    s = check_array("substitute_promo", substitute_promo, ndim=1)
    if not (base.size == p.size == s.size):
        raise ValueError(f"baseline, promo and substitute_promo must have the same length, got "
                         f"{base.size}, {p.size}, {s.size}")
    return base * (1 + effects.uplift) ** p * (1 - effects.cannibalisation) ** s


# ----------------------------------------------------------------------------- errors -> demand uncertainty
@dataclass(frozen=True)
class DemandUncertainty:
    """Demand over the next ``lead_time`` periods: forecast ``mean`` and forecast-error spread.

    ``sigma`` is the standard deviation of the cumulative ``lead_time``-step forecast errors
    (``sigma_L`` in safety-stock formulas ``SS = z_alpha sigma_L``), estimated from the last
    ``window`` backtest origins; ``bias`` their mean; ``errors`` the errors themselves.
    """

    model: str
    lead_time: int
    mean: float
    sigma: float
    bias: float
    errors: np.ndarray = field(repr=False)

    def distribution(self, kind: str = "normal"):
        """Lead-time demand as a distribution the safety-stock functions take.

        ``"normal"``: ``scipy.stats.norm(mean, sigma)`` (frozen).  ``"empirical"``: a
        :class:`casekit.distributions.DiscreteDistribution` of ``round(max(mean + e, 0))`` over the
        observed cumulative errors e.
        """
        check_choice("kind", kind, ("normal", "empirical"))
        if kind == "normal":
            return stats.norm(self.mean, self.sigma)
        from casekit.distributions import DiscreteDistribution

        return DiscreteDistribution.from_samples(np.rint(np.maximum(self.mean + self.errors, 0)),
                                                 name=f"{self.model} empirical lead-time demand")

    def safety_stock(self, service_level: float) -> float:
        """``z_alpha sigma_L`` for a cycle service level ``alpha`` (normal errors)."""
        a = check_probability("service_level", service_level)
        return float(stats.norm.ppf(a) * self.sigma)


def demand_uncertainty(forecasts: pd.DataFrame, *, lead_time: int, model: str | None = None,
                       mean: float | None = None, window: int | None = None) -> DemandUncertainty:
    """Forecast errors of a :func:`rolling_forecasts` frame -> lead-time demand uncertainty.

    For each origin the errors of steps 1..``lead_time`` are summed (the error of the lead-time
    demand forecast); ``sigma`` is their sample standard deviation over the last ``window`` origins
    (all by default): recomputed as origins are added, this is the dynamic safety-stock input.
    ``mean`` is the lead-time demand forecast to centre on (default: the sum of the last origin's
    forecasts for steps 1..lead_time).
    """
    L = check_int("lead_time", lead_time, minimum=1)
    f = forecasts
    models = list(dict.fromkeys(f["model"]))
    if model is None:
        if len(models) != 1:
            raise ValueError(f"forecasts holds several models {models}: pass model=")
        model = models[0]
    check_choice("model", model, models)
    f = f[f["model"] == model]
    if f["step"].max() < L:
        raise ValueError(f"lead_time {L} exceeds the backtest horizon {int(f['step'].max())}")
    f = f[f["step"] <= L]
    full = f.groupby("origin")["step"].count() == L
    f = f[f["origin"].isin(full[full].index)]
    cum = f.groupby("origin").agg(error=("error", "sum"), forecast=("forecast", "sum")).sort_index()
    if window is not None:
        cum = cum.iloc[-check_int("window", window, minimum=2):]
    if len(cum) < 2:
        raise ValueError(f"need at least 2 origins with {L} steps to estimate sigma, got {len(cum)}")
    e = cum["error"].to_numpy()
    mu = float(cum["forecast"].iloc[-1]) if mean is None else float(mean)
    return DemandUncertainty(model, L, mu, float(np.std(e, ddof=1)), float(e.mean()), e)
