"""Case-study widgets and charts (chapters 18-19) and the case dashboard app.

The dashboard (:func:`case_dashboard`, app ``notebooks/apps/case_dashboard.ipynb``) sets the
paper's Table 3 beside casekit's measurement of it: pick a case, tick levers of the paper's
layered framework (:mod:`casekit.framework`) and press Run; the calibrated traditional baseline
and the ticked levers are simulated on the same random numbers.  Every number it shows is
:func:`case_dashboard_state`, a plain function a test calls too.  Under the table, **Run the
ablation** switches each lever on alone over the baseline and off alone from the hybrid
(:func:`dashboard_ablation`) and shows, for the Table 3 row picked, which levers move it
(:func:`ablation_html`).

The charts (:func:`plot_table3`, :func:`plot_lever_effects`) are what the case notebooks draw:
readable labels, 95% confidence intervals as error bars, the paper's figure beside the measured
one, and colours by improvement (green = the row moved in its better direction, whatever the
sign: a fill-rate gain is green, a cost rise red; grey = the interval contains 0).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from casekit import metrics, paper
from casekit.validate import check_choice, check_int

from casekit.widgets._common import labelled, readout, set_readout, show_error

GREEN, RED, GREY = "#1a7f37", "#b42318", "#8c8c8c"
PAPER_COLOUR = "#4c72b0"

#: Quantities of the framework's Table 3 runs and how a change of each is expressed.
_DIFFERENCE = ("fill_rate", "bullwhip", "order_cycle_std", "recovery_days")
_ROW_OF = {"fill_rate": "fill_rate", "total_cost": "total_cost_change", "bullwhip": "bullwhip",
           "emergency_cost": "emergency_transport_cost_change", "holding_cost": "holding_cost_change",
           "co2_kg": "co2_change", "order_cycle_std": "order_cycle_std", "recovery_days": "recovery_days"}
_QUANTITY_LABEL = {"fill_rate": "Fill rate", "total_cost": "Total cost", "bullwhip": "Bullwhip ratio",
                   "emergency_cost": "Emergency transport cost", "holding_cost": "Holding cost", "co2_kg": "CO2",
                   "order_cycle_std": "Order-cycle std", "recovery_days": "Recovery time"}


def lever_label(name: str) -> str:
    """A lever's name as a reader sees it: ``"co2_network_design"`` -> ``"CO2 network design"``."""
    return name.replace("_", " ").replace("co2", "CO2").replace("lstm", "LSTM")


def row_label(case: str, row: str) -> str:
    """A Table 3 row as the paper prints it (e.g. ``"Fill Rate (%)"``)."""
    return str(paper.table3(case).loc[row, "indicator"])


def change_unit(quantity: str) -> str:
    """How a change of ``quantity`` is expressed: points of fill rate, a difference, or a % change."""
    return {"fill_rate": "change in points", "bullwhip": "difference", "order_cycle_std": "difference (points)",
            "recovery_days": "difference (days)"}.get(quantity, "% change vs traditional")


def paired_change(base: np.ndarray, other: np.ndarray, quantity: str):
    """Paired change of ``quantity`` from ``base`` to ``other`` (per replication, common random
    numbers) and its 95% interval ``(mean, low, high)``: a difference for fill rate (points),
    bullwhip, order-cycle std and recovery days, a % change for costs and CO2 (replications with
    a zero baseline left out)."""
    a, b = np.asarray(base, dtype=float), np.asarray(other, dtype=float)
    if quantity in _DIFFERENCE:
        d = b - a
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            d = 100 * (b - a) / np.abs(a)
    d = d[np.isfinite(d)]
    return metrics.mean_ci(d) if d.size >= 2 else (np.nan, np.nan, np.nan)


def _colour(metric: str, change: float, ci) -> str:
    """Green when the change clearly moves the row in its better direction, red when clearly worse,
    grey when its interval contains 0 (or nothing was measured)."""
    if ci is None or not np.all(np.isfinite(ci)) or ci[0] <= 0 <= ci[1]:
        return GREY
    return GREEN if metrics.improved(metric, change) else RED


# --------------------------------------------------------------------------------------------
# the case notebooks' charts
# --------------------------------------------------------------------------------------------

def plot_table3(case: str, verdicts: pd.DataFrame, *, title: str | None = None):
    """The paper's Table 3 beside casekit's measurement, one panel per row.

    Level rows (fill rate, bullwhip, order-cycle std, recovery) show the traditional and the
    hybrid value: the paper's bar beside casekit's mean with its 95% interval.  Change rows show
    the paper's printed % change beside casekit's paired change with its 95% interval.  casekit's
    hybrid (or change) bar is green when it moves the row in its better direction, red when it
    moves it the other way, grey when the interval contains 0.  ``verdicts`` is
    :func:`casekit.framework.verdict_table`.  Returns the figure.
    """
    t3 = paper.table3(case)
    rows = list(verdicts.index)
    fig, axes = plt.subplots(2, (len(rows) + 1) // 2, figsize=(13, 6))
    for ax, row in zip(axes.ravel(), rows):
        v, p = verdicts.loc[row], t3.loc[row]
        ax.set_title(str(p["indicator"]).replace(" (", "\n("), fontsize=9)
        measured = isinstance(v.get("hybrid_ci"), tuple)
        if not measured:
            ax.text(0.5, 0.5, "not measured\nin this run", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        colour = _colour(p["metric"], v["change"], v["change_ci"])
        if p["kind"] == "change":
            x, labels = [0, 1], ["paper", "casekit"]
            ax.bar(0, p["hybrid"], color=PAPER_COLOUR, alpha=0.6)
            ax.bar(1, v["change"], color=colour,
                   yerr=[[v["change"] - v["change_ci"][0]], [v["change_ci"][1] - v["change"]]], capsize=4)
            ax.axhline(0, color="k", lw=0.8)
            ax.set_ylabel("% change vs traditional", fontsize=8)
        else:
            x, labels = [0, 1, 2.5, 3.5], ["paper\ntrad.", "casekit\ntrad.", "paper\nhybrid", "casekit\nhybrid"]
            tci = v["traditional_ci"]
            ax.bar([0, 2.5], [p["traditional"], p["hybrid"]], color=PAPER_COLOUR, alpha=0.6)
            ax.bar(1, v["traditional"], color=GREY, yerr=[[v["traditional"] - tci[0]], [tci[1] - v["traditional"]]],
                   capsize=4)
            ax.bar(3.5, v["hybrid"], color=colour,
                   yerr=[[v["hybrid"] - v["hybrid_ci"][0]], [v["hybrid_ci"][1] - v["hybrid"]]], capsize=4)
            ax.set_ylabel(str(p["unit"]), fontsize=8)
            if row == "fill_rate":
                lo = min(p["traditional"], p["hybrid"], tci[0], v["hybrid_ci"][0])
                ax.set_ylim(max(0.0, lo - 5), 100)
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_xlabel(f"verdict: {v['verdict']}", fontsize=8)
    for ax in axes.ravel()[len(rows):]:
        ax.set_visible(False)
    fig.suptitle(title or f"{paper.table3(case).attrs['case_title']}: the paper's Table 3 (blue) beside "
                 "casekit's measurement (95% intervals)", fontsize=11)
    fig.tight_layout()
    return fig


def plot_lever_effects(case: str, abl: dict, quantities=("total_cost", "fill_rate")):
    """Each lever switched on alone over the traditional baseline (the ``add`` frame of
    :func:`casekit.framework.ablation`), then all levers (the hybrid): the paired change of each
    quantity with its 95% interval as error bars, the paper's hybrid change marked beside the
    hybrid bar.  Green = better for that row, red = worse, grey = the interval contains 0.
    Returns the figure."""
    t3 = paper.table3(case)
    add = abl["add"]
    height = 0.5 + 0.42 * (add["lever"].nunique() + 1)
    fig, axes = plt.subplots(1, len(quantities), figsize=(5.5 * len(quantities), height), squeeze=False)
    for ax, q in zip(axes[0], quantities):
        row = _ROW_OF[q]
        a = add[add["quantity"] == q].set_index("lever")
        full = paired_change(abl["traditional"].values[q], abl["hybrid"].values[q], q)
        means = np.r_[a["change"].to_numpy(dtype=float), full[0]]
        lows = np.r_[a["ci_low"].to_numpy(dtype=float), full[1]]
        highs = np.r_[a["ci_high"].to_numpy(dtype=float), full[2]]
        names = [lever_label(n) for n in a.index] + ["all levers (hybrid)"]
        colours = [_colour(t3.loc[row, "metric"], m, (lo, hi)) for m, lo, hi in zip(means, lows, highs)]
        y = np.arange(len(names))
        err = np.nan_to_num(np.vstack([means - lows, highs - means]))
        ax.barh(y, np.nan_to_num(means), xerr=err, color=colours, capsize=3)
        paper_change = float(t3.loc[row, "change"])
        ax.plot([paper_change], [y[-1]], marker="D", color=PAPER_COLOUR, ls="none", markersize=8,
                label=f"paper's hybrid: {paper_change:+.3g}{' points' if q == 'fill_rate' else ' %'}")
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel(f"{_QUANTITY_LABEL[q]}: {change_unit(q)}")
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# The case dashboard (Voila app ``notebooks/apps/case_dashboard.ipynb``)
# --------------------------------------------------------------------------------------------

#: Sizes the dashboard simulates: small, so a run answers in seconds (the text under the controls
#: states them; the case notebooks take the same small defaults and run full size with papermill).
DASHBOARD_SIZES = {"replications": 3, "horizon_days": 90, "outlets": 100, "seed": 1}


@dataclass(frozen=True)
class DashboardState:
    """What the dashboard shows for one selection.

    Attributes
    ----------
    case : str
    levers : tuple
        The ticked levers with their prerequisites (:func:`casekit.framework.resolve`); empty for
        the traditional baseline alone.
    sizes : dict
        Replications, horizon (days after the warm-up), outlets (FMCG) and seed of the run.
    table : DataFrame
        One row per Table 3 row: the paper's traditional and hybrid figures, casekit's traditional
        and with-levers values with 95% intervals, the paired change and the verdict
        (:func:`casekit.framework.verdict_table`; without levers, the baseline beside the paper).
    fill_rate_traditional, fill_rate : float
        Mean fill rate (%) of the baseline and with the ticked levers.
    total_cost_change : float
        Mean paired change of total cost (%) with the ticked levers (0 without levers).
    """

    case: str
    levers: tuple
    sizes: dict
    table: pd.DataFrame = field(repr=False)
    fill_rate_traditional: float
    fill_rate: float
    total_cost_change: float


_STATE_CACHE: dict = {}
_STATE_CACHE_LIMIT = 32


def _baseline_table(case: str, trad) -> pd.DataFrame:
    t3 = paper.table3(case)
    rows = []
    from casekit import framework as fw

    for row in fw.ROWS:
        p = t3.loc[row]
        rec = {"row": row, "unit": p["unit"], "paper_traditional": p["traditional"], "paper_hybrid": p["hybrid"],
               "verdict": "tick levers and press Run"}
        if p["kind"] == "level" and trad.values[row].notna().sum() >= 2:
            m = metrics.mean_ci(trad.values[row].dropna().to_numpy())
            rec.update(traditional=m[0], traditional_ci=(m[1], m[2]))
        rows.append(rec)
    return pd.DataFrame(rows).set_index("row")


def case_dashboard_state(case: str = "electronics", levers=(), *,
                         replications: int = DASHBOARD_SIZES["replications"],
                         horizon_days: int = DASHBOARD_SIZES["horizon_days"],
                         outlets: int = DASHBOARD_SIZES["outlets"], seed: int = DASHBOARD_SIZES["seed"],
                         recovery: bool = False) -> DashboardState:
    """The pure function behind :func:`case_dashboard` (the browser test calls it too).

    Simulates the calibrated traditional baseline of ``case`` and, if ``levers`` are given, the
    baseline with those levers on, on the same random numbers (:func:`casekit.framework.evaluate`),
    and sets the paper's Table 3 beside both.  ``recovery=True`` adds the supplier-shutdown runs
    that measure recovery time (twice the work).  Results are kept for the last
    32 selections, so going back to one is instant.
    """
    from casekit import framework as fw

    case = check_choice("case", case, fw.CASES)
    on = fw.resolve(case, levers)
    sizes = {"replications": check_int("replications", replications, minimum=2),
             "horizon_days": check_int("horizon_days", horizon_days, minimum=60),
             "outlets": check_int("outlets", outlets, minimum=8, maximum=2000),
             "seed": check_int("seed", seed, minimum=0)}
    if not isinstance(recovery, bool):
        raise TypeError(f"recovery must be True or False, got {recovery!r}")
    key = (case, on, tuple(sizes.values()), recovery)
    if key in _STATE_CACHE:
        return _STATE_CACHE[key]
    cal = fw.load_calibration(case)
    system = fw.case_system(case, horizon_days=sizes["horizon_days"], outlets=sizes["outlets"],
                            dispersion_scale=cal["dispersion_scale"])
    kw = dict(system=system, horizon_days=sizes["horizon_days"], replications=sizes["replications"],
              seed=sizes["seed"], calibration=cal, recovery=recovery)
    trad = fw.evaluate(case, (), **kw)
    fr_t = float(trad.values["fill_rate"].mean())
    if on:
        other = fw.evaluate(case, on, **kw)
        table = fw.verdict_table(case, trad, other)
        fr = float(other.values["fill_rate"].mean())
        cost = float(paired_change(trad.values["total_cost"], other.values["total_cost"], "total_cost")[0])
    else:
        table, fr, cost = _baseline_table(case, trad), fr_t, 0.0
    st = DashboardState(case, on, sizes, table, fr_t, fr, cost)
    if len(_STATE_CACHE) >= _STATE_CACHE_LIMIT:
        _STATE_CACHE.pop(next(iter(_STATE_CACHE)))
    _STATE_CACHE[key] = st
    return st


def _num(v, digits=3) -> str:
    return "—" if v is None or (isinstance(v, float) and not np.isfinite(v)) or pd.isna(v) else f"{v:.{digits}g}"


def _with_ci(v, ci) -> str:
    if not isinstance(ci, tuple):
        return "—"
    return f"{_num(v)} <small>[{_num(ci[0])}, {_num(ci[1])}]</small>"


def table3_html(case: str, table: pd.DataFrame) -> str:
    """The dashboard's table: each Table 3 row as the paper prints it, the paper's traditional and
    hybrid figures beside casekit's (95% intervals), the paired change coloured by improvement
    (green = better for that row whatever the sign, red = worse, grey = interval contains 0) and
    the verdict."""
    t3 = paper.table3(case)
    out = ["<table class='ck-table3'><tr><th>Table 3 row</th><th>paper: traditional</th><th>paper: hybrid</th>"
           "<th>casekit: traditional [95% CI]</th><th>casekit: with the levers [95% CI]</th>"
           "<th>change [95% CI]</th><th>verdict</th></tr>"]
    for row, v in table.iterrows():
        p = t3.loc[row]
        ci = v.get("change_ci")
        colour = _colour(p["metric"], v.get("change"), ci if isinstance(ci, tuple) else None)
        unit = "points" if row == "fill_rate" else "%" if p["kind"] == "change" else ""
        change = _with_ci(v.get("change"), ci) + (f" {unit}" if unit and isinstance(ci, tuple) else "")
        out.append(f"<tr data-row='{row}'><td>{html.escape(str(p['indicator']))}</td>"
                   f"<td>{_num(v['paper_traditional'])}</td><td>{_num(v['paper_hybrid'])}</td>"
                   f"<td>{_with_ci(v.get('traditional'), v.get('traditional_ci'))}</td>"
                   f"<td>{_with_ci(v.get('hybrid'), v.get('hybrid_ci'))}</td>"
                   f"<td style='color:{colour}'>{change}</td><td>{html.escape(str(v['verdict']))}</td></tr>")
    return "".join(out) + "</table>"


def sizes_text(case: str, sizes: dict, recovery: bool) -> str:
    """What a run simulated, in words, from its sizes."""
    what = (f"{sizes['outlets']:,} of the case's 2,000 outlets" if case == "fmcg" else "all SKUs of the case")
    rec = ("with a supplier shutdown run for recovery time" if recovery
           else "without the supplier-shutdown runs (recovery time not measured)")
    return (f"This run: {sizes['replications']} replications of {sizes['horizon_days']} days after a warm-up, "
            f"{what}, seed {sizes['seed']}, {rec}.")


_ABLATION_CACHE: dict = {}


def dashboard_ablation(case: str = "electronics", *, replications: int = DASHBOARD_SIZES["replications"],
                       horizon_days: int = DASHBOARD_SIZES["horizon_days"], outlets: int = DASHBOARD_SIZES["outlets"],
                       seed: int = DASHBOARD_SIZES["seed"]) -> dict:
    """The ablation the dashboard shows (:func:`casekit.framework.ablation` of the calibrated case at
    the dashboard's sizes, without the supplier-shutdown runs): each lever alone over the
    traditional baseline and the hybrid without each lever, paired on the same random numbers.
    Kept per case and sizes, so showing another row is instant."""
    from casekit import framework as fw

    case = check_choice("case", case, fw.CASES)
    sizes = {"replications": check_int("replications", replications, minimum=2),
             "horizon_days": check_int("horizon_days", horizon_days, minimum=60),
             "outlets": check_int("outlets", outlets, minimum=8, maximum=2000),
             "seed": check_int("seed", seed, minimum=0)}
    key = (case, tuple(sizes.values()))
    if key not in _ABLATION_CACHE:
        if len(_ABLATION_CACHE) >= 4:
            _ABLATION_CACHE.pop(next(iter(_ABLATION_CACHE)))
        _ABLATION_CACHE[key] = fw.ablation(case, recovery=False, calibration=fw.load_calibration(case), **sizes)
    return _ABLATION_CACHE[key]


def ablation_html(case: str, abl: dict, row: str) -> str:
    """The dashboard's ablation view for one Table 3 ``row``: per lever, the paired change of that
    row when the lever is switched on alone over the traditional baseline, and when it is switched
    off alone from the hybrid (95% intervals), coloured by improvement (green = the row moved in
    its better direction, red = worse, grey = the interval contains 0)."""
    from casekit import framework as fw

    check_choice("row", row, fw.ROWS)
    q = fw.ROW_QUANTITY[row]
    metric = paper.table3(case).loc[row, "metric"]
    add = abl["add"][abl["add"]["quantity"] == q].set_index("lever")
    rem = abl["remove"][abl["remove"]["quantity"] == q].set_index("lever")

    def cell(frame, lever):
        v = frame.loc[lever]
        ci = (float(v["ci_low"]), float(v["ci_high"]))
        if not np.all(np.isfinite(ci)):
            return "<td>—</td>"
        return f"<td style='color:{_colour(metric, float(v['change']), ci)}'>{_with_ci(float(v['change']), ci)}</td>"

    out = [f"<table class='ck-ablation'><tr><th>lever</th><th>layer</th><th>{html.escape(row_label(case, row))}: "
           f"alone over the baseline ({html.escape(change_unit(q))})</th><th>removed from the hybrid</th></tr>"]
    for lever in add.index:
        out.append(f"<tr data-lever='{lever}'><td>{html.escape(lever_label(lever))}</td>"
                   f"<td>{html.escape(str(add.loc[lever, 'layer']))}</td>{cell(add, lever)}{cell(rem, lever)}</tr>")
    if q == "recovery_days":
        out.append("<tr><td colspan='4'><small>Recovery time needs the supplier-shutdown runs, which the "
                   "dashboard's ablation leaves out.</small></td></tr>")
    return "".join(out) + "</table>"


def case_dashboard(case: str = "electronics", levers=()) -> W.VBox:
    """Case selector, the framework's levers as checkboxes grouped by layer, Run; the fill rate of
    the baseline and with the ticked levers, the total cost change, the paper's Table 3 beside the
    measured one (coloured by improvement) and its chart.  Every number is
    :func:`case_dashboard_state`."""
    from casekit import framework as fw

    case_w = labelled(W.Dropdown(options=list(fw.CASES), value=case, description="case"), "case")
    recovery_w = labelled(W.Checkbox(value=False, description="measure recovery after a supplier shutdown (slower)",
                                     indent=False, layout=W.Layout(width="auto")), "recovery")
    run = labelled(W.Button(description="Run", button_style="primary"), "run")
    all_b = labelled(W.Button(description="all levers (the hybrid)"), "all")
    none_b = labelled(W.Button(description="none (traditional)"), "none")
    lever_box = W.HBox()
    boxes: dict = {}
    sizes = W.HTML()
    message = W.HTML()
    message.add_class("ck-message")
    fr_t = readout("fill-traditional", "Fill rate, traditional (%):", fmt=".2f")
    fr = readout("fill-rate", "Fill rate, with the ticked levers (%):", fmt=".2f")
    cost = readout("cost-change", "Total cost, change vs traditional (%):", fmt="+.2f")
    table = W.HTML()
    out = W.Output()
    abl_row = labelled(W.Dropdown(options=[(row_label(case_w.value, r), r) for r in fw.ROWS],
                                  value="total_cost_change", description="row"), "ablation-row")
    abl_run = labelled(W.Button(description="Run the ablation"), "ablation-run")
    abl_table = W.HTML()
    ablations: dict = {}

    def show_ablation(_=None):
        abl = ablations.get(case_w.value)
        abl_table.value = (ablation_html(case_w.value, abl, abl_row.value) if abl is not None else
                           "<small>Press <b>Run the ablation</b> to switch each lever on alone over the baseline and "
                           "off alone from the hybrid (two runs per lever, at the sizes above).</small>")

    def run_ablation(_=None):
        message.value = "<i>Running the ablation...</i>"
        try:
            ablations[case_w.value] = dashboard_ablation(case_w.value)
        except Exception as exc:  # never a traceback in the app
            show_error(message, exc, "Cannot run the ablation")
            return
        message.value = "<small>Ablation done: pick a Table 3 row to see which levers move it.</small>"
        show_ablation()

    def build_boxes(selected=()):
        boxes.clear()
        for n in fw.levers(case_w.value):
            boxes[n] = labelled(W.Checkbox(value=n in selected, description=lever_label(n), indent=False),
                                f"lever-{n}")
        lever_box.children = [W.VBox([W.HTML(f"<b>{layer}</b>"), *[boxes[n] for n in names if n in boxes]])
                              for layer, names in fw.LAYERS.items() if any(n in boxes for n in names)]

    def update(_=None):
        on = [n for n, b in boxes.items() if b.value]
        message.value = "<i>Simulating...</i>"
        try:
            st = case_dashboard_state(case_w.value, on, recovery=recovery_w.value)
        except Exception as exc:  # never a traceback in the app
            show_error(message, exc, "Cannot run this selection")
            return
        set_readout(fr_t, st.fill_rate_traditional)
        set_readout(fr, st.fill_rate)
        set_readout(cost, st.total_cost_change)
        table.value = table3_html(st.case, st.table)
        sizes.value = f"<small>{html.escape(sizes_text(st.case, st.sizes, recovery_w.value))}</small>"
        out.clear_output(wait=bool(st.levers))      # no chart without levers: clear the last one now
        if st.levers:
            with out:
                plot_table3(st.case, st.table, title=f"{paper.table3(st.case).attrs['case_title']}: paper (blue) "
                            f"beside casekit with {len(st.levers)} lever(s) on (95% intervals)")
                plt.show()
        ticked = ", ".join(lever_label(n) for n in st.levers) or "none: the traditional baseline alone"
        message.value = f"<small>Levers on (with what they need): {html.escape(ticked)}</small>"

    def set_all(value):
        for b in boxes.values():
            b.value = value

    def on_case(_):
        build_boxes()
        abl_row.options = [(row_label(case_w.value, r), r) for r in fw.ROWS]
        update()
        show_ablation()

    build_boxes(fw.resolve(case_w.value, levers) if levers else ())
    case_w.observe(on_case, names="value")
    run.on_click(update)
    all_b.on_click(lambda _: set_all(True))
    none_b.on_click(lambda _: set_all(False))
    abl_run.on_click(run_ablation)
    abl_row.observe(show_ablation, names="value")
    update()
    show_ablation()
    return W.VBox([W.HBox([case_w, recovery_w]), lever_box, W.HBox([run, all_b, none_b]), sizes, message,
                   fr_t, fr, cost, table, out,
                   W.HTML("<b>Ablation: which lever moves which row</b>"), W.HBox([abl_row, abl_run]), abl_table])


#: Sizes of the lever dashboard's runs (kept small so a click answers in seconds).
LEVER_SIZES = {"replications": 3, "horizon_days": 90, "outlets": 100, "seed": 1}

_SPEC = {"fill_rate": "fill_rate_pct", "total_cost_change": "total_cost_change_pct", "bullwhip": "bullwhip",
         "emergency_transport_cost_change": "emergency_cost_change_pct",
         "holding_cost_change": "holding_cost_change_pct", "co2_change": "co2_change_pct",
         "order_cycle_std": "order_cycle_std", "recovery_days": "recovery_periods"}


def lever_table_html(verdicts) -> str:
    """The paper's Table 3 beside the measured one (:func:`casekit.framework.verdict_table`), each
    measured change coloured green when it moves the row in its better direction, red otherwise
    (:func:`casekit.metrics.improved`), grey when its interval contains 0."""
    import html

    import pandas as pd

    from casekit.metrics import improved

    def f(v):
        return "—" if v is None or pd.isna(v) else f"{v:.4g}"

    rows = ["<table class='ck-levers'><tr><th>row</th><th>paper traditional</th><th>paper hybrid</th>"
            "<th>casekit traditional</th><th>casekit hybrid [95% CI]</th><th>change [95% CI]</th><th>verdict</th></tr>"]
    for row, v in verdicts.iterrows():
        ci = v.get("change_ci")
        if isinstance(ci, tuple) and (ci[0] > 0 or ci[1] < 0):
            colour = "#1a7f37" if improved(_SPEC[row], v["change"]) else "#b42318"
        else:
            colour = "#666"
        hci = v.get("hybrid_ci")
        hyb = f"{f(v.get('hybrid'))} [{f(hci[0])}, {f(hci[1])}]" if isinstance(hci, tuple) else "—"
        chg = f"{f(v.get('change'))} [{f(ci[0])}, {f(ci[1])}]" if isinstance(ci, tuple) else "—"
        rows.append(f"<tr><td>{html.escape(row)}</td><td>{f(v['paper_traditional'])}</td><td>{f(v['paper_hybrid'])}</td>"
                    f"<td>{f(v.get('traditional'))}</td><td>{hyb}</td><td style='color:{colour}'>{chg}</td>"
                    f"<td>{html.escape(str(v['verdict']))}</td></tr>")
    return "".join(rows) + "</table>"


def lever_dashboard(case: str = "electronics") -> W.VBox:
    """The framework's levers (:mod:`casekit.framework`) as checkboxes, grouped by layer; "Run"
    simulates the traditional baseline and the checked levers on the same random numbers and shows
    the paper's Table 3 beside the measured one with a verdict per row."""
    from casekit import framework as fw

    case = check_choice("case", case, fw.CASES)
    boxes = {n: W.Checkbox(value=True, description=n, indent=False) for n in fw.levers(case)}
    groups = [W.VBox([W.HTML(f"<b>{layer}</b>"), *[boxes[n] for n in names if n in boxes]])
              for layer, names in fw.LAYERS.items() if any(n in boxes for n in names)]
    run = W.Button(description="Run")
    message = W.HTML()
    message.add_class("ck-message")
    table = W.HTML()
    sz = LEVER_SIZES

    def update(_=None):
        on = [n for n, b in boxes.items() if b.value]
        message.value = "<i>Simulating...</i>"
        try:
            cal = fw.load_calibration(case)
            kw = dict(horizon_days=sz["horizon_days"], replications=sz["replications"], seed=sz["seed"],
                      calibration=cal)
            system = fw.case_system(case, horizon_days=sz["horizon_days"], outlets=sz["outlets"],
                                    dispersion_scale=cal["dispersion_scale"])
            trad = fw.evaluate(case, (), system=system, **kw)
            hyb = fw.evaluate(case, on, system=system, **kw)
            table.value = lever_table_html(fw.verdict_table(case, trad, hyb))
        except Exception as exc:  # never a traceback in the app
            show_error(message, exc, "Cannot run this selection")
            return
        message.value = f"<small>levers on: {', '.join(fw.resolve(case, on)) or 'none (traditional)'}</small>"

    run.on_click(update)
    return W.VBox([W.HBox(groups), run, message, table])
