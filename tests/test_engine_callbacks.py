"""The fast engine's level callbacks over many stages: a callback that accepts its stages in any
order (``any_stage_order``) is given views of the engine's rows and may write its levels in place.
Checked against the same runs with levels given as arrays, and against the case planner run in
the published downstream-first order (its own arithmetic unpermuted), number for number."""

import dataclasses
import numpy as np
import pytest
from scipy import stats

from casekit import framework as fw
from casekit.cases import run_case
from casekit.network import Lane, Network, Stage
from casekit.policies import Mixed, OrderUpTo, Periodic
from casekit.simulation import SimulationConfig, simulate
from casekit.simulation.fast import _check_levels

T = 50


def _retail_net():
    """One warehouse, six retailers whose processing times differ (the engine groups them by
    processing time, so its row order is not the downstream-first order)."""
    stages = [Stage("W", 1.0, processing_time=1)]
    lanes = []
    for j in range(6):
        stages.append(Stage(f"R{j}", 2.0, processing_time=1 + (j * 2) % 3, demand=stats.poisson(4 + j),
                            stockout_cost=10.0))
        lanes.append(Lane("W", f"R{j}", lead_time=0))
    return Network(stages, lanes)


def _levels():
    t = np.arange(T + 10)
    return {f"R{j}": np.round(12 + j + 3 * np.sin(t / 5 + j)) for j in range(6)}


class _InPlace:
    """Fills ``view.levels`` (engine order) from per-stage arrays; records what it was given."""

    any_stage_order = True

    def __init__(self, arrays):
        self.arrays, self.seen = arrays, []

    def __call__(self, t, view):
        self.seen.append((tuple(view.stage_ids), view.position.flags.writeable, view.on_hand.flags.writeable))
        view.levels[:] = np.array([self.arrays[i][t] for i in view.stage_ids])[:, None]
        return view.levels


def _policy(levels):
    """Retailers order up to ``levels`` (per-stage arrays or a callback) every 2 periods, staggered."""
    ret = tuple(f"R{j}" for j in range(6))
    rule = OrderUpTo(levels if callable(levels) else {**levels, "W": 0.0})
    return Mixed({ret: Periodic(rule, every={i: 2 for i in ret}, offset={i: k % 2 for k, i in enumerate(ret)}),
                  "W": OrderUpTo(80.0)})


def test_a_callback_in_engine_order_writing_in_place_gives_the_same_run_as_level_arrays():
    net, arrays = _retail_net(), _levels()
    cfg = SimulationConfig(keep_series=True, keep_totals=True)
    cb = _InPlace(arrays)
    a = simulate(net, _policy(arrays), T, 3, seed=4, engine="fast", warmup=10, config=cfg)
    b = simulate(net, _policy(cb), T, 3, seed=4, engine="fast", warmup=10, config=cfg)
    np.testing.assert_array_equal(a.kpis.to_numpy(), b.kpis.to_numpy())
    for k in a.series:
        np.testing.assert_array_equal(a.series[k], b.series[k], err_msg=k)
    ids, pos_writeable, on_writeable = cb.seen[0]
    assert sorted(ids) == sorted(arrays) and ids != tuple(sorted(arrays))     # the engine's own order
    assert not pos_writeable and not on_writeable                              # views of its state


def test_a_callback_without_the_flag_still_sees_its_stages_downstream_first():
    net, arrays = _retail_net(), _levels()
    seen = []

    def levels(t, view):
        seen.append(tuple(view.stage_ids))
        view.position[:] = -1.0                 # a copy: the engine's state is not touched
        return np.array([arrays[i][t] for i in view.stage_ids])

    a = simulate(net, _policy(arrays), T, 3, seed=4, engine="fast", warmup=10)
    b = simulate(net, _policy(levels), T, 3, seed=4, engine="fast", warmup=10)
    np.testing.assert_array_equal(a.kpis.to_numpy(), b.kpis.to_numpy())
    assert seen[0] == tuple(i for i in net.downstream_first() if i.startswith("R"))


def test_level_check_refuses_non_finite_levels_and_accepts_finite_ones_whose_sum_overflows():
    ids = ("a", "b")
    _check_levels(np.full((2, 3), 1e308), 3, 0, ids)          # the sum is inf, every level finite
    _check_levels(np.ones((2, 1)), 3, 0, ids)
    for bad in (np.array([[1.0], [np.nan]]), np.array([[np.inf], [1.0]])):
        with pytest.raises(ValueError, match="non-finite level in period 5 for stages"):
            _check_levels(bad, 3, 5, ids)
    with pytest.raises(ValueError, match=r"expected \(2,\) or \(2, 3\)"):
        _check_levels(np.ones((3, 3)), 3, 0, ids)


class _DownstreamFirst(fw._Planner):
    """The case planner asking for its stages in the published downstream-first order."""

    any_stage_order = False


@pytest.mark.parametrize("on", [(), ("blend",), ("blend", "refit", "review_period", "reallocation")])
def test_case_planner_in_engine_order_gives_the_same_numbers_as_downstream_first(on):
    """(r, Q) with the upstream moving average, daily targets reviewed weekly, and the refit blend:
    the planner keeps its outlets in the engine's row order (a permutation here) and computes only
    the reviewing outlets' levels; the run must equal, to the bit, the planner's run with its
    stages downstream first (copies of the engine's rows, levels copied back)."""
    cal = fw.load_calibration("fmcg")
    system = fw.case_system("fmcg", horizon_days=70, outlets=40, dispersion_scale=cal["dispersion_scale"])
    pol = fw.build_policy("fmcg", system, fw.resolve("fmcg", on), service_level=0.9,
                          ma_window=int(cal["ma_window"]), max_lot_days=float(cal["max_lot_days"]))
    plain, permuted = _DownstreamFirst(**pol.planner.keywords), pol.planner()
    kw = dict(horizon=70, replications=3, seed=2, warmup=14)
    a = run_case(system, dataclasses.replace(pol, planner=lambda: plain), **kw)
    b = run_case(system, dataclasses.replace(pol, planner=lambda: permuted), **kw)
    np.testing.assert_array_equal(a.kpis.to_numpy(float), b.kpis.to_numpy(float))
    for k in a.simulation.totals:
        np.testing.assert_array_equal(a.simulation.totals[k], b.simulation.totals[k], err_msg=k)
    # two different outlet orders (downstream first is the reverse order; the engine groups outlets
    # by lead time), both giving the numbers of the outlets' own order
    assert not np.array_equal(permuted._j, plain._j) and permuted._inv is not None
    if "refit" in on:                          # the squared errors summed in the outlets' order, to the bit
        np.testing.assert_array_equal(plain._sse, permuted._sse)
        np.testing.assert_array_equal(plain._w, permuted._w)


def test_case_planner_with_fractional_lots_adds_the_outlets_orders_in_their_own_order():
    """(r, Q) lots that are not whole units: the upstream plan's sums of the outlets' orders are
    added in outlet order, so the engine's row order leaves them unchanged to the bit."""
    cal = fw.load_calibration("fmcg")
    system = fw.case_system("fmcg", horizon_days=70, outlets=200, dispersion_scale=cal["dispersion_scale"])
    pol = fw.build_policy("fmcg", system, (), service_level=0.9, ma_window=int(cal["ma_window"]),
                          max_lot_days=float(cal["max_lot_days"]))
    kw_planner = {**pol.planner.keywords, "Q": pol.planner.keywords["Q"] * 0.7 + 0.1}
    plain, permuted = _DownstreamFirst(**kw_planner), fw._Planner(**kw_planner)
    kw = dict(horizon=70, replications=3, seed=2, warmup=14)
    a = run_case(system, dataclasses.replace(pol, planner=lambda: plain), **kw)
    b = run_case(system, dataclasses.replace(pol, planner=lambda: permuted), **kw)
    assert permuted._add_in_outlet_order
    np.testing.assert_array_equal(plain._hist, permuted._hist)
    np.testing.assert_array_equal(a.kpis.to_numpy(float), b.kpis.to_numpy(float))
