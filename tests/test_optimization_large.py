"""The large OR-Library instances capa, capb, capc (100 warehouses x 1,000 customers, capacity a
parameter) and the solver paths built for them: lazy linking rows in the MILP, in-out stabilised
Benders, the hybrid's fixed-then-full MILP.  Fast checks only; the full solves are
``benchmarks/bench_table2.py``.

Expected values come from Beasley's OR-Library (capopt.txt, typed in below from the published
table), from reading the data files independently of the loader, or from brute-force enumeration
with scipy's LP solver."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest

from casekit.optimization import (
    ORLIB_DIR, ORLIB_LARGE_CAPACITIES, FacilityLocationInstance, InfeasibleInstanceError, load_orlib_cap,
    orlib_large_optima, orlib_optima, orlib_optimum, solve_benders, solve_ga, solve_hybrid, solve_milp,
)
from tests.test_optimization import scipy_transport   # the independent LP oracle (scipy linprog)

# Beasley's OR-Library capopt.txt, the optima of capa/capb/capc (splittable demand) per capacity
LITERATURE = {
    ("capa", 8000): 19240822.449, ("capa", 10000): 18438046.543, ("capa", 12000): 17765201.949,
    ("capa", 14000): 17160439.012,
    ("capb", 5000): 13656379.578, ("capb", 6000): 13361927.449, ("capb", 7000): 13198556.434,
    ("capb", 8000): 13082516.496,
    ("capc", 5000): 11646596.974, ("capc", 5750): 11570340.289, ("capc", 6500): 11518743.744,
    ("capc", 7250): 11505767.394,
}
OPT = orlib_optima()
ROOT = Path(__file__).resolve().parents[1]


def raw_tokens(name):
    """The file's whitespace-separated fields, read without the loader."""
    return (ORLIB_DIR / f"{name}.txt").read_text().split()


def enumerate_all(inst):
    """Every open set's cost, by scipy's LP: {bits: cost}."""
    return {b: inst.fixed_cost @ np.array(b) + scipy_transport(inst, b)
            for b in itertools.product([0, 1], repeat=inst.m)}


def brute_force(inst):
    return min(enumerate_all(inst).values())


def capa_corner(m=7, n=25, capacity=400.0):
    """The first m warehouses and n customers of capa, with a capacity that binds (a sub-instance
    small enough to enumerate)."""
    big = load_orlib_cap("capa", capacity=8000)
    return FacilityLocationInstance(np.full(m, capacity), big.fixed_cost[:m], big.demand[:n], big.cost[:m, :n],
                                    name="capa-corner")


# ------------------------------------------------------------------ loader

@pytest.mark.parametrize("name", ["capa", "capb", "capc"])
def test_large_instance_shapes_demand_and_capacity_broadcast(name):
    cap = ORLIB_LARGE_CAPACITIES[name][0]
    inst = load_orlib_cap(name, capacity=cap)
    tok = raw_tokens(name)
    assert tok[:2] == ["100", "1000"] and tok[2] == "capacity"
    # after m, n and 100 (capacity, fixed cost) pairs, each customer is 1 demand + 100 costs
    body = np.array(tok[202:], dtype=float).reshape(1000, 101)
    assert (inst.m, inst.n) == (100, 1000) and inst.name == f"{name}-{cap}"
    assert np.all(inst.capacity == cap)
    assert inst.total_demand == body[:, 0].sum()
    np.testing.assert_array_equal(inst.cost, body[:, 1:].T)
    np.testing.assert_array_equal(inst.fixed_cost, np.array(tok[3:202:2], dtype=float))


def test_capa_first_values_as_printed_in_the_file():
    inst = load_orlib_cap("capa", capacity=10000)
    assert inst.fixed_cost[0] == 2141200.0          # line 2: "capacity 2141200."
    assert inst.demand[0] == 56 and inst.cost[0, 0] == pytest.approx(32514.75907)   # line 102
    assert inst.cost[4, 0] == pytest.approx(7791.21671)
    assert inst.total_demand == 50886


def test_capacity_missing_misplaced_or_infeasible_is_refused():
    with pytest.raises(ValueError, match=r"capacity is required for capa.txt.*\(8000, 10000, 12000, 14000\)"):
        load_orlib_cap("capa")
    with pytest.raises(ValueError, match="capacity must be None for cap41.txt"):
        load_orlib_cap("cap41", capacity=5000)
    # 100 warehouses must hold the total demand 50,886: capacity >= 508.86
    with pytest.raises(InfeasibleInstanceError, match=r"capacity=500 makes capa-500 infeasible.*>= 508\.86"):
        load_orlib_cap("capa", capacity=500)
    assert load_orlib_cap("capa", capacity=508.86).capacity.sum() >= 50886 * (1 - 1e-12)
    with pytest.raises(ValueError, match="capacity must be > 0, got -1"):
        load_orlib_cap("capb", capacity=-1)
    with pytest.raises(TypeError, match="capacity must be a real number"):
        load_orlib_cap("capc", capacity="5000")
    with pytest.raises(ValueError, match="capa, capb, capc"):
        load_orlib_cap("capd", capacity=5000)


def test_a_file_with_the_capacity_parameter_by_path(tmp_path):
    p = tmp_path / "tiny.txt"
    p.write_text("2 2\ncapacity 10\ncapacity 20\n4 1 9\n8 6 2\n")
    inst = load_orlib_cap(p, capacity=7)
    assert inst.name == "tiny-7" and inst.capacity.tolist() == [7, 7] and inst.fixed_cost.tolist() == [10, 20]
    with pytest.raises(ValueError, match="capacity is required for tiny.txt"):
        load_orlib_cap(p)
    p.write_text("2 2\ncapacity 10\n5 20\n4 1 9\n8 6 2\n")
    with pytest.raises(ValueError, match="capacity must be None for tiny.txt"):
        load_orlib_cap(p, capacity=7)           # the second line has a number: not a parameter file
    with pytest.raises(ValueError, match="capacity is required for tiny.txt"):
        load_orlib_cap(p)


# ------------------------------------------------------------------ published optima

def test_capopt_gives_the_twelve_literature_optima():
    assert orlib_large_optima() == {(k[0], float(k[1])): v for k, v in LITERATURE.items()}
    for (name, cap), value in LITERATURE.items():
        assert orlib_optimum(name, capacity=cap) == value
    assert orlib_optimum("capa", capacity=8000) == 19240822.449
    assert list(OPT)[0] == "cap41" and len(OPT) == 37     # the small ones unchanged


def test_orlib_optimum_bad_capacity():
    with pytest.raises(ValueError, match=r"capacity is required for capa.*\(8000, 10000, 12000, 14000\)"):
        orlib_optimum("capa")
    with pytest.raises(ValueError, match="capacity must be one of .* for capb .*got 5500"):
        orlib_optimum("capb", capacity=5500)
    with pytest.raises(ValueError, match="capacity must be None for cap41"):
        orlib_optimum("cap41", capacity=5000)


# ------------------------------------------------------------------ solver paths for large instances

@pytest.mark.parametrize("name", ["cap41", "cap71", "cap134"])
def test_lazy_linking_milp_proves_published_optimum(name):
    res = solve_milp(load_orlib_cap(name), linking="lazy", seed_rows=1)
    assert res.proven_optimal and abs(res.relative_error(OPT[name])) < 1e-6
    assert "LP rounds" in res.status


def test_lazy_linking_on_a_corner_of_capa_equals_brute_force():
    inst = capa_corner()
    costs = enumerate_all(inst)
    best = min(costs.values())
    for seed_rows in (0, 2):
        res = solve_milp(inst, linking="lazy", seed_rows=seed_rows)
        assert res.proven_optimal and res.objective == pytest.approx(best, rel=1e-7)
    # fixing and a cutoff: the restricted optimum by enumeration, the cutoff keeps the optimum
    i = int(np.flatnonzero(res.open)[0])
    restricted = min(v for b, v in costs.items() if b[i] == 0)
    fixed = solve_milp(inst, linking="lazy", fixed={i: 0})
    assert not fixed.open[i] and fixed.objective == pytest.approx(restricted, rel=1e-7)
    warm = solve_milp(inst, linking="lazy", warm_start=res.open, cutoff=best * 1.0001)
    assert warm.proven_optimal and warm.objective == pytest.approx(best, rel=1e-7)


def test_lazy_linking_time_limit_is_not_a_proof():
    res = solve_milp(load_orlib_cap("capc", capacity=5000), time_limit=0.5)
    assert not res.proven_optimal
    assert res.objective == np.inf or res.objective >= res.lower_bound


def test_milp_linking_bad_input():
    inst = load_orlib_cap("cap41")
    with pytest.raises(ValueError, match="linking must be one of"):
        solve_milp(inst, linking="some")
    with pytest.raises(ValueError, match="linking='lazy' needs solver='highs'"):
        solve_milp(inst, solver="cbc", linking="lazy")
    with pytest.raises(ValueError, match="fixed must map facility indices 0..15 to 0 or 1"):
        solve_milp(inst, fixed={16: 1})


@pytest.mark.parametrize("name", ["cap71", "cap131"])
def test_stabilised_benders_proves_published_optimum(name):
    res = solve_benders(load_orlib_cap(name), stabilise=True)
    assert res.proven_optimal and abs(res.relative_error(OPT[name])) < 1e-6


def test_stabilised_benders_with_cover_cut_on_a_corner_of_capa_equals_brute_force():
    inst = capa_corner()
    best = brute_force(inst)
    for multi_cut in (False, True):
        res = solve_benders(inst, stabilise=True, cover_cut=True, multi_cut=multi_cut, initial_open=None)
        assert res.proven_optimal and res.objective == pytest.approx(best, rel=1e-7)
        # equal capacities: with the cover cut every master solution can serve the demand
        assert "feasibility" not in {c.kind for c in res.cuts}
    textbook = solve_benders(inst, lp_phase=False, initial_open=None)
    assert textbook.objective == pytest.approx(best, rel=1e-7)
    assert "feasibility" in {c.kind for c in textbook.cuts}     # the empty master opens nothing first


def test_hybrid_fixed_then_full_proves_published_optimum_cap71():
    inst = load_orlib_cap("cap71")
    ga = solve_ga(inst, population=20, generations=5, seed=1)
    res = solve_hybrid(inst, ga_result=ga, fix_agreed=True, then_full=True, time_limit=60)
    assert res.objective <= ga.objective * (1 + 1e-12)
    assert res.proven_optimal and abs(res.relative_error(OPT["cap71"])) < 1e-6
    assert list(res.history["stage"]) == ["ga", "milp", "milp (full)"]
    with pytest.raises(ValueError, match="then_full=True needs fix_agreed=True"):
        solve_hybrid(inst, ga_result=ga, then_full=True)


# ------------------------------------------------------------------ the benchmark's CSV

def _bench():
    spec = importlib.util.spec_from_file_location("bench_table2", ROOT / "benchmarks" / "bench_table2.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_csv_replaces_only_the_rows_it_reran(tmp_path):
    bench = _bench()
    out = tmp_path / "t.csv"
    row = lambda n, c, m, obj: {"instance": n, "capacity": c, "method": m, "objective": obj,  # noqa: E731
                                "proven_optimal": "True", "runtime_s": "1.00"}
    bench._write({("capa", 8000, "milp"): row("capa", 8000, "milp", "1.000"),
                  ("capa", 8000, "ga"): row("capa", 8000, "ga", "2.000")}, ["# first run", "# date x"], out)
    bench._write({("capa", 8000, "ga"): row("capa", 8000, "ga", "3.000")}, ["# second run", "# date y"], out)
    lines = out.read_text().splitlines()
    assert lines[0] == "# second run" and "# earlier run: date x" in lines
    body = [ln for ln in lines if not ln.startswith("#")]
    assert body[0] == "instance,capacity,method,objective,proven_optimal,runtime_s"
    assert body[1:] == ["capa,8000,milp,1.000,True,1.00", "capa,8000,ga,3.000,True,1.00"]
    assert bench._parse_cases("capa:8000,capc") == [("capa", 8000)] + [("capc", c) for c in (5000, 5750, 6500, 7250)]
    with pytest.raises(SystemExit, match="capa has a published optimum only at capacity"):
        bench._parse_cases("capa:9000")
    assert len(bench._parse_cases("")) == 12


def test_bench_csv_keeps_the_description_of_each_run_its_rows_come_from(tmp_path):
    """A run's date, machine and command stay in the header while some row of the file is its
    measurement, and go once newer runs have measured all its rows again."""
    bench = _bench()
    out = tmp_path / "t.csv"

    def run(name, args, keys):
        header = ["# title", f"# date (UTC) of this run: {name}", "# machine: test",
                  f"# command: python benchmarks/bench_table2.py {args} (casekit at commit abc)"]
        bench._write({k: {"instance": k[0], "capacity": k[1], "method": k[2], "objective": "1.000",
                          "proven_optimal": "True", "runtime_s": "1.00"} for k in keys}, header, out)
        return [ln for ln in out.read_text().splitlines() if ln.startswith("# earlier run: date")]

    run("A", "--methods milp --instances capa:8000,capb:5000", [("capa", 8000, "milp"), ("capb", 5000, "milp")])
    run("B", "--methods ga --instances capa:8000", [("capa", 8000, "ga")])
    earlier = run("C", "--methods milp --instances capa:8000", [("capa", 8000, "milp")])
    # A still holds capb-5000's MILP row, B the GA row
    assert earlier == ["# earlier run: date (UTC) of this run: B", "# earlier run: date (UTC) of this run: A"]
    earlier = run("D", "--methods=milp --instances capb:5000", [("capb", 5000, "milp")])
    assert earlier == ["# earlier run: date (UTC) of this run: C", "# earlier run: date (UTC) of this run: B"]
    assert "# earlier run: machine: test" in out.read_text().splitlines()
    # a run whose command this script cannot read is kept
    assert bench._pairs(["date z", "command: python benchmarks/bench_table2.py --instances capz"]) is None
    assert bench._pairs(["date z"]) is None
