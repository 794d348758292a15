"""casekit.framework: the stochastic-programming lever (``stochastic_placement``) and the LSTM lever
(``lstm``), the paper's stochastic programming modules and its LSTM beside the statistical forecasts."""

from types import SimpleNamespace

import numpy as np
import pytest

from casekit import framework as fw


@pytest.fixture(scope="module")
def elec():
    return fw.case_system("electronics", horizon_days=60)


# ------------------------------------------------------------------ the levers in the framework

def test_both_levers_sit_in_their_layers_and_in_the_hybrid():
    assert "lstm" in fw.LAYERS["forecasting"] and "stochastic_placement" in fw.LAYERS["tactical"]
    for case in fw.CASES:
        assert {"lstm", "stochastic_placement"} <= set(fw.resolve(case, "hybrid"))


def test_lstm_lever_pulls_in_the_blend():
    assert fw.resolve("fmcg", ["lstm"]) == ("blend", "lstm")
    assert fw.resolve("electronics", "lstm") == ("blend", "lstm")
    assert fw.resolve("electronics", ["stochastic_placement"]) == ("stochastic_placement",)


def _same_except(a, b, fields):
    for f in ("kind", "up_review", "up_echelon", "up_mode", "up_extra_days", "expedite_threshold", "reallocate",
              "backup_share", "lane_modes"):
        assert getattr(a, f) == getattr(b, f), f
    np.testing.assert_array_equal(np.asarray(a.dn_review), np.asarray(b.dn_review))
    for f in ("level", "Q", "up_level"):
        x, y = getattr(a, f), getattr(b, f)
        if f in fields:
            assert not np.array_equal(x, y), f
        elif x is None:
            assert y is None
        else:
            np.testing.assert_array_equal(x, y)


def test_stochastic_placement_alone_changes_only_the_upstream_levels(elec):
    base = fw.build_policy("electronics", elec, ())
    p = fw.build_policy("electronics", elec, ["stochastic_placement"])
    _same_except(base, p, {"up_level"})
    # the moving-average planner keeps its cover and re-estimation; only its constant (the buffer) moves
    ub, up = base.planner().up, p.planner().up
    np.testing.assert_array_equal(ub["cover"], up["cover"])
    np.testing.assert_array_equal(ub["prior"], up["prior"])
    np.testing.assert_allclose(up["const"] - ub["const"], p.info["up_buffer"] - base.info["up_buffer"])
    assert p.info["placement"].proven_optimal


def test_stochastic_placement_same_seed_same_policy_other_seed_other_scenarios(elec):
    a = fw.build_policy("electronics", elec, ["stochastic_placement"], tuning_seed=7)
    fw._PLACEMENTS.clear()
    b = fw.build_policy("electronics", elec, ["stochastic_placement"], tuning_seed=7)
    np.testing.assert_array_equal(a.up_level, b.up_level)
    c = fw.build_policy("electronics", elec, ["stochastic_placement"], tuning_seed=8)
    assert not np.array_equal(a.info["placement"].scenarios.demand, c.info["placement"].scenarios.demand)


def test_lstm_alone_changes_only_the_forecast_driven_targets(elec):
    base = fw.build_policy("electronics", elec, ["blend"])
    p = fw.build_policy("electronics", elec, ["lstm"])
    # the forecast feeds the outlet targets and, through its mean, the upstream cover
    _same_except(base, p, {"level", "up_level"})
    w = p.info["blend"]["weights"]
    assert set(w) == {"trend", "moving_average", "lstm"} and sum(w.values()) == pytest.approx(1.0)


# ------------------------------------------------------------------ independent checks of the pieces

def _toy_system(m=2, sigma=0.0, mask=()):
    return SimpleNamespace(lead_up_median=np.full(m, 5.0), lead_up_sigma=np.full(m, sigma), h_up=np.full(m, 0.1),
                           shutdown_mask=mask)


def test_stochastic_buffer_is_the_saa_newsvendor_quantile_brute_force():
    """No transfers between nodes, equal scenario weights: each node's SAA stock is the newsvendor
    answer on its sampled net requirement, the smallest sample value x with F_N(x) >= beta
    (critical ratio p / (p + h) = beta), up to the whole unit the programme places (brute force,
    Birge & Louveaux, Introduction to Stochastic Programming, section 1.1 newsvendor)."""
    sysm = _toy_system(2, sigma=0.3)
    beta = 0.9
    buf, placed = fw.stochastic_buffers(sysm, np.array([20.0, 5.0]), np.array([60.0, 10.0]), review=7,
                                        service_level=beta, shutdown_days=0, n_scenarios=40, seed=3)
    sc = placed.scenarios
    net = sc.demand - sc.resupply                             # no shutdown: every scenario ships
    q = np.sort(net, axis=0)[int(np.ceil(beta * 40)) - 1]
    assert np.all(np.abs(placed.stock - q) <= 1.0)
    np.testing.assert_allclose(buf, placed.stock - net.mean(axis=0))


def test_stochastic_buffer_grows_with_the_shutdown_risk_only_where_the_shutdown_bites():
    """Node 1's supplier can shut (shutdown_mask), node 0's cannot: a shutdown of 120 days a year
    (probability 0.33 > 1 - beta per period) makes the programme hold more at node 1 only."""
    sysm = _toy_system(2, mask=(False, True))
    kw = dict(review=7, service_level=0.9, n_scenarios=60, seed=5)
    mu, var = np.array([20.0, 20.0]), np.array([60.0, 60.0])
    calm, _ = fw.stochastic_buffers(sysm, mu, var, shutdown_days=0, **kw)
    risky, p = fw.stochastic_buffers(sysm, mu, var, shutdown_days=120, **kw)
    assert risky[0] == pytest.approx(calm[0]) and risky[1] > calm[1] + 5 * 20
    assert (p.scenarios.resupply[:, 0] > 0).all() and (p.scenarios.resupply[:, 1] == 0).any()


def test_stochastic_buffers_refuse_bad_input_naming_the_parameter():
    sysm = _toy_system(1)
    with pytest.raises(ValueError, match="n_scenarios"):
        fw.stochastic_buffers(sysm, [1.0], [1.0], review=7, service_level=0.9, shutdown_days=0, n_scenarios=1)
    with pytest.raises(ValueError, match="service_level"):
        fw.stochastic_buffers(sysm, [1.0], [1.0], review=7, service_level=1.0, shutdown_days=0)


def test_lstm_windows_match_the_lstm_forecasters_own_inputs():
    """The lever's pooled windows are, series by series, the inputs :class:`casekit.lstm.LSTMForecaster`
    builds for the same lookback and weekly season."""
    from casekit.lstm import LSTMForecaster

    rng = np.random.default_rng(0)
    Y = 50 + 10 * np.sin(2 * np.pi * np.arange(60) / 7)[:, None] + rng.normal(0, 3, (60, 2))
    opts = {**fw.LSTM_OPTIONS, "lookback": 8, "season": 7}
    t = np.arange(8, 60)
    scale = np.array([2.0, 5.0])
    X, level = fw._lstm_windows(Y, t, scale, opts)
    for s in range(2):
        f = LSTMForecaster(7, lookback=8, epochs=1).fit(Y[:, s])
        f.scale_ = scale[s]
        Xs, ls = f._inputs(Y[:, s], t)
        np.testing.assert_allclose(X.reshape(len(t), 2, 8, 3)[:, s], Xs)
        np.testing.assert_allclose(level[:, s], ls)


def test_lstm_training_is_seeded():
    rng = np.random.default_rng(1)
    Y = 30 + rng.gamma(4, 2, (80, 3))
    opts = {**fw.LSTM_OPTIONS, "epochs": 5, "windows": 64}
    (a, sa), (b, sb) = fw._lstm_fit(Y, opts), fw._lstm_fit(Y, opts)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    c, _ = fw._lstm_fit(Y, {**opts, "seed": 1})
    assert not np.array_equal(a["W"], c["W"])


def test_lstm_blend_is_a_weekly_lstm_member_weighted_by_inverse_mse(elec):
    """Electronics: the blend with the LSTM is (1 - w) x the two-member blend + w x the LSTM, whose
    forecast (its first week, held) repeats every 7 days; the weights are inverse MSEs."""
    from casekit.cases import electronics

    F, info = fw.lstm_blend("electronics", elec, promotions=False, cannibalisation=False)   # as build_policy asks
    F2, w2 = electronics.rolling_forecast(elec)
    w = info["weights"]
    lstm = (F - (1 - w["lstm"]) * F2) / w["lstm"]
    np.testing.assert_allclose(lstm[7:], lstm[:-7], atol=1e-6)
    inv = {k: 1 / v for k, v in info["mse"].items()}
    for k in w:
        assert w[k] == pytest.approx(inv[k] / sum(inv.values()))
    assert w["trend"] / w["moving_average"] == pytest.approx(w2["trend"] / w2["moving_average"])


# ------------------------------------------------------------------ small evaluations run

@pytest.mark.parametrize("case", ["electronics", "fmcg"])
@pytest.mark.parametrize("lever", ["stochastic_placement", "lstm"])
def test_small_evaluation_with_each_lever_runs(case, lever):
    r = fw.evaluate(case, [lever], horizon_days=60, replications=3, outlets=100, recovery=False)
    assert lever in r.levers and len(r.values) == 3
    assert np.isfinite(r.values[["fill_rate", "total_cost", "holding_cost"]].to_numpy()).all()
