"""casekit.metrics: each formula on small hand-computed cases."""

import numpy as np
import pytest
from scipy import stats

from casekit import metrics as M


def test_fill_rate_and_cycle_service_level_by_hand():
    d = np.array([[5, 7, 3, 6], [0, 0, 0, 0]])
    met = np.array([[5, 4, 3, 6], [0, 0, 0, 0]])
    fr = M.fill_rate(d, met)
    assert fr[0] == pytest.approx(18 / 21) and np.isnan(fr[1])
    assert M.cycle_service_level(d[0], met[0]) == 0.75


def test_cost_parts():
    assert M.holding_cost([2, 4, 6], 0.5) == pytest.approx(2.0)
    assert M.shortage_cost([0, 3, 0], 4) == pytest.approx(4.0)
    assert M.ordering_cost([0, 5, 0, 5], 10) == pytest.approx(5.0)
    assert M.emergency_cost([1, 1], 7) == pytest.approx(7.0)
    assert M.average_backorders([0, 2]) == 1.0 and M.average_on_hand([3, 5]) == 4.0


def test_bullwhip_and_order_std():
    rng = np.random.default_rng(0)
    d = rng.normal(10, 2, 10_000)
    q = 10 + 3 * (d - 10)                       # orders amplify deviations threefold: ratio 9
    assert M.bullwhip_ratio(q, d) == pytest.approx(9.0)
    assert M.order_std(q) == pytest.approx(np.std(q))
    assert np.isnan(M.bullwhip_ratio([1, 2], [3, 3]))


def test_recovery_time():
    d = np.full((2, 50), 10.0)
    m = d.copy()
    m[0, 20:23] = 0                             # three empty periods in replication 0
    r = M.recovery_time(d, m, start=20, window=4)
    assert r[0] == 6 and r[1] == 0             # window t-3..t clean again from t = 26
    m2 = d.copy()
    m2[:, 25:] = 0                              # never recovers: censored at the horizon (30)
    assert M.recovery_time(d[0], m2[0], start=20, window=4) == 30
    with pytest.raises(ValueError, match="start"):
        M.recovery_time(d, m, start=0)


def test_co2():
    assert M.tonne_km(500, 2.0, 1000) == pytest.approx(1000.0)
    assert float(M.co2_kg(500, 2.0, 1000, "sea")) == pytest.approx(1000 * M.EMISSION_FACTORS["sea"])
    with pytest.raises(ValueError, match="mode"):
        M.co2_kg(1, 1, 1, "rocket")


def test_mean_ci_matches_scipy():
    x = np.array([3.0, 4.0, 6.0, 7.0])
    m, lo, hi = M.mean_ci(x, 0.95)
    ref = stats.t.interval(0.95, 3, loc=5.0, scale=stats.sem(x))
    assert m == 5.0 and lo == pytest.approx(ref[0]) and hi == pytest.approx(ref[1])


def test_fill_rate_refuses_inconsistent_arrays():
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(2,\)"):
        M.fill_rate([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match=r"met must not exceed demand, got met 2.0 > demand 1.0 at index \(0,\)"):
        M.fill_rate([1, 2, 3], [2, 5, 9])
    with pytest.raises(ValueError, match=r"demand must be finite and >= 0, got nan at index \(1,\)"):
        M.fill_rate([1, np.nan, 3], [1, 1, 1])
    with pytest.raises(ValueError, match=r"met must be finite and >= 0, got -1.0"):
        M.fill_rate([1, 2, 3], [1, -1, 1])
    with pytest.raises(TypeError, match="arrays of numbers"):
        M.fill_rate("abc", [1])


def test_mean_ci_counts_every_replication():
    # Student-t interval by hand: x = 1, 2, 3: mean 2, s = 1, t_{0.975, 2} = 4.302653
    m, lo, hi = M.mean_ci([1.0, 2.0, 3.0])
    assert (m, hi - m) == pytest.approx((2.0, 4.302652729911275 / np.sqrt(3)))
    with pytest.raises(ValueError, match="at least one replication"):
        M.mean_ci([])
    with pytest.raises(ValueError, match="x must be finite, got inf at index 3"):
        M.mean_ci([1, 2, np.nan, np.inf])
    with pytest.raises(ValueError, match="replication 2 of 3 is NaN"):
        M.mean_ci([1, 2, np.nan])
    for c in (1.5, 0, 1, -0.2, np.nan, "95%"):
        with pytest.raises(ValueError, match="confidence must be a number strictly between 0 and 1"):
            M.mean_ci([1, 2, 3], confidence=c)
    # a quantity undefined in every replication stays undefined
    assert all(np.isnan(M.mean_ci([np.nan, np.nan])))
