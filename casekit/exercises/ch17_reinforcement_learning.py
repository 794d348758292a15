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
         "pays its stage's holding cost; nothing is backlogged here. Add up the period's money in and out.",
    rtol=0, atol=5e-3, kind="derive",
))

register(Exercise(
    name="17.2",
    prompt="Q(s, a) = -20, the reward is -12, max_a' Q(s', a') = -30, α = 0.1 and γ = 0.95. "
           "What is Q(s, a) after one Q-learning update?",
    expected=lambda: q_update(-20.0, -12.0, -30.0, alpha=0.1, gamma=0.95),
    hint="Move Q a fraction α of the way towards r + γ max Q(s', ·).",
    rtol=0, atol=5e-4, kind="derive",
))

register(Exercise(
    name="17.3",
    prompt="For the chapter's two-stage system with the default state box and largest order, by hand: how "
           "many times larger is the plain Q-table (state x joint order) than the afterstate table?",
    expected=_table_sizes,
    hint="The plain table has one entry per (state, joint order), the afterstate table one per state; "
         "count the joint orders when each of the two stages may order anything from 0 up to the largest order.",
    rtol=0, atol=0.5, kind="derive",
))


def _fixed_point(reward=-10.0, gamma=0.9, alpha=0.1, updates=5000):
    q = 0.0
    for _ in range(updates):
        q = q_update(q, reward, q, alpha=alpha, gamma=gamma)   # a state that leads back to itself
    return q


def _where_it_settles():
    q = _fixed_point()
    return min(("-10", "-100", "forever"), key=lambda k: abs(q - {"-10": -10, "-100": -100, "forever": -1e9}[k]))


register(Exercise(
    name="17.4",
    prompt="Q(s, a) starts at 0. The same transition repeats forever: reward -10, and the next state is s "
           "again, so max_a' Q(s', a') is Q(s, a) itself; α = 0.1, γ = 0.9. After thousands of Q-learning "
           "updates, does Q(s, a) settle near -10, settle near -100, or keep falling forever? Answer "
           "\"-10\", \"-100\" or \"forever\".",
    expected=_where_it_settles,
    hint="Q estimates the discounted sum of all future rewards, not the next one. A fixed point of the update "
         "satisfies Q = r + γ Q.",
    kind="predict",
))

register(Exercise(
    name="17.5",
    prompt="A student evaluates his agent by its discounted return, -475 per episode with γ = 0.9 over long "
           "episodes, sets it beside the optimal policy's cost per period (section 1 prints it) and concludes "
           "the agent costs about ten times the optimum. What is wrong? Give the constant cost per period whose discounted sum "
           "(γ = 0.9, infinite horizon) is 475.",
    expected=lambda: 475.0 * (1 - 0.9),
    hint="A discounted return adds up every period's reward with weights 1, γ, γ², ...; a cost per period is an "
         "average. How large is the sum of those weights?",
    rtol=0, atol=5e-3, kind="diagnose",
))
