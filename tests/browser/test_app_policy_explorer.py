"""The policy-explorer app in headless chromium: the optimal levels and cost shown are casekit's."""

from scipy import stats

from casekit.rq import compare_rq_heuristics, optimize_rq
from casekit.ss import optimize_ss

from tests.browser.helpers import open_app, read_value, screenshot, select_option, set_slider, wait_for_value

# the app's defaults (notebooks/apps/policy_explorer.ipynb): Poisson demand, h = 1, p = 10, K = 20, L = 2
H, P, K, L = 1.0, 10.0, 20.0, 2


def test_optimum_follows_demand_and_policy(page, voila_url):
    open_app(page, voila_url, "policy_explorer.ipynb")
    rq = optimize_rq(stats.poisson(5.0), L, H, P, K)
    assert (read_value(page, "opt-first"), read_value(page, "opt-second")) == (rq.reorder_point, rq.order_quantity)
    assert abs(read_value(page, "opt-cost") - rq.cost) < 1e-9
    gap = compare_rq_heuristics(stats.poisson(5.0), L, H, P, K).loc["EOQ + SS", "gap_pct"]
    assert abs(read_value(page, "gap-eoq-ss") - gap) < 1e-9

    set_slider(page, "demand-mean", 10)
    rq = optimize_rq(stats.poisson(10.0), L, H, P, K)
    wait_for_value(page, "opt-cost", rq.cost)
    assert (read_value(page, "opt-first"), read_value(page, "opt-second")) == (rq.reorder_point, rq.order_quantity)

    select_option(page, "policy", "(s, S), periodic review")
    ss = optimize_ss(stats.poisson(10.0), H, P, K, L)
    wait_for_value(page, "opt-cost", ss.cost)
    assert (read_value(page, "opt-first"), read_value(page, "opt-second")) == (ss.s, ss.S)
    assert read_value(page, "gap-power-approximation") >= 0
    assert page.locator("img").count() >= 1, "the cost curve did not render"
    assert not page.ck_errors, page.ck_errors
    page.wait_for_timeout(2000)
    screenshot(page, "policy_explorer")
