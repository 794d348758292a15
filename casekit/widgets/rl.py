"""Chapter 17 widget: train Q-learning with your own budget and see the gap to the optimum
(thin wiring over :func:`casekit.rl.targets.quick_experiment`)."""

from __future__ import annotations


import ipywidgets as W
import matplotlib.pyplot as plt

from casekit.rl.targets import quick_experiment
from casekit.widgets._common import labelled, readout, set_readout, show_error

_STYLE = {"description_width": "190px"}
_LAYOUT = W.Layout(width="520px")


def _slider(cls, name, description, **kw):
    return labelled(cls(description=description, continuous_update=False, style=_STYLE, layout=_LAYOUT, **kw), name)


def q_learning_explorer(periods: int = 600, gamma: float = 0.95, stockout_cost: float = 19.0,
                        seed: int = 0, copies: int = 64) -> W.VBox:
    """Sliders: training periods, discount γ, stockout cost p; readouts: the learned policy's
    simulated cost, the Clark–Scarf optimum and the gap; the learning curve."""
    per_w = _slider(W.IntSlider, "periods", "training periods", value=periods, min=100, max=3000, step=100)
    gam_w = _slider(W.FloatSlider, "gamma", "discount γ", value=gamma, min=0.5, max=0.99, step=0.01)
    p_w = _slider(W.FloatSlider, "stockout-cost", "stockout cost p", value=stockout_cost, min=2, max=60, step=1)
    learned = readout("learned-cost", "Learned policy, simulated cost per period:", fmt=".3f")
    optimum = readout("optimal-cost", "Clark–Scarf optimum (exact):", fmt=".3f")
    gap = readout("gap", "Gap to the optimum (%):", fmt=".2f")
    msg = W.HTML()
    out = W.Output()

    def update(_=None):
        try:
            r = quick_experiment(per_w.value, gam_w.value, seed, copies=copies, stockout_cost=p_w.value,
                                 eval_periods=500, eval_replications=4)
        except ValueError as err:
            show_error(msg, err)
            return
        show_error(msg, None)
        set_readout(learned, r["cost"])
        set_readout(optimum, r["optimal_cost"])
        set_readout(gap, r["gap_pct"])
        out.clear_output(wait=True)
        with out:
            fig, ax = plt.subplots(figsize=(6, 3))
            ax.plot(r["curve"]["transitions"], r["curve"]["eval"], marker="o", label="greedy policy")
            ax.axhline(r["optimal_cost"], color="k", ls="--", label="Clark–Scarf optimum")
            ax.set_xlabel("transitions (periods x copies)")
            ax.set_ylabel("cost per period")
            ax.set_ylim(0, max(3 * r["optimal_cost"], 1))
            ax.legend()
            plt.show()

    for w in (per_w, gam_w, p_w):
        w.observe(update, names="value")
    update()
    return W.VBox([per_w, gam_w, p_w, learned, optimum, gap, msg, out])
