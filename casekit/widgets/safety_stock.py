"""Chapter 03 widget and the safety-stock explorer app: lead-time demand by three methods.

Every number shown is :func:`casekit.safety_stock.compare_methods` of the controls' values, with
demand from :func:`casekit.distributions.demand_distribution` and the lead time from
:func:`casekit.distributions.lead_time_distribution`.
"""

from __future__ import annotations


import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from casekit.distributions import demand_distribution, lead_time_distribution
from casekit.safety_stock import compare_methods
from casekit.widgets._common import labelled, readout, set_readout, show_error

_STYLE = {"description_width": "175px"}
_WIDE = {"width": "420px"}
METHODS = ("exact", "normal", "montecarlo")


def explorer_inputs(demand_family: str, demand_mean: float, dispersion: float, lead_family: str,
                    lead_mean: float, lead_cv: float):
    """The (demand, lead_time) pair the explorer passes to :func:`compare_methods`."""
    demand = demand_distribution(demand_family, demand_mean, 1.0 if demand_family == "poisson" else dispersion)
    lead = lead_time_distribution(lead_family, lead_mean, 0.0 if lead_family == "fixed" else lead_cv)
    return demand, lead


def safety_stock_explorer(demand_family: str = "poisson", demand_mean: float = 2.0, dispersion: float = 2.0,
                          lead_family: str = "lognorm", lead_mean: float = 6.0, lead_cv: float = 0.6,
                          csl: float = 0.95, n_draws: int = 20_000, seed: int = 0) -> W.VBox:
    """Controls for demand, lead time and service level; reorder point and safety stock by each method."""
    dfam = labelled(W.Dropdown(options=[("Poisson", "poisson"), ("negative binomial", "nbinom")],
                               value=demand_family, description="demand family", style=_STYLE, layout=_WIDE), "demand-family")
    dmean = labelled(W.FloatSlider(value=demand_mean, min=0.2, max=100, step=0.1, description="demand mean / period",
                                   continuous_update=False, style=_STYLE, layout=_WIDE), "demand-mean")
    disp = labelled(W.FloatSlider(value=dispersion, min=1.1, max=10, step=0.1, description="demand variance / mean",
                                  continuous_update=False, style=_STYLE, layout=_WIDE), "dispersion")
    lfam = labelled(W.Dropdown(options=[("fixed", "fixed"), ("gamma", "gamma"), ("lognormal", "lognorm")],
                               value=lead_family, description="lead-time family", style=_STYLE, layout=_WIDE), "lead-family")
    lmean = labelled(W.FloatSlider(value=lead_mean, min=1, max=30, step=0.5, description="lead-time mean (periods)",
                                   continuous_update=False, style=_STYLE, layout=_WIDE), "lead-mean")
    lcv = labelled(W.FloatSlider(value=lead_cv, min=0.05, max=1.5, step=0.05, description="lead-time sd / mean",
                                 continuous_update=False, style=_STYLE, layout=_WIDE), "lead-cv")
    csl_w = labelled(W.FloatSlider(value=csl, min=0.5, max=0.999, step=0.001, readout_format=".3f",
                                   description="cycle service level", continuous_update=False, style=_STYLE, layout=_WIDE), "csl")
    rp = {m: readout(f"rp-{m}", f"Reorder point ({m}):", fmt="d") for m in METHODS}
    ss = {m: readout(f"ss-{m}", f"Safety stock ({m}):", fmt=".2f") for m in METHODS}
    ach = readout("achieved-normal", "True service level of the normal reorder point:", fmt=".4f")
    message = W.HTML()
    plot = W.Output()

    def update(_=None):
        disp.disabled = dfam.value == "poisson"
        lcv.disabled = lfam.value == "fixed"
        try:
            demand, lead = explorer_inputs(dfam.value, dmean.value, disp.value, lfam.value, lmean.value, lcv.value)
            comp = compare_methods(demand, lead, csl_w.value, n_draws=n_draws, seed=seed)
        except ValueError as err:
            show_error(message, err)
            return
        show_error(message, None)
        t = comp.table
        for m in METHODS:
            set_readout(rp[m], int(t.loc[m, "reorder_point"]))
            set_readout(ss[m], float(t.loc[m, "safety_stock"]))
        set_readout(ach, float(t.loc["normal", "achieved_csl"]))
        X = comp.ltd["exact"]
        top = int(max(X.ppf(0.9995), comp.ltd["normal"].ppf(0.9995))) + 1
        k = np.arange(top + 1)
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7, 3))
            ax.bar(k, X.prob(k), color="#4c72b0", alpha=0.75, label="exact")
            ax.plot(k, comp.ltd["normal"].prob(k), color="#dd8452", label="normal approximation")
            ax.plot(k, comp.ltd["montecarlo"].prob(k), ".", ms=3, color="#55a868", label=f"Monte Carlo ({n_draws:,})")
            for m, colour in zip(METHODS, ("#4c72b0", "#dd8452", "#55a868")):
                ax.axvline(t.loc[m, "reorder_point"], color=colour, ls="--", lw=1)
            ax.set_xlabel("lead-time demand (units)")
            ax.set_ylabel("probability")
            ax.set_title("dashed: reorder point by each method")
            ax.legend(fontsize=8)
            fig.tight_layout()
            plt.show()

    for w in (dfam, dmean, disp, lfam, lmean, lcv, csl_w):
        w.observe(update, names="value")
    update()
    controls = W.VBox([dfam, dmean, disp, lfam, lmean, lcv, csl_w])
    results = W.VBox([*rp.values(), *ss.values(), ach, message])
    return W.VBox([W.HBox([controls, results]), plot])
