"""casekit.leadtime: checked against closed forms, brute-force convolution and the moment identities."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st
from scipy import stats

from casekit.distributions import DiscreteDistribution
from casekit.leadtime import lead_time_demand, lead_time_demand_moments


def brute_compound(p_d, q_l):
    """P(X = x) by explicit repeated np.convolve: an algorithm independent of the FFT route."""
    out = np.zeros(len(p_d) * max(len(q_l), 1) + 1)
    power = np.array([1.0])
    for l, ql in enumerate(q_l):
        if l > 0:
            power = np.convolve(power, p_d)
        out[: power.size] += ql * power
    return out


def test_fixed_lead_time_poisson_is_poisson():
    X = lead_time_demand(stats.poisson(4), 3)
    k = np.arange(60)
    assert np.allclose(X.prob(k), stats.poisson.pmf(k, 12), atol=2e-12)  # the tail cut (<= 1e-12) is lumped into the top value
    assert X.truncated_mass <= 1e-12


def test_fixed_lead_time_nbinom_is_nbinom():
    X = lead_time_demand(stats.nbinom(2.5, 0.3), 4)          # NB(r, p)^{*4} = NB(4r, p)
    k = np.arange(120)
    assert np.allclose(X.prob(k), stats.nbinom.pmf(k, 10, 0.3), atol=2e-12)  # the tail cut (<= 1e-12) is lumped into the top value


def test_geometric_lead_time_poisson_demand_by_pgf():
    # L ~ Poisson(2), D ~ Bernoulli(0.5) thinning: X ~ Poisson(1) exactly
    X = lead_time_demand({0: 0.5, 1: 0.5}, stats.poisson(2))
    k = np.arange(25)
    assert np.allclose(X.prob(k), stats.poisson.pmf(k, 1.0), atol=2e-12)


def test_random_lead_time_against_brute_force():
    p_d = stats.poisson.pmf(np.arange(40), 5)
    p_d[-1] += 1 - p_d.sum()
    q = {2: 0.1, 3: 0.3, 5: 0.4, 9: 0.2}
    q_l = np.zeros(10)
    for l, v in q.items():
        q_l[l] = v
    X = lead_time_demand(DiscreteDistribution(p_d), q)
    expected = brute_compound(p_d, q_l)
    assert np.allclose(X.prob(np.arange(expected.size)), expected, atol=2e-12)  # the tail cut (<= 1e-12) is lumped into the top value


def test_zero_lead_time_and_zero_demand():
    assert lead_time_demand(stats.poisson(3), 0).pmf.tolist() == [1.0]
    assert lead_time_demand(0, {1: 0.5, 4: 0.5}).pmf.tolist() == [1.0]
    X = lead_time_demand(stats.poisson(3), {0: 0.25, 2: 0.75})
    assert X.prob(0) == pytest.approx(0.25 + 0.75 * math.exp(-6), rel=1e-12)


def test_gamma_lead_time_rounded_and_ceiled():
    L = stats.gamma(4, scale=1.5)
    D = stats.poisson(10)
    for rule in ("round", "ceil"):
        Ld = DiscreteDistribution.from_continuous(L, rule=rule)
        X = lead_time_demand(D, L, lead_time_rule=rule)
        assert X.mean() == pytest.approx(10 * Ld.mean(), rel=1e-9)
        assert X.var() == pytest.approx(Ld.mean() * 10 + Ld.var() * 100, rel=1e-9)


def test_normal_method_moments_and_textbook_formula():
    X = lead_time_demand(stats.poisson(20), {4: 0.5, 6: 0.5}, method="normal")
    mu, var = 5 * 20, 5 * 20 + 1 * 400
    assert X.mean() == pytest.approx(mu, rel=1e-6)
    # continuity-corrected rounding of N(mu, var): P(X <= k) = Phi((k + 1/2 - mu)/sigma)
    assert X.cdf(130) == pytest.approx(stats.norm.cdf(130.5, mu, math.sqrt(var)), rel=1e-9)


def test_montecarlo_is_seeded_and_close():
    L = {1: 0.2, 2: 0.5, 6: 0.3}
    a = lead_time_demand(stats.poisson(7), L, method="montecarlo", n_draws=50_000, seed=5)
    b = lead_time_demand(stats.poisson(7), L, method="montecarlo", n_draws=50_000, seed=5)
    assert a == b
    m = lead_time_demand_moments(stats.poisson(7), L)
    assert abs(a.mean() - m.mean) < 5 * m.std / math.sqrt(50_000)
    # the generic path (a dict demand) agrees with the exact pmf
    g = lead_time_demand({0: 0.3, 2: 0.7}, L, method="montecarlo", n_draws=50_000, seed=1)
    ex = lead_time_demand({0: 0.3, 2: 0.7}, L)
    assert np.abs(g.cdf(np.arange(20)) - ex.cdf(np.arange(20))).max() < 0.01


@pytest.mark.parametrize("kwargs, match", [
    (dict(demand=stats.poisson(3), lead_time={1: 0.7, 2: 0.2}), r"lead_time probabilities must sum to 1"),
    (dict(demand=stats.poisson(3), lead_time={1: -0.2, 2: 1.2}), r"lead_time\[1\] must be a probability >= 0"),
    (dict(demand=stats.poisson(3), lead_time=-1), r"lead_time must be >= 0, got -1"),
    (dict(demand=stats.norm(-5, 1), lead_time=2), r"demand must have a finite non-negative mean, got -5.0"),
    (dict(demand=stats.norm(np.inf, 1), lead_time=2), r"demand must have a finite non-negative mean"),
    (dict(demand=stats.poisson(3), lead_time=2, method="fft"), r"method must be one of"),
    (dict(demand=stats.poisson(3), lead_time=2, tail=1e-3), r"tail must be at most 1e-06 .*got 0.001"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lead_time_demand(**kwargs)


# ---------------------------------------------------------------------- property tests
probs = st.lists(st.floats(0, 1), min_size=1, max_size=8).filter(lambda v: sum(v) > 1e-2)


@settings(max_examples=80, deadline=None)
@given(probs, probs, st.integers(0, 30), st.integers(0, 5))
@example(dem=[0.0, 0.5, 5.960464477539063e-08], lt=[0.5, 0.0, 5.960464477539063e-08], scale=13, lshift=0)
def test_exact_moments_identities(dem, lt, scale, lshift):
    # demand on a spread-out support (values 0, s, 2s, ...), lead time on lshift, lshift+1, ...
    p = np.array(dem) / sum(dem)
    q = np.array(lt) / sum(lt)
    d_vals = np.arange(p.size) * (scale + 1)
    l_vals = np.arange(q.size) + lshift
    demand = DiscreteDistribution.from_dict({int(v): float(w) for v, w in zip(d_vals, p) if w > 0} or {0: 1.0})
    # fix rounding of the sum so from_dict accepts it exactly
    lead = {int(v): float(w) for v, w in zip(l_vals, q)}
    ed, vd = float(np.dot(d_vals, p)), float(np.dot((d_vals - np.dot(d_vals, p)) ** 2, p))
    el, vl = float(np.dot(l_vals, q)), float(np.dot((l_vals - np.dot(l_vals, q)) ** 2, q))
    X = lead_time_demand(demand, lead)
    mean, var = el * ed, el * vd + vl * ed ** 2
    # the exact method drops a tail of mass X.truncated_mass (<= 1e-12) beyond the largest value
    # it keeps; values never exceed top, so that moves the mean by at most mass x top
    top = float(d_vals.max() * l_vals.max())
    assert X.mean() == pytest.approx(mean, rel=1e-9, abs=1e-12 + X.truncated_mass * top)
    assert X.var() == pytest.approx(var, rel=1e-9, abs=1e-10 + X.truncated_mass * top ** 2)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.2, 150), st.floats(0.5, 20), st.floats(0.3, 8))
def test_exact_moments_with_scipy_inputs(lam, shape, scale):
    D = stats.poisson(lam)
    L = stats.gamma(shape, scale=scale)
    Ld = DiscreteDistribution.from_continuous(L)
    X = lead_time_demand(D, L)
    assert X.mean() == pytest.approx(Ld.mean() * lam, rel=1e-9)
    assert X.var() == pytest.approx(Ld.mean() * lam + Ld.var() * lam ** 2, rel=1e-9)
    assert X.truncated_mass <= 1e-12


def test_work_beyond_the_budget_is_refused_up_front():
    import time

    t0 = time.perf_counter()
    # Poisson demand: a Poisson(10^7) pmf on 0..10^7, over the memory budget
    with pytest.raises(ValueError, match=r"lead_time=100000 is too large: the exact lead-time demand .* memory"):
        lead_time_demand(stats.poisson(100), 10**5)
    # any other demand: the FFT combined over 10^5 lead times, over the operations budget
    with pytest.raises(ValueError, match=r"lead_time=100000 is too large: the exact lead-time demand .* operations"):
        lead_time_demand(stats.norm(100, 10), 10**5)
    with pytest.raises(ValueError, match=r"n_draws=100000000000 is too large: .* TB of memory"):
        lead_time_demand(stats.poisson(1), 3, method="montecarlo", n_draws=10**11)
    with pytest.raises(TypeError, match="seed must be None, an int"):
        lead_time_demand(stats.poisson(1), 3, method="montecarlo", seed="x")
    assert time.perf_counter() - t0 < 30   # refused up front (the exact run would take minutes)
    # the normal approximation of the same case is within budget: mean E[L]E[D] = 10^7
    X = lead_time_demand(stats.poisson(100), 10**5, method="normal")
    assert X.mean() == pytest.approx(1e7, rel=1e-9)


# ---------------------------------------------------------------------- closed-form mixtures
def scipy_mixture(pmf_of_l, q):
    """sum_l q_l P(Y_l = x) with each component's pmf from scipy: independent of casekit's route."""
    return sum(ql * pmf_of_l(l) for l, ql in q.items())


WIDE_LEAD = {l: w for l, w in zip(range(1, 31), np.linspace(1, 3, 30) / np.linspace(1, 3, 30).sum())}


def test_poisson_over_random_lead_time_is_a_poisson_mixture_brute_force():
    # small case: explicit repeated convolution of the Poisson(5) pmf (cut far beyond any mass)
    p_d = stats.poisson.pmf(np.arange(200), 5)
    q = {0: 0.05, 2: 0.1, 3: 0.25, 5: 0.4, 9: 0.2}
    q_l = np.zeros(10)
    for l, v in q.items():
        q_l[l] = v
    expected = brute_compound(p_d, q_l)[:150]
    X = lead_time_demand(stats.poisson(5), q)
    assert X.truncated_mass <= 1e-12
    # below the top value n: the exact pmf; at n: the tail P(X >= n) lumped there (<= 1e-12 cut)
    assert X.n < 150 and np.allclose(X.pmf[:-1], expected[:X.n], rtol=1e-9, atol=1e-14)
    assert X.pmf[-1] == pytest.approx(expected[X.n:].sum(), rel=1e-9)


def test_nbinom_over_random_lead_time_is_an_nbinom_mixture_brute_force():
    p_d = stats.nbinom.pmf(np.arange(400), 2.5, 0.3)
    q = {1: 0.2, 2: 0.3, 4: 0.1, 7: 0.4}
    q_l = np.zeros(8)
    for l, v in q.items():
        q_l[l] = v
    expected = brute_compound(p_d, q_l)[:250]
    X = lead_time_demand(stats.nbinom(2.5, 0.3), q)
    assert X.truncated_mass <= 1e-12
    # below the top value n: the exact pmf; at n: the tail P(X >= n) lumped there (<= 1e-12 cut)
    assert X.n < 250 and np.allclose(X.pmf[:-1], expected[:X.n], rtol=1e-9, atol=1e-14)
    assert X.pmf[-1] == pytest.approx(expected[X.n:].sum(), rel=1e-9)


@pytest.mark.parametrize("demand, component", [
    (stats.poisson(200), lambda l, x: stats.poisson.pmf(x, 200 * l)),
    (stats.poisson(mu=0.3), lambda l, x: stats.poisson.pmf(x, 0.3 * l)),
    (stats.nbinom(50, 0.2), lambda l, x: stats.nbinom.pmf(x, 50 * l, 0.2)),       # mean 200, var/mean 5
    (stats.nbinom(n=0.4, p=0.05), lambda l, x: stats.nbinom.pmf(x, 0.4 * l, 0.05)),
])
def test_wide_lead_time_mixture_against_scipy_pmfs(demand, component):
    # lead times spread over 30 values (1..30), means up to 200 per period: the scipy pmf of each
    # l-period sum (Poisson(l lambda), NB(l r, p)) weighted by P(L = l), summed at every x
    X = lead_time_demand(demand, WIDE_LEAD)
    x = np.arange(X.n + 1)
    expected = scipy_mixture(lambda l: component(l, x), WIDE_LEAD)
    assert X.truncated_mass <= 1e-12
    assert abs(1 - expected.sum()) <= 1e-12                         # nothing of weight beyond X.n
    # total variation: the cut (<= 1e-12) plus rounding in the log-pmfs of values near 10^4 (both
    # casekit's and scipy's carry relative errors ~1e-11 there)
    assert np.abs(X.pmf - expected).sum() <= 1e-11
    assert np.abs(X.pmf - expected).max() <= 1e-12
    bulk = expected > 1e-5
    assert np.allclose(X.pmf[bulk], expected[bulk], rtol=1e-8, atol=0)


def test_closed_form_route_agrees_with_the_fft_route():
    # the same Poisson(40) demand given as scipy (closed-form mixture) and as a pmf (FFT route)
    D = DiscreteDistribution.from_scipy(stats.poisson(40), tail=1e-16)
    a = lead_time_demand(stats.poisson(40), WIDE_LEAD)
    b = lead_time_demand(D, WIDE_LEAD)
    k = np.arange(max(a.n, b.n) + 1)
    assert np.abs(a.prob(k) - b.prob(k)).max() < 1e-13


def test_shifted_poisson_takes_the_general_route():
    # Poisson(3) shifted by loc=2 is not closed under sums in the same way: brute force again
    p_d = stats.poisson.pmf(np.arange(80), 3, loc=2)
    q_l = np.array([0.0, 0.5, 0.0, 0.5])
    X = lead_time_demand(stats.poisson(3, loc=2), {1: 0.5, 3: 0.5})
    expected = brute_compound(p_d, q_l)[:60]
    assert np.allclose(X.prob(np.arange(60)), expected, atol=2e-12)


def test_zero_demand_families():
    assert lead_time_demand(stats.poisson(0), {2: 0.5, 5: 0.5}).pmf.tolist() == [1.0]
    assert lead_time_demand(stats.nbinom(3, 1.0), 4).pmf.tolist() == [1.0]


@pytest.mark.parametrize("demand, component", [
    (stats.poisson(12.5), lambda l, x: stats.poisson.pmf(x, 12.5 * l)),
    (stats.nbinom(3, 0.4), lambda l, x: stats.nbinom.pmf(x, 3 * l, 0.4)),
])
def test_sparse_lead_times_one_power_each(demand, component):
    # two lead times far apart (1 and 60 periods): each lead time's power taken on its own
    q = {1: 0.3, 60: 0.7}
    X = lead_time_demand(demand, q)
    x = np.arange(X.n + 1)
    expected = scipy_mixture(lambda l: component(l, x), q)
    assert X.truncated_mass <= 1e-12
    assert np.abs(X.pmf - expected).sum() <= 1e-11
    assert np.abs(X.pmf - expected).max() <= 1e-12
