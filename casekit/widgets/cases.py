"""Case-study widgets (chapters 18-19) and the case dashboard app: pick a case, policy and scenario;
see Table 3 and a before/after chart."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from casekit.cases import SCENARIOS
from casekit.validate import check_choice

from casekit.widgets._common import labelled, readout, set_readout, show_error


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


# --------------------------------------------------------------------------------------------
# The case dashboard (Voila app ``notebooks/apps/case_dashboard.ipynb``)
# --------------------------------------------------------------------------------------------

#: Sizes the dashboard simulates: small, so a selection renders in a few seconds.
DASHBOARD_SIZES = {"replications": 8, "horizon_days": 180, "outlets": 300, "seed": 1}
CASES = ("electronics", "fmcg")
POLICIES = ("traditional", "hybrid")

#: Metrics of the before/after chart (Figure-4 style): traditional = 100.
FIGURE4_METRICS = ("fill_rate", "backorders", "total_cost", "holding_cost", "shortage_cost",
                   "emergency_transport_cost", "bullwhip_ratio", "co2_kg")


@dataclass(frozen=True)
class DashboardState:
    """What the dashboard shows for one selection: the comparison, its Table 3, and the
    selected policy's fill rate, total cost per day and CO2 per day (means with 95% CIs)."""

    case: str
    scenario: str
    policy: str
    comparison: object
    results: dict
    fill_rate: float
    total_cost: float
    co2_kg: float

    def table(self):
        return self.comparison.table()


_CACHE: dict = {}


def case_dashboard_state(case: str = "electronics", scenario: str = "none", policy: str = "hybrid", *,
                         replications: int = DASHBOARD_SIZES["replications"],
                         horizon_days: int = DASHBOARD_SIZES["horizon_days"],
                         outlets: int = DASHBOARD_SIZES["outlets"], seed: int = DASHBOARD_SIZES["seed"]
                         ) -> DashboardState:
    """The pure function behind :func:`case_dashboard` (the browser test calls it too).

    Runs :func:`run_case_study` (both policies on common random numbers) for ``case`` and
    ``scenario`` and picks out ``policy``'s numbers.  Runs are cached per selection, so switching
    the policy, or back to an earlier case, is instant.
    """
    check_choice("case", case, CASES)
    check_choice("scenario", scenario, SCENARIOS)
    check_choice("policy", policy, POLICIES)
    key = (case, scenario, int(replications), int(horizon_days), int(outlets), int(seed))
    if key not in _CACHE:
        _CACHE[key] = run_case_study(case, scenario, replications, seed=seed, horizon_days=horizon_days,
                                     outlets=outlets)
    comp = _CACHE[key]
    res = comp.results()
    sel = res[policy]
    return DashboardState(case, scenario, policy, comp, res, sel["fill_rate"]["mean"],
                          sel["total_cost"]["mean"], sel["co2_kg"]["mean"])


def _fmt(v, ci=None, digits=4):
    if v is None:
        return "n/a"
    f = f"{{:,.{digits}f}}" if abs(v) < 10 else "{:,.1f}"
    s = f.format(v)
    if ci is not None and ci[0] is not None:
        s += f" <small>[{f.format(ci[0])}, {f.format(ci[1])}]</small>"
    return s


def _table3_html(st: DashboardState) -> str:
    """Table 3 as measured: both policies (95% CIs), the change in %, the paper's direction."""
    import html

    from casekit.cases import METRICS, PAPER_CLAIMS

    tab = st.table()
    res = st.results
    rows = []
    for m in METRICS:
        t, h, c = res["traditional"][m], res["hybrid"][m], res["change_pct"][m]
        hl = " style='background:#eef5ff'"
        rows.append(
            f"<tr><td>{html.escape(m)}</td>"
            f"<td{hl if st.policy == 'traditional' else ''}>{_fmt(t['mean'], (t['ci_low'], t['ci_high']))}</td>"
            f"<td{hl if st.policy == 'hybrid' else ''}>{_fmt(h['mean'], (h['ci_low'], h['ci_high']))}</td>"
            f"<td>{_fmt(c['mean'], (c['ci_low'], c['ci_high']), 1)}</td>"
            f"<td>hybrid {PAPER_CLAIMS[m]}</td><td>{html.escape(str(tab.loc[m, 'measured_direction']))}</td></tr>")
    return ("<table class='ck-table3'><tr><th>metric (per day)</th><th>traditional [95% CI]</th>"
            "<th>hybrid [95% CI]</th><th>change % [95% CI]</th><th>paper's claim</th><th>measured</th></tr>"
            + "".join(rows) + "</table>")


def _figure4(st: DashboardState):
    """Before (traditional = 100) and after (hybrid) for the key metrics, and the selected
    policy's system-wide daily on-hand stock and backorders (first replication)."""
    res = st.results
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.3, 1]})
    names = [m for m in FIGURE4_METRICS if res["traditional"][m]["mean"]]
    y = np.arange(len(names))
    after = [100 * res["hybrid"][m]["mean"] / res["traditional"][m]["mean"] for m in names]
    ax.barh(y + 0.2, [100] * len(names), height=0.4, color="0.65", label="before: traditional")
    ax.barh(y - 0.2, after, height=0.4, color="tab:blue", label="after: hybrid")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.axvline(100, color="k", lw=0.8)
    ax.set_xlabel("index, traditional = 100")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{st.case}, scenario {st.scenario}: before / after")
    run = getattr(st.comparison, st.policy)
    s = run.series
    days = np.arange(len(s["on_hand"]))
    ax2.plot(days, s["on_hand"], label="on hand")
    ax2.plot(days, s["backorders"], label="backorders", color="tab:red")
    ax2.set_xlabel("day")
    ax2.set_ylabel("units, whole system")
    ax2.set_title(f"{st.policy}: daily stock (replication 1)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def case_dashboard(case: str = "electronics", scenario: str = "none", policy: str = "hybrid") -> W.VBox:
    """Case, policy and scenario selectors; the selected policy's fill rate, total cost and CO2;
    both policies' fill rate and total cost; Table 3 live (CIs, change %, the paper's direction);
    a Figure-4-style before/after chart.  Every number is :func:`case_dashboard_state`."""
    case_w = labelled(W.Dropdown(options=list(CASES), value=case, description="case"), "case")
    pol_w = labelled(W.Dropdown(options=list(POLICIES), value=policy, description="policy"), "policy")
    sc_w = labelled(W.Dropdown(options=list(SCENARIOS), value=scenario, description="scenario"), "scenario")
    sz = DASHBOARD_SIZES
    sizes = W.HTML(f"<small>Sizes: {sz['replications']} replications x {sz['horizon_days']} days (after a "
                   f"warm-up), FMCG with {sz['outlets']} of the 2,000 outlets, electronics with all 20 SKUs, "
                   f"seed {sz['seed']}. The chapter 18/19 notebooks run the full sizes.</small>")
    r_fill = readout("fill-rate", "Fill rate, selected policy:", fmt=".4f")
    r_cost = readout("total-cost", "Total cost per day, selected policy:", fmt=",.1f")
    r_co2 = readout("co2", "CO2 per day (kg CO2e), selected policy:", fmt=",.1f")
    fr_t = readout("fill-traditional", "Fill rate, traditional:", fmt=".4f")
    fr_h = readout("fill-hybrid", "Fill rate, hybrid:", fmt=".4f")
    tc_t = readout("cost-traditional", "Total cost per day, traditional:", fmt=",.1f")
    tc_h = readout("cost-hybrid", "Total cost per day, hybrid:", fmt=",.1f")
    table = W.HTML()
    message = W.HTML()
    message.add_class("ck-message")
    out = W.Output()

    def update(_=None):
        message.value = "<i>Simulating...</i>"
        try:
            st = case_dashboard_state(case_w.value, sc_w.value, pol_w.value)
        except Exception as exc:  # never a traceback in the app
            show_error(message, exc, "Cannot run this selection")
            return
        set_readout(r_fill, st.fill_rate)
        set_readout(r_cost, st.total_cost)
        set_readout(r_co2, st.co2_kg)
        res = st.results
        set_readout(fr_t, res["traditional"]["fill_rate"]["mean"])
        set_readout(fr_h, res["hybrid"]["fill_rate"]["mean"])
        set_readout(tc_t, res["traditional"]["total_cost"]["mean"])
        set_readout(tc_h, res["hybrid"]["total_cost"]["mean"])
        table.value = _table3_html(st)
        out.clear_output(wait=True)
        with out:
            _figure4(st)
            plt.show()
        message.value = ""

    for w in (case_w, pol_w, sc_w):
        w.observe(update, names="value")
    update()
    return W.VBox([W.HBox([case_w, pol_w, sc_w]), sizes, message, r_fill, r_cost, r_co2,
                   W.HBox([W.VBox([fr_t, tc_t]), W.VBox([fr_h, tc_h])]),
                   W.HTML("<b>Table 3, measured (per day; 95% confidence intervals)</b>"), table, out])


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
