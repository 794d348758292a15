"""The case charts and the dashboard's table colour a change by improvement (green = better for that
row whatever the sign), label rows as the paper prints them, and draw 95% intervals."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from casekit import framework as fw  # noqa: E402
from casekit import paper  # noqa: E402
from casekit.widgets import cases as wc  # noqa: E402


def _run(**cols):
    n = len(next(iter(cols.values())))
    base = {c: np.ones(n) for c in ("fill_rate", "total_cost", "holding_cost", "ordering_cost", "shortage_cost",
                                    "emergency_cost", "reallocation_cost", "co2_kg", "bullwhip",
                                    "order_cycle_std", "recovery_days")}
    base.update({k: np.asarray(v, float) for k, v in cols.items()})
    return fw.Table3Run("electronics", (), pd.DataFrame(base), 0.95)


# fill rate up 5 points (better), total cost up 8 % (worse), holding cost down 10 % (better), bullwhip unchanged
TRAD = _run(fill_rate=[80, 81, 82], total_cost=[100, 100, 100], holding_cost=[100, 100, 100])
HYB = _run(fill_rate=[85, 86, 87], total_cost=[108, 107, 109], holding_cost=[90, 89, 91])


def _cells(html):
    return {r.split("'")[0]: r for r in html.split("<tr data-row='")[1:]}


def test_table_colours_a_fill_rate_gain_green_and_a_cost_rise_red_whatever_the_sign():
    rows = _cells(wc.table3_html("electronics", fw.verdict_table("electronics", TRAD, HYB)))
    assert f"color:{wc.GREEN}" in rows["fill_rate"]              # +5 points: better
    assert f"color:{wc.RED}" in rows["total_cost_change"]        # +8 %: worse
    assert f"color:{wc.GREEN}" in rows["holding_cost_change"]    # -10 %: better
    assert f"color:{wc.GREY}" in rows["bullwhip"]                # no change


def test_table_labels_rows_as_the_paper_prints_them_and_shows_its_figures():
    html = wc.table3_html("electronics", fw.verdict_table("electronics", TRAD, HYB))
    t3 = paper.table3("electronics")
    for row in fw.ROWS:
        assert t3.loc[row, "indicator"] in html
    assert "<td>91</td><td>97</td>" in html                       # the paper's fill rate, 91 -> 97


def test_paired_change_is_points_for_fill_rate_and_percent_for_cost():
    # independent computation: changes +5, +5, +5 points; +8, +7, +9 % (t interval of 3 values)
    m, lo, hi = wc.paired_change(TRAD.values["fill_rate"], HYB.values["fill_rate"], "fill_rate")
    assert (m, lo, hi) == pytest.approx((5.0, 5.0, 5.0))
    m, lo, hi = wc.paired_change(TRAD.values["total_cost"], HYB.values["total_cost"], "total_cost")
    half = 4.302652729749464 * 1.0 / np.sqrt(3)                   # t(0.975, 2) * s / sqrt(n), s = 1
    assert (m, lo, hi) == pytest.approx((8.0, 8.0 - half, 8.0 + half))


def test_table3_chart_has_readable_titles_and_error_bars():
    fig = wc.plot_table3("electronics", fw.verdict_table("electronics", TRAD, HYB))
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles and not any("_" in t for t in titles)
    fill = fig.axes[0]
    assert any(len(c.lines) for c in fill.containers if hasattr(c, "lines")), "no error bars"
    assert "verdict" in fill.get_xlabel()


def test_lever_chart_uses_readable_lever_names_and_marks_the_paper():
    add = pd.DataFrame([{"lever": lv, "quantity": q, "change": c, "ci_low": c - 1, "ci_high": c + 1}
                        for lv, c in (("review_period", -3.0), ("co2_network_design", 2.0))
                        for q in ("total_cost", "fill_rate")])
    fig = wc.plot_lever_effects("electronics", {"add": add, "traditional": TRAD, "hybrid": HYB})
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["review period", "CO2 network design", "all levers (hybrid)"]
    cost_bars = [p.get_facecolor() for p in fig.axes[0].patches]
    assert matplotlib.colors.to_hex(cost_bars[0]) == wc.GREEN        # a cost fall of 3 %: better
    assert matplotlib.colors.to_hex(cost_bars[1]) == wc.RED          # a cost rise of 2 %: worse
    assert any("paper" in t.get_text() for t in fig.axes[0].get_legend().get_texts())


def test_dashboard_state_refuses_an_unknown_lever_naming_it():
    with pytest.raises(ValueError, match="levers must be names from"):
        wc.case_dashboard_state("electronics", ["teleport"])
    with pytest.raises(ValueError, match="case"):
        wc.case_dashboard_state("pharma")


def _abl_frames():
    """Two levers: review period lowers total cost by 4 % alone (better) and raises it by 3 % when
    removed from the hybrid (the lever helps); echelon position moves nothing clearly."""
    rows = []
    for kind, lever, c in (("add", "review_period", -4.0), ("add", "echelon_position", 0.5),
                           ("remove", "review_period", 3.0), ("remove", "echelon_position", -0.2)):
        for q in fw._ABL_COLS:
            ch = c if q == "total_cost" else 0.0
            rows.append({"kind": kind, "lever": lever, "layer": fw.LEVERS[lever].layer, "quantity": q,
                         "change": ch, "ci_low": ch - 1.0, "ci_high": ch + 1.0})
    f = pd.DataFrame(rows)
    return {k: f[f["kind"] == k].drop(columns="kind").reset_index(drop=True) for k in ("add", "remove")}


def test_ablation_view_colours_each_levers_change_of_the_picked_row_by_improvement():
    html = wc.ablation_html("electronics", _abl_frames(), "total_cost_change")
    assert "ck-ablation" in html and paper.table3("electronics").loc["total_cost_change", "indicator"] in html
    cells = {r.split("'")[0]: r for r in html.split("<tr data-lever='")[1:]}
    assert list(cells) == ["review_period", "echelon_position"]
    review = cells["review_period"].split("<td")
    assert "review period" in review[1]
    assert wc.GREEN in review[3] and "-4" in review[3]        # alone: cost down 4 %, better
    assert wc.RED in review[4] and "3" in review[4]           # removed: cost up 3 %, worse
    assert wc.GREY in cells["echelon_position"]
    with pytest.raises(ValueError, match="row"):
        wc.ablation_html("electronics", _abl_frames(), "profit")


def test_dashboard_has_the_ablation_controls_and_prompts_before_a_run(monkeypatch):
    monkeypatch.setattr(wc, "case_dashboard_state", lambda case, on, recovery=False: wc.DashboardState(
        case, (), dict(wc.DASHBOARD_SIZES, outlets=100), wc._baseline_table(case, TRAD), 80.0, 80.0, 0.0))
    box = wc.case_dashboard("electronics")
    row, run = box.children[-2].children
    assert "ck-ablation-row" in row._dom_classes and "ck-ablation-run" in run._dom_classes
    assert set(row.options) >= {(wc.row_label("electronics", r), r) for r in fw.ROWS}
    assert "Run the ablation" in box.children[-1].value
    monkeypatch.setattr(wc, "dashboard_ablation", lambda case: _abl_frames())
    run.click()
    assert "ck-ablation" in box.children[-1].value
    row.value = "fill_rate"
    assert paper.table3("electronics").loc["fill_rate", "indicator"] in box.children[-1].value
