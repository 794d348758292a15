"""Case-study widgets (chapters 17-18): pick a case, scenario and replications; see Table 3."""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt

from casekit.widgets._common import labelled, readout, set_readout


def run_case_study(case: str, scenario: str, replications: int, seed: int = 1, horizon_days: int = 120,
                   outlets: int = 200):
    """The comparison the widget shows (a plain function, so a test can call it too)."""
    from casekit.cases import electronics, fmcg

    if case == "fmcg":
        return fmcg.run(outlets=outlets, horizon_days=horizon_days, replications=replications, seed=seed,
                        scenario=scenario)
    return electronics.run(horizon_days=horizon_days, replications=replications, seed=seed, scenario=scenario)


def case_explorer(case: str = "electronics", scenario: str = "none", replications: int = 5) -> W.VBox:
    """Dropdowns for case and scenario, a replications slider; readouts of both policies' fill rate
    and total cost; the before/after bar chart of every metric's change."""
    case_w = labelled(W.Dropdown(options=["electronics", "fmcg"], value=case, description="case"), "case")
    sc_w = labelled(W.Dropdown(options=["none", "supplier_shutdown", "demand_surge"], value=scenario,
                               description="scenario"), "scenario")
    rep_w = labelled(W.IntSlider(value=replications, min=2, max=30, description="replications",
                                 continuous_update=False), "replications")
    fr_t = readout("fill-traditional", "Fill rate, traditional:", fmt=".4f")
    fr_h = readout("fill-hybrid", "Fill rate, hybrid:", fmt=".4f")
    tc_t = readout("cost-traditional", "Total cost per day, traditional:", fmt=",.0f")
    tc_h = readout("cost-hybrid", "Total cost per day, hybrid:", fmt=",.0f")
    out = W.Output()

    def update(_=None):
        res = run_case_study(case_w.value, sc_w.value, rep_w.value).results()
        set_readout(fr_t, res["traditional"]["fill_rate"]["mean"])
        set_readout(fr_h, res["hybrid"]["fill_rate"]["mean"])
        set_readout(tc_t, res["traditional"]["total_cost"]["mean"])
        set_readout(tc_h, res["hybrid"]["total_cost"]["mean"])
        out.clear_output(wait=True)
        with out:
            ch = {m: v["mean"] for m, v in res["change_pct"].items() if v["mean"] is not None}
            fig, ax = plt.subplots(figsize=(7, 3.2))
            ax.barh(list(ch), list(ch.values()), color=["tab:green" if v < 0 else "tab:red" for v in ch.values()])
            ax.axvline(0, color="k", lw=0.8)
            ax.set_xlabel("hybrid vs traditional (%)")
            plt.show()

    for w in (case_w, sc_w, rep_w):
        w.observe(update, names="value")
    update()
    return W.VBox([W.HBox([case_w, sc_w, rep_w]), fr_t, fr_h, tc_t, tc_h, out])
