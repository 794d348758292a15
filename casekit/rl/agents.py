"""Learning agents in numpy (no deep-learning framework): tabular Q-learning and a linear
policy-gradient method (REINFORCE with a baseline).

Both train on B copies of an environment at once (the batch cores of :mod:`casekit.rl.serial`
and :mod:`casekit.rl.invmanagement`; like gymnasium's vector environments), are seeded (same
seed, same learned policy), return their learning curve, and give back a *policy*: a callable
``policy(core) -> orders`` that :func:`casekit.rl.baselines.evaluate_serial`,
:func:`~casekit.rl.baselines.evaluate_invmanagement` and :func:`~casekit.rl.baselines.act`
accept, like the baselines.

Tabular Q-learning (Watkins 1989; Sutton & Barto 2018, section 6.5)
-------------------------------------------------------------------
Q(s, a) <- Q(s, a) + α_N [ r + γ max_a' Q(s', a') - Q(s, a) ], ε-greedy exploration.

*State discretisation.*  The state s is the vector of echelon inventory positions
IP_1..IP_n (on hand + on order + in transit in the echelon - backorders, downstream first) read
just before ordering, each clipped to [low_i, high_i] and cut into bins of ``bin_width`` units;
s is the tuple of bin numbers.  This throws information away (how the echelon stock is split
between the stages and the pipeline) but keeps what Clark & Scarf show the optimal policy needs,
so the best policy of the discretised problem can be (close to) optimal.
*Actions.*  a is the vector of orders (q_1..q_n), each a whole number from 0 to ``max_order``;
the table has (bins)^n × (max_order + 1)^n entries.
*Rewards* are -cost / ``reward_scale``, and the cost of period t + 1 is credited to the decision
of period t: in casekit's period (:mod:`casekit.simulation`) an order placed in period t cannot
change period t's cost when every lead time is >= 1 (what a stage ships moves from its shelf to
the pipeline, both valued at its holding cost), so period t's cost belongs to the state, not to
the action, and crediting it to the action only adds noise.  γ < 1 turns the average-cost problem into a discounted
one (γ = 0.95: a horizon of about 20 periods, much longer than the lead times here).
*Step size.*  α_N = max(α_min, N^-0.6) for the N-th visit of (s, a): large early, small later.
Updates from several copies hitting the same (s, a) in one period are averaged.

Linear-Gaussian REINFORCE with a baseline (Williams 1992; Sutton & Barto section 13.4)
-------------------------------------------------------------------------------------
Stage i orders round(x_i) clipped to [0, limit_i], x_i ~ N(θ_i · φ(s), σ_i²), with features φ(s)
= (1, IP_1/scale, ..., IP_n/scale, t/T) (a linear function of the echelon positions and of time).
Each iteration plays B episodes, computes returns-to-go G_t, subtracts the batch mean of G_t
at each t (the baseline) and moves θ and log σ along ∇ log π × (G_t - b_t) with Adam.  Started
at "order the mean demand" (θ = (μ, 0, ..., 0)), it must discover the dependence on the position
by itself; a base-stock rule S_i - IP_i is one member of this policy class, and the time feature
lets it stop ordering near the end of a finite episode.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from casekit.network import Network
from casekit.rl.baselines import order_limits
from casekit.rl.invmanagement import InvManagementCore, InvManagementParams
from casekit.rl.serial import SerialCore, default_network
from casekit.validate import check_int, check_positive, check_probability

__all__ = ["q_update", "QLearningConfig", "QLearningPolicy", "q_learning", "LinearGaussianPolicy",
           "ReinforceConfig", "reinforce", "TrainingResult", "serial_state_box"]


@dataclass(frozen=True)
class TrainingResult:
    """What a training run returns.

    Attributes
    ----------
    policy : callable
        The learned policy (greedy / mean action), ``policy(core) -> orders``.
    curve : DataFrame
        The learning curve: one row per checkpoint (``step`` = periods or iterations done,
        ``transitions``, ``value`` = mean reward per period (Q-learning) or per episode (REINFORCE)
        of the exploring agent, ``eval`` = the same of the greedy policy on fixed evaluation draws
        when measured).
    seconds : float
        Wall-clock training time.
    seed : object
    """

    policy: object
    curve: object
    seconds: float
    seed: object
    info: dict = field(default_factory=dict, repr=False)


# --------------------------------------------------------------------------------------------
# tabular Q-learning
# --------------------------------------------------------------------------------------------

def q_update(q: float, reward: float, next_max: float, alpha: float, gamma: float) -> float:
    """One Q-learning update: Q + α (r + γ max_a' Q(s', a') - Q).

    >>> q_update(0.0, -10.0, -4.0, alpha=0.5, gamma=0.9)
    -6.8
    """
    return q + alpha * (reward + gamma * next_max - q)


def serial_state_box(network: Network) -> tuple[np.ndarray, np.ndarray, int]:
    """Default clipping box [low, high] of the echelon positions and largest order for
    Q-learning on ``network``: low_i = -2μ, high_i = μ(L_1 + ... + L_i + 1) + 4σ sqrt(L_1+...+L_i+1),
    max order = ceil(μ + 3σ) (μ, σ: demand per period at stage 1)."""
    ids = network.downstream_first()
    mu = float(network.demand_mean(ids[0]))
    sd = float(network.demand_sd(ids[0]))
    cum = np.cumsum([network.replenishment_time(i) for i in ids]) + 1
    low = np.full(len(ids), -np.ceil(2 * mu))
    high = np.ceil(mu * cum + 4 * sd * np.sqrt(cum))
    return low, high, int(np.ceil(mu + 3 * sd))


@dataclass(frozen=True)
class QLearningConfig:
    """Settings of :func:`q_learning` (defaults tuned for the chapter's two-stage system)."""

    periods: int = 6_000           # training periods (each on every copy)
    copies: int = 256              # B copies trained on at once
    gamma: float = 0.95
    epsilon_start: float = 1.0
    epsilon_end: float = 0.02
    alpha_min: float = 0.01
    bin_width: int = 1
    afterstate: bool = True        # table over after-order positions (see QLearningPolicy)
    episode_length: int = 500      # copies restart from a random state every so many periods
    reward_scale: float = 10.0
    checkpoints: int = 20
    eval_periods: int = 500
    eval_replications: int = 20

    def __post_init__(self):
        check_int("periods", self.periods, minimum=1)
        check_int("copies", self.copies, minimum=1)
        check_probability("gamma", self.gamma)
        check_int("bin_width", self.bin_width, minimum=1)
        check_int("episode_length", self.episode_length, minimum=1)
        check_positive("reward_scale", self.reward_scale)
        check_int("checkpoints", self.checkpoints, minimum=1)
        for name in ("epsilon_start", "epsilon_end"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {v}")


class QLearningPolicy:
    """Greedy policy of a Q-table over discretised echelon positions (see module docstring).

    ``afterstate=False``: a table Q[s, a] over (binned state, joint order).
    ``afterstate=True``: a table W[y] over the binned *post-decision* echelon positions
    y = IP + q - (part of the order the supplier cannot ship now), with Q(s, a) = W(y(s, a))
    (Sutton & Barto's "afterstates", section 6.8; Powell's post-decision state): y is what the
    order does before demand is known, every (s, a) that leads to the same y shares one value, and
    the table shrinks from (bins)^n (max_order+1)^n entries to (bins)^n.  A position outside the
    box takes the value of the nearest box cell minus ``outside_penalty`` per unit outside, so
    that, far from home, the greedy policy steers back into the box.
    """

    def __init__(self, low, high, bin_width: int, max_order: int, afterstate: bool = False):
        self.low = np.asarray(low, dtype=float)
        self.high = np.asarray(high, dtype=float)
        self.bin_width = int(bin_width)
        self.max_order = int(max_order)
        self.afterstate = bool(afterstate)
        self.outside_penalty = 1.0
        self.n = self.low.size
        self.bins = (np.floor((self.high - self.low) / self.bin_width) + 1).astype(int)
        self.n_states = int(np.prod(self.bins))
        self.n_actions = (self.max_order + 1) ** self.n
        self.Q = np.zeros(self.n_states if self.afterstate else (self.n_states, self.n_actions))
        # action index -> order vector, downstream first (stage 1 varies fastest)
        grid = np.indices([self.max_order + 1] * self.n).reshape(self.n, -1).T
        self.actions = grid[:, ::-1].astype(float)

    def state(self, E: np.ndarray) -> np.ndarray:
        """Flat bin index of echelon positions E (..., n)."""
        k = np.floor((np.clip(E, self.low, self.high) - self.low) / self.bin_width).astype(int)
        return np.ravel_multi_index(tuple(np.moveaxis(k, -1, 0)), tuple(self.bins))

    def after(self, parts, q: np.ndarray) -> np.ndarray:
        """Post-decision echelon positions of orders q (B, k, n) given ``SerialCore.order_parts``."""
        E, owed, avail = (x[:, None, :] for x in parts)
        return E + q - np.maximum(owed + q - avail, 0.0)

    def values(self, parts) -> np.ndarray:
        """Q(s, a) of every joint order a (``parts`` from ``SerialCore.order_parts``): (B, actions)."""
        if self.afterstate:
            # y_i depends on stage i's own order only, so work per stage on the (max_order + 1)
            # order values and combine the stages by broadcasting into the joint-order grid
            # (the same numbers as self.after(parts, self.actions) on every joint order, far cheaper)
            q = np.arange(self.max_order + 1, dtype=float)
            E, owed, avail = (x[:, :, None] for x in parts)                   # (B, n, 1)
            y = E + q - np.maximum(owed + q - avail, 0.0)                     # (B, n, orders)
            k = np.floor((np.clip(y, self.low[:, None], self.high[:, None]) - self.low[:, None])
                         / self.bin_width).astype(int)
            out = np.maximum(self.low[:, None] - y, 0.0) + np.maximum(y - self.high[:, None], 0.0)
            B = y.shape[0]
            flat, penalty = np.zeros((B,) + (1,) * self.n, dtype=int), 0.0
            strides = np.cumprod(np.r_[self.bins[1:], 1][::-1])[::-1]        # C order, stage 1 slowest
            for i in range(self.n):                                           # stage 1 varies fastest in a
                shape = [B] + [1] * self.n
                shape[self.n - i] = self.max_order + 1
                flat = flat + (k[:, i] * strides[i]).reshape(shape)
                penalty = penalty + out[:, i].reshape(shape)
            return (self.Q[flat] - self.outside_penalty * penalty).reshape(B, -1)
        return self.Q[self.state(parts[0])]

    def _outside(self, y: np.ndarray) -> np.ndarray:
        """Units by which post-decision positions y fall outside the box [low, high]."""
        return (np.maximum(self.low - y, 0.0) + np.maximum(y - self.high, 0.0)).sum(axis=-1)

    def cell(self, parts, a: np.ndarray) -> np.ndarray:
        """Flat index of the table entry that taking joint order a in ``parts`` updates."""
        if self.afterstate:
            return self.state(self.after(parts, self.actions[a][:, None, :])[:, 0, :])
        return self.state(parts[0]) * self.n_actions + a

    def greedy(self, parts) -> np.ndarray:
        return np.argmax(self.values(parts), axis=1)

    def __call__(self, core) -> np.ndarray:
        return self.actions[self.greedy(core.order_parts())]

    def table(self):
        """The greedy orders as a DataFrame, one row per (binned) echelon position, for a system
        in which no supplier owes anything and suppliers have stock (orders are shipped in full)."""
        import pandas as pd

        idx = np.arange(self.n_states)
        k = np.array(np.unravel_index(idx, tuple(self.bins))).T
        E = self.low + k * self.bin_width
        parts = (E, np.zeros_like(E), np.full_like(E, np.inf))
        a = self.actions[self.greedy(parts)]
        cols = {f"IP_{i + 1}": E[:, i] for i in range(self.n)}
        cols.update({f"order_{i + 1}": a[:, i] for i in range(self.n)})
        return pd.DataFrame(cols)


def q_learning(network: Network | None = None, config: QLearningConfig | None = None, *, seed=0,
               low=None, high=None, max_order: int | None = None, unmet: str = "backorder",
               eval_seed: int = 12345) -> TrainingResult:
    """Tabular Q-learning on ``network`` (default: the chapter's two-stage system), trained on
    ``config.copies`` copies of the simulation at once.

    Parameters
    ----------
    network : Network, optional
        Serial network (``casekit/SerialInventory-v0``'s dynamics).
    config : QLearningConfig, optional
    seed : int or Generator
        Everything random in training (demand, exploration, restarts).
    low, high, max_order : optional
        The state box and the largest order (default :func:`serial_state_box`).

    Returns
    -------
    TrainingResult
        ``.policy`` a :class:`QLearningPolicy`; ``.curve`` with the mean cost per period of the
        exploring agent (``value``) and of the greedy policy (``eval``, common evaluation draws).
    """
    from casekit.rl.baselines import evaluate_serial

    network = default_network() if network is None else network
    cfg = config or QLearningConfig()
    dl, dh, dm = serial_state_box(network)
    low = dl if low is None else np.asarray(low, dtype=float)
    high = dh if high is None else np.asarray(high, dtype=float)
    max_order = dm if max_order is None else check_int("max_order", max_order, minimum=1)
    pol = QLearningPolicy(low, high, cfg.bin_width, max_order, cfg.afterstate)
    # start: every entry worth paying p for each unit of mean demand in every period, discounted.
    # In the states the system usually occupies, tried entries soon rise above it, so there the
    # greedy policy keeps to what it has tried (exploration comes from epsilon, not from optimism).
    # It is not a lower bound: a backlog costs p per unit per period and can grow, so in states
    # deep in backlog tried entries sink below the start and the greedy policy prefers an untried
    # order there.  With few visits per entry (the plain table) the greedy policy can then leave
    # the box and never come back; chapter 17 counts such "runaway" copies.
    p = float(sum(network.stage(i).stockout_cost or 0.0 for i in network.demand_stages))
    mu = float(sum(network.demand_mean(i) for i in network.demand_stages))
    pol.Q[...] = -p * mu / cfg.reward_scale / (1 - cfg.gamma)
    rng = np.random.default_rng(seed)
    B = cfg.copies
    core = SerialCore(network, unmet, B)
    core.max_order = max_order
    N = np.zeros(pol.Q.shape)
    T = cfg.periods
    L = cfg.episode_length
    every = max(1, T // cfg.checkpoints)
    rows = []
    t0 = time.perf_counter()
    eval_time = 0.0
    running, count = 0.0, 0
    step = 0
    while step < T:
        span = min(L, T - step)
        init = rng.integers(0, max_order + 1, size=(core.n, B)).T.astype(float)
        core.reset(core.draw(span, rng), init)
        prev = None                                  # (state parts, action) of the last period
        while not core.done:
            E = core.order_parts()
            eps = cfg.epsilon_start + (cfg.epsilon_end - cfg.epsilon_start) * min(1.0, step / (0.8 * T))
            vals = pol.values(E)
            a = np.argmax(vals, axis=1)
            explore = rng.random(B) < eps
            a = np.where(explore, rng.integers(0, pol.n_actions, size=B), a)
            cost = core.step(pol.actions[a])
            if prev is not None:
                # the cost of this period is credited to last period's decision (see docstring)
                target = -cost / cfg.reward_scale + cfg.gamma * vals.max(axis=1)
                flat = pol.cell(*prev)
                uniq, inv, cnt = np.unique(flat, return_inverse=True, return_counts=True)
                td = np.bincount(inv, weights=target - pol.Q.flat[flat]) / cnt
                N.flat[uniq] += 1
                alpha = np.maximum(cfg.alpha_min, N.flat[uniq] ** -0.6)
                pol.Q.flat[uniq] += alpha * td
            prev = (E, a)
            running += cost.mean()
            count += 1
            step += 1
            if step % every == 0 or step == T:
                te = time.perf_counter()
                ev = evaluate_serial(pol, network, periods=cfg.eval_periods, replications=cfg.eval_replications,
                                     warmup=50, seed=eval_seed, unmet=unmet, max_order=max_order).mean
                eval_time += time.perf_counter() - te
                rows.append({"step": step, "transitions": step * B, "epsilon": eps,
                             "value": running / count, "eval": ev})
                running, count = 0.0, 0
    import pandas as pd

    seconds = time.perf_counter() - t0 - eval_time
    return TrainingResult(pol, pd.DataFrame(rows), seconds, seed,
                          {"visits": N, "eval_seconds": eval_time})


# --------------------------------------------------------------------------------------------
# REINFORCE with a linear-Gaussian policy
# --------------------------------------------------------------------------------------------

class LinearGaussianPolicy:
    """x_i ~ N(θ_i · φ(s), σ_i²), order round(x_i) clipped to [0, limit_i]; φ(s) = (1, IP/scale,
    t/T).  Called on a core it returns the mean action (no noise): the learned policy."""

    def __init__(self, n: int, scale: float, horizon: int, init_order: float):
        self.n = n
        self.scale = float(scale)
        self.horizon = int(horizon)
        self.theta = np.zeros((n, n + 2))
        self.theta[:, 0] = init_order
        self.log_sigma = np.zeros(n)

    def features(self, core) -> np.ndarray:
        E = core.echelon_position()
        t = np.full((E.shape[0], 1), core.t / self.horizon)
        return np.concatenate([np.ones((E.shape[0], 1)), E / self.scale, t], axis=1)

    def mean(self, phi: np.ndarray) -> np.ndarray:
        return phi @ self.theta.T

    def to_orders(self, x: np.ndarray, core) -> np.ndarray:
        return np.clip(np.round(x), 0.0, order_limits(core)[None, :])

    def __call__(self, core) -> np.ndarray:
        return self.to_orders(self.mean(self.features(core)), core)


@dataclass(frozen=True)
class ReinforceConfig:
    """Settings of :func:`reinforce`."""

    iterations: int = 300
    episodes: int = 256            # episodes per iteration (B copies)
    learning_rate: float = 0.5     # Adam step on θ (order units)
    sigma_learning_rate: float = 0.02
    sigma_start: float = 10.0
    sigma_min: float = 1.0
    scale: float = 100.0           # IP / scale in the features
    checkpoints: int = 20
    eval_episodes: int = 500
    periods: int = 50              # episode length on a serial network (OR-Gym: its own T)

    def __post_init__(self):
        check_int("iterations", self.iterations, minimum=1)
        check_int("episodes", self.episodes, minimum=2)
        check_positive("learning_rate", self.learning_rate)
        check_positive("sigma_learning_rate", self.sigma_learning_rate)
        check_positive("sigma_start", self.sigma_start)
        check_positive("sigma_min", self.sigma_min)
        check_positive("scale", self.scale)
        check_int("periods", self.periods, minimum=1)


class _Adam:
    def __init__(self, shape, lr, b1=0.9, b2=0.999):
        self.m, self.v, self.k, self.lr, self.b1, self.b2 = np.zeros(shape), np.zeros(shape), 0, lr, b1, b2

    def step(self, g):
        self.k += 1
        self.m = self.b1 * self.m + (1 - self.b1) * g
        self.v = self.b2 * self.v + (1 - self.b2) * g * g
        mh = self.m / (1 - self.b1 ** self.k)
        vh = self.v / (1 - self.b2 ** self.k)
        return self.lr * mh / (np.sqrt(vh) + 1e-8)


def reinforce(system: str = "invmanagement", config: ReinforceConfig | None = None, *, seed=0,
              params: InvManagementParams | None = None, network: Network | None = None,
              max_order: int = 50, eval_seed: int = 12345) -> TrainingResult:
    """REINFORCE with a per-period batch-mean baseline and a linear-Gaussian policy.

    ``system="invmanagement"``: OR-Gym's system (``params``, default ``InvManagement-v0``), episodes
    of its T periods, reward = its discounted profit.  ``system="serial"``: ``network`` (default
    the chapter's two-stage system), episodes of ``config.periods`` periods from zero stock,
    reward = -cost.  ``curve.value``/``eval``: mean episode reward of the exploring / mean policy
    (``eval`` on ``config.eval_episodes`` fixed evaluation episodes).
    """
    import pandas as pd

    from casekit.rl.baselines import evaluate_invmanagement

    cfg = config or ReinforceConfig()
    rng = np.random.default_rng(seed)
    B = cfg.episodes
    if system == "invmanagement":
        par = params or InvManagementParams()
        core = InvManagementCore(par, B)
        T = par.periods
        mu = float(par.demand.mean()) if hasattr(par.demand, "mean") else float(np.mean(par.demand))

        def new_episode():
            core.reset(par.draw_demand(rng, B))

        def play(c, a):
            return c.step(a)[0]

        def evaluate(pol):
            return evaluate_invmanagement(pol, episodes=cfg.eval_episodes, seed=eval_seed, params=par).mean
    elif system == "serial":
        network = default_network() if network is None else network
        core = SerialCore(network, "backorder", B)
        core.max_order = check_int("max_order", max_order, minimum=1)
        T = cfg.periods
        mu = max(float(network.demand_mean(i)) for i in network.ids)

        def new_episode():
            core.reset(core.draw(T, rng))

        def play(c, a):
            return -c.step(a)

        def evaluate(pol):
            ev = SerialCore(network, "backorder", cfg.eval_episodes)
            ev.max_order = core.max_order
            ev.reset(ev.draw(T, eval_seed))
            tot = np.zeros(cfg.eval_episodes)
            while not ev.done:
                tot -= ev.step(pol(ev))
            return float(tot.mean())
    else:
        raise ValueError(f"system must be 'invmanagement' or 'serial', got {system!r}")

    n = order_limits(core).size
    pol = LinearGaussianPolicy(n, cfg.scale, T, mu)
    pol.log_sigma[:] = np.log(cfg.sigma_start)
    opt_t = _Adam(pol.theta.shape, cfg.learning_rate)
    opt_s = _Adam(pol.log_sigma.shape, cfg.sigma_learning_rate)
    every = max(1, cfg.iterations // cfg.checkpoints)
    rows = []
    t0 = time.perf_counter()
    eval_time = 0.0
    for it in range(1, cfg.iterations + 1):
        new_episode()
        phis, xs, mus, rews = [], [], [], []
        sig = np.exp(pol.log_sigma)
        while not core.done:
            phi = pol.features(core)
            m = pol.mean(phi)
            x = m + sig * rng.standard_normal(m.shape)
            r = play(core, pol.to_orders(x, core))
            phis.append(phi), xs.append(x), mus.append(m), rews.append(r)
        R = np.array(rews)                                   # (T, B)
        G = np.cumsum(R[::-1], axis=0)[::-1]                 # returns-to-go
        A = G - G.mean(axis=1, keepdims=True)
        A = A / (A.std() + 1e-8)
        Phi, X, Mu = np.array(phis), np.array(xs), np.array(mus)   # (T, B, F), (T, B, n)
        z = (X - Mu) / sig                                   # standardised noise
        g_theta = np.einsum("tb,tbi,tbf->if", A, z / sig, Phi) / (A.shape[0] * B)
        g_logs = np.einsum("tb,tbi->i", A, z * z - 1.0) / (A.shape[0] * B)
        pol.theta += opt_t.step(g_theta)
        pol.log_sigma += opt_s.step(g_logs)
        pol.log_sigma = np.maximum(pol.log_sigma, np.log(cfg.sigma_min))
        if it % every == 0 or it == cfg.iterations:
            te = time.perf_counter()
            ev = evaluate(pol)
            eval_time += time.perf_counter() - te
            rows.append({"step": it, "transitions": it * B * T, "value": float(R.sum(axis=0).mean()),
                         "eval": ev, "sigma": float(np.exp(pol.log_sigma).mean())})
    seconds = time.perf_counter() - t0 - eval_time
    return TrainingResult(pol, pd.DataFrame(rows), seconds, seed, {"eval_seconds": eval_time})
