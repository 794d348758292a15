"""The network simulator app in headless chromium: the KPIs shown are casekit.simulation's."""

from casekit.widgets.simulation import NETWORKS, POLICIES, simulator_run

from tests.browser.helpers import open_app, read_value, screenshot, select_option, set_slider, wait_for_value


def _kpi(res, name):
    return float(res.summary().loc[name, "mean"])


def test_network_simulator_follows_network_policy_scenario_and_horizon(page, voila_url):
    open_app(page, voila_url, "network_simulator.ipynb")
    res = simulator_run(NETWORKS[0], POLICIES[0], "supplier_shutdown", 120, 5, 0)
    assert abs(read_value(page, "cost") - _kpi(res, "cost_per_period")) < 1e-9
    assert abs(read_value(page, "fill-rate") - _kpi(res, "fill_rate")) < 1e-12

    select_option(page, "scenario", "demand_spike")
    res = simulator_run(NETWORKS[0], POLICIES[0], "demand_spike", 120, 5, 0)
    wait_for_value(page, "cost", _kpi(res, "cost_per_period"))

    set_slider(page, "periods", 200)
    res = simulator_run(NETWORKS[0], POLICIES[0], "demand_spike", 200, 5, 0)
    wait_for_value(page, "cost", _kpi(res, "cost_per_period"))
    wait_for_value(page, "fill-rate", _kpi(res, "fill_rate"))

    select_option(page, "policy", POLICIES[3])
    res = simulator_run(NETWORKS[0], POLICIES[3], "demand_spike", 200, 5, 0)
    wait_for_value(page, "bullwhip", _kpi(res, "bullwhip_ratio"))

    select_option(page, "network", NETWORKS[1])
    res = simulator_run(NETWORKS[1], POLICIES[3], "demand_spike", 200, 5, 0)
    wait_for_value(page, "cost", _kpi(res, "cost_per_period"))
    assert page.locator(".ck-kpi-table").count() == 1, "the KPI table did not render"
    assert page.locator("img").count() >= 1, "the trajectory chart did not render"
    assert not page.ck_errors, page.ck_errors
    page.wait_for_timeout(1500)
    screenshot(page, "network_simulator")
