"""Simulation throughput of casekit's one engine, each line against a peer measured in the same run.

1. **Serial instance vs stockpyl 1.0.2** (``sim.simulation``): Snyder & Shen's Example 6.1
   (3-stage serial, echelon holding costs (3, 2, 2), lead times (1, 1, 2), stockout cost 37.12)
   with Poisson(5) demand under the optimal echelon base-stock levels (9, 15, 26).  Throughput
   is **node-periods per second** (stages x periods x replications, per second of wall time).
   stockpyl runs in a throwaway venv under build/stockpyl-venv (``pip install stockpyl==1.0.2
   'numpy<2'``, created on first use) and simulates one long replication per call; the DES twin
   runs with its event log on; the fast engine runs many replications at once (what it is built
   for).  Mean costs per period are printed so one can see all three simulate the same system
   (exact cost 72.0467).
2. **Distribution network**: one warehouse and 2,000 retailers, Poisson(5) demand, base stock,
   fast engine, in node-periods per second (demand draws included), beside the serial line's
   rate per node measured in the same run (a depth of 2,000 stages should cost about as much
   per node as a serial stage).
3. **Before / after**: the distribution network and the serial line's fast-engine rate measured
   by one script in two subprocesses, one importing this checkout's casekit and one importing
   the casekit of an earlier commit (``--before``, default c0f4af2, the engine before its table
   sampler and pass cuts; extracted with ``git archive`` into a temporary folder), alternating
   ``--ab-rounds`` times; the best rate of each is printed with their ratio.
4. **FMCG case at full size** (2,000 outlets, 365 days, 30 replications, both policies):
   simulation wall time on the one engine beside the dedicated case engine it replaced
   (``casekit/cases/engine.py`` of commit 1c8b070, loaded from git into a temporary module),
   on the same system and policies in the same run.

Targets: fast >= 3,000x stockpyl; distribution >= 10 M node-periods/s; FMCG no slower than the
old dedicated engine.

usage: python benchmarks/bench_simulation.py [--periods 2000] [--fast-reps 20000] [--des-reps 5]
                                             [--skip-fmcg] [--fmcg-reps 30] [--before REF] [--ab-rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scipy.stats import poisson  # noqa: E402

import numpy as np  # noqa: E402

from casekit.network import distribution, serial  # noqa: E402
from casekit.policies import BaseStock, EchelonBaseStock  # noqa: E402
from casekit.simulation import SimulationConfig, simulate  # noqa: E402

from _peers import ensure_stockpyl  # noqa: E402  (benchmarks/_peers.py)

PEER = r"""
import json, sys, time
from stockpyl.supply_chain_network import serial_system
from stockpyl.sim import simulation
T, seed = json.loads(sys.argv[1])
net = serial_system(num_nodes=3, node_order_in_system=[3, 2, 1],
                    echelon_holding_cost={1: 3, 2: 2, 3: 2}, local_holding_cost={1: 7, 2: 4, 3: 2},
                    shipment_lead_time={1: 1, 2: 1, 3: 2}, stockout_cost={1: 37.12, 2: 0, 3: 0},
                    demand_type="P", mean=5, policy_type="EBS", base_stock_level={1: 9, 2: 15, 3: 26})
t = time.perf_counter()
cost = simulation(net, T, rand_seed=seed, progress_bar=False)
t = time.perf_counter() - t
print(json.dumps({"seconds": t, "cost_per_period": cost / T}))
"""


AB = r"""
import json, sys, time
import numpy as np
from scipy.stats import poisson
import casekit
from casekit.network import distribution, serial
from casekit.policies import BaseStock, EchelonBaseStock
from casekit.simulation import SimulationConfig, simulate
nr, P, R, T, SR = json.loads(sys.argv[1])
cfg = SimulationConfig(keep_series=False, keep_totals=False, progress=False)
net = distribution(1, 2, 2, 1, poisson(5), 19, n_retailers=nr)
pol = BaseStock({0: float(5 * nr * 2 + 4 * np.sqrt(5 * nr * 2)), **{i: 10.0 for i in range(1, nr + 1)}})
simulate(net, pol, 5, 2, seed=0, engine="fast", config=cfg)
t = time.perf_counter()
res = simulate(net, pol, P, R, seed=3, engine="fast", config=cfg)
dist = (nr + 1) * P * R / (time.perf_counter() - t)
snet, spol = serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5)), EchelonBaseStock([9, 15, 26])
simulate(snet, spol, 50, 2, seed=0, engine="fast", config=cfg)
t = time.perf_counter()
sres = simulate(snet, spol, T, SR, seed=2, engine="fast", config=cfg)
ser = 3 * T * SR / (time.perf_counter() - t)
print(json.dumps({"dist": dist, "serial": ser, "fill": float(res.kpis.fill_rate.mean()),
                  "cost": float(sres.kpis.cost_per_period.mean()), "path": casekit.__file__}))
"""


def _before_after(ref: str, rounds: int, args) -> None:
    """The AB script on this checkout and on ``ref``'s casekit, alternating; best of ``rounds``."""
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="casekit-before-"))
    try:
        arch = subprocess.run(["git", "archive", ref, "casekit"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=arch, check=True)
        run_dir = tmp / "run"            # an empty working folder: no casekit importable from it
        run_dir.mkdir()
        env0 = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
        best = {"before": None, "after": None}
        for _ in range(rounds):
            for name, path in (("before", tmp), ("after", ROOT)):
                out = subprocess.run([sys.executable, "-c", AB, json.dumps(args)], capture_output=True, text=True,
                                     check=True, env={**env0, "PYTHONPATH": str(path)}, cwd=str(run_dir))
                r = json.loads(out.stdout.strip().splitlines()[-1])
                assert Path(r["path"]).resolve().is_relative_to(Path(path).resolve()), r["path"]
                b = best[name]
                best[name] = r if b is None else {**r, "dist": max(b["dist"], r["dist"]),
                                                   "serial": max(b["serial"], r["serial"])}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    b, a = best["before"], best["after"]
    nr, P, R, T, SR = args
    print(f"before/after (best of {rounds} alternating runs each; before = casekit at {ref}):")
    print(f"  distribution 1 x {nr:,} ({R} x {P} periods): before {b['dist']:,.0f}, after {a['dist']:,.0f} "
          f"node-periods/s = {a['dist'] / b['dist']:.2f}x (fill rate before {b['fill']:.4f}, after {a['fill']:.4f})")
    print(f"  serial Example 6.1 fast engine ({SR} x {T} periods): before {b['serial']:,.0f}, after "
          f"{a['serial']:,.0f} node-periods/s = {a['serial'] / b['serial']:.2f}x (cost/period before "
          f"{b['cost']:.2f}, after {a['cost']:.2f})")


def _old_case_engine():
    """The dedicated case engine this engine replaced, from git (commit 1c8b070), as a module."""
    import importlib.util
    import tempfile

    src = subprocess.run(["git", "show", "1c8b070:casekit/cases/engine.py"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "old_case_engine.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("old_case_engine", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["old_case_engine"] = mod
    spec.loader.exec_module(mod)
    return mod


def _fmcg(reps: int) -> None:
    from casekit.cases import fmcg, run_case

    old = _old_case_engine()
    system = fmcg.build_system(2000, horizon_days=365)
    policies = (fmcg.traditional_policy(system), fmcg.hybrid_policy(system))
    kw = dict(horizon=365, replications=reps, seed=1, warmup=fmcg.WARMUP)
    times, fill = {}, {}
    for name, run in (("old dedicated engine", old.run_case), ("one engine", run_case)):
        t = time.perf_counter()
        res = [run(system, p, **kw) for p in policies]
        times[name] = time.perf_counter() - t
        fill[name] = [r.kpis["fill_rate"].mean() for r in res]
    a, b = times["old dedicated engine"], times["one engine"]
    print(f"FMCG 2,000 outlets x 365 days x {reps} replications, both policies: one engine {b:.2f} s, old dedicated "
          f"engine {a:.2f} s in the same run: {a / b:.2f}x (target >= 1.00x: {'PASS' if b <= a else 'MISS'}); "
          f"fill rate trad/hybrid one engine {fill['one engine'][0]:.4f}/{fill['one engine'][1]:.4f}, "
          f"old {fill['old dedicated engine'][0]:.4f}/{fill['old dedicated engine'][1]:.4f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--periods", type=int, default=2000)
    ap.add_argument("--fast-reps", type=int, default=20000)
    ap.add_argument("--des-reps", type=int, default=5)
    ap.add_argument("--peer-runs", type=int, default=2)
    ap.add_argument("--dist-retailers", type=int, default=2000)
    ap.add_argument("--dist-reps", type=int, default=30)
    ap.add_argument("--dist-periods", type=int, default=365)
    ap.add_argument("--fmcg-reps", type=int, default=30)
    ap.add_argument("--skip-fmcg", action="store_true")
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--before", default="c0f4af2", help="git ref of the casekit to compare with (before/after)")
    ap.add_argument("--ab-rounds", type=int, default=2)
    ap.add_argument("--skip-ab", action="store_true")
    a = ap.parse_args(argv)
    net = serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5))
    pol = EchelonBaseStock([9, 15, 26])
    n, T = 3, a.periods

    peer, peer_costs = None, []
    if not a.skip_peer:
        py = ensure_stockpyl()
        peer_rates = []
        for k in range(a.peer_runs):
            out = subprocess.run([str(py), "-c", PEER, json.dumps([T, k + 1])], capture_output=True, text=True,
                                 check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            r = json.loads(out.stdout.strip().splitlines()[-1])
            peer_rates.append(n * T / r["seconds"])
            peer_costs.append(r["cost_per_period"])
        peer = max(peer_rates)

    simulate(net, pol, 50, 2, seed=0, engine="des")            # imports and first call, not timed
    simulate(net, pol, 50, 2, seed=0, engine="fast")
    cfg = SimulationConfig(keep_series=False, keep_totals=False, progress=False)
    t = time.perf_counter()
    des = simulate(net, pol, T, a.des_reps, seed=1, engine="des", config=cfg)
    t_des = time.perf_counter() - t
    des_rate = n * T * a.des_reps / t_des
    t = time.perf_counter()
    fast = simulate(net, pol, T, a.fast_reps, seed=2, engine="fast", config=cfg)
    t_fast = time.perf_counter() - t
    fast_rate = n * T * a.fast_reps / t_fast

    print(f"instance: S&S Example 6.1, Poisson(5), echelon base stock (9, 15, 26), {T} periods; exact cost 72.0467")
    if peer is not None:
        print(f"stockpyl 1.0.2 sim.simulation: {peer:,.0f} node-periods/s (best of {a.peer_runs} runs of 1 x {T} "
              f"periods; cost/period {sum(peer_costs) / len(peer_costs):.2f})")
    print(f"casekit DES (SimPy, event log on): {des_rate:,.0f} node-periods/s ({a.des_reps} x {T} periods in "
          f"{t_des:.2f} s; cost/period {des.kpis.cost_per_period.mean():.2f})")
    print(f"casekit fast engine (numpy): {fast_rate:,.0f} node-periods/s ({a.fast_reps} x {T} periods in "
          f"{t_fast:.2f} s; cost/period {fast.kpis.cost_per_period.mean():.2f})")
    if peer is not None:
        r1 = fast_rate / peer
        print(f"fast / stockpyl: {r1:,.0f}x (target >= 3,000x) {'PASS' if r1 >= 3000 else 'MISS'}")
        print(f"DES / stockpyl: {des_rate / peer:,.1f}x")
    print(f"fast / DES: {fast_rate / des_rate:,.0f}x")

    # 2. one warehouse, many retailers: one numpy operation per depth and period
    nr = a.dist_retailers
    dnet = distribution(1, 2, 2, 1, poisson(5), 19, n_retailers=nr)
    dpol = BaseStock({0: float(5 * nr * 2 + 4 * np.sqrt(5 * nr * 2)), **{i: 10.0 for i in range(1, nr + 1)}})
    simulate(dnet, dpol, 5, 2, seed=0, engine="fast", config=cfg)
    t = time.perf_counter()
    dres = simulate(dnet, dpol, a.dist_periods, a.dist_reps, seed=3, engine="fast", config=cfg)
    t_dist = time.perf_counter() - t
    dist_rate = (nr + 1) * a.dist_periods * a.dist_reps / t_dist
    loop_rate = (nr + 1) * a.dist_periods * a.dist_reps / dres.elapsed
    print(f"distribution 1 x {nr:,} (Poisson(5), base stock): {dist_rate:,.0f} node-periods/s ({a.dist_reps} x "
          f"{a.dist_periods} periods in {t_dist:.2f} s wall, of which {dres.elapsed:.2f} s in the period loop "
          f"with its demand draws = {loop_rate:,.0f} node-periods/s; fill rate "
          f"{dres.kpis.fill_rate.mean():.4f}); per node {dist_rate / fast_rate:.1f}x the serial line's rate "
          f"(target >= 10,000,000: {'PASS' if dist_rate >= 1e7 else 'MISS'})")

    if not a.skip_ab:
        _before_after(a.before, a.ab_rounds, [nr, a.dist_periods, a.dist_reps, T, a.fast_reps])
    if not a.skip_fmcg:
        _fmcg(a.fmcg_reps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
