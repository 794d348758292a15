"""The course book in chromium: every chapter page is reachable from the contents page, every
internal link lands on a page, plots are drawn (an image with a size) and no error output shows.

By default the book is a small one built here from two executed chapters (seconds).  Point
``CASEKIT_BOOK`` at a built site (``CASEKIT_BOOK=build/book`` after ``make book``) to check the
whole course book the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casekit.book import build_book
from tests.browser.conftest import new_page
from tests.test_book import _course


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    given = os.environ.get("CASEKIT_BOOK")
    if given:
        return Path(given).resolve()
    tmp = tmp_path_factory.mktemp("book")
    root, executed = _course(tmp)
    return build_book(tmp / "site", executed, root=root, execute_missing=False, log=None).out_dir.resolve()


def test_every_chapter_renders_with_working_links_and_drawn_plots(browser, site):
    pg = new_page(browser)
    pg.goto((site / "index.html").as_uri())
    chapters = pg.eval_on_selector_all("#ck-toc a", "els => els.map(e => e.getAttribute('href'))")
    assert chapters, "the contents page lists no chapter"
    assert chapters == sorted(chapters), "chapters are listed in teaching order"
    seen = set()
    for page_name in chapters + ["apps.html"]:
        url = (site / page_name).as_uri()
        assert (site / page_name).is_file(), f"contents page links to a missing page {page_name}"
        pg.goto(url)
        seen.add(page_name)
        for href in pg.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            if href.startswith(("http:", "https:", "mailto:", "#")):
                continue
            target, _, anchor = href.partition("#")
            assert (site / target).is_file(), f"{page_name}: broken link {href}"
            if anchor:
                pg_anchor = new_page(browser)
                pg_anchor.goto((site / target).as_uri())
                assert pg_anchor.locator(f"[id='{anchor}']").count() == 1, f"{page_name}: no anchor for {href}"
                pg_anchor.context.close()
        images = pg.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
        assert all(w > 0 and h > 0 for w, h in images), f"{page_name}: an empty plot {images}"
        assert pg.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr'] >> text=Traceback").count() == 0
        assert pg.locator("text=Traceback (most recent call last)").count() == 0, f"{page_name} shows a traceback"
        if page_name != "apps.html":
            assert pg.locator("nav.ck-nav a[href='index.html']").count() == 1
    assert pg.ck_errors == [], pg.ck_errors
    pg.context.close()
    assert len(seen) == len(chapters) + 1
