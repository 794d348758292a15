"""casekit.intro.poisson_cover against a direct summation of the Poisson pmf."""

import math

import pytest

from casekit.intro import poisson_cover


def _direct(lam, s, kmax=400):
    pmf = [math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1)) for k in range(kmax)]
    service = sum(pmf[: s + 1])
    shortfall = sum((k - s) * p for k, p in enumerate(pmf) if k > s)
    return service, shortfall


@pytest.mark.parametrize("lam,s", [(6, 8), (10, 12), (0.5, 0), (35.5, 30), (20, 60)])
def test_poisson_cover_matches_direct_summation(lam, s):
    service, shortfall = _direct(lam, s)
    r = poisson_cover(lam, s)
    assert r.service_level == pytest.approx(service, rel=1e-12, abs=1e-15)
    assert r.expected_shortfall == pytest.approx(shortfall, rel=1e-10, abs=1e-12)


def test_snyder_shen_poisson_newsvendor_expected_shortfall():
    # Snyder & Shen's Poisson(6) newsvendor with h=1, p=4 has cost 3.570107 at S=8:
    # cost = h*E[(S-D)+] + p*E[(D-S)+] = h*(S - mean + shortfall) + p*shortfall.
    r = poisson_cover(6, 8)
    assert 1 * (8 - 6 + r.expected_shortfall) + 4 * r.expected_shortfall == pytest.approx(3.570107, abs=1e-6)


@pytest.mark.parametrize("kwargs,match", [
    (dict(mean=0, stock=3), "mean must be > 0, got 0"),
    (dict(mean=-2.5, stock=3), "mean must be > 0"),
    (dict(mean=float("nan"), stock=3), "mean must be a finite number"),
    (dict(mean=5, stock=-1), "stock must be >= 0, got -1"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        poisson_cover(**kwargs)


def test_stock_must_be_an_integer():
    with pytest.raises(TypeError, match="stock must be an integer, got 2.5"):
        poisson_cover(5, 2.5)
