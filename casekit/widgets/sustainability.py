"""Chapter 20 widget: shipment consolidation per case — ship every T days and see CO2, cost and
the stock needed to keep the service level.  Every number is
:func:`casekit.cases.sustainability.case_consolidation`."""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt

from casekit.widgets._common import labelled, readout, set_readout, show_error

INTERVALS = (1, 2, 3, 4, 5, 6, 7)


def consolidation_state(case: str, interval: int, service_level: float = 0.95) -> dict:
    """The row of :func:`case_consolidation` for ``interval`` days (a plain dict)."""
    from casekit.cases.sustainability import case_consolidation

    tab = case_consolidation(case, INTERVALS, service_level=service_level)
    return {"table": tab, **tab.loc[int(interval)].to_dict()}


def consolidation_explorer(case: str = "fmcg", interval: int = 3) -> W.VBox:
    """Case dropdown and interval slider; CO2, transport and holding cost per day, load factor and
    the service left if the daily-shipping stock is kept; CO2 and total cost against the interval."""
    case_w = labelled(W.Dropdown(options=["fmcg", "electronics"], value=case, description="case"), "case")
    t_w = labelled(W.IntSlider(value=interval, min=1, max=max(INTERVALS), description="ship every (days)",
                               style={"description_width": "120px"}, continuous_update=False), "interval")
    r_co2 = readout("co2", "CO2 per day (kg CO2e):", fmt=",.1f")
    r_cost = readout("total-cost", "Transport + holding cost per day:", fmt=",.1f")
    r_lf = readout("load-factor", "Mean truck load factor:", fmt=".3f")
    r_csl = readout("csl", "Cycle service level if the daily-shipping stock is kept:", fmt=".4f")
    msg = W.HTML()
    out = W.Output()

    def update(_=None):
        try:
            st = consolidation_state(case_w.value, t_w.value)
        except ValueError as exc:
            show_error(msg, exc, "Cannot compute this selection")
            return
        show_error(msg, None)
        set_readout(r_co2, st["co2_kg_per_day"])
        set_readout(r_cost, st["total_cost_per_day"])
        set_readout(r_lf, st["mean_load_factor"])
        set_readout(r_csl, st["csl_at_daily_stock"])
        tab = st["table"]
        out.clear_output(wait=True)
        with out:
            fig, ax = plt.subplots(figsize=(6.5, 3.2))
            ax.plot(tab.index, tab["co2_kg_per_day"], "o-", color="tab:green", label="CO2 kg/day")
            ax.set_xlabel("ship every T days")
            ax.set_ylabel("kg CO2e per day")
            ax2 = ax.twinx()
            ax2.plot(tab.index, tab["total_cost_per_day"], "s--", color="tab:blue", label="cost/day")
            ax2.set_ylabel("transport + holding per day")
            ax.axvline(t_w.value, color="0.6", lw=0.8)
            fig.legend(loc="upper right", fontsize=8)
            plt.show()

    for w in (case_w, t_w):
        w.observe(update, names="value")
    update()
    return W.VBox([W.HBox([case_w, t_w]), msg, r_co2, r_cost, r_lf, r_csl, out])
