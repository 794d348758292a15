"""Browser harness: Voila serving notebooks/apps on a free 127.0.0.1 port, driven by Playwright
(the Python package) in Debian's chromium at /usr/bin/chromium.  Never ``playwright install``:
it downloads a browser, and there is no network here.

Without /usr/bin/chromium the browser tests are skipped with the install command, except under
CI (``CI=true``) or ``CASEKIT_REQUIRE_BROWSER=1``, where they fail: CI must prove the apps render.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from casekit import apps

CHROMIUM = os.environ.get("CASEKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _browser_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("CASEKIT_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or _browser_required():
        return
    skip = pytest.mark.skip(reason=f"no browser at {CHROMIUM}: `sudo apt-get install chromium` to run the browser tests")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@contextmanager
def serve_apps(log: Path, **start_kwargs):
    """Start the same Voila server as `make demo` (optionally with other cap/cull settings) on a free
    port; yield ``(base URL, URL with the access token)``; stop it afterwards."""
    with open(log, "w") as fh:
        proc, token_url = apps.start(stdout=fh, stderr=subprocess.STDOUT, **start_kwargs)
    base = token_url.split("?", 1)[0]
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(token_url, timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.terminate()
            pytest.fail(f"Voila did not start at {base}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    try:
        yield base, token_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory):
    """The `make demo` server: ``(base URL, URL with the access token)``."""
    with serve_apps(tmp_path_factory.mktemp("voila") / "voila.log") as urls:
        yield urls


@pytest.fixture(scope="session")
def voila_url(voila_server):
    """The gallery URL without the token (pages of :func:`page` are already signed in)."""
    return voila_server[0]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no browser at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


def new_page(browser, token_url: str | None = None):
    """A fresh browser context and page that records page errors in ``page.ck_errors``; with
    ``token_url`` it first opens the printed URL, as a person does, which signs it in (a cookie)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.ck_errors = errors
    if token_url:
        pg.goto(token_url)
        pg.wait_for_selector("#ck-apps")
    return pg


@pytest.fixture
def page(browser, voila_server):
    pg = new_page(browser, voila_server[1])
    yield pg
    pg.context.close()


@pytest.fixture(scope="session", autouse=True)
def _screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
