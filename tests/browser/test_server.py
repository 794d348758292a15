"""The app server as a classroom meets it: an access token, a Host allow-list, a cap on live kernels
with a clear "busy" page, a visible notice when an idle session is closed, and nothing fetched from
outside the server."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest

from tests.browser.conftest import new_page, serve_apps
from tests.browser.helpers import open_app, screenshot, set_slider


def _get(base: str, path: str, headers: dict | None = None):
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Location"), resp.read().decode(errors="replace")
    finally:
        conn.close()


def test_without_the_token_no_page_and_no_kernel(voila_server):
    base, _ = voila_server
    status, location, _ = _get(base, "/voila/render/welcome.ipynb")
    assert status == 302 and location.startswith("/login"), (status, location)
    status, location, _ = _get(base, "/")
    assert status == 302 and location.startswith("/login")


def test_a_foreign_host_header_is_refused_even_with_the_token(voila_server):
    """DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host."""
    base, token_url = voila_server
    query = token_url.split("?", 1)[1]
    port = urllib.parse.urlsplit(base).port
    assert _get(base, f"/?{query}", {"Host": f"rebind.example:{port}"})[0] == 403
    assert _get(base, f"/?{query}", {"Host": f"localhost:{port}"})[0] == 200
    assert _get(base, f"/?{query}", {"Host": f"127.0.0.1:{port}"})[0] == 200


def test_gallery_and_app_fetch_nothing_from_outside_the_server(browser, voila_server):
    """No CDN: every request of the gallery and of a rendered app goes to the server itself."""
    base, token_url = voila_server
    page = new_page(browser)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(token_url)
        page.wait_for_selector("#ck-apps")
        open_app(page, base, "welcome.ipynb")
        page.wait_for_timeout(1500)
    finally:
        page.context.close()
    hosts = {urllib.parse.urlsplit(u).hostname for u in requests if u.startswith(("http", "ws"))}
    assert hosts == {"127.0.0.1"}, sorted(u for u in requests if "127.0.0.1" not in u)


@pytest.fixture(scope="module")
def one_kernel_server(tmp_path_factory):
    """A server that allows one app session and culls it after 40 s idle (checked every 3 s).

    Not shorter: the culler counts a kernel still running the app's first cell with no output as
    idle, and on a loaded machine that cell took over 15 s, so a 15 s limit culled the app before
    its page had rendered (the production limit is 300 s)."""
    with serve_apps(tmp_path_factory.mktemp("voila-cap") / "voila.log", max_kernels=1,
                    cull_idle_s=40, cull_interval_s=3) as urls:
        yield urls


def test_kernel_cap_shows_busy_page_and_a_culled_session_says_reload(browser, one_kernel_server):
    base, token_url = one_kernel_server
    first = new_page(browser, token_url)
    second = new_page(browser, token_url)
    try:
        open_app(first, base, "welcome.ipynb")
        # the cap: a second session gets a clear page (HTTP 503), not another kernel
        resp = second.goto(f"{base}voila/render/welcome.ipynb")
        assert resp.status == 503
        assert second.locator("#ck-server-busy").is_visible()
        assert "1 of 1 app sessions are in use" in second.inner_text("#ck-server-busy")
        screenshot(second, "server_busy")
        # the first page sits idle; its kernel is culled; the page says so instead of going silent
        first.wait_for_selector("#ck-session-ended", state="visible", timeout=120_000)
        assert "Session ended" in first.inner_text("#ck-session-ended")
        set_slider(first, "stock", 15)
        assert first.locator("#ck-session-ended").is_visible()
        screenshot(first, "session_ended")
        # the freed slot serves the next visitor
        open_app(second, base, "welcome.ipynb")
        assert not second.locator("#ck-session-ended").count()
    finally:
        first.context.close()
        second.context.close()
