"""Repository-wide pytest plumbing: time every notebook that nbval executes.

``make test`` runs ``pytest --nbval-lax`` over notebooks/; nbval turns each code cell into a test
item.  This plugin adds up the time of a notebook's items (kernel start-up included) and, at its
last cell, fails that cell's report when the notebook ran over its budget: 90 s, or the
``casekit.time_budget_s`` value in the notebook's metadata.  The times are printed at the end of
the run and written to build/notebook-times.json.

``make test`` runs on both cores (pytest-xdist, ``-n 2``), scheduled by file: a notebook's cells
run in order on one kernel and a module's fixtures are built once; the browser tests share one
Voila server and one chromium, so they all go to one worker.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

DEFAULT_BUDGET_S = 90.0
_ROOT = Path(__file__).parent
_elapsed: dict[str, float] = defaultdict(float)
_last_item: dict[str, str] = {}
_budget: dict[str, float] = {}
_reported: dict[str, float] = defaultdict(float)   # what the summary prints (reports from every worker)


def notebook_budget(path: Path) -> float:
    """The run-time budget of a notebook in seconds (metadata casekit.time_budget_s, else 90)."""
    meta = json.loads(Path(path).read_text(encoding="utf-8")).get("metadata", {})
    return float(meta.get("casekit", {}).get("time_budget_s", DEFAULT_BUDGET_S))


def _nb_key(item) -> str | None:
    path = Path(str(item.fspath))
    return str(path.relative_to(_ROOT)) if path.suffix == ".ipynb" else None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scheduling by file, with all browser tests as one unit."""
    from xdist.scheduler import LoadFileScheduling

    class ByFileBrowserTogether(LoadFileScheduling):
        def _split_scope(self, nodeid):
            return "tests/browser" if nodeid.startswith("tests/browser/") else super()._split_scope(nodeid)

    return ByFileBrowserTogether(config, log)


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        key = _nb_key(item)
        if key:
            _last_item[key] = item.nodeid
            _budget.setdefault(key, notebook_budget(_ROOT / key))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    key = _nb_key(item)
    if key is None:
        return
    report = outcome.get_result()
    _elapsed[key] += call.duration
    if call.when == "call" and item.nodeid == _last_item.get(key) and report.passed:
        if _elapsed[key] > _budget[key]:
            report.outcome = "failed"
            report.longrepr = (f"{key} took {_elapsed[key]:.1f} s, over its budget of "
                               f"{_budget[key]:.0f} s (DESIGN.md: every notebook under 90 s)")


def pytest_runtest_logreport(report):
    """Collect notebook times from the reports (in the main process, whichever worker ran them)."""
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _reported[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _reported:
        return
    terminalreporter.section("notebook run times")
    for key in sorted(_reported):
        budget = _budget.get(key) or notebook_budget(_ROOT / key)
        flag = "OVER BUDGET" if _reported[key] > budget else "ok"
        terminalreporter.write_line(f"{_reported[key]:7.1f} s / {budget:4.0f} s  {flag:11s} {key}")
    terminalreporter.write_line(f"{sum(_reported.values()):7.1f} s  total")
    out = _ROOT / "build" / "notebook-times.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({k: round(v, 2) for k, v in sorted(_reported.items())}, indent=2))
