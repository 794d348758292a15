"""Capacitated facility location on all 37 OR-Library instances (cap41-cap134).

For each instance: wall time and relative error against the published optimum (capopt.txt) of
the MILP with HiGHS and with CBC, classic Benders, the GA (default settings, seed 0) and, as its
peer, the same GA without local search (``local_search_best=0``, seed 0).  Then totals, the GA's
% of optimal (published optimum / GA cost) per instance with its minimum and the count solved
exactly, and the targets:

* MILP (HiGHS) proves all 37 optimal in under 30 s in total;
* GA within 2 % of the optimum on cap41-cap74;
* GA at >= 99.5 % of optimal on all 37 instances.

Usage: ``python benchmarks/bench_optimization.py [--methods highs,cbc,benders,ga,ga-plain] [--only cap41,...]``
"""

from __future__ import annotations

import argparse
import sys
import time

from casekit.optimization import ORLIB_NAMES, load_orlib_cap, orlib_optima, solve_benders, solve_ga, solve_milp

METHODS = {
    "highs": lambda inst: solve_milp(inst, solver="highs"),
    "cbc": lambda inst: solve_milp(inst, solver="cbc"),
    "benders": lambda inst: solve_benders(inst),
    "ga": lambda inst: solve_ga(inst, seed=0),
    "ga-plain": lambda inst: solve_ga(inst, seed=0, local_search_best=0),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default="highs,cbc,benders,ga,ga-plain")
    ap.add_argument("--only", default="", help="comma-separated instance names (default: all 37)")
    args = ap.parse_args(argv)
    methods = [m for m in args.methods.split(",") if m]
    names = [n for n in args.only.split(",") if n] or list(ORLIB_NAMES)
    opt = orlib_optima()
    totals = {m: 0.0 for m in methods}
    proven = {m: 0 for m in methods}
    exact = {m: 0 for m in methods}
    worst = {m: 0.0 for m in methods}
    worst_ga_small = 0.0
    pct = {m: {} for m in methods if m.startswith("ga")}     # GA runs: instance -> % of optimal
    print(f"{'instance':9s} " + " ".join(f"{m + ' s':>9s} {m + ' err':>10s}" for m in methods))
    for name in names:
        inst = load_orlib_cap(name)
        cells = []
        for m in methods:
            t0 = time.perf_counter()
            res = METHODS[m](inst)
            dt = time.perf_counter() - t0
            err = res.relative_error(opt[name])
            totals[m] += dt
            proven[m] += bool(res.proven_optimal)
            exact[m] += abs(err) < 1e-6
            worst[m] = max(worst[m], err)
            if m == "ga" and int(name[3:]) <= 74:
                worst_ga_small = max(worst_ga_small, err)
            if m in pct:
                pct[m][name] = 100.0 * opt[name] / res.objective
            cells.append(f"{dt:9.3f} {err:10.2e}")
        print(f"{name:9s} " + " ".join(cells), flush=True)
    n = len(names)
    print()
    for m in methods:
        print(f"total {m:8s}: {totals[m]:8.2f} s over {n} instances; proven optimal {proven[m]}/{n}; "
              f"within 1e-6 of published optimum {exact[m]}/{n}; worst relative error {worst[m]:.2e}")
    if "cbc" in methods and "highs" in methods and totals["highs"] > 0:
        print(f"ratio: MILP CBC / MILP HiGHS total time = {totals['cbc'] / totals['highs']:.2f}")
    if "benders" in methods and "highs" in methods and totals["highs"] > 0:
        print(f"ratio: Benders / MILP HiGHS total time = {totals['benders'] / totals['highs']:.2f}")
    if "ga" in methods and "highs" in methods and totals["highs"] > 0:
        print(f"ratio: GA / MILP HiGHS total time = {totals['ga'] / totals['highs']:.2f}")
    if pct:
        print()
        ga_runs = list(pct)
        print("GA, % of optimal (published optimum / GA cost):")
        print(f"{'instance':9s} " + " ".join(f"{m:>10s}" for m in ga_runs))
        for name in names:
            print(f"{name:9s} " + " ".join(f"{pct[m][name]:10.4f}" for m in ga_runs))
        for m in ga_runs:
            print(f"{m:9s} min {min(pct[m].values()):.4f}% of optimal, exact (within 1e-6) {exact[m]}/{n}, "
                  f"total {totals[m]:.2f} s")
        if "ga" in pct and "ga-plain" in pct and totals["ga-plain"] > 0:
            print(f"ratio: GA / GA without local search total time = {totals['ga'] / totals['ga-plain']:.2f}")
    ok = True
    if "highs" in methods and n == len(ORLIB_NAMES):
        hit = proven["highs"] == n and exact["highs"] == n and totals["highs"] < 30
        ok &= hit
        print(f"target MILP (HiGHS) proves all 37 optimal in < 30 s: {'MET' if hit else 'MISSED'} "
              f"({proven['highs']}/37 proven, {totals['highs']:.2f} s)")
    if "ga" in methods and any(int(x[3:]) <= 74 for x in names):
        hit = worst_ga_small < 0.02
        ok &= hit
        print(f"target GA within 2% on cap41-cap74: {'MET' if hit else 'MISSED'} "
              f"(worst {worst_ga_small:.3%})")
    if "ga" in methods and n == len(ORLIB_NAMES):
        hit = min(pct["ga"].values()) >= 99.5
        ok &= hit
        print(f"target GA >= 99.5% of optimal on all 37: {'MET' if hit else 'MISSED'} "
              f"(min {min(pct['ga'].values()):.4f}%, {exact['ga']}/37 exact)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
