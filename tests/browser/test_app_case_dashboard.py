"""The case dashboard in headless chromium: what it shows is casekit.widgets.cases.case_dashboard_state."""

from casekit.widgets.cases import case_dashboard_state

from tests.browser.helpers import open_app, read_value, screenshot, select_option, wait_for_value


def test_case_dashboard_follows_case_scenario_and_policy(page, voila_url):
    open_app(page, voila_url, "case_dashboard.ipynb")
    st = case_dashboard_state("electronics", "none", "hybrid")
    assert abs(read_value(page, "fill-rate") - st.fill_rate) < 1e-12
    assert abs(read_value(page, "total-cost") - st.total_cost) < 1e-9
    assert page.locator(".ck-table3 tr").count() == 12, "Table 3 (header + 11 metrics) did not render"

    select_option(page, "scenario", "supplier_shutdown")
    st = case_dashboard_state("electronics", "supplier_shutdown", "hybrid")
    wait_for_value(page, "fill-rate", st.fill_rate)
    wait_for_value(page, "total-cost", st.total_cost)
    wait_for_value(page, "co2", st.co2_kg)

    select_option(page, "case", "fmcg")
    st = case_dashboard_state("fmcg", "supplier_shutdown", "hybrid")
    wait_for_value(page, "fill-rate", st.fill_rate, timeout_ms=60_000)
    wait_for_value(page, "cost-traditional", st.results["traditional"]["total_cost"]["mean"])
    wait_for_value(page, "cost-hybrid", st.results["hybrid"]["total_cost"]["mean"])

    select_option(page, "policy", "traditional")
    st = case_dashboard_state("fmcg", "supplier_shutdown", "traditional")
    wait_for_value(page, "total-cost", st.total_cost)
    wait_for_value(page, "fill-rate", st.fill_rate)
    assert page.locator("img").count() >= 1, "the before/after chart did not render"
    assert "Traceback" not in page.content()
    assert not page.ck_errors, page.ck_errors
    page.wait_for_timeout(1000)
    screenshot(page, "case_dashboard")
