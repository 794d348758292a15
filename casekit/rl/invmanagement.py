"""OR-Gym's multi-echelon inventory environment (Hubbs et al. 2020), re-implemented on gymnasium.

``casekit/InvManagement-v0`` (backlog) and ``casekit/InvManagement-v1`` (lost sales) follow the
``InvManagement`` environments of OR-Gym (Hubbs, Perez, Sarwar, Sahinidis, Grossmann & Wassick,
"OR-Gym: A Reinforcement Learning Library for Operations Research Problems", 2020): the same
default parameters, the same order of events in a period, the same observation and the same
reward, so results can be compared with that literature.  The code is casekit's own.

The system
----------
Stages m = 0, 1, ..., M (default M = 3), stage 0 the retailer facing customer demand and stage
M a raw-material source with unlimited supply.  Stage i < M holds inventory and orders from stage
i + 1; stage i + 1 can supply at most c_i units per period (its production capacity) and no
more than it has on hand.  What stage i + 1 ships reaches stage i after L_i periods.

Order of events in period t (OR-Gym's)
--------------------------------------
0. **Orders.**  Each stage i < M requests a_i units (the action).  In the backlog version its
   request also carries the part of earlier requests its supplier could not fill.  The supplier
   ships R_i = min(request_i, c_i, on hand at stage i + 1 at the start of the period).
1. **Receipts.**  Stage i receives what was shipped to it in period t - L_i (with L_i = 0, this
   period's shipment).
2. **Demand** D_t arrives at the retailer (default Poisson(20)).
3. **Sales.**  The retailer sells min(on hand, D_t + earlier customer backlog).
4. **Unmet** customer demand and unfilled replenishment requests are backlogged (v0) or lost (v1);
   either way each unit costs its penalty k_i this period.
5. **Holding** cost h_i per unit left on hand at stage i (pipeline stock is free).

Reward of period t = α^t × (sales revenue - procurement cost - penalties - holding cost), summed
over stages: stage i is paid its price (p for the retailer, r_{i-1} upstream) for what it sells
and pays r_i for what it buys; the source pays r_M per unit it produces.  Internal prices cancel,
so the chain's reward is p × sales - r_M × units produced - Σ k_i U_i - Σ h_i I_i, discounted.

Observation (OR-Gym's): the on-hand inventory of stages 0..M-1 at the start of the period,
followed by the requests (actions) of the last max_i L_i periods, oldest first (zeros before
period 0): a vector of M × (1 + max L) integers (33 with the defaults).  It does not show backlogs;
``info`` carries the echelon inventory positions, which the baselines and agents use.

Where casekit differs from OR-Gym, on purpose
---------------------------------------------
* gymnasium API: ``reset(seed=...)`` seeds ``self.np_random``; an episode's demand is drawn at
  reset (D_0..D_{T-1} from the generator, or passed in ``options={"demand": [...]}``).
* an action outside the action space (negative, fractional, above the capacity, wrong shape) raises
  ``ValueError`` (OR-Gym silently sets negatives to 0 and truncates fractions).
* the episode ends with ``terminated=True`` after ``periods`` periods, as OR-Gym's ``done``.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from casekit.validate import check_array, check_budget, check_int, check_nonnegative, check_positive, check_real

__all__ = ["InvManagementParams", "InvManagementCore", "InvManagementEnv", "ORGYM_DEFAULTS"]

#: OR-Gym's defaults (``InvManagementMasterEnv``), with casekit's names.
ORGYM_DEFAULTS = dict(periods=30, initial_inventory=(100, 100, 200), price=2.0,
                      reorder_cost=(1.5, 1.0, 0.75, 0.5), penalty=(0.10, 0.075, 0.05, 0.025),
                      holding_cost=(0.15, 0.10, 0.05), capacity=(100, 90, 80), lead_time=(3, 5, 10),
                      mean_demand=20.0, discount=0.97)


def _vector(name, values, n, *, kind="nonnegative", integer=False):
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or arr.size != n:
        raise ValueError(f"{name} must have {n} values, got {np.asarray(values).tolist()!r}")
    for i, v in enumerate(arr):
        label = f"{name}[{i}]"
        if kind == "positive":
            check_positive(label, v)
        else:
            check_nonnegative(label, v)
        if integer and v != np.floor(v):
            raise ValueError(f"{label} must be a whole number, got {v}")
    return arr


@dataclass(frozen=True)
class InvManagementParams:
    """Parameters of the OR-Gym system (stage 0 = retailer; M = len(initial_inventory)).

    Attributes (OR-Gym's symbol in brackets)
    ----------------------------------------
    periods : int
        Episode length T [periods].
    initial_inventory : tuple
        On hand at stages 0..M-1 at t = 0 [I0].
    price : float
        Retailer's selling price per unit [p].
    reorder_cost : tuple
        r_0..r_M: price per unit paid by stage i to stage i + 1 (r_M: the source's production cost) [r].
    penalty : tuple
        k_0..k_M: cost per unit of unmet demand (k_0) or unfilled request (k_i, owed by stage i) per period [k].
    holding_cost : tuple
        h_0..h_{M-1} per unit on hand per period [h].
    capacity : tuple
        c_0..c_{M-1}: most units stage i + 1 can ship per period [c].
    lead_time : tuple
        L_0..L_{M-1}: periods from stage i + 1 shipping to stage i receiving [L].
    backlog : bool
        True: unmet demand and requests wait; False: they are lost.
    demand : scipy frozen discrete distribution, or a sequence of T integers
        Customer demand per period [dist, dist_param, user_D]; default Poisson(20).
    discount : float
        α in (0, 1] [alpha].
    """

    periods: int = 30
    initial_inventory: tuple = (100, 100, 200)
    price: float = 2.0
    reorder_cost: tuple = (1.5, 1.0, 0.75, 0.5)
    penalty: tuple = (0.10, 0.075, 0.05, 0.025)
    holding_cost: tuple = (0.15, 0.10, 0.05)
    capacity: tuple = (100, 90, 80)
    lead_time: tuple = (3, 5, 10)
    backlog: bool = True
    demand: object = None
    discount: float = 0.97

    def __post_init__(self):
        s = object.__setattr__
        s(self, "periods", check_int("periods", self.periods, minimum=1))
        i0 = np.atleast_1d(np.asarray(self.initial_inventory, dtype=float))
        M = i0.size
        if M < 1:
            raise ValueError("initial_inventory must give at least one stage (the retailer)")
        s(self, "initial_inventory", tuple(_vector("initial_inventory", i0, M, integer=True)))
        s(self, "price", check_nonnegative("price", self.price))
        s(self, "reorder_cost", tuple(_vector("reorder_cost", self.reorder_cost, M + 1)))
        s(self, "penalty", tuple(_vector("penalty", self.penalty, M + 1)))
        s(self, "holding_cost", tuple(_vector("holding_cost", self.holding_cost, M)))
        s(self, "capacity", tuple(_vector("capacity", self.capacity, M, kind="positive", integer=True)))
        s(self, "lead_time", tuple(int(v) for v in _vector("lead_time", self.lead_time, M, integer=True)))
        # the observation holds M (1 + max L) numbers and an episode keeps T x M shipments
        check_budget("lead_time", self.lead_time, nbytes=8.0 * M * (1 + max(self.lead_time)) * 4,
                     what="the observation vector (on hand plus the requests of the last max L periods)")
        check_budget("periods", self.periods, nbytes=8.0 * self.periods * (3 * M + 2),
                     what="one episode's records (shipments, requests and demand per period)")
        if max(self.capacity) * self.periods * 10 >= 2 ** 62 or max(self.initial_inventory) >= 2 ** 60:
            raise ValueError(f"capacity x periods and initial_inventory must stay below about 4e17 units (the "
                             f"observation is int64), got capacity {max(self.capacity):g}, periods {self.periods}, "
                             f"initial_inventory {max(self.initial_inventory):g}")
        if not isinstance(self.backlog, (bool, np.bool_)):
            raise TypeError(f"backlog must be True or False, got {self.backlog!r}")
        a = check_real("discount", self.discount)
        if not 0 < a <= 1:
            raise ValueError(f"discount must be in (0, 1], got {a}")
        d = self.demand
        if d is None:
            from scipy.stats import poisson

            s(self, "demand", poisson(20))
        elif hasattr(d, "rvs"):
            if not hasattr(d, "pmf"):
                raise TypeError("demand must be a discrete scipy distribution (units are whole), "
                                f"got {d!r}")
        else:
            arr = np.atleast_1d(check_array("demand", d, nonnegative=True))
            if arr.ndim != 1 or arr.size != self.periods:
                raise ValueError(f"demand: a sequence must give one value per period ({self.periods}), "
                                 f"got {arr.size}")
            if np.any(arr != np.floor(arr)):
                i = int(np.flatnonzero(arr != np.floor(arr))[0])
                raise ValueError(f"demand must be whole numbers >= 0, got {arr[i]!r} at index {i}")
            s(self, "demand", tuple(arr))

    @property
    def stages(self) -> int:
        """M: stages that hold inventory and order (the source not counted)."""
        return len(self.initial_inventory)

    def draw_demand(self, rng, batch: int = 1) -> np.ndarray:
        """Demand of ``batch`` episodes, shape (batch, T)."""
        if isinstance(self.demand, tuple):
            return np.tile(np.asarray(self.demand, dtype=float), (batch, 1))
        return np.asarray(self.demand.rvs(size=(batch, self.periods), random_state=rng), dtype=float)


class InvManagementCore:
    """The dynamics for a batch of B independent copies (numpy over copies): the single
    environment is B = 1; agents and baselines train and evaluate on many copies at once."""

    def __init__(self, params: InvManagementParams, batch: int = 1):
        self.par = params
        self.B = check_int("batch", batch, minimum=1)
        M = params.stages
        check_budget("batch", batch, nbytes=8.0 * self.B * (params.periods * (2 * M + 1) + M * (1 + max(params.lead_time))),
                     what=f"{self.B:,} copies of the system over {params.periods} periods")
        self.M = M
        self.c = np.asarray(params.capacity, dtype=float)
        self.L = np.asarray(params.lead_time, dtype=int)
        self.Lmax = int(self.L.max())
        self.h = np.asarray(params.holding_cost, dtype=float)
        self.k = np.asarray(params.penalty, dtype=float)
        r = np.asarray(params.reorder_cost, dtype=float)
        self.sell_price = np.append(params.price, r[:-1])     # stage i sells at p (i = 0) or r_{i-1}
        self.buy_price = r                                     # stage i buys at r_i (source: cost r_M)

    # ----------------------------------------------------------------------------------------
    def reset(self, demand: np.ndarray) -> None:
        B, M, T = self.B, self.M, self.par.periods
        demand = np.asarray(demand, dtype=float)
        if demand.shape != (B, T):
            raise ValueError(f"demand must have shape ({B}, {T}), got {demand.shape}")
        self.demand = demand
        self.t = 0
        self.on = np.tile(np.asarray(self.par.initial_inventory, dtype=float), (B, 1))
        self.pipe = np.zeros((B, M))                 # shipped to stage i, not yet received
        self.shipped = np.zeros((T, B, M))            # R: what each supplier shipped, by period
        self.actions = np.zeros((T, B, M))            # requests, for the observation
        self.cust_bo = np.zeros(B)                    # customer backlog (v0)
        self.owed = np.zeros((B, M))                  # unfilled requests carried over (v0)

    @property
    def done(self) -> bool:
        return self.t >= self.par.periods

    def observation(self) -> np.ndarray:
        """OR-Gym's observation: on hand (M) then the last max L requests, oldest first."""
        B, M, t, Lm = self.B, self.M, self.t, self.Lmax
        obs = np.zeros((B, M * (1 + Lm)))
        obs[:, :M] = self.on
        if Lm > 0 and t > 0:
            k = min(t, Lm)
            past = np.transpose(self.actions[t - k:t], (1, 0, 2)).reshape(B, k * M)
            obs[:, M * (1 + Lm - k):] = past
        return obs

    def echelon_position(self) -> np.ndarray:
        """Echelon inventory position of stages 0..M-1 before this period's orders: on hand and
        in transit at stages 0..i, plus what stage i's supplier still owes it (v0), minus the
        customer backlog.  Shape (B, M)."""
        return np.cumsum(self.on + self.pipe, axis=1) + self.owed - self.cust_bo[:, None]

    def step(self, a: np.ndarray) -> tuple[np.ndarray, dict]:
        """One period with requests ``a`` (B, M) (already validated); returns the reward (B,)."""
        t, M = self.t, self.M
        request = a + self.owed
        avail = np.concatenate([self.on[:, 1:], np.full((self.B, 1), np.inf)], axis=1)
        ship = np.minimum(np.minimum(request, self.c), avail)
        self.shipped[t] = ship
        self.actions[t] = a
        rec = np.zeros_like(ship)
        for i in range(M):
            if t - self.L[i] >= 0:
                rec[:, i] = self.shipped[t - self.L[i], :, i]
        on = self.on + rec
        wanted = self.demand[:, t] + self.cust_bo
        sales = np.minimum(on[:, 0], wanted)
        on[:, 0] -= sales
        on[:, 1:] -= ship[:, :-1]
        self.pipe += ship - rec
        unfilled = np.concatenate([(wanted - sales)[:, None], request - ship], axis=1)   # U, (B, M+1)
        if self.par.backlog:
            self.cust_bo = unfilled[:, 0].copy()
            self.owed = unfilled[:, 1:].copy()
        self.on = on
        sold = np.concatenate([sales[:, None], ship], axis=1)                          # S, (B, M+1)
        bought = np.concatenate([ship, ship[:, -1:]], axis=1)                          # source produces R_{M-1}
        held = np.concatenate([on, np.zeros((self.B, 1))], axis=1)
        profit = sold @ self.sell_price - bought @ self.buy_price - unfilled @ self.k \
            - held @ np.append(self.h, 0.0)
        reward = self.par.discount ** t * profit
        self.t += 1
        info = {"period": t, "demand": self.demand[:, t], "sales": sales, "shipped": ship, "received": rec,
                "unfilled": unfilled, "profit": profit}
        return reward, info


class InvManagementEnv(gym.Env):
    """OR-Gym's ``InvManagement`` on gymnasium (see the module docstring for the model).

    Registered as ``casekit/InvManagement-v0`` (``backlog=True``) and ``casekit/InvManagement-v1``
    (``backlog=False``).  Keyword arguments are the fields of :class:`InvManagementParams`
    (OR-Gym's defaults).

    Spaces: actions are whole requests ``0 <= a_i <= c_i`` per stage, ``MultiDiscrete(c + 1)``
    (OR-Gym declares the same set as an integer ``Box``); observations are OR-Gym's (``Box`` of
    ``int64``).  The environment keeps its dynamics in ``env.unwrapped.core``
    (:class:`InvManagementCore`, B = 1), which the baselines and agents read.

    >>> import gymnasium as gym, casekit.rl
    >>> env = gym.make("casekit/InvManagement-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, obs[:3].tolist()
    ((33,), [100, 100, 200])
    >>> obs, reward, terminated, truncated, info = env.step([20, 20, 20])
    """

    metadata = {"render_modes": []}

    def __init__(self, **kwargs):
        self.params = InvManagementParams(**kwargs)
        p = self.params
        self.core = InvManagementCore(p, 1)
        M, Lm = p.stages, self.core.Lmax
        cmax = max(p.capacity)
        self.action_space = gym.spaces.MultiDiscrete(np.asarray(p.capacity, dtype=np.int64) + 1)
        low = 0 if not p.backlog else -int(cmax * p.periods * 10)
        high = int(max(cmax * p.periods, max(p.initial_inventory)) + cmax * p.periods)
        self.observation_space = gym.spaces.Box(low=low, high=high, shape=(M * (1 + Lm),), dtype=np.int64)

    # ----------------------------------------------------------------------------------------
    def check_action(self, action) -> np.ndarray:
        """The action as a float array, or a ValueError saying what is allowed."""
        return check_order_action(action, np.asarray(self.params.capacity, dtype=float), "stage")

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        options = options or {}
        unknown = set(options) - {"demand"}
        if unknown:
            raise ValueError(f"options: unknown key(s) {sorted(unknown)}; allowed: 'demand'")
        if "demand" in options:
            d = check_array("options['demand']", options["demand"])
            if d.shape != (self.params.periods,) or np.any(d < 0) or np.any(d != np.floor(d)):
                raise ValueError(f"options['demand'] must be {self.params.periods} whole numbers >= 0")
            demand = d[None, :]
        else:
            demand = self.params.draw_demand(self.np_random, 1)
        self.core.reset(demand)
        return self._obs(), self._info()

    def step(self, action):
        if self.core.done:
            raise RuntimeError("the episode is over: call reset()")
        a = self.check_action(action)
        reward, info = self.core.step(a[None, :])
        terminated = self.core.done
        out = self._info()
        out.update({k: (v[0] if np.ndim(v) else v) for k, v in info.items()})
        return self._obs(), float(reward[0]), terminated, False, out

    def _obs(self):
        return np.round(self.core.observation()[0]).astype(np.int64)

    def _info(self):
        return {"period": self.core.t, "echelon_position": self.core.echelon_position()[0].copy()}


def check_order_action(action, high: np.ndarray, what: str) -> np.ndarray:
    """Validate integer order quantities ``0 <= a_i <= high_i`` (shape (n,)); return floats."""
    try:
        a = np.asarray(action, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"action must be {high.size} whole numbers (order quantities), got {action!r}") from None
    if a.shape != high.shape:
        raise ValueError(f"action must have shape {high.shape} (one order per {what}), got shape {a.shape}: "
                         f"{np.asarray(action).tolist()!r}")
    for i, (v, hi) in enumerate(zip(a, high)):
        if not np.isfinite(v) or v < 0 or v > hi or v != np.floor(v):
            raise ValueError(f"action[{i}] ({what} {i}) = {v!r} is outside the action space: "
                             f"whole numbers from 0 to {hi:g}")
    return a
