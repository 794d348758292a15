"""Exercises of notebooks/17_reinforcement_learning.ipynb."""

import gymnasium as gym

import casekit.rl  # noqa: F401  (registers the environments)
from casekit.exercises import Exercise, register
from casekit.rl.agents import QLearningPolicy, q_update, serial_state_box
from casekit.rl.serial import default_network


def _first_reward():
    env = gym.make("casekit/InvManagement-v0")
    env.reset(seed=0, options={"demand": [25] + [20] * 29})
    return env.step([0, 0, 0])[1]


def _table_sizes():
    low, high, m = serial_state_box(default_network())
    plain = QLearningPolicy(low, high, 1, m, afterstate=False).Q.size
    after = QLearningPolicy(low, high, 1, m, afterstate=True).Q.size
    return plain / after


register(Exercise(
    name="17.1",
    prompt="casekit/InvManagement-v0 with its defaults: nobody orders in period 0 and 25 customers "
           "arrive. What reward does period 0 earn?",
    expected=_first_reward,
    hint="Revenue is 2 per unit sold; the units the system produces cost 0.5; every unit left on hand "
         "pays its stage's holding cost; nothing is backlogged here. Or try it in the environment with "
         "reset(options={'demand': [...]}).",
    rtol=0, atol=5e-3,
))

register(Exercise(
    name="17.2",
    prompt="Q(s, a) = -20, the reward is -12, max_a' Q(s', a') = -30, α = 0.1 and γ = 0.95. "
           "What is Q(s, a) after one Q-learning update?",
    expected=lambda: q_update(-20.0, -12.0, -30.0, alpha=0.1, gamma=0.95),
    hint="Move Q a fraction α of the way towards r + γ max Q(s', ·).",
    rtol=0, atol=5e-4,
))

register(Exercise(
    name="17.3",
    prompt="For the chapter's two-stage system with the default state box and largest order, how many "
           "times larger is the plain Q-table (state x joint order) than the afterstate table?",
    expected=_table_sizes,
    hint="The plain table has one entry per (state, joint order), the afterstate table one per state; "
         "count the joint orders when each stage orders 0..max_order.",
    rtol=0, atol=0.5,
))
