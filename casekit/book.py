"""The course book: the executed curriculum as a static website (``make book`` / ``casekit book``).

Each chapter ``notebooks/NN_slug.ipynb`` becomes ``NN_slug.html`` with its outputs (tables, plots,
printed checks) as the last run produced them, so the book reads without a kernel.  Every page
carries the same navigation: the contents page, the previous and the next chapter, and the whole
table of contents; ``index.html`` lists the chapters in teaching order and ``apps.html`` the
interactive apps with how to run them locally (they need a kernel, so the book cannot host them);
a chapter's own interactive controls are replaced by a note saying so.
Links in the notebooks' text to a chapter (``NN_slug.ipynb``) or an app (``apps/name.ipynb``)
point at their pages in the book.

Executed notebooks from ``make notebooks`` (``build/notebooks/<stem>/<name>.ipynb``) are reused when
they are newer than their source; any other chapter is executed first (``casekit.runner``).  A chapter
whose run stopped with an error is refused: the book never publishes a traceback.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from casekit.catalog import app_paths, curriculum_paths, notebook_title

__all__ = ["BookError", "Chapter", "Book", "toc", "build_book"]

BOOK_TITLE = "casekit: multi-echelon inventory control under uncertainty"
MARKER = ".casekit-book"


class BookError(RuntimeError):
    """The book cannot be built; ``str()`` is one line naming the chapter or path."""


@dataclass(frozen=True)
class Chapter:
    """One entry of the table of contents: the source notebook, its page and its title."""

    source: Path
    page: str
    title: str

    @property
    def number(self) -> str:
        return self.source.name[:2]


@dataclass(frozen=True)
class Book:
    """What :func:`build_book` wrote.

    Attributes
    ----------
    out_dir : Path
        The site's folder; open ``index`` in a browser.
    index : Path
        The contents page.
    chapters : tuple of Chapter
        In teaching order.
    reused, executed : tuple of str
        Chapters whose executed notebook came from ``make notebooks``, and chapters run for this build.
    seconds : float
        Build time (wall clock), executions included.
    """

    out_dir: Path
    index: Path
    chapters: tuple[Chapter, ...] = field(repr=False)
    reused: tuple[str, ...] = field(repr=False)
    executed: tuple[str, ...] = field(repr=False)
    seconds: float


def _title(path: Path) -> str:
    return notebook_title(json.loads(Path(path).read_text(encoding="utf-8"))) or path.stem


def toc(root: Path | None = None) -> list[Chapter]:
    """The book's table of contents: every curriculum chapter of ``root`` (default the course
    folder, :func:`casekit.catalog.project_root`) in teaching order."""
    return [Chapter(source=p, page=p.stem + ".html", title=_title(p)) for p in curriculum_paths(root)]


# ---------------------------------------------------------------------------------------------- links

_CHAPTER_LINK = re.compile(r"\]\((?:\.?/)?(?:notebooks/)?(\d{2}_[a-z0-9_]+)\.ipynb(#[^)\s]*)?\)")
_APP_LINK = re.compile(r"\]\((?:\.?/)?(?:notebooks/)?apps/([a-z0-9_]+)\.ipynb\)")
_APP_MENTION = re.compile(r"(?<!\[)`(?:notebooks/)?apps/([a-z0-9_]+)\.ipynb`")


def book_links(markdown: str, pages: set[str]) -> str:
    """``markdown`` with links to chapters and apps pointed at the book's pages.

    ``[text](05_multi_echelon_structures.ipynb#section)`` -> ``[text](05_multi_echelon_structures.html#section)``
    when that chapter is in the book; ``[text](apps/x.ipynb)`` and a mention `` `apps/x.ipynb` ``
    -> a link to the app's entry on ``apps.html``.

    >>> book_links("see [the DES chapter](08_des.ipynb) and `apps/control_tower.ipynb`", {"08_des.html"})
    'see [the DES chapter](08_des.html) and [`apps/control_tower.ipynb`](apps.html#control_tower)'
    """
    def chapter(m):
        page = m.group(1) + ".html"
        return f"]({page}{m.group(2) or ''})" if page in pages else m.group(0)

    markdown = _CHAPTER_LINK.sub(chapter, markdown)
    markdown = _APP_LINK.sub(lambda m: f"](apps.html#{m.group(1)})", markdown)
    return _APP_MENTION.sub(lambda m: f"[{m.group(0)}](apps.html#{m.group(1)})", markdown)


# ---------------------------------------------------------------------------------------------- pages

STYLE = """
.ck-nav { font: 15px system-ui, sans-serif; background: #f4f6f8; border-bottom: 1px solid #d0d7de;
          padding: 0.6rem 1.2rem; display: flex; gap: 1.2rem; align-items: baseline; flex-wrap: wrap; }
.ck-nav a { color: #0b5cad; text-decoration: none; }
.ck-nav details { margin-left: auto; }
.ck-nav details ul { list-style: none; background: white; border: 1px solid #d0d7de; padding: 0.6rem 2rem; position: absolute;
                     right: 1rem; z-index: 10; max-height: 70vh; overflow: auto; }
.ck-foot { font: 15px system-ui, sans-serif; border-top: 1px solid #d0d7de; padding: 0.8rem 1.2rem;
           display: flex; justify-content: space-between; }
.ck-page { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
.ck-page li { margin: 0.3rem 0; }
.ck-widget-note { font: 15px system-ui, sans-serif; background: #fff8e1; border: 1px solid #f0d58c;
                  border-radius: 4px; padding: 0.5rem 0.8rem; }
#ck-toc { list-style: none; padding-left: 0; }
"""


def _nav(chapters: list[Chapter], i: int | None) -> tuple[str, str]:
    """The header and footer of a page (``i`` = the chapter's position, None for other pages)."""
    items = "".join(f'<li><a href="{c.page}">{html.escape(c.number + " " + c.title)}</a></li>'
                    for c in chapters)
    prev_link = next_link = ""
    if i is not None and i > 0:
        prev_link = f'<a class="ck-prev" href="{chapters[i - 1].page}">&larr; {html.escape(chapters[i - 1].title)}</a>'
    if i is not None and i + 1 < len(chapters):
        next_link = f'<a class="ck-next" href="{chapters[i + 1].page}">{html.escape(chapters[i + 1].title)} &rarr;</a>'
    header = (f'<nav class="ck-nav"><a href="index.html"><b>casekit course book</b></a>'
              f'<a href="apps.html">Apps</a>{prev_link}{next_link}'
              f'<details><summary>Contents</summary><ul>{items}</ul></details></nav>')
    footer = f'<footer class="ck-foot"><span>{prev_link}</span><a href="index.html">Contents</a><span>{next_link}</span></footer>'
    return header, footer


def _standalone(title: str, body: str, chapters: list[Chapter]) -> str:
    header, footer = _nav(chapters, None)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<style>{STYLE}</style></head><body>{header}<main class="ck-page">{body}</main>{footer}</body></html>\n')


def _index_page(chapters: list[Chapter]) -> str:
    rows = "".join(f'<li><a href="{c.page}">{c.number} {html.escape(c.title)}</a></li>' for c in chapters)
    body = (f"<h1>{html.escape(BOOK_TITLE)}</h1>"
            "<p>The casekit curriculum with the outputs of its last run: every table, plot and check below "
            "was computed by casekit when the book was built. Read the chapters in order; each stands on "
            "the ones before it. To change a parameter or try an exercise, run the notebooks yourself "
            "(<code>pip install casekit</code>, then <code>casekit init course</code> and "
            "<code>jupyter lab</code> in that folder).</p>"
            f'<h2>Chapters</h2><ul id="ck-toc">{rows}</ul>'
            '<p>The <a href="apps.html">interactive apps</a> need a running kernel: see how to start them.</p>')
    return _standalone("casekit course book", body, chapters)


def _apps_page(apps: list[Path], chapters: list[Chapter]) -> str:
    items = []
    for p in apps:
        nb = json.loads(p.read_text(encoding="utf-8"))
        desc = nb.get("metadata", {}).get("casekit", {}).get("description", "")
        items.append(f'<li id="{p.stem}"><b>{html.escape(notebook_title(nb) or p.stem)}</b> '
                     f'(<code>notebooks/apps/{p.name}</code>)<br>{html.escape(desc)}</li>')
    body = ("<h1>Interactive apps</h1>"
            "<p>The apps answer your controls with live computations, so they run on your machine, not in "
            "this book. To run them locally:</p>"
            "<pre>pip install casekit\ncasekit init course\ncd course\ncasekit apps</pre>"
            "<p><code>casekit apps</code> prints the gallery's address on 127.0.0.1 with its access token; "
            "open it in a browser. Each app is also a notebook you can open in JupyterLab.</p>"
            f'<ul id="ck-apps">{"".join(items)}</ul>')
    return _standalone("casekit apps", body, chapters)


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ('<div class="ck-widget-note">Interactive controls appear here when you run this chapter '
               'yourself: they need a running kernel (<a href="apps.html">how to run casekit locally</a>).</div>')


def _error_output(nb: dict) -> str | None:
    for k, cell in enumerate(nb.get("cells", []), start=1):
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            if out.get("output_type") == "error":
                return f"cell {k}: {out.get('ename', 'Error')}: {' '.join(str(out.get('evalue', '')).split())[:120]}"
    return None


def _chapter_page(executed: Path, chapters: list[Chapter], i: int) -> str:
    import nbconvert
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    problem = _error_output(nb)
    if problem:
        raise BookError(f"{chapters[i].source.name} stopped with an error in its executed copy {executed} "
                        f"({problem}); fix and rerun it before building the book")
    pages = {c.page for c in chapters}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = book_links(cell.source, pages)
        for out in cell.get("outputs", []):       # a control needs a kernel: say so where it would be
            if WIDGET_MIME in out.get("data", {}):
                out["data"] = {"text/html": WIDGET_NOTE}
    body, _ = nbconvert.HTMLExporter(template_name="lab").from_notebook_node(
        nb, resources={"metadata": {"name": chapters[i].title}})
    header, footer = _nav(chapters, i)
    body = body.replace("</head>", f"<style>{STYLE}</style>\n</head>", 1)
    body, n = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + header, body, count=1)
    if n != 1:
        raise BookError(f"nbconvert's page for {chapters[i].source.name} has no <body> to add the navigation to")
    return body.replace("</body>", footer + "</body>", 1)


def _executed_copy(chapter: Chapter, executed_dir: Path | None) -> Path | None:
    """The executed notebook from ``make notebooks``, if it is there and newer than its source."""
    if executed_dir is None:
        return None
    path = Path(executed_dir) / chapter.source.stem / chapter.source.name
    if path.is_file() and path.stat().st_mtime >= chapter.source.stat().st_mtime:
        return path
    return None


def build_book(out_dir="build/book", executed_dir="build/notebooks", *, root: Path | None = None,
               execute_missing: bool = True, log=print) -> Book:
    """Build the course book into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        The site's folder (created; a previous book's pages in it are replaced, and a non-empty
        folder that holds no book is refused).
    executed_dir : str or Path or None
        Where ``make notebooks`` put the executed chapters (``<stem>/<name>.ipynb``); a copy newer
        than its source is reused.  None executes every chapter.
    root : Path, optional
        The course folder whose curriculum to publish (default :func:`casekit.catalog.project_root`).
    execute_missing : bool
        Run a chapter that has no up-to-date executed copy (else :class:`BookError`).
    log : callable
        Called with one line per chapter (``print`` by default; ``None`` for silence).

    Raises
    ------
    BookError
        A chapter has no executed copy (``execute_missing=False``), its run failed, or its executed
        copy holds an error output.
    """
    from casekit.runner import RunError, run_notebook

    start = time.perf_counter()
    log = log or (lambda line: None)
    chapters = toc(root)
    if not chapters:
        raise BookError(f"no chapters (notebooks/NN_slug.ipynb) under {root}")
    out = Path(out_dir)
    marker = out / MARKER
    if out.is_dir() and any(out.iterdir()) and not marker.exists():
        raise BookError(f"{out.resolve()} is not empty and holds no casekit book; choose another --out folder")
    out.mkdir(parents=True, exist_ok=True)
    marker.write_text("built by casekit.book.build_book; its pages are replaced on the next build\n")
    for old in out.glob("*.html"):       # pages of chapters that no longer exist must not linger
        old.unlink()
    reused, executed = [], []
    for i, chapter in enumerate(chapters):
        t = time.perf_counter()
        copy = _executed_copy(chapter, executed_dir)
        if copy is not None:
            reused.append(chapter.source.name)
        elif not execute_missing:
            raise BookError(f"{chapter.source.name} has no executed copy newer than its source in {executed_dir}; "
                            f"run `make notebooks` first")
        else:   # run it where `make notebooks` would have put it, so the next build reuses it
            run_dir = Path(executed_dir if executed_dir is not None else out / "_executed") / chapter.source.stem
            try:
                copy = run_notebook(chapter.source, {}, run_dir, allow_any_notebook=True).executed
            except RunError as exc:
                raise BookError(f"{chapter.source.name} did not run: {exc}") from None
            executed.append(chapter.source.name)
        (out / chapter.page).write_text(_chapter_page(copy, chapters, i), encoding="utf-8")
        log(f"{time.perf_counter() - t:6.1f} s  {chapter.page}"
            + ("  (executed now)" if executed and executed[-1] == chapter.source.name else ""))
    (out / "index.html").write_text(_index_page(chapters), encoding="utf-8")
    (out / "apps.html").write_text(_apps_page(app_paths(root), chapters), encoding="utf-8")
    shutil.rmtree(out / "_executed", ignore_errors=True)
    return Book(out_dir=out, index=out / "index.html", chapters=tuple(chapters), reused=tuple(reused),
                executed=tuple(executed), seconds=time.perf_counter() - start)
