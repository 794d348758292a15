"""The safety-stock explorer app in headless chromium: the reorder points shown are casekit's."""

from casekit.leadtime import lead_time_demand
from casekit.safety_stock import reorder_point
from casekit.widgets.safety_stock import explorer_inputs

from tests.browser.helpers import open_app, read_value, screenshot, set_slider, wait_for_value

# the app's defaults (notebooks/apps/safety_stock_explorer.ipynb)
DEFAULTS = dict(demand_family="poisson", demand_mean=2.0, dispersion=2.0, lead_family="lognorm",
                lead_mean=6.0, lead_cv=0.6)


def expected(csl, method="exact"):
    demand, lead = explorer_inputs(**DEFAULTS)
    return reorder_point(lead_time_demand(demand, lead, method=method), csl)


def test_reorder_point_follows_the_service_level(page, voila_url):
    open_app(page, voila_url, "safety_stock_explorer.ipynb")
    assert read_value(page, "rp-exact") == expected(0.95)
    assert read_value(page, "rp-normal") == expected(0.95, "normal")
    set_slider(page, "csl", 0.99)
    wait_for_value(page, "rp-exact", expected(0.99))
    wait_for_value(page, "rp-normal", expected(0.99, "normal"))
    shown_ss = read_value(page, "ss-exact")
    demand, lead = explorer_inputs(**DEFAULTS)
    assert abs(shown_ss - (expected(0.99) - lead_time_demand(demand, lead).mean())) < 1e-9
    set_slider(page, "csl", 0.8)
    wait_for_value(page, "rp-exact", expected(0.8))
    assert page.locator("img").count() >= 1, "the lead-time-demand chart did not render"
    assert not page.ck_errors, page.ck_errors
    page.wait_for_timeout(2000)            # let the chart catch up with the readouts before the picture
    screenshot(page, "safety_stock_explorer")
