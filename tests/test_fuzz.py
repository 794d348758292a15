"""Fuzzing the public API with bad input: hypothesis draws NaN, infinities, negatives, zeros,
empty and wrongly shaped arrays, huge sizes and values of the wrong type for one argument at a
time, the others being valid.

Every call must end in one of two ways, within a per-call timeout:

* a ``ValueError`` or ``TypeError`` raised by casekit itself (the innermost frame of the
  traceback is in casekit, not in numpy, scipy or pandas) whose message names the parameter;
* or a result with no NaN and no infinity (the cases where a bad-looking value has a
  well-defined answer, e.g. the loss function at +inf, check that answer too).

Each entry of ``CASES`` is one distinct bad input (a parameter and a kind of bad value); the
summary printed at the end of the module (``pytest -s``) counts the cases tried, the clear errors
and the correct results.
"""

from __future__ import annotations

import math
import re
import signal
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy import stats

import casekit
from casekit import metrics
from casekit.datasets.events import generate_events
from casekit.distributions import (DiscreteDistribution, as_discrete, degenerate, demand_distribution, fit_demand,
                                   lead_time_distribution)
from casekit.forecasting import inverse_mse_weights, make_forecaster
from casekit.leadtime import lead_time_demand, lead_time_demand_moments
from casekit.optimization import FacilityLocationInstance, TransportationLP, generate_instance, solve_ga
from casekit.optimization.milp import solve_milp
from casekit.rl.invmanagement import InvManagementEnv, InvManagementParams
from casekit.streaming import Pipeline, ewma_chart, modified_z, replay

CASEKIT_DIR = str(Path(casekit.__file__).resolve().parent)
TIMEOUT = 10          # seconds per call

# ----------------------------------------------------------------------------- bad values
NAN = st.just(float("nan"))
POS_INF = st.just(float("inf"))
NEG_INF = st.just(float("-inf"))
INF = st.sampled_from([float("inf"), float("-inf")])
NEGATIVE = st.floats(min_value=-1e9, max_value=-1e-6)
NEG_INT = st.integers(min_value=-10**9, max_value=-1)
ZERO = st.sampled_from([0, 0.0])
FRACTION = st.floats(min_value=0.01, max_value=1e6).filter(lambda v: v != math.floor(v))
TEXT = st.text(alphabet="abcxyz%", min_size=1, max_size=6)
NONE = st.just(None)
ABOVE_ONE = st.floats(min_value=1.0, max_value=1e9)
HUGE_INT = st.integers(min_value=10**11, max_value=10**15)
BOOL = st.booleans()


def arrays(elements, min_size=1, max_size=6):
    return st.lists(elements, min_size=min_size, max_size=max_size)


def with_one(bad, good=st.floats(min_value=0, max_value=50)):
    """A list of good numbers with one bad value inserted at a drawn position."""
    return st.tuples(arrays(good, 0, 5), bad, st.integers(0, 5)).map(lambda t: t[0][:t[2]] + [t[1]] + t[0][t[2]:])


EMPTY = st.just([])
NESTED = st.just([[1.0, 2.0], [3.0, 4.0]])


# ----------------------------------------------------------------------------- valid context
D3 = DiscreteDistribution([0.2, 0.5, 0.3])
SMALL = generate_events(n_days=2, n_nodes=1, n_skus=1, seed=1)
POLICY = SMALL.policy
INST = FacilityLocationInstance([12, 10], [5, 7], [4, 8], [[1, 9], [6, 2]], name="tiny")


def policy_with(col, value):
    pol = POLICY.copy().astype({col: object})
    pol.loc[0, col] = value
    return pol


def env_step(action):
    env = InvManagementEnv()
    env.reset(seed=0)
    return env.step(action)


def first_batch(**kw):
    return next(replay(SMALL.events, **kw))


@dataclass(frozen=True)
class Case:
    id: str
    param: str                      # the name the error message must contain
    bad: st.SearchStrategy          # the bad values
    call: Callable                  # call(bad) -> result
    answer: Callable | None = None  # optional check of a returned result: answer(bad, result) -> bool


def C(id, param, bad, call, answer=None):
    return Case(id, param, bad, call, answer)


CASES = [
    # ---------------------------------------------------------------- DiscreteDistribution
    C("pmf-empty", "pmf", EMPTY, lambda v: DiscreteDistribution(v)),
    C("pmf-nan", "pmf", with_one(NAN), lambda v: DiscreteDistribution(v)),
    C("pmf-inf", "pmf", with_one(INF), lambda v: DiscreteDistribution(v)),
    C("pmf-negative", "pmf", with_one(NEGATIVE), lambda v: DiscreteDistribution(v)),
    C("pmf-text", "pmf", with_one(TEXT), lambda v: DiscreteDistribution(v)),
    C("pmf-2d", "pmf", NESTED, lambda v: DiscreteDistribution(v)),
    C("pmf-sum", "pmf", arrays(st.floats(0.34, 1.0), 3, 5), lambda v: DiscreteDistribution(v)),
    C("pmf-scalar-text", "pmf", TEXT, lambda v: DiscreteDistribution(v)),
    C("from_dict-negative-key", "probs", NEG_INT, lambda v: DiscreteDistribution.from_dict({v: 1.0})),
    C("from_dict-fraction-key", "probs", FRACTION, lambda v: DiscreteDistribution.from_dict({v: 1.0})),
    C("from_dict-text-key", "probs", TEXT, lambda v: DiscreteDistribution.from_dict({v: 1.0})),
    C("from_dict-huge-key", "probs", HUGE_INT, lambda v: DiscreteDistribution.from_dict({v: 1.0})),
    C("from_dict-nan-prob", "probs", NAN, lambda v: DiscreteDistribution.from_dict({1: v})),
    C("from_dict-inf-prob", "probs", INF, lambda v: DiscreteDistribution.from_dict({1: v})),
    C("from_dict-negative-prob", "probs", NEGATIVE, lambda v: DiscreteDistribution.from_dict({1: v, 2: 1 - v})),
    C("from_dict-text-prob", "probs", TEXT, lambda v: DiscreteDistribution.from_dict({1: v})),
    C("from_dict-empty", "probs", st.just({}), lambda v: DiscreteDistribution.from_dict(v)),
    C("from_dict-not-a-dict", "probs", st.one_of(TEXT, NONE, arrays(st.floats(0, 1))),
      lambda v: DiscreteDistribution.from_dict(v)),
    C("from_samples-empty", "samples", EMPTY, lambda v: DiscreteDistribution.from_samples(v)),
    C("from_samples-nan", "samples", with_one(NAN, st.integers(0, 20)), lambda v: DiscreteDistribution.from_samples(v)),
    C("from_samples-inf", "samples", with_one(INF, st.integers(0, 20)), lambda v: DiscreteDistribution.from_samples(v)),
    C("from_samples-negative", "samples", with_one(NEG_INT, st.integers(0, 20)),
      lambda v: DiscreteDistribution.from_samples(v)),
    C("from_samples-fraction", "samples", with_one(FRACTION, st.integers(0, 20)),
      lambda v: DiscreteDistribution.from_samples(v)),
    C("from_samples-text", "samples", with_one(TEXT, st.integers(0, 20)), lambda v: DiscreteDistribution.from_samples(v)),
    C("from_samples-huge", "samples", with_one(HUGE_INT, st.integers(0, 20)),
      lambda v: DiscreteDistribution.from_samples(v)),
    C("from_scipy-tail-nan", "tail", NAN, lambda v: DiscreteDistribution.from_scipy(stats.poisson(3), tail=v)),
    C("from_scipy-tail-zero", "tail", ZERO, lambda v: DiscreteDistribution.from_scipy(stats.poisson(3), tail=v)),
    C("from_scipy-tail-above-one", "tail", ABOVE_ONE, lambda v: DiscreteDistribution.from_scipy(stats.poisson(3), tail=v)),
    C("from_scipy-not-a-distribution", "dist", st.one_of(TEXT, NONE, st.integers()),
      lambda v: DiscreteDistribution.from_scipy(v)),
    C("from_continuous-rule", "rule", TEXT, lambda v: DiscreteDistribution.from_continuous(stats.norm(5, 1), rule=v)),
    C("from_continuous-huge-mean", "dist", st.floats(1e11, 1e15),
      lambda v: DiscreteDistribution.from_continuous(stats.norm(v, v / 10))),
    C("degenerate-negative", "value", NEG_INT, lambda v: degenerate(v)),
    C("degenerate-fraction", "value", FRACTION, lambda v: degenerate(v)),
    C("degenerate-nan", "value", NAN, lambda v: degenerate(v)),
    C("degenerate-huge", "value", HUGE_INT, lambda v: degenerate(v)),
    C("degenerate-text", "value", TEXT, lambda v: degenerate(v)),
    C("degenerate-none", "value", NONE, lambda v: degenerate(v)),
    C("as_discrete-negative-int", "demand", NEG_INT, lambda v: as_discrete(v, param="demand")),
    C("as_discrete-bool", "demand", BOOL, lambda v: as_discrete(v, param="demand")),
    C("as_discrete-text", "demand", TEXT, lambda v: as_discrete(v, param="demand")),
    C("as_discrete-none", "demand", NONE, lambda v: as_discrete(v, param="demand")),
    C("as_discrete-float", "demand", FRACTION, lambda v: as_discrete(v, param="demand")),
    C("as_discrete-huge-poisson", "demand", st.floats(1e10, 1e15), lambda v: as_discrete(stats.poisson(v), param="demand")),
    C("as_discrete-huge-int", "demand", HUGE_INT, lambda v: as_discrete(v, param="demand")),
    C("as_discrete-bad-dict", "demand", st.just({1: 0.5, 2: 0.6}), lambda v: as_discrete(v, param="demand")),
    C("as_discrete-negative-mean", "demand", st.floats(-1e6, -1), lambda v: as_discrete(stats.norm(v, 1), param="demand")),
    # ---------------------------------------------------------------- its methods
    *[C(f"{m}-nan", "x", NAN, (lambda m: lambda v: getattr(D3, m)(v))(m))
      for m in ("cdf", "sf", "prob", "loss", "complementary_loss", "second_order_loss")],
    *[C(f"{m}-text", "x", TEXT, (lambda m: lambda v: getattr(D3, m)(v))(m))
      for m in ("cdf", "sf", "prob", "loss", "complementary_loss", "second_order_loss")],
    *[C(f"{m}-array-with-nan", "x", with_one(NAN), (lambda m: lambda v: getattr(D3, m)(v))(m))
      for m in ("cdf", "sf", "loss")],
    C("cdf-inf", "x", INF, lambda v: D3.cdf(v), answer=lambda v, r: r == (1.0 if v > 0 else 0.0)),
    C("sf-inf", "x", INF, lambda v: D3.sf(v), answer=lambda v, r: r == (0.0 if v > 0 else 1.0)),
    C("prob-inf", "x", INF, lambda v: D3.prob(v), answer=lambda v, r: r == 0.0),
    C("loss-plus-inf", "x", POS_INF, lambda v: D3.loss(v), answer=lambda v, r: r == 0.0),
    C("loss-minus-inf", "x", NEG_INF, lambda v: D3.loss(v)),
    C("second_order_loss-plus-inf", "x", POS_INF, lambda v: D3.second_order_loss(v), answer=lambda v, r: r == 0.0),
    C("second_order_loss-minus-inf", "x", NEG_INF, lambda v: D3.second_order_loss(v)),
    C("complementary_loss-plus-inf", "x", POS_INF, lambda v: D3.complementary_loss(v)),
    C("complementary_loss-minus-inf", "x", NEG_INF, lambda v: D3.complementary_loss(v), answer=lambda v, r: r == 0.0),
    C("ppf-nan", "q", NAN, lambda v: D3.ppf(v)),
    C("ppf-zero", "q", ZERO, lambda v: D3.ppf(v)),
    C("ppf-one-or-more", "q", ABOVE_ONE, lambda v: D3.ppf(v)),
    C("ppf-negative", "q", NEGATIVE, lambda v: D3.ppf(v)),
    C("ppf-inf", "q", INF, lambda v: D3.ppf(v)),
    C("ppf-text", "q", TEXT, lambda v: D3.ppf(v)),
    C("rvs-size-negative", "size", NEG_INT, lambda v: D3.rvs(size=v)),
    C("rvs-size-fraction", "size", FRACTION, lambda v: D3.rvs(size=v)),
    C("rvs-size-text", "size", TEXT, lambda v: D3.rvs(size=v)),
    C("rvs-size-huge", "size", HUGE_INT, lambda v: D3.rvs(size=v)),
    C("rvs-size-huge-shape", "size", st.tuples(st.integers(10**5, 10**7), st.integers(10**5, 10**7)),
      lambda v: D3.rvs(size=v)),
    C("rvs-seed-negative", "seed", NEG_INT, lambda v: D3.rvs(3, seed=v)),
    C("rvs-seed-text", "seed", TEXT, lambda v: D3.rvs(3, seed=v)),
    C("rvs-seed-fraction", "seed", FRACTION, lambda v: D3.rvs(3, seed=v)),
    # ---------------------------------------------------------------- families and fitting
    C("demand_distribution-family", "family", TEXT, lambda v: demand_distribution(v, 10)),
    C("demand_distribution-mean-nan", "mean", NAN, lambda v: demand_distribution("poisson", v)),
    C("demand_distribution-mean-inf", "mean", INF, lambda v: demand_distribution("poisson", v)),
    C("demand_distribution-mean-negative", "mean", NEGATIVE, lambda v: demand_distribution("norm", v)),
    C("demand_distribution-mean-zero", "mean", ZERO, lambda v: demand_distribution("nbinom", v, 2)),
    C("demand_distribution-mean-text", "mean", TEXT, lambda v: demand_distribution("poisson", v)),
    C("demand_distribution-dispersion-nan", "dispersion", NAN, lambda v: demand_distribution("nbinom", 10, v)),
    C("demand_distribution-dispersion-below-one", "dispersion", st.floats(-10, 1), lambda v: demand_distribution("nbinom", 10, v)),
    C("demand_distribution-dispersion-poisson", "dispersion", st.floats(1.001, 10), lambda v: demand_distribution("poisson", 10, v)),
    C("demand_distribution-dispersion-norm", "dispersion", st.floats(-10, 0), lambda v: demand_distribution("norm", 10, v)),
    C("lead_time_distribution-family", "family", TEXT, lambda v: lead_time_distribution(v, 5)),
    C("lead_time_distribution-mean-nan", "mean", NAN, lambda v: lead_time_distribution("gamma", v, 0.3)),
    C("lead_time_distribution-mean-inf", "mean", INF, lambda v: lead_time_distribution("gamma", v, 0.3)),
    C("lead_time_distribution-mean-negative", "mean", NEGATIVE, lambda v: lead_time_distribution("fixed", v)),
    C("lead_time_distribution-cv-nan", "cv", NAN, lambda v: lead_time_distribution("lognorm", 5, v)),
    C("lead_time_distribution-cv-negative", "cv", NEGATIVE, lambda v: lead_time_distribution("lognorm", 5, v)),
    C("lead_time_distribution-cv-fixed", "cv", st.floats(0.01, 5), lambda v: lead_time_distribution("fixed", 5, v)),
    C("fit_demand-empty", "samples", EMPTY, lambda v: fit_demand(v)),
    C("fit_demand-one-value", "samples", arrays(st.integers(0, 9), 1, 1), lambda v: fit_demand(v)),
    C("fit_demand-nan", "samples", with_one(NAN, st.integers(0, 20)), lambda v: fit_demand(v)),
    C("fit_demand-negative", "samples", with_one(NEG_INT, st.integers(0, 20)), lambda v: fit_demand(v)),
    C("fit_demand-fraction", "samples", with_one(FRACTION, st.integers(0, 20)), lambda v: fit_demand(v)),
    C("fit_demand-huge", "samples", with_one(HUGE_INT, st.integers(0, 20)), lambda v: fit_demand(v)),
    C("fit_demand-text", "samples", with_one(TEXT, st.integers(0, 20)), lambda v: fit_demand(v)),
    C("fit_demand-candidates", "candidates", TEXT, lambda v: fit_demand([1, 2, 3, 4], candidates=(v,))),
    C("fit_demand-no-candidates", "candidates", st.just(()), lambda v: fit_demand([1, 2, 3, 4], candidates=v)),
    # ---------------------------------------------------------------- lead-time demand
    C("ltd-demand-negative", "demand", NEG_INT, lambda v: lead_time_demand(v, 3)),
    C("ltd-demand-text", "demand", TEXT, lambda v: lead_time_demand(v, 3)),
    C("ltd-demand-negative-mean", "demand", st.floats(-100, -1), lambda v: lead_time_demand(stats.norm(v, 1), 3)),
    C("ltd-lead_time-negative", "lead_time", NEG_INT, lambda v: lead_time_demand(stats.poisson(2), v)),
    C("ltd-lead_time-text", "lead_time", TEXT, lambda v: lead_time_demand(stats.poisson(2), v)),
    C("ltd-lead_time-dict", "lead_time", st.just({2: 0.5, 3: 0.6}), lambda v: lead_time_demand(stats.poisson(2), v)),
    C("ltd-lead_time-huge", "lead_time", st.integers(10**5, 10**7), lambda v: lead_time_demand(stats.poisson(100), v)),
    C("ltd-method", "method", TEXT, lambda v: lead_time_demand(stats.poisson(2), 3, v)),
    C("ltd-tail-nan", "tail", NAN, lambda v: lead_time_demand(stats.poisson(2), 3, tail=v)),
    C("ltd-tail-too-big", "tail", st.floats(2e-6, 0.99), lambda v: lead_time_demand(stats.poisson(2), 3, tail=v)),
    C("ltd-tail-zero", "tail", ZERO, lambda v: lead_time_demand(stats.poisson(2), 3, tail=v)),
    C("ltd-n_draws-zero", "n_draws", st.integers(-100, 0), lambda v: lead_time_demand(stats.poisson(2), 3, "montecarlo", n_draws=v)),
    C("ltd-n_draws-fraction", "n_draws", FRACTION, lambda v: lead_time_demand(stats.poisson(2), 3, "montecarlo", n_draws=v)),
    C("ltd-n_draws-huge", "n_draws", HUGE_INT, lambda v: lead_time_demand(stats.poisson(2), 3, "montecarlo", n_draws=v)),
    C("ltd-seed-text", "seed", TEXT, lambda v: lead_time_demand(stats.poisson(2), 3, "montecarlo", n_draws=10, seed=v)),
    C("ltd-lead_time_rule", "lead_time_rule", TEXT, lambda v: lead_time_demand(stats.poisson(2), 3, lead_time_rule=v)),
    C("ltd_moments-lead_time-text", "lead_time", TEXT, lambda v: lead_time_demand_moments(stats.poisson(2), v)),
    C("ltd_moments-lead_time-negative", "lead_time", NEG_INT, lambda v: lead_time_demand_moments(stats.poisson(2), v)),
    # ---------------------------------------------------------------- metrics
    C("fill_rate-length", "same shape", arrays(st.floats(0, 9), 1, 3),
      lambda v: metrics.fill_rate([1.0, 2.0, 3.0, 4.0], v)),
    C("fill_rate-demand-nan", "demand", with_one(NAN, st.floats(5, 9)), lambda v: metrics.fill_rate(v, np.zeros(len(v)))),
    C("fill_rate-demand-inf", "demand", with_one(INF, st.floats(5, 9)), lambda v: metrics.fill_rate(v, np.zeros(len(v)))),
    C("fill_rate-demand-negative", "demand", with_one(NEGATIVE, st.floats(5, 9)), lambda v: metrics.fill_rate(v, np.zeros(len(v)))),
    C("fill_rate-met-above-demand", "met", arrays(st.floats(1.5, 9), 3, 3), lambda v: metrics.fill_rate([1, 1, 1], v)),
    C("fill_rate-met-nan", "met", with_one(NAN, st.floats(0, 1)), lambda v: metrics.fill_rate(np.full(len(v), 5.0), v)),
    C("fill_rate-text", "demand and met", TEXT, lambda v: metrics.fill_rate(v, [1])),
    C("mean_ci-empty", "x", EMPTY, lambda v: metrics.mean_ci(v)),
    C("mean_ci-inf", "x", with_one(INF), lambda v: metrics.mean_ci(v)),
    C("mean_ci-nan-among-numbers", "x", st.tuples(arrays(st.floats(0, 9), 1, 5), st.integers(0, 5))
      .map(lambda t: t[0][:t[1]] + [float("nan")] + t[0][t[1]:]), lambda v: metrics.mean_ci(v)),
    C("mean_ci-text", "x", with_one(TEXT), lambda v: metrics.mean_ci(v)),
    C("mean_ci-confidence-nan", "confidence", NAN, lambda v: metrics.mean_ci([1, 2, 3], v)),
    C("mean_ci-confidence-out-of-range", "confidence", st.one_of(ABOVE_ONE, NEGATIVE, ZERO), lambda v: metrics.mean_ci([1, 2, 3], v)),
    C("mean_ci-confidence-text", "confidence", TEXT, lambda v: metrics.mean_ci([1, 2, 3], v)),
    # ---------------------------------------------------------------- streaming
    C("ewma-x-nan", "x", with_one(NAN), lambda v: ewma_chart(v, 0, 1)),
    C("ewma-x-inf", "x", with_one(INF), lambda v: ewma_chart(v, 0, 1)),
    C("ewma-x-text", "x", with_one(TEXT), lambda v: ewma_chart(v, 0, 1)),
    C("ewma-x-2d", "x", NESTED, lambda v: ewma_chart(v, 0, 1)),
    C("ewma-mu0-nan", "mu0", NAN, lambda v: ewma_chart([1, 2], v, 1)),
    C("ewma-mu0-inf", "mu0", INF, lambda v: ewma_chart([1, 2], v, 1)),
    C("ewma-mu0-text", "mu0", TEXT, lambda v: ewma_chart([1, 2], v, 1)),
    C("ewma-sigma0-negative", "sigma0", NEGATIVE, lambda v: ewma_chart([1, 2, 3], 0, v)),
    C("ewma-sigma0-zero", "sigma0", ZERO, lambda v: ewma_chart([1, 2, 3], 0, v)),
    C("ewma-sigma0-nan", "sigma0", NAN, lambda v: ewma_chart([1, 2, 3], 0, v)),
    C("ewma-lam-out-of-range", "lam", st.one_of(ABOVE_ONE, NEGATIVE, ZERO), lambda v: ewma_chart([1, 2], 0, 1, lam=v)),
    C("ewma-L-negative", "L", st.one_of(NEGATIVE, ZERO), lambda v: ewma_chart([1, 2], 0, 1, L=v)),
    C("ewma-L-nan", "L", NAN, lambda v: ewma_chart([1, 2], 0, 1, L=v)),
    C("ewma-z0-inf", "z0", INF, lambda v: ewma_chart([1, 2], 0, 1, z0=v)),
    C("ewma-t0-negative", "t0", NEG_INT, lambda v: ewma_chart([1, 2], 0, 1, t0=v)),
    C("ewma-t0-fraction", "t0", FRACTION, lambda v: ewma_chart([1, 2], 0, 1, t0=v)),
    C("modified_z-x-nan", "x", with_one(NAN), lambda v: modified_z(v, 1.0, 1.0)),
    C("modified_z-x-text", "x", with_one(TEXT), lambda v: modified_z(v, 1.0, 1.0)),
    C("modified_z-median-nan", "median", st.one_of(NAN, INF), lambda v: modified_z([1, 2], v, 1.0)),
    C("modified_z-mad-negative", "mad", NEGATIVE, lambda v: modified_z([1, 2], 1.0, v)),
    C("modified_z-mad-nan", "mad", NAN, lambda v: modified_z([1, 2], 1.0, v)),
    C("replay-speed", "speed", st.one_of(NEGATIVE, ZERO, NAN, INF), lambda v: first_batch(speed=v)),
    C("replay-speed-text", "speed", TEXT, lambda v: first_batch(speed=v)),
    C("replay-tick", "tick", st.one_of(NEGATIVE, ZERO, NAN, INF), lambda v: first_batch(tick=v)),
    C("replay-events", "events", st.one_of(TEXT, NONE, arrays(st.floats())), lambda v: next(replay(v))),
    C("pipeline-window_hours", "window_hours", st.one_of(NEGATIVE, ZERO, NAN, INF), lambda v: Pipeline(POLICY, window_hours=v)),
    C("pipeline-calibration", "calibration", st.one_of(st.integers(-5, 4), FRACTION), lambda v: Pipeline(POLICY, calibration=v)),
    C("pipeline-ewma_lambda", "ewma_lambda", st.one_of(ABOVE_ONE, ZERO, NAN), lambda v: Pipeline(POLICY, ewma_lambda=v)),
    C("pipeline-ewma_L", "ewma_L", st.one_of(NEGATIVE, ZERO, INF), lambda v: Pipeline(POLICY, ewma_L=v)),
    C("pipeline-z_limit", "z_limit", st.one_of(NEGATIVE, NAN), lambda v: Pipeline(POLICY, z_limit=v)),
    C("pipeline-reorder_window_hours", "reorder_window_hours", st.one_of(NEGATIVE, NAN, INF, TEXT),
      lambda v: Pipeline(POLICY, reorder_window_hours=v)),
    C("pipeline-max_ahead_hours", "max_ahead_hours", st.one_of(NEGATIVE, ZERO, NAN, INF), lambda v: Pipeline(POLICY, max_ahead_hours=v)),
    C("pipeline-store", "store", st.one_of(TEXT, st.integers()), lambda v: Pipeline(POLICY, store=v)),
    C("pipeline-policy-type", "policy", st.one_of(TEXT, NONE, arrays(st.floats())), lambda v: Pipeline(v)),
    C("pipeline-policy-empty", "policy", st.just(POLICY.iloc[:0]), lambda v: Pipeline(v)),
    C("pipeline-order_quantity", "order_quantity", st.one_of(NAN, NEGATIVE, ZERO, INF), lambda v: Pipeline(policy_with("order_quantity", v))),
    C("pipeline-order_quantity-text", "order_quantity", TEXT, lambda v: Pipeline(policy_with("order_quantity", v))),
    C("pipeline-reorder_point", "reorder_point", st.one_of(NAN, INF), lambda v: Pipeline(policy_with("reorder_point", v))),
    C("pipeline-initial_stock", "initial_stock", st.one_of(NAN, INF), lambda v: Pipeline(policy_with("initial_stock", v))),
    C("pipeline-unit_cost", "unit_cost", st.one_of(NAN, NEGATIVE, INF), lambda v: Pipeline(policy_with("unit_cost", v))),
    C("pipeline-shortage_cost", "shortage_cost", st.one_of(NAN, NEGATIVE, INF), lambda v: Pipeline(policy_with("shortage_cost", v))),
    C("pipeline-lead_time_hours", "lead_time_hours", st.one_of(NAN, NEGATIVE, INF), lambda v: Pipeline(policy_with("lead_time_hours", v))),
    C("pipeline-demand_per_hour", "demand_per_hour", st.one_of(NAN, NEGATIVE, INF), lambda v: Pipeline(policy_with("demand_per_hour", v))),
    C("pipeline-node-missing", "node", st.one_of(NONE, st.just("")), lambda v: Pipeline(policy_with("node", v))),
    C("pipeline-batch-type", "batch", st.one_of(TEXT, NONE, st.integers()), lambda v: Pipeline(POLICY).process(v)),
    # ---------------------------------------------------------------- reinforcement learning
    C("rl-periods", "periods", st.one_of(st.integers(-5, 0), FRACTION, TEXT), lambda v: InvManagementParams(periods=v)),
    C("rl-periods-huge", "periods", HUGE_INT, lambda v: InvManagementParams(periods=v)),
    C("rl-initial_inventory-negative", "initial_inventory", with_one(NEGATIVE), lambda v: InvManagementParams(
        initial_inventory=v, reorder_cost=[1] * (len(v) + 1), penalty=[0.1] * (len(v) + 1), holding_cost=[0.1] * len(v),
        capacity=[50] * len(v), lead_time=[2] * len(v))),
    C("rl-initial_inventory-nan", "initial_inventory", st.just([np.nan, 100, 200]), lambda v: InvManagementParams(initial_inventory=v)),
    C("rl-initial_inventory-fraction", "initial_inventory", st.just([100.5, 100, 200]), lambda v: InvManagementParams(initial_inventory=v)),
    C("rl-initial_inventory-empty", "initial_inventory", EMPTY, lambda v: InvManagementParams(initial_inventory=v)),
    C("rl-price", "price", st.one_of(NEGATIVE, NAN, INF, TEXT), lambda v: InvManagementParams(price=v)),
    C("rl-reorder_cost-length", "reorder_cost", arrays(st.floats(0, 2), 1, 3), lambda v: InvManagementParams(reorder_cost=v)),
    C("rl-reorder_cost-negative", "reorder_cost", st.just([1.5, -1.0, 0.75, 0.5]), lambda v: InvManagementParams(reorder_cost=v)),
    C("rl-penalty-nan", "penalty", st.just([0.1, np.nan, 0.05, 0.025]), lambda v: InvManagementParams(penalty=v)),
    C("rl-holding_cost-inf", "holding_cost", st.just([0.15, np.inf, 0.05]), lambda v: InvManagementParams(holding_cost=v)),
    C("rl-capacity-zero", "capacity", st.just([100, 0, 80]), lambda v: InvManagementParams(capacity=v)),
    C("rl-capacity-fraction", "capacity", st.just([100, 90.5, 80]), lambda v: InvManagementParams(capacity=v)),
    C("rl-capacity-huge", "capacity", st.floats(1e17, 1e30).map(lambda c: [c, 90, 80]), lambda v: InvManagementParams(capacity=v)),
    C("rl-lead_time-negative", "lead_time", st.just([3, -5, 10]), lambda v: InvManagementParams(lead_time=v)),
    C("rl-lead_time-fraction", "lead_time", st.just([3, 5.5, 10]), lambda v: InvManagementParams(lead_time=v)),
    C("rl-lead_time-huge", "lead_time", HUGE_INT.map(lambda L: [3, 5, L]), lambda v: InvManagementParams(lead_time=v)),
    C("rl-backlog", "backlog", st.one_of(TEXT, st.integers(0, 1)), lambda v: InvManagementParams(backlog=v)),
    C("rl-demand-inf", "demand", st.just([np.inf] * 30), lambda v: InvManagementEnv(demand=v)),
    C("rl-demand-nan", "demand", st.just([np.nan] * 30), lambda v: InvManagementEnv(demand=v)),
    C("rl-demand-length", "demand", arrays(st.integers(0, 30), 1, 29), lambda v: InvManagementEnv(demand=v)),
    C("rl-demand-negative", "demand", st.just([-3] * 30), lambda v: InvManagementEnv(demand=v)),
    C("rl-demand-fraction", "demand", st.just([2.5] * 30), lambda v: InvManagementEnv(demand=v)),
    C("rl-demand-continuous", "demand", st.just(stats.norm(20, 5)), lambda v: InvManagementEnv(demand=v)),
    C("rl-discount", "discount", st.one_of(ABOVE_ONE.filter(lambda a: a > 1), NEGATIVE, ZERO, NAN), lambda v: InvManagementParams(discount=v)),
    C("rl-action-negative", "action", st.just([-1, 0, 0]), env_step),
    C("rl-action-fraction", "action", st.just([1.5, 0, 0]), env_step),
    C("rl-action-above-capacity", "action", st.integers(101, 10**6).map(lambda a: [a, 0, 0]), env_step),
    C("rl-action-shape", "action", arrays(st.integers(0, 5), 1, 2), env_step),
    C("rl-action-text", "action", TEXT, env_step),
    C("rl-action-nan", "action", st.just([np.nan, 0, 0]), env_step),
    C("rl-reset-demand-inf", "options['demand']", st.just([np.inf] * 30),
      lambda v: InvManagementEnv().reset(seed=0, options={"demand": v})),
    # ---------------------------------------------------------------- optimisation
    C("cflp-capacity-negative", "capacity", st.just([-12, 10]), lambda v: FacilityLocationInstance(v, [5, 7], [4, 8], [[1, 9], [6, 2]])),
    C("cflp-capacity-nan", "capacity", st.just([np.nan, 10]), lambda v: FacilityLocationInstance(v, [5, 7], [4, 8], [[1, 9], [6, 2]])),
    C("cflp-fixed_cost-length", "fixed_cost", st.just([5, 7, 9]), lambda v: FacilityLocationInstance([12, 10], v, [4, 8], [[1, 9], [6, 2]])),
    C("cflp-demand-inf", "demand", st.just([np.inf, 8]), lambda v: FacilityLocationInstance([12, 10], [5, 7], v, [[1, 9], [6, 2]])),
    C("cflp-demand-empty", "demand", EMPTY, lambda v: FacilityLocationInstance([12, 10], [5, 7], v, [[1, 9], [6, 2]])),
    C("cflp-cost-shape", "cost", st.just([1, 9, 6, 2]), lambda v: FacilityLocationInstance([12, 10], [5, 7], [4, 8], v)),
    C("cflp-cost-text", "cost", st.just([["a", 9], [6, 2]]), lambda v: FacilityLocationInstance([12, 10], [5, 7], [4, 8], v)),
    C("cflp-infeasible", "capacity", st.just([1, 1]), lambda v: FacilityLocationInstance(v, [5, 7], [4, 8], [[1, 9], [6, 2]])),
    C("generate-m", "m", st.one_of(st.integers(-5, 0), FRACTION, TEXT), lambda v: generate_instance(v, 5)),
    C("generate-n", "n", st.one_of(st.integers(-5, 0), FRACTION), lambda v: generate_instance(3, v)),
    C("generate-huge", "m x n", st.integers(10**5, 10**7), lambda v: generate_instance(v, v)),
    C("generate-capacity_ratio", "capacity_ratio", st.one_of(st.floats(0.01, 0.99), NAN, ZERO), lambda v: generate_instance(3, 5, capacity_ratio=v)),
    C("generate-fixed_cost", "fixed_cost", st.one_of(NAN, INF, TEXT), lambda v: generate_instance(3, 5, fixed_cost=v)),
    C("generate-seed", "seed", st.one_of(TEXT, NEG_INT), lambda v: generate_instance(3, 5, seed=v)),
    C("milp-solver", "solver", TEXT, lambda v: solve_milp(INST, solver=v)),
    C("milp-time_limit", "time_limit", st.one_of(NEGATIVE, ZERO, NAN), lambda v: solve_milp(INST, time_limit=v)),
    C("milp-gap_rel", "gap_rel", st.one_of(ABOVE_ONE, NEGATIVE, NAN), lambda v: solve_milp(INST, gap_rel=v)),
    C("milp-warm_start", "warm_start", arrays(st.integers(0, 1), 3, 5), lambda v: solve_milp(INST, warm_start=v)),
    C("milp-instance", "instance", st.one_of(TEXT, NONE), lambda v: solve_milp(v)),
    C("transport-open-shape", "open", arrays(st.integers(0, 1), 3, 5), lambda v: TransportationLP(INST).solve(v)),
    C("ga-population", "population", st.one_of(st.integers(-5, 1), FRACTION), lambda v: solve_ga(INST, population=v)),
    C("ga-generations", "generations", st.one_of(st.integers(-5, -1), FRACTION), lambda v: solve_ga(INST, generations=v)),
    C("ga-crossover_rate", "crossover_rate", st.one_of(ABOVE_ONE.filter(lambda a: a > 1), NEGATIVE, NAN), lambda v: solve_ga(INST, crossover_rate=v)),
    C("ga-mutation_rate", "mutation_rate", st.one_of(ABOVE_ONE.filter(lambda a: a > 1), NEGATIVE, NAN), lambda v: solve_ga(INST, mutation_rate=v)),
    # ---------------------------------------------------------------- forecasting
    C("forecaster-name", "model", TEXT, lambda v: make_forecaster(v)),
    C("forecaster-level", "level", st.one_of(ABOVE_ONE, ZERO, NEGATIVE, NAN), lambda v: make_forecaster("naive", level=v)),
    C("forecaster-seasonal_period", "seasonal_period", st.one_of(st.integers(-5, 0), FRACTION), lambda v: make_forecaster("naive", seasonal_period=v)),
    C("forecaster-window", "window", st.one_of(st.integers(-5, 0), FRACTION), lambda v: make_forecaster("moving_average", window=v)),
    C("forecaster-series-nan", "series", with_one(NAN), lambda v: make_forecaster("naive").fit(v)),
    C("forecaster-series-inf", "series", with_one(INF), lambda v: make_forecaster("naive").fit(v)),
    C("forecaster-series-empty", "series", EMPTY, lambda v: make_forecaster("naive").fit(v)),
    C("forecaster-series-text", "series", with_one(TEXT), lambda v: make_forecaster("naive").fit(v)),
    C("forecaster-series-2d", "series", NESTED, lambda v: make_forecaster("naive").fit(v)),
    C("forecaster-horizon", "horizon", st.one_of(st.integers(-5, 0), FRACTION, TEXT), lambda v: make_forecaster("naive").fit([1.0, 2, 3]).predict(v)),
    C("weights-mse-negative", "mse", with_one(NEGATIVE), lambda v: inverse_mse_weights(v)),
    C("weights-mse-nan", "mse", with_one(NAN), lambda v: inverse_mse_weights(v)),
    C("weights-mse-empty", "mse", EMPTY, lambda v: inverse_mse_weights(v)),
    C("weights-scheme", "scheme", TEXT, lambda v: inverse_mse_weights([1.0, 2.0], v)),
]

RESULTS = {"cases": 0, "examples": 0, "clear_error": 0, "correct_result": 0}
_OUTCOMES: dict[str, set] = {}


def _alarm(signum, frame):
    raise TimeoutError(f"no answer within {TIMEOUT} s")


def _finite(obj) -> bool:
    """No NaN or infinity in a result (numbers, arrays, tuples, DiscreteDistribution, dataclasses)."""
    if obj is None or isinstance(obj, (str, bool)):
        return True
    if isinstance(obj, DiscreteDistribution):
        return bool(np.isfinite(obj.pmf).all())
    if isinstance(obj, (tuple, list)):
        return all(_finite(o) for o in obj)
    if isinstance(obj, dict):
        return all(_finite(o) for o in obj.values())
    if isinstance(obj, (int, float, np.number, np.ndarray)):
        arr = np.asarray(obj)
        return arr.dtype.kind not in "fc" or bool(np.isfinite(arr).all())
    return True


def _innermost_casekit(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(CASEKIT_DIR)


def _check(case: Case, bad) -> str:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT)
    try:
        result = case.call(bad)
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        assert _innermost_casekit(exc), (
            f"{case.id}: {type(exc).__name__} from outside casekit for {bad!r}: {msg}\n"
            + "".join(traceback.format_tb(exc.__traceback__)[-3:]))
        assert re.search(rf"(?<![\w.]){re.escape(case.param)}(?![\w])", msg), (
            f"{case.id}: message does not name {case.param!r} for {bad!r}: {msg}")
        assert "\n" not in msg.strip(), f"{case.id}: message is not one line: {msg!r}"
        return "clear_error"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert _finite(result), f"{case.id}: {bad!r} gave a result with NaN or inf: {result!r}"
    if case.answer is not None:
        assert case.answer(bad, result), f"{case.id}: {bad!r} gave {result!r}, not the right answer"
    return "correct_result"


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    print(f"\nfuzz: {len(_OUTCOMES)} of {len(CASES)} cases tried, {RESULTS['examples']} examples; "
          f"{RESULTS['clear_error']} clear errors, {RESULTS['correct_result']} correct results; cases ending "
          f"only in clear errors: {sum(o == {'clear_error'} for o in _OUTCOMES.values())}, only in correct "
          f"results: {sum(o == {'correct_result'} for o in _OUTCOMES.values())}, in both: "
          f"{sum(len(o) == 2 for o in _OUTCOMES.values())}")


def test_at_least_150_distinct_cases():
    ids = [c.id for c in CASES]
    assert len(set(ids)) == len(ids) >= 150


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@settings(max_examples=6, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bad_input_gives_a_clear_error_or_a_finite_answer(case, data):
    bad = data.draw(case.bad, label=case.param)
    outcome = _check(case, bad)
    RESULTS["examples"] += 1
    RESULTS[outcome] += 1
    _OUTCOMES.setdefault(case.id, set()).add(outcome)
