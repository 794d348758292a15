"""The gallery and the welcome app in headless chromium: what a person sees is what casekit computes."""

from casekit.catalog import apps
from casekit.intro import poisson_cover

from tests.browser.helpers import open_app, read_value, screenshot, set_slider, wait_for_value


def test_gallery_lists_every_app_with_its_sentence(page, voila_url):
    page.goto(voila_url)
    page.wait_for_selector("#ck-apps")
    shown = page.locator(".ck-app").all_inner_texts()
    expected = apps()
    assert len(shown) == len(expected)
    for text, row in zip(shown, expected.itertuples()):
        assert row.title in text and row.description in text
    screenshot(page, "gallery")


def test_welcome_app_moves_with_the_stock_slider(page, voila_url):
    open_app(page, voila_url, "welcome.ipynb")
    # initial state: the app's defaults
    assert read_value(page, "service-level") == poisson_cover(10.0, 12).service_level
    set_slider(page, "stock", 15)
    wait_for_value(page, "service-level", poisson_cover(10.0, 15).service_level)
    wait_for_value(page, "shortfall", poisson_cover(10.0, 15).expected_shortfall)
    set_slider(page, "mean", 20)
    wait_for_value(page, "service-level", poisson_cover(20.0, 15).service_level)
    assert page.locator("img").count() >= 1, "the demand chart did not render"
    assert not page.ck_errors, page.ck_errors
    screenshot(page, "welcome")
