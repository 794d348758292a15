"""The welcome chapter's demand explorer: Poisson demand, a stock level, the service it buys."""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from casekit.intro import poisson_cover, poisson_pmf_table
from casekit.widgets._common import labelled, readout, set_readout


def poisson_explorer(mean: float = 10.0, stock: int = 12) -> W.VBox:
    """Sliders for mean demand and stock; readouts of service level and expected shortfall.

    Every number shown is :func:`casekit.intro.poisson_cover` of the sliders' values.
    """
    mean_w = labelled(W.FloatSlider(value=mean, min=0.5, max=50, step=0.5, description="mean demand",
                                    continuous_update=False, style={"description_width": "110px"}), "mean")
    stock_w = labelled(W.IntSlider(value=stock, min=0, max=100, description="stock (units)",
                                   continuous_update=False, style={"description_width": "110px"}), "stock")
    service = readout("service-level", "Service level P(D \u2264 stock):", fmt=".4f")
    shortfall = readout("shortfall", "Expected shortfall (units):", fmt=".4f")
    plot = W.Output()

    def update(_=None):
        cover = poisson_cover(mean_w.value, stock_w.value)
        set_readout(service, cover.service_level)
        set_readout(shortfall, cover.expected_shortfall)
        pmf = poisson_pmf_table(cover.mean, upto=max(cover.stock, int(cover.mean * 2 + 10)))
        k = np.arange(pmf.size)
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6, 2.6))
            ax.bar(k, pmf, color=np.where(k <= cover.stock, "#4c72b0", "#dd8452"))
            ax.set_xlabel("demand in the period (units)")
            ax.set_ylabel("probability")
            ax.set_title("blue: demand met from stock; orange: a shortage")
            fig.tight_layout()
            plt.show()

    mean_w.observe(update, names="value")
    stock_w.observe(update, names="value")
    update()
    return W.VBox([mean_w, stock_w, service, shortfall, plot])
