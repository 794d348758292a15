"""The numpy LSTM: forward pass against a loop-by-loop reference, BPTT gradients against finite
differences, determinism, bad input, and its place among the forecasters."""

import math

import numpy as np
import pandas as pd
import pytest

from casekit.forecasting import backtest, load_series, make_forecaster
from casekit.lstm import LSTMForecaster, adam_step, init_lstm, lstm_forward, lstm_gradients


def reference_forward(params, X):
    """Scalar loops over batch, time, units and gates, straight from the cell's equations."""
    W, b, V, c0 = params["W"], params["b"], params["V"], float(params["c"])
    B, L, D = X.shape
    H = W.shape[0] // 4
    sig = lambda z: 1.0 / (1.0 + math.exp(-z))
    out = []
    for s in range(B):
        h, c = [0.0] * H, [0.0] * H
        for t in range(L):
            v = list(X[s, t]) + h
            pre = [sum(W[r, q] * v[q] for q in range(D + H)) + b[r] for r in range(4 * H)]
            i = [sig(pre[u]) for u in range(H)]
            f = [sig(pre[H + u]) for u in range(H)]
            g = [math.tanh(pre[2 * H + u]) for u in range(H)]
            o = [sig(pre[3 * H + u]) for u in range(H)]
            c = [f[u] * c[u] + i[u] * g[u] for u in range(H)]
            h = [o[u] * math.tanh(c[u]) for u in range(H)]
        out.append(sum(V[u] * h[u] for u in range(H)) + c0)
    return np.array(out)


def tiny(seed=0):
    rng = np.random.default_rng(seed)
    params = init_lstm(2, 3, seed=seed)
    params["b"] = params["b"] + rng.normal(0, 0.3, params["b"].shape)   # non-trivial biases everywhere
    params["c"] = np.asarray(0.2)
    return params, rng.normal(size=(4, 5, 2)), rng.normal(size=4)


def test_forward_matches_reference_loops():
    params, X, _ = tiny()
    y_hat, _ = lstm_forward(params, X)
    assert np.allclose(y_hat, reference_forward(params, X), rtol=1e-12, atol=1e-12)


def test_gradients_match_central_finite_differences():
    params, X, y = tiny(1)
    _, grads = lstm_gradients(params, X, y)
    eps = 1e-6
    for k, p in params.items():
        num = np.zeros(p.shape)
        for idx in np.ndindex(p.shape):
            plus = {kk: vv.copy() for kk, vv in params.items()}
            minus = {kk: vv.copy() for kk, vv in params.items()}
            plus[k][idx] += eps
            minus[k][idx] -= eps
            num[idx] = (lstm_gradients(plus, X, y)[0] - lstm_gradients(minus, X, y)[0]) / (2 * eps)
        rel = np.linalg.norm(num - grads[k]) / max(np.linalg.norm(num) + np.linalg.norm(grads[k]), 1e-12)
        assert rel < 1e-5, (k, rel)


def test_adam_first_step_moves_each_weight_by_learning_rate():
    # Kingma & Ba (2015): after bias correction the first step is lr * g / (|g| + eps) ~ lr * sign(g)
    params = {"w": np.array([1.0, -2.0])}
    adam_step(params, {"w": np.array([0.5, -3.0])}, {}, lr=0.1)
    assert np.allclose(params["w"], [0.9, -1.9], atol=1e-8)


def test_training_reduces_loss_and_is_deterministic():
    y = load_series("woolyrnq")
    a = LSTMForecaster(epochs=60, seed=3).fit(y).predict(4)
    b = LSTMForecaster(epochs=60, seed=3).fit(y).predict(4)
    c = LSTMForecaster(epochs=60, seed=4).fit(y).predict(4)
    assert np.array_equal(a.mean, b.mean) and np.array_equal(a.lower, b.lower)
    assert not np.array_equal(a.mean, c.mean)
    short = LSTMForecaster(epochs=1, seed=3).fit(y)
    long_ = LSTMForecaster(epochs=60, seed=3).fit(y)
    assert np.mean(long_.residuals_ ** 2) < np.mean(short.residuals_ ** 2)


def test_horizon_longer_than_series_allows_names_horizon():
    y = load_series("woolyrnq")
    f = LSTMForecaster(epochs=5).fit(y)
    assert f.max_horizon() == 8          # lookback max(m + 1, 8) = 8 for quarterly data
    assert f.predict(8).horizon == 8
    with pytest.raises(ValueError, match="horizon=9"):
        f.predict(9)


def test_series_too_short_and_bad_options():
    with pytest.raises(ValueError, match="too short"):
        LSTMForecaster().fit(pd.Series(np.arange(10.0)))
    with pytest.raises(ValueError, match="hidden"):
        LSTMForecaster(hidden=0)
    with pytest.raises(ValueError, match="learning_rate"):
        LSTMForecaster(learning_rate=-1.0)


def test_lstm_joins_backtest_and_blend_by_name():
    y = load_series("woolyrnq")
    tab = backtest(y, ["seasonal_naive", make_forecaster("lstm", epochs=40)], horizon=4, origins=2)
    assert list(tab.index) == ["seasonal_naive", "lstm"] and np.isfinite(tab.loc["lstm", "rmse"])
    blend = make_forecaster("blend", members=["seasonal_naive", make_forecaster("lstm", epochs=40)],
                            window=4).fit(y)
    assert set(blend.weights_) == {"seasonal_naive", "lstm"}
    assert abs(sum(blend.weights_.values()) - 1) < 1e-12


def test_static_update_keeps_weights_and_moves_origin():
    y = load_series("woolyrnq")
    f = LSTMForecaster(epochs=20, seed=0).fit(y[:-4])
    w = f.params_["W"].copy()
    before = f.predict(2).mean
    f.update(y, refit=False)
    assert np.array_equal(f.params_["W"], w)
    assert not np.array_equal(f.predict(2).mean, before)


def test_refit_continues_from_the_current_weights():
    """update(refit=True) fine-tunes: one Adam step moves every weight by at most about the
    learning rate (Kingma & Ba 2015, section 2.1), far less than a fresh start would; with
    refit_epochs=None a re-fit is a fresh fit on the longer series; fit always starts afresh."""
    y = load_series("woolyrnq")
    f = LSTMForecaster(epochs=20, refit_epochs=1, learning_rate=0.01, seed=0).fit(y[:-4])
    w = f.params_["W"].copy()
    f.update(y, refit=True)
    step = np.abs(f.params_["W"] - w)
    assert 0 < step.max() <= 0.01 * (1 + 1e-6)
    fresh = LSTMForecaster(epochs=20, refit_epochs=None, seed=0).fit(y[:-4]).update(y, refit=True)
    assert np.array_equal(fresh.params_["W"], LSTMForecaster(epochs=20, seed=0).fit(y).params_["W"])
    again = LSTMForecaster(epochs=20, refit_epochs=1, seed=0).fit(y[:-4])
    again.fit(y[:-4])
    assert np.array_equal(again.params_["W"], w)
    with pytest.raises(ValueError, match="refit_epochs"):
        LSTMForecaster(refit_epochs=0)
