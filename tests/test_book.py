"""The course book: its table of contents is the curriculum, its pages link up, errors are refused.

The full build executes the curriculum (minutes: ``make book``); these tests build a book of two
small executed chapters instead, and check the real table of contents against the notebooks.
"""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from casekit.book import BookError, book_links, build_book, toc
from casekit.catalog import notebook_title

# a 1x1 PNG, as matplotlib's inline backend stores a figure
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def test_toc_lists_every_chapter_in_teaching_order_with_its_title(repo_root):
    chapters = toc(repo_root)
    sources = sorted((repo_root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [c.source for c in chapters] == sources
    assert [c.page for c in chapters] == [p.stem + ".html" for p in sources]
    for c in chapters:
        assert c.title == notebook_title(json.loads(c.source.read_text())) and c.title


def _chapter(path: Path, title: str, text: str, outputs) -> None:
    nb = new_notebook(cells=[new_markdown_cell(f"# {title}\n\n{text}"), new_code_cell("x = 1", outputs=outputs)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def _course(tmp_path, second_outputs=None):
    """A course folder of two chapters and an app, with executed copies as `make notebooks` leaves them."""
    root, executed = tmp_path / "course", tmp_path / "executed"
    table = new_output("execute_result", {"text/html": "<table><tr><th>kpi</th></tr><tr><td>0.95</td></tr></table>",
                                          "text/plain": "kpi 0.95"}, execution_count=1)
    plot = new_output("display_data", {"image/png": PNG, "text/plain": "<Figure>"})
    widget = new_output("display_data", {"application/vnd.jupyter.widget-view+json": {
        "model_id": "abc", "version_major": 2, "version_minor": 0}, "text/plain": "VBox(children=(...))"})
    specs = [("00_first.ipynb", "First steps", "Next: [the second chapter](01_second.ipynb).", [table, widget]),
             ("01_second.ipynb", "Second steps", "Try `apps/explorer.ipynb`.", second_outputs or [plot])]
    for name, title, text, outputs in specs:
        _chapter(root / "notebooks" / name, title, text, [])
        _chapter(executed / Path(name).stem / name, title, text, outputs)
    app = new_notebook(cells=[new_markdown_cell("# Explorer")])
    app.metadata["casekit"] = {"description": "Move a slider, see the stock."}
    (root / "notebooks" / "apps").mkdir()
    nbformat.write(app, str(root / "notebooks" / "apps" / "explorer.ipynb"))
    return root, executed


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids, self.imgs = [], set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "img":
            self.imgs.append(a.get("src", ""))


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_book_pages_tables_plots_and_links_resolve(tmp_path):
    root, executed = _course(tmp_path)
    book = build_book(tmp_path / "site", executed, root=root, execute_missing=False, log=None)
    site = book.out_dir
    assert book.reused == ("00_first.ipynb", "01_second.ipynb") and book.executed == ()
    assert sorted(p.name for p in site.glob("*.html")) == ["00_first.html", "01_second.html", "apps.html", "index.html"]

    index = site / "index.html"
    toc_links = re.findall(r'<li><a href="([^"]+)">', index.read_text().split('id="ck-toc"')[1])
    assert toc_links == ["00_first.html", "01_second.html"]

    first, second = site / "00_first.html", site / "01_second.html"
    assert "<td>0.95</td>" in first.read_text()                      # the table rendered as a table
    assert "Interactive controls appear here when you run this chapter" in first.read_text()
    assert "VBox(children" not in first.read_text()
    assert any(src.startswith("data:image/png;base64,") for src in _parse(second).imgs)   # the plot embedded
    assert 'href="01_second.html"' in first.read_text()              # the link in the text now points at the page
    assert 'class="ck-next" href="01_second.html"' in first.read_text()
    assert 'class="ck-prev" href="00_first.html"' in second.read_text()
    assert 'href="apps.html#explorer"' in second.read_text()
    assert "Move a slider, see the stock." in (site / "apps.html").read_text()

    for page in site.glob("*.html"):                                 # every internal link lands on a page and anchor
        for href in _parse(page).hrefs:
            if href.startswith(("http:", "https:", "mailto:")) or href.startswith("#"):
                continue
            target, _, anchor = href.partition("#")
            assert (site / target).is_file(), f"{page.name} links to a missing page {href}"
            if anchor:
                assert anchor in _parse(site / target).ids, f"{page.name} links to a missing anchor {href}"


def test_a_chapter_with_an_error_output_is_refused(tmp_path):
    error = new_output("error", ename="ValueError", evalue="service_level must be in (0, 1), got 1.5", traceback=[])
    root, executed = _course(tmp_path, second_outputs=[error])
    with pytest.raises(BookError, match=r"01_second.ipynb stopped with an error .*ValueError: service_level"):
        build_book(tmp_path / "site", executed, root=root, execute_missing=False, log=None)


def test_a_missing_or_stale_executed_copy_is_named(tmp_path):
    root, executed = _course(tmp_path)
    (executed / "01_second" / "01_second.ipynb").unlink()
    with pytest.raises(BookError, match=r"01_second.ipynb has no executed copy .* run `make notebooks` first"):
        build_book(tmp_path / "site", executed, root=root, execute_missing=False, log=None)


def test_book_links_leave_other_links_alone():
    text = "[paper](https://doi.org/x) [a chapter not in the book](99_none.ipynb) `code.ipynb`"
    assert book_links(text, {"00_first.html"}) == text


def test_a_folder_that_is_not_a_book_is_never_emptied(tmp_path):
    root, executed = _course(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.html").write_text("my page")
    with pytest.raises(BookError, match=f"{mine} is not empty and holds no casekit book"):
        build_book(mine, executed, root=root, execute_missing=False, log=None)
    assert (mine / "notes.html").read_text() == "my page"
    site = tmp_path / "site"
    build_book(site, executed, root=root, execute_missing=False, log=None)
    build_book(site, executed, root=root, execute_missing=False, log=None)    # a rebuild replaces its own pages
    assert (site / "index.html").is_file()
