"""``casekit/SerialInventory-v0``: a casekit :class:`~casekit.network.Network` as a gymnasium
environment, with the simulation chapter's dynamics.

The network is a serial system (Snyder & Shen section 6.2) or, more generally, any network in
which every stage has one supplier (one warehouse with several retailers, a distribution tree).
One environment step is one period of :mod:`casekit.simulation`, in the same order:

1. arrivals (shipments and finished batches; waiting customers served first),
2. external demand (met from the shelf, the rest backordered or lost),
   -- the agent observes the system here and chooses every stage's order --
3. orders, placed by all stages at once (the action, downstream first),
4. flow, upstream first (production starts, shipments leave),
5. costs at the end of the period; reward = -(cost of the period).

:class:`SerialCore` steps the simulator's own fast engine
(:class:`casekit.simulation.fast.FastEngine`) for a batch of B independent copies, with the
orders chosen from outside; it reads its random numbers exactly as
:func:`casekit.simulation.simulate` does (:func:`casekit.simulation._model.make_inputs`).
So for the same seed an episode of this environment run under a
policy gives period by period the costs of ``simulate(..., engine="fast", seed=seed)`` under that
policy (``tests/test_rl.py`` checks it for echelon base-stock policies on serial systems with
deterministic and random lead times, backlog and lost sales).
"""

from __future__ import annotations

import numpy as np
import gymnasium as gym

from casekit.network import Network
from casekit.simulation._model import PolicyArrays, SimulationConfig, compile_network, make_inputs
from casekit.simulation.fast import FastEngine
from casekit.validate import check_choice, check_int

from casekit.rl.invmanagement import check_order_action

__all__ = ["SerialCore", "SerialInventoryEnv", "default_network"]


def default_network() -> Network:
    """The chapter's two-stage system: Poisson(5) demand, lead times (1, 1), echelon holding
    costs (2, 1), stockout cost 19 per unit backordered per period."""
    from scipy.stats import poisson

    from casekit.network import serial

    return serial([2, 1], [1, 1], 19, poisson(5))


class SerialCore:
    """One period of :mod:`casekit.simulation`'s fast engine for B copies of a network in which
    every stage has a single supplier, with orders chosen from outside (by an agent).

    It *is* the engine: a :class:`~casekit.simulation.fast.FastEngine` stepped one period at a
    time (arrivals and demand; then the agent's orders; then flow and costs).  Stages are
    exposed downstream first (``stage_ids``); internally they are kept in the engine's order
    (upstream first).
    """

    def __init__(self, network: Network, unmet: str = "backorder", batch: int = 1):
        if not isinstance(network, Network):
            raise TypeError(f"network must be a casekit.network.Network, got {type(network).__name__}")
        if not network.is_distribution:
            raise ValueError(f"network must give every stage at most one supplier (serial or "
                             f"distribution), got a {network.kind} network")
        check_choice("unmet", unmet, ("backorder", "lost"))
        self.network = network
        self.config = SimulationConfig(unmet=unmet, event_log=False, progress=False)
        self.comp = comp = compile_network(network, self.config)
        self.B = check_int("batch", batch, minimum=1)
        self.n = comp.n
        self.lost_mode = unmet == "lost"
        self.inlane = np.array([comp.in_lanes[i][0] for i in range(comp.n)])
        self.is_source = comp.lane_sup[self.inlane] < 0
        # downstream-first view: position k -> internal index
        self.stage_ids = list(network.downstream_first())
        self.order = np.array([comp.ids.index(i) for i in self.stage_ids])
        self.inputs = None
        self.engine = None
        self.t = 0

    # ----------------------------------------------------------------------------------------
    def draw(self, periods: int, seed) -> object:
        """The random inputs of an episode of ``periods`` periods (as ``simulate`` draws them)."""
        return make_inputs(self.comp, periods, self.B, 0, seed, None, self.config)

    def reset(self, inputs, initial_stock=None) -> None:
        """Start an episode: stock on hand ``initial_stock`` ((n,) or (B, n), downstream first;
        default 0), then the arrivals and demand of period 0."""
        comp, B, n = self.comp, self.B, self.n
        if inputs.R != B:
            raise ValueError(f"inputs hold {inputs.R} copies, the core has {B}")
        self.inputs = inputs
        zeros = np.zeros((n, 1))
        pa = PolicyArrays("external", np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), zeros, zeros,
                          np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64), initial=zeros)
        self.engine = eng = FastEngine(comp, pa, inputs, self.config)
        if initial_stock is not None:
            init = np.asarray(initial_stock, dtype=float)
            if comp.integer:
                init = np.floor(init + 1e-9)
            eng.on[self.order] = init[:, None] if init.ndim == 1 else init.T
        self.t = 0
        eng.arrive_and_demand(0)

    @property
    def done(self) -> bool:
        return self.t >= self.inputs.T

    # the engine's state (internal order)
    on = property(lambda self: self.engine.on)
    bo = property(lambda self: self.engine.bo)
    owed = property(lambda self: self.engine.owed)
    outst = property(lambda self: self.engine.outst)
    tr = property(lambda self: self.engine.tr)
    buf = property(lambda self: self.engine.buf)
    inproc = property(lambda self: self.engine.inproc)
    demand_now = property(lambda self: self.engine.D)

    @property
    def lost(self):
        lost = self.engine.lost
        return np.zeros_like(self.engine.D) if lost is None else lost

    # ----------------------------------------------------------------------------------------
    def positions(self) -> np.ndarray:
        """Installation inventory positions (on hand + on order - backorders - owed to
        customers), shape (n, B), internal order."""
        comp = self.comp
        owed_out = np.zeros_like(self.on)
        real = comp.lane_sup >= 0
        np.add.at(owed_out, comp.lane_sup[real], self.owed[real])
        return self.on + self.outst - self.bo - owed_out

    def echelon_position(self) -> np.ndarray:
        """Echelon inventory positions before ordering, shape (B, n), downstream first."""
        return np.asarray(self.comp.A @ self.positions())[self.order].T

    def order_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What an order q does before any randomness, downstream first, each (B, n): the echelon
        positions E, the units each stage's supplier already owes it, and the supplier's stock on
        hand (inf for a source).  A stage's order is shipped this period up to what its supplier
        holds, so after ordering its echelon holds E + q - max(owed + q - supplier stock, 0)
        units that exist (on hand, in transit, in production): the post-decision state."""
        il = self.inlane
        sup = self.comp.lane_sup[il]
        avail = np.where(sup[:, None] >= 0, self.on[np.maximum(sup, 0)], np.inf)
        return self.echelon_position(), self.owed[il][self.order].T, avail[self.order].T

    def observation(self) -> np.ndarray:
        """(B, 5n), downstream first in each block: on hand, backorders, owed by the supplier,
        in the pipeline (in transit, waiting or in production), echelon inventory position."""
        il = self.inlane
        pipe = self.tr[il] + self.buf[il] + self.inproc
        blocks = [self.on, self.bo, self.owed[il], pipe]
        out = np.concatenate([b[self.order] for b in blocks], axis=0).T
        return np.concatenate([out, self.echelon_position()], axis=1)

    def step(self, q_down: np.ndarray) -> np.ndarray:
        """Steps 3-5 of period t with orders ``q_down`` (B, n) downstream first, then steps 1-2
        of period t + 1.  Returns the cost of period t, shape (B,)."""
        eng, t = self.engine, self.t
        q = np.zeros((self.n, self.B))
        q[self.order] = np.asarray(q_down, dtype=float).T
        eng.place_orders(t, q_ext=q)
        eng.flow(t)
        hold, short, order, emerg = eng.period_cost()
        self.t += 1
        if not self.done:
            eng.arrive_and_demand(self.t)
        return hold + short + order + emerg


class SerialInventoryEnv(gym.Env):
    """A casekit network as a gymnasium environment (registered as ``casekit/SerialInventory-v0``).

    Parameters
    ----------
    network : Network, optional
        Serial (or one supplier per stage) network with demand and stockout cost p at the
        customer-facing stage(s); default :func:`default_network` (the chapter's two-stage system).
    periods : int
        Periods per episode (the episode is then truncated: the system itself runs forever).
    unmet : ``"backorder"`` or ``"lost"``
        As :class:`casekit.simulation.SimulationConfig`.
    max_order : int, optional
        Largest order per stage and period; default 2 (μ + 4σ) of the demand per period at the
        customer-facing stage with the largest demand (at least 1).
    initial_stock : sequence, optional
        Units on hand at t = 0, downstream first (default 0 everywhere).

    Spaces
    ------
    action : ``MultiDiscrete([max_order + 1] * n)``: each stage's order, downstream first.
    observation : ``Box`` of 5n floats, downstream first in each block of n: on hand,
        backorders, units owed by the stage's supplier, units in the pipeline to the stage,
        echelon inventory position (all before this period's orders).

    >>> import gymnasium as gym, casekit.rl
    >>> env = gym.make("casekit/SerialInventory-v0", periods=5)
    >>> obs, info = env.reset(seed=1)
    >>> obs.shape, env.action_space
    ((10,), MultiDiscrete([29 29]))
    """

    metadata = {"render_modes": []}

    def __init__(self, network: Network | None = None, *, periods: int = 100, unmet: str = "backorder",
                 max_order: int | None = None, initial_stock=None):
        network = default_network() if network is None else network
        self.core = SerialCore(network, unmet, 1)
        self.periods = check_int("periods", periods, minimum=1)
        n = self.core.n
        if max_order is None:
            m = max(float(network.demand_mean(i)) + 4 * float(network.demand_sd(i))
                    for i in network.ids if network.demand_mean(i) > 0)
            max_order = max(1, int(np.ceil(2 * m)))
        self.max_order = check_int("max_order", max_order, minimum=1)
        if initial_stock is not None:
            init = np.asarray(initial_stock, dtype=float)
            if init.shape != (n,) or np.any(~np.isfinite(init)) or np.any(init < 0):
                raise ValueError(f"initial_stock must be {n} numbers >= 0 (downstream first), got {initial_stock!r}")
            initial_stock = init
        self.initial_stock = initial_stock
        self.stage_ids = self.core.stage_ids
        self.action_space = gym.spaces.MultiDiscrete([self.max_order + 1] * n)
        big = float(10 * (self.max_order + 1) * (self.periods + self.core.comp.max_delay + 1) * n
                    + (0 if initial_stock is None else initial_stock.sum()))
        self.observation_space = gym.spaces.Box(-big, big, shape=(5 * n,), dtype=np.float64)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if options:
            raise ValueError(f"options: this environment takes none, got {sorted(options)}")
        self.core.reset(self.core.draw(self.periods, self.np_random), self.initial_stock)
        return self.core.observation()[0], self._info()

    def step(self, action):
        if self.core.done:
            raise RuntimeError("the episode is over: call reset()")
        a = check_order_action(action, np.full(self.core.n, float(self.max_order)), "stage (downstream first)")
        cost = float(self.core.step(a[None, :])[0])
        truncated = self.core.done
        obs = self.core.observation()[0]
        info = self._info()
        info["cost"] = cost
        return obs, -cost, False, truncated, info

    def _info(self):
        return {"period": self.core.t, "echelon_position": self.core.echelon_position()[0].copy()}
