"""Chapter 11 widget: how the blend's window and weighting scheme change its accuracy.

Thin wiring over :func:`casekit.forecasting.combine_forecasts` and :func:`casekit.forecasting.score`
(:func:`blend_accuracy` is the pure function a test calls).
"""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
import pandas as pd

from casekit.forecasting import combine_forecasts, score
from casekit.widgets._common import labelled, readout, set_readout

_STYLE = {"description_width": "130px"}
SCHEMES = ("inverse_mse", "equal", "best")


def blend_accuracy(forecasts: pd.DataFrame, window: int, scheme: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(score table of the members and the blend, the blend's rows with its weights)."""
    blend = combine_forecasts(forecasts, window=window, scheme=scheme)
    return score(pd.concat([forecasts, blend[forecasts.columns]], ignore_index=True)), blend


def blend_explorer(forecasts: pd.DataFrame, window: int = 6, scheme: str = "inverse_mse") -> W.VBox:
    """A window slider and a scheme menu; readouts of the blend's RMSE and the best member's."""
    n_origins = forecasts["origin"].nunique()
    win = labelled(W.IntSlider(value=window, min=1, max=max(n_origins - 1, 1), description="window (origins)",
                               continuous_update=False, style=_STYLE), "window")
    sch = labelled(W.Dropdown(options=SCHEMES, value=scheme, description="weights", style=_STYLE), "scheme")
    blend_rmse = readout("blend-rmse", "Blend RMSE:", fmt=",.1f")
    best_rmse = readout("best-rmse", "Best single model RMSE:", fmt=",.1f")
    best_name = W.HTML()
    out = W.Output()

    def update(_=None):
        tab, blend = blend_accuracy(forecasts, win.value, sch.value)
        set_readout(blend_rmse, float(tab.loc["blend", "rmse"]))
        singles = tab.drop(index="blend")
        set_readout(best_rmse, float(singles["rmse"].min()))
        best_name.value = f"(best single model: <b>{singles['rmse'].idxmin()}</b>)"
        w = blend.drop_duplicates("origin").set_index("origin").filter(like="w_")
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7, 2.8))
            ax.stackplot(w.index, w.T.to_numpy(), labels=[c[2:] for c in w.columns], alpha=0.8)
            ax.set_xlabel("forecast origin (training length)")
            ax.set_ylabel("weight")
            ax.set_ylim(0, 1)
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
            ax.set_title(f"blend weights, {sch.value}, window {win.value}")
            fig.tight_layout()
            plt.show()

    win.observe(update, names="value")
    sch.observe(update, names="value")
    update()
    return W.VBox([win, sch, blend_rmse, best_rmse, best_name, out])
