"""Reinforcement learning (casekit.rl) against the optimal and the classical policies.

Measured in this run, each line with the reference it is compared with (and PASS/FAIL where there
is a target):
  chapter  The chapter's budget (1,500 periods on 128 copies), as chapters 16 and 17 train:
           the plain and the afterstate Q-table with each seed, judged on the same evaluation
           draws against the exact Clark–Scarf optimum of the two-stage serial system (Poisson(5)
           demand, lead times (1, 1), echelon holding costs (2, 1), stockout cost 19); the spread
           of each table's gap over the seeds; the "Simulation + RL hybrid" row of Table 2 at
           that budget.
  full     The full budget (QLearningConfig defaults): the afterstate policy within 5% of the
           optimum for each seed, training under 3 minutes; the Table 2 row at that budget.
  invmanagement  casekit/InvManagement-v0 (OR-Gym defaults): the REINFORCE policy's mean episode
           reward >= 95% of echelon base stock tuned by simulation (tuned on other draws).
The Table 2 row (casekit.rl.targets.table2_row): training time (mean over seeds), execution time
(the evaluation run: copies x (warm-up + periods) decisions with the simulation around them, and
the policy's own time per decision), % of optimal = 100 x optimum / mean simulated cost, worst
and best seed.

usage: python benchmarks/bench_rl.py [--seeds 0 1 2 3 4] [--parts chapter full invmanagement]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from casekit.rl.agents import QLearningConfig, ReinforceConfig
from casekit.rl.targets import invmanagement_target, serial_target, table2_row, table_comparison


def print_row(label: str, frame) -> None:
    row = table2_row(frame=frame).iloc[0]
    print(f"Table 2 '{row['method']}' on {row['instance']}, {label}, seeds {list(frame['seed'])}: "
          f"training {row['runtime_s']:.1f} s, execution {row['execution_s']:.2f} s for "
          f"{row['execution_decisions']:,} decisions ({row['decision_us']:.1f} us per decision of the policy "
          f"itself), {row['pct_of_optimal']:.2f}% of optimal (seeds from {row['worst_pct_of_optimal']:.2f}% "
          f"to {row['best_pct_of_optimal']:.2f}%); {row['pct_of_simulated_optimal']:.2f}% of the optimal policy "
          f"simulated on the same draws")


def spread(x) -> str:
    x = np.asarray(x, dtype=float)
    return (f"mean {x.mean():,.2f}%, sd {x.std(ddof=1) if x.size > 1 else 0:,.2f}, median {np.median(x):,.2f}%, "
            f"min {x.min():,.2f}%, max {x.max():,.2f}%")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--parts", nargs="+", choices=["chapter", "full", "invmanagement"],
                    default=["chapter", "full", "invmanagement"])
    ap.add_argument("--eval-periods", type=int, default=20000)
    ap.add_argument("--q-periods", type=int, default=QLearningConfig().periods)
    ap.add_argument("--pg-iterations", type=int, default=ReinforceConfig().iterations)
    a = ap.parse_args()
    seeds = tuple(a.seeds)
    print(f"# cores visible: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    if "chapter" in a.parts:
        c = table_comparison(seeds)
        opt = c["optimal_cost"].iloc[0]
        print(f"serial-2 Poisson(5), chapter budget (1,500 periods x 128 copies): Clark-Scarf optimum "
              f"{opt:.4f}/period (exact); optimal policy simulated {c['optimal_simulated'].iloc[0]:.4f} "
              f"on the evaluation draws (2,000 periods x 8 copies)")
        for r in c.itertuples():
            print(f"  seed {r.seed} {r.table:>10} table: cost {r.cost:,.3f}, gap {r.gap_pct:+,.2f}% "
                  f"(median copy {100 * (r.median_cost / opt - 1):+,.1f}%), "
                  f"{r.runaway_copies}/8 copies run away, {r.outside_box_pct:.0f}% of decisions outside the box, "
                  f"{r.visited_pct:.1f}% of entries visited, "
                  f"training {r.train_s:.1f} s")
        for name in ("plain", "afterstate"):
            g = c[c.table == name]
            print(f"  {name} table gap over {len(g)} seeds: {spread(g['gap_pct'])}; runaway copies in "
                  f"{int((g['runaway_copies'] > 0).sum())} of {len(g)} seeds")
        print_row("chapter budget", c[c.table == "afterstate"])
    if "full" in a.parts:
        f = serial_target(seeds, QLearningConfig(periods=a.q_periods), eval_periods=a.eval_periods)
        print(f"serial-2 Poisson(5), full budget ({a.q_periods:,} periods x {QLearningConfig().copies} copies): "
              f"optimal policy simulated {f['optimal_simulated'].iloc[0]:.4f} on the evaluation draws "
              f"({a.eval_periods:,} periods x 20 copies)")
        for r in f.itertuples():
            ok = r.gap_pct <= 5 and r.train_s < 180
            print(f"  seed {r.seed}: cost {r.cost:.4f} (95% CI {r.ci_low:.4f}-{r.ci_high:.4f}) gap {r.gap_pct:+.2f}% "
                  f"vs optimum, training {r.train_s:.1f} s, evaluation run {r.execute_s:.2f} s "
                  f"-> {'PASS' if ok else 'FAIL'} (<= 5%, < 180 s)")
        print(f"  afterstate table gap over {len(f)} seeds: {spread(f['gap_pct'])}")
        print_row("full budget", f)
    if "invmanagement" in a.parts:
        g = invmanagement_target(seeds, ReinforceConfig(iterations=a.pg_iterations))
        bs = g["base_stock_reward"].iloc[0]
        print(f"InvManagement-v0: tuned echelon base stock {g['base_stock_levels'].iloc[0]} earns {bs:.2f}; "
              f"never ordering earns {g['never_order_reward'].iloc[0]:.2f}")
        for r in g.itertuples():
            print(f"  REINFORCE seed {r.seed}: reward {r.reward:.2f} (95% CI {r.ci_low:.2f}-{r.ci_high:.2f}) "
                  f"= {r.ratio_pct:.1f}% of tuned base stock, training {r.train_s:.1f} s "
                  f"-> {'PASS' if r.ratio_pct >= 95 else 'FAIL'} (>= 95%)")
    print(f"# total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
