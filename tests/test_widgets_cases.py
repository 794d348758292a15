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
