"""The GA's pricing (OpenSetTransport), its move bound (facility_savings) and its local search,
against independent oracles: scipy's LP solver on the explicit transportation LP, and brute-force
enumeration of open sets and of one-facility moves on small instances; the GA against the
OR-Library published optima (capopt.txt)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from casekit.optimization import FacilityLocationInstance, generate_instance, load_orlib_cap, orlib_optima
from casekit.optimization.ga import local_search, solve_ga
from casekit.optimization.transport import OpenSetTransport, facility_savings
from tests.test_optimization import scipy_transport   # the independent LP oracle (scipy linprog)

OPT = orlib_optima()


def tight_instance(seed: int, m: int = 6, n: int = 12) -> FacilityLocationInstance:
    # capacity only 1.6 x the demand, so capacities bind and customers get split
    return generate_instance(m, n, capacity_ratio=1.6, fixed_cost=3000.0, seed=seed, name=f"tight{seed}")


def all_open_sets(inst):
    for bits in itertools.product([False, True], repeat=inst.m):
        y = np.array(bits)
        if inst.is_capacity_feasible(y):
            yield y


# ------------------------------------------------------------------ OpenSetTransport

@pytest.mark.parametrize("nearest,full", [(1, 0), (2, 0), (4, 5_000)])
def test_open_set_transport_equals_scipy_lp_on_every_open_set(nearest, full, monkeypatch):
    """nearest=1 or 2 with no full LP forces the restricted LP, its infeasible fallback and the
    column generation; the default size rules re-solve one persistent full LP."""
    monkeypatch.setattr(OpenSetTransport, "FULL_LP_COLUMNS", full)
    monkeypatch.setattr(OpenSetTransport, "PERSISTENT_LP_COLUMNS", 5_000 if full else 0)
    for seed in (0, 1):
        inst = tight_instance(seed)
        solver = OpenSetTransport(inst, nearest=nearest)
        for y in all_open_sets(inst):
            sol = solver.solve(y)
            assert sol.cost == pytest.approx(scipy_transport(inst, y), rel=1e-9, abs=1e-6)
            x = sol.x
            assert np.allclose(x.sum(axis=0), 1.0) and (x >= -1e-12).all() and not x[~y].any()
            assert (x @ inst.demand <= inst.capacity * y + 1e-6).all()
            assert (inst.cost * x).sum() == pytest.approx(sol.cost, rel=1e-9)
    if nearest == 1:
        assert solver.fallbacks > 0 and solver.lp_solves > solver.fallbacks


def test_open_set_transport_on_cap41_random_open_sets_equals_scipy_lp(monkeypatch):
    monkeypatch.setattr(OpenSetTransport, "FULL_LP_COLUMNS", 0)
    monkeypatch.setattr(OpenSetTransport, "PERSISTENT_LP_COLUMNS", 0)
    inst = load_orlib_cap("cap41")
    rng = np.random.default_rng(3)
    solver = OpenSetTransport(inst, nearest=3)
    checked = 0
    while checked < 8:
        y = rng.random(inst.m) < rng.uniform(0.3, 0.8)
        if inst.is_capacity_feasible(y):
            assert solver.solve(y).cost == pytest.approx(scipy_transport(inst, y), rel=1e-9)
            checked += 1


def test_open_set_transport_infeasible_open_set_and_bad_input():
    inst = tight_instance(0)
    sol = OpenSetTransport(inst).solve(np.zeros(inst.m))
    assert not sol.feasible and sol.cost == np.inf
    with pytest.raises(ValueError, match="one entry per facility"):
        OpenSetTransport(inst).solve([1, 0])
    with pytest.raises(ValueError, match="nearest must be >= 1"):
        OpenSetTransport(inst, nearest=0)


# ------------------------------------------------------------------ the move bound

@pytest.mark.parametrize("seed", [0, 2])
def test_facility_savings_bound_holds_for_every_open_set_and_is_tight_where_priced(seed):
    """sum(u) + beta @ y' <= Q(y') for all 2^m open sets y' (scipy LP), = Q(y) at the priced y."""
    inst = tight_instance(seed)
    sets = list(all_open_sets(inst))
    exact = {s.tobytes(): scipy_transport(inst, s) for s in sets}
    for y in sets[:: max(1, len(sets) // 6)]:
        sol = OpenSetTransport(inst).solve(y, cut=True)
        assert sol.alpha == pytest.approx(sol.prices.sum())
        assert sol.alpha + sol.beta @ y == pytest.approx(sol.cost, rel=1e-7)
        for s in sets:
            assert sol.alpha + sol.beta @ s <= exact[s.tobytes()] * (1 + 1e-9) + 1e-6


def test_facility_savings_is_a_fractional_knapsack_value():
    """Against scipy's LP of the knapsack max sum (u_j - c_ij) x_j, sum d_j x_j <= s_i, 0 <= x <= 1."""
    inst = tight_instance(1, m=4, n=9)
    u = np.random.default_rng(0).uniform(0, 1.5, inst.n) * inst.cost.mean(axis=0)
    beta = facility_savings(inst, u)
    for i in range(inst.m):
        res = linprog(-(u - inst.cost[i]), A_ub=inst.demand[None, :], b_ub=[inst.capacity[i]], bounds=(0, 1))
        assert beta[i] == pytest.approx(res.fun, rel=1e-9, abs=1e-9)
    with pytest.raises(ValueError, match="one price per customer"):
        facility_savings(inst, u[:3])


# ------------------------------------------------------------------ local search

@pytest.mark.parametrize("seed", [0, 1, 3])
def test_local_search_ends_where_no_drop_add_or_swap_improves(seed):
    """Every one-facility move from the returned open set, priced by scipy, is no cheaper."""
    inst = tight_instance(seed, m=7)
    start = np.random.default_rng(seed).random(inst.m) < 0.5
    y, cost = local_search(inst, start)
    true = lambda s: inst.fixed_cost @ s + scipy_transport(inst, s)   # noqa: E731
    assert cost == pytest.approx(true(y), rel=1e-9)
    for a, b in itertools.product(range(-1, inst.m), repeat=2):
        s = y.copy()
        if a >= 0:
            if not s[a]:
                continue
            s[a] = False
        if b >= 0:
            if s[b]:
                continue
            s[b] = True
        if inst.is_capacity_feasible(s):
            assert true(s) >= cost * (1 - 1e-9)


# ------------------------------------------------------------------ the GA

@pytest.mark.parametrize("name", ["cap131", "cap134"])
def test_ga_cap131_cap134_at_least_99_5_percent_of_published_optimum(name):
    """Beasley's published optima (capopt.txt); the GA without local search fell short on both."""
    res = solve_ga(load_orlib_cap(name), seed=0)
    assert OPT[name] / res.objective >= 0.995
    assert res.objective >= OPT[name] * (1 - 1e-9)
    assert res.history["evaluations"].is_monotonic_increasing


def test_ga_with_the_restricted_lp_prices_its_answer_exactly(monkeypatch):
    """Every LP restricted to each customer's 4 cheapest open facilities plus column generation
    (as on a 100 x 1,000 instance); the answer's cost is checked by scipy, and the same seed gives
    the same answer."""
    monkeypatch.setattr(OpenSetTransport, "FULL_LP_COLUMNS", 0)
    monkeypatch.setattr(OpenSetTransport, "PERSISTENT_LP_COLUMNS", 0)
    inst = generate_instance(20, 120, capacity_ratio=1.5, fixed_cost=20000.0, seed=4)
    res = solve_ga(inst, population=12, generations=4, seed=0)
    assert res.objective == pytest.approx(inst.fixed_cost @ res.open + scipy_transport(inst, res.open), rel=1e-9)
    again = solve_ga(inst, population=12, generations=4, seed=0)
    assert again.objective == res.objective and (again.open == res.open).all()


def test_ga_local_search_best_is_validated_and_zero_gives_the_plain_ga():
    inst = tight_instance(0)
    with pytest.raises(ValueError, match="local_search_best must be >= 0"):
        solve_ga(inst, local_search_best=-1)
    plain = solve_ga(inst, population=8, generations=3, seed=1, local_search_best=0)
    assert plain.objective >= min(inst.fixed_cost @ y + scipy_transport(inst, y)
                                  for y in all_open_sets(inst)) * (1 - 1e-9)
