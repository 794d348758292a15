"""Loss functions n, n_bar, n2, n_bar2 (Snyder & Shen, appendix C): closed forms against numeric
integration / summation done here, published table values, and identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from casekit.distributions import DiscreteDistribution
from casekit.safety_stock import (complementary_loss_function, complementary_second_order_loss_function,
                                  loss_function, second_order_loss_function)

FUNCS = dict(n=loss_function, n_bar=complementary_loss_function, n2=second_order_loss_function,
             n_bar2=complementary_second_order_loss_function)


def by_integration(dist, x):
    """The four continuous loss functions by adaptive quadrature of the density (independent)."""
    lo, hi = dist.support()
    q = lambda f, a, b: integrate.quad(f, a, b, epsabs=1e-13, epsrel=1e-12, limit=400)[0] if b > a else 0.0
    return dict(n=q(lambda y: (y - x) * dist.pdf(y), max(x, lo), hi),
                n_bar=q(lambda y: (x - y) * dist.pdf(y), lo, min(x, hi)),
                n2=0.5 * q(lambda y: (y - x) ** 2 * dist.pdf(y), max(x, lo), hi),
                n_bar2=0.5 * q(lambda y: (x - y) ** 2 * dist.pdf(y), lo, min(x, hi)))


def by_summation(pmf_values, support, x):
    """The four discrete loss functions by direct summation over a (wide) support (independent)."""
    y, f = np.asarray(support, float), np.asarray(pmf_values, float)
    up, down = np.maximum(y - x, 0), np.maximum(x - y, 0)
    return dict(n=float(up @ f), n_bar=float(down @ f), n2=0.5 * float((up * np.maximum(y - x - 1, 0)) @ f),
                n_bar2=0.5 * float((down * np.maximum(x + 1 - y, 0)) @ f))


def test_standard_normal_loss_table_values():
    """Standard normal loss table L(z) = E[(Z - z)^+] as printed to 4 decimals in inventory texts."""
    table = {-1.0: 1.0833, 0.0: 0.3989, 0.5: 0.1978, 1.0: 0.0833, 1.5: 0.0293, 2.0: 0.0085, 2.5: 0.0020,
             3.0: 0.0004}
    z = np.array(list(table))
    got = loss_function(stats.norm(0, 1), z)
    assert np.array_equal(np.round(got, 4), np.array(list(table.values())))
    # and L_bar(z) = z + L(z)
    assert np.allclose(complementary_loss_function(stats.norm(0, 1), z), z + got, atol=1e-15)


@pytest.mark.parametrize("mu,sigma,x", [(0, 1, -1.4), (0, 1, 0.3), (0, 1, 3.1), (8, 3, 11.0), (15, 5, 10.5),
                                        (50, 8, 56.603956)])
def test_normal_closed_forms_against_integration(mu, sigma, x):
    d = stats.norm(mu, sigma)
    ref = by_integration(d, x)
    for k, f in FUNCS.items():
        assert math.isclose(f(d, x), ref[k], rel_tol=1e-9, abs_tol=1e-12), k


def test_normal_second_order_values_stockpyl():
    """stockpyl's TestNormalSecondLoss values (x = 11, N(8, 3^2); x = 10.5, N(15, 5^2))."""
    assert math.isclose(second_order_loss_function(stats.norm(8, 3), 11.0), 0.339029025046969, rel_tol=1e-12)
    assert math.isclose(complementary_second_order_loss_function(stats.norm(8, 3), 11.0), 8.660970974953031,
                        rel_tol=1e-12)
    assert math.isclose(second_order_loss_function(stats.norm(15, 5), 10.5), 21.454098725390558, rel_tol=1e-12)


@pytest.mark.parametrize("lam,x", [(6, 8), (7, 5), (15, 18), (47, 50), (200, 220), (3, 0), (3, 30), (0.5, 2)])
def test_poisson_closed_forms_against_summation(lam, x):
    y = np.arange(0, int(lam + 60 * math.sqrt(lam) + 60))
    ref = by_summation(stats.poisson.pmf(y, lam), y, x)
    d = stats.poisson(lam)
    for k, f in FUNCS.items():
        assert math.isclose(f(d, x), ref[k], rel_tol=1e-10, abs_tol=1e-13), k


def test_poisson_first_order_at_non_integer_levels():
    y = np.arange(0, 200)
    for x in (2.5, 7.25, 11.9):
        ref = by_summation(stats.poisson.pmf(y, 7), y, x)
        assert math.isclose(loss_function(stats.poisson(7), x), ref["n"], rel_tol=1e-12)
        assert math.isclose(complementary_loss_function(stats.poisson(7), x), ref["n_bar"], rel_tol=1e-12)


def test_poisson_values_stockpyl():
    """stockpyl's TestPoissonLoss / TestPoissonSecondLoss values."""
    assert math.isclose(loss_function(stats.poisson(200), 220), 0.536005857158494, rel_tol=1e-10)
    assert math.isclose(loss_function(stats.poisson(7), 5), 2.292600125697305, rel_tol=1e-12)
    assert math.isclose(second_order_loss_function(stats.poisson(15), 18), 0.848340302917794, rel_tol=1e-10)
    assert math.isclose(complementary_second_order_loss_function(stats.poisson(47), 50), 24.307020467026899,
                        rel_tol=1e-10)


def test_exponential_numeric_path_against_closed_form():
    """A continuous distribution without a casekit closed form goes through quadrature of F.
    Exponential with rate r: n(x) = e^{-r x}/r, n2(x) = e^{-r x}/r^2 (x >= 0), and
    n_bar = x - 1/r + n, n_bar2 = (1/r^2 + (x - 1/r)^2)/2 - n2."""
    for r, x in ((0.2, 1.0), (1.0, 2.5), (2.0, 0.5), (1.0, -1.0)):
        d = stats.expon(scale=1 / r)
        n = math.exp(-r * max(x, 0)) / r + max(-x, 0)
        assert math.isclose(loss_function(d, x), n, rel_tol=1e-9)
        assert math.isclose(complementary_loss_function(d, x), x - 1 / r + n, rel_tol=1e-9, abs_tol=1e-12)
        if x >= 0:
            n2 = math.exp(-r * x) / r ** 2
            assert math.isclose(second_order_loss_function(d, x), n2, rel_tol=1e-9)
            assert math.isclose(complementary_second_order_loss_function(d, x),
                                0.5 * (1 / r ** 2 + (x - 1 / r) ** 2) - n2, rel_tol=1e-9)
    # below the support: n2(x) = 1/2 E[(X - x)^2] since X > x surely
    d = stats.expon(scale=2.0)
    assert math.isclose(second_order_loss_function(d, -1.0), 0.5 * (4 + 9), rel_tol=1e-9)


@pytest.mark.parametrize("dist", [stats.gamma(2, scale=3), stats.lognorm(0.5, scale=math.e), stats.uniform(2, 6)])
def test_other_continuous_against_integration(dist):
    for x in (dist.ppf(0.1), dist.mean(), dist.ppf(0.97)):
        ref = by_integration(dist, x)
        for k, f in FUNCS.items():
            assert math.isclose(f(dist, x), ref[k], rel_tol=1e-8, abs_tol=1e-11), k


@pytest.mark.parametrize("dist", [stats.nbinom(3, 0.2), stats.nbinom(10, 0.5), stats.geom(0.2), stats.binom(20, 0.3)])
def test_other_discrete_scipy_against_summation(dist):
    y = np.arange(int(dist.support()[0]), int(dist.ppf(1 - 1e-15)) + 200)
    for x in (int(dist.ppf(0.2)), int(dist.mean()), int(dist.ppf(0.99))):
        ref = by_summation(dist.pmf(y), y, x)
        for k, f in FUNCS.items():
            assert math.isclose(f(dist, x), ref[k], rel_tol=1e-9, abs_tol=1e-11), k


def test_casekit_discrete_distribution_and_identities():
    d = DiscreteDistribution([0.1, 0.2, 0.4, 0.2, 0.1])
    y = np.arange(5)
    x = np.arange(-2, 8)
    for k, f in FUNCS.items():
        got = f(d, x)
        ref = np.array([by_summation(d.pmf, y, v)[k] for v in x])
        assert np.allclose(got, ref, atol=1e-15), k
    # S&S identities: n_bar = x - E[X] + n;  n2(x) - n2(x + 1) = n(x + 1)
    assert np.allclose(complementary_loss_function(d, x), x - d.mean() + loss_function(d, x), atol=1e-15)
    assert np.allclose(second_order_loss_function(d, x[:-1]) - second_order_loss_function(d, x[1:]),
                       loss_function(d, x[1:]), atol=1e-15)
    # a dict is accepted as a distribution too
    assert loss_function({2: 0.25, 4: 0.75}, 3) == 0.75


def test_scalar_in_scalar_out_array_in_array_out():
    assert isinstance(loss_function(stats.poisson(3), 2), float)
    assert loss_function(stats.norm(0, 1), [0.0, 1.0]).shape == (2,)


@pytest.mark.parametrize("call,error,match", [
    (lambda: loss_function(stats.norm(0, 1), float("nan")), ValueError, r"x must be finite, got nan"),
    (lambda: loss_function(stats.poisson(3), float("inf")), ValueError, r"x must be finite"),
    (lambda: loss_function(stats.poisson(3), "abc"), TypeError, r"x must be a number"),
    (lambda: second_order_loss_function(stats.poisson(3), 2.5), ValueError, r"x must be a whole number.*2.5"),
    (lambda: complementary_second_order_loss_function({1: 1.0}, 0.5), ValueError, r"x must be a whole number"),
    (lambda: loss_function(stats.poisson(-2.0), 3), ValueError, r"demand must have a finite mean"),
    (lambda: loss_function(stats.cauchy(), 3), ValueError, r"demand must have a finite mean"),
    (lambda: loss_function("poisson", 3), TypeError, r"demand must be"),
])
def test_bad_input_names_the_parameter(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_streaming_poisson_loss_agrees_and_refuses_bad_input():
    """casekit.streaming.poisson_loss (the dashboard's shortfall formula) is the same n(x) for whole
    x, and refuses a negative or infinite mean instead of returning nan."""
    from casekit.streaming import poisson_loss

    x = np.arange(0, 15)
    assert np.allclose(poisson_loss(x, 6.0), loss_function(stats.poisson(6), x), rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match=r"mu must be a finite Poisson mean >= 0, got -2.0"):
        poisson_loss(3, -2.0)
    with pytest.raises(ValueError, match=r"mu must be a finite Poisson mean >= 0, got inf"):
        poisson_loss(3, float("inf"))
    with pytest.raises(ValueError, match=r"x must be finite, got nan"):
        poisson_loss(float("nan"), 2.0)
