"""The control tower app in headless chromium: what it shows is casekit.streaming.dashboard_state."""

from casekit.datasets.events import load_events
from casekit.streaming import dashboard_state

from tests.browser.helpers import open_app, read_value, screenshot, select_option, set_slider, wait_for_value

DAY = 86400


def test_control_tower_replays_and_drills_down(page, voila_url):
    d = load_events()
    open_app(page, voila_url, "control_tower.ipynb")
    st = dashboard_state(d.events, d.policy, 7 * DAY)
    assert read_value(page, "events") == st.events
    assert abs(read_value(page, "fill-rate") - st.fill_rate) < 1e-12

    set_slider(page, "day", 10)
    st = dashboard_state(d.events, d.policy, 10 * DAY)
    wait_for_value(page, "events", st.events)
    wait_for_value(page, "fill-rate", st.fill_rate)
    wait_for_value(page, "orders", st.purchase_orders)
    wait_for_value(page, "top-impact", st.top_impact)

    select_option(page, "node", "N2")
    st = dashboard_state(d.events, d.policy, 10 * DAY, node="N2")
    wait_for_value(page, "inventory-position", st.inventory_position)
    wait_for_value(page, "alerts", len(st.alerts))

    select_option(page, "sku", "K1")
    st = dashboard_state(d.events, d.policy, 10 * DAY, node="N2", sku="K1")
    wait_for_value(page, "inventory-position", st.inventory_position)
    wait_for_value(page, "fill-rate", st.fill_rate)
    wait_for_value(page, "top-impact", st.top_impact)
    assert page.locator(".ck-alert-table").count() == 1, "the alert table did not render"
    assert page.locator("img").count() >= 1, "the KPI chart did not render"
    assert not page.ck_errors, page.ck_errors
    page.wait_for_timeout(1000)
    screenshot(page, "control_tower")
