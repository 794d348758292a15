"""Case studies at full size: Table 3 evaluation of both cases, traditional and hybrid.

Full size is 30 replications x 365 days, all 2,000 FMCG outlets (electronics: all SKUs); each
:func:`casekit.framework.evaluate` simulates the year twice on common random numbers (without and
with the supplier shutdown, for the recovery row).  Target: a case's traditional + hybrid pair,
as its notebook runs them, under 60 s on 2 cores.

Lines printed:

1. the planning steps against the general-purpose route they replace, measured in this run on the
   same inputs: the (r, Q) optimisation of a demand class (:func:`casekit.rq.optimize_rq` then
   :func:`casekit.rq.rq_cost_grid` on a frozen negative binomial, convolving the lead-time demand)
   vs :func:`casekit.framework._rq_class` (NB(Lk, p) written down once), and an exact safety-stock
   column (:func:`casekit.leadtime.lead_time_demand` convolution vs
   :func:`casekit.cases.fmcg.nb_lead_time_demand`), with how many answers agree;
2. per case and policy, the wall time of a full-size ``evaluate`` in one process (the hybrid after
   the traditional, as in the notebook: the system and the data are built once), and the pair's sum;
   the process's CPU time beside the wall time (on a shared machine the wall time includes waiting).

``--legacy`` adds the older side-by-side runner (``fmcg.run`` / ``electronics.run``).
"""

import sys
import time

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


def full_size():
    for case in ("electronics", "fmcg"):
        t_case = c_case = 0.0
        t0, c0 = time.perf_counter(), time.process_time()
        system = fw.case_system(case, horizon_days=365, outlets=2000)
        t_case += time.perf_counter() - t0
        c_case += time.process_time() - c0
        for policy, on in (("traditional", ()), ("hybrid", "hybrid")):
            t0, c0 = time.perf_counter(), time.process_time()
            r = fw.evaluate(case, on, system=system, replications=30, horizon_days=365, outlets=2000, seed=1)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            t_case += wall
            c_case += cpu
            print(f"{case:11s} {policy:11s} evaluate 30 x 365 d full size: {wall:6.1f} s (CPU {cpu:5.1f} s); fill rate "
                  f"{r.values['fill_rate'].mean():.2f} %, total cost {r.values['total_cost'].mean():,.0f}", flush=True)
        print(f"{case:11s} traditional + hybrid (with building the system): {t_case:6.1f} s (CPU {c_case:5.1f} s) "
              f"(target < 60 s: {'ok' if t_case < 60 else 'MISSED'})", flush=True)


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
    planning_steps()
    full_size()
    if "--legacy" in sys.argv:
        legacy()
