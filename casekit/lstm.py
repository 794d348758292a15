"""A small LSTM demand forecaster written in numpy: the cell, backpropagation through time, Adam.

The paper "Hybrid Optimization Framework for Multi-Echelon Inventory Control Integrating Stochastic
Demand, Lead Time Uncertainty, and Real-Time Data Analytics" runs ARIMA and LSTM forecasts in
parallel and blends them.  :class:`LSTMForecaster` is that recurrent peer, small enough to read in
one sitting and to train in seconds on a laptop, with no deep-learning framework.

The cell (Hochreiter & Schmidhuber 1997, with a forget gate; notation of Goodfellow, Bengio &
Courville, *Deep Learning*, §10.10).  With ``v_t = [x_t, h_{t-1}]`` and ``sigma`` the logistic
function::

    i_t = sigma(W_i v_t + b_i)      input gate
    f_t = sigma(W_f v_t + b_f)      forget gate
    g_t = tanh (W_g v_t + b_g)      candidate
    o_t = sigma(W_o v_t + b_o)      output gate
    c_t = f_t * c_{t-1} + i_t * g_t
    h_t = o_t * tanh(c_t)

``W`` stacks ``W_i, W_f, W_g, W_o`` (shape 4H x (D+H)); the forecast is ``y_hat = V . h_L + c``
after the last of L input steps.  The loss is ``J = (1/2B) sum_b (y_hat_b - y_b)^2`` over a batch
of B windows; :func:`lstm_gradients` differentiates it by backpropagation through time, and
:func:`adam_step` (Kingma & Ba 2015) moves the parameters.

Series are fed as windows of the last L values, each minus the window's level (mean of its last
season) and divided by the series' scale; the target is the next value on the same footing.
Forecasts for h > 1 are recursive (each forecast becomes an input).
"""

from __future__ import annotations

import numpy as np

from casekit.forecasting import Forecaster, _normal_interval
from casekit.validate import check_int, check_positive, check_seed

__all__ = ["init_lstm", "lstm_forward", "lstm_gradients", "adam_step", "LSTMForecaster"]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))   # = 1 / (1 + exp(-z)), without overflow


def init_lstm(n_inputs: int, hidden: int, seed=None) -> dict:
    """Parameters ``W`` (4H, D+H), ``b`` (4H,), ``V`` (H,), ``c`` (scalar array): uniform Glorot-style
    weights, forget-gate bias 1 (remember by default), zeros elsewhere.  Same seed, same numbers."""
    n_inputs = check_int("n_inputs", n_inputs, minimum=1)
    hidden = check_int("hidden", hidden, minimum=1)
    rng = np.random.default_rng(check_seed("seed", seed))
    bound = np.sqrt(6.0 / (n_inputs + 2 * hidden))
    b = np.zeros(4 * hidden)
    b[hidden:2 * hidden] = 1.0
    return {"W": rng.uniform(-bound, bound, (4 * hidden, n_inputs + hidden)), "b": b,
            "V": rng.uniform(-bound, bound, hidden), "c": np.zeros(())}


def lstm_forward(params: dict, X: np.ndarray):
    """Run the cell over windows ``X`` of shape (B, L, D); returns ``(y_hat (B,), cache)``."""
    W, b = params["W"], params["b"]
    B, L, D = X.shape
    H = W.shape[0] // 4
    h = np.zeros((B, H))
    c = np.zeros((B, H))
    cache = []
    for t in range(L):
        v = np.concatenate([X[:, t, :], h], axis=1)
        z = v @ W.T + b
        i, f, g, o = _sigmoid(z[:, :H]), _sigmoid(z[:, H:2 * H]), np.tanh(z[:, 2 * H:3 * H]), _sigmoid(z[:, 3 * H:])
        c_prev = c
        c = f * c_prev + i * g
        tc = np.tanh(c)
        h = o * tc
        cache.append((v, i, f, g, o, c_prev, tc))
    return h @ params["V"] + params["c"], (cache, h)


def lstm_gradients(params: dict, X: np.ndarray, y: np.ndarray):
    """The loss ``J = mean((y_hat - y)^2) / 2`` and its gradient for every parameter (a dict like
    ``params``), by backpropagation through time."""
    W = params["W"]
    B, L, D = X.shape
    H = W.shape[0] // 4
    y_hat, (cache, h_last) = lstm_forward(params, X)
    r = y_hat - y
    loss = 0.5 * float(np.mean(r ** 2))
    dy = r / B
    grads = {"W": np.zeros_like(W), "b": np.zeros_like(params["b"]), "V": h_last.T @ dy,
             "c": np.asarray(dy.sum())}
    dh = dy[:, None] * params["V"][None, :]
    dc = np.zeros((B, H))
    for t in range(L - 1, -1, -1):
        v, i, f, g, o, c_prev, tc = cache[t]
        dc = dc + dh * o * (1.0 - tc ** 2)
        dz = np.concatenate([dc * g * i * (1.0 - i),          # input gate
                             dc * c_prev * f * (1.0 - f),     # forget gate
                             dc * i * (1.0 - g ** 2),         # candidate
                             dh * tc * o * (1.0 - o)], axis=1)  # output gate
        grads["W"] += dz.T @ v
        grads["b"] += dz.sum(axis=0)
        dh = (dz @ W)[:, D:]
        dc = dc * f
    return loss, grads


def adam_step(params: dict, grads: dict, state: dict, lr: float = 0.01, beta1: float = 0.9,
              beta2: float = 0.999, eps: float = 1e-8) -> None:
    """One Adam update in place (Kingma & Ba 2015, Algorithm 1); ``state`` starts as ``{}``."""
    state["t"] = state.get("t", 0) + 1
    t = state["t"]
    for k in params:
        m = state.setdefault("m_" + k, np.zeros_like(params[k]))
        v = state.setdefault("v_" + k, np.zeros_like(params[k]))
        m *= beta1
        m += (1 - beta1) * grads[k]
        v *= beta2
        v += (1 - beta2) * grads[k] ** 2
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)


class LSTMForecaster(Forecaster):
    """An LSTM trained on sliding windows of the history, forecasting recursively.

    Parameters
    ----------
    seasonal_period, level
        As for every casekit forecaster.
    lookback : int, optional
        L, input values per window; default ``max(m + 1, 8)`` (so the same season last year is in).
    hidden : int
        H, the cell's width (8: a few hundred weights).
    epochs, learning_rate
        Full-batch Adam steps and step size.
    refit_epochs : int or None
        Adam steps of a re-fit (``update(refit=True)``, e.g. at each origin of a rolling backtest):
        training continues from the current weights on the longer history (a warm start, as a
        network in service is fine-tuned on new data).  ``None`` retrains from new random weights
        for ``epochs`` steps.  ``fit`` always starts from random weights.
    seed
        Initial weights; training is deterministic, so the same seed gives the same forecasts.

    Inputs per step (D = 3 when m > 1, else 1): the scaled value and the season position as
    ``sin, cos(2 pi t / m)``.  The interval is normal with the in-sample one-step residual sd
    scaled by ``sqrt(h)``.  ``horizon`` may be at most ``min(L, T - L)``: beyond L steps the window
    holds forecasts only, and a horizon longer than the training windows is longer than the series
    can support.

    Examples
    --------
    Training is deterministic: the same seed gives the same forecasts.

    >>> from casekit.forecasting import load_series
    >>> y = load_series("woolyrnq")
    >>> a = LSTMForecaster(epochs=30, seed=1).fit(y).predict(4)
    >>> b = LSTMForecaster(epochs=30, seed=1).fit(y).predict(4)
    >>> bool((a.mean == b.mean).all()), a.horizon
    (True, 4)
    """

    name = "lstm"

    def __init__(self, seasonal_period=None, level=0.8, *, lookback: int | None = None, hidden: int = 8,
                 epochs: int = 300, learning_rate: float = 0.01, refit_epochs: int | None = 60, seed=0):
        super().__init__(seasonal_period, level)
        self.lookback = None if lookback is None else check_int("lookback", lookback, minimum=2)
        self.hidden = check_int("hidden", hidden, minimum=1)
        self.epochs = check_int("epochs", epochs, minimum=1)
        self.learning_rate = check_positive("learning_rate", learning_rate)
        self.refit_epochs = None if refit_epochs is None else check_int("refit_epochs", refit_epochs, minimum=1)
        self.seed = check_seed("seed", seed)

    @property
    def _L(self):
        return self.lookback if self.lookback is not None else max(self.m_ + 1, 8)

    def min_history(self):
        return self._L + max(2 * self.m_, 12)

    def _inputs(self, buf, t):
        """Windows ending before positions ``t`` of ``buf``: (len(t), L, D) and their levels."""
        L, m = self._L, self.m_
        idx = t[:, None] + np.arange(-L, 0)[None, :]
        win = buf[idx]
        level = win[:, -min(m, L) if m > 1 else -min(4, L):].mean(axis=1)
        cols = [((win - level[:, None]) / self.scale_)[..., None]]
        if m > 1:
            ang = 2 * np.pi * (idx % m) / m
            cols += [np.sin(ang)[..., None], np.cos(ang)[..., None]]
        return np.concatenate(cols, axis=2), level

    def fit(self, series, exog=None) -> "LSTMForecaster":
        self.params_ = None           # a fit starts from random weights; a re-fit may continue
        return super().fit(series, exog)

    def _fit(self):
        y = self.y_
        self.scale_ = float(np.std(np.diff(y))) or 1.0
        t = np.arange(self._L, y.size)
        X, level = self._inputs(y, t)
        target = (y[t] - level) / self.scale_
        warm = getattr(self, "params_", None) is not None and self.refit_epochs is not None
        if warm:
            params, epochs = {k: v.copy() for k, v in self.params_.items()}, self.refit_epochs
        else:
            params, epochs = init_lstm(X.shape[2], self.hidden, seed=self.seed), self.epochs
        state = {}
        for _ in range(epochs):
            _, grads = lstm_gradients(params, X, target)
            adam_step(params, grads, state, lr=self.learning_rate)
        self.params_ = params
        fitted, _ = lstm_forward(params, X)
        self.residuals_ = y[t] - (level + self.scale_ * fitted)
        self.sigma_ = float(np.sqrt(np.mean(self.residuals_ ** 2)))

    def max_horizon(self) -> int:
        """The longest horizon this history allows, ``min(L, T - L)``."""
        self._require_fitted()
        return int(min(self._L, self.y_.size - self._L))

    def _predict(self, h, exog):
        if h > self.max_horizon():
            raise ValueError(f"horizon={h} is longer than the series allows for the LSTM: with lookback "
                             f"L={self._L} and {self.y_.size} observations the horizon must be <= "
                             f"min(L, T - L) = {self.max_horizon()}")
        n = self.y_.size
        buf = np.concatenate([self.y_, np.zeros(h)])
        for s in range(h):
            X, level = self._inputs(buf, np.array([n + s]))
            out, _ = lstm_forward(self.params_, X)
            buf[n + s] = level[0] + self.scale_ * out[0]
        mean = buf[n:]
        lo, hi = _normal_interval(mean, self.sigma_ * np.sqrt(np.arange(1, h + 1)), self.level)
        return mean, lo, hi
