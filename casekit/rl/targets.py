"""The reinforcement-learning chapter's yardsticks, measured, and the "Simulation + RL hybrid" row of the paper's Table 2.

* :func:`serial_target`: tabular Q-learning on the two-stage serial system (Poisson(5) demand,
  lead times (1, 1), echelon holding costs (2, 1), stockout cost 19), judged against the exact
  Clark–Scarf optimum of :func:`casekit.multiechelon.optimize_serial`.
* :func:`invmanagement_target`: REINFORCE on ``casekit/InvManagement-v0`` judged against echelon
  base stock tuned by simulation.
* :func:`table2_row`: the RL row of Table 2 (training time, execution time, % of optimal), in
  the columns of :func:`casekit.optimization.comparison.compare_methods`, so the optimisation
  chapter's notebook can ``pd.concat`` it under its rows before calling ``table2``.

"Simulation + RL hybrid": the agent learns by interacting with casekit's simulator (the
simulation chapter's dynamics) and the simulator then measures the learned policy.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from casekit.rl.agents import QLearningConfig, ReinforceConfig, q_learning, reinforce, serial_state_box
from casekit.rl.baselines import (EchelonBaseStockPolicy, evaluate_invmanagement, evaluate_serial,
                                  tune_base_stock)
from casekit.rl.serial import default_network

__all__ = ["serial_target", "invmanagement_target", "table2_row", "quick_experiment", "TABLE2_METHOD"]

TABLE2_METHOD = "Simulation + RL hybrid"


def serial_target(seeds=(0, 1, 2), config: QLearningConfig | None = None, *, network=None,
                  eval_periods: int = 5000, eval_replications: int = 20, eval_seed: int = 2024) -> pd.DataFrame:
    """Train Q-learning with each seed and simulate the learned policy.

    One row per seed: ``train_s`` (training time, evaluation checkpoints excluded),
    ``execute_s`` (time to simulate the learned policy for eval_periods x eval_replications
    periods), ``cost`` (its simulated cost per period, with ``ci_low``/``ci_high``),
    ``optimal_cost`` (Clark–Scarf, exact), ``optimal_simulated`` (the optimal echelon base-stock
    policy simulated on the same random numbers), ``gap_pct`` = 100 (cost / optimal - 1),
    ``pct_of_optimal`` = 100 optimal / cost.
    """
    from casekit.multiechelon import optimize_serial

    network = default_network() if network is None else network
    opt = optimize_serial(network)
    _, _, max_order = serial_state_box(network)
    kw = dict(periods=eval_periods, replications=eval_replications, warmup=100, seed=eval_seed,
              max_order=max_order)
    star = evaluate_serial(EchelonBaseStockPolicy(opt.base_stock), network, **kw)
    rows = []
    for seed in seeds:
        res = q_learning(network, config, seed=seed)
        t0 = time.perf_counter()
        ev = evaluate_serial(res.policy, network, **kw)
        run_s = time.perf_counter() - t0
        rows.append({"seed": seed, "train_s": res.seconds, "execute_s": run_s, "cost": ev.mean,
                     "ci_low": ev.ci_low, "ci_high": ev.ci_high, "optimal_cost": opt.cost,
                     "optimal_simulated": star.mean, "gap_pct": 100 * (ev.mean / opt.cost - 1),
                     "pct_of_optimal": 100 * opt.cost / ev.mean})
    return pd.DataFrame(rows)


def invmanagement_target(seeds=(0, 1, 2), config: ReinforceConfig | None = None, *, params=None,
                         eval_episodes: int = 2000, eval_seed: int = 2024) -> pd.DataFrame:
    """Train REINFORCE on OR-Gym's system (default ``InvManagement-v0``) with each seed.

    One row per seed: ``train_s``, ``reward`` of the learned (mean) policy, ``base_stock_reward``
    of echelon base stock tuned by simulation (tuned on other draws than it is judged on),
    ``base_stock_levels``, ``ratio_pct`` = 100 reward / base-stock reward, and the never-order
    reward for scale.
    """
    from casekit.rl.baselines import NeverOrder

    bs, _ = tune_base_stock("invmanagement", params=params, episodes=500, seed=eval_seed + 1)
    kw = dict(episodes=eval_episodes, seed=eval_seed, params=params)
    bs_r = evaluate_invmanagement(bs, **kw).mean
    never = evaluate_invmanagement(NeverOrder(), **kw).mean
    rows = []
    for seed in seeds:
        res = reinforce("invmanagement", config, seed=seed, params=params)
        ev = evaluate_invmanagement(res.policy, **kw)
        rows.append({"seed": seed, "train_s": res.seconds, "reward": ev.mean, "ci_low": ev.ci_low,
                     "ci_high": ev.ci_high, "base_stock_reward": bs_r, "base_stock_levels": bs.levels,
                     "never_order_reward": never, "ratio_pct": 100 * ev.mean / bs_r})
    return pd.DataFrame(rows)


def table2_row(seeds=(0, 1, 2), config: QLearningConfig | None = None, *, frame: pd.DataFrame | None = None,
               **kwargs) -> pd.DataFrame:
    """The "Simulation + RL hybrid" row of Table 2, measured: one row in the columns of
    :func:`casekit.optimization.comparison.compare_methods` plus ``execution_s``.

    The instance is the chapter's two-stage serial system (RL does not solve the facility
    location instances of the other rows; the % of optimal is against that system's exact
    Clark–Scarf optimum).  ``objective`` is the learned policy's simulated cost per period and
    ``runtime_s`` its training time, both averaged over ``seeds``; ``execution_s`` the time to
    simulate it; ``pct_of_optimal`` = 100 optimum / cost (100 % is optimal).  Pass ``frame``
    (a :func:`serial_target` result) to reuse measurements already made.

    >>> import pandas as pd                                          # doctest: +SKIP
    >>> from casekit.optimization import compare_methods, table2      # doctest: +SKIP
    >>> frame = pd.concat([compare_methods(instances), table2_row()]) # doctest: +SKIP
    >>> table2(frame, claims={**PAPER_CLAIMS, TABLE2_METHOD: "..."})  # doctest: +SKIP
    """
    f = serial_target(seeds, config, **kwargs) if frame is None else frame
    opt = float(f["optimal_cost"].iloc[0])
    cost = float(f["cost"].mean())
    return pd.DataFrame([{
        "instance": "serial-2 Poisson(5)", "size": "2 stages", "m": 2, "n": 1, "method": TABLE2_METHOD,
        "objective": cost, "runtime_s": float(f["train_s"].mean()), "proven_optimal": False,
        "lower_bound": np.nan, "reference": opt, "reference_kind": "Clark-Scarf optimum (exact)",
        "pct_of_optimal": 100.0 * opt / cost, "execution_s": float(f["execute_s"].mean()),
        "seeds": len(f), "worst_pct_of_optimal": float(f["pct_of_optimal"].min()),
    }])


def quick_experiment(periods: int = 1000, gamma: float = 0.95, seed: int = 0, *, copies: int = 64,
                     afterstate: bool = True, stockout_cost: float = 19.0, eval_periods: int = 1000,
                     eval_replications: int = 8) -> dict:
    """A small Q-learning run on the two-stage system (Poisson(5), L = (1, 1), h = (2, 1)) with
    stockout cost p, for the chapter's widget: the learned policy's simulated cost, the
    Clark–Scarf optimum, the gap, the optimal policy simulated on the same draws, the curve."""
    from casekit.multiechelon import optimize_serial
    from casekit.network import serial
    from scipy.stats import poisson

    net = serial([2, 1], [1, 1], stockout_cost, poisson(5))
    cfg = QLearningConfig(periods=periods, copies=copies, gamma=gamma, afterstate=afterstate, checkpoints=5,
                          eval_periods=eval_periods, eval_replications=eval_replications)
    res = q_learning(net, cfg, seed=seed)
    opt = optimize_serial(net)
    kw = dict(periods=eval_periods, replications=eval_replications, warmup=50, seed=seed + 1000,
              max_order=res.policy.max_order)
    learned = evaluate_serial(res.policy, net, **kw).mean
    star = evaluate_serial(EchelonBaseStockPolicy(opt.base_stock), net, **kw).mean
    return {"cost": learned, "optimal_cost": opt.cost, "optimal_simulated": star,
            "gap_pct": 100 * (learned / opt.cost - 1), "base_stock": opt.base_stock,
            "train_s": res.seconds, "curve": res.curve}
