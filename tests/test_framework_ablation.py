"""casekit.framework.ablation: reusing a notebook's runs, simulating a policy once, and running the
steps on a process pool without changing a number."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from casekit import framework as fw

SMALL = dict(replications=2, horizon_days=60, seed=3, recovery=False)


@pytest.fixture(scope="module")
def small_elec():
    return fw.case_system("electronics", horizon_days=SMALL["horizon_days"])


@pytest.fixture(scope="module")
def serial(small_elec):
    return fw.ablation("electronics", system=small_elec, workers=1, **SMALL)


def _same(a, b):
    for k in ("add", "remove"):
        pd.testing.assert_frame_equal(a[k], b[k])
    for k in ("traditional", "hybrid"):
        pd.testing.assert_frame_equal(a[k].values, b[k].values)
        assert a[k].service_level == b[k].service_level


def test_two_workers_give_the_numbers_of_one_on_a_fresh_system(serial):
    """Two worker processes, the system built again: every paired change identical to the
    serial run (each step is seeded; nothing depends on where it runs)."""
    _same(serial, fw.ablation("electronics", workers=2, **SMALL))


def test_given_baseline_and_hybrid_are_reused_not_recomputed(serial, small_elec, monkeypatch):
    """As a notebook passes them: measured with the shutdown runs too (recovery stays blank in an
    ablation without them, as when it computes them itself)."""
    kw = dict(system=small_elec, horizon_days=SMALL["horizon_days"], replications=SMALL["replications"],
              seed=SMALL["seed"], recovery=True)
    trad, hyb = fw.evaluate("electronics", (), **kw), fw.evaluate("electronics", "hybrid", **kw)
    seen = []
    real = fw.evaluate

    def spy(case, on=(), **k):
        seen.append(fw.resolve(case, on))
        return real(case, on, **k)

    monkeypatch.setattr(fw, "evaluate", spy)
    out = fw.ablation("electronics", system=small_elec, traditional=trad, hybrid=hyb, workers=1, **SMALL)
    for k in ("add", "remove"):
        pd.testing.assert_frame_equal(serial[k], out[k])
    assert out["traditional"] is trad and out["hybrid"] is hyb
    assert () not in seen and fw.levers("electronics") not in seen
    # one simulation per distinct policy: 12 levers added alone, 12 removed, of which removing
    # safety_stock_placement leaves the hybrid's policy (the stochastic programme sets that buffer)
    assert len(seen) == len(set(seen)) == 2 * 12 - 1


@pytest.mark.parametrize("case, on, same_as", [
    ("electronics", ("blend", "stochastic_placement"), ("blend", "safety_stock_placement", "stochastic_placement")),
    ("fmcg", ("co2_network_design", "reallocation"), ("co2_network_design", "transport_mode", "reallocation")),
])
def test_a_superseded_lever_leaves_the_policy_unchanged(case, on, same_as):
    """What the ablation relies on to simulate such lever sets once: the same policy, field by
    field (levels, lots, upstream levels and buffers, planner inputs, modes)."""
    assert fw._effective(same_as) == fw._effective(on) == on
    system = fw.case_system(case, horizon_days=60, outlets=40)
    a = fw.build_policy(case, system, on, service_level=0.9)
    b = fw.build_policy(case, system, same_as, service_level=0.9)
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "name":
            continue
        if f.name == "info":
            assert {k: v for k, v in x.items() if k != "levers"}.keys() == {k for k in y if k != "levers"}
            np.testing.assert_array_equal(x["up_buffer"], y["up_buffer"])
            assert x["up_modes"] == y["up_modes"] and x["service_level"] == y["service_level"]
        elif f.name == "planner":
            assert (x is None) == (y is None)
            if x is not None:
                assert x.keywords.keys() == y.keywords.keys()
                for k in x.keywords:
                    np.testing.assert_equal(x.keywords[k], y.keywords[k])
        else:
            np.testing.assert_equal(x, y)


@pytest.mark.parametrize("workers, err", [(0, ValueError), (-1, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_workers_must_be_a_whole_number_at_least_one(workers, err):
    with pytest.raises(err, match=f"workers must be .*got {workers!r}"):
        fw.ablation("electronics", workers=workers, **SMALL)


def _run(levers=(), reps=2, seed=3, recovery=np.nan):
    vals = pd.DataFrame({c: np.ones(reps) for c in fw._ABL_COLS})
    vals["recovery_days"] = recovery
    return fw.Table3Run("electronics", levers, vals, 0.9, seed, SMALL["horizon_days"])


@pytest.mark.parametrize("kw, match", [
    (dict(traditional=_run(levers=("blend",))), "traditional must be the electronics run with levers ()"),
    (dict(hybrid=_run()), "hybrid must be the electronics run with levers"),
    (dict(traditional=_run(reps=3)), "traditional has 3 replications, the ablation runs 2"),
    (dict(traditional=_run(seed=4)), "traditional was evaluated with seed=4, the ablation runs seed=3"),
    (dict(traditional=_run(), recovery=True), "traditional was evaluated with recovery=False"),
    (dict(system=fw.case_system("fmcg", horizon_days=60, outlets=40)), "system must be the electronics case system"),
])
def test_runs_from_another_case_size_or_seed_are_refused(kw, match):
    args = {**SMALL, **kw}
    with pytest.raises(ValueError, match=match.replace("(", r"\(").replace(")", r"\)")):
        fw.ablation("electronics", workers=1, **args)


def test_a_foreign_object_as_a_run_is_a_type_error():
    with pytest.raises(TypeError, match="traditional must be a Table3Run"):
        fw.ablation("electronics", traditional=pd.DataFrame(), workers=1, **SMALL)


def test_evaluate_runs_the_shutdown_twin_in_a_second_process_with_the_same_numbers(small_elec):
    kw = dict(system=small_elec, horizon_days=60, replications=2, seed=5, recovery=True)
    one = fw.evaluate("electronics", ("review_period",), workers=1, **kw)
    two = fw.evaluate("electronics", ("review_period",), workers=2, **kw)
    pd.testing.assert_frame_equal(one.values, two.values)
    assert one.values["recovery_days"].notna().all()
    with pytest.raises(ValueError, match="workers must be >= 1, got 0"):
        fw.evaluate("electronics", (), workers=0, **kw)


@pytest.mark.parametrize("workers", [1, 2])
def test_run_table3_gives_the_numbers_of_evaluate_and_ablation_one_by_one(serial, small_elec, workers):
    """One pool for the baseline, the hybrid (each with its shutdown run) and the ablation: the
    numbers of evaluate(case, ()), evaluate(case, "hybrid") and ablation(recovery=False) run one
    by one.  The hybrid is tuned, so its shutdown run here reuses the tuned service level instead
    of tuning again: the same recovery days show that this is the same policy."""
    kw = dict(system=small_elec, horizon_days=SMALL["horizon_days"], replications=SMALL["replications"],
              seed=SMALL["seed"])
    trad, hyb = fw.evaluate("electronics", (), **kw), fw.evaluate("electronics", "hybrid", **kw)
    out = fw.run_table3("electronics", "hybrid", workers=workers, **kw)
    for name, run in (("traditional", trad), ("hybrid", hyb)):
        pd.testing.assert_frame_equal(out[name].values, run.values)
        assert out[name].service_level == run.service_level and out[name].levers == run.levers
        assert out[name].values["recovery_days"].notna().all()
    _same(serial, {**out["ablation"], "traditional": serial["traditional"], "hybrid": serial["hybrid"]})
    assert out["ablation"]["traditional"] is out["traditional"] and out["ablation"]["hybrid"] is out["hybrid"]


def test_run_table3_with_no_lever_simulates_the_baseline_once(small_elec, monkeypatch):
    """levers = "traditional": the hybrid column is the baseline, its two runs made once."""
    kw = dict(system=small_elec, horizon_days=SMALL["horizon_days"], replications=SMALL["replications"],
              seed=SMALL["seed"])
    seen = []
    real = fw._part

    def spy(job, system):
        seen.append(job[0])
        return real(job, system)

    monkeypatch.setattr(fw, "_part", spy)
    out = fw.run_table3("electronics", "traditional", ablate=False, workers=1, **kw)
    assert sorted(seen) == ["base", "shock"]
    pd.testing.assert_frame_equal(out["hybrid"].values, out["traditional"].values)
    pd.testing.assert_frame_equal(out["traditional"].values, fw.evaluate("electronics", (), workers=1, **kw).values)


def test_run_table3_with_one_lever_and_without_the_ablation(small_elec):
    kw = dict(system=small_elec, horizon_days=SMALL["horizon_days"], replications=SMALL["replications"],
              seed=SMALL["seed"])
    out = fw.run_table3("electronics", "review_period", ablate=False, workers=2, **kw)
    assert out["ablation"] is None
    pd.testing.assert_frame_equal(out["hybrid"].values,
                                  fw.evaluate("electronics", ("review_period",), workers=1, **kw).values)


@pytest.mark.parametrize("kw, err, match", [
    (dict(ablate="yes"), TypeError, "ablate must be True or False, got 'yes'"),
    (dict(on="teleport"), ValueError, "teleport"),
    (dict(workers=0), ValueError, "workers must be >= 1, got 0"),
    (dict(replications=1), ValueError, "replications must be >= 2, got 1"),
])
def test_run_table3_refuses_bad_input(small_elec, kw, err, match):
    args = {**dict(system=small_elec, horizon_days=SMALL["horizon_days"], replications=2, seed=3), **kw}
    with pytest.raises(err, match=match):
        fw.run_table3("electronics", **args)


def test_before_a_pool_forks_the_demand_and_forecasts_are_built_once_for_all_processes(monkeypatch):
    """What :func:`run_table3` does before its processes fork: draw the evaluation seed's demand
    (in a thread) and build the forecasts of the lever sets it will run, so that a job in a forked
    process finds them and builds neither; the numbers are those of a run that built its own."""
    from casekit.simulation import _model

    kw = dict(horizon_days=60, replications=2, seed=4)
    on = fw.resolve("electronics", ["lstm"])
    own = fw.evaluate("electronics", on, system=fw.case_system("electronics", horizon_days=60), recovery=False,
                      workers=1, **kw)
    system = fw.case_system("electronics", horizon_days=60)          # fresh: nothing built for it yet
    _model._DEMAND_STORE.clear()
    fw._prebuild("electronics", system, fw.load_calibration("electronics"), dict(kw, outlets=2000), [on])
    drawn, built = [], []
    real_draw, real_build = _model._DemandGroups.draw, fw._build_forecast
    monkeypatch.setattr(_model._DemandGroups, "draw", lambda self, *a: drawn.append(1) or real_draw(self, *a))
    monkeypatch.setattr(fw, "_build_forecast", lambda *a, **k: built.append(1) or real_build(*a, **k))
    ahead = fw.evaluate("electronics", on, system=system, recovery=False, workers=1, **kw)
    assert drawn == [] and built == []
    pd.testing.assert_frame_equal(ahead.values, own.values)
