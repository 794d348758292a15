"""Simulation throughput: casekit's fast engine and DES twin against stockpyl 1.0.2's sim.simulation.

One instance, one policy: Snyder & Shen's Example 6.1 (3-stage serial, echelon holding costs
(3, 2, 2), lead times (1, 1, 2), stockout cost 37.12) with Poisson(5) demand under the optimal
echelon base-stock levels (9, 15, 26).  Each simulator runs the same system; throughput is
**node-periods per second** (stages x periods x replications simulated, warm-up included, per
second of wall time).  stockpyl runs in a throwaway venv under build/stockpyl-venv
(``pip install stockpyl==1.0.2 'numpy<2'``, created on first use) and simulates one long
replication per call; the DES twin runs with its event log on (its default); the fast engine
runs many replications at once (what it is built for).  Each simulator's mean cost per period is
printed too, so one can see that all three simulate the same system (exact cost 72.0467).

Targets (issue 5): fast >= 300x stockpyl and >= 10x the DES; DES >= 5x stockpyl.

usage: python benchmarks/bench_simulation.py [--periods 2000] [--fast-reps 2000] [--des-reps 5]
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

from casekit.network import serial  # noqa: E402
from casekit.policies import EchelonBaseStock  # noqa: E402
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--periods", type=int, default=2000)
    ap.add_argument("--fast-reps", type=int, default=2000)
    ap.add_argument("--des-reps", type=int, default=5)
    ap.add_argument("--peer-runs", type=int, default=2)
    a = ap.parse_args(argv)
    net = serial([3, 2, 2], [1, 1, 2], 37.12, poisson(5))
    pol = EchelonBaseStock([9, 15, 26])
    n, T = 3, a.periods

    py = ensure_stockpyl()
    peer_rates, peer_costs = [], []
    for k in range(a.peer_runs):
        out = subprocess.run([str(py), "-c", PEER, json.dumps([T, k + 1])], capture_output=True, text=True,
                             check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        r = json.loads(out.stdout.strip().splitlines()[-1])
        peer_rates.append(n * T / r["seconds"])
        peer_costs.append(r["cost_per_period"])
    peer = max(peer_rates)

    simulate(net, pol, 50, 2, seed=0, engine="des")            # imports and first call, not timed
    simulate(net, pol, 50, 2, seed=0, engine="fast")
    cfg = SimulationConfig(keep_series=False, progress=False)
    t = time.perf_counter()
    des = simulate(net, pol, T, a.des_reps, seed=1, engine="des", config=cfg)
    t_des = time.perf_counter() - t
    des_rate = n * T * a.des_reps / t_des
    t = time.perf_counter()
    fast = simulate(net, pol, T, a.fast_reps, seed=2, engine="fast", config=cfg)
    t_fast = time.perf_counter() - t
    fast_rate = n * T * a.fast_reps / t_fast

    print(f"instance: S&S Example 6.1, Poisson(5), echelon base stock (9, 15, 26), {T} periods; exact cost 72.0467")
    print(f"stockpyl 1.0.2 sim.simulation: {peer:,.0f} node-periods/s (best of {a.peer_runs} runs of 1 x {T} periods; "
          f"cost/period {sum(peer_costs) / len(peer_costs):.2f})")
    print(f"casekit DES (SimPy, event log on): {des_rate:,.0f} node-periods/s ({a.des_reps} x {T} periods in "
          f"{t_des:.2f} s; cost/period {des.kpis.cost_per_period.mean():.2f})")
    print(f"casekit fast engine (numpy): {fast_rate:,.0f} node-periods/s ({a.fast_reps} x {T} periods in "
          f"{t_fast:.2f} s; cost/period {fast.kpis.cost_per_period.mean():.2f})")
    r1, r2, r3 = fast_rate / peer, fast_rate / des_rate, des_rate / peer
    print(f"fast / stockpyl: {r1:,.0f}x (target >= 300x) {'PASS' if r1 >= 300 else 'MISS'}")
    print(f"fast / DES: {r2:,.0f}x (target >= 10x) {'PASS' if r2 >= 10 else 'MISS'}")
    print(f"DES / stockpyl: {r3:,.1f}x (target >= 5x) {'PASS' if r3 >= 5 else 'MISS'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
