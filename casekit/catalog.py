"""The curriculum as data: which notebooks and apps exist, their titles, budgets and parameters.

Read from the notebooks themselves (title = the first ``# `` heading, parameters = papermill's
inspection of the ``parameters`` cell, budget = metadata ``casekit.time_budget_s`` or 90 s), so
the README table, ``casekit notebooks`` and the welcome notebook never drift from the files.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from casekit.resources import shipped_curriculum

DEFAULT_BUDGET_S = 90.0
_NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.ipynb$")


def project_root() -> Path:
    """The course folder casekit works in.

    ``$CASEKIT_ROOT`` when set; else the nearest folder, from the current directory upwards, that
    holds a curriculum (``notebooks/NN_slug.ipynb``: a folder made by ``casekit init``, or a source
    checkout), so a kernel started in ``notebooks/`` finds it too; else the curriculum shipped with
    casekit (:func:`casekit.resources.shipped_curriculum`).
    """
    env = os.environ.get("CASEKIT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if any((folder / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            return folder
    return shipped_curriculum()


def notebooks_dir(root: Path | None = None) -> Path:
    """``notebooks/`` of ``root`` (default :func:`project_root`)."""
    return Path(root or project_root()) / "notebooks"


def apps_dir(root: Path | None = None) -> Path:
    """``notebooks/apps/`` of ``root`` (default :func:`project_root`)."""
    return notebooks_dir(root) / "apps"


@dataclass(frozen=True)
class NotebookInfo:
    """One notebook of the curriculum or one app."""

    path: Path
    title: str
    budget_s: float
    description: str
    parameters: dict[str, dict]

    @property
    def name(self) -> str:
        return self.path.name


def _read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def notebook_title(nb: dict) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def notebook_parameters(path: Path) -> dict[str, dict]:
    """``{name: {"default": str, "type": str, "help": str}}`` of the ``parameters`` cell
    (papermill's own inspection, so it is exactly what ``-p`` accepts)."""
    import papermill

    params = papermill.inspect_notebook(str(path))
    return {name: {"default": p["default"], "type": p["inferred_type_name"], "help": p["help"]}
            for name, p in params.items()}


def describe(path: Path) -> NotebookInfo:
    path = Path(path)
    nb = _read(path)
    meta = nb.get("metadata", {}).get("casekit", {})
    return NotebookInfo(
        path=path,
        title=notebook_title(nb),
        budget_s=float(meta.get("time_budget_s", DEFAULT_BUDGET_S)),
        description=meta.get("description", ""),
        parameters=notebook_parameters(path),
    )


def curriculum_paths(root: Path | None = None) -> list[Path]:
    """Curriculum notebooks ``NN_slug.ipynb`` of ``root`` (default :func:`project_root`) in
    teaching order."""
    return sorted(p for p in notebooks_dir(root).glob("*.ipynb") if _NAME.match(p.name))


def app_paths(root: Path | None = None) -> list[Path]:
    """Voila apps of ``root`` (default :func:`project_root`), ordered by metadata ``casekit.order``
    (smallest first), then by name."""
    def key(p: Path):
        return (_read(p).get("metadata", {}).get("casekit", {}).get("order", 100), p.name)
    return sorted(apps_dir(root).glob("*.ipynb"), key=key)


def curriculum() -> pd.DataFrame:
    """The curriculum as a table: notebook, title, time budget and parameters."""
    rows = []
    for p in curriculum_paths():
        info = describe(p)
        rows.append({"notebook": info.name, "title": info.title, "budget_s": info.budget_s,
                     "parameters": ", ".join(info.parameters)})
    return pd.DataFrame(rows, columns=["notebook", "title", "budget_s", "parameters"])


def apps() -> pd.DataFrame:
    """The Voila apps: file, title and the one-sentence description shown in the gallery."""
    rows = []
    for p in app_paths():
        nb = _read(p)
        rows.append({"app": p.name, "title": notebook_title(nb),
                     "description": nb.get("metadata", {}).get("casekit", {}).get("description", "")})
    return pd.DataFrame(rows, columns=["app", "title", "description"])
