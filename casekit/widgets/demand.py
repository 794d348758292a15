"""Chapter 01 widget: a demand distribution by family, mean and dispersion index, beside Poisson."""

from __future__ import annotations


import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from casekit.distributions import DiscreteDistribution, demand_distribution
from casekit.widgets._common import labelled, readout, set_readout, show_error

_STYLE = {"description_width": "130px"}


def demand_explorer(family: str = "nbinom", mean: float = 10.0, dispersion: float = 3.0) -> W.VBox:
    """Choose a demand family, its mean and dispersion index (variance/mean); see its pmf.

    Every number is computed from :func:`casekit.distributions.demand_distribution` turned into a
    :class:`~casekit.distributions.DiscreteDistribution` (normal demand rounded to whole units).
    """
    family_w = labelled(W.Dropdown(options=[("Poisson", "poisson"), ("negative binomial", "nbinom"),
                                            ("normal (rounded)", "norm")], value=family,
                                   description="family", style=_STYLE), "family")
    mean_w = labelled(W.FloatSlider(value=mean, min=0.5, max=100, step=0.5, description="mean per period",
                                    continuous_update=False, style=_STYLE), "mean")
    disp_w = labelled(W.FloatSlider(value=dispersion, min=1.0, max=10, step=0.1, description="variance / mean",
                                    continuous_update=False, style=_STYLE), "dispersion")
    r_mean = readout("demand-mean", "Mean:", fmt=".4f")
    r_var = readout("demand-var", "Variance:", fmt=".4f")
    r_zero = readout("p-zero", "P(D = 0):", fmt=".4f")
    r_q95 = readout("q95", "95% quantile (units):", fmt="d")
    message = W.HTML()
    plot = W.Output()

    def update(_=None):
        fam = family_w.value
        disp = 1.0 if fam == "poisson" else disp_w.value
        disp_w.disabled = fam == "poisson"
        try:
            d = DiscreteDistribution.from_scipy(demand_distribution(fam, mean_w.value, disp))
        except ValueError as err:
            show_error(message, err, None)
            return
        show_error(message, None)
        poisson = DiscreteDistribution.from_scipy(demand_distribution("poisson", mean_w.value))
        set_readout(r_mean, d.mean())
        set_readout(r_var, d.var())
        set_readout(r_zero, float(d.prob(0)))
        set_readout(r_q95, d.ppf(0.95))
        top = max(d.ppf(0.999), poisson.ppf(0.999)) + 1
        k = np.arange(top + 1)
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 2.8))
            ax.bar(k, d.prob(k), color="#4c72b0", label=f"{fam}, variance/mean = {d.var() / d.mean():.2f}")
            ax.plot(k, poisson.prob(k), "o-", ms=3, color="#dd8452", label="Poisson, same mean")
            ax.set_xlabel("demand in a period (units)")
            ax.set_ylabel("probability")
            ax.legend(fontsize=8)
            fig.tight_layout()
            plt.show()

    for w in (family_w, mean_w, disp_w):
        w.observe(update, names="value")
    update()
    return W.VBox([family_w, mean_w, disp_w, r_mean, r_var, r_zero, r_q95, message, plot])
