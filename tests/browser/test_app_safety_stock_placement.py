"""The safety-stock placement app in headless chromium: the costs shown are casekit's GSM optimum."""

from casekit.widgets.multiechelon import placement

from tests.browser.helpers import open_app, read_value, screenshot, select_option, set_slider, wait_for_value

DEFAULT_NETWORK = "Example 6.5 (tree)"


def test_placement_follows_the_demand_bound_network_and_promise(page, voila_url):
    open_app(page, voila_url, "safety_stock_placement.ipynb")
    _, cmp = placement(DEFAULT_NETWORK, 1.645, None)
    assert abs(read_value(page, "cost-optimal") - cmp.optimal.cost) < 1e-9
    assert abs(read_value(page, "cost-uniform") - cmp.uniform.cost) < 1e-9

    set_slider(page, "demand-bound", 1.0)                  # Example 6.5's published z
    _, cmp = placement(DEFAULT_NETWORK, 1.0, None)
    wait_for_value(page, "cost-optimal", cmp.optimal.cost)
    assert abs(cmp.optimal.cost - 8.277917) < 1e-6          # 2*sqrt(2) + sqrt(6) + 3
    wait_for_value(page, "saving", cmp.cost_saving)

    select_option(page, "customer-cst", "2 periods")
    _, cmp = placement(DEFAULT_NETWORK, 1.0, 2)
    wait_for_value(page, "cost-optimal", cmp.optimal.cost)

    select_option(page, "network", "Example 6.1 (serial)")
    _, cmp = placement("Example 6.1 (serial)", 1.0, 2)
    wait_for_value(page, "cost-optimal", cmp.optimal.cost)
    wait_for_value(page, "unit-saving", cmp.unit_saving)
    assert page.locator("img").count() >= 1, "the placement chart did not render"
    assert not page.ck_errors, page.ck_errors
    page.wait_for_timeout(2000)
    screenshot(page, "safety_stock_placement")
