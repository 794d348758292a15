"""Case studies at full size: Table 3 evaluation of both cases, the ablation, and the whole notebook run.

Full size is 30 replications x 365 days, all 2,000 FMCG outlets (electronics: all SKUs); each
:func:`casekit.framework.evaluate` simulates the year twice on common random numbers (without and
with the supplier shutdown, for the recovery row).  Target: a case's whole ``casekit run`` at full
size, ablation on, under 60 s on 2 cores.

Lines printed:

1. the planning steps against the general-purpose route they replace, measured in this run on the
   same inputs: the (r, Q) optimisation of a demand class (:func:`casekit.rq.optimize_rq` then
   :func:`casekit.rq.rq_cost_grid` on a frozen negative binomial, convolving the lead-time demand)
   vs :func:`casekit.framework._rq_class` (NB(Lk, p) written down once), and an exact safety-stock
   column (:func:`casekit.leadtime.lead_time_demand` convolution vs
   :func:`casekit.cases.fmcg.nb_lead_time_demand`), with how many answers agree;
2. per case, the wall time of a full-size ``evaluate`` of the traditional baseline and of the
   hybrid in one process (the hybrid after the traditional, as in the notebook: the system and
   the data are built once), then of :func:`casekit.framework.ablation` as the notebook calls it
   (``recovery=False``, reusing the two runs, ``workers`` processes, default 2); the CPU time
   beside the wall time (this process's, plus its finished worker processes' for the ablation: on
   a shared machine the wall time includes waiting) and the load average; then the same work
   through :func:`casekit.framework.run_table3` (one process pool for all of it, as the notebooks
   run it) on a system built again, its ratio to the calls one after another and a check that
   the numbers are the same;
3. per case, the whole ``casekit run`` of the case notebook at full size with the ablation on
   (a fresh process: imports, kernel, plots and all), wall and CPU (the run's processes).

``--serial`` adds the ablation on one process (``workers=1``) and the ratio of the two, with a check
that both give the same numbers; ``--no-run`` skips line 3; ``--cases fmcg`` (or ``electronics``)
runs one case; ``--legacy`` adds the older side-by-side runner (``fmcg.run`` / ``electronics.run``).
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats

from casekit import framework as fw
from casekit.cases import electronics, fmcg
from casekit.distributions import demand_distribution
from casekit.leadtime import lead_time_demand
from casekit.rq import optimize_rq, rq_cost_grid
from casekit.safety_stock import reorder_point


def _rq_general(m, lt, h, p, K, k, cap_days):
    demand = stats.nbinom(k, k / (k + m))
    res = optimize_rq(demand, lt, h, p, K)
    rr, qq = float(res.reorder_point), float(res.order_quantity)
    cap = max(1.0, np.floor(cap_days * m))
    if qq > cap or rr < 0:
        qq = min(qq, cap)
        hi = int(np.ceil(m * lt + 8 * np.sqrt(lt * (m + m * m / k)) + 10))
        grid = rq_cost_grid(range(0, hi + 1), [int(qq)], demand, lt, h, p, K)
        rr = float(grid.iloc[:, 0].idxmin())
    return rr, qq


def planning_steps():
    s = fw.case_system("fmcg", horizon_days=365, outlets=2000)
    cal = fw.load_calibration("fmcg")
    csl, k = cal["service_level"], float(s.dispersion)
    classes = sorted({(round(float(np.log(max(m, 0.02)) / np.log(fw.RQ_CLASS_RATIO))), int(L), float(h))
                      for m, L, h in zip(fw.recent_mean("fmcg", s, 180), s.lead_dn, np.round(s.h_dn, 10))})[::8]
    args = [(fw.RQ_CLASS_RATIO ** c, L, h, h * csl / (1 - csl), float(s.K_dn), k, cal["max_lot_days"])
            for c, L, h in classes]
    t0 = time.perf_counter()
    old = [_rq_general(*a) for a in args]
    t_old = time.perf_counter() - t0
    t0 = time.perf_counter()
    new = [fw._rq_class(*a) for a in args]
    t_new = time.perf_counter() - t0
    same = sum(a == b for a, b in zip(old, new))
    print(f"(r, Q) per demand class: {len(args)} FMCG classes, general route {t_old:.2f} s, framework "
          f"{t_new:.2f} s: {t_old / t_new:.1f}x faster; same (r, Q) in {same}/{len(args)}")
    cells = [(m, L) for L in (2, 5, 9, 16) for m in np.geomspace(0.1, 60, 28)]
    t0 = time.perf_counter()
    old = [reorder_point(lead_time_demand(demand_distribution("nbinom", m, 1 + m / k), L), csl) for m, L in cells]
    t_old = time.perf_counter() - t0
    t0 = time.perf_counter()
    new = [reorder_point(fmcg.nb_lead_time_demand(m, L, k), csl) for m, L in cells]
    t_new = time.perf_counter() - t0
    same = sum(a == b for a, b in zip(old, new))
    print(f"exact safety-stock cells: {len(cells)}, convolution {t_old:.2f} s, NB(Lk, p) {t_new:.2f} s: "
          f"{t_old / t_new:.1f}x faster; same reorder point in {same}/{len(cells)}")


def _clock():
    """(wall, CPU of this process and of its finished child processes)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + ru.ru_utime + ru.ru_stime


def _since(t):
    now = _clock()
    return now[0] - t[0], now[1] - t[1]


def _load():
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def full_size(cases, serial=False):
    for case in cases:
        t = _clock()
        system = fw.case_system(case, horizon_days=365, outlets=2000)
        runs = {}
        total = list(_since(t))
        for policy, on in (("traditional", ()), ("hybrid", "hybrid")):
            t = _clock()
            r = runs[policy] = fw.evaluate(case, on, system=system, replications=30, horizon_days=365, seed=1)
            wall, cpu = _since(t)
            total[0] += wall
            total[1] += cpu
            print(f"{case:11s} {policy:11s} evaluate 30 x 365 d full size: {wall:6.1f} s (CPU {cpu:5.1f} s); fill rate "
                  f"{r.values['fill_rate'].mean():.2f} %, total cost {r.values['total_cost'].mean():,.0f}; {_load()}",
                  flush=True)
        kw = dict(replications=30, horizon_days=365, seed=1, recovery=False, system=system,
                  traditional=runs["traditional"], hybrid=runs["hybrid"])
        t = _clock()
        abl = fw.ablation(case, **kw)
        wall, cpu = _since(t)
        total[0] += wall
        total[1] += cpu
        steps = 2 * len(fw.levers(case))
        print(f"{case:11s} ablation    {steps} steps on 2 workers, reusing both runs: {wall:6.1f} s (CPU {cpu:5.1f} s); "
              f"{_load()}", flush=True)
        print(f"{case:11s} traditional + hybrid + ablation (with building the system): {total[0]:6.1f} s "
              f"(CPU {total[1]:5.1f} s)", flush=True)
        t = _clock()
        fresh = fw.case_system(case, horizon_days=365, outlets=2000)     # nothing built for it yet
        pooled = fw.run_table3(case, "hybrid", system=fresh, replications=30, horizon_days=365, seed=1)
        wall3, cpu3 = _since(t)
        same = (pooled["traditional"].values.equals(runs["traditional"].values)
                and pooled["hybrid"].values.equals(runs["hybrid"].values)
                and all(pooled["ablation"][k].equals(abl[k]) for k in ("add", "remove")))
        print(f"{case:11s} run_table3, the same work in one pool as the notebook runs it (system built again): "
              f"{wall3:6.1f} s (CPU {cpu3:5.1f} s): {total[0] / wall3:.2f}x faster than one call after another; "
              f"same numbers: {same}; {_load()}", flush=True)
        if serial:
            t = _clock()
            one = fw.ablation(case, workers=1, **kw)
            wall1, cpu1 = _since(t)
            same = all(one[k].equals(abl[k]) for k in ("add", "remove"))
            print(f"{case:11s} ablation    on 1 process: {wall1:6.1f} s (CPU {cpu1:5.1f} s): 2 workers "
                  f"{wall1 / wall:.2f}x faster in wall time; same numbers: {same}; {_load()}", flush=True)


NOTEBOOKS = {"electronics": "notebooks/18_case_electronics.ipynb", "fmcg": "notebooks/19_case_fmcg.ipynb"}


def whole_run(cases):
    root = Path(__file__).resolve().parents[1]
    for case in cases:
        args = [sys.executable, "-m", "casekit", "run", NOTEBOOKS[case], "-p", "replications", "30",
                "-p", "horizon_days", "365", "-p", "ablate", "True"]
        if case == "fmcg":
            args += ["-p", "outlets", "2000"]
        with tempfile.TemporaryDirectory() as out:
            t = _clock()
            r = subprocess.run(args + ["--out", out], cwd=root, capture_output=True, text=True)
            wall, cpu = _since(t)
        ok = "ok" if r.returncode == 0 else f"FAILED ({r.stderr.strip().splitlines()[-1:]})"
        print(f"{case:11s} whole `casekit run` full size, ablation on: {wall:6.1f} s (CPU {cpu:5.1f} s) {ok} "
              f"(target < 60 s on 2 quiet cores: {'met' if wall < 60 else 'not met'} here); {_load()}", flush=True)


def legacy():
    for case, fn in (("fmcg", lambda sc: fmcg.run(outlets=2000, horizon_days=365, replications=30, seed=1, scenario=sc)),
                     ("electronics", lambda sc: electronics.run(horizon_days=365, replications=30, seed=1,
                                                                scenario=sc))):
        for sc in ("none", "supplier_shutdown"):
            t0 = time.perf_counter()
            res = fn(sc)
            wall = time.perf_counter() - t0
            print(f"legacy {case:11s} {sc:17s} wall {wall:6.2f} s, simulation {res.elapsed:6.2f} s, "
                  f"{res.node_periods / res.elapsed:,.0f} node-days/s")


if __name__ == "__main__":
    chosen = tuple(fw.CASES)
    if "--cases" in sys.argv:
        chosen = tuple(sys.argv[sys.argv.index("--cases") + 1].split(","))
    planning_steps()
    full_size(chosen, serial="--serial" in sys.argv)
    if "--no-run" not in sys.argv:
        whole_run(chosen)
    if "--legacy" in sys.argv:
        legacy()
