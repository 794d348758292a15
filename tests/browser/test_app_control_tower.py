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


def test_control_tower_what_if_panel_shows_the_twin(page, voila_url):
    """The digital twin's panel: from the end of day 7, the numbers are casekit.twin.what_if's."""
    from casekit.twin import what_if

    d = load_events()
    open_app(page, voila_url, "control_tower.ipynb")
    set_slider(page, "twin-days", 3)
    select_option(page, "twin-lever", "order quantities x2")
    page.locator(".ck-twin-run").click()
    pr = what_if(d.events, d.policy, 7, days=3, scenario="supplier stops tomorrow", lever="order quantities x2",
                 replications=100, seed=0)
    sm = pr.summary()
    wait_for_value(page, "twin-fill-rate", sm["fill_rate"], timeout_ms=90_000)
    wait_for_value(page, "twin-units-short", sm["units_short"])
    wait_for_value(page, "twin-stores-out", sm["stores_out"])

    select_option(page, "twin-scenario", "as planned")
    select_option(page, "twin-lever", "as is")
    page.locator(".ck-twin-run").click()
    sm = what_if(d.events, d.policy, 7, days=3, scenario="as planned", lever="as is", replications=100,
                 seed=0).summary()
    wait_for_value(page, "twin-fill-rate", sm["fill_rate"], timeout_ms=60_000)
    wait_for_value(page, "twin-units-short", sm["units_short"])
    assert page.locator(".ck-twin-table").count() == 1, "the twin's store table did not render"
    assert not page.ck_errors, page.ck_errors
    screenshot(page, "control_tower_twin")
