"""A course folder of your own: ``casekit init DIR`` (:func:`init_course`).

After ``pip install casekit``, the curriculum notebooks and the apps live inside the installed
package (:func:`casekit.resources.shipped_curriculum`).  A learner or an instructor copies them into a
folder they own, where they can open, edit and rerun them::

    casekit init course
    cd course
    casekit notebooks                                   # the chapters, in teaching order
    casekit run notebooks/00_welcome.ipynb -p seed 7    # rerun one with other parameters
    casekit apps                                        # the app gallery on 127.0.0.1
    jupyter lab                                         # or open the notebooks yourself

The folder gets ``notebooks/`` (the chapters), ``notebooks/apps/`` (the apps) and a ``README.md``
listing the chapters.  The data stay inside casekit (``casekit.datasets``), so nothing else is copied.
An existing non-empty folder is refused unless ``force=True``, which overwrites the curriculum files
of the same name and leaves every other file alone.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from casekit.catalog import app_paths, curriculum_paths, notebook_title
from casekit.resources import MissingResource, shipped_curriculum

__all__ = ["CourseFolder", "CourseFolderError", "init_course", "course_readme"]


class CourseFolderError(ValueError):
    """``casekit init`` cannot write the course folder; ``str()`` is one line naming the path."""


@dataclass(frozen=True)
class CourseFolder:
    """What :func:`init_course` wrote.

    Attributes
    ----------
    path : Path
        The course folder.
    notebooks, apps : tuple of Path
        The chapters (``notebooks/NN_slug.ipynb``) and apps (``notebooks/apps/*.ipynb``) copied.
    readme : Path
        The folder's ``README.md``.
    overwritten : tuple of Path
        Files that existed before and were replaced (only with ``force=True``).
    """

    path: Path
    notebooks: tuple[Path, ...] = field(repr=False)
    apps: tuple[Path, ...] = field(repr=False)
    readme: Path
    overwritten: tuple[Path, ...] = field(repr=False, default=())

    def summary(self) -> str:
        """Two lines: what was copied, and what to do next."""
        return (f"created the course folder {self.path}: {len(self.notebooks)} chapters in notebooks/, "
                f"{len(self.apps)} apps in notebooks/apps/, README.md"
                + (f" ({len(self.overwritten)} files overwritten)" if self.overwritten else "")
                + f"\nnext: cd {self.path} && casekit notebooks   (then casekit run notebooks/<chapter>.ipynb, "
                  f"casekit apps or jupyter lab)")


def _title(path: Path) -> str:
    return notebook_title(json.loads(path.read_text(encoding="utf-8"))) or path.stem


def course_readme(chapters: list[Path], apps: list[Path]) -> str:
    """The course folder's README: how to work with it, and the chapters and apps by title."""
    lines = [
        "# casekit course folder",
        "",
        "Multi-echelon inventory control under stochastic demand and lead-time uncertainty: a notebook",
        "curriculum from the basics of demand and lead-time distributions to two full case studies.",
        "",
        "## Working here",
        "",
        "| Command (run in this folder) | What it does |",
        "|---|---|",
        "| `jupyter lab` | open the chapters and work through them in order |",
        "| `casekit notebooks` | list the chapters with their parameters and time budgets |",
        "| `casekit run notebooks/00_welcome.ipynb -p seed 7` | rerun a chapter with other parameters; "
        "the executed notebook, an HTML copy and `results.json` go to `build/runs/` |",
        "| `casekit apps` | serve the interactive apps on 127.0.0.1 (the printed URL carries an access token) |",
        "",
        "Each chapter's first code cell holds its parameters (seed, sizes, service levels); change them",
        "there or with `casekit run -p`.  The exercises at the end of each chapter check your answers in",
        "place.  The data the chapters read come with casekit itself (`casekit.datasets`).",
        "",
        "## Chapters",
        "",
    ]
    lines += [f"- `notebooks/{p.name}`: {_title(p)}" for p in chapters]
    lines += ["", "## Apps (`casekit apps`)", ""]
    lines += [f"- `notebooks/apps/{p.name}`: {_title(p)}" for p in apps]
    return "\n".join(lines) + "\n"


def init_course(directory, force: bool = False) -> CourseFolder:
    """Copy the curriculum notebooks, the apps and a README into ``directory``.

    Parameters
    ----------
    directory : str or Path
        The course folder; created if missing (with its parents).
    force : bool
        Write into an existing non-empty folder, replacing curriculum files of the same name.

    Raises
    ------
    CourseFolderError
        ``directory`` is a file, is not empty (without ``force``), or cannot be written.
    MissingResource
        The installed casekit has no curriculum to copy.
    """
    if not isinstance(force, bool):
        raise TypeError(f"force must be True or False, got {force!r}")
    target = Path(directory).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise CourseFolderError(f"{target} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise CourseFolderError(f"{target} is not empty; choose a new folder, or pass --force to "
                                f"overwrite the curriculum files in it")
    source = shipped_curriculum()
    chapters, apps = curriculum_paths(source), app_paths(source)
    if not chapters:
        raise MissingResource(f"casekit's curriculum notebooks are missing from {source / 'notebooks'}")
    copies = [(p, target / "notebooks" / p.name) for p in chapters]
    copies += [(p, target / "notebooks" / "apps" / p.name) for p in apps]
    readme = target / "README.md"
    overwritten = tuple(dst for _, dst in copies if dst.exists()) + ((readme,) if readme.exists() else ())
    try:
        (target / "notebooks" / "apps").mkdir(parents=True, exist_ok=True)
        for src, dst in copies:
            shutil.copyfile(src, dst)
        readme.write_text(course_readme(chapters, apps), encoding="utf-8")
    except OSError as exc:
        raise CourseFolderError(f"cannot write the course folder {target}: {exc.strerror or exc}") from None
    n = len(chapters)
    return CourseFolder(path=target, notebooks=tuple(dst for _, dst in copies[:n]),
                        apps=tuple(dst for _, dst in copies[n:]), readme=readme, overwritten=overwritten)
