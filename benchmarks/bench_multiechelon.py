"""Exact serial optimisation (casekit.multiechelon.optimize_serial) against stockpyl 1.0.2.

Peer: ``stockpyl.ssm_serial.optimize_base_stock_levels`` at its default settings (x_num=1000,
d_num=100, 4-sigma / 8-sigma truncation).  stockpyl needs numpy<2, so this script builds a
throwaway venv for it under build/stockpyl-venv (``pip install stockpyl==1.0.2 'numpy<2'`` from
PyPI, once) and runs it there in a subprocess; casekit runs in this interpreter.

Instances (normal demand, echelon holding costs and lead times downstream first):
  Example 6.1     h = (3, 2, 2), L = (1, 1, 2), p = 37.12, D ~ N(5, 1)
  Problem 6.2(a)  h = (2, 2, 1, 1, 1), L = 0.5 each, p = 24, D ~ N(64, 8^2)
  10-stage        h = 1, L = 1 at every stage, p = 20, D ~ N(10, 3^2)

Per instance, printed from one run: each tool's time (casekit: best of repeated calls; stockpyl:
one call inside its venv, imports excluded) and their ratio; the cost each tool reports; and both
returned policies evaluated by two independent, much finer evaluators:
  * exact: casekit's Chen–Zheng evaluation on a grid 10x finer than its default (the "true"
    optimum is the fine-grid optimum, against which the 0.05% target is checked);
  * simulation: a unit-by-unit Monte Carlo of the physical system (no recursion) with common
    random numbers for both policies, with 95% confidence intervals, and the paired difference.
Targets (issue 4): casekit >= 30x faster than stockpyl on each instance, cost within 0.05% of
the true optimum.

usage: python benchmarks/bench_multiechelon.py [--reps 64] [--periods 10000] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from casekit.multiechelon import (evaluate_serial, optimize_serial, serial_demand_paths,  # noqa: E402
                                  simulate_serial)
from casekit.network import serial  # noqa: E402

from _peers import ensure_stockpyl  # noqa: E402  (benchmarks/_peers.py)
INSTANCES = [
    ("Example 6.1", [3, 2, 2], [1, 1, 2], 37.12, 5.0, 1.0),
    ("Problem 6.2(a)", [2, 2, 1, 1, 1], [0.5] * 5, 24.0, 64.0, 8.0),
    ("10-stage", [1.0] * 10, [1.0] * 10, 20.0, 10.0, 3.0),
]

PEER = r"""
import json, sys, time
from stockpyl.ssm_serial import optimize_base_stock_levels
h, L, p, mu, sd = json.loads(sys.argv[1])
n = len(h)
t = time.perf_counter()
S, C = optimize_base_stock_levels(num_nodes=n, echelon_holding_cost=h[::-1], lead_time=L[::-1],
                                  stockout_cost=p, demand_mean=mu, demand_standard_deviation=sd)
t = time.perf_counter() - t
print(json.dumps({"seconds": t, "S": [float(S[j]) for j in range(1, n + 1)], "cost": float(C)}))
"""


def run_peer(py: Path, h, L, p, mu, sd) -> dict:
    out = subprocess.run([str(py), "-c", PEER, json.dumps([h, L, p, mu, sd])], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_casekit(net, min_seconds=0.5):
    best, n, start = math.inf, 0, time.perf_counter()
    while n < 5 or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        r = optimize_serial(net)
        best = min(best, time.perf_counter() - t)
        n += 1
    return r, best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=64, help="Monte Carlo replications")
    ap.add_argument("--periods", type=int, default=10_000, help="Monte Carlo periods per replication")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    py = ensure_stockpyl()
    all_ok = True
    for name, h, L, p, mu, sd in INSTANCES:
        net = serial(h, L, p, stats.norm(mu, sd))
        peer = run_peer(py, h, L, p, mu, sd)
        ours, t_ours = time_casekit(net)
        fine = optimize_serial(net, resolution=1000)               # the reference optimum
        ex_ours = evaluate_serial(net, ours.base_stock, resolution=1000).cost
        ex_peer = evaluate_serial(net, peer["S"], resolution=1000).cost
        warm = int(10 * sum(L)) + 50
        demand, _ = serial_demand_paths(net, a.periods + warm, a.reps, seed=a.seed)
        mc_ours = simulate_serial(net, ours.base_stock, n_periods=a.periods, warmup=warm, demand=demand)
        mc_peer = simulate_serial(net, peer["S"], n_periods=a.periods, warmup=warm, demand=demand)
        diff = _paired(mc_ours, mc_peer)
        ratio = peer["seconds"] / t_ours
        gap = (ours.cost - fine.cost) / fine.cost
        gap_true = (ex_ours - fine.cost) / fine.cost
        ok = ratio >= 30 and abs(gap) <= 5e-4 and gap_true <= 5e-4
        all_ok &= ok
        print(f"{name}: casekit {t_ours * 1e3:.2f} ms, stockpyl {peer['seconds']:.2f} s, "
              f"stockpyl/casekit time ratio {ratio:.0f}x")
        print(f"{name}: S casekit {_fmt(ours.base_stock)}, stockpyl {_fmt(peer['S'])}, "
              f"fine-grid optimum {_fmt(fine.base_stock)}")
        print(f"{name}: reported cost casekit {ours.cost:.4f}, stockpyl {peer['cost']:.4f}; true optimum "
              f"(fine grid) {fine.cost:.4f}; casekit reported - optimum {gap:+.2e} relative")
        print(f"{name}: exact fine evaluation of the returned policies: casekit {ex_ours:.4f} "
              f"({gap_true:+.2e} vs optimum), stockpyl {ex_peer:.4f} ({(ex_peer - fine.cost) / fine.cost:+.2e})")
        print(f"{name}: Monte Carlo ({a.reps} x {a.periods} periods, common random numbers, 95% CI): "
              f"casekit policy {mc_ours.mean:.3f} [{mc_ours.ci_low:.3f}, {mc_ours.ci_high:.3f}], "
              f"stockpyl policy {mc_peer.mean:.3f} [{mc_peer.ci_low:.3f}, {mc_peer.ci_high:.3f}], "
              f"stockpyl - casekit {diff[0]:+.4f} [{diff[1]:+.4f}, {diff[2]:+.4f}]")
        print(f"{name}: target >=30x and within 0.05% of the optimum: {'met' if ok else 'NOT met'}", flush=True)
    return 0 if all_ok else 1


def _paired(a, b):
    """Mean and 95% CI of the per-replication difference b - a (common random numbers)."""
    diffs = np.array(b.per_rep) - np.array(a.per_rep)
    m, se = diffs.mean(), diffs.std(ddof=1) / math.sqrt(diffs.size)
    q = stats.t.ppf(0.975, diffs.size - 1)
    return m, m - q * se, m + q * se


def _fmt(v):
    return "(" + ", ".join(f"{x:.3f}" for x in v) + ")"


if __name__ == "__main__":
    raise SystemExit(main())
