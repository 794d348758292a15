"""Rerun a notebook with parameters (papermill), the engine behind ``casekit run``.

A run writes, into its output folder, the executed notebook, an HTML export and ``results.json``
(everything the notebook passed to :func:`casekit.record`).  Parameter names are checked against
the notebook's ``parameters`` cell *before* anything executes; a value the notebook itself rejects
ends the run with the notebook's own message (:class:`RunError`), not a traceback wall.
"""

from __future__ import annotations

import ast
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from casekit._record import RESULTS_ENV
from casekit.catalog import notebook_parameters


class RunError(RuntimeError):
    """A notebook run that did not finish; ``str()`` is one line a person can act on."""


@dataclass(frozen=True)
class RunResult:
    """Where a run wrote its outputs, what it recorded and how long it took (seconds)."""

    notebook: Path
    out_dir: Path
    executed: Path
    html: Path
    results_json: Path
    results: dict = field(repr=False)
    seconds: float


def parse_value(text: str):
    """Turn a command-line string into a Python value: int, float, bool, None, list/dict literal,
    else the string itself (``-p scenario none`` gives the string "none")."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value


def check_parameters(notebook: Path, parameters: dict) -> dict[str, dict]:
    """Raise :class:`RunError` naming the valid parameters if any name is unknown."""
    valid = notebook_parameters(notebook)
    unknown = [name for name in parameters if name not in valid]
    if unknown:
        raise RunError(f"unknown parameter {', '.join(map(repr, unknown))} for {notebook.name}; "
                       f"valid parameters: {', '.join(valid) or '(none)'}")
    return valid


def default_out_dir(notebook: Path, root: Path | None = None) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return (root or Path.cwd()) / "build" / "runs" / f"{notebook.stem}-{stamp}"


def export_html(executed: Path, html: Path) -> None:
    import nbconvert
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    html.write_text(body, encoding="utf-8")


def run_notebook(notebook, parameters: dict | None = None, out_dir=None, *,
                 kernel_name: str = "python3", timeout: int | None = 1800) -> RunResult:
    """Execute ``notebook`` with ``parameters`` into ``out_dir`` (default build/runs/<name>-<time>/).

    Raises :class:`RunError` for an unknown parameter (before executing) and for a notebook that
    stops with an exception (after writing what ran, so the executed notebook can be inspected).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook).resolve()
    if not notebook.is_file():
        raise RunError(f"no notebook at {notebook}")
    parameters = dict(parameters or {})
    check_parameters(notebook, parameters)
    out = Path(out_dir) if out_dir else default_out_dir(notebook)
    out.mkdir(parents=True, exist_ok=True)
    executed = out / notebook.name
    html = out / (notebook.stem + ".html")
    results_json = out / "results.json"
    results_json.write_text("{}")
    previous = os.environ.get(RESULTS_ENV)
    os.environ[RESULTS_ENV] = str(results_json.resolve())
    start = time.perf_counter()
    try:
        papermill.execute_notebook(str(notebook), str(executed), parameters=parameters,
                                   kernel_name=kernel_name, cwd=str(notebook.parent),
                                   progress_bar=False, log_output=False, execution_timeout=timeout)
    except PapermillExecutionError as exc:
        raise RunError(f"{notebook.name} stopped in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
                       f"(executed notebook: {executed})") from None
    finally:
        if previous is None:
            os.environ.pop(RESULTS_ENV, None)
        else:
            os.environ[RESULTS_ENV] = previous
        if executed.exists():
            export_html(executed, html)
    seconds = time.perf_counter() - start
    results = json.loads(results_json.read_text())
    return RunResult(notebook, out, executed, html, results_json, results, seconds)
