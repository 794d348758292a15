"""The Table 3 measures of casekit.metrics (fill rate in %, total cost, paired changes, bucketed
bullwhip, order-cycle stability, recovery vs a twin), each on a hand-computed example or a closed
form derived in the test's docstring; the order series are simulated here with numpy, independently
of casekit's simulators."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from casekit import metrics as M


# ------------------------------------------------------------------ fill rate, points, total cost

def test_fill_rate_pct_by_hand():
    # 21 units demanded, 18 met from stock in their period: 100 * 18 / 21 = 85.714 %
    assert M.fill_rate_pct([5, 7, 3, 6], [5, 4, 3, 6]) == pytest.approx(1800 / 21)
    two = M.fill_rate_pct([[10, 10], [4, 0]], [[9, 10], [2, 0]])
    assert two.tolist() == pytest.approx([95.0, 50.0])
    assert M.change_in_points(91, 97) == 6.0                # the paper's electronics gain, in points
    assert M.change_in_points([89.0, 91.0], [98.0, 97.0]).tolist() == [9.0, 6.0]


def test_fill_rate_pct_bad_input():
    with pytest.raises(ValueError, match="met must not exceed demand"):
        M.fill_rate_pct([5, 5], [6, 5])
    with pytest.raises(ValueError, match="same shape"):
        M.fill_rate_pct([5, 5], [5])
    with pytest.raises(ValueError, match="demand must be >= 0"):
        M.fill_rate_pct([-1, 5], [0, 5])
    with pytest.raises(ValueError, match=r"new_pct must be percentages in \[0, 100\]"):
        M.change_in_points(90, 101)


def test_total_cost_is_holding_ordering_shortage_only():
    c = M.total_cost(120.0, 30.0, 50.0, emergency=40.0, reallocation=10.0)
    assert c.total == 200.0                                 # 120 + 30 + 50 (paper §7.3)
    assert c.total_with_transport == 250.0                  # + 40 emergency + 10 reallocation
    r = M.total_cost([10.0, 20.0], [1.0, 2.0], [0.0, 5.0], emergency=[3.0, 0.0])
    assert r.total.tolist() == [11.0, 27.0] and r.total_with_transport.tolist() == [14.0, 27.0]
    frame = r.to_frame()
    assert frame.loc["total"].tolist() == [11.0, 27.0] and frame.loc["reallocation"].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="shortage must be >= 0"):
        M.total_cost(1.0, 1.0, -2.0)
    with pytest.raises(ValueError, match="ordering must have the shape of holding"):
        M.total_cost([1.0, 2.0], [1.0, 2.0, 3.0], [0.0, 0.0])


# ------------------------------------------------------------------ paired change on CRN

def test_paired_percent_change_by_hand():
    """Pairs (100, 90), (200, 170), (400, 360): changes -10, -15, -10 %; mean -11.667,
    s = sqrt((1.667^2 + 3.333^2 + 1.667^2) / 2) = 2.8868, half-width t(0.975, 2) s / sqrt 3."""
    r = M.paired_change([100, 200, 400], [90, 170, 360])
    half = stats.t.ppf(0.975, 2) * math.sqrt(25 / 3) / math.sqrt(3)
    assert r.mean == pytest.approx(-35 / 3)
    assert (r.low, r.high) == pytest.approx((-35 / 3 - half, -35 / 3 + half))
    assert r.n == 3 and r.per_replication.tolist() == pytest.approx([-10, -15, -10])
    assert r.unit == "% change vs baseline" and r.contains(-15) and not r.contains(-30)
    assert r.high == pytest.approx(-35 / 3 + 7.1712, abs=1e-3)   # -4.50: the fall is clear
    assert r.excludes_zero


def test_paired_points_change_and_common_random_numbers_narrow_the_interval():
    """Paired differences remove the variation the two runs share: with a common shock of sd 5 and
    a treatment effect of +2 points, the paired interval is far narrower than the two-sample one."""
    rng = np.random.default_rng(7)
    shared = rng.normal(90, 5, 30)
    base, new = shared, np.clip(shared + 2 + rng.normal(0, 0.2, 30), 0, 100)
    r = M.paired_change(base, new, kind="points")
    assert r.contains(2.0) and r.excludes_zero and r.unit == "percentage points"
    two_sample = stats.ttest_ind(new, base).confidence_interval(0.95)
    assert (r.high - r.low) < 0.2 * (two_sample.high - two_sample.low)


def test_paired_change_bad_input():
    with pytest.raises(ValueError, match="replications must be >= 2"):
        M.paired_change([100.0], [90.0])
    with pytest.raises(ValueError, match="baseline must be non-zero .* replication 1"):
        M.paired_change([100.0, 0.0], [90.0, 1.0])
    with pytest.raises(ValueError, match="kind must be one of 'percent', 'points', 'difference'"):
        M.paired_change([1.0, 2.0], [1.0, 2.0], kind="ratio")
    with pytest.raises(ValueError, match="same length"):
        M.paired_change([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="confidence"):
        M.paired_change([1.0, 2.0], [1.0, 2.0], confidence=95)


# ------------------------------------------------------------------ bullwhip on a common bucket

def test_bucketed_bullwhip_by_hand_per_echelon_and_network():
    """Two echelons, 8 days, buckets of 2 days (both review every 2 days).
    Retailer (echelon 0): demand per bucket 4, 8, 8, 4 (var 16/3); orders 2, 10, 10, 2 (var 64/3):
    ratio 4.  Warehouse (echelon 1): demand = retailer orders (var 64/3); orders 0, 12, 12, 0
    (var 144/3): ratio 9/4.  Network: var(warehouse orders) / var(customer demand) = 144/16 = 9."""
    demand0 = [1, 3, 2, 6, 4, 4, 3, 1]
    orders0 = [0, 2, 0, 10, 0, 10, 0, 2]
    orders1 = [0, 0, 0, 12, 0, 12, 0, 0]
    r = M.bucketed_bullwhip([orders0, orders1], [demand0, orders0], bucket=2, review_periods=[2, 2])
    assert r.per_echelon.tolist() == pytest.approx([4.0, 9 / 4])
    assert r.network == pytest.approx(9.0)
    assert (r.n_buckets, r.periods_dropped, r.bucket_label) == (4, 0, "2 days")
    frame = r.to_frame()
    assert frame.loc["network", "bullwhip"] == pytest.approx(9.0) and frame.attrs["bucket"] == "2 days"


def test_bucketed_bullwhip_warmup_and_incomplete_bucket():
    demand = [50, 50, 1, 3, 2, 6, 4, 4, 3, 1, 99]           # 2 warm-up days, 1 day left over
    orders = [0, 90, 0, 0, 0, 12, 0, 12, 0, 0, 0]
    r = M.bucketed_bullwhip(orders, demand, bucket=2, review_periods=2, warmup=2)
    assert r.network == pytest.approx(9.0) and r.periods_dropped == 1 and r.n_buckets == 4
    assert M.aggregate_to_buckets([1, 2, 3, 4, 5, 6, 7], 3)[0].tolist() == [6.0, 15.0]


def _poisson_days(rng, reps, days, mean):
    return rng.poisson(mean, size=(reps, days)).astype(float)


def test_base_stock_on_iid_demand_gives_one_within_sampling_error():
    """Base stock (order-up-to S every period) on i.i.d. demand orders exactly what was sold:
    q_t = d_{t-1} (the order is placed the morning after the demand).  Over buckets of 7 days the
    order and demand series differ only at the bucket edges and Var(q_b) = Var(d_b), so the ratio
    is 1 within sampling error: the mean over 40 replications lies within 4 standard errors."""
    rng = np.random.default_rng(11)
    d = _poisson_days(rng, 40, 7 * 150 + 1, 20.0)
    q = d[:, :-1]                                 # order placed on day t+1 for day t's demand
    demand = d[:, 1:]                             # align: day t+1's order vs day t+1's demand
    r = M.bucketed_bullwhip(q[:, None, :], demand[:, None, :], bucket=7, review_periods=1)
    ratios = r.network
    assert ratios.shape == (40,) and r.per_echelon.shape == (40, 1)
    se = ratios.std(ddof=1) / math.sqrt(ratios.size)
    assert abs(ratios.mean() - 1.0) < 4 * se + 1e-12
    assert abs(ratios.mean() - 1.0) < 0.05
    # order = demand in the same period: the two bucketed series are identical, the ratio exactly 1
    assert M.bucketed_bullwhip(d[0], d[0], bucket=7, review_periods=1).network == pytest.approx(1.0, abs=1e-12)
    # a two-echelon chain of base-stock stages, each ordering the day after its demand arrives:
    # warehouse demand = retailer orders; per echelon and network ratios are 1 within sampling error
    cust = d[:, 2:]
    retail_orders, warehouse_orders = d[:, 1:-1], d[:, :-2]
    chain = M.bucketed_bullwhip(np.stack([retail_orders, warehouse_orders], axis=1),
                                np.stack([cust, retail_orders], axis=1), bucket=7, review_periods=1)
    assert chain.per_echelon.shape == (40, 2)
    for series in (chain.per_echelon[:, 0], chain.per_echelon[:, 1], chain.network):
        assert abs(series.mean() - 1.0) < 4 * series.std(ddof=1) / math.sqrt(series.size)


def test_periodic_review_batching_closed_form_and_why_the_bucket_matters():
    """Order-up-to with review every R days on i.i.d. daily demand (mean μ, variance σ²): on a
    review day the order is the R days' demand since the last review, on other days 0:

        q_t = Σ_{i=0}^{R-1} d_{t-i}  with probability 1/R,  else 0.

    E[q] = μ, E[q²] = (1/R)(Rσ² + R²μ²) = σ² + Rμ², so per day
        Var(q) / Var(d) = (σ² + Rμ² - μ²) / σ² = 1 + (R - 1) μ² / σ².
    For Poisson(20) demand (σ² = μ) and R = 7 that is 1 + 6 · 20 = 121: pure batching.  On buckets
    of 28 days (a multiple of R) each bucket's orders are 4 weeks of demand shifted by the review
    offset, so the bucketed ratio is 1 within sampling error."""
    rng = np.random.default_rng(3)
    R, mu, days = 7, 20.0, 28 * 200
    d = _poisson_days(rng, 1, days + R, mu)[0]
    review = (np.arange(days + R) % R) == 3                 # reviews on the 4th day of each week
    csum = np.concatenate([[0.0], np.cumsum(d)])
    t = np.arange(days + R)
    q = np.where(review & (t >= R - 1), csum[t + 1] - csum[np.maximum(t + 1 - R, 0)], 0.0)
    q, d = q[R:], d[R:]
    daily = M.bullwhip_ratio(q, d)                          # unbucketed: the batching artefact
    assert daily == pytest.approx(1 + (R - 1) * mu ** 2 / mu, rel=0.06)
    r = M.bucketed_bullwhip(q, d, bucket=28, review_periods=R)
    assert r.network == pytest.approx(1.0, abs=0.12)        # 200 buckets: sd of the ratio ~0.05
    with pytest.raises(ValueError, match=r"bucket must be >= the longest review period compared \(7 periods\), got 1"):
        M.bucketed_bullwhip(q, d, bucket=1, review_periods=R)


def test_moving_average_order_up_to_closed_form():
    """Chen, Drezner, Ryan & Simchi-Levi (2000), i.i.d. demand: order-up-to level
    S_t = L · m_t + const with m_t the mean of the last p demands, reviewed every period; the
    order is q_t = d_{t-1} + S_t - S_{t-1} = (1 + L/p) d_{t-1} - (L/p) d_{t-1-p}, so
        Var(q) / σ² = (1 + L/p)² + (L/p)² = 1 + 2L/p + 2L²/p².
    With L = 2, p = 4: 1 + 1 + 0.5 = 2.5 (bucket = review period = 1 day)."""
    rng = np.random.default_rng(5)
    L, p, n = 2, 4, 400_000
    d = rng.normal(100.0, 10.0, n)
    q = (1 + L / p) * d[p:-1] - (L / p) * d[:-1 - p]        # q_t for t = p+1 .. n-1
    r = M.bucketed_bullwhip(q, d[p + 1:], bucket=1, review_periods=1)
    assert r.network == pytest.approx(1 + 2 * L / p + 2 * L ** 2 / p ** 2, rel=0.02)


def test_bullwhip_bad_input():
    d, o = np.arange(60.0) % 7, np.arange(60.0) % 5
    with pytest.raises(ValueError, match=r"bucket must be >= the longest review period compared \(30"):
        M.bucketed_bullwhip(o, d, bucket=7, review_periods=[1, 30])
    with pytest.raises(ValueError, match="review_periods must be >= 1"):
        M.bucketed_bullwhip(o, d, bucket=7, review_periods=0)
    with pytest.raises(ValueError, match="at least 2 buckets"):
        M.bucketed_bullwhip(o, d, bucket=40, review_periods=7)
    with pytest.raises(ValueError, match="same shape"):
        M.bucketed_bullwhip(o[:50], d, bucket=7, review_periods=7)
    with pytest.raises(ValueError, match="zero variance"):
        M.bucketed_bullwhip(o[:56], np.ones(56), bucket=7, review_periods=7)
    with pytest.raises(TypeError, match="bucket must be an integer"):
        M.bucketed_bullwhip(o, d, bucket=7.0, review_periods=7)


def test_order_cycle_std_by_hand():
    """Orders per 2-day bucket 2, 10, 10, 2: mean 6, sample variance 4 · 16 / 3, sd 4.6188."""
    r = M.order_cycle_std([0, 2, 0, 10, 0, 10, 0, 2], bucket=2, review_periods=2)
    assert r.per_echelon.tolist() == pytest.approx([math.sqrt(64 / 3)])
    assert r.unit == "units per 2 days" and r.n_buckets == 4
    w = M.order_cycle_std([[0, 2, 0, 10, 0, 10, 0, 2], [5, 5, 5, 5, 5, 5, 5, 5]], bucket=4,
                          review_periods=[2, 4], unit="cases", period="day")
    assert w.per_echelon.tolist() == pytest.approx([0.0, 0.0]) and w.unit == "cases per 4 days"
    with pytest.raises(ValueError, match="bucket must be >= the longest review period compared"):
        M.order_cycle_std([1, 2, 3, 4], bucket=1, review_periods=2)


# ------------------------------------------------------------------ recovery vs a twin

def test_recovery_no_disruption_is_exactly_zero():
    rng = np.random.default_rng(1)
    d = rng.poisson(10, (5, 90)).astype(float)
    met = np.minimum(d, rng.poisson(10, (5, 90)))
    s = M.rolling_fill_rate(d, met, 7)
    r = M.recovery_time_vs_twin(s, s.copy(), disruption_end=40, band=0.02)
    assert r.periods.tolist() == [0.0] * 5 and not r.censored.any()


def test_recovery_synthetic_dent_of_known_length():
    twin = np.full(60, 0.97)
    s = twin.copy()
    s[30:41] = 0.80                 # disruption 20..29 (end 30); service dented for 11 periods after
    r = M.recovery_time_vs_twin(s, twin, disruption_end=30, band=0.02)
    assert r.periods == 11.0 and r.censored is False
    s[25:30] = 0.5                  # a dent during the disruption does not count: still 11
    assert M.recovery_time_vs_twin(s, twin, disruption_end=30, band=0.02).periods == 11.0


def test_recovery_dent_that_ends_before_the_disruption_ends_is_zero():
    twin = np.full(60, 0.97)
    s = twin.copy()
    s[20:27] = 0.7                  # dent 20..26, disruption 20..29
    assert M.recovery_time_vs_twin(s, twin, disruption_end=30, band=0.02).periods == 0.0
    s[30] = 0.96                    # inside the band (0.01 < 0.02): still 0
    assert M.recovery_time_vs_twin(s, twin, disruption_end=30, band=0.02).periods == 0.0


def test_recovery_from_rolling_fill_rate_by_hand():
    """Nothing delivered in periods 20..22 (disruption ends at 23), 4-period rolling fill rate:
    the windows ending at t = 23, 24, 25 still contain a dry period, t = 26 is clean: 3 periods."""
    d = np.full(50, 10.0)
    met = d.copy()
    met[20:23] = 0
    s, twin = M.rolling_fill_rate(d, met, 4), M.rolling_fill_rate(d, d, 4)
    assert M.recovery_time_vs_twin(s, twin, disruption_end=23, band=0.02).periods == 3.0


def test_recovery_censored_and_replications():
    twin = np.ones((2, 30))
    s = twin.copy()
    s[0, 25:] = 0.5                 # still dented at the horizon: censored, 30 - 20 observed
    s[1, 20:22] = 0.5
    r = M.recovery_time_vs_twin(s, twin, disruption_end=20, band=0.05)
    assert r.periods.tolist() == [10.0, 2.0] and r.censored.tolist() == [True, False]


def test_recovery_bad_input():
    s = np.ones(10)
    with pytest.raises(ValueError, match="disruption_end must be <= 9"):
        M.recovery_time_vs_twin(s, s, disruption_end=10, band=0.02)
    with pytest.raises(ValueError, match="band must be >= 0"):
        M.recovery_time_vs_twin(s, s, disruption_end=5, band=-0.1)
    with pytest.raises(ValueError, match="same shape"):
        M.recovery_time_vs_twin(s, s[:9], disruption_end=5, band=0.02)


# ------------------------------------------------------------------ the registry of measures

def test_metric_registry_and_ranges():
    assert M.metric_spec("fill_rate_pct").better == "higher"
    assert M.improved("fill_rate_change_points", [6.0, -1.0, 0.0]).tolist() == [True, False, False]
    assert M.improved("recovery_periods", -3) and not M.improved("co2_change_pct", 5.0)
    assert M.check_metric_value("bullwhip", 1.45) == 1.45
    with pytest.raises(ValueError, match="metric must be one of 'fill_rate_pct'"):
        M.metric_spec("fillrate")
    with pytest.raises(ValueError, match=r"target for 'fill_rate_pct' must be in \[0, 100\] \(%\), got 120.0"):
        M.check_metric_value("fill_rate_pct", 120)
    with pytest.raises(ValueError, match=r"calibration_target for 'recovery_periods' must be in \[0, inf\]"):
        M.check_metric_value("recovery_periods", -2, parameter="calibration_target")
    with pytest.raises(ValueError, match=r"'total_cost_change_pct' must be in \[-100, inf\]"):
        M.check_metric_value("total_cost_change_pct", -101)
