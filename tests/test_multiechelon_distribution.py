"""Distribution systems (METRIC), risk pooling and the bullwhip effect."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from casekit.multiechelon import (bullwhip, bullwhip_bound, evaluate_distribution, optimize_distribution,
                                  risk_pooling)
from casekit.network import distribution, serial


def test_ample_warehouse_stock_gives_single_stage_retailers():
    net = distribution(1, 2, 2, 1, stats.poisson(5), 19, n_retailers=3)
    r = evaluate_distribution(net, {0: 10_000, 1: 7, 2: 8, 3: 9})
    assert r.warehouse_delay < 1e-12
    for i, s in ((1, 7), (2, 8), (3, 9)):
        # E[(X - s)^+] for X ~ Poisson(5) by summation
        x = np.arange(200)
        assert math.isclose(r.expected_backorders[i], float(np.sum(np.maximum(x - s, 0) * stats.poisson.pmf(x, 5))),
                            rel_tol=1e-9)


def test_empty_warehouse_delays_every_order_by_its_lead_time():
    net = distribution(1, 2, 3, 1, stats.poisson(4), 19, n_retailers=2)
    r = evaluate_distribution(net, [0, 10, 10])
    assert math.isclose(r.warehouse_delay, 3.0)        # all warehouse demand waits L_0 = 3
    assert math.isclose(r.service_level[1], stats.poisson.cdf(10, 4 * (1 + 3)))


def test_optimum_is_no_worse_than_nearby_policies():
    net = distribution(1, 2, 2, 1, stats.poisson(5), 19, n_retailers=4)
    best = optimize_distribution(net)
    S = best.base_stock
    for i in S:
        for d in (-1, 1):
            other = dict(S)
            other[i] += d
            assert evaluate_distribution(net, other).cost >= best.cost - 1e-9


def test_risk_pooling_square_root_law():
    r = risk_pooling([7.0] * 9, lead_time=4, demand_bound=1.645)
    assert math.isclose(r.centralised / r.decentralised, 1 / 3)      # 1/sqrt(9)
    assert math.isclose(r.decentralised, 1.645 * 2 * 63)
    perfectly_correlated = risk_pooling([3, 4, 5], correlation=1.0)
    assert math.isclose(perfectly_correlated.saving, 0.0, abs_tol=1e-12)
    with pytest.raises(ValueError, match="correlation"):
        risk_pooling([1, 1, 1], correlation=-0.9)


def test_bullwhip_first_stage_matches_chen_et_al():
    ratios = bullwhip(3, lead_time=2, window=5, n_periods=200_000, seed=4)
    assert abs(ratios[0] - bullwhip_bound(2, 5)) < 0.05              # 1 + 0.8 + 0.32 = 2.12
    assert np.all(np.diff(ratios) > 0)                               # amplification grows upstream
    assert ratios[2] >= bullwhip_bound(2, 5) ** 3 * 0.95             # the multi-stage lower bound


def test_distribution_functions_refuse_other_structures():
    with pytest.raises(ValueError, match="distribution system"):
        evaluate_distribution(serial([1, 1], [1, 1], 5, stats.poisson(3)), [3, 5])
