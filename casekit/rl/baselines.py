"""Baseline policies and evaluation for the RL environments.

A *policy* here is any callable ``policy(core) -> actions`` that reads a batch core
(:class:`~casekit.rl.serial.SerialCore` or :class:`~casekit.rl.invmanagement.InvManagementCore`,
B copies) and returns whole order quantities of shape (B, stages), downstream first.  The same
object drives one gymnasium environment through :func:`act`, and B copies at once in
:func:`evaluate_serial` / :func:`evaluate_invmanagement` (common random numbers: every policy
evaluated with one seed sees the same demand).

Baselines: :class:`EchelonBaseStockPolicy` (levels tuned by simulation with
:func:`tune_base_stock`, or the Clark–Scarf optimum of
:func:`casekit.multiechelon.optimize_serial` on a serial system), :class:`NeverOrder`,
:class:`RandomPolicy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import gymnasium as gym
import numpy as np

from casekit.metrics import mean_ci
from casekit.network import Network
from casekit.rl.invmanagement import InvManagementCore, InvManagementParams
from casekit.rl.serial import SerialCore, default_network
from casekit.validate import check_choice, check_int

__all__ = ["EchelonBaseStockPolicy", "NeverOrder", "RandomPolicy", "Evaluation", "act",
           "evaluate_serial", "evaluate_invmanagement", "tune_base_stock", "order_limits",
           "ScaledActions"]


def order_limits(core) -> np.ndarray:
    """Largest allowed order per stage (downstream first): the capacities c_i of OR-Gym's
    system, ``max_order`` of a serial environment (attribute set by the caller)."""
    if isinstance(core, InvManagementCore):
        return core.c.copy()
    return np.full(core.n, float(getattr(core, "max_order", np.inf)))


@dataclass(frozen=True)
class EchelonBaseStockPolicy:
    """Order up to echelon level S_i: a_i = min(max(S_i - IP_i, 0), limit_i), with IP_i the echelon
    inventory position before ordering (downstream first)."""

    levels: tuple

    def __post_init__(self):
        lv = np.atleast_1d(np.asarray(self.levels, dtype=float))
        if lv.ndim != 1 or np.any(~np.isfinite(lv)):
            raise ValueError(f"levels must be finite numbers, one per stage, got {self.levels!r}")
        object.__setattr__(self, "levels", tuple(float(v) for v in lv))

    def __call__(self, core) -> np.ndarray:
        E = core.echelon_position()
        if E.shape[1] != len(self.levels):
            raise ValueError(f"levels has {len(self.levels)} values, the system has {E.shape[1]} stages")
        a = np.maximum(np.asarray(self.levels)[None, :] - E, 0.0)
        return np.minimum(np.round(a), order_limits(core)[None, :])


class NeverOrder:
    """Never order: the system lives on its initial stock."""

    def __call__(self, core) -> np.ndarray:
        return np.zeros((core.B, order_limits(core).size))


class RandomPolicy:
    """Uniform random whole orders between 0 and ``high`` (default: each stage's limit)."""

    def __init__(self, seed=None, high=None):
        self.rng = np.random.default_rng(seed)
        self.high = high

    def __call__(self, core) -> np.ndarray:
        lim = order_limits(core) if self.high is None else np.broadcast_to(
            np.asarray(self.high, dtype=float), order_limits(core).shape)
        lim = np.where(np.isfinite(lim), lim, 0.0)
        return np.floor(self.rng.random((core.B, lim.size)) * (lim + 1))


def act(env: gym.Env, policy: Callable) -> np.ndarray:
    """The action ``policy`` takes in a single environment's current state (int array)."""
    core = env.unwrapped.core
    if isinstance(core, SerialCore):
        core.max_order = env.unwrapped.max_order
    return np.asarray(policy(core)[0]).astype(np.int64)


@dataclass(frozen=True)
class Evaluation:
    """Mean performance over independent copies with a 95% confidence interval.

    ``mean`` is a cost per period (serial) or a discounted episode reward (OR-Gym);
    ``per_copy`` holds one value per replication / episode."""

    mean: float
    ci_low: float
    ci_high: float
    per_copy: np.ndarray
    measure: str


def evaluate_serial(policy: Callable, network: Network | None = None, *, periods: int = 2000,
                    replications: int = 10, warmup: int = 100, seed=0, unmet: str = "backorder",
                    max_order: int = 50, initial_stock=None) -> Evaluation:
    """Average cost per period of ``policy`` on ``network`` (default: the chapter's two-stage
    system), over ``replications`` copies of ``periods`` periods after a warm-up, simulated with
    the simulation chapter's dynamics (:class:`~casekit.rl.serial.SerialCore`)."""
    network = default_network() if network is None else network
    periods = check_int("periods", periods, minimum=1)
    replications = check_int("replications", replications, minimum=1)
    warmup = check_int("warmup", warmup, minimum=0)
    core = SerialCore(network, unmet, replications)
    core.max_order = check_int("max_order", max_order, minimum=1)
    core.reset(core.draw(warmup + periods, seed), initial_stock)
    total = np.zeros(replications)
    while not core.done:
        cost = core.step(policy(core))
        if core.t > warmup:
            total += cost
    per = total / periods
    m, lo, hi = mean_ci(per)
    return Evaluation(m, lo, hi, per, "cost per period")


def evaluate_invmanagement(policy: Callable, *, episodes: int = 1000, seed=0,
                           params: InvManagementParams | None = None, **kwargs) -> Evaluation:
    """Mean total (discounted) episode reward of ``policy`` in OR-Gym's system over ``episodes``
    episodes (``params`` or keyword arguments of :class:`InvManagementParams`; default
    ``casekit/InvManagement-v0``)."""
    par = params if params is not None else InvManagementParams(**kwargs)
    episodes = check_int("episodes", episodes, minimum=1)
    core = InvManagementCore(par, episodes)
    core.reset(par.draw_demand(np.random.default_rng(seed), episodes))
    total = np.zeros(episodes)
    while not core.done:
        a = np.asarray(policy(core), dtype=float)
        r, _ = core.step(a)
        total += r
    m, lo, hi = mean_ci(total)
    return Evaluation(m, lo, hi, total, "episode reward")


def tune_base_stock(system: str = "invmanagement", *, start=None, episodes: int = 500, seed=0,
                    network: Network | None = None, periods: int = 1000, replications: int = 4,
                    max_order: int = 50, params: InvManagementParams | None = None,
                    steps=(16, 8, 4, 2, 1), max_rounds: int = 50) -> tuple[EchelonBaseStockPolicy, float]:
    """Echelon base-stock levels tuned by simulation: a coordinate search over whole levels
    (each level moved by ``steps[k]`` up or down while that improves, then a finer step), every
    candidate judged on the same random numbers (common random numbers).

    ``system="invmanagement"`` maximises the mean episode reward of OR-Gym's system
    (``params``, default v0); ``"serial"`` minimises the cost per period of ``network``.
    Returns the policy and its value (reward or cost) on the tuning draws.
    """
    check_choice("system", system, ("invmanagement", "serial"))
    if system == "invmanagement":
        par = params or InvManagementParams()
        mu = float(par.demand.mean()) if hasattr(par.demand, "mean") else float(np.mean(par.demand))
        if start is None:
            start = mu * (np.cumsum(par.lead_time) + 1)

        def value(S):
            return -evaluate_invmanagement(EchelonBaseStockPolicy(S), episodes=episodes, seed=seed,
                                           params=par).mean
    else:
        network = default_network() if network is None else network
        if start is None:
            ids = network.downstream_first()
            mu = max(network.demand_mean(i) for i in ids)
            start = mu * (np.cumsum([network.replenishment_time(i) for i in ids]) + 1)

        def value(S):
            return evaluate_serial(EchelonBaseStockPolicy(S), network, periods=periods,
                                   replications=replications, seed=seed, max_order=max_order).mean
    S = np.round(np.asarray(start, dtype=float))
    seen: dict = {}

    def f(x):
        key = tuple(x)
        if key not in seen:
            seen[key] = value(x)
        return seen[key]

    best = f(S)
    for step in steps:
        for _ in range(max_rounds):
            improved = False
            for i in range(S.size):
                for d in (step, -step):
                    x = S.copy()
                    x[i] = max(x[i] + d, 0.0)
                    v = f(x)
                    if v < best - 1e-12:
                        S, best, improved = x, v, True
                        break
            if not improved:
                break
    return EchelonBaseStockPolicy(tuple(S)), (-best if system == "invmanagement" else best)


class ScaledActions(gym.ActionWrapper):
    """Continuous actions in [-1, 1]^n mapped to whole orders 0..high (for PPO-style agents
    such as stable-baselines3's, which want a symmetric box): a -> round((a + 1) / 2 * high)."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.high = np.asarray(env.action_space.nvec, dtype=float) - 1
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=self.high.shape, dtype=np.float32)

    def action(self, action):
        a = np.clip(np.asarray(action, dtype=float), -1.0, 1.0)
        return np.round((a + 1.0) / 2.0 * self.high).astype(np.int64)
