"""Widgets of the network optimisation chapter (notebooks 13-16): thin wiring over
:mod:`casekit.optimization`.

* :func:`facility_toggler` - open and close facilities by hand; the cost shown is
  :func:`open_set_cost` (fixed cost + optimal transportation LP) of the boxes ticked;
* :func:`ga_explorer` - GA parameters and the convergence curve of :func:`~casekit.optimization.solve_ga`;
* :func:`benders_explorer` - the lower and upper bounds of :func:`~casekit.optimization.solve_benders` closing.
"""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from casekit.optimization import (
    ORLIB_NAMES, TransportationLP, load_orlib_cap, orlib_optima, solve_benders, solve_ga,
)
from casekit.widgets._common import labelled, readout, set_readout

__all__ = ["open_set_cost", "facility_toggler", "ga_explorer", "benders_explorer"]

_STYLE = {"description_width": "120px"}


def open_set_cost(instance, open_) -> dict:
    """Cost of an open set chosen by hand: ``fixed``, ``transport`` (optimal LP), ``total``
    (``inf`` and ``feasible=False`` when the open capacity is below the demand)."""
    y = np.asarray(open_, dtype=bool)
    sol = TransportationLP(instance).solve(y)
    fixed = float(instance.fixed_cost @ y)
    return {"feasible": sol.feasible, "fixed": fixed, "transport": sol.cost, "total": fixed + sol.cost,
            "capacity": float(instance.capacity[y].sum()), "demand": instance.total_demand}


def facility_toggler(name: str = "cap71", open_=None) -> W.VBox:
    """A toggle per facility of an OR-Library instance; readouts of fixed, transport and total
    cost, and the distance to the published optimum."""
    inst = load_orlib_cap(name)
    optimum = orlib_optima()[name]
    start = np.ones(inst.m, dtype=bool) if open_ is None else np.asarray(open_, dtype=bool)
    boxes = [labelled(W.ToggleButton(value=bool(start[i]), description=f"F{i + 1}",
                                     tooltip=f"capacity {inst.capacity[i]:g}, fixed cost {inst.fixed_cost[i]:g}",
                                     layout=W.Layout(width="52px")), f"facility-{i + 1}") for i in range(inst.m)]
    fixed = readout("fixed-cost", "Fixed cost:", fmt=",.1f")
    transport = readout("transport-cost", "Optimal transport cost:", fmt=",.1f")
    total = readout("total-cost", "Total cost:", fmt=",.3f")
    above = readout("above-optimum", "Above the published optimum (%):", fmt=".3f")
    note = W.HTML()
    note.add_class("ck-message")

    def update(_=None):
        y = np.array([b.value for b in boxes])
        c = open_set_cost(inst, y)
        set_readout(fixed, c["fixed"])
        if not c["feasible"]:
            set_readout(transport, "n/a")
            set_readout(total, "n/a")
            set_readout(above, "n/a")
            note.value = (f"<b>Infeasible:</b> open capacity {c['capacity']:,.0f} is below total demand "
                          f"{c['demand']:,.0f}. Open another facility.")
            return
        note.value = f"{int(y.sum())} open, capacity {c['capacity']:,.0f} for demand {c['demand']:,.0f}."
        set_readout(transport, c["transport"])
        set_readout(total, c["total"])
        set_readout(above, 100 * (c["total"] - optimum) / optimum)

    for b in boxes:
        b.observe(update, names="value")
    update()
    rows = [W.HBox(boxes[k:k + 10]) for k in range(0, inst.m, 10)]
    return W.VBox([W.HTML(f"<b>{name}</b>: {inst.m} facilities, {inst.n} customers; published optimum "
                          f"{optimum:,.3f}"), *rows, fixed, transport, total, above, note])


def ga_explorer(name: str = "cap71", population: int = 20, generations: int = 20,
                mutation_rate: float = 0.06, seed: int = 0) -> W.VBox:
    """Sliders for the GA's parameters; the convergence curve and the best cost found."""
    inst = load_orlib_cap(name)
    optimum = orlib_optima()[name]
    pop_w = labelled(W.IntSlider(value=population, min=4, max=80, step=2, description="population",
                                 continuous_update=False, style=_STYLE), "population")
    gen_w = labelled(W.IntSlider(value=generations, min=1, max=100, description="generations",
                                 continuous_update=False, style=_STYLE), "generations")
    mut_w = labelled(W.FloatSlider(value=mutation_rate, min=0.0, max=0.3, step=0.01, description="mutation rate",
                                   continuous_update=False, style=_STYLE), "mutation-rate")
    seed_w = labelled(W.IntSlider(value=seed, min=0, max=20, description="seed", continuous_update=False,
                                  style=_STYLE), "seed")
    best = readout("ga-best", "Best cost found:", fmt=",.3f")
    err = readout("ga-error", "Above the published optimum (%):", fmt=".3f")
    priced = readout("ga-priced", "Open sets priced (LPs solved):", fmt="d")
    plot = W.Output()

    def update(_=None):
        res = solve_ga(inst, pop_w.value, gen_w.value, mutation_rate=mut_w.value, seed=seed_w.value)
        set_readout(best, res.objective)
        set_readout(err, 100 * res.relative_error(optimum))
        set_readout(priced, int(res.history["evaluations"].iloc[-1]))
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6, 2.8))
            ax.plot(res.history["generation"], res.history["mean"], label="population mean", color="#999")
            ax.plot(res.history["generation"], res.history["best"], label="best so far", color="#4c72b0")
            ax.axhline(optimum, color="#dd8452", ls="--", label="published optimum")
            ax.set_xlabel("generation")
            ax.set_ylabel("total cost")
            ax.legend(fontsize=8)
            fig.tight_layout()
            plt.show()

    for w in (pop_w, gen_w, mut_w, seed_w):
        w.observe(update, names="value")
    update()
    return W.VBox([pop_w, gen_w, mut_w, seed_w, best, err, priced, plot])


def benders_explorer(name: str = "cap71", multi_cut: bool = False, lp_phase: bool = False) -> W.VBox:
    """Choose an instance and the Benders variant; watch the bounds close."""
    inst_w = labelled(W.Dropdown(options=list(ORLIB_NAMES[:25]), value=name, description="instance",
                                 style=_STYLE), "instance")
    multi_w = labelled(W.Checkbox(value=multi_cut, description="per-customer cuts"), "multi-cut")
    lp_w = labelled(W.Checkbox(value=lp_phase, description="LP phase first"), "lp-phase")
    iters = readout("iterations", "Iterations:", fmt="d")
    cuts = readout("cuts", "Cuts added:", fmt="d")
    gap = readout("final-gap", "Final gap (%):", fmt=".2e")
    plot = W.Output()

    def update(_=None):
        inst = load_orlib_cap(inst_w.value)
        res = solve_benders(inst, multi_cut=multi_w.value, lp_phase=lp_w.value, time_limit=20)
        h = res.history
        set_readout(iters, len(h))
        set_readout(cuts, len(res.cuts))
        set_readout(gap, 100 * res.gap)
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6, 2.8))
            ax.plot(h["iteration"], h["upper"].where(np.isfinite(h["upper"])), label="upper bound (best design)")
            ax.plot(h["iteration"], h["lower"], label="lower bound (master)")
            ax.axhline(orlib_optima()[inst_w.value], color="grey", ls=":", label="published optimum")
            lo = orlib_optima()[inst_w.value]
            ax.set_ylim(lo * 0.8, lo * 1.3)
            ax.set_xlabel("iteration")
            ax.set_ylabel("cost")
            ax.legend(fontsize=8)
            fig.tight_layout()
            plt.show()

    for w in (inst_w, multi_w, lp_w):
        w.observe(update, names="value")
    update()
    return W.VBox([inst_w, multi_w, lp_w, iters, cuts, gap, plot])
