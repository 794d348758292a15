"""The reinforcement-learning chapter's yardsticks, measured, and the "Simulation + RL hybrid" row of the paper's Table 2.

* :func:`serial_target`: tabular Q-learning on the two-stage serial system (Poisson(5) demand,
  lead times (1, 1), echelon holding costs (2, 1), stockout cost 19), judged against the exact
  Clark–Scarf optimum of :func:`casekit.multiechelon.optimize_serial`;
  :func:`measure_serial` judges one trained agent the same way (chapter 17 calls it on its own
  agent, so the chapter and the table measure alike).
* :func:`table_comparison`: the plain and the afterstate Q-table, trained on the same budget
  with each seed and judged on the same draws (how much each one's gap moves with the seed).
* :func:`invmanagement_target`: REINFORCE on ``casekit/InvManagement-v0`` judged against echelon
  base stock tuned by simulation.
* :func:`table2_row`: the RL row of Table 2 (training time, execution time, % of optimal), in
  the columns of :func:`casekit.optimization.comparison.compare_methods`, so the optimisation
  chapter's notebook can ``pd.concat`` it under its rows before calling ``table2``.

"Simulation + RL hybrid": the agent learns by interacting with casekit's simulator (the
simulation chapter's dynamics) and the simulator then measures the learned policy.

How a learned policy is judged (every function here, the same way)
-------------------------------------------------------------------
The reference system is :func:`casekit.rl.serial.default_network` (another serial network can be
passed; its optimum is then computed the same way).  The learned policy runs for
``eval_replications`` copies of ``EVAL_WARMUP + eval_periods`` periods on the evaluation draws
of seed ``EVAL_SEED`` (training draws its demand from other streams), the warm-up is dropped, and
its mean cost per period C is compared with the exact Clark–Scarf optimum C*:
gap = 100 (C / C* - 1) %, % of optimal = 100 C* / C (100 % is optimal; a policy as good as the
optimum can read a little above 100 % because C is simulated).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from casekit.rl.agents import QLearningConfig, ReinforceConfig, q_learning, reinforce, serial_state_box
from casekit.rl.baselines import (EchelonBaseStockPolicy, evaluate_invmanagement, evaluate_serial,
                                  tune_base_stock)
from casekit.rl.serial import default_network
from casekit.validate import check_int

__all__ = ["serial_target", "measure_serial", "table_comparison", "invmanagement_target", "table2_row",
           "quick_experiment", "TABLE2_METHOD", "EVAL_SEED", "EVAL_WARMUP"]

TABLE2_METHOD = "Simulation + RL hybrid"
#: Seed of the evaluation draws on which a learned policy is judged.
EVAL_SEED = 2024
#: Periods simulated and dropped before the evaluation's cost is counted.
EVAL_WARMUP = 100


class _Timed:
    """A policy wrapper that adds up the time spent inside the policy (its decisions alone) and,
    for a policy with a state box (``low``, ``high``: a Q-table's), counts the decisions taken
    with the echelon positions outside it (states the table cannot tell apart)."""

    def __init__(self, policy):
        self.policy, self.seconds, self.outside, self.decisions = policy, 0.0, 0, 0
        self.box = (policy.low, policy.high) if hasattr(policy, "low") and hasattr(policy, "high") else None

    def __call__(self, core):
        if self.box is not None:
            E = core.echelon_position()
            self.outside += int(((E < self.box[0]) | (E > self.box[1])).any(axis=1).sum())
            self.decisions += E.shape[0]
        t0 = time.perf_counter()
        a = self.policy(core)
        self.seconds += time.perf_counter() - t0
        return a


def measure_serial(result, network=None, *, eval_periods: int = 5000, eval_replications: int = 20,
                   eval_seed: int = EVAL_SEED, optimum=None, optimal_simulated: float | None = None) -> dict:
    """Judge one trained agent (a :func:`casekit.rl.agents.q_learning` result) on ``network``
    (default: the reference two-stage system) as the module docstring says.

    Returns one row (a dict): ``seed``, ``train_s`` (training time, evaluation checkpoints
    excluded); ``execute_s``, the wall-clock seconds of the evaluation run (the learned policy
    deciding both stages' orders in every period of ``eval_replications`` copies of
    ``EVAL_WARMUP + eval_periods`` periods, and the simulator playing them out), ``decisions``
    (copies × periods of that run), ``decision_us`` (the policy's own time per decision, in
    microseconds: one copy, one period, every stage's order); ``cost`` (simulated cost per period,
    mean over the copies, with ``ci_low``/``ci_high``; ``median_cost`` the median copy's),
    ``optimal_cost`` (Clark–Scarf, exact; ``optimum`` an
    :func:`~casekit.multiechelon.optimize_serial` result, computed when not given),
    ``optimal_simulated`` (the optimal echelon base-stock policy on the same draws, simulated
    unless given), ``gap_pct`` = 100 (cost / optimum - 1), ``pct_of_optimal`` = 100 optimum / cost,
    ``pct_of_simulated_optimal`` = 100 optimal_simulated / cost (the same comparison on common random
    numbers: the evaluation draws' own noise, which moves both costs alike, cancels),
    and ``runaway_copies``: evaluation copies whose cost per period exceeds 10 times the optimum
    (the policy has left the states it learned and does not come back; such a copy's cost keeps
    growing with the length of the run, so the mean is then no stationary cost per period), and
    for a Q-table policy ``outside_box_pct``, the share of decisions taken with the echelon
    positions outside the table's box (NaN for a policy without one).
    """
    from casekit.multiechelon import optimize_serial

    network = default_network() if network is None else network
    opt = optimize_serial(network) if optimum is None else optimum
    kw = dict(periods=check_int("eval_periods", eval_periods, minimum=1),
              replications=check_int("eval_replications", eval_replications, minimum=1),
              warmup=EVAL_WARMUP, seed=eval_seed,
              max_order=getattr(result.policy, "max_order", None) or serial_state_box(network)[2])
    if optimal_simulated is None:
        optimal_simulated = evaluate_serial(EchelonBaseStockPolicy(opt.base_stock), network, **kw).mean
    timed = _Timed(result.policy)
    t0 = time.perf_counter()
    ev = evaluate_serial(timed, network, **kw)
    run_s = time.perf_counter() - t0
    decisions = eval_replications * (EVAL_WARMUP + eval_periods)
    return {"seed": result.seed, "train_s": result.seconds, "execute_s": run_s, "decisions": decisions,
            "decision_us": 1e6 * timed.seconds / decisions, "cost": ev.mean, "ci_low": ev.ci_low,
            "ci_high": ev.ci_high, "median_cost": float(np.median(ev.per_copy)), "optimal_cost": opt.cost,
            "optimal_simulated": float(optimal_simulated),
            "gap_pct": 100 * (ev.mean / opt.cost - 1), "pct_of_optimal": 100 * opt.cost / ev.mean,
            "pct_of_simulated_optimal": 100 * float(optimal_simulated) / ev.mean,
            "runaway_copies": int((ev.per_copy > 10 * opt.cost).sum()),
            "outside_box_pct": 100 * timed.outside / timed.decisions if timed.decisions else float("nan")}


def serial_target(seeds=(0, 1, 2), config: QLearningConfig | None = None, *, network=None,
                  eval_periods: int = 5000, eval_replications: int = 20, eval_seed: int = EVAL_SEED) -> pd.DataFrame:
    """Train Q-learning with each seed and judge the learned policy with :func:`measure_serial`
    (one row per seed, its columns)."""
    from casekit.multiechelon import optimize_serial

    network = default_network() if network is None else network
    opt = optimize_serial(network)
    _, _, max_order = serial_state_box(network)
    star = evaluate_serial(EchelonBaseStockPolicy(opt.base_stock), network, periods=eval_periods,
                           replications=eval_replications, warmup=EVAL_WARMUP, seed=eval_seed,
                           max_order=max_order).mean
    rows = [measure_serial(q_learning(network, config, seed=seed), network, eval_periods=eval_periods,
                           eval_replications=eval_replications, eval_seed=eval_seed, optimum=opt,
                           optimal_simulated=star)
            for seed in seeds]
    return pd.DataFrame(rows)


def table_comparison(seeds=(0, 1, 2, 3, 4), config: QLearningConfig | None = None, *, network=None,
                     eval_periods: int = 2000, eval_replications: int = 8,
                     eval_seed: int = EVAL_SEED) -> pd.DataFrame:
    """The plain Q-table and the afterstate table trained with each seed on the same budget
    (``config``, its ``afterstate`` overridden; default the chapter's 1,500 periods on 128
    copies) and judged as :func:`measure_serial` does, on the same draws.

    One row per seed and table (``table`` = "plain" or "afterstate"): the columns of
    :func:`measure_serial`, plus ``visited_pct``, the share of the table's entries updated at
    least once in training.
    """
    from dataclasses import replace

    from casekit.multiechelon import optimize_serial

    network = default_network() if network is None else network
    base = config or QLearningConfig(periods=1500, copies=128, checkpoints=1, eval_periods=500,
                                     eval_replications=4)
    opt = optimize_serial(network)
    _, _, max_order = serial_state_box(network)
    kw = dict(periods=eval_periods, replications=eval_replications, warmup=EVAL_WARMUP, seed=eval_seed,
              max_order=max_order)
    star = evaluate_serial(EchelonBaseStockPolicy(opt.base_stock), network, **kw).mean
    rows = []
    for seed in seeds:
        for name, flag in (("plain", False), ("afterstate", True)):
            res = q_learning(network, replace(base, afterstate=flag), seed=seed)
            row = measure_serial(res, network, eval_periods=eval_periods, eval_replications=eval_replications,
                                 eval_seed=eval_seed, optimum=opt, optimal_simulated=star)
            rows.append({"table": name, **row, "visited_pct": 100 * float((res.info["visits"] > 0).mean())})
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
    :func:`casekit.optimization.comparison.compare_methods` plus the execution time.

    The instance is the chapter's two-stage serial system (RL does not solve the facility
    location instances of the other rows; the % of optimal is against that system's exact
    Clark–Scarf optimum), judged as the module docstring says, as chapter 17 judges its agent.
    Averaged over ``seeds``: ``objective`` (the learned policy's simulated cost per period),
    ``runtime_s`` (training time), ``execution_s`` (wall-clock seconds of the evaluation run:
    ``execution_decisions`` decisions, each one copy's orders in one period, and the simulation
    around them) and ``decision_us`` (the policy's own time per decision, microseconds);
    ``pct_of_optimal`` = 100 optimum / ``objective`` (100 % is optimal), with the worst and the
    best seed's, and ``pct_of_simulated_optimal``, the same against the optimal policy simulated
    on the same draws.  Pass ``frame`` (rows of :func:`serial_target` or :func:`measure_serial`) to
    reuse measurements already made; ``kwargs`` go to :func:`serial_target`.

    >>> import pandas as pd                                          # doctest: +SKIP
    >>> from casekit.optimization import compare_methods, table2      # doctest: +SKIP
    >>> frame = pd.concat([compare_methods(instances), table2_row()]) # doctest: +SKIP
    >>> table2(frame, claims={**PAPER_CLAIMS, TABLE2_METHOD: "..."})  # doctest: +SKIP
    """
    f = serial_target(seeds, config, **kwargs) if frame is None else frame
    if len(f) == 0:
        raise ValueError("table2_row needs at least one measured seed, got an empty frame")
    opt = float(f["optimal_cost"].iloc[0])
    cost = float(f["cost"].mean())
    return pd.DataFrame([{
        "instance": "serial-2 Poisson(5)", "size": "2 stages", "m": 2, "n": 1, "method": TABLE2_METHOD,
        "objective": cost, "runtime_s": float(f["train_s"].mean()), "proven_optimal": False,
        "lower_bound": np.nan, "reference": opt, "reference_kind": "Clark-Scarf optimum (exact)",
        "pct_of_optimal": 100.0 * opt / cost, "execution_s": float(f["execute_s"].mean()),
        "execution_decisions": int(f["decisions"].iloc[0]), "decision_us": float(f["decision_us"].mean()),
        "seeds": len(f), "worst_pct_of_optimal": float(f["pct_of_optimal"].min()),
        "best_pct_of_optimal": float(f["pct_of_optimal"].max()),
        "pct_of_simulated_optimal": 100.0 * float(f["optimal_simulated"].iloc[0]) / cost,
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
