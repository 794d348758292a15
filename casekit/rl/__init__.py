"""Reinforcement learning for replenishment, measured against the optimal policy.

Importing ``casekit.rl`` registers three gymnasium environments:

``casekit/SerialInventory-v0``
    A casekit network (serial, or one supplier per stage) with the simulation chapter's dynamics
    (:class:`~casekit.rl.serial.SerialInventoryEnv`).
``casekit/InvManagement-v0`` / ``casekit/InvManagement-v1``
    OR-Gym's multi-echelon environment (Hubbs et al. 2020), backlog / lost sales
    (:class:`~casekit.rl.invmanagement.InvManagementEnv`).

Baselines (:mod:`casekit.rl.baselines`): echelon base stock tuned by simulation, never order,
random; agents in numpy (:mod:`casekit.rl.agents`): tabular Q-learning and a linear-Gaussian
policy-gradient (REINFORCE with a baseline).  :func:`table2_row` measures the "Simulation + RL
hybrid" row of the paper's Table 2.

Optional: stable-baselines3's PPO
---------------------------------
The environments follow the gymnasium API, so stable-baselines3 (not a casekit dependency,
not in CI; it needs torch) can train on them.  Its PPO wants a continuous action box, so wrap
the environment with :class:`~casekit.rl.baselines.ScaledActions` (actions in [-1, 1] mapped to
whole order quantities)::

    import gymnasium as gym, casekit.rl
    from casekit.rl.baselines import ScaledActions
    from stable_baselines3 import PPO            # pip install stable-baselines3
    env = ScaledActions(gym.make("casekit/InvManagement-v0"))
    model = PPO("MlpPolicy", env, seed=0, verbose=0).learn(200_000)
    obs, _ = env.reset(seed=1)
    action, _ = model.predict(obs, deterministic=True)
"""

from __future__ import annotations

import warnings

import gymnasium as gym

from casekit.rl.invmanagement import ORGYM_DEFAULTS, InvManagementEnv, InvManagementParams
from casekit.rl.serial import SerialInventoryEnv, default_network

__all__ = ["InvManagementEnv", "InvManagementParams", "ORGYM_DEFAULTS", "SerialInventoryEnv",
           "default_network", "ENV_IDS"]

ENV_IDS = ("casekit/SerialInventory-v0", "casekit/InvManagement-v0", "casekit/InvManagement-v1")


def _register() -> None:
    specs = {
        "casekit/SerialInventory-v0": ("casekit.rl.serial:SerialInventoryEnv", {}),
        "casekit/InvManagement-v0": ("casekit.rl.invmanagement:InvManagementEnv", {"backlog": True}),
        "casekit/InvManagement-v1": ("casekit.rl.invmanagement:InvManagementEnv", {"backlog": False}),
    }
    for env_id, (entry, kwargs) in specs.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry, kwargs=kwargs)


_register()
# gymnasium reads v0 and v1 of one name as an old and a new version; here they are two variants
# (backlog and lost sales), as in OR-Gym, so its "v0 is out of date" notice does not apply.
warnings.filterwarnings("ignore", message=r".*casekit/InvManagement-v0 is out of date.*")
