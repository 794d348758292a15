"""casekit.distributions: expected values come from scipy, brute-force sums or closed forms."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from casekit.distributions import DiscreteDistribution, as_discrete, degenerate, fit_demand


def brute(pmf, f):
    return sum(f(k) * p for k, p in enumerate(pmf))


def test_poisson_matches_scipy_everywhere():
    d = DiscreteDistribution.from_scipy(stats.poisson(6))
    k = np.arange(0, 30)
    assert np.allclose(d.cdf(k), stats.poisson.cdf(k, 6), rtol=1e-12, atol=1e-15)
    assert np.allclose(d.sf(k), stats.poisson.sf(k, 6), rtol=1e-9, atol=1e-16)
    for q in (0.05, 0.5, 0.8, 0.95, 0.99, 0.999):
        assert d.ppf(q) == stats.poisson.ppf(q, 6)
    assert d.mean() == pytest.approx(6, rel=1e-12)
    assert d.var() == pytest.approx(6, rel=1e-10)
    assert d.truncated_mass <= 1e-12


def test_poisson_loss_identity_snyder_shen():
    # Poisson loss function (Snyder & Shen, appendix C): n(x) = (lambda - x)(1 - F(x)) + lambda f(x)
    lam = 6.0
    d = DiscreteDistribution.from_scipy(stats.poisson(lam))
    for x in range(0, 20):
        expected = (lam - x) * stats.poisson.sf(x, lam) + lam * stats.poisson.pmf(x, lam)
        assert d.loss(x) == pytest.approx(expected, rel=1e-10, abs=5e-12)  # tail cut at 1e-12
        assert d.complementary_loss(x) == pytest.approx(x - lam + expected, rel=1e-10, abs=1e-12)


def test_second_order_loss_by_brute_force_and_recursion():
    d = DiscreteDistribution.from_scipy(stats.nbinom(3, 0.3))
    for x in [-2, 0, 1, 5, 7, 12]:
        expected = brute(d.pmf, lambda k: 0.5 * max(k - x, 0) * max(k - x - 1, 0))
        assert d.second_order_loss(x) == pytest.approx(expected, rel=1e-10, abs=1e-14)
        assert d.second_order_loss(x) - d.second_order_loss(x + 1) == pytest.approx(d.loss(x + 1), rel=1e-9, abs=1e-14)


def test_real_valued_arguments():
    d = DiscreteDistribution.from_dict({0: 0.2, 1: 0.5, 3: 0.3})
    assert d.cdf(1.7) == pytest.approx(0.7)
    assert d.cdf(-0.1) == 0.0 and d.cdf(3.0) == 1.0 and d.cdf(100) == 1.0
    assert d.loss(1.5) == pytest.approx(0.3 * 1.5)
    assert d.loss(-2) == pytest.approx(d.mean() + 2)
    assert d.prob(2) == 0.0 and d.prob(3) == pytest.approx(0.3) and d.prob(1.5) == 0.0
    assert np.allclose(d.cdf(np.array([0, 1, 2, 3])), [0.2, 0.7, 0.7, 1.0])


def test_ppf_is_smallest_x_with_cdf_at_least_q():
    d = DiscreteDistribution([0.1, 0.2, 0.7])
    assert d.ppf(0.1) == 0 and d.ppf(0.3) == 1 and d.ppf(0.30001) == 2 and d.ppf(0.999) == 2


def test_rounded_normal_by_direct_integration():
    dist = stats.norm(50, 8)
    d = DiscreteDistribution.from_continuous(dist)
    for k in (30, 50, 61):
        assert d.prob(k) == pytest.approx(dist.cdf(k + 0.5) - dist.cdf(k - 0.5), rel=1e-9)
    assert d.prob(0) == pytest.approx(dist.cdf(0.5), rel=1e-6)
    assert d.var() == pytest.approx(64 + 1 / 12, rel=1e-4)  # Sheppard's correction


def test_ceil_rule_for_gamma_lead_time():
    dist = stats.gamma(2.0, scale=3.0)
    d = DiscreteDistribution.from_continuous(dist, rule="ceil")
    assert d.prob(0) == pytest.approx(0.0)
    assert d.prob(4) == pytest.approx(dist.cdf(4) - dist.cdf(3), rel=1e-10)
    assert d.sf(60) == pytest.approx(dist.sf(60), rel=1e-9)      # = 21 e^-20
    assert d.truncated_mass <= 1e-12 and d.sf(d.n - 1) <= 2e-12
    # rounding up adds about half a period to the mean
    assert 6.4 < d.mean() < 6.6


def test_samples_and_rvs():
    d = DiscreteDistribution.from_samples([2, 2, 0, 5])
    assert d.pmf.tolist() == [0.25, 0, 0.5, 0, 0, 0.25]
    draws = DiscreteDistribution.from_scipy(stats.poisson(4)).rvs(200_000, seed=3)
    assert abs(draws.mean() - 4) < 4 * math.sqrt(4 / 200_000)
    assert np.array_equal(d.rvs(10, seed=1), d.rvs(10, seed=np.random.default_rng(1)))


def test_sum_of_independent_poissons_is_poisson():
    a = DiscreteDistribution.from_scipy(stats.poisson(2.5))
    b = DiscreteDistribution.from_scipy(stats.poisson(4.0))
    c = a + b
    k = np.arange(25)
    assert np.allclose(c.prob(k), stats.poisson.pmf(k, 6.5), atol=1e-13)


def test_as_discrete_forms():
    assert as_discrete(0).pmf.tolist() == [1.0]
    assert degenerate(2).mean() == 2
    assert as_discrete({1: 0.5, 3: 0.5}).var() == pytest.approx(1.0)


@pytest.mark.parametrize("bad, match", [
    ({1: 0.5, 2: 0.6}, "sum to 1"),
    ({1: -0.1, 2: 1.1}, r"lead_time\[1\] must be a probability >= 0, got -0.1"),
    ({-1: 1.0}, "lead_time key must be >= 0"),
    ({}, "non-empty"),
])
def test_bad_lead_time_dicts(bad, match):
    with pytest.raises(ValueError, match=match):
        as_discrete(bad, param="lead_time")


def test_bad_inputs_name_parameter_and_value():
    with pytest.raises(ValueError, match=r"samples must have at least 1"):
        DiscreteDistribution.from_samples([])
    with pytest.raises(ValueError, match=r"samples must be >= 0, got .*-1"):
        DiscreteDistribution.from_samples([1, -1])
    with pytest.raises(ValueError, match=r"whole numbers.*2.5"):
        DiscreteDistribution.from_samples([1, 2.5])
    with pytest.raises(ValueError, match=r"q must be strictly between 0 and 1, got 1.0$"):
        DiscreteDistribution([0.5, 0.5]).ppf(1.0)
    with pytest.raises(ValueError, match="pmf must sum to 1"):
        DiscreteDistribution([0.5, 0.6])
    with pytest.raises(ValueError, match="non-negative integers"):
        as_discrete(stats.poisson(3, loc=-2), param="demand")
    with pytest.raises(TypeError, match="demand must be"):
        as_discrete("poisson", param="demand")
    with pytest.raises(ValueError, match="samples must have at least 2"):
        fit_demand([3])
    with pytest.raises(ValueError, match="candidates must be one of"):
        fit_demand([1, 2, 3], candidates=("weibull",))


pmfs = st.lists(st.floats(0, 1), min_size=1, max_size=12).filter(lambda v: sum(v) > 1e-3)


@settings(max_examples=60, deadline=None)
@given(pmfs, st.floats(-3, 15))
def test_functions_agree_with_brute_force(raw, x):
    p = np.array(raw) / sum(raw)
    d = DiscreteDistribution(p)
    assert d.mean() == pytest.approx(brute(p, lambda k: k), rel=1e-12, abs=1e-12)
    assert d.cdf(x) == pytest.approx(sum(p[k] for k in range(len(p)) if k <= x), abs=1e-12)
    assert d.sf(x) == pytest.approx(sum(p[k] for k in range(len(p)) if k > x), abs=1e-12)
    assert d.loss(x) == pytest.approx(brute(p, lambda k: max(k - x, 0)), abs=1e-11)
    assert d.complementary_loss(x) == pytest.approx(brute(p, lambda k: max(x - k, 0)), abs=1e-11)
    assert d.second_order_loss(x) == pytest.approx(
        brute(p, lambda k: 0.5 * max(k - x, 0) * max(k - x - 1, 0)), abs=1e-10)


def test_fit_demand_detects_overdispersion():
    x = np.random.default_rng(7).negative_binomial(2, 0.1, size=500)   # mean 18, var 180
    fit = fit_demand(x)
    assert fit.best in ("nbinom", "gamma", "lognorm")
    assert fit.dispersion_index == pytest.approx(np.var(x, ddof=1) / np.mean(x))
    t = fit.to_frame().set_index("candidate")
    assert t.loc["poisson", "p_value"] < 1e-6                # equidispersion rejected
    assert t.loc["nbinom", "aic"] < t.loc["poisson", "aic"]
    assert list(fit.table["aic"].iloc[:-1]) == sorted(fit.table["aic"].iloc[:-1])
    # Poisson log-likelihood from scipy directly
    assert t.loc["poisson", "loglik"] == pytest.approx(stats.poisson.logpmf(x, x.mean()).sum(), rel=1e-12)


def test_fit_demand_normal_mle_close_to_sample_moments():
    x = np.rint(np.random.default_rng(2).normal(200, 20, size=400))
    fit = fit_demand(x, candidates=("norm", "poisson"))
    mu = fit.distributions["norm"].mean()
    assert mu == pytest.approx(x.mean(), abs=0.05)
    assert fit.table.set_index("candidate").loc["norm", "p_value"] > 1e-3


def test_fit_demand_intermittent_zeros():
    x = np.random.default_rng(4).poisson(0.4, size=300)
    fit = fit_demand(x)
    assert set(fit.table["candidate"]) == {"poisson", "nbinom", "norm", "gamma", "lognorm", "empirical"}
    assert fit.table.set_index("candidate").loc["poisson", "p_value"] > 1e-3


def test_fit_demand_empirical_is_a_yardstick_listed_last():
    x = np.rint(np.random.default_rng(3).normal(25_000, 5_000, size=150))   # nearly all values distinct
    fit = fit_demand(x)
    assert fit.table["candidate"].iloc[-1] == "empirical"
    assert fit.best != "empirical"
    aics = list(fit.table["aic"].iloc[:-1])
    assert aics == sorted(aics)


def test_demand_and_lead_time_families_by_moments():
    from casekit.distributions import demand_distribution, lead_time_distribution
    d = demand_distribution("nbinom", 8, 2.5)
    assert d.mean() == pytest.approx(8) and d.var() == pytest.approx(20)
    L = lead_time_distribution("gamma", 6, 0.4)
    assert L.mean() == pytest.approx(6) and L.std() == pytest.approx(2.4)
    assert lead_time_distribution("fixed", 4) == 4
    with pytest.raises(ValueError, match="dispersion must be > 1 for a negative binomial"):
        demand_distribution("nbinom", 8, 1.0)
    with pytest.raises(ValueError, match="mean must be > 0 units per period, got -2"):
        demand_distribution("poisson", -2)


def test_loss_functions_at_the_infinities_by_definition():
    # n(x) = E[(X - x)^+] is 0 once x passes the largest value; n_bar(x) = E[(x - X)^+] is 0 below 0
    d = DiscreteDistribution([0.2, 0.5, 0.3])
    brute = lambda x: sum(p * max(k - x, 0) for k, p in enumerate([0.2, 0.5, 0.3]))
    assert d.loss(np.inf) == 0.0 == brute(1e300)
    assert d.second_order_loss(np.inf) == 0.0
    assert d.complementary_loss(-np.inf) == 0.0
    assert d.loss(np.array([-1.0, 0.5, 5.0])).tolist() == pytest.approx([brute(-1), brute(0.5), 0.0])
    with pytest.raises(ValueError, match="x must be > -inf"):
        d.loss(-np.inf)
    with pytest.raises(ValueError, match="x must be a number below \\+inf"):
        d.complementary_loss(np.inf)


def test_bad_arguments_of_the_methods_name_the_parameter():
    d = DiscreteDistribution([0.2, 0.5, 0.3])
    for method in (d.cdf, d.sf, d.prob, d.loss, d.complementary_loss, d.second_order_loss):
        with pytest.raises(TypeError, match="x must be a number or an array of numbers, got 'abc'"):
            method("abc")
    with pytest.raises(TypeError, match="q must be a number"):
        d.ppf("abc")
    with pytest.raises(ValueError, match="size must be >= 0, got -1"):
        d.rvs(size=-1)
    with pytest.raises(TypeError, match="size must be an integer"):
        d.rvs(size=2.5)
    with pytest.raises(TypeError, match="seed must be None, an int"):
        d.rvs(3, seed="abc")
    with pytest.raises(ValueError, match="size=.* is too large: .* TB of memory"):
        d.rvs(size=(10**6, 10**6))


def test_huge_supports_are_refused_up_front_with_their_size():
    for call, name in [(lambda: degenerate(10**11), "value=100000000000"),
                       (lambda: DiscreteDistribution.from_samples([0, 1e11]), r"samples\[1\]=100000000000.0"),
                       (lambda: DiscreteDistribution.from_dict({10**11: 1.0}), "probs key=100000000000"),
                       (lambda: as_discrete(stats.poisson(1e12), param="demand"), "demand='poisson"),
                       (lambda: as_discrete(stats.norm(1e12, 1e6)), "distribution='norm")]:
        with pytest.raises(ValueError, match=f"{name}.* is too large: .* TB of memory"):
            call()
    with pytest.raises(ValueError, match=r"samples\[1\]=1000000000.0 is too large to fit"):
        fit_demand([0, 10**9, 5])
