"""The table (inversion) sampler of discrete demand against scipy's distributions.

Expected values come from scipy.stats (pmf, mean, variance), an independent implementation;
the inversion itself is checked against a plain binary search of the same table.
"""

import numpy as np
import pytest
from scipy import stats

from casekit.network import distribution
from casekit.simulation._model import compile_network, make_inputs, SimulationConfig
from casekit.simulation._sampling import TableSampler, cdf_table


def _chi2_pvalue(x, dist, min_expected=20):
    """Pearson chi-square p-value of integer draws x against dist (tail cells pooled)."""
    n = x.size
    hi = int(dist.ppf(1 - 1e-9))
    counts = np.bincount(np.minimum(x, hi + 1).astype(np.int64), minlength=hi + 2)
    probs = np.append(dist.pmf(np.arange(hi + 1)), dist.sf(hi))
    # pool cells with small expected counts into their neighbour
    obs, exp, o, e = [], [], 0.0, 0.0
    for c, p in zip(counts, probs):
        o += c
        e += n * p
        if e >= min_expected:
            obs.append(o)
            exp.append(e)
            o = e = 0.0
    obs[-1] += o
    exp[-1] += e
    obs, exp = np.array(obs), np.array(exp)
    chi2 = ((obs - exp) ** 2 / exp).sum()
    return stats.chi2.sf(chi2, obs.size - 1)


@pytest.mark.parametrize("dist", [stats.poisson(5.0), stats.poisson(0.3), stats.poisson(60.0),
                                  stats.nbinom(2.5, 0.3), stats.nbinom(0.7, 0.05)],
                         ids=["poisson5", "poisson0.3", "poisson60", "nbinom2.5_0.3", "nbinom0.7_0.05"])
def test_table_sampler_histogram_and_moments_match_scipy(dist):
    u = np.random.default_rng(11).random(400_000)
    x = TableSampler([cdf_table(dist)]).draw(u)
    n = x.size
    m, v = dist.mean(), dist.var()
    assert abs(x.mean() - m) < 4 * np.sqrt(v / n)
    # variance of the sample variance: (mu4 - v^2) / n, with mu4 from scipy's kurtosis
    mu4 = (dist.stats(moments="k") + 3) * v ** 2
    assert abs(x.var() - v) < 4 * np.sqrt((mu4 - v ** 2) / n)
    assert _chi2_pvalue(x, dist) > 1e-3


def test_table_sampler_is_exact_inversion_including_tail_cells():
    """X = #{x : F(x) <= u} for every u: random u, u on the table's breakpoints, u in the
    crowded cells of both tails (many table entries per guide cell)."""
    dists = [stats.poisson(5.0), stats.poisson(200.0), stats.nbinom(3.0, 0.4)]
    tables = [cdf_table(d) for d in dists]
    s = TableSampler(tables)
    rng = np.random.default_rng(3)
    for i, F in enumerate(tables):
        u = np.concatenate([rng.random(50_000), F[:-1], np.nextafter(F[:-1], 0), 1 - rng.random(2000) * 1e-12,
                            rng.random(2000) * 1e-12])
        u = u[(u >= 0) & (u < 1)]
        want = np.searchsorted(F, u, side="right")
        np.testing.assert_array_equal(TableSampler([F]).draw(u), want)
        np.testing.assert_array_equal(s.draw(u, np.full(u.shape, i)), want)


def test_table_sampler_several_tables_at_once_keeps_each_distribution():
    lams = np.array([0.5, 5.0, 40.0])
    s = TableSampler([cdf_table(stats.poisson(l)) for l in lams])
    u = np.random.default_rng(5).random((200, 3, 300))
    x = s.draw(u, np.arange(3)[None, :, None])
    for i, lam in enumerate(lams):
        xi = x[:, i].ravel()
        assert abs(xi.mean() - lam) < 4 * np.sqrt(lam / xi.size)
        assert _chi2_pvalue(xi, stats.poisson(lam)) > 1e-3


def test_table_sampler_refuses_bad_tables():
    with pytest.raises(ValueError, match="non-decreasing"):
        TableSampler([np.array([0.5, 0.4, 1.0])])
    with pytest.raises(ValueError, match="ending in 1"):
        TableSampler([np.array([0.5, 0.9])])


def test_engine_poisson_demand_of_a_distribution_network_matches_scipy():
    """The demand the engines read for a 1-warehouse x 50-retailer network (Poisson(5) at 25
    retailers, Poisson(2) at 25): per-stage moments, and the same numbers for the same seed."""
    d5, d2 = stats.poisson(5), stats.poisson(2)
    net = distribution(1, 2, 2, 1, [d5] * 25 + [d2] * 25, 19)
    comp = compile_network(net, SimulationConfig())
    inp = make_inputs(comp, 200, 100, 0, 7, None)
    D = np.stack([inp.demand(t) for t in range(200)])          # (T, stages, R)
    again = make_inputs(comp, 200, 100, 0, 7, None)
    np.testing.assert_array_equal(D, np.stack([again.demand(t) for t in range(200)]))
    lam = np.array([comp.demand_dists[m].mean() for m in range(D.shape[1])])
    per_stage = D.transpose(1, 0, 2).reshape(D.shape[1], -1)
    n = per_stage.shape[1]
    assert (np.abs(per_stage.mean(axis=1) - lam) < 4.5 * np.sqrt(lam / n)).all()
    for lv in np.unique(lam):
        pooled = per_stage[lam == lv].ravel()
        assert _chi2_pvalue(pooled, stats.poisson(lv)) > 1e-3
    # stages are independent: the correlation of two retailers' demand is within sampling error
    r = np.corrcoef(per_stage[0], per_stage[1])[0, 1]
    assert abs(r) < 4 / np.sqrt(n)
