"""The case dashboard in headless chromium: what it shows is casekit.widgets.cases.case_dashboard_state."""

from casekit.widgets.cases import _num, case_dashboard_state, dashboard_ablation

from tests.browser.helpers import open_app, read_value, screenshot, select_option, wait_for_value


def _table_text(page) -> str:
    return page.locator(".ck-table3").inner_text()


def test_case_dashboard_ticks_a_lever_reruns_and_the_table_changes(page, voila_url):
    open_app(page, voila_url, "case_dashboard.ipynb")
    st = case_dashboard_state("electronics")
    assert abs(read_value(page, "fill-traditional") - st.fill_rate_traditional) < 1e-9
    assert page.locator(".ck-table3 tr").count() == 9, "Table 3 (header + 8 rows) did not render"
    before = _table_text(page)
    assert "Fill Rate (%)" in before and "tick levers" in before

    page.locator(".ck-lever-echelon_position input").check()
    page.locator(".ck-run").click()
    st = case_dashboard_state("electronics", ["echelon_position"])
    wait_for_value(page, "fill-rate", st.fill_rate, timeout_ms=60_000)
    wait_for_value(page, "cost-change", st.total_cost_change)
    page.wait_for_function("document.querySelector('.ck-table3').innerText.indexOf('tick levers') < 0")
    after = _table_text(page)
    assert after != before
    assert st.table.loc["fill_rate", "verdict"] in after
    page.wait_for_selector(".jp-OutputArea-output img", timeout=30_000)     # the Table 3 chart

    # the ablation view: every lever's change of the picked row, as dashboard_ablation computes it
    page.locator(".ck-ablation-run").click()
    page.wait_for_selector(".ck-ablation", timeout=120_000)
    abl = dashboard_ablation("electronics")
    assert page.locator(".ck-ablation tr[data-lever]").count() == abl["add"]["lever"].nunique()
    add = abl["add"].set_index(["lever", "quantity"])
    select_option(page, "ablation-row", "Fill Rate (%)")
    page.wait_for_function("document.querySelector('.ck-ablation').innerText.indexOf('Fill Rate') >= 0")
    review = page.locator(".ck-ablation tr[data-lever='review_period']").inner_text()
    assert _num(add.loc[("review_period", "fill_rate"), "change"]) in review

    select_option(page, "case", "fmcg")
    st = case_dashboard_state("fmcg")
    wait_for_value(page, "fill-traditional", st.fill_rate_traditional, timeout_ms=60_000)
    assert page.locator(".ck-lever-reallocation input").count() == 1, "the FMCG levers are not shown"
    assert "Traceback" not in page.content()
    assert not page.ck_errors, page.ck_errors
    page.wait_for_timeout(500)
    screenshot(page, "case_dashboard")
