"""casekit.policies: construction, fitting a network, bad input."""

import pytest
from scipy.stats import poisson

from casekit.network import distribution, serial
from casekit.policies import RQ, SS, BaseStock, EchelonBaseStock, ForecastOrderUpTo


def test_example_6_1_echelon_to_local():
    net = serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5))
    p = EchelonBaseStock([9, 15, 26])
    assert p.local_levels(net) == {1: 9.0, 2: 6.0, 3: 11.0}
    assert p.initial_stock(net) == {1: 9.0, 2: 6.0, 3: 11.0}
    assert EchelonBaseStock({3: 26, 2: 15, 1: 9}).levels_for(net) == {1: 9.0, 2: 15.0, 3: 26.0}


def test_distribution_network_levels_by_stage():
    net = distribution(1, 2, 2, 1, poisson(10), 20, n_retailers=2)
    assert BaseStock({0: 40, 1: 25, 2: 25}).levels_for(net) == {1: 25.0, 2: 25.0, 0: 40.0}
    e = EchelonBaseStock({0: 100, 1: 25, 2: 25})
    assert e.local_levels(net)[0] == 50.0


def test_scalar_and_forecast_policies():
    net = serial([1, 1], [1, 2], 10, poisson(5))
    assert SS(3, 10).params(net)["S"] == {1: 10.0, 2: 10.0}
    assert RQ(4, 6).initial_stock(net) == {1: 10.0, 2: 10.0}
    f = ForecastOrderUpTo(0.2, 1.0).params(net)
    assert f["cover"] == {1: 2.0, 2: 3.0}


def test_bad_policies():
    net = serial([1, 1], [1, 2], 10, poisson(5))
    with pytest.raises(ValueError, match="one value per stage"):
        BaseStock([1, 2, 3]).validate(net)
    with pytest.raises(ValueError, match="single number"):
        BaseStock(5).validate(net)
    with pytest.raises(ValueError, match=">= 0"):
        BaseStock([-1, 2]).validate(net)
    with pytest.raises(ValueError, match="not in the network"):
        EchelonBaseStock({1: 5, 2: 9, "x": 3}).validate(net)
    with pytest.raises(ValueError, match="Q"):
        RQ(3, 0).validate(net)
    with pytest.raises(ValueError, match="alpha"):
        ForecastOrderUpTo(alpha=1.5)
    with pytest.raises(TypeError, match="levels"):
        BaseStock(None)
