"""Chapter 02 widget: a right-skewed lead time (gamma or lognormal) and its whole-period version."""

from __future__ import annotations


import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from casekit.distributions import DiscreteDistribution, lead_time_distribution
from casekit.widgets._common import labelled, readout, set_readout, show_error

_STYLE = {"description_width": "130px"}


def lead_time_explorer(family: str = "lognorm", mean: float = 8.0, cv: float = 0.5,
                       rule: str = "round") -> W.VBox:
    """Lead-time family, mean (periods), coefficient of variation and discretisation rule.

    Numbers shown come from :func:`casekit.distributions.lead_time_distribution` discretised by
    :meth:`~casekit.distributions.DiscreteDistribution.from_continuous`.
    """
    family_w = labelled(W.Dropdown(options=[("gamma", "gamma"), ("lognormal", "lognorm")], value=family,
                                   description="family", style=_STYLE), "family")
    mean_w = labelled(W.FloatSlider(value=mean, min=1, max=30, step=0.5, description="mean (periods)",
                                    continuous_update=False, style=_STYLE), "mean")
    cv_w = labelled(W.FloatSlider(value=cv, min=0.05, max=1.5, step=0.05, description="sd / mean",
                                  continuous_update=False, style=_STYLE), "cv")
    rule_w = labelled(W.ToggleButtons(options=["round", "ceil"], value=rule, description="to whole periods",
                                      style=_STYLE), "rule")
    r_mean = readout("lt-mean", "Mean (whole periods):", fmt=".4f")
    r_sd = readout("lt-sd", "Standard deviation:", fmt=".4f")
    r_q95 = readout("lt-q95", "95% quantile (periods):", fmt="d")
    r_tail = readout("lt-tail", "P(L > 2 x mean):", fmt=".4f")
    message = W.HTML()
    plot = W.Output()

    def update(_=None):
        try:
            cont = lead_time_distribution(family_w.value, mean_w.value, cv_w.value)
            L = DiscreteDistribution.from_continuous(cont, rule=rule_w.value)
        except ValueError as err:
            show_error(message, err, None)
            return
        show_error(message, None)
        set_readout(r_mean, L.mean())
        set_readout(r_sd, L.std())
        set_readout(r_q95, L.ppf(0.95))
        set_readout(r_tail, float(L.sf(2 * mean_w.value)))
        top = L.ppf(0.999) + 1
        k = np.arange(top + 1)
        x = np.linspace(0.01, top, 400)
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 2.8))
            ax.bar(k, L.prob(k), color="#4c72b0", alpha=0.8, label=f"whole periods ({rule_w.value})")
            ax.plot(x, cont.pdf(x), color="#dd8452", label=f"{family_w.value} density")
            ax.set_xlabel("lead time (periods)")
            ax.set_ylabel("probability")
            ax.legend(fontsize=8)
            fig.tight_layout()
            plt.show()

    for w in (family_w, mean_w, cv_w, rule_w):
        w.observe(update, names="value")
    update()
    return W.VBox([family_w, mean_w, cv_w, rule_w, r_mean, r_sd, r_q95, r_tail, message, plot])
