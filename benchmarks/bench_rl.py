"""Reinforcement learning (casekit.rl) against the optimal and the classical policies.

Targets (issue 8), measured in this run:
  1. Two-stage serial system, Poisson(5) demand, lead times (1, 1), echelon holding costs (2, 1),
     stockout cost 19: the Q-learned policy's simulated cost within 5% of the exact Clark–Scarf
     optimum (casekit.multiechelon.optimize_serial) for each of 3 seeds, training under 3 minutes.
     The optimal policy is also simulated on the same random numbers (common random numbers), so
     the gap is read against simulation noise too.
  2. casekit/InvManagement-v0 (OR-Gym defaults): the REINFORCE policy's mean episode reward
     >= 95% of echelon base stock tuned by simulation (tuned on other draws than it is judged on).
  3. The "Simulation + RL hybrid" row of Table 2 (casekit.rl.targets.table2_row): training time,
     execution time, % of optimal.
Each line: the measurement, the reference it is compared with, and PASS/FAIL.

usage: python benchmarks/bench_rl.py [--seeds 0 1 2] [--eval-periods 20000]
"""

from __future__ import annotations

import argparse
import os
import time

from casekit.rl.agents import QLearningConfig, ReinforceConfig
from casekit.rl.targets import invmanagement_target, serial_target, table2_row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--eval-periods", type=int, default=20000)
    ap.add_argument("--q-periods", type=int, default=QLearningConfig().periods)
    ap.add_argument("--pg-iterations", type=int, default=ReinforceConfig().iterations)
    a = ap.parse_args()
    print(f"# cores visible: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    f = serial_target(tuple(a.seeds), QLearningConfig(periods=a.q_periods), eval_periods=a.eval_periods)
    opt = f["optimal_cost"].iloc[0]
    print(f"serial-2 Poisson(5): Clark-Scarf optimum {opt:.4f}/period (exact); optimal policy simulated "
          f"{f['optimal_simulated'].iloc[0]:.4f} on the evaluation draws")
    for r in f.itertuples():
        ok = r.gap_pct <= 5 and r.train_s < 180
        print(f"serial-2 Q-learning seed {r.seed}: cost {r.cost:.4f} (95% CI {r.ci_low:.4f}-{r.ci_high:.4f}) "
              f"gap {r.gap_pct:+.2f}% vs optimum, training {r.train_s:.1f} s, simulate {r.execute_s:.2f} s "
              f"-> {'PASS' if ok else 'FAIL'} (<= 5%, < 180 s)")
    g = invmanagement_target(tuple(a.seeds), ReinforceConfig(iterations=a.pg_iterations))
    bs = g["base_stock_reward"].iloc[0]
    print(f"InvManagement-v0: tuned echelon base stock {g['base_stock_levels'].iloc[0]} earns {bs:.2f}; "
          f"never ordering earns {g['never_order_reward'].iloc[0]:.2f}")
    for r in g.itertuples():
        print(f"InvManagement-v0 REINFORCE seed {r.seed}: reward {r.reward:.2f} (95% CI {r.ci_low:.2f}-{r.ci_high:.2f}) "
              f"= {r.ratio_pct:.1f}% of tuned base stock, training {r.train_s:.1f} s "
              f"-> {'PASS' if r.ratio_pct >= 95 else 'FAIL'} (>= 95%)")
    row = table2_row(frame=f).iloc[0]
    print(f"Table 2 '{row['method']}' on {row['instance']}: training {row['runtime_s']:.1f} s, execution "
          f"{row['execution_s']:.2f} s, {row['pct_of_optimal']:.2f}% of optimal (worst seed "
          f"{row['worst_pct_of_optimal']:.2f}%)")
    print(f"# total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
