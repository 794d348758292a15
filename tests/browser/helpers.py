"""What a browser test does to an app: open it, move a control, read a number, take a picture."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def open_app(page, voila_url: str, notebook: str, ready: str = ".ck-value"):
    """Open ``notebooks/apps/<notebook>`` in Voila and wait until its widgets have rendered
    (an element matching ``ready`` is visible).  Fails on a Python traceback in the page."""
    # Voila streams the page while the kernel runs the notebook: "load" fires only when every cell
    # has run, so wait for the response to start and then for the widgets themselves.
    # One reload is allowed: on a loaded machine an app's first page now and then never receives its
    # widgets (seen for network_simulator in 2 of 4 full suite runs; it renders in seconds alone).
    for attempt in (1, 2):
        page.goto(f"{voila_url}voila/render/{notebook}", wait_until="commit", timeout=120_000)
        try:
            page.wait_for_selector(ready, state="visible", timeout=90_000)
            break
        except Exception:
            if attempt == 2:
                raise
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0 \
        or "Traceback" not in page.content(), f"{notebook} shows a traceback"
    return page


def set_slider(page, name: str, value) -> None:
    """Type ``value`` into the editable readout of the slider with CSS class ``ck-<name>`` and
    press Enter, as a person would."""
    readout = page.locator(f".ck-{name} .widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")


def set_text(page, name: str, value) -> None:
    """Replace the text of the input inside the control ``ck-<name>`` and press Enter."""
    box = page.locator(f".ck-{name} input")
    box.fill(str(value))
    box.press("Enter")


def select_option(page, name: str, label: str) -> None:
    """Choose ``label`` in the dropdown ``ck-<name>``."""
    page.locator(f".ck-{name} select").select_option(label=label)


def read_value(page, name: str) -> float:
    """The raw number displayed by the readout ``ck-<name>`` (its ``data-value``)."""
    return float(page.locator(f".ck-{name} .ck-value").get_attribute("data-value"))


def wait_for_value(page, name: str, expected: float, rel: float = 1e-9, timeout_ms: int = 30_000) -> float:
    """Wait until readout ``ck-<name>`` shows ``expected`` (within ``rel``); return what it shows."""
    import math
    import time

    deadline = time.time() + timeout_ms / 1000
    shown = None
    while time.time() < deadline:
        try:
            shown = read_value(page, name)
        except Exception:  # the widget may be re-rendering
            shown = None
        if shown is not None and math.isclose(shown, expected, rel_tol=rel, abs_tol=rel):
            return shown
        page.wait_for_timeout(200)
    raise AssertionError(f"ck-{name} shows {shown!r}, expected {expected!r}")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
